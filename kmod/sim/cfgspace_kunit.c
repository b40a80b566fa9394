// SPDX-License-Identifier: GPL-2.0
/* KUnit cases for the sim provider's configuration space and MSI-X rules. */
#include <kunit/test.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "../compat.h"
#include "cfg_kunit.h"
#include "cfgspace.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define TEST_PRODUCT	"snap emulated NVMe controller"
#define TEST_VUID	"SNAPSIM00000NVMES1D0F0"

static const struct snap_cfg_desc snap_test_desc = {
	.vendor = 0x15b3,
	.device = 0x6001,
	.subsys_vendor = 0x15b3,
	.subsys_device = 0x0051,
	.class_code = 0x010802,
	.revision = 0xa5,
	.bar0_size = SZ_16K,
	.num_msix = 8,
	.msix_table_offset = 0x2000,
	.msix_pba_offset = 0x3000,
	.product = TEST_PRODUCT,
	.vuid = TEST_VUID,
};

static struct snap_cfg *snap_test_cfg(struct kunit *test,
				      const struct snap_cfg_desc *desc)
{
	struct snap_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cfg);
	KUNIT_ASSERT_EQ(test, snap_cfg_init(cfg, desc), 0);
	return cfg;
}

static void snap_cfgspace_header_ids_ro(struct kunit *test)
{
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_cfg *cfg = snap_test_cfg(test, &desc);

	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_VENDOR_ID, 4), 0x600115b3U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CLASS_REVISION, 4), 0x010802a5U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_SUBSYSTEM_VENDOR_ID, 4),
			0x005115b3U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_HEADER_TYPE, 1),
			(u32)PCI_HEADER_TYPE_NORMAL);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BIST, 1), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_LATENCY_TIMER, 1), 0U);

	wr(test, cfg, PCI_VENDOR_ID, 4, 0);
	wr(test, cfg, PCI_DEVICE_ID, 2, 0x1234);
	wr(test, cfg, PCI_CLASS_REVISION, 4, ~0U);
	wr(test, cfg, PCI_CACHE_LINE_SIZE, 4, ~0U);
	wr(test, cfg, PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_VENDOR_ID, 4), 0x600115b3U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CLASS_REVISION, 4), 0x010802a5U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_SUBSYSTEM_VENDOR_ID, 4),
			0x005115b3U);
	/* Of that dword only Cache Line Size is writable. */
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CACHE_LINE_SIZE, 4), 0xffU);

	desc.multi_function = true;
	cfg = snap_test_cfg(test, &desc);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_HEADER_TYPE, 1), 0x80U);
}

static void snap_cfgspace_command_mask(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	u32 wanted = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		     PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		     PCI_COMMAND_INTX_DISABLE;

	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 2), 0U);
	KUNIT_EXPECT_FALSE(test, snap_cfg_mem_enabled(cfg));
	KUNIT_EXPECT_FALSE(test, snap_cfg_bus_master(cfg));

	wr(test, cfg, PCI_COMMAND, 2, 0xffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 2), wanted);
	KUNIT_EXPECT_TRUE(test, snap_cfg_mem_enabled(cfg));
	KUNIT_EXPECT_TRUE(test, snap_cfg_bus_master(cfg));

	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MASTER | PCI_COMMAND_IO);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 2),
			(u32)PCI_COMMAND_MASTER);
	KUNIT_EXPECT_FALSE(test, snap_cfg_mem_enabled(cfg));
	KUNIT_EXPECT_TRUE(test, snap_cfg_bus_master(cfg));

	/* The high byte alone: only SERR and INTx Disable live there. */
	wr(test, cfg, PCI_COMMAND + 1, 1, 0xff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 2),
			(u32)(PCI_COMMAND_MASTER | PCI_COMMAND_SERR |
			      PCI_COMMAND_INTX_DISABLE));

	/* No INTx: the pin is 0 and stays so; the line is scratch. */
	wr(test, cfg, PCI_INTERRUPT_LINE, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_INTERRUPT_LINE, 4), 0xffU);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_INTERRUPT_PIN, 1), 0U);
}

static void snap_cfgspace_status_rw1c(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	u32 errs = PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_TARGET_ABORT;

	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_STATUS, 2),
			(u32)PCI_STATUS_CAP_LIST);

	/* Only error bits can be raised. */
	snap_cfg_set_status(cfg, errs | PCI_STATUS_INTERRUPT | PCI_STATUS_66MHZ);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_STATUS, 2),
			PCI_STATUS_CAP_LIST | errs);

	/* Writing 0 leaves them, even as part of a COMMAND dword write. */
	wr(test, cfg, PCI_STATUS, 2, 0);
	wr(test, cfg, PCI_COMMAND, 4, PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 4),
			(PCI_STATUS_CAP_LIST | errs) << 16 | PCI_COMMAND_MEMORY);

	/* 1 clears just that bit; read-only bits ignore the 1s. */
	wr(test, cfg, PCI_STATUS, 2,
	   PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_STATUS, 2),
			(u32)(PCI_STATUS_CAP_LIST | PCI_STATUS_SIG_TARGET_ABORT));

	/* A read-modify-write of COMMAND clears what it read back. */
	wr(test, cfg, PCI_COMMAND, 4, rd(test, cfg, PCI_COMMAND, 4));
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_STATUS, 2),
			(u32)PCI_STATUS_CAP_LIST);
	KUNIT_EXPECT_TRUE(test, snap_cfg_mem_enabled(cfg));
}

static void snap_cfgspace_bar0_sizing(struct kunit *test)
{
	static const u64 sizes[] = { SZ_16K, SZ_1M, SZ_4G, 8ULL * SZ_1G };
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_cfg *cfg;
	unsigned int i;
	u64 mask;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		desc.bar0_size = sizes[i];
		cfg = snap_test_cfg(test, &desc);
		mask = ~(sizes[i] - 1);

		KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4),
				(u32)PCI_BASE_ADDRESS_MEM_TYPE_64);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_1, 4), 0U);

		wr(test, cfg, PCI_BASE_ADDRESS_0, 4, ~0U);
		wr(test, cfg, PCI_BASE_ADDRESS_1, 4, ~0U);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4),
				lower_32_bits(mask) | PCI_BASE_ADDRESS_MEM_TYPE_64);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_1, 4),
				upper_32_bits(mask));
		/*
		 * While sized, BAR0 is the mask: the bus must not take that
		 * for an address (it is outside any window it serves).
		 */
		KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg), mask);

		/* The kernel then restores the address, lower half first. */
		wr(test, cfg, PCI_BASE_ADDRESS_0, 4, 0xf8004000);
		KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg),
				(mask & ~0xffffffffULL) | (0xf8004000 & mask));
		wr(test, cfg, PCI_BASE_ADDRESS_1, 4, 0);
		KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg), 0xf8004000ULL & mask);
	}
}

