// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-plug PFs of the sim bus: each takes one slot of the emulated switch
 * (switch.c) for its life, from its creation to its removal.
 *
 * A slot's place in sim->fns (snap_sim_switch_place_slots()) is set up for
 * the function when it is created and emptied when it goes; in between
 * the function is plugged (an adapter in the slot: presence and link up,
 * pciehp adds the device) and unplugged as often as the user asks. The
 * attention button asks the host to let the device go: pciehp blinks the
 * Power Indicator for five seconds, removes the device and turns the
 * indicator off, which is when the slot counts as released.
 *
 * Everything the poller, the trap walk and config cycles look at changes
 * under the place's poll_lock and cfg_lock, so none of them sees a
 * function half set up: the poller skips a place without model, the trap
 * walk too, and config cycles reach the function through its port only
 * while the slot's link is up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/io.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "../snap.h"
#include "cfgspace.h"
#include "simdev.h"

static struct snap_sim_port *snap_sim_free_slot(struct snap_sim *sim)
{
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	for (i = 0; i < sim->nr_ports; i++) {
		if (sim->ports[i].slot && !sim->ports[i].fn) {
			raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
			return &sim->ports[i];
		}
	}
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	return NULL;
}

/* What a function that takes a place may not find of its predecessor. */
static void snap_sim_slot_clear(struct snap_sim_fn *fn)
{
	fn->regs_addr = 0;
	fn->mem = false;
	WRITE_ONCE(fn->master, false);
	WRITE_ONCE(fn->reset_pending, false);
	fn->irq_pending = false;
	fn->link_down = false;
	memset(&fn->nvme, 0, sizeof(fn->nvme));
}

/* Room for @func's MSI-X table below the PBA in BAR0, as for a VF. */
static bool snap_sim_hotplug_fits(struct snap_func *func,
				  struct netlink_ext_ack *extack)
{
	const struct snap_sim_model *model = snap_sim_model_of(func);

	if (!model) {
		NL_SET_ERR_MSG(extack, "the sim has no device model for this type");
		return false;
	}
	if (func->max_msix > (model->msix_pba - model->msix_table) /
			     PCI_MSIX_ENTRY_SIZE) {
		NL_SET_ERR_MSG(extack, "num_msix is more than the function's BAR0 holds");
		return false;
	}
	return true;
}

/**
 * snap_sim_hotplug_add() - the provider's hotplug_add op
 * @func: a hot-plug PF just created
 * @extack: why not
 *
 * Under snap_lock, which serializes the search for a free slot.
 *
 * Return: 0, -EOPNOTSUPP without slots or BAR memory, -ENOSPC when all
 * are taken, -EINVAL for a function the slot cannot hold.
 */
int snap_sim_hotplug_add(struct snap_func *func, struct netlink_ext_ack *extack)
{
	struct snap_sim *sim = snap_sim_bus();
	struct snap_sim_port *port;
	struct snap_sim_fn *fn;
	unsigned long flags;
	int ret;

	if (!sim || !sim->nr_ports) {
		NL_SET_ERR_MSG(extack, "no emulated switch on a PCI bus (no BAR memory)");
		return -EOPNOTSUPP;
	}
	if (!snap_sim_hotplug_fits(func, extack))
		return -EINVAL;
	if (snap_sim_model_of(func)->trap && !sim->trapping) {
		NL_SET_ERR_MSG(extack, "virtio registers cannot trap here (no kprobes)");
		return -EOPNOTSUPP;
	}
	port = snap_sim_free_slot(sim);
	if (!port) {
		NL_SET_ERR_MSG(extack, "every hot-plug port of the switch is taken");
		return -ENOSPC;
	}
	fn = port->slot;
	mutex_lock(&fn->poll_lock);
	snap_sim_slot_clear(fn);
	fn->func = func;
	ret = snap_sim_init_fn(sim, fn);
	if (ret) {
		fn->func = NULL;
		fn->model = NULL;
		goto unlock;
	}
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	port->fn = fn;
	port->unplug_requested = false;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	pr_info("%s takes slot %u\n", func->vuid, port->index - SNAP_SWITCH_STATIC_PORT);
unlock:
	mutex_unlock(&fn->poll_lock);
	return ret;
}

