// SPDX-License-Identifier: GPL-2.0
/* The virtio-blk controller engine; see vblk_ctrl.h. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>

#include "blk.h"
#include "hostmem.h"
#include "../iostats.h"
#include "../log.h"
#include "vblk_ctrl.h"

/* fn_state.csts bit the kernel sets once DRIVER_OK was answered (RDY). */
#define SNAP_VBLK_LIVE	1u

/* Data staged per step of a large request: one pool buffer at most. */
#define VBLK_CHUNK		SNAP_HOST_BUF_MAX
/* Segments one post moves: its entries' status bytes and reads' data. */
#define VBLK_POST_SEGS		SNAP_DMA_MAX_SEGS

struct vblk_vq {
	struct vq_geom g;
	bool live;		/* set up by the driver, served */
	bool broken;		/* the driver broke it: the device needs reset */
	bool kick;		/* chains may be waiting in the available ring */
	struct snap_vq_used_elem used[SNAP_USED_MAX_BATCH];
	uint16_t used_slot[SNAP_USED_MAX_BATCH];
	unsigned int nr_used;
	unsigned int nr_segs;	/* the batch's status bytes and reads' data */
	/* in_order: the chains not yet used, oldest first, linked through
	 * vblk_ctrl.order_next (empty when order_len is 0) */
	uint16_t order_first, order_last;
	unsigned int order_len;
};

/* One chain being served. */
struct vblk_ioreq {
	struct vblk_ctrl *c;
	struct vblk_ioreq *next;	/* waiting for a buffer */
	uint32_t gen;			/* the engine's generation at fetch */
	uint16_t slot;
	uint16_t vq;
	uint64_t start_ns;		/* fetched, for iostats */
	bool takeover_write;		/* counted in vblk_ctrl.takeover_writes */
	struct vblk_req r;
	struct bdev_io ios[VBLK_MAX_RANGES];
	uint32_t ios_left;
	/* staging: one buffer, reused for each chunk of IN / OUT */
	uint8_t *buf;
	uint32_t buf_len;
	uint64_t base;			/* IN / OUT: backend offset of the data */
	uint32_t done;			/* IN / OUT: data bytes moved so far */
	uint32_t chunk;			/* IN / OUT: bytes of the current chunk */
	/* IN: the last chunk goes to the host with the used entry, in this
	 * many segments (vblk_ctrl.with_used) */
	uint32_t nr_with_used;
	struct vq_seg segs[];		/* seg_max + VBLK_EXTRA_SEGS */
};

struct vblk_ctrl {
	struct snap_host *h;
	struct vblk_ctrl_cfg cfg;
	struct vblk_dev dev;
	struct hostmem mem;
	struct vq_mem vqm;
	struct vblk_vq vqs[SNAP_VIRTIO_MAX_QUEUES];
	uint16_t nr_vqs;
	bool enabled;
	uint32_t enable_count;		/* the function's, when we enabled */
	bool suspended;
	bool disable_pending;		/* answer DISABLE once idle */
	uint32_t gen;			/* moves on at every reset */
	unsigned int outstanding;	/* requests alive */
	unsigned int backend_ios;	/* their bdev_ios at the backend (tally) */
	struct vblk_ioreq *wait_head, *wait_tail;
	bool retrying;			/* a waiting request failed again: keep it first */
	/*
	 * Writes taken over from a killed daemon and not yet finished. That
	 * daemon may have died inside one's copy to the backend, leaving a
	 * block half written, which only the write, run again, repairs:
	 * until none is left nothing is fetched, and the other requests
	 * taken over wait in takeover_reads (linked by next).
	 */
	unsigned int takeover_writes;
	struct vblk_ioreq *takeover_reads, *takeover_reads_tail;
	bool slot_busy[SNAP_INFLIGHT_MAX];
	uint16_t slot_cursor;
	/* in_order, per slot: the next chain of its queue, and the used
	 * entry of a chain answered before an older one */
	uint16_t order_next[SNAP_INFLIGHT_MAX];
	bool held[SNAP_INFLIGHT_MAX];
	struct snap_vq_used_elem held_elem[SNAP_INFLIGHT_MAX];
	/*
	 * Per slot, the status byte of its answered chain, in pool memory
	 * (SNAP_INFLIGHT_MAX bytes from buf_alloc), and where it goes: it
	 * reaches the driver in the call that posts the used entry.
	 */
	uint8_t *status;
	uint64_t status_addr[SNAP_INFLIGHT_MAX];
	/*
	 * Per slot, an answered read whose last chunk of data waits in its
	 * buffer to go in the call that posts its used entry, as its status
	 * byte does; the request lives until then.
	 */
	struct vblk_ioreq *with_used[SNAP_INFLIGHT_MAX];
	struct snap_host_seg post_segs[VBLK_POST_SEGS];
	struct vblk_ctrl_stats stats;
};

