// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated PCIe switch of the sim bus (pci_switch_emulation_enable):
 * an upstream port at 00:00.0 of the root bus, and below it
 * pci_switch_emulation_num_port downstream ports, one per device number
 * of the switch's internal bus. The first downstream port keeps the
 * static PFs (functions of its device 0) and their VFs; each other one is
 * a hot-plug slot for one PF (portcfg.c has their config space).
 *
 * Config cycles are routed as the switch's bridges route them, by the bus
 * numbers the host programmed into them: nothing below a port answers
 * before the host numbered it, or while the port's link is down.
 *
 * A port signals slot events with its one MSI. The Linux irq behind it is
 * looked up in process context (pci_irq_vector() takes a mutex) from a
 * work item, and the irq's handler runs from an irq_work in hard-irq
 * context, as for the functions' MSI-X (irq.c): each time the host turns
 * MSI off a new generation starts under cfg_lock, a message of an older
 * one is dropped, and the config write that turned it off waits for a
 * handler already running.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../snap.h"
#include "cfgspace.h"
#include "simdev.h"

/* What lspci shows for BlueField-3's own switch ports. */
#define SNAP_SWITCH_VENDOR		0x15b3
#define SNAP_SWITCH_UP_DEVICE		0x197b
#define SNAP_SWITCH_DOWN_DEVICE		0x2024

static bool snap_sim_port_has_slot(const struct snap_sim_port *port)
{
	return port->index > SNAP_SWITCH_STATIC_PORT;
}

/* Whether @busnr is below @port, as its bridge forwards. Under cfg_lock. */
static bool snap_sim_port_forwards(const struct snap_sim_port *port, u8 busnr)
{
	u8 sec = snap_port_secondary(&port->cfg);

	return sec && busnr >= sec && busnr <= snap_port_subordinate(&port->cfg);
}

/**
 * snap_sim_switch_port_at() - the switch port at a routing ID
 * @sim: the bus
 * @busnr: bus number of the config cycle
 * @devfn: its device and function
 *
 * Caller holds cfg_lock.
 *
 * Return: the port, or NULL when no port answers there.
 */
struct snap_sim_port *snap_sim_switch_port_at(struct snap_sim *sim, u8 busnr,
					      unsigned int devfn)
{
	struct snap_sim_port *up;
	unsigned int i;

	lockdep_assert_held(&sim->cfg_lock);
	if (!sim->nr_ports)
		return NULL;
	up = &sim->ports[0];
	if (!busnr)
		return devfn == PCI_DEVFN(0, 0) ? up : NULL;
	if (busnr != snap_port_secondary(&up->cfg) || PCI_FUNC(devfn))
		return NULL;
	i = PCI_SLOT(devfn) + 1;
	return i < sim->nr_ports ? &sim->ports[i] : NULL;
}

/**
 * snap_sim_switch_fn_at() - the function below the switch at a routing ID
 * @sim: the bus; it has a switch
 * @busnr: bus number of the config cycle
 * @devfn: its device and function
 *
 * The static PFs' port forwards to its whole bus range, where functions
 * sit at routing IDs relative to its secondary bus; a slot's PF is
 * device 0 of its port's secondary bus. Caller holds cfg_lock.
 *
 * Return: the function, or NULL when none answers there.
 */
struct snap_sim_fn *snap_sim_switch_fn_at(struct snap_sim *sim, u8 busnr,
					  unsigned int devfn)
{
	struct snap_sim_port *port;
	unsigned int i;
	u8 sec;

	lockdep_assert_held(&sim->cfg_lock);
	if (!snap_sim_port_forwards(&sim->ports[0], busnr))
		return NULL;
	for (i = SNAP_SWITCH_STATIC_PORT; i < sim->nr_ports; i++) {
		port = &sim->ports[i];
		if (!snap_sim_port_forwards(port, busnr))
			continue;
		if (!snap_port_link_up(&port->cfg))
			return NULL;
		sec = snap_port_secondary(&port->cfg);
		if (!snap_sim_port_has_slot(port))
			return xa_load(&sim->by_rid, (busnr - sec) << 8 | devfn);
		return busnr == sec && devfn == PCI_DEVFN(0, 0) ? port->fn : NULL;
	}
	return NULL;
}

