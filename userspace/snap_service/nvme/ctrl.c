// SPDX-License-Identifier: GPL-2.0
/*
 * Controller state, queues and the command life cycle: fetch SQEs from the
 * host into the function state's in-flight slots, run them, queue their
 * completions per CQ and post those in batches, retrying when the host's
 * CQ is full. Also the CC handshake (enable, disable, shutdown) and the
 * take-over after a daemon restart.
 *
 * The host side (the kernel) fills a slot as it moves the SQ head and
 * empties it as it posts the completion; the engine only chooses which
 * free slots to offer. So whatever instant the daemon dies at, its
 * successor finds each command the host still waits for once, and none
 * the host has seen complete (whose buffers it may have reused).
 */
#include "../fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_int.h"
#include "../iostats.h"

/* ---- configuration and life ---- */

void nvme_ctrl_cfg_default(struct nvme_ctrl_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cntlid = 1;
	cfg->vid = 0x15b3;	/* Mellanox, as BlueField's emulated functions */
	snprintf(cfg->sn, sizeof(cfg->sn), "SNAP0001");
	snprintf(cfg->mn, sizeof(cfg->mn), "snap emulated NVMe controller");
	snprintf(cfg->fr, sizeof(cfg->fr), "0.1");
	snprintf(cfg->subnqn, sizeof(cfg->subnqn), "nqn.2023-05.io.nvda.nvme:0");
	cfg->nn = 32;
	cfg->max_io_queues = 31;
	cfg->num_msix = 32;
	cfg->mdts = 7;		/* 512 KiB */
	cfg->mqes = 1023;
}

static void reset_slots(struct nvme_ctrl *c)
{
	unsigned int i;

	c->nr_free = SNAP_INFLIGHT_MAX;
	for (i = 0; i < SNAP_INFLIGHT_MAX; i++)
		c->free_slots[i] = SNAP_INFLIGHT_MAX - 1 - i;
	c->nr_used = 0;
}

/*
 * A daemon restarted under a live host finds the features the host set
 * (while the controller it set them on is still enabled) and the SMART
 * counters in the function state; a new function starts from defaults.
 */
static void load_saved(struct nvme_ctrl *c)
{
	struct nvme_saved *sv = (struct nvme_saved *)c->st->engine;

	c->saved = sv;
	c->feat = &sv->feat;
	c->stats = &sv->stats;
	if (sv->magic != NVME_SAVED_MAGIC) {
		memset(sv, 0, sizeof(*sv));
		clock_gettime(CLOCK_MONOTONIC, &sv->born);
		sv->enable_count = c->st->enable_count;
		nvme_features_reset(c);
		sv->magic = NVME_SAVED_MAGIC;
		return;
	}
	if (!(c->st->csts & NVME_CSTS_RDY) || sv->enable_count != c->st->enable_count)
		nvme_features_reset(c);
}

struct nvme_ctrl *nvme_ctrl_create(const struct nvme_ctrl_cfg *cfg,
				   struct snap_host *h)
{
	struct nvme_ctrl *c;

	if (!cfg->nn || cfg->nn > SNAP_NVME_NN_MAX || !cfg->mdts ||
	    cfg->mdts > SNAP_NVME_MDTS_MAX ||
	    cfg->max_io_queues >= SNAP_NVME_MAX_QUEUES || !cfg->num_msix ||
	    cfg->mqes < 1 || !h->state)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->host = h;
	c->st = h->state;
	c->ns = calloc(cfg->nn, sizeof(*c->ns));
	c->scratch = h->ops->buf_alloc(h, NVME_PAGE_SIZE);
	if (!c->ns || !c->scratch) {
		if (c->scratch)
			h->ops->buf_free(h, c->scratch, NVME_PAGE_SIZE);
		free(c->ns);
		free(c);
		return NULL;
	}
	c->data_in.dir = SNAP_DMA_FROM_HOST;
	c->data_out.dir = SNAP_DMA_TO_HOST;
	reset_slots(c);
	load_saved(c);
	nvme_ctrl_queues_changed(c);
	return c;
}

void nvme_ctrl_destroy(struct nvme_ctrl *c)
{
	unsigned int i, left;

	if (!c)
		return;
	/* Only commands still held have resources; the rest were released. */
	for (i = 0, left = c->nr_used; i < SNAP_INFLIGHT_MAX && left; i++) {
		if (!c->reqs[i].used)
			continue;
		left--;
		nvme_dptr_free(&c->reqs[i].dptr);
		if (c->reqs[i].buf)
			c->host->ops->buf_free(c->host, c->reqs[i].buf,
					       c->reqs[i].buf_len);
		if (c->reqs[i].buf2)
			c->host->ops->buf_free(c->host, c->reqs[i].buf2,
					       c->reqs[i].buf2_len);
	}
	for (i = 0; i < c->cfg.nn; i++)
		free(c->ns[i]);
	free(c->ns);
	c->host->ops->buf_free(c->host, c->scratch, NVME_PAGE_SIZE);
	free(c);
}

void nvme_ctrl_get_stats(const struct nvme_ctrl *c, struct nvme_ctrl_stats *s)
{
	*s = *c->stats;
}

