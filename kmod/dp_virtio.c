// SPDX-License-Identifier: GPL-2.0
/*
 * The data path of virtio functions: split virtqueues (virtio 1.2
 * section 2.7). The kernel owns each queue's indexes as it owns NVMe's
 * SQ head and CQ tail: SNAP_IOC_SQ_FETCH takes chain heads off the
 * available ring into in-flight slots, SNAP_IOC_VQ_POST fills the used
 * ring and empties the slots, each in one step for a daemon that may be
 * killed. The fetch also reads the start of each chain into its slot
 * (struct snap_vq_chain_start), what the daemon would read first; the
 * rest of the descriptors and the data are the daemon's, through
 * SNAP_IOC_DMA and the posts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "datapath.h"
#include "datapath_int.h"
#include "provider.h"
#include "snap.h"

/* Offsets in the driver (available) and device (used) areas. */
#define SNAP_AVAIL_FLAGS	0
#define SNAP_AVAIL_IDX		2
#define SNAP_AVAIL_RING		4
#define SNAP_USED_FLAGS		0
#define SNAP_USED_IDX		2
#define SNAP_USED_RING		4
#define SNAP_USED_ELEM_SIZE	8

static bool snap_dp_vq_event_idx(const struct snap_dp_fn *dp)
{
	return dp->features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
}

/* Under dp->lock, at DRIVER_OK: the queues the daemon is to serve. */
void snap_dp_virtio_enable(struct snap_dp_fn *dp, u8 status, u64 features,
			   const struct snap_vq_state *vqs, unsigned int nvq)
{
	struct snap_fn_state *st = dp->state;
	unsigned int q;

	dp->gen++;
	dp->epoch++;
	dp->features = features;
	WRITE_ONCE(st->enable_count, dp->gen);
	WRITE_ONCE(st->device_status, status);
	WRITE_ONCE(st->driver_features, features);
	for (q = 0; q < min(nvq, dp->max_queues); q++) {
		struct snap_dp_vq *vq = &dp->vq[q];
		struct snap_vq_state *ms = &st->vq[q];

		*vq = (struct snap_dp_vq){
			.desc = vqs[q].desc, .driver = vqs[q].driver,
			.device = vqs[q].device, .size = vqs[q].size,
			.vector = vqs[q].vector,
		};
		WRITE_ONCE(ms->desc, vq->desc);
		WRITE_ONCE(ms->driver, vq->driver);
		WRITE_ONCE(ms->device, vq->device);
		WRITE_ONCE(ms->vector, vq->vector);
		WRITE_ONCE(ms->avail, 0);
		WRITE_ONCE(ms->used, 0);
		WRITE_ONCE(ms->inflight, 0);
		WRITE_ONCE(ms->size, vq->size);
	}
}

/* The kernel's own record of each virtqueue. */
void snap_dp_vq_states(struct snap_func *func, struct snap_vq_state *vq, u32 n)
{
	struct snap_dp_fn *dp = func->dp;
	unsigned long flags;
	u32 q;

	if (!dp)
		return;
	n = min(n, dp->max_queues);
	spin_lock_irqsave(&dp->lock, flags);
	for (q = 0; q < n; q++) {
		const struct snap_dp_vq *v = &dp->vq[q];

		vq[q] = (struct snap_vq_state){
			.desc = v->desc, .driver = v->driver, .device = v->device,
			.size = v->size, .vector = v->vector, .avail = v->avail,
			.used = v->used, .inflight = v->outstanding,
		};
	}
	spin_unlock_irqrestore(&dp->lock, flags);
}

/*
 * virtio's device status runs the same handshake as NVMe's CC.EN:
 * DRIVER_OK is an enable (the daemon is told once the gate is open, and
 * the queues are in the function state), a reset a disable whose answer
 * the driver waits for (CSTS.RDY 1 -> 0, which the provider turns into a
 * status that reads 0).
 */
