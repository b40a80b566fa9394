// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-blk engine end to end through the in-process host, which
 * plays the virtio driver (descriptors, available ring, notifications,
 * used ring) and the kernel (SQ_FETCH of chain heads into slots, VQ_POST
 * with interrupt suppression).
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <sanitizer/lsan_interface.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "bdev/bdev.h"
#include "fault.h"
#include "host_inproc.h"
#include "virtio/vblk_ctrl.h"

#define T_MEM		(32u << 20)
#define T_QSIZE		64
#define T_BS		512
#define T_BLOCKS	16384		/* 8 MiB */
#define T_SERIAL	"SNAPVBLK0001"
#define T_FEATURES	(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_FLUSH | \
			 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_DISCARD | \
			 1ull << VIRTIO_BLK_F_WRITE_ZEROES)

struct t {
	struct inproc_host *h;
	struct vblk_ctrl *c;
	struct bdev *b;
	uint16_t next_desc[2];
};

static void sink(void *arg, const struct snap_event *ev)
{
	struct t *t = arg;

	if (t->c)
		vblk_ctrl_event(t->c, ev);
}

/* The next setup's engine answers in order (--force_in_order). */
static bool t_in_order;

static struct vblk_ctrl *new_engine(struct t *t, bool read_only)
{
	struct vblk_ctrl_cfg cfg;
	struct vblk_ctrl *c;

	vblk_ctrl_cfg_default(&cfg);
	cfg.num_queues = 2;
	cfg.read_only = read_only;
	cfg.in_order = t_in_order;
	t_in_order = false;
	strcpy(cfg.serial, T_SERIAL);
	c = vblk_ctrl_create(&cfg, &t->h->host);
	assert_non_null(c);
	assert_int_equal(vblk_ctrl_attach_bdev(c, t->b), 0);
	return c;
}

static struct t *setup_with(struct bdev *b, bool read_only, uint64_t features)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->h = inproc_create_virtio(T_MEM, 4);
	assert_non_null(t->h);
	t->b = b;
	assert_int_equal(inproc_vq_setup(t->h, 0, T_QSIZE, 1), 0);
	assert_int_equal(inproc_vq_setup(t->h, 1, T_QSIZE, 2), 0);
	t->c = new_engine(t, read_only);
	inproc_set_sink(t->h, sink, t);
	inproc_driver_ok(t->h, features);
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_ENABLE);
	assert_int_equal(t->h->last_done_status, 0);
	return t;
}

static struct t *setup_malloc(void)
{
	return setup_with(bdev_malloc_create("m0", T_BLOCKS, T_BS), false,
			  T_FEATURES);
}

static void teardown(struct t *t)
{
	if (t->c) {
		while (!vblk_ctrl_idle(t->c))
			vblk_ctrl_poll(t->c);
		vblk_ctrl_destroy(t->c);
	}
	assert_int_equal(t->h->einval, 0);
	assert_int_equal(t->h->stale_cqes, 0);
	assert_int_equal(t->h->bufs_out, 0);
	inproc_destroy(t->h);
	bdev_destroy(t->b);
	free(t);
}

/* ---- the driver's side ---- */

static void put_desc(struct t *t, uint16_t vq, uint16_t idx, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = htole64(addr), .len = htole32(len),
				.flags = htole16(flags), .next = htole16(next) };

	memcpy(inproc_mem_ptr(t->h, inproc_vq_desc(t->h, vq, idx), 16), &d, 16);
}

struct req {
	uint16_t vq, head;
	uint64_t hdr, data, status;
	uint32_t data_len;
};

/* A chain header / data / status, made available (not notified). */
static struct req make_req(struct t *t, uint16_t vq, uint32_t type,
			   uint64_t sector, uint32_t data_len)
{
	struct virtio_blk_outhdr h = { .type = htole32(type),
				       .sector = htole64(sector) };
	struct req r = { .vq = vq, .data_len = data_len };
	uint16_t d = t->next_desc[vq];
	bool dev_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;

	t->next_desc[vq] = (uint16_t)((d + 3) % (T_QSIZE - T_QSIZE % 3));
	r.head = d;
	r.hdr = inproc_mem_alloc(t->h, sizeof(h), 16);
	memcpy(inproc_mem_ptr(t->h, r.hdr, sizeof(h)), &h, sizeof(h));
	/* the status byte right after a sentinel: not word aligned */
	r.status = inproc_mem_alloc(t->h, 2, 4) + 1;
	*(uint8_t *)inproc_mem_ptr(t->h, r.status - 1, 1) = 0xa5;
	*(uint8_t *)inproc_mem_ptr(t->h, r.status, 1) = 0xff;
	if (data_len) {
		r.data = inproc_mem_alloc(t->h, data_len, 512);
		assert_true(r.data);
		put_desc(t, vq, d, r.hdr, sizeof(h), VRING_DESC_F_NEXT, d + 1);
		put_desc(t, vq, d + 1, r.data, data_len,
			 VRING_DESC_F_NEXT | (dev_writes ? VRING_DESC_F_WRITE : 0),
			 d + 2);
		put_desc(t, vq, d + 2, r.status, 1, VRING_DESC_F_WRITE, 0);
	} else {
		put_desc(t, vq, d, r.hdr, sizeof(h), VRING_DESC_F_NEXT, d + 1);
		put_desc(t, vq, d + 1, r.status, 1, VRING_DESC_F_WRITE, 0);
	}
	assert_int_equal(inproc_vq_avail(t->h, vq, r.head), 0);
	return r;
}