bool nvme_ctrl_idle(const struct nvme_ctrl *c)
{
	return c->nr_used == c->nr_aer;
}

bool nvme_ctrl_backend_idle(const struct nvme_ctrl *c)
{
	return !c->backend_ios;
}

/* ---- namespaces ---- */

struct nvme_ns *nvme_ctrl_ns(struct nvme_ctrl *c, uint32_t nsid)
{
	if (!nsid || nsid > c->cfg.nn)
		return NULL;
	return c->ns[nsid - 1];
}

static uint8_t log2_u32(uint32_t v)
{
	uint8_t l = 0;

	while ((1u << l) < v)
		l++;
	return l;
}

int nvme_ctrl_attach_ns(struct nvme_ctrl *c, uint32_t nsid, struct bdev *b,
			const uint8_t uuid[16])
{
	struct nvme_ns *ns;

	if (!nsid || nsid > c->cfg.nn || !b)
		return -EINVAL;
	if (c->ns[nsid - 1])
		return -EEXIST;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->nsid = nsid;
	ns->bdev = b;
	ns->lbads = log2_u32(b->block_size);
	ns->nsze = b->num_blocks;
	if (uuid)
		memcpy(ns->uuid, uuid, sizeof(ns->uuid));
	c->ns[nsid - 1] = ns;
	if (nsid > c->ns_top)
		c->ns_top = nsid;
	nvme_aen_ns_changed(c, nsid);
	return 0;
}

int nvme_ctrl_detach_ns(struct nvme_ctrl *c, uint32_t nsid)
{
	struct nvme_ns *ns = nvme_ctrl_ns(c, nsid);

	if (!nsid || nsid > c->cfg.nn)
		return -EINVAL;
	if (!ns)
		return -ENOENT;
	/* Commands in flight point at the namespace and its bdev. */
	if (ns->inflight)
		return -EBUSY;
	c->ns[nsid - 1] = NULL;
	free(ns);
	while (c->ns_top && !c->ns[c->ns_top - 1])
		c->ns_top--;
	nvme_aen_ns_changed(c, nsid);
	return 0;
}

/* ---- host memory ---- */

int nvme_dma_dptr(struct nvme_ctrl *c, enum snap_dma_dir dir,
		  const struct nvme_dptr *d, void *buf, size_t len)
{
	struct snap_host_seg segs[64];
	unsigned int i, n = 0;
	size_t off = 0;
	int ret;

	for (i = 0; i < d->nr && off < len; i++) {
		const struct nvme_dseg *s = &d->segs[i];
		uint32_t l = s->len;

		if (l > len - off)
			l = len - off;
		/* Bit buckets take their share of the data, moving nothing. */
		if (!s->bucket)
			segs[n++] = (struct snap_host_seg){ s->addr,
							    (char *)buf + off, l };
		off += l;
		if (n == 64) {
			ret = c->host->ops->dma(c->host, dir, segs, n);
			if (ret)
				return ret;
			n = 0;
		}
	}
	return n ? c->host->ops->dma(c->host, dir, segs, n) : 0;
}

/* Reads for the PRP/SGL walkers, staged through the scratch page. */
static int read_host(void *ctx, uint64_t addr, void *dst, uint32_t len)
{
	struct nvme_ctrl *c = ctx;

	while (len) {
		uint32_t l = len < NVME_PAGE_SIZE ? len : NVME_PAGE_SIZE;
		struct snap_host_seg seg = { addr, c->scratch, l };
		int ret = c->host->ops->dma(c->host, SNAP_DMA_FROM_HOST, &seg, 1);

		if (ret)
			return ret;
		memcpy(dst, c->scratch, l);
		dst = (char *)dst + l;
		addr += l;
		len -= l;
	}
	return 0;
}

/*
 * Walk the command's data pointer for len bytes into r->dptr. Admin
 * commands take PRPs only (NVMe over PCIe); I/O commands also SGLs.
 */
uint16_t nvme_req_map_data(struct nvme_req *r, uint32_t len, bool to_host)
{
	struct nvme_host_reader rd = { read_host, r->ctrl };
	unsigned int psdt = NVME_SQE_PSDT(r->cmd.flags);

	nvme_dptr_free(&r->dptr);
	if (psdt == NVME_PSDT_PRP)
		return nvme_prp_map(&rd, r->cmd.prp1, r->cmd.prp2, len,
				    NVME_PAGE_SIZE, &r->dptr);
	if (r->sqid == 0 || psdt > NVME_PSDT_SGL_MPTR_SGL)
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	return nvme_sgl_map(&rd, &r->cmd.sgl, len, to_host, &r->dptr);
}

/* The largest transfer MDTS lets the host send fits one buffer. */
_Static_assert((NVME_PAGE_SIZE << SNAP_NVME_MDTS_MAX) <= SNAP_HOST_BUF_MAX,
	       "SNAP_NVME_MDTS_MAX exceeds the daemon's largest buffer");

