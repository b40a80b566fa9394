// SPDX-License-Identifier: GPL-2.0
/* The NVMe engine's I/O commands: data round trips, range and namespace
 * checks, backend errors and deferred completions. */
#include <errno.h>

#include "nvme_harness.h"

static int io_setup(void **state)
{
	struct harness *t = h_new();

	h_io_queue(t, 1, 64);
	*state = t;
	return 0;
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_write_read_round_trip(void **state)
{
	struct harness *t = *state;
	uint64_t wa, ra;
	uint8_t *w = h_buf(t, 64 * 1024, &wa), *r = h_buf(t, 64 * 1024, &ra);

	fill(w, 64 * 1024, 3);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 100, 128, wa), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 100, 128, ra), 0);
	assert_memory_equal(w, r, 64 * 1024);
	assert_int_equal(t->last.sqhd, 2);
	/* one block at the very end */
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, H_BLOCKS - 1, 1, wa), 0);
}

static void test_lba_range_and_ns(void **state)
{
	struct harness *t = *state;
	uint64_t a;

	h_buf(t, 8192, &a);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, H_BLOCKS, 1, a), dnr(NVME_SC_LBA_RANGE));
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, H_BLOCKS - 1, 2, a), dnr(NVME_SC_LBA_RANGE));
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, ~0ull, 1, a), dnr(NVME_SC_LBA_RANGE));
	assert_int_equal(h_rw(t, NVME_IO_READ, 2, 0, 1, a), dnr(NVME_SC_INVALID_NS));
	assert_int_equal(h_rw(t, NVME_IO_READ, 0, 0, 1, a), dnr(NVME_SC_INVALID_NS));
	assert_int_equal(h_rw(t, NVME_IO_READ, NVME_NSID_ALL, 0, 1, a),
			 dnr(NVME_SC_INVALID_NS));
}

/* Each completed I/O command is counted on its queue, in the function
 * state, with its bytes and a latency; refusals count as errors. */
static void test_io_stats_per_queue(void **state)
{
	struct harness *t = *state;
	const struct snap_io_stats *st = &t->h->state->stats[1];
	struct nvme_sqe s = h_sqe(t, NVME_IO_FLUSH, 1);
	uint64_t a;

	h_buf(t, 64 * 1024, &a);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 0, 16, a), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 8, a), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 8, 8, a), 0);
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, H_BLOCKS, 1, a), dnr(NVME_SC_LBA_RANGE));
	assert_int_equal(st->write_ops, 1);
	assert_int_equal(st->write_bytes, 16 * H_BS);
	assert_int_equal(st->read_ops, 3);
	assert_int_equal(st->read_bytes, 16 * H_BS);
	assert_true(st->read_lat_ns > 0 && st->write_lat_ns > 0);
	assert_int_equal(st->flush_ops, 1);
	assert_int_equal(st->errors, 1);
	/* admin commands are not I/O */
	assert_int_equal(t->h->state->stats[0].read_ops + t->h->state->stats[0].other_ops, 0);
}

static void test_mdts(void **state)
{
	struct harness *t = *state;
	uint64_t a;

	h_buf(t, 256 * 1024, &a);
	/* 128 KiB is the limit (MDTS 5), one block more is refused */
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 256, a), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 257, a), dnr(NVME_SC_INVALID_FIELD));
}

static void test_flush(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_IO_FLUSH, 1);

	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	s = h_sqe(t, NVME_IO_FLUSH, NVME_NSID_ALL);
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	s = h_sqe(t, NVME_IO_FLUSH, 5);
	assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_INVALID_NS));
	bdev_inject_error(t->ns1, BDEV_OP_FLUSH, -EIO, 1);
	s = h_sqe(t, NVME_IO_FLUSH, 1);
	assert_int_equal(h_run_on(t, 1, 1, &s), NVME_SC_INTERNAL);
}

static void test_write_zeroes(void **state)
{
	struct harness *t = *state;
	uint64_t wa, ra;
	uint8_t *w = h_buf(t, 4096, &wa), *r = h_buf(t, 4096, &ra);
	uint8_t zero[4096] = { 0 };
	struct nvme_sqe s;

	memset(w, 0xaa, 4096);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 8, 8, wa), 0);
	s = h_sqe(t, NVME_IO_WRITE_ZEROES, 1);
	s.cdw10 = 8;
	s.cdw12 = 7;
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 8, 8, ra), 0);
	assert_memory_equal(r, zero, 4096);
	s = h_sqe(t, NVME_IO_WRITE_ZEROES, 1);
	s.cdw10 = H_BLOCKS - 1;
	s.cdw12 = 1;
	assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_LBA_RANGE));
}

