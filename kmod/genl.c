// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "snap": create, destroy, modify, get and dump
 * every emulation object, and the "events" group announcing each change.
 * See Documentation/netlink/specs/snap.yaml.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <net/genetlink.h>

#include "compat.h"
#include "datapath.h"
#include "genl-gen.h"
#include "provider.h"
#include "rules.h"
#include "snap.h"

static struct genl_family snap_genl_family;
static bool snap_genl_registered;

/*
 * 6.1's extack carries only constant messages: the ack is built after
 * genl_mutex is dropped, so a formatted message in a shared buffer could be
 * overwritten by another request. What was wrong is said in the text and
 * pointed at with the bad or missing attribute.
 *
 * A missing required attribute is reported by its type.
 */
static bool snap_missing(struct genl_info *info, int attr)
{
	if (info->attrs[attr])
		return false;
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, attr);
	NL_SET_ERR_MSG(info->extack, "missing required attribute");
	return true;
}

static const char *snap_str(struct genl_info *info, int attr)
{
	return info->attrs[attr] ? nla_data(info->attrs[attr]) : NULL;
}

static bool snap_get_u32(struct genl_info *info, int attr, u32 *v)
{
	if (!info->attrs[attr])
		return false;
	*v = nla_get_u32(info->attrs[attr]);
	return true;
}

/* ---- messages ---- */

typedef int (*snap_fill_t)(struct sk_buff *skb, const void *obj);

static int snap_put_str(struct sk_buff *skb, int attr, const char *s)
{
	return s && *s ? nla_put_string(skb, attr, s) : 0;
}