#define VBLK_STATUS_BUF	4096u	/* one pool piece for the status bytes */
static_assert(SNAP_INFLIGHT_MAX <= VBLK_STATUS_BUF, "a status byte per slot");
static_assert(sizeof(struct vring_desc) == SNAP_VRING_DESC_SIZE,
	      "a chain start holds the driver's descriptors as they are");

static void run_request(struct vblk_ioreq *q);

static void report(struct vblk_ctrl *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!c->cfg.report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->cfg.report(c->cfg.report_arg, msg);
}

void vblk_ctrl_cfg_default(struct vblk_ctrl_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_queues = 1;
	cfg->seg_max = 128;
	cfg->max_discard_sectors = 1u << 21;	/* 1 GiB, as the module offers */
	cfg->max_discard_seg = VBLK_MAX_RANGES;
	cfg->max_write_zeroes_sectors = 1u << 21;
	cfg->max_write_zeroes_seg = VBLK_MAX_RANGES;
}

/* ---- host memory as the chain walker reads it ---- */

static int vqm_read(void *ctx, uint64_t addr, void *buf, uint32_t len)
{
	return hostmem_read(ctx, addr, buf, len);
}

/* ---- life ---- */

static bool cfg_ok(const struct vblk_ctrl_cfg *cfg)
{
	return cfg->num_queues && cfg->num_queues <= SNAP_VIRTIO_MAX_QUEUES &&
	       cfg->seg_max && cfg->seg_max <= UINT16_MAX &&
	       cfg->max_discard_seg && cfg->max_discard_seg <= VBLK_MAX_RANGES &&
	       cfg->max_write_zeroes_seg &&
	       cfg->max_write_zeroes_seg <= VBLK_MAX_RANGES;
}

struct vblk_ctrl *vblk_ctrl_create(const struct vblk_ctrl_cfg *cfg,
				   struct snap_host *h)
{
	struct vblk_ctrl *c;

	if (!cfg_ok(cfg))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->h = h;
	c->cfg = *cfg;
	if (hostmem_init(&c->mem, h))
		goto free_ctrl;
	c->status = h->ops->buf_alloc(h, VBLK_STATUS_BUF);
	if (!c->status)
		goto fini_mem;
	c->vqm = (struct vq_mem){ .read = vqm_read, .ctx = &c->mem };
	c->dev.read_only = cfg->read_only;
	c->dev.seg_max = cfg->seg_max;
	c->dev.size_max = cfg->size_max;
	c->dev.max_discard_sectors = cfg->max_discard_sectors;
	c->dev.max_discard_seg = cfg->max_discard_seg;
	c->dev.max_write_zeroes_sectors = cfg->max_write_zeroes_sectors;
	c->dev.max_write_zeroes_seg = cfg->max_write_zeroes_seg;
	vblk_dev_set_serial(&c->dev, cfg->serial);
	return c;

fini_mem:
	hostmem_fini(&c->mem);
free_ctrl:
	free(c);
	return NULL;
}

static void free_request(struct vblk_ioreq *q)
{
	struct vblk_ctrl *c = q->c;

	if (q->buf)
		c->h->ops->buf_free(c->h, q->buf, q->buf_len);
	if (q->takeover_write)
		c->takeover_writes--;
	c->outstanding--;
	free(q);
}

