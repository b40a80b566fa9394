// SPDX-License-Identifier: GPL-2.0
/* Generated from Documentation/netlink/specs/snap.yaml by scripts/nlgen.py: do not edit. */

#include "genl-gen.h"

/* Ranges that do not fit the policy's s16 min and max. */
static struct netlink_range_validation snap_a_nsid_range = {
	.min = 1,
	.max = 0xfffffffe,
};

static struct netlink_range_validation snap_a_queue_size_range = {
	.min = 2,
	.max = 32768,
};

static struct netlink_range_validation snap_a_size_max_range = {
	.min = 512,
	.max = 0x40000000,
};

static struct netlink_range_validation snap_a_block_size_range = {
	.min = 512,
	.max = 65536,
};

/* SNAP_CMD_EMU_GET */
const struct nla_policy snap_emu_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_EMU_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_FUNC_GET */
const struct nla_policy snap_func_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_FUNC_TYPE] = NLA_POLICY_MAX(NLA_U8, SNAP_FUNC_TYPE_MAX),
	[SNAP_A_PF_ID] = NLA_POLICY_MAX(NLA_U32, SNAP_PF_ID_MAX),
	[SNAP_A_VF_ID] = NLA_POLICY_MAX(NLA_U32, 1999),
	[SNAP_A_VUID] = { .type = NLA_NUL_STRING, .len = SNAP_VUID_MAX - 1, },
};

/* SNAP_CMD_SUBSYS_NEW */
const struct nla_policy snap_subsys_new_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_SERIAL_NUMBER] = { .type = NLA_NUL_STRING, .len = SNAP_SERIAL_MAX - 1, },
	[SNAP_A_MODEL_NUMBER] = { .type = NLA_NUL_STRING, .len = SNAP_MODEL_MAX - 1, },
	[SNAP_A_NN] = NLA_POLICY_RANGE(NLA_U32, 1, SNAP_NVME_NN_MAX),
	[SNAP_A_MNAN] = NLA_POLICY_RANGE(NLA_U32, 1, SNAP_NVME_NN_MAX),
	[SNAP_A_SINGLE_CTRL] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_SUBSYS_DEL */
const struct nla_policy snap_subsys_del_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_FORCE] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_SUBSYS_GET */
const struct nla_policy snap_subsys_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
};

/* SNAP_CMD_SUBSYS_SET */
const struct nla_policy snap_subsys_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_SERIAL_NUMBER] = { .type = NLA_NUL_STRING, .len = SNAP_SERIAL_MAX - 1, },
	[SNAP_A_MODEL_NUMBER] = { .type = NLA_NUL_STRING, .len = SNAP_MODEL_MAX - 1, },
	[SNAP_A_MNAN] = NLA_POLICY_RANGE(NLA_U32, 1, SNAP_NVME_NN_MAX),
};

/* SNAP_CMD_NS_NEW */
const struct nla_policy snap_ns_new_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_NSID] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_nsid_range),
	[SNAP_A_BDEV_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_UUID] = NLA_POLICY_EXACT_LEN(SNAP_UUID_LEN),
};

/* SNAP_CMD_NS_DEL */
const struct nla_policy snap_ns_del_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_NSID] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_nsid_range),
	[SNAP_A_FORCE] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_NS_GET */
const struct nla_policy snap_ns_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_NSID] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_nsid_range),
};

/* SNAP_CMD_NS_SET */
const struct nla_policy snap_ns_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_NSID] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_nsid_range),
	[SNAP_A_READY] = NLA_POLICY_MAX(NLA_U8, 1),
	[SNAP_A_ERROR] = { .type = NLA_NUL_STRING, .len = SNAP_ERROR_MAX - 1, },
};