static int snap_fill_emu(struct sk_buff *skb, const void *unused)
{
	if (nla_put_string(skb, SNAP_A_EMU_NAME, snap_emu.name) ||
	    nla_put_string(skb, SNAP_A_EMU_PROVIDER, "sim") ||
	    nla_put_u32(skb, SNAP_A_NUM_FUNCS, snap_emu.num_funcs) ||
	    nla_put_u32(skb, SNAP_A_MAX_QUEUE_SIZE,
			snap_params_nvme_max_queue_size(&snap_params)) ||
	    nla_put_u8(skb, SNAP_A_DAEMON_ATTACHED, !!snap_emu.daemon) ||
	    nla_put_u32(skb, SNAP_A_DAEMON_PID, snap_emu.daemon_pid) ||
	    (snap_emu.log_level >= 0 &&
	     nla_put_u8(skb, SNAP_A_LOG_LEVEL, snap_emu.log_level)))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_func_ids(struct sk_buff *skb, const struct snap_func *func)
{
	char bdf[sizeof(func->pci_bdf)];

	snap_func_bdf(func, bdf, sizeof(bdf));
	if (nla_put_string(skb, SNAP_A_VUID, func->vuid) ||
	    snap_put_str(skb, SNAP_A_PCI_BDF, bdf) ||
	    nla_put_u32(skb, SNAP_A_PF_ID, func->pf_id) ||
	    (func->vf_id >= 0 && nla_put_u32(skb, SNAP_A_VF_ID, func->vf_id)) ||
	    nla_put_u32(skb, SNAP_A_VHCA_ID, func->id) ||
	    nla_put_u32(skb, SNAP_A_NUM_MSIX, func->num_msix))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_hotplug(struct sk_buff *skb, const struct snap_func *func)
{
	struct snap_hotplug_info info;

	snap_provider->hotplug_info(func, &info);
	if (nla_put_u8(skb, SNAP_A_HOTPLUG_STATE, info.state) ||
	    nla_put_u32(skb, SNAP_A_PORT, info.port))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_func(struct sk_buff *skb, const void *obj)
{
	const struct snap_func *func = obj;

	if (nla_put_u32(skb, SNAP_A_ID, func->id) ||
	    nla_put_u8(skb, SNAP_A_FUNC_TYPE, func->type) ||
	    nla_put_u8(skb, SNAP_A_FUNC_KIND, func->kind) ||
	    snap_fill_func_ids(skb, func) ||
	    (func->ctrl && nla_put_string(skb, SNAP_A_CTRL_NAME, func->ctrl->name)))
		return -EMSGSIZE;
	return func->kind == SNAP_FUNC_HOTPLUG_PF ? snap_fill_hotplug(skb, func) : 0;
}

static int snap_fill_nsids(struct sk_buff *skb, const struct snap_subsys *subsys,
			   const struct snap_ctrl *only)
{
	struct snap_ns *ns;
	struct nlattr *nest;

	nest = nla_nest_start(skb, SNAP_A_NSIDS);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry(ns, &subsys->namespaces, node) {
		if (only && ns->ctrl != only)
			continue;
		if (nla_put_u32(skb, SNAP_A_NSID, ns->nsid)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int snap_fill_subsys_ctrls(struct sk_buff *skb,
				  const struct snap_subsys *subsys)
{
	struct snap_ctrl *ctrl;
	struct nlattr *nest;

	nest = nla_nest_start(skb, SNAP_A_CTRLS);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry(ctrl, &snap_emu.ctrls, node) {
		if (ctrl->type != SNAP_FUNC_NVME || ctrl->nvme.subsys != subsys)
			continue;
		if (nla_put_string(skb, SNAP_A_CTRL_NAME, ctrl->name)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int snap_fill_subsys(struct sk_buff *skb, const void *obj)
{
	const struct snap_subsys *subsys = obj;

	if (nla_put_u32(skb, SNAP_A_ID, subsys->id) ||
	    nla_put_string(skb, SNAP_A_NQN, subsys->nqn) ||
	    nla_put_string(skb, SNAP_A_SERIAL_NUMBER, subsys->serial) ||
	    nla_put_string(skb, SNAP_A_MODEL_NUMBER, subsys->model) ||
	    nla_put_u32(skb, SNAP_A_NN, subsys->nn) ||
	    nla_put_u32(skb, SNAP_A_MNAN, subsys->mnan) ||
	    (subsys->single_ctrl && nla_put_flag(skb, SNAP_A_SINGLE_CTRL)) ||
	    snap_fill_nsids(skb, subsys, NULL) ||
	    snap_fill_subsys_ctrls(skb, subsys))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_ns(struct sk_buff *skb, const void *obj)
{
	const struct snap_ns *ns = obj;

	if (nla_put_u32(skb, SNAP_A_ID, ns->id) ||
	    nla_put_string(skb, SNAP_A_NQN, ns->subsys->nqn) ||
	    nla_put_u32(skb, SNAP_A_NSID, ns->nsid) ||
	    nla_put_string(skb, SNAP_A_BDEV_NAME, ns->bdev->name) ||
	    nla_put(skb, SNAP_A_UUID, SNAP_UUID_LEN, ns->uuid) ||
	    nla_put_u8(skb, SNAP_A_READY, ns->ready) ||
	    snap_put_str(skb, SNAP_A_ERROR, ns->error) ||
	    (ns->ctrl && nla_put_string(skb, SNAP_A_CTRL_NAME, ns->ctrl->name)))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_nvme_ctrl(struct sk_buff *skb, const struct snap_ctrl *ctrl)
{
	if (nla_put_u32(skb, SNAP_A_CTRL_ID, ctrl->id) ||
	    nla_put_string(skb, SNAP_A_NQN, ctrl->nvme.subsys->nqn) ||
	    nla_put_u8(skb, SNAP_A_MDTS, ctrl->nvme.mdts) ||
	    snap_fill_nsids(skb, ctrl->nvme.subsys, ctrl))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_vblk_ctrl(struct sk_buff *skb, const struct snap_ctrl *ctrl)
{
	const struct snap_func *func = ctrl->func;
	u32 max_queues = snap_vblk_max_queues(func->max_msix);

	if ((ctrl->vblk.bdev &&
	     nla_put_string(skb, SNAP_A_BDEV_NAME, ctrl->vblk.bdev->name)) ||
	    nla_put_u32(skb, SNAP_A_QUEUE_SIZE, ctrl->vblk.queue_size) ||
	    nla_put_u32(skb, SNAP_A_SEG_MAX, ctrl->vblk.seg_max) ||
	    nla_put_u32(skb, SNAP_A_SIZE_MAX, ctrl->vblk.size_max) ||
	    (ctrl->vblk.read_only && nla_put_flag(skb, SNAP_A_READ_ONLY)) ||
	    (ctrl->vblk.indirect_desc &&
	     nla_put_flag(skb, SNAP_A_INDIRECT_DESC)) ||
	    (ctrl->vblk.force_in_order &&
	     nla_put_flag(skb, SNAP_A_FORCE_IN_ORDER)) ||
	    nla_put_string(skb, SNAP_A_SERIAL_NUMBER, ctrl->vblk.serial) ||
	    nla_put_u32(skb, SNAP_A_FREE_QUEUES, max_queues > ctrl->num_queues ?
			max_queues - ctrl->num_queues : 0) ||
	    nla_put_u32(skb, SNAP_A_FREE_MSIX, func->max_msix - func->num_msix))
		return -EMSGSIZE;
	return 0;
}

static int snap_fill_ctrl(struct sk_buff *skb, const void *obj)
{
	const struct snap_ctrl *ctrl = obj;

	if (nla_put_u32(skb, SNAP_A_ID, ctrl->id) ||
	    nla_put_string(skb, SNAP_A_NAME, ctrl->name) ||
	    snap_fill_func_ids(skb, ctrl->func) ||
	    nla_put_u32(skb, SNAP_A_NUM_QUEUES, ctrl->num_queues) ||
	    nla_put_u8(skb, SNAP_A_STATE, ctrl->state) ||
	    nla_put_u8(skb, SNAP_A_READY, ctrl->ready) ||
	    snap_put_str(skb, SNAP_A_ERROR, ctrl->error))
		return -EMSGSIZE;
	if (ctrl->type == SNAP_FUNC_NVME)
		return snap_fill_nvme_ctrl(skb, ctrl);
	return snap_fill_vblk_ctrl(skb, ctrl);
}

static int snap_fill_bdev(struct sk_buff *skb, const void *obj)
{
	const struct snap_bdev *bdev = obj;

	if (nla_put_u32(skb, SNAP_A_ID, bdev->id) ||
	    nla_put_string(skb, SNAP_A_NAME, bdev->name) ||
	    nla_put_u8(skb, SNAP_A_BDEV_TYPE, bdev->type) ||
	    nla_put_u64_64bit(skb, SNAP_A_NUM_BLOCKS, bdev->num_blocks, SNAP_A_PAD) ||
	    nla_put_u32(skb, SNAP_A_BLOCK_SIZE, bdev->block_size) ||
	    snap_put_str(skb, SNAP_A_FILENAME, bdev->filename) ||
	    snap_put_str(skb, SNAP_A_BDEV_ARGS, bdev->args) ||
	    nla_put_u8(skb, SNAP_A_READY, bdev->ready) ||
	    snap_put_str(skb, SNAP_A_ERROR, bdev->error))
		return -EMSGSIZE;
	if (bdev->vblk && nla_put_string(skb, SNAP_A_CTRL_NAME, bdev->vblk->name))
		return -EMSGSIZE;
	if (bdev->ns && (nla_put_string(skb, SNAP_A_NQN, bdev->ns->subsys->nqn) ||
			 nla_put_u32(skb, SNAP_A_NSID, bdev->ns->nsid)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Namespace lists make subsystems and NVMe controllers the largest
 * objects: size them for every namespace of their subsystem.
 */
static size_t snap_subsys_msg_size(const struct snap_subsys *subsys)
{
	return NLMSG_GOODSIZE + subsys->num_ns * nla_total_size(4) +
	       subsys->num_ctrls * nla_total_size(SNAP_NAME_MAX);
}

/* An array attribute of @n zeroed elements of @size, for the caller to fill. */
static void *snap_reserve_array(struct sk_buff *skb, int attr, u32 n, size_t size)
{
	struct nlattr *nla = nla_reserve(skb, attr, n * size);

	if (!nla)
		return NULL;
	memset(nla_data(nla), 0, n * size);
	return nla_data(nla);
}

static int snap_fill_ctrl_stats(struct sk_buff *skb, const void *obj)
{
	const struct snap_ctrl *ctrl = obj;
	struct snap_func *func = ctrl->func;
	u32 n = snap_dp_num_queues(func);
	struct snap_queue_state *sq, *cq;
	struct snap_io_stats *io;
	struct snap_vq_state *vq;

	if (nla_put_string(skb, SNAP_A_NAME, ctrl->name))
		return -EMSGSIZE;
	io = snap_reserve_array(skb, SNAP_A_IO_STATS, n, sizeof(*io));
	if (!io)
		return -EMSGSIZE;
	snap_dp_io_stats(func, io, n);
	if (ctrl->type == SNAP_FUNC_VIRTIO_BLK) {
		vq = snap_reserve_array(skb, SNAP_A_VQ_STATE, n, sizeof(*vq));
		if (!vq)
			return -EMSGSIZE;
		snap_dp_vq_states(func, vq, n);
		return 0;
	}
	sq = snap_reserve_array(skb, SNAP_A_SQ_STATE, n, sizeof(*sq));
	cq = snap_reserve_array(skb, SNAP_A_CQ_STATE, n, sizeof(*cq));
	if (!sq || !cq)
		return -EMSGSIZE;
	snap_dp_queue_states(func, sq, cq, n);
	return 0;
}

static int snap_fill_bdev_stats(struct sk_buff *skb, const void *obj)
{
	const struct snap_bdev *bdev = obj;
	struct snap_bdev_stats *stats;

	if (nla_put_string(skb, SNAP_A_NAME, bdev->name))
		return -EMSGSIZE;
	stats = snap_reserve_array(skb, SNAP_A_BDEV_STATS, 1, sizeof(*stats));
	if (!stats)
		return -EMSGSIZE;
	snap_dp_bdev_stats(bdev, stats);
	return 0;
}

static size_t snap_msg_size(snap_fill_t fill, const void *obj)
{
	const struct snap_ctrl *ctrl = obj;

	/* Every queue's counters and SQ/CQ states (more than virtqueues). */
	if (fill == snap_fill_ctrl_stats)
		return nla_total_size(SNAP_NVME_MAX_QUEUES * sizeof(struct snap_io_stats)) +
		       2 * nla_total_size(SNAP_NVME_MAX_QUEUES *
					  sizeof(struct snap_queue_state)) +
		       NLMSG_GOODSIZE;

	if (fill == snap_fill_subsys)
		return snap_subsys_msg_size(obj);
	if (fill == snap_fill_ctrl && ctrl->type == SNAP_FUNC_NVME)
		return snap_subsys_msg_size(ctrl->nvme.subsys);
	return NLMSG_GOODSIZE;
}

static struct sk_buff *snap_build_msg(u8 cmd, snap_fill_t fill, const void *obj,
				      u32 portid, u32 seq)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(snap_msg_size(fill, obj), GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(skb, portid, seq, &snap_genl_family, 0, cmd);
	if (!hdr || fill(skb, obj)) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static int snap_reply(struct genl_info *info, snap_fill_t fill, const void *obj)
{
	struct sk_buff *skb;

	skb = snap_build_msg(info->genlhdr->cmd, fill, obj, info->snd_portid,
			     info->snd_seq);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	return genlmsg_reply(skb, info);
}

static void snap_notify(u8 cmd, snap_fill_t fill, const void *obj)
{
	struct sk_buff *skb;

	if (!snap_genl_registered ||
	    !genl_has_listeners(&snap_genl_family, &init_net, 0))
		return;
	skb = snap_build_msg(cmd, fill, obj, 0, 0);
	if (IS_ERR(skb)) {
		pr_warn_ratelimited("event %u lost: %ld\n", cmd, PTR_ERR(skb));
		return;
	}
	genlmsg_multicast(&snap_genl_family, skb, 0, SNAP_NLGRP_EVENTS, GFP_KERNEL);
}

void snap_notify_bdev(u8 cmd, const struct snap_bdev *bdev)
{
	snap_notify(cmd, snap_fill_bdev, bdev);
}

void snap_notify_subsys(u8 cmd, const struct snap_subsys *subsys)
{
	snap_notify(cmd, snap_fill_subsys, subsys);
}

void snap_notify_ns(u8 cmd, const struct snap_ns *ns)
{
	snap_notify(cmd, snap_fill_ns, ns);
}

void snap_notify_ctrl(u8 cmd, const struct snap_ctrl *ctrl)
{
	snap_notify(cmd, snap_fill_ctrl, ctrl);
}

void snap_notify_func(u8 cmd, const struct snap_func *func)
{
	snap_notify(cmd, snap_fill_func, func);
}

struct snap_daemon_event {
	bool attached;
	pid_t pid;
};

static int snap_fill_daemon(struct sk_buff *skb, const void *obj)
{
	const struct snap_daemon_event *ev = obj;

	if (nla_put_u8(skb, SNAP_A_DAEMON_ATTACHED, ev->attached) ||
	    nla_put_u32(skb, SNAP_A_DAEMON_PID, ev->pid))
		return -EMSGSIZE;
	return 0;
}

/* pid is the daemon that came, or the one that went. */
void snap_notify_daemon(bool attached, pid_t pid)
{
	struct snap_daemon_event ev = { .attached = attached, .pid = pid };

	snap_notify(SNAP_CMD_DAEMON_NTF, snap_fill_daemon, &ev);
}

/* ---- dumps ---- */

/*
 * Netlink validation takes the last of two equal attributes; a request
 * carrying one twice is ambiguous, so refuse it before anything changes.
 */
static int snap_check_duplicates(const struct nlmsghdr *nlh,
				 struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(seen, SNAP_A_MAX + 1);
	const struct nlattr *nla;
	int rem;

	bitmap_zero(seen, SNAP_A_MAX + 1);
	nlmsg_for_each_attr(nla, nlh, GENL_HDRLEN, rem) {
		int type = nla_type(nla);

		if (type > SNAP_A_MAX)
			continue;	/* validation already refused it */
		if (__test_and_set_bit(type, seen)) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "duplicate attribute");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Every dump checks for duplicates on its first call, the only place of a
 * dump that has an extack in 6.1 (a dump's .start gets none); the refusal
 * arrives in NLMSG_DONE with its message.
 */
#define SNAP_DUMP_CHECKED	1
static int snap_dump_check(struct netlink_callback *cb)
{
	int ret;

	if (cb->args[1])
		return 0;
	ret = snap_check_duplicates(cb->nlh, cb->extack);
	if (!ret)
		cb->args[1] = SNAP_DUMP_CHECKED;
	return ret;
}

#define SNAP_DUMP_FULL		1

/*
 * Resumes at cb->args[0]: the index of the first object not yet sent. A
 * change between two parts of a dump can shift that index, so every part
 * is stamped with the registry generation and NLM_F_DUMP_INTR tells the
 * reader to dump again.
 *
 * Each part walks the list from its start, past the objects already sent
 * (thousands of functions at the parameters' maximum). Dumps run in
 * process context under mutexes only (snap_lock, the netlink dump lock):
 * yield at every object, sent or skipped.
 */
static int snap_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			 snap_fill_t fill, const void *obj, long *idx)
{
	void *hdr;

	cond_resched();
	if ((*idx)++ < cb->args[0])
		return 0;
	cb->seq = (u32)snap_emu.generation ?: 1;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &snap_genl_family, NLM_F_MULTI,
			  genl_dumpit_info(cb)->op.cmd);
	if (!hdr || fill(skb, obj)) {
		if (hdr)
			genlmsg_cancel(skb, hdr);
		(*idx)--;
		cb->args[2] = SNAP_DUMP_FULL;
		return -EMSGSIZE;
	}
	genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * A part that holds nothing because its first object did not fit would
 * read as the end of the dump: report it instead of ending silently.
 */
static int snap_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
			  long idx)
{
	bool stalled = cb->args[2] == SNAP_DUMP_FULL && !skb->len;

	cb->args[0] = idx;
	cb->args[2] = 0;
	return stalled ? -EMSGSIZE : skb->len;
}

int snap_nl_emu_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	snap_dump_put(skb, cb, snap_fill_emu, NULL, &idx);
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

int snap_nl_func_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *type = snap_dump_attrs(cb)[SNAP_A_FUNC_TYPE];
	struct snap_func *func;
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	list_for_each_entry(func, &snap_emu.funcs, node) {
		if (type && func->type != nla_get_u8(type))
			continue;
		if (snap_dump_put(skb, cb, snap_fill_func, func, &idx))
			break;
	}
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

int snap_nl_subsys_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct snap_subsys *subsys;
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	list_for_each_entry(subsys, &snap_emu.subsystems, node)
		if (snap_dump_put(skb, cb, snap_fill_subsys, subsys, &idx))
			break;
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

static int snap_ns_dump_subsys(struct sk_buff *skb, struct netlink_callback *cb,
			       struct snap_subsys *subsys, long *idx)
{
	struct snap_ns *ns;

	list_for_each_entry(ns, &subsys->namespaces, node)
		if (snap_dump_put(skb, cb, snap_fill_ns, ns, idx))
			return -EMSGSIZE;
	return 0;
}

int snap_nl_ns_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *nqn = snap_dump_attrs(cb)[SNAP_A_NQN];
	struct snap_subsys *subsys;
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	list_for_each_entry(subsys, &snap_emu.subsystems, node) {
		if (nqn && strcmp(subsys->nqn, nla_data(nqn)))
			continue;
		if (snap_ns_dump_subsys(skb, cb, subsys, &idx))
			break;
	}
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

static int snap_ctrl_dump(struct sk_buff *skb, struct netlink_callback *cb,
			  u8 type)
{
	struct snap_ctrl *ctrl;
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	list_for_each_entry(ctrl, &snap_emu.ctrls, node) {
		if (ctrl->type != type)
			continue;
		if (snap_dump_put(skb, cb, snap_fill_ctrl, ctrl, &idx))
			break;
	}
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

int snap_nl_nvme_ctrl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return snap_ctrl_dump(skb, cb, SNAP_FUNC_NVME);
}

int snap_nl_vblk_ctrl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return snap_ctrl_dump(skb, cb, SNAP_FUNC_VIRTIO_BLK);
}

int snap_nl_bdev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct snap_bdev *bdev;
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	list_for_each_entry(bdev, &snap_emu.bdevs, node)
		if (snap_dump_put(skb, cb, snap_fill_bdev, bdev, &idx))
			break;
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

int snap_nl_bdev_stats_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *name = snap_dump_attrs(cb)[SNAP_A_NAME];
	struct snap_bdev *bdev;
	long idx = 0;
	int ret;

	ret = snap_dump_check(cb);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	list_for_each_entry(bdev, &snap_emu.bdevs, node) {
		if (name && strcmp(bdev->name, nla_data(name)))
			continue;
		if (snap_dump_put(skb, cb, snap_fill_bdev_stats, bdev, &idx))
			break;
	}
	mutex_unlock(&snap_lock);
	return snap_dump_done(skb, cb, idx);
}

/* ---- lookups that explain a miss ---- */

static struct snap_bdev *snap_nl_bdev(struct genl_info *info, int attr)
{
	const char *name = nla_data(info->attrs[attr]);
	struct snap_bdev *bdev = snap_bdev_find(name);

	if (!bdev) {
		NL_SET_ERR_MSG(info->extack, "no bdev of that name");
		NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
	}
	return bdev;
}

static struct snap_subsys *snap_nl_subsys(struct genl_info *info)
{
	const char *nqn = nla_data(info->attrs[SNAP_A_NQN]);
	struct snap_subsys *subsys = snap_subsys_find(nqn);

	if (!subsys) {
		NL_SET_ERR_MSG(info->extack, "no subsystem with that nqn");
		NL_SET_BAD_ATTR(info->extack, info->attrs[SNAP_A_NQN]);
	}
	return subsys;
}

static struct snap_ns *snap_nl_ns(struct genl_info *info)
{
	struct snap_subsys *subsys = snap_nl_subsys(info);
	u32 nsid = nla_get_u32(info->attrs[SNAP_A_NSID]);
	struct snap_ns *ns;

	if (!subsys)
		return NULL;
	ns = snap_ns_find(subsys, nsid);
	if (!ns) {
		NL_SET_ERR_MSG(info->extack, "no namespace with that nsid in the subsystem");
		NL_SET_BAD_ATTR(info->extack, info->attrs[SNAP_A_NSID]);
	}
	return ns;
}

static struct snap_ctrl *snap_nl_ctrl(struct genl_info *info, u8 type)
{
	const char *name = nla_data(info->attrs[SNAP_A_NAME]);
	struct snap_ctrl *ctrl = snap_ctrl_find(name, type);

	if (!ctrl) {
		NL_SET_ERR_MSG(info->extack, "no controller of that type and name");
		NL_SET_BAD_ATTR(info->extack, info->attrs[SNAP_A_NAME]);
	}
	return ctrl;
}

/* ---- emulation managers and functions ---- */

int snap_nl_emu_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = snap_str(info, SNAP_A_EMU_NAME);
	int ret;

	if (name && strcmp(name, snap_emu.name)) {
		NL_SET_ERR_MSG(info->extack, "no such emulation manager");
		return -ENOENT;
	}
	mutex_lock(&snap_lock);
	ret = snap_reply(info, snap_fill_emu, NULL);
	mutex_unlock(&snap_lock);
	return ret;
}

/* The daemon applies the level when notified, and reads it when it starts. */
int snap_nl_emu_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = snap_str(info, SNAP_A_EMU_NAME);
	int ret;

	if (name && strcmp(name, snap_emu.name)) {
		NL_SET_ERR_MSG(info->extack, "no such emulation manager");
		return -ENOENT;
	}
	if (snap_missing(info, SNAP_A_LOG_LEVEL))
		return -EINVAL;
	mutex_lock(&snap_lock);
	snap_emu.log_level = nla_get_u8(info->attrs[SNAP_A_LOG_LEVEL]);
	snap_emu.generation++;
	snap_notify(SNAP_CMD_EMU_SET, snap_fill_emu, NULL);
	ret = snap_reply(info, snap_fill_emu, NULL);
	mutex_unlock(&snap_lock);
	return ret;
}

/*
 * The function a request names: by vuid (of either type unless func-type
 * says), or by func-type, pf-id and vf-id. Under snap_lock; an ERR_PTR
 * with the reason in extack when none.
 */
static struct snap_func *snap_nl_func(struct genl_info *info)
{
	struct snap_func_ref ref = { .vuid = snap_str(info, SNAP_A_VUID) };
	struct snap_func *func;
	u8 type = SNAP_FUNC_NVME;

	ref.has_pf = snap_get_u32(info, SNAP_A_PF_ID, &ref.pf_id);
	ref.has_vf = snap_get_u32(info, SNAP_A_VF_ID, &ref.vf_id);
	if (info->attrs[SNAP_A_FUNC_TYPE])
		type = nla_get_u8(info->attrs[SNAP_A_FUNC_TYPE]);
	else if (!ref.vuid && snap_missing(info, SNAP_A_FUNC_TYPE))
		return ERR_PTR(-EINVAL);

	func = snap_func_lookup(type, &ref, info->extack);
	/* A vuid alone names a function of either type. */
	if (IS_ERR(func) && ref.vuid && !info->attrs[SNAP_A_FUNC_TYPE]) {
		info->extack->_msg = NULL;
		func = snap_func_lookup(SNAP_FUNC_VIRTIO_BLK, &ref, info->extack);
	}
	return func;
}

int snap_nl_func_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_func *func;
	int ret;

	mutex_lock(&snap_lock);
	func = snap_nl_func(info);
	ret = IS_ERR(func) ? PTR_ERR(func) : snap_reply(info, snap_fill_func, func);
	mutex_unlock(&snap_lock);
	return ret;
}

int snap_nl_func_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_hotplug_cfg cfg = {};
	struct snap_func *func;
	u8 state;
	int ret;

	if (snap_missing(info, SNAP_A_FUNC_TYPE))
		return -EINVAL;
	cfg.type = nla_get_u8(info->attrs[SNAP_A_FUNC_TYPE]);
	snap_get_u32(info, SNAP_A_NUM_MSIX, &cfg.num_msix);
	if (info->attrs[SNAP_A_HOTPLUG_STATE]) {
		state = nla_get_u8(info->attrs[SNAP_A_HOTPLUG_STATE]);
		if (state != SNAP_HOTPLUG_PLUGGED && state != SNAP_HOTPLUG_UNPLUGGED) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SNAP_A_HOTPLUG_STATE],
					    "a new function is plugged or unplugged");
			return -EINVAL;
		}
		cfg.plug = state == SNAP_HOTPLUG_PLUGGED;
	}
	mutex_lock(&snap_lock);
	ret = snap_hotplug_pf_create(&cfg, &func, info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_func, func);
	snap_unlock();
	return ret;
}

int snap_nl_func_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_func *func;
	int ret;

	mutex_lock(&snap_lock);
	func = snap_nl_func(info);
	ret = IS_ERR(func) ? PTR_ERR(func) :
	      snap_hotplug_pf_destroy(func, info->attrs[SNAP_A_FORCE], info->extack);
	snap_unlock();
	return ret;
}

int snap_nl_func_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_func *func;
	int ret;

	if (snap_missing(info, SNAP_A_HOTPLUG_STATE))
		return -EINVAL;
	mutex_lock(&snap_lock);
	func = snap_nl_func(info);
	ret = IS_ERR(func) ? PTR_ERR(func) :
	      snap_hotplug_pf_set(func, nla_get_u8(info->attrs[SNAP_A_HOTPLUG_STATE]),
				  info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_func, func);
	snap_unlock();
	return ret;
}

/* ---- bdevs ---- */

int snap_nl_bdev_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_bdev_cfg cfg = {};
	struct snap_bdev *bdev;
	u64 num_blocks = 0;
	int ret;

	if (snap_missing(info, SNAP_A_NAME) || snap_missing(info, SNAP_A_BDEV_TYPE))
		return -EINVAL;
	cfg.name = snap_str(info, SNAP_A_NAME);
	cfg.type = nla_get_u8(info->attrs[SNAP_A_BDEV_TYPE]);
	if (info->attrs[SNAP_A_NUM_BLOCKS])
		num_blocks = nla_get_u64(info->attrs[SNAP_A_NUM_BLOCKS]);
	cfg.num_blocks = num_blocks;
	snap_get_u32(info, SNAP_A_BLOCK_SIZE, &cfg.block_size);
	cfg.filename = snap_str(info, SNAP_A_FILENAME);
	cfg.args = snap_str(info, SNAP_A_BDEV_ARGS);

	mutex_lock(&snap_lock);
	ret = snap_bdev_create(&cfg, &bdev, info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_bdev, bdev);
	snap_unlock();
	return ret;
}

int snap_nl_bdev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_bdev *bdev;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NAME))
		return -EINVAL;
	mutex_lock(&snap_lock);
	bdev = snap_nl_bdev(info, SNAP_A_NAME);
	if (bdev)
		ret = snap_bdev_destroy(bdev, info->attrs[SNAP_A_FORCE], info->extack);
	snap_unlock();
	return ret;
}

static int snap_bdev_reply(struct genl_info *info, snap_fill_t fill)
{
	struct snap_bdev *bdev;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NAME))
		return -EINVAL;
	mutex_lock(&snap_lock);
	bdev = snap_nl_bdev(info, SNAP_A_NAME);
	if (bdev)
		ret = snap_reply(info, fill, bdev);
	mutex_unlock(&snap_lock);
	return ret;
}

