// SPDX-License-Identifier: GPL-2.0
/*
 * The sim provider: emulated functions on a virtual PCI root bus of this
 * same kernel, so the stock nvme and virtio drivers are the host. Config
 * space is served by cfgspace.c; BAR memory is RAM the host's MMIO writes
 * land in, taken from QEMU's ivshmem-plain device. What BAR0 holds below
 * the MSI-X table is the device model's (nvme.c, virtio.c): polled RAM
 * (poll.c) or registers whose accesses trap (trap.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/delay.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/ioport.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../compat.h"
#include "../datapath.h"
#include "../snap.h"
#include "cfgspace.h"
#include "sim.h"
#include "simdev.h"

/* QEMU's ivshmem-plain: its BAR2 is plain RAM we may use as BAR space. */
#define SNAP_IVSHMEM_VENDOR	0x1af4
#define SNAP_IVSHMEM_DEVICE	0x1110
#define SNAP_IVSHMEM_RAM_BAR	2

/*
 * Where BAR memory comes from when there is no ivshmem-plain device: a
 * reserved physical range. Read-only, like the firmware parameters.
 */
static unsigned long sim_mem_start;
module_param(sim_mem_start, ulong, 0444);
MODULE_PARM_DESC(sim_mem_start, "Physical start of reserved RAM for emulated BARs, when no ivshmem-plain device (default 0)");
static unsigned long sim_mem_size;
module_param(sim_mem_size, ulong, 0444);
MODULE_PARM_DESC(sim_mem_size, "Size of that range in bytes; 0 = do not use one (default 0)");

/* Root bus domains start above those firmware can use, as VMD's do. */
#define SNAP_SIM_FIRST_DOMAIN	0x10000

static struct snap_sim *snap_sim;

/* The bus while the provider runs, else NULL. */
struct snap_sim *snap_sim_bus(void)
{
	return READ_ONCE(snap_sim);
}

/* Provider ops are called only between start and stop: snap_sim is set. */
/*
 * NULL once the provider stopped: at unload the registry destroys its
 * controllers after the bus is gone, and their last CSTS goes nowhere.
 */
struct snap_sim_fn *snap_sim_fn_of(struct snap_func *func)
{
	struct snap_sim *sim = READ_ONCE(snap_sim);

	return sim ? xa_load(&sim->by_id, func->id) : NULL;
}

static void __iomem *snap_sim_window_ptr(struct snap_sim *sim, u64 addr,
					 u64 size)
{
	if (addr < sim->window.start || addr > sim->window.end ||
	    sim->window.end - addr < size - 1)
		return NULL;
	return sim->regs + (addr - sim->window.start);
}

/*
 * BAR0's address: a PF's own, a VF's its slice of the PF's VF BAR0.
 * Under cfg_lock.
 */
static u64 snap_sim_bar0_addr(struct snap_sim_fn *fn)
{
	if (!fn->pf)
		return snap_cfg_bar0(&fn->cfg);
	return snap_cfg_vf_bar0(&fn->pf->cfg) +
	       (u64)fn->vf_index * fn->cfg.bar0_size;
}

/* Whether BAR0 decodes: a VF's follows its PF's VF Memory Space Enable. */
static bool snap_sim_decodes(struct snap_sim_fn *fn)
{
	if (!fn->pf)
		return snap_cfg_mem_enabled(&fn->cfg);
	return fn->present && snap_cfg_vf_mem_enabled(&fn->pf->cfg);
}

/**
 * snap_sim_bar0() - where the function's registers are
 * @fn: the function; caller holds the bus's cfg_lock
 *
 * Return: the mapping of BAR0, or NULL when the registers were never set
 * up or BAR0 no longer holds the address they were set up at (the host
 * is sizing or moving it). Memory decode may be off: callers that act for
 * the host (polling, interrupts) check @fn->mem as well.
 */
void __iomem *snap_sim_bar0(struct snap_sim_fn *fn)
{
	if (!fn->regs_addr || snap_sim_bar0_addr(fn) != fn->regs_addr)
		return NULL;
	return snap_sim_window_ptr(fn->sim, fn->regs_addr, fn->cfg.bar0_size);
}

/*
 * Every entry BAR0 has room for, not only the current Table Size: entries
 * a larger count uncovers later are then in their reset state too.
 */
static void snap_sim_msix_reset(struct snap_sim_fn *fn, void __iomem *bar)
{
	snap_msix_reset_table((void __force *)bar + fn->model->msix_table,
			      (void __force *)bar + fn->model->msix_pba,
			      fn->max_msix);
}

/*
 * FLR, or Bus Master Enable cleared: the host has let go of its queue
 * memory, so the device resets. The registers go back to their reset
 * values at once, before the host can write new ones; the data path
 * resets in a work item, and until it has, the function does no DMA and
 * is not polled.
 */
static void snap_sim_regs_reset(struct snap_sim_fn *fn)
{
	fn->model->regs_reset(fn, snap_sim_bar0(fn));
	WRITE_ONCE(fn->reset_pending, true);
	fn->reset_gen++;
	queue_work(system_wq, &fn->reset_work);
}

/*
 * Memory decode turned on. BAR0 at a new address (the first enable, or
 * the host moved it) holds whatever RAM held, e.g. the registers of an
 * earlier load: clear the model's registers and bring the MSI-X table to
 * its reset state; a function that moved is reset as well. Then the
 * model publishes what the host reads first.
 */
static void snap_sim_regs_decode_on(struct snap_sim_fn *fn)
{
	u64 addr = snap_sim_bar0_addr(fn);
	void __iomem *bar;
	bool moved;

	bar = snap_sim_window_ptr(fn->sim, addr, fn->cfg.bar0_size);
	if (!bar)
		return;
	if (addr != fn->regs_addr) {
		moved = fn->regs_addr;
		fn->regs_addr = addr;
		memset_io(bar, 0, fn->model->msix_table);
		snap_sim_msix_reset(fn, bar);
		if (moved)
			snap_sim_regs_reset(fn);
	}
	if (fn->model->decode_on)
		fn->model->decode_on(fn, bar);
}

/*
 * Acts on a config write that may have changed the Command register or
 * the MSI-X flags. Returns whether the poller should look at the function
 * now.
 */
