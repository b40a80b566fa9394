// SPDX-License-Identifier: GPL-2.0
/* KUnit cases for the emulated PCIe switch ports' configuration space. */
#include <kunit/test.h>
#include <linux/pci.h>

#include "../compat.h"
#include "cfg_kunit.h"
#include "cfgspace.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static const struct snap_port_desc snap_test_up = {
	.kind = SNAP_CFG_UPSTREAM_PORT,
	.vendor = 0x15b3,
	.device = 0x197b,
};

static const struct snap_port_desc snap_test_down = {
	.kind = SNAP_CFG_DOWNSTREAM_PORT,
	.vendor = 0x15b3,
	.device = 0x2024,
	.port_nr = 3,
	.slot_nr = 3,
};

static struct snap_cfg *snap_test_port(struct kunit *test,
				       const struct snap_port_desc *desc)
{
	struct snap_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cfg);
	KUNIT_ASSERT_EQ(test, snap_port_cfg_init(cfg, desc), 0);
	return cfg;
}

/* Writes @val to a slot register, as pciehp's read-modify-write does. */
static void sltctl_set(struct kunit *test, struct snap_cfg *cfg, u16 val)
{
	unsigned int exp = find_cap(test, cfg, PCI_CAP_ID_EXP);

	wr(test, cfg, exp + PCI_EXP_SLTCTL, 2, val);
}

static u16 sltsta(struct kunit *test, struct snap_cfg *cfg)
{
	return rd(test, cfg, find_cap(test, cfg, PCI_CAP_ID_EXP) +
		  PCI_EXP_SLTSTA, 2);
}

static void msi_on(struct kunit *test, struct snap_cfg *cfg)
{
	unsigned int msi = find_cap(test, cfg, PCI_CAP_ID_MSI);

	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(test, cfg, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
}

/* What the kernel's bus scan reads of a bridge. */
static void snap_portcfg_header(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_port(test, &snap_test_down);

	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_VENDOR_ID, 2), 0x15b3U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_DEVICE_ID, 2), 0x2024U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_CLASS_REVISION, 4) >> 8,
			0x060400U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_HEADER_TYPE, 1),
			(u32)PCI_HEADER_TYPE_BRIDGE);
	/* No BARs. */
	wr(test, cfg, PCI_BASE_ADDRESS_0, 4, ~0U);
	wr(test, cfg, PCI_BASE_ADDRESS_1, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_0, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BASE_ADDRESS_1, 4), 0U);
	/* Bus numbers are the host's to give. */
	wr(test, cfg, PCI_PRIMARY_BUS, 4, 0x00050401);
	KUNIT_EXPECT_EQ(test, snap_port_secondary(cfg), 4);
	KUNIT_EXPECT_EQ(test, snap_port_subordinate(cfg), 5);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_PRIMARY_BUS, 1), 1U);
}

/*
 * The kernel finds the I/O window absent when what it writes there does
 * not stick; the memory windows keep bits 15:4, the prefetchable one is
 * 64-bit with writable upper halves.
 */
static void snap_portcfg_windows(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_port(test, &snap_test_down);

	wr(test, cfg, PCI_IO_BASE, 2, 0xe0f0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_IO_BASE, 2), 0U);
	wr(test, cfg, PCI_MEMORY_BASE, 4, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_MEMORY_BASE, 4), 0xfff0fff0U);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_PREF_MEMORY_BASE, 4),
			(u32)(PCI_PREF_RANGE_TYPE_64 << 16 | PCI_PREF_RANGE_TYPE_64));
	wr(test, cfg, PCI_PREF_MEMORY_BASE, 4, 0xffe0fff0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_PREF_MEMORY_BASE, 4), 0xffe1fff1U);
	wr(test, cfg, PCI_PREF_BASE_UPPER32, 4, 0x12345678);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_PREF_BASE_UPPER32, 4), 0x12345678U);
	wr(test, cfg, PCI_PREF_LIMIT_UPPER32, 4, 0x9abcdef0);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_PREF_LIMIT_UPPER32, 4), 0x9abcdef0U);
	wr(test, cfg, PCI_BRIDGE_CONTROL, 2, 0xffff);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_BRIDGE_CONTROL, 2),
			(u32)(PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR |
			      PCI_BRIDGE_CTL_BUS_RESET));
}