static void *data_of(struct t *t, const struct req *r)
{
	return inproc_mem_ptr(t->h, r->data, r->data_len);
}

static uint8_t status_of(struct t *t, const struct req *r)
{
	/* the byte before it must have survived the word-sized write */
	assert_int_equal(*(uint8_t *)inproc_mem_ptr(t->h, r->status - 1, 1), 0xa5);
	return *(uint8_t *)inproc_mem_ptr(t->h, r->status, 1);
}

static void run(struct t *t)
{
	for (int i = 0; i < 100 && !vblk_ctrl_idle(t->c); i++)
		vblk_ctrl_poll(t->c);
	vblk_ctrl_poll(t->c);
}

/* Submit, notify, serve; returns the used entry's length. */
static uint32_t do_req(struct t *t, const struct req *r)
{
	uint32_t id, len;

	inproc_vq_kick(t->h, r->vq);
	run(t);
	assert_int_equal(inproc_vq_reap(t->h, r->vq, &id, &len), 1);
	assert_int_equal(id, r->head);
	return len;
}

static void fill(void *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)p)[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

/* ---- tests ---- */

static void test_write_then_read_malloc(void **state)
{
	struct t *t = setup_malloc();
	struct req w = make_req(t, 0, VIRTIO_BLK_T_OUT, 8, 8192);
	struct req r;

	(void)state;
	fill(data_of(t, &w), 8192, 3);
	assert_int_equal(do_req(t, &w), 1);
	assert_int_equal(status_of(t, &w), VIRTIO_BLK_S_OK);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 8, 8192);
	assert_int_equal(do_req(t, &r), 8192 + 1);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	assert_memory_equal(data_of(t, &r), data_of(t, &w), 8192);
	teardown(t);
}

static void test_null_bdev_serves(void **state)
{
	struct t *t = setup_with(bdev_null_create("n0", T_BLOCKS, T_BS), false,
				 T_FEATURES);
	struct req r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);
	struct req w = make_req(t, 0, VIRTIO_BLK_T_OUT, 0, 4096);

	(void)state;
	assert_int_equal(do_req(t, &r), 4097);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	assert_int_equal(do_req(t, &w), 1);
	assert_int_equal(status_of(t, &w), VIRTIO_BLK_S_OK);
	teardown(t);
}

static void test_flush_and_get_id(void **state)
{
	struct t *t = setup_malloc();
	struct req f = make_req(t, 0, VIRTIO_BLK_T_FLUSH, 0, 0);
	struct req id;

	(void)state;
	assert_int_equal(do_req(t, &f), 1);
	assert_int_equal(status_of(t, &f), VIRTIO_BLK_S_OK);
	id = make_req(t, 0, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES);
	assert_int_equal(do_req(t, &id), VIRTIO_BLK_ID_BYTES + 1);
	assert_int_equal(status_of(t, &id), VIRTIO_BLK_S_OK);
	assert_memory_equal(data_of(t, &id), T_SERIAL, strlen(T_SERIAL));
	teardown(t);
}

/* One range (16 bytes) as the data of a DISCARD / WRITE_ZEROES. */
static struct req range_req(struct t *t, uint32_t type, uint64_t sector,
			    uint32_t n, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes x = {
		.sector = htole64(sector), .num_sectors = htole32(n),
		.flags = htole32(flags) };
	struct req r = make_req(t, 0, type, 0, sizeof(x));

	memcpy(data_of(t, &r), &x, sizeof(x));
	return r;
}

