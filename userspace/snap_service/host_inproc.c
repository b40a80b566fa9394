// SPDX-License-Identifier: GPL-2.0
/* The in-process host; see host_inproc.h. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_inproc.h"
#include "virtio/virtq.h"

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#define CC_EN		(1u << 0)
#define CC_SHN_NORMAL	(1u << 14)
#define CSTS_RDY	(1u << 0)
#define CSTS_CFS	(1u << 1)
#define CSTS_SHST_OCC	(1u << 2)
#define CSTS_SHST_DONE	(2u << 2)
#define CQE_STATUS_OFF	14	/* status field within the 16-byte entry */

static struct inproc_host *to_inproc(struct snap_host *h)
{
	return (struct inproc_host *)h;
}

static void emit(struct inproc_host *h, uint16_t type, uint16_t qid,
		 uint32_t value)
{
	struct snap_event ev = { .type = type, .qid = qid,
				 .func_id = h->host.func_id, .value = value };

	if (type == SNAP_EV_CTRL_ENABLE) {
		ev.data[0] = h->state->asq;
		ev.data[1] = h->state->acq;
	}
	if (h->sink)
		h->sink(h->sink_arg, &ev);
}

/* Fetch order over every view of the function, as the kernel keeps it:
 * the first of n numbers taken at once. */
static uint64_t next_seq(struct inproc_host *h, uint32_t n)
{
	struct inproc_host *root = h->parent ? h->parent : h;

	return __atomic_fetch_add(&root->fetch_seq, n, __ATOMIC_RELAXED);
}

/* ---- host memory ---- */

static bool mem_range_ok(const struct inproc_host *h, uint64_t addr,
			 uint64_t len)
{
	return addr >= h->mem_base && len <= h->mem_size &&
	       addr - h->mem_base <= h->mem_size - len;
}

void *inproc_mem_ptr(struct inproc_host *h, uint64_t addr, uint64_t len)
{
	if (!mem_range_ok(h, addr, len))
		return NULL;
	return h->mem + (addr - h->mem_base);
}

uint64_t inproc_mem_alloc(struct inproc_host *h, uint64_t len, uint64_t align)
{
	uint64_t addr = (h->mem_brk + align - 1) & ~(align - 1);

	if (!mem_range_ok(h, addr, len))
		return 0;
	h->mem_brk = addr + len;
	memset(inproc_mem_ptr(h, addr, len), 0, len);
	return addr;
}

/* ---- the /dev/snap operations ---- */

/* As the kernel: NVMe functions move dwords, virtio functions bytes. */
static bool seg_ok(const struct inproc_host *h, const struct snap_host_seg *s)
{
	unsigned int align = h->host.state->type == SNAP_FUNC_VIRTIO_BLK ?
			     1 : SNAP_DMA_ALIGN;

	return s->len && s->len <= SNAP_DMA_MAX_SEG_LEN && s->local &&
	       !(s->host_addr % align) && !(s->len % align) &&
	       !((uintptr_t)s->local % align);
}

/* Every segment checked before any byte moves, as the kernel does. */
static int move_segs(struct inproc_host *h, enum snap_dma_dir dir,
		     const struct snap_host_seg *segs, unsigned int nr)
{
	unsigned int i;

	if (!nr || nr > SNAP_DMA_MAX_SEGS || dir > SNAP_DMA_TO_HOST) {
		h->einval++;
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (!seg_ok(h, &segs[i])) {
			h->einval++;
			return -EINVAL;
		}
	}
	if (!h->bus_master)
		return -EIO;
	for (i = 0; i < nr; i++) {
		void *p = inproc_mem_ptr(h, segs[i].host_addr, segs[i].len);

		if (!p)
			return -EIO;
		if (dir == SNAP_DMA_TO_HOST)
			memcpy(p, segs[i].local, segs[i].len);
		else
			memcpy(segs[i].local, p, segs[i].len);
		h->dma_segs++;
	}
	return 0;
}

/*
 * SNAP_POST_DMA: a post's data (if any) moves first; nothing is posted if
 * that fails.
 */
static int post_data_first(struct inproc_host *h, const struct snap_host_seg *segs,
			   unsigned int nr)
{
	int ret;

	if (!nr)
		return 0;
	ret = move_segs(h, SNAP_DMA_TO_HOST, segs, nr);
	if (!ret)
		h->post_dma_calls++;
	return ret;
}

static int op_dma(struct snap_host *sh, enum snap_dma_dir dir,
		  const struct snap_host_seg *segs, unsigned int nr)
{
	struct inproc_host *h = to_inproc(sh);

	h->dma_calls++;
	return move_segs(h, dir, segs, nr);
}

static uint32_t cq_used(const struct snap_queue_state *cq)
{
	return (cq->tail + cq->size - cq->head) % cq->size;
}

