// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's data path on /dev/snap: events from the provider (register
 * changes, doorbells), DMA between host memory and the pool, completion
 * posting and interrupts, by ioctl or io_uring uring_cmd.
 *
 * Each emulated function has a struct snap_dp_fn for as long as the
 * module is loaded. What one device model adds lives beside this
 * file: NVMe's queues in dp_nvme.c, virtqueues in dp_virtio.c. The
 * kernel keeps its own copy of every queue and only mirrors it into the
 * struct snap_fn_state the daemon maps: that mapping is writable, so
 * nothing the kernel relies on is read back from it.
 *
 * Locking: dp->lock (a spinlock, since providers call in from their
 * pollers and config-space paths) guards the handshake and the queues;
 * snap_dp.ev_lock, taken inside it, guards what is pending for the daemon
 * (per-function event bookkeeping, the ready list) and the io_uring
 * waiters. snap_lock is never taken here: the gate is pushed in by
 * snap_dp_gate_changed().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "datapath.h"
#include "datapath_int.h"
#include "nvme_regs.h"
#include "provider.h"
#include "rules.h"
#include "snap.h"

/* How often waits of io_uring rings are checked for a dying daemon. */
#define SNAP_DP_MONITOR_PERIOD	(HZ / 4)

/* A SNAP_IOC_WAIT issued through io_uring, waiting for events. */
struct snap_dp_uwait {
	struct list_head node;
	struct io_uring_cmd *cmd;
	struct task_struct *task;	/* that issued it */
	struct mm_struct *mm;		/* only compared, never used */
	u64 events;
	u32 max_events;
};

static struct {
	struct xarray fns;		/* func_id -> struct snap_dp_fn */
	spinlock_t ev_lock;		/* ready, uwaits, polling */
	/*
	 * The virtio ones of fns, in an SRCU list (snap_dp_ops_srcu):
	 * every poll pass of a busy daemon walks them, and most data paths
	 * have none or few.
	 */
	struct hlist_head virtio_fns;
	struct mutex virtio_lock;	/* changes of virtio_fns */
	struct list_head ready;		/* functions with something pending */
	struct list_head uwaits;	/* struct snap_dp_uwait */
	wait_queue_head_t wq;		/* ioctl waiters */
	struct delayed_work monitor;
	unsigned int polling;		/* SNAP_WAIT_POLL passes under way */
} snap_dp;

/*
 * Operations of the attached daemon run in a read section of this, so
 * that snap_dp_drain() can wait for those of a daemon that is gone, and
 * snap_dp_func_retire() for those that may hold a function going away.
 */
DEFINE_STATIC_SRCU(snap_dp_ops_srcu);

static inline struct snap_dp_uwait **snap_dp_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct snap_dp_uwait *) > sizeof(cmd->pdu));
	return (struct snap_dp_uwait **)cmd->pdu;
}

static bool snap_dp_is_daemon(struct file *file)
{
	return file && READ_ONCE(snap_emu.daemon) == file;
}

/* ---- events ---- */

static bool snap_dp_fn_pending(const struct snap_dp_fn *dp)
{
	return dp->reset_pending || dp->ctrl_event ||
	       !bitmap_empty(dp->sq_pending, SNAP_NVME_MAX_QUEUES) ||
	       !bitmap_empty(dp->cq_pending, SNAP_NVME_MAX_QUEUES);
}

static void snap_dp_uwait_cb(struct io_uring_cmd *cmd, unsigned int issue_flags);

/*
 * Something became pending on @dp: make it findable and wake a waiter.
 * One io_uring waiter at a time is woken: it hands on to the next when it
 * leaves events behind.
 */
static void snap_dp_kick_locked(struct snap_dp_fn *dp)
{
	struct snap_dp_uwait *w;

	lockdep_assert_held(&snap_dp.ev_lock);
	if (dp && list_empty(&dp->ready))
		list_add_tail(&dp->ready, &snap_dp.ready);
	wake_up_interruptible(&snap_dp.wq);
	/* The daemon's own pass gathers what it finds, with no wake-up. */
	if (snap_dp.polling)
		return;
	w = list_first_entry_or_null(&snap_dp.uwaits, struct snap_dp_uwait, node);
	if (w) {
		list_del_init(&w->node);
		io_uring_cmd_complete_in_task(w->cmd, snap_dp_uwait_cb);
	}
}

/* Under dp->lock: bring the delivery bookkeeping in line with hs.event. */
static void snap_dp_ctrl_event(struct snap_dp_fn *dp, bool send)
{
	unsigned long flags;

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	if (send) {
		dp->ctrl_event = dp->hs.event;
		dp->ctrl_value = dp->hs.cc;
		dp->ctrl_data[0] = 0;
		dp->ctrl_data[1] = 0;
		/* The kernel's own copy: the daemon may write fn_state. */
		if (dp->hs.event == SNAP_EV_CTRL_ENABLE) {
			dp->ctrl_data[0] = dp->sq[0].base;
			dp->ctrl_data[1] = dp->cq[0].base;
		}
		snap_dp_kick_locked(dp);
	} else if (dp->ctrl_event && dp->ctrl_event != dp->hs.event) {
		/* Withdrawn before the daemon saw it (cancelled, or no daemon). */
		dp->ctrl_event = 0;
	}
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
}

/*
 * Takes up to @max events off the ready functions. Functions whose events
 * did not all fit go to the end of the list, so none starves.
 */