void snap_dp_virtio_status(struct snap_func *func, u8 status, u64 features,
			   const struct snap_vq_state *vqs, unsigned int nvq)
{
	u32 cc = status & VIRTIO_CONFIG_S_DRIVER_OK ? SNAP_NVME_CC_EN : 0;
	struct snap_dp_fn *dp = func->dp;
	enum snap_nvme_hs_state old;
	unsigned int actions;
	unsigned long flags;
	u32 old_csts;

	if (!dp || !dp->virtio)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	old = dp->hs.state;
	old_csts = dp->hs.csts;
	actions = snap_nvme_hs_cc_write(&dp->hs, cc, dp->daemon, dp->running);
	if (old != SNAP_HS_ENABLING && dp->hs.state == SNAP_HS_ENABLING)
		snap_dp_virtio_enable(dp, status, features, vqs, nvq);
	snap_dp_apply(dp, actions, old_csts, true);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/* Under dp->lock: a notification; the daemon looks at the available ring. */
void snap_dp_vq_notify(struct snap_dp_fn *dp, u16 vq, bool cq)
{
	if (!cq && dp->vq[vq].size)
		snap_dp_note_doorbell(dp, vq, false, 0);
}

static int snap_dp_vq_read16(struct snap_dp_fn *dp, u64 addr, u16 *val)
{
	__le16 v;
	int ret;

	ret = snap_provider->dma(dp->func, addr, &v, sizeof(v), SNAP_DMA_FROM_HOST);
	*val = le16_to_cpu(v);
	return ret;
}

static int snap_dp_vq_write16(struct snap_dp_fn *dp, u64 addr, u16 val)
{
	__le16 v = cpu_to_le16(val);

	return snap_provider->dma(dp->func, addr, &v, sizeof(v), SNAP_DMA_TO_HOST);
}

/*
 * Reads the @n heads after available index @avail into @heads; each must
 * name a descriptor of the ring.
 */
static int snap_dp_vq_read_heads(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
				 u16 avail, u32 n, u16 *heads)
{
	u32 pos = avail % vq->size, first = min(n, vq->size - pos), i;
	__le16 *raw = (__le16 *)heads;
	int ret;

	ret = snap_provider->dma(dp->func, vq->driver + SNAP_AVAIL_RING + pos * 2,
				 raw, first * 2, SNAP_DMA_FROM_HOST);
	if (!ret && first < n)
		ret = snap_provider->dma(dp->func, vq->driver + SNAP_AVAIL_RING,
					 raw + first, (n - first) * 2,
					 SNAP_DMA_FROM_HOST);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		heads[i] = le16_to_cpu(raw[i]);
		if (heads[i] >= vq->size)
			return -EPROTO;
	}
	return 0;
}

/* A split virtqueue descriptor as the driver wrote it (modern: LE). */
struct snap_dp_vring_desc {
	__le64 addr;
	__le32 len;
	__le16 flags;
	__le16 next;
};

static_assert(sizeof(struct snap_dp_vring_desc) == SNAP_VRING_DESC_SIZE);
/* A fetch's chain starts fill dp->fetch_buf as an NVMe fetch's commands. */
static_assert(sizeof(struct snap_vq_chain_start) == SNAP_SQE_SIZE);

/*
 * The start of the chain at @head (struct snap_vq_chain_start): the
 * descriptor table from @head on, and for a head that refers to an
 * indirect table the start of that table instead. What host memory
 * refuses is left to the daemon, which meets the same refusal.
 */
static void snap_dp_vq_read_start(struct snap_dp_fn *dp,
				  const struct snap_dp_vq *vq, u16 head,
				  struct snap_vq_chain_start *cs)
{
	struct snap_dp_vring_desc *d = (struct snap_dp_vring_desc *)cs->descs;
	u32 n = min_t(u32, SNAP_VQ_START_DESCS, vq->size - head), len;
	u16 flags;
	u64 addr;

	memset(cs, 0, sizeof(*cs));
	cs->head = head;
	if (snap_provider->dma(dp->func, vq->desc + (u64)head * sizeof(*d), d,
			       n * sizeof(*d), SNAP_DMA_FROM_HOST))
		return;
	cs->nr_descs = n;
	flags = le16_to_cpu(d->flags);
	addr = le64_to_cpu(d->addr);
	len = le32_to_cpu(d->len);
	if ((flags & (VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT)) != VRING_DESC_F_INDIRECT ||
	    !len || len % sizeof(*d) || addr > U64_MAX - (len - 1))
		return;
	n = min_t(u32, SNAP_VQ_START_DESCS, len / sizeof(*d));
	if (snap_provider->dma(dp->func, addr, d, n * sizeof(*d), SNAP_DMA_FROM_HOST)) {
		/* the table entries read before may be half overwritten */
		memset(cs->descs, 0, sizeof(cs->descs));
		cs->nr_descs = 0;
		return;
	}
	cs->nr_descs = n;
	cs->desc_flags = SNAP_VQ_START_INDIRECT;
	cs->indirect_addr = addr;
	cs->indirect_len = len;
}

