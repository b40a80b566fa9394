/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_SIMDEV_H
#define _SNAP_SIM_SIMDEV_H

/*
 * Internals of the sim provider, shared by bus.c (the root bus and config
 * space), poll.c (registers and doorbells), irq.c (MSI-X) and dma.c.
 */
#include <linux/io.h>
#include <linux/irq_work.h>
#include <linux/smp.h>
#include <linux/rbtree_types.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../provider.h"
#include "cfgspace.h"

struct snap_sim;
struct snap_sim_fn;
struct snap_sim_virtio;

/**
 * struct snap_sim_model - what one device model adds to a sim function
 * @type: the functions it serves
 * @msix_table: offset of the MSI-X table in BAR0
 * @msix_pba: offset of the MSI-X PBA in BAR0; the registers below
 *	@msix_table are the model's, zeroed when BAR0 moves
 * @describe: fill in identity, BAR0 size and vendor capabilities
 * @init: set up the model's state of @fn (process context, under
 *	snap_lock: it reads the function's controller), or NULL
 * @exit: undo @init, or NULL
 * @decode_on: memory decode turned on: make BAR0 hold what the host must
 *	read at once (NULL: registers that trap hold nothing). Under cfg_lock
 * @regs_reset: FLR or Bus Master Enable cleared: registers to reset
 *	values; @bar may be NULL. Under cfg_lock
 * @poll: the poller's pass over a live function (decoding, mastering,
 *	no reset pending): report register and doorbell changes. Under
 *	poll_lock, not cfg_lock; @resync: a reset happened since the last
 *	pass, forget what was seen. Returns whether anything changed.
 *	NULL for a model whose registers trap
 * @trap: emulate a host access of @size bytes at @off of BAR0 (below
 *	@msix_table). Under cfg_lock, in the accessing context. NULL for a
 *	model whose registers are plain RAM
 * @cfg_access: a config space access the model serves itself (virtio's
 *	PCI_CFG window into BAR0): return true when it did. Under cfg_lock;
 *	NULL for none
 * @config_changed: the provider's config_changed op for this model, or
 *	NULL. Under snap_lock
 * @publish: the provider's publish_csts op: the data path's handshake
 *	state as NVMe CSTS bits. Under cfg_lock (and the data path's lock)
 * @surprise_removal: its host driver lets go of a removed device with I/O
 *	outstanding (see snap_sim_unplug_work()). Not virtio_blk's: its
 *	remove waits in del_gendisk for requests nothing completes on a
 *	device gone (6.1 to 6.12)
 */
struct snap_sim_model {
	enum snap_func_type type;
	u32 msix_table;
	u32 msix_pba;
	void (*describe)(struct snap_sim_fn *fn, struct snap_cfg_desc *desc);
	int (*init)(struct snap_sim_fn *fn);
	void (*exit)(struct snap_sim_fn *fn);
	void (*decode_on)(struct snap_sim_fn *fn, void __iomem *bar);
	void (*regs_reset)(struct snap_sim_fn *fn, void __iomem *bar);
	bool (*poll)(struct snap_sim_fn *fn, void __iomem *bar, bool resync);
	void (*trap)(struct snap_sim_fn *fn, u32 off, unsigned int size,
		     bool write, u32 *val);
	bool (*cfg_access)(struct snap_sim_fn *fn, unsigned int where, int size,
			   bool write, u32 *val);
	void (*config_changed)(struct snap_sim_fn *fn);
	void (*publish)(struct snap_sim_fn *fn, u32 csts);
	bool surprise_removal;
};

extern const struct snap_sim_model snap_sim_nvme_model;
extern const struct snap_sim_model snap_sim_virtio_blk_model;

/**
 * struct snap_sim_nvme - NVMe's registers as the sim sees them
 * @cap: CAP, computed at start, published whenever memory decode turns
 *	on; under cfg_lock, as are the fields down to @cq_fresh
 * @csts: the CSTS last published, written again when decode turns on
 * @sq_map: submission queues that exist (bit = qid), from the data path
 * @cq_map: completion queues that exist
 * @sq_fresh: queues whose doorbell the poller must watch from 0 again
 * @cq_fresh: likewise for completion queues
 * @cc: the poller's: CC last reported to the data path
 * @sq_db: the poller's: SQ tail doorbells last reported
 * @cq_db: the poller's: CQ head doorbells last reported
 * @gave_up: the host let go of the function (Bus Master Enable cleared,
 *	FLR) while its enable waited for CSTS.RDY or saw CSTS.CFS: its
 *	driver gave up, and is probed again once the controller is ready.
 *	Under cfg_lock
 */
