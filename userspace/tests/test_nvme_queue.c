// SPDX-License-Identifier: GPL-2.0
/*
 * Queues and controller state: ring wrap and phase tags, a full CQ,
 * doorbells out of range, Delete I/O SQ with commands in flight, CC
 * disable / shutdown / function reset with backend I/O outstanding,
 * suspend and resume, a daemon restart taking over the state, and the
 * data of many reads and writes moving in one transfer.
 */
#include "nvme_harness.h"

static struct nvme_sqe read_cmd(struct harness *t, uint32_t nsid, uint64_t a)
{
	struct nvme_sqe s = h_sqe(t, NVME_IO_READ, nsid);

	s.prp1 = a;
	return s;
}

static void test_wrap_and_phase(void **state)
{
	struct harness *t = h_new();
	struct nvme_cqe cqe;
	uint64_t a;
	int i;

	(void)state;
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 4);	/* 3 usable entries */
	for (i = 0; i < 20; i++) {
		struct nvme_sqe s = read_cmd(t, 1, a);

		assert_int_equal(h_run_on(t, 1, 1, &s), 0);
		assert_int_equal(t->last.sqhd, (i + 1) % 4);
	}
	/* five trips round the CQ: the host's phase flipped each time */
	assert_int_equal(t->h->cq_phase[1], (20 / 4) % 2 ? 0 : 1);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_int_equal(t->h->irqs[1], 20);
	h_free(t);
}

static void test_cq_full_then_drained(void **state)
{
	struct harness *t = h_new();
	struct nvme_cqe cqe;
	uint64_t a;
	int i, got = 0;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(h_create_cq(t, 1, 4, 1, true), 0);	/* room for 3 */
	assert_int_equal(h_create_sq(t, 1, 16, 1), 0);
	for (i = 0; i < 8; i++) {
		struct nvme_sqe s = read_cmd(t, 1, a);

		assert_int_equal(inproc_sq_write(t->h, 1, &s), 0);
	}
	inproc_sq_ring(t->h, 1);
	nvme_ctrl_poll(t->c);
	/* three posted, five waiting for room, none lost */
	while (inproc_reap_quiet(t->h, 1, &cqe))
		got++;
	assert_int_equal(got, 3);
	assert_false(nvme_ctrl_idle(t->c));
	/* the head doorbell lets the rest out */
	inproc_cq_ring(t->h, 1);
	while (got < 8) {
		int n = 0;

		while (inproc_reap_quiet(t->h, 1, &cqe)) {
			assert_int_equal(cqe.status >> 1, 0);
			n++;
		}
		assert_true(n > 0);
		got += n;
		inproc_cq_ring(t->h, 1);
	}
	assert_true(nvme_ctrl_idle(t->c));
	h_free(t);
}

static void test_sq_doorbell_out_of_range(void **state)
{
	struct harness *t = h_new();
	uint64_t a;
	struct nvme_sqe s;

	(void)state;
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 8);
	t->h->state->sq[1].doorbell = 8;	/* beyond the ring */
	nvme_ctrl_poll(t->c);
	assert_int_equal(t->h->state->sq[1].head, 0);
	/* a sane value afterwards works */
	s = read_cmd(t, 1, a);
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	h_free(t);
}

static void test_many_commands_batched(void **state)
{
	struct harness *t = h_new();
	struct nvme_cqe cqe;
	uint64_t a;
	int i, got = 0;

	(void)state;
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 256);
	for (i = 0; i < 200; i++) {
		struct nvme_sqe s = read_cmd(t, 1, a);

		assert_int_equal(inproc_sq_write(t->h, 1, &s), 0);
	}
	inproc_sq_ring(t->h, 1);
	while (inproc_reap_quiet(t->h, 1, &cqe))
		got++;
	assert_int_equal(got, 200);
	/* completions go out in batches of up to 64, one interrupt each */
	assert_true(t->h->irqs[1] <= 8);
	inproc_cq_ring(t->h, 1);
	h_free(t);
}