/* SNAP_CMD_NVME_CTRL_NEW */
const struct nla_policy snap_nvme_ctrl_new_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_NQN] = { .type = NLA_NUL_STRING, .len = SNAP_NQN_MAX - 1, },
	[SNAP_A_PF_ID] = NLA_POLICY_MAX(NLA_U32, SNAP_PF_ID_MAX),
	[SNAP_A_VF_ID] = NLA_POLICY_MAX(NLA_U32, 1999),
	[SNAP_A_VUID] = { .type = NLA_NUL_STRING, .len = SNAP_VUID_MAX - 1, },
	[SNAP_A_NUM_QUEUES] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[SNAP_A_MDTS] = NLA_POLICY_RANGE(NLA_U8, 1, SNAP_NVME_MDTS_MAX),
	[SNAP_A_STATE] = NLA_POLICY_MAX(NLA_U8, SNAP_CTRL_STATE_MAX),
};

/* SNAP_CMD_NVME_CTRL_DEL */
const struct nla_policy snap_nvme_ctrl_del_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_FORCE] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_NVME_CTRL_GET */
const struct nla_policy snap_nvme_ctrl_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_NVME_CTRL_SET */
const struct nla_policy snap_nvme_ctrl_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_STATE] = NLA_POLICY_MAX(NLA_U8, SNAP_CTRL_STATE_MAX),
	[SNAP_A_READY] = NLA_POLICY_MAX(NLA_U8, 1),
	[SNAP_A_ERROR] = { .type = NLA_NUL_STRING, .len = SNAP_ERROR_MAX - 1, },
};

/* SNAP_CMD_NVME_CTRL_ATTACH_NS */
const struct nla_policy snap_nvme_ctrl_attach_ns_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_NSID] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_nsid_range),
};

/* SNAP_CMD_NVME_CTRL_DETACH_NS */
const struct nla_policy snap_nvme_ctrl_detach_ns_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_NSID] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_nsid_range),
};

/* SNAP_CMD_VBLK_CTRL_NEW */
const struct nla_policy snap_vblk_ctrl_new_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_PF_ID] = NLA_POLICY_MAX(NLA_U32, SNAP_PF_ID_MAX),
	[SNAP_A_VF_ID] = NLA_POLICY_MAX(NLA_U32, 1999),
	[SNAP_A_VUID] = { .type = NLA_NUL_STRING, .len = SNAP_VUID_MAX - 1, },
	[SNAP_A_BDEV_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_NUM_QUEUES] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[SNAP_A_QUEUE_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_queue_size_range),
	[SNAP_A_SEG_MAX] = NLA_POLICY_RANGE(NLA_U32, 1, 4096),
	[SNAP_A_SIZE_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_size_max_range),
	[SNAP_A_READ_ONLY] = { .type = NLA_FLAG, },
	[SNAP_A_INDIRECT_DESC] = { .type = NLA_FLAG, },
	[SNAP_A_FORCE_IN_ORDER] = { .type = NLA_FLAG, },
	[SNAP_A_SERIAL_NUMBER] = { .type = NLA_NUL_STRING, .len = SNAP_SERIAL_MAX - 1, },
	[SNAP_A_STATE] = NLA_POLICY_MAX(NLA_U8, SNAP_CTRL_STATE_MAX),
};

/* SNAP_CMD_VBLK_CTRL_DEL */
const struct nla_policy snap_vblk_ctrl_del_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_FORCE] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_VBLK_CTRL_GET */
const struct nla_policy snap_vblk_ctrl_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_VBLK_CTRL_SET */
const struct nla_policy snap_vblk_ctrl_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_NUM_QUEUES] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[SNAP_A_NUM_MSIX] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[SNAP_A_STATE] = NLA_POLICY_MAX(NLA_U8, SNAP_CTRL_STATE_MAX),
	[SNAP_A_READY] = NLA_POLICY_MAX(NLA_U8, 1),
	[SNAP_A_ERROR] = { .type = NLA_NUL_STRING, .len = SNAP_ERROR_MAX - 1, },
};

