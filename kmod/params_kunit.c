// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the module parameter rules: every range edge, every
 * out-of-range value and every cross-parameter rule.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "params.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Everything switched on, so each single change tests only its own rule. */
static struct snap_params all_enabled(void)
{
	struct snap_params p = snap_params_defaults;

	p.internal_cpu_model = 1;
	p.sriov_en = 1;
	p.pci_switch_emulation_enable = 1;
	p.nvme_emulation_enable = 1;
	p.virtio_blk_emulation_enable = 1;
	return p;
}

struct edge_case {
	const char *name;
	size_t offset;
	unsigned int max;
};

#define EDGE(f, hi) { #f, offsetof(struct snap_params, f), hi }
static const struct edge_case edges[] = {
	EDGE(internal_cpu_model, 1),
	EDGE(sriov_en, 1),
	EDGE(pci_switch_emulation_enable, 1),
	EDGE(pci_switch_emulation_num_port, 32),
	EDGE(nvme_emulation_enable, 1),
	EDGE(nvme_emulation_num_pf, 2),
	EDGE(nvme_emulation_num_msix, 63),
	EDGE(nvme_emulation_num_vf_msix, 4095),
	EDGE(nvme_emulation_num_vf, 256),
	EDGE(nvme_emulation_max_queue_depth, 12),
	EDGE(virtio_blk_emulation_enable, 1),
	EDGE(virtio_blk_emulation_num_pf, 4),
	EDGE(virtio_blk_emulation_num_msix, 63),
	EDGE(virtio_blk_emulation_num_vf_msix, 4095),
	EDGE(virtio_blk_emulation_num_vf, 2000),
	EDGE(mempool_size_mb, 1024 * 1024),
};

static void set_field(struct snap_params *p, size_t offset, unsigned int v)
{
	*(unsigned int *)((char *)p + offset) = v;
}

static void snap_params_defaults_valid(struct kunit *test)
{
	char msg[SNAP_PARAMS_MSG_LEN] = "";

	KUNIT_EXPECT_EQ(test, snap_params_validate(&snap_params_defaults, msg,
						   sizeof(msg)), 0);
	KUNIT_EXPECT_STREQ(test, msg, "");
}

static void snap_params_max_edges_valid(struct kunit *test)
{
	char msg[SNAP_PARAMS_MSG_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		struct snap_params p = all_enabled();

		set_field(&p, edges[i].offset, edges[i].max);
		KUNIT_EXPECT_EQ_MSG(test, snap_params_validate(&p, msg, sizeof(msg)),
				    0, "%s=%u", edges[i].name, edges[i].max);
	}
}

static void snap_params_above_max_refused(struct kunit *test)
{
	char msg[SNAP_PARAMS_MSG_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		struct snap_params p = all_enabled();

		set_field(&p, edges[i].offset, edges[i].max + 1);
		KUNIT_EXPECT_EQ_MSG(test, snap_params_validate(&p, msg, sizeof(msg)),
				    -ERANGE, "%s", edges[i].name);
		/* The message must name the parameter and its value. */
		KUNIT_EXPECT_TRUE_MSG(test, strstr(msg, edges[i].name) == msg,
				      "%s", msg);
		KUNIT_EXPECT_NOT_NULL(test, strstr(msg, "out of range ["));
	}
}

static void snap_params_messages_exact(struct kunit *test)
{
	struct snap_params p = all_enabled();
	char msg[SNAP_PARAMS_MSG_LEN];

	p.nvme_emulation_num_pf = 3;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -ERANGE);
	KUNIT_EXPECT_STREQ(test, msg, "nvme_emulation_num_pf=3 out of range [0-2]");

	p = all_enabled();
	p.pci_switch_emulation_num_port = 1;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -ERANGE);
	KUNIT_EXPECT_STREQ(test, msg,
			   "pci_switch_emulation_num_port=1 out of range [0,2-32]");

	p = all_enabled();
	p.mempool_size_mb = 63;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -ERANGE);
	KUNIT_EXPECT_STREQ(test, msg, "mempool_size_mb=63 out of range [64-1048576]");
}