static void snap_cfgspace_bar0_address(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);

	/* Flag bits are read-only; bits below the 16 KiB size drop. */
	wr(test, cfg, PCI_BASE_ADDRESS_0, 4, 0xfe00300f);
	wr(test, cfg, PCI_BASE_ADDRESS_1, 4, 0x1);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4), 0xfe000004U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_1, 4), 0x1U);
	KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg), 0x1fe000000ULL);

	/* One byte of the address at a time, as a byte-wide write may come. */
	wr(test, cfg, PCI_BASE_ADDRESS_0 + 3, 1, 0xc0);
	wr(test, cfg, PCI_BASE_ADDRESS_0 + 2, 1, 0x12);
	wr(test, cfg, PCI_BASE_ADDRESS_0, 1, 0xff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4), 0xc0120004U);
	KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg), 0x1c0120000ULL);

	wr(test, cfg, PCI_BASE_ADDRESS_1, 4, 0);
	KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg), 0xc0120000ULL);
}

static void snap_cfgspace_absent_bars(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	unsigned int off;

	for (off = PCI_BASE_ADDRESS_2; off <= PCI_BASE_ADDRESS_5; off += 4) {
		wr(test, cfg, off, 4, ~0U);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off, 4), 0U);
	}
	wr(test, cfg, PCI_ROM_ADDRESS, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_ROM_ADDRESS, 4), 0U);
	wr(test, cfg, PCI_CARDBUS_CIS, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CARDBUS_CIS, 4), 0U);
}

static void snap_cfgspace_check_chain(struct kunit *test, const u8 *ids,
				      unsigned int n, u16 num_msix)
{
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_cfg *cfg;
	unsigned int pos, prev = 0, i = 0;

	desc.num_msix = num_msix;
	cfg = snap_test_cfg(test, &desc);
	KUNIT_EXPECT_TRUE(test, rd(test, cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);

	pos = rd(test, cfg, PCI_CAPABILITY_LIST, 1);
	while (pos) {
		/* In the device-specific area, dword aligned, moving forward. */
		KUNIT_ASSERT_GE(test, pos, (unsigned int)PCI_STD_HEADER_SIZEOF);
		KUNIT_ASSERT_LT(test, pos, (unsigned int)PCI_CFG_SPACE_SIZE);
		KUNIT_ASSERT_EQ(test, pos & 3, 0U);
		KUNIT_ASSERT_GT(test, pos, prev);
		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, pos, 1), (u32)ids[i]);
		prev = pos;
		pos = rd(test, cfg, pos + PCI_CAP_LIST_NEXT, 1);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);

	/* The chain is read-only. */
	wr(test, cfg, PCI_CAPABILITY_LIST, 1, 0);
	wr(test, cfg, prev, 4, ~0U);
	KUNIT_EXPECT_NE(test, rd(test, cfg, PCI_CAPABILITY_LIST, 1), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, prev, 2), (u32)ids[n - 1]);

	/* No extended capabilities: the first header is 0. */
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CFG_SPACE_SIZE, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, SNAP_CFG_SIZE - 4, 4), 0U);
}

static void snap_cfgspace_cap_chain(struct kunit *test)
{
	static const u8 with_msix[] = {
		PCI_CAP_ID_PM, PCI_CAP_ID_MSIX, PCI_CAP_ID_EXP, PCI_CAP_ID_VPD,
	};
	static const u8 without_msix[] = {
		PCI_CAP_ID_PM, PCI_CAP_ID_EXP, PCI_CAP_ID_VPD,
	};

	snap_cfgspace_check_chain(test, with_msix, ARRAY_SIZE(with_msix), 8);
	snap_cfgspace_check_chain(test, without_msix, ARRAY_SIZE(without_msix), 0);
}

/* Five virtio-pci-sized capabilities fill the space after VPD exactly. */
static void snap_cfgspace_vendor_caps(struct kunit *test)
{
	static const u8 lens[] = { 16, 20, 16, 16, 20 };
	struct snap_cfg_desc desc = snap_test_desc;
	unsigned int i, off, prev = 0;
	struct snap_cfg *cfg;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		desc.vcaps[i].len = lens[i];
		desc.vcaps[i].body[2] = lens[i];
		desc.vcaps[i].body[3] = i + 1;
	}
	/* The last one's bytes 4..19 are writable, as virtio's PCI_CFG. */
	memset(desc.vcaps[4].wmask + 4, 0xff, 16);
	cfg = snap_test_cfg(test, &desc);

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		off = snap_cfg_vcap_offset(cfg, i);
		KUNIT_ASSERT_NE(test, off, 0U);
		KUNIT_EXPECT_EQ(test, off % 4, 0U);
		KUNIT_EXPECT_GT(test, off, prev);
		KUNIT_EXPECT_LE(test, off + lens[i], (unsigned int)PCI_CFG_SPACE_SIZE);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off, 1), (u32)PCI_CAP_ID_VNDR);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off + 2, 2), (u32)(lens[i] | (i + 1) << 8));
		if (prev)
			KUNIT_EXPECT_EQ(test, rd(test, cfg, prev + 1, 1), off);
		prev = off;
	}
	KUNIT_EXPECT_EQ(test, rd(test, cfg, prev + 1, 1), 0U);
	KUNIT_EXPECT_EQ(test, snap_cfg_vcap_offset(cfg, ARRAY_SIZE(lens)), 0U);

	/* Read-only bytes and the chain stay; writable ones take the value. */
	off = snap_cfg_vcap_offset(cfg, 0);
	snap_cfg_write(cfg, off, 4, 0x12345678);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off, 4),
			(u32)(PCI_CAP_ID_VNDR | snap_cfg_vcap_offset(cfg, 1) << 8 |
			      16 << 16 | 1 << 24));
	off = snap_cfg_vcap_offset(cfg, 4);
	snap_cfg_write(cfg, off + 8, 4, 0xcafef00d);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + 8, 4), 0xcafef00dU);

	/* One byte more than fits is refused. */
	desc.vcaps[5].len = 4;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), -EINVAL);
	desc.vcaps[5].len = 0;
	desc.vcaps[0].len = 18;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), -EINVAL);
}

static const u16 snap_test_num_msix[] = { 1, 8, 63, 2048 };

static void snap_test_num_msix_desc(const u16 *num, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "num_msix=%u", *num);
}

KUNIT_ARRAY_PARAM(snap_cfgspace_msix, snap_test_num_msix, snap_test_num_msix_desc);

