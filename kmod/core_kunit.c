// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the registry's rules between objects: uniqueness, no
 * sharing of a bdev, nsid allocation and limits, and what "in use" and
 * "force" mean for destroy. They run against the module's live registry,
 * so each case removes what it made. Cases hold snap_lock from start to
 * end and use only EXPECT: an ASSERT would end the case's thread with the
 * lock held.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "datapath.h"
#include "snap.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define TEST_NQN "nqn.2023-05.io.snap.kunit:0"

/* An EXPECT that also tells the case whether it may go on. */
static bool ok(struct kunit *test, int ret)
{
	KUNIT_EXPECT_EQ(test, ret, 0);
	return ret == 0;
}

static struct snap_bdev *make_bdev_of(struct kunit *test, const char *name,
				      u8 type)
{
	struct snap_bdev_cfg cfg = {
		.name = name, .type = type,
		.num_blocks = 8192, .block_size = 4096,
	};
	struct snap_bdev *bdev = NULL;

	KUNIT_EXPECT_EQ(test, snap_bdev_create(&cfg, &bdev, NULL), 0);
	return bdev;
}

static struct snap_bdev *make_bdev(struct kunit *test, const char *name)
{
	return make_bdev_of(test, name, SNAP_BDEV_MALLOC);
}

static struct snap_subsys *make_subsys(struct kunit *test, u32 nn, u32 mnan)
{
	struct snap_subsys_cfg cfg = { .nqn = TEST_NQN, .nn = nn, .mnan = mnan };
	struct snap_subsys *subsys = NULL;

	KUNIT_EXPECT_EQ(test, snap_subsys_create(&cfg, &subsys, NULL), 0);
	return subsys;
}

static int make_ns(const char *bdev, u32 nsid, struct snap_ns **ns)
{
	struct snap_ns_cfg cfg = { .nqn = TEST_NQN, .nsid = nsid, .bdev = bdev };

	return snap_ns_create(&cfg, ns, NULL);
}

/* Whatever a case left behind goes, so the next one starts clean. */
static void snap_core_cleanup_unlock(void)
{
	static const char *const bdevs[] = { "kb0", "kb1", "kb2" };
	struct snap_subsys *subsys = snap_subsys_find(TEST_NQN);
	struct snap_bdev *bdev;
	size_t i;

	if (subsys)
		snap_subsys_destroy(subsys, true, NULL);
	for (i = 0; i < ARRAY_SIZE(bdevs); i++) {
		bdev = snap_bdev_find(bdevs[i]);
		if (bdev)
			snap_bdev_destroy(bdev, true, NULL);
	}
	snap_unlock();
}

static void snap_core_bdev_rules_locked(struct kunit *test)
{
	struct snap_bdev_cfg cfg = {
		.name = "kb0", .type = SNAP_BDEV_NULL,
		.num_blocks = 1, .block_size = 512,
	};
	struct snap_bdev *bdev;

	make_bdev(test, "kb0");
	KUNIT_EXPECT_EQ(test, snap_bdev_create(&cfg, &bdev, NULL), -EEXIST);

	cfg.name = "kb1";
	cfg.block_size = 1000;
	KUNIT_EXPECT_EQ(test, snap_bdev_create(&cfg, &bdev, NULL), -EINVAL);
	cfg.block_size = 512;
	cfg.num_blocks = 0;
	KUNIT_EXPECT_EQ(test, snap_bdev_create(&cfg, &bdev, NULL), -EINVAL);

	/* Malloc bdevs together: at most half of RAM. */
	cfg.type = SNAP_BDEV_MALLOC;
	cfg.num_blocks = ((u64)totalram_pages() << PAGE_SHIFT) / 2 / 512;
	KUNIT_EXPECT_EQ(test, snap_bdev_create(&cfg, &bdev, NULL), -ENOMEM);
	KUNIT_EXPECT_NULL(test, snap_bdev_find("kb1"));
	cfg.num_blocks = 1;

	cfg.type = SNAP_BDEV_URING;
	cfg.filename = "relative/path";
	KUNIT_EXPECT_EQ(test, snap_bdev_create(&cfg, &bdev, NULL), -EINVAL);
	cfg.filename = "/dev/null";
	if (!ok(test, snap_bdev_create(&cfg, &bdev, NULL)))
		return;
	KUNIT_EXPECT_PTR_EQ(test, snap_bdev_find("kb1"), bdev);
	KUNIT_EXPECT_EQ(test, bdev->block_size, 512U);
}

