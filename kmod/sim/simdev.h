/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_SIMDEV_H
#define _SNAP_SIM_SIMDEV_H

/*
 * Internals of the sim provider, shared by bus.c (the root bus and config
 * space), poll.c (registers and doorbells), irq.c (MSI-X) and dma.c.
 */
#include <linux/io.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../provider.h"
#include "cfgspace.h"

/*
 * BAR0: registers (4 KiB), doorbells for up to 64 queue pairs with
 * stride 4 bytes (4 KiB is plenty), then the MSI-X table (64 vectors of
 * 16 bytes) and its PBA: 16 KiB holds it all.
 */
#define SNAP_NVME_BAR0_SIZE	SZ_16K
#define SNAP_NVME_MSIX_TABLE	0x2000
#define SNAP_NVME_MSIX_PBA	0x3000

struct snap_sim;

/**
 * struct snap_sim_fn - one emulated function on the sim bus
 * @sim: the bus it is on
 * @func: the registry's function
 * @devfn: its slot and function number
 * @num_msix: vectors in its MSI-X table
 * @cfg: config space; under @sim->cfg_lock, as is everything down to
 *	@cq_fresh
 * @cap: CAP, computed at start, published whenever memory decode turns on
 * @csts: the CSTS last published, written again when decode turns on
 * @regs_addr: bus address of BAR0 where the registers were last set up;
 *	0 before the first decode enable. Registers are used only while
 *	BAR0 still holds this address
 * @mem: Memory Space Enable as of the last config write
 * @master: Bus Master Enable as of the last config write
 * @reset_pending: an FLR or Bus Master Enable 1->0 reset the registers and
 *	@reset_work has not yet reset the data path: no DMA, no polling
 * @reset_gen: incremented on each such reset
 * @sq_map: submission queues that exist (bit = qid), from the data path
 * @cq_map: completion queues that exist
 * @sq_fresh: queues whose doorbell the poller must watch from 0 again
 * @cq_fresh: likewise for completion queues
 * @irq_pending: some vector may have its PBA bit set
 * @poll_lock: serializes the poller's pass over the function with
 *	@reset_work, so no register change is reported after a reset
 * @seen_reset_gen: the poller's: @reset_gen it last resynchronized to
 * @cc: the poller's: CC last reported to the data path
 * @sq_db: the poller's: SQ tail doorbells last reported
 * @cq_db: the poller's: CQ head doorbells last reported
 * @reset_work: calls snap_dp_func_reset() in process context
 * @pdev_lock: protects @pdev
 * @pdev: the host's pci_dev of this function (a reference), looked up
 *	again once it is unregistered (remove, rescan)
 * @irq_lock: protects @irq_fire and @irq_virq (taken in hard irq)
 * @irq_fire: vectors @irq_work must fire
 * @irq_virq: Linux irq number of each vector to fire
 * @irq_work: fires them in hard-irq context
 * @irq_due: the poller's: pending vectors it found unmasked
 */
struct snap_sim_fn {
	struct snap_sim *sim;
	struct snap_func *func;
	unsigned int devfn;
	u16 num_msix;

	struct snap_cfg cfg;
	u64 cap;
	u32 csts;
	u64 regs_addr;
	bool mem;
	bool master;
	bool reset_pending;
	u32 reset_gen;
	u64 sq_map, cq_map;
	u64 sq_fresh, cq_fresh;
	bool irq_pending;

	struct mutex poll_lock;		/* poller pass vs reset */
	u32 seen_reset_gen;
	u32 cc;
	u32 sq_db[SNAP_NVME_MAX_QUEUES];
	u32 cq_db[SNAP_NVME_MAX_QUEUES];

	struct work_struct reset_work;

	struct mutex pdev_lock;		/* protects pdev */
	struct pci_dev *pdev;
	raw_spinlock_t irq_lock;
	unsigned long *irq_fire;
	int *irq_virq;
	struct irq_work irq_work;
	unsigned long *irq_due;
};

/**
 * struct snap_sim - the sim bus
 * @sysdata: x86 reads the PCI domain from here
 * @cfg_lock: serializes config space, BAR0 register publication and the
 *	MSI-X table and PBA. x86 has PCI_LOCKLESS_CONFIG: the PCI core
 *	serializes only user (sysfs) config accesses, and config accesses
 *	come from any context, hence a raw spinlock
 * @ivshmem: QEMU's ivshmem-plain device whose BAR is @window, or NULL
 * @window: the memory window of the bus: RAM the host's BAR writes land in
 * @regs: @window mapped uncached, as the host driver maps BARs (a
 *	write-back mapping made first makes the driver's ioremap fail on a
 *	PAT conflict). One mapping for the whole window, made at start, so
 *	a BAR the host moves needs no remapping from atomic context
 * @busnr: the bus number range
 * @bus: the root bus
 * @by_id: function id -> struct snap_sim_fn
 * @poll_task: the poller
 * @poll_kick: set to make the poller pass at once and poll fast again
 * @poll_sleep_us: the poller's current sleep, for wakers to judge by
 * @nr_fns: entries in @fns
 * @fns: the functions
 */
struct snap_sim {
	struct pci_sysdata sysdata;
	raw_spinlock_t cfg_lock;
	struct pci_dev *ivshmem;
	struct resource window;
	void __iomem *regs;
	struct resource busnr;
	struct pci_bus *bus;
	struct xarray by_id;
	struct task_struct *poll_task;
	atomic_t poll_kick;
	unsigned int poll_sleep_us;
	unsigned int nr_fns;
	struct snap_sim_fn fns[];
};

struct snap_sim_fn *snap_sim_fn_of(struct snap_func *func);
void __iomem *snap_sim_bar0(struct snap_sim_fn *fn);

/* poll.c */
int snap_sim_poll_start(struct snap_sim *sim);
void snap_sim_poll_stop(struct snap_sim *sim);
void snap_sim_poll_kick(struct snap_sim *sim);
void snap_sim_poll_wake(struct snap_sim *sim);
void snap_sim_reset_work(struct work_struct *work);
void snap_sim_publish_csts(struct snap_func *func, u32 csts);
void snap_sim_queues_changed(struct snap_func *func);

/* irq.c */
int snap_sim_irq_init(struct snap_sim_fn *fn);
void snap_sim_irq_exit(struct snap_sim_fn *fn);
int snap_sim_raise_irq(struct snap_func *func, u16 vector);
bool snap_sim_irq_poll(struct snap_sim_fn *fn);

/* dma.c */
int snap_sim_dma(struct snap_func *func, u64 host_addr, void *buf, u32 len,
		 enum snap_dma_dir dir);

#endif /* _SNAP_SIM_SIMDEV_H */