static void snap_cfgspace_msix_cap(struct kunit *test)
{
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_cfg *cfg;
	unsigned int msix;

	desc.num_msix = *(const u16 *)test->param_value;
	desc.bar0_size = SZ_64K;
	desc.msix_table_offset = 0x2000;
	desc.msix_pba_offset = 0xc000;
	cfg = snap_test_cfg(test, &desc);
	msix = find_cap(test, cfg, PCI_CAP_ID_MSIX);
	KUNIT_ASSERT_NE(test, msix, 0U);

	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix + PCI_MSIX_FLAGS, 2),
			desc.num_msix - 1U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix + PCI_MSIX_TABLE, 4), 0x2000U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix + PCI_MSIX_PBA, 4), 0xc000U);

	/* Table size, offsets and BIRs are read-only. */
	wr(test, cfg, msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_QSIZE);
	wr(test, cfg, msix + PCI_MSIX_TABLE, 4, 0x1003);
	wr(test, cfg, msix + PCI_MSIX_PBA, 4, 0x5);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix + PCI_MSIX_FLAGS, 2),
			desc.num_msix - 1U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix + PCI_MSIX_TABLE, 4), 0x2000U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix + PCI_MSIX_PBA, 4), 0xc000U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, msix, 1), (u32)PCI_CAP_ID_MSIX);
}

static void snap_cfgspace_msix_enable(struct kunit *test)
{
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_cfg *cfg = snap_test_cfg(test, &desc);
	unsigned int flags = find_cap(test, cfg, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS;

	KUNIT_ASSERT_NE(test, flags, (unsigned int)PCI_MSIX_FLAGS);
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_enabled(cfg));

	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_on(cfg));
	wr(test, cfg, flags, 2, 0xffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2),
			PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 7U);
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_enabled(cfg));
	/* Masked is still on: the host keeps its vectors. */
	KUNIT_EXPECT_TRUE(test, snap_cfg_msix_on(cfg));

	/* The kernel's sequence: enable masked, then unmask. */
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE);
	KUNIT_EXPECT_TRUE(test, snap_cfg_msix_enabled(cfg));
	KUNIT_EXPECT_TRUE(test, snap_cfg_msix_on(cfg));

	/* The high byte alone, as part of the dword at the capability. */
	wr(test, cfg, flags - PCI_MSIX_FLAGS, 4, 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 7U);
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_enabled(cfg));
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_on(cfg));
	wr(test, cfg, flags + 1, 1, PCI_MSIX_FLAGS_ENABLE >> 8);
	KUNIT_EXPECT_TRUE(test, snap_cfg_msix_enabled(cfg));

	/* No capability, never enabled, whatever is written there. */
	desc.num_msix = 0;
	cfg = snap_test_cfg(test, &desc);
	KUNIT_EXPECT_EQ(test, find_cap(test, cfg, PCI_CAP_ID_MSIX), 0U);
	wr(test, cfg, flags, 2, 0xffff);
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_enabled(cfg));
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_on(cfg));
}

static void snap_cfgspace_pm(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	unsigned int pm = find_cap(test, cfg, PCI_CAP_ID_PM);
	u32 pmc;

	KUNIT_ASSERT_EQ(test, pm, (unsigned int)rd(test, cfg, PCI_CAPABILITY_LIST, 1));
	pmc = rd(test, cfg, pm + PCI_PM_PMC, 2);
	/* The kernel refuses versions above 3; D1, D2 and PME absent. */
	KUNIT_EXPECT_EQ(test, pmc & PCI_PM_CAP_VER_MASK, 3U);
	KUNIT_EXPECT_EQ(test, pmc & (PCI_PM_CAP_D1 | PCI_PM_CAP_D2 |
				     PCI_PM_CAP_PME_MASK), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, pm + PCI_PM_CTRL, 2),
			(u32)PCI_PM_CTRL_NO_SOFT_RESET);

	wr(test, cfg, pm + PCI_PM_CTRL, 2, 3);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, pm + PCI_PM_CTRL, 2) &
			PCI_PM_CTRL_STATE_MASK, 3U);
	/* D1 and D2 are not supported: the write completes, nothing changes. */
	wr(test, cfg, pm + PCI_PM_CTRL, 2, 1);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, pm + PCI_PM_CTRL, 2) &
			PCI_PM_CTRL_STATE_MASK, 3U);
	wr(test, cfg, pm + PCI_PM_CTRL, 1, 2);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, pm + PCI_PM_CTRL, 2) &
			PCI_PM_CTRL_STATE_MASK, 3U);

	/* Back to D0 in a dword write; PME bits and No_Soft_Reset are RO. */
	wr(test, cfg, pm + PCI_PM_CTRL, 4, 0xfffffffc);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, pm + PCI_PM_CTRL, 4),
			(u32)PCI_PM_CTRL_NO_SOFT_RESET);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, pm + PCI_PM_PMC, 2), pmc);
}

static void snap_cfgspace_pcie_cap(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	unsigned int exp = find_cap(test, cfg, PCI_CAP_ID_EXP);
	u32 devcap, lnkcap, lnksta;

	KUNIT_ASSERT_NE(test, exp, 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_FLAGS, 2),
			2U | PCI_EXP_TYPE_ENDPOINT << 4);
	devcap = rd(test, cfg, exp + PCI_EXP_DEVCAP, 4);
	KUNIT_EXPECT_TRUE(test, devcap & PCI_EXP_DEVCAP_FLR);
	KUNIT_EXPECT_TRUE(test, devcap & PCI_EXP_DEVCAP_RBER);

	/* Link Status matches Link Capabilities: x1 at 8 GT/s. */
	lnkcap = rd(test, cfg, exp + PCI_EXP_LNKCAP, 4);
	lnksta = rd(test, cfg, exp + PCI_EXP_LNKSTA, 2);
	KUNIT_EXPECT_EQ(test, lnkcap & PCI_EXP_LNKCAP_SLS,
			(u32)PCI_EXP_LNKCAP_SLS_8_0GB);
	KUNIT_EXPECT_EQ(test, (lnkcap & PCI_EXP_LNKCAP_MLW) >> 4, 1U);
	KUNIT_EXPECT_EQ(test, lnksta & PCI_EXP_LNKSTA_CLS, lnkcap & PCI_EXP_LNKCAP_SLS);
	KUNIT_EXPECT_EQ(test, (lnksta & PCI_EXP_LNKSTA_NLW) >> PCI_EXP_LNKSTA_NLW_SHIFT,
			1U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_DEVCAP2, 4), 0U);

	/* Device Control: the kernel's MPS, read request and tag settings. */
	wr(test, cfg, exp + PCI_EXP_DEVCTL, 2,
	   PCI_EXP_DEVCTL_PAYLOAD_256B | PCI_EXP_DEVCTL_READRQ_4096B |
	   PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_PHANTOM);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_DEVCTL, 2),
			(u32)(PCI_EXP_DEVCTL_PAYLOAD_256B |
			      PCI_EXP_DEVCTL_READRQ_4096B |
			      PCI_EXP_DEVCTL_EXT_TAG));
	KUNIT_EXPECT_FALSE(test, snap_cfg_flr_requested(cfg));

	/* Read-only registers stay. */
	wr(test, cfg, exp + PCI_EXP_DEVCAP, 4, 0);
	wr(test, cfg, exp + PCI_EXP_LNKCAP, 4, 0);
	wr(test, cfg, exp + PCI_EXP_LNKSTA, 2, 0xffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_DEVCAP, 4), devcap);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_LNKCAP, 4), lnkcap);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_LNKSTA, 2), lnksta);
}