static u32 snap_dp_gather(struct snap_event *ev, u32 max)
{
	struct snap_dp_fn *dp, *tmp;
	unsigned long flags;
	u32 n = 0;
	LIST_HEAD(partial);

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	list_for_each_entry_safe(dp, tmp, &snap_dp.ready, ready) {
		unsigned int q;

		if (n == max)
			break;
		if (dp->reset_pending) {
			ev[n++] = (struct snap_event){
				.type = SNAP_EV_FUNC_RESET,
				.func_id = dp->func->id,
			};
			dp->reset_pending = false;
		}
		/* CQ heads first: they free room for the completions SQs make. */
		for_each_set_bit(q, dp->cq_pending, SNAP_NVME_MAX_QUEUES) {
			if (n == max)
				break;
			ev[n++] = (struct snap_event){
				.type = SNAP_EV_CQ_DOORBELL,
				.qid = q,
				.func_id = dp->func->id,
				.value = dp->cq_db[q],
			};
			__clear_bit(q, dp->cq_pending);
		}
		for_each_set_bit(q, dp->sq_pending, SNAP_NVME_MAX_QUEUES) {
			if (n == max)
				break;
			ev[n++] = (struct snap_event){
				.type = SNAP_EV_SQ_DOORBELL,
				.qid = q,
				.func_id = dp->func->id,
				.value = dp->sq_db[q],
			};
			__clear_bit(q, dp->sq_pending);
		}
		/*
		 * Last: doorbells rung before a disable or shutdown are older
		 * than it. (An enable has none before it.)
		 */
		if (dp->ctrl_event && n < max) {
			ev[n++] = (struct snap_event){
				.type = dp->ctrl_event,
				.func_id = dp->func->id,
				.value = dp->ctrl_value,
				.data = { dp->ctrl_data[0], dp->ctrl_data[1] },
			};
			dp->ctrl_event = 0;
		}
		if (snap_dp_fn_pending(dp))
			list_move_tail(&dp->ready, &partial);
		else
			list_del_init(&dp->ready);
	}
	list_splice_tail(&partial, &snap_dp.ready);
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	return n;
}

static bool snap_dp_any_pending(void)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	ret = !list_empty(&snap_dp.ready);
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	return ret;
}

/* ---- queues and the handshake ---- */

static void snap_dp_drop_doorbells(struct snap_dp_fn *dp)
{
	unsigned long flags;

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	bitmap_zero(dp->sq_pending, SNAP_NVME_MAX_QUEUES);
	bitmap_zero(dp->cq_pending, SNAP_NVME_MAX_QUEUES);
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
}

/* Under dp->lock: forget every queue and every in-flight command. */
static void snap_dp_clear_queues(struct snap_dp_fn *dp)
{
	struct snap_fn_state *st = dp->state;

	memset(dp->sq, 0, sizeof(dp->sq));
	memset(dp->cq, 0, sizeof(dp->cq));
	memset(dp->vq, 0, sizeof(dp->vq));
	memset(dp->slots, 0, sizeof(dp->slots));
	dp->epoch++;
	memset(st->sq, 0, sizeof(st->sq));
	memset(st->cq, 0, sizeof(st->cq));
	memset(st->inflight, 0, sizeof(st->inflight));
	snap_dp_drop_doorbells(dp);
}

/*
 * Under dp->lock, after a handshake step: carry out its actions and
 * publish CSTS if it changed from @old_csts, or with @publish (on the
 * provider's own calls: the host may have written over the register).
 * Nothing reaches the provider otherwise, so steps taken while it is
 * stopped (controllers destroyed at unload) stay inside the data path.
 * Returns whether the set of queues changed.
 */
bool snap_dp_apply(struct snap_dp_fn *dp, unsigned int actions, u32 old_csts,
		   bool publish)
{
	bool cleared = actions & SNAP_HS_CLEAR_QUEUES;

	if (cleared)
		snap_dp_clear_queues(dp);
	snap_dp_ctrl_event(dp, actions & SNAP_HS_SEND_EVENT);
	WRITE_ONCE(dp->state->csts, dp->hs.csts);
	if (publish || dp->hs.csts != old_csts)
		snap_provider->publish_csts(dp->func, dp->hs.csts);
	return cleared;
}

void snap_dp_doorbell(struct snap_func *func, u16 qid, bool cq, u32 value)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags;

	if (!dp || qid >= dp->max_queues)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	dp->doorbells++;
	if (dp->virtio)
		snap_dp_vq_notify(dp, qid, cq);
	else
		snap_dp_nvme_doorbell(dp, qid, cq, value);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/*
 * Under dp->lock: a doorbell for the daemon, @value the latest (virtio:
 * a notification, @value 0). Doorbells of one queue coalesce.
 */
void snap_dp_note_doorbell(struct snap_dp_fn *dp, u16 qid, bool cq, u32 value)
{
	unsigned long eflags;

	spin_lock_irqsave(&snap_dp.ev_lock, eflags);
	if (cq) {
		dp->cq_db[qid] = value;
		__set_bit(qid, dp->cq_pending);
	} else {
		dp->sq_db[qid] = value;
		__set_bit(qid, dp->sq_pending);
	}
	snap_dp_kick_locked(dp);
	spin_unlock_irqrestore(&snap_dp.ev_lock, eflags);
}

/* Under dp->lock: a queue that went away has no doorbell to report. */
void snap_dp_forget_doorbell(struct snap_dp_fn *dp, u16 qid, bool cq)
{
	unsigned long eflags;

	spin_lock_irqsave(&snap_dp.ev_lock, eflags);
	__clear_bit(qid, cq ? dp->cq_pending : dp->sq_pending);
	spin_unlock_irqrestore(&snap_dp.ev_lock, eflags);
}

void snap_dp_func_reset(struct snap_func *func)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags, eflags;

	if (!dp)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	snap_nvme_hs_reset(&dp->hs);
	snap_dp_clear_queues(dp);
	WRITE_ONCE(dp->state->cc, 0);
	snap_dp_apply(dp, 0, 0, true);

	spin_lock_irqsave(&snap_dp.ev_lock, eflags);
	dp->reset_pending = true;
	snap_dp_kick_locked(dp);
	spin_unlock_irqrestore(&snap_dp.ev_lock, eflags);
	spin_unlock_irqrestore(&dp->lock, flags);
	snap_provider->queues_changed(func);
}

u32 snap_dp_csts(struct snap_func *func)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags;
	u32 csts;

	if (!dp)
		return 0;
	spin_lock_irqsave(&dp->lock, flags);
	csts = dp->hs.csts;
	spin_unlock_irqrestore(&dp->lock, flags);
	return csts;
}

static void snap_dp_cancel_uwaits(int res);

