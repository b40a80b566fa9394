/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_PROVIDER_H
#define _SNAP_PROVIDER_H

#include <linux/types.h>
#include <linux/snap.h>

struct netlink_ext_ack;
struct snap_func;

/* Where a hot-plug PF is (struct snap_provider_ops.hotplug_info). */
struct snap_hotplug_info {
	u8 state;			/* enum snap_hotplug_state */
	u32 port;
	char pci_bdf[16];		/* the host's, while it has the device */
};

/**
 * struct snap_provider_ops - what puts emulated functions in front of a host
 * @name: shown in /sys/class/snap/sim0/provider
 * @start: create the host-visible functions for snap_emu.funcs; called
 *	once at load, after the registry exists, without snap_lock
 * @stop: remove them; no data-path call is in progress or follows
 * @dma: move @len bytes between host address @host_addr of @func and the
 *	kernel buffer @buf. Process context, may sleep; the data path has
 *	checked alignment and lengths. Returns 0, or -EIO when bus mastering
 *	is off or the host has not mapped the range for @func in that
 *	direction (nothing more is moved)
 * @dma_faults: how many of @func's DMAs the host's mappings refused
 * @raise_irq: signal MSI-X vector @vector of @func (below func->num_msix);
 *	a masked vector only becomes pending. Process context. Returns 0 or
 *	-EIO when the function cannot interrupt (MSI-X or bus mastering off)
 * @poll: look at what hosts wrote (doorbells, registers) now, in the
 *	caller's context: the daemon does while it is busy, and the
 *	provider's own watcher may hold back meanwhile; with @busy false
 *	the daemon is about to sleep and the watcher takes over. Optional (a
 *	provider whose hardware reports doorbells has nothing to look at).
 *	Process context, inside the data path's operations: it must not
 *	wait for anything that waits for them
 * @publish_csts: make @csts what the host reads from CSTS. Process
 *	context, called with the function's data-path lock held: no sleeping
 * @queues_changed: the set of queues of @func changed (created, deleted,
 *	reset); the provider re-reads which doorbells to watch through
 *	snap_dp_queue_map(), which must already show the change. Process
 *	context, possibly with the data-path lock held: no sleeping. A queue
 *	that is gone has its doorbells zeroed, so one created again with the
 *	same id starts from 0
 * @config_changed: what the host reads of @func's device configuration
 *	may have changed (its controller was created, destroyed, modified,
 *	suspended or resumed, or its bdev attached, detached or resized),
 *	or the daemon started or stopped serving its controller. Process
 *	context, under snap_lock; may sleep
 * @in_use: whether a host driver uses @func, so that what it read when
 *	it probed (the MSI-X Table Size, the device's queue count) must not
 *	change under it. Process context, under snap_lock; may sleep
 * @set_num_msix: from now on @func has @num_msix MSI-X vectors (1 to
 *	func->max_msix, which the provider sized the function for): the
 *	host reads the new count when its driver next probes. Returns 0,
 *	or -EBUSY, changing nothing, when a host driver uses @func (as
 *	@in_use tells; checked again atomically with the change). Process
 *	context, under snap_lock; may sleep
 * @surprise_remove: @func's controller was destroyed by force: a host
 *	driver bound to @func loses it as in a surprise removal (it fails
 *	what it had outstanding at once instead of at its timeout) and
 *	@func is then offered to the host's drivers again, with no
 *	controller. Optional. Process context, under snap_lock; returns
 *	before the removal is done
 * @hotplug_add: @func, a hot-plug PF just created, takes a free slot and
 *	stays out of it. Returns 0, or -ENOSPC when every slot is taken, with
 *	the reason in @extack. Optional: without it there are no hot-plug
 *	PFs. Process context, under snap_lock
 * @hotplug_set: put @func into its slot (%SNAP_HOTPLUG_PLUGGED: the
 *	host's hot-plug driver finds it), or press the slot's attention
 *	button (%SNAP_HOTPLUG_UNPLUG_REQUESTED: the host lets it go). Returns
 *	0, or -EBUSY with the reason in @extack when the slot is not in a
 *	state for it. Process context, under snap_lock
 * @hotplug_info: where @func is now. Process context, under snap_lock
 * @hotplug_remove: take @func out of its slot (a host that still has it
 *	loses it as in a surprise removal) and forget it: no provider path
 *	touches @func or its data path once this returns. Process context,
 *	under snap_lock; may sleep until the host removed the device
 *
 * The provider calls back into the data path (datapath.h) only from
 * process context. A BlueField provider would implement the same table
 * over its hardware queues.
 */
struct snap_provider_ops {
	const char *name;
	int (*start)(void);
	void (*stop)(void);
	int (*dma)(struct snap_func *func, u64 host_addr, void *buf, u32 len,
		   enum snap_dma_dir dir);
	u64 (*dma_faults)(struct snap_func *func);
	int (*raise_irq)(struct snap_func *func, u16 vector);
	void (*poll)(bool busy);
	void (*publish_csts)(struct snap_func *func, u32 csts);
	void (*queues_changed)(struct snap_func *func);
	void (*config_changed)(struct snap_func *func);
	bool (*in_use)(struct snap_func *func);
	int (*set_num_msix)(struct snap_func *func, u32 num_msix);
	void (*surprise_remove)(struct snap_func *func);
	int (*hotplug_add)(struct snap_func *func, struct netlink_ext_ack *extack);
	int (*hotplug_set)(struct snap_func *func, u8 state,
			   struct netlink_ext_ack *extack);
	void (*hotplug_info)(const struct snap_func *func,
			     struct snap_hotplug_info *info);
	void (*hotplug_remove)(struct snap_func *func);
};

extern const struct snap_provider_ops *snap_provider;

#endif /* _SNAP_PROVIDER_H */