/* PM, MSI and PCI Express, each where the chain says. */
static void snap_portcfg_caps(struct kunit *test)
{
	struct snap_cfg *up = snap_test_port(test, &snap_test_up);
	struct snap_cfg *down = snap_test_port(test, &snap_test_down);
	unsigned int exp, msi;

	KUNIT_EXPECT_NE(test, find_cap(test, down, PCI_CAP_ID_PM), 0U);
	msi = find_cap(test, down, PCI_CAP_ID_MSI);
	KUNIT_ASSERT_NE(test, msi, 0U);
	/* 64-bit, one vector (Multiple Message Capable 0), no masking. */
	KUNIT_EXPECT_EQ(test, rd(test, down, msi + PCI_MSI_FLAGS, 2),
			(u32)PCI_MSI_FLAGS_64BIT);
	wr(test, down, msi + PCI_MSI_ADDRESS_LO, 4, 0xfee00003);
	KUNIT_EXPECT_EQ(test, rd(test, down, msi + PCI_MSI_ADDRESS_LO, 4),
			0xfee00000U);
	wr(test, down, msi + PCI_MSI_DATA_64, 2, 0x4021);
	KUNIT_EXPECT_EQ(test, rd(test, down, msi + PCI_MSI_DATA_64, 2), 0x4021U);
	KUNIT_EXPECT_FALSE(test, snap_port_msi_on(down));
	msi_on(test, down);
	KUNIT_EXPECT_TRUE(test, snap_port_msi_on(down));

	exp = find_cap(test, down, PCI_CAP_ID_EXP);
	KUNIT_ASSERT_NE(test, exp, 0U);
	KUNIT_EXPECT_EQ(test, rd(test, down, exp + PCI_EXP_FLAGS, 2),
			(u32)(2 | PCI_EXP_TYPE_DOWNSTREAM << 4 |
			      PCI_EXP_FLAGS_SLOT));
	KUNIT_EXPECT_EQ(test, rd(test, down, exp + PCI_EXP_LNKCAP, 4) >> 24, 3U);
	KUNIT_EXPECT_TRUE(test, rd(test, down, exp + PCI_EXP_LNKCAP, 4) &
			  PCI_EXP_LNKCAP_DLLLARC);

	exp = find_cap(test, up, PCI_CAP_ID_EXP);
	KUNIT_EXPECT_EQ(test, rd(test, up, exp + PCI_EXP_FLAGS, 2),
			(u32)(2 | PCI_EXP_TYPE_UPSTREAM << 4));
	KUNIT_EXPECT_TRUE(test, snap_port_link_up(up));
}

/* The slot pciehp needs: hot-plug, button, power indicator, no wait. */
static void snap_portcfg_slot_caps(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_port(test, &snap_test_down);
	unsigned int exp = find_cap(test, cfg, PCI_CAP_ID_EXP);
	u32 cap = rd(test, cfg, exp + PCI_EXP_SLTCAP, 4);

	KUNIT_EXPECT_TRUE(test, cap & PCI_EXP_SLTCAP_HPC);
	KUNIT_EXPECT_TRUE(test, cap & PCI_EXP_SLTCAP_HPS);
	KUNIT_EXPECT_TRUE(test, cap & PCI_EXP_SLTCAP_ABP);
	KUNIT_EXPECT_TRUE(test, cap & PCI_EXP_SLTCAP_PIP);
	KUNIT_EXPECT_TRUE(test, cap & PCI_EXP_SLTCAP_NCCS);
	KUNIT_EXPECT_FALSE(test, cap & PCI_EXP_SLTCAP_PCP);
	KUNIT_EXPECT_FALSE(test, cap & PCI_EXP_SLTCAP_MRLSP);
	KUNIT_EXPECT_EQ(test, cap >> 19, 3U);
	/* Empty: no presence, no link, indicator off. */
	KUNIT_EXPECT_EQ(test, sltsta(test, cfg), 0U);
	KUNIT_EXPECT_FALSE(test, snap_port_link_up(cfg));
	KUNIT_EXPECT_FALSE(test, snap_port_slot_in_use(cfg));
	/* Power Controller Control and interlock are not there to write. */
	sltctl_set(test, cfg, PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_EIC |
		   PCI_EXP_SLTCTL_PWR_IND_ON);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_SLTCTL, 2),
			(u32)PCI_EXP_SLTCTL_PWR_IND_ON);
	KUNIT_EXPECT_TRUE(test, snap_port_slot_in_use(cfg));
}