int snap_nl_bdev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_bdev_reply(info, snap_fill_bdev);
}

int snap_nl_bdev_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_bdev_reply(info, snap_fill_bdev_stats);
}

/*
 * Ready and error reports (bdev-set, ns-set, a controller's ready or
 * error) are the attached daemon's word on what it serves: from any other
 * process, CAP_NET_ADMIN or not, they could tell the host a backend is
 * ready that no one opened, or fail one that works. Generic netlink runs
 * a request in its sender's context, so current is the sender.
 */
static int snap_nl_from_daemon(struct genl_info *info)
{
	lockdep_assert_held(&snap_lock);
	if (snap_emu.daemon && task_tgid_nr(current) == snap_emu.daemon_pid)
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "ready and error are reported by the attached daemon only");
	return -EPERM;
}

int snap_nl_bdev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ready = info->attrs[SNAP_A_READY];
	struct nlattr *blocks = info->attrs[SNAP_A_NUM_BLOCKS];
	struct snap_bdev *bdev;
	u64 num_blocks;
	u8 ready_val;
	int ret;

	if (snap_missing(info, SNAP_A_NAME))
		return -EINVAL;
	if (ready)
		ready_val = nla_get_u8(ready);
	if (blocks)
		num_blocks = nla_get_u64(blocks);
	mutex_lock(&snap_lock);
	ret = snap_nl_from_daemon(info);
	if (ret)
		goto out_unlock;
	bdev = snap_nl_bdev(info, SNAP_A_NAME);
	ret = bdev ? snap_bdev_set_status(bdev, ready ? &ready_val : NULL,
					  snap_str(info, SNAP_A_ERROR),
					  blocks ? &num_blocks : NULL, info->extack) : -ENOENT;
	if (!ret)
		ret = snap_reply(info, snap_fill_bdev, bdev);
