// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's mirror of the kernel's objects, fed by dumps and events.
 * Every message carries the whole object as GET would, so applying one
 * replaces the mirrored copy instead of merging into it: an attribute
 * that is absent (a detached namespace's controller) is absent.
 */
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

#define for_each_reg(pos, head) for ((pos) = (head); (pos); (pos) = (pos)->next)

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	const char *s = a ? snap_nla_string(a) : NULL;

	if (!s)
		s = "";
	strncpy(dst, s, len - 1);
	dst[len - 1] = '\0';
}

/* *out = a copy of the string, NULL when absent or empty. */
static int dup_str(const struct nlattr *a, char **out)
{
	const char *s = a ? snap_nla_string(a) : NULL;

	*out = NULL;
	if (!s || !*s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
	return a ? nla_get_u32((struct nlattr *)a) : dflt;
}

static uint8_t get_u8(const struct nlattr *a, uint8_t dflt)
{
	return a ? nla_get_u8((struct nlattr *)a) : dflt;
}

static void notify(struct registry *r, enum reg_kind kind,
		   enum reg_change change, void *obj)
{
	if (r->notify)
		r->notify(r->notify_arg, kind, change, obj);
}

void registry_init(struct registry *r, reg_notify_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->notify = fn;
	r->notify_arg = arg;
}

/* ---- lookups ---- */

struct reg_bdev *registry_bdev(const struct registry *r, const char *name)
{
	struct reg_bdev *b;

	for_each_reg(b, r->bdevs)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

struct reg_subsys *registry_subsys(const struct registry *r, const char *nqn)
{
	struct reg_subsys *s;

	for_each_reg(s, r->subsystems)
		if (!strcmp(s->nqn, nqn))
			return s;
	return NULL;
}

unsigned int registry_subsys_ctrls(const struct registry *r, const char *nqn)
{
	const struct reg_ctrl *c;
	unsigned int n = 0;

	for_each_reg(c, r->ctrls)
		n += c->type == SNAP_FUNC_NVME && !strcmp(c->nqn, nqn);
	return n;
}

struct reg_ns *registry_ns(const struct registry *r, const char *nqn,
			   uint32_t nsid)
{
	struct reg_ns *ns;

	for_each_reg(ns, r->namespaces)
		if (ns->nsid == nsid && !strcmp(ns->nqn, nqn))
			return ns;
	return NULL;
}

struct reg_ctrl *registry_ctrl(const struct registry *r, const char *name)
{
	struct reg_ctrl *c;

	for_each_reg(c, r->ctrls)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

struct reg_func *registry_func(const struct registry *r, uint32_t id)
{
	struct reg_func *f;

	for_each_reg(f, r->funcs)
		if (f->id == id)
			return f;
	return NULL;
}

struct reg_func *registry_func_vuid(const struct registry *r, const char *vuid)
{
	struct reg_func *f;

	for_each_reg(f, r->funcs)
		if (!strcmp(f->vuid, vuid))
			return f;
	return NULL;
}

/*
 * Unlinks obj from a singly linked list whose nodes start with their
 * next pointer (every reg_* struct does).
 */
struct reg_node {
	struct reg_node *next;
};

static void unlink_node(void *head, void *obj)
{
	struct reg_node **pp = head;

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == obj) {
			*pp = (*pp)->next;
			return;
		}
	}
}

static void push_node(void *head, void *obj)
{
	struct reg_node **pp = head;
	struct reg_node *n = obj;

	/* Append, so the mirror keeps the kernel's (creation) order. */
	while (*pp)
		pp = &(*pp)->next;
	n->next = NULL;
	*pp = n;
}

/*
 * Unlinks obj, tells the consumers and frees it: for the kinds that own
 * no memory beside themselves (all but bdevs).
 */
static void drop_node(struct registry *r, void *head, enum reg_kind kind,
		      void *obj)
{
	unlink_node(head, obj);
	notify(r, kind, REG_REMOVED, obj);
	free(obj);
}

/* ---- bdevs ---- */

static void bdev_free(struct reg_bdev *b)
{
	free(b->filename);
	free(b->args);
	free(b);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int bdev_fill(struct reg_bdev *b, struct nlattr **tb)
{
	char *filename, *args;
	uint8_t type;
	uint32_t block_size;

	if (dup_str(tb[SNAP_A_FILENAME], &filename))
		return -ENOMEM;
	if (dup_str(tb[SNAP_A_BDEV_ARGS], &args)) {
		free(filename);
		return -ENOMEM;
	}
	type = get_u8(tb[SNAP_A_BDEV_TYPE], b->type);
	block_size = get_u32(tb[SNAP_A_BLOCK_SIZE], 0);
	/* Only another definition is worth opening again after a failure. */
	if (type != b->type || block_size != b->block_size ||
	    !same_str(filename, b->filename) || !same_str(args, b->args))
		b->open_failed = false;
	free(b->filename);
	free(b->args);
	b->filename = filename;
	b->args = args;
	b->id = get_u32(tb[SNAP_A_ID], b->id);
	b->type = type;
	b->num_blocks = tb[SNAP_A_NUM_BLOCKS] ? nla_get_u64(tb[SNAP_A_NUM_BLOCKS]) : 0;
	b->block_size = block_size;
	b->ready = get_u8(tb[SNAP_A_READY], 0);
	return 0;
}

static int apply_bdev(struct registry *r, bool del, struct nlattr **tb)
{
	const char *name = tb[SNAP_A_NAME] ? snap_nla_string(tb[SNAP_A_NAME]) : NULL;
	struct reg_bdev *b;
	bool added = false;
	int ret;

	if (!name)
		return -EINVAL;
	b = registry_bdev(r, name);
	if (del) {
		if (!b)
			return 0;
		unlink_node(&r->bdevs, b);
		notify(r, REG_BDEV, REG_REMOVED, b);
		bdev_free(b);
		return 0;
	}
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
		copy_str(b->name, sizeof(b->name), tb[SNAP_A_NAME]);
		added = true;
	}
	ret = bdev_fill(b, tb);
	if (ret) {
		if (added)
			free(b);
		return ret;
	}
	if (added)
		push_node(&r->bdevs, b);
	notify(r, REG_BDEV, added ? REG_ADDED : REG_CHANGED, b);
	return 0;
}

/* ---- subsystems ---- */

static int apply_subsys(struct registry *r, bool del, struct nlattr **tb)
{
	const char *nqn = tb[SNAP_A_NQN] ? snap_nla_string(tb[SNAP_A_NQN]) : NULL;
	struct reg_subsys *s;
	bool added = false;

	if (!nqn)
		return -EINVAL;
	s = registry_subsys(r, nqn);
	if (del) {
		if (!s)
			return 0;
		drop_node(r, &r->subsystems, REG_SUBSYS, s);
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		copy_str(s->nqn, sizeof(s->nqn), tb[SNAP_A_NQN]);
		push_node(&r->subsystems, s);
		added = true;
	}
	s->id = get_u32(tb[SNAP_A_ID], s->id);
	copy_str(s->serial, sizeof(s->serial), tb[SNAP_A_SERIAL_NUMBER]);
	copy_str(s->model, sizeof(s->model), tb[SNAP_A_MODEL_NUMBER]);
	s->nn = get_u32(tb[SNAP_A_NN], 0);
	s->mnan = get_u32(tb[SNAP_A_MNAN], 0);
	notify(r, REG_SUBSYS, added ? REG_ADDED : REG_CHANGED, s);
	return 0;
}

/* ---- namespaces ---- */

static int apply_ns(struct registry *r, bool del, struct nlattr **tb)
{
	const char *nqn = tb[SNAP_A_NQN] ? snap_nla_string(tb[SNAP_A_NQN]) : NULL;
	struct reg_ns *ns;
	bool added = false;
	uint32_t nsid;

	if (!nqn || !tb[SNAP_A_NSID])
		return -EINVAL;
	nsid = nla_get_u32(tb[SNAP_A_NSID]);
	ns = registry_ns(r, nqn, nsid);
	if (del) {
		if (!ns)
			return 0;
		drop_node(r, &r->namespaces, REG_NS, ns);
		return 0;
	}
	if (!ns) {
		ns = calloc(1, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		copy_str(ns->nqn, sizeof(ns->nqn), tb[SNAP_A_NQN]);
		ns->nsid = nsid;
		push_node(&r->namespaces, ns);
		added = true;
	}
	ns->id = get_u32(tb[SNAP_A_ID], ns->id);
	if (tb[SNAP_A_UUID] && nla_len(tb[SNAP_A_UUID]) == SNAP_UUID_LEN)
		memcpy(ns->uuid, nla_data(tb[SNAP_A_UUID]), SNAP_UUID_LEN);
	copy_str(ns->bdev, sizeof(ns->bdev), tb[SNAP_A_BDEV_NAME]);
	copy_str(ns->ctrl, sizeof(ns->ctrl), tb[SNAP_A_CTRL_NAME]);
	ns->ready = get_u8(tb[SNAP_A_READY], 0);
	notify(r, REG_NS, added ? REG_ADDED : REG_CHANGED, ns);
	return 0;
}

/* ---- controllers ---- */

static void ctrl_fill(struct reg_ctrl *c, uint8_t type, struct nlattr **tb)
{
	c->type = type;
	c->id = get_u32(tb[SNAP_A_ID], c->id);
	copy_str(c->vuid, sizeof(c->vuid), tb[SNAP_A_VUID]);
	c->pf_id = get_u32(tb[SNAP_A_PF_ID], 0);
	c->vf_id = tb[SNAP_A_VF_ID] ? (int32_t)nla_get_u32(tb[SNAP_A_VF_ID]) : -1;
	c->num_queues = get_u32(tb[SNAP_A_NUM_QUEUES], 0);
	c->state = get_u8(tb[SNAP_A_STATE], SNAP_CTRL_SUSPENDED);
	c->ready = get_u8(tb[SNAP_A_READY], 0);
	copy_str(c->error, sizeof(c->error), tb[SNAP_A_ERROR]);
	c->cntlid = get_u32(tb[SNAP_A_CTRL_ID], 0);
	copy_str(c->nqn, sizeof(c->nqn), tb[SNAP_A_NQN]);
	c->mdts = get_u8(tb[SNAP_A_MDTS], 0);
	copy_str(c->bdev, sizeof(c->bdev), tb[SNAP_A_BDEV_NAME]);
	c->queue_size = get_u32(tb[SNAP_A_QUEUE_SIZE], 0);
	c->seg_max = get_u32(tb[SNAP_A_SEG_MAX], 0);
	c->size_max = get_u32(tb[SNAP_A_SIZE_MAX], 0);
	c->read_only = !!tb[SNAP_A_READ_ONLY];
	c->force_in_order = !!tb[SNAP_A_FORCE_IN_ORDER];
	copy_str(c->serial, sizeof(c->serial), tb[SNAP_A_SERIAL_NUMBER]);
}

static int apply_ctrl(struct registry *r, uint8_t type, bool del,
		      struct nlattr **tb)
{
	const char *name = tb[SNAP_A_NAME] ? snap_nla_string(tb[SNAP_A_NAME]) : NULL;
	struct reg_ctrl *c;
	bool added = false;

	if (!name)
		return -EINVAL;
	c = registry_ctrl(r, name);
	if (del) {
		if (!c)
			return 0;
		drop_node(r, &r->ctrls, REG_CTRL, c);
		return 0;
	}
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		copy_str(c->name, sizeof(c->name), tb[SNAP_A_NAME]);
		push_node(&r->ctrls, c);
		added = true;
	}
	ctrl_fill(c, type, tb);
	notify(r, REG_CTRL, added ? REG_ADDED : REG_CHANGED, c);
	return 0;
}

/* ---- functions (hot-plug PFs come and go, the others stay) ---- */

static void func_fill(struct reg_func *f, struct nlattr **tb)
{
	f->type = get_u8(tb[SNAP_A_FUNC_TYPE], 0);
	f->kind = get_u8(tb[SNAP_A_FUNC_KIND], 0);
	f->pf_id = get_u32(tb[SNAP_A_PF_ID], 0);
	f->vf_id = tb[SNAP_A_VF_ID] ? (int32_t)nla_get_u32(tb[SNAP_A_VF_ID]) : -1;
	copy_str(f->vuid, sizeof(f->vuid), tb[SNAP_A_VUID]);
	f->num_msix = get_u32(tb[SNAP_A_NUM_MSIX], 0);
	copy_str(f->bdf, sizeof(f->bdf), tb[SNAP_A_PCI_BDF]);
	copy_str(f->ctrl, sizeof(f->ctrl), tb[SNAP_A_CTRL_NAME]);
	f->hotplug_state = get_u8(tb[SNAP_A_HOTPLUG_STATE], SNAP_HOTPLUG_UNPLUGGED);
	f->port = get_u32(tb[SNAP_A_PORT], 0);
}

/*
 * The kernel deletes a function's controller first (CTRL_DEL comes
 * before FUNC_DEL): a mirrored controller still on it is one whose event
 * was lost, and must not outlive the function its engine maps.
 */
static void drop_ctrls_of(struct registry *r, const char *vuid)
{
	struct reg_ctrl *c = r->ctrls, *next;

	for (; c; c = next) {
		next = c->next;
		if (!strcmp(c->vuid, vuid))
			drop_node(r, &r->ctrls, REG_CTRL, c);
	}
}

static int apply_func(struct registry *r, bool del, struct nlattr **tb)
{
	struct reg_func *f;
	bool added = false;
	uint32_t id;

	if (!tb[SNAP_A_ID])
		return -EINVAL;
	id = nla_get_u32(tb[SNAP_A_ID]);
	f = registry_func(r, id);
	if (del) {
		if (!f)
			return 0;
		drop_ctrls_of(r, f->vuid);
		drop_node(r, &r->funcs, REG_FUNC, f);
		return 0;
	}
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		f->id = id;
		push_node(&r->funcs, f);
		added = true;
	}
	func_fill(f, tb);
	notify(r, REG_FUNC, added ? REG_ADDED : REG_CHANGED, f);
	return 0;
}

