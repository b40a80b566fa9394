// SPDX-License-Identifier: GPL-2.0
/*
 * The data path of NVMe functions: the controller handshake's admin
 * queues, I/O queue creation and deletion, SNAP_IOC_SQ_FETCH of
 * submission queue entries into in-flight slots and SNAP_IOC_POST_CQE of
 * completions, each in one step for a daemon that may be killed. What
 * every function shares (events, DMA, interrupts, slots, the handshake's
 * delivery) is in datapath.c; virtio's queues are in dp_virtio.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "datapath.h"
#include "datapath_int.h"
#include "nvme_regs.h"
#include "params.h"
#include "provider.h"
#include "snap.h"

/* Where NVMe puts the fields the kernel checks and fills in. */
#define SNAP_SQE_CID_OFF	2
#define SNAP_CQE_SQHD_OFF	8
#define SNAP_CQE_SQID_OFF	10
#define SNAP_CQE_CID_OFF	12

static void snap_dp_mirror_queue(struct snap_queue_state *qs,
				 const struct snap_dp_queue *q, u16 qid)
{
	WRITE_ONCE(qs->base, q->base);
	WRITE_ONCE(qs->size, q->size);
	WRITE_ONCE(qs->qid, qid);
	WRITE_ONCE(qs->cqid, q->cqid);
	WRITE_ONCE(qs->vector, q->vector);
	WRITE_ONCE(qs->flags, q->flags);
	WRITE_ONCE(qs->doorbell, 0);
	WRITE_ONCE(qs->head, 0);
	WRITE_ONCE(qs->tail, 0);
	WRITE_ONCE(qs->phase, q->phase);
	WRITE_ONCE(qs->inflight, 0);
}

/* Under dp->lock: the host enabled; the admin queues are known now. */
static void snap_dp_enable_admin(struct snap_dp_fn *dp, u32 aqa, u64 asq,
				 u64 acq)
{
	struct snap_fn_state *st = dp->state;
	struct snap_dp_queue *sq = &dp->sq[0], *cq = &dp->cq[0];

	WRITE_ONCE(st->aqa, aqa);
	WRITE_ONCE(st->asq, asq);
	WRITE_ONCE(st->acq, acq);
	dp->gen++;
	dp->epoch++;
	WRITE_ONCE(st->enable_count, dp->gen);

	*sq = (struct snap_dp_queue){
		.base = asq, .size = (aqa & SNAP_NVME_AQA_QS_MASK) + 1,
	};
	*cq = (struct snap_dp_queue){
		.base = acq,
		.size = ((aqa >> SNAP_NVME_AQA_ACQS_SHIFT) & SNAP_NVME_AQA_QS_MASK) + 1,
		.flags = SNAP_QF_IRQ, .phase = 1, .sq_refs = 1,
	};
	snap_dp_mirror_queue(&st->sq[0], sq, 0);
	snap_dp_mirror_queue(&st->cq[0], cq, 0);
}

void snap_dp_cc_write(struct snap_func *func, u32 cc, u32 aqa, u64 asq,
		      u64 acq)
{
	struct snap_dp_fn *dp = func->dp;
	enum snap_nvme_hs_state old;
	unsigned int actions;
	unsigned long flags;
	bool changed;
	u32 old_csts;

	if (!dp || dp->virtio)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	old = dp->hs.state;
	old_csts = dp->hs.csts;
	actions = snap_nvme_hs_cc_write(&dp->hs, cc, dp->daemon, dp->running);
	WRITE_ONCE(dp->state->cc, cc);
	/* Before the event goes out: the daemon finds the admin queues. */
	changed = old != SNAP_HS_ENABLING && dp->hs.state == SNAP_HS_ENABLING;
	if (changed && !snap_nvme_admin_queues_ok(aqa, asq, acq)) {
		pr_warn_ratelimited("function %u: enable with unusable admin queues (AQA %#x, ASQ %#llx, ACQ %#llx): CSTS.CFS\n",
				    func->id, aqa, asq, acq);
		actions = snap_nvme_hs_refuse_enable(&dp->hs);
		changed = false;
	}
	if (changed)
		snap_dp_enable_admin(dp, aqa, asq, acq);
	changed |= snap_dp_apply(dp, actions, old_csts, true);
	spin_unlock_irqrestore(&dp->lock, flags);
	if (changed)
		snap_provider->queues_changed(func);
}

u64 snap_dp_cap(struct snap_func *func)
{
	return snap_nvme_cap(snap_params.nvme_emulation_max_queue_depth);
}