struct snap_sim_nvme {
	u64 cap;
	u32 csts;
	u64 sq_map, cq_map;
	u64 sq_fresh, cq_fresh;
	u32 cc;
	u32 sq_db[SNAP_NVME_MAX_QUEUES];
	u32 cq_db[SNAP_NVME_MAX_QUEUES];
	bool gave_up;
};

/**
 * struct snap_sim_iommu - what the host mapped for a function (iommu.c)
 * @lock: protects @maps and @nr_maps; held across each page a DMA copies,
 *	so an unmap waits for the copy. Taken in any context
 * @maps: interval tree of struct snap_iommu_map
 * @nr_maps: mappings in @maps
 * @faults: device accesses no live mapping allowed (Master Aborts)
 */
struct snap_sim_iommu {
	raw_spinlock_t lock;
	struct rb_root_cached maps;
	unsigned long nr_maps;
	atomic64_t faults;
};

/**
 * struct snap_sim_irq_vec - delivery of one MSI-X vector of a function
 * @work: runs the vector's handler in hard-irq context on the raising CPU
 * @csd: runs it in the IPI of the CPU the irq is routed to
 * @fn: the function
 * @virq: the Linux irq to run, looked up when the vector was raised
 * @gen: the MSI-X generation it was raised in
 * @fire: raised and not yet fired (under the function's irq_lock)
 */
struct snap_sim_irq_vec {
	struct irq_work work;
	call_single_data_t csd;
	struct snap_sim_fn *fn;
	int virq;
	u32 gen;
	bool fire;
};

/**
 * struct snap_sim_fn - one emulated function on the sim bus
 * @sim: the bus it is on
 * @func: the registry's function
 * @busnr: the bus it answers on: 0 for a PF, 0 or above for a VF; below
 *	the switch, counted from @port's secondary bus (snap_sim_fn_bus())
 * @devfn: its slot and function number on that bus
 * @port: the switch port it is below; NULL for a bus without switch
 * @pf: a VF's PF; NULL for a PF
 * @vf_index: a VF's index among its PF's VFs (VF n+1 of the SR-IOV spec)
 * @vfs: a PF's VFs, @nr_vfs of them, consecutive in the bus's @fns
 * @nr_vfs: TotalVFs of a PF; 0 for none (and for a VF)
 * @num_msix: vectors in its MSI-X table (the host's Table Size); changes
 *	only under @sim->cfg_lock, while no host driver uses the function
 *	(snap_sim_set_num_msix())
 * @max_msix: the most it can have: what the table and PBA in BAR0 and the
 *	interrupt bookkeeping below have room for
 * @model: its device model
 * @cfg: config space; under @sim->cfg_lock, as is everything down to
 *	@irq_pending
 * @regs_addr: bus address of BAR0 where the registers were last set up;
 *	0 before the first decode enable. Registers are used only while
 *	BAR0 still holds this address
 * @present: a PF, or a VF its PF has enabled (index below NumVFs with
 *	VF Enable set): it answers config accesses
 * @mem: the function decodes memory as of the last config write: Memory
 *	Space Enable, or for a VF its PF's VF Memory Space Enable
 * @master: Bus Master Enable as of the last config write
 * @reset_pending: an FLR or Bus Master Enable 1->0 reset the registers and
 *	@reset_work has not yet reset the data path: no DMA, no polling.
 *	Both written with WRITE_ONCE(): snap_sim_dma() reads them without
 *	the lock
 * @reset_gen: incremented on each such reset
 * @irq_pending: some vector may have its PBA bit set
 * @link_down: the host's Vendor ID reads all ones, as for a device gone
 *	from the link (snap_sim_unplug_work())
 * @msix_gen: incremented each time MSI-X stops (disable, FLR): a message
 *	of an earlier generation is not fired, its irq may be gone
 * @poll_lock: serializes the poller's pass over the function with
 *	@reset_work, so no register change is reported after a reset
 * @seen_reset_gen: the poller's: @reset_gen it last resynchronized to
 * @nvme: the NVMe model's state
 * @virtio: the virtio model's state
 * @reset_work: calls snap_dp_func_reset() in process context
 * @probe_work: probes the host's drivers again (snap_sim_probe_again())
 * @attach_work: offers the function to the host's drivers once it is on
 *	the bus (see snap_sim_attach_work())
 * @unplug_work: takes the function from its host driver as a surprise
 *	removal does, then puts it back on the bus (snap_sim_unplug_work())
 * @pdev_lock: protects @pdev
 * @pdev: the host's pci_dev of this function (a reference), looked up
 *	again once it is unregistered (remove, rescan)
 * @irq_lock: protects what @irq_vecs are to fire (taken in hard irq)
 * @irq_vecs: one per vector (@max_msix), each with the irq_work that
 *	fires it on the CPU its interrupt is meant for
 * @irq_firing: handlers the irq_works are running (on any CPUs); a
 *	config write that stops MSI-X waits for them to return
 * @irq_ipis: IPIs sent for @irq_vecs and not yet run; freeing waits
 *	for them
 * @irq_due: the poller's: pending vectors it found unmasked (@max_msix
 *	bits)
 * @iommu: the host's DMA mappings for the function
 */
