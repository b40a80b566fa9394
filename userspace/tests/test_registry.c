// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's object mirror: messages as the kernel sends them (built
 * with libnl and parsed with the same policy the daemon uses) must add,
 * replace and remove mirrored objects, and notify each change once.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "../snap_service/registry.h"
#include "nl.h"

struct seen {
	int count;
	enum reg_kind kind;
	enum reg_change change;
	char name[SNAP_NAME_MAX];
};

static void record(void *arg, enum reg_kind kind, enum reg_change change,
		   void *obj)
{
	struct seen *s = arg;

	s->count++;
	s->kind = kind;
	s->change = change;
	if (kind == REG_BDEV)
		strcpy(s->name, ((struct reg_bdev *)obj)->name);
	else if (kind == REG_CTRL)
		strcpy(s->name, ((struct reg_ctrl *)obj)->name);
	else if (kind == REG_FUNC)
		strcpy(s->name, ((struct reg_func *)obj)->vuid);
	else
		s->name[0] = '\0';
}

/* The last notification was the count-th, of that kind and change. */
static void expect_seen(const struct seen *s, int count, enum reg_kind kind,
			enum reg_change change)
{
	assert_int_equal(s->count, count);
	assert_int_equal(s->kind, kind);
	assert_int_equal(s->change, change);
}

/* Builds the attributes in msg, parses them into tb with snap_policy. */
static void parse(struct nl_msg *msg, struct nlattr **tb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	assert_int_equal(nla_parse(tb, SNAP_A_MAX, nlmsg_attrdata(nlh, 0),
				   nlmsg_attrlen(nlh, 0), snap_policy), 0);
}

static int apply(struct registry *r, uint8_t cmd, struct nl_msg *msg)
{
	struct nlattr *tb[SNAP_A_MAX + 1];
	int ret;

	parse(msg, tb);
	ret = registry_apply(r, cmd, tb);
	nlmsg_free(msg);
	return ret;
}

static struct nl_msg *bdev_msg(const char *name, uint64_t blocks, bool ready,
			       const char *filename)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	nla_put_u32(msg, SNAP_A_ID, 7);
	nla_put_string(msg, SNAP_A_NAME, name);
	nla_put_u8(msg, SNAP_A_BDEV_TYPE, SNAP_BDEV_URING);
	nla_put_u64(msg, SNAP_A_NUM_BLOCKS, blocks);
	nla_put_u32(msg, SNAP_A_BLOCK_SIZE, 4096);
	nla_put_u8(msg, SNAP_A_READY, ready);
	if (filename)
		nla_put_string(msg, SNAP_A_FILENAME, filename);
	return msg;
}

static void test_bdev_add_change_remove(void **state)
{
	struct seen seen = { 0 };
	struct registry r;
	struct reg_bdev *b;

	(void)state;
	registry_init(&r, record, &seen);
	assert_int_equal(apply(&r, SNAP_CMD_BDEV_NEW, bdev_msg("u0", 256, false, "/dev/vdb")), 0);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.change, REG_ADDED);
	b = registry_bdev(&r, "u0");
	assert_non_null(b);
	assert_int_equal(b->type, SNAP_BDEV_URING);
	assert_int_equal(b->num_blocks, 256);
	assert_string_equal(b->filename, "/dev/vdb");
	assert_false(b->ready);

	/* A SET replaces: the file name it no longer carries is gone. */
	assert_int_equal(apply(&r, SNAP_CMD_BDEV_SET, bdev_msg("u0", 512, true, NULL)), 0);
	assert_int_equal(seen.count, 2);
	assert_int_equal(seen.change, REG_CHANGED);
	assert_ptr_equal(registry_bdev(&r, "u0"), b);
	assert_int_equal(b->num_blocks, 512);
	assert_true(b->ready);
	assert_null(b->filename);

	assert_int_equal(apply(&r, SNAP_CMD_BDEV_DEL, bdev_msg("u0", 0, false, NULL)), 0);
	assert_int_equal(seen.count, 3);
	assert_int_equal(seen.change, REG_REMOVED);
	assert_string_equal(seen.name, "u0");
	assert_null(registry_bdev(&r, "u0"));

	/* Deleting what is not mirrored is not an error and says nothing. */
	assert_int_equal(apply(&r, SNAP_CMD_BDEV_DEL, bdev_msg("u0", 0, false, NULL)), 0);
	assert_int_equal(seen.count, 3);
	registry_free(&r);
}

/*
 * A bdev the daemon failed to open stays failed through status reports
 * (its own error coming back): only another definition is tried again.
 */