static void snap_dp_queue_state(const struct snap_dp_queue *q, u16 qid, bool cq,
				struct snap_queue_state *out)
{
	*out = (struct snap_queue_state){
		.base = q->base, .size = q->size, .qid = qid,
		.cqid = cq ? qid : q->cqid, .vector = q->vector, .flags = q->flags,
		.doorbell = cq ? q->head : q->tail, .head = q->head,
		.tail = q->tail, .phase = cq ? q->phase : 0,
		.inflight = cq ? 0 : q->outstanding,
	};
}

/* The kernel's own record of each queue, not the daemon-writable copy. */
void snap_dp_queue_states(struct snap_func *func, struct snap_queue_state *sq,
			  struct snap_queue_state *cq, u32 n)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags;
	u16 q;

	if (!dp)
		return;
	n = min(n, dp->max_queues);
	spin_lock_irqsave(&dp->lock, flags);
	for (q = 0; q < n; q++) {
		snap_dp_queue_state(&dp->sq[q], q, false, &sq[q]);
		snap_dp_queue_state(&dp->cq[q], q, true, &cq[q]);
	}
	spin_unlock_irqrestore(&dp->lock, flags);
}

void snap_dp_queue_map(struct snap_func *func, u64 *sq, u64 *cq)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned int q;

	*sq = 0;
	*cq = 0;
	if (!dp)
		return;
	for (q = 0; q < dp->max_queues; q++) {
		if (READ_ONCE(dp->sq[q].size))
			*sq |= BIT_ULL(q);
		if (READ_ONCE(dp->cq[q].size))
			*cq |= BIT_ULL(q);
	}
}

/* Under dp->lock: the host wrote an SQ tail or CQ head doorbell. */
void snap_dp_nvme_doorbell(struct snap_dp_fn *dp, u16 qid, bool cq, u32 value)
{
	struct snap_dp_queue *q = cq ? &dp->cq[qid] : &dp->sq[qid];
	struct snap_queue_state *qs;

	if (!q->size)
		return;
	qs = cq ? &dp->state->cq[qid] : &dp->state->sq[qid];
	WRITE_ONCE(qs->doorbell, value);
	/*
	 * The daemon sees invalid values too; room and what to fetch are
	 * computed from valid ones.
	 */
	if (cq && value < q->size) {
		q->head = value;
		WRITE_ONCE(qs->head, value);
	} else if (!cq && value < q->size) {
		q->tail = value;
	}
	snap_dp_note_doorbell(dp, qid, cq, value);
}

static u32 snap_dp_mqes(void)
{
	return snap_nvme_cap(snap_params.nvme_emulation_max_queue_depth) & 0xffff;
}

static int snap_dp_check_queue_cfg(const struct snap_dp_fn *dp,
				   const struct snap_queue_cfg *req, bool create)
{
	if (dp->virtio || !snap_dp_zero(req->reserved, sizeof(req->reserved)))
		return -EINVAL;
	if (req->qid < 1 || req->qid >= dp->max_queues)
		return -EINVAL;
	if (req->type != SNAP_QUEUE_SQ && req->type != SNAP_QUEUE_CQ)
		return -EINVAL;
	if (!create)
		return req->flags || req->base || req->size || req->cqid ||
		       req->vector ? -EINVAL : 0;

	if (!req->base || !IS_ALIGNED(req->base, SNAP_NVME_PAGE_SIZE))
		return -EINVAL;
	if (req->size < 2 || req->size > snap_dp_mqes() + 1)
		return -EINVAL;
	if (req->type == SNAP_QUEUE_SQ)
		return req->flags || req->vector || req->cqid < 1 ||
		       req->cqid >= dp->max_queues ? -EINVAL : 0;
	return req->flags & ~SNAP_QF_IRQ || req->cqid ||
	       req->vector >= READ_ONCE(dp->func->num_msix) ? -EINVAL : 0;
}