int registry_apply(struct registry *r, uint8_t cmd, struct nlattr **tb)
{
	switch (cmd) {
	case SNAP_CMD_BDEV_NEW:
	case SNAP_CMD_BDEV_GET:
	case SNAP_CMD_BDEV_SET:
		return apply_bdev(r, false, tb);
	case SNAP_CMD_BDEV_DEL:
		return apply_bdev(r, true, tb);
	case SNAP_CMD_SUBSYS_NEW:
	case SNAP_CMD_SUBSYS_GET:
	case SNAP_CMD_SUBSYS_SET:
		return apply_subsys(r, false, tb);
	case SNAP_CMD_SUBSYS_DEL:
		return apply_subsys(r, true, tb);
	case SNAP_CMD_NS_NEW:
	case SNAP_CMD_NS_GET:
	case SNAP_CMD_NS_SET:
		return apply_ns(r, false, tb);
	case SNAP_CMD_NS_DEL:
		return apply_ns(r, true, tb);
	case SNAP_CMD_NVME_CTRL_NEW:
	case SNAP_CMD_NVME_CTRL_GET:
	case SNAP_CMD_NVME_CTRL_SET:
	case SNAP_CMD_NVME_CTRL_ATTACH_NS:
	case SNAP_CMD_NVME_CTRL_DETACH_NS:
		return apply_ctrl(r, SNAP_FUNC_NVME, false, tb);
	case SNAP_CMD_NVME_CTRL_DEL:
		return apply_ctrl(r, SNAP_FUNC_NVME, true, tb);
	case SNAP_CMD_VBLK_CTRL_NEW:
	case SNAP_CMD_VBLK_CTRL_GET:
	case SNAP_CMD_VBLK_CTRL_SET:
	case SNAP_CMD_VBLK_CTRL_ATTACH_BDEV:
	case SNAP_CMD_VBLK_CTRL_DETACH_BDEV:
		return apply_ctrl(r, SNAP_FUNC_VIRTIO_BLK, false, tb);
	case SNAP_CMD_VBLK_CTRL_DEL:
		return apply_ctrl(r, SNAP_FUNC_VIRTIO_BLK, true, tb);
	case SNAP_CMD_FUNC_NEW:
	case SNAP_CMD_FUNC_GET:
	case SNAP_CMD_FUNC_SET:
		return apply_func(r, false, tb);
	case SNAP_CMD_FUNC_DEL:
		return apply_func(r, true, tb);
	default:
		/* EMU_GET, DAEMON_NTF: nothing to mirror. */
		return 0;
	}
}