static void snap_dp_gate_one(struct snap_func *func, bool daemon)
{
	struct snap_dp_fn *dp = func->dp;
	struct snap_ctrl *ctrl = func->ctrl;
	unsigned int actions;
	unsigned long flags;
	bool changed;
	u32 old_csts, q;

	if (!dp)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	dp->daemon = daemon;
	dp->running = ctrl && !ctrl->dead && ctrl->state == SNAP_CTRL_RUNNING;
	/*
	 * A daemon gone while it polled left its rings quiet: the next
	 * fetch that finds one empty asks the driver to notify again. A
	 * pass of it still under way does not record them quiet again.
	 */
	dp->daemon_gen++;
	for (q = 0; dp->virtio && q < dp->max_queues; q++)
		dp->vq[q].quiet = false;
	old_csts = dp->hs.csts;
	actions = snap_nvme_hs_gate(&dp->hs, dp->daemon, dp->running);
	changed = snap_dp_apply(dp, actions, old_csts, false);
	spin_unlock_irqrestore(&dp->lock, flags);
	if (changed)
		snap_provider->queues_changed(func);
}

/*
 * A controller removed under a host that enabled it fails, as a real one
 * pulled out would: the host sees CSTS.CFS (virtio: DEVICE_NEEDS_RESET)
 * and resets. Its queues and in-flight commands go, so a controller
 * created later on the function replays none of them, and so does the
 * daemon's engine area, so its engine starts from defaults.
 */
void snap_dp_ctrl_gone(struct snap_func *func)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned int actions;
	unsigned long flags;
	bool changed;
	u32 old_csts;

	lockdep_assert_held(&snap_lock);
	if (!dp)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	old_csts = dp->hs.csts;
	actions = snap_nvme_hs_ctrl_gone(&dp->hs);
	if (actions && dp->virtio)
		/* what the driver reads, for a daemon that takes over */
		WRITE_ONCE(dp->state->device_status, dp->state->device_status |
			   VIRTIO_CONFIG_S_NEEDS_RESET);
	changed = snap_dp_apply(dp, actions, old_csts, false);
	memset(dp->state->engine, 0, sizeof(dp->state->engine));
	spin_unlock_irqrestore(&dp->lock, flags);
	if (changed)
		snap_provider->queues_changed(func);
}

void snap_dp_gate_changed(struct snap_func *func)
{
	bool daemon = !!snap_emu.daemon;

	lockdep_assert_held(&snap_lock);
	if (func) {
		snap_dp_gate_one(func, daemon);
		return;
	}
	list_for_each_entry(func, &snap_emu.funcs, node) {
		snap_dp_gate_one(func, daemon);
		/* Whether a daemon serves virtqueues decides FEATURES_OK. */
		snap_provider->config_changed(func);
	}
	if (!daemon) {
		/* Waits of the daemon that left end; its successor waits anew. */
		snap_dp_cancel_uwaits(-ENOTCONN);
		wake_up_interruptible(&snap_dp.wq);
	}
}

/* ---- ioctl handlers ---- */

bool snap_dp_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/**
 * snap_dp_ubuf_copy() - copy in an array the daemon hands
 * @b: the caller's buffer; snap_dp_ubuf_free() undoes a success
 * @uptr: user pointer to the array
 * @n: its entries
 * @size: the size of one
 *
 * Return: the copy, in @b's local room or allocated; or an ERR_PTR
 * (-EFAULT, -ENOMEM), and then there is nothing to free.
 */
void *snap_dp_ubuf_copy(struct snap_dp_ubuf *b, u64 uptr, u32 n, size_t size)
{
	size_t len = array_size(n, size);

	if (len > sizeof(b->local)) {
		b->p = vmemdup_user(u64_to_user_ptr(uptr), len);
		return b->p;
	}
	b->p = b->local;
	if (copy_from_user(b->local, u64_to_user_ptr(uptr), len))
		return ERR_PTR(-EFAULT);
	return b->p;
}

void snap_dp_ubuf_free(struct snap_dp_ubuf *b)
{
	if (b->p != b->local)
		kvfree(b->p);
}

/*
 * In a read section of snap_dp_ops_srcu: a hot-plug PF's state is freed
 * once it is off the index and the read sections that could see it are
 * over (snap_dp_func_retire()).
 */
struct snap_dp_fn *snap_dp_fn_get(u32 func_id)
{
	RCU_LOCKDEP_WARN(!srcu_read_lock_held(&snap_dp_ops_srcu),
			 "function looked up outside snap_dp_ops_srcu");
	return xa_load(&snap_dp.fns, func_id);
}

static long snap_dp_ctrl_done(void __user *argp)
{
	struct snap_ctrl_done req;
	struct snap_dp_fn *dp;
	unsigned int actions;
	unsigned long flags;
	bool changed;
	u32 old_csts;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!snap_dp_zero(req.reserved, sizeof(req.reserved)) ||
	    req.event < SNAP_EV_CTRL_ENABLE || req.event > SNAP_EV_CTRL_SHUTDOWN)
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp)
		return -EINVAL;

	spin_lock_irqsave(&dp->lock, flags);
	old_csts = dp->hs.csts;
	ret = snap_nvme_hs_done(&dp->hs, req.event, req.status, &actions);
	changed = !ret && snap_dp_apply(dp, actions, old_csts, false);
	spin_unlock_irqrestore(&dp->lock, flags);
	if (changed)
		snap_provider->queues_changed(dp->func);
	return ret;
}

static long snap_dp_fn_fatal(void __user *argp)
{
	struct snap_fn_fatal req;
	struct snap_dp_fn *dp;
	unsigned long flags;
	u32 old_csts;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!snap_dp_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp)
		return -EINVAL;

	spin_lock_irqsave(&dp->lock, flags);
	old_csts = dp->hs.csts;
	ret = snap_nvme_hs_fatal(&dp->hs);
	if (!ret && dp->virtio)
		/* what the driver reads, for a daemon that takes over */
		WRITE_ONCE(dp->state->device_status, dp->state->device_status |
			   VIRTIO_CONFIG_S_NEEDS_RESET);
	if (!ret)
		snap_dp_apply(dp, 0, old_csts, false);
	spin_unlock_irqrestore(&dp->lock, flags);
	return ret;
}

/*
 * NVMe data pointers are dword aligned; virtio buffers are byte
 * granular (a status byte, a header anywhere), so virtio functions move
 * single bytes.
 */
static bool snap_dp_seg_ok(const struct snap_dp_fn *dp,
			   const struct snap_dma_seg *seg)
{
	u32 align = dp->virtio ? 1 : SNAP_DMA_ALIGN;
	u64 end;

	if (seg->reserved || !seg->len || seg->len > SNAP_DMA_MAX_SEG_LEN)
		return false;
	if (!IS_ALIGNED(seg->host_addr | seg->pool_off | seg->len, align))
		return false;
	if (check_add_overflow(seg->host_addr, (u64)seg->len, &end))
		return false;
	return snap_pool_range_ok(seg->pool_off, seg->len);
}

