/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_PARAMS_H
#define _SNAP_PARAMS_H

#include <linux/types.h>

/*
 * The firmware (mlxconfig) parameters of a BlueField that SNAP depends on,
 * as module parameters. They are fixed for the life of the module: changing
 * one means a reload, which is the emulated "power cycle".
 */
struct snap_params {
	unsigned int internal_cpu_model;
	unsigned int sriov_en;
	unsigned int pci_switch_emulation_enable;
	unsigned int pci_switch_emulation_num_port;
	unsigned int nvme_emulation_enable;
	unsigned int nvme_emulation_num_pf;
	unsigned int nvme_emulation_num_msix;
	unsigned int nvme_emulation_num_vf_msix;
	unsigned int nvme_emulation_num_vf;
	unsigned int nvme_emulation_max_queue_depth;
	unsigned int virtio_blk_emulation_enable;
	unsigned int virtio_blk_emulation_num_pf;
	unsigned int virtio_blk_emulation_num_msix;
	unsigned int virtio_blk_emulation_num_vf_msix;
	unsigned int virtio_blk_emulation_num_vf;
	unsigned int mempool_size_mb;
};

#define SNAP_PARAMS_MSG_LEN	128

/*
 * SNAP takes the MSI-X counts as best effort: 0 (the default) gives a
 * function this many vectors, enough for the admin queue and 32 NVMe I/O
 * queues, or for the configuration vector and 31 virtio-blk queues. A
 * function without vectors would be one no host driver can use.
 */
#define SNAP_DEFAULT_NUM_MSIX	32

/* SNAP's default mempool is 1 GiB of staging buffers. */
#define SNAP_DEFAULT_MEMPOOL_SIZE_MB	1024

/* Every firmware parameter defaults to 0: emulation is off until enabled. */
#define SNAP_PARAMS_DEFAULT_INIT { \
	.mempool_size_mb = SNAP_DEFAULT_MEMPOOL_SIZE_MB, \
}

extern const struct snap_params snap_params_defaults;

int snap_params_validate(const struct snap_params *p, char *msg, size_t len);
unsigned int snap_params_nvme_max_queue_size(const struct snap_params *p);
unsigned int snap_params_hotplug_pfs(const struct snap_params *p);
unsigned int snap_params_num_msix(unsigned int value);

#endif /* _SNAP_PARAMS_H */