static void test_failed_open_waits_for_a_new_definition(void **state)
{
	struct seen seen = { 0 };
	struct registry r;
	struct reg_bdev *b;
	struct nl_msg *msg;

	(void)state;
	registry_init(&r, record, &seen);
	assert_int_equal(apply(&r, SNAP_CMD_BDEV_NEW, bdev_msg("u0", 256, false, "/no/file")), 0);
	b = registry_bdev(&r, "u0");
	b->open_failed = true;

	msg = bdev_msg("u0", 256, false, "/no/file");
	nla_put_string(msg, SNAP_A_ERROR, "/no/file: No such file or directory");
	assert_int_equal(apply(&r, SNAP_CMD_BDEV_SET, msg), 0);
	assert_int_equal(seen.change, REG_CHANGED);
	assert_true(b->open_failed);

	assert_int_equal(apply(&r, SNAP_CMD_BDEV_SET, bdev_msg("u0", 256, false, "/dev/vdb")), 0);
	assert_false(b->open_failed);

	b->open_failed = true;
	msg = bdev_msg("u0", 256, false, "/dev/vdb");
	nla_put_string(msg, SNAP_A_BDEV_ARGS, "k=v");
	assert_int_equal(apply(&r, SNAP_CMD_BDEV_SET, msg), 0);
	assert_false(b->open_failed);
	registry_free(&r);
}

static void test_missing_key_refused(void **state)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct registry r;

	(void)state;
	registry_init(&r, NULL, NULL);
	nla_put_u32(msg, SNAP_A_NUM_QUEUES, 4);
	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_NEW, msg), -EINVAL);
	assert_null(r.ctrls);

	msg = nlmsg_alloc();
	nla_put_string(msg, SNAP_A_NQN, "nqn.x");
	assert_int_equal(apply(&r, SNAP_CMD_NS_NEW, msg), -EINVAL);
	assert_null(r.namespaces);
	registry_free(&r);
}

static struct nl_msg *ns_msg(const char *nqn, uint32_t nsid, const char *ctrl)
{
	struct nl_msg *msg = nlmsg_alloc();
	uint8_t uuid[SNAP_UUID_LEN];

	memset(uuid, 0xab, sizeof(uuid));
	nla_put_u32(msg, SNAP_A_ID, 3);
	nla_put_string(msg, SNAP_A_NQN, nqn);
	nla_put_u32(msg, SNAP_A_NSID, nsid);
	nla_put_string(msg, SNAP_A_BDEV_NAME, "Malloc0");
	nla_put(msg, SNAP_A_UUID, SNAP_UUID_LEN, uuid);
	nla_put_u8(msg, SNAP_A_READY, 1);
	if (ctrl)
		nla_put_string(msg, SNAP_A_CTRL_NAME, ctrl);
	return msg;
}

static void test_ns_attach_detach(void **state)
{
	struct registry r;
	struct reg_ns *ns;

	(void)state;
	registry_init(&r, NULL, NULL);
	assert_int_equal(apply(&r, SNAP_CMD_NS_NEW, ns_msg("nqn.a", 1, NULL)), 0);
	assert_int_equal(apply(&r, SNAP_CMD_NS_NEW, ns_msg("nqn.b", 1, NULL)), 0);
	ns = registry_ns(&r, "nqn.a", 1);
	assert_non_null(ns);
	assert_ptr_not_equal(ns, registry_ns(&r, "nqn.b", 1));
	assert_string_equal(ns->ctrl, "");
	assert_int_equal(ns->uuid[15], 0xab);

	assert_int_equal(apply(&r, SNAP_CMD_NS_SET, ns_msg("nqn.a", 1, "NVMeCtrl0")), 0);
	assert_string_equal(ns->ctrl, "NVMeCtrl0");
	assert_int_equal(apply(&r, SNAP_CMD_NS_SET, ns_msg("nqn.a", 1, NULL)), 0);
	assert_string_equal(ns->ctrl, "");
	registry_free(&r);
}