static int snap_dp_dma_seg(struct snap_func *func,
			   const struct snap_dma_seg *seg, u32 dir)
{
	u64 host = seg->host_addr, off = seg->pool_off;
	u32 len = seg->len;

	/* A segment may cross from one 2 MiB page of the pool to the next. */
	while (len) {
		u32 n = min_t(u64, len, SNAP_POOL_CHUNK_SIZE -
			      off % SNAP_POOL_CHUNK_SIZE);
		void *buf = snap_pool_ptr(off, n);
		int ret;

		if (WARN_ON_ONCE(!buf))
			return -EINVAL;
		ret = snap_provider->dma(func, host, buf, n, dir);
		if (ret)
			return ret;
		host += n;
		off += n;
		len -= n;
	}
	return 0;
}

/**
 * snap_dp_dma_user() - move segments between the pool and @dp's host
 * @dp: the function
 * @uptr: user pointer to @nr struct snap_dma_seg
 * @nr: segments, 1 to %SNAP_DMA_MAX_SEGS
 * @dir: SNAP_DMA_FROM_HOST or SNAP_DMA_TO_HOST
 *
 * Every segment is checked before the first byte moves. Process context.
 *
 * Return: 0; -EINVAL for a malformed segment, -EFAULT, -ENOMEM, or the
 * provider's error (-EIO: host memory refused, earlier segments moved).
 */
int snap_dp_dma_user(struct snap_dp_fn *dp, u64 uptr, u32 nr, u32 dir)
{
	struct snap_dp_ubuf buf;
	struct snap_dma_seg *segs;
	int ret = 0;
	u32 i;

	if (!nr || nr > SNAP_DMA_MAX_SEGS)
		return -EINVAL;
	segs = snap_dp_ubuf_copy(&buf, uptr, nr, sizeof(*segs));
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	for (i = 0; i < nr; i++) {
		if (!snap_dp_seg_ok(dp, &segs[i])) {
			ret = -EINVAL;
			goto out_free;
		}
	}
	for (i = 0; i < nr; i++) {
		ret = snap_dp_dma_seg(dp->func, &segs[i], dir);
		if (ret)
			break;
		cond_resched();
	}
out_free:
	snap_dp_ubuf_free(&buf);
	return ret;
}

/**
 * snap_dp_post_dma() - the SNAP_POST_DMA part of a post
 * @dp: the function
 * @flags: the post's flags
 * @segs: its segs field
 * @nr_segs: its nr_segs field
 *
 * With SNAP_POST_DMA, moves the segments to the host before the caller
 * posts anything; without it both fields must be 0. Process context.
 *
 * Return: 0 or a negative errno, and then nothing may be posted.
 */
int snap_dp_post_dma(struct snap_dp_fn *dp, u16 flags, u64 segs, u32 nr_segs)
{
	if (!(flags & SNAP_POST_DMA))
		return segs || nr_segs ? -EINVAL : 0;
	return snap_dp_dma_user(dp, segs, nr_segs, SNAP_DMA_TO_HOST);
}

static long snap_dp_dma(void __user *argp)
{
	struct snap_dp_fn *dp;
	struct snap_dma req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || !snap_dp_zero(req.reserved, sizeof(req.reserved)) ||
	    (req.dir != SNAP_DMA_FROM_HOST && req.dir != SNAP_DMA_TO_HOST))
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp)
		return -EINVAL;
	/* the segment count is checked with the segments */
	return snap_dp_dma_user(dp, req.segs, req.nr_segs, req.dir);
}

/* Under dp->lock: @n completions named commands that are not in flight. */
void snap_dp_count_stale(struct snap_dp_fn *dp, u32 n)
{
	dp->stale_cqes += n;
	pr_warn_ratelimited("function %u: %u completion(s) for commands not in flight refused\n",
			    dp->func->id, n);
}

/*
 * Under dp->lock: whether @slots may take new commands (each free, none
 * named twice). Every fetch runs this with interrupts off: one pass with a
 * bitmap, not a pairwise search.
 */
bool snap_dp_slots_free(const struct snap_dp_fn *dp, const u16 *slots, u32 n)
{
	DECLARE_BITMAP(seen, SNAP_INFLIGHT_MAX);
	u32 i;

	bitmap_zero(seen, SNAP_INFLIGHT_MAX);
	for (i = 0; i < n; i++) {
		if (slots[i] >= SNAP_INFLIGHT_MAX || dp->slots[slots[i]].used ||
		    __test_and_set_bit(slots[i], seen))
			return false;
	}
	return true;
}

static long snap_dp_sq_fetch(void __user *argp)
{
	u16 slots[SNAP_SQ_FETCH_MAX];
	struct snap_sq_fetch req;
	struct snap_dp_fn *dp;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~SNAP_SQ_FETCH_PEEK || req.pad || req.reserved ||
	    !(req.flags & SNAP_SQ_FETCH_PEEK) != !req.peeks ||
	    !req.max || req.max > SNAP_SQ_FETCH_MAX)
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp || req.sqid >= dp->max_queues ||
	    (req.flags & SNAP_SQ_FETCH_PEEK && !dp->virtio))
		return -EINVAL;
	if (copy_from_user(slots, u64_to_user_ptr(req.slots),
			   req.max * sizeof(*slots)))
		return -EFAULT;
	if (dp->virtio)
		return snap_dp_vq_fetch(dp, req.sqid, slots, req.max,
					u64_to_user_ptr(req.peeks));
	return snap_dp_nvme_fetch(dp, req.sqid, slots, req.max);
}

static long snap_dp_raise_irq(void __user *argp)
{
	struct snap_dp_fn *dp;
	struct snap_irq req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || !snap_dp_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp || req.vector >= READ_ONCE(dp->func->num_msix))
		return -EINVAL;
	return snap_provider->raise_irq(dp->func, req.vector);
}

static void snap_dp_kick_if_pending(void);

/*
 * The virtio functions' available rings, looked at by a daemon that is
 * busy (@busy) or about to sleep (snap_dp_vq_poll()).
 */