out_unlock:
	snap_unlock();
	return ret;
}

int snap_nl_bdev_resize_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_bdev *bdev;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NAME) || snap_missing(info, SNAP_A_NUM_BLOCKS))
		return -EINVAL;
	mutex_lock(&snap_lock);
	bdev = snap_nl_bdev(info, SNAP_A_NAME);
	if (bdev)
		ret = snap_bdev_resize(bdev, nla_get_u64(info->attrs[SNAP_A_NUM_BLOCKS]),
				       info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_bdev, bdev);
	snap_unlock();
	return ret;
}

/* ---- subsystems ---- */

int snap_nl_subsys_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_subsys_cfg cfg = {
		.nqn = snap_str(info, SNAP_A_NQN),
		.serial = snap_str(info, SNAP_A_SERIAL_NUMBER),
		.model = snap_str(info, SNAP_A_MODEL_NUMBER),
		.single_ctrl = info->attrs[SNAP_A_SINGLE_CTRL],
	};
	struct snap_subsys *subsys;
	int ret;

	if (snap_missing(info, SNAP_A_NQN))
		return -EINVAL;
	snap_get_u32(info, SNAP_A_NN, &cfg.nn);
	snap_get_u32(info, SNAP_A_MNAN, &cfg.mnan);
	mutex_lock(&snap_lock);
	ret = snap_subsys_create(&cfg, &subsys, info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_subsys, subsys);
	snap_unlock();
	return ret;
}

