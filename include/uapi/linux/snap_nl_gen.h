/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Generated from Documentation/netlink/specs/snap.yaml by scripts/nlgen.py: do not edit. */

#ifndef _UAPI_LINUX_SNAP_NL_GEN_H
#define _UAPI_LINUX_SNAP_NL_GEN_H

#define SNAP_GENL_NAME		"snap"
#define SNAP_GENL_VERSION	1
#define SNAP_GENL_MCGRP_EVENTS	"events"

/* controller, bdev, emulation manager names: 63 bytes + NUL */
#define SNAP_NAME_MAX	64
#define SNAP_NQN_MAX	224	/* NVMe: 223 bytes + NUL */
#define SNAP_SERIAL_MAX	21	/* NVMe SN: 20 bytes + NUL */
#define SNAP_MODEL_MAX	41	/* NVMe MN: 40 bytes + NUL */
#define SNAP_VUID_MAX	64	/* 63 bytes + NUL */
#define SNAP_PATH_MAX	4096	/* 4095 bytes + NUL */
#define SNAP_ERROR_MAX	256	/* 255 bytes + NUL */
#define SNAP_UUID_LEN	16
/*
 * NVMe MDTS, log2 of 4 KiB pages: 9 is 2 MiB, the daemon's largest buffer (one
 * pool chunk)
 */
#define SNAP_NVME_MDTS_MAX	9
/*
 * snap_service log levels: 0 errors, 1 warnings, 2 notices, 3 info, 4 debug, 5
 * trace
 */
#define SNAP_LOG_LEVEL_MAX	5
#define SNAP_BDEVS_MAX	16384	/* bdevs at once (ids 1..this) */
#define SNAP_SUBSYSTEMS_MAX	4096	/* NVMe subsystems at once */
/* NVMe namespaces at once, of all subsystems */
#define SNAP_NAMESPACES_MAX	16384
/*
 * NVMe namespace ids 1..nn of a subsystem, so also the namespaces one
 * controller serves
 */
#define SNAP_NVME_NN_MAX	4096
/*
 * PF numbers of a type: 4 static PFs at most (kmod/params.c), then up to 31
 * hot-plug PFs, one per free port of the emulated switch
 */
#define SNAP_PF_ID_MAX	34

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

/* where a hot-plug PF is, as the host sees its slot */
enum snap_hotplug_state {
	/* not in its slot (created and not plugged yet) */
	SNAP_HOTPLUG_UNPLUGGED,
	SNAP_HOTPLUG_PLUGGED,		/* in its slot; the host may use it */
	/*
	 * the slot's attention button was pressed; the host still has the
	 * function
	 */
	SNAP_HOTPLUG_UNPLUG_REQUESTED,
	/*
	 * the host let the function go after the request and powered the slot
	 * off; it is still in the slot
	 */
	SNAP_HOTPLUG_RELEASED,

	__SNAP_HOTPLUG_STATE_MAX,
	SNAP_HOTPLUG_STATE_MAX = __SNAP_HOTPLUG_STATE_MAX - 1
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

/* Commands: requests, replies and events */
enum snap_cmd {
	SNAP_CMD_UNSPEC,
	SNAP_CMD_EMU_GET,
	SNAP_CMD_FUNC_GET,
	SNAP_CMD_SUBSYS_NEW,		/* requires nqn */
	SNAP_CMD_SUBSYS_DEL,		/* requires nqn */
	SNAP_CMD_SUBSYS_GET,
	SNAP_CMD_SUBSYS_SET,		/* requires nqn */
	SNAP_CMD_NS_NEW,		/* requires nqn, bdev-name */
	SNAP_CMD_NS_DEL,		/* requires nqn, nsid */
	SNAP_CMD_NS_GET,
	SNAP_CMD_NS_SET,		/* requires nqn, nsid */
	SNAP_CMD_NVME_CTRL_NEW,		/* requires nqn */
	SNAP_CMD_NVME_CTRL_DEL,		/* requires name */
	SNAP_CMD_NVME_CTRL_GET,
	SNAP_CMD_NVME_CTRL_SET,
	SNAP_CMD_NVME_CTRL_ATTACH_NS,	/* requires name, nsid */
	SNAP_CMD_NVME_CTRL_DETACH_NS,	/* requires name, nsid */
	SNAP_CMD_VBLK_CTRL_NEW,
	SNAP_CMD_VBLK_CTRL_DEL,		/* requires name */
	SNAP_CMD_VBLK_CTRL_GET,
	SNAP_CMD_VBLK_CTRL_SET,
	SNAP_CMD_VBLK_CTRL_ATTACH_BDEV,	/* requires name, bdev-name */
	SNAP_CMD_VBLK_CTRL_DETACH_BDEV,	/* requires name */
	SNAP_CMD_BDEV_NEW,		/* requires name, bdev-type */
	SNAP_CMD_BDEV_DEL,		/* requires name */
	SNAP_CMD_BDEV_GET,
	SNAP_CMD_BDEV_SET,		/* requires name */
	SNAP_CMD_DAEMON_NTF,
	SNAP_CMD_BDEV_RESIZE,
	SNAP_CMD_EMU_SET,
	SNAP_CMD_NVME_CTRL_STATS_GET,
	SNAP_CMD_VBLK_CTRL_STATS_GET,
	SNAP_CMD_BDEV_STATS_GET,
	SNAP_CMD_FUNC_NEW,
	SNAP_CMD_FUNC_DEL,
	SNAP_CMD_FUNC_SET,