static bool snap_sim_cmd_update(struct snap_sim_fn *fn, bool msix_was)
{
	bool mem = snap_sim_decodes(fn);
	bool master = snap_cfg_bus_master(&fn->cfg);
	bool kick;

	if (mem && !fn->mem)
		snap_sim_regs_decode_on(fn);
	if (!master && fn->master)
		snap_sim_regs_reset(fn);
	kick = mem != fn->mem || master != fn->master ||
	       msix_was != snap_cfg_msix_enabled(&fn->cfg);
	fn->mem = mem;
	WRITE_ONCE(fn->master, master);
	return kick;
}

/* A function whose registers trap answers only while the trap is on. */
static struct snap_sim_fn *snap_sim_fn_answering(struct snap_sim *sim,
						 struct snap_sim_fn *fn)
{
	return fn && fn->model->trap && !sim->trapping ? NULL : fn;
}

/*
 * The function that answers config cycles at a routing ID: below the
 * switch as its bridges forward, else at the ID it was placed at (VFs on
 * buses above 0 come with buses of their own, with our ops). Caller
 * holds cfg_lock.
 */
static struct snap_sim_fn *snap_sim_fn_at(struct snap_sim *sim, u8 busnr,
					  unsigned int devfn)
{
	lockdep_assert_held(&sim->cfg_lock);
	if (sim->nr_ports)
		return snap_sim_fn_answering(sim, snap_sim_switch_fn_at(sim, busnr, devfn));
	return snap_sim_fn_answering(sim, xa_load(&sim->by_rid, busnr << 8 | devfn));
}

/*
 * The function a pci_dev of the sim bus is, in any context; or NULL.
 * The DMA mapping ops ask on every I/O: without a switch, where nothing
 * the host writes moves a function, that takes no lock.
 */
struct snap_sim_fn *snap_sim_fn_of_pdev(struct pci_dev *pdev)
{
	struct snap_sim *sim = READ_ONCE(snap_sim);
	unsigned int rid = pdev->bus->number << 8 | pdev->devfn;
	struct snap_sim_fn *fn;
	unsigned long flags;

	if (!sim || pci_domain_nr(pdev->bus) != sim->sysdata.domain)
		return NULL;
	if (!sim->nr_ports)
		return snap_sim_fn_answering(sim, xa_load(&sim->by_rid, rid));
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	fn = snap_sim_fn_at(sim, pdev->bus->number, pdev->devfn);
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	return fn;
}

/**
 * snap_sim_get_pdev() - look up the host's pci_dev of a function
 * @fn: the function
 *
 * Process context.
 *
 * Return: the pci_dev, with a reference; NULL when the host has none at
 * the function's routing ID.
 */
struct pci_dev *snap_sim_get_pdev(struct snap_sim_fn *fn)
{
	return pci_get_domain_bus_and_slot(fn->sim->sysdata.domain,
					   snap_sim_fn_bus(fn), fn->devfn);
}

/*
 * An FLR, or a VF its PF disabled: registers, MSI-X table and config
 * space to their reset state, the data path reset from a work item.
 * Under cfg_lock.
 */
void snap_sim_fn_reset(struct snap_sim_fn *fn)
{
	void __iomem *bar = snap_sim_bar0(fn);

	if (bar)
		snap_sim_msix_reset(fn, bar);
	snap_sim_regs_reset(fn);
	snap_cfg_reset(&fn->cfg);
}

/*
 * After a config write to a PF with VFs: VF Enable or NumVFs may have
 * changed (an FLR of the PF clears VF Enable). A VF that goes away is
 * reset as by an FLR, and every VF's memory decode follows VF Memory
 * Space Enable. Under cfg_lock. Returns whether the poller should look;
 * *@stopped is set when some VF had MSI-X on, for the caller to wait out
 * its handlers once cfg_lock is dropped.
 */
static bool snap_sim_vfs_update(struct snap_sim_fn *pf, bool *stopped)
{
	u16 num = snap_cfg_num_vfs(&pf->cfg);
	struct snap_sim_fn *vf;
	bool kick = false, msix;
	u16 i;

	for (i = 0; i < pf->nr_vfs; i++) {
		vf = &pf->vfs[i];
		msix = snap_cfg_msix_enabled(&vf->cfg);
		if (vf->present && i >= num) {
			if (snap_cfg_msix_on(&vf->cfg)) {
				snap_sim_irq_stopped(vf);
				*stopped = true;
			}
			snap_sim_fn_reset(vf);
		}
		vf->present = i < num;
		kick |= snap_sim_cmd_update(vf, msix);
	}
	return kick;
}

static void snap_sim_vfs_wait_fired(struct snap_sim_fn *pf)
{
	u16 i;

	for (i = 0; i < pf->nr_vfs; i++)
		snap_sim_irq_wait_fired(&pf->vfs[i]);
}

/* Config accesses may come from any context: no sleeping. */
static int snap_sim_read(struct pci_bus *bus, unsigned int devfn, int where,
			 int size, u32 *val)
{
	struct snap_sim *sim = snap_sim;
	struct snap_sim_port *port;
	struct snap_sim_fn *fn;
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	port = snap_sim_switch_port_at(sim, bus->number, devfn);
	fn = port ? NULL : snap_sim_fn_at(sim, bus->number, devfn);
	if (port) {
		ret = snap_sim_port_read(port, where, size, val);
	} else if (!fn || !fn->present) {
		/* nothing there, or a VF its PF has not enabled */
		*val = ~0U;
		ret = PCIBIOS_DEVICE_NOT_FOUND;
	} else if (fn->link_down && where < PCI_COMMAND) {
		/* what pci_device_is_present() reads of a device gone */
		*val = ~0U;
		ret = PCIBIOS_SUCCESSFUL;
	} else if (fn->model->cfg_access &&
		   fn->model->cfg_access(fn, where, size, false, val)) {
		ret = PCIBIOS_SUCCESSFUL;
	} else {
		ret = snap_cfg_read(&fn->cfg, where, size, val);
	}
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	return ret;
}

/* A config write to a switch port, with cfg_lock held; drops it. */
static int snap_sim_write_port(struct snap_sim_port *port, int where,
			       int size, u32 val, unsigned long flags)
{
	bool stopped;
	int ret;

	ret = snap_sim_port_write(port, where, size, val, &stopped);
	raw_spin_unlock_irqrestore(&port->sim->cfg_lock, flags);
	if (stopped)
		snap_sim_port_wait_fired(port);
	return ret;
}