/*
 * The first bytes of the first buffer of the chain that starts with @cs,
 * when it is one the device reads (a virtio-blk request's header).
 */
static void snap_dp_vq_peek(struct snap_dp_fn *dp,
			    const struct snap_vq_chain_start *cs,
			    struct snap_vq_peek *pk)
{
	const struct snap_dp_vring_desc *d = (const void *)cs->descs;
	u16 flags = le16_to_cpu(d->flags);

	memset(pk, 0, sizeof(*pk));
	if (!cs->nr_descs || flags & (VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT) ||
	    le32_to_cpu(d->len) < SNAP_VQ_PEEK_SIZE)
		return;
	pk->addr = le64_to_cpu(d->addr);
	if (pk->addr > U64_MAX - (SNAP_VQ_PEEK_SIZE - 1) ||
	    snap_provider->dma(dp->func, pk->addr, pk->bytes, SNAP_VQ_PEEK_SIZE,
			       SNAP_DMA_FROM_HOST)) {
		memset(pk, 0, sizeof(*pk));
		return;
	}
	pk->len = SNAP_VQ_PEEK_SIZE;
}

/*
 * The chains' starts at @starts, and with @peeks their first bytes, read
 * for the @n heads at @heads. Return: 0, or -EFAULT when @peeks is bad.
 */
static int snap_dp_vq_read_chains(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
				  const u16 *heads, u32 n,
				  struct snap_vq_chain_start *starts,
				  struct snap_vq_peek __user *peeks)
{
	struct snap_vq_peek pk;
	u32 i;

	for (i = 0; i < n; i++) {
		snap_dp_vq_read_start(dp, vq, heads[i], &starts[i]);
		if (!peeks)
			continue;
		snap_dp_vq_peek(dp, &starts[i], &pk);
		if (copy_to_user(&peeks[i], &pk, sizeof(pk)))
			return -EFAULT;
	}
	return 0;
}

/* Under dp->lock: the @n chains read are in flight, avail past them. */
static void snap_dp_vq_record(struct snap_dp_fn *dp, u16 q, const u16 *slots,
			      const struct snap_vq_chain_start *starts, u32 n)
{
	struct snap_dp_vq *vq = &dp->vq[q];
	u32 i;

	for (i = 0; i < n; i++) {
		struct snap_inflight_slot *ms = &dp->state->inflight[slots[i]];

		dp->slots[slots[i]] = (struct snap_dp_slot){
			.gen = dp->gen, .sqid = q, .cid = starts[i].head, .used = true,
		};
		WRITE_ONCE(ms->sqid, q);
		WRITE_ONCE(ms->gen, dp->gen);
		WRITE_ONCE(ms->seq, dp->fetch_seq++);
		ms->vq = starts[i];
		smp_wmb();	/* a reader that sees the flag sees the chain */
		WRITE_ONCE(ms->flags, SNAP_INFLIGHT_USED);
	}
	vq->avail += n;
	vq->outstanding += n;
	WRITE_ONCE(dp->state->vq[q].avail, vq->avail);
	WRITE_ONCE(dp->state->vq[q].inflight, vq->outstanding);
}

/* avail_event: at the end of the used ring (virtio 1.2 section 2.7.8). */
static u64 snap_dp_vq_avail_event(const struct snap_dp_vq *vq)
{
	return vq->device + SNAP_USED_RING + (u64)vq->size * SNAP_USED_ELEM_SIZE;
}

/*
 * With RING_EVENT_IDX the driver notifies only when it passes
 * avail_event: ask for the next chain. Then look at the ring's idx once
 * more, since a chain added before the driver could see the new value
 * came without a notification.
 */
static int snap_dp_vq_rearm(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
			    u16 avail, u16 *idx)
{
	int ret;

	if (!snap_dp_vq_event_idx(dp))
		return 0;
	ret = snap_dp_vq_write16(dp, snap_dp_vq_avail_event(vq), avail);
	if (ret)
		return ret;
	mb();	/* avail_event out before idx is read again */
	return snap_dp_vq_read16(dp, vq->driver + SNAP_AVAIL_IDX, idx);
}

/*
 * An avail_event half the index space ahead: the driver passes it only
 * after 32768 more chains. It is moved on once the driver is a quarter
 * of the way there.
 */
#define SNAP_VQ_QUIET_AHEAD	0x8000
#define SNAP_VQ_QUIET_RENEW	0x4000