/* q at the end of the list from *head to *tail, linked by next. */
static void ioreq_list_add(struct vblk_ioreq **head, struct vblk_ioreq **tail,
			   struct vblk_ioreq *q)
{
	q->next = NULL;
	if (*tail)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

/* The requests of a list that have not run (or wait to run again). */
static void free_unstarted(struct vblk_ioreq **head, struct vblk_ioreq **tail)
{
	struct vblk_ioreq *q;

	while ((q = *head)) {
		*head = q->next;
		free_request(q);
	}
	*tail = NULL;
}

/* The read held for slot's used entry, if any, is done with. */
static void release_with_used(struct vblk_ctrl *c, uint16_t slot)
{
	struct vblk_ioreq *q = c->with_used[slot];

	if (q) {
		c->with_used[slot] = NULL;
		free_request(q);
	}
}

/* Reads held for posts that will not be made: a reset, the end. */
static void release_all_with_used(struct vblk_ctrl *c)
{
	for (unsigned int i = 0; i < SNAP_INFLIGHT_MAX; i++)
		release_with_used(c, (uint16_t)i);
}

void vblk_ctrl_destroy(struct vblk_ctrl *c)
{
	if (!c)
		return;
	release_all_with_used(c);
	free_unstarted(&c->wait_head, &c->wait_tail);
	free_unstarted(&c->takeover_reads, &c->takeover_reads_tail);
	if (c->status)
		c->h->ops->buf_free(c->h, c->status, VBLK_STATUS_BUF);
	hostmem_fini(&c->mem);
	free(c);
}

int vblk_ctrl_attach_bdev(struct vblk_ctrl *c, struct bdev *b)
{
	if (c->dev.bdev)
		return -EEXIST;
	c->dev.bdev = b;
	return 0;
}

int vblk_ctrl_detach_bdev(struct vblk_ctrl *c)
{
	if (!c->dev.bdev)
		return -ENOENT;
	if (c->outstanding)
		return -EBUSY;
	c->dev.bdev = NULL;
	return 0;
}

bool vblk_ctrl_idle(const struct vblk_ctrl *c)
{
	return !c->outstanding;
}

bool vblk_ctrl_backend_idle(const struct vblk_ctrl *c)
{
	return !c->backend_ios;
}

bool vblk_ctrl_vq_broken(const struct vblk_ctrl *c, uint16_t vq)
{
	return vq < SNAP_VIRTIO_MAX_QUEUES && c->vqs[vq].broken;
}

void vblk_ctrl_get_stats(const struct vblk_ctrl *c, struct vblk_ctrl_stats *s)
{
	*s = c->stats;
}

/*
 * A queue the driver broke stops; its chains stay unanswered in their
 * slots until the driver resets the device, which DEVICE_NEEDS_RESET and
 * its configuration interrupt ask for (virtio 1.2 section 2.1.2). The
 * other queues keep serving meanwhile, as a driver may read their
 * answers before it resets.
 */
static void vq_break(struct vblk_ctrl *c, uint16_t vq, const char *why)
{
	int ret;

	if (c->vqs[vq].broken)
		return;
	c->vqs[vq].broken = true;
	c->vqs[vq].live = false;
	c->stats.broken_queues++;
	report(c, "virtqueue %u: %s: the device needs reset; queue stopped",
	       vq, why);
	ret = c->h->ops->fn_fatal(c->h);
	if (ret)
		report(c, "virtqueue %u: setting DEVICE_NEEDS_RESET: %s", vq,
		       strerror(-ret));
}

/* ---- used entries ---- */

/*
 * The segments that go with slot's used entry: the last chunk of its
 * read's data when held for it, then its status byte. Returns how many
 * (counted when the read was held, from the same arguments).
 */
static unsigned int entry_segs(struct vblk_ctrl *c, uint16_t slot,
			       struct snap_host_seg *out)
{
	const struct vblk_ioreq *q = c->with_used[slot];
	unsigned int n = 0;

	if (q)
		n = (unsigned int)hostmem_segs(q->r.data, q->r.nr_data, q->done - q->chunk,
					       q->buf, q->chunk, out, q->nr_with_used);
	out[n++] = (struct snap_host_seg){ .host_addr = c->status_addr[slot],
					   .local = &c->status[slot], .len = 1 };
	return n;
}

/*
 * A read whose data host memory refused after it was answered: now an
 * I/O error, in its status byte, its used length and the counters.
 */
static void read_data_refused(struct vblk_ctrl *c, const struct vblk_ioreq *q,
			      struct snap_vq_used_elem *e)
{
	report(c, "virtqueue %u: moving the data of chain %u: refused", q->vq, e->id);
	c->status[q->slot] = VIRTIO_BLK_S_IOERR;
	e->len = 1;
	c->stats.io_errors++;
	io_stats_read_failed_late(&c->h->state->stats[q->vq], q->r.data_len);
}

/*
 * The batch's segments could not go with it: each entry's alone, its
 * read's data first, so that only a read whose memory host refuses turns
 * into an error. An entry whose status byte it refuses leaves the batch
 * (nothing is posted without its status; the reset the host is making
 * empties their slots). Returns how many are left.
 */
static unsigned int move_segs_alone(struct vblk_ctrl *c, uint16_t vq)
{
	struct vblk_vq *v = &c->vqs[vq];
	struct snap_host_seg *segs = c->post_segs;
	unsigned int i, nr, n = 0;
	int ret;

	for (i = 0; i < v->nr_used; i++) {
		uint16_t slot = v->used_slot[i];

		nr = entry_segs(c, slot, segs);
		if (nr > 1 && c->h->ops->dma(c->h, SNAP_DMA_TO_HOST, segs, nr - 1))
			read_data_refused(c, c->with_used[slot], &v->used[i]);
		release_with_used(c, slot);
		ret = c->h->ops->dma(c->h, SNAP_DMA_TO_HOST, &segs[nr - 1], 1);
		if (ret) {
			report(c, "virtqueue %u: writing the status of chain %u: %s", vq,
			       v->used[i].id, strerror(-ret));
			continue;
		}
		v->used[n] = v->used[i];
		v->used_slot[n++] = slot;
	}
	return n;
}

/* The batch's entries, each with its status byte and data in the same call. */
static int post_used(struct vblk_ctrl *c, uint16_t vq)
{
	struct vblk_vq *v = &c->vqs[vq];
	unsigned int i, nr = 0;
	int ret;

	for (i = 0; i < v->nr_used; i++)
		nr += entry_segs(c, v->used_slot[i], &c->post_segs[nr]);
	ret = c->h->ops->vq_post(c->h, vq, v->used, v->used_slot, v->nr_used, 1,
				 c->post_segs, nr);
	if (ret != -EIO && ret != -EINVAL)
		return ret;
	v->nr_used = move_segs_alone(c, vq);
	if (!v->nr_used)
		return 0;
	return c->h->ops->vq_post(c->h, vq, v->used, v->used_slot, v->nr_used, 1,
				  NULL, 0);
}

static void flush_used(struct vblk_ctrl *c, uint16_t vq)
{
	struct vblk_vq *v = &c->vqs[vq];
	int ret;

	if (!v->nr_used)
		return;
	ret = post_used(c, vq);
	if (ret) {
		/* the slots stay the kernel's until it resets them */
		report(c, "virtqueue %u: posting %u used entries: %s", vq,
		       v->nr_used, strerror(-ret));
	} else {
		/* Posted, and the kernel emptied their slots: dying here
		 * loses nothing and repeats nothing. */
		snap_fault_point(SNAP_FAULT_POST);
		for (unsigned int i = 0; i < v->nr_used; i++)
			c->slot_busy[v->used_slot[i]] = false;
	}
	for (unsigned int i = 0; i < v->nr_used; i++)
		release_with_used(c, v->used_slot[i]);
	v->nr_used = 0;
	v->nr_segs = 0;
}

static void flush_all_used(struct vblk_ctrl *c)
{
	for (uint16_t i = 0; i < c->nr_vqs; i++)
		flush_used(c, i);
}

static void batch_used(struct vblk_ctrl *c, uint16_t vq, uint16_t slot,
		       struct snap_vq_used_elem elem)
{
	struct vblk_vq *v = &c->vqs[vq];
	const struct vblk_ioreq *q = c->with_used[slot];
	unsigned int need = 1 + (q ? q->nr_with_used : 0);

