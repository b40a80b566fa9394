// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of emulation objects and SNAP's rules between them: names
 * unique, nsid unique in its subsystem, no namespace shared between
 * controllers, one controller per function, queue limits from the MSI-X
 * vectors, nothing destroyed while in use unless forced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/stringify.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "datapath.h"
#include "provider.h"
#include "rules.h"
#include "snap.h"

/*
 * Serializes every change to the registry and every read of its links.
 * Taken only where sleeping is allowed, and a mutex: walks of the whole
 * registry under it (thousands of objects) cond_resched() as they go.
 */
struct mutex snap_lock = __MUTEX_INITIALIZER(snap_lock);
EXPORT_SYMBOL_IF_KUNIT(snap_lock);

/*
 * Bdevs by id, for mmap of their counters and malloc contents. mmap runs under the
 * mmap_lock, and snap_lock is held across copy_to_user (which may take
 * it), so mmap must not take snap_lock: it looks bdevs up here instead,
 * under a lock that never covers a user access. Lock order: snap_lock,
 * then snap_bdev_mem_lock.
 */
DEFINE_MUTEX(snap_bdev_mem_lock);
DEFINE_XARRAY(snap_bdev_by_id);

struct snap_emu snap_emu = {
	.name = "sim0",
	.funcs = LIST_HEAD_INIT(snap_emu.funcs),
	.ctrls = LIST_HEAD_INIT(snap_emu.ctrls),
	.subsystems = LIST_HEAD_INIT(snap_emu.subsystems),
	.bdevs = LIST_HEAD_INIT(snap_emu.bdevs),
	.ctrl_gc = LIST_HEAD_INIT(snap_emu.ctrl_gc),
	.func_gc = LIST_HEAD_INIT(snap_emu.func_gc),
	.log_level = -1,
};

/* The KUnit suites, a module of their own in the debug lane, fill its id spaces. */
EXPORT_SYMBOL_IF_KUNIT(snap_emu);

/* Defaults of SNAP's RPCs where the caller gives none. */
#define SNAP_DEFAULT_NN			1024
#define SNAP_DEFAULT_MDTS		7
#define SNAP_DEFAULT_MODEL		"snap NVMe controller"
#define SNAP_VBLK_DEFAULT_QUEUE_SIZE	128
#define SNAP_VBLK_MAX_QUEUE_SIZE	32768	/* virtio 1.2, split ring */
#define SNAP_VBLK_DEFAULT_SEG_MAX	32
#define SNAP_VBLK_MAX_SEG_MAX		4096
#define SNAP_VBLK_DEFAULT_SIZE_MAX	65536
#define SNAP_VBLK_MIN_SIZE_MAX		512
#define SNAP_VBLK_MAX_SIZE_MAX		SZ_1G
#define SNAP_BDEV_DEFAULT_BLOCK_SIZE	512
#define SNAP_BDEV_MIN_BLOCK_SIZE	512
#define SNAP_BDEV_MAX_BLOCK_SIZE	65536

/*
 * Dropping snap_lock also removes the sysfs folders of controllers and
 * functions that went away meanwhile: removing them under the lock could
 * deadlock with a sysfs read of that very folder, which takes the lock.
 */
void snap_unlock(void)
{
	struct snap_ctrl *ctrl, *tmp;
	struct snap_func *func, *ftmp;
	LIST_HEAD(funcs);
	LIST_HEAD(gc);

	list_splice_init(&snap_emu.ctrl_gc, &gc);
	list_splice_init(&snap_emu.func_gc, &funcs);
	mutex_unlock(&snap_lock);

	/* A dead controller holds its function: controllers go first. */
	list_for_each_entry_safe(ctrl, tmp, &gc, node) {
		list_del(&ctrl->node);
		kobject_del(&ctrl->kobj);
		kobject_put(&ctrl->kobj);
		cond_resched();
	}
	list_for_each_entry_safe(func, ftmp, &funcs, node) {
		list_del(&func->node);
		kobject_del(&func->kobj);
		kobject_put(&func->kobj);
	}
}
EXPORT_SYMBOL_IF_KUNIT(snap_unlock);

static void snap_changed(void)
{
	snap_emu.generation++;
}