/* SNAP_CMD_VBLK_CTRL_ATTACH_BDEV */
const struct nla_policy snap_vblk_ctrl_attach_bdev_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_BDEV_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_VBLK_CTRL_DETACH_BDEV */
const struct nla_policy snap_vblk_ctrl_detach_bdev_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_BDEV_NEW */
const struct nla_policy snap_bdev_new_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_BDEV_TYPE] = NLA_POLICY_MAX(NLA_U8, SNAP_BDEV_TYPE_MAX),
	[SNAP_A_NUM_BLOCKS] = { .type = NLA_U64, },
	[SNAP_A_BLOCK_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &snap_a_block_size_range),
	[SNAP_A_FILENAME] = { .type = NLA_NUL_STRING, .len = SNAP_PATH_MAX - 1, },
	[SNAP_A_BDEV_ARGS] = { .type = NLA_NUL_STRING, .len = SNAP_PATH_MAX - 1, },
};

/* SNAP_CMD_BDEV_DEL */
const struct nla_policy snap_bdev_del_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_FORCE] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_BDEV_GET */
const struct nla_policy snap_bdev_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_BDEV_SET */
const struct nla_policy snap_bdev_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_READY] = NLA_POLICY_MAX(NLA_U8, 1),
	[SNAP_A_ERROR] = { .type = NLA_NUL_STRING, .len = SNAP_ERROR_MAX - 1, },
	[SNAP_A_NUM_BLOCKS] = { .type = NLA_U64, },
};

/* SNAP_CMD_BDEV_RESIZE */
const struct nla_policy snap_bdev_resize_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_NUM_BLOCKS] = { .type = NLA_U64, },
};

/* SNAP_CMD_EMU_SET */
const struct nla_policy snap_emu_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_EMU_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
	[SNAP_A_LOG_LEVEL] = NLA_POLICY_MAX(NLA_U8, SNAP_LOG_LEVEL_MAX),
};

/* SNAP_CMD_NVME_CTRL_STATS_GET */
const struct nla_policy snap_nvme_ctrl_stats_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_VBLK_CTRL_STATS_GET */
const struct nla_policy snap_vblk_ctrl_stats_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_BDEV_STATS_GET */
const struct nla_policy snap_bdev_stats_get_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_NAME] = { .type = NLA_NUL_STRING, .len = SNAP_NAME_MAX - 1, },
};

/* SNAP_CMD_FUNC_NEW */
const struct nla_policy snap_func_new_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_FUNC_TYPE] = NLA_POLICY_MAX(NLA_U8, SNAP_FUNC_TYPE_MAX),
	[SNAP_A_NUM_MSIX] = NLA_POLICY_RANGE(NLA_U32, 1, 4095),
	[SNAP_A_HOTPLUG_STATE] = NLA_POLICY_MAX(NLA_U8, SNAP_HOTPLUG_STATE_MAX),
};

/* SNAP_CMD_FUNC_DEL */
const struct nla_policy snap_func_del_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_FUNC_TYPE] = NLA_POLICY_MAX(NLA_U8, SNAP_FUNC_TYPE_MAX),
	[SNAP_A_PF_ID] = NLA_POLICY_MAX(NLA_U32, SNAP_PF_ID_MAX),
	[SNAP_A_VUID] = { .type = NLA_NUL_STRING, .len = SNAP_VUID_MAX - 1, },
	[SNAP_A_FORCE] = { .type = NLA_FLAG, },
};

/* SNAP_CMD_FUNC_SET */
const struct nla_policy snap_func_set_nl_policy[SNAP_A_MAX + 1] = {
	[SNAP_A_FUNC_TYPE] = NLA_POLICY_MAX(NLA_U8, SNAP_FUNC_TYPE_MAX),
	[SNAP_A_PF_ID] = NLA_POLICY_MAX(NLA_U32, SNAP_PF_ID_MAX),
	[SNAP_A_VUID] = { .type = NLA_NUL_STRING, .len = SNAP_VUID_MAX - 1, },
	[SNAP_A_HOTPLUG_STATE] = NLA_POLICY_MAX(NLA_U8, SNAP_HOTPLUG_STATE_MAX),
};