static int snap_sim_write(struct pci_bus *bus, unsigned int devfn, int where,
			  int size, u32 val)
{
	bool msix, msix_on, kick, stopped, vfs_stopped = false;
	struct snap_sim *sim = snap_sim;
	struct snap_sim_port *port;
	struct snap_sim_fn *fn;
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	port = snap_sim_switch_port_at(sim, bus->number, devfn);
	if (port)
		return snap_sim_write_port(port, where, size, val, flags);
	fn = snap_sim_fn_at(sim, bus->number, devfn);
	if (!fn || !fn->present) {
		raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	if (fn->model->cfg_access &&
	    fn->model->cfg_access(fn, where, size, true, &val)) {
		raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
		return PCIBIOS_SUCCESSFUL;
	}
	msix = snap_cfg_msix_enabled(&fn->cfg);
	msix_on = snap_cfg_msix_on(&fn->cfg);
	ret = snap_cfg_write(&fn->cfg, where, size, val);
	kick = snap_cfg_flr_requested(&fn->cfg);
	if (kick)
		snap_sim_fn_reset(fn);
	kick |= snap_sim_cmd_update(fn, msix);
	if (fn->nr_vfs)
		kick |= snap_sim_vfs_update(fn, &vfs_stopped);
	/* The host frees its vectors next: nothing raised before may fire. */
	stopped = msix_on && !snap_cfg_msix_on(&fn->cfg);
	if (stopped)
		snap_sim_irq_stopped(fn);
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	if (stopped)
		snap_sim_irq_wait_fired(fn);
	if (vfs_stopped)
		snap_sim_vfs_wait_fired(fn);
	if (kick)
		snap_sim_poll_kick(sim);
	return ret;
}

/*
 * A host access to the BAR window that trap.c caught: the function whose
 * BAR0 holds @addr emulates it if the model's registers trap there.
 * Memory decode off: the function does not answer (reads all ones).
 */
static bool snap_sim_trap(phys_addr_t addr, unsigned int size, bool write,
			  u32 *val)
{
	struct snap_sim *sim = READ_ONCE(snap_sim);
	struct snap_sim_fn *fn;
	unsigned long flags;
	bool handled = false;
	unsigned int i;
	u64 off;

	if (!sim)
		return false;
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	for (i = 0; i < sim->nr_fns && !handled; i++) {
		fn = &sim->fns[i];
		if (!fn->model || !fn->model->trap || !snap_sim_bar0(fn) ||
		    addr < fn->regs_addr)
			continue;
		off = addr - fn->regs_addr;
		if (off >= fn->model->msix_table)
			continue;
		handled = true;
		if (!fn->mem || off % size) {
			if (!write)
				*val = ~0U;
			continue;
		}
		fn->model->trap(fn, off, size, write, val);
	}
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	return handled;
}

/* A slot may take a virtio function, whose registers trap, at any time. */
static bool snap_sim_needs_trap(struct snap_sim *sim)
{
	unsigned int i;

	for (i = 0; i < sim->nr_fns; i++)
		if (snap_sim_fn_in_slot(&sim->fns[i]) || sim->fns[i].model->trap)
			return true;
	return false;
}

/* The provider's publish_csts op: the model shows it as it must. */
static void snap_sim_publish_csts(struct snap_func *func, u32 csts)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	unsigned long flags;

	if (!fn || !fn->model->publish)
		return;
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	fn->model->publish(fn, csts);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
}

/*
 * A host driver uses the function from the moment one is bound to its
 * pci_dev: the driver core sets dev->driver before it calls probe and
 * clears it after remove, so this covers a probe still under way and
 * whatever driver it is (virtio-pci, nvme, vfio-pci, a test driver), for
 * every model alike. What a model shows would not do: virtio's
 * device_status is 0 right after virtio-pci resets the device in its
 * probe, before virtio_blk reads the queue count and Table Size, and
 * while virtio-pci keeps the function with virtio_blk unbound; NVMe has
 * nothing of the kind. A bound driver that has failed (virtio_blk
 * refused at FEATURES_OK) counts as well: unbinding it is the one clear
 * sign that the host let go. Caller holds @fn->pdev_lock (which keeps @pdev
 * alive) and cfg_lock: a probe that starts after the check reads config
 * space only once cfg_lock is dropped, so it sees what was changed under
 * it.
 */
static bool snap_sim_driver_bound(struct snap_sim_fn *fn, struct pci_dev *pdev)
{
	lockdep_assert_held(&fn->pdev_lock);
	lockdep_assert_held(&fn->sim->cfg_lock);
	return pdev && READ_ONCE(pdev->dev.driver);
}

/* The provider's in_use op, under snap_lock. */
static bool snap_sim_in_use(struct snap_func *func)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	struct pci_dev *pdev;
	unsigned long flags;
	bool bound;

	if (!fn)
		return false;
	mutex_lock(&fn->pdev_lock);
	/* Not under cfg_lock: the lookup may drop a reference. */
	pdev = snap_sim_pdev(fn);
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	bound = snap_sim_driver_bound(fn, pdev);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	mutex_unlock(&fn->pdev_lock);
	return bound;
}

/*
 * The provider's set_num_msix op, under snap_lock. The Table Size in
 * config space, the vectors the function raises (snap_msix_raise() and
 * the poller bound them by the Table Size) and the virtio model's vector
 * registers all follow @fn->num_msix, which changes here under cfg_lock.
 * The table and PBA go back to their reset state: no host owns them now.
 */
static int snap_sim_set_num_msix(struct snap_func *func, u32 num_msix)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	struct pci_dev *pdev;
	void __iomem *bar;
	unsigned long flags;
	int ret;

	if (!fn)
		return 0;
	if (!num_msix || num_msix > fn->max_msix)
		return -EINVAL;
	mutex_lock(&fn->pdev_lock);
	pdev = snap_sim_pdev(fn);
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	if (snap_sim_driver_bound(fn, pdev)) {
		ret = -EBUSY;
		goto unlock;
	}
	ret = snap_cfg_set_num_msix(&fn->cfg, num_msix);
	if (ret)
		goto unlock;
	fn->num_msix = num_msix;
	bar = snap_sim_bar0(fn);
	if (bar)
		snap_sim_msix_reset(fn, bar);
	fn->irq_pending = false;