int snap_nl_subsys_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_subsys *subsys;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NQN))
		return -EINVAL;
	mutex_lock(&snap_lock);
	subsys = snap_nl_subsys(info);
	if (subsys)
		ret = snap_subsys_destroy(subsys, info->attrs[SNAP_A_FORCE],
					  info->extack);
	snap_unlock();
	return ret;
}

int snap_nl_subsys_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_subsys *subsys;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NQN))
		return -EINVAL;
	mutex_lock(&snap_lock);
	subsys = snap_nl_subsys(info);
	if (subsys)
		ret = snap_reply(info, snap_fill_subsys, subsys);
	mutex_unlock(&snap_lock);
	return ret;
}

int snap_nl_subsys_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_subsys *subsys;
	bool has_mnan;
	int ret = -ENOENT;
	u32 mnan;

	if (snap_missing(info, SNAP_A_NQN))
		return -EINVAL;
	has_mnan = snap_get_u32(info, SNAP_A_MNAN, &mnan);
	mutex_lock(&snap_lock);
	subsys = snap_nl_subsys(info);
	if (subsys)
		ret = snap_subsys_modify(subsys, snap_str(info, SNAP_A_SERIAL_NUMBER),
					 snap_str(info, SNAP_A_MODEL_NUMBER),
					 has_mnan ? &mnan : NULL, info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_subsys, subsys);
	snap_unlock();
	return ret;
}

