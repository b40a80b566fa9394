// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute rules of SNAP's objects (names, NQNs, sizes, queues), kept
 * free of registry state so KUnit can check them directly.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <linux/snap.h>

#include "rules.h"

/* NVMe base spec: an NQN is at most 223 bytes of UTF-8; we allow ASCII. */
#define SNAP_NQN_LEN_MAX	(SNAP_NQN_MAX - 1)

/* Names appear in sysfs paths and in snapadm output: keep them tame. */
bool snap_valid_name(const char *name)
{
	size_t len = strnlen(name, SNAP_NAME_MAX);
	size_t i;

	if (!len || len >= SNAP_NAME_MAX)
		return false;
	/* "." and ".." would be sysfs folders that cannot be reached. */
	if (strspn(name, ".") == len)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_-.:", name[i]))
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(snap_valid_name);

bool snap_valid_nqn(const char *nqn)
{
	size_t len = strnlen(nqn, SNAP_NQN_MAX);
	size_t i;

	if (len > SNAP_NQN_LEN_MAX || strncmp(nqn, "nqn.", 4) || len == 4)
		return false;
	for (i = 0; i < len; i++)
		if (!isgraph(nqn[i]))
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(snap_valid_nqn);

bool snap_pow2_in(u64 v, u64 lo, u64 hi)
{
	return v >= lo && v <= hi && is_power_of_2(v);
}
EXPORT_SYMBOL_IF_KUNIT(snap_pow2_in);

bool snap_uuid_is_null(const u8 *uuid)
{
	return !memchr_inv(uuid, 0, SNAP_UUID_LEN);
}
EXPORT_SYMBOL_IF_KUNIT(snap_uuid_is_null);

/*
 * A namespace created without a uuid gets one derived from (nqn, nsid), so
 * it is the same on every load and a host keeps recognizing the namespace.
 * @incarnation counts the namespaces that had (nqn, nsid) before it in
 * this load: the first keeps the uuid every load gave it, and one created
 * again under the same name, on other data, gets another, so a host never
 * takes it for the one it knew. Marked as an RFC 9562 version 8
 * (vendor-specific) uuid.
 */
void snap_ns_uuid(const char *nqn, u32 nsid, u32 incarnation, u8 *uuid)
{
	size_t len = strnlen(nqn, SNAP_NQN_MAX);
	u32 word, seed;
	int i;

	for (i = 0; i < SNAP_UUID_LEN / 4; i++) {
		seed = 0x736e6170 + i;
		seed = incarnation ? jhash_2words(nsid, incarnation, seed) :
		       jhash_1word(nsid, seed);
		word = jhash(nqn, len, seed);
		memcpy(uuid + 4 * i, &word, 4);
	}
	uuid[6] = (uuid[6] & 0x0f) | 0x80;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ns_uuid);

/*
 * VUIDs name a function across reloads, in BlueField's shape
 * (e.g. MT2306XZ0077VBLKS1D0F0): device serial, type, switch, device
 * (PF index) and function (0 for the PF, VF index + 1 for its VFs).
 */
int snap_format_vuid(char *buf, size_t len, u8 type, u32 pf_id, s32 vf_id)
{
	return snprintf(buf, len, "SNAPSIM00000%sS1D%uF%u",
			type == SNAP_FUNC_NVME ? "NVME" : "VBLK", pf_id,
			vf_id < 0 ? 0 : vf_id + 1);
}
EXPORT_SYMBOL_IF_KUNIT(snap_format_vuid);

/* NVMe I/O queues each need a vector; the admin queue shares vector 0. */
u32 snap_nvme_max_queues(u32 num_msix)
{
	return max(num_msix, 1U);
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_max_queues);

/**
 * snap_ram_share_ok() - whether memory the module pins may grow to @bytes
 * @bytes: what one kind would then take: all malloc bdevs together, or
 *	the DMA pool's resident part
 * @ram: the machine's RAM, in bytes
 *
 * Each kind may take at most half of RAM, so neither a RAM disk nor the
 * staging pool can starve the host the device is emulated for.
 */
bool snap_ram_share_ok(u64 bytes, u64 ram)
{
	return bytes <= ram / 2;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ram_share_ok);

/* virtio keeps one vector for configuration changes. */
u32 snap_vblk_max_queues(u32 num_msix)
{
	return num_msix > 1 ? num_msix - 1 : 1;
}
EXPORT_SYMBOL_IF_KUNIT(snap_vblk_max_queues);
