// SPDX-License-Identifier: GPL-2.0
/* KUnit cases for SNAP's object attribute rules. */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/snap.h>

#include "rules.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static void snap_rules_names(struct kunit *test)
{
	char long_name[SNAP_NAME_MAX + 1];

	KUNIT_EXPECT_TRUE(test, snap_valid_name("NVMeCtrl0"));
	KUNIT_EXPECT_TRUE(test, snap_valid_name("Malloc0"));
	KUNIT_EXPECT_TRUE(test, snap_valid_name("a.b-c_d:e"));
	KUNIT_EXPECT_FALSE(test, snap_valid_name(""));
	KUNIT_EXPECT_FALSE(test, snap_valid_name("has space"));
	KUNIT_EXPECT_FALSE(test, snap_valid_name("../etc"));
	KUNIT_EXPECT_FALSE(test, snap_valid_name("a/b"));
	KUNIT_EXPECT_FALSE(test, snap_valid_name("."));
	KUNIT_EXPECT_FALSE(test, snap_valid_name(".."));
	KUNIT_EXPECT_TRUE(test, snap_valid_name(".a"));

	memset(long_name, 'x', sizeof(long_name));
	long_name[SNAP_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_TRUE(test, snap_valid_name(long_name));
	long_name[SNAP_NAME_MAX - 1] = 'x';
	long_name[SNAP_NAME_MAX] = '\0';
	KUNIT_EXPECT_FALSE(test, snap_valid_name(long_name));
}

static void snap_rules_nqn(struct kunit *test)
{
	char nqn[SNAP_NQN_MAX + 1];

	KUNIT_EXPECT_TRUE(test, snap_valid_nqn("nqn.2023-05.io.nvda.nvme:0"));
	KUNIT_EXPECT_FALSE(test, snap_valid_nqn("nqn."));
	KUNIT_EXPECT_FALSE(test, snap_valid_nqn("iqn.2023-05.io:0"));
	KUNIT_EXPECT_FALSE(test, snap_valid_nqn("nqn.with space"));

	memset(nqn, 'a', sizeof(nqn));
	memcpy(nqn, "nqn.", 4);
	nqn[223] = '\0';
	KUNIT_EXPECT_TRUE(test, snap_valid_nqn(nqn));
	nqn[223] = 'a';
	nqn[224] = '\0';
	KUNIT_EXPECT_FALSE(test, snap_valid_nqn(nqn));
}

static void snap_rules_pow2(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, snap_pow2_in(512, 512, 65536));
	KUNIT_EXPECT_TRUE(test, snap_pow2_in(65536, 512, 65536));
	KUNIT_EXPECT_FALSE(test, snap_pow2_in(256, 512, 65536));
	KUNIT_EXPECT_FALSE(test, snap_pow2_in(131072, 512, 65536));
	KUNIT_EXPECT_FALSE(test, snap_pow2_in(1000, 512, 65536));
	KUNIT_EXPECT_FALSE(test, snap_pow2_in(0, 0, 65536));
}

static void snap_rules_uuid_stable(struct kunit *test)
{
	u8 a[SNAP_UUID_LEN], b[SNAP_UUID_LEN], c[SNAP_UUID_LEN];
	u8 d[SNAP_UUID_LEN], e[SNAP_UUID_LEN];

	snap_ns_uuid("nqn.2023-05.io.nvda.nvme:0", 1, 0, a);
	snap_ns_uuid("nqn.2023-05.io.nvda.nvme:0", 1, 0, b);
	snap_ns_uuid("nqn.2023-05.io.nvda.nvme:0", 2, 0, c);
	KUNIT_EXPECT_EQ(test, memcmp(a, b, sizeof(a)), 0);
	KUNIT_EXPECT_NE(test, memcmp(a, c, sizeof(a)), 0);
	/* Created again under the same name: another uuid each time. */
	snap_ns_uuid("nqn.2023-05.io.nvda.nvme:0", 1, 1, d);
	snap_ns_uuid("nqn.2023-05.io.nvda.nvme:0", 1, 2, e);
	KUNIT_EXPECT_NE(test, memcmp(a, d, sizeof(a)), 0);
	KUNIT_EXPECT_NE(test, memcmp(d, e, sizeof(d)), 0);
	KUNIT_EXPECT_EQ(test, d[6] >> 4, 8);
	KUNIT_EXPECT_FALSE(test, snap_uuid_is_null(a));
	/* version 8, RFC variant */
	KUNIT_EXPECT_EQ(test, a[6] >> 4, 8);
	KUNIT_EXPECT_EQ(test, a[8] >> 6, 2);
	memset(c, 0, sizeof(c));
	KUNIT_EXPECT_TRUE(test, snap_uuid_is_null(c));
}

static void snap_rules_vuid(struct kunit *test)
{
	char vuid[SNAP_VUID_MAX];

	snap_format_vuid(vuid, sizeof(vuid), SNAP_FUNC_NVME, 0, -1);
	KUNIT_EXPECT_STREQ(test, vuid, "SNAPSIM00000NVMES1D0F0");
	snap_format_vuid(vuid, sizeof(vuid), SNAP_FUNC_VIRTIO_BLK, 1, 2);
	KUNIT_EXPECT_STREQ(test, vuid, "SNAPSIM00000VBLKS1D1F3");
	snap_format_vuid(vuid, sizeof(vuid), SNAP_FUNC_VIRTIO_BLK, 3, 1999);
	KUNIT_EXPECT_STREQ(test, vuid, "SNAPSIM00000VBLKS1D3F2000");
}

static void snap_rules_queues(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, snap_nvme_max_queues(0), 1U);
	KUNIT_EXPECT_EQ(test, snap_nvme_max_queues(8), 8U);
	KUNIT_EXPECT_EQ(test, snap_vblk_max_queues(0), 1U);
	KUNIT_EXPECT_EQ(test, snap_vblk_max_queues(1), 1U);
	KUNIT_EXPECT_EQ(test, snap_vblk_max_queues(63), 62U);
}

static void snap_rules_ram_share(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, snap_ram_share_ok(0, SZ_1G));
	KUNIT_EXPECT_TRUE(test, snap_ram_share_ok(SZ_512M, SZ_1G));
	KUNIT_EXPECT_FALSE(test, snap_ram_share_ok(SZ_512M + 1, SZ_1G));
	KUNIT_EXPECT_FALSE(test, snap_ram_share_ok(1, 1));
}

static struct kunit_case snap_rules_cases[] = {
	KUNIT_CASE(snap_rules_names),
	KUNIT_CASE(snap_rules_nqn),
	KUNIT_CASE(snap_rules_pow2),
	KUNIT_CASE(snap_rules_uuid_stable),
	KUNIT_CASE(snap_rules_vuid),
	KUNIT_CASE(snap_rules_queues),
	KUNIT_CASE(snap_rules_ram_share),
	{}
};

static struct kunit_suite snap_rules_suite = {
	.name = "snap_rules",
	.test_cases = snap_rules_cases,
};

kunit_test_suite(snap_rules_suite);
