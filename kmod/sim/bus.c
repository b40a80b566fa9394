// SPDX-License-Identifier: GPL-2.0
/*
 * The sim provider: emulated functions on a virtual PCI root bus of this
 * same kernel, so the stock nvme driver is the host. Config space is
 * served by cfgspace.c; BAR memory is RAM the host's MMIO writes land in,
 * taken from QEMU's ivshmem-plain device (writes to RAM cannot trap, so
 * later the provider polls it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/ioport.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../snap.h"
#include "cfgspace.h"
#include "sim.h"

/* QEMU's ivshmem-plain: its BAR2 is plain RAM we may use as BAR space. */
#define SNAP_IVSHMEM_VENDOR	0x1af4
#define SNAP_IVSHMEM_DEVICE	0x1110
#define SNAP_IVSHMEM_RAM_BAR	2

/* What the host sees, as on BlueField (SNAP-4 docs). */
#define SNAP_NVME_VENDOR	0x15b3
#define SNAP_NVME_DEVICE	0x6001
#define SNAP_NVME_CLASS		0x010802

/*
 * BAR0: registers (4 KiB), doorbells for up to 64 queue pairs with
 * stride 4 bytes (4 KiB is plenty), then the MSI-X table (64 vectors of
 * 16 bytes) and its PBA: 16 KiB holds it all.
 */
#define SNAP_NVME_BAR0_SIZE	SZ_16K
#define SNAP_NVME_MSIX_TABLE	0x2000
#define SNAP_NVME_MSIX_PBA	0x3000

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

struct snap_sim_fn {
	struct snap_func *func;
	unsigned int devfn;
	struct snap_cfg cfg;
};

struct snap_sim {
	struct pci_sysdata sysdata;	/* x86 reads the domain from here */
	/*
	 * x86 has PCI_LOCKLESS_CONFIG: the PCI core serializes only user
	 * (sysfs) config accesses, so the emulated spaces need their own lock.
	 */
	raw_spinlock_t cfg_lock;
	struct pci_dev *ivshmem;
	struct resource window;
	struct resource busnr;
	struct pci_bus *bus;
	unsigned int nr_fns;
	struct snap_sim_fn fns[];
};

static struct snap_sim *snap_sim;

static struct snap_sim_fn *snap_sim_fn(struct pci_bus *bus, unsigned int devfn)
{
	struct snap_sim *sim = snap_sim;
	unsigned int i;

	if (!sim || bus->number)
		return NULL;
	for (i = 0; i < sim->nr_fns; i++)
		if (sim->fns[i].devfn == devfn)
			return &sim->fns[i];
	return NULL;
}