/*
 * Asks the driver not to notify: with RING_EVENT_IDX an avail_event it
 * will not reach, else VRING_USED_F_NO_NOTIFY (2.7.7, 2.7.10).
 */
static int snap_dp_vq_quiet(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
			    u16 idx)
{
	if (snap_dp_vq_event_idx(dp))
		return snap_dp_vq_write16(dp, snap_dp_vq_avail_event(vq),
					  idx + SNAP_VQ_QUIET_AHEAD);
	return snap_dp_vq_write16(dp, vq->device + SNAP_USED_FLAGS,
				  VRING_USED_F_NO_NOTIFY);
}

/* Notifications again, then idx once more (as snap_dp_vq_rearm()). */
static int snap_dp_vq_unquiet(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
			      u16 *idx)
{
	int ret;

	if (snap_dp_vq_event_idx(dp))
		return snap_dp_vq_rearm(dp, vq, vq->avail, idx);
	ret = snap_dp_vq_write16(dp, vq->device + SNAP_USED_FLAGS, 0);
	if (ret)
		return ret;
	mb();	/* flags out before idx is read again */
	return snap_dp_vq_read16(dp, vq->driver + SNAP_AVAIL_IDX, idx);
}

/* One queue's look for snap_dp_vq_poll(); under fetch_mutex. */
static void snap_dp_vq_poll_one(struct snap_dp_fn *dp, u16 q, bool busy)
{
	bool quiet, asked = false;
	u32 epoch, daemon_gen;
	struct snap_dp_vq vq;
	unsigned long flags;
	u16 idx;
	int ret;

	spin_lock_irqsave(&dp->lock, flags);
	vq = dp->vq[q];
	epoch = dp->epoch;
	daemon_gen = dp->daemon_gen;
	spin_unlock_irqrestore(&dp->lock, flags);
	if (!vq.size || (!busy && !vq.quiet))
		return;

	if (busy) {
		ret = snap_dp_vq_read16(dp, vq.driver + SNAP_AVAIL_IDX, &idx);
		if (!ret && (!vq.quiet || (u16)(idx - vq.quiet_at) >= SNAP_VQ_QUIET_RENEW))
			asked = !snap_dp_vq_quiet(dp, &vq, idx);
		quiet = vq.quiet || asked;
	} else {
		ret = snap_dp_vq_unquiet(dp, &vq, &idx);
		quiet = false;	/* even refused: the host is resetting the queue */
	}

	spin_lock_irqsave(&dp->lock, flags);
	if (dp->epoch == epoch) {
		/* not past the daemon's leaving (snap_dp_gate_one()) */
		dp->vq[q].quiet = quiet && dp->daemon_gen == daemon_gen;
		if (asked)
			dp->vq[q].quiet_at = idx;
		if (!ret && idx != vq.avail)
			snap_dp_note_doorbell(dp, q, false, 0);
	}
	spin_unlock_irqrestore(&dp->lock, flags);
}

/**
 * snap_dp_vq_poll() - a daemon's look at the available rings of @dp
 * @dp: a virtio function
 * @busy: the daemon looks again soon; false: it is about to sleep
 *
 * While the daemon is busy it finds new chains here, in the pass it makes
 * anyway (SNAP_WAIT_POLL), and the driver is asked not to notify: a
 * notification costs the driver's CPU a trap (sim/trap.c), more than this
 * look costs the daemon. Before the daemon sleeps the driver is asked to
 * notify again and the ring is looked at once more, so that no chain is
 * left without a notification. A chain found is noted as its notification
 * would have been.
 */
void snap_dp_vq_poll(struct snap_dp_fn *dp, bool busy)
{
	u32 q;

	mutex_lock(&dp->fetch_mutex);
	for (q = 0; q < dp->max_queues; q++)
		snap_dp_vq_poll_one(dp, q, busy);
	mutex_unlock(&dp->fetch_mutex);
}

/*
 * The ring is empty as far as this fetch saw: rearm, and when a chain
 * came meanwhile (its notification may have been suppressed by the old
 * avail_event), tell the daemon as the driver would have.
 */
static void snap_dp_vq_rearm_all(struct snap_dp_fn *dp, u16 q,
				 const struct snap_dp_vq *vq, u16 idx, u32 epoch)
{
	unsigned long flags;
	u16 now = idx;

	if (snap_dp_vq_rearm(dp, vq, idx, &now) || now == idx)
		return;
	spin_lock_irqsave(&dp->lock, flags);
	if (dp->epoch == epoch)
		snap_dp_note_doorbell(dp, q, false, 0);
	spin_unlock_irqrestore(&dp->lock, flags);
}

