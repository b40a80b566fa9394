/* SPDX-License-Identifier: GPL-2.0 */
/* Generated from Documentation/netlink/specs/snap.yaml by scripts/nlgen.py: do not edit. */

#ifndef _SNAP_GENL_GEN_H
#define _SNAP_GENL_GEN_H

#include <net/netlink.h>

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

#endif /* _SNAP_GENL_GEN_H */