static void test_discard_and_write_zeroes(void **state)
{
	struct t *t = setup_malloc();
	struct req w = make_req(t, 0, VIRTIO_BLK_T_OUT, 64, 4096);
	struct req z, d, r;
	uint8_t zero[4096] = { 0 };

	(void)state;
	fill(data_of(t, &w), 4096, 9);
	assert_int_equal(do_req(t, &w), 1);
	z = range_req(t, VIRTIO_BLK_T_WRITE_ZEROES, 64, 8, 0);
	assert_int_equal(do_req(t, &z), 1);
	assert_int_equal(status_of(t, &z), VIRTIO_BLK_S_OK);
	d = range_req(t, VIRTIO_BLK_T_DISCARD, 100, 8, 0);
	assert_int_equal(do_req(t, &d), 1);
	assert_int_equal(status_of(t, &d), VIRTIO_BLK_S_OK);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 64, 4096);
	assert_int_equal(do_req(t, &r), 4097);
	assert_memory_equal(data_of(t, &r), zero, 4096);
	teardown(t);
}

static void test_read_only_refuses_writes(void **state)
{
	struct t *t = setup_with(bdev_malloc_create("m0", T_BLOCKS, T_BS), true,
				 T_FEATURES | 1ull << VIRTIO_BLK_F_RO);
	struct req w = make_req(t, 0, VIRTIO_BLK_T_OUT, 0, 4096);
	struct req r;

	(void)state;
	fill(data_of(t, &w), 4096, 1);
	assert_int_equal(do_req(t, &w), 1);
	assert_int_equal(status_of(t, &w), VIRTIO_BLK_S_IOERR);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);
	assert_int_equal(do_req(t, &r), 4097);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	assert_int_equal(((uint8_t *)data_of(t, &r))[0], 0);
	teardown(t);
}

static void test_backend_error_is_ioerr(void **state)
{
	struct t *t = setup_malloc();
	struct req r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);

	(void)state;
	bdev_inject_error(t->b, BDEV_OP_READ, -EIO, 1);
	do_req(t, &r);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_IOERR);
	teardown(t);
}

/* Each answered request is counted on its virtqueue in the function
 * state: the bytes of reads and writes (a 2 MiB+ request once), flushes,
 * other kinds, and errors. */
static void test_io_stats_per_queue(void **state)
{
	struct t *t = setup_malloc();
	const struct snap_io_stats *st = &t->h->state->stats[0];
	struct req r;

	(void)state;
	r = make_req(t, 0, VIRTIO_BLK_T_OUT, 8, 8192);
	do_req(t, &r);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 8, 4096);
	do_req(t, &r);
	r = make_req(t, 0, VIRTIO_BLK_T_FLUSH, 0, 0);
	do_req(t, &r);
	r = make_req(t, 0, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES);
	do_req(t, &r);
	bdev_inject_error(t->b, BDEV_OP_READ, -EIO, 1);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);
	do_req(t, &r);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_IOERR);
	assert_int_equal(st->write_ops, 1);
	assert_int_equal(st->write_bytes, 8192);
	assert_int_equal(st->read_ops, 2);
	assert_int_equal(st->read_bytes, 4096);
	assert_int_equal(st->flush_ops, 1);
	assert_int_equal(st->other_ops, 1);
	assert_int_equal(st->errors, 1);
	assert_true(st->write_lat_ns > 0);
	teardown(t);
}

/* Over one pool buffer (2 MiB): moved in pieces, all of it. */
static void test_request_larger_than_a_buffer(void **state)
{
	struct t *t = setup_malloc();
	uint32_t len = 5u << 20;
	struct req w = make_req(t, 0, VIRTIO_BLK_T_OUT, 16, len);
	struct req r;

	(void)state;
	fill(data_of(t, &w), len, 77);
	assert_int_equal(do_req(t, &w), 1);
	assert_int_equal(status_of(t, &w), VIRTIO_BLK_S_OK);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 16, len);
	assert_int_equal(do_req(t, &r), len + 1);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	assert_memory_equal(data_of(t, &r), data_of(t, &w), len);
	teardown(t);
}

/* A chain whose next index leaves the table breaks its queue only. */
static void test_malformed_chain_stops_only_its_queue(void **state)
{
	struct t *t = setup_malloc();
	struct req bad = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);
	struct req good;
	uint32_t id, len;

	(void)state;
	put_desc(t, 0, (uint16_t)(bad.head + 1), bad.data, 4096,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 999);
	inproc_vq_kick(t->h, 0);
	run(t);
	assert_true(vblk_ctrl_vq_broken(t->c, 0));
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 0);
	assert_int_equal(status_of(t, &bad), 0xff);	/* never written */
	/* the driver is told: DEVICE_NEEDS_RESET and a config interrupt */
	assert_true(t->h->state->device_status & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(t->h->fatal_count, 1);
	assert_int_equal(t->h->config_irqs, 1);
	good = make_req(t, 1, VIRTIO_BLK_T_IN, 0, 4096);
	assert_int_equal(do_req(t, &good), 4097);
	assert_int_equal(status_of(t, &good), VIRTIO_BLK_S_OK);
	/* a reset makes the device usable again */
	inproc_virtio_reset(t->h);
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_DISABLE);
	assert_false(vblk_ctrl_vq_broken(t->c, 0));
	teardown(t);
}

