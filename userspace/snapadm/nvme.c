// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: NVMe subsystems, namespaces and controllers, with the names and
 * flags of snap_rpc.py.
 */
#include <linux/snap.h>

#include "cmds.h"
#include "func.h"

#define NQN_REQ { "nqn", "s", OPT_STR, SNAP_A_NQN, OPT_REQUIRED, 0, "subsystem NQN" }
#define NSID_REQ { "nsid", "n", OPT_U32, SNAP_A_NSID, OPT_REQUIRED, 0, "namespace id" }
#define FORCE { "force", NULL, OPT_FLAG, SNAP_A_FORCE, 0, 0, "destroy even when in use" }

static const struct opt_def subsystem_create_opts[] = {
	NQN_REQ,
	{ "model_number", "mn", OPT_STR, SNAP_A_MODEL_NUMBER, 0, 0, "model number (MN)" },
	{ "serial_number", "sn", OPT_STR, SNAP_A_SERIAL_NUMBER, 0, 0, "serial number (SN)" },
	{ "mnan", "mnan", OPT_U32, SNAP_A_MNAN, 0, 0, "max allocated namespaces" },
	{ "nn", "nn", OPT_U32, SNAP_A_NN, 0, 0, "max namespaces" },
	{ "single_ctrl", NULL, OPT_FLAG, SNAP_A_SINGLE_CTRL, 0, 0, "at most one controller" },
	OPT_END,
};

static const struct opt_def subsystem_destroy_opts[] = { NQN_REQ, FORCE, OPT_END };