static int load_one(uint8_t cmd, struct nlattr **tb, void *arg)
{
	return registry_apply(arg, cmd, tb);
}

/* Order matters for the notifications: what an object links to first. */
static const uint8_t load_order[] = {
	SNAP_CMD_FUNC_GET,
	SNAP_CMD_BDEV_GET,
	SNAP_CMD_SUBSYS_GET,
	SNAP_CMD_NS_GET,
	SNAP_CMD_NVME_CTRL_GET,
	SNAP_CMD_VBLK_CTRL_GET,
};

/* ---- pruning after lost events ---- */

static bool str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/*
 * Whether the kernel's object @now, of the same key as the mirrored
 * @was, is another object: deleted and created again with parameters
 * the daemon's instance was built from. Kernel ids are reused, so they
 * tell nothing.
 */
static bool bdev_replaced(const struct reg_bdev *was, const struct reg_bdev *now)
{
	return was->type != now->type || was->block_size != now->block_size ||
	       str_differs(was->filename, now->filename) ||
	       str_differs(was->args, now->args);
}

static bool ns_replaced(const struct reg_ns *was, const struct reg_ns *now)
{
	return strcmp(was->bdev, now->bdev) ||
	       memcmp(was->uuid, now->uuid, sizeof(was->uuid));
}