static struct nl_msg *ctrl_msg_id(uint32_t id, const char *name, uint8_t state,
				  bool vf)
{
	struct nl_msg *msg = nlmsg_alloc();

	nla_put_u32(msg, SNAP_A_ID, id);
	nla_put_string(msg, SNAP_A_NAME, name);
	nla_put_string(msg, SNAP_A_VUID, "SNAPSIM00000NVMES1D0F0");
	nla_put_u32(msg, SNAP_A_PF_ID, 1);
	if (vf)
		nla_put_u32(msg, SNAP_A_VF_ID, 0);
	nla_put_u32(msg, SNAP_A_NUM_QUEUES, 8);
	nla_put_u8(msg, SNAP_A_STATE, state);
	nla_put_u32(msg, SNAP_A_CTRL_ID, 2);
	nla_put_string(msg, SNAP_A_NQN, "nqn.a");
	nla_put_u8(msg, SNAP_A_MDTS, 5);
	return msg;
}

static struct nl_msg *ctrl_msg(const char *name, uint8_t state, bool vf)
{
	return ctrl_msg_id(2, name, state, vf);
}

/* What CMIC.MCTRS is set by: the NVMe controllers of one NQN. */
static void test_subsys_ctrls(void **state)
{
	struct registry r;

	(void)state;
	registry_init(&r, NULL, NULL);
	assert_int_equal(registry_subsys_ctrls(&r, "nqn.a"), 0);
	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_NEW,
			       ctrl_msg_id(2, "NVMeCtrl0", SNAP_CTRL_RUNNING, false)), 0);
	assert_int_equal(registry_subsys_ctrls(&r, "nqn.a"), 1);
	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_NEW,
			       ctrl_msg_id(3, "VfCtrl0", SNAP_CTRL_RUNNING, true)), 0);
	assert_int_equal(registry_subsys_ctrls(&r, "nqn.a"), 2);
	assert_int_equal(registry_subsys_ctrls(&r, "nqn.b"), 0);
	registry_free(&r);
}

static void test_ctrl_state_and_type(void **state)
{
	struct seen seen = { 0 };
	struct registry r;
	struct reg_ctrl *c;
	struct nl_msg *msg;

	(void)state;
	registry_init(&r, record, &seen);
	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_NEW,
			       ctrl_msg("NVMeCtrl0", SNAP_CTRL_SUSPENDED, false)), 0);
	c = registry_ctrl(&r, "NVMeCtrl0");
	assert_non_null(c);
	assert_int_equal(c->type, SNAP_FUNC_NVME);
	assert_int_equal(c->vf_id, -1);
	assert_int_equal(c->pf_id, 1);
	assert_int_equal(c->mdts, 5);
	assert_int_equal(c->state, SNAP_CTRL_SUSPENDED);

	assert_false(c->ready);
	assert_string_equal(c->error, "");

	msg = ctrl_msg("NVMeCtrl0", SNAP_CTRL_RUNNING, true);
	nla_put_u8(msg, SNAP_A_READY, 0);
	nla_put_string(msg, SNAP_A_ERROR, "cannot create the NVMe engine");
	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_SET, msg), 0);
	assert_int_equal(c->state, SNAP_CTRL_RUNNING);
	assert_false(c->ready);
	assert_string_equal(c->error, "cannot create the NVMe engine");
	assert_int_equal(c->vf_id, 0);
	assert_int_equal(seen.count, 2);
	assert_int_equal(seen.change, REG_CHANGED);

	/* Served: ready, and no error once the kernel leaves it out. */
	msg = ctrl_msg("NVMeCtrl0", SNAP_CTRL_RUNNING, true);
	nla_put_u8(msg, SNAP_A_READY, 1);
	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_SET, msg), 0);
	assert_true(c->ready);
	assert_string_equal(c->error, "");

	assert_int_equal(apply(&r, SNAP_CMD_NVME_CTRL_DEL,
			       ctrl_msg("NVMeCtrl0", SNAP_CTRL_RUNNING, false)), 0);
	assert_null(r.ctrls);
	assert_int_equal(seen.change, REG_REMOVED);
	registry_free(&r);
}

static void test_order_is_kept(void **state)
{
	struct registry r;

	(void)state;
	registry_init(&r, NULL, NULL);
	apply(&r, SNAP_CMD_BDEV_GET, bdev_msg("a", 1, true, NULL));
	apply(&r, SNAP_CMD_BDEV_GET, bdev_msg("b", 1, true, NULL));
	apply(&r, SNAP_CMD_BDEV_GET, bdev_msg("c", 1, true, NULL));
	assert_string_equal(r.bdevs->name, "a");
	assert_string_equal(r.bdevs->next->name, "b");
	assert_string_equal(r.bdevs->next->next->name, "c");
	apply(&r, SNAP_CMD_BDEV_DEL, bdev_msg("b", 1, true, NULL));
	assert_string_equal(r.bdevs->next->name, "c");
	registry_free(&r);
}