static void snap_cfgspace_flr_reset(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	struct snap_cfg *fresh = snap_test_cfg(test, &snap_test_desc);
	unsigned int exp = find_cap(test, cfg, PCI_CAP_ID_EXP);
	unsigned int msix = find_cap(test, cfg, PCI_CAP_ID_MSIX);
	u32 devctl = rd(test, cfg, exp + PCI_EXP_DEVCTL, 2);

	/* A function in use: decoding, mastering, MSI-X on, an error noted. */
	wr(test, cfg, PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(test, cfg, msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	wr(test, cfg, PCI_INTERRUPT_LINE, 1, 11);
	snap_cfg_set_status(cfg, PCI_STATUS_REC_MASTER_ABORT);
	KUNIT_ASSERT_NE(test, memcmp(cfg->data, fresh->data, sizeof(cfg->data)), 0);

	/* pcie_flr(): a read-modify-write of Device Control with the bit. */
	wr(test, cfg, exp + PCI_EXP_DEVCTL, 2, devctl | PCI_EXP_DEVCTL_BCR_FLR);
	KUNIT_EXPECT_TRUE(test, snap_cfg_flr_requested(cfg));
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_DEVCTL, 2), devctl);
	/* The request stands until the reset; nothing else is reset yet. */
	wr(test, cfg, exp + PCI_EXP_DEVCTL, 2, devctl);
	KUNIT_EXPECT_TRUE(test, snap_cfg_flr_requested(cfg));
	KUNIT_EXPECT_TRUE(test, snap_cfg_mem_enabled(cfg));

	snap_cfg_reset(cfg);
	KUNIT_EXPECT_FALSE(test, snap_cfg_flr_requested(cfg));
	KUNIT_EXPECT_FALSE(test, snap_cfg_mem_enabled(cfg));
	KUNIT_EXPECT_FALSE(test, snap_cfg_bus_master(cfg));
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_enabled(cfg));
	KUNIT_EXPECT_EQ(test, snap_cfg_bar0(cfg), 0ULL);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_VENDOR_ID, 4), 0x600115b3U);
	/* Exactly the power-on state, masks included. */
	KUNIT_EXPECT_EQ(test, memcmp(cfg->data, fresh->data, sizeof(cfg->data)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(cfg->wmask, fresh->wmask, sizeof(cfg->wmask)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(cfg->w1cmask, fresh->w1cmask,
				     sizeof(cfg->w1cmask)), 0);

	/* A byte write of the high byte is an FLR too. */
	wr(test, cfg, exp + PCI_EXP_DEVCTL + 1, 1, PCI_EXP_DEVCTL_BCR_FLR >> 8);
	KUNIT_EXPECT_TRUE(test, snap_cfg_flr_requested(cfg));
}

/* Reads the VPD through the capability, as pci_vpd_read() does. */
static void vpd_read(struct kunit *test, struct snap_cfg *cfg, u8 *buf,
		     unsigned int len)
{
	unsigned int vpd = find_cap(test, cfg, PCI_CAP_ID_VPD);
	unsigned int addr;

	KUNIT_ASSERT_NE(test, vpd, 0U);
	for (addr = 0; addr < len; addr += 4) {
		wr(test, cfg, vpd + PCI_VPD_ADDR, 2, addr);
		/* Complete at once: the kernel's first poll sees F set. */
		KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_ADDR, 2),
				addr | PCI_VPD_ADDR_F);
		put_unaligned_le32(rd(test, cfg, vpd + PCI_VPD_DATA, 4), buf + addr);
	}
}

/* Walks the image by hand, then with the kernel's own parsers. */
static void vpd_check(struct kunit *test, const u8 *buf, unsigned int len,
		      const char *product, const char *sn)
{
	unsigned int plen = strlen(product), slen = strlen(sn);
	unsigned int ro, ro_len, pos, size, i;
	u8 sum = 0;
	int off;

	KUNIT_ASSERT_EQ(test, buf[0], (u8)PCI_VPD_LRDT_ID_STRING);
	KUNIT_ASSERT_EQ(test, get_unaligned_le16(buf + 1), plen);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 3, product, plen), 0);

	ro = 3 + plen;
	KUNIT_ASSERT_EQ(test, buf[ro], (u8)PCI_VPD_LRDT_RO_DATA);
	ro_len = get_unaligned_le16(buf + ro + 1);
	pos = ro + 3;
	KUNIT_EXPECT_EQ(test, memcmp(buf + pos, "SN", 2), 0);
	KUNIT_ASSERT_EQ(test, buf[pos + 2], (u8)slen);
	KUNIT_EXPECT_EQ(test, memcmp(buf + pos + 3, sn, slen), 0);
	pos += 3 + slen;
	KUNIT_EXPECT_EQ(test, memcmp(buf + pos, "RV", 2), 0);
	KUNIT_EXPECT_GE(test, buf[pos + 2], 1);
	for (i = 0; i <= pos + 3; i++)
		sum += buf[i];
	KUNIT_EXPECT_EQ(test, sum, 0);
	pos += 3 + buf[pos + 2];
	KUNIT_EXPECT_EQ(test, pos, ro + 3 + ro_len);
	/* End tag, and nothing after it: the kernel sizes VPD by the tag. */
	KUNIT_EXPECT_EQ(test, buf[pos], 0x78);
	KUNIT_ASSERT_LE(test, pos + 1, len);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf + pos + 1, 0, len - pos - 1));

	off = pci_vpd_find_id_string(buf, pos + 1, &size);
	KUNIT_EXPECT_EQ(test, off, 3);
	KUNIT_EXPECT_EQ(test, size, plen);
	off = pci_vpd_find_ro_info_keyword(buf, pos + 1,
					   PCI_VPD_RO_KEYWORD_SERIALNO, &size);
	KUNIT_ASSERT_GT(test, off, 0);
	KUNIT_EXPECT_EQ(test, size, slen);
	KUNIT_EXPECT_EQ(test, memcmp(buf + off, sn, slen), 0);
	KUNIT_EXPECT_EQ(test, pci_vpd_check_csum(buf, pos + 1), 0);
}