static int snap_set_string(char **dst, const char *src)
{
	char *copy = NULL;

	if (src && *src) {
		copy = kstrdup(src, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	kfree(*dst);
	*dst = copy;
	return 0;
}

/* ---- bdevs ---- */

static void snap_bdev_release(struct kref *ref)
{
	struct snap_bdev *bdev = container_of(ref, struct snap_bdev, ref);

	mutex_lock(&snap_bdev_mem_lock);
	xa_erase(&snap_bdev_by_id, bdev->id);
	mutex_unlock(&snap_bdev_mem_lock);
	ida_free(&snap_emu.bdev_ida, bdev->id);
	/* A daemon's mapping keeps its own page references. */
	vfree(bdev->mem);
	vfree(bdev->stats);
	kfree(bdev->filename);
	kfree(bdev->args);
	kfree(bdev->error);
	kfree(bdev);
}

static void snap_bdev_put(struct snap_bdev *bdev)
{
	kref_put(&bdev->ref, snap_bdev_release);
}

struct snap_bdev *snap_bdev_find(const char *name)
{
	struct snap_bdev *bdev;

	list_for_each_entry(bdev, &snap_emu.bdevs, node)
		if (!strcmp(bdev->name, name))
			return bdev;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(snap_bdev_find);

static bool snap_bdev_in_use(const struct snap_bdev *bdev)
{
	return bdev->ns || bdev->vblk;
}

static int snap_bdev_check_cfg(const struct snap_bdev_cfg *cfg,
			       struct netlink_ext_ack *extack)
{
	if (!snap_valid_name(cfg->name)) {
		NL_SET_ERR_MSG(extack, "bdev name must be 1-63 of [A-Za-z0-9_.:-]");
		return -EINVAL;
	}
	if (cfg->block_size &&
	    !snap_pow2_in(cfg->block_size, SNAP_BDEV_MIN_BLOCK_SIZE,
			  SNAP_BDEV_MAX_BLOCK_SIZE)) {
		NL_SET_ERR_MSG(extack, "block_size must be a power of two in 512-65536");
		return -EINVAL;
	}
	switch (cfg->type) {
	case SNAP_BDEV_NULL:
	case SNAP_BDEV_MALLOC:
		if (!cfg->block_size || !cfg->num_blocks) {
			NL_SET_ERR_ATTR_MISS(extack, NULL, cfg->block_size ?
					     SNAP_A_NUM_BLOCKS : SNAP_A_BLOCK_SIZE);
			NL_SET_ERR_MSG(extack, "null and malloc bdevs need size and block size");
			return -EINVAL;
		}
		break;
	case SNAP_BDEV_URING:
		if (!cfg->filename)
			NL_SET_ERR_ATTR_MISS(extack, NULL, SNAP_A_FILENAME);
		if (!cfg->filename || cfg->filename[0] != '/') {
			NL_SET_ERR_MSG(extack, "uring bdev needs an absolute filename");
			return -EINVAL;
		}
		break;
	case SNAP_BDEV_NVMF:
	case SNAP_BDEV_PLUGIN:
		if (!cfg->args)
			NL_SET_ERR_ATTR_MISS(extack, NULL, SNAP_A_BDEV_ARGS);
		if (!cfg->args || !*cfg->args) {
			NL_SET_ERR_MSG(extack, "nvmf and plugin bdevs need bdev_args");
			return -EINVAL;
		}
		break;
	}
	if (cfg->num_blocks > U64_MAX / (cfg->block_size ?: 1)) {
		NL_SET_ERR_MSG(extack, "bdev size overflows 64 bits");
		return -ERANGE;
	}
	return 0;
}

/* Bytes of all malloc bdevs: kernel memory once served (snap_dp_mmap_bdev). */
static u64 snap_malloc_bytes(void)
{
	struct snap_bdev *bdev;
	u64 bytes = 0;

	list_for_each_entry(bdev, &snap_emu.bdevs, node)
		if (bdev->type == SNAP_BDEV_MALLOC)
			bytes += bdev->num_blocks * bdev->block_size;
	return bytes;
}

static int snap_malloc_check_ram(const struct snap_bdev_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	u64 more = cfg->num_blocks * cfg->block_size, used = snap_malloc_bytes();

	if (used + more < used ||
	    !snap_ram_share_ok(used + more, (u64)totalram_pages() << PAGE_SHIFT)) {
		NL_SET_ERR_MSG(extack, "malloc bdevs may take at most half of RAM together");
		return -ENOMEM;
	}
	return 0;
}

int snap_bdev_create(const struct snap_bdev_cfg *cfg, struct snap_bdev **out,
		     struct netlink_ext_ack *extack)
{
	struct snap_bdev *bdev;
	int ret;

	ret = snap_bdev_check_cfg(cfg, extack);
	if (ret)
		return ret;
	if (cfg->type == SNAP_BDEV_MALLOC) {
		ret = snap_malloc_check_ram(cfg, extack);
		if (ret)
			return ret;
	}
	if (snap_bdev_find(cfg->name)) {
		NL_SET_ERR_MSG(extack, "a bdev of that name exists");
		return -EEXIST;
	}

	bdev = kzalloc(sizeof(*bdev), GFP_KERNEL);
	if (!bdev)
		return -ENOMEM;
	kref_init(&bdev->ref);
	strscpy(bdev->name, cfg->name, sizeof(bdev->name));
	bdev->type = cfg->type;
	bdev->num_blocks = cfg->num_blocks;
	bdev->block_size = cfg->block_size ?: SNAP_BDEV_DEFAULT_BLOCK_SIZE;
	ret = snap_set_string(&bdev->filename, cfg->filename);
	if (ret)
		goto err_free;
	ret = snap_set_string(&bdev->args, cfg->args);
	if (ret)
		goto err_free;
	ret = ida_alloc_range(&snap_emu.bdev_ida, 1, SNAP_BDEVS_MAX, GFP_KERNEL);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG(extack, "at most " __stringify(SNAP_BDEVS_MAX) " bdevs");
	if (ret < 0)
		goto err_free;
	bdev->id = ret;
	ret = xa_insert(&snap_bdev_by_id, bdev->id, bdev, GFP_KERNEL);
	if (ret)
		goto err_free_id;

	list_add_tail(&bdev->node, &snap_emu.bdevs);
	snap_changed();
	snap_notify_bdev(SNAP_CMD_BDEV_NEW, bdev);
	*out = bdev;
	return 0;

err_free_id:
	ida_free(&snap_emu.bdev_ida, bdev->id);
err_free:
	kfree(bdev->filename);
	kfree(bdev->args);
	kfree(bdev);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(snap_bdev_create);

static void snap_ns_unlink(struct snap_ns *ns);
static void snap_vblk_unlink_bdev(struct snap_ctrl *ctrl);

int snap_bdev_destroy(struct snap_bdev *bdev, bool force,
		      struct netlink_ext_ack *extack)
{
	if (snap_bdev_in_use(bdev) && !force) {
		NL_SET_ERR_MSG(extack, "bdev is in use by a namespace or controller");
		return -EBUSY;
	}
	if (bdev->ns)
		snap_ns_unlink(bdev->ns);
	if (bdev->vblk)
		snap_vblk_unlink_bdev(bdev->vblk);

	list_del(&bdev->node);
	snap_changed();
	snap_notify_bdev(SNAP_CMD_BDEV_DEL, bdev);
	snap_bdev_put(bdev);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_bdev_destroy);

static void snap_ns_sync_ready(struct snap_ns *ns);

/*
 * What the host reads of @func's device (virtio-blk config) may change,
 * or whether the device can serve a host driver that gave up on it.
 */
static void snap_func_config_changed(struct snap_func *func)
{
	snap_provider->config_changed(func);
}

/*
 * The host sees a new capacity: virtio-blk through a configuration change
 * (raised here), NVMe through the daemon's Namespace Attribute Changed
 * event. Only null bdevs: a malloc bdev's memory is fixed at its first
 * mapping, a uring bdev's size is its file's. Shrinking under a user
 * would fail the I/O it already has past the new end, as SPDK refuses.
 */
int snap_bdev_resize(struct snap_bdev *bdev, u64 num_blocks,
		     struct netlink_ext_ack *extack)
{
	if (bdev->type != SNAP_BDEV_NULL) {
		NL_SET_ERR_MSG(extack, "only a null bdev can be resized");
		return -EOPNOTSUPP;
	}
	if (!num_blocks || num_blocks > U64_MAX / bdev->block_size) {
		NL_SET_ERR_MSG(extack, "num_blocks must be 1 to 2^64 / block_size - 1");
		return -ERANGE;
	}
	if (num_blocks < bdev->num_blocks && snap_bdev_in_use(bdev)) {
		NL_SET_ERR_MSG(extack, "a bdev in use can only grow");
		return -EBUSY;
	}
	return snap_bdev_set_status(bdev, NULL, NULL, &num_blocks, extack);
}
EXPORT_SYMBOL_IF_KUNIT(snap_bdev_resize);

int snap_bdev_set_status(struct snap_bdev *bdev, const u8 *ready,
			 const char *error, const u64 *num_blocks,
			 struct netlink_ext_ack *extack)
{
	int ret;

	if (num_blocks && *num_blocks > U64_MAX / bdev->block_size) {
		NL_SET_ERR_MSG(extack, "bdev size overflows 64 bits");
		return -ERANGE;
	}
	if (error) {
		ret = snap_set_string(&bdev->error, error);
		if (ret)
			return ret;
	}
	if (ready)
		bdev->ready = *ready;
	if (num_blocks)
		bdev->num_blocks = *num_blocks;
	snap_changed();
	snap_notify_bdev(SNAP_CMD_BDEV_SET, bdev);
	if (bdev->ns)
		snap_ns_sync_ready(bdev->ns);
	if (num_blocks && bdev->vblk)
		snap_func_config_changed(bdev->vblk->func);
	return 0;
}

/* ---- subsystems ---- */

static void snap_subsys_release(struct kref *ref)
{
	struct snap_subsys *subsys = container_of(ref, struct snap_subsys, ref);

	ida_free(&snap_emu.subsys_ida, subsys->id);
	kfree(subsys);
}

static void snap_subsys_put(struct snap_subsys *subsys)
{
	kref_put(&subsys->ref, snap_subsys_release);
}

struct snap_subsys *snap_subsys_find(const char *nqn)
{
	struct snap_subsys *subsys;

	list_for_each_entry(subsys, &snap_emu.subsystems, node)
		if (!strcmp(subsys->nqn, nqn))
			return subsys;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(snap_subsys_find);

static int snap_check_printable(const char *s, const char *what,
				struct netlink_ext_ack *extack)
{
	for (; *s; s++) {
		if (*s < 0x20 || *s > 0x7e) {
			NL_SET_ERR_MSG(extack, "serial and model numbers must be printable ASCII");
			return -EINVAL;
		}
	}
	return 0;
}

int snap_subsys_create(const struct snap_subsys_cfg *cfg,
		       struct snap_subsys **out, struct netlink_ext_ack *extack)
{
	struct snap_subsys *subsys;
	u32 nn = cfg->nn ?: SNAP_DEFAULT_NN;
	int ret;

	if (!snap_valid_nqn(cfg->nqn)) {
		NL_SET_ERR_MSG(extack, "nqn must start \"nqn.\", at most 223 printable bytes");
		return -EINVAL;
	}
	if (nn > SNAP_NVME_NN_MAX || cfg->mnan > nn) {
		NL_SET_ERR_MSG(extack,
			       "need 1 <= mnan <= nn <= " __stringify(SNAP_NVME_NN_MAX));
		return -ERANGE;
	}
	if ((cfg->serial && snap_check_printable(cfg->serial, "serial_number", extack)) ||
	    (cfg->model && snap_check_printable(cfg->model, "model_number", extack)))
		return -EINVAL;
	if (snap_subsys_find(cfg->nqn)) {
		NL_SET_ERR_MSG(extack, "a subsystem with that nqn exists");
		return -EEXIST;
	}

	subsys = kzalloc(sizeof(*subsys), GFP_KERNEL);
	if (!subsys)
		return -ENOMEM;
	ret = ida_alloc_range(&snap_emu.subsys_ida, 1, SNAP_SUBSYSTEMS_MAX, GFP_KERNEL);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG(extack, "at most " __stringify(SNAP_SUBSYSTEMS_MAX) " subsystems");
	if (ret < 0) {
		kfree(subsys);
		return ret;
	}
	kref_init(&subsys->ref);
	subsys->id = ret;
	INIT_LIST_HEAD(&subsys->namespaces);
	strscpy(subsys->nqn, cfg->nqn, sizeof(subsys->nqn));
	if (cfg->serial && *cfg->serial)
		strscpy(subsys->serial, cfg->serial, sizeof(subsys->serial));
	else
		snprintf(subsys->serial, sizeof(subsys->serial), "SNAP%08X", subsys->id);
	strscpy(subsys->model, cfg->model && *cfg->model ? cfg->model :
		SNAP_DEFAULT_MODEL, sizeof(subsys->model));
	subsys->nn = nn;
	subsys->mnan = cfg->mnan ?: nn;
	subsys->single_ctrl = cfg->single_ctrl;

	list_add_tail(&subsys->node, &snap_emu.subsystems);
	snap_changed();
	snap_notify_subsys(SNAP_CMD_SUBSYS_NEW, subsys);
	*out = subsys;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_subsys_create);

int snap_subsys_destroy(struct snap_subsys *subsys, bool force,
			struct netlink_ext_ack *extack)
{
	struct snap_ctrl *ctrl, *ctmp;
	struct snap_ns *ns, *ntmp;

	if ((subsys->num_ns || subsys->num_ctrls) && !force) {
		NL_SET_ERR_MSG(extack, "subsystem still has namespaces or controllers");
		return -EBUSY;
	}
	list_for_each_entry_safe(ctrl, ctmp, &snap_emu.ctrls, node) {
		if (ctrl->type == SNAP_FUNC_NVME && ctrl->nvme.subsys == subsys)
			snap_ctrl_destroy(ctrl);
		cond_resched();
	}
	list_for_each_entry_safe(ns, ntmp, &subsys->namespaces, node) {
		snap_ns_unlink(ns);
		cond_resched();
	}

	list_del(&subsys->node);
	snap_changed();
	snap_notify_subsys(SNAP_CMD_SUBSYS_DEL, subsys);
	snap_subsys_put(subsys);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_subsys_destroy);

int snap_subsys_modify(struct snap_subsys *subsys, const char *serial,
		       const char *model, const u32 *mnan,
		       struct netlink_ext_ack *extack)
{
	if ((serial && snap_check_printable(serial, "serial_number", extack)) ||
	    (model && snap_check_printable(model, "model_number", extack)))
		return -EINVAL;
	if (mnan && (*mnan > subsys->nn || *mnan < subsys->num_ns)) {
		NL_SET_ERR_MSG(extack, "mnan must be between the namespace count and nn");
		return -ERANGE;
	}
	if (serial && *serial)
		strscpy(subsys->serial, serial, sizeof(subsys->serial));
	if (model && *model)
		strscpy(subsys->model, model, sizeof(subsys->model));
	if (mnan)
		subsys->mnan = *mnan;
	snap_changed();
	snap_notify_subsys(SNAP_CMD_SUBSYS_SET, subsys);
	return 0;
}

/* ---- namespaces ---- */

/*
 * How many namespaces each (nqn, nsid) lost in this load, for the uuids
 * of namespaces created again under it (snap_ns_uuid()). Keyed by a hash
 * of the pair: a collision at worst gives a first namespace a uuid of a
 * later incarnation. An entry appears when a namespace with a derived
 * uuid is created, so that counting its loss never needs memory.
 */
static DEFINE_XARRAY(snap_ns_incarnations);

static unsigned long snap_ns_name_key(const char *nqn, u32 nsid)
{
	return jhash(nqn, strnlen(nqn, SNAP_NQN_MAX), jhash_1word(nsid, 0x6e736964));
}

/* The incarnation a namespace created now under (@nqn, @nsid) is. */
static int snap_ns_incarnation(const char *nqn, u32 nsid, u32 *out)
{
	unsigned long key = snap_ns_name_key(nqn, nsid);
	void *entry = xa_load(&snap_ns_incarnations, key);

	if (!entry) {
		entry = xa_mk_value(0);
		if (xa_is_err(xa_store(&snap_ns_incarnations, key, entry, GFP_KERNEL)))
			return -ENOMEM;
	}
	*out = xa_to_value(entry);
	return 0;
}

static void snap_ns_count_loss(const char *nqn, u32 nsid)
{
	unsigned long key = snap_ns_name_key(nqn, nsid);
	void *entry = xa_load(&snap_ns_incarnations, key);

	/* Replaces an entry that exists: allocates nothing, cannot fail. */
	if (entry)
		xa_store(&snap_ns_incarnations, key,
			 xa_mk_value(xa_to_value(entry) + 1), GFP_KERNEL);
}

static void snap_ns_release(struct kref *ref)
{
	struct snap_ns *ns = container_of(ref, struct snap_ns, ref);

	ida_free(&snap_emu.ns_ida, ns->id);
	kfree(ns->error);
	kfree(ns);
}

struct snap_ns *snap_ns_find(struct snap_subsys *subsys, u32 nsid)
{
	struct snap_ns *ns;

	list_for_each_entry(ns, &subsys->namespaces, node)
		if (ns->nsid == nsid)
			return ns;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ns_find);

static u32 snap_ns_lowest_free(struct snap_subsys *subsys)
{
	struct snap_ns *ns;
	u32 nsid = 1;

	/* The list is sorted by nsid: the first gap is the answer. */
	list_for_each_entry(ns, &subsys->namespaces, node) {
		if (ns->nsid != nsid)
			break;
		nsid++;
	}
	return nsid;
}

static void snap_ns_insert_sorted(struct snap_subsys *subsys,
				  struct snap_ns *new)
{
	struct snap_ns *ns;

	list_for_each_entry(ns, &subsys->namespaces, node) {
		if (ns->nsid > new->nsid) {
			list_add_tail(&new->node, &ns->node);
			return;
		}
	}
	list_add_tail(&new->node, &subsys->namespaces);
}

static void snap_ns_sync_ready(struct snap_ns *ns)
{
	if (ns->ready == ns->bdev->ready)
		return;
	ns->ready = ns->bdev->ready;
	snap_notify_ns(SNAP_CMD_NS_SET, ns);
}

static int snap_ns_check_cfg(const struct snap_ns_cfg *cfg,
			     struct snap_subsys **subsys_out,
			     struct snap_bdev **bdev_out, u32 *nsid_out,
			     struct netlink_ext_ack *extack)
{
	struct snap_subsys *subsys;
	struct snap_bdev *bdev;
	u32 nsid;

	subsys = snap_subsys_find(cfg->nqn);
	if (!subsys) {
		NL_SET_ERR_MSG(extack, "no subsystem with that nqn");
		return -ENOENT;
	}
	/*
	 * Before the bdev and the subsystem's room, which an existing
	 * namespace itself takes: a configuration file replayed over the
	 * objects it made is told the namespace exists (snapadm --exist-ok).
	 */
	if (cfg->nsid && snap_ns_find(subsys, cfg->nsid)) {
		NL_SET_ERR_MSG(extack, "nsid already exists in the subsystem");
		return -EEXIST;
	}
	bdev = snap_bdev_find(cfg->bdev);
	if (!bdev) {
		NL_SET_ERR_MSG(extack, "no bdev of that name");
		return -ENOENT;
	}
	if (snap_bdev_in_use(bdev)) {
		NL_SET_ERR_MSG(extack, "bdev is already in use");
		return -EBUSY;
	}
	if (subsys->num_ns >= subsys->mnan) {
		NL_SET_ERR_MSG(extack, "subsystem already has mnan namespaces");
		return -E2BIG;
	}
	nsid = cfg->nsid ?: snap_ns_lowest_free(subsys);
	if (nsid > subsys->nn) {
		NL_SET_ERR_MSG(extack, "nsid must be in 1..nn of the subsystem");
		return -ERANGE;
	}
	if (cfg->uuid && snap_uuid_is_null(cfg->uuid)) {
		NL_SET_ERR_MSG(extack, "uuid must not be all zeroes");
		return -EINVAL;
	}
	*subsys_out = subsys;
	*bdev_out = bdev;
	*nsid_out = nsid;
	return 0;
}

int snap_ns_create(const struct snap_ns_cfg *cfg, struct snap_ns **out,
		   struct netlink_ext_ack *extack)
{
	struct snap_subsys *subsys;
	struct snap_bdev *bdev;
	struct snap_ns *ns;
	u32 nsid, incarnation = 0;
	int ret;

	ret = snap_ns_check_cfg(cfg, &subsys, &bdev, &nsid, extack);
	if (ret)
		return ret;
	if (!cfg->uuid) {
		ret = snap_ns_incarnation(subsys->nqn, nsid, &incarnation);
		if (ret)
			return ret;
	}

	ns = kzalloc(sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;
	ret = ida_alloc_range(&snap_emu.ns_ida, 1, SNAP_NAMESPACES_MAX, GFP_KERNEL);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG(extack, "at most " __stringify(SNAP_NAMESPACES_MAX) " namespaces");
	if (ret < 0) {
		kfree(ns);
		return ret;
	}
	kref_init(&ns->ref);
	ns->id = ret;
	ns->nsid = nsid;
	if (cfg->uuid)
		memcpy(ns->uuid, cfg->uuid, SNAP_UUID_LEN);
	else
		snap_ns_uuid(subsys->nqn, nsid, incarnation, ns->uuid);

	kref_get(&subsys->ref);
	ns->subsys = subsys;
	kref_get(&bdev->ref);
	ns->bdev = bdev;
	bdev->ns = ns;
	ns->ready = bdev->ready;
	snap_ns_insert_sorted(subsys, ns);
	subsys->num_ns++;

	snap_changed();
	snap_notify_ns(SNAP_CMD_NS_NEW, ns);
	snap_notify_bdev(SNAP_CMD_BDEV_SET, bdev);
	*out = ns;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ns_create);

static void snap_ns_detach(struct snap_ns *ns)
{
	struct snap_ctrl *ctrl = ns->ctrl;

	ns->ctrl = NULL;
	snap_changed();
	snap_notify_ctrl(SNAP_CMD_NVME_CTRL_SET, ctrl);
	snap_notify_ns(SNAP_CMD_NS_SET, ns);
}

/* Removes a namespace whatever uses it; the caller checked or forced. */
static void snap_ns_unlink(struct snap_ns *ns)
{
	struct snap_subsys *subsys = ns->subsys;

	if (ns->ctrl)
		snap_ns_detach(ns);
	list_del(&ns->node);
	subsys->num_ns--;
	snap_ns_count_loss(subsys->nqn, ns->nsid);
	ns->bdev->ns = NULL;
	snap_changed();
	snap_notify_ns(SNAP_CMD_NS_DEL, ns);
	snap_notify_bdev(SNAP_CMD_BDEV_SET, ns->bdev);

	snap_bdev_put(ns->bdev);
	snap_subsys_put(subsys);
	kref_put(&ns->ref, snap_ns_release);
}

int snap_ns_destroy(struct snap_ns *ns, bool force,
		    struct netlink_ext_ack *extack)
{
	if (ns->ctrl && !force) {
		NL_SET_ERR_MSG(extack, "namespace is attached to a controller");
		return -EBUSY;
	}
	snap_ns_unlink(ns);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ns_destroy);

int snap_ns_set_status(struct snap_ns *ns, const u8 *ready, const char *error,
		       struct netlink_ext_ack *extack)
{
	int ret;

	if (error) {
		ret = snap_set_string(&ns->error, error);
		if (ret)
			return ret;
	}
	if (ready)
		ns->ready = *ready;
	snap_changed();
	snap_notify_ns(SNAP_CMD_NS_SET, ns);
	return 0;
}

/* ---- functions ---- */

static void snap_func_put(struct snap_func *func)
{
	kobject_put(&func->kobj);
}

struct snap_func *snap_func_lookup(u8 type, const struct snap_func_ref *ref,
				   struct netlink_ext_ack *extack)
{
	struct snap_func *func;

	if (!ref->vuid && !ref->has_pf) {
		NL_SET_ERR_MSG(extack, "give the function as pf_id (and vf_id) or vuid");
		return ERR_PTR(-EINVAL);
	}
	list_for_each_entry(func, &snap_emu.funcs, node) {
		if (ref->vuid) {
			if (strcmp(func->vuid, ref->vuid))
				continue;
		} else if (func->type != type || func->pf_id != ref->pf_id ||
			   func->vf_id != (ref->has_vf ? (s32)ref->vf_id : -1)) {
			continue;
		}
		if (func->type != type) {
			NL_SET_ERR_MSG(extack, "function is not of this emulation type");
			return ERR_PTR(-EINVAL);
		}
		if ((ref->has_pf && func->pf_id != ref->pf_id) ||
		    (ref->has_vf && func->vf_id != (s32)ref->vf_id)) {
			NL_SET_ERR_MSG(extack, "vuid and pf_id/vf_id name different functions");
			return ERR_PTR(-EINVAL);
		}
		return func;
	}
	if (ref->vuid)
		NL_SET_ERR_MSG(extack, "no function with that vuid");
	else if (ref->has_vf)
		NL_SET_ERR_MSG(extack, "no function of this type with that pf_id and vf_id");
	else
		NL_SET_ERR_MSG(extack, "no function of this type with that pf_id");
	return ERR_PTR(-ENOENT);
}

static int snap_func_add(u8 type, u8 kind, u32 pf_id, s32 vf_id, u32 num_msix,
			 u32 max_msix, struct snap_func **out)
{
	struct snap_func *func;
	int ret;

	func = kzalloc(sizeof(*func), GFP_KERNEL);
	if (!func)
		return -ENOMEM;
	kobject_init(&func->kobj, &snap_func_ktype);
	ret = ida_alloc_min(&snap_emu.func_ida, 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(func);
		return ret;
	}
	func->id = ret;
	func->type = type;
	func->kind = kind;
	func->pf_id = pf_id;
	func->vf_id = vf_id;
	func->num_msix = num_msix;
	func->max_msix = max_msix;
	snap_format_vuid(func->vuid, sizeof(func->vuid), type, pf_id, vf_id);

	ret = snap_sysfs_add_func(func);
	if (ret) {
		kobject_put(&func->kobj);
		return ret;
	}
	ret = snap_dp_func_init(func);
	if (ret) {
		kobject_del(&func->kobj);
		kobject_put(&func->kobj);
		return ret;
	}
	list_add_tail(&func->node, &snap_emu.funcs);
	snap_emu.num_funcs++;
	if (out)
		*out = func;
	return 0;
}

/*
 * Off the registry at once; the sysfs folder goes at snap_unlock(), and
 * the function itself with its last reference (a dead controller's).
 */
static void snap_func_remove(struct snap_func *func)
{
	list_del(&func->node);
	snap_emu.num_funcs--;
	snap_dp_func_exit(func);
	list_add_tail(&func->node, &snap_emu.func_gc);
}

/*
 * The MSI-X parameters are best effort: 0 gets the default count.
 *
 * The parameters allow 8518 functions, each with a sysfs folder: with
 * debugging on, creating them takes tens of seconds. Module init may
 * sleep and holds no lock here, so let others run after each function.
 */
static int snap_funcs_create(u8 type, u32 num_pf, u32 num_vf, u32 pf_msix,
			     u32 vf_msix)
{
	u32 pf, vf;
	int ret;

	pf_msix = snap_params_num_msix(pf_msix);
	vf_msix = snap_params_num_msix(vf_msix);

	for (pf = 0; pf < num_pf; pf++) {
		ret = snap_func_add(type, SNAP_FUNC_STATIC_PF, pf, -1, pf_msix,
				    pf_msix, NULL);
		if (ret)
			return ret;
		for (vf = 0; vf < num_vf; vf++) {
			cond_resched();
			ret = snap_func_add(type, SNAP_FUNC_VF, pf, vf, vf_msix,
					    vf_msix, NULL);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * snap_func_bdf() - where the host sees a function now
 * @func: the function
 * @buf: gets its BDF, or "" while the host has none
 * @len: size of @buf
 *
 * A hot-plug PF's is the host's while its device exists. Under snap_lock.
 */
void snap_func_bdf(const struct snap_func *func, char *buf, size_t len)
{
	struct snap_hotplug_info info;

	if (func->kind != SNAP_FUNC_HOTPLUG_PF) {
		strscpy(buf, func->pci_bdf, len);
		return;
	}
	snap_provider->hotplug_info(func, &info);
	strscpy(buf, info.pci_bdf, len);
}

/* ---- hot-plug PFs ---- */

static u32 snap_static_pfs(u8 type)
{
	return type == SNAP_FUNC_NVME ? snap_params.nvme_emulation_num_pf :
	       snap_params.virtio_blk_emulation_num_pf;
}

static u32 snap_type_num_msix(u8 type)
{
	return snap_params_num_msix(type == SNAP_FUNC_NVME ?
				    snap_params.nvme_emulation_num_msix :
				    snap_params.virtio_blk_emulation_num_msix);
}

static bool snap_pf_id_in(const struct list_head *funcs, u8 type, u32 pf_id)
{
	struct snap_func *func;

	list_for_each_entry(func, funcs, node)
		if (func->type == type && func->pf_id == pf_id && func->vf_id < 0)
			return true;
	return false;
}

/* A function gone keeps its number until its sysfs folder, named after it, goes. */
static bool snap_pf_id_taken(u8 type, u32 pf_id)
{
	return snap_pf_id_in(&snap_emu.funcs, type, pf_id) ||
	       snap_pf_id_in(&snap_emu.func_gc, type, pf_id);
}

/* Hot-plug PFs are numbered after the static PFs of their type, as in SNAP. */
static int snap_hotplug_pf_id(u8 type, struct netlink_ext_ack *extack)
{
	u32 pf_id;

	for (pf_id = snap_static_pfs(type); pf_id <= SNAP_PF_ID_MAX; pf_id++)
		if (!snap_pf_id_taken(type, pf_id))
			return pf_id;
	NL_SET_ERR_MSG(extack, "no PF number is free for another hot-plug PF");
	return -ENOSPC;
}

/**
 * snap_hotplug_pf_create() - a hot-plug PF on a free port of the switch
 * @cfg: its type, MSI-X vectors (0: the type's parameter) and whether it
 *	goes into its slot at once
 * @out: the function
 * @extack: why not
 *
 * Return: 0, -EOPNOTSUPP without a switch, -ENOSPC when every port is
 * taken, or another negative errno.
 */
int snap_hotplug_pf_create(const struct snap_hotplug_cfg *cfg,
			   struct snap_func **out, struct netlink_ext_ack *extack)
{
	u32 num_msix = cfg->num_msix ?: snap_type_num_msix(cfg->type);
	struct snap_func *func;
	int pf_id, ret;

	lockdep_assert_held(&snap_lock);
	if (!snap_params_hotplug_pfs(&snap_params) || !snap_provider->hotplug_add) {
		NL_SET_ERR_MSG(extack, "hot-plug PFs need the switch (pci_switch_emulation_*)");
		return -EOPNOTSUPP;
	}
	pf_id = snap_hotplug_pf_id(cfg->type, extack);
	if (pf_id < 0)
		return pf_id;
	ret = snap_func_add(cfg->type, SNAP_FUNC_HOTPLUG_PF, pf_id, -1,
			    num_msix, num_msix, &func);
	if (ret)
		return ret;
	ret = snap_provider->hotplug_add(func, extack);
	if (ret)
		goto err_remove;
	if (cfg->plug) {
		ret = snap_provider->hotplug_set(func, SNAP_HOTPLUG_PLUGGED, extack);
		if (ret)
			goto err_provider_remove;
	}
	snap_changed();
	snap_notify_func(SNAP_CMD_FUNC_NEW, func);
	*out = func;
	return 0;

err_provider_remove:
	snap_dp_func_retire(func);
	snap_provider->hotplug_remove(func);
err_remove:
	snap_func_remove(func);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(snap_hotplug_pf_create);

/*
 * The host must have let the function go, unless @force: then a host
 * that still has it loses it as in a surprise removal.
 */
static int snap_hotplug_pf_may_go(struct snap_func *func, bool force,
				  struct netlink_ext_ack *extack)
{
	struct snap_hotplug_info info;

	if (func->ctrl && !force) {
		NL_SET_ERR_MSG(extack, "the function has a controller: destroy it, or force");
		return -EBUSY;
	}
	snap_provider->hotplug_info(func, &info);
	if (force) {
		/*
		 * virtio_blk's remove waits in del_gendisk for requests that
		 * nothing completes on a device gone (6.1 to 6.12): the host
		 * would hang.
		 */
		if (func->type == SNAP_FUNC_VIRTIO_BLK && snap_provider->in_use(func)) {
			NL_SET_ERR_MSG(extack, "virtio driver bound (it would hang): hot-unplug");
			return -EBUSY;
		}
		return 0;
	}
	if (info.state == SNAP_HOTPLUG_PLUGGED) {
		NL_SET_ERR_MSG(extack, "the function is plugged: request its unplug, or force");
		return -EBUSY;
	}
	if (info.state == SNAP_HOTPLUG_UNPLUG_REQUESTED) {
		NL_SET_ERR_MSG(extack, "the host has not released the function: wait, or force");
		return -EBUSY;
	}
	return 0;
}

/**
 * snap_hotplug_pf_destroy() - take a hot-plug PF out of its slot and away
 * @func: a hot-plug PF
 * @force: also destroy its controller, and take it from a host that
 *	still has it
 * @extack: why not
 *
 * No daemon operation on the function runs once its data path retires,
 * and no provider path once the provider removed it; its sysfs folder
 * goes at snap_unlock().
 *
 * Return: 0, -EINVAL for another kind of function, -EBUSY while in use.
 */
int snap_hotplug_pf_destroy(struct snap_func *func, bool force,
			    struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&snap_lock);
	if (func->kind != SNAP_FUNC_HOTPLUG_PF) {
		NL_SET_ERR_MSG(extack, "only hot-plug PFs come and go: static PFs and VFs stay");
		return -EINVAL;
	}
	ret = snap_hotplug_pf_may_go(func, force, extack);
	if (ret)
		return ret;
	if (func->ctrl)
		snap_ctrl_destroy(func->ctrl);
	snap_dp_func_retire(func);
	snap_provider->hotplug_remove(func);
	snap_changed();
	snap_notify_func(SNAP_CMD_FUNC_DEL, func);
	snap_func_remove(func);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_hotplug_pf_destroy);

/**
 * snap_hotplug_pf_set() - plug a hot-plug PF, or ask the host to let it go
 * @func: the function
 * @state: %SNAP_HOTPLUG_PLUGGED or %SNAP_HOTPLUG_UNPLUG_REQUESTED
 * @extack: why not
 *
 * Return: 0 or a negative errno.
 */
int snap_hotplug_pf_set(struct snap_func *func, u8 state,
			struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&snap_lock);
	if (func->kind != SNAP_FUNC_HOTPLUG_PF) {
		NL_SET_ERR_MSG(extack, "only hot-plug PFs are plugged and unplugged");
		return -EINVAL;
	}
	if (state != SNAP_HOTPLUG_PLUGGED && state != SNAP_HOTPLUG_UNPLUG_REQUESTED) {
		NL_SET_ERR_MSG(extack, "a function can be plugged or its unplug requested");
		return -EINVAL;
	}
	ret = snap_provider->hotplug_set(func, state, extack);
	if (ret)
		return ret;
	snap_changed();
	snap_notify_func(SNAP_CMD_FUNC_SET, func);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_hotplug_pf_set);

/* ---- controllers ---- */

/*
 * A controller's subsystem lists its controllers and a bdev names its
 * user: when a controller comes or goes, those change too.
 */
static void snap_notify_ctrl_links(const struct snap_ctrl *ctrl)
{
	if (ctrl->type == SNAP_FUNC_NVME)
		snap_notify_subsys(SNAP_CMD_SUBSYS_SET, ctrl->nvme.subsys);
	else if (ctrl->vblk.bdev)
		snap_notify_bdev(SNAP_CMD_BDEV_SET, ctrl->vblk.bdev);
}

struct snap_ctrl *snap_ctrl_find(const char *name, u8 type)
{
	struct snap_ctrl *ctrl;

	list_for_each_entry(ctrl, &snap_emu.ctrls, node)
		if (!strcmp(ctrl->name, name) && ctrl->type == type)
			return ctrl;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ctrl_find);

static bool snap_ctrl_name_taken(const char *name)
{
	struct snap_ctrl *ctrl;

	list_for_each_entry(ctrl, &snap_emu.ctrls, node)
		if (!strcmp(ctrl->name, name))
			return true;
	return false;
}

/* SNAP names controllers NVMeCtrl1, NVMeCtrl2, ... when not told. */
static void snap_ctrl_default_name(char *buf, size_t len, u8 type)
{
	const char *prefix = type == SNAP_FUNC_NVME ? "NVMeCtrl" : "VblkCtrl";
	unsigned int n;

	for (n = 1;; n++) {
		cond_resched();
		snprintf(buf, len, "%s%u", prefix, n);
		if (!snap_ctrl_name_taken(buf))
			return;
	}
}

static int snap_ctrl_check_common(const struct snap_ctrl_cfg *cfg,
				  struct snap_func *func, u32 max_queues,
				  struct netlink_ext_ack *extack)
{
	if (cfg->name && !snap_valid_name(cfg->name)) {
		NL_SET_ERR_MSG(extack, "controller name must be 1-63 of [A-Za-z0-9_.:-]");
		return -EINVAL;
	}
	if (cfg->name && snap_ctrl_name_taken(cfg->name)) {
		NL_SET_ERR_MSG(extack, "a controller of that name exists");
		return -EEXIST;
	}
	if (func->ctrl) {
		NL_SET_ERR_MSG(extack, "function already has a controller");
		return -EEXIST;
	}
	if (cfg->num_queues > max_queues) {
		NL_SET_ERR_MSG(extack, "num_queues exceeds the function's MSI-X vectors");
		return -ERANGE;
	}
	return 0;
}

static int snap_nvme_ctrl_check(const struct snap_ctrl_cfg *cfg,
				struct snap_func *func,
				struct snap_subsys **subsys_out,
				struct netlink_ext_ack *extack)
{
	struct snap_subsys *subsys;
	int ret;

	ret = snap_ctrl_check_common(cfg, func, snap_nvme_max_queues(func->num_msix),
				     extack);
	if (ret)
		return ret;
	if (!cfg->nqn) {
		NL_SET_ERR_MSG(extack, "NVMe controller needs an nqn");
		return -EINVAL;
	}
	subsys = snap_subsys_find(cfg->nqn);
	if (!subsys) {
		NL_SET_ERR_MSG(extack, "no subsystem with that nqn");
		return -ENOENT;
	}
	if (subsys->single_ctrl && subsys->num_ctrls) {
		NL_SET_ERR_MSG(extack, "subsystem allows a single controller");
		return -EBUSY;
	}
	if (cfg->mdts > SNAP_NVME_MDTS_MAX) {
		NL_SET_ERR_MSG(extack, "mdts must be in 1-" __stringify(SNAP_NVME_MDTS_MAX));
		return -ERANGE;
	}
	*subsys_out = subsys;
	return 0;
}

static int snap_vblk_ctrl_check(const struct snap_ctrl_cfg *cfg,
				struct snap_func *func,
				struct snap_bdev **bdev_out,
				struct netlink_ext_ack *extack)
{
	struct snap_bdev *bdev = NULL;
	int ret;

	ret = snap_ctrl_check_common(cfg, func, snap_vblk_max_queues(func->num_msix),
				     extack);
	if (ret)
		return ret;
	if (cfg->queue_size &&
	    !snap_pow2_in(cfg->queue_size, 2, SNAP_VBLK_MAX_QUEUE_SIZE)) {
		NL_SET_ERR_MSG(extack, "queue_size must be a power of two in 2-32768");
		return -EINVAL;
	}
	if (cfg->seg_max && !snap_pow2_in(cfg->seg_max, 1, SNAP_VBLK_MAX_SEG_MAX)) {
		NL_SET_ERR_MSG(extack, "seg_max must be a power of two in 1-4096");
		return -EINVAL;
	}
	if (cfg->size_max &&
	    !snap_pow2_in(cfg->size_max, SNAP_VBLK_MIN_SIZE_MAX, SNAP_VBLK_MAX_SIZE_MAX)) {
		NL_SET_ERR_MSG(extack, "size_max must be a power of two in 512-1073741824");
		return -EINVAL;
	}
	if (cfg->serial && snap_check_printable(cfg->serial, "serial", extack))
		return -EINVAL;
	if (cfg->bdev) {
		bdev = snap_bdev_find(cfg->bdev);
		if (!bdev) {
			NL_SET_ERR_MSG(extack, "no bdev of that name");
			return -ENOENT;
		}
		if (snap_bdev_in_use(bdev)) {
			NL_SET_ERR_MSG(extack, "bdev is already in use");
			return -EBUSY;
		}
	}
	*bdev_out = bdev;
	return 0;
}

static void snap_ctrl_init_nvme(struct snap_ctrl *ctrl,
				const struct snap_ctrl_cfg *cfg,
				struct snap_subsys *subsys)
{
	kref_get(&subsys->ref);
	ctrl->nvme.subsys = subsys;
	subsys->num_ctrls++;
	ctrl->nvme.mdts = cfg->mdts ?: SNAP_DEFAULT_MDTS;
}

static void snap_vblk_link_bdev(struct snap_ctrl *ctrl, struct snap_bdev *bdev)
{
	kref_get(&bdev->ref);
	ctrl->vblk.bdev = bdev;
	bdev->vblk = ctrl;
}

static void snap_ctrl_init_vblk(struct snap_ctrl *ctrl,
				const struct snap_ctrl_cfg *cfg,
				struct snap_bdev *bdev)
{
	ctrl->vblk.queue_size = cfg->queue_size ?: SNAP_VBLK_DEFAULT_QUEUE_SIZE;
	ctrl->vblk.seg_max = cfg->seg_max ?: SNAP_VBLK_DEFAULT_SEG_MAX;
	ctrl->vblk.size_max = cfg->size_max ?: SNAP_VBLK_DEFAULT_SIZE_MAX;
	ctrl->vblk.read_only = cfg->read_only;
	ctrl->vblk.indirect_desc = cfg->indirect_desc;
	ctrl->vblk.force_in_order = cfg->force_in_order;
	strscpy(ctrl->vblk.serial, cfg->serial && *cfg->serial ? cfg->serial :
		ctrl->name, sizeof(ctrl->vblk.serial));
	if (bdev)
		snap_vblk_link_bdev(ctrl, bdev);
}

int snap_ctrl_create(const struct snap_ctrl_cfg *cfg, struct snap_ctrl **out,
		     struct netlink_ext_ack *extack)
{
	struct snap_subsys *subsys = NULL;
	struct snap_bdev *bdev = NULL;
	struct snap_func *func;
	struct snap_ctrl *ctrl;
	int ret;

	func = snap_func_lookup(cfg->type, &cfg->func, extack);
	if (IS_ERR(func))
		return PTR_ERR(func);
	if (cfg->type == SNAP_FUNC_NVME)
		ret = snap_nvme_ctrl_check(cfg, func, &subsys, extack);
	else
		ret = snap_vblk_ctrl_check(cfg, func, &bdev, extack);
	if (ret)
		return ret;

	ctrl = kzalloc(sizeof(*ctrl), GFP_KERNEL);
	if (!ctrl)
		return -ENOMEM;
	kobject_init(&ctrl->kobj, &snap_ctrl_ktype);
	ret = ida_alloc_min(&snap_emu.ctrl_ida, 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(ctrl);
		return ret;
	}
	ctrl->id = ret;
	ctrl->type = cfg->type;
	ctrl->state = cfg->state;
	if (cfg->name)
		strscpy(ctrl->name, cfg->name, sizeof(ctrl->name));
	else
		snap_ctrl_default_name(ctrl->name, sizeof(ctrl->name), cfg->type);
	if (cfg->num_queues)
		ctrl->num_queues = cfg->num_queues;
	else if (cfg->type == SNAP_FUNC_NVME)
		ctrl->num_queues = snap_nvme_max_queues(func->num_msix);
	else
		ctrl->num_queues = snap_vblk_max_queues(func->num_msix);

	ret = snap_sysfs_add_ctrl(ctrl);
	if (ret) {
		/* The kobject release frees the id and the memory. */
		kobject_put(&ctrl->kobj);
		return ret;
	}

	kobject_get(&func->kobj);
	ctrl->func = func;
	func->ctrl = ctrl;
	/* A new controller's I/O counters start at 0, a restarted daemon's do not. */
	snap_dp_stats_reset(func);
	if (cfg->type == SNAP_FUNC_NVME)
		snap_ctrl_init_nvme(ctrl, cfg, subsys);
	else
		snap_ctrl_init_vblk(ctrl, cfg, bdev);
	list_add_tail(&ctrl->node, &snap_emu.ctrls);
	snap_dp_gate_changed(func);
	snap_func_config_changed(func);

	snap_changed();
	snap_notify_ctrl(cfg->type == SNAP_FUNC_NVME ? SNAP_CMD_NVME_CTRL_NEW :
			 SNAP_CMD_VBLK_CTRL_NEW, ctrl);
	snap_notify_ctrl_links(ctrl);
	*out = ctrl;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_ctrl_create);

static void snap_vblk_unlink_bdev(struct snap_ctrl *ctrl)
{
	struct snap_bdev *bdev = ctrl->vblk.bdev;

	ctrl->vblk.bdev = NULL;
	bdev->vblk = NULL;
	snap_changed();
	snap_notify_ctrl(SNAP_CMD_VBLK_CTRL_SET, ctrl);
	snap_notify_bdev(SNAP_CMD_BDEV_SET, bdev);
	snap_bdev_put(bdev);
	if (!ctrl->dead && ctrl->func->ctrl == ctrl)
		snap_func_config_changed(ctrl->func);
}

/*
 * Controllers can always be destroyed: their namespaces are detached and
 * their bdev released. The sysfs folder goes at snap_unlock().
 */
void snap_ctrl_destroy(struct snap_ctrl *ctrl)
{
	struct snap_subsys *subsys;
	struct snap_ns *ns;

	if (ctrl->type == SNAP_FUNC_NVME) {
		subsys = ctrl->nvme.subsys;
		list_for_each_entry(ns, &subsys->namespaces, node) {
			if (ns->ctrl != ctrl)
				continue;
			ns->ctrl = NULL;
			snap_notify_ns(SNAP_CMD_NS_SET, ns);
			cond_resched();
		}
		subsys->num_ctrls--;
	} else if (ctrl->vblk.bdev) {
		ctrl->vblk.bdev->vblk = NULL;
	}

	list_del(&ctrl->node);
	ctrl->func->ctrl = NULL;
	snap_dp_ctrl_gone(ctrl->func);
	snap_dp_gate_changed(ctrl->func);
	snap_func_config_changed(ctrl->func);
	snap_changed();
	snap_notify_ctrl(ctrl->type == SNAP_FUNC_NVME ? SNAP_CMD_NVME_CTRL_DEL :
			 SNAP_CMD_VBLK_CTRL_DEL, ctrl);
	snap_notify_ctrl_links(ctrl);
	/* Links are dropped by the kobject release, after sysfs is gone. */
	ctrl->dead = true;
	list_add_tail(&ctrl->node, &snap_emu.ctrl_gc);
}

/*
 * As snap_ctrl_destroy(), and a host driver still bound to the function
 * loses it at once, as in a surprise removal, instead of finding CSTS.CFS
 * at its next timeout, where the provider can do that for the function's
 * model. The controller holds its function until snap_unlock().
 */
void snap_ctrl_destroy_force(struct snap_ctrl *ctrl)
{
	struct snap_func *func = ctrl->func;

	snap_ctrl_destroy(ctrl);
	if (snap_provider->surprise_remove)
		snap_provider->surprise_remove(func);
}

/* Called by the controller's kobject release: drop what it linked to. */
void snap_ctrl_release_links(struct snap_ctrl *ctrl)
{
	if (ctrl->func)
		snap_func_put(ctrl->func);
	if (ctrl->type == SNAP_FUNC_NVME && ctrl->nvme.subsys)
		snap_subsys_put(ctrl->nvme.subsys);
	if (ctrl->type == SNAP_FUNC_VIRTIO_BLK && ctrl->vblk.bdev)
		snap_bdev_put(ctrl->vblk.bdev);
	if (ctrl->id)
		ida_free(&snap_emu.ctrl_ida, ctrl->id);
	kfree(ctrl->error);
	ctrl->error = NULL;
}

static u8 snap_ctrl_set_cmd(const struct snap_ctrl *ctrl)
{
	return ctrl->type == SNAP_FUNC_NVME ? SNAP_CMD_NVME_CTRL_SET :
	       SNAP_CMD_VBLK_CTRL_SET;
}

int snap_ctrl_set_state(struct snap_ctrl *ctrl, u8 state,
			struct netlink_ext_ack *extack)
{
	if (ctrl->state == state) {
		NL_SET_ERR_MSG(extack, "controller is already in that state");
		return -EALREADY;
	}
	WRITE_ONCE(ctrl->state, state);
	snap_dp_gate_changed(ctrl->func);
	snap_func_config_changed(ctrl->func);
	snap_changed();
	snap_notify_ctrl(snap_ctrl_set_cmd(ctrl), ctrl);
	return 0;
}

/*
 * The daemon's report: it serves the controller (ready, no error), or it
 * cannot and says why. An empty error clears it.
 */
int snap_ctrl_set_status(struct snap_ctrl *ctrl, const u8 *ready,
			 const char *error, struct netlink_ext_ack *extack)
{
	int ret;

	if (error) {
		ret = snap_set_string(&ctrl->error, error);
		if (ret)
			return ret;
	}
	if (ready && *ready != ctrl->ready) {
		WRITE_ONCE(ctrl->ready, *ready);
		/* A host driver that gave up may now be probed again. */
		if (!ctrl->dead && ctrl->func->ctrl == ctrl)
			snap_func_config_changed(ctrl->func);
	}
	snap_changed();
	snap_notify_ctrl(snap_ctrl_set_cmd(ctrl), ctrl);
	return 0;
}

int snap_nvme_ctrl_attach_ns(struct snap_ctrl *ctrl, u32 nsid,
			     struct netlink_ext_ack *extack)
{
	struct snap_ns *ns = snap_ns_find(ctrl->nvme.subsys, nsid);

	if (!ns) {
		NL_SET_ERR_MSG(extack, "no namespace with that nsid in the subsystem");
		return -ENOENT;
	}
	if (ns->ctrl) {
		NL_SET_ERR_MSG(extack, "namespace is already attached to a controller");
		return ns->ctrl == ctrl ? -EALREADY : -EBUSY;
	}
	ns->ctrl = ctrl;
	snap_changed();
	snap_notify_ctrl(SNAP_CMD_NVME_CTRL_SET, ctrl);
	snap_notify_ns(SNAP_CMD_NS_SET, ns);
	return 0;
}

int snap_nvme_ctrl_detach_ns(struct snap_ctrl *ctrl, u32 nsid,
			     struct netlink_ext_ack *extack)
{
	struct snap_ns *ns = snap_ns_find(ctrl->nvme.subsys, nsid);

	if (!ns || ns->ctrl != ctrl) {
		NL_SET_ERR_MSG(extack, "namespace is not attached to this controller");
		return -ENOENT;
	}
	snap_ns_detach(ns);
	return 0;
}

/*
 * The MSI-X count and the queue count are what a host driver sizes itself
 * by when it probes: they change only while none uses the function. The
 * provider changes the function's MSI-X capability (its Table Size) along
 * with the registry.
 */
int snap_vblk_ctrl_modify(struct snap_ctrl *ctrl, const u32 *num_queues,
			  const u32 *num_msix, struct netlink_ext_ack *extack)
{
	struct snap_func *func = ctrl->func;
	u32 msix = num_msix ? *num_msix : func->num_msix;
	u32 queues = num_queues ? *num_queues : ctrl->num_queues;
	int ret = 0;

	if (num_msix && (!msix || msix > func->max_msix)) {
		NL_SET_ERR_MSG(extack, "num_msix exceeds the function's MSI-X limit");
		return -ERANGE;
	}
	if (queues > snap_vblk_max_queues(msix)) {
		NL_SET_ERR_MSG(extack, "num_queues exceeds what num_msix allows");
		return -ERANGE;
	}
	if (snap_provider->in_use(func))
		ret = -EBUSY;
	else if (msix != func->num_msix)
		ret = snap_provider->set_num_msix(func, msix);
	if (ret == -EBUSY) {
		NL_SET_ERR_MSG(extack, "the host driver is using the function; unbind it first");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "the function's MSI-X capability cannot change");
		return ret;
	}
	WRITE_ONCE(func->num_msix, msix);
	WRITE_ONCE(ctrl->num_queues, queues);
	snap_changed();
	snap_notify_ctrl(SNAP_CMD_VBLK_CTRL_SET, ctrl);
	snap_func_config_changed(func);
	return 0;
}

int snap_vblk_ctrl_attach_bdev(struct snap_ctrl *ctrl, const char *name,
			       struct netlink_ext_ack *extack)
{
	struct snap_bdev *bdev;

	if (ctrl->vblk.bdev) {
		NL_SET_ERR_MSG(extack, "controller already has a bdev");
		/* as nvme_controller_attach_ns: that very bdev is no conflict */
		return strcmp(ctrl->vblk.bdev->name, name) ? -EBUSY : -EALREADY;
	}
	bdev = snap_bdev_find(name);
	if (!bdev) {
		NL_SET_ERR_MSG(extack, "no bdev of that name");
		return -ENOENT;
	}
	if (snap_bdev_in_use(bdev)) {
		NL_SET_ERR_MSG(extack, "bdev is already in use");
		return -EBUSY;
	}
	snap_vblk_link_bdev(ctrl, bdev);
	snap_changed();
	snap_notify_ctrl(SNAP_CMD_VBLK_CTRL_SET, ctrl);
	snap_notify_bdev(SNAP_CMD_BDEV_SET, bdev);
	snap_func_config_changed(ctrl->func);
	return 0;
}

int snap_vblk_ctrl_detach_bdev(struct snap_ctrl *ctrl,
			       struct netlink_ext_ack *extack)
{
	if (!ctrl->vblk.bdev) {
		NL_SET_ERR_MSG(extack, "controller has no bdev");
		return -ENOENT;
	}
	snap_vblk_unlink_bdev(ctrl);
	return 0;
}

/* ---- the whole registry ---- */

/* At unload (or a failed load), under snap_lock, after the family is gone. */
static void snap_destroy_all(void)
{
	struct snap_subsys *subsys, *stmp;
	struct snap_bdev *bdev, *btmp;
	struct snap_ctrl *ctrl, *ctmp;

	list_for_each_entry_safe(ctrl, ctmp, &snap_emu.ctrls, node) {
		snap_ctrl_destroy(ctrl);
		cond_resched();
	}
	list_for_each_entry_safe(subsys, stmp, &snap_emu.subsystems, node) {
		snap_subsys_destroy(subsys, true, NULL);
		cond_resched();
	}
	list_for_each_entry_safe(bdev, btmp, &snap_emu.bdevs, node) {
		snap_bdev_destroy(bdev, true, NULL);
		cond_resched();
	}
}

/* As long as creating them: yield after each (no lock is held). */
static void snap_funcs_destroy(void)
{
	struct snap_func *func, *tmp;

	list_for_each_entry_safe(func, tmp, &snap_emu.funcs, node) {
		list_del(&func->node);
		snap_dp_func_exit(func);
		kobject_del(&func->kobj);
		snap_func_put(func);
		cond_resched();
	}
	snap_emu.num_funcs = 0;
}

int snap_core_init(void)
{
	const struct snap_params *p = &snap_params;
	int ret;

	ida_init(&snap_emu.func_ida);
	ida_init(&snap_emu.ctrl_ida);
	ida_init(&snap_emu.subsys_ida);
	ida_init(&snap_emu.ns_ida);
	ida_init(&snap_emu.bdev_ida);

	ret = snap_funcs_create(SNAP_FUNC_NVME, p->nvme_emulation_num_pf,
				p->nvme_emulation_num_vf,
				p->nvme_emulation_num_msix,
				p->nvme_emulation_num_vf_msix);
	if (!ret)
		ret = snap_funcs_create(SNAP_FUNC_VIRTIO_BLK,
					p->virtio_blk_emulation_num_pf,
					p->virtio_blk_emulation_num_vf,
					p->virtio_blk_emulation_num_msix,
					p->virtio_blk_emulation_num_vf_msix);
	if (ret)
		snap_funcs_destroy();
	return ret;
}

void snap_core_exit(void)
{
	mutex_lock(&snap_lock);
	snap_destroy_all();
	snap_unlock();
	snap_funcs_destroy();

	ida_destroy(&snap_emu.func_ida);
	ida_destroy(&snap_emu.ctrl_ida);
	ida_destroy(&snap_emu.subsys_ida);
	ida_destroy(&snap_emu.ns_ida);
	ida_destroy(&snap_emu.bdev_ida);
	xa_destroy(&snap_ns_incarnations);
}