static struct nl_msg *subsys_msg(const char *nqn)
{
	struct nl_msg *msg = nlmsg_alloc();

	nla_put_u32(msg, SNAP_A_ID, 4);
	nla_put_string(msg, SNAP_A_NQN, nqn);
	nla_put_u32(msg, SNAP_A_NN, 8);
	nla_put_u32(msg, SNAP_A_MNAN, 8);
	return msg;
}

static struct nl_msg *vblk_msg(const char *name, const char *vuid, const char *bdev)
{
	struct nl_msg *msg = nlmsg_alloc();

	nla_put_u32(msg, SNAP_A_ID, 3);
	nla_put_string(msg, SNAP_A_NAME, name);
	nla_put_string(msg, SNAP_A_VUID, vuid);
	nla_put_u8(msg, SNAP_A_STATE, SNAP_CTRL_RUNNING);
	nla_put_string(msg, SNAP_A_BDEV_NAME, bdev);
	return msg;
}

struct removals {
	int n;
	char what[8][SNAP_VUID_MAX + 8];
};

static void note_removal(void *arg, enum reg_kind kind, enum reg_change change, void *obj)
{
	struct removals *rm = arg;
	static const char *const kinds[] = { "bdev", "subsys", "ns", "ctrl", "func" };
	const char *name = kind == REG_BDEV ? ((struct reg_bdev *)obj)->name :
			   kind == REG_CTRL ? ((struct reg_ctrl *)obj)->name :
			   kind == REG_FUNC ? ((struct reg_func *)obj)->vuid : "";

	assert_int_equal(change, REG_REMOVED);
	assert_true(rm->n < 8);
	snprintf(rm->what[rm->n++], sizeof(rm->what[0]), "%s %s", kinds[kind], name);
}

/*
 * Events were lost: what the kernel no longer has goes, and so does what
 * it deleted and created again under the same key with other parameters
 * (ids are reused, so they tell nothing); users before what they use.
 */