static void snap_core_nsid_allocation_locked(struct kunit *test)
{
	struct snap_ns *ns1, *ns3, *ns;

	make_bdev(test, "kb0");
	make_bdev(test, "kb1");
	make_bdev(test, "kb2");
	make_subsys(test, 8, 0);

	if (!ok(test, make_ns("kb0", 0, &ns1)))
		return;
	KUNIT_EXPECT_EQ(test, ns1->nsid, 1U);
	if (!ok(test, make_ns("kb1", 3, &ns3)))
		return;
	/* nsid unique in its subsystem */
	KUNIT_EXPECT_EQ(test, make_ns("kb2", 3, &ns), -EEXIST);
	/* the same namespace again: it exists, though its bdev is in use */
	KUNIT_EXPECT_EQ(test, make_ns("kb1", 3, &ns), -EEXIST);
	/* outside 1..nn */
	KUNIT_EXPECT_EQ(test, make_ns("kb2", 9, &ns), -ERANGE);
	/* lowest free nsid fills the gap */
	if (!ok(test, make_ns("kb2", 0, &ns)))
		return;
	KUNIT_EXPECT_EQ(test, ns->nsid, 2U);
	KUNIT_EXPECT_PTR_EQ(test, snap_ns_find(snap_subsys_find(TEST_NQN), 3), ns3);
}

static void snap_core_bdev_not_shared_locked(struct kunit *test)
{
	struct snap_ns *ns;

	make_bdev(test, "kb0");
	make_subsys(test, 0, 0);
	if (!ok(test, make_ns("kb0", 1, &ns)))
		return;
	KUNIT_EXPECT_EQ(test, make_ns("kb0", 2, &ns), -EBUSY);
	KUNIT_EXPECT_EQ(test, make_ns("nosuch", 2, &ns), -ENOENT);
}

static void snap_core_mnan_limit_locked(struct kunit *test)
{
	struct snap_ns *ns;

	make_bdev(test, "kb0");
	make_bdev(test, "kb1");
	make_subsys(test, 4, 1);
	if (!ok(test, make_ns("kb0", 0, &ns)))
		return;
	KUNIT_EXPECT_EQ(test, make_ns("kb1", 0, &ns), -E2BIG);
	/* the namespace that filled it, again: it exists */
	KUNIT_EXPECT_EQ(test, make_ns("kb0", 1, &ns), -EEXIST);
}