/*
 * A 5 MiB read, then a 4 KiB one: the short one is done at the backend
 * while the long one still moves its later chunks. Returns the heads in
 * the order the used ring names them.
 */
static void used_order(bool in_order, uint16_t *first, uint16_t *second,
		       uint16_t *big_head)
{
	struct t *t;
	struct req big, small;
	uint32_t id, len;

	t_in_order = in_order;
	t = setup_malloc();
	big = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 5u << 20);
	small = make_req(t, 0, VIRTIO_BLK_T_IN, 8, 4096);
	*big_head = big.head;
	bdev_set_defer(t->b, true);
	inproc_vq_kick(t->h, 0);
	run(t);
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 1);
	*first = (uint16_t)id;
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 1);
	*second = (uint16_t)id;
	assert_int_equal(status_of(t, &big), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(t, &small), VIRTIO_BLK_S_OK);
	teardown(t);
}

static void test_completions_overtake_without_in_order(void **state)
{
	uint16_t first, second, big;

	(void)state;
	used_order(false, &first, &second, &big);
	assert_int_equal(second, big);
	assert_int_not_equal(first, big);
}

static void test_in_order_holds_back_early_finishers(void **state)
{
	uint16_t first, second, big;

	(void)state;
	used_order(true, &first, &second, &big);
	assert_int_equal(first, big);
	assert_int_not_equal(second, big);
}

/* A daemon died with chains in slots: the next one runs them, in order. */
static void test_takeover_reruns_slots(void **state)
{
	struct t *t = setup_malloc();
	uint16_t slots[4] = { 7, 3, 900, 41 };
	struct req w[4];
	uint32_t id, len;

	(void)state;
	for (int i = 0; i < 4; i++) {
		/* the same block each time: only fetch order gives the last */
		w[i] = make_req(t, 0, VIRTIO_BLK_T_OUT, 32, 512);
		memset(data_of(t, &w[i]), 0x10 + i, 512);
	}
	/* the dead daemon fetched them and died before serving */
	assert_int_equal(t->h->host.ops->sq_fetch(&t->h->host, 0, slots, 4, NULL), 4);
	vblk_ctrl_destroy(t->c);
	t->c = new_engine(t, false);
	assert_int_equal(vblk_ctrl_recover(t->c), 4);
	run(t);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 1);
		assert_int_equal(id, w[i].head);
		assert_int_equal(status_of(t, &w[i]), VIRTIO_BLK_S_OK);
	}
	for (int i = 0; i < 4; i++)
		assert_false(t->h->state->inflight[slots[i]].flags & SNAP_INFLIGHT_USED);
	assert_int_equal(t->h->state->vq[0].inflight, 0);
	/* the new daemon serves new chains too */
	w[0] = make_req(t, 0, VIRTIO_BLK_T_IN, 32, 512);
	assert_int_equal(do_req(t, &w[0]), 513);
	assert_int_equal(((uint8_t *)data_of(t, &w[0]))[0], 0x13);
	teardown(t);
}

/*
 * The CI failure, on virtio-blk: a daemon killed inside a write's copy to
 * a malloc device leaves a block half new, half old, and only that write,
 * run again, repairs it. A read of the block the successor takes over
 * (fetched before the write: first in fetch order) must wait for it and
 * return the block whole; so must a read the old daemon never fetched,
 * which the successor leaves in the ring until the write has ended.
 */
static void test_takeover_reads_wait_for_writes(void **state)
{
	size_t size = (size_t)T_BLOCKS * T_BS;
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint16_t slots[2] = { 5, 6 };
	struct req rd, wr, later;
	uint32_t id, len;
	struct t *t;

	(void)state;
	assert_true(mem != MAP_FAILED);
	t = setup_with(bdev_malloc_create_mapped("m0", T_BLOCKS, T_BS, mem),
		       false, T_FEATURES);
	rd = make_req(t, 0, VIRTIO_BLK_T_IN, 32, 512);
	wr = make_req(t, 0, VIRTIO_BLK_T_OUT, 32, 512);
	memset(data_of(t, &wr), 0xbb, 512);
	memset(mem + 32 * 512, 0xbb, 256);
	memset(mem + 32 * 512 + 256, 0xaa, 256);
	assert_int_equal(t->h->host.ops->sq_fetch(&t->h->host, 0, slots, 2, NULL), 2);
	later = make_req(t, 0, VIRTIO_BLK_T_IN, 32, 512);
	vblk_ctrl_destroy(t->c);
	t->c = new_engine(t, false);
	/* the write at the backend until the next poll */
	bdev_set_defer(t->b, true);
	assert_int_equal(vblk_ctrl_recover(t->c), 2);
	assert_int_equal(t->h->state->vq[0].inflight, 2);
	run(t);
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 1);
	assert_int_equal(id, wr.head);
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 1);
	assert_int_equal(id, rd.head);
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 1);
	assert_int_equal(id, later.head);
	assert_int_equal(status_of(t, &wr), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(t, &rd), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(t, &later), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 512; i++) {
		assert_int_equal(((uint8_t *)data_of(t, &rd))[i], 0xbb);
		assert_int_equal(((uint8_t *)data_of(t, &later))[i], 0xbb);
	}
	teardown(t);
}