struct snap_sim_fn {
	struct snap_sim *sim;
	struct snap_func *func;
	u8 busnr;
	unsigned int devfn;
	struct snap_sim_port *port;
	struct snap_sim_fn *pf;
	u16 vf_index;
	struct snap_sim_fn *vfs;
	u16 nr_vfs;
	u16 num_msix;
	u16 max_msix;
	const struct snap_sim_model *model;

	struct snap_cfg cfg;
	u64 regs_addr;
	bool present;
	bool mem;
	bool master;
	bool reset_pending;
	u32 reset_gen;
	bool irq_pending;
	bool link_down;
	u32 msix_gen;

	struct mutex poll_lock;		/* poller pass vs reset */
	u32 seen_reset_gen;
	union {
		struct snap_sim_nvme nvme;
		struct snap_sim_virtio *virtio;
	};

	struct work_struct reset_work;
	struct work_struct probe_work;
	struct work_struct attach_work;
	struct work_struct unplug_work;

	struct mutex pdev_lock;		/* protects pdev */
	struct pci_dev *pdev;
	raw_spinlock_t irq_lock;
	struct snap_sim_irq_vec *irq_vecs;
	atomic_t irq_firing;
	atomic_t irq_ipis;
	unsigned long *irq_due;
	struct snap_sim_iommu iommu;
};

/**
 * struct snap_sim_port - a port of the emulated PCIe switch (switch.c)
 * @sim: the bus it is on
 * @index: 0 for the upstream port; n for the downstream port at device
 *	n - 1 of the switch's internal bus (1 keeps the static PFs)
 * @cfg: its config space; under @sim->cfg_lock, as are the fields down to
 *	@fire_gen
 * @slot: a slot's place in @sim->fns for the function it takes; NULL for
 *	a port without slot
 * @fn: @slot while a hot-plug PF has it (from its creation to its
 *	removal, plugged or not), else NULL
 * @unplug_requested: the attention button was pressed since the function
 *	was last plugged
 * @msi_gen: incremented each time the host turns MSI off
 * @raised_gen: @msi_gen when the message @event_work is to send was due
 * @virq: the Linux irq behind the port's MSI, as @event_work found it
 * @fire_gen: the generation of the message @irq_work is to send
 * @event_work: looks up @virq in process context, queues @irq_work
 * @irq_work: runs the port's interrupt handler in hard-irq context
 * @irq_firing: handlers @irq_work is running
 */
struct snap_sim_port {
	struct snap_sim *sim;
	unsigned int index;
	struct snap_cfg cfg;
	struct snap_sim_fn *slot;
	struct snap_sim_fn *fn;
	bool unplug_requested;
	u32 msi_gen;
	u32 raised_gen;
	int virq;
	u32 fire_gen;
	struct work_struct event_work;
	struct irq_work irq_work;
	atomic_t irq_firing;
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
 * @busnr: the bus number range: bus 0 and the buses its VFs need
 * @bus: the root bus
 * @by_id: function id -> struct snap_sim_fn
 * @by_rid: routing ID (bus << 8 | devfn) -> struct snap_sim_fn
 * @poll_task: the poller
 * @trapping: trap.c catches accesses to @window (some model needs it)
 * @stopping: the bus is going: no new probe_work or unplug_work (under
 *	@cfg_lock)
 * @poll_kick: set to make the poller pass at once and poll fast again
 * @poll_sleep_us: the poller's current sleep, for wakers to judge by
 * @poll_lease: jiffies until which the daemon's passes hold the poller
 *	back (snap_sim_poll_now())
 * @multi_function: the static PFs are functions of one device (below
 *	the switch, when there are several)
 * @nr_ports: entries in @ports; 0 for a bus without switch
 * @ports: the switch's upstream port, then its downstream ports
 * @nr_fns: entries in @fns
 * @fns: the functions: static PFs and their VFs, then one place per slot
 *	of the switch (snap_sim_fn_in_slot()), whose function comes and goes
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
	struct xarray by_rid;
	struct task_struct *poll_task;
	bool trapping;
	bool stopping;
	atomic_t poll_kick;
	unsigned int poll_sleep_us;
	unsigned long poll_lease;
	bool multi_function;
	unsigned int nr_ports;
	struct snap_sim_port *ports;
	unsigned int nr_fns;
	struct snap_sim_fn fns[];
};