unlock:
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	mutex_unlock(&fn->pdev_lock);
	return ret;
}

static void snap_sim_probe_work(struct work_struct *work)
{
	struct snap_sim_fn *fn = container_of(work, struct snap_sim_fn,
					      probe_work);
	struct pci_dev *pdev;
	int ret;

	mutex_lock(&fn->pdev_lock);
	pdev = pci_dev_get(snap_sim_pdev(fn));
	mutex_unlock(&fn->pdev_lock);
	if (!pdev)
		return;
	/* device_attach() and device_reprobe() take the device lock. */
	if (pdev->dev.driver)
		ret = device_reprobe(&pdev->dev);
	else
		ret = device_attach(&pdev->dev);
	if (ret < 0)
		pci_warn(pdev, "probing the host driver again failed (%d)\n", ret);
	pci_dev_put(pdev);
}

/**
 * snap_sim_probe_again() - let the host's drivers probe a function anew
 * @fn: a function whose host driver gave up on it and that can now serve
 *
 * What a link coming up does on a real port: a driver that failed on a
 * device that was not ready yet (still bound, or gone) gets a fresh
 * probe, so the user need not rebind by hand. Any context.
 */
void snap_sim_probe_again(struct snap_sim_fn *fn)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	if (!fn->sim->stopping)
		queue_work(system_wq, &fn->probe_work);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
}

/* The provider's config_changed op, under snap_lock. */
static void snap_sim_config_changed(struct snap_func *func)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);

	if (fn && fn->model->config_changed)
		fn->model->config_changed(fn);
}

static struct pci_ops snap_sim_ops = {
	.read = snap_sim_read,
	.write = snap_sim_write,
};

static int snap_sim_find_domain(void)
{
	struct pci_bus *bus = NULL;
	int domain = SNAP_SIM_FIRST_DOMAIN - 1;

	while ((bus = pci_find_next_bus(bus)))
		domain = max(domain, pci_domain_nr(bus));
	return domain + 1;
}

/*
 * The window must be a child of ivshmem's BAR, but not one equal to it:
 * the PCI core then fails to allocate inside it. Leaving out the first
 * page (no BAR of ours fits there anyway once aligned) avoids that.
 */
static int snap_sim_claim_ivshmem(struct snap_sim *sim)
{
	struct resource *bar;

	sim->ivshmem = pci_get_device(SNAP_IVSHMEM_VENDOR, SNAP_IVSHMEM_DEVICE, NULL);
	if (!sim->ivshmem)
		return -ENODEV;
	bar = &sim->ivshmem->resource[SNAP_IVSHMEM_RAM_BAR];
	if (!(bar->flags & IORESOURCE_MEM) || resource_size(bar) < 2 * PAGE_SIZE) {
		pci_dev_put(sim->ivshmem);
		sim->ivshmem = NULL;
		return -ENODEV;
	}
	sim->window.start = bar->start + PAGE_SIZE;
	sim->window.end = bar->end;
	if (request_resource(bar, &sim->window)) {
		pci_dev_put(sim->ivshmem);
		sim->ivshmem = NULL;
		return -EBUSY;
	}
	return 0;
}

/*
 * RAM the kernel was told to leave alone (memmap=SIZE$START, with
 * pci=no_e820 so x86 does not clip it out of PCI windows) serves as well.
 */
static int snap_sim_claim_reserved(struct snap_sim *sim)
{
	if (!sim_mem_size)
		return -ENODEV;
	if (sim_mem_size < 2 * PAGE_SIZE || !PAGE_ALIGNED(sim_mem_start) ||
	    !PAGE_ALIGNED(sim_mem_size) || sim_mem_start + sim_mem_size < sim_mem_start) {
		pr_err("sim_mem_start=%#lx sim_mem_size=%#lx: want page-aligned, at least two pages\n",
		       sim_mem_start, sim_mem_size);
		return -EINVAL;
	}
	sim->window.start = sim_mem_start + PAGE_SIZE;
	sim->window.end = sim_mem_start + sim_mem_size - 1;
	return insert_resource(&iomem_resource, &sim->window) ? -EBUSY : 0;
}

static int snap_sim_claim_window(struct snap_sim *sim)
{
	int ret;

	sim->window.name = "snap sim BAR window";
	sim->window.flags = IORESOURCE_MEM;
	ret = snap_sim_claim_ivshmem(sim);
	if (ret == -ENODEV)
		ret = snap_sim_claim_reserved(sim);
	return ret;
}

static void snap_sim_release_window(struct snap_sim *sim)
{
	release_resource(&sim->window);
	if (sim->ivshmem)
		pci_dev_put(sim->ivshmem);
}

const struct snap_sim_model *snap_sim_model_of(struct snap_func *func)
{
	switch (func->type) {
	case SNAP_FUNC_NVME:
		return &snap_sim_nvme_model;
	case SNAP_FUNC_VIRTIO_BLK:
		return &snap_sim_virtio_blk_model;
	default:
		return NULL;
	}
}

/*
 * The host's drivers bind the functions from a work item, not from
 * pci_bus_add_devices() during the load. Since 6.2 the nvme driver
 * enables the controller and waits CAP.TO for CSTS.RDY inside its probe
 * (6.1 did that in a work item of its own); RDY needs snap_service,
 * which cannot attach before the module's init has returned. Probed
 * from the load, every function held the load for CAP.TO (30 s) and the
 * driver then gave up on it. So the functions go on the bus with driver
 * matching held back by a driver_override no driver has, and each is
 * then offered to the drivers on its own, as a hot-added device is.
 */
static const struct device_driver snap_sim_hold = {
	.name = "snap: held until the load is done",
};

static void snap_sim_hold_drivers(struct snap_sim *sim)
{
	struct pci_dev *pdev;
	unsigned int i;

	for (i = 0; i < sim->nr_fns; i++) {
		if (sim->fns[i].pf || !sim->fns[i].func)
			continue;
		pdev = snap_sim_get_pdev(&sim->fns[i]);
		if (pdev)
			snap_pci_set_override(pdev, snap_sim_hold.name);
		pci_dev_put(pdev);
	}
}