/**
 * snap_sim_fn_bus() - the bus number a function answers on now
 * @fn: the function
 *
 * Below the switch that depends on how the host numbered the buses.
 * Any context.
 *
 * Return: the bus number; below a port not numbered yet, the port's
 * secondary bus reads 0 and so does the result for a PF.
 */
u8 snap_sim_fn_bus(struct snap_sim_fn *fn)
{
	unsigned long flags;
	u8 busnr;

	if (!fn->port)
		return fn->busnr;
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	busnr = snap_port_secondary(&fn->port->cfg) + fn->busnr;
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	return busnr;
}

/* The host's pci_dev of a port (a reference), or NULL. Process context. */
static struct pci_dev *snap_sim_port_pdev(struct snap_sim_port *port)
{
	struct snap_sim *sim = port->sim;
	unsigned int devfn = PCI_DEVFN(0, 0);
	unsigned long flags;
	u8 busnr = 0;

	if (port->index) {
		raw_spin_lock_irqsave(&sim->cfg_lock, flags);
		busnr = snap_port_secondary(&sim->ports[0].cfg);
		raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
		devfn = PCI_DEVFN(port->index - 1, 0);
		if (!busnr)
			return NULL;
	}
	return pci_get_domain_bus_and_slot(sim->sysdata.domain, busnr, devfn);
}

/* Queues the port's message for the irq_work, in process context. */
static void snap_sim_port_event_work(struct work_struct *work)
{
	struct snap_sim_port *port = container_of(work, struct snap_sim_port,
						  event_work);
	struct pci_dev *pdev = snap_sim_port_pdev(port);
	unsigned long flags;
	int irq;

	irq = pdev ? pci_irq_vector(pdev, 0) : -ENODEV;
	pci_dev_put(pdev);
	if (irq < 0)
		return;
	raw_spin_lock_irqsave(&port->sim->cfg_lock, flags);
	port->virq = irq;
	port->fire_gen = port->raised_gen;
	raw_spin_unlock_irqrestore(&port->sim->cfg_lock, flags);
	irq_work_queue(&port->irq_work);
}

/* Hard irq: runs the port's handler unless MSI stopped since the event. */
static void snap_sim_port_irq_fire(struct irq_work *work)
{
	struct snap_sim_port *port = container_of(work, struct snap_sim_port,
						  irq_work);
	bool ok;
	int irq;

	raw_spin_lock(&port->sim->cfg_lock);
	ok = port->fire_gen == port->msi_gen;
	irq = port->virq;
	if (ok)
		atomic_inc(&port->irq_firing);
	raw_spin_unlock(&port->sim->cfg_lock);
	if (!ok)
		return;
	generic_handle_irq(irq);
	/* Pairs with the acquire in snap_sim_port_wait_fired(). */
	atomic_dec_return_release(&port->irq_firing);
}

/* After a slot event or a host write, under cfg_lock: send if due. */
void snap_sim_port_notify(struct snap_sim_port *port)
{
	lockdep_assert_held(&port->sim->cfg_lock);
	if (!snap_port_irq_edge(&port->cfg) || port->sim->stopping)
		return;
	port->raised_gen = port->msi_gen;
	queue_work(system_wq, &port->event_work);
}

/**
 * snap_sim_port_read() - a config read of a switch port
 * @port: the port; caller holds cfg_lock
 * @where: offset
 * @size: 1, 2 or 4
 * @val: the value read
 *
 * Return: a PCIBIOS_* code.
 */
int snap_sim_port_read(struct snap_sim_port *port, int where, int size,
		       u32 *val)
{
	return snap_cfg_read(&port->cfg, where, size, val);
}

/**
 * snap_sim_port_write() - a config write to a switch port
 * @port: the port; caller holds cfg_lock
 * @where: offset
 * @size: 1, 2 or 4
 * @val: the value written
 * @stopped: set when the write turned MSI off: the caller then calls
 *	snap_sim_port_wait_fired() once it dropped cfg_lock
 *
 * Return: a PCIBIOS_* code.
 */
int snap_sim_port_write(struct snap_sim_port *port, int where, int size,
			u32 val, bool *stopped)
{
	bool msi = snap_port_msi_on(&port->cfg);
	int ret;

	ret = snap_cfg_write(&port->cfg, where, size, val);
	/* The host frees the vector next: nothing raised before may fire. */
	*stopped = msi && !snap_port_msi_on(&port->cfg);
	if (*stopped)
		port->msi_gen++;
	snap_sim_port_notify(port);
	return ret;
}