static const struct opt_def namespace_create_opts[] = {
	NQN_REQ,
	{ "nsid", "n", OPT_U32, SNAP_A_NSID, 0, 0, "namespace id (default: lowest free)" },
	{ "bdev_name", "b", OPT_STR, SNAP_A_BDEV_NAME, OPT_REQUIRED, 0, "backing bdev" },
	{ "uuid", "u", OPT_UUID, SNAP_A_UUID, 0, 0, "namespace UUID" },
	{ "nguid", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "eui64", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def namespace_destroy_opts[] = {
	NQN_REQ, NSID_REQ, FORCE, OPT_END,
};

static const struct opt_def namespace_list_opts[] = {
	{ "nqn", "s", OPT_STR, SNAP_A_NQN, 0, 0, "only this subsystem" },
	OPT_END,
};

static const struct opt_def controller_create_opts[] = {
	{ "nqn", NULL, OPT_STR, SNAP_A_NQN, OPT_REQUIRED, 0, "subsystem NQN" },
	{ "ctrl", "c", OPT_STR, SNAP_A_NAME, 0, 0, "name (default NVMeCtrl<N>)" },
	{ "pf_id", NULL, OPT_U32, SNAP_A_PF_ID, 0, 0, "PF index" },
	{ "vf_id", NULL, OPT_U32, SNAP_A_VF_ID, 0, 0, "VF index under the PF" },
	{ "vuid", NULL, OPT_STR, SNAP_A_VUID, 0, 0, "function by VUID" },
	{ "vhca_id", NULL, OPT_U32, OPT_NO_ATTR, 0, 0, "function by vhca_id" },
	{ "num_queues", NULL, OPT_U32, SNAP_A_NUM_QUEUES, 0, 0, "I/O queues" },
	{ "mdts", NULL, OPT_U8, SNAP_A_MDTS, 0, 0, "max data transfer size, log2 of pages" },
	{ "suspended", NULL, OPT_SET_U8, SNAP_A_STATE, 0, SNAP_CTRL_SUSPENDED,
	  "create suspended" },
	{ "live_update_listener", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def controller_destroy_opts[] = {
	CTRL_REQ,
	{ "force", NULL, OPT_FLAG, SNAP_A_FORCE, 0, 0,
	  "a host driver bound to the function loses it at once (surprise removal)" },
	OPT_END,
};

static const struct opt_def controller_list_opts[] = {
	{ "ctrl", "c", OPT_STR, SNAP_A_NAME, 0, 0, "only this controller" },
	OPT_END,
};

static const struct opt_def controller_ns_opts[] = { CTRL_REQ, NSID_REQ, OPT_END };

static const struct opt_def controller_suspend_opts[] = {
	CTRL_REQ,
	{ "admin_only", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "live_update_notifier", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "timeout_ms", NULL, OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def controller_resume_opts[] = { CTRL_REQ, OPT_END };

const struct snapadm_cmd nvme_cmds[] = {
	{
		.name = "nvme_subsystem_create",
		.help = "create an NVMe subsystem",
		.opts = subsystem_create_opts,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_SUBSYS_NEW,
		.obj = &obj_subsystem, .key_attr = SNAP_A_NQN,
	},
	{
		.name = "nvme_subsystem_destroy",
		.help = "destroy an NVMe subsystem",
		.opts = subsystem_destroy_opts,
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_SUBSYS_DEL,
	},
	{
		.name = "nvme_subsystem_list",
		.help = "list NVMe subsystems",
		.action = ACT_LIST, .nl_cmd = SNAP_CMD_SUBSYS_GET,
		.obj = &obj_subsystem,
	},
	{
		.name = "nvme_namespace_create",
		.help = "create a namespace in a subsystem",
		.opts = namespace_create_opts,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_NS_NEW,
		.obj = &obj_namespace, .key_attr = SNAP_A_NSID,
	},
	{
		.name = "nvme_namespace_destroy",
		.help = "destroy a namespace",
		.opts = namespace_destroy_opts,
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_NS_DEL,
	},
	{
		.name = "nvme_namespace_list",
		.help = "list namespaces",
		.opts = namespace_list_opts,
		.action = ACT_LIST, .nl_cmd = SNAP_CMD_NS_GET,
		.obj = &obj_namespace,
	},
	{
		.name = "nvme_controller_create",
		.help = "create an NVMe controller on a function",
		.opts = controller_create_opts,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_NVME_CTRL_NEW,
		.obj = &obj_nvme_ctrl, .key_attr = SNAP_A_NAME,
		.check = func_check_function_args,
		.fill = func_fill_by_vhca_id, .aux = SNAP_FUNC_NVME,
	},
	{
		.name = "nvme_controller_destroy",
		.help = "destroy an NVMe controller",
		.opts = controller_destroy_opts,
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_NVME_CTRL_DEL,
	},
	{
		.name = "nvme_controller_list",
		.help = "list NVMe controllers",
		.opts = controller_list_opts,
		.action = ACT_LIST, .nl_cmd = SNAP_CMD_NVME_CTRL_GET,
		.obj = &obj_nvme_ctrl, .single = "ctrl",
	},
	{
		.name = "nvme_controller_attach_ns",
		.help = "attach a namespace to a controller",
		.opts = controller_ns_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_NVME_CTRL_ATTACH_NS,
		.obj = &obj_nvme_ctrl,
	},
	{
		.name = "nvme_controller_detach_ns",
		.help = "detach a namespace from a controller",
		.opts = controller_ns_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_NVME_CTRL_DETACH_NS,
		.obj = &obj_nvme_ctrl,
	},
	{
		.name = "nvme_controller_suspend",
		.help = "suspend a controller",
		.opts = controller_suspend_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_NVME_CTRL_SET,
		.obj = &obj_nvme_ctrl,
		.fill = nlcmd_fill_state, .aux = SNAP_CTRL_SUSPENDED,
	},
	{
		.name = "nvme_controller_resume",
		.help = "resume a suspended controller",
		.opts = controller_resume_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_NVME_CTRL_SET,
		.obj = &obj_nvme_ctrl,
		.fill = nlcmd_fill_state, .aux = SNAP_CTRL_RUNNING,
	},
	{ .name = NULL },
};