	if (v->nr_segs + need > VBLK_POST_SEGS)
		flush_used(c, vq);
	v->used[v->nr_used] = elem;
	v->used_slot[v->nr_used++] = slot;
	v->nr_segs += need;
	if (v->nr_used == SNAP_USED_MAX_BATCH)
		flush_used(c, vq);
}

/*
 * in_order: a chain taken off the available ring joins its queue's line,
 * not answered yet whatever its slot held before a reset.
 */
static void order_append(struct vblk_ctrl *c, uint16_t vq, uint16_t slot)
{
	struct vblk_vq *v = &c->vqs[vq];

	c->held[slot] = false;
	if (v->order_len++)
		c->order_next[v->order_last] = slot;
	else
		v->order_first = slot;
	v->order_last = slot;
}

/* in_order: the answered chains at the front of the line are used. */
static void order_release(struct vblk_ctrl *c, uint16_t vq)
{
	struct vblk_vq *v = &c->vqs[vq];

	while (v->order_len && c->held[v->order_first]) {
		uint16_t slot = v->order_first;

		v->order_first = c->order_next[slot];
		v->order_len--;
		batch_used(c, vq, slot, c->held_elem[slot]);
	}
}

static void queue_used(struct vblk_ctrl *c, uint16_t vq, uint16_t slot,
		       uint16_t head, uint32_t len)
{
	struct snap_vq_used_elem elem = { .id = head, .len = len };

	if (!c->cfg.in_order) {
		batch_used(c, vq, slot, elem);
		return;
	}
	c->held[slot] = true;
	c->held_elem[slot] = elem;
	order_release(c, vq);
}

/* ---- answering ---- */

/* The request's kind and data for its virtqueue's statistics. */
static void account_io(const struct vblk_ioreq *q)
{
	bool ok = q->r.status == VIRTIO_BLK_S_OK;
	enum io_kind kind;

	switch (q->r.type) {
	case VIRTIO_BLK_T_IN:
		kind = IO_READ;
		break;
	case VIRTIO_BLK_T_OUT:
		kind = IO_WRITE;
		break;
	case VIRTIO_BLK_T_DISCARD:
		kind = IO_UNMAP;
		break;
	case VIRTIO_BLK_T_FLUSH:
		kind = IO_FLUSH;
		break;
	default:
		kind = IO_OTHER;
		break;
	}
	io_stats_done(&q->c->h->state->stats[q->vq], kind,
		      ok && (kind == IO_READ || kind == IO_WRITE) ? q->r.data_len : 0, q->start_ns, !ok);
}

/*
 * r->status and r->used_len are set: the status byte waits in the pool
 * for its used entry, and a read's last chunk of data in its buffer, and
 * all reach the driver in one call (post_used). Counted here, before that
 * call, so that a daemon killed after it has counted what the driver saw;
 * a byte host memory refuses then (the host is resetting the function)
 * leaves a chain counted but not used, and refused data is counted again
 * as an error (read_data_refused).
 */
static void answer(struct vblk_ioreq *q)
{
	struct vblk_ctrl *c = q->c;
	bool held = q->nr_with_used;

	if (q->gen != c->gen) {		/* the device was reset meanwhile */
		free_request(q);
		return;
	}
	c->status[q->slot] = q->r.status;
	c->status_addr[q->slot] = q->r.status_addr;
	c->stats.requests++;
	if (q->r.status == VIRTIO_BLK_S_IOERR)
		c->stats.io_errors++;
	account_io(q);
	if (held)
		c->with_used[q->slot] = q;	/* freed once posted */
	queue_used(c, q->vq, q->slot, q->r.head, q->r.used_len);
	if (!held)
		free_request(q);
}

static void finish(struct vblk_ioreq *q)
{
	vblk_req_finish(&q->r);
	answer(q);
}

/* ---- staging buffers ---- */

static bool get_buffer(struct vblk_ioreq *q, uint32_t len)
{
	if (!len || q->buf)
		return true;
	q->buf = q->c->h->ops->buf_alloc(q->c->h, len);
	if (!q->buf)
		return false;
	q->buf_len = len;
	return true;
}

/* Out of pool buffers: the request runs again from poll. */
static void wait_for_buffer(struct vblk_ioreq *q)
{
	struct vblk_ctrl *c = q->c;

	if (c->retrying) {
		q->next = c->wait_head;
		c->wait_head = q;
		if (!c->wait_tail)
			c->wait_tail = q;
		return;
	}
	ioreq_list_add(&c->wait_head, &c->wait_tail, q);
}

/* ---- IN / OUT: the data in chunks of at most one pool buffer ---- */

static void rw_step(struct vblk_ioreq *q);

static int rw_xfer(struct vblk_ioreq *q, enum snap_dma_dir dir)
{
	return hostmem_xfer(&q->c->mem, dir, q->r.data, q->r.nr_data, q->done,
			    q->buf, q->chunk);
}

/*
 * A read's chunk to the host: the last one goes in the call that posts
 * the used entry (answer) when its segments fit in one post; the others
 * move now.
 */
static int send_read_chunk(struct vblk_ioreq *q)
{
	int n;

	if (q->done + q->chunk == q->r.data_len) {
		n = hostmem_segs(q->r.data, q->r.nr_data, q->done, q->buf, q->chunk,
				 NULL, VBLK_POST_SEGS - 1);
		if (n > 0) {
			q->nr_with_used = (uint32_t)n;
			return 0;
		}
	}
	return rw_xfer(q, SNAP_DMA_TO_HOST);
}

static void rw_chunk_done(struct bdev_io *io, int status)
{
	struct vblk_ioreq *q = io->priv;

	if (!status && q->r.type == VIRTIO_BLK_T_IN && q->gen == q->c->gen)
		status = send_read_chunk(q);
	if (status) {
		vblk_req_io_done(&q->r, status);
		finish(q);
		return;
	}
	q->done += q->chunk;
	rw_step(q);
}

static void rw_step(struct vblk_ioreq *q)
{
	struct vblk_ctrl *c = q->c;
	struct bdev_io *io = &q->ios[0];
	int ret;

	if (q->done == q->r.data_len || q->gen != c->gen) {
		finish(q);
		return;
	}
	q->chunk = q->r.data_len - q->done;
	if (q->chunk > q->buf_len)
		q->chunk = q->buf_len;
	if (q->r.type == VIRTIO_BLK_T_OUT) {
		ret = rw_xfer(q, SNAP_DMA_FROM_HOST);
		if (ret) {
			vblk_req_io_done(&q->r, ret);
			finish(q);
			return;
		}
	}
	io->offset = q->base + q->done;
	io->len = q->chunk;
	io->buf = q->buf;
	io->done = rw_chunk_done;
	io->priv = q;
	io->tally = &c->backend_ios;
	ret = bdev_submit(c->dev.bdev, io);
	if (ret) {
		vblk_req_io_done(&q->r, ret);
		finish(q);
	}
}

static void run_read_write(struct vblk_ioreq *q)
{
	uint32_t len = q->r.data_len < VBLK_CHUNK ? q->r.data_len : VBLK_CHUNK;

	if (!get_buffer(q, len)) {
		wait_for_buffer(q);
		return;
	}
	vblk_req_build_io(&q->c->dev, &q->r, q->buf, q->ios);
	q->base = q->ios[0].offset;
	rw_step(q);
}

/* ---- FLUSH, GET_ID, DISCARD, WRITE_ZEROES: small or no data ---- */

static void other_done(struct vblk_ioreq *q)
{
	int ret;

	if (q->r.xfer == VBLK_XFER_TO_HOST && !q->r.io_status &&
	    q->gen == q->c->gen) {
		ret = hostmem_xfer(&q->c->mem, SNAP_DMA_TO_HOST, q->r.data,
				   q->r.nr_data, 0, q->buf, q->r.data_len);
		vblk_req_io_done(&q->r, ret);
	}
	finish(q);
}

static void other_io_done(struct bdev_io *io, int status)
{
	struct vblk_ioreq *q = io->priv;

	vblk_req_io_done(&q->r, status);
	if (!--q->ios_left)
		other_done(q);
}

static void run_other(struct vblk_ioreq *q)
{
	struct vblk_ctrl *c = q->c;
	uint32_t n;

	if (!get_buffer(q, q->r.data_len)) {
		wait_for_buffer(q);
		return;
	}
	n = vblk_req_build_io(&c->dev, &q->r, q->buf, q->ios);
	if (!n) {
		other_done(q);
		return;
	}
	/* one more than the ios, so none completing inline ends it early */
	q->ios_left = n + 1;
	for (uint32_t i = 0; i < n; i++) {
		int ret;

		q->ios[i].done = other_io_done;
		q->ios[i].priv = q;
		q->ios[i].tally = &c->backend_ios;
		ret = bdev_submit(c->dev.bdev, &q->ios[i]);
		if (ret)
			other_io_done(&q->ios[i], ret);
	}
	other_io_done(&(struct bdev_io){ .priv = q }, 0);
}

static void run_request(struct vblk_ioreq *q)
{
	if (q->r.type == VIRTIO_BLK_T_IN || q->r.type == VIRTIO_BLK_T_OUT)
		run_read_write(q);
	else
		run_other(q);
}

/* ---- chains ---- */

/*
 * The chain in slot, parsed: the request to run, or NULL when it was
 * answered or broke its queue at once. peek: NULL, or what the fetch
 * read of the chain's first buffer.
 */
static struct vblk_ioreq *take_chain(struct vblk_ctrl *c, uint16_t vq,
				     uint16_t slot, const struct snap_vq_peek *peek)
{
	const struct snap_inflight_slot *s = &c->h->state->inflight[slot];
	uint32_t nsegs = c->dev.seg_max + VBLK_EXTRA_SEGS;
	struct vblk_ioreq *q = calloc(1, sizeof(*q) + nsegs * sizeof(q->segs[0]));
	/* a copy: the kernel's slot, but in the daemon's writable mapping */
	struct snap_vq_chain_start start = s->vq;
	uint16_t head = start.head;
	enum vblk_next next;

	if (!q) {
		/* the slot keeps the chain: a later daemon, or a reset, ends it */
		report(c, "virtqueue %u: no memory for chain %u", vq, head);
		return NULL;
	}
	q->c = c;
	q->gen = c->gen;
	q->slot = slot;
	q->vq = vq;
	q->start_ns = io_stats_now();
	c->outstanding++;
	if (c->cfg.in_order)
		order_append(c, vq, slot);
	next = vblk_req_parse(&c->dev, &c->vqs[vq].g, &c->vqm, head, &start,
			      peek, q->segs, nsegs, &q->r);
	switch (next) {
	case VBLK_NEXT_RESET:
		vq_break(c, vq, q->r.err ? vq_err_str(q->r.err) :
			 "a chain without a status byte");
		free_request(q);
		break;
	case VBLK_NEXT_ANSWER:
		answer(q);
		break;
	case VBLK_NEXT_IO:
		return q;
	}
	return NULL;
}

static void start_chain(struct vblk_ctrl *c, uint16_t vq, uint16_t slot,
			const struct snap_vq_peek *peek)
{
	struct vblk_ioreq *q = take_chain(c, vq, slot, peek);

	if (q)
		run_request(q);
}

/* Up to max slots this engine may offer to SQ_FETCH. */
static unsigned int free_slots(struct vblk_ctrl *c, uint16_t *slots,
			       unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SNAP_INFLIGHT_MAX && n < max; i++) {
		uint16_t s = (uint16_t)((c->slot_cursor + i) % SNAP_INFLIGHT_MAX);

		if (!c->slot_busy[s])
			slots[n++] = s;
	}
	if (n)
		c->slot_cursor = (uint16_t)((slots[n - 1] + 1) % SNAP_INFLIGHT_MAX);
	return n;
}