	__SNAP_CMD_MAX,
	SNAP_CMD_MAX = __SNAP_CMD_MAX - 1
};

/* One attribute space for all commands; each command has its own policy */
enum snap_attr {
	SNAP_A_UNSPEC,
	SNAP_A_PAD,			/* pad */
	SNAP_A_EMU_NAME,		/* string: emulation manager, sim0 */
	SNAP_A_EMU_PROVIDER,		/* string: provider, sim */
	SNAP_A_ID,			/* u32: stable object id */
	SNAP_A_NAME,			/* string: controller or bdev name */
	SNAP_A_FORCE,			/* flag: destroy even when in use */
	SNAP_A_FUNC_TYPE,		/* u8: enum snap_func_type */
	SNAP_A_FUNC_KIND,		/* u8: enum snap_func_kind */
	SNAP_A_PF_ID,			/* u32 */
	/* u32: absent for a PF; 2000 VFs at most (kmod/params.c) */
	SNAP_A_VF_ID,
	SNAP_A_VUID,			/* string */
	SNAP_A_VHCA_ID,			/* u32 */
	SNAP_A_NUM_MSIX,		/* u32 */
	SNAP_A_PCI_BDF,			/* string: host address, once known */
	/* string: controller on this function / namespace */
	SNAP_A_CTRL_NAME,
	SNAP_A_NQN,			/* string */
	SNAP_A_SERIAL_NUMBER,		/* string */
	SNAP_A_MODEL_NUMBER,		/* string */
	SNAP_A_NN,			/* u32: max namespaces */
	SNAP_A_MNAN,			/* u32: max allocated namespaces */
	SNAP_A_SINGLE_CTRL,		/* flag: at most one controller */
	SNAP_A_NSID,			/* u32 */
	SNAP_A_UUID,			/* binary: 16 bytes */
	SNAP_A_NSIDS,			/* nest: nest of nsid */
	SNAP_A_CTRLS,			/* nest: nest of ctrl-name */
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
	SNAP_A_BDEV_NAME,		/* string: bdev referred to */
	SNAP_A_BDEV_TYPE,		/* u8: enum snap_bdev_type */
	SNAP_A_NUM_BLOCKS,		/* u64 */
	SNAP_A_BLOCK_SIZE,		/* u32 */
	/* string: uring backing file or device */
	SNAP_A_FILENAME,
	SNAP_A_BDEV_ARGS,		/* string: nvmf / plugin parameters */
	SNAP_A_READY,			/* u8: 0 or 1, realized by the daemon */
	SNAP_A_ERROR,			/* string: why the daemon could not */
	SNAP_A_DAEMON_ATTACHED,		/* u8 */
	SNAP_A_DAEMON_PID,		/* u32 */
	SNAP_A_MAX_QUEUE_SIZE,		/* u32: NVMe I/O queue size limit */
	SNAP_A_NUM_FUNCS,		/* u32 */
	/* flag: offer VIRTIO_RING_F_INDIRECT_DESC */
	SNAP_A_INDIRECT_DESC,
	/*
	 * flag: use chains in the order they were made available; offer
	 * VIRTIO_F_IN_ORDER
	 */
	SNAP_A_FORCE_IN_ORDER,
	/*
	 * binary: struct snap_io_stats[] of include/uapi/linux/snap.h, one per
	 * queue the function may have (NVMe: by SQ id, 0 the admin queue;
	 * virtio: by virtqueue index)
	 */
	SNAP_A_IO_STATS,
	/*
	 * binary: struct snap_queue_state[] by SQ id, as the kernel keeps them
	 */
	SNAP_A_SQ_STATE,
	/*
	 * binary: struct snap_queue_state[] by CQ id, as the kernel keeps them
	 */
	SNAP_A_CQ_STATE,
	/*
	 * binary: struct snap_vq_state[] by virtqueue index, as the kernel
	 * keeps them
	 */
	SNAP_A_VQ_STATE,
	/*
	 * u8: the daemon's log level; absent until set, the daemon's -l rules
	 */
	SNAP_A_LOG_LEVEL,
	/*
	 * binary: struct snap_bdev_stats of include/uapi/linux/snap.h: the
	 * bdev's I/O counters
	 */
	SNAP_A_BDEV_STATS,
	/*
	 * u8: enum snap_hotplug_state: a hot-plug PF's state; in func-new and
	 * func-set the state asked for: plugged puts it in its slot,
	 * unplug-requested presses the slot's attention button
	 */
	SNAP_A_HOTPLUG_STATE,
	/*
	 * u32: a hot-plug PF's downstream port of the emulated switch (1 keeps
	 * the static PFs); the host's slot number is port - 1
	 */
	SNAP_A_PORT,

	__SNAP_A_MAX,
	SNAP_A_MAX = __SNAP_A_MAX - 1
};

#endif /* _UAPI_LINUX_SNAP_NL_GEN_H */