/* ---- a daemon dying at each fault point, and its successor ---- */

#define SEG_WRITES	4
#define SEG_DESCS	4	/* data descriptors per write: 4 DMA segments */
#define SEG_LEN		512

static jmp_buf died;

static void die(enum snap_fault f)
{
	(void)f;
	longjmp(died, 1);
}

/* A write whose data is SEG_DESCS descriptors, from descriptor first on. */
static struct req make_seg_write(struct t *t, uint16_t first, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = htole32(VIRTIO_BLK_T_OUT),
				       .sector = htole64(sector) };
	struct req r = { .vq = 0, .head = first, .data_len = SEG_DESCS * SEG_LEN };
	uint16_t d = first;

	r.hdr = inproc_mem_alloc(t->h, sizeof(h), 16);
	memcpy(inproc_mem_ptr(t->h, r.hdr, sizeof(h)), &h, sizeof(h));
	r.data = inproc_mem_alloc(t->h, r.data_len, 512);
	r.status = inproc_mem_alloc(t->h, 2, 4) + 1;
	*(uint8_t *)inproc_mem_ptr(t->h, r.status - 1, 1) = 0xa5;
	put_desc(t, 0, d, r.hdr, sizeof(h), VRING_DESC_F_NEXT, d + 1);
	for (unsigned int i = 0; i < SEG_DESCS; i++, d++)
		put_desc(t, 0, d + 1, r.data + i * SEG_LEN, SEG_LEN, VRING_DESC_F_NEXT, d + 2);
	put_desc(t, 0, d + 1, r.status, 1, VRING_DESC_F_WRITE, 0);
	assert_int_equal(inproc_vq_avail(t->h, 0, r.head), 0);
	return r;
}

/* The dead engine's successor on the same function state. */
static void take_over(struct t *t)
{
	struct vblk_ctrl *old = t->c;

	t->c = new_engine(t, false);
	vblk_ctrl_recover(t->c);
	vblk_ctrl_destroy(old);
}

/*
 * SEG_WRITES writes served by an engine that dies at fault point f; the
 * successor must complete each exactly once, and what the blocks hold
 * must be what the host wrote, even after the host reused its buffers.
 */