static void snap_dp_vq_poll_all(bool busy)
{
	struct snap_dp_fn *dp;
	int idx;

	if (hlist_empty(&snap_dp.virtio_fns))
		return;
	idx = srcu_read_lock(&snap_dp_ops_srcu);
	hlist_for_each_entry_srcu(dp, &snap_dp.virtio_fns, virtio_node,
				  srcu_read_lock_held(&snap_dp_ops_srcu))
		snap_dp_vq_poll(dp, busy);
	srcu_read_unlock(&snap_dp_ops_srcu, idx);
}

/*
 * SNAP_WAIT_POLL: the provider looks at the doorbells now, for the
 * daemon that asks, and the data path at the virtio rings. What the pass
 * finds is gathered by the caller right after it; an io_uring wait is
 * woken only for what is left then.
 */
static void snap_dp_poll_now(u32 wait_flags)
{
	unsigned long flags;

	snap_dp_vq_poll_all(!(wait_flags & SNAP_WAIT_POLL_END));
	if (!snap_provider->poll)
		return;
	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	snap_dp.polling++;
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	snap_provider->poll(!(wait_flags & SNAP_WAIT_POLL_END));
	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	snap_dp.polling--;
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
}

static int snap_dp_wait_args(void __user *argp, struct snap_wait *req)
{
	if (copy_from_user(req, argp, sizeof(*req)))
		return -EFAULT;
	if (req->flags & ~(SNAP_WAIT_NONBLOCK | SNAP_WAIT_POLL | SNAP_WAIT_POLL_END) ||
	    (req->flags & SNAP_WAIT_POLL_END && !(req->flags & SNAP_WAIT_POLL)) ||
	    !snap_dp_zero(req->reserved, sizeof(req->reserved)) ||
	    !req->max_events || req->max_events > SNAP_WAIT_MAX_EVENTS)
		return -EINVAL;
	return 0;
}

/*
 * Events gathered at once: a wait returns a few, and room for all it may
 * take, allocated per call, cost more than the rest of the call.
 */
#define SNAP_DP_EV_CHUNK	8

/*
 * Takes up to @max events off the ready functions into the daemon's
 * buffer at @uptr, a chunk at a time. Events are taken off before they
 * are copied: a daemon handing a bad buffer loses them (EFAULT), as with
 * read() on an eventfd.
 */
static long snap_dp_gather_user(u64 uptr, u32 max)
{
	struct snap_event ev[SNAP_DP_EV_CHUNK];
	struct snap_event __user *dst = u64_to_user_ptr(uptr);
	u32 n, done = 0;

	do {
		n = snap_dp_gather(ev, min_t(u32, max - done, ARRAY_SIZE(ev)));
		if (copy_to_user(dst + done, ev, n * sizeof(*ev)))
			return -EFAULT;
		done += n;
	} while (n == ARRAY_SIZE(ev) && done < max);
	return done;
}

static long snap_dp_wait(struct file *file, void __user *argp)
{
	struct snap_wait req;
	long ret;

	ret = snap_dp_wait_args(argp, &req);
	if (ret)
		return ret;
	if (req.flags & SNAP_WAIT_POLL)
		snap_dp_poll_now(req.flags);
	for (;;) {
		ret = snap_dp_gather_user(req.events, req.max_events);
		if (ret || req.flags & SNAP_WAIT_NONBLOCK) {
			if (req.flags & SNAP_WAIT_POLL)
				snap_dp_kick_if_pending();
			return ret;
		}
		/* no ring is left quiet while nobody looks at it */
		snap_dp_vq_poll_all(false);
		ret = wait_event_interruptible(snap_dp.wq, snap_dp_any_pending() ||
					       !snap_dp_is_daemon(file));
		if (ret)
			return ret;
		if (!snap_dp_is_daemon(file))
			return -ENOTCONN;
	}
}

static long snap_dp_pool_grow(void __user *argp)
{
	struct snap_pool_grow req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!snap_dp_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	return snap_pool_grow(req.offset, req.len);
}

static long snap_dp_op(unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case SNAP_IOC_CTRL_DONE:
		return snap_dp_ctrl_done(argp);
	case SNAP_IOC_QUEUE_CREATE:
		return snap_dp_queue_create(argp);
	case SNAP_IOC_QUEUE_DELETE:
		return snap_dp_queue_delete(argp);
	case SNAP_IOC_DMA:
		return snap_dp_dma(argp);
	case SNAP_IOC_POST_CQE:
		return snap_dp_post_cqe(argp);
	case SNAP_IOC_SQ_FETCH:
		return snap_dp_sq_fetch(argp);
	case SNAP_IOC_VQ_POST:
		return snap_dp_vq_post(argp);
	case SNAP_IOC_FN_FATAL:
		return snap_dp_fn_fatal(argp);
	case SNAP_IOC_POOL_GROW:
		return snap_dp_pool_grow(argp);
	default:
		return snap_dp_raise_irq(argp);
	}
}

long snap_dp_ioctl(struct file *file, unsigned int cmd, void __user *argp)
{
	long ret;
	int idx;

	switch (cmd) {
	case SNAP_IOC_WAIT:
	case SNAP_IOC_CTRL_DONE:
	case SNAP_IOC_QUEUE_CREATE:
	case SNAP_IOC_QUEUE_DELETE:
	case SNAP_IOC_DMA:
	case SNAP_IOC_POST_CQE:
	case SNAP_IOC_RAISE_IRQ:
	case SNAP_IOC_SQ_FETCH:
	case SNAP_IOC_VQ_POST:
	case SNAP_IOC_FN_FATAL:
	case SNAP_IOC_POOL_GROW:
		break;
	default:
		return -ENOTTY;
	}
	if (!snap_dp_is_daemon(file))
		return -ENOTCONN;
	if (cmd == SNAP_IOC_WAIT)
		return snap_dp_wait(file, argp);

	idx = srcu_read_lock(&snap_dp_ops_srcu);
	/* Checked again inside, so that snap_dp_drain() covers this one. */
	ret = snap_dp_is_daemon(file) ? snap_dp_op(cmd, argp) : -ENOTCONN;
	srcu_read_unlock(&snap_dp_ops_srcu, idx);
	return ret;
}