static bool may_fetch(const struct vblk_ctrl *c, uint16_t vq)
{
	return c->enabled && !c->suspended && !c->disable_pending &&
	       c->dev.bdev && vq < c->nr_vqs && c->vqs[vq].live &&
	       !c->takeover_writes;
}

/* Takes every chain the driver made available, then starts them. */
static void fetch_vq(struct vblk_ctrl *c, uint16_t vq)
{
	struct snap_vq_peek peeks[SNAP_SQ_FETCH_MAX];
	uint16_t slots[SNAP_SQ_FETCH_MAX];

	while (may_fetch(c, vq)) {
		unsigned int max = free_slots(c, slots, SNAP_SQ_FETCH_MAX);
		int n;

		c->vqs[vq].kick = true;	/* until the ring is seen empty */
		if (!max)
			return;		/* retried when slots are posted */
		n = c->h->ops->sq_fetch(c->h, vq, slots, max, peeks);
		log_debug("function %u virtqueue %u: fetched %d", c->h->func_id, vq, n);
		if (n == -EPROTO) {
			vq_break(c, vq, "a chain head outside the ring");
			return;
		}
		if (n < 0) {
			report(c, "virtqueue %u: fetching: %s", vq, strerror(-n));
			return;
		}
		for (int i = 0; i < n; i++)
			c->slot_busy[slots[i]] = true;
		/* Fetched into slots, none started: a successor runs them. */
		if (n)
			snap_fault_point(SNAP_FAULT_FETCH);
		for (int i = 0; i < n; i++)
			start_chain(c, vq, slots[i], &peeks[i]);
		flush_used(c, vq);
		if ((unsigned int)n < max) {
			c->vqs[vq].kick = false;
			return;
		}
	}
}