static void snap_cfgspace_vpd_image(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	vpd_read(test, cfg, buf, 256);
	vpd_check(test, buf, 256, TEST_PRODUCT, TEST_VUID);

	/* The checker is not blind: one flipped byte breaks the checksum. */
	buf[5] ^= 0x01;
	KUNIT_EXPECT_NE(test, pci_vpd_check_csum(buf, 256), 0);
}

static void snap_cfgspace_vpd_limits(struct kunit *test)
{
	struct snap_cfg_desc desc = snap_test_desc;
	char product[SNAP_CFG_PRODUCT_MAX + 20], sn[SNAP_CFG_SN_MAX + 20];
	struct snap_cfg *cfg;
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);

	/* Overlong strings are cut, and the image stays well formed. */
	memset(product, 'P', sizeof(product) - 1);
	product[sizeof(product) - 1] = '\0';
	memset(sn, 'S', sizeof(sn) - 1);
	sn[sizeof(sn) - 1] = '\0';
	desc.product = product;
	desc.vuid = sn;
	cfg = snap_test_cfg(test, &desc);
	product[SNAP_CFG_PRODUCT_MAX] = '\0';
	sn[SNAP_CFG_SN_MAX] = '\0';
	vpd_read(test, cfg, buf, 256);
	vpd_check(test, buf, 256, product, sn);
	KUNIT_EXPECT_EQ(test, cfg->vpd_len, (unsigned int)SNAP_CFG_VPD_SIZE);

	/* No strings: empty fields, still a valid image. */
	desc.product = NULL;
	desc.vuid = NULL;
	cfg = snap_test_cfg(test, &desc);
	memset(buf, 0xaa, 256);
	vpd_read(test, cfg, buf, 256);
	vpd_check(test, buf, 256, "", "");
}

static void snap_cfgspace_vpd_read_only(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	unsigned int vpd = find_cap(test, cfg, PCI_CAP_ID_VPD);
	u32 first;

	KUNIT_ASSERT_NE(test, vpd, 0U);
	wr(test, cfg, vpd + PCI_VPD_ADDR, 2, 0);
	first = rd(test, cfg, vpd + PCI_VPD_DATA, 4);
	KUNIT_EXPECT_EQ(test, first & 0xff, (u32)PCI_VPD_LRDT_ID_STRING);

	/* pci_vpd_write(): data, then address with F; it waits for F = 0. */
	wr(test, cfg, vpd + PCI_VPD_DATA, 4, 0x12345678);
	wr(test, cfg, vpd + PCI_VPD_ADDR, 2, PCI_VPD_ADDR_F);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_ADDR, 2) &
			PCI_VPD_ADDR_F, 0U);
	wr(test, cfg, vpd + PCI_VPD_ADDR, 2, 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_DATA, 4), first);

	/* Beyond the image, up to the 32 KiB the address reaches: zeros. */
	wr(test, cfg, vpd + PCI_VPD_ADDR, 2, 0x7ffc);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_ADDR, 2),
			0x7ffcU | PCI_VPD_ADDR_F);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_DATA, 4), 0U);

	/* The low address byte alone starts nothing: F is in the high one. */
	wr(test, cfg, vpd + PCI_VPD_ADDR, 1, 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_ADDR, 2),
			0x7f00U | PCI_VPD_ADDR_F);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, vpd + PCI_VPD_DATA, 4), 0U);
}

static void snap_cfgspace_sub_dword(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	unsigned int off;
	u32 dword;

	wr(test, cfg, PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	snap_cfg_set_status(cfg, PCI_STATUS_DETECTED_PARITY);

	/* Every byte and word is the matching slice of its dword. */
	for (off = 0; off < PCI_CFG_SPACE_SIZE; off += 4) {
		dword = rd(test, cfg, off, 4);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off, 2), dword & 0xffff);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off + 2, 2), dword >> 16);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off + 1, 1), (dword >> 8) & 0xff);
		KUNIT_EXPECT_EQ(test, rd(test, cfg, off + 3, 1), dword >> 24);
	}

	/* A dword over RW, RO and RW1C bytes changes only what it may. */
	wr(test, cfg, PCI_COMMAND, 4, 0x0000ffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 4),
			(u32)(PCI_STATUS_CAP_LIST | PCI_STATUS_DETECTED_PARITY) << 16 |
			PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
			PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	wr(test, cfg, PCI_COMMAND, 4, 0x80000000);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_COMMAND, 4),
			(u32)PCI_STATUS_CAP_LIST << 16);

	/* A word write to the upper half of BAR0 leaves the lower half. */
	wr(test, cfg, PCI_BASE_ADDRESS_0 + 2, 2, 0xc012);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4), 0xc0120004U);
	/* A byte write to the flag byte changes nothing of the 16 KiB BAR. */
	wr(test, cfg, PCI_BASE_ADDRESS_0, 1, 0xff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4), 0xc0120004U);
}

static void snap_cfgspace_bad_access(struct kunit *test)
{
	static const struct {
		unsigned int where;
		int size;
	} bad[] = {
		{ 1, 2 }, { 2, 4 }, { 3, 4 }, { 0x41, 2 }, { 0, 3 }, { 0, 0 },
		{ 0, 8 }, { 0, -1 }, { SNAP_CFG_SIZE, 1 }, { SNAP_CFG_SIZE, 4 },
		{ SNAP_CFG_SIZE - 2, 4 }, { -4U, 4 }, { -1U, 1 },
	};
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	struct snap_cfg *copy = kunit_kzalloc(test, sizeof(*copy), GFP_KERNEL);
	unsigned int i;
	u32 val;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	memcpy(copy, cfg, sizeof(*cfg));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		val = 0;
		KUNIT_EXPECT_EQ(test, snap_cfg_read(cfg, bad[i].where, bad[i].size, &val),
				PCIBIOS_BAD_REGISTER_NUMBER);
		KUNIT_EXPECT_EQ(test, val, ~0U);
		KUNIT_EXPECT_EQ(test, snap_cfg_write(cfg, bad[i].where, bad[i].size, ~0U),
				PCIBIOS_BAD_REGISTER_NUMBER);
	}
	KUNIT_EXPECT_EQ(test, memcmp(copy, cfg, sizeof(*cfg)), 0);

	/* The last dword, word and byte are in range. */
	KUNIT_EXPECT_EQ(test, rd(test, cfg, SNAP_CFG_SIZE - 4, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, SNAP_CFG_SIZE - 2, 2), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, SNAP_CFG_SIZE - 1, 1), 0U);
}

static void snap_cfgspace_init_rejects(struct kunit *test)
{
	struct snap_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct snap_cfg_desc desc;
	u32 val;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cfg);
