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

/*
 * The free in-flight slots dealt to the groups in equal runs (so that
 * two threads' requests do not share cache lines), each stack with its
 * lowest slot on top; busy[] slots (taken over) are left out.
 */
static void deal_slots(struct nvme_ctrl *c, const bool *busy)
{
	unsigned int i, n = c->nr_groups;

	for (i = 0; i < n; i++)
		c->groups[i]->nr_free = 0;
	for (i = SNAP_INFLIGHT_MAX; i-- > 0;) {
		struct nvme_group *g = c->groups[i * n / SNAP_INFLIGHT_MAX];

		if (!busy || !busy[i])
			g->free_slots[g->nr_free++] = (uint16_t)i;
	}
}

static struct nvme_group *group_new(struct nvme_ctrl *c, struct snap_host *h)
{
	struct nvme_group *g = aligned_alloc(_Alignof(struct nvme_group), sizeof(*g));

	if (!g)
		return NULL;
	memset(g, 0, sizeof(*g));
	g->ns_holds = calloc(c->cfg.nn, sizeof(*g->ns_holds));
	if (!g->ns_holds) {
		free(g);
		return NULL;
	}
	g->c = c;
	g->host = h;
	g->index = c->nr_groups;
	g->data_in.dir = SNAP_DMA_FROM_HOST;
	g->data_out.dir = SNAP_DMA_TO_HOST;
	c->groups[c->nr_groups++] = g;
	return g;
}