static bool ctrl_replaced(const struct reg_ctrl *was, const struct reg_ctrl *now)
{
	return was->type != now->type || strcmp(was->vuid, now->vuid) ||
	       strcmp(was->nqn, now->nqn);
}

/* A hot-plug PF deleted and created again may get the same id and VUID. */
static bool func_replaced(const struct reg_func *was, const struct reg_func *now)
{
	return was->type != now->type || was->kind != now->kind ||
	       strcmp(was->vuid, now->vuid) || was->port != now->port;
}

/* Whether the mirrored function of that VUID is gone from @fresh. */
static bool func_went(const struct registry *r, const struct registry *fresh,
		      const char *vuid)
{
	const struct reg_func *was = registry_func_vuid(r, vuid), *now;

	if (!was)
		return false;
	now = registry_func(fresh, was->id);
	return !now || func_replaced(was, now);
}

static void prune_ctrls(struct registry *r, const struct registry *fresh)
{
	struct reg_ctrl *c = r->ctrls, *next, *now;

	for (; c; c = next) {
		next = c->next;
		now = registry_ctrl(fresh, c->name);
		/* Its engine maps the function's state: it goes with it. */
		if (now && !ctrl_replaced(c, now) && !func_went(r, fresh, c->vuid))
			continue;
		drop_node(r, &r->ctrls, REG_CTRL, c);
	}
}