/* As the kernel checks: each slot free and named once, in one pass. */
static bool slots_free(const struct inproc_host *h, const uint16_t *slots,
		       unsigned int n)
{
	uint64_t seen[SNAP_INFLIGHT_MAX / 64] = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		uint16_t s = slots[i];

		if (s >= SNAP_INFLIGHT_MAX ||
		    h->state->inflight[s].flags & SNAP_INFLIGHT_USED ||
		    seen[s / 64] & (1ull << (s % 64)))
			return false;
		seen[s / 64] |= 1ull << (s % 64);
	}
	return true;
}

/* ---- virtio: the kernel's side of split virtqueues ---- */

static uint16_t mem_le16(struct inproc_host *h, uint64_t addr)
{
	uint16_t v;

	memcpy(&v, inproc_mem_ptr(h, addr, 2), 2);
	return le16toh(v);
}

static void mem_put_le16(struct inproc_host *h, uint64_t addr, uint16_t v)
{
	v = htole16(v);
	memcpy(inproc_mem_ptr(h, addr, 2), &v, 2);
}

static bool vq_rings_ok(struct inproc_host *h, const struct snap_vq_state *vq)
{
	return inproc_mem_ptr(h, vq->driver, 6 + 2ull * vq->size) &&
	       inproc_mem_ptr(h, vq->device, 6 + 8ull * vq->size);
}

static bool has_event_idx(const struct inproc_host *h)
{
	return h->state->driver_features >> VIRTIO_RING_F_EVENT_IDX & 1;
}

static int inproc_vq_read(void *ctx, uint64_t addr, void *buf, uint32_t len)
{
	const void *p = inproc_mem_ptr(ctx, addr, len);

	if (!p)
		return -EIO;
	memcpy(buf, p, len);
	return 0;
}

/*
 * As the kernel: the start of the chain at head (struct
 * snap_vq_chain_start), what host memory has of it.
 */
static void vq_read_chain_start(struct inproc_host *h,
				const struct snap_vq_state *vq, uint16_t head,
				struct snap_vq_chain_start *cs)
{
	const struct vq_mem m = { inproc_vq_read, h };
	const struct vq_geom g = { .desc = vq->desc, .size = vq->size,
				   .features = h->state->driver_features };

	cs->head = head;
	if (!h->no_chain_start)
		vq_read_start(&g, &m, head, cs);
}

/* As the kernel with SNAP_SQ_FETCH_PEEK: the first buffer's start. */
static void vq_read_chain_peek(struct inproc_host *h,
			       const struct snap_vq_chain_start *cs,
			       struct snap_vq_peek *pk)
{
	const struct vq_mem m = { inproc_vq_read, h };
	const struct vq_geom g = { .features = h->state->driver_features };

	memset(pk, 0, sizeof(*pk));
	if (!h->no_peek)
		vq_read_peek(&g, &m, cs, pk);
}

/* SQ_FETCH on a virtqueue: heads from avail up to the ring's idx. */
static int vq_fetch(struct inproc_host *h, uint16_t qid, const uint16_t *slots,
		    unsigned int max, struct snap_vq_peek *peeks)
{
	uint64_t seq;
	struct snap_fn_state *st = h->state;
	struct snap_vq_state *vq = &st->vq[qid % SNAP_VIRTIO_MAX_QUEUES];
	uint16_t heads[SNAP_SQ_FETCH_MAX], n, i;

	if (qid >= SNAP_VIRTIO_MAX_QUEUES || !vq->size || !max ||
	    max > SNAP_SQ_FETCH_MAX) {
		h->einval++;
		return -EINVAL;
	}
	if (!slots_free(h, slots, max)) {
		h->einval++;
		return -EBUSY;
	}
	if (!h->bus_master || !vq_rings_ok(h, vq))
		return -EIO;
	n = (uint16_t)(mem_le16(h, vq->driver + 2) - vq->avail);
	/* more than a ring ahead: the driver broke the ring */
	if (n > vq->size)
		return -EPROTO;
	if (n > max)
		n = (uint16_t)max;
	for (i = 0; i < n; i++) {
		uint16_t pos = (uint16_t)(vq->avail + i) % vq->size;

		heads[i] = mem_le16(h, vq->driver + 4 + 2ull * pos);
		if (heads[i] >= vq->size)
			return -EPROTO;		/* nothing taken */
	}
	seq = next_seq(h, n);
	for (i = 0; i < n; i++) {
		struct snap_inflight_slot *s = &st->inflight[slots[i]];

		memset(s, 0, sizeof(*s));
		s->sqid = qid;
		vq_read_chain_start(h, vq, heads[i], &s->vq);
		if (peeks)
			vq_read_chain_peek(h, &s->vq, &peeks[i]);
		s->gen = st->enable_count;
		s->seq = seq + i;
		s->flags = SNAP_INFLIGHT_USED;
		vq->inflight++;
	}
	vq->avail = (uint16_t)(vq->avail + n);
	if (has_event_idx(h))
		mem_put_le16(h, vq->device + 4 + 8ull * vq->size, vq->avail);
	h->sqes_fetched += n;
	return n;
}