static void fetch_all(struct vblk_ctrl *c, bool only_kicked)
{
	for (uint16_t i = 0; i < c->nr_vqs; i++)
		if (!only_kicked || c->vqs[i].kick)
			fetch_vq(c, i);
}

/* ---- device state ---- */

/* The virtqueues as the driver set them up; false when one is unusable. */
static bool load_queues(struct vblk_ctrl *c)
{
	const struct snap_fn_state *st = c->h->state;
	uint32_t n = st->max_queues < c->cfg.num_queues ? st->max_queues :
							  c->cfg.num_queues;

	c->nr_vqs = (uint16_t)(n < SNAP_VIRTIO_MAX_QUEUES ? n : SNAP_VIRTIO_MAX_QUEUES);
	for (uint16_t i = 0; i < c->nr_vqs; i++) {
		const struct snap_vq_state *s = &st->vq[i];
		struct vblk_vq *v = &c->vqs[i];

		memset(v, 0, sizeof(*v));
		if (!s->size)
			continue;
		v->g = (struct vq_geom){ .desc = s->desc, .avail = s->driver,
					 .used = s->device, .size = s->size,
					 .features = st->driver_features };
		if (vq_geom_check(&v->g)) {
			report(c, "virtqueue %u: unusable rings", i);
			return false;
		}
		v->live = true;
	}
	return true;
}

