// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronous traps on BAR registers of the sim bus.
 *
 * BAR memory of the sim bus is RAM: a host write lands there and nobody
 * hears it. NVMe copes (poll.c watches doorbells), but virtio-pci cannot:
 * its driver writes queue_select and at once reads queue_size, writes
 * device_status = 0 and spins until it reads 0, writes a vector and reads
 * it back. Those registers must answer the access that is being made.
 *
 * The host drivers of such registers reach them through the out-of-line
 * iomap accessors (ioread8/16/32, iowrite8/16/32 of lib/iomap.c), which
 * x86 builds with GENERIC_IOMAP. A kprobe on each of those six functions
 * sends an access that falls into the bus's BAR window to our own
 * accessor, which asks the sim to emulate it; every other access goes on
 * into the original function.
 *
 * Why kprobes: ftrace with IP modification (what livepatch uses) would
 * cost an unrelated caller a function call, but Debian builds lib/
 * without -pg, so ioread* have no ftrace site (measured: they are absent
 * from available_filter_functions). A kprobe costs every ioread/iowrite
 * caller a breakpoint trap and a single step instead (measured in
 * Documentation/datapath.md); the kprobes carry a post handler so that
 * they are never jump-optimized, as an optimized kprobe ignores a changed
 * instruction pointer. mmiotrace's kmmio (page faults on the BAR pages
 * only, free for everyone else) would need the host driver's mappings
 * found and is not safe with two CPUs touching one page.
 *
 * The host driver's addresses are its own ioremap() mappings, so the
 * check translates the virtual address to a physical one with the page
 * tables; only addresses in the vmalloc area (where ioremap maps) are
 * looked at, and port I/O cookies never.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/io.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <asm/pgtable_types.h>

#include "simdev.h"

static phys_addr_t snap_trap_start, snap_trap_end;	/* inclusive */
static snap_sim_trap_fn snap_trap_handler;

/* Physical address of a kernel mapping, or false when it has none. */
static bool snap_trap_phys(const void __iomem *addr, phys_addr_t *phys)
{
	unsigned long va = (unsigned long)addr;
	unsigned long mask;
	unsigned int level;
	pte_t *pte;

	if (!is_vmalloc_addr((const void __force *)addr))
		return false;
	pte = lookup_address(va, &level);
	if (!pte || !pte_present(*pte))
		return false;
	/* Large pages: the low bits of the entry are flags (PAT too). */
	mask = page_level_mask(level);
	*phys = (pte_val(*pte) & PTE_PFN_MASK & mask) | (va & ~mask);
	return true;
}

static bool snap_trap_hit(const void __iomem *addr, phys_addr_t *phys)
{
	return snap_trap_phys(addr, phys) && *phys >= snap_trap_start &&
	       *phys <= snap_trap_end;
}

static u32 snap_trap_read(const void __iomem *addr, unsigned int size)
{
	phys_addr_t phys;
	u32 val;

	if (snap_trap_hit(addr, &phys) &&
	    snap_trap_handler(phys, size, false, &val))
		return val;
	/* Not a trapped register (an MSI-X table, say): plain RAM. */
	switch (size) {
	case 1:
		return readb(addr);
	case 2:
		return readw(addr);
	default:
		return readl(addr);
	}
}

static void snap_trap_write(void __iomem *addr, unsigned int size, u32 val)
{
	phys_addr_t phys;

	if (snap_trap_hit(addr, &phys) &&
	    snap_trap_handler(phys, size, true, &val))
		return;
	switch (size) {
	case 1:
		writeb(val, addr);
		break;
	case 2:
		writew(val, addr);
		break;
	default:
		writel(val, addr);
	}
}

/* The accessors a trapped access runs instead of lib/iomap.c's. */
static unsigned int snap_trap_ioread8(const void __iomem *addr)
{
	return snap_trap_read(addr, 1);
}

static unsigned int snap_trap_ioread16(const void __iomem *addr)
{
	return snap_trap_read(addr, 2);
}