static bool elem_completes(const struct inproc_host *h, uint16_t qid,
			   const struct snap_vq_used_elem *e, uint16_t slot)
{
	const struct snap_inflight_slot *s;

	if (slot >= SNAP_INFLIGHT_MAX)
		return false;
	s = &h->state->inflight[slot];
	return s->flags & SNAP_INFLIGHT_USED && s->sqid == qid &&
	       s->head == e->id && s->gen == h->state->enable_count;
}

/* 2.7.10: does the driver want an interrupt for used idx old -> new? */
static bool vq_wants_irq(struct inproc_host *h, const struct snap_vq_state *vq,
			 uint16_t old, uint16_t new)
{
	uint16_t used_event;

	if (!has_event_idx(h))
		return !(mem_le16(h, vq->driver) & VRING_AVAIL_F_NO_INTERRUPT);
	used_event = mem_le16(h, vq->driver + 4 + 2ull * vq->size);
	return (uint16_t)(new - used_event - 1) < (uint16_t)(new - old);
}

static int op_vq_post(struct snap_host *sh, uint16_t qid,
		      const struct snap_vq_used_elem *elems,
		      const uint16_t *slots, unsigned int count, int irq,
		      const struct snap_host_seg *segs, unsigned int nr_segs)
{
	struct inproc_host *h = to_inproc(sh);
	struct snap_vq_state *vq = &h->state->vq[qid % SNAP_VIRTIO_MAX_QUEUES];
	bool keep[SNAP_USED_MAX_BATCH];
	unsigned int i, n = 0;
	int ret;
	uint16_t old;

	if (h->state->type != SNAP_FUNC_VIRTIO_BLK ||
	    qid >= SNAP_VIRTIO_MAX_QUEUES || !vq->size || !count ||
	    count > SNAP_USED_MAX_BATCH || !elems || !slots) {
		h->einval++;
		return -EINVAL;
	}
	ret = post_data_first(h, segs, nr_segs);
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		keep[i] = elem_completes(h, qid, &elems[i], slots[i]);
		for (unsigned int j = 0; keep[i] && j < i; j++)
			if (keep[j] && slots[j] == slots[i])
				keep[i] = false;
		n += keep[i];
	}
	if (!h->bus_master || !vq_rings_ok(h, vq))
		return -EIO;
	h->stale_cqes += count - n;
	old = vq->used;
	for (i = 0; i < count; i++) {
		struct vring_used_elem e = { .id = htole32(elems[i].id),
					     .len = htole32(elems[i].len) };
		uint16_t pos = vq->used % vq->size;

		if (!keep[i])
			continue;
		memcpy(inproc_mem_ptr(h, vq->device + 4 + 8ull * pos, 8), &e, 8);
		memset(&h->state->inflight[slots[i]], 0, sizeof(struct snap_inflight_slot));
		vq->inflight--;
		vq->used++;
	}
	mem_put_le16(h, vq->device + 2, vq->used);
	if (irq && n && vq->vector != VIRTIO_MSI_NO_VECTOR &&
	    vq->vector < h->num_msix && vq_wants_irq(h, vq, old, vq->used))
		h->irqs[vq->vector]++;
	return 0;
}

/* As the kernel: read, record in the slots and move the head in one step. */
static int op_sq_fetch(struct snap_host *sh, uint16_t qid,
		       const uint16_t *slots, unsigned int max,
		       struct snap_vq_peek *peeks)
{
	uint64_t seq;
	struct inproc_host *h = to_inproc(sh);
	struct snap_fn_state *st = h->state;
	struct snap_queue_state *sq;
	uint32_t tail, n, i;

	h->fetch_calls++;
	if (st->type == SNAP_FUNC_VIRTIO_BLK)
		return vq_fetch(h, qid, slots, max, peeks);
	if (qid >= SNAP_NVME_MAX_QUEUES || !st->sq[qid].size || !max ||
	    max > SNAP_SQ_FETCH_MAX || peeks) {
		h->einval++;
		return -EINVAL;
	}
	if (!slots_free(h, slots, max)) {
		h->einval++;
		return -EBUSY;
	}
	sq = &st->sq[qid];
	tail = sq->doorbell < sq->size ? sq->doorbell : sq->head;
	n = (tail + sq->size - sq->head) % sq->size;
	if (n > max)
		n = max;
	if (n && !h->bus_master)
		return -EIO;
	for (i = 0; i < n; i++) {
		uint32_t pos = (sq->head + i) % sq->size;
		if (!inproc_mem_ptr(h, sq->base + (uint64_t)pos * 64, 64))
			return -EIO;
	}
	seq = next_seq(h, n);
	for (i = 0; i < n; i++) {
		struct snap_inflight_slot *s = &st->inflight[slots[i]];

		memcpy(s->sqe, inproc_mem_ptr(h, sq->base + (uint64_t)sq->head * 64, 64),
		       64);
		s->sqid = qid;
		s->gen = st->enable_count;
		s->seq = seq + i;
		s->flags = SNAP_INFLIGHT_USED;
		sq->head = (sq->head + 1) % sq->size;
		sq->inflight++;
	}
	h->sqes_fetched += n;
	return (int)n;
}