/**
 * snap_sim_port_wait_fired() - wait for a handler of the port running
 * @port: the port whose MSI a config write turned off; cfg_lock dropped
 *
 * Any context, as snap_sim_irq_wait_fired().
 */
void snap_sim_port_wait_fired(struct snap_sim_port *port)
{
	/* Pairs with the release in snap_sim_port_irq_fire(). */
	while (atomic_read_acquire(&port->irq_firing))
		cpu_relax();
}

/* The ports the parameters ask for; 0 for no switch. */
static unsigned int snap_sim_switch_ports(void)
{
	if (!snap_params.pci_switch_emulation_enable)
		return 0;
	/* The upstream port and the downstream ports. */
	return 1 + snap_params.pci_switch_emulation_num_port;
}

static int snap_sim_port_init(struct snap_sim *sim, unsigned int index)
{
	struct snap_sim_port *port = &sim->ports[index];
	struct snap_port_desc desc = {
		.kind = index ? SNAP_CFG_DOWNSTREAM_PORT : SNAP_CFG_UPSTREAM_PORT,
		.vendor = SNAP_SWITCH_VENDOR,
		.device = index ? SNAP_SWITCH_DOWN_DEVICE : SNAP_SWITCH_UP_DEVICE,
		.port_nr = index,
	};

	port->sim = sim;
	port->index = index;
	if (snap_sim_port_has_slot(port))
		desc.slot_nr = index - SNAP_SWITCH_STATIC_PORT;
	INIT_WORK(&port->event_work, snap_sim_port_event_work);
	port->irq_work = IRQ_WORK_INIT_HARD(snap_sim_port_irq_fire);
	return snap_port_cfg_init(&port->cfg, &desc);
}

/**
 * snap_sim_switch_init() - set up the switch's ports, if it has one
 * @sim: the bus, before it is added
 *
 * Return: 0, -ENOMEM, or -EINVAL if a port's description is refused.
 */
int snap_sim_switch_init(struct snap_sim *sim)
{
	unsigned int nr = snap_sim_switch_ports(), i;
	int ret;

	if (!nr)
		return 0;
	sim->ports = kcalloc(nr, sizeof(*sim->ports), GFP_KERNEL);
	if (!sim->ports)
		return -ENOMEM;
	sim->nr_ports = nr;
	for (i = 0; i < nr; i++) {
		ret = snap_sim_port_init(sim, i);
		if (ret)
			goto err_free;
	}
	return 0;

err_free:
	kfree(sim->ports);
	sim->ports = NULL;
	sim->nr_ports = 0;
	return ret;
}

/**
 * snap_sim_switch_place_slots() - give each slot its place in sim->fns
 * @sim: the bus; its last snap_params_hotplug_pfs() functions are for
 *	the slots, prepared and empty
 *
 * A slot's function is device 0 of its port's secondary bus.
 */
void snap_sim_switch_place_slots(struct snap_sim *sim)
{
	struct snap_sim_fn *fn = &sim->fns[sim->nr_fns];
	unsigned int i = sim->nr_ports;

	while (i-- > 0 && snap_sim_port_has_slot(&sim->ports[i])) {
		fn--;
		fn->port = &sim->ports[i];
		fn->devfn = PCI_DEVFN(0, 0);
		sim->ports[i].slot = fn;
	}
}

/**
 * snap_sim_switch_static_port() - the port that keeps the static PFs
 * @sim: the bus
 *
 * Return: that port, or NULL for a bus without switch.
 */
struct snap_sim_port *snap_sim_switch_static_port(struct snap_sim *sim)
{
	return sim->nr_ports ? &sim->ports[SNAP_SWITCH_STATIC_PORT] : NULL;
}

/**
 * snap_sim_switch_exit() - undo snap_sim_switch_init()
 * @sim: the bus, removed from the host; @sim->stopping is set
 */
void snap_sim_switch_exit(struct snap_sim *sim)
{
	unsigned int i;

	for (i = 0; i < sim->nr_ports; i++) {
		cancel_work_sync(&sim->ports[i].event_work);
		irq_work_sync(&sim->ports[i].irq_work);
	}
	kfree(sim->ports);
	sim->ports = NULL;
	sim->nr_ports = 0;
}