static void write_through_death(enum snap_fault f)
{
	struct t *t = setup_malloc();
	unsigned int seen[SEG_WRITES] = { 0 };
	struct req w[SEG_WRITES], r;
	unsigned int bufs_before;
	uint32_t id, len;

	for (unsigned int i = 0; i < SEG_WRITES; i++) {
		w[i] = make_seg_write(t, (uint16_t)(i * (SEG_DESCS + 2)), i * 8);
		fill(data_of(t, &w[i]), w[i].data_len, (uint8_t)(0x40 + i));
	}
	t->next_desc[0] = SEG_WRITES * (SEG_DESCS + 2);
	bufs_before = t->h->bufs_out;
	snap_fault_set_handler(die);
	snap_fault_arm(f, 1);
	/* What the dying engine allocates dies with its process: not a leak. */
	__lsan_disable();
	if (!setjmp(died)) {
		inproc_vq_kick(t->h, 0);
		run(t);
		fail_msg("fault point %d never hit", f);
	}
	__lsan_enable();
	snap_fault_disarm();
	snap_fault_set_handler(NULL);
	take_over(t);
	/* What the dead engine's abandoned requests held goes with its
	 * process; the successor holds as much as its predecessor did. */
	t->h->bufs_out = bufs_before;
	run(t);
	while (inproc_vq_reap(t->h, 0, &id, &len) == 1) {
		unsigned int i = (unsigned int)(id / (SEG_DESCS + 2));

		assert_true(i < SEG_WRITES && id == w[i].head);
		assert_int_equal(status_of(t, &w[i]), VIRTIO_BLK_S_OK);
		seen[i]++;
	}
	for (unsigned int i = 0; i < SEG_WRITES; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(t->h->state->vq[0].inflight, 0);
	/* The host reuses its buffers: nothing of the batch may run again. */
	for (unsigned int i = 0; i < SEG_WRITES; i++)
		memset(data_of(t, &w[i]), 0xee, w[i].data_len);
	run(t);
	for (unsigned int i = 0; i < SEG_WRITES; i++) {
		uint8_t want[SEG_DESCS * SEG_LEN];

		fill(want, sizeof(want), (uint8_t)(0x40 + i));
		r = make_req(t, 0, VIRTIO_BLK_T_IN, i * 8, sizeof(want));
		assert_int_equal(do_req(t, &r), sizeof(want) + 1);
		assert_memory_equal(data_of(t, &r), want, sizeof(want));
	}
	teardown(t);
}

static void test_killed_after_posting(void **state)
{
	(void)state;
	write_through_death(SNAP_FAULT_POST);
}

static void test_killed_in_the_middle_of_a_transfer(void **state)
{
	(void)state;
	write_through_death(SNAP_FAULT_XFER);
}

static void test_killed_after_fetching(void **state)
{
	(void)state;
	write_through_death(SNAP_FAULT_FETCH);
}

static void test_no_interrupt_flag_suppresses(void **state)
{
	struct t *t = setup_malloc();
	struct req r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 512);
	uint64_t irqs = t->h->irqs[1];

	(void)state;
	inproc_vq_set_avail_flags(t->h, 0, VRING_AVAIL_F_NO_INTERRUPT);
	do_req(t, &r);
	assert_int_equal(t->h->irqs[1], irqs);
	inproc_vq_set_avail_flags(t->h, 0, 0);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 512);
	do_req(t, &r);
	assert_int_equal(t->h->irqs[1], irqs + 1);
	teardown(t);
}

static void test_used_event_suppresses(void **state)
{
	struct t *t = setup_with(bdev_malloc_create("m0", T_BLOCKS, T_BS), false,
				 T_FEATURES | 1ull << VIRTIO_RING_F_EVENT_IDX);
	struct req r;
	uint64_t irqs = t->h->irqs[1];

	(void)state;
	/* the driver wants to hear only after used idx passes 5 */
	inproc_vq_set_used_event(t->h, 0, 5);
	for (int i = 0; i < 5; i++) {
		r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 512);
		do_req(t, &r);
	}
	assert_int_equal(t->h->irqs[1], irqs);
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 512);
	do_req(t, &r);
	assert_int_equal(t->h->irqs[1], irqs + 1);
	teardown(t);
}

static void test_batch_of_chains_posted_together(void **state)
{
	struct t *t = setup_malloc();
	struct req r[20];
	uint32_t id, len;

	(void)state;
	for (int i = 0; i < 20; i++)
		r[i] = make_req(t, 1, VIRTIO_BLK_T_IN, (uint64_t)i * 8, 4096);
	inproc_vq_kick(t->h, 1);
	run(t);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(inproc_vq_reap(t->h, 1, &id, &len), 1);
		assert_int_equal(id, r[i].head);
		assert_int_equal(len, 4097);
	}
	/* one interrupt for the whole notification */
	assert_int_equal(t->h->irqs[2], 1);
	teardown(t);
}

/*
 * The kernel reads the start of each chain with its head: the engine
 * walks a three-descriptor chain without reading the descriptor table.
 */
static void test_chain_start_saves_the_table_read(void **state)
{
	struct t *t = setup_malloc();
	uint64_t before, with_start, without;
	struct req r;

	(void)state;
	t->h->no_peek = true;	/* the header's read is counted on both sides */
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);
	before = t->h->dma_calls;
	assert_int_equal(do_req(t, &r), 4096 + 1);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	with_start = t->h->dma_calls - before;
	/* a module before ABI 2.8 reads none: the engine reads the table */
	t->h->no_chain_start = true;
	r = make_req(t, 0, VIRTIO_BLK_T_IN, 8, 4096);
	before = t->h->dma_calls;
	assert_int_equal(do_req(t, &r), 4096 + 1);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	without = t->h->dma_calls - before;
	assert_int_equal(with_start + 1, without);
	teardown(t);
}

/* dma calls the engine makes to serve one 4K read at sector */
static uint64_t dma_calls_of_a_read(struct t *t, uint64_t sector)
{
	uint64_t before = t->h->dma_calls;
	struct req r = make_req(t, 0, VIRTIO_BLK_T_IN, sector, 4096);

	assert_int_equal(do_req(t, &r), 4096 + 1);
	assert_int_equal(status_of(t, &r), VIRTIO_BLK_S_OK);
	return t->h->dma_calls - before;
}

