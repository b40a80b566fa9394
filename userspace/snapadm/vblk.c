// SPDX-License-Identifier: GPL-2.0
/* snapadm: virtio-blk controllers, with the names and flags of snap_rpc.py. */
#include <linux/snap.h>

#include "cmds.h"
#include "func.h"

static const struct opt_def create_opts[] = {
	{ "ctrl", "c", OPT_STR, SNAP_A_NAME, 0, 0, "name (default VblkCtrl<N>)" },
	{ "pf_id", NULL, OPT_U32, SNAP_A_PF_ID, 0, 0, "PF index" },
	{ "vf_id", NULL, OPT_U32, SNAP_A_VF_ID, 0, 0, "VF index under the PF" },
	{ "vuid", NULL, OPT_STR, SNAP_A_VUID, 0, 0, "function by VUID" },
	{ "vhca_id", NULL, OPT_U32, OPT_NO_ATTR, 0, 0, "function by vhca_id" },
	{ "bdev", NULL, OPT_STR, SNAP_A_BDEV_NAME, 0, 0, "backing bdev (attach later when omitted)" },
	{ "num_queues", NULL, OPT_U32, SNAP_A_NUM_QUEUES, 0, 0, "virtqueues" },
	{ "queue_size", NULL, OPT_U32, SNAP_A_QUEUE_SIZE, 0, 0, "virtqueue size, power of two" },
	{ "seg_max", NULL, OPT_U32, SNAP_A_SEG_MAX, 0, 0, "segments per request, power of two" },
	{ "size_max", NULL, OPT_U32, SNAP_A_SIZE_MAX, 0, 0, "bytes per segment, power of two" },
	{ "read_only", NULL, OPT_FLAG, SNAP_A_READ_ONLY, 0, 0, "read-only device" },
	{ "serial", NULL, OPT_STR, SNAP_A_SERIAL_NUMBER, 0, 0, "serial (default: the controller name)" },
	{ "vblk_id", NULL, OPT_STR, SNAP_A_SERIAL_NUMBER, 0, 0,
	  "the serial GET_ID answers, as --serial (SNAP's name)" },
	{ "suspended", NULL, OPT_SET_U8, SNAP_A_STATE, 0, SNAP_CTRL_SUSPENDED,
	  "create suspended" },
	{ "indirect_desc", NULL, OPT_FLAG, SNAP_A_INDIRECT_DESC, 0, 0,
	  "offer indirect descriptors (VIRTIO_RING_F_INDIRECT_DESC)" },
	{ "force_in_order", NULL, OPT_FLAG, SNAP_A_FORCE_IN_ORDER, 0, 0,
	  "answer chains in the order they were made available (offers VIRTIO_F_IN_ORDER)" },
	{ "admin_q", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "live_update_listener", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def destroy_opts[] = {
	CTRL_REQ,
	{ "force", NULL, OPT_FLAG, SNAP_A_FORCE, 0, 0,
	  "accepted; the host's driver finds DEVICE_NEEDS_RESET either way" },
	OPT_END,
};

static const struct opt_def list_opts[] = {
	{ "ctrl", "c", OPT_STR, SNAP_A_NAME, 0, 0, "only this controller" },
	OPT_END,
};

static const struct opt_def modify_opts[] = {
	CTRL_REQ,
	{ "num_queues", NULL, OPT_U32, SNAP_A_NUM_QUEUES, 0, 0, "virtqueues" },
	{ "num_msix", NULL, OPT_U32, SNAP_A_NUM_MSIX, 0, 0, "MSI-X vectors" },
	OPT_END,
};

static const struct opt_def bdev_attach_opts[] = {
	CTRL_REQ,
	{ "bdev", NULL, OPT_STR, SNAP_A_BDEV_NAME, OPT_REQUIRED, 0, "bdev to attach" },
	{ "vblk_id", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def ctrl_only_opts[] = { CTRL_REQ, OPT_END };

static const struct opt_def suspend_opts[] = {
	CTRL_REQ,
	{ "events_only", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

const struct snapadm_cmd vblk_cmds[] = {
	{
		.name = "virtio_blk_controller_create",
		.help = "create a virtio-blk controller on a function",
		.opts = create_opts,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_VBLK_CTRL_NEW,
		.obj = &obj_vblk_ctrl, .key_attr = SNAP_A_NAME,
		.check = func_check_function_args,
		.fill = func_fill_by_vhca_id, .aux = SNAP_FUNC_VIRTIO_BLK,
	},
	{
		.name = "virtio_blk_controller_destroy",
		.help = "destroy a virtio-blk controller",
		.opts = destroy_opts,
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_VBLK_CTRL_DEL,
	},
	{
		.name = "virtio_blk_controller_list",
		.help = "list virtio-blk controllers",
		.opts = list_opts,
		.action = ACT_LIST, .nl_cmd = SNAP_CMD_VBLK_CTRL_GET,
		.obj = &obj_vblk_ctrl, .single = "ctrl",
	},
	{
		.name = "virtio_blk_controller_modify",
		.help = "change queues or MSI-X vectors of a controller",
		.opts = modify_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_VBLK_CTRL_SET,
		.obj = &obj_vblk_ctrl,
	},
	{
		.name = "virtio_blk_controller_bdev_attach",
		.help = "attach a bdev to a controller",
		.opts = bdev_attach_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_VBLK_CTRL_ATTACH_BDEV,
		.obj = &obj_vblk_ctrl,
	},
	{
		.name = "virtio_blk_controller_bdev_detach",
		.help = "detach the bdev of a controller",
		.opts = ctrl_only_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_VBLK_CTRL_DETACH_BDEV,
		.obj = &obj_vblk_ctrl,
	},
	{
		.name = "virtio_blk_controller_suspend",
		.help = "suspend a controller",
		.opts = suspend_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_VBLK_CTRL_SET,
		.obj = &obj_vblk_ctrl,
		.fill = nlcmd_fill_state, .aux = SNAP_CTRL_SUSPENDED,
	},
	{
		.name = "virtio_blk_controller_resume",
		.help = "resume a suspended controller",
		.opts = ctrl_only_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_VBLK_CTRL_SET,
		.obj = &obj_vblk_ctrl,
		.fill = nlcmd_fill_state, .aux = SNAP_CTRL_RUNNING,
	},
	{ .name = NULL },
};