/* After pci_bus_add_devices(); the probes run outside the rescan lock. */
static void snap_sim_release_drivers(struct snap_sim *sim)
{
	unsigned int i;

	/* VFs come later, when the host enables them; slots when plugged. */
	for (i = 0; i < sim->nr_fns; i++)
		if (!sim->fns[i].pf && !snap_sim_fn_in_slot(&sim->fns[i]))
			queue_work(system_long_wq, &sim->fns[i].attach_work);
}

/*
 * A VF's attach_work is queued as its pci_dev is registered, before
 * pci_iov_add_virtfn() lets drivers match it: attaching earlier would
 * find no driver. Seconds at most; after that the attach goes ahead
 * (and finds none, as a VF without autoprobe does).
 */
static void snap_sim_wait_added(struct pci_dev *pdev)
{
	int tries = 1000;

	while (!READ_ONCE(pdev->match_driver) && tries--)
		usleep_range(1000, 2000);
}

/**
 * snap_sim_attach_work() - offer a function to the host's drivers
 * @work: the function's attach_work
 *
 * What pci_bus_add_device() would have done last: lift the hold and
 * attach a driver. A driver_override the user wrote meanwhile stays.
 * May take CAP.TO when the nvme driver probes a function nothing serves.
 */
static void snap_sim_attach_work(struct work_struct *work)
{
	struct snap_sim_fn *fn = container_of(work, struct snap_sim_fn,
					      attach_work);
	struct pci_dev *pdev;
	bool held;
	int ret;

	pdev = snap_sim_get_pdev(fn);
	if (!pdev)
		return;
	snap_sim_wait_added(pdev);
	device_lock(&pdev->dev);
	held = snap_pci_override_is(pdev, &snap_sim_hold);
	device_unlock(&pdev->dev);
	if (held)
		snap_pci_set_override(pdev, "");
	ret = device_attach(&pdev->dev);
	if (ret < 0 && ret != -EPROBE_DEFER)
		pci_warn(pdev, "device attach failed (%d)\n", ret);
	pci_dev_put(pdev);
}

static void snap_sim_set_link(struct snap_sim_fn *fn, bool up)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	fn->link_down = !up;
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
}

/*
 * The function, and only it, found again on @bus after its removal, held
 * from the drivers as at load: a probe may take CAP.TO and must not hold
 * the rescan lock. Caller holds the rescan lock.
 */
static void snap_sim_replug(struct snap_sim_fn *fn, struct pci_bus *bus)
{
	struct pci_dev *pdev;

	pdev = pci_scan_single_device(bus, fn->devfn);
	if (!pdev) {
		pr_warn("function %u not found again after its removal\n",
			fn->func->id);
		return;
	}
	snap_pci_set_override(pdev, snap_sim_hold.name);
	pci_assign_unassigned_bus_resources(bus);
	pci_bus_add_device(pdev);
}

/*
 * The kernel frees a PF's SR-IOV state when its pci_dev goes and insists
 * that no VF is left then (BUG_ON in sriov_release()); the nvme and
 * virtio-pci drivers leave VFs enabled when they unbind. So before the
 * sim removes a PF it disables the VFs the host enabled, which removes
 * them as `echo 0 > sriov_numvfs` would. Not under the rescan lock:
 * newer kernels take it there themselves.
 */
static void snap_sim_disable_vfs(struct snap_sim_fn *pf)
{
	struct pci_dev *pdev;

	if (!pf->nr_vfs)
		return;
	pdev = snap_sim_get_pdev(pf);
	if (pdev && pci_num_vf(pdev)) {
		pci_info(pdev, "disabling its %d VFs: the function goes\n",
			 pci_num_vf(pdev));
		pci_disable_sriov(pdev);
	}
	pci_dev_put(pdev);
}

/**
 * snap_sim_unplug_work() - a surprise removal of a function from its driver
 * @work: the function's unplug_work
 *
 * What pciehp does when a device drops off its link: the pci_dev is
 * removed while its Vendor ID reads all ones, so the driver's remove
 * sees the device gone and fails what it has outstanding (the nvme
 * driver cancels its requests instead of waiting for their timeout and
 * resetting). Config writes still reach the function while the driver
 * lets go, so Bus Master Enable and MSI-X end as they do on an unbind.
 * The function is then found again and offered to the drivers. Nothing
 * is done when no driver is bound: nothing has to be taken away.
 */
static void snap_sim_unplug_work(struct work_struct *work)
{
	struct snap_sim_fn *fn = container_of(work, struct snap_sim_fn,
					      unplug_work);
	struct pci_dev *pdev;
	struct pci_bus *bus;

	snap_sim_disable_vfs(fn);
	pci_lock_rescan_remove();
	pdev = snap_sim_get_pdev(fn);
	if (!pdev || !READ_ONCE(pdev->dev.driver)) {
		pci_dev_put(pdev);
		pci_unlock_rescan_remove();
		return;
	}
	pci_info(pdev, "surprise removal: its controller was destroyed by force\n");
	snap_sim_set_link(fn, false);
	/* The bus stays: a bus goes only with the bridge above it. */
	bus = pdev->bus;
	pci_stop_and_remove_bus_device(pdev);
	pci_dev_put(pdev);
	snap_sim_set_link(fn, true);
	snap_sim_replug(fn, bus);
	pci_unlock_rescan_remove();
	queue_work(system_long_wq, &fn->attach_work);
}

/* The provider's surprise_remove op, under snap_lock. */
static void snap_sim_surprise_remove(struct snap_func *func)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	unsigned long flags;

	/*
	 * A VF cannot be found again by a scan once removed, and the
	 * kernel's presence check of a VF reads its PF: a VF's host driver
	 * finds its controller failed instead.
	 */
	if (!fn || !fn->model->surprise_removal || fn->pf)
		return;
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	if (!fn->sim->stopping)
		queue_work(system_long_wq, &fn->unplug_work);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
}

/* The routing ID (bus << 8 | devfn) a function answers config cycles at. */
static unsigned int snap_sim_rid(const struct snap_sim_fn *fn)
{
	return fn->busnr << 8 | fn->devfn;
}

/**
 * snap_sim_prepare_fn() - what a function's place on the bus keeps
 * @sim: the bus
 * @fn: a place in @sim->fns, zeroed
 *
 * Locks and work items outlive the functions that come and go in a slot:
 * the poller and the bus's stop take them whether or not one is there.
 */