/* The port of the static PFs: no slot, its link always up. */
static void snap_portcfg_no_slot(struct kunit *test)
{
	struct snap_port_desc desc = snap_test_down;
	struct snap_cfg *cfg;
	unsigned int exp;

	desc.slot_nr = 0;
	cfg = snap_test_port(test, &desc);
	exp = find_cap(test, cfg, PCI_CAP_ID_EXP);
	KUNIT_EXPECT_FALSE(test, rd(test, cfg, exp + PCI_EXP_FLAGS, 2) &
			   PCI_EXP_FLAGS_SLOT);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, exp + PCI_EXP_SLTCAP, 4), 0U);
	KUNIT_EXPECT_TRUE(test, snap_port_link_up(cfg));
	snap_port_set_present(cfg, true);
	snap_port_press_button(cfg);
	msi_on(test, cfg);
	KUNIT_EXPECT_EQ(test, sltsta(test, cfg), 0U);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));
}

/* pciehp's set-up: link and button events, hot-plug interrupt on. */
#define TEST_SLTCTL	(PCI_EXP_SLTCTL_DLLSCE | PCI_EXP_SLTCTL_ABPE | \
			 PCI_EXP_SLTCTL_HPIE)

/* An adapter in and out: state, latched events, one message each. */
static void snap_portcfg_presence(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_port(test, &snap_test_down);
	u16 sta;

	msi_on(test, cfg);
	sltctl_set(test, cfg, TEST_SLTCTL);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));

	snap_port_set_present(cfg, true);
	sta = sltsta(test, cfg);
	KUNIT_EXPECT_TRUE(test, sta & PCI_EXP_SLTSTA_PDS);
	KUNIT_EXPECT_TRUE(test, sta & PCI_EXP_SLTSTA_PDC);
	KUNIT_EXPECT_TRUE(test, sta & PCI_EXP_SLTSTA_DLLSC);
	KUNIT_EXPECT_TRUE(test, snap_port_link_up(cfg));
	KUNIT_EXPECT_TRUE(test, snap_port_irq_edge(cfg));
	/* Still pending: no second message. */
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));

	/* The handler clears what it read; presence stays. */
	wr(test, cfg, find_cap(test, cfg, PCI_CAP_ID_EXP) + PCI_EXP_SLTSTA, 2,
	   sta);
	KUNIT_EXPECT_EQ(test, sltsta(test, cfg), (u32)PCI_EXP_SLTSTA_PDS);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));

	/* The same state again is no event. */
	snap_port_set_present(cfg, true);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));

	snap_port_set_present(cfg, false);
	sta = sltsta(test, cfg);
	KUNIT_EXPECT_FALSE(test, sta & PCI_EXP_SLTSTA_PDS);
	KUNIT_EXPECT_TRUE(test, sta & PCI_EXP_SLTSTA_DLLSC);
	KUNIT_EXPECT_FALSE(test, snap_port_link_up(cfg));
	KUNIT_EXPECT_TRUE(test, snap_port_irq_edge(cfg));
}

/*
 * PCIe r5.0 6.7.3.4: with MSI, a new message only once every enabled
 * event was cleared; an event not enabled sends nothing.
 */