/**
 * snap_dp_vq_fetch() - SNAP_IOC_SQ_FETCH on a virtio function
 * @dp: the function
 * @q: the virtqueue
 * @slots: free in-flight slots, filled in this order
 * @max: how many to take at most
 * @peeks: NULL, or user memory for a struct snap_vq_peek per chain taken
 *
 * Return: chains taken, 0 when none is available, or a negative errno:
 * EBUSY for a slot in use, EIO when host memory refused, EPROTO when the
 * driver published more chains than the ring holds or a head outside it,
 * EFAULT (none taken) when @peeks could not be written.
 */
long snap_dp_vq_fetch(struct snap_dp_fn *dp, u16 q, const u16 *slots, u32 max,
		      struct snap_vq_peek __user *peeks)
{
	/* the chains' starts go where an NVMe fetch puts its commands */
	struct snap_vq_chain_start *starts = (void *)dp->fetch_buf;
	u16 heads[SNAP_SQ_FETCH_MAX], avail, idx;
	struct snap_dp_vq vq;
	unsigned long flags;
	u32 n, epoch;
	long ret;

	mutex_lock(&dp->fetch_mutex);
	spin_lock_irqsave(&dp->lock, flags);
	vq = dp->vq[q];
	epoch = dp->epoch;
	ret = !vq.size ? -EINVAL : !snap_dp_slots_free(dp, slots, max) ? -EBUSY : 0;
	spin_unlock_irqrestore(&dp->lock, flags);
	if (ret)
		goto out_unlock_fetch;

	/* Host memory is read without the spinlock: the provider may sleep. */
	avail = vq.avail;
	ret = snap_dp_vq_read16(dp, vq.driver + SNAP_AVAIL_IDX, &idx);
	/* a quiet ring stays quiet: the daemon's next pass looks at it */
	if (!ret && idx == avail && !vq.quiet)
		ret = snap_dp_vq_rearm(dp, &vq, avail, &idx);
	if (ret)
		goto out_unlock_fetch;
	n = (u16)(idx - avail);
	if (n > vq.size) {
		ret = -EPROTO;
		goto out_unlock_fetch;
	}
	n = min(n, max);
	if (!n)
		goto out_unlock_fetch;
	ret = snap_dp_vq_read_heads(dp, &vq, avail, n, heads);
	if (ret)
		goto out_unlock_fetch;
	/* the peeks are the daemon's before any chain is: EFAULT takes none */
	ret = snap_dp_vq_read_chains(dp, &vq, heads, n, starts, peeks);
	if (ret)
		goto out_unlock_fetch;

	spin_lock_irqsave(&dp->lock, flags);
	/* A reset meanwhile: those chains are gone. */
	if (dp->epoch == epoch) {
		snap_dp_vq_record(dp, q, slots, starts, n);
		ret = n;
	}
	spin_unlock_irqrestore(&dp->lock, flags);
	if (ret > 0 && (u16)(avail + n) == idx && !vq.quiet)
		snap_dp_vq_rearm_all(dp, q, &vq, idx, epoch);
out_unlock_fetch:
	mutex_unlock(&dp->fetch_mutex);
	if (ret == -EPROTO)
		pr_warn_ratelimited("function %u queue %u: the driver's available ring is corrupt\n",
				    dp->func->id, q);
	return ret;
}

/*
 * Under dp->lock: keeps the entries of @elems whose slot holds their
 * chain on @q (moved to the front, slots emptied) and returns how many.
 */
static u32 snap_dp_vq_take(struct snap_dp_fn *dp, u16 q,
			   struct snap_vq_used_elem *elems, const u16 *slots,
			   u32 count)
{
	DECLARE_BITMAP(taken, SNAP_INFLIGHT_MAX);
	struct snap_dp_vq *vq = &dp->vq[q];
	u32 i, n = 0;

	bitmap_zero(taken, SNAP_INFLIGHT_MAX);
	for (i = 0; i < count; i++) {
		struct snap_dp_slot *s;

		if (slots[i] >= SNAP_INFLIGHT_MAX || test_bit(slots[i], taken))
			continue;
		s = &dp->slots[slots[i]];
		if (!s->used || s->gen != dp->gen || s->sqid != q ||
		    s->cid != elems[i].id)
			continue;
		__set_bit(slots[i], taken);
		elems[n++] = elems[i];
		WRITE_ONCE(dp->state->inflight[slots[i]].flags, 0);
		s->used = false;
		vq->outstanding--;
	}
	if (n < count)
		snap_dp_count_stale(dp, count - n);
	WRITE_ONCE(dp->state->vq[q].inflight, vq->outstanding);
	return n;
}