static void test_delete_sq_with_inflight(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s, del;
	struct nvme_cqe cqe;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	assert_int_equal(m->n, 1);
	del = h_sqe(t, NVME_ADM_DELETE_SQ, 0);
	del.cdw10 = 1;
	assert_int_equal(inproc_submit(t->h, 0, &del), 0);
	/* the delete waits for the read */
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 0);
	assert_int_not_equal(t->h->state->sq[1].size, 0);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, s.cid);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 1);
	assert_int_equal(cqe.cid, del.cid);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(t->h->state->sq[1].size, 0);
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_CQ, 1), 0);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static void test_disable_during_sq_delete(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s, del;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	del = h_sqe(t, NVME_ADM_DELETE_SQ, 0);
	del.cdw10 = 1;
	assert_int_equal(inproc_submit(t->h, 0, &del), 0);
	/* reset while the delete waits: both commands are dropped */
	t->h->done_count = 0;
	inproc_disable(t->h);
	assert_int_equal(t->h->done_count, 0);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(t->h->done_count, 1);
	assert_true(nvme_ctrl_idle(t->c));
	h_enable(t);
	h_io_queue(t, 1, 16);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static void test_disable_drains(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	s = h_sqe(t, NVME_ADM_ASYNC_EVENT, 0);
	assert_int_equal(inproc_submit(t->h, 0, &s), 0);
	t->h->done_count = 0;
	inproc_disable(t->h);
	/* not answered while the backend holds a buffer */
	assert_int_equal(t->h->done_count, 0);
	assert_true(inproc_ready(t->h));
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(t->h->done_count, 1);
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_DISABLE);
	assert_false(inproc_ready(t->h));
	/* nothing was posted for the dropped commands */
	assert_int_equal(inproc_reap_quiet(t->h, 0, &cqe), 0);
	/* enable again: a fresh controller */
	h_enable(t);
	assert_true(inproc_ready(t->h));
	h_io_queue(t, 1, 16);
	s = read_cmd(t, 1, a);
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static void test_disable_idle_answers_at_once(void **state)
{
	struct harness *t = h_new();

	(void)state;
	h_io_queue(t, 1, 16);
	inproc_disable(t->h);
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_DISABLE);
	assert_false(inproc_ready(t->h));
	assert_int_equal(t->h->state->sq[1].size, 0);
	h_free(t);
}

static void test_enable_bad_cc(void **state)
{
	struct harness *t = h_new();
	uint64_t asq = inproc_mem_alloc(t->h, 4096, 4096);

	(void)state;
	inproc_disable(t->h);
	/* MPS 8 KiB: CAP says 4 KiB only */
	inproc_enable(t->h, 15, 15, asq, asq, (1u << 7) | (6u << 16) | (4u << 20));
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_ENABLE);
	assert_int_not_equal(t->h->last_done_status, 0);
	assert_false(inproc_ready(t->h));
	/* CSS other than NVM */
	inproc_enable(t->h, 15, 15, asq, asq, (7u << 4) | (6u << 16) | (4u << 20));
	assert_int_not_equal(t->h->last_done_status, 0);
	/* 128-byte SQEs */
	inproc_enable(t->h, 15, 15, asq, asq, (7u << 16) | (4u << 20));
	assert_int_not_equal(t->h->last_done_status, 0);
	/* and a valid one */
	inproc_enable(t->h, 15, 15, asq, asq, (6u << 16) | (4u << 20));
	assert_int_equal(t->h->last_done_status, 0);
	inproc_disable(t->h);
	h_enable(t);
	assert_true(inproc_ready(t->h));
	h_free(t);
}