int inproc_slot_fill(struct inproc_host *h, uint16_t slot, uint16_t sqid,
		     const void *sqe)
{
	struct snap_fn_state *st = h->state;
	struct snap_inflight_slot *s;

	if (slot >= SNAP_INFLIGHT_MAX || sqid >= SNAP_NVME_MAX_QUEUES ||
	    !st->sq[sqid].size || st->inflight[slot].flags & SNAP_INFLIGHT_USED)
		return -EINVAL;
	s = &st->inflight[slot];
	memcpy(s->sqe, sqe, sizeof(s->sqe));
	s->sqid = sqid;
	s->gen = st->enable_count;
	s->seq = next_seq(h, 1);
	s->flags = SNAP_INFLIGHT_USED;
	st->sq[sqid].inflight++;
	return 0;
}

/* As the kernel: may this entry complete the command in slot? */
static bool cqe_completes(const struct inproc_host *h, uint16_t cqid,
			  const uint8_t *cqe, uint16_t slot)
{
	const struct snap_fn_state *st = h->state;
	const struct snap_inflight_slot *s;
	uint16_t cid, sqid;

	if (slot >= SNAP_INFLIGHT_MAX)
		return false;
	s = &st->inflight[slot];
	memcpy(&cid, cqe + 12, 2);
	memcpy(&sqid, cqe + 10, 2);
	return s->flags & SNAP_INFLIGHT_USED && s->gen == st->enable_count &&
	       s->sqid == sqid && !memcmp(s->sqe + 2, &cid, 2) &&
	       st->sq[sqid].size && st->sq[sqid].cqid == cqid;
}

static int op_post_cqe(struct snap_host *sh, uint16_t cqid, const void *cqes,
		       const uint16_t *slots, unsigned int count, int irq,
		       const struct snap_host_seg *segs, unsigned int nr_segs)
{
	struct inproc_host *h = to_inproc(sh);
	struct snap_queue_state *cq;
	bool keep[SNAP_CQE_MAX_BATCH];
	unsigned int i, n = 0;
	int ret;

	if (cqid >= SNAP_NVME_MAX_QUEUES || !h->state->cq[cqid].size ||
	    !count || count > SNAP_CQE_MAX_BATCH || !slots) {
		h->einval++;
		return -EINVAL;
	}
	ret = post_data_first(h, segs, nr_segs);
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		keep[i] = cqe_completes(h, cqid, (const uint8_t *)cqes + i * 16,
					slots[i]);
		for (unsigned int j = 0; keep[i] && j < i; j++)
			if (keep[j] && slots[j] == slots[i])
				keep[i] = false;
		n += keep[i];
	}
	cq = &h->state->cq[cqid];
	if (cq->size - 1 - cq_used(cq) < n)
		return -EAGAIN;
	if (!h->bus_master)
		return -EIO;
	h->stale_cqes += count - n;
	for (i = 0; i < count; i++) {
		struct snap_inflight_slot *s;
		uint8_t e[16];
		uint16_t status, sqhd;
		void *p = inproc_mem_ptr(h, cq->base + (uint64_t)cq->tail * 16, 16);

		if (!keep[i])
			continue;
		if (!p)
			return -EIO;
		s = &h->state->inflight[slots[i]];
		memcpy(e, (const uint8_t *)cqes + i * 16, 16);
		sqhd = (uint16_t)h->state->sq[s->sqid].head;
		memcpy(e + 8, &sqhd, 2);
		h->state->sq[s->sqid].inflight--;
		memset(s, 0, sizeof(*s));
		memcpy(&status, e + CQE_STATUS_OFF, 2);
		status = (uint16_t)((status & ~1u) | (cq->phase & 1));
		memcpy(e + CQE_STATUS_OFF, &status, 2);
		memcpy(p, e, 16);
		if (++cq->tail == cq->size) {
			cq->tail = 0;
			cq->phase ^= 1;
		}
	}
	if (irq && (cq->flags & SNAP_QF_IRQ))
		h->irqs[cq->vector]++;
	return 0;
}