/* DRIVER_OK as the function state has it: 0 or why not (logged). */
static int start_device(struct vblk_ctrl *c)
{
	const struct snap_fn_state *st = c->h->state;

	if (!c->dev.bdev) {
		report(c, "DRIVER_OK without a bdev");
		return -ENODEV;
	}
	c->dev.features = st->driver_features;
	if (vblk_dev_check(&c->dev) || !load_queues(c)) {
		report(c, "DRIVER_OK with a configuration the device cannot serve");
		return -EINVAL;
	}
	c->enabled = true;
	c->enable_count = st->enable_count;
	return 0;
}

static void on_enable(struct vblk_ctrl *c)
{
	int ret = 0;

	/* answered again after a restart that recovered it already */
	if (!c->enabled || c->enable_count != c->h->state->enable_count)
		ret = start_device(c);
	c->h->ops->ctrl_done(c->h, SNAP_EV_CTRL_ENABLE, ret ? 1 : 0);
	if (!ret)
		fetch_all(c, false);
}

/* Reset: chains at a backend are dropped when they return. */
static void stop_device(struct vblk_ctrl *c)
{
	c->gen++;
	c->enabled = false;
	free_unstarted(&c->wait_head, &c->wait_tail);
	free_unstarted(&c->takeover_reads, &c->takeover_reads_tail);
	release_all_with_used(c);	/* their batches and lines go too */
	memset(c->vqs, 0, sizeof(c->vqs));
	/* the kernel empties every slot once the reset is answered */
	memset(c->slot_busy, 0, sizeof(c->slot_busy));
}

static void answer_disable_when_idle(struct vblk_ctrl *c)
{
	if (c->disable_pending && !c->outstanding) {
		c->disable_pending = false;
		c->h->ops->ctrl_done(c->h, SNAP_EV_CTRL_DISABLE, 0);
	}
}

void vblk_ctrl_event(struct vblk_ctrl *c, const struct snap_event *ev)
{
	log_debug("function %u: event %u queue %u value %#x", ev->func_id, ev->type,
		  ev->qid, ev->value);
	switch (ev->type) {
	case SNAP_EV_CTRL_ENABLE:
		on_enable(c);
		break;
	case SNAP_EV_CTRL_DISABLE:
		stop_device(c);
		c->disable_pending = true;
		answer_disable_when_idle(c);
		break;
	case SNAP_EV_FUNC_RESET:
		stop_device(c);
		break;
	case SNAP_EV_SQ_DOORBELL:
		if (ev->qid < SNAP_VIRTIO_MAX_QUEUES) {
			c->vqs[ev->qid].kick = true;
			fetch_vq(c, ev->qid);
		}
		break;
	default:
		break;
	}
	flush_all_used(c);
}

