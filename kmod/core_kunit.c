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
#include "provider.h"
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

/*
 * ---- hot-plug PFs ----
 *
 * A provider with three slots stands in for the real one, whose other
 * ops it keeps, and the parameters turn the switch on while a case runs.
 * Its host lets a function go as soon as the unplug is requested.
 */
#define KT_SLOTS	3

static struct {
	const struct snap_provider_ops *real;
	struct snap_provider_ops ops;
	struct snap_params params;
	u32 slot_func[KT_SLOTS];	/* function id, 0: free */
	u8 state[KT_SLOTS];
	unsigned int removed;
} kt_hp;

/* The slot of function @id (0: a free slot), or -1. */
static int kt_slot_of(u32 id)
{
	int i;

	for (i = 0; i < KT_SLOTS; i++)
		if (kt_hp.slot_func[i] == id)
			return i;
	return -1;
}

static int kt_slot(const struct snap_func *func)
{
	return kt_slot_of(func->id);
}

static int kt_hotplug_add(struct snap_func *func, struct netlink_ext_ack *extack)
{
	int i = kt_slot_of(0);

	if (i < 0)
		return -ENOSPC;
	kt_hp.slot_func[i] = func->id;
	kt_hp.state[i] = SNAP_HOTPLUG_UNPLUGGED;
	return 0;
}

static int kt_hotplug_set(struct snap_func *func, u8 state,
			  struct netlink_ext_ack *extack)
{
	kt_hp.state[kt_slot(func)] = state == SNAP_HOTPLUG_PLUGGED ?
				     SNAP_HOTPLUG_PLUGGED : SNAP_HOTPLUG_RELEASED;
	return 0;
}

static void kt_hotplug_info(const struct snap_func *func,
			    struct snap_hotplug_info *info)
{
	int i = kt_slot(func);

	memset(info, 0, sizeof(*info));
	if (i >= 0) {
		info->state = kt_hp.state[i];
		info->port = i + 2;
	}
}

static void kt_hotplug_remove(struct snap_func *func)
{
	kt_hp.slot_func[kt_slot(func)] = 0;
	kt_hp.removed++;
}

static void kt_hp_begin(void)
{
	memset(kt_hp.slot_func, 0, sizeof(kt_hp.slot_func));
	kt_hp.removed = 0;
	kt_hp.real = snap_provider;
	kt_hp.ops = *kt_hp.real;
	kt_hp.ops.hotplug_add = kt_hotplug_add;
	kt_hp.ops.hotplug_set = kt_hotplug_set;
	kt_hp.ops.hotplug_info = kt_hotplug_info;
	kt_hp.ops.hotplug_remove = kt_hotplug_remove;
	kt_hp.params = snap_params;
	snap_params.pci_switch_emulation_enable = 1;
	snap_params.pci_switch_emulation_num_port = KT_SLOTS + 1;
	WRITE_ONCE(snap_provider, &kt_hp.ops);
}

/* Whatever hot-plug PF a case left goes, then the real provider is back. */
static void kt_hp_end(void)
{
	struct snap_func *func, *tmp;

	list_for_each_entry_safe(func, tmp, &snap_emu.funcs, node)
		if (func->kind == SNAP_FUNC_HOTPLUG_PF)
			snap_hotplug_pf_destroy(func, true, NULL);
	WRITE_ONCE(snap_provider, kt_hp.real);
	snap_params = kt_hp.params;
}

static struct snap_func *kt_hp_new(struct kunit *test, u8 type, bool plug)
{
	struct snap_hotplug_cfg cfg = { .type = type, .plug = plug };
	struct snap_func *func = NULL;

	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_create(&cfg, &func, NULL), 0);
	return func;
}

static u32 kt_static_pfs(u8 type)
{
	return type == SNAP_FUNC_NVME ? snap_params.nvme_emulation_num_pf :
	       snap_params.virtio_blk_emulation_num_pf;
}