static int op_raise_irq(struct snap_host *sh, uint16_t vector)
{
	struct inproc_host *h = to_inproc(sh);

	if (vector >= h->num_msix) {
		h->einval++;
		return -EINVAL;
	}
	h->irqs[vector]++;
	return 0;
}

static bool queue_cfg_ok(const struct inproc_host *h,
			 const struct snap_queue_cfg *q)
{
	const struct snap_fn_state *st = h->state;

	if (!q->qid || q->qid >= SNAP_NVME_MAX_QUEUES || q->reserved[0] ||
	    q->reserved[1])
		return false;
	if (!q->base || (q->base & 4095) || q->size < 2 || q->size > h->mqes + 1)
		return false;
	if (q->type == SNAP_QUEUE_SQ)
		return !q->vector && !q->flags && q->cqid &&
		       q->cqid < SNAP_NVME_MAX_QUEUES && st->cq[q->cqid].size &&
		       !st->sq[q->qid].size;
	if (q->type == SNAP_QUEUE_CQ)
		return !q->cqid && q->vector < h->num_msix &&
		       !st->cq[q->qid].size;
	return false;
}

static int op_queue_create(struct snap_host *sh, const struct snap_queue_cfg *q)
{
	struct inproc_host *h = to_inproc(sh);
	struct snap_queue_state *qs;

	if (!queue_cfg_ok(h, q)) {
		h->einval++;
		return -EINVAL;
	}
	qs = q->type == SNAP_QUEUE_SQ ? &h->state->sq[q->qid] :
					&h->state->cq[q->qid];
	memset(qs, 0, sizeof(*qs));
	qs->base = q->base;
	qs->size = q->size;
	qs->qid = q->qid;
	qs->cqid = q->type == SNAP_QUEUE_SQ ? q->cqid : q->qid;
	qs->vector = q->vector;
	qs->flags = q->flags;
	qs->phase = 1;
	if (q->type == SNAP_QUEUE_SQ) {
		h->sq_tail[q->qid] = 0;
	} else {
		h->cq_head[q->qid] = 0;
		h->cq_phase[q->qid] = 1;
	}
	return 0;
}

static int op_queue_delete(struct snap_host *sh, const struct snap_queue_cfg *q)
{
	struct inproc_host *h = to_inproc(sh);
	struct snap_fn_state *st = h->state;
	unsigned int i;

	if (!q->qid || q->qid >= SNAP_NVME_MAX_QUEUES || q->base || q->size) {
		h->einval++;
		return -EINVAL;
	}
	if (q->type == SNAP_QUEUE_SQ && st->sq[q->qid].size) {
		if (st->sq[q->qid].inflight) {
			h->einval++;
			return -EBUSY;	/* commands of it not yet completed */
		}
		memset(&st->sq[q->qid], 0, sizeof(st->sq[0]));
		return 0;
	}
	if (q->type == SNAP_QUEUE_CQ && st->cq[q->qid].size) {
		for (i = 1; i < SNAP_NVME_MAX_QUEUES; i++)
			if (st->sq[i].size && st->sq[i].cqid == q->qid)
				goto bad;
		memset(&st->cq[q->qid], 0, sizeof(st->cq[0]));
		return 0;
	}
bad:
	h->einval++;
	return -EINVAL;
}

static void clear_queues(struct inproc_host *h)
{
	memset(h->state->sq, 0, sizeof(h->state->sq));
	memset(h->state->cq, 0, sizeof(h->state->cq));
	memset(h->state->inflight, 0, sizeof(h->state->inflight));
	memset(h->sq_tail, 0, sizeof(h->sq_tail));
	memset(h->cq_head, 0, sizeof(h->cq_head));
	memset(h->cq_phase, 0, sizeof(h->cq_phase));
	memset(h->vq_avail_idx, 0, sizeof(h->vq_avail_idx));
	memset(h->vq_last_used, 0, sizeof(h->vq_last_used));
}

/*
 * virtio: enable answered (non-zero: DEVICE_NEEDS_RESET), reset done. As
 * the kernel, the handshake's CSTS bits show it: RDY once answered.
 */
static int virtio_ctrl_done(struct inproc_host *h, uint32_t event,
			    uint32_t status)
{
	switch (event) {
	case SNAP_EV_CTRL_ENABLE:
		h->state->csts = status ? CSTS_CFS : CSTS_RDY;
		if (status)
			h->state->device_status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		return 0;
	case SNAP_EV_CTRL_DISABLE:
		clear_queues(h);
		h->state->device_status = 0;
		h->state->csts = 0;
		return 0;
	default:
		h->einval++;
		return -EINVAL;
	}
}