static int snap_dp_vq_write_used(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
				 u16 used, const struct snap_vq_used_elem *elems,
				 u32 n)
{
	struct vring_used_elem e;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		u16 pos = (u16)(used + i) % vq->size;

		e.id = cpu_to_le32(elems[i].id);
		e.len = cpu_to_le32(elems[i].len);
		ret = snap_provider->dma(dp->func, vq->device + SNAP_USED_RING +
					 (u64)pos * SNAP_USED_ELEM_SIZE, &e,
					 sizeof(e), SNAP_DMA_TO_HOST);
		if (ret)
			return ret;
	}
	wmb();	/* the entries before the index that publishes them */
	return snap_dp_vq_write16(dp, vq->device + SNAP_USED_IDX, used + n);
}

/* Whether the driver wants an interrupt for used index @old -> @new. */
static bool snap_dp_vq_want_irq(struct snap_dp_fn *dp, const struct snap_dp_vq *vq,
				u16 old, u16 new)
{
	u16 v;

	if (vq->vector == VIRTIO_MSI_NO_VECTOR)
		return false;
	mb();	/* used idx out before the driver's wishes are read */
	if (snap_dp_vq_event_idx(dp)) {
		if (snap_dp_vq_read16(dp, vq->driver + SNAP_AVAIL_RING +
				      (u64)vq->size * 2, &v))
			return true;
		return vring_need_event(v, new, old);
	}
	if (snap_dp_vq_read16(dp, vq->driver + SNAP_AVAIL_FLAGS, &v))
		return true;
	return !(v & VRING_AVAIL_F_NO_INTERRUPT);
}

long snap_dp_vq_post(void __user *argp)
{
	u16 slots[SNAP_USED_MAX_BATCH];
	struct snap_vq_used_elem *elems;
	struct snap_vq_post req;
	struct snap_dp_ubuf buf;
	struct snap_dp_fn *dp;
	struct snap_dp_vq vq;
	unsigned long flags;
	long ret;
	u16 used;
	u32 n;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(SNAP_POST_IRQ | SNAP_POST_DMA) || !req.slots ||
	    !req.count || req.count > SNAP_USED_MAX_BATCH)
		return -EINVAL;
	dp = snap_dp_fn_get(req.func_id);
	if (!dp || !dp->virtio || req.vq >= dp->max_queues)
		return -EINVAL;
	if (copy_from_user(slots, u64_to_user_ptr(req.slots),
			   req.count * sizeof(*slots)))
		return -EFAULT;
	elems = snap_dp_ubuf_copy(&buf, req.elems, req.count, sizeof(*elems));
	if (IS_ERR(elems))
		return PTR_ERR(elems);

	/* The data and status bytes reach the driver before the entries. */
	ret = snap_dp_post_dma(dp, req.flags, req.segs, req.nr_segs);
	if (ret)
		goto out_free_elems;

	/*
	 * Slots are emptied and used indexes taken in one step; the mutex
	 * keeps a second poster's idx from covering entries not yet written.
	 */
	mutex_lock(&dp->post_mutex);
	spin_lock_irqsave(&dp->lock, flags);
	vq = dp->vq[req.vq];
	n = vq.size ? snap_dp_vq_take(dp, req.vq, elems, slots, req.count) : 0;
	used = vq.used;
	dp->vq[req.vq].used += n;
	WRITE_ONCE(dp->state->vq[req.vq].used, dp->vq[req.vq].used);
	spin_unlock_irqrestore(&dp->lock, flags);
	ret = !vq.size ? -EINVAL : 0;
	if (n) {
		ret = snap_dp_vq_write_used(dp, &vq, used, elems, n);
		if (!ret && req.flags & SNAP_POST_IRQ &&
		    snap_dp_vq_want_irq(dp, &vq, used, used + n))
			snap_provider->raise_irq(dp->func, vq.vector);
		if (!ret)
			ret = n;
	}
	mutex_unlock(&dp->post_mutex);
out_free_elems:
	snap_dp_ubuf_free(&buf);
	return ret;
}