/* Config accesses may come from any context: no sleeping. */
static int snap_sim_read(struct pci_bus *bus, unsigned int devfn, int where,
			 int size, u32 *val)
{
	struct snap_sim_fn *fn = snap_sim_fn(bus, devfn);
	unsigned long flags;
	int ret;

	if (!fn) {
		*val = ~0U;
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	raw_spin_lock_irqsave(&snap_sim->cfg_lock, flags);
	ret = snap_cfg_read(&fn->cfg, where, size, val);
	raw_spin_unlock_irqrestore(&snap_sim->cfg_lock, flags);
	return ret;
}

static int snap_sim_write(struct pci_bus *bus, unsigned int devfn, int where,
			  int size, u32 val)
{
	struct snap_sim_fn *fn = snap_sim_fn(bus, devfn);
	unsigned long flags;
	int ret;

	if (!fn)
		return PCIBIOS_DEVICE_NOT_FOUND;
	raw_spin_lock_irqsave(&snap_sim->cfg_lock, flags);
	ret = snap_cfg_write(&fn->cfg, where, size, val);
	/* No DMA or queues exist yet, so an FLR only resets config space. */
	if (snap_cfg_flr_requested(&fn->cfg))
		snap_cfg_reset(&fn->cfg);
	raw_spin_unlock_irqrestore(&snap_sim->cfg_lock, flags);
	return ret;
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

static int snap_sim_init_nvme_fn(struct snap_sim_fn *fn, struct snap_func *func,
				 unsigned int slot)
{
	struct snap_cfg_desc desc = {
		.vendor = SNAP_NVME_VENDOR,
		.device = SNAP_NVME_DEVICE,
		.subsys_vendor = SNAP_NVME_VENDOR,
		.subsys_device = SNAP_NVME_DEVICE,
		.class_code = SNAP_NVME_CLASS,
		.bar0_size = SNAP_NVME_BAR0_SIZE,
		.num_msix = func->num_msix,
		.msix_table_offset = SNAP_NVME_MSIX_TABLE,
		.msix_pba_offset = SNAP_NVME_MSIX_PBA,
		.product = "snap emulated NVMe controller",
		.vuid = func->vuid,
	};

	fn->func = func;
	fn->devfn = PCI_DEVFN(slot, 0);
	return snap_cfg_init(&fn->cfg, &desc);
}

/* Static NVMe PFs get a slot each on bus 0 of the new domain. */
static unsigned int snap_sim_count_fns(void)
{
	struct snap_func *func;
	unsigned int n = 0;

	list_for_each_entry(func, &snap_emu.funcs, node)
		if (func->type == SNAP_FUNC_NVME && func->kind == SNAP_FUNC_STATIC_PF)
			n++;
	return n;
}

static int snap_sim_init_fns(struct snap_sim *sim)
{
	struct snap_func *func;
	unsigned int slot = 0;
	int ret;

	list_for_each_entry(func, &snap_emu.funcs, node) {
		if (func->type != SNAP_FUNC_NVME || func->kind != SNAP_FUNC_STATIC_PF)
			continue;
		ret = snap_sim_init_nvme_fn(&sim->fns[slot], func, slot);
		if (ret)
			return ret;
		slot++;
	}
	return 0;
}

static void snap_sim_record_bdfs(struct snap_sim *sim)
{
	struct pci_dev *pdev;
	struct snap_sim_fn *fn;

	mutex_lock(&snap_lock);
	list_for_each_entry(pdev, &sim->bus->devices, bus_list) {
		fn = snap_sim_fn(sim->bus, pdev->devfn);
		if (fn)
			strscpy(fn->func->pci_bdf, pci_name(pdev), sizeof(fn->func->pci_bdf));
	}
	mutex_unlock(&snap_lock);
}

static int snap_sim_add_bus(struct snap_sim *sim)
{
	LIST_HEAD(resources);

	sim->busnr.name = "snap sim bus";
	sim->busnr.start = 0;
	sim->busnr.end = 0;
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
	snap_sim_record_bdfs(sim);
	pci_bus_add_devices(sim->bus);
	pci_unlock_rescan_remove();
	return 0;
}

static int snap_sim_start(void)
{
	unsigned int nr = snap_sim_count_fns();
	struct snap_sim *sim;
	int ret;

	if (!nr)
		return 0;
	sim = kzalloc(struct_size(sim, fns, nr), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	sim->nr_fns = nr;
	raw_spin_lock_init(&sim->cfg_lock);
	ret = snap_sim_init_fns(sim);
	if (ret)
		goto err_free;

	ret = snap_sim_claim_window(sim);
	if (ret == -ENODEV) {
		/* Objects still work; only the host cannot see the functions. */
		pr_warn("no BAR memory (no ivshmem-plain device, no sim_mem_size): %u function(s) not on a PCI bus\n",
			nr);
		kfree(sim);
		return 0;
	}
	if (ret)
		goto err_free;
	snap_sim = sim;
	ret = snap_sim_add_bus(sim);
	if (ret)
		goto err_release_window;
	pr_info("%u function(s) on PCI domain %04x, BAR window %pR\n", nr,
		sim->sysdata.domain, &sim->window);
	return 0;

err_release_window:
	snap_sim = NULL;
	snap_sim_release_window(sim);
err_free:
	kfree(sim);
	return ret;
}

static void snap_sim_stop(void)
{
	struct snap_sim *sim = snap_sim;

	if (!sim)
		return;
	pci_lock_rescan_remove();
	pci_stop_root_bus(sim->bus);
	pci_remove_root_bus(sim->bus);
	pci_unlock_rescan_remove();
	snap_sim = NULL;
	snap_sim_release_window(sim);
	kfree(sim);
}

const struct snap_provider_ops snap_sim_provider = {
	.name = "sim",
	.start = snap_sim_start,
	.stop = snap_sim_stop,
};