static void snap_portcfg_irq_rules(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_port(test, &snap_test_down);
	unsigned int sta = find_cap(test, cfg, PCI_CAP_ID_EXP) + PCI_EXP_SLTSTA;

	msi_on(test, cfg);
	/* Presence Detect Changed is not enabled (pciehp with a button). */
	sltctl_set(test, cfg, PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_HPIE);
	snap_port_set_present(cfg, true);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));

	snap_port_press_button(cfg);
	KUNIT_EXPECT_TRUE(test, sltsta(test, cfg) & PCI_EXP_SLTSTA_ABP);
	KUNIT_EXPECT_TRUE(test, snap_port_irq_edge(cfg));
	/* Cleared but PDC, not enabled, stays: the next press sends. */
	wr(test, cfg, sta, 2, PCI_EXP_SLTSTA_ABP);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));
	snap_port_press_button(cfg);
	KUNIT_EXPECT_TRUE(test, snap_port_irq_edge(cfg));

	/* Without Hot-Plug Interrupt Enable nothing is sent... */
	wr(test, cfg, sta, 2, PCI_EXP_SLTSTA_ABP);
	snap_port_irq_edge(cfg);
	sltctl_set(test, cfg, PCI_EXP_SLTCTL_ABPE);
	snap_port_press_button(cfg);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));
	/* ...until it is set with the event still latched. */
	sltctl_set(test, cfg, PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_HPIE);
	KUNIT_EXPECT_TRUE(test, snap_port_irq_edge(cfg));

	/* No message without MSI Enable or Bus Master Enable. */
	wr(test, cfg, sta, 2, PCI_EXP_SLTSTA_ABP);
	snap_port_irq_edge(cfg);
	wr(test, cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	snap_port_press_button(cfg);
	KUNIT_EXPECT_FALSE(test, snap_port_irq_edge(cfg));
}

/* A reset keeps the adapter in its slot, events and settings go. */
static void snap_portcfg_reset(struct kunit *test)
{
	struct snap_cfg *cfg = snap_test_port(test, &snap_test_down);

	msi_on(test, cfg);
	sltctl_set(test, cfg, TEST_SLTCTL);
	wr(test, cfg, PCI_PRIMARY_BUS, 4, 0x00050401);
	snap_port_set_present(cfg, true);
	snap_cfg_reset(cfg);
	KUNIT_EXPECT_EQ(test, sltsta(test, cfg), (u32)PCI_EXP_SLTSTA_PDS);
	KUNIT_EXPECT_TRUE(test, snap_port_link_up(cfg));
	KUNIT_EXPECT_EQ(test, snap_port_secondary(cfg), 0);
	KUNIT_EXPECT_FALSE(test, snap_port_msi_on(cfg));
	KUNIT_EXPECT_FALSE(test, snap_port_slot_in_use(cfg));
}

static void snap_portcfg_init_rejects(struct kunit *test)
{
	struct snap_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	struct snap_port_desc desc = snap_test_up;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cfg);
	desc.slot_nr = 1;
	KUNIT_EXPECT_EQ(test, snap_port_cfg_init(cfg, &desc), -EINVAL);
	KUNIT_EXPECT_EQ(test, rd(test, cfg, PCI_VENDOR_ID, 2), 0U);
	desc = snap_test_down;
	desc.slot_nr = 8192;
	KUNIT_EXPECT_EQ(test, snap_port_cfg_init(cfg, &desc), -EINVAL);
	desc.kind = SNAP_CFG_ENDPOINT;
	desc.slot_nr = 1;
	KUNIT_EXPECT_EQ(test, snap_port_cfg_init(cfg, &desc), -EINVAL);
}

static struct kunit_case snap_portcfg_cases[] = {
	KUNIT_CASE(snap_portcfg_header),
	KUNIT_CASE(snap_portcfg_windows),
	KUNIT_CASE(snap_portcfg_caps),
	KUNIT_CASE(snap_portcfg_slot_caps),
	KUNIT_CASE(snap_portcfg_no_slot),
	KUNIT_CASE(snap_portcfg_presence),
	KUNIT_CASE(snap_portcfg_irq_rules),
	KUNIT_CASE(snap_portcfg_reset),
	KUNIT_CASE(snap_portcfg_init_rejects),
	{}
};

static struct kunit_suite snap_portcfg_suite = {
	.name = "snap_portcfg",
	.test_cases = snap_portcfg_cases,
};

kunit_test_suite(snap_portcfg_suite);