static void group_free_scratch(struct nvme_group *g)
{
	if (g->scratch)
		g->host->ops->buf_free(g->host, g->scratch, NVME_PAGE_SIZE);
	g->scratch = NULL;
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

/* Readers never wait behind a writer that waits: the home thread's
 * controller steps come between the groups' passes. */
static int init_locks(struct nvme_ctrl *c)
{
	pthread_rwlockattr_t attr;
	int ret;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ret = pthread_rwlock_init(&c->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (ret)
		return -ret;
	ret = pthread_mutex_init(&c->errlog_lock, NULL);
	if (ret)
		pthread_rwlock_destroy(&c->lock);
	return -ret;
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
	/* its queue bookkeeping is cache-line aligned (nvme_int.h) */
	c = aligned_alloc(_Alignof(struct nvme_ctrl), sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->host = h;
	c->st = h->state;
	c->ns = calloc(cfg->nn, sizeof(*c->ns));
	if (!c->ns || !group_new(c, h) || init_locks(c)) {
		if (c->groups[0])
			free(c->groups[0]->ns_holds);
		free(c->groups[0]);
		free(c->ns);
		free(c);
		return NULL;
	}
	deal_slots(c, NULL);
	load_saved(c);
	nvme_ctrl_queues_changed(c);
	return c;
}

/* Commands in hand in every group: the write lock held, or one group. */
static unsigned int ctrl_nr_used(const struct nvme_ctrl *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nr_groups; i++)
		n += c->groups[i]->nr_used;
	return n;
}

void nvme_ctrl_destroy(struct nvme_ctrl *c)
{
	unsigned int i, left;

	if (!c)
		return;
	/*
	 * Only commands still held have resources; the rest were released.
	 * Those are completions the host had no room for: their buffers went
	 * back as they completed (nvme_req_complete), so no other thread's
	 * pool is touched here.
	 */
	for (i = 0, left = ctrl_nr_used(c); i < SNAP_INFLIGHT_MAX && left; i++) {
		struct nvme_req *r = &c->reqs[i];

		if (!r->used)
			continue;
		left--;
		nvme_dptr_free(&r->dptr);
		if (r->buf)
			r->g->host->ops->buf_free(r->g->host, r->buf, r->buf_len);
		if (r->buf2)
			r->g->host->ops->buf_free(r->g->host, r->buf2, r->buf2_len);
	}
	for (i = 0; i < c->cfg.nn; i++)
		free(c->ns[i]);
	free(c->ns);
	for (i = 0; i < c->nr_groups; i++) {
		group_free_scratch(c->groups[i]);
		free(c->groups[i]->ns_holds);
		free(c->groups[i]);
	}
	pthread_mutex_destroy(&c->errlog_lock);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

/* ---- the lock ---- */

/*
 * A controller with one group has one thread: it takes no lock (the
 * groups are all added before the first entry point runs), and its
 * passes cost what they did before there were groups.
 */
static bool shared(const struct nvme_ctrl *c)
{
	return c->nr_groups > 1;
}

/* The home thread's controller-level work, every group's state with it. */
static void ctrl_lock(struct nvme_ctrl *c)
{
	if (shared(c))
		pthread_rwlock_wrlock(&c->lock);
	c->groups[0]->in_pass = true;
}

static void ctrl_unlock(struct nvme_ctrl *c)
{
	c->groups[0]->in_pass = false;
	if (shared(c))
		pthread_rwlock_unlock(&c->lock);
}

/* A group's thread works on it (its own state, the controller's read). */
static void group_lock(struct nvme_group *g)
{
	if (shared(g->c))
		pthread_rwlock_rdlock(&g->c->lock);
	g->in_pass = true;
}

static void group_unlock(struct nvme_group *g)
{
	g->in_pass = false;
	if (shared(g->c))
		pthread_rwlock_unlock(&g->c->lock);
}

static void kick(struct nvme_ctrl *c, unsigned int g)
{
	if (c->kick)
		c->kick(c->kick_arg, g);
}

/* A group asks the home thread for a controller-level step. */
static void want_control(struct nvme_ctrl *c)
{
	__atomic_store_n(&c->control, 1, __ATOMIC_RELEASE);
	kick(c, 0);
}

/* Every other group runs a pass: what it holds may have changed. */
static void kick_groups(struct nvme_ctrl *c)
{
	for (unsigned int i = 1; i < c->nr_groups; i++)
		kick(c, i);
}

void nvme_ctrl_get_stats(const struct nvme_ctrl *c, struct nvme_ctrl_stats *s)
{
	struct nvme_ctrl_stats *st = c->stats;

	s->bytes_read = __atomic_load_n(&st->bytes_read, __ATOMIC_RELAXED);
	s->bytes_written = __atomic_load_n(&st->bytes_written, __ATOMIC_RELAXED);
	s->read_cmds = __atomic_load_n(&st->read_cmds, __ATOMIC_RELAXED);
	s->write_cmds = __atomic_load_n(&st->write_cmds, __ATOMIC_RELAXED);
	s->media_errors = __atomic_load_n(&st->media_errors, __ATOMIC_RELAXED);
	s->error_count = __atomic_load_n(&st->error_count, __ATOMIC_RELAXED);
}

bool nvme_ctrl_idle(const struct nvme_ctrl *c)
{
	struct nvme_ctrl *wc = (struct nvme_ctrl *)c;
	bool idle;

	ctrl_lock(wc);
	idle = ctrl_nr_used(c) == c->nr_aer;
	ctrl_unlock(wc);
	return idle;
}

/*
 * The home group's tally is read on its thread; any other group's I/O at
 * a backend is a command it holds, which nr_used counts under the lock.
 */
bool nvme_ctrl_backend_idle(const struct nvme_ctrl *c)
{
	struct nvme_ctrl *wc = (struct nvme_ctrl *)c;
	bool idle = !c->groups[0]->backend_ios;

	ctrl_lock(wc);
	for (unsigned int i = 1; i < c->nr_groups && idle; i++)
		idle = !c->groups[i]->nr_used;
	ctrl_unlock(wc);
	return idle;
}

bool nvme_ctrl_group_backend_idle(const struct nvme_ctrl *c, unsigned int g)
{
	return g < c->nr_groups && !c->groups[g]->backend_ios;
}

int nvme_ctrl_add_group(struct nvme_ctrl *c, struct snap_host *h)
{
	if (c->nr_groups >= NVME_MAX_GROUPS || h->state != c->st)
		return -EINVAL;
	if (!group_new(c, h))
		return -ENOMEM;
	deal_slots(c, NULL);
	nvme_ctrl_queues_changed(c);
	return (int)c->nr_groups - 1;
}

unsigned int nvme_ctrl_nr_groups(const struct nvme_ctrl *c)
{
	return c->nr_groups;
}

void nvme_ctrl_set_kick(struct nvme_ctrl *c, nvme_kick_fn fn, void *arg)
{
	c->kick = fn;
	c->kick_arg = arg;
}

static unsigned int group_of_cq(const struct nvme_ctrl *c, uint16_t cqid)
{
	return cqid ? (cqid - 1u) % c->nr_groups : 0;
}

static unsigned int group_of_sq(const struct nvme_ctrl *c, uint16_t sqid)
{
	if (!sqid || sqid >= SNAP_NVME_MAX_QUEUES)
		return 0;
	return group_of_cq(c, __atomic_load_n(&c->st->sq[sqid].cqid,
					      __ATOMIC_RELAXED));
}

unsigned int nvme_ctrl_event_group(const struct nvme_ctrl *c,
				   const struct snap_event *ev)
{
	if (ev->type == SNAP_EV_SQ_DOORBELL)
		return group_of_sq(c, ev->qid);
	if (ev->type == SNAP_EV_CQ_DOORBELL && ev->qid < SNAP_NVME_MAX_QUEUES)
		return group_of_cq(c, ev->qid);
	return 0;
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

static int attach_ns(struct nvme_ctrl *c, uint32_t nsid, struct bdev *b,
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

int nvme_ctrl_attach_ns(struct nvme_ctrl *c, uint32_t nsid, struct bdev *b,
			const uint8_t uuid[16])
{
	int ret;

	ctrl_lock(c);
	ret = attach_ns(c, nsid, b, uuid);
	ctrl_unlock(c);
	return ret;
}

static int detach_ns(struct nvme_ctrl *c, uint32_t nsid)
{
	struct nvme_ns *ns = nvme_ctrl_ns(c, nsid);

	if (!nsid || nsid > c->cfg.nn)
		return -EINVAL;
	if (!ns)
		return -ENOENT;
	/* Commands in flight point at the namespace and its bdev. */
	for (unsigned int i = 0; i < c->nr_groups; i++)
		if (c->groups[i]->ns_holds[nsid - 1])
			return -EBUSY;
	c->ns[nsid - 1] = NULL;
	free(ns);
	while (c->ns_top && !c->ns[c->ns_top - 1])
		c->ns_top--;
	nvme_aen_ns_changed(c, nsid);
	return 0;
}

int nvme_ctrl_detach_ns(struct nvme_ctrl *c, uint32_t nsid)
{
	int ret;

	ctrl_lock(c);
	ret = detach_ns(c, nsid);
	ctrl_unlock(c);
	return ret;
}

/* ---- host memory ---- */

int nvme_dma_dptr(struct nvme_group *g, enum snap_dma_dir dir,
		  const struct nvme_dptr *d, void *buf, size_t len)
{
	struct snap_host *h = g->host;
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
			ret = h->ops->dma(h, dir, segs, n);
			if (ret)
				return ret;
			n = 0;
		}
	}
	return n ? h->ops->dma(h, dir, segs, n) : 0;
}

/*
 * Reads for the PRP/SGL walkers, staged through the group's scratch
 * page, taken from its thread's pool when first needed.
 */
static int read_host(void *ctx, uint64_t addr, void *dst, uint32_t len)
{
	struct nvme_group *g = ctx;
	struct snap_host *h = g->host;

	if (!g->scratch)
		g->scratch = h->ops->buf_alloc(h, NVME_PAGE_SIZE);
	if (!g->scratch)
		return -ENOMEM;
	while (len) {
		uint32_t l = len < NVME_PAGE_SIZE ? len : NVME_PAGE_SIZE;
		struct snap_host_seg seg = { addr, g->scratch, l };
		int ret = h->ops->dma(h, SNAP_DMA_FROM_HOST, &seg, 1);

		if (ret)
			return ret;
		memcpy(dst, g->scratch, l);
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
	struct nvme_host_reader rd = { read_host, r->g };
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
	struct snap_host *h = r->g->host;

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
	if (nvme_dma_dptr(r->g, SNAP_DMA_TO_HOST, &r->dptr, r->buf, len))
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
	if (nvme_dma_dptr(r->g, SNAP_DMA_FROM_HOST, &r->dptr, r->buf, len))
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
static uint16_t free_slot_peek(const struct nvme_group *g, unsigned int i)
{
	return g->free_slots[g->nr_free - 1 - i];
}

static struct nvme_req *req_init(struct nvme_group *g, uint16_t slot,
				 uint16_t sqid)
{
	struct nvme_ctrl *c = g->c;
	struct nvme_req *r = &c->reqs[slot];

	memset(r, 0, sizeof(*r));
	nvme_dptr_init(&r->dptr);
	r->ctrl = c;
	r->g = g;
	r->slot = slot;
	r->sqid = sqid;
	r->gen = c->gen;
	r->used = true;
	if (sqid)
		r->start_ns = io_stats_now();
	g->nr_used++;
	c->sq[sqid].inflight++;
	return r;
}

static struct nvme_req *req_get(struct nvme_group *g, uint16_t sqid)
{
	if (!g->nr_free)
		return NULL;
	return req_init(g, g->free_slots[--g->nr_free], sqid);
}

static void req_put_buffers(struct nvme_req *r)
{
	struct snap_host *h = r->g->host;

	nvme_dptr_free(&r->dptr);
	if (r->buf)
		h->ops->buf_free(h, r->buf, r->buf_len);
	if (r->buf2)
		h->ops->buf_free(h, r->buf2, r->buf2_len);
	r->buf = r->buf2 = NULL;
}

/* A write taken over has ended; after the last one every group reads. */
static void takeover_write_ended(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;

	r->takeover_write = false;
	if (__atomic_sub_fetch(&c->takeover_writes, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned int i = 0; i < c->nr_groups; i++)
		kick(c, i);
}

/*
 * The command is over: its slot is free for the next fetch of its group.
 * The last command of a queue being deleted, or of a controller being
 * reset or shut down, calls the home thread, which finishes that.
 */
static void req_release(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;
	struct nvme_group *g = r->g;
	uint16_t sqid = r->sqid;

	req_put_buffers(r);
	if (r->ns)
		nvme_ns_put(g, r->ns);
	if (r->takeover_write)
		takeover_write_ended(r);
	r->used = false;
	g->free_slots[g->nr_free++] = r->slot;
	g->nr_used--;
	c->sq[sqid].inflight--;
	if ((nvme_sq_deleting(c, sqid) && !c->sq[sqid].inflight) ||
	    (c->state != NVME_CTRL_ENABLED && !g->nr_used)) {
		if (g->index)
			want_control(c);
		else	/* the home thread looks after its pass */
			__atomic_store_n(&c->control, 1, __ATOMIC_RELEASE);
	}
}

/* r at the end of the list from *head to *tail, linked by next. */
static void req_list_add(struct nvme_req **head, struct nvme_req **tail,
			 struct nvme_req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

static void cq_append(struct nvme_group *g, uint16_t cqid, struct nvme_req *r)
{
	struct nvme_cq *cq = &g->c->cq[cqid];

	g->pending_cqs |= 1ull << cqid;
	req_list_add(&cq->pend_head, &cq->pend_tail, r);
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

/* A backend's completion: under the group's lock, as all its work is. */
static void req_bio_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;
	struct nvme_group *g = r->g;
	bool outside = !g->in_pass;

	if (outside)
		group_lock(g);
	r->bio_done(io, status);
	if (outside)
		group_unlock(g);
}

int nvme_req_submit_bio(struct nvme_req *r, struct bdev *b, bdev_io_done_t done)
{
	r->bio_done = done;
	r->bio.done = req_bio_done;
	r->bio.priv = r;
	r->bio.tally = &r->g->backend_ios;
	return bdev_submit(b, &r->bio);
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
	if (!r->out_len)
		req_put_buffers(r);
	cqid = c->st->sq[r->sqid].cqid;
	cq_append(r->g, cqid, r);
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
static int xfer_move(struct nvme_group *g, struct nvme_xfer *x)
{
	return snap_host_dma_batch(g->host, x->dir, x->segs, x->nr_segs);
}

/*
 * Moves the data of every queued command in one SNAP_IOC_DMA, then hands
 * each its result. Should the batch fail, each command is tried alone,
 * so that only those whose host memory refused see the error.
 */
static unsigned int xfer_flush(struct nvme_group *g, struct nvme_xfer *x)
{
	struct nvme_ctrl *c = g->c;
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
		ret = xfer_move(g, x);
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
		    g->host->ops->dma(g->host, x->dir, &x->segs[first],
				      r->nr_xfer_segs))
			st = NVME_SC_DATA_XFER_ERROR;
		first += r->nr_xfer_segs;
		r->xfer_done(r, st);
	}
	x->nr_segs = 0;
	return n;
}

static void xfer_queue(struct nvme_group *g, struct nvme_xfer *x,
		       struct nvme_req *r, uint32_t len, nvme_xfer_done_t done)
{
	r->xfer_done = done;
	if (r->gen != g->c->gen) {
		nvme_req_complete(r, 0, 0);	/* a reset: only released */
		return;
	}
	if (!xfer_add_segs(x, r, len)) {
		xfer_flush(g, x);
		if (!xfer_add_segs(x, r, len)) {
			/* more segments than one transfer takes: alone */
			done(r, nvme_dma_dptr(g, x->dir, &r->dptr, r->buf, len) ?
				NVME_SC_DATA_XFER_ERROR : 0);
			return;
		}
	}
	req_list_add(&x->head, &x->tail, r);
}

/*
 * A read's data goes to the host in the call that posts its completion
 * (cq_flush, SNAP_POST_DMA): it completes now and keeps its buffer until
 * then.
 */
void nvme_req_complete_read(struct nvme_req *r, uint32_t len)
{
	r->out_len = len;
	nvme_req_complete(r, 0, 0);
}

void nvme_req_fetch_data(struct nvme_req *r, uint32_t len, nvme_xfer_done_t then)
{
	xfer_queue(r->g, &r->g->data_in, r, len, then);
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

/*
 * A read whose data host memory refused after it was completed: now a
 * Data Transfer Error, in its entry, the error log and the counters.
 */
static void read_data_refused(struct nvme_req *r, struct nvme_cqe *e)
{
	struct nvme_ctrl *c = r->ctrl;

	r->status = NVME_SC_DATA_XFER_ERROR;
	nvme_log_error(c, r, r->status);
	io_stats_read_failed_late(&c->st->stats[r->sqid], r->out_len);
	build_cqe(c, r, e);
}

/*
 * The reads among the n entries from r on move their data each alone
 * (their batch's segments in x, in order), so that only those whose host
 * memory refuses turn into errors; then they are posted without data.
 */
static void move_data_alone(struct nvme_group *g, struct nvme_xfer *x,
			    struct nvme_req *r, unsigned int n, struct nvme_cqe *batch)
{
	unsigned int first = 0;

	for (unsigned int i = 0; i < n; i++, r = r->next) {
		if (!r->out_len)
			continue;
		if (r->nr_xfer_segs &&
		    g->host->ops->dma(g->host, SNAP_DMA_TO_HOST, &x->segs[first],
				      r->nr_xfer_segs))
			read_data_refused(r, &batch[i]);
		first += r->nr_xfer_segs;
		r->out_len = 0;
		req_put_buffers(r);
	}
	x->nr_segs = 0;
}

/*
 * Up to SNAP_CQE_MAX_BATCH entries from r on, with the reads' data in x
 * as far as one transfer takes it. A read with more segments than a
 * transfer takes moves its data alone, first. Returns how many entries.
 */
static unsigned int cq_batch(struct nvme_group *g, struct nvme_req *r,
			     struct nvme_cqe *batch, uint16_t *slots)
{
	struct nvme_xfer *x = &g->data_out;
	unsigned int n = 0;

	x->nr_segs = 0;
	for (; r && n < SNAP_CQE_MAX_BATCH; r = r->next) {
		if (r->out_len && !xfer_add_segs(x, r, r->out_len)) {
			if (n)
				break;
			if (nvme_dma_dptr(g, SNAP_DMA_TO_HOST, &r->dptr, r->buf,
					  r->out_len))
				read_data_refused(r, &batch[n]);
			r->out_len = 0;
			r->nr_xfer_segs = 0;
			req_put_buffers(r);
		}
		slots[n] = r->slot;
		build_cqe(g->c, r, &batch[n++]);
	}
	return n;
}

/*
 * Posts the n entries (and their reads' data, x) from the head of cq's
 * list. A CQ without room for all posts one, with its own data; any
 * other failure with data moves the data alone and tries once more.
 */
static int cq_post(struct nvme_group *g, uint16_t cqid, struct nvme_cqe *batch,
		   uint16_t *slots, unsigned int *n)
{
	struct nvme_xfer *x = &g->data_out;
	struct nvme_req *first = g->c->cq[cqid].pend_head;
	const struct snap_host_ops *ops = g->host->ops;
	int ret;

	ret = ops->post_cqe(g->host, cqid, batch, slots, *n, 1, x->segs, x->nr_segs);
	if (ret == -EAGAIN && *n > 1) {
		/* Room for fewer: post one at a time up to the brim. */
		*n = 1;
		ret = ops->post_cqe(g->host, cqid, batch, slots, 1, 1, x->segs,
				    first->out_len ? first->nr_xfer_segs : 0);
	}
	if (ret && ret != -EAGAIN && x->nr_segs) {
		move_data_alone(g, x, first, *n, batch);
		ret = ops->post_cqe(g->host, cqid, batch, slots, *n, 1, NULL, 0);
	}
	return ret;
}

/* Post what waits on cqid, in batches; stop when the host's CQ is full. */
static unsigned int cq_flush(struct nvme_group *g, uint16_t cqid)
{
	struct nvme_ctrl *c = g->c;
	struct nvme_cq *cq = &c->cq[cqid];
	struct nvme_cqe batch[SNAP_CQE_MAX_BATCH];
	uint16_t slots[SNAP_CQE_MAX_BATCH];
	unsigned int posted = 0;

	while (cq->pend_head && !cq->blocked) {
		unsigned int n = cq_batch(g, cq->pend_head, batch, slots), i;

		if (cq_post(g, cqid, batch, slots, &n)) {
			/* -EAGAIN: full, retried on the next CQ doorbell.
			 * Anything else: the host is gone; keep the entries
			 * until a reset drops them. */
			cq->blocked = true;
			break;
		}
		/* Posted, and their slots are empty: dying here loses nothing. */
		snap_fault_point(SNAP_FAULT_POST);
		for (i = 0; i < n; i++) {
			struct nvme_req *r = cq->pend_head;

			cq->pend_head = r->next;
			cq->nr_pend--;
			req_release(r);
		}
		if (!cq->pend_head) {
			cq->pend_tail = NULL;
			g->pending_cqs &= ~(1ull << cqid);
		}
		posted += n;
	}
	g->data_out.nr_segs = 0;
	return posted;
}

static void fold_one(uint64_t *to, uint64_t *from)
{
	if (*from)
		__atomic_fetch_add(to, *from, __ATOMIC_RELAXED);
	*from = 0;
}

/*
 * The group's SMART counts into the function state, where every group
 * adds (and a successor finds them): before the completions go out, so
 * that what the host saw complete is counted even if the daemon dies.
 */
static void fold_stats(struct nvme_group *g)
{
	struct nvme_ctrl_stats *to = g->c->stats;

	fold_one(&to->bytes_read, &g->stats.bytes_read);
	fold_one(&to->bytes_written, &g->stats.bytes_written);
	fold_one(&to->read_cmds, &g->stats.read_cmds);
	fold_one(&to->write_cmds, &g->stats.write_cmds);
	fold_one(&to->media_errors, &g->stats.media_errors);
}

static unsigned int flush_all_cqs(struct nvme_group *g)
{
	unsigned int qid, n = 0;

	if (g->pending_cqs)
		fold_stats(g);
	for (uint64_t m = g->pending_cqs; m; m &= m - 1) {
		qid = (unsigned int)__builtin_ctzll(m);
		n += cq_flush(g, (uint16_t)qid);
	}
	return n;
}

/*
 * Drop queued completions without posting them (reset), every group's:
 * the write lock held. Their buffers went back when they completed.
 */
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
	for (qid = 0; qid < c->nr_groups; qid++)
		c->groups[qid]->pending_cqs = 0;
}

/* ---- buffer waits ---- */

/* The pool is exhausted for now: run resume when a buffer may be free. */
void nvme_req_wait_buffer(struct nvme_req *r, nvme_req_step_t resume)
{
	struct nvme_group *g = r->g;

	r->resume = resume;
	req_list_add(&g->buf_wait_head, &g->buf_wait_tail, r);
}

/* Commands of an older generation only go (reset since they parked). */
static unsigned int run_buffer_waits(struct nvme_group *g)
{
	struct nvme_req *list = g->buf_wait_head, *r;
	unsigned int n = 0;

	g->buf_wait_head = g->buf_wait_tail = NULL;
	while ((r = list)) {
		list = r->next;
		if (r->gen != g->c->gen) {
			req_release(r);
			continue;
		}
		r->resume(r);
		/* parked again: no progress, or group_pass() would spin */
		if (g->buf_wait_tail != r)
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

static bool may_fetch(const struct nvme_group *g, uint16_t qid)
{
	const struct nvme_ctrl *c = g->c;

	if (c->state != NVME_CTRL_ENABLED || c->suspended)
		return false;
	if (!c->st->sq[qid].size || nvme_sq_deleting(c, qid))
		return false;
	/* a new read could meet a block a killed daemon left half written */
	if (qid && __atomic_load_n(&c->takeover_writes, __ATOMIC_ACQUIRE))
		return false;
	return g->nr_free > 0;
}

/*
 * Up to a batch of commands from SQ qid, each in a slot of the function
 * state by the time the host side returns them. All are taken before any
 * runs: one that completes at once frees its slot for the next fetch.
 */
static unsigned int fetch_batch(struct nvme_group *g, uint16_t qid)
{
	uint16_t slots[NVME_FETCH_BATCH];
	struct nvme_req *reqs[NVME_FETCH_BATCH];
	unsigned int n = g->nr_free < NVME_FETCH_BATCH ? g->nr_free : NVME_FETCH_BATCH;
	unsigned int i;
	int got;

	for (i = 0; i < n; i++)
		slots[i] = free_slot_peek(g, i);
	got = g->host->ops->sq_fetch(g->host, qid, slots, n, NULL);
	if (got <= 0)
		return 0;	/* empty, reset meanwhile, or host memory gone */
	snap_fault_point(SNAP_FAULT_FETCH);
	for (i = 0; i < (unsigned int)got; i++) {
		reqs[i] = req_get(g, qid);
		memcpy(&reqs[i]->cmd, g->c->st->inflight[reqs[i]->slot].sqe,
		       sizeof(reqs[i]->cmd));
	}
	for (i = 0; i < (unsigned int)got; i++)
		dispatch(reqs[i]);
	return (unsigned int)got;
}

static unsigned int sq_fetch(struct nvme_group *g, uint16_t qid)
{
	struct snap_queue_state *qs = &g->c->st->sq[qid];
	unsigned int total = 0, n;

	/* A tail beyond the ring is the host's bug; serve nothing until it
	 * writes a sane one. */
	if (qs->doorbell >= qs->size || qs->head >= qs->size)
		return 0;
	while (may_fetch(g, qid) && qs->head != qs->doorbell) {
		n = fetch_batch(g, qid);
		if (!n)
			break;
		total += n;
	}
	return total;
}

/* The group's I/O SQs, and with admin the admin SQ first. */
static unsigned int fetch_all(struct nvme_group *g, bool admin)
{
	const struct snap_fn_state *st = g->c->st;
	unsigned int qid, n = 0;

	if (admin && st->sq[0].size)
		n += sq_fetch(g, 0);
	/* A stale bit costs a check: the kernel may have cleared a queue
	 * (reset) before the engine hears of it. */
	for (uint64_t m = g->sqs; m; m &= m - 1) {
		qid = (unsigned int)__builtin_ctzll(m);
		if (st->sq[qid].size)
			n += sq_fetch(g, (uint16_t)qid);
	}
	return n;
}

/* ---- the controller handshake (home thread, write lock) ---- */

/* Queue bookkeeping of a controller that is reset. In-flight counts stay:
 * commands still at a backend come back and are counted out. */
static void forget_queues(struct nvme_ctrl *c)
{
	unsigned int qid;

	c->sqs_deleting = 0;
	for (qid = 0; qid < SNAP_NVME_MAX_QUEUES; qid++) {
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
 * the home group's buffer waits go; commands at the backend are dropped
 * when they return. The other groups drop their buffer waits and data
 * batches of the old generation in their next pass, on their own thread
 * (their buffers are their thread's): they are called for it.
 */
static void abandon_commands(struct nvme_ctrl *c)
{
	struct nvme_group *g0 = c->groups[0];
	struct nvme_req *w = g0->buf_wait_head, *next;
	unsigned int qid;

	c->gen++;
	nvme_ctrl_release_aers(c);
	/* Delete I/O SQ commands waiting for their queue to drain */
	c->sqs_deleting = 0;
	for (qid = 0; qid < SNAP_NVME_MAX_QUEUES; qid++) {
		struct nvme_req *del = c->sq[qid].delete_req;

		c->sq[qid].delete_req = NULL;
		if (del)
			nvme_req_complete(del, 0, 0);
	}
	drop_pending(c);
	g0->buf_wait_head = g0->buf_wait_tail = NULL;
	for (; w; w = next) {
		next = w->next;
		req_release(w);
	}
	kick_groups(c);
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
	if (!ctrl_nr_used(c))
		finish_disable(c);
}

static void shutdown_flush_next(struct nvme_ctrl *c);

static void shutdown_flush_done(struct bdev_io *io, int status)
{
	struct nvme_ctrl *c = io->priv;
	bool outside = !c->groups[0]->in_pass;

	(void)status;	/* nothing to report it to: shutdown completes */
	if (outside)
		ctrl_lock(c);
	nvme_ns_put(c->groups[0], c->ns[c->shutdown_step]);
	c->shutdown_step++;
	shutdown_flush_next(c);
	if (outside)
		ctrl_unlock(c);
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
				.tally = &c->groups[0]->backend_ios,
			};
			nvme_ns_hold(c->groups[0], ns);
			if (!bdev_submit(ns->bdev, &c->shutdown_bio))
				return;
			nvme_ns_put(c->groups[0], ns);
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
	if (ctrl_nr_used(c) != c->nr_aer)
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

	nvme_sq_set_deleting(c, qid, false);
	c->sq[qid].delete_req = NULL;
	ret = c->host->ops->queue_delete(c->host, &cfg);
	nvme_ctrl_queues_changed(c);
	if (del)
		nvme_req_complete(del, ret ? NVME_SC_INTERNAL : 0, 0);
}

/* The SQs being deleted whose last command has ended. */
static void finish_sq_deletes(struct nvme_ctrl *c)
{
	for (uint64_t m = c->sqs_deleting; m; m &= m - 1) {
		uint16_t qid = (uint16_t)__builtin_ctzll(m);

		if (!c->sq[qid].inflight)
			finish_sq_delete(c, qid);
	}
}

/* ---- passes ---- */

/*
 * The SQs the state holds, read again whenever queues may have come or
 * gone (queue create and delete, enable, disable, reset, take-over), so
 * that a pass visits only those, each in the group of its CQ.
 */
void nvme_ctrl_queues_changed(struct nvme_ctrl *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_groups; i++)
		c->groups[i]->sqs = 0;
	for (uint16_t qid = 1; qid < SNAP_NVME_MAX_QUEUES; qid++)
		if (c->st->sq[qid].size)
			c->groups[group_of_sq(c, qid)]->sqs |= 1ull << qid;
}

static unsigned int dispatch_list(struct nvme_req *list)
{
	struct nvme_req *r;
	unsigned int n = 0;

	for (; (r = list); n++) {
		list = r->next;
		dispatch(r);
	}
	return n;
}

/* Taken over after a restart: run again on the group's own thread. */
static unsigned int run_redo(struct nvme_group *g)
{
	struct nvme_req *list = g->redo_head;

	g->redo_head = g->redo_tail = NULL;
	return dispatch_list(list);
}

/* The reads taken over, once every write taken over has ended. */
static unsigned int run_takeover_reads(struct nvme_group *g)
{
	struct nvme_req *list = g->takeover_reads;

	if (!list || __atomic_load_n(&g->c->takeover_writes, __ATOMIC_ACQUIRE))
		return 0;
	g->takeover_reads = g->takeover_reads_tail = NULL;
	return dispatch_list(list);
}

/*
 * One group until nothing moves: backend completions, buffer waits,
 * fetches, data, completions. Nothing recurses: completions only queue
 * work here. With admin (the home thread, write lock) the admin queue
 * and the asynchronous events too.
 */
static int group_pass(struct nvme_group *g, bool admin)
{
	struct nvme_ctrl *c = g->c;
	int total = 0, n;
	unsigned int i;

	if (g->redo_head)
		total += (int)run_redo(g);
	do {
		n = 0;
		for (i = 0; i < c->ns_top; i++)
			if (c->ns[i])
				n += bdev_poll(c->ns[i]->bdev);
		n += run_buffer_waits(g);
		if (admin)
			nvme_aen_run(c);
		n += run_takeover_reads(g);
		n += fetch_all(g, admin);
		n += xfer_flush(g, &g->data_in);
		n += flush_all_cqs(g);
		total += n;
	} while (n);
	return total;
}

/* The home thread's whole pass: the controller's steps and group 0. */
static int control_pass(struct nvme_ctrl *c)
{
	int n;

	__atomic_store_n(&c->control, 0, __ATOMIC_RELAXED);
	finish_sq_deletes(c);
	n = group_pass(c->groups[0], true);
	finish_sq_deletes(c);
	if (c->state == NVME_CTRL_DISABLING && !ctrl_nr_used(c))
		finish_disable(c);
	maybe_finish_shutdown(c);
	return n;
}

/*
 * What only the home thread may do is waiting: admin commands, a group's
 * call, or a reset or shutdown that ends once the groups drained. The
 * fields read here are the home thread's own or the kernel's.
 */
static bool control_due(const struct nvme_ctrl *c)
{
	const struct snap_queue_state *asq = &c->st->sq[0];

	if (c->nr_groups == 1 || __atomic_load_n(&c->control, __ATOMIC_ACQUIRE))
		return true;
	if (asq->size && asq->head != asq->doorbell)
		return true;
	return c->state == NVME_CTRL_DISABLING ||
	       c->state == NVME_CTRL_SHUTTING_DOWN;
}

/* The home thread: group 0 under the read lock while only I/O is due. */
static int home_pass(struct nvme_ctrl *c)
{
	struct nvme_group *g0 = c->groups[0];
	int n = 0;

	if (!control_due(c)) {
		group_lock(g0);
		n = group_pass(g0, false);
		group_unlock(g0);
		if (!control_due(c))
			return n;
	}
	ctrl_lock(c);
	n += control_pass(c);
	ctrl_unlock(c);
	return n;
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

/* A controller register event: the CC handshake, or a function reset. */
static void ctrl_event(struct nvme_ctrl *c, const struct snap_event *ev)
{
	ctrl_lock(c);
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
	default:
		ctrl_disable(c, false);	/* SNAP_EV_FUNC_RESET */
		break;
	}
	nvme_ctrl_queues_changed(c);
	control_pass(c);
	ctrl_unlock(c);
}

/*
 * A doorbell of group g's queues (or a kick). The host side stores the
 * latest SQ tail in the state before the (coalesced) event; the event
 * only says "look". Most CQ doorbells only return room nobody waits
 * for; the next poll serves the rest.
 */
static bool doorbell_wants_pass(struct nvme_group *g, const struct snap_event *ev)
{
	bool blocked;

	if (ev->type != SNAP_EV_CQ_DOORBELL)
		return true;
	group_lock(g);
	blocked = doorbell_cq(g->c, ev->qid);
	group_unlock(g);
	return blocked;
}

void nvme_ctrl_event(struct nvme_ctrl *c, const struct snap_event *ev)
{
	switch (ev->type) {
	case SNAP_EV_CTRL_ENABLE:
	case SNAP_EV_CTRL_DISABLE:
	case SNAP_EV_CTRL_SHUTDOWN:
	case SNAP_EV_FUNC_RESET:
		ctrl_event(c, ev);
		return;
	case SNAP_EV_SQ_DOORBELL:
	case SNAP_EV_CQ_DOORBELL:
		if (nvme_ctrl_event_group(c, ev)) {
			/* another group's queue, not routed to it: its CQ's
			 * room under the write lock, and its thread called */
			ctrl_lock(c);
			if (ev->type == SNAP_EV_CQ_DOORBELL)
				doorbell_cq(c, ev->qid);
			ctrl_unlock(c);
			kick(c, nvme_ctrl_event_group(c, ev));
			return;
		}
		if (doorbell_wants_pass(c->groups[0], ev))
			home_pass(c);
		return;
	default:
		return;
	}
}

int nvme_ctrl_poll(struct nvme_ctrl *c)
{
	return home_pass(c);
}

static int other_group_pass(struct nvme_ctrl *c, unsigned int g)
{
	struct nvme_group *grp;
	int n;

	if (!g || g >= c->nr_groups)
		return 0;
	grp = c->groups[g];
	group_lock(grp);
	n = group_pass(grp, false);
	group_unlock(grp);
	return n;
}

void nvme_ctrl_group_event(struct nvme_ctrl *c, unsigned int g,
			   const struct snap_event *ev)
{
	if (!g || g >= c->nr_groups)
		return;
	if (doorbell_wants_pass(c->groups[g], ev))
		other_group_pass(c, g);
}

int nvme_ctrl_group_poll(struct nvme_ctrl *c, unsigned int g)
{
	return other_group_pass(c, g);
}

void nvme_ctrl_group_exit(struct nvme_ctrl *c, unsigned int g)
{
	if (g >= c->nr_groups)
		return;
	group_lock(c->groups[g]);
	group_free_scratch(c->groups[g]);
	group_unlock(c->groups[g]);
}

void nvme_ctrl_suspend(struct nvme_ctrl *c)
{
	ctrl_lock(c);
	c->suspended = true;
	ctrl_unlock(c);
}

/*
 * A new generation: every command in hand is then the old controller's,
 * which xfer_queue() and nvme_req_complete() only release. The SMART
 * counters in the function state are the next controller's.
 */
void nvme_ctrl_retire(struct nvme_ctrl *c)
{
	ctrl_lock(c);
	c->suspended = true;
	c->gen++;
	c->stats = &c->own_stats;
	ctrl_unlock(c);
	kick_groups(c);
}

void nvme_ctrl_resume(struct nvme_ctrl *c)
{
	ctrl_lock(c);
	c->suspended = false;
	control_pass(c);
	ctrl_unlock(c);
	/* doorbells rung while suspended found nothing to fetch */
	kick_groups(c);
}

/* ---- take-over after a restart ---- */

static int by_fetch_order(const void *a, const void *b, void *arg)
{
	const struct snap_inflight_slot *slots = arg;
	uint64_t sa = slots[*(const uint16_t *)a].seq;
	uint64_t sb = slots[*(const uint16_t *)b].seq;

	return sa < sb ? -1 : sa > sb;
}

/*
 * The slots the host side holds: all of them in busy[], and those of the
 * current controller in order[], fetch order. One of an older generation
 * is not run, but stays held until the host side empties it, and a fetch
 * naming it would be refused whole, so none may be dealt as free.
 */
static unsigned int slots_to_rerun(const struct nvme_ctrl *c, uint16_t *order,
				   bool *busy)
{
	const struct snap_inflight_slot *slots = c->st->inflight;
	unsigned int i, n = 0;

	for (i = 0; i < SNAP_INFLIGHT_MAX; i++) {
		const struct snap_inflight_slot *s = &slots[i];

		busy[i] = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & SNAP_INFLIGHT_USED;
		if (!busy[i])
			continue;
		if (s->gen != c->st->enable_count || s->sqid >= SNAP_NVME_MAX_QUEUES ||
		    !c->st->sq[s->sqid].size)
			continue;
		order[n++] = (uint16_t)i;
	}
	qsort_r(order, n, sizeof(*order), by_fetch_order, (void *)slots);
	return n;
}

/* An I/O command that changes what a namespace holds. */
static bool changes_media(const struct nvme_req *r)
{
	if (!r->sqid)
		return false;
	switch (r->cmd.opc) {
	case NVME_IO_WRITE:
	case NVME_IO_WRITE_ZEROES:
	case NVME_IO_DSM:
		return true;
	default:
		return false;
	}
}

/*
 * The command in slot, for its SQ's group to run again: admin commands
 * and writes at once, the other I/O commands after the last write
 * (nvme_ctrl.takeover_writes says why).
 */
static void req_take_over(struct nvme_ctrl *c, uint16_t slot)
{
	const struct snap_inflight_slot *s = &c->st->inflight[slot];
	struct nvme_group *g = c->groups[group_of_sq(c, s->sqid)];
	struct nvme_req *r = req_init(g, slot, s->sqid);

	r->recovered = true;
	memcpy(&r->cmd, s->sqe, sizeof(r->cmd));
	if (changes_media(r)) {
		r->takeover_write = true;
		__atomic_add_fetch(&c->takeover_writes, 1, __ATOMIC_RELAXED);
	} else if (r->sqid) {
		req_list_add(&g->takeover_reads, &g->takeover_reads_tail, r);
		return;
	}
	req_list_add(&g->redo_head, &g->redo_tail, r);
}

/*
 * A new daemon on a live controller: run again, in the order they were
 * fetched, the commands its predecessor fetched and did not complete,
 * each on the thread of its queue's group.
 */
int nvme_ctrl_recover(struct nvme_ctrl *c)
{
	bool busy[SNAP_INFLIGHT_MAX];
	uint16_t order[SNAP_INFLIGHT_MAX];
	unsigned int i, n;

	ctrl_lock(c);
	nvme_ctrl_queues_changed(c);
	if (!(c->st->csts & NVME_CSTS_RDY) || ctrl_nr_used(c)) {
		ctrl_unlock(c);
		return 0;
	}
	c->state = NVME_CTRL_ENABLED;
	n = slots_to_rerun(c, order, busy);
	deal_slots(c, busy);
	for (i = 0; i < n; i++)
		req_take_over(c, order[i]);
	control_pass(c);
	ctrl_unlock(c);
	kick_groups(c);
	return (int)n;
}