/* ---- namespaces ---- */

int snap_nl_ns_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_ns_cfg cfg = {
		.nqn = snap_str(info, SNAP_A_NQN),
		.bdev = snap_str(info, SNAP_A_BDEV_NAME),
	};
	struct snap_ns *ns;
	int ret;

	if (snap_missing(info, SNAP_A_NQN) || snap_missing(info, SNAP_A_BDEV_NAME))
		return -EINVAL;
	snap_get_u32(info, SNAP_A_NSID, &cfg.nsid);
	if (info->attrs[SNAP_A_UUID])
		cfg.uuid = nla_data(info->attrs[SNAP_A_UUID]);
	mutex_lock(&snap_lock);
	ret = snap_ns_create(&cfg, &ns, info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_ns, ns);
	snap_unlock();
	return ret;
}

int snap_nl_ns_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_ns *ns;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NQN) || snap_missing(info, SNAP_A_NSID))
		return -EINVAL;
	mutex_lock(&snap_lock);
	ns = snap_nl_ns(info);
	if (ns)
		ret = snap_ns_destroy(ns, info->attrs[SNAP_A_FORCE], info->extack);
	snap_unlock();
	return ret;
}

int snap_nl_ns_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_ns *ns;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NQN) || snap_missing(info, SNAP_A_NSID))
		return -EINVAL;
	mutex_lock(&snap_lock);
	ns = snap_nl_ns(info);
	if (ns)
		ret = snap_reply(info, snap_fill_ns, ns);
	mutex_unlock(&snap_lock);
	return ret;
}

int snap_nl_ns_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ready = info->attrs[SNAP_A_READY];
	struct snap_ns *ns;
	u8 ready_val;
	int ret;

	if (snap_missing(info, SNAP_A_NQN) || snap_missing(info, SNAP_A_NSID))
		return -EINVAL;
	if (ready)
		ready_val = nla_get_u8(ready);
	mutex_lock(&snap_lock);
	ret = snap_nl_from_daemon(info);
	if (ret)
		goto out_unlock;
	ns = snap_nl_ns(info);
	ret = ns ? snap_ns_set_status(ns, ready ? &ready_val : NULL,
				      snap_str(info, SNAP_A_ERROR), info->extack) : -ENOENT;
	if (!ret)
		ret = snap_reply(info, snap_fill_ns, ns);
out_unlock:
	snap_unlock();
	return ret;
}

/* ---- controllers ---- */

static void snap_ctrl_cfg_common(struct genl_info *info,
				 struct snap_ctrl_cfg *cfg, u8 type)
{
	cfg->type = type;
	cfg->name = snap_str(info, SNAP_A_NAME);
	cfg->func.vuid = snap_str(info, SNAP_A_VUID);
	cfg->func.has_pf = snap_get_u32(info, SNAP_A_PF_ID, &cfg->func.pf_id);
	cfg->func.has_vf = snap_get_u32(info, SNAP_A_VF_ID, &cfg->func.vf_id);
	snap_get_u32(info, SNAP_A_NUM_QUEUES, &cfg->num_queues);
	cfg->state = SNAP_CTRL_RUNNING;
	if (info->attrs[SNAP_A_STATE])
		cfg->state = nla_get_u8(info->attrs[SNAP_A_STATE]);
}

static int snap_ctrl_new(struct genl_info *info, struct snap_ctrl_cfg *cfg)
{
	struct snap_ctrl *ctrl;
	int ret;

	if (cfg->func.has_vf && !cfg->func.has_pf && !cfg->func.vuid) {
		NL_SET_ERR_MSG(info->extack, "vf_id needs pf_id");
		return -EINVAL;
	}
	mutex_lock(&snap_lock);
	ret = snap_ctrl_create(cfg, &ctrl, info->extack);
	if (!ret)
		ret = snap_reply(info, snap_fill_ctrl, ctrl);
	snap_unlock();
	return ret;
}

int snap_nl_nvme_ctrl_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_ctrl_cfg cfg = {};

	if (snap_missing(info, SNAP_A_NQN))
		return -EINVAL;
	snap_ctrl_cfg_common(info, &cfg, SNAP_FUNC_NVME);
	cfg.nqn = snap_str(info, SNAP_A_NQN);
	if (info->attrs[SNAP_A_MDTS])
		cfg.mdts = nla_get_u8(info->attrs[SNAP_A_MDTS]);
	return snap_ctrl_new(info, &cfg);
}