static void snap_params_min_edges_valid(struct kunit *test)
{
	struct snap_params p = snap_params_defaults;
	char msg[SNAP_PARAMS_MSG_LEN];

	p.mempool_size_mb = 64;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), 0);
	p = all_enabled();
	p.pci_switch_emulation_num_port = 2;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), 0);
}

static void snap_params_vf_needs_sriov(struct kunit *test)
{
	struct snap_params p = all_enabled();
	char msg[SNAP_PARAMS_MSG_LEN];

	p.sriov_en = 0;
	p.nvme_emulation_num_vf = 4;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "nvme_emulation_num_vf=4 requires sriov_en=1");

	p.nvme_emulation_num_vf = 0;
	p.virtio_blk_emulation_num_vf = 2000;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg,
			   "virtio_blk_emulation_num_vf=2000 requires sriov_en=1");
}

static void snap_params_emulation_needs_internal_cpu(struct kunit *test)
{
	struct snap_params p = all_enabled();
	char msg[SNAP_PARAMS_MSG_LEN];

	p.internal_cpu_model = 0;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg,
			   "nvme_emulation_enable=1 requires internal_cpu_model=1");

	p = snap_params_defaults;
	p.virtio_blk_emulation_enable = 1;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg,
			   "virtio_blk_emulation_enable=1 requires internal_cpu_model=1");
}

static void snap_params_pf_needs_enable(struct kunit *test)
{
	struct snap_params p = all_enabled();
	char msg[SNAP_PARAMS_MSG_LEN];

	p.nvme_emulation_enable = 0;
	p.nvme_emulation_num_pf = 1;
	KUNIT_EXPECT_EQ(test, snap_params_validate(&p, msg, sizeof(msg)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg,
			   "nvme_emulation_num_pf=1 requires nvme_emulation_enable=1");
}

static void snap_params_derived_values(struct kunit *test)
{
	struct snap_params p = all_enabled();

	KUNIT_EXPECT_EQ(test, snap_params_nvme_max_queue_size(&p), 64U);
	p.nvme_emulation_max_queue_depth = 12;
	KUNIT_EXPECT_EQ(test, snap_params_nvme_max_queue_size(&p), 4096U);
	KUNIT_EXPECT_EQ(test, snap_params_hotplug_pfs(&p), 0U);
	p.pci_switch_emulation_num_port = 32;
	KUNIT_EXPECT_EQ(test, snap_params_hotplug_pfs(&p), 31U);
	p.pci_switch_emulation_enable = 0;
	KUNIT_EXPECT_EQ(test, snap_params_hotplug_pfs(&p), 0U);
}

/* 0 MSI-X vectors is never what a function gets: no host could use it. */
static void snap_params_msix_best_effort(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, snap_params_num_msix(0), SNAP_DEFAULT_NUM_MSIX);
	KUNIT_EXPECT_EQ(test, snap_params_num_msix(1), 1U);
	KUNIT_EXPECT_EQ(test, snap_params_num_msix(63), 63U);
	KUNIT_EXPECT_EQ(test, snap_params_num_msix(4095), 4095U);
	KUNIT_EXPECT_GE(test, SNAP_DEFAULT_NUM_MSIX, 2);
	KUNIT_EXPECT_LE(test, SNAP_DEFAULT_NUM_MSIX, 63);
}

static struct kunit_case snap_params_cases[] = {
	KUNIT_CASE(snap_params_defaults_valid),
	KUNIT_CASE(snap_params_max_edges_valid),
	KUNIT_CASE(snap_params_min_edges_valid),
	KUNIT_CASE(snap_params_above_max_refused),
	KUNIT_CASE(snap_params_messages_exact),
	KUNIT_CASE(snap_params_vf_needs_sriov),
	KUNIT_CASE(snap_params_emulation_needs_internal_cpu),
	KUNIT_CASE(snap_params_pf_needs_enable),
	KUNIT_CASE(snap_params_derived_values),
	KUNIT_CASE(snap_params_msix_best_effort),
	{}
};

static struct kunit_suite snap_params_suite = {
	.name = "snap_params",
	.test_cases = snap_params_cases,
};

kunit_test_suite(snap_params_suite);

MODULE_DESCRIPTION("KUnit tests for snap module parameters");
MODULE_LICENSE("GPL");