static uint16_t dsm(struct harness *t, const struct nvme_dsm_range *ranges,
		    unsigned int nr, uint32_t attrs)
{
	struct nvme_sqe s = h_sqe(t, NVME_IO_DSM, 1);
	uint64_t a;
	void *p = h_buf(t, nr * 16, &a);

	memcpy(p, ranges, nr * 16);
	h_prp(t, &s, a, nr * 16);
	s.cdw10 = nr - 1;
	s.cdw11 = attrs;
	return h_run_on(t, 1, 1, &s);
}

static void test_dsm_deallocate(void **state)
{
	struct harness *t = *state;
	uint64_t wa, ra;
	uint8_t *w = h_buf(t, 8192, &wa), *r = h_buf(t, 8192, &ra);
	uint8_t zero[512] = { 0 };
	struct nvme_dsm_range ranges[3] = {
		{ .slba = 0, .nlb = 1 },
		{ .slba = 5, .nlb = 0 },	/* empty: skipped */
		{ .slba = 10, .nlb = 2 },
	};

	memset(w, 0x55, 8192);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 0, 16, wa), 0);
	assert_int_equal(dsm(t, ranges, 3, NVME_DSM_AD), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 16, ra), 0);
	assert_memory_equal(r, zero, 512);
	assert_int_equal(r[512], 0x55);
	assert_memory_equal(r + 10 * 512, zero, 512);
	assert_memory_equal(r + 11 * 512, zero, 512);
	assert_int_equal(r[12 * 512], 0x55);
	/* no AD: a hint, nothing deallocated */
	assert_int_equal(dsm(t, ranges, 1, 0), 0);
	/* one bad range fails the command before any is touched */
	ranges[2].slba = H_BLOCKS;
	assert_int_equal(dsm(t, ranges, 3, NVME_DSM_AD), dnr(NVME_SC_LBA_RANGE));
}

static void test_compare(void **state)
{
	struct harness *t = *state;
	uint64_t wa;
	uint8_t *w = h_buf(t, 4096, &wa);
	struct nvme_sqe s;

	fill(w, 4096, 9);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 40, 8, wa), 0);
	assert_int_equal(h_rw(t, NVME_IO_COMPARE, 1, 40, 8, wa), 0);
	w[4095] ^= 1;
	assert_int_equal(h_rw(t, NVME_IO_COMPARE, 1, 40, 8, wa),
			 dnr(NVME_SC_COMPARE_FAILED));
	s = h_sqe(t, NVME_IO_COMPARE, 1);
	s.cdw10 = H_BLOCKS;
	assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_LBA_RANGE));
}

static void test_io_invalid_opcode(void **state)
{
	struct harness *t = *state;
	static const uint8_t ops[] = { 0x04, 0x0c, 0x0d, 0x11, 0x15, 0x7f, 0x80 };
	size_t i;

	for (i = 0; i < sizeof(ops); i++) {
		struct nvme_sqe s = h_sqe(t, ops[i], 1);

		assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_INVALID_OPCODE));
	}
}

static void test_backend_errors(void **state)
{
	struct harness *t = *state;
	uint64_t a;
	struct nvme_ctrl_stats st;

	h_buf(t, 4096, &a);
	bdev_inject_error(t->ns1, BDEV_OP_READ, -EIO, 1);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 1, a), NVME_SC_UNRECOVERED_READ);
	bdev_inject_error(t->ns1, BDEV_OP_WRITE, -EIO, 1);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 0, 1, a), NVME_SC_WRITE_FAULT);
	bdev_inject_error(t->ns1, BDEV_OP_WRITE, -ENOSPC, 1);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 0, 1, a), dnr(NVME_SC_CAP_EXCEEDED));
	bdev_inject_error(t->ns1, BDEV_OP_READ, -ENOMEM, 1);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 1, a), NVME_SC_INTERNAL);
	bdev_inject_error(t->ns1, BDEV_OP_READ, -EXDEV, 1);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 1, a), dnr(NVME_SC_INTERNAL));
	nvme_ctrl_get_stats(t->c, &st);
	assert_int_equal(st.media_errors, 2);
	/* and the next I/O is fine */
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 1, a), 0);
}