int snap_nl_vblk_ctrl_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct snap_ctrl_cfg cfg = {};

	snap_ctrl_cfg_common(info, &cfg, SNAP_FUNC_VIRTIO_BLK);
	cfg.bdev = snap_str(info, SNAP_A_BDEV_NAME);
	snap_get_u32(info, SNAP_A_QUEUE_SIZE, &cfg.queue_size);
	snap_get_u32(info, SNAP_A_SEG_MAX, &cfg.seg_max);
	snap_get_u32(info, SNAP_A_SIZE_MAX, &cfg.size_max);
	cfg.read_only = info->attrs[SNAP_A_READ_ONLY];
	cfg.indirect_desc = info->attrs[SNAP_A_INDIRECT_DESC];
	cfg.force_in_order = info->attrs[SNAP_A_FORCE_IN_ORDER];
	cfg.serial = snap_str(info, SNAP_A_SERIAL_NUMBER);
	return snap_ctrl_new(info, &cfg);
}

/*
 * The handlers below act on one existing controller named by SNAP_A_NAME:
 * they share the lookup, locking and reply, and differ in the action.
 */
typedef int (*snap_ctrl_action_t)(struct snap_ctrl *ctrl, struct genl_info *info);

static int snap_ctrl_do(struct genl_info *info, u8 type, int required,
			snap_ctrl_action_t action, bool reply)
{
	struct snap_ctrl *ctrl;
	int ret = -ENOENT;

	if (snap_missing(info, SNAP_A_NAME) ||
	    (required && snap_missing(info, required)))
		return -EINVAL;
	mutex_lock(&snap_lock);
	ctrl = snap_nl_ctrl(info, type);
	if (ctrl)
		ret = action(ctrl, info);
	if (!ret && reply)
		ret = snap_reply(info, snap_fill_ctrl, ctrl);
	snap_unlock();
	return ret;
}

static int snap_ctrl_destroy_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	if (info->attrs[SNAP_A_FORCE])
		snap_ctrl_destroy_force(ctrl);
	else
		snap_ctrl_destroy(ctrl);
	return 0;
}

static int snap_ctrl_state_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return snap_ctrl_set_state(ctrl, nla_get_u8(info->attrs[SNAP_A_STATE]),
				   info->extack);
}

static int snap_ctrl_attach_ns_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return snap_nvme_ctrl_attach_ns(ctrl, nla_get_u32(info->attrs[SNAP_A_NSID]),
					info->extack);
}

static int snap_ctrl_detach_ns_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return snap_nvme_ctrl_detach_ns(ctrl, nla_get_u32(info->attrs[SNAP_A_NSID]),
					info->extack);
}

/* The daemon's report: it serves the controller, or why not. */
static int snap_ctrl_report_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	struct nlattr *ready = info->attrs[SNAP_A_READY];
	const char *error = snap_str(info, SNAP_A_ERROR);
	u8 ready_val;

	if (!ready && !error)
		return 0;
	if (snap_nl_from_daemon(info))
		return -EPERM;
	if (ready)
		ready_val = nla_get_u8(ready);
	return snap_ctrl_set_status(ctrl, ready ? &ready_val : NULL, error,
				    info->extack);
}

static int snap_vblk_modify_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	u32 queues, msix;
	bool has_queues = snap_get_u32(info, SNAP_A_NUM_QUEUES, &queues);
	bool has_msix = snap_get_u32(info, SNAP_A_NUM_MSIX, &msix);
	bool report = info->attrs[SNAP_A_READY] || info->attrs[SNAP_A_ERROR];
	int ret = 0;

	if (!has_queues && !has_msix && !info->attrs[SNAP_A_STATE] && !report) {
		NL_SET_ERR_MSG(info->extack, "nothing to modify");
		return -EINVAL;
	}
	ret = snap_ctrl_report_action(ctrl, info);
	if (!ret && (has_queues || has_msix))
		ret = snap_vblk_ctrl_modify(ctrl, has_queues ? &queues : NULL,
					    has_msix ? &msix : NULL, info->extack);
	if (!ret && info->attrs[SNAP_A_STATE] &&
	    nla_get_u8(info->attrs[SNAP_A_STATE]) != ctrl->state)
		ret = snap_ctrl_state_action(ctrl, info);
	return ret;
}

static int snap_vblk_attach_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return snap_vblk_ctrl_attach_bdev(ctrl, snap_str(info, SNAP_A_BDEV_NAME),
					  info->extack);
}

static int snap_vblk_detach_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return snap_vblk_ctrl_detach_bdev(ctrl, info->extack);
}

static int snap_reply_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return 0;
}

int snap_nl_nvme_ctrl_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_NVME, 0, snap_ctrl_destroy_action, false);
}

int snap_nl_nvme_ctrl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_NVME, 0, snap_reply_action, true);
}

static int snap_stats_reply_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	return snap_reply(info, snap_fill_ctrl_stats, ctrl);
}

int snap_nl_nvme_ctrl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_NVME, 0, snap_stats_reply_action, false);
}

int snap_nl_vblk_ctrl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_VIRTIO_BLK, 0, snap_stats_reply_action, false);
}

/* The admin's state, and the daemon's ready / error report. */
static int snap_nvme_ctrl_set_action(struct snap_ctrl *ctrl, struct genl_info *info)
{
	struct nlattr *ready = info->attrs[SNAP_A_READY];
	const char *error = snap_str(info, SNAP_A_ERROR);
	int ret;

	/* The admin's request needs its state; the daemon's, ready or error. */
	if (!ready && !error && snap_missing(info, SNAP_A_STATE))
		return -EINVAL;
	ret = snap_ctrl_report_action(ctrl, info);
	if (ret)
		return ret;
	if (!info->attrs[SNAP_A_STATE])
		return 0;
	return snap_ctrl_state_action(ctrl, info);
}

int snap_nl_nvme_ctrl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_NVME, 0, snap_nvme_ctrl_set_action,
			    true);
}

int snap_nl_nvme_ctrl_attach_ns_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_NVME, SNAP_A_NSID,
			    snap_ctrl_attach_ns_action, true);
}

int snap_nl_nvme_ctrl_detach_ns_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_NVME, SNAP_A_NSID,
			    snap_ctrl_detach_ns_action, true);
}

int snap_nl_vblk_ctrl_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_VIRTIO_BLK, 0,
			    snap_ctrl_destroy_action, false);
}

int snap_nl_vblk_ctrl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_VIRTIO_BLK, 0, snap_reply_action, true);
}

int snap_nl_vblk_ctrl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_VIRTIO_BLK, 0,
			    snap_vblk_modify_action, true);
}