int nvme_req_alloc_buf(struct nvme_req *r, size_t len)
{
	struct snap_host *h = r->ctrl->host;

	if (len > SNAP_HOST_BUF_MAX)
		return -E2BIG;
	r->buf = h->ops->buf_alloc(h, len ? len : 4);
	if (!r->buf)
		return -ENOMEM;
	r->buf_len = len ? len : 4;
	return 0;
}

uint16_t nvme_req_copy_to_host(struct nvme_req *r, const void *data,
			       uint32_t len)
{
	uint16_t st = nvme_req_map_data(r, len, true);

	if (st)
		return st;
	if (nvme_req_alloc_buf(r, len))
		return NVME_SC_INTERNAL;
	memcpy(r->buf, data, len);
	if (nvme_dma_dptr(r->ctrl, SNAP_DMA_TO_HOST, &r->dptr, r->buf, len))
		return NVME_SC_DATA_XFER_ERROR;
	return 0;
}

uint16_t nvme_req_copy_from_host(struct nvme_req *r, void *data, uint32_t len)
{
	uint16_t st = nvme_req_map_data(r, len, false);

	if (st)
		return st;
	if (nvme_req_alloc_buf(r, len))
		return NVME_SC_INTERNAL;
	if (nvme_dma_dptr(r->ctrl, SNAP_DMA_FROM_HOST, &r->dptr, r->buf, len))
		return NVME_SC_DATA_XFER_ERROR;
	memcpy(data, r->buf, len);
	return 0;
}

uint16_t nvme_errno_to_status(int err, enum bdev_op op)
{
	switch (err) {
	case 0:
		return 0;
	case -EIO:
	case -ENODATA:
		if (op == BDEV_OP_READ)
			return NVME_SC_UNRECOVERED_READ;
		if (op == BDEV_OP_WRITE || op == BDEV_OP_WRITE_ZEROES)
			return NVME_SC_WRITE_FAULT;
		return NVME_SC_INTERNAL;
	case -ENOSPC:
		return nvme_dnr(NVME_SC_CAP_EXCEEDED);
	case -EROFS:
	case -EPERM:
		return nvme_dnr(0x20);	/* Namespace is Write Protected */
	case -ECANCELED:
		return NVME_SC_ABORT_REQ;
	case -ENOMEM:
	case -EAGAIN:
	case -EBUSY:
		return NVME_SC_INTERNAL;	/* transient: host may retry */
	default:
		return nvme_dnr(NVME_SC_INTERNAL);
	}
}

/* ---- slots and requests ---- */

/* The slot the next req_get() takes, i away from the top of the stack. */
static uint16_t free_slot_peek(const struct nvme_ctrl *c, unsigned int i)
{
	return c->free_slots[c->nr_free - 1 - i];
}

static struct nvme_req *req_get(struct nvme_ctrl *c, uint16_t sqid)
{
	struct nvme_req *r;
	uint16_t slot;

	if (!c->nr_free)
		return NULL;
	slot = c->free_slots[--c->nr_free];
	r = &c->reqs[slot];
	memset(r, 0, sizeof(*r));
	nvme_dptr_init(&r->dptr);
	r->ctrl = c;
	r->slot = slot;
	r->sqid = sqid;
	r->gen = c->gen;
	r->used = true;
	if (sqid)
		r->start_ns = io_stats_now();
	c->nr_used++;
	c->sq[sqid].inflight++;
	return r;
}

static void req_put_buffers(struct nvme_req *r)
{
	struct snap_host *h = r->ctrl->host;

	nvme_dptr_free(&r->dptr);
	if (r->buf)
		h->ops->buf_free(h, r->buf, r->buf_len);
	if (r->buf2)
		h->ops->buf_free(h, r->buf2, r->buf2_len);
	r->buf = r->buf2 = NULL;
}

static void finish_sq_delete(struct nvme_ctrl *c, uint16_t qid);

/* The command is over: its slot is free for the next fetch. */
static void req_release(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;
	uint16_t sqid = r->sqid;

	req_put_buffers(r);
	if (r->ns)
		r->ns->inflight--;
	r->used = false;
	c->free_slots[c->nr_free++] = r->slot;
	c->nr_used--;
	c->sq[sqid].inflight--;
	if (c->sq[sqid].deleting && !c->sq[sqid].inflight)
		finish_sq_delete(c, sqid);
}

static void cq_append(struct nvme_ctrl *c, uint16_t cqid, struct nvme_req *r)
{
	struct nvme_cq *cq = &c->cq[cqid];

	c->pending_cqs |= 1ull << cqid;
	r->next = NULL;
	if (cq->pend_tail)
		cq->pend_tail->next = r;
	else
		cq->pend_head = r;
	cq->pend_tail = r;
	cq->nr_pend++;
}

/* An I/O command's kind and data for the queue's statistics. */
static void account_io(struct nvme_req *r, uint16_t status)
{
	uint64_t bytes = 0;
	enum io_kind kind;

	switch (r->cmd.opc) {
	case NVME_IO_READ:
	case NVME_IO_WRITE:
		kind = r->cmd.opc == NVME_IO_READ ? IO_READ : IO_WRITE;
		if (r->ns)
			bytes = ((uint64_t)NVME_RW_NLB(r->cmd.cdw12) + 1) << r->ns->lbads;
		break;
	case NVME_IO_DSM:
		kind = r->cmd.cdw11 & NVME_DSM_AD ? IO_UNMAP : IO_OTHER;
		break;
	case NVME_IO_FLUSH:
		kind = IO_FLUSH;
		break;
	default:
		kind = IO_OTHER;
		break;
	}
	io_stats_done(&r->ctrl->st->stats[r->sqid], kind, status ? 0 : bytes,
		      r->start_ns, status != 0);
}