/**
 * snap_dp_drain() - wait for the operations of detached daemons
 *
 * Every daemon operation but WAIT (which moves nothing) runs in an SRCU
 * read section that starts with the check that its file is the attached
 * daemon's. Once that file is detached, this returns when every such
 * operation has: a DMA, completion or interrupt a killed daemon's thread
 * still had under way is over before the next daemon attaches.
 */
void snap_dp_drain(void)
{
	synchronize_srcu(&snap_dp_ops_srcu);
}

/* ---- io_uring ---- */

static void snap_dp_uwait_free(struct snap_dp_uwait *w)
{
	put_task_struct(w->task);
	kfree(w);
}

static void snap_dp_monitor_arm_locked(void)
{
	if (!list_empty(&snap_dp.uwaits))
		mod_delayed_work(system_wq, &snap_dp.monitor,
				 SNAP_DP_MONITOR_PERIOD);
}

/*
 * Queues @w unless events came meanwhile. Returns false when the caller
 * should gather again instead.
 */
static bool snap_dp_uwait_park(struct snap_dp_uwait *w)
{
	unsigned long flags;
	bool parked = false;

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	if (list_empty(&snap_dp.ready)) {
		list_add_tail(&w->node, &snap_dp.uwaits);
		if (!delayed_work_pending(&snap_dp.monitor))
			snap_dp_monitor_arm_locked();
		parked = true;
	}
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	return parked;
}

/* Hands on to the next io_uring waiter when events are left. */
static void snap_dp_kick_if_pending(void)
{
	unsigned long flags;

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	if (!list_empty(&snap_dp.ready))
		snap_dp_kick_locked(NULL);
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
}

/*
 * Events are copied in the task that issued the wait, where its buffer is
 * mapped. A task that is exiting (or a fallback worker running this for
 * it) gets -ECANCELED and leaves the events to the next daemon.
 */
static void snap_dp_uwait_cb(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct snap_dp_uwait *w = *snap_dp_pdu(cmd);
	long ret;

	if (current->flags & PF_EXITING || current->mm != w->mm) {
		ret = -ECANCELED;
		goto done;
	}
	if (!snap_dp_is_daemon(cmd->file)) {
		ret = -ENOTCONN;
		goto done;
	}
	do {
		ret = snap_dp_gather_user(w->events, w->max_events);
	} while (!ret && !snap_dp_uwait_park(w));
	if (!ret)
		return;		/* parked again: another waiter took them */
	snap_dp_kick_if_pending();
done:
	snap_dp_uwait_free(w);
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
}

/* Completes the waits on @list, taken off the parked list, with @res. */
static void snap_dp_end_uwaits(struct list_head *list, int res)
{
	struct snap_dp_uwait *w, *tmp;

	list_for_each_entry_safe(w, tmp, list, node) {
		struct io_uring_cmd *cmd = w->cmd;

		list_del(&w->node);
		snap_dp_uwait_free(w);
		io_uring_cmd_done(cmd, res, 0, IO_URING_F_UNLOCKED);
	}
}

/* Ends every parked io_uring wait with @res (daemon gone). */
static void snap_dp_cancel_uwaits(int res)
{
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	list_splice_init(&snap_dp.uwaits, &list);
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	snap_dp_end_uwaits(&list, res);
}

/*
 * 6.1 has no way to cancel a uring_cmd: a ring whose task died waits for
 * its commands forever, holding /dev/snap (and so the attachment). As
 * ublk does, look for waits of dying tasks now and then and end them.
 */
static void snap_dp_monitor_fn(struct work_struct *work)
{
	struct snap_dp_uwait *w, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	list_for_each_entry_safe(w, tmp, &snap_dp.uwaits, node)
		if (w->task->flags & PF_EXITING)
			list_move_tail(&w->node, &dead);
	snap_dp_monitor_arm_locked();
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	snap_dp_end_uwaits(&dead, -ECANCELED);
}

static int snap_dp_uring_wait(struct io_uring_cmd *cmd, void __user *argp)
{
	struct snap_dp_uwait *w;
	struct snap_wait req;
	long ret;

	ret = snap_dp_wait_args(argp, &req);
	if (ret)
		return ret;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->cmd = cmd;
	w->task = get_task_struct(current);
	w->mm = current->mm;
	w->events = req.events;
	w->max_events = req.max_events;
	*snap_dp_pdu(cmd) = w;

	if (req.flags & SNAP_WAIT_POLL)
		snap_dp_poll_now(req.flags);
	/* The daemon may sleep on this wait: no ring is left quiet. */
	if (!(req.flags & SNAP_WAIT_NONBLOCK))
		snap_dp_vq_poll_all(false);
	/* Events already there complete the command right away. */
	do {
		ret = snap_dp_gather_user(req.events, req.max_events);
		if (ret || req.flags & SNAP_WAIT_NONBLOCK) {
			snap_dp_uwait_free(w);
			if (req.flags & SNAP_WAIT_POLL)
				snap_dp_kick_if_pending();
			return ret;
		}
	} while (!snap_dp_uwait_park(w));
	return -EIOCBQUEUED;
}

int snap_dp_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	const struct snap_uring_cmd *uc = snap_uring_cmd_bytes(cmd);
	u32 op = cmd->cmd_op;
	void __user *argp;

	/* The SQE may be reused once this returns: read it once, now. */
	argp = u64_to_user_ptr(READ_ONCE(uc->addr));
	if (READ_ONCE(uc->flags) || READ_ONCE(uc->len) != _IOC_SIZE(op))
		return -EINVAL;
	if (op == SNAP_IOC_WAIT) {
		if (!snap_dp_is_daemon(cmd->file))
			return -ENOTCONN;
		return snap_dp_uring_wait(cmd, argp);
	}
	return snap_dp_ioctl(cmd->file, op, argp);
}

/* ---- mmap ---- */

/*
 * A malloc bdev's contents, allocated on the first mapping (objects that
 * are never served cost nothing) and kept until the bdev goes.
 */