static unsigned int snap_trap_ioread32(const void __iomem *addr)
{
	return snap_trap_read(addr, 4);
}

static void snap_trap_iowrite8(u8 val, void __iomem *addr)
{
	snap_trap_write(addr, 1, val);
}

static void snap_trap_iowrite16(u16 val, void __iomem *addr)
{
	snap_trap_write(addr, 2, val);
}

static void snap_trap_iowrite32(u32 val, void __iomem *addr)
{
	snap_trap_write(addr, 4, val);
}

/**
 * struct snap_trap_site - one trapped accessor
 * @kp: the kprobe on it
 * @repl: the accessor a trapped access runs instead
 * @write: the address is the second argument
 */
struct snap_trap_site {
	struct kprobe kp;
	unsigned long repl;
	bool write;
};

#define SNAP_TRAP_SITE(fn, is_write) \
	{ .kp.symbol_name = #fn, .repl = (unsigned long)snap_trap_##fn, \
	  .write = is_write }

static struct snap_trap_site snap_trap_sites[] = {
	SNAP_TRAP_SITE(ioread8, false),
	SNAP_TRAP_SITE(ioread16, false),
	SNAP_TRAP_SITE(ioread32, false),
	SNAP_TRAP_SITE(iowrite8, true),
	SNAP_TRAP_SITE(iowrite16, true),
	SNAP_TRAP_SITE(iowrite32, true),
};

/*
 * At the accessor's entry: arguments are in registers, the return
 * address on the stack. Resuming at the replacement runs it with the
 * same arguments and returns to the caller; returning 1 skips the single
 * step of the original instruction.
 */
static int snap_trap_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct snap_trap_site *site = container_of(kp, struct snap_trap_site, kp);
	void __iomem *addr;
	phys_addr_t phys;

	addr = (void __iomem *)(site->write ? regs->si : regs->di);
	if (!snap_trap_hit(addr, &phys))
		return 0;
	instruction_pointer_set(regs, site->repl);
	return 1;
}

/* Present only so that the kprobe is never optimized (see the top). */
static void snap_trap_post(struct kprobe *kp, struct pt_regs *regs,
			   unsigned long flags)
{
}

static struct kprobe *snap_trap_kps[ARRAY_SIZE(snap_trap_sites)];

/**
 * snap_sim_trap_start() - trap iomap accesses to a physical range
 * @start: first byte of the range (the sim bus's BAR window)
 * @end: last byte
 * @handler: emulates an access; called in the accessing context (any,
 *	hard irq included), must not sleep. Returns false to let the
 *	access go to RAM
 *
 * Return: 0, or a negative errno when the accessors cannot be probed.
 */
int snap_sim_trap_start(phys_addr_t start, phys_addr_t end,
			snap_sim_trap_fn handler)
{
	unsigned int i;
	int ret;

	snap_trap_start = start;
	snap_trap_end = end;
	snap_trap_handler = handler;
	for (i = 0; i < ARRAY_SIZE(snap_trap_sites); i++) {
		snap_trap_sites[i].kp.pre_handler = snap_trap_pre;
		snap_trap_sites[i].kp.post_handler = snap_trap_post;
		snap_trap_kps[i] = &snap_trap_sites[i].kp;
	}
	ret = register_kprobes(snap_trap_kps, ARRAY_SIZE(snap_trap_kps));
	if (ret)
		pr_err("cannot trap iomap accessors: %d\n", ret);
	return ret;
}

/**
 * snap_sim_trap_stop() - stop trapping
 *
 * No host driver may use the window any more (the bus is gone): an
 * access after this reads and writes plain RAM. Returns once no CPU is
 * in a handler.
 */
void snap_sim_trap_stop(void)
{
	unsigned int i;

	unregister_kprobes(snap_trap_kps, ARRAY_SIZE(snap_trap_kps));
	/* A kprobe cannot be registered twice without being reset. */
	for (i = 0; i < ARRAY_SIZE(snap_trap_sites); i++) {
		snap_trap_sites[i].kp.addr = NULL;
		snap_trap_sites[i].kp.flags = 0;
	}
}