static void snap_sim_prepare_fn(struct snap_sim *sim, struct snap_sim_fn *fn)
{
	fn->sim = sim;
	mutex_init(&fn->poll_lock);
	mutex_init(&fn->pdev_lock);
	INIT_WORK(&fn->reset_work, snap_sim_reset_work);
	INIT_WORK(&fn->probe_work, snap_sim_probe_work);
	INIT_WORK(&fn->attach_work, snap_sim_attach_work);
	INIT_WORK(&fn->unplug_work, snap_sim_unplug_work);
}

/**
 * snap_sim_init_fn() - set up a function at its place
 * @sim: the bus
 * @fn: prepared, with @fn->func and where it answers set
 *
 * Under snap_lock (the model reads the function's controller). A slot's
 * function is not present until plugged, and is routed by its
 * port rather than by routing ID.
 *
 * Return: 0 or a negative errno.
 */
int snap_sim_init_fn(struct snap_sim *sim, struct snap_sim_fn *fn)
{
	struct snap_func *func = fn->func;
	const struct snap_sim_model *model = snap_sim_model_of(func);
	struct snap_cfg_desc desc = {
		.num_msix = func->num_msix,
		.max_msix = func->max_msix,
		.msix_table_offset = model->msix_table,
		.msix_pba_offset = model->msix_pba,
		.vuid = func->vuid,
		.vf = fn->pf,
		.total_vfs = fn->nr_vfs,
		.pf_devfn = fn->devfn,
		.multi_function = sim->multi_function && !fn->pf,
	};
	int ret;

	fn->model = model;
	fn->num_msix = func->num_msix;
	fn->max_msix = func->max_msix;
	fn->present = !fn->pf && !snap_sim_fn_in_slot(fn);
	model->describe(fn, &desc);
	if (fn->nr_vfs) {
		desc.vf_offset = snap_sim_rid(fn->vfs) - snap_sim_rid(fn);
		desc.vf_device = desc.device;
	}
	ret = snap_cfg_init(&fn->cfg, &desc);
	if (ret)
		return ret;
	snap_sim_iommu_init(fn);
	ret = model->init ? model->init(fn) : 0;
	if (ret)
		return ret;
	ret = snap_sim_irq_init(fn);
	if (ret)
		goto err_model_exit;
	ret = xa_insert(&sim->by_id, func->id, fn, GFP_KERNEL);
	if (ret)
		goto err_irq_exit;
	if (snap_sim_fn_in_slot(fn))
		return 0;
	ret = xa_insert(&sim->by_rid, snap_sim_rid(fn), fn, GFP_KERNEL);
	if (ret)
		goto err_erase_id;
	return 0;

err_erase_id:
	xa_erase(&sim->by_id, func->id);
err_irq_exit:
	snap_sim_irq_exit(fn);
err_model_exit:
	if (model->exit)
		model->exit(fn);
	return ret;
}

/* Undoes snap_sim_init_fn(): nothing uses @fn any more. */
void snap_sim_exit_fn(struct snap_sim *sim, struct snap_sim_fn *fn)
{
	if (!snap_sim_fn_in_slot(fn))
		xa_erase(&sim->by_rid, snap_sim_rid(fn));
	xa_erase(&sim->by_id, fn->func->id);
	snap_sim_irq_exit(fn);
	snap_sim_iommu_exit(fn);
	if (fn->model->exit)
		fn->model->exit(fn);
}

/*
 * A VF's MSI-X table must fit below the PBA in BAR0, as a PF's does; the
 * VF parameters allow more vectors (4095) than that.
 */
static bool snap_sim_vf_fits(struct snap_func *vf)
{
	const struct snap_sim_model *model = snap_sim_model_of(vf);

	return vf->max_msix <= (model->msix_pba - model->msix_table) /
			       PCI_MSIX_ENTRY_SIZE;
}

static void snap_sim_warn_vfs_unfit(struct snap_func *vf)
{
	const struct snap_sim_model *model = snap_sim_model_of(vf);

	pr_warn("%s PF %u: %s_emulation_num_vf_msix=%u is more than a VF's BAR0 holds (%u): its VFs stay off the bus\n",
		vf->type == SNAP_FUNC_NVME ? "NVMe" : "virtio-blk", vf->pf_id,
		vf->type == SNAP_FUNC_NVME ? "nvme" : "virtio_blk", vf->max_msix,
		(model->msix_pba - model->msix_table) / PCI_MSIX_ENTRY_SIZE);
}

/**
 * snap_sim_place() - where each function answers on the bus
 * @sim: the bus to fill in, or NULL to count only
 *
 * Static PFs get slots 0, 1, ... of bus 0, function 0 each. After the
 * last PF's slot come the VFs of the first PF, then those of the next,
 * one routing ID each (VF Stride 1), onto buses 1, 2, ... once bus 0 is
 * full: a PF's First VF Offset is where its first VF landed. With every
 * parameter at its maximum that is 34 buses, well inside one domain.
 *
 * Below the switch's port for them, the static PFs are functions 0, 1,
 * ... of device 0 instead (the bus below a downstream port has device 0
 * only; the parameters allow six static PFs), and the routing IDs count
 * from the port's secondary bus.
 *
 * Return: the number of functions on the bus.
 */
static unsigned int snap_sim_place(struct snap_sim *sim)
{
	struct snap_sim_port *port = sim ? snap_sim_switch_static_port(sim) : NULL;
	struct snap_sim_fn *fn, *pf_fn = NULL;
	struct snap_func *func, *pf = NULL;
	unsigned int n = 0, slot = 0, rid;

	list_for_each_entry(func, &snap_emu.funcs, node)
		if (func->kind == SNAP_FUNC_STATIC_PF && snap_sim_model_of(func))
			slot++;
	rid = port ? slot : PCI_DEVFN(slot, 0);
	if (sim)
		sim->multi_function = port && slot > 1;
	slot = 0;
	list_for_each_entry(func, &snap_emu.funcs, node) {
		if (!snap_sim_model_of(func) || func->kind == SNAP_FUNC_HOTPLUG_PF)
			continue;
		if (func->kind == SNAP_FUNC_STATIC_PF) {
			pf = func;
			if (sim) {
				pf_fn = &sim->fns[n];
				pf_fn->func = func;
				pf_fn->port = port;
				pf_fn->devfn = port ? slot : PCI_DEVFN(slot, 0);
			}
			slot++;
			n++;
			continue;
		}
		/* The registry lists each PF's VFs right after it. */
		if (!pf || pf->type != func->type || pf->pf_id != func->pf_id)
			continue;
		if (!snap_sim_vf_fits(func)) {
			if (sim && func->vf_id == 0)
				snap_sim_warn_vfs_unfit(func);
			continue;
		}
		if (sim) {
			fn = &sim->fns[n];
			fn->func = func;
			fn->pf = pf_fn;
			fn->port = port;
			fn->vf_index = pf_fn->nr_vfs;
			fn->busnr = rid >> 8;
			fn->devfn = rid & 0xff;
			if (!pf_fn->nr_vfs)
				pf_fn->vfs = fn;
			pf_fn->nr_vfs++;
			sim->busnr.end = fn->busnr;
		}
		rid++;
		n++;
	}
	return n;
}