static void prune_namespaces(struct registry *r, const struct registry *fresh)
{
	struct reg_ns *ns = r->namespaces, *next, *now;

	for (; ns; ns = next) {
		next = ns->next;
		now = registry_ns(fresh, ns->nqn, ns->nsid);
		if (now && !ns_replaced(ns, now))
			continue;
		drop_node(r, &r->namespaces, REG_NS, ns);
	}
}

static void prune_subsystems(struct registry *r, const struct registry *fresh)
{
	struct reg_subsys *s = r->subsystems, *next;

	for (; s; s = next) {
		next = s->next;
		if (registry_subsys(fresh, s->nqn))
			continue;
		drop_node(r, &r->subsystems, REG_SUBSYS, s);
	}
}

static void prune_bdevs(struct registry *r, const struct registry *fresh)
{
	struct reg_bdev *b = r->bdevs, *next, *now;

	for (; b; b = next) {
		next = b->next;
		now = registry_bdev(fresh, b->name);
		if (now && !bdev_replaced(b, now))
			continue;
		unlink_node(&r->bdevs, b);
		notify(r, REG_BDEV, REG_REMOVED, b);
		bdev_free(b);
	}
}

static void prune_funcs(struct registry *r, const struct registry *fresh)
{
	struct reg_func *f = r->funcs, *next, *now;

	for (; f; f = next) {
		next = f->next;
		now = registry_func(fresh, f->id);
		if (now && !func_replaced(f, now))
			continue;
		drop_node(r, &r->funcs, REG_FUNC, f);
	}
}

void registry_prune(struct registry *r, const struct registry *fresh)
{
	/* Users before what they use, as the kernel deletes them. */
	prune_ctrls(r, fresh);
	prune_namespaces(r, fresh);
	prune_subsystems(r, fresh);
	prune_bdevs(r, fresh);
	prune_funcs(r, fresh);
}

int registry_load(struct registry *r, struct snap_nl *nl)
{
	for (size_t i = 0; i < sizeof(load_order); i++) {
		struct nl_msg *msg = snap_nl_request(nl, load_order[i], true);
		int ret;

		if (!msg)
			return -ENOMEM;
		ret = snap_nl_transact(nl, msg, load_one, r);
		if (ret)
			return ret;
	}
	return 0;
}

void registry_free(struct registry *r)
{
	while (r->bdevs) {
		struct reg_bdev *b = r->bdevs;

		r->bdevs = b->next;
		bdev_free(b);
	}
	while (r->subsystems) {
		struct reg_subsys *s = r->subsystems;

		r->subsystems = s->next;
		free(s);
	}
	while (r->namespaces) {
		struct reg_ns *ns = r->namespaces;

		r->namespaces = ns->next;
		free(ns);
	}
	while (r->ctrls) {
		struct reg_ctrl *c = r->ctrls;

		r->ctrls = c->next;
		free(c);
	}
	while (r->funcs) {
		struct reg_func *f = r->funcs;

		r->funcs = f->next;
		free(f);
	}
}