static int snap_dp_mmap_bdev(struct vm_area_struct *vma, u64 off)
{
	u64 id = div64_u64(off, SNAP_MMAP_BDEV_STRIDE);
	struct snap_bdev *bdev;
	u64 size;
	int ret = -EINVAL;

	if (off % SNAP_MMAP_BDEV_STRIDE || id > U32_MAX || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Not snap_lock: we run under the mmap_lock (see core.c). */
	mutex_lock(&snap_bdev_mem_lock);
	bdev = xa_load(&snap_bdev_by_id, id);
	if (bdev && bdev->type == SNAP_BDEV_MALLOC &&
	    !check_mul_overflow(bdev->num_blocks, (u64)bdev->block_size, &size)) {
		if (!bdev->mem)
			bdev->mem = vmalloc_user(size);
		ret = bdev->mem ? remap_vmalloc_range(vma, bdev->mem, 0) : -ENOMEM;
	}
	mutex_unlock(&snap_bdev_mem_lock);
	return ret;
}

/* NULL when out of memory: the mapping fails, a later one tries again. */
static void snap_dp_bdev_stats_alloc(struct snap_bdev *bdev)
{
	struct snap_bdev_stats *stats = vmalloc_user(sizeof(*stats));

	/* Pairs with snap_dp_bdev_stats(): the page is zeroed before seen. */
	smp_store_release(&bdev->stats, stats);
}

/*
 * Any bdev's counters: a page allocated on the first mapping and kept
 * until the bdev goes, so a new daemon goes on counting where the old one
 * stopped and a new bdev of the same name starts at 0.
 */
static int snap_dp_mmap_bdev_stats(struct vm_area_struct *vma, u64 off)
{
	u64 id = div64_u64(off, SNAP_MMAP_BDEV_STATS_STRIDE);
	struct snap_bdev *bdev;
	int ret = -EINVAL;

	if (off % SNAP_MMAP_BDEV_STATS_STRIDE || id > U32_MAX ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&snap_bdev_mem_lock);
	bdev = xa_load(&snap_bdev_by_id, id);
	if (bdev && !bdev->stats)
		snap_dp_bdev_stats_alloc(bdev);
	if (bdev)
		ret = bdev->stats ? remap_vmalloc_range(vma, bdev->stats, 0) : -ENOMEM;
	mutex_unlock(&snap_bdev_mem_lock);
	return ret;
}

int snap_dp_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct snap_dp_fn *dp;
	int idx, ret;
	u64 id;

	if (!snap_dp_is_daemon(file))
		return -ENOTCONN;
	/* Data and state only: nothing here is ever code. */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	snap_vm_flags_clear(vma, VM_MAYEXEC);
	if (off < SNAP_MMAP_FN_STATE_BASE)
		return snap_pool_mmap(vma);
	if (off >= SNAP_MMAP_BDEV_BASE)
		return snap_dp_mmap_bdev(vma, off - SNAP_MMAP_BDEV_BASE);
	if (off >= SNAP_MMAP_BDEV_STATS_BASE)
		return snap_dp_mmap_bdev_stats(vma, off - SNAP_MMAP_BDEV_STATS_BASE);

	off -= SNAP_MMAP_FN_STATE_BASE;
	id = div64_u64(off, SNAP_MMAP_FN_STATE_STRIDE);
	if (off % SNAP_MMAP_FN_STATE_STRIDE || id > U32_MAX)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	idx = srcu_read_lock(&snap_dp_ops_srcu);
	dp = snap_dp_fn_get(id);
	/* Also checks that the mapping is no longer than the state. */
	ret = dp ? remap_vmalloc_range(vma, dp->state, 0) : -EINVAL;
	srcu_read_unlock(&snap_dp_ops_srcu, idx);
	return ret;
}

/*
 * The pool is handed out 2 MiB aligned, so that its pages could be mapped
 * huge; everything else goes where the mm puts it.
 */
unsigned long snap_dp_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags)
{
	struct mm_struct *mm = current->mm;
	unsigned long ret;

	if (flags & MAP_FIXED || pgoff >= (SNAP_MMAP_FN_STATE_BASE >> PAGE_SHIFT) ||
	    len < SNAP_POOL_CHUNK_SIZE)
		return snap_mm_get_unmapped_area(mm, file, addr, len, pgoff,
						 flags);
	if (len > TASK_SIZE - SNAP_POOL_CHUNK_SIZE)
		return -ENOMEM;
	ret = snap_mm_get_unmapped_area(mm, file, 0, len + SNAP_POOL_CHUNK_SIZE,
					pgoff, flags);
	if (IS_ERR_VALUE(ret))
		return ret;
	/* Offset and address agree modulo 2 MiB, as huge mappings need. */
	return ret + ((((pgoff << PAGE_SHIFT) - ret)) & (SNAP_POOL_CHUNK_SIZE - 1));
}

/* ---- lifetime ---- */

int snap_dp_func_init(struct snap_func *func)
{
	struct snap_dp_fn *dp;
	int ret;

	if (func->type != SNAP_FUNC_NVME && func->type != SNAP_FUNC_VIRTIO_BLK)
		return 0;
	dp = kvzalloc(sizeof(*dp), GFP_KERNEL);
	if (!dp)
		return -ENOMEM;
	dp->fetch_buf = kmalloc(SNAP_SQ_FETCH_MAX * SNAP_SQE_SIZE, GFP_KERNEL);
	if (!dp->fetch_buf) {
		ret = -ENOMEM;
		goto err_free_dp;
	}
	dp->state = vmalloc_user(sizeof(*dp->state));
	if (!dp->state) {
		ret = -ENOMEM;
		goto err_free_fetch_buf;
	}
	dp->func = func;
	mutex_init(&dp->fetch_mutex);
	mutex_init(&dp->post_mutex);
	dp->virtio = func->type == SNAP_FUNC_VIRTIO_BLK;
	if (dp->virtio)
		dp->max_queues = min_t(u32, SNAP_VIRTIO_MAX_QUEUES,
				       snap_vblk_max_queues(func->max_msix));
	else
		dp->max_queues = min_t(u32, SNAP_NVME_MAX_QUEUES,
				       snap_nvme_max_queues(func->num_msix) + 1);
	spin_lock_init(&dp->lock);
	snap_nvme_hs_reset(&dp->hs);
	INIT_LIST_HEAD(&dp->ready);

	dp->state->magic = SNAP_FN_STATE_MAGIC;
	dp->state->version = SNAP_FN_STATE_VERSION;
	dp->state->func_id = func->id;
	dp->state->max_queues = dp->max_queues;
	dp->state->type = func->type;

	ret = xa_insert(&snap_dp.fns, func->id, dp, GFP_KERNEL);
	if (ret)
		goto err_free_state;
	if (dp->virtio) {
		mutex_lock(&snap_dp.virtio_lock);
		hlist_add_head_rcu(&dp->virtio_node, &snap_dp.virtio_fns);
		mutex_unlock(&snap_dp.virtio_lock);
	}
	func->dp = dp;
	return 0;

err_free_state:
	vfree(dp->state);
err_free_fetch_buf:
	kfree(dp->fetch_buf);
err_free_dp:
	kvfree(dp);
	return ret;
}

