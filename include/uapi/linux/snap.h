/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * snap: the ABI between the snap module and userspace (the snap_service
 * daemon and snapadm): the generic netlink family "snap" and /dev/snap.
 *
 * The netlink part is described in Documentation/netlink/specs/snap.yaml;
 * keep the two in step.
 */
#ifndef _UAPI_LINUX_SNAP_H
#define _UAPI_LINUX_SNAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The major number changes only when an old daemon could misread the new
 * module; minor grows with additions that old daemons may ignore.
 */
#define SNAP_ABI_MAJOR		1
#define SNAP_ABI_MINOR		0

/* ---- generic netlink family ---- */

#define SNAP_GENL_NAME		"snap"
#define SNAP_GENL_VERSION	1
#define SNAP_GENL_MCGRP_EVENTS	"events"

/* Limits of string attributes, including the terminating NUL. */
#define SNAP_NAME_MAX		64	/* controller, bdev, emulation manager */
#define SNAP_NQN_MAX		224	/* NVMe: 223 bytes + NUL */
#define SNAP_SERIAL_MAX		21	/* NVMe SN: 20 bytes + NUL */
#define SNAP_MODEL_MAX		41	/* NVMe MN: 40 bytes + NUL */
#define SNAP_VUID_MAX		64
#define SNAP_PATH_MAX		4096
#define SNAP_ERROR_MAX		256
#define SNAP_UUID_LEN		16

/*
 * Commands. Each object has NEW, DEL, GET (doit for one, dump for all) and,
 * where something can change, SET. The same commands announce changes on
 * the "events" group: NEW after a create, DEL after a destroy, SET after
 * any change, carrying the object's attributes as GET would.
 */
enum snap_cmd {
	SNAP_CMD_UNSPEC,
	SNAP_CMD_EMU_GET,		/* emulation managers (sim0) */
	SNAP_CMD_FUNC_GET,		/* emulated PCI functions */
	SNAP_CMD_SUBSYS_NEW,
	SNAP_CMD_SUBSYS_DEL,
	SNAP_CMD_SUBSYS_GET,
	SNAP_CMD_SUBSYS_SET,		/* model_number, serial_number, mnan */
	SNAP_CMD_NS_NEW,
	SNAP_CMD_NS_DEL,
	SNAP_CMD_NS_GET,
	SNAP_CMD_NS_SET,		/* ready / error reported by the daemon */
	SNAP_CMD_NVME_CTRL_NEW,
	SNAP_CMD_NVME_CTRL_DEL,
	SNAP_CMD_NVME_CTRL_GET,
	SNAP_CMD_NVME_CTRL_SET,		/* state: suspend / resume */
	SNAP_CMD_NVME_CTRL_ATTACH_NS,
	SNAP_CMD_NVME_CTRL_DETACH_NS,
	SNAP_CMD_VBLK_CTRL_NEW,
	SNAP_CMD_VBLK_CTRL_DEL,
	SNAP_CMD_VBLK_CTRL_GET,
	SNAP_CMD_VBLK_CTRL_SET,		/* num_queues, num_msix, state */
	SNAP_CMD_VBLK_CTRL_ATTACH_BDEV,
	SNAP_CMD_VBLK_CTRL_DETACH_BDEV,
	SNAP_CMD_BDEV_NEW,
	SNAP_CMD_BDEV_DEL,
	SNAP_CMD_BDEV_GET,
	SNAP_CMD_BDEV_SET,		/* ready / error / size reported by the daemon */
	SNAP_CMD_DAEMON_NTF,		/* event only: daemon attached or gone */

	__SNAP_CMD_MAX,
	SNAP_CMD_MAX = __SNAP_CMD_MAX - 1
};

/* One attribute space for all commands; each command has its own policy. */
enum snap_attr {
	SNAP_A_UNSPEC,
	SNAP_A_PAD,
	SNAP_A_EMU_NAME,		/* string: emulation manager, "sim0" */
	SNAP_A_EMU_PROVIDER,		/* string: "sim" */
	SNAP_A_ID,			/* u32: the object's stable id */
	SNAP_A_NAME,			/* string: controller or bdev name */
	SNAP_A_FORCE,			/* flag: destroy even when in use */

	/* functions */
	SNAP_A_FUNC_TYPE,		/* u8: enum snap_func_type */
	SNAP_A_FUNC_KIND,		/* u8: enum snap_func_kind */
	SNAP_A_PF_ID,			/* u32 */
	SNAP_A_VF_ID,			/* u32: absent for a PF */
	SNAP_A_VUID,			/* string */
	SNAP_A_VHCA_ID,			/* u32 */
	SNAP_A_NUM_MSIX,		/* u32 */
	SNAP_A_PCI_BDF,			/* string: host address, once known */
	SNAP_A_CTRL_NAME,		/* string: controller on this function */

	/* NVMe subsystems and namespaces */
	SNAP_A_NQN,			/* string */
	SNAP_A_SERIAL_NUMBER,		/* string */
	SNAP_A_MODEL_NUMBER,		/* string */
	SNAP_A_NN,			/* u32: max namespaces */
	SNAP_A_MNAN,			/* u32: max allocated namespaces */
	SNAP_A_SINGLE_CTRL,		/* flag: at most one controller */
	SNAP_A_NSID,			/* u32 */
	SNAP_A_UUID,			/* binary, SNAP_UUID_LEN */
	SNAP_A_NSIDS,			/* nest of SNAP_A_NSID */
	SNAP_A_CTRLS,			/* nest of SNAP_A_CTRL_NAME */