static void test_peek_saves_the_header_read(void **state)
{
	struct t *t = setup_malloc();

	(void)state;
	/* descriptors with the fetch, header peeked, data with the post */
	assert_int_equal(dma_calls_of_a_read(t, 0), 0);
	/* a module before ABI 2.9: the header costs a call of its own */
	t->h->no_peek = true;
	assert_int_equal(dma_calls_of_a_read(t, 8), 1);
	teardown(t);
}

/*
 * n chains of type on virtqueue 1, each of data_len bytes (reads from
 * sector 8 * i), notified at once and answered OK; returns how many posts
 * moved data for them.
 */
static uint64_t serve_batch(struct t *t, struct req *r, int n, uint32_t type,
			    uint32_t data_len)
{
	uint64_t posts = t->h->post_dma_calls;
	uint32_t id, len;

	for (int i = 0; i < n; i++)
		r[i] = make_req(t, 1, type, (uint64_t)i * 8, data_len);
	inproc_vq_kick(t->h, 1);
	run(t);
	for (int i = 0; i < n; i++) {
		assert_int_equal(inproc_vq_reap(t->h, 1, &id, &len), 1);
		assert_int_equal(id, r[i].head);
		assert_int_equal(len, type == VIRTIO_BLK_T_IN ? data_len + 1 : 1);
		assert_int_equal(status_of(t, &r[i]), VIRTIO_BLK_S_OK);
	}
	return t->h->post_dma_calls - posts;
}

/*
 * A batch's status bytes reach the driver in the call that posts its used
 * entries (SNAP_POST_DMA): one call for twenty chains.
 */
static void test_status_bytes_ride_with_their_used_entries(void **state)
{
	struct t *t = setup_malloc();
	struct req r[20];

	(void)state;
	assert_int_equal(serve_batch(t, r, 20, VIRTIO_BLK_T_FLUSH, 0), 1);
	teardown(t);
}

/*
 * A status byte host memory refuses keeps only its own chain from being
 * used: the others of the batch are posted with their bytes written.
 */
static void test_refused_status_holds_back_only_its_chain(void **state)
{
	struct t *t = setup_malloc();
	struct req a, b, c;
	uint32_t id, len;

	(void)state;
	a = make_req(t, 1, VIRTIO_BLK_T_FLUSH, 0, 0);
	b = make_req(t, 1, VIRTIO_BLK_T_FLUSH, 0, 0);
	c = make_req(t, 1, VIRTIO_BLK_T_FLUSH, 0, 0);
	/* b's status byte lies beyond the host's memory */
	put_desc(t, 1, (uint16_t)(b.head + 1), 1ull << 40, 1, VRING_DESC_F_WRITE, 0);
	inproc_vq_kick(t->h, 1);
	run(t);
	assert_int_equal(inproc_vq_reap(t->h, 1, &id, &len), 1);
	assert_int_equal(id, a.head);
	assert_int_equal(inproc_vq_reap(t->h, 1, &id, &len), 1);
	assert_int_equal(id, c.head);
	assert_int_equal(inproc_vq_reap(t->h, 1, &id, &len), 0);
	assert_int_equal(status_of(t, &a), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(t, &c), VIRTIO_BLK_S_OK);
	assert_int_equal(t->h->state->vq[1].inflight, 1);
	teardown(t);
}

/*
 * A read's data reaches the driver in the call that posts its used entry,
 * as its status byte does: a read costs no more DMA calls than a flush
 * (both read their header), and twenty reads' data goes in one post.
 */
static void test_read_data_rides_with_its_used_entry(void **state)
{
	struct t *t = setup_malloc();
	struct req w, f, r[20];
	uint64_t before, flush_calls;

	(void)state;
	w = make_req(t, 0, VIRTIO_BLK_T_OUT, 0, 20 * 4096);
	fill(data_of(t, &w), 20 * 4096, 9);
	assert_int_equal(do_req(t, &w), 1);
	f = make_req(t, 0, VIRTIO_BLK_T_FLUSH, 0, 0);
	before = t->h->dma_calls;
	assert_int_equal(do_req(t, &f), 1);
	flush_calls = t->h->dma_calls - before;
	r[0] = make_req(t, 0, VIRTIO_BLK_T_IN, 0, 4096);
	before = t->h->dma_calls;
	assert_int_equal(do_req(t, &r[0]), 4096 + 1);
	assert_int_equal(t->h->dma_calls - before, flush_calls);
	assert_memory_equal(data_of(t, &r[0]), data_of(t, &w), 4096);

	assert_int_equal(serve_batch(t, r, 20, VIRTIO_BLK_T_IN, 4096), 1);
	for (int i = 0; i < 20; i++)
		assert_memory_equal(data_of(t, &r[i]),
				    (uint8_t *)data_of(t, &w) + i * 4096, 4096);
	teardown(t);
}