#define EXPECT_REJECTED(field, value) do {				\
		desc = snap_test_desc;					\
		desc.field = value;					\
		memset(cfg, 0xff, sizeof(*cfg));			\
		KUNIT_EXPECT_EQ_MSG(test, snap_cfg_init(cfg, &desc), -EINVAL, \
				    #field " = " #value);		\
		KUNIT_EXPECT_EQ(test, snap_cfg_read(cfg, 0, 4, &val),	\
				PCIBIOS_SUCCESSFUL);			\
		KUNIT_EXPECT_EQ(test, val, 0U);				\
	} while (0)

	EXPECT_REJECTED(bar0_size, 0);
	EXPECT_REJECTED(bar0_size, SZ_8K);
	EXPECT_REJECTED(bar0_size, SZ_16K + SZ_8K);
	EXPECT_REJECTED(num_msix, 2049);
	EXPECT_REJECTED(msix_table_offset, 0x2004);
	EXPECT_REJECTED(msix_pba_offset, 0x3001);
	/* 8 vectors take 128 bytes: the table would run past 16 KiB. */
	EXPECT_REJECTED(msix_table_offset, SZ_16K - 64);
	EXPECT_REJECTED(msix_pba_offset, SZ_16K);
	/* Table and PBA overlapping, either way round. */
	EXPECT_REJECTED(msix_pba_offset, 0x2000 + 120);
	EXPECT_REJECTED(msix_table_offset, 0x3000 - 8);
	/* BAR0 must keep room for max_msix vectors, and it is no less. */
	EXPECT_REJECTED(max_msix, 7);
	EXPECT_REJECTED(max_msix, 2049);
	EXPECT_REJECTED(max_msix, 257);	/* 0x2000 + 257 * 16 > 0x3000 */
#undef EXPECT_REJECTED

	/* Edges that are fine: adjacent structures, a filled BAR. */
	desc = snap_test_desc;
	desc.msix_pba_offset = 0x2000 + 8 * PCI_MSIX_ENTRY_SIZE;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), 0);
	desc.msix_table_offset = SZ_16K - 8 * PCI_MSIX_ENTRY_SIZE;
	desc.msix_pba_offset = 0;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), 0);
	desc.num_msix = 0;
	desc.msix_table_offset = 0x7;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), 0);
	desc = snap_test_desc;
	desc.max_msix = 256;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), 0);
}

/* A table of @n vectors and its PBA, as the bus keeps them in BAR0. */
struct snap_test_msix {
	__le32 table[64 * PCI_MSIX_ENTRY_SIZE / 4];
	u64 pba[2];
};

static void msix_entry(struct snap_test_msix *m, u16 vec, u64 addr, u32 data,
		       bool masked)
{
	__le32 *e = &m->table[vec * PCI_MSIX_ENTRY_SIZE / 4];

	e[0] = cpu_to_le32(lower_32_bits(addr));
	e[1] = cpu_to_le32(upper_32_bits(addr));
	e[2] = cpu_to_le32(data);
	e[3] = cpu_to_le32(masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

static void snap_cfgspace_msix_table(struct kunit *test)
{
	struct snap_test_msix *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct snap_msix_msg msg;
	u8 *pba_bytes;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	pba_bytes = (u8 *)m->pba;

	snap_msix_reset_table(m->table, m->pba, 64);
	KUNIT_EXPECT_TRUE(test, snap_msix_vector_masked(m->table, 0));
	KUNIT_EXPECT_TRUE(test, snap_msix_vector_masked(m->table, 63));

	msix_entry(m, 5, 0x1fee01000ULL, 0x4041, false);
	msix_entry(m, 6, 0xfee00000, 0x22, true);
	KUNIT_EXPECT_FALSE(test, snap_msix_vector_masked(m->table, 5));
	KUNIT_EXPECT_TRUE(test, snap_msix_vector_masked(m->table, 6));
	KUNIT_EXPECT_TRUE(test, snap_msix_vector_masked(m->table, 4));
	snap_msix_read_msg(m->table, 5, &msg);
	KUNIT_EXPECT_EQ(test, msg.addr, 0x1fee01000ULL);
	KUNIT_EXPECT_EQ(test, msg.data, 0x4041U);

	/* Pending bits: a little-endian bitmap of QWORDs. */
	snap_msix_set_pending(m->pba, 0);
	snap_msix_set_pending(m->pba, 9);
	snap_msix_set_pending(m->pba, 64);
	KUNIT_EXPECT_EQ(test, pba_bytes[0], 0x01);
	KUNIT_EXPECT_EQ(test, pba_bytes[1], 0x02);
	KUNIT_EXPECT_EQ(test, pba_bytes[8], 0x01);
	KUNIT_EXPECT_EQ(test, le64_to_cpu((__force __le64)m->pba[0]), 0x201ULL);
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 9));
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 8));
	snap_msix_clear_pending(m->pba, 9);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 9));
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 0));
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 64));

	snap_msix_reset_table(m->table, m->pba, 64);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 0));
	KUNIT_EXPECT_TRUE(test, snap_msix_vector_masked(m->table, 5));
	snap_msix_read_msg(m->table, 5, &msg);
	KUNIT_EXPECT_EQ(test, msg.addr, 0ULL);
	/* 64 vectors need one PBA QWORD: the second is left alone. */
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 64));
}

static void snap_cfgspace_msix_decision(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	struct snap_test_msix *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned int flags = find_cap(test, cfg, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS;
	struct snap_msix_msg msg = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	snap_msix_reset_table(m->table, m->pba, 8);
	msix_entry(m, 2, 0xfee00000, 0x31, false);

	/* MSI-X off, or bus mastering off: dropped, not even pending. */
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 2, &msg),
			SNAP_MSIX_DROP);
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE);
	wr(test, cfg, PCI_COMMAND, 2, 0);
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 2, &msg),
			SNAP_MSIX_DROP);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 2));
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	/* A vector past the table is dropped, its PBA bit untouched. */
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 8, &msg),
			SNAP_MSIX_DROP);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 8));

	/* Live and unmasked: fire with the entry's message. */
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 2, &msg),
			SNAP_MSIX_FIRE);
	KUNIT_EXPECT_EQ(test, msg.addr, 0xfee00000ULL);
	KUNIT_EXPECT_EQ(test, msg.data, 0x31U);

	/* Function masked: pending; unmasking delivers it exactly once. */
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 2, &msg),
			SNAP_MSIX_PENDING);
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 2));
	KUNIT_EXPECT_FALSE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							   2, &msg));
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE);
	msg.addr = 0;
	KUNIT_EXPECT_TRUE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							  2, &msg));
	KUNIT_EXPECT_EQ(test, msg.addr, 0xfee00000ULL);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 2));
	KUNIT_EXPECT_FALSE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							   2, &msg));

	/* Vector masked: pending; the host unmasks it in the table. */
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 3, &msg),
			SNAP_MSIX_PENDING);
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 3));
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 2));
	KUNIT_EXPECT_FALSE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							   3, &msg));
	msix_entry(m, 3, 0xfee02000, 0x44, false);
	KUNIT_EXPECT_TRUE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							  3, &msg));
	KUNIT_EXPECT_EQ(test, msg.addr, 0xfee02000ULL);
	KUNIT_EXPECT_EQ(test, msg.data, 0x44U);

	/* A raise while pending but unmasked fires and clears the bit. */
	snap_msix_set_pending(m->pba, 3);
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 3, &msg),
			SNAP_MSIX_FIRE);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 3));

	/* Disabled again: pending bits are kept but not delivered. */
	snap_msix_set_pending(m->pba, 2);
	wr(test, cfg, flags, 2, 0);
	KUNIT_EXPECT_FALSE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							   2, &msg));
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 2));
}