static void test_deferred_completion(void **state)
{
	struct harness *t = *state;
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s = h_sqe(t, NVME_IO_READ, 2);
	struct nvme_cqe cqe;
	uint64_t a;
	uint8_t *p = h_buf(t, 4096, &a);

	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	s.prp1 = a;
	s.cdw12 = 7;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	nvme_ctrl_poll(t->c);
	/* the backend has not answered: nothing to reap, and polls wait */
	assert_int_equal(m->n, 1);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_false(nvme_ctrl_idle(t->c));
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), -EBUSY);
	assert_int_equal(man_complete(m, 0), 1);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, s.cid);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(p[0], 0x5a);
	assert_int_equal(p[4095], 0x5a);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
}

static void test_vwc_off_forces_fua(void **state)
{
	struct harness *t = *state;
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t a;

	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	s = h_sqe(t, NVME_IO_WRITE, 2);
	s.prp1 = a;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	assert_int_equal(m->n, 1);
	assert_false(m->io[0]->fua);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	/* FUA asked for */
	s = h_sqe(t, NVME_IO_WRITE, 2);
	s.prp1 = a;
	s.cdw12 = NVME_RW_FUA;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	assert_true(m->io[0]->fua);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	/* write cache off: every write is FUA */
	s = h_sqe(t, NVME_ADM_SET_FEATURES, 0);
	s.cdw10 = NVME_FEAT_VOLATILE_WC;
	assert_int_equal(h_admin(t, &s), 0);
	s = h_sqe(t, NVME_IO_WRITE, 2);
	s.prp1 = a;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	assert_true(m->io[0]->fua);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
}

static void test_deferred_queue_backend(void **state)
{
	struct harness *t = *state;
	uint64_t a;

	h_buf(t, 4096, &a);
	/* completions from bdev_poll(), not from submit() */
	bdev_set_defer(t->ns1, true);
	assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 0, 8, a), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 8, a), 0);
	bdev_set_defer(t->ns1, false);
}

static void test_buffer_exhaustion_waits(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_IO_WRITE, 1);
	struct nvme_cqe cqe;
	uint64_t a;

	h_buf(t, 4096, &a);
	s.prp1 = a;
	s.cdw12 = 7;
	t->h->buf_fail = 3;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	/* polls retry; the third retry finds a buffer */
	while (!inproc_reap(t->h, 1, &cqe))
		nvme_ctrl_poll(t->c);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(t->h->buf_fail, 0);
}

static void test_bus_master_off(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_IO_WRITE, 1);
	struct nvme_cqe cqe;
	uint64_t a;

	h_buf(t, 4096, &a);
	s.prp1 = a;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	/* DMA refused: nothing fetched, nothing posted, nothing hangs */
	t->h->bus_master = false;
	s = h_sqe(t, NVME_IO_WRITE, 1);
	s.prp1 = a;
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_true(nvme_ctrl_idle(t->c));
	t->h->bus_master = true;
}

static void test_null_backend(void **state)
{
	struct harness *t = *state;
	struct bdev *b = bdev_null_create("Null0", 1024, 4096);
	struct nvme_id_ns *id;
	uint64_t a;
	uint8_t *p = h_buf(t, 8192, &a);
	struct nvme_sqe s;

	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, b, NULL), 0);
	assert_int_equal(h_identify(t, NVME_CNS_NS, 2, 0, (void **)&id), 0);
	assert_int_equal(id->lbaf[0].lbads, 12);
	assert_int_equal(id->nsze, 1024);
	memset(p, 0xff, 8192);
	s = h_sqe(t, NVME_IO_READ, 2);
	h_prp(t, &s, a, 8192);
	s.cdw12 = 1;
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[8191], 0);
	s = h_sqe(t, NVME_IO_WRITE, 2);
	h_prp(t, &s, a, 8192);
	s.cdw10 = 1023;
	s.cdw12 = 1;
	assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_LBA_RANGE));
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), -ENOENT);
	bdev_destroy(b);
}

static void test_ns_attach_errors(void **state)
{
	struct harness *t = *state;

	assert_int_equal(nvme_ctrl_attach_ns(t->c, 0, t->ns1, NULL), -EINVAL);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, t->cfg.nn + 1, t->ns1, NULL), -EINVAL);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 1, t->ns1, NULL), -EEXIST);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, io_setup, h_teardown)
		T(test_write_read_round_trip),
		T(test_lba_range_and_ns),
		T(test_io_stats_per_queue),
		T(test_mdts),
		T(test_flush),
		T(test_write_zeroes),
		T(test_dsm_deallocate),
		T(test_compare),
		T(test_io_invalid_opcode),
		T(test_backend_errors),
		T(test_deferred_completion),
		T(test_deferred_queue_backend),
		T(test_vwc_off_forces_fua),
		T(test_buffer_exhaustion_waits),
		T(test_bus_master_off),
		T(test_null_backend),
		T(test_ns_attach_errors),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