const struct genl_ops snap_nl_ops[34] = {
	{
		.cmd		= SNAP_CMD_EMU_GET,
		.doit		= snap_nl_emu_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_emu_get_dumpit,
		.policy		= snap_emu_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_FUNC_GET,
		.doit		= snap_nl_func_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_func_get_dumpit,
		.policy		= snap_func_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_SUBSYS_NEW,
		.doit		= snap_nl_subsys_new_doit,
		.policy		= snap_subsys_new_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_SUBSYS_DEL,
		.doit		= snap_nl_subsys_del_doit,
		.policy		= snap_subsys_del_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_SUBSYS_GET,
		.doit		= snap_nl_subsys_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_subsys_get_dumpit,
		.policy		= snap_subsys_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_SUBSYS_SET,
		.doit		= snap_nl_subsys_set_doit,
		.policy		= snap_subsys_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NS_NEW,
		.doit		= snap_nl_ns_new_doit,
		.policy		= snap_ns_new_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NS_DEL,
		.doit		= snap_nl_ns_del_doit,
		.policy		= snap_ns_del_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NS_GET,
		.doit		= snap_nl_ns_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_ns_get_dumpit,
		.policy		= snap_ns_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_NS_SET,
		.doit		= snap_nl_ns_set_doit,
		.policy		= snap_ns_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_NEW,
		.doit		= snap_nl_nvme_ctrl_new_doit,
		.policy		= snap_nvme_ctrl_new_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_DEL,
		.doit		= snap_nl_nvme_ctrl_del_doit,
		.policy		= snap_nvme_ctrl_del_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_GET,
		.doit		= snap_nl_nvme_ctrl_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_nvme_ctrl_get_dumpit,
		.policy		= snap_nvme_ctrl_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_SET,
		.doit		= snap_nl_nvme_ctrl_set_doit,
		.policy		= snap_nvme_ctrl_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_ATTACH_NS,
		.doit		= snap_nl_nvme_ctrl_attach_ns_doit,
		.policy		= snap_nvme_ctrl_attach_ns_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_DETACH_NS,
		.doit		= snap_nl_nvme_ctrl_detach_ns_doit,
		.policy		= snap_nvme_ctrl_detach_ns_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_NEW,
		.doit		= snap_nl_vblk_ctrl_new_doit,
		.policy		= snap_vblk_ctrl_new_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_DEL,
		.doit		= snap_nl_vblk_ctrl_del_doit,
		.policy		= snap_vblk_ctrl_del_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_GET,
		.doit		= snap_nl_vblk_ctrl_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_vblk_ctrl_get_dumpit,
		.policy		= snap_vblk_ctrl_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_SET,
		.doit		= snap_nl_vblk_ctrl_set_doit,
		.policy		= snap_vblk_ctrl_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_ATTACH_BDEV,
		.doit		= snap_nl_vblk_ctrl_attach_bdev_doit,
		.policy		= snap_vblk_ctrl_attach_bdev_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_DETACH_BDEV,
		.doit		= snap_nl_vblk_ctrl_detach_bdev_doit,
		.policy		= snap_vblk_ctrl_detach_bdev_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_BDEV_NEW,
		.doit		= snap_nl_bdev_new_doit,
		.policy		= snap_bdev_new_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_BDEV_DEL,
		.doit		= snap_nl_bdev_del_doit,
		.policy		= snap_bdev_del_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_BDEV_GET,
		.doit		= snap_nl_bdev_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_bdev_get_dumpit,
		.policy		= snap_bdev_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
	},
	{
		.cmd		= SNAP_CMD_BDEV_SET,
		.doit		= snap_nl_bdev_set_doit,
		.policy		= snap_bdev_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_BDEV_RESIZE,
		.doit		= snap_nl_bdev_resize_doit,
		.policy		= snap_bdev_resize_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_EMU_SET,
		.doit		= snap_nl_emu_set_doit,
		.policy		= snap_emu_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_NVME_CTRL_STATS_GET,
		.doit		= snap_nl_nvme_ctrl_stats_get_doit,
		.policy		= snap_nvme_ctrl_stats_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_VBLK_CTRL_STATS_GET,
		.doit		= snap_nl_vblk_ctrl_stats_get_doit,
		.policy		= snap_vblk_ctrl_stats_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_BDEV_STATS_GET,
		.doit		= snap_nl_bdev_stats_get_doit,
		.start		= snap_nl_dump_start,
		.dumpit		= snap_nl_bdev_stats_get_dumpit,
		.policy		= snap_bdev_stats_get_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_FUNC_NEW,
		.doit		= snap_nl_func_new_doit,
		.policy		= snap_func_new_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_FUNC_DEL,
		.doit		= snap_nl_func_del_doit,
		.policy		= snap_func_del_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SNAP_CMD_FUNC_SET,
		.doit		= snap_nl_func_set_doit,
		.policy		= snap_func_set_nl_policy,
		.maxattr	= SNAP_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
};

const struct genl_multicast_group snap_nl_mcgrps[] = {
	[SNAP_NLGRP_EVENTS] = { .name = SNAP_GENL_MCGRP_EVENTS, },
};

const char *const snap_nl_cmd_names[SNAP_CMD_MAX + 1] = {
	[SNAP_CMD_EMU_GET] = "emu-get",
	[SNAP_CMD_FUNC_GET] = "func-get",
	[SNAP_CMD_SUBSYS_NEW] = "subsys-new",
	[SNAP_CMD_SUBSYS_DEL] = "subsys-del",
	[SNAP_CMD_SUBSYS_GET] = "subsys-get",
	[SNAP_CMD_SUBSYS_SET] = "subsys-set",
	[SNAP_CMD_NS_NEW] = "ns-new",
	[SNAP_CMD_NS_DEL] = "ns-del",
	[SNAP_CMD_NS_GET] = "ns-get",
	[SNAP_CMD_NS_SET] = "ns-set",
	[SNAP_CMD_NVME_CTRL_NEW] = "nvme-ctrl-new",
	[SNAP_CMD_NVME_CTRL_DEL] = "nvme-ctrl-del",
	[SNAP_CMD_NVME_CTRL_GET] = "nvme-ctrl-get",
	[SNAP_CMD_NVME_CTRL_SET] = "nvme-ctrl-set",
	[SNAP_CMD_NVME_CTRL_ATTACH_NS] = "nvme-ctrl-attach-ns",
	[SNAP_CMD_NVME_CTRL_DETACH_NS] = "nvme-ctrl-detach-ns",
	[SNAP_CMD_VBLK_CTRL_NEW] = "vblk-ctrl-new",
	[SNAP_CMD_VBLK_CTRL_DEL] = "vblk-ctrl-del",
	[SNAP_CMD_VBLK_CTRL_GET] = "vblk-ctrl-get",
	[SNAP_CMD_VBLK_CTRL_SET] = "vblk-ctrl-set",
	[SNAP_CMD_VBLK_CTRL_ATTACH_BDEV] = "vblk-ctrl-attach-bdev",
	[SNAP_CMD_VBLK_CTRL_DETACH_BDEV] = "vblk-ctrl-detach-bdev",
	[SNAP_CMD_BDEV_NEW] = "bdev-new",
	[SNAP_CMD_BDEV_DEL] = "bdev-del",
	[SNAP_CMD_BDEV_GET] = "bdev-get",
	[SNAP_CMD_BDEV_SET] = "bdev-set",
	[SNAP_CMD_DAEMON_NTF] = "daemon-ntf",
	[SNAP_CMD_BDEV_RESIZE] = "bdev-resize",
	[SNAP_CMD_EMU_SET] = "emu-set",
	[SNAP_CMD_NVME_CTRL_STATS_GET] = "nvme-ctrl-stats-get",
	[SNAP_CMD_VBLK_CTRL_STATS_GET] = "vblk-ctrl-stats-get",
	[SNAP_CMD_BDEV_STATS_GET] = "bdev-stats-get",
	[SNAP_CMD_FUNC_NEW] = "func-new",
	[SNAP_CMD_FUNC_DEL] = "func-del",
	[SNAP_CMD_FUNC_SET] = "func-set",
};