/*
 * Every command ends here exactly once. The entry waits on its CQ's
 * pending list and goes out with the next batch (cq_flush); a command of
 * an older controller generation (reset since it was fetched) is dropped.
 */
void nvme_req_complete(struct nvme_req *r, uint16_t status, uint32_t dw0)
{
	struct nvme_ctrl *c = r->ctrl;
	uint16_t cqid;

	if (r->gen != c->gen || !c->st->sq[r->sqid].size) {
		req_release(r);
		return;
	}
	if (r->sqid)
		account_io(r, status);
	if (status)
		nvme_log_error(c, r, status);
	r->status = status;
	r->dw0 = dw0;
	req_put_buffers(r);
	cqid = c->st->sq[r->sqid].cqid;
	cq_append(c, cqid, r);
}

/* ---- data of many commands in one transfer ---- */

/* The request's data segments as the batch takes them; false if they do
 * not fit what is left of the batch. */
static bool xfer_add_segs(struct nvme_xfer *x, struct nvme_req *r, uint32_t len)
{
	unsigned int n = x->nr_segs, i;
	uint32_t off = 0;

	for (i = 0; i < r->dptr.nr && off < len; i++) {
		const struct nvme_dseg *s = &r->dptr.segs[i];
		uint32_t l = s->len < len - off ? s->len : len - off;

		/* Bit buckets take their share of the data, moving nothing. */
		if (!s->bucket) {
			if (n == SNAP_DMA_MAX_SEGS)
				return false;
			x->segs[n++] = (struct snap_host_seg){
				s->addr, (char *)r->buf + off, l };
		}
		off += l;
	}
	r->nr_xfer_segs = (uint16_t)(n - x->nr_segs);
	x->nr_segs = n;
	return true;
}

/* One SNAP_IOC_DMA for the whole batch (a fault point in the debug build). */
static int xfer_move(struct nvme_ctrl *c, struct nvme_xfer *x)
{
	return snap_host_dma_batch(c->host, x->dir, x->segs, x->nr_segs);
}

/*
 * Moves the data of every queued command in one SNAP_IOC_DMA, then hands
 * each its result. Should the batch fail, each command is tried alone,
 * so that only those whose host memory refused see the error.
 */
static unsigned int xfer_flush(struct nvme_ctrl *c, struct nvme_xfer *x)
{
	struct nvme_req *r, *list = x->head;
	unsigned int n = 0, first = 0;
	int ret = 0;

	if (!list)
		return 0;
	/* After a reset no byte may move for the old commands: then only
	 * the current ones move, one by one. */
	for (r = list; r; r = r->next)
		if (r->gen != c->gen)
			ret = -ESTALE;
	if (!ret && x->nr_segs)
		ret = xfer_move(c, x);
	x->head = x->tail = NULL;
	while ((r = list)) {
		uint16_t st = 0;

		list = r->next;
		n++;
		if (r->gen != c->gen) {
			/* reset: released, its write never reaches a backend */
			first += r->nr_xfer_segs;
			nvme_req_complete(r, 0, 0);
			continue;
		}
		if (ret && r->nr_xfer_segs &&
		    c->host->ops->dma(c->host, x->dir, &x->segs[first],
				      r->nr_xfer_segs))
			st = NVME_SC_DATA_XFER_ERROR;
		first += r->nr_xfer_segs;
		r->xfer_done(r, st);
	}
	x->nr_segs = 0;
	return n;
}

static void xfer_queue(struct nvme_ctrl *c, struct nvme_xfer *x,
		       struct nvme_req *r, uint32_t len, nvme_xfer_done_t done)
{
	r->xfer_done = done;
	if (r->gen != c->gen) {
		nvme_req_complete(r, 0, 0);	/* a reset: only released */
		return;
	}
	if (!xfer_add_segs(x, r, len)) {
		xfer_flush(c, x);
		if (!xfer_add_segs(x, r, len)) {
			/* more segments than one transfer takes: alone */
			done(r, nvme_dma_dptr(c, x->dir, &r->dptr, r->buf, len) ?
				NVME_SC_DATA_XFER_ERROR : 0);
			return;
		}
	}
	r->next = NULL;
	if (x->tail)
		x->tail->next = r;
	else
		x->head = r;
	x->tail = r;
}

static void read_data_out_done(struct nvme_req *r, uint16_t status)
{
	nvme_req_complete(r, status, 0);
}

void nvme_req_complete_read(struct nvme_req *r, uint32_t len)
{
	xfer_queue(r->ctrl, &r->ctrl->data_out, r, len, read_data_out_done);
}

void nvme_req_fetch_data(struct nvme_req *r, uint32_t len, nvme_xfer_done_t then)
{
	xfer_queue(r->ctrl, &r->ctrl->data_in, r, len, then);
}