static int op_ctrl_done(struct snap_host *sh, uint32_t event, uint32_t status)
{
	struct inproc_host *h = to_inproc(sh);
	struct snap_fn_state *st = h->state;

	h->done_count++;
	h->last_done_event = event;
	h->last_done_status = status;
	if (st->type == SNAP_FUNC_VIRTIO_BLK)
		return virtio_ctrl_done(h, event, status);
	switch (event) {
	case SNAP_EV_CTRL_ENABLE:
		st->csts = status ? CSTS_CFS : CSTS_RDY;
		break;
	case SNAP_EV_CTRL_DISABLE:
		clear_queues(h);
		st->csts = 0;
		break;
	case SNAP_EV_CTRL_SHUTDOWN:
		st->csts = (st->csts & ~CSTS_SHST_OCC) | CSTS_SHST_DONE;
		break;
	default:
		h->einval++;
		return -EINVAL;
	}
	return 0;
}

/* As the kernel: only after an enable was answered with success. */
static int op_fn_fatal(struct snap_host *sh)
{
	struct inproc_host *h = to_inproc(sh);
	struct snap_fn_state *st = h->state;

	if (!(st->csts & CSTS_RDY)) {
		h->einval++;
		return -EINVAL;
	}
	if (st->csts & CSTS_CFS)
		return 0;
	st->csts |= CSTS_CFS;
	h->fatal_count++;
	if (st->type == SNAP_FUNC_VIRTIO_BLK) {
		st->device_status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		h->config_irqs++;
	}
	return 0;
}

/* A freed buffer kept for reuse, in its own first bytes. */
struct inproc_buf {
	struct inproc_buf *next;
	size_t size;
};

static size_t buf_size(size_t len)
{
	return (len + 4095) & ~(size_t)4095;
}

static void *cache_take(struct inproc_host *h, size_t size)
{
	struct inproc_buf **pp, *b;

	for (pp = &h->cached; (b = *pp); pp = &b->next) {
		if (b->size == size) {
			*pp = b->next;
			h->nr_cached--;
			return b;
		}
	}
	return NULL;
}

/* Local buffers: plain aligned heap memory; ASan sees any overrun. */
static void *op_buf_alloc(struct snap_host *sh, size_t len)
{
	struct inproc_host *h = to_inproc(sh);
	void *p = NULL;

	if (!len || len > SNAP_HOST_BUF_MAX)
		return NULL;
	if (h->buf_fail > 0) {
		h->buf_fail--;
		return NULL;
	}
	if (h->buf_cache)
		p = cache_take(h, buf_size(len));
	if (!p)
		p = aligned_alloc(4096, buf_size(len));
	if (p)
		h->bufs_out++;
	return p;
}

static void op_buf_free(struct snap_host *sh, void *buf, size_t len)
{
	struct inproc_host *h = to_inproc(sh);
	struct inproc_buf *b = buf;

	if (!buf)
		return;
	h->bufs_out--;
	if (h->buf_cache && h->nr_cached < INPROC_BUF_CACHE_MAX) {
		b->size = buf_size(len);
		b->next = h->cached;
		h->cached = b;
		h->nr_cached++;
		return;
	}
	free(buf);
}

static const struct snap_host_ops inproc_ops = {
	.dma = op_dma,
	.sq_fetch = op_sq_fetch,
	.post_cqe = op_post_cqe,
	.vq_post = op_vq_post,
	.raise_irq = op_raise_irq,
	.queue_create = op_queue_create,
	.queue_delete = op_queue_delete,
	.ctrl_done = op_ctrl_done,
	.fn_fatal = op_fn_fatal,
	.buf_alloc = op_buf_alloc,
	.buf_free = op_buf_free,
};

/* ---- life ---- */

struct inproc_host *inproc_create(uint64_t mem_size, uint32_t mqes,
				  uint16_t num_msix)
{
	struct inproc_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->state = calloc(1, sizeof(*h->state));
	h->mem = calloc(1, mem_size);
	if (!h->state || !h->mem || num_msix > SNAP_NVME_MAX_QUEUES) {
		inproc_destroy(h);
		return NULL;
	}
	h->state->magic = SNAP_FN_STATE_MAGIC;
	h->state->version = SNAP_FN_STATE_VERSION;
	h->state->max_queues = SNAP_NVME_MAX_QUEUES;
	h->host.ops = &inproc_ops;
	h->host.state = h->state;
	h->mem_base = INPROC_MEM_BASE;
	h->mem_size = mem_size;
	h->mem_brk = h->mem_base;
	h->bus_master = true;
	h->mqes = mqes;
	h->num_msix = num_msix;
	return h;
}

static void drop_cache(struct inproc_host *h)
{
	while (h->cached) {
		struct inproc_buf *b = h->cached;

		h->cached = b->next;
		free(b);
	}
	h->nr_cached = 0;
}