/* Off the poll pass's list (once: retire and exit both take it off). */
static void snap_dp_virtio_fn_del(struct snap_dp_fn *dp)
{
	mutex_lock(&snap_dp.virtio_lock);
	hlist_del_init_rcu(&dp->virtio_node);
	mutex_unlock(&snap_dp.virtio_lock);
}

/**
 * snap_dp_func_retire() - no daemon operation reaches a function any more
 * @func: a function going away; its controller is gone
 *
 * Daemon operations (ioctl, uring_cmd, mmap) find the function by id in
 * an SRCU read section: once it is off the index and they are over, none
 * holds it, and a later one fails as for an id that never existed. The
 * provider may still call in (snap_dp_doorbell() and the like) until it
 * forgot the function. Under snap_lock, which no daemon operation takes.
 */
void snap_dp_func_retire(struct snap_func *func)
{
	if (!func->dp)
		return;
	xa_erase(&snap_dp.fns, func->id);
	snap_dp_virtio_fn_del(func->dp);
	synchronize_srcu(&snap_dp_ops_srcu);
}

/*
 * At unload, when adding the function failed, or after
 * snap_dp_func_retire() and the provider forgot it: nothing uses it. The
 * state pages a daemon still maps stay until it unmaps them.
 */
void snap_dp_func_exit(struct snap_func *func)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags;

	if (!dp)
		return;
	xa_erase(&snap_dp.fns, func->id);
	snap_dp_virtio_fn_del(dp);
	spin_lock_irqsave(&snap_dp.ev_lock, flags);
	list_del(&dp->ready);
	spin_unlock_irqrestore(&snap_dp.ev_lock, flags);
	func->dp = NULL;
	vfree(dp->state);
	kfree(dp->fetch_buf);
	mutex_destroy(&dp->post_mutex);
	mutex_destroy(&dp->fetch_mutex);
	kvfree(dp);
}

/* A counter of @func's data path at @off, read under its lock. */
static u64 snap_dp_counter(struct snap_func *func, size_t off)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags;
	u64 n;

	if (!dp)
		return 0;
	spin_lock_irqsave(&dp->lock, flags);
	n = *(u64 *)((u8 *)dp + off);
	spin_unlock_irqrestore(&dp->lock, flags);
	return n;
}

u64 snap_dp_stale_cqes(struct snap_func *func)
{
	return snap_dp_counter(func, offsetof(struct snap_dp_fn, stale_cqes));
}

/*
 * Doorbell writes and virtio notifications the provider reported (as it
 * found them: several of one queue between two passes count once); a
 * ring the daemon polls (snap_dp_vq_poll()) has none.
 */
u64 snap_dp_doorbells(struct snap_func *func)
{
	return snap_dp_counter(func, offsetof(struct snap_dp_fn, doorbells));
}

u32 snap_dp_num_queues(struct snap_func *func)
{
	struct snap_dp_fn *dp = func->dp;

	BUILD_BUG_ON(ARRAY_SIZE(dp->state->stats) < SNAP_VIRTIO_MAX_QUEUES);
	BUILD_BUG_ON(ARRAY_SIZE(dp->state->stats) < SNAP_NVME_MAX_QUEUES);
	return dp ? dp->max_queues : 0;
}

/*
 * The daemon writes its counters without telling anyone, each in one
 * store: each is read whole, and a read may catch a command counted
 * before its bytes, as any counter read does.
 */
static void snap_dp_read_counters(void *out, const void *counters, size_t bytes)
{
	const u64 *from = counters;
	u64 *to = out;
	size_t i;

	for (i = 0; i < bytes / sizeof(u64); i++)
		to[i] = READ_ONCE(from[i]);
}

void snap_dp_io_stats(struct snap_func *func, struct snap_io_stats *out, u32 n)
{
	struct snap_dp_fn *dp = func->dp;

	if (dp)
		snap_dp_read_counters(out, dp->state->stats,
				      min(n, dp->max_queues) * sizeof(*out));
}

/* Zeros until the daemon first maps them; reserved fields stay 0. */
void snap_dp_bdev_stats(const struct snap_bdev *bdev, struct snap_bdev_stats *out)
{
	const struct snap_bdev_stats *stats;

	/* Pairs with snap_dp_mmap_bdev_stats(): the page is zeroed. */
	stats = smp_load_acquire(&bdev->stats);
	memset(out, 0, sizeof(*out));
	if (stats)
		snap_dp_read_counters(out, stats,
				      offsetof(struct snap_bdev_stats, reserved));
}
EXPORT_SYMBOL_IF_KUNIT(snap_dp_bdev_stats);

void snap_dp_stats_reset(struct snap_func *func)
{
	struct snap_dp_fn *dp = func->dp;

	if (dp)
		memset(dp->state->stats, 0, sizeof(dp->state->stats));
}

int snap_dp_init(void)
{
	xa_init(&snap_dp.fns);
	INIT_HLIST_HEAD(&snap_dp.virtio_fns);
	mutex_init(&snap_dp.virtio_lock);
	spin_lock_init(&snap_dp.ev_lock);
	INIT_LIST_HEAD(&snap_dp.ready);
	INIT_LIST_HEAD(&snap_dp.uwaits);
	init_waitqueue_head(&snap_dp.wq);
	INIT_DELAYED_WORK(&snap_dp.monitor, snap_dp_monitor_fn);
	return 0;
}

/* After snap_core_exit(): the functions, and so their state, are gone. */
void snap_dp_exit(void)
{
	cancel_delayed_work_sync(&snap_dp.monitor);
	WARN_ON(!list_empty(&snap_dp.uwaits));
	WARN_ON(!xa_empty(&snap_dp.fns));
	WARN_ON(!hlist_empty(&snap_dp.virtio_fns));
	xa_destroy(&snap_dp.fns);
	mutex_destroy(&snap_dp.virtio_lock);
	snap_pool_free();
}