static void build_cqe(const struct nvme_ctrl *c, const struct nvme_req *r,
		      struct nvme_cqe *e)
{
	memset(e, 0, sizeof(*e));
	e->dw0 = r->dw0;
	e->sqhd = (uint16_t)c->st->sq[r->sqid].head;
	e->sqid = r->sqid;
	e->cid = r->cmd.cid;
	e->status = (uint16_t)(r->status << 1);
}

/* Post what waits on cqid, in batches; stop when the host's CQ is full. */
static unsigned int cq_flush(struct nvme_ctrl *c, uint16_t cqid)
{
	struct nvme_cq *cq = &c->cq[cqid];
	struct nvme_cqe batch[SNAP_CQE_MAX_BATCH];
	uint16_t slots[SNAP_CQE_MAX_BATCH];
	unsigned int posted = 0;

	while (cq->pend_head && !cq->blocked) {
		struct nvme_req *r = cq->pend_head;
		unsigned int n = 0, i;
		int ret;

		for (; r && n < SNAP_CQE_MAX_BATCH; r = r->next) {
			slots[n] = r->slot;
			build_cqe(c, r, &batch[n++]);
		}
		ret = c->host->ops->post_cqe(c->host, cqid, batch, slots, n, 1);
		if (ret == -EAGAIN && n > 1) {
			/* Room for fewer: post one at a time up to the brim. */
			n = 1;
			ret = c->host->ops->post_cqe(c->host, cqid, batch, slots,
						     1, 1);
		}
		if (ret) {
			/* -EAGAIN: full, retried on the next CQ doorbell.
			 * Anything else: the host is gone; keep the entries
			 * until a reset drops them. */
			cq->blocked = true;
			break;
		}
		/* Posted, and their slots are empty: dying here loses nothing. */
		snap_fault_point(SNAP_FAULT_POST);
		for (i = 0; i < n; i++) {
			r = cq->pend_head;
			cq->pend_head = r->next;
			cq->nr_pend--;
			req_release(r);
		}
		if (!cq->pend_head) {
			cq->pend_tail = NULL;
			c->pending_cqs &= ~(1ull << cqid);
		}
		posted += n;
	}
	return posted;
}

static unsigned int flush_all_cqs(struct nvme_ctrl *c)
{
	unsigned int qid, n = 0;

	for (uint64_t m = c->pending_cqs; m; m &= m - 1) {
		qid = (unsigned int)__builtin_ctzll(m);
		n += cq_flush(c, (uint16_t)qid);
	}
	return n;
}

/* Drop queued completions without posting them (reset). */
static void drop_pending(struct nvme_ctrl *c)
{
	unsigned int qid;

	for (qid = 0; qid < SNAP_NVME_MAX_QUEUES; qid++) {
		struct nvme_cq *cq = &c->cq[qid];

		while (cq->pend_head) {
			struct nvme_req *r = cq->pend_head;

			cq->pend_head = r->next;
			req_release(r);
		}
		cq->pend_tail = NULL;
		cq->nr_pend = 0;
		cq->blocked = false;
	}
	c->pending_cqs = 0;
}

/* ---- buffer waits ---- */

/* The pool is exhausted for now: run resume when a buffer may be free. */
void nvme_req_wait_buffer(struct nvme_req *r, nvme_req_step_t resume)
{
	struct nvme_ctrl *c = r->ctrl;

	r->resume = resume;
	r->next = NULL;
	if (c->buf_wait_tail)
		c->buf_wait_tail->next = r;
	else
		c->buf_wait_head = r;
	c->buf_wait_tail = r;
}

static unsigned int run_buffer_waits(struct nvme_ctrl *c)
{
	struct nvme_req *list = c->buf_wait_head, *r;
	unsigned int n = 0;

	c->buf_wait_head = c->buf_wait_tail = NULL;
	while ((r = list)) {
		list = r->next;
		if (r->gen != c->gen) {
			req_release(r);
			continue;
		}
		r->resume(r);
		/* parked again: no progress, or process() would spin */
		if (c->buf_wait_tail != r)
			n++;
	}
	return n;
}

/* ---- fetching ---- */

static void dispatch(struct nvme_req *r)
{
	if (NVME_SQE_FUSE(r->cmd.flags)) {
		/* FUSES is 0: fused operations are not supported */
		nvme_req_complete(r, nvme_dnr(NVME_SC_INVALID_FIELD), 0);
		return;
	}
	if (r->sqid == 0)
		nvme_admin_exec(r);
	else
		nvme_io_exec(r);
}

static bool may_fetch(const struct nvme_ctrl *c, uint16_t qid)
{
	if (c->state != NVME_CTRL_ENABLED || c->suspended)
		return false;
	if (!c->st->sq[qid].size || c->sq[qid].deleting)
		return false;
	return c->nr_free > 0;
}

/*
 * Up to a batch of commands from SQ qid, each in a slot of the function
 * state by the time the host side returns them. All are taken before any
 * runs: one that completes at once frees its slot for the next fetch.
 */