/*
 * A pending message needs every gate open to go out: MSI-X enabled, bus
 * mastering, no function mask and no vector mask. Until then its bit
 * stays, whichever gate opens last.
 */
static void snap_cfgspace_msix_pending_gates(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_cfg(test, &snap_test_desc);
	struct snap_test_msix *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned int flags = find_cap(test, cfg, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS;
	struct snap_msix_msg msg = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	snap_msix_reset_table(m->table, m->pba, 8);
	msix_entry(m, 7, 0xfee00000, 0x77, true);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);

	/* Both masks set: pending. */
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 7, &msg),
			SNAP_MSIX_PENDING);
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 7));

	/* Function mask cleared, vector still masked: stays pending. */
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE);
	KUNIT_EXPECT_FALSE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							   7, &msg));
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 7));

	/* Vector unmasked but bus mastering off: no message, bit kept. */
	msix_entry(m, 7, 0xfee00000, 0x77, false);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_FALSE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							   7, &msg));
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 7));
	/* A raise meanwhile is dropped and leaves the bit as it was. */
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 7, &msg),
			SNAP_MSIX_DROP);
	KUNIT_EXPECT_TRUE(test, snap_msix_test_pending(m->pba, 7));

	/* The last gate opens: delivered once, with the current message. */
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	KUNIT_EXPECT_TRUE(test, snap_msix_deliver_pending(cfg, m->table, m->pba,
							  7, &msg));
	KUNIT_EXPECT_EQ(test, msg.data, 0x77U);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 7));

	/* Pending again, then a reset: the bit goes with the table. */
	msix_entry(m, 7, 0xfee00000, 0x77, true);
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 7, &msg),
			SNAP_MSIX_PENDING);
	snap_msix_reset_table(m->table, m->pba, 8);
	snap_cfg_reset(cfg);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 7));
	KUNIT_EXPECT_TRUE(test, snap_msix_vector_masked(m->table, 7));
	KUNIT_EXPECT_FALSE(test, snap_cfg_msix_enabled(cfg));
}

/*
 * The Table Size changes while no host uses the function, within the room
 * BAR0 keeps (max_msix), survives a reset, and bounds what fires.
 */
static void snap_cfgspace_msix_resize(struct kunit *test)
{
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_test_msix *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct snap_msix_msg msg = {};
	struct snap_cfg *cfg;
	unsigned int flags;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	desc.max_msix = 32;
	cfg = snap_test_cfg(test, &desc);
	flags = find_cap(test, cfg, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS;
	KUNIT_ASSERT_NE(test, flags, (unsigned int)PCI_MSIX_FLAGS);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 7U);

	/* Down, up to the room BAR0 keeps, never past it or to 0. */
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 3), 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 2U);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 32), 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 31U);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 33), -EINVAL);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 31U);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 3), 0);

	/* The new size is the power-on one from now on. */
	snap_cfg_reset(cfg);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 2U);
	/* Still read-only to the host. */
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_QSIZE);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 2U);

	/* A host enabled MSI-X: it has the table; nothing changes. */
	snap_msix_reset_table(m->table, m->pba, 32);
	msix_entry(m, 2, 0xfee00000, 0x21, false);
	msix_entry(m, 3, 0xfee00000, 0x31, false);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 8), -EBUSY);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2),
			PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 2U);

	/* Vectors past the new size are dropped, below it they fire. */
	wr(test, cfg, flags, 2, PCI_MSIX_FLAGS_ENABLE);
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 3, &msg),
			SNAP_MSIX_DROP);
	KUNIT_EXPECT_FALSE(test, snap_msix_test_pending(m->pba, 3));
	KUNIT_EXPECT_EQ(test, snap_msix_raise(cfg, m->table, m->pba, 2, &msg),
			SNAP_MSIX_FIRE);
	KUNIT_EXPECT_EQ(test, msg.data, 0x21U);

	/* Disabled again (the driver let go): the size may change. */
	wr(test, cfg, flags, 2, 0);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 8), 0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, flags, 2), 7U);

	/* Without an MSI-X capability there is nothing to resize. */
	desc.num_msix = 0;
	cfg = snap_test_cfg(test, &desc);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, find_cap(test, cfg, PCI_CAP_ID_MSIX), 0U);

	/* Without max_msix the room is num_msix: it cannot grow. */
	cfg = snap_test_cfg(test, &snap_test_desc);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 9), -EINVAL);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 1), 0);
	KUNIT_EXPECT_EQ(test, snap_cfg_set_num_msix(cfg, 8), 0);
}

/* A PF with 4 VFs right after it, as the sim lays out PF 0. */
static const struct snap_cfg_desc *snap_test_pf_desc(struct snap_cfg_desc *desc)
{
	*desc = snap_test_desc;
	desc->total_vfs = 4;
	desc->vf_offset = 48;
	desc->vf_device = 0x6002;
	desc->pf_devfn = 8;
	return desc;
}