long snap_dp_queue_create(void __user *argp)
{
	struct snap_queue_cfg req;
	struct snap_queue_state *qs;
	struct snap_dp_queue *q;
	struct snap_dp_fn *dp;
	unsigned long flags;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp)
		return -EINVAL;
	ret = snap_dp_check_queue_cfg(dp, &req, true);
	if (ret)
		return ret;

	spin_lock_irqsave(&dp->lock, flags);
	if (req.type == SNAP_QUEUE_SQ) {
		q = &dp->sq[req.qid];
		qs = &dp->state->sq[req.qid];
	} else {
		q = &dp->cq[req.qid];
		qs = &dp->state->cq[req.qid];
	}
	/* Queues exist only between enable and disable. */
	if (dp->hs.state != SNAP_HS_READY) {
		ret = -EBUSY;
	} else if (q->size) {
		ret = -EEXIST;
	} else if (req.type == SNAP_QUEUE_SQ && !dp->cq[req.cqid].size) {
		ret = -EINVAL;
	} else {
		*q = (struct snap_dp_queue){
			.base = req.base, .size = req.size,
			.cqid = req.type == SNAP_QUEUE_SQ ? req.cqid : req.qid,
			.vector = req.vector, .flags = req.flags,
			.phase = req.type == SNAP_QUEUE_CQ,
		};
		if (req.type == SNAP_QUEUE_SQ)
			dp->cq[req.cqid].sq_refs++;
		dp->epoch++;
		snap_dp_mirror_queue(qs, q, req.qid);
	}
	spin_unlock_irqrestore(&dp->lock, flags);
	if (!ret)
		snap_provider->queues_changed(dp->func);
	return ret;
}

long snap_dp_queue_delete(void __user *argp)
{
	struct snap_queue_cfg req;
	struct snap_dp_queue *q;
	struct snap_dp_fn *dp;
	unsigned long flags;
	bool sq;
	int ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp)
		return -EINVAL;
	ret = snap_dp_check_queue_cfg(dp, &req, false);
	if (ret)
		return ret;
	sq = req.type == SNAP_QUEUE_SQ;

	spin_lock_irqsave(&dp->lock, flags);
	q = sq ? &dp->sq[req.qid] : &dp->cq[req.qid];
	if (!q->size) {
		ret = -ENOENT;
	} else if ((!sq && q->sq_refs) || (sq && q->outstanding)) {
		/* a CQ still in use; an SQ whose commands are not all done */
		ret = -EBUSY;
	} else {
		if (sq)
			dp->cq[q->cqid].sq_refs--;
		dp->epoch++;
		memset(q, 0, sizeof(*q));
		memset(sq ? &dp->state->sq[req.qid] : &dp->state->cq[req.qid],
		       0, sizeof(struct snap_queue_state));
		snap_dp_forget_doorbell(dp, req.qid, !sq);
	}
	spin_unlock_irqrestore(&dp->lock, flags);
	if (!ret)
		snap_provider->queues_changed(dp->func);
	return ret;
}

/*
 * Writes @count entries at slots @tail.. of a CQ. Each run of slots is
 * first written with the phase the slots already hold, so the host takes
 * none of them before its last dword is in place; then the dword holding
 * the status goes out with the new phase, entry by entry.
 */
static int snap_dp_write_cqes(struct snap_func *func, u64 base, u32 size,
			      u32 tail, u8 phase, u8 *cqes, u32 count)
{
	u32 done = 0;
	int ret;

	while (done < count) {
		u32 run = min(count - done, size - tail);
		u8 *first = cqes + done * SNAP_CQE_SIZE;
		u64 addr = base + (u64)tail * SNAP_CQE_SIZE;
		u32 i;

		for (i = 0; i < run; i++) {
			__le16 *status = (__le16 *)(first + i * SNAP_CQE_SIZE + 14);

			*status = cpu_to_le16((le16_to_cpu(*status) & ~1) | !phase);
		}
		ret = snap_provider->dma(func, addr, first, run * SNAP_CQE_SIZE,
					 SNAP_DMA_TO_HOST);
		if (ret)
			return ret;
		wmb();	/* the entries before the phase that validates them */
		for (i = 0; i < run; i++) {
			u8 *cqe = first + i * SNAP_CQE_SIZE;
			__le16 *status = (__le16 *)(cqe + 14);

			*status = cpu_to_le16((le16_to_cpu(*status) & ~1) | phase);
			ret = snap_provider->dma(func, addr + i * SNAP_CQE_SIZE + 12,
						 cqe + 12, 4, SNAP_DMA_TO_HOST);
			if (ret)
				return ret;
		}
		done += run;
		tail = 0;
		phase = !phase;
	}
	return 0;
}

/*
 * Under dp->lock: whether entry @cqe may complete the command in @slot on
 * @cqid. @taken holds the slots of the batch already accepted, so that
 * one command is not completed twice in one call either.
 */
static bool snap_dp_cqe_ok(struct snap_dp_fn *dp, u16 cqid, const u8 *cqe,
			   u16 slot, const unsigned long *taken)
{
	const struct snap_dp_slot *s;

	if (slot >= SNAP_INFLIGHT_MAX || test_bit(slot, taken))
		return false;
	s = &dp->slots[slot];
	return s->used && s->gen == dp->gen &&
	       s->cid == get_unaligned_le16(cqe + SNAP_CQE_CID_OFF) &&
	       s->sqid == get_unaligned_le16(cqe + SNAP_CQE_SQID_OFF) &&
	       dp->sq[s->sqid].size && dp->sq[s->sqid].cqid == cqid;
}