static unsigned int fetch_batch(struct nvme_ctrl *c, uint16_t qid)
{
	uint16_t slots[NVME_FETCH_BATCH];
	struct nvme_req *reqs[NVME_FETCH_BATCH];
	unsigned int n = c->nr_free < NVME_FETCH_BATCH ? c->nr_free : NVME_FETCH_BATCH;
	unsigned int i;
	int got;

	for (i = 0; i < n; i++)
		slots[i] = free_slot_peek(c, i);
	got = c->host->ops->sq_fetch(c->host, qid, slots, n);
	if (got <= 0)
		return 0;	/* empty, reset meanwhile, or host memory gone */
	snap_fault_point(SNAP_FAULT_FETCH);
	for (i = 0; i < (unsigned int)got; i++) {
		reqs[i] = req_get(c, qid);
		memcpy(&reqs[i]->cmd, c->st->inflight[reqs[i]->slot].sqe,
		       sizeof(reqs[i]->cmd));
	}
	for (i = 0; i < (unsigned int)got; i++)
		dispatch(reqs[i]);
	return (unsigned int)got;
}

static unsigned int sq_fetch(struct nvme_ctrl *c, uint16_t qid)
{
	struct snap_queue_state *qs = &c->st->sq[qid];
	unsigned int total = 0, n;

	/* A tail beyond the ring is the host's bug; serve nothing until it
	 * writes a sane one. */
	if (qs->doorbell >= qs->size || qs->head >= qs->size)
		return 0;
	while (may_fetch(c, qid) && qs->head != qs->doorbell) {
		n = fetch_batch(c, qid);
		if (!n)
			break;
		total += n;
	}
	return total;
}

static unsigned int fetch_all(struct nvme_ctrl *c)
{
	unsigned int qid, n = 0;

	/* A stale bit costs a check: the kernel may have cleared a queue
	 * (reset) before the engine hears of it. */
	for (uint64_t m = c->live_sqs; m; m &= m - 1) {
		qid = (unsigned int)__builtin_ctzll(m);
		if (c->st->sq[qid].size)
			n += sq_fetch(c, (uint16_t)qid);
	}
	return n;
}

/* ---- the controller handshake ---- */

/* Queue bookkeeping of a controller that is reset. In-flight counts stay:
 * commands still at a backend come back and are counted out. */
static void forget_queues(struct nvme_ctrl *c)
{
	unsigned int qid;

	for (qid = 0; qid < SNAP_NVME_MAX_QUEUES; qid++) {
		c->sq[qid].deleting = false;
		c->sq[qid].delete_req = NULL;
		c->cq[qid].blocked = false;
	}
}

/* Controller level reset of everything the host configured. */
static void reset_host_state(struct nvme_ctrl *c)
{
	nvme_features_reset(c);
	c->aen_ns_masked = false;
	c->aen_temp_pending = false;
	/* A host that enables the controller scans every namespace: changes
	 * from before are no news to it. */
	c->aen_ns_pending = false;
	c->nr_changed = 0;
	c->changed_overflow = false;
}

/*
 * Stop serving the current generation: queued completions, parked AERs and
 * buffer waits go; commands at the backend are dropped when they return.
 */
static void abandon_commands(struct nvme_ctrl *c)
{
	struct nvme_req *w = c->buf_wait_head, *next;
	unsigned int qid;

	c->gen++;
	nvme_ctrl_release_aers(c);
	/* Delete I/O SQ commands waiting for their queue to drain */
	for (qid = 0; qid < SNAP_NVME_MAX_QUEUES; qid++) {
		struct nvme_req *del = c->sq[qid].delete_req;

		c->sq[qid].deleting = false;
		c->sq[qid].delete_req = NULL;
		if (del)
			nvme_req_complete(del, 0, 0);
	}
	drop_pending(c);
	c->buf_wait_head = c->buf_wait_tail = NULL;
	for (; w; w = next) {
		next = w->next;
		req_release(w);
	}
}

static void answer(struct nvme_ctrl *c, uint32_t event, uint32_t status)
{
	c->host->ops->ctrl_done(c->host, event, status);
}

static uint32_t check_cc(uint32_t cc)
{
	/* CAP: MPSMIN = MPSMAX = 4 KiB, CSS = NVM only, no arbitration
	 * mechanisms but round robin; Identify: 64-byte SQEs, 16-byte CQEs
	 * (the host sets the entry sizes at enable, as nvmet requires). */
	if (NVME_CC_MPS(cc) != 0 || NVME_CC_CSS(cc) != 0 || NVME_CC_AMS(cc) != 0)
		return 1;
	if (NVME_CC_IOSQES(cc) != 6 || NVME_CC_IOCQES(cc) != 4)
		return 1;
	return 0;
}

static void ctrl_enable(struct nvme_ctrl *c)
{
	uint32_t status = check_cc(c->st->cc);

	if (!c->st->sq[0].size || !c->st->cq[0].size)
		status = 1;
	abandon_commands(c);
	forget_queues(c);
	reset_host_state(c);
	c->saved->enable_count = c->st->enable_count;
	c->state = status ? NVME_CTRL_DISABLED : NVME_CTRL_ENABLED;
	answer(c, SNAP_EV_CTRL_ENABLE, status);
}