/* Index in sim->ports of the downstream port that keeps the static PFs. */
#define SNAP_SWITCH_STATIC_PORT		1

/* A slot's place, for a hot-plug PF; its @func is NULL while it has none. */
static inline bool snap_sim_fn_in_slot(const struct snap_sim_fn *fn)
{
	return fn->port && fn->port->index > SNAP_SWITCH_STATIC_PORT;
}

struct snap_sim *snap_sim_bus(void);
struct snap_sim_fn *snap_sim_fn_of(struct snap_func *func);
const struct snap_sim_model *snap_sim_model_of(struct snap_func *func);
int snap_sim_init_fn(struct snap_sim *sim, struct snap_sim_fn *fn);
void snap_sim_exit_fn(struct snap_sim *sim, struct snap_sim_fn *fn);
void snap_sim_fn_reset(struct snap_sim_fn *fn);
struct snap_sim_fn *snap_sim_fn_of_pdev(struct pci_dev *pdev);
struct pci_dev *snap_sim_get_pdev(struct snap_sim_fn *fn);
void __iomem *snap_sim_bar0(struct snap_sim_fn *fn);
void snap_sim_probe_again(struct snap_sim_fn *fn);

/* trap.c */
typedef bool (*snap_sim_trap_fn)(phys_addr_t addr, unsigned int size,
				 bool write, u32 *val);
int snap_sim_trap_start(phys_addr_t start, phys_addr_t end,
			snap_sim_trap_fn handler);
void snap_sim_trap_stop(void);

/* poll.c */
int snap_sim_poll_start(struct snap_sim *sim);
void snap_sim_poll_stop(struct snap_sim *sim);
void snap_sim_poll_kick(struct snap_sim *sim);
void snap_sim_poll_now(struct snap_sim *sim, bool busy);
void snap_sim_poll_wake(struct snap_sim *sim);
void snap_sim_reset_work(struct work_struct *work);

/* nvme.c */
void snap_sim_queues_changed(struct snap_func *func);

/* switch.c */
int snap_sim_switch_init(struct snap_sim *sim);
void snap_sim_switch_exit(struct snap_sim *sim);
struct snap_sim_port *snap_sim_switch_static_port(struct snap_sim *sim);
struct snap_sim_port *snap_sim_switch_port_at(struct snap_sim *sim, u8 busnr,
					      unsigned int devfn);
struct snap_sim_fn *snap_sim_switch_fn_at(struct snap_sim *sim, u8 busnr,
					  unsigned int devfn);
u8 snap_sim_fn_bus(struct snap_sim_fn *fn);
int snap_sim_port_read(struct snap_sim_port *port, int where, int size,
		       u32 *val);
int snap_sim_port_write(struct snap_sim_port *port, int where, int size,
			u32 val, bool *stopped);
void snap_sim_port_wait_fired(struct snap_sim_port *port);
void snap_sim_port_notify(struct snap_sim_port *port);
void snap_sim_switch_place_slots(struct snap_sim *sim);

/* hotplug.c: the provider's hot-plug ops */
int snap_sim_hotplug_add(struct snap_func *func, struct netlink_ext_ack *extack);
int snap_sim_hotplug_set(struct snap_func *func, u8 state,
			 struct netlink_ext_ack *extack);
void snap_sim_hotplug_info(const struct snap_func *func,
			   struct snap_hotplug_info *info);
void snap_sim_hotplug_remove(struct snap_func *func);

/* irq.c */
struct pci_dev *snap_sim_pdev(struct snap_sim_fn *fn);
int snap_sim_irq_init(struct snap_sim_fn *fn);
void snap_sim_irq_exit(struct snap_sim_fn *fn);
int snap_sim_raise_irq(struct snap_func *func, u16 vector);
void snap_sim_irq_stopped(struct snap_sim_fn *fn);
void snap_sim_irq_wait_fired(struct snap_sim_fn *fn);
bool snap_sim_irq_poll(struct snap_sim_fn *fn);

/* dma.c */
int snap_sim_dma(struct snap_func *func, u64 host_addr, void *buf, u32 len,
		 enum snap_dma_dir dir);
u64 snap_sim_dma_faults(struct snap_func *func);

/* iommu.c */
int snap_sim_iommu_setup(void);
void snap_sim_iommu_teardown(void);
void snap_sim_iommu_init(struct snap_sim_fn *fn);
void snap_sim_iommu_exit(struct snap_sim_fn *fn);
void snap_sim_iommu_attach(struct pci_dev *pdev);
bool snap_sim_iommu_allows(struct snap_sim_fn *fn, u64 addr, u32 len,
			   bool to_host);

#endif /* _SNAP_SIM_SIMDEV_H */