static void snap_core_hotplug_numbers_locked(struct kunit *test)
{
	u32 nvme0 = kt_static_pfs(SNAP_FUNC_NVME);
	struct snap_hotplug_cfg cfg = { .type = SNAP_FUNC_NVME };
	struct snap_func *a, *b, *c, *v, *func = NULL;
	u32 funcs = snap_emu.num_funcs, b_pf;

	/* Without the switch, no hot-plug PF. */
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_create(&cfg, &func, NULL), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, snap_emu.num_funcs, funcs);

	kt_hp_begin();
	a = kt_hp_new(test, SNAP_FUNC_NVME, true);
	b = kt_hp_new(test, SNAP_FUNC_NVME, false);
	c = kt_hp_new(test, SNAP_FUNC_NVME, false);
	if (!a || !b || !c)
		return;
	/* Numbered after the static PFs of the type, as in SNAP. */
	KUNIT_EXPECT_EQ(test, a->pf_id, nvme0);
	KUNIT_EXPECT_EQ(test, b->pf_id, nvme0 + 1);
	KUNIT_EXPECT_EQ(test, c->pf_id, nvme0 + 2);
	KUNIT_EXPECT_EQ(test, a->kind, SNAP_FUNC_HOTPLUG_PF);
	KUNIT_EXPECT_EQ(test, a->vf_id, -1);
	KUNIT_EXPECT_EQ(test, kt_hp.state[kt_slot(a)], SNAP_HOTPLUG_PLUGGED);
	KUNIT_EXPECT_EQ(test, kt_hp.state[kt_slot(b)], SNAP_HOTPLUG_UNPLUGGED);
	KUNIT_EXPECT_EQ(test, snap_emu.num_funcs, funcs + 3);

	/* A fourth finds no slot and leaves nothing behind. */
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_create(&cfg, &func, NULL), -ENOSPC);
	KUNIT_EXPECT_EQ(test, snap_emu.num_funcs, funcs + 3);

	/* The lowest free number is taken again; each type counts its own. */
	b_pf = b->pf_id;
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(b, false, NULL), 0);
	KUNIT_EXPECT_EQ(test, kt_hp.removed, 1U);
	v = kt_hp_new(test, SNAP_FUNC_VIRTIO_BLK, false);
	if (v)
		KUNIT_EXPECT_EQ(test, v->pf_id, kt_static_pfs(SNAP_FUNC_VIRTIO_BLK));
	if (v)
		KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(v, false, NULL), 0);
	/*
	 * Not before the folder named after it is gone, at snap_unlock(), nor
	 * the number of the refused fourth.
	 */
	b = kt_hp_new(test, SNAP_FUNC_NVME, false);
	if (b)
		KUNIT_EXPECT_EQ(test, b->pf_id, nvme0 + 4);
	snap_unlock();
	mutex_lock(&snap_lock);
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(b, false, NULL), 0);
	b = kt_hp_new(test, SNAP_FUNC_NVME, false);
	if (b)
		KUNIT_EXPECT_EQ(test, b->pf_id, b_pf);
}

static void snap_core_hotplug_refusals_locked(struct kunit *test)
{
	struct snap_ctrl_cfg ccfg = {
		.name = "KtHpCtrl", .type = SNAP_FUNC_NVME, .nqn = TEST_NQN,
	};
	struct snap_ctrl *ctrl = NULL;
	struct snap_func *func, *hp;

	/* Static PFs and VFs stay while the module is loaded. */
	list_for_each_entry(func, &snap_emu.funcs, node) {
		KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(func, true, NULL), -EINVAL);
		KUNIT_EXPECT_EQ(test, snap_hotplug_pf_set(func, SNAP_HOTPLUG_PLUGGED, NULL),
				-EINVAL);
		break;
	}

	kt_hp_begin();
	hp = kt_hp_new(test, SNAP_FUNC_NVME, true);
	if (!hp || !make_subsys(test, 0, 0))
		return;
	/* Only plugging and the unplug request are asked for. */
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_set(hp, SNAP_HOTPLUG_UNPLUGGED, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_set(hp, SNAP_HOTPLUG_RELEASED, NULL), -EINVAL);
	/* Plugged: the host has it. */
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(hp, false, NULL), -EBUSY);

	ccfg.func.vuid = hp->vuid;
	if (!ok(test, snap_ctrl_create(&ccfg, &ctrl, NULL)))
		return;
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_set(hp, SNAP_HOTPLUG_UNPLUG_REQUESTED, NULL), 0);
	KUNIT_EXPECT_EQ(test, kt_hp.state[kt_slot(hp)], SNAP_HOTPLUG_RELEASED);
	/* Released, but its controller is still there. */
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(hp, false, NULL), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, snap_ctrl_find("KtHpCtrl", SNAP_FUNC_NVME), ctrl);
	/* Force takes the controller with it. */
	KUNIT_EXPECT_EQ(test, snap_hotplug_pf_destroy(hp, true, NULL), 0);
	KUNIT_EXPECT_NULL(test, snap_ctrl_find("KtHpCtrl", SNAP_FUNC_NVME));
	KUNIT_EXPECT_EQ(test, kt_hp.removed, 1U);
}

static void snap_core_hotplug_numbers(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_hotplug_numbers_locked(test);
	if (snap_provider == &kt_hp.ops)
		kt_hp_end();
	snap_core_cleanup_unlock();
}

static void snap_core_hotplug_refusals(struct kunit *test)
{
	mutex_lock(&snap_lock);
	snap_core_hotplug_refusals_locked(test);
	if (snap_provider == &kt_hp.ops)
		kt_hp_end();
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
	KUNIT_CASE(snap_core_hotplug_numbers),
	KUNIT_CASE(snap_core_hotplug_refusals),
	{}
};

static struct kunit_suite snap_core_suite = {
	.name = "snap_core",
	.test_cases = snap_core_cases,
};

kunit_test_suite(snap_core_suite);