static void snap_cfgspace_sriov_cap(struct kunit *test)
{
	struct snap_cfg_desc desc;
	struct snap_cfg *cfg = snap_test_cfg(test, snap_test_pf_desc(&desc));
	unsigned int off = PCI_CFG_SPACE_SIZE;

	KUNIT_EXPECT_EQ(test, snap_cfg_sriov_offset(cfg), off);
	/* The only extended capability: ID 0x10, version 1, no next. */
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off, 4), 0x00010010U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_INITIAL_VF, 2), 4U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_TOTAL_VF, 2), 4U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_FUNC_LINK, 1), 8U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_VF_OFFSET, 2), 48U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_VF_STRIDE, 2), 1U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_VF_DID, 2), 0x6002U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_SUP_PGSIZE, 4), 1U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_SYS_PGSIZE, 4), 1U);
	/* Read-only fields stay what they are. */
	wr(test, cfg, off + PCI_SRIOV_TOTAL_VF, 2, 9);
	wr(test, cfg, off + PCI_SRIOV_VF_OFFSET, 4, 0x00050007);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_TOTAL_VF, 2), 4U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_VF_OFFSET, 4),
			0x00010030U);
	/* VF BAR0 sizes like BAR0: a 16 KiB 64-bit memory BAR per VF. */
	wr(test, cfg, off + PCI_SRIOV_BAR, 4, ~0U);
	wr(test, cfg, off + PCI_SRIOV_BAR + 4, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_BAR, 4), 0xffffc004U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off + PCI_SRIOV_BAR + 4, 4), ~0U);
	wr(test, cfg, off + PCI_SRIOV_BAR, 4, 0xfe010000);
	wr(test, cfg, off + PCI_SRIOV_BAR + 4, 4, 0x1);
	KUNIT_EXPECT_EQ(test, snap_cfg_vf_bar0(cfg), 0x1fe010000ULL);
	/* Without VFs: no capability, extended space reads 0. */
	cfg = snap_test_cfg(test, &snap_test_desc);
	KUNIT_EXPECT_EQ(test, snap_cfg_sriov_offset(cfg), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, off, 4), 0U);
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 0);
	KUNIT_EXPECT_EQ(test, snap_cfg_vf_bar0(cfg), 0ULL);
}

static void snap_cfgspace_sriov_enable(struct kunit *test)
{
	struct snap_cfg_desc desc;
	struct snap_cfg *cfg = snap_test_cfg(test, snap_test_pf_desc(&desc));
	unsigned int ctrl = PCI_CFG_SPACE_SIZE + PCI_SRIOV_CTRL;
	unsigned int num = PCI_CFG_SPACE_SIZE + PCI_SRIOV_NUM_VF;

	wr(test, cfg, num, 2, 3);
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 0);
	/* VF Migration bits stay 0: no migration. */
	wr(test, cfg, ctrl, 2, 0xffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, ctrl, 2),
			(u32)(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE |
			      PCI_SRIOV_CTRL_ARI));
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 3);
	KUNIT_EXPECT_TRUE(test, snap_cfg_vf_mem_enabled(cfg));
	/* More than TotalVFs: the VFs there are. */
	wr(test, cfg, num, 2, 200);
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 4);
	wr(test, cfg, ctrl, 2, PCI_SRIOV_CTRL_VFE);
	KUNIT_EXPECT_FALSE(test, snap_cfg_vf_mem_enabled(cfg));
	wr(test, cfg, ctrl, 2, PCI_SRIOV_CTRL_MSE);
	KUNIT_EXPECT_FALSE(test, snap_cfg_vf_mem_enabled(cfg));
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 0);
	/* An FLR of the PF clears VF Enable: its VFs are gone. */
	wr(test, cfg, ctrl, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 4);
	snap_cfg_reset(cfg);
	KUNIT_EXPECT_EQ(test, snap_cfg_num_vfs(cfg), 0);
	KUNIT_EXPECT_FALSE(test, snap_cfg_vf_mem_enabled(cfg));
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CFG_SPACE_SIZE, 4), 0x00010010U);
}

static void snap_cfgspace_vf_header(struct kunit *test)
{
	struct snap_cfg_desc desc = snap_test_desc;
	struct snap_cfg *cfg;

	desc.vf = true;
	cfg = snap_test_cfg(test, &desc);
	/* IDs all ones; class, subsystem and capabilities as a PF's. */
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_VENDOR_ID, 4), ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CLASS_REVISION, 4), 0x010802a5U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_SUBSYSTEM_VENDOR_ID, 4),
			0x005115b3U);
	KUNIT_EXPECT_NE(test, find_cap(test, cfg, PCI_CAP_ID_MSIX), 0U);
	KUNIT_EXPECT_NE(test, find_cap(test, cfg, PCI_CAP_ID_EXP), 0U);
	/* BAR0 and Memory Space Enable are read-only zero. */
	wr(test, cfg, PCI_BASE_ADDRESS_0, 4, ~0U);
	wr(test, cfg, PCI_BASE_ADDRESS_1, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_1, 4), 0U);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	KUNIT_EXPECT_FALSE(test, snap_cfg_mem_enabled(cfg));
	KUNIT_EXPECT_TRUE(test, snap_cfg_bus_master(cfg));
	KUNIT_EXPECT_EQ(test, snap_cfg_sriov_offset(cfg), 0U);
	/* A VF of VFs, or VFs at offset 0, is refused. */
	desc.total_vfs = 2;
	desc.vf_offset = 1;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), -EINVAL);
	desc.vf = false;
	desc.vf_offset = 0;
	KUNIT_EXPECT_EQ(test, snap_cfg_init(cfg, &desc), -EINVAL);
}

static struct kunit_case snap_cfgspace_cases[] = {
	KUNIT_CASE(snap_cfgspace_header_ids_ro),
	KUNIT_CASE(snap_cfgspace_command_mask),
	KUNIT_CASE(snap_cfgspace_status_rw1c),
	KUNIT_CASE(snap_cfgspace_bar0_sizing),
	KUNIT_CASE(snap_cfgspace_bar0_address),
	KUNIT_CASE(snap_cfgspace_absent_bars),
	KUNIT_CASE(snap_cfgspace_cap_chain),
	KUNIT_CASE(snap_cfgspace_vendor_caps),
	KUNIT_CASE_PARAM(snap_cfgspace_msix_cap, snap_cfgspace_msix_gen_params),
	KUNIT_CASE(snap_cfgspace_msix_enable),
	KUNIT_CASE(snap_cfgspace_msix_resize),
	KUNIT_CASE(snap_cfgspace_pm),
	KUNIT_CASE(snap_cfgspace_pcie_cap),
	KUNIT_CASE(snap_cfgspace_flr_reset),
	KUNIT_CASE(snap_cfgspace_vpd_image),
	KUNIT_CASE(snap_cfgspace_vpd_limits),
	KUNIT_CASE(snap_cfgspace_vpd_read_only),
	KUNIT_CASE(snap_cfgspace_sub_dword),
	KUNIT_CASE(snap_cfgspace_bad_access),
	KUNIT_CASE(snap_cfgspace_init_rejects),
	KUNIT_CASE(snap_cfgspace_msix_table),
	KUNIT_CASE(snap_cfgspace_msix_decision),
	KUNIT_CASE(snap_cfgspace_msix_pending_gates),
	KUNIT_CASE(snap_cfgspace_sriov_cap),
	KUNIT_CASE(snap_cfgspace_sriov_enable),
	KUNIT_CASE(snap_cfgspace_vf_header),
	{}
};

static struct kunit_suite snap_cfgspace_suite = {
	.name = "snap_cfgspace",
	.test_cases = snap_cfgspace_cases,
};

kunit_test_suite(snap_cfgspace_suite);