static void test_shutdown_flushes(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	t->h->done_count = 0;
	inproc_shutdown(t->h);
	assert_int_equal(t->h->done_count, 0);
	/* the read finishes and is posted; then the flush of each namespace */
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(t->h->done_count, 0);
	assert_int_equal(m->n, 1);
	assert_int_equal(m->io[0]->op, BDEV_OP_FLUSH);
	man_complete(m, 0);
	assert_int_equal(t->h->done_count, 1);
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_SHUTDOWN);
	assert_int_equal(t->h->state->csts & NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_COMPLETE);
	/* no fetching after shutdown */
	s = read_cmd(t, 1, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	inproc_disable(t->h);
	assert_int_equal(t->h->last_done_event, SNAP_EV_CTRL_DISABLE);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static void test_func_reset(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	t->h->done_count = 0;
	t->h->bus_master = false;
	inproc_func_reset(t->h);
	/* the late completion is dropped without DMA or CQE */
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_true(nvme_ctrl_idle(t->c));
	assert_int_equal(t->h->done_count, 0);	/* FLR is not answered */
	t->h->bus_master = true;
	h_enable(t);
	assert_true(inproc_ready(t->h));
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

/* Reads that finish together move their data with their completions: one
 * call (SNAP_POST_DMA). */
static void test_reads_share_one_transfer(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_cqe cqe;
	uint64_t a, calls, posts;
	uint8_t *p = h_buf(t, 16 * 4096, &a);
	unsigned int i;

	(void)state;
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 32);
	for (i = 0; i < 16; i++) {
		struct nvme_sqe s = read_cmd(t, 2, a + i * 4096);

		assert_int_equal(inproc_sq_write(t->h, 1, &s), 0);
	}
	inproc_sq_ring(t->h, 1);
	assert_int_equal(m->n, 16);
	calls = t->h->dma_calls;
	posts = t->h->post_dma_calls;
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	/* the data of all sixteen goes with their completions: one call */
	assert_int_equal(t->h->dma_calls - calls, 0);
	assert_int_equal(t->h->post_dma_calls - posts, 1);
	for (i = 0; i < 16; i++) {
		assert_int_equal(inproc_reap_quiet(t->h, 1, &cqe), 1);
		assert_int_equal(cqe.status >> 1, 0);
		assert_int_equal(p[i * 4096], 0x5a);
		assert_int_equal(p[i * 4096 + 511], 0x5a);
		assert_int_equal(p[i * 4096 + 512], 0);
	}
	inproc_cq_ring(t->h, 1);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

/* One read into memory the host does not have fails the batch: that one
 * gets Data Transfer Error, the others their data. */
static void test_bad_read_in_a_batch_fails_alone(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe good, bad;
	struct nvme_cqe cqe;
	uint64_t a;
	uint8_t *p = h_buf(t, 4096, &a);
	unsigned int i;

	(void)state;
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	bad = read_cmd(t, 2, INPROC_MEM_BASE + t->h->mem_size + 4096);
	good = read_cmd(t, 2, a);
	assert_int_equal(inproc_sq_write(t->h, 1, &bad), 0);
	assert_int_equal(inproc_sq_write(t->h, 1, &good), 0);
	inproc_sq_ring(t->h, 1);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	for (i = 0; i < 2; i++) {
		assert_int_equal(inproc_reap_quiet(t->h, 1, &cqe), 1);
		if (cqe.cid == bad.cid)
			assert_int_equal(cqe.status >> 1, NVME_SC_DATA_XFER_ERROR);
		else
			assert_int_equal(cqe.status >> 1, 0);
	}
	assert_int_equal(p[0], 0x5a);
	/* counted as it ended: one error, the good read's bytes */
	assert_int_equal(t->h->state->stats[1].errors, 1);
	assert_int_equal(t->h->state->stats[1].read_ops, 2);
	assert_int_equal(t->h->state->stats[1].read_bytes, 512);
	inproc_cq_ring(t->h, 1);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

/* A read the backend finishes after a function reset must not write the
 * host memory the host may by now use for something else. */
static void test_read_after_reset_moves_nothing(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s;
	uint64_t a;
	uint8_t *p = h_buf(t, 4096, &a);

	(void)state;
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	memset(p, 0xee, 4096);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	inproc_func_reset(t->h);
	h_enable(t);
	assert_true(inproc_ready(t->h));
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_true(nvme_ctrl_idle(t->c));
	assert_int_equal(p[0], 0xee);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static struct nvme_sqe write_cmd(struct harness *t, uint32_t nsid, uint64_t a)
{
	struct nvme_sqe s = h_sqe(t, NVME_IO_WRITE, nsid);

	s.prp1 = a;
	return s;
}

/* Writes fetched together (one SNAP_IOC_SQ_FETCH) take their data from
 * the host in one SNAP_IOC_DMA before the backend sees them. */
static void test_writes_share_one_transfer(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_cqe cqe;
	uint64_t a, calls, fetches;
	uint8_t *p = h_buf(t, 16 * 4096, &a);
	unsigned int i;

	(void)state;
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 32);
	for (i = 0; i < 16; i++) {
		struct nvme_sqe s = write_cmd(t, 2, a + i * 4096);

		memset(p + i * 4096, 0x10 + i, 512);
		assert_int_equal(inproc_sq_write(t->h, 1, &s), 0);
	}
	calls = t->h->dma_calls;
	fetches = t->h->fetch_calls;
	inproc_sq_ring(t->h, 1);
	assert_int_equal(t->h->dma_calls - calls, 1);
	assert_int_equal(t->h->fetch_calls - fetches, 1);
	assert_int_equal(m->n, 16);
	for (i = 0; i < 16; i++) {
		const uint8_t *d = m->io[i]->buf;

		assert_int_equal(d[0], d[511]);
		assert_true(d[0] >= 0x10 && d[0] < 0x20);
	}
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	for (i = 0; i < 16; i++) {
		assert_int_equal(inproc_reap_quiet(t->h, 1, &cqe), 1);
		assert_int_equal(cqe.status >> 1, 0);
	}
	inproc_cq_ring(t->h, 1);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

/* A write from memory the host does not have fails alone and never
 * reaches the backend; the good one beside it does. */
static void test_bad_write_in_a_batch_fails_alone(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe good, bad;
	struct nvme_cqe cqe;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	bad = write_cmd(t, 2, INPROC_MEM_BASE + t->h->mem_size + 4096);
	good = write_cmd(t, 2, a);
	assert_int_equal(inproc_sq_write(t->h, 1, &bad), 0);
	assert_int_equal(inproc_sq_write(t->h, 1, &good), 0);
	inproc_sq_ring(t->h, 1);
	assert_int_equal(m->n, 1);
	assert_int_equal(inproc_reap_quiet(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, bad.cid);
	assert_int_equal(cqe.status >> 1, NVME_SC_DATA_XFER_ERROR);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap_quiet(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, good.cid);
	assert_int_equal(cqe.status >> 1, 0);
	inproc_cq_ring(t->h, 1);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static void test_suspend_pauses(void **state)
{
	struct harness *t = h_new();
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 16);
	nvme_ctrl_suspend(t->c);
	s = read_cmd(t, 1, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	nvme_ctrl_poll(t->c);
	/* paused, not failed */
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_int_equal(t->h->state->sq[1].head, 0);
	nvme_ctrl_resume(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.status >> 1, 0);
	h_free(t);
}

/* A fetch naming a slot twice, one in use or one past the table takes
 * nothing, as the kernel refuses it. */
static void test_fetch_refuses_bad_slots(void **state)
{
	struct harness *t = h_new();
	struct snap_host *h = &t->h->host;
	const uint16_t twice[3] = { 5, 9, 5 };
	const uint16_t past[2] = { 5, SNAP_INFLIGHT_MAX };
	const uint16_t fine[3] = { 5, 9, 700 };
	unsigned long einval = t->h->einval;

	(void)state;
	h_io_queue(t, 1, 16);
	assert_int_equal(h->ops->sq_fetch(h, 1, twice, 3, NULL), -EBUSY);
	assert_int_equal(h->ops->sq_fetch(h, 1, past, 2, NULL), -EBUSY);
	assert_int_equal(t->h->einval, einval + 2);
	t->h->einval = einval;	/* refused on purpose: h_free() checks for others */
	/* nothing queued: distinct free slots take nothing, and succeed */
	assert_true(h->ops->sq_fetch(h, 1, fine, 3, NULL) >= 0);
	h_free(t);
}

/* A retired engine's late backend completion reaches neither the host's
 * memory nor its CQ nor the function state's counters. */
static void test_retired_engine_only_releases(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t a;
	uint8_t *p = h_buf(t, 4096, &a);

	(void)state;
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	memset(p, 0x5a, 4096);
	s = read_cmd(t, 2, a);
	assert_int_equal(inproc_submit(t->h, 1, &s), 0);
	assert_int_equal(m->n, 1);
	memset(m->io[0]->buf, 0xee, 4096);
	nvme_ctrl_retire(t->c);
	man_complete(m, 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(p[0], 0x5a);
	assert_int_equal(p[4095], 0x5a);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_int_equal(t->h->state->stats[1].read_ops, 0);
	assert_true(nvme_ctrl_backend_idle(t->c));
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	h_free(t);
	bdev_destroy(&m->b);
}

static void restart_sink(void *arg, const struct snap_event *ev)
{
	nvme_ctrl_event(arg, ev);
}

static void test_restart_recovers_inflight(void **state)
{
	struct harness *t = h_new();
	struct man_bdev *m = man_create(64, 512);
	struct nvme_ctrl *c2;
	struct nvme_sqe s1, s2;
	struct nvme_cqe cqe;
	uint64_t a;
	uint8_t *p = h_buf(t, 8192, &a);
	unsigned int i, used = 0;

	(void)state;
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 2, &m->b, NULL), 0);
	h_io_queue(t, 1, 16);
	s1 = read_cmd(t, 2, a);
	s2 = read_cmd(t, 2, a + 4096);
	assert_int_equal(inproc_submit(t->h, 1, &s1), 0);
	assert_int_equal(inproc_submit(t->h, 1, &s2), 0);
	for (i = 0; i < SNAP_INFLIGHT_MAX; i++)
		used += !!(t->h->state->inflight[i].flags & SNAP_INFLIGHT_USED);
	assert_int_equal(used, 2);
	assert_int_equal(t->h->state->sq[1].head, 2);

	/* the daemon dies: its backend I/O is lost with it */
	m->n = 0;
	c2 = nvme_ctrl_create(&t->cfg, &t->h->host);
	assert_non_null(c2);
	assert_int_equal(nvme_ctrl_attach_ns(c2, 1, t->ns1, NULL), 0);
	assert_int_equal(nvme_ctrl_attach_ns(c2, 2, &m->b, NULL), 0);
	inproc_set_sink(t->h, restart_sink, c2);
	assert_int_equal(nvme_ctrl_recover(c2), 2);
	assert_int_equal(m->n, 2);
	man_complete(m, 0);
	nvme_ctrl_poll(c2);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_int_equal(p[0], 0x5a);
	assert_int_equal(p[4096], 0x5a);
	/* and it serves on */
	s1 = read_cmd(t, 1, a);
	assert_int_equal(inproc_submit(t->h, 1, &s1), 0);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, s1.cid);

	/* the old engine is gone: free it without its queues' state */
	nvme_ctrl_destroy(t->c);
	t->c = c2;
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 2), 0);
	bdev_destroy(&m->b);
	h_free(t);
}

static uint16_t get_feature(struct harness *t, uint8_t fid, uint32_t *dw0)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_GET_FEATURES, 0);
	uint16_t st;

	s.cdw10 = fid;
	st = h_admin(t, &s);
	*dw0 = t->last.dw0;
	return st;
}