int snap_nl_vblk_ctrl_attach_bdev_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_VIRTIO_BLK, SNAP_A_BDEV_NAME,
			    snap_vblk_attach_action, true);
}

int snap_nl_vblk_ctrl_detach_bdev_doit(struct sk_buff *skb, struct genl_info *info)
{
	return snap_ctrl_do(info, SNAP_FUNC_VIRTIO_BLK, 0,
			    snap_vblk_detach_action, true);
}

/* ---- the family ---- */

/* A number like the firmware parameters, so snapadm config reads it alike. */
static unsigned int snap_rpc_log;

static int snap_rpc_log_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1);
}

static const struct kernel_param_ops snap_rpc_log_ops = {
	.set = snap_rpc_log_set,
	.get = param_get_uint,
};

module_param_cb(rpc_log, &snap_rpc_log_ops, &snap_rpc_log, 0644);
__MODULE_PARM_TYPE(rpc_log, "uint");
MODULE_PARM_DESC(rpc_log,
		 "Log every change request with who made it and its outcome (SNAP_RPC_LOG_ENABLE) [0-1] (default 0)");

/* The attributes that say which object a request is about, by type. */
static const struct {
	int attr;
	const char *label;
	enum { SNAP_KEY_STR, SNAP_KEY_U8, SNAP_KEY_U32, SNAP_KEY_FLAG } type;
} snap_rpc_keys[] = {
	{ SNAP_A_NAME, "name", SNAP_KEY_STR },
	{ SNAP_A_CTRL_NAME, "ctrl", SNAP_KEY_STR },
	{ SNAP_A_NQN, "nqn", SNAP_KEY_STR },
	{ SNAP_A_NSID, "nsid", SNAP_KEY_U32 },
	{ SNAP_A_BDEV_NAME, "bdev", SNAP_KEY_STR },
	{ SNAP_A_PF_ID, "pf", SNAP_KEY_U32 },
	{ SNAP_A_VF_ID, "vf", SNAP_KEY_U32 },
	{ SNAP_A_VUID, "vuid", SNAP_KEY_STR },
	{ SNAP_A_STATE, "state", SNAP_KEY_U8 },
	{ SNAP_A_READY, "ready", SNAP_KEY_U8 },
	{ SNAP_A_LOG_LEVEL, "log_level", SNAP_KEY_U8 },
	{ SNAP_A_FORCE, "force", SNAP_KEY_FLAG },
};

/* The policy checked each value's length and a string's NUL. */
static int snap_rpc_put_key(char *buf, size_t len, const struct nlattr *nla, int i)
{
	const char *label = snap_rpc_keys[i].label;

	switch (snap_rpc_keys[i].type) {
	case SNAP_KEY_U8:
		return scnprintf(buf, len, " %s=%u", label, nla_get_u8(nla));
	case SNAP_KEY_U32:
		return scnprintf(buf, len, " %s=%u", label, nla_get_u32(nla));
	case SNAP_KEY_FLAG:
		return scnprintf(buf, len, " %s", label);
	default:
		return scnprintf(buf, len, " %s=%s", label, (const char *)nla_data(nla));
	}
}

/*
 * One kernel log line per change request when rpc_log is set: the
 * command, who sent it, the object it names and the outcome. A request
 * changed something if the registry's generation moved: family requests
 * are serialized (no parallel_ops), so nothing else moved it meanwhile
 * except a daemon attaching, which is logged by itself.
 */
static void snap_rpc_log_request(const struct snap_genl_split_ops *ops,
				 struct genl_info *info)
{
	const char *msg = info->extack ? info->extack->_msg : NULL;
	u64 before = (uintptr_t)info->user_ptr[0];
	char keys[192];
	size_t i, n = 0;
	bool changed;

	mutex_lock(&snap_lock);
	changed = snap_emu.generation != before;
	mutex_unlock(&snap_lock);
	keys[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(snap_rpc_keys); i++) {
		const struct nlattr *nla = info->attrs[snap_rpc_keys[i].attr];

		if (nla)
			n += snap_rpc_put_key(keys + n, sizeof(keys) - n, nla, i);
	}
	pr_info("rpc: %s from %s[%d] uid %u:%s: %s%s%s\n",
		snap_nl_cmd_names[ops->cmd] ?: "?", current->comm,
		task_tgid_nr(current), from_kuid(&init_user_ns, current_uid()),
		keys, changed ? "done" : "refused or no change",
		msg ? ": " : "", msg ?: "");
}

static int snap_pre_doit(const struct snap_genl_split_ops *ops,
			 struct sk_buff *skb, struct genl_info *info)
{
	mutex_lock(&snap_lock);
	info->user_ptr[0] = (void *)(uintptr_t)snap_emu.generation;
	mutex_unlock(&snap_lock);
	return snap_check_duplicates(info->nlhdr, info->extack);
}

/* Privileged requests that are not reads ("...-get" in the spec) change things. */
static bool snap_rpc_is_change(const struct snap_genl_split_ops *ops)
{
	const char *name = snap_nl_cmd_names[ops->cmd];
	size_t len = name ? strlen(name) : 0;

	return (ops->flags & GENL_ADMIN_PERM) &&
	       !(len > 4 && !strcmp(name + len - 4, "-get"));
}

static void snap_post_doit(const struct snap_genl_split_ops *ops,
			   struct sk_buff *skb, struct genl_info *info)
{
	if (READ_ONCE(snap_rpc_log) && snap_rpc_is_change(ops))
		snap_rpc_log_request(ops, info);
}

/*
 * Dump buffers must hold the largest object: a subsystem or NVMe
 * controller listing every nsid of a full subsystem (4096), with room for
 * a few hundred controller names.
 */
#define SNAP_DUMP_MIN_ALLOC	SZ_64K

int snap_nl_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = SNAP_DUMP_MIN_ALLOC;
	return 0;
}

static struct genl_family snap_genl_family __ro_after_init = {
	.name = SNAP_GENL_NAME,
	.version = SNAP_GENL_VERSION,
	.maxattr = SNAP_A_MAX,
	.module = THIS_MODULE,
	.ops = snap_nl_ops,
	.n_ops = ARRAY_SIZE(snap_nl_ops),
	.resv_start_op = SNAP_CMD_EMU_GET,
	.mcgrps = snap_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(snap_nl_mcgrps),
	.pre_doit = snap_pre_doit,
	.post_doit = snap_post_doit,
};

int snap_genl_init(void)
{
	int ret;

	ret = genl_register_family(&snap_genl_family);
	if (ret)
		return ret;
	mutex_lock(&snap_lock);
	snap_genl_registered = true;
	mutex_unlock(&snap_lock);
	return 0;
}

void snap_genl_exit(void)
{
	mutex_lock(&snap_lock);
	snap_genl_registered = false;
	mutex_unlock(&snap_lock);
	genl_unregister_family(&snap_genl_family);
}
