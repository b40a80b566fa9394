// SPDX-License-Identifier: GPL-2.0
/*
 * snap: NVMe and virtio-blk storage device emulation, after NVIDIA DOCA
 * SNAP-4. The module owns the emulation objects; the snap_service daemon
 * serves their queues.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>
#include <kunit/visibility.h>

#include "datapath.h"
#include "snap.h"
#include "provider.h"

struct snap_params snap_params = SNAP_PARAMS_DEFAULT_INIT;
/* The hot-plug cases turn the switch on for a while (core_kunit.c). */
EXPORT_SYMBOL_IF_KUNIT(snap_params);

/*
 * Each firmware parameter of the SNAP appendix, lower case, read-only.
 * The description ends in "[range] (default N)": snapadm's "config query"
 * reads it back with libkmod, so keep that form.
 */
#define SNAP_PARAM(name, range, def, desc)				\
	module_param_named(name, snap_params.name, uint, 0444);	\
	MODULE_PARM_DESC(name, desc " " range " (default " #def ")")

/* The MSI-X counts are best effort: 0 is not a function without vectors. */
#define SNAP_MSIX_BEST_EFFORT \
	", best effort; 0 means " __stringify(SNAP_DEFAULT_NUM_MSIX)

SNAP_PARAM(internal_cpu_model, "[0-1]", 0,
	   "Internal CPU model; must be 1 for any storage emulation");
SNAP_PARAM(sriov_en, "[0-1]", 0, "Enable SR-IOV on the static PFs");
SNAP_PARAM(pci_switch_emulation_enable, "[0-1]", 0,
	   "Enable the PCIe switch for hot-plug emulated PFs");
SNAP_PARAM(pci_switch_emulation_num_port, "[0,2-32]", 0,
	   "Switch ports; hot-plug PFs = ports - 1");
SNAP_PARAM(nvme_emulation_enable, "[0-1]", 0, "Enable NVMe emulation");
SNAP_PARAM(nvme_emulation_num_pf, "[0-2]", 0, "Static emulated NVMe PFs");
SNAP_PARAM(nvme_emulation_num_msix, "[0-63]", 0,
	   "MSI-X vectors per NVMe PF" SNAP_MSIX_BEST_EFFORT);
SNAP_PARAM(nvme_emulation_num_vf_msix, "[0-4095]", 0,
	   "MSI-X vectors per NVMe VF" SNAP_MSIX_BEST_EFFORT);
SNAP_PARAM(nvme_emulation_num_vf, "[0-256]", 0,
	   "VFs per NVMe PF; needs sriov_en=1");
SNAP_PARAM(nvme_emulation_max_queue_depth, "[0-12]", 0,
	   "log2 of the largest NVMe I/O queue; 0 means 64");
SNAP_PARAM(virtio_blk_emulation_enable, "[0-1]", 0,
	   "Enable virtio-blk emulation");
SNAP_PARAM(virtio_blk_emulation_num_pf, "[0-4]", 0,
	   "Static emulated virtio-blk PFs");
SNAP_PARAM(virtio_blk_emulation_num_msix, "[0-63]", 0,
	   "MSI-X vectors per virtio-blk PF" SNAP_MSIX_BEST_EFFORT);
SNAP_PARAM(virtio_blk_emulation_num_vf_msix, "[0-4095]", 0,
	   "MSI-X vectors per virtio-blk VF" SNAP_MSIX_BEST_EFFORT);
SNAP_PARAM(virtio_blk_emulation_num_vf, "[0-2000]", 0,
	   "VFs per virtio-blk PF; needs sriov_en=1");
SNAP_PARAM(mempool_size_mb, "[64-1048576]", 1024,
	   "Staging buffer pool size in MiB");

static int __init snap_init(void)
{
	char msg[SNAP_PARAMS_MSG_LEN];
	int ret;

	ret = snap_params_validate(&snap_params, msg, sizeof(msg));
	if (ret) {
		pr_err("refusing to load: %s\n", msg);
		return ret;
	}

	/*
	 * The static PFs appear on the sim bus below, and a host driver
	 * already loaded (nvme) probes them at once: its probe waits up to
	 * CAP.TO for a controller, i.e. for snap_service, which cannot start
	 * before this load returns. The module loader would wait for such
	 * asynchronous probes (async_synchronize_full()) and the driver
	 * would always give up; as with async_probe=1, do not wait. (Built
	 * in, as for KUnit under UML, there is no loader to wait.)
	 */
#ifdef MODULE
	THIS_MODULE->async_probe_requested = true;
#endif

	ret = snap_sysfs_init();
	if (ret)
		return ret;
	ret = snap_dp_init();
	if (ret)
		goto err_sysfs_exit;
	ret = snap_core_init();
	if (ret)
		goto err_dp_exit;
	ret = snap_provider->start();
	if (ret)
		goto err_core_exit;
	ret = snap_genl_init();
	if (ret)
		goto err_provider_stop;
	ret = snap_cdev_init();
	if (ret)
		goto err_genl_exit;

	pr_info("loaded, ABI %u.%u, %u functions\n", SNAP_ABI_MAJOR,
		SNAP_ABI_MINOR, snap_emu.num_funcs);
	return 0;

err_genl_exit:
	snap_genl_exit();
err_provider_stop:
	snap_provider->stop();
err_core_exit:
	snap_core_exit();
err_dp_exit:
	snap_dp_exit();
err_sysfs_exit:
	snap_sysfs_exit();
	return ret;
}

/*
 * No daemon can be attached here: its open /dev/snap holds a module
 * reference. Objects still alive are destroyed without announcement.
 */
static void __exit snap_exit(void)
{
	snap_cdev_exit();
	snap_genl_exit();
	snap_provider->stop();
	snap_core_exit();
	snap_dp_exit();
	snap_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(snap_init);
module_exit(snap_exit);

MODULE_DESCRIPTION("NVMe and virtio-blk storage device emulation");
MODULE_AUTHOR("snap developers");
MODULE_LICENSE("GPL");