/*
 * Host memory that refuses one read's data, sent with its used entry,
 * fails that read alone: an I/O error with nothing but its status byte
 * used, counted as an error without its bytes; the others of the batch
 * get their data.
 */
static void test_refused_read_data_fails_only_its_chain(void **state)
{
	struct t *t = setup_malloc();
	const struct snap_io_stats *st = &t->h->state->stats[1];
	struct vblk_ctrl_stats cs;
	struct req w, r[3];
	uint32_t id, len;

	(void)state;
	w = make_req(t, 0, VIRTIO_BLK_T_OUT, 0, 3 * 4096);
	fill(data_of(t, &w), 3 * 4096, 21);
	assert_int_equal(do_req(t, &w), 1);
	for (int i = 0; i < 3; i++)
		r[i] = make_req(t, 1, VIRTIO_BLK_T_IN, (uint64_t)i * 8, 4096);
	/* the second read's buffer lies beyond the host's memory */
	put_desc(t, 1, (uint16_t)(r[1].head + 1), 1ull << 40, 4096,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, (uint16_t)(r[1].head + 2));
	inproc_vq_kick(t->h, 1);
	run(t);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(inproc_vq_reap(t->h, 1, &id, &len), 1);
		assert_int_equal(id, r[i].head);
		assert_int_equal(len, i == 1 ? 1 : 4096 + 1);
		assert_int_equal(status_of(t, &r[i]),
				 i == 1 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
	}
	assert_memory_equal(data_of(t, &r[0]), data_of(t, &w), 4096);
	assert_memory_equal(data_of(t, &r[2]), (uint8_t *)data_of(t, &w) + 8192, 4096);
	assert_int_equal(st->read_ops, 3);
	assert_int_equal(st->read_bytes, 2 * 4096);
	assert_int_equal(st->errors, 1);
	vblk_ctrl_get_stats(t->c, &cs);
	assert_int_equal(cs.io_errors, 1);
	teardown(t);
}

/*
 * in_order: a read answered behind a longer one waits with its data for
 * its used entry; a reset then frees it (it is never posted).
 */
static void test_reset_frees_reads_held_for_their_post(void **state)
{
	struct t *t;
	uint32_t id, len;

	(void)state;
	t_in_order = true;
	t = setup_malloc();
	make_req(t, 0, VIRTIO_BLK_T_IN, 0, 5u << 20);
	make_req(t, 0, VIRTIO_BLK_T_IN, 8, 4096);
	bdev_set_defer(t->b, true);
	inproc_vq_kick(t->h, 0);
	vblk_ctrl_poll(t->c);	/* the short one is done, the long one not */
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 0);
	inproc_virtio_reset(t->h);
	run(t);
	assert_true(vblk_ctrl_idle(t->c));
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_DISABLE);
	assert_int_equal(inproc_vq_reap(t->h, 0, &id, &len), 0);
	teardown(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_then_read_malloc),
		cmocka_unit_test(test_null_bdev_serves),
		cmocka_unit_test(test_flush_and_get_id),
		cmocka_unit_test(test_discard_and_write_zeroes),
		cmocka_unit_test(test_read_only_refuses_writes),
		cmocka_unit_test(test_backend_error_is_ioerr),
		cmocka_unit_test(test_io_stats_per_queue),
		cmocka_unit_test(test_request_larger_than_a_buffer),
		cmocka_unit_test(test_malformed_chain_stops_only_its_queue),
		cmocka_unit_test(test_completions_overtake_without_in_order),
		cmocka_unit_test(test_in_order_holds_back_early_finishers),
		cmocka_unit_test(test_takeover_reruns_slots),
		cmocka_unit_test(test_takeover_reads_wait_for_writes),
		cmocka_unit_test(test_killed_after_posting),
		cmocka_unit_test(test_killed_in_the_middle_of_a_transfer),
		cmocka_unit_test(test_killed_after_fetching),
		cmocka_unit_test(test_no_interrupt_flag_suppresses),
		cmocka_unit_test(test_used_event_suppresses),
		cmocka_unit_test(test_batch_of_chains_posted_together),
		cmocka_unit_test(test_chain_start_saves_the_table_read),
		cmocka_unit_test(test_peek_saves_the_header_read),
		cmocka_unit_test(test_status_bytes_ride_with_their_used_entries),
		cmocka_unit_test(test_refused_status_holds_back_only_its_chain),
		cmocka_unit_test(test_read_data_rides_with_its_used_entry),
		cmocka_unit_test(test_refused_read_data_fails_only_its_chain),
		cmocka_unit_test(test_reset_frees_reads_held_for_their_post),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