/* Disable (or function reset) is over when nothing is at the backend. */
static void finish_disable(struct nvme_ctrl *c)
{
	forget_queues(c);
	reset_host_state(c);
	c->state = NVME_CTRL_DISABLED;
	if (c->answer_disable)
		answer(c, SNAP_EV_CTRL_DISABLE, 0);
	c->answer_disable = false;
}

static void ctrl_disable(struct nvme_ctrl *c, bool answer_it)
{
	abandon_commands(c);
	c->state = NVME_CTRL_DISABLING;
	c->answer_disable = answer_it;
	if (!c->nr_used)
		finish_disable(c);
}

static void shutdown_flush_next(struct nvme_ctrl *c);

static void shutdown_flush_done(struct bdev_io *io, int status)
{
	struct nvme_ctrl *c = io->priv;

	(void)status;	/* nothing to report it to: shutdown completes */
	c->ns[c->shutdown_step]->inflight--;
	c->shutdown_step++;
	shutdown_flush_next(c);
}

/* Flush each namespace's volatile cache in turn, then answer. */
static void shutdown_flush_next(struct nvme_ctrl *c)
{
	while (c->shutdown_step < c->cfg.nn) {
		struct nvme_ns *ns = c->ns[c->shutdown_step];

		if (ns) {
			c->shutdown_bio = (struct bdev_io){
				.op = BDEV_OP_FLUSH,
				.done = shutdown_flush_done,
				.priv = c,
				.tally = &c->backend_ios,
			};
			ns->inflight++;
			if (!bdev_submit(ns->bdev, &c->shutdown_bio))
				return;
			ns->inflight--;
		}
		c->shutdown_step++;
	}
	c->shutdown_flushing = false;
	c->state = NVME_CTRL_SHUTDOWN;
	answer(c, SNAP_EV_CTRL_SHUTDOWN, 0);
}

/* Shutdown may finish once only parked AERs remain and all is posted. */
static void maybe_finish_shutdown(struct nvme_ctrl *c)
{
	if (c->state != NVME_CTRL_SHUTTING_DOWN || c->shutdown_flushing)
		return;
	if (c->nr_used != c->nr_aer)
		return;
	c->shutdown_flushing = true;
	c->shutdown_step = 0;
	shutdown_flush_next(c);
}

static void ctrl_shutdown(struct nvme_ctrl *c)
{
	if (c->state == NVME_CTRL_SHUTTING_DOWN)
		return;		/* the answer comes when the drain ends */
	if (c->state != NVME_CTRL_ENABLED) {
		/* nothing runs: shut down at once */
		answer(c, SNAP_EV_CTRL_SHUTDOWN, 0);
		return;
	}
	c->state = NVME_CTRL_SHUTTING_DOWN;
	maybe_finish_shutdown(c);
}

/* ---- Delete I/O SQ completion, from admin.c's start ---- */

static void finish_sq_delete(struct nvme_ctrl *c, uint16_t qid)
{
	struct nvme_req *del = c->sq[qid].delete_req;
	struct snap_queue_cfg cfg = { .func_id = c->host->func_id, .qid = qid,
				      .type = SNAP_QUEUE_SQ };
	int ret;

	c->sq[qid].deleting = false;
	c->sq[qid].delete_req = NULL;
	ret = c->host->ops->queue_delete(c->host, &cfg);
	nvme_ctrl_queues_changed(c);
	if (del)
		nvme_req_complete(del, ret ? NVME_SC_INTERNAL : 0, 0);
}

/* ---- entry points ---- */

/* Run until nothing moves: backend completions, buffer waits, fetches,
 * completions. Nothing recurses: completions only queue work here. */
/*
 * The SQs the state holds, read again whenever queues may have come or
 * gone (queue create and delete, enable, disable, reset, take-over), so
 * that process() visits only those.
 */
void nvme_ctrl_queues_changed(struct nvme_ctrl *c)
{
	uint64_t live = 0;

	for (unsigned int qid = 0; qid < SNAP_NVME_MAX_QUEUES; qid++)
		if (c->st->sq[qid].size)
			live |= 1ull << qid;
	c->live_sqs = live;
}

static int process(struct nvme_ctrl *c)
{
	int total = 0, n;
	unsigned int i;

	do {
		n = 0;
		for (i = 0; i < c->ns_top; i++)
			if (c->ns[i])
				n += bdev_poll(c->ns[i]->bdev);
		n += run_buffer_waits(c);
		nvme_aen_run(c);
		n += fetch_all(c);
		n += xfer_flush(c, &c->data_in);
		n += xfer_flush(c, &c->data_out);
		n += flush_all_cqs(c);
		total += n;
	} while (n);
	if (c->state == NVME_CTRL_DISABLING && !c->nr_used)
		finish_disable(c);
	maybe_finish_shutdown(c);
	return total;
}

/* Returns whether completions were waiting for this room. */
static bool doorbell_cq(struct nvme_ctrl *c, uint16_t qid)
{
	bool was_blocked;

	if (qid >= SNAP_NVME_MAX_QUEUES)
		return false;
	was_blocked = c->cq[qid].blocked;
	c->cq[qid].blocked = false;
	return was_blocked;
}

