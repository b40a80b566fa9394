/* SPDX-License-Identifier: GPL-2.0 */
/* Generated from Documentation/netlink/specs/snap.yaml by scripts/nlgen.py: do not edit. */

#ifndef _SNAP_GENL_GEN_H
#define _SNAP_GENL_GEN_H

#include <net/genetlink.h>

#include <linux/snap.h>

/* Per command: the attributes its request may carry, and their checks. */
extern const struct nla_policy snap_emu_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_func_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_subsys_new_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_subsys_del_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_subsys_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_subsys_set_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_ns_new_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_ns_del_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_ns_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_ns_set_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_new_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_del_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_set_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_attach_ns_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_detach_ns_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_new_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_del_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_set_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_attach_bdev_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_detach_bdev_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_bdev_new_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_bdev_del_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_bdev_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_bdev_set_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_bdev_resize_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_emu_set_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_nvme_ctrl_stats_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_vblk_ctrl_stats_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_bdev_stats_get_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_func_new_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_func_del_nl_policy[SNAP_A_MAX + 1];
extern const struct nla_policy snap_func_set_nl_policy[SNAP_A_MAX + 1];

/* The handlers of kmod/genl.c. */
int snap_nl_dump_start(struct netlink_callback *cb);
int snap_nl_emu_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_emu_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_func_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_func_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_subsys_new_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_subsys_del_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_subsys_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_subsys_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_subsys_set_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_ns_new_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_ns_del_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_ns_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_ns_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_ns_set_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_new_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_del_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_nvme_ctrl_set_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_attach_ns_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_detach_ns_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_new_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_del_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_vblk_ctrl_set_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_attach_bdev_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_detach_bdev_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_new_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_del_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_bdev_set_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_resize_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_emu_set_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_nvme_ctrl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_vblk_ctrl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_bdev_stats_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int snap_nl_func_new_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_func_del_doit(struct sk_buff *skb, struct genl_info *info);
int snap_nl_func_set_doit(struct sk_buff *skb, struct genl_info *info);

/* Indexes of snap_nl_mcgrps: the group argument of genlmsg_multicast(). */
enum {
	SNAP_NLGRP_EVENTS,
};

extern const struct genl_ops snap_nl_ops[34];
extern const struct genl_multicast_group snap_nl_mcgrps[1];
/* The spec's command names, for the kernel log. */
extern const char *const snap_nl_cmd_names[SNAP_CMD_MAX + 1];

#endif /* _SNAP_GENL_GEN_H */