static int snap_sim_init_fns(struct snap_sim *sim)
{
	unsigned int i;
	int ret;

	for (i = 0; i < sim->nr_fns; i++)
		snap_sim_prepare_fn(sim, &sim->fns[i]);
	snap_sim_place(sim);
	snap_sim_switch_place_slots(sim);
	mutex_lock(&snap_lock);
	for (i = 0; i < sim->nr_fns; i++) {
		if (!sim->fns[i].func)
			continue;
		ret = snap_sim_init_fn(sim, &sim->fns[i]);
		if (ret)
			goto err_exit_fns;
	}
	mutex_unlock(&snap_lock);
	return 0;

err_exit_fns:
	while (i--)
		if (sim->fns[i].func)
			snap_sim_exit_fn(sim, &sim->fns[i]);
	mutex_unlock(&snap_lock);
	return ret;
}

/* With the bus gone: the static functions, and what slots still hold. */
static void snap_sim_exit_fns(struct snap_sim *sim)
{
	unsigned int i;

	for (i = 0; i < sim->nr_fns; i++)
		if (sim->fns[i].func)
			snap_sim_exit_fn(sim, &sim->fns[i]);
}

static void snap_sim_record_bdfs(struct snap_sim *sim)
{
	struct pci_dev *pdev;
	struct snap_sim_fn *fn;
	unsigned int i;

	mutex_lock(&snap_lock);
	for (i = 0; i < sim->nr_fns; i++) {
		fn = &sim->fns[i];
		/* A slot's is looked up while plugged (snap_sim_hotplug_info()). */
		if (snap_sim_fn_in_slot(fn))
			continue;
		/* A VF's is where it answers once its PF enables it. */
		if (fn->pf) {
			snprintf(fn->func->pci_bdf, sizeof(fn->func->pci_bdf),
				 "%04x:%02x:%02x.%d", sim->sysdata.domain,
				 snap_sim_fn_bus(fn), PCI_SLOT(fn->devfn),
				 PCI_FUNC(fn->devfn));
			continue;
		}
		pdev = snap_sim_get_pdev(fn);
		if (pdev)
			strscpy(fn->func->pci_bdf, pci_name(pdev),
				sizeof(fn->func->pci_bdf));
		pci_dev_put(pdev);
	}
	mutex_unlock(&snap_lock);
}

static int snap_sim_add_bus(struct snap_sim *sim)
{
	LIST_HEAD(resources);

	/*
	 * Bus 0 and the buses snap_sim_place() put VFs on; the whole
	 * domain's for a switch, whose bridges the host numbers.
	 */
	if (sim->nr_ports)
		sim->busnr.end = 0xff;
	sim->busnr.name = "snap sim bus";
	sim->busnr.flags = IORESOURCE_BUS;
	pci_add_resource(&resources, &sim->busnr);
	pci_add_resource(&resources, &sim->window);

	sim->sysdata.domain = snap_sim_find_domain();
	sim->sysdata.node = NUMA_NO_NODE;

	pci_lock_rescan_remove();
	sim->bus = pci_create_root_bus(snap_emu.dev, 0, &snap_sim_ops,
				       &sim->sysdata, &resources);
	if (!sim->bus) {
		pci_unlock_rescan_remove();
		pci_free_resource_list(&resources);
		return -ENODEV;
	}
	pci_scan_child_bus(sim->bus);
	pci_assign_unassigned_bus_resources(sim->bus);
	snap_sim_hold_drivers(sim);
	pci_unlock_rescan_remove();
	/*
	 * Outside the rescan lock, as vmd adds its domain: pciehp's probe of
	 * the switch's ports takes their reset_lock, which pciehp's irq
	 * thread holds while it takes the rescan lock; and a hot-plug PF's
	 * removal takes the rescan lock under snap_lock, which recording the
	 * BDFs takes.
	 */
	snap_sim_record_bdfs(sim);
	pci_bus_add_devices(sim->bus);
	snap_sim_release_drivers(sim);
	return 0;
}

/*
 * Every pci_dev the sim bus gets (the first scan, a rescan after a
 * remove, a VF its PF enabled) is behind the sim's IOMMU before any
 * driver can bind to it. A VF is held from the drivers and offered to
 * them from a work item, as the PFs are at load: with nothing serving it
 * yet the nvme driver's probe waits CAP.TO, and the host's write to
 * sriov_numvfs would wait that long for each VF.
 */
static int snap_sim_bus_notify(struct notifier_block *nb, unsigned long action,
			       void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct snap_sim_fn *fn;
	unsigned long flags;

	if (action != BUS_NOTIFY_ADD_DEVICE)
		return NOTIFY_DONE;
	fn = snap_sim_fn_of_pdev(pdev);
	if (!fn)
		return NOTIFY_DONE;
	snap_sim_iommu_attach(pdev);
	if (!fn->pf && !snap_sim_fn_in_slot(fn))
		return NOTIFY_DONE;
	snap_pci_set_override(pdev, snap_sim_hold.name);
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	if (!fn->sim->stopping)
		queue_work(system_long_wq, &fn->attach_work);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	return NOTIFY_DONE;
}

static struct notifier_block snap_sim_bus_nb = {
	.notifier_call = snap_sim_bus_notify,
};