static void test_prune_after_lost_events(void **state)
{
	struct removals rm = { 0 };
	struct registry r, fresh;

	(void)state;
	registry_init(&r, NULL, NULL);
	apply(&r, SNAP_CMD_BDEV_GET, bdev_msg("same", 8, true, "/a"));
	apply(&r, SNAP_CMD_BDEV_GET, bdev_msg("refiled", 8, true, "/b"));
	apply(&r, SNAP_CMD_BDEV_GET, bdev_msg("gone", 8, true, "/c"));
	apply(&r, SNAP_CMD_SUBSYS_GET, subsys_msg("nqn.a"));
	apply(&r, SNAP_CMD_SUBSYS_GET, subsys_msg("nqn.gone"));
	apply(&r, SNAP_CMD_NS_GET, ns_msg("nqn.a", 1, NULL));
	apply(&r, SNAP_CMD_NS_GET, ns_msg("nqn.a", 2, NULL));
	apply(&r, SNAP_CMD_NVME_CTRL_GET, ctrl_msg("NVMeCtrl0", SNAP_CTRL_RUNNING, false));
	apply(&r, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk0", "SNAPSIM00000VBLKS1D0F0", "same"));
	apply(&r, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk1", "SNAPSIM00000VBLKS1D1F0", "same"));

	registry_init(&fresh, NULL, NULL);
	apply(&fresh, SNAP_CMD_BDEV_GET, bdev_msg("same", 16, false, "/a"));	/* resized */
	apply(&fresh, SNAP_CMD_BDEV_GET, bdev_msg("refiled", 8, true, "/other"));
	apply(&fresh, SNAP_CMD_SUBSYS_GET, subsys_msg("nqn.a"));
	apply(&fresh, SNAP_CMD_NS_GET, ns_msg("nqn.a", 1, "NVMeCtrl0"));	/* attached */
	apply(&fresh, SNAP_CMD_NVME_CTRL_GET, ctrl_msg("NVMeCtrl0", SNAP_CTRL_SUSPENDED, false));
	/* Vblk0 re-created on another function; Vblk1 deleted. */
	apply(&fresh, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk0", "SNAPSIM00000VBLKS1D2F0", "same"));

	r.notify = note_removal;
	r.notify_arg = &rm;
	registry_prune(&r, &fresh);
	assert_int_equal(rm.n, 6);
	assert_string_equal(rm.what[0], "ctrl Vblk0");
	assert_string_equal(rm.what[1], "ctrl Vblk1");
	assert_string_equal(rm.what[2], "ns ");
	assert_string_equal(rm.what[3], "subsys ");
	assert_string_equal(rm.what[4], "bdev refiled");
	assert_string_equal(rm.what[5], "bdev gone");
	assert_non_null(registry_bdev(&r, "same"));
	assert_non_null(registry_ctrl(&r, "NVMeCtrl0"));
	assert_non_null(registry_ns(&r, "nqn.a", 1));
	assert_null(registry_ns(&r, "nqn.a", 2));
	assert_null(registry_subsys(&r, "nqn.gone"));
	registry_free(&r);
	registry_free(&fresh);
}

/* A hot-plug PF as the kernel announces it; bdf NULL while the host has none. */
static struct nl_msg *hp_func_msg(uint32_t id, const char *vuid, uint8_t state,
				  uint32_t port, const char *bdf)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	nla_put_u32(msg, SNAP_A_ID, id);
	nla_put_u8(msg, SNAP_A_FUNC_TYPE, SNAP_FUNC_NVME);
	nla_put_u8(msg, SNAP_A_FUNC_KIND, SNAP_FUNC_HOTPLUG_PF);
	nla_put_u32(msg, SNAP_A_PF_ID, 1);
	nla_put_string(msg, SNAP_A_VUID, vuid);
	nla_put_u32(msg, SNAP_A_VHCA_ID, id);
	nla_put_u32(msg, SNAP_A_NUM_MSIX, 4);
	if (bdf)
		nla_put_string(msg, SNAP_A_PCI_BDF, bdf);
	nla_put_u8(msg, SNAP_A_HOTPLUG_STATE, state);
	nla_put_u32(msg, SNAP_A_PORT, port);
	return msg;
}

#define HP_VUID "SNAPSIM00000NVMES1D1F0"

/*
 * Hot-plug PFs come (FUNC_NEW), change as the host takes and lets go of
 * them (FUNC_SET), and go (FUNC_DEL): the mirror follows, and its
 * consumers are told each time.
 */
static void test_func_add_change_remove(void **state)
{
	struct seen seen = { 0 };
	struct registry r;
	struct reg_func *f;

	(void)state;
	registry_init(&r, record, &seen);
	assert_int_equal(apply(&r, SNAP_CMD_FUNC_NEW,
			       hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_PLUGGED, 2, NULL)), 0);
	expect_seen(&seen, 1, REG_FUNC, REG_ADDED);
	f = registry_func(&r, 5);
	assert_non_null(f);
	assert_ptr_equal(registry_func_vuid(&r, HP_VUID), f);
	assert_int_equal(f->kind, SNAP_FUNC_HOTPLUG_PF);
	assert_int_equal(f->pf_id, 1);
	assert_int_equal(f->vf_id, -1);
	assert_int_equal(f->num_msix, 4);
	assert_int_equal(f->hotplug_state, SNAP_HOTPLUG_PLUGGED);
	assert_int_equal(f->port, 2);
	assert_string_equal(f->bdf, "");

	/* The host added it, then let it go after an unplug request. */
	assert_int_equal(apply(&r, SNAP_CMD_FUNC_SET,
			       hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_PLUGGED, 2, "0000:03:00.0")), 0);
	expect_seen(&seen, 2, REG_FUNC, REG_CHANGED);
	assert_ptr_equal(registry_func(&r, 5), f);
	assert_string_equal(f->bdf, "0000:03:00.0");
	assert_int_equal(apply(&r, SNAP_CMD_FUNC_SET,
			       hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_RELEASED, 2, NULL)), 0);
	expect_seen(&seen, 3, REG_FUNC, REG_CHANGED);
	assert_string_equal(f->bdf, "");
	assert_int_equal(f->hotplug_state, SNAP_HOTPLUG_RELEASED);

	assert_int_equal(apply(&r, SNAP_CMD_FUNC_DEL,
			       hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_RELEASED, 2, NULL)), 0);
	expect_seen(&seen, 4, REG_FUNC, REG_REMOVED);
	assert_string_equal(seen.name, HP_VUID);
	assert_null(registry_func(&r, 5));
	assert_null(registry_func_vuid(&r, HP_VUID));
	assert_null(r.funcs);

	/* Gone already: nothing to say. */
	assert_int_equal(apply(&r, SNAP_CMD_FUNC_DEL,
			       hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_RELEASED, 2, NULL)), 0);
	assert_int_equal(seen.count, 4);
	registry_free(&r);
}

/*
 * A controller still mirrored on a function that goes (its CTRL_DEL was
 * lost) goes first: its engine maps the function's state.
 */