static struct snap_sim_port *snap_sim_hotplug_port(const struct snap_func *func)
{
	struct snap_sim_fn *fn = snap_sim_fn_of((struct snap_func *)func);

	return fn ? fn->port : NULL;
}

/* Under cfg_lock: where the function of @port is, as the host sees it. */
static u8 snap_sim_slot_state(const struct snap_sim_port *port)
{
	if (!port->cfg.present)
		return SNAP_HOTPLUG_UNPLUGGED;
	if (!port->unplug_requested)
		return SNAP_HOTPLUG_PLUGGED;
	return snap_port_slot_in_use(&port->cfg) ? SNAP_HOTPLUG_UNPLUG_REQUESTED :
						   SNAP_HOTPLUG_RELEASED;
}

/* Under cfg_lock: an adapter goes into or out of the slot. */
static void snap_sim_slot_set_present(struct snap_sim_port *port, bool present)
{
	struct snap_sim_fn *fn = port->fn;

	snap_port_set_present(&port->cfg, present);
	fn->present = present;
	fn->link_down = !present;
	snap_sim_port_notify(port);
}

/*
 * A released function goes out and back in, as a user reseats a card: the
 * host's pciehp only powers a slot up on a presence change.
 */
static int snap_sim_slot_plug(struct snap_sim_port *port,
			      struct netlink_ext_ack *extack)
{
	switch (snap_sim_slot_state(port)) {
	case SNAP_HOTPLUG_PLUGGED:
		return 0;
	case SNAP_HOTPLUG_UNPLUG_REQUESTED:
		NL_SET_ERR_MSG(extack, "the host is letting the function go: wait for it");
		return -EBUSY;
	case SNAP_HOTPLUG_RELEASED:
		snap_sim_slot_set_present(port, false);
		break;
	}
	/* A device powered up anew: registers and config space at reset. */
	snap_sim_fn_reset(port->fn);
	port->fn->mem = false;
	WRITE_ONCE(port->fn->master, false);
	port->fn->regs_addr = 0;
	port->unplug_requested = false;
	snap_sim_slot_set_present(port, true);
	return 0;
}

static int snap_sim_slot_request_unplug(struct snap_sim_port *port,
					struct netlink_ext_ack *extack)
{
	switch (snap_sim_slot_state(port)) {
	case SNAP_HOTPLUG_UNPLUGGED:
		NL_SET_ERR_MSG(extack, "the function is not plugged");
		return -EINVAL;
	case SNAP_HOTPLUG_UNPLUG_REQUESTED:
	case SNAP_HOTPLUG_RELEASED:
		return 0;
	}
	/* pciehp would take a press on a slot it has not powered up as "on". */
	if (!snap_port_slot_in_use(&port->cfg)) {
		NL_SET_ERR_MSG(extack, "the host has not powered the slot up yet");
		return -EBUSY;
	}
	port->unplug_requested = true;
	snap_port_press_button(&port->cfg);
	snap_sim_port_notify(port);
	return 0;
}

/**
 * snap_sim_hotplug_set() - the provider's hotplug_set op
 * @func: a hot-plug PF
 * @state: %SNAP_HOTPLUG_PLUGGED or %SNAP_HOTPLUG_UNPLUG_REQUESTED
 * @extack: why not
 *
 * Under snap_lock. Asking for the state the function is in, or is going
 * to, changes nothing.
 *
 * Return: 0, -EBUSY or -EINVAL.
 */
int snap_sim_hotplug_set(struct snap_func *func, u8 state,
			 struct netlink_ext_ack *extack)
{
	struct snap_sim_port *port = snap_sim_hotplug_port(func);
	unsigned long flags;
	int ret;

	if (WARN_ON_ONCE(!port))
		return -ENODEV;
	raw_spin_lock_irqsave(&port->sim->cfg_lock, flags);
	if (state == SNAP_HOTPLUG_PLUGGED)
		ret = snap_sim_slot_plug(port, extack);
	else
		ret = snap_sim_slot_request_unplug(port, extack);
	raw_spin_unlock_irqrestore(&port->sim->cfg_lock, flags);
	return ret;
}