void inproc_destroy(struct inproc_host *h)
{
	if (!h)
		return;
	drop_cache(h);
	free(h->state);
	free(h->mem);
	free(h);
}

struct inproc_host *inproc_view(struct inproc_host *h)
{
	struct inproc_host *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->host = h->host;
	v->state = h->state;
	v->mem = h->mem;
	v->mem_base = h->mem_base;
	v->mem_size = h->mem_size;
	v->bus_master = h->bus_master;
	v->mqes = h->mqes;
	v->num_msix = h->num_msix;
	v->buf_cache = h->buf_cache;
	v->parent = h;
	return v;
}

void inproc_view_destroy(struct inproc_host *v)
{
	if (!v)
		return;
	drop_cache(v);
	free(v);
}

void inproc_set_sink(struct inproc_host *h, inproc_sink_t sink, void *arg)
{
	h->sink = sink;
	h->sink_arg = arg;
}

/* ---- registers ---- */

void inproc_enable(struct inproc_host *h, uint16_t asqs, uint16_t acqs,
		   uint64_t asq, uint64_t acq, uint32_t cc)
{
	struct snap_fn_state *st = h->state;
	void *cqmem = inproc_mem_ptr(h, acq, (acqs + 1u) * 16ull);

	/* The host driver clears its CQ before enabling, or old entries
	 * would pass its phase check. */
	if (cqmem)
		memset(cqmem, 0, (acqs + 1u) * 16ull);
	clear_queues(h);
	st->cc = cc | CC_EN;
	st->csts = 0;
	st->aqa = asqs | ((uint32_t)acqs << 16);
	st->asq = asq;
	st->acq = acq;
	st->enable_count++;
	st->sq[0] = (struct snap_queue_state){ .base = asq, .size = asqs + 1u };
	st->cq[0] = (struct snap_queue_state){ .base = acq, .size = acqs + 1u,
					       .flags = SNAP_QF_IRQ, .phase = 1 };
	h->cq_phase[0] = 1;
	emit(h, SNAP_EV_CTRL_ENABLE, 0, st->cc);
}

void inproc_disable(struct inproc_host *h)
{
	h->state->cc &= ~CC_EN;
	emit(h, SNAP_EV_CTRL_DISABLE, 0, h->state->cc);
}

void inproc_shutdown(struct inproc_host *h)
{
	h->state->cc |= CC_SHN_NORMAL;
	h->state->csts |= CSTS_SHST_OCC;
	emit(h, SNAP_EV_CTRL_SHUTDOWN, 0, h->state->cc);
}

void inproc_func_reset(struct inproc_host *h)
{
	clear_queues(h);
	h->state->cc = 0;
	h->state->csts = 0;
	emit(h, SNAP_EV_FUNC_RESET, 0, 0);
}

bool inproc_ready(const struct inproc_host *h)
{
	return h->state->csts & CSTS_RDY;
}

/* ---- the host driver's queues ---- */

int inproc_sq_write(struct inproc_host *h, uint16_t qid, const void *sqe)
{
	struct snap_queue_state *sq;
	uint32_t tail, next;
	void *p;

	if (qid >= SNAP_NVME_MAX_QUEUES || !h->state->sq[qid].size)
		return -EINVAL;
	sq = &h->state->sq[qid];
	tail = h->sq_tail[qid];
	next = (tail + 1) % sq->size;
	if (next == sq->head)
		return -EBUSY;	/* full, as far as the device has fetched */
	p = inproc_mem_ptr(h, sq->base + (uint64_t)tail * 64, 64);
	if (!p)
		return -EFAULT;
	memcpy(p, sqe, 64);
	h->sq_tail[qid] = next;
	return 0;
}

void inproc_sq_ring(struct inproc_host *h, uint16_t qid)
{
	h->state->sq[qid].doorbell = h->sq_tail[qid];
	emit(h, SNAP_EV_SQ_DOORBELL, qid, h->sq_tail[qid]);
}

int inproc_submit(struct inproc_host *h, uint16_t qid, const void *sqe)
{
	int ret = inproc_sq_write(h, qid, sqe);

	if (!ret)
		inproc_sq_ring(h, qid);
	return ret;
}

void inproc_cq_ring(struct inproc_host *h, uint16_t cqid)
{
	h->state->cq[cqid].doorbell = h->cq_head[cqid];
	h->state->cq[cqid].head = h->cq_head[cqid];
	emit(h, SNAP_EV_CQ_DOORBELL, cqid, h->cq_head[cqid]);
}