/* Under dp->lock: the command in @slot is over; the host has its entry. */
static void snap_dp_slot_release(struct snap_dp_fn *dp, u16 slot)
{
	struct snap_inflight_slot *ms = &dp->state->inflight[slot];
	struct snap_dp_slot *s = &dp->slots[slot];
	struct snap_dp_queue *sq = &dp->sq[s->sqid];

	WRITE_ONCE(ms->flags, 0);
	sq->outstanding--;
	WRITE_ONCE(dp->state->sq[s->sqid].inflight, sq->outstanding);
	s->used = false;
}

/*
 * Under dp->lock: keeps the entries of @cqes that complete a command in
 * flight (moved to the front, SQ Head filled in, their slots emptied) and
 * returns how many; the others are counted as stale. Nothing changes when
 * the CQ lacks room for the ones kept (-EAGAIN).
 */
static int snap_dp_take_cqes(struct snap_dp_fn *dp, u16 cqid, u8 *cqes,
			     const u16 *slots, u32 count)
{
	DECLARE_BITMAP(taken, SNAP_INFLIGHT_MAX);
	struct snap_dp_queue *q = &dp->cq[cqid];
	u32 i, n = 0, used;
	bool keep[SNAP_CQE_MAX_BATCH];

	bitmap_zero(taken, SNAP_INFLIGHT_MAX);
	for (i = 0; i < count; i++) {
		keep[i] = snap_dp_cqe_ok(dp, cqid, cqes + i * SNAP_CQE_SIZE,
					 slots[i], taken);
		if (keep[i]) {
			__set_bit(slots[i], taken);
			n++;
		}
	}
	used = (q->tail + q->size - q->head) % q->size;
	if (n > q->size - 1 - used)
		return -EAGAIN;

	if (n < count)
		snap_dp_count_stale(dp, count - n);
	for (i = 0, n = 0; i < count; i++) {
		u8 *cqe = cqes + n * SNAP_CQE_SIZE;
		u16 sqid;

		if (!keep[i])
			continue;
		if (n != i)
			memcpy(cqe, cqes + i * SNAP_CQE_SIZE, SNAP_CQE_SIZE);
		sqid = dp->slots[slots[i]].sqid;
		put_unaligned_le16(dp->sq[sqid].head, cqe + SNAP_CQE_SQHD_OFF);
		snap_dp_slot_release(dp, slots[i]);
		n++;
	}
	return n;
}

long snap_dp_post_cqe(void __user *argp)
{
	u16 slots[SNAP_CQE_MAX_BATCH];
	struct snap_queue_state *qs;
	struct snap_post_cqe req;
	struct snap_dp_ubuf buf;
	struct snap_dp_queue *q;
	struct snap_dp_fn *dp;
	unsigned long flags;
	u16 vector, qflags;
	u32 tail, size;
	u8 *cqes, phase;
	u64 base;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(SNAP_POST_IRQ | SNAP_POST_DMA) || !req.slots ||
	    !req.count || req.count > SNAP_CQE_MAX_BATCH)
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp || req.cqid >= dp->max_queues)
		return -EINVAL;
	if (copy_from_user(slots, u64_to_user_ptr(req.slots),
			   req.count * sizeof(*slots)))
		return -EFAULT;
	cqes = snap_dp_ubuf_copy(&buf, req.cqes, req.count, SNAP_CQE_SIZE);
	if (IS_ERR(cqes))
		return PTR_ERR(cqes);

	/* The data the entries report reaches the host before they do. */
	ret = snap_dp_post_dma(dp, req.flags, req.segs, req.nr_segs);
	if (ret)
		goto out_free_cqes;

	/*
	 * Check the commands, empty their slots and reserve the CQ entries
	 * in one step: a concurrent poster gets other entries, and a daemon
	 * killed after this call returns has nothing left to post twice.
	 */
	spin_lock_irqsave(&dp->lock, flags);
	q = &dp->cq[req.cqid];
	if (!q->size) {
		spin_unlock_irqrestore(&dp->lock, flags);
		ret = -EINVAL;
		goto out_free_cqes;
	}
	ret = snap_dp_take_cqes(dp, req.cqid, cqes, slots, req.count);
	if (ret <= 0) {
		spin_unlock_irqrestore(&dp->lock, flags);
		goto out_free_cqes;
	}
	size = q->size;
	base = q->base;
	tail = q->tail;
	phase = q->phase;
	vector = q->vector;
	qflags = q->flags;
	q->tail = (tail + ret) % size;
	if (q->tail <= tail)
		q->phase = !q->phase;
	qs = &dp->state->cq[req.cqid];
	WRITE_ONCE(qs->tail, q->tail);
	WRITE_ONCE(qs->phase, q->phase);
	spin_unlock_irqrestore(&dp->lock, flags);

	ret = snap_dp_write_cqes(dp->func, base, size, tail, phase, cqes, ret);
	/* The entries are there: a vector that cannot fire changes nothing. */
	if (!ret && req.flags & SNAP_POST_IRQ && qflags & SNAP_QF_IRQ)
		snap_provider->raise_irq(dp->func, vector);