/* A new engine on a live controller: what the host set, and the counters
 * it has seen, must still be there; after the host's next enable, the
 * features are the defaults again. */
static void test_restart_keeps_features_and_counters(void **state)
{
	struct harness *t = h_new();
	struct nvme_ctrl_stats before, after;
	struct nvme_sqe s = h_sqe(t, NVME_ADM_SET_FEATURES, 0);
	struct nvme_ctrl *c2;
	uint32_t dw0;
	uint64_t a;

	(void)state;
	s.cdw10 = NVME_FEAT_ARBITRATION;
	s.cdw11 = 0x03020103;
	assert_int_equal(h_admin(t, &s), 0);
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 16);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 1, a), 0);
	nvme_ctrl_get_stats(t->c, &before);
	assert_int_equal(before.read_cmds, 1);

	c2 = nvme_ctrl_create(&t->cfg, &t->h->host);
	assert_non_null(c2);
	assert_int_equal(nvme_ctrl_attach_ns(c2, 1, t->ns1, NULL), 0);
	inproc_set_sink(t->h, restart_sink, c2);
	assert_int_equal(nvme_ctrl_recover(c2), 0);
	nvme_ctrl_destroy(t->c);
	t->c = c2;
	assert_int_equal(get_feature(t, NVME_FEAT_ARBITRATION, &dw0), 0);
	assert_int_equal(dw0, 0x03020103);
	nvme_ctrl_get_stats(t->c, &after);
	assert_memory_equal(&before, &after, sizeof(before));

	/* a controller reset brings the defaults back, not the counters */
	h_enable(t);
	assert_int_equal(get_feature(t, NVME_FEAT_ARBITRATION, &dw0), 0);
	assert_int_equal(dw0, 0);
	nvme_ctrl_get_stats(t->c, &after);
	assert_int_equal(after.read_cmds, 1);
	h_free(t);
}