int inproc_reap_quiet(struct inproc_host *h, uint16_t cqid, void *cqe)
{
	struct snap_queue_state *cq;
	uint16_t status;
	uint8_t *p;

	if (cqid >= SNAP_NVME_MAX_QUEUES || !h->state->cq[cqid].size)
		return 0;
	cq = &h->state->cq[cqid];
	p = inproc_mem_ptr(h, cq->base + (uint64_t)h->cq_head[cqid] * 16, 16);
	if (!p)
		return 0;
	memcpy(&status, p + CQE_STATUS_OFF, 2);
	if ((status & 1) != h->cq_phase[cqid])
		return 0;
	memcpy(cqe, p, 16);
	if (++h->cq_head[cqid] == cq->size) {
		h->cq_head[cqid] = 0;
		h->cq_phase[cqid] ^= 1;
	}
	return 1;
}

int inproc_reap(struct inproc_host *h, uint16_t cqid, void *cqe)
{
	int n = inproc_reap_quiet(h, cqid, cqe);

	if (n)
		inproc_cq_ring(h, cqid);
	return n;
}

/* ---- virtio: the driver's side ---- */

struct inproc_host *inproc_create_virtio(uint64_t mem_size, uint16_t num_msix)
{
	struct inproc_host *h = inproc_create(mem_size, 0, num_msix);

	if (!h)
		return NULL;
	h->state->type = SNAP_FUNC_VIRTIO_BLK;
	h->state->max_queues = SNAP_VIRTIO_MAX_QUEUES;
	return h;
}

int inproc_vq_setup(struct inproc_host *h, uint16_t idx, uint16_t size,
		    uint16_t vector)
{
	struct snap_vq_state *vq;

	if (idx >= SNAP_VIRTIO_MAX_QUEUES || !size || size & (size - 1))
		return -EINVAL;
	vq = &h->state->vq[idx];
	memset(vq, 0, sizeof(*vq));
	vq->desc = inproc_mem_alloc(h, 16ull * size, 16);
	vq->driver = inproc_mem_alloc(h, 6 + 2ull * size, 2);
	vq->device = inproc_mem_alloc(h, 6 + 8ull * size, 4);
	if (!vq->desc || !vq->driver || !vq->device)
		return -ENOMEM;
	vq->size = size;
	vq->vector = vector;
	h->vq_avail_idx[idx] = 0;
	h->vq_last_used[idx] = 0;
	return 0;
}

void inproc_driver_ok(struct inproc_host *h, uint64_t features)
{
	h->state->driver_features = features;
	h->state->device_status = INPROC_VIRTIO_STATUS_OK;
	h->state->enable_count++;
	emit(h, SNAP_EV_CTRL_ENABLE, 0, h->state->device_status);
}

void inproc_virtio_reset(struct inproc_host *h)
{
	emit(h, SNAP_EV_CTRL_DISABLE, 0, 0);
}

int inproc_vq_avail(struct inproc_host *h, uint16_t idx, uint16_t head)
{
	struct snap_vq_state *vq;
	uint16_t pos;

	if (idx >= SNAP_VIRTIO_MAX_QUEUES || !h->state->vq[idx].size)
		return -EINVAL;
	vq = &h->state->vq[idx];
	pos = h->vq_avail_idx[idx] % vq->size;
	mem_put_le16(h, vq->driver + 4 + 2ull * pos, head);
	h->vq_avail_idx[idx]++;
	mem_put_le16(h, vq->driver + 2, h->vq_avail_idx[idx]);
	return 0;
}

void inproc_vq_kick(struct inproc_host *h, uint16_t idx)
{
	emit(h, SNAP_EV_SQ_DOORBELL, idx, 0);
}

int inproc_vq_reap(struct inproc_host *h, uint16_t idx, uint32_t *id,
		   uint32_t *len)
{
	struct snap_vq_state *vq;
	struct vring_used_elem e;
	uint16_t pos;

	if (idx >= SNAP_VIRTIO_MAX_QUEUES || !h->state->vq[idx].size)
		return 0;
	vq = &h->state->vq[idx];
	if (mem_le16(h, vq->device + 2) == h->vq_last_used[idx])
		return 0;
	pos = h->vq_last_used[idx]++ % vq->size;
	memcpy(&e, inproc_mem_ptr(h, vq->device + 4 + 8ull * pos, 8), 8);
	*id = le32toh(e.id);
	*len = le32toh(e.len);
	return 1;
}

void inproc_vq_set_avail_flags(struct inproc_host *h, uint16_t idx,
			       uint16_t flags)
{
	mem_put_le16(h, h->state->vq[idx].driver, flags);
}

void inproc_vq_set_used_event(struct inproc_host *h, uint16_t idx,
			      uint16_t used_event)
{
	const struct snap_vq_state *vq = &h->state->vq[idx];

	mem_put_le16(h, vq->driver + 4 + 2ull * vq->size, used_event);
}

uint64_t inproc_vq_desc(struct inproc_host *h, uint16_t idx, uint16_t n)
{
	return h->state->vq[idx].desc + 16ull * n;
}