static int snap_sim_start(void)
{
	unsigned int nr = snap_sim_place(NULL) + snap_params_hotplug_pfs(&snap_params);
	struct snap_sim *sim;
	int ret;

	if (!nr)
		return 0;
	ret = snap_sim_iommu_setup();
	if (ret)
		return ret;
	/* Thousands of VFs may take megabytes. */
	sim = kvzalloc(struct_size(sim, fns, nr), GFP_KERNEL);
	if (!sim) {
		ret = -ENOMEM;
		goto err_iommu_teardown;
	}
	sim->nr_fns = nr;
	raw_spin_lock_init(&sim->cfg_lock);
	xa_init(&sim->by_id);
	xa_init(&sim->by_rid);
	ret = snap_sim_switch_init(sim);
	if (ret)
		goto err_free;
	ret = snap_sim_init_fns(sim);
	if (ret)
		goto err_switch_exit;

	ret = snap_sim_claim_window(sim);
	if (ret == -ENODEV) {
		/* Objects still work; only the host cannot see the functions. */
		pr_warn("no BAR memory (no ivshmem-plain device, no sim_mem_size): %u function(s) not on a PCI bus\n",
			nr);
		snap_sim_exit_fns(sim);
		snap_sim_switch_exit(sim);
		kvfree(sim);
		snap_sim_iommu_teardown();
		return 0;
	}
	if (ret)
		goto err_exit_fns;
	sim->regs = ioremap(sim->window.start, resource_size(&sim->window));
	if (!sim->regs) {
		ret = -ENOMEM;
		goto err_release_window;
	}
	snap_sim = sim;
	ret = snap_sim_poll_start(sim);
	if (ret)
		goto err_unmap;
	/*
	 * Without kprobes (a kernel built without them) the virtio
	 * functions cannot answer their registers: they stay off the bus
	 * and the rest serve as usual.
	 */
	if (snap_sim_needs_trap(sim)) {
		ret = snap_sim_trap_start(sim->window.start, sim->window.end,
					  snap_sim_trap);
		if (ret)
			pr_warn("virtio functions stay off the bus: their registers cannot trap (%d)\n",
				ret);
		sim->trapping = !ret;
	}
	ret = bus_register_notifier(&pci_bus_type, &snap_sim_bus_nb);
	if (ret)
		goto err_trap_stop;
	ret = snap_sim_add_bus(sim);
	if (ret)
		goto err_unregister_notifier;
	pr_info("%u function(s) on PCI domain %04x, BAR window %pR%s\n", nr,
		sim->sysdata.domain, &sim->window,
		sim->nr_ports ? ", behind a switch" : "");
	return 0;

err_unregister_notifier:
	bus_unregister_notifier(&pci_bus_type, &snap_sim_bus_nb);
err_trap_stop:
	if (sim->trapping)
		snap_sim_trap_stop();
	snap_sim_poll_stop(sim);
err_unmap:
	snap_sim = NULL;
	iounmap(sim->regs);
err_release_window:
	snap_sim_release_window(sim);
err_exit_fns:
	snap_sim_exit_fns(sim);
err_switch_exit:
	snap_sim_switch_exit(sim);
err_free:
	kvfree(sim);
err_iommu_teardown:
	snap_sim_iommu_teardown();
	return ret;
}

/*
 * The poller keeps running while the bus goes: a bound nvme driver shuts
 * its controller down on remove and waits for the handshake. Removal
 * clears Bus Master Enable, which queues function resets; they run before
 * the data path goes away.
 */
static void snap_sim_stop(void)
{
	struct snap_sim *sim = snap_sim;
	struct pci_host_bridge *bridge;
	unsigned long flags;
	unsigned int i;

	if (!sim)
		return;
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	sim->stopping = true;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	/*
	 * A removal in progress ends first (it queues attach_work), then a
	 * probe in progress (by CAP.TO at the latest).
	 */
	for (i = 0; i < sim->nr_fns; i++)
		cancel_work_sync(&sim->fns[i].unplug_work);
	for (i = 0; i < sim->nr_fns; i++)
		cancel_work_sync(&sim->fns[i].attach_work);
	for (i = 0; i < sim->nr_fns; i++)
		cancel_work_sync(&sim->fns[i].probe_work);
	for (i = 0; i < sim->nr_fns; i++)
		snap_sim_disable_vfs(&sim->fns[i]);
	bridge = pci_find_host_bridge(sim->bus);
	pci_lock_rescan_remove();
	pci_stop_root_bus(sim->bus);
	pci_remove_root_bus(sim->bus);
	pci_unlock_rescan_remove();
	/*
	 * pci_remove_root_bus() only deletes the host bridge; the reference
	 * pci_create_root_bus() left us is dropped here, or it leaks.
	 */
	pci_free_host_bridge(bridge);
	bus_unregister_notifier(&pci_bus_type, &snap_sim_bus_nb);
	for (i = 0; i < sim->nr_fns; i++)
		flush_work(&sim->fns[i].reset_work);
	if (sim->trapping)
		snap_sim_trap_stop();
	snap_sim_poll_stop(sim);
	snap_sim_exit_fns(sim);
	snap_sim_switch_exit(sim);
	snap_sim = NULL;
	iounmap(sim->regs);
	snap_sim_release_window(sim);
	kvfree(sim);
	snap_sim_iommu_teardown();
}

/* The bus exists from start to stop, when no daemon is attached. */
static void snap_sim_poll(bool busy)
{
	if (snap_sim)
		snap_sim_poll_now(snap_sim, busy);
}

const struct snap_provider_ops snap_sim_provider = {
	.name = "sim",
	.start = snap_sim_start,
	.stop = snap_sim_stop,
	.dma = snap_sim_dma,
	.dma_faults = snap_sim_dma_faults,
	.raise_irq = snap_sim_raise_irq,
	.poll = snap_sim_poll,
	.publish_csts = snap_sim_publish_csts,
	.queues_changed = snap_sim_queues_changed,
	.config_changed = snap_sim_config_changed,
	.in_use = snap_sim_in_use,
	.set_num_msix = snap_sim_set_num_msix,
	.surprise_remove = snap_sim_surprise_remove,
	.hotplug_add = snap_sim_hotplug_add,
	.hotplug_set = snap_sim_hotplug_set,
	.hotplug_info = snap_sim_hotplug_info,
	.hotplug_remove = snap_sim_hotplug_remove,
};
