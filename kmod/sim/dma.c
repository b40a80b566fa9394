// SPDX-License-Identifier: GPL-2.0
/*
 * DMA between the sim provider's host and kernel buffers. The host is this
 * kernel and the virtual bus has no IOMMU, so bus addresses are physical
 * addresses: a copy, page by page. Only memory the host may give a device
 * is touched: System RAM with a struct page. Never the BAR window or other
 * MMIO, and never a reserved page (kernel image, firmware tables) as a
 * destination.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "../snap.h"
#include "simdev.h"

static bool snap_sim_dma_ok(u64 addr, u32 len, bool to_host)
{
	unsigned long pfn = PHYS_PFN(addr), last = PHYS_PFN(addr + len - 1);

	if (region_intersects(addr, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS)
		return false;
	for (; pfn <= last; pfn++) {
		if (!pfn_valid(pfn))
			return false;
		/*
		 * The host may still read from one (ZERO_PAGE() is reserved
		 * and the block layer writes zeroes from it).
		 */
		if (to_host && PageReserved(pfn_to_page(pfn)))
			return false;
	}
	return true;
}

/* Under cfg_lock: whether the function may master the bus now. */
static bool snap_sim_dma_allowed(struct snap_sim_fn *fn)
{
	return fn->master && !fn->reset_pending;
}

/**
 * snap_sim_dma() - the provider's dma op
 * @func: the function doing DMA
 * @host_addr: host bus address, i.e. physical address
 * @buf: kernel buffer
 * @len: bytes to move
 * @dir: %SNAP_DMA_FROM_HOST (host -> @buf) or %SNAP_DMA_TO_HOST
 *
 * Every page is checked before any byte moves. Process context.
 *
 * Return: 0, or -EIO when bus mastering is off (or a reset of the function
 * is under way) or some of the range is not host RAM; the latter also sets
 * Received Master Abort in the function's Status register, as a bridge
 * answering an unclaimed request would.
 */
int snap_sim_dma(struct snap_func *func, u64 host_addr, void *buf, u32 len,
		 enum snap_dma_dir dir)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	bool to_host = dir == SNAP_DMA_TO_HOST;
	struct snap_sim *sim;
	unsigned long flags;
	u32 off, chunk;
	struct page *page;
	void *vaddr;
	bool ok;

	if (!fn)
		return -ENODEV;
	if (!len)
		return 0;
	sim = fn->sim;
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	ok = snap_sim_dma_allowed(fn);
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	if (!ok)
		return -EIO;

	if (host_addr + len - 1 < host_addr ||
	    !snap_sim_dma_ok(host_addr, len, to_host)) {
		raw_spin_lock_irqsave(&sim->cfg_lock, flags);
		snap_cfg_set_status(&fn->cfg, PCI_STATUS_REC_MASTER_ABORT);
		raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
		return -EIO;
	}

	while (len) {
		off = offset_in_page(host_addr);
		chunk = min_t(u32, len, PAGE_SIZE - off);
		page = pfn_to_page(PHYS_PFN(host_addr));
		vaddr = kmap_local_page(page);
		if (to_host)
			memcpy(vaddr + off, buf, chunk);
		else
			memcpy(buf, vaddr + off, chunk);
		kunmap_local(vaddr);
		host_addr += chunk;
		buf += chunk;
		len -= chunk;
		cond_resched();
	}
	return 0;
}