static void test_func_del_takes_its_controller(void **state)
{
	struct removals rm = { 0 };
	struct registry r;

	(void)state;
	registry_init(&r, NULL, NULL);
	apply(&r, SNAP_CMD_FUNC_NEW, hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_PLUGGED, 2, NULL));
	apply(&r, SNAP_CMD_FUNC_NEW, hp_func_msg(6, "SNAPSIM00000NVMES1D2F0",
						 SNAP_HOTPLUG_PLUGGED, 3, NULL));
	apply(&r, SNAP_CMD_VBLK_CTRL_NEW, vblk_msg("Vblk0", HP_VUID, ""));
	apply(&r, SNAP_CMD_VBLK_CTRL_NEW, vblk_msg("Vblk1", "SNAPSIM00000NVMES1D2F0", ""));
	r.notify = note_removal;
	r.notify_arg = &rm;
	assert_int_equal(apply(&r, SNAP_CMD_FUNC_DEL,
			       hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_PLUGGED, 2, NULL)), 0);
	assert_int_equal(rm.n, 2);
	assert_string_equal(rm.what[0], "ctrl Vblk0");
	assert_string_equal(rm.what[1], "func " HP_VUID);
	assert_null(registry_ctrl(&r, "Vblk0"));
	assert_non_null(registry_ctrl(&r, "Vblk1"));
	assert_non_null(registry_func(&r, 6));
	registry_free(&r);
}

/*
 * Lost events: a hot-plug PF the kernel no longer has goes, and so does
 * one deleted and created again under the same id and VUID on another
 * port, each after the controller on it; static functions stay.
 */
static void test_prune_hotplug_functions(void **state)
{
	struct removals rm = { 0 };
	struct registry r, fresh;

	(void)state;
	registry_init(&r, NULL, NULL);
	registry_init(&fresh, NULL, NULL);
	apply(&r, SNAP_CMD_FUNC_GET, hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_PLUGGED, 2, NULL));
	apply(&r, SNAP_CMD_FUNC_GET, hp_func_msg(6, "SNAPSIM00000NVMES1D2F0",
						 SNAP_HOTPLUG_PLUGGED, 3, NULL));
	apply(&r, SNAP_CMD_FUNC_GET, hp_func_msg(7, "SNAPSIM00000NVMES1D3F0",
						 SNAP_HOTPLUG_PLUGGED, 4, NULL));
	apply(&r, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk0", HP_VUID, ""));
	apply(&r, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk1", "SNAPSIM00000NVMES1D3F0", ""));
	/* 5 was deleted, its id and VUID taken again on port 4; 6 deleted. */
	apply(&fresh, SNAP_CMD_FUNC_GET, hp_func_msg(5, HP_VUID, SNAP_HOTPLUG_UNPLUGGED, 4, NULL));
	apply(&fresh, SNAP_CMD_FUNC_GET, hp_func_msg(7, "SNAPSIM00000NVMES1D3F0",
						     SNAP_HOTPLUG_RELEASED, 4, NULL));
	apply(&fresh, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk0", HP_VUID, ""));
	apply(&fresh, SNAP_CMD_VBLK_CTRL_GET, vblk_msg("Vblk1", "SNAPSIM00000NVMES1D3F0", ""));

	r.notify = note_removal;
	r.notify_arg = &rm;
	registry_prune(&r, &fresh);
	assert_int_equal(rm.n, 3);
	assert_string_equal(rm.what[0], "ctrl Vblk0");
	assert_string_equal(rm.what[1], "func " HP_VUID);
	assert_string_equal(rm.what[2], "func SNAPSIM00000NVMES1D2F0");
	assert_null(registry_func(&r, 5));
	assert_null(registry_func(&r, 6));
	assert_non_null(registry_func(&r, 7));
	assert_non_null(registry_ctrl(&r, "Vblk1"));
	registry_free(&r);
	registry_free(&fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdev_add_change_remove),
		cmocka_unit_test(test_failed_open_waits_for_a_new_definition),
		cmocka_unit_test(test_missing_key_refused),
		cmocka_unit_test(test_ns_attach_detach),
		cmocka_unit_test(test_ctrl_state_and_type),
		cmocka_unit_test(test_subsys_ctrls),
		cmocka_unit_test(test_order_is_kept),
		cmocka_unit_test(test_prune_after_lost_events),
		cmocka_unit_test(test_func_add_change_remove),
		cmocka_unit_test(test_func_del_takes_its_controller),
		cmocka_unit_test(test_prune_hotplug_functions),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