static void snap_core_destroy_in_use_locked(struct kunit *test)
{
	struct snap_subsys *subsys;
	struct snap_bdev *bdev;
	struct snap_ns *ns;

	bdev = make_bdev(test, "kb0");
	subsys = make_subsys(test, 0, 0);
	if (!bdev || !subsys || !ok(test, make_ns("kb0", 1, &ns)))
		return;

	KUNIT_EXPECT_EQ(test, snap_bdev_destroy(bdev, false, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, snap_subsys_destroy(subsys, false, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, subsys->num_ns, 1U);

	/* force on the bdev takes its namespace with it */
	KUNIT_EXPECT_EQ(test, snap_bdev_destroy(bdev, true, NULL), 0);
	KUNIT_EXPECT_NULL(test, snap_bdev_find("kb0"));
	KUNIT_EXPECT_EQ(test, subsys->num_ns, 0U);
	KUNIT_EXPECT_NULL(test, snap_ns_find(subsys, 1));

	/* an empty subsystem goes without force */
	KUNIT_EXPECT_EQ(test, snap_subsys_destroy(subsys, false, NULL), 0);
	KUNIT_EXPECT_NULL(test, snap_subsys_find(TEST_NQN));
}

/* Null bdevs only; one in use grows but does not shrink. */
static void snap_core_bdev_resize_locked(struct kunit *test)
{
	struct snap_bdev *mem, *null;
	struct snap_ns *ns;

	mem = make_bdev(test, "kb0");
	null = make_bdev_of(test, "kb1", SNAP_BDEV_NULL);
	if (!mem || !null)
		return;
	KUNIT_EXPECT_EQ(test, snap_bdev_resize(mem, 16384, NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mem->num_blocks, 8192ULL);
	KUNIT_EXPECT_EQ(test, snap_bdev_resize(null, 0, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, snap_bdev_resize(null, U64_MAX / 4096 + 1, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, null->num_blocks, 8192ULL);
	KUNIT_EXPECT_EQ(test, snap_bdev_resize(null, 4096, NULL), 0);
	KUNIT_EXPECT_EQ(test, null->num_blocks, 4096ULL);

	make_subsys(test, 0, 0);
	if (!ok(test, make_ns("kb1", 1, &ns)))
		return;
	KUNIT_EXPECT_EQ(test, snap_bdev_resize(null, 2048, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, null->num_blocks, 4096ULL);
	KUNIT_EXPECT_EQ(test, snap_bdev_resize(null, 65536, NULL), 0);
	KUNIT_EXPECT_EQ(test, null->num_blocks, 65536ULL);
}

static void snap_core_subsys_rules_locked(struct kunit *test)
{
	struct snap_subsys_cfg cfg = { .nqn = TEST_NQN };
	struct snap_subsys *subsys;

	subsys = make_subsys(test, 0, 0);
	if (!subsys)
		return;
	KUNIT_EXPECT_EQ(test, subsys->nn, 1024U);
	KUNIT_EXPECT_EQ(test, subsys->mnan, 1024U);
	KUNIT_EXPECT_EQ(test, strncmp(subsys->serial, "SNAP", 4), 0);
	KUNIT_EXPECT_EQ(test, snap_subsys_create(&cfg, &subsys, NULL), -EEXIST);

	cfg.nqn = "not-an-nqn";
	KUNIT_EXPECT_EQ(test, snap_subsys_create(&cfg, &subsys, NULL), -EINVAL);
	cfg.nqn = "nqn.2023-05.io.snap.kunit:1";
	cfg.nn = 4;
	cfg.mnan = 5;
	KUNIT_EXPECT_EQ(test, snap_subsys_create(&cfg, &subsys, NULL), -ERANGE);
	KUNIT_EXPECT_NULL(test, snap_subsys_find(cfg.nqn));
}

/*
 * Object counts are bounded by their id spaces: with every id taken (by
 * the case itself, faster than thousands of objects), a create is refused
 * with ENOSPC and leaves nothing behind.
 */
struct taken_ids {
	struct ida *ida;
	int *ids;
	int n;
};

static bool take_all_ids(struct kunit *test, struct taken_ids *t,
			 struct ida *ida, u32 max)
{
	int id;

	t->ida = ida;
	t->n = 0;
	t->ids = kunit_kcalloc(test, max, sizeof(*t->ids), GFP_KERNEL);
	if (!t->ids)
		return false;
	while ((id = ida_alloc_range(ida, 1, max, GFP_KERNEL)) >= 0)
		t->ids[t->n++] = id;
	return t->n > 0;
}

static void give_back_ids(struct taken_ids *t)
{
	while (t->n)
		ida_free(t->ida, t->ids[--t->n]);
}

static void snap_core_object_limits_locked(struct kunit *test)
{
	struct snap_subsys_cfg scfg = { .nqn = "nqn.2023-05.io.snap.kunit:1" };
	struct snap_bdev_cfg bcfg = {
		.name = "kb2", .type = SNAP_BDEV_NULL,
		.num_blocks = 8, .block_size = 512,
	};
	struct snap_subsys *subsys;
	struct snap_bdev *bdev;
	struct taken_ids t;
	struct snap_ns *ns;

	make_bdev_of(test, "kb0", SNAP_BDEV_NULL);
	if (!make_subsys(test, 4, 4))
		return;

	/* EXPECT, not ASSERT: snap_lock is held (see the top of the file). */
	KUNIT_EXPECT_TRUE(test, take_all_ids(test, &t, &snap_emu.bdev_ida, SNAP_BDEVS_MAX));
	if (t.n) {
		KUNIT_EXPECT_EQ(test, snap_bdev_create(&bcfg, &bdev, NULL), -ENOSPC);
		KUNIT_EXPECT_NULL(test, snap_bdev_find("kb2"));
	}
	give_back_ids(&t);
	KUNIT_EXPECT_TRUE(test, take_all_ids(test, &t, &snap_emu.subsys_ida,
					     SNAP_SUBSYSTEMS_MAX));
	if (t.n) {
		KUNIT_EXPECT_EQ(test, snap_subsys_create(&scfg, &subsys, NULL), -ENOSPC);
		KUNIT_EXPECT_NULL(test, snap_subsys_find(scfg.nqn));
	}
	give_back_ids(&t);
	KUNIT_EXPECT_TRUE(test, take_all_ids(test, &t, &snap_emu.ns_ida,
					     SNAP_NAMESPACES_MAX));
	if (t.n)
		KUNIT_EXPECT_EQ(test, make_ns("kb0", 1, &ns), -ENOSPC);
	give_back_ids(&t);
	KUNIT_EXPECT_EQ(test, make_ns("kb0", 1, &ns), 0);
}

/*
 * A namespace created again under a (nqn, nsid) that had one, on other
 * data, gets another derived uuid (its NGUID), so a host can tell; even
 * once its subsystem was destroyed and created again.
 */
static void snap_core_ns_uuid_recreated_locked(struct kunit *test)
{
	u8 first[SNAP_UUID_LEN], second[SNAP_UUID_LEN];
	struct snap_ns *ns;

	make_bdev(test, "kb0");
	make_bdev(test, "kb1");
	make_bdev(test, "kb2");
	make_subsys(test, 8, 0);
	if (!ok(test, make_ns("kb0", 1, &ns)))
		return;
	memcpy(first, ns->uuid, sizeof(first));
	if (!ok(test, snap_ns_destroy(ns, false, NULL)) ||
	    !ok(test, make_ns("kb1", 1, &ns)))
		return;
	memcpy(second, ns->uuid, sizeof(second));
	KUNIT_EXPECT_NE(test, memcmp(first, second, sizeof(first)), 0);

	snap_subsys_destroy(snap_subsys_find(TEST_NQN), true, NULL);
	make_subsys(test, 8, 0);
	if (!ok(test, make_ns("kb2", 1, &ns)))
		return;
	KUNIT_EXPECT_NE(test, memcmp(first, ns->uuid, sizeof(first)), 0);
	KUNIT_EXPECT_NE(test, memcmp(second, ns->uuid, sizeof(second)), 0);
}

/*
 * bdev-stats-get's view: zeros until the daemon maps the counters, then
 * each counter it wrote, and reserved fields as 0 whatever the page holds.
 */
static void snap_core_bdev_stats_locked(struct kunit *test)
{
	struct snap_bdev *bdev = make_bdev_of(test, "kb0", SNAP_BDEV_NULL);
	struct snap_bdev_stats got, *page;

	if (!bdev)
		return;
	memset(&got, 0xff, sizeof(got));
	snap_dp_bdev_stats(bdev, &got);
	KUNIT_EXPECT_NULL(test, memchr_inv(&got, 0, sizeof(got)));

	/* What a mapping allocates, and the daemon fills; freed with the bdev. */
	page = vmalloc_user(sizeof(*page));
	if (!page)
		return;
	page->io.read_ops = 3;
	page->io.errors = 1;
	page->min_unmap_lat_ns = 7;
	page->reserved[ARRAY_SIZE(page->reserved) - 1] = U64_MAX;
	bdev->stats = page;
	snap_dp_bdev_stats(bdev, &got);
	KUNIT_EXPECT_EQ(test, got.io.read_ops, 3ULL);
	KUNIT_EXPECT_EQ(test, got.io.errors, 1ULL);
	KUNIT_EXPECT_EQ(test, got.min_unmap_lat_ns, 7ULL);
	KUNIT_EXPECT_EQ(test, got.reserved[ARRAY_SIZE(got.reserved) - 1], 0ULL);
}

static void snap_core_bdev_stats(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_bdev_stats_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_ns_uuid_recreated(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_ns_uuid_recreated_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_bdev_rules(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_bdev_rules_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_nsid_allocation(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_nsid_allocation_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_bdev_not_shared(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_bdev_not_shared_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_mnan_limit(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_mnan_limit_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_destroy_in_use(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_destroy_in_use_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_bdev_resize(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_bdev_resize_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_subsys_rules(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_subsys_rules_locked(test);
	snap_core_cleanup_unlock();
}

static void snap_core_object_limits(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_object_limits_locked(test);
	snap_core_cleanup_unlock();
}

static struct kunit_case snap_core_cases[] = {
	KUNIT_CASE(snap_core_bdev_rules),
	KUNIT_CASE(snap_core_nsid_allocation),
	KUNIT_CASE(snap_core_bdev_not_shared),
	KUNIT_CASE(snap_core_mnan_limit),
	KUNIT_CASE(snap_core_destroy_in_use),
	KUNIT_CASE(snap_core_bdev_resize),
	KUNIT_CASE(snap_core_subsys_rules),
	KUNIT_CASE(snap_core_object_limits),
	KUNIT_CASE(snap_core_ns_uuid_recreated),
	KUNIT_CASE(snap_core_bdev_stats),
	{}
};

static struct kunit_suite snap_core_suite = {
	.name = "snap_core",
	.test_cases = snap_core_cases,
};

kunit_test_suite(snap_core_suite);