/* Requests that waited for a pool buffer, in order, while buffers last. */
static int retry_waiting(struct vblk_ctrl *c)
{
	struct vblk_ioreq *q;
	int n = 0;

	while ((q = c->wait_head)) {
		c->wait_head = q->next;
		if (!c->wait_head)
			c->wait_tail = NULL;
		c->retrying = true;
		run_request(q);
		c->retrying = false;
		if (c->wait_head == q)	/* still no buffer: try later */
			break;
		n++;
	}
	return n;
}

/* The requests taken over that wait for the writes taken over. */
static int run_takeover_reads(struct vblk_ctrl *c)
{
	struct vblk_ioreq *q;
	int n = 0;

	if (c->takeover_writes)
		return 0;
	while ((q = c->takeover_reads)) {
		c->takeover_reads = q->next;
		run_request(q);
		n++;
	}
	c->takeover_reads_tail = NULL;
	return n;
}

int vblk_ctrl_poll(struct vblk_ctrl *c)
{
	int n = 0;

	if (c->dev.bdev)
		n += bdev_poll(c->dev.bdev);
	n += retry_waiting(c);
	n += run_takeover_reads(c);
	flush_all_used(c);
	answer_disable_when_idle(c);
	/* slots freed by posting may let a full ring go on */
	fetch_all(c, true);
	flush_all_used(c);
	return n;
}

void vblk_ctrl_suspend(struct vblk_ctrl *c)
{
	c->suspended = true;
}

/* A new generation: answer() and the data steps then only release. */
void vblk_ctrl_retire(struct vblk_ctrl *c)
{
	c->suspended = true;
	c->gen++;
}

void vblk_ctrl_resume(struct vblk_ctrl *c)
{
	c->suspended = false;
	/* notifications that came while suspended were not acted on */
	fetch_all(c, false);
	flush_all_used(c);
}

/* ---- takeover ---- */

static int by_seq(const void *a, const void *b, void *arg)
{
	const struct snap_inflight_slot *t = arg;
	uint64_t x = t[*(const uint16_t *)a].seq, y = t[*(const uint16_t *)b].seq;

	return x < y ? -1 : x > y;
}

/* A request that changes what the device holds. */
static bool changes_media(const struct vblk_ioreq *q)
{
	return q->r.type == VIRTIO_BLK_T_OUT || q->r.type == VIRTIO_BLK_T_DISCARD ||
	       q->r.type == VIRTIO_BLK_T_WRITE_ZEROES;
}

/*
 * The chain in slot, taken over: a write runs at once, anything else
 * after the last write (vblk_ctrl.takeover_writes says why).
 */
static void take_over_chain(struct vblk_ctrl *c, uint16_t vq, uint16_t slot)
{
	struct vblk_ioreq *q = take_chain(c, vq, slot, NULL);

	if (!q)
		return;
	if (changes_media(q)) {
		q->takeover_write = true;
		c->takeover_writes++;
		run_request(q);
		return;
	}
	ioreq_list_add(&c->takeover_reads, &c->takeover_reads_tail, q);
}

int vblk_ctrl_recover(struct vblk_ctrl *c)
{
	const struct snap_fn_state *st = c->h->state;
	uint16_t *order;
	unsigned int n = 0;

	/*
	 * Live only once an earlier daemon answered DRIVER_OK (the kernel
	 * then shows the handshake's RDY): an enable nobody answered yet
	 * comes as an event, and starting on it here as well would serve
	 * the queues twice over.
	 */
	if (!(st->csts & SNAP_VBLK_LIVE) ||
	    !(st->device_status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    st->device_status & VIRTIO_CONFIG_S_NEEDS_RESET || !c->dev.bdev ||
	    start_device(c))
		return 0;
	order = calloc(SNAP_INFLIGHT_MAX, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (uint16_t i = 0; i < SNAP_INFLIGHT_MAX; i++) {
		const struct snap_inflight_slot *s = &st->inflight[i];

		if (!(s->flags & SNAP_INFLIGHT_USED))
			continue;
		c->slot_busy[i] = true;	/* the kernel's until posted or reset */
		if (s->gen == st->enable_count && s->sqid < c->nr_vqs &&
		    c->vqs[s->sqid].live)
			order[n++] = i;
	}
	qsort_r(order, n, sizeof(*order), by_seq, (void *)st->inflight);
	for (unsigned int i = 0; i < n; i++)
		take_over_chain(c, st->inflight[order[i]].sqid, order[i]);
	free(order);
	run_takeover_reads(c);
	flush_all_used(c);
	/*
	 * The old daemon may have taken notifications it never acted on:
	 * every queue is looked at, now or, while writes taken over are
	 * at the backend, by the poll after the last.
	 */
	for (uint16_t i = 0; i < c->nr_vqs; i++)
		c->vqs[i].kick = c->vqs[i].live;
	fetch_all(c, true);
	flush_all_used(c);
	return (int)n;
}
