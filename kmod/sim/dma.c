// SPDX-License-Identifier: GPL-2.0
/*
 * DMA between the sim provider's host and kernel buffers. The host is this
 * kernel and the sim's IOMMU (iommu.c) maps bus addresses one to one onto
 * physical ones, so a transfer is a copy, page by page, of memory the host
 * mapped for the function in that direction. Never the BAR window or other
 * MMIO, never a page the host did not map or has unmapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "../snap.h"
#include "simdev.h"

/*
 * Whether the function may master the bus now. Read without cfg_lock,
 * which every DMA would otherwise take with interrupts off (~9 times per
 * virtio-blk read): the writers use WRITE_ONCE() (under it, or under
 * poll_lock for a hot-plug slot no function occupies yet), and a lock
 * would not stop a DMA that passed the check from going on after a
 * change anyway. Two reads may mix an old and a new flag; each mix
 * allows only what the state before or after did.
 */
static bool snap_sim_dma_allowed(struct snap_sim_fn *fn)
{
	return READ_ONCE(fn->master) && !READ_ONCE(fn->reset_pending);
}

/* What a bridge does with a request nobody claims. */
static void snap_sim_master_abort(struct snap_sim_fn *fn, u64 addr, u32 len)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	snap_cfg_set_status(&fn->cfg, PCI_STATUS_REC_MASTER_ABORT);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	atomic64_inc(&fn->iommu.faults);
	pr_warn_ratelimited("function %u: DMA to %#llx+%u, which the host did not map for it, refused\n",
			    fn->func->id, addr, len);
}

static bool snap_sim_dma_mapped(struct snap_sim_fn *fn, u64 addr, u32 len,
				bool to_host)
{
	unsigned long flags;
	bool ok;

	raw_spin_lock_irqsave(&fn->iommu.lock, flags);
	ok = snap_sim_iommu_allows(fn, addr, len, to_host);
	raw_spin_unlock_irqrestore(&fn->iommu.lock, flags);
	return ok;
}

/*
 * Copies one piece inside a page under the IOMMU lock, checking the
 * mapping again: an unmap since the first check wins, and one that comes
 * now waits until the piece is copied.
 */
static bool snap_sim_dma_piece(struct snap_sim_fn *fn, u64 addr, void *buf,
			       u32 len, bool to_host)
{
	unsigned long flags;
	void *vaddr;
	bool ok;

	raw_spin_lock_irqsave(&fn->iommu.lock, flags);
	ok = snap_sim_iommu_allows(fn, addr, len, to_host);
	if (ok) {
		vaddr = kmap_local_page(pfn_to_page(PHYS_PFN(addr)));
		if (to_host)
			memcpy(vaddr + offset_in_page(addr), buf, len);
		else
			memcpy(buf, vaddr + offset_in_page(addr), len);
		kunmap_local(vaddr);
	}
	raw_spin_unlock_irqrestore(&fn->iommu.lock, flags);
	return ok;
}

/**
 * snap_sim_dma() - the provider's dma op
 * @func: the function doing DMA
 * @host_addr: host bus address, i.e. physical address
 * @buf: kernel buffer
 * @len: bytes to move
 * @dir: %SNAP_DMA_FROM_HOST (host -> @buf) or %SNAP_DMA_TO_HOST
 *
 * The whole range is checked before any byte moves. Process context.
 *
 * Return: 0, or -EIO when bus mastering is off (or a reset of the function
 * is under way) or the host has not mapped the whole range for the
 * function in that direction; the latter (also when an unmap overtakes
 * the copy) sets Received Master Abort in the function's Status register,
 * as a bridge answering an unclaimed request would, and counts a fault.
 */
int snap_sim_dma(struct snap_func *func, u64 host_addr, void *buf, u32 len,
		 enum snap_dma_dir dir)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	bool to_host = dir == SNAP_DMA_TO_HOST;
	u64 addr = host_addr;
	u32 left = len, n;

	if (!fn)
		return -ENODEV;
	if (!len)
		return 0;
	if (!snap_sim_dma_allowed(fn))
		return -EIO;

	if (host_addr + len - 1 < host_addr)
		goto abort;
	/*
	 * A transfer within one page is one piece, whose own check is the
	 * whole check: ring indexes, commands, completions and most data
	 * come this way, with one walk of the mappings instead of two.
	 */
	if (offset_in_page(host_addr) + len > PAGE_SIZE &&
	    !snap_sim_dma_mapped(fn, host_addr, len, to_host))
		goto abort;
	while (left) {
		n = min_t(u32, left, PAGE_SIZE - offset_in_page(addr));
		if (!snap_sim_dma_piece(fn, addr, buf, n, to_host))
			goto abort;
		addr += n;
		buf += n;
		left -= n;
		cond_resched();
	}
	return 0;

abort:
	snap_sim_master_abort(fn, host_addr, len);
	return -EIO;
}

/* The provider's dma_faults op. */
u64 snap_sim_dma_faults(struct snap_func *func)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);

	return fn ? atomic64_read(&fn->iommu.faults) : 0;
}