void nvme_ctrl_event(struct nvme_ctrl *c, const struct snap_event *ev)
{
	switch (ev->type) {
	case SNAP_EV_CTRL_ENABLE:
		ctrl_enable(c);
		break;
	case SNAP_EV_CTRL_DISABLE:
		ctrl_disable(c, true);
		break;
	case SNAP_EV_CTRL_SHUTDOWN:
		ctrl_shutdown(c);
		break;
	case SNAP_EV_FUNC_RESET:
		ctrl_disable(c, false);
		break;
	case SNAP_EV_SQ_DOORBELL:
		/* The host side stores the latest tail in the state before
		 * the (coalesced) event; the event only says "look". */
		break;
	case SNAP_EV_CQ_DOORBELL:
		/* Most CQ doorbells only return room nobody waits for; the
		 * next poll serves the rest. */
		if (!doorbell_cq(c, ev->qid))
			return;
		break;
	default:
		return;
	}
	if (ev->type != SNAP_EV_SQ_DOORBELL && ev->type != SNAP_EV_CQ_DOORBELL)
		nvme_ctrl_queues_changed(c);
	process(c);
}

int nvme_ctrl_poll(struct nvme_ctrl *c)
{
	return process(c);
}

void nvme_ctrl_suspend(struct nvme_ctrl *c)
{
	c->suspended = true;
}

/*
 * A new generation: every command in hand is then the old controller's,
 * which xfer_queue() and nvme_req_complete() only release. The SMART
 * counters in the function state are the next controller's.
 */
void nvme_ctrl_retire(struct nvme_ctrl *c)
{
	c->suspended = true;
	c->gen++;
	c->stats = &c->own_stats;
}

void nvme_ctrl_resume(struct nvme_ctrl *c)
{
	c->suspended = false;
	process(c);
}

/* ---- take-over after a restart ---- */

static int by_fetch_order(const void *a, const void *b, void *arg)
{
	const struct snap_inflight_slot *slots = arg;
	uint64_t sa = slots[*(const uint16_t *)a].seq;
	uint64_t sb = slots[*(const uint16_t *)b].seq;

	return sa < sb ? -1 : sa > sb;
}

/* The slots the host side holds for the current controller, fetch order. */
static unsigned int slots_to_rerun(const struct nvme_ctrl *c, uint16_t *order)
{
	const struct snap_inflight_slot *slots = c->st->inflight;
	unsigned int i, n = 0;

	for (i = 0; i < SNAP_INFLIGHT_MAX; i++) {
		const struct snap_inflight_slot *s = &slots[i];

		if (!(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & SNAP_INFLIGHT_USED))
			continue;
		if (s->gen != c->st->enable_count || s->sqid >= SNAP_NVME_MAX_QUEUES ||
		    !c->st->sq[s->sqid].size)
			continue;
		order[n++] = (uint16_t)i;
	}
	qsort_r(order, n, sizeof(*order), by_fetch_order, (void *)slots);
	return n;
}

/* Free stack without the slots being taken over, in reset_slots' order. */
static void reserve_slots(struct nvme_ctrl *c, const uint16_t *taken,
			  unsigned int n)
{
	bool busy[SNAP_INFLIGHT_MAX] = { false };
	unsigned int i;

	for (i = 0; i < n; i++)
		busy[taken[i]] = true;
	c->nr_free = 0;
	for (i = SNAP_INFLIGHT_MAX; i-- > 0;)
		if (!busy[i])
			c->free_slots[c->nr_free++] = (uint16_t)i;
}

static struct nvme_req *req_take_over(struct nvme_ctrl *c, uint16_t slot)
{
	const struct snap_inflight_slot *s = &c->st->inflight[slot];
	struct nvme_req *r = &c->reqs[slot];

	memset(r, 0, sizeof(*r));
	nvme_dptr_init(&r->dptr);
	r->ctrl = c;
	r->slot = slot;
	r->sqid = s->sqid;
	r->gen = c->gen;
	r->used = true;
	r->recovered = true;
	if (r->sqid)
		r->start_ns = io_stats_now();
	memcpy(&r->cmd, s->sqe, sizeof(r->cmd));
	c->nr_used++;
	c->sq[s->sqid].inflight++;
	return r;
}

/*
 * A new daemon on a live controller: run again, in the order they were
 * fetched, the commands its predecessor fetched and did not complete.
 */
int nvme_ctrl_recover(struct nvme_ctrl *c)
{
	uint16_t order[SNAP_INFLIGHT_MAX];
	unsigned int i, n;

	nvme_ctrl_queues_changed(c);
	if (!(c->st->csts & NVME_CSTS_RDY) || c->nr_used)
		return 0;
	c->state = NVME_CTRL_ENABLED;
	n = slots_to_rerun(c, order);
	reserve_slots(c, order, n);
	for (i = 0; i < n; i++)
		req_take_over(c, order[i]);
	for (i = 0; i < n; i++)
		dispatch(&c->reqs[order[i]]);
	process(c);
	return (int)n;
}