	/* controllers */
	SNAP_A_CTRL_ID,			/* u32: NVMe cntlid */
	SNAP_A_NUM_QUEUES,		/* u32 */
	SNAP_A_MDTS,			/* u8 */
	SNAP_A_STATE,			/* u8: enum snap_ctrl_state */
	SNAP_A_QUEUE_SIZE,		/* u32 */
	SNAP_A_SEG_MAX,			/* u32 */
	SNAP_A_SIZE_MAX,		/* u32 */
	SNAP_A_READ_ONLY,		/* flag */
	SNAP_A_FREE_QUEUES,		/* u32 */
	SNAP_A_FREE_MSIX,		/* u32 */

	/* bdevs */
	SNAP_A_BDEV_NAME,		/* string: bdev referred to */
	SNAP_A_BDEV_TYPE,		/* u8: enum snap_bdev_type */
	SNAP_A_NUM_BLOCKS,		/* u64 */
	SNAP_A_BLOCK_SIZE,		/* u32 */
	SNAP_A_FILENAME,		/* string: uring backing file or device */
	SNAP_A_BDEV_ARGS,		/* string: nvmf / plugin parameters */
	SNAP_A_READY,			/* u8: 0 or 1, realized by the daemon */
	SNAP_A_ERROR,			/* string: why the daemon could not */

	/* daemon and emulation manager state */
	SNAP_A_DAEMON_ATTACHED,		/* u8 */
	SNAP_A_DAEMON_PID,		/* u32 */
	SNAP_A_MAX_QUEUE_SIZE,		/* u32: NVMe I/O queue size limit */
	SNAP_A_NUM_FUNCS,		/* u32 */

	__SNAP_A_MAX,
	SNAP_A_MAX = __SNAP_A_MAX - 1
};

enum snap_func_type {
	SNAP_FUNC_NVME,
	SNAP_FUNC_VIRTIO_BLK,

	__SNAP_FUNC_TYPE_MAX,
	SNAP_FUNC_TYPE_MAX = __SNAP_FUNC_TYPE_MAX - 1
};

enum snap_func_kind {
	SNAP_FUNC_STATIC_PF,
	SNAP_FUNC_HOTPLUG_PF,
	SNAP_FUNC_VF,

	__SNAP_FUNC_KIND_MAX,
	SNAP_FUNC_KIND_MAX = __SNAP_FUNC_KIND_MAX - 1
};

enum snap_ctrl_state {
	SNAP_CTRL_SUSPENDED,
	SNAP_CTRL_RUNNING,

	__SNAP_CTRL_STATE_MAX,
	SNAP_CTRL_STATE_MAX = __SNAP_CTRL_STATE_MAX - 1
};

enum snap_bdev_type {
	SNAP_BDEV_NULL,
	SNAP_BDEV_MALLOC,
	SNAP_BDEV_URING,
	SNAP_BDEV_NVMF,
	SNAP_BDEV_PLUGIN,

	__SNAP_BDEV_TYPE_MAX,
	SNAP_BDEV_TYPE_MAX = __SNAP_BDEV_TYPE_MAX - 1
};

/* ---- /dev/snap ---- */

#define SNAP_DEV_NAME		"snap"

/*
 * Features a daemon asks for at attach; the module answers with the subset
 * it supports, as ublk does. Unknown bits are simply not granted.
 */
#define SNAP_F_STATUS_REPORT	(1ULL << 0)	/* daemon reports ready/error */
#define SNAP_F_ALL		(SNAP_F_STATUS_REPORT)

/**
 * struct snap_ioc_attach - SNAP_IOC_ATTACH argument
 * @abi_major: in: the daemon's SNAP_ABI_MAJOR; out: the module's
 * @abi_minor: in: the daemon's SNAP_ABI_MINOR; out: the module's
 * @flags: must be 0
 * @features: in: wanted SNAP_F_*; out: granted
 * @reserved: must be 0
 */
struct snap_ioc_attach {
	__u16 abi_major;
	__u16 abi_minor;
	__u32 flags;
	__u64 features;
	__u64 reserved[6];
};

/**
 * struct snap_ioc_info - SNAP_IOC_INFO result
 * @abi_major: the module's SNAP_ABI_MAJOR
 * @abi_minor: the module's SNAP_ABI_MINOR
 * @flags: must be 0 on input
 * @features: features the module supports
 * @generation: grows with every object change, for cheap resyncs
 * @daemon_pid: pid of the attached daemon, 0 when none
 * @pad: must be 0
 * @reserved: must be 0 on input
 */
struct snap_ioc_info {
	__u16 abi_major;
	__u16 abi_minor;
	__u32 flags;
	__u64 features;
	__u64 generation;
	__u32 daemon_pid;
	__u32 pad;
	__u64 reserved[4];
};

#define SNAP_IOC_MAGIC		0xb5
#define SNAP_IOC_ATTACH		_IOWR(SNAP_IOC_MAGIC, 0x00, struct snap_ioc_attach)
#define SNAP_IOC_DETACH		_IO(SNAP_IOC_MAGIC, 0x01)
#define SNAP_IOC_INFO		_IOWR(SNAP_IOC_MAGIC, 0x02, struct snap_ioc_info)

#endif /* _UAPI_LINUX_SNAP_H */