out_free_cqes:
	snap_dp_ubuf_free(&buf);
	return ret;
}

/* Reads @n commands from @sqid's ring at @head into dp->fetch_buf. */
static int snap_dp_read_sqes(struct snap_dp_fn *dp, u64 base, u32 size,
			     u32 head, u32 n)
{
	u32 first = min(n, size - head);
	int ret;

	ret = snap_provider->dma(dp->func, base + (u64)head * SNAP_SQE_SIZE,
				 dp->fetch_buf, first * SNAP_SQE_SIZE,
				 SNAP_DMA_FROM_HOST);
	if (ret || first == n)
		return ret;
	return snap_provider->dma(dp->func, base,
				  dp->fetch_buf + first * SNAP_SQE_SIZE,
				  (n - first) * SNAP_SQE_SIZE, SNAP_DMA_FROM_HOST);
}

/* Under dp->lock: the @n commands read are in flight, the head past them. */
static void snap_dp_record_sqes(struct snap_dp_fn *dp, u16 sqid,
				const u16 *slots, u32 n)
{
	struct snap_dp_queue *sq = &dp->sq[sqid];
	u32 i;

	for (i = 0; i < n; i++) {
		const u8 *sqe = dp->fetch_buf + i * SNAP_SQE_SIZE;
		struct snap_inflight_slot *ms = &dp->state->inflight[slots[i]];

		dp->slots[slots[i]] = (struct snap_dp_slot){
			.gen = dp->gen, .sqid = sqid, .used = true,
			.cid = get_unaligned_le16(sqe + SNAP_SQE_CID_OFF),
		};
		WRITE_ONCE(ms->sqid, sqid);
		WRITE_ONCE(ms->gen, dp->gen);
		WRITE_ONCE(ms->seq, dp->fetch_seq++);
		memcpy(ms->sqe, sqe, SNAP_SQE_SIZE);
		smp_wmb();	/* a reader that sees the flag sees the command */
		WRITE_ONCE(ms->flags, SNAP_INFLIGHT_USED);
	}
	sq->head = (sq->head + n) % sq->size;
	sq->outstanding += n;
	WRITE_ONCE(dp->state->sq[sqid].head, sq->head);
	WRITE_ONCE(dp->state->sq[sqid].inflight, sq->outstanding);
}

/* SNAP_IOC_SQ_FETCH of an NVMe function: commands into @slots. */
long snap_dp_nvme_fetch(struct snap_dp_fn *dp, u16 sqid, const u16 *slots,
			u32 max)
{
	struct snap_dp_queue *sq;
	u32 head, size, n, epoch;
	unsigned long flags;
	u64 base;
	long ret;

	mutex_lock(&dp->fetch_mutex);
	spin_lock_irqsave(&dp->lock, flags);
	sq = &dp->sq[sqid];
	if (!sq->size) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (!snap_dp_slots_free(dp, slots, max)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	n = min((sq->tail + sq->size - sq->head) % sq->size, max);
	base = sq->base;
	size = sq->size;
	head = sq->head;
	epoch = dp->epoch;
	spin_unlock_irqrestore(&dp->lock, flags);
	if (!n) {
		ret = 0;
		goto out_unlock_fetch;
	}

	/* Host memory is read without the spinlock: the provider may sleep. */
	ret = snap_dp_read_sqes(dp, base, size, head, n);
	if (ret)
		goto out_unlock_fetch;

	spin_lock_irqsave(&dp->lock, flags);
	/* A reset or queue change meanwhile: those commands are gone. */
	if (dp->epoch != epoch) {
		ret = 0;
		goto out_unlock;
	}
	snap_dp_record_sqes(dp, sqid, slots, n);
	ret = n;
out_unlock:
	spin_unlock_irqrestore(&dp->lock, flags);
out_unlock_fetch:
	mutex_unlock(&dp->fetch_mutex);
	return ret;
}