static void test_restart_reruns_queue_commands(void **state)
{
	struct harness *t = h_new();
	struct nvme_ctrl *c2;
	struct nvme_sqe cq = h_sqe(t, NVME_ADM_CREATE_CQ, 0);
	struct nvme_sqe del = h_sqe(t, NVME_ADM_DELETE_SQ, 0);
	struct nvme_cqe cqe;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 16);
	/* the old daemon created CQ 2 and deleted SQ 1, then died before
	 * posting either completion */
	cq.prp1 = inproc_mem_alloc(t->h, 4096, 4096);
	cq.cdw10 = 2 | (15u << 16);
	cq.cdw11 = 1;
	assert_int_equal(h_admin(t, &cq), 0);
	del.cdw10 = 1;
	assert_int_equal(h_admin(t, &del), 0);
	assert_int_equal(inproc_slot_fill(t->h, 3, 0, &cq), 0);
	assert_int_equal(inproc_slot_fill(t->h, 4, 0, &del), 0);
	c2 = nvme_ctrl_create(&t->cfg, &t->h->host);
	assert_non_null(c2);
	assert_int_equal(nvme_ctrl_attach_ns(c2, 1, t->ns1, NULL), 0);
	inproc_set_sink(t->h, restart_sink, c2);
	assert_int_equal(nvme_ctrl_recover(c2), 2);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 1);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 1);
	assert_int_equal(cqe.status >> 1, 0);
	nvme_ctrl_destroy(t->c);
	t->c = c2;
	h_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_and_phase),
		cmocka_unit_test(test_cq_full_then_drained),
		cmocka_unit_test(test_sq_doorbell_out_of_range),
		cmocka_unit_test(test_many_commands_batched),
		cmocka_unit_test(test_delete_sq_with_inflight),
		cmocka_unit_test(test_disable_drains),
		cmocka_unit_test(test_disable_during_sq_delete),
		cmocka_unit_test(test_disable_idle_answers_at_once),
		cmocka_unit_test(test_enable_bad_cc),
		cmocka_unit_test(test_shutdown_flushes),
		cmocka_unit_test(test_func_reset),
		cmocka_unit_test(test_suspend_pauses),
		cmocka_unit_test(test_fetch_refuses_bad_slots),
		cmocka_unit_test(test_retired_engine_only_releases),
		cmocka_unit_test(test_restart_recovers_inflight),
		cmocka_unit_test(test_restart_keeps_features_and_counters),
		cmocka_unit_test(test_reads_share_one_transfer),
		cmocka_unit_test(test_bad_read_in_a_batch_fails_alone),
		cmocka_unit_test(test_read_after_reset_moves_nothing),
		cmocka_unit_test(test_writes_share_one_transfer),
		cmocka_unit_test(test_bad_write_in_a_batch_fails_alone),
		cmocka_unit_test(test_restart_reruns_queue_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