/**
 * snap_sim_hotplug_info() - the provider's hotplug_info op
 * @func: a hot-plug PF
 * @info: filled in: its state, its port, the host's BDF while it has one
 *
 * Under snap_lock; process context (the BDF is the host's pci_dev's).
 */
void snap_sim_hotplug_info(const struct snap_func *func,
			   struct snap_hotplug_info *info)
{
	struct snap_sim_port *port = snap_sim_hotplug_port(func);
	struct pci_dev *pdev;
	unsigned long flags;

	memset(info, 0, sizeof(*info));
	if (!port)
		return;
	raw_spin_lock_irqsave(&port->sim->cfg_lock, flags);
	info->state = snap_sim_slot_state(port);
	raw_spin_unlock_irqrestore(&port->sim->cfg_lock, flags);
	info->port = port->index;
	if (info->state == SNAP_HOTPLUG_UNPLUGGED)
		return;
	pdev = snap_sim_get_pdev(port->fn);
	if (pdev)
		strscpy(info->pci_bdf, pci_name(pdev), sizeof(info->pci_bdf));
	pci_dev_put(pdev);
}

/*
 * A device gone from its link reads all ones, its registers too: a driver
 * still at them (the nvme driver waiting for CSTS.RDY) sees that at once.
 */
static void snap_sim_slot_regs_gone(struct snap_sim_fn *fn)
{
	void __iomem *bar = snap_sim_bar0(fn);

	if (bar && !fn->model->trap)
		memset_io(bar, 0xff, fn->model->msix_table);
}

/*
 * The adapter out of the slot, and the host's device removed before this
 * returns: a driver still bound sees the device gone, as in a surprise
 * removal, and fails what it had outstanding. The host's pciehp, told of
 * the presence change, finds nothing left to remove.
 */
static void snap_sim_slot_pull(struct snap_sim_port *port)
{
	struct snap_sim_fn *fn = port->fn;
	struct pci_dev *pdev;
	unsigned long flags;

	raw_spin_lock_irqsave(&port->sim->cfg_lock, flags);
	if (port->cfg.present) {
		snap_sim_slot_set_present(port, false);
		snap_sim_slot_regs_gone(fn);
	}
	raw_spin_unlock_irqrestore(&port->sim->cfg_lock, flags);

	pci_lock_rescan_remove();
	pdev = snap_sim_get_pdev(fn);
	if (pdev) {
		pci_info(pdev, "surprise removal: %s taken from its slot by force\n",
			 fn->func->vuid);
		pci_stop_and_remove_bus_device(pdev);
		pci_dev_put(pdev);
	}
	pci_unlock_rescan_remove();
}

/**
 * snap_sim_hotplug_remove() - the provider's hotplug_remove op
 * @func: a hot-plug PF whose data path retired (no daemon operation
 *	reaches it)
 *
 * Under snap_lock; sleeps until the host's device is gone.
 */
void snap_sim_hotplug_remove(struct snap_func *func)
{
	struct snap_sim_port *port = snap_sim_hotplug_port(func);
	struct snap_sim *sim;
	struct snap_sim_fn *fn;
	unsigned long flags;

	if (WARN_ON_ONCE(!port))
		return;
	sim = port->sim;
	fn = port->fn;
	snap_sim_slot_pull(port);
	/* Nothing queues them once the device is gone from the host. */
	cancel_work_sync(&fn->unplug_work);
	cancel_work_sync(&fn->attach_work);
	cancel_work_sync(&fn->probe_work);
	cancel_work_sync(&fn->reset_work);

	mutex_lock(&fn->poll_lock);
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	port->fn = NULL;
	port->unplug_requested = false;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	snap_sim_exit_fn(sim, fn);
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	fn->model = NULL;
	fn->func = NULL;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	mutex_unlock(&fn->poll_lock);
	pr_info("%s left slot %u\n", func->vuid, port->index - SNAP_SWITCH_STATIC_PORT);
}
