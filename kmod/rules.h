/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_RULES_H
#define _SNAP_RULES_H

#include <linux/types.h>

/*
 * SNAP's rules for object attributes, as pure functions so KUnit can cover
 * them without a registry.
 */
bool snap_valid_name(const char *name);
bool snap_valid_nqn(const char *nqn);
bool snap_pow2_in(u64 v, u64 lo, u64 hi);
bool snap_uuid_is_null(const u8 *uuid);
void snap_ns_uuid(const char *nqn, u32 nsid, u32 incarnation, u8 *uuid);
int snap_format_vuid(char *buf, size_t len, u8 type, u32 pf_id, s32 vf_id);
u32 snap_nvme_max_queues(u32 num_msix);
u32 snap_vblk_max_queues(u32 num_msix);
bool snap_ram_share_ok(u64 bytes, u64 ram);

#endif /* _SNAP_RULES_H */
