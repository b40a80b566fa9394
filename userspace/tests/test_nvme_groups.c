// SPDX-License-Identifier: GPL-2.0
/*
 * One controller served by several threads: its I/O queues in queue
 * groups (a CQ and the SQs that complete to it per group, round the
 * groups), each group with its own host view, slots and buffers. Group 0
 * is the home: the admin queue and every controller-level step. These
 * tests drive the groups from one thread where the order matters, and
 * from two threads at once where only the outcome does.
 */
#include <pthread.h>

#include "nvme_harness.h"

#define NR_GROUPS	2

struct groups {
	struct harness *t;
	struct inproc_host *view;	/* group 1's host */
	unsigned int kicks[NR_GROUPS];	/* calls for a pass, by group */
	struct man_bdev *man;
};

static void record_kick(void *arg, unsigned int g)
{
	struct groups *x = arg;

	assert_true(g < NR_GROUPS);
	__atomic_fetch_add(&x->kicks[g], 1, __ATOMIC_RELAXED);
}

/* As the daemon routes them: each doorbell to its queue's group. */
static void route_event(void *arg, const struct snap_event *ev)
{
	struct groups *x = arg;
	unsigned int g = nvme_ctrl_event_group(x->t->c, ev);

	if (g)
		nvme_ctrl_group_event(x->t->c, g, ev);
	else
		nvme_ctrl_event(x->t->c, ev);
}

static struct groups *groups_new(void)
{
	struct groups *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->t = h_new();
	x->view = inproc_view(x->t->h);
	assert_non_null(x->view);
	assert_int_equal(nvme_ctrl_add_group(x->t->c, &x->view->host), 1);
	assert_int_equal(nvme_ctrl_nr_groups(x->t->c), NR_GROUPS);
	nvme_ctrl_set_kick(x->t->c, record_kick, x);
	inproc_set_sink(x->t->h, route_event, x);
	return x;
}

static void groups_free(struct groups *x)
{
	struct harness *t = x->t;

	while (!nvme_ctrl_idle(t->c) &&
	       (nvme_ctrl_poll(t->c) | nvme_ctrl_group_poll(t->c, 1)))
		;
	nvme_ctrl_group_exit(t->c, 1);
	assert_int_equal(x->view->einval, 0);
	assert_int_equal(x->view->bufs_out, 0);
	h_free(t);
	inproc_view_destroy(x->view);
	if (x->man)
		bdev_destroy(&x->man->b);
	free(x);
}

static int setup(void **state)
{
	*state = groups_new();
	return 0;
}

static int teardown(void **state)
{
	groups_free(*state);
	return 0;
}

/* A read of one block on qid, its CQE waited for by the caller. */
static void submit_read(struct groups *x, uint16_t qid, uint32_t nsid,
			uint64_t lba, uint64_t addr, struct nvme_sqe *s)
{
	*s = h_sqe(x->t, NVME_IO_READ, nsid);
	s->prp1 = addr;
	s->cdw10 = (uint32_t)lba;
	assert_int_equal(inproc_submit(x->t->h, qid, s), 0);
}

static void test_queues_go_round_the_groups(void **state)
{
	struct groups *x = *state;
	struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL };

	for (uint16_t q = 1; q <= 4; q++)
		h_io_queue(x->t, q, 16);
	for (uint16_t q = 1; q <= 4; q++) {
		ev.type = SNAP_EV_SQ_DOORBELL;
		ev.qid = q;
		assert_int_equal(nvme_ctrl_event_group(x->t->c, &ev), (q - 1) % 2);
		ev.type = SNAP_EV_CQ_DOORBELL;
		assert_int_equal(nvme_ctrl_event_group(x->t->c, &ev), (q - 1) % 2);
	}
	ev.qid = 0;
	assert_int_equal(nvme_ctrl_event_group(x->t->c, &ev), 0);
	ev.type = SNAP_EV_CTRL_DISABLE;
	ev.qid = 2;
	assert_int_equal(nvme_ctrl_event_group(x->t->c, &ev), 0);
}

/* An SQ belongs to the group of its CQ, not of its own id. */
static void test_sq_goes_with_its_cq(void **state)
{
	struct groups *x = *state;
	struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL, .qid = 3 };

	assert_int_equal(h_create_cq(x->t, 2, 16, 2, true), 0);
	assert_int_equal(h_create_sq(x->t, 3, 16, 2), 0);
	assert_int_equal(nvme_ctrl_event_group(x->t->c, &ev), 1);
}

/* Group 1's queue is served by group 1's pass, through its own host. */
static void test_each_group_serves_its_own_queues(void **state)
{
	struct groups *x = *state;
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t addr, home_dma;

	h_io_queue(x->t, 1, 16);
	h_io_queue(x->t, 2, 16);
	h_buf(x->t, 4096, &addr);
	home_dma = x->t->h->dma_calls;
	submit_read(x, 2, 1, 0, addr, &s);
	assert_int_equal(x->kicks[1], 0);	/* routed, served at once */
	assert_int_equal(inproc_reap(x->t->h, 2, &cqe), 1);
	assert_int_equal(cqe.cid, s.cid);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(x->t->h->dma_calls, home_dma);
	assert_int_equal(x->t->h->post_dma_calls, 0);
	assert_true(x->view->post_dma_calls > 0);
	assert_int_equal(x->view->sqes_fetched, 1);

	/* the home's pass does not touch group 1's queue */
	submit_read(x, 1, 1, 0, addr, &s);
	assert_int_equal(inproc_reap(x->t->h, 1, &cqe), 1);
	assert_int_equal(x->view->sqes_fetched, 1);
}

/* A doorbell that reached the home thread calls the group's. */
static void test_unrouted_doorbell_kicks_its_group(void **state)
{
	struct groups *x = *state;
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t addr;

	h_io_queue(x->t, 2, 16);
	h_buf(x->t, 4096, &addr);
	inproc_set_sink(x->t->h, h_sink, x->t->c);
	submit_read(x, 2, 1, 0, addr, &s);
	assert_int_equal(x->kicks[1], 1);
	assert_int_equal(inproc_reap(x->t->h, 2, &cqe), 0);
	nvme_ctrl_poll(x->t->c);
	assert_int_equal(inproc_reap(x->t->h, 2, &cqe), 0);
	nvme_ctrl_group_poll(x->t->c, 1);
	assert_int_equal(inproc_reap(x->t->h, 2, &cqe), 1);
	assert_int_equal(cqe.cid, s.cid);
}

static void attach_manual(struct groups *x)
{
	x->man = man_create(H_BLOCKS, H_BS);
	assert_int_equal(nvme_ctrl_attach_ns(x->t->c, 2, &x->man->b, NULL), 0);
}

/* The home answers a disable only once group 1's command came back. */
static void test_disable_waits_for_every_group(void **state)
{
	struct groups *x = *state;
	unsigned int done;
	struct nvme_sqe s;
	uint64_t addr;

	attach_manual(x);
	h_io_queue(x->t, 2, 16);
	h_buf(x->t, 4096, &addr);
	submit_read(x, 2, 2, 0, addr, &s);
	assert_int_equal(x->man->n, 1);
	done = x->t->h->done_count;
	inproc_disable(x->t->h);
	assert_int_equal(x->t->h->done_count, done);	/* not yet */
	assert_true(x->kicks[1] > 0);		/* told to drop what it holds */
	x->kicks[0] = 0;
	/* as io_uring would: outside any pass, on group 1's thread */
	assert_int_equal(man_complete(x->man, 0), 1);
	assert_int_equal(x->kicks[0], 1);	/* group 1 calls the home */
	nvme_ctrl_poll(x->t->c);
	assert_int_equal(x->t->h->done_count, done + 1);
	assert_int_equal(x->t->h->last_done_event, SNAP_EV_CTRL_DISABLE);
}

/* Delete I/O SQ of group 1's queue completes when its command ended. */
static void test_delete_sq_waits_for_its_group(void **state)
{
	struct groups *x = *state;
	struct nvme_sqe s, del;
	struct nvme_cqe cqe;
	uint64_t addr;

	attach_manual(x);
	h_io_queue(x->t, 2, 16);
	h_buf(x->t, 4096, &addr);
	submit_read(x, 2, 2, 0, addr, &s);
	del = h_sqe(x->t, NVME_ADM_DELETE_SQ, 0);
	del.cdw10 = 2;
	assert_int_equal(inproc_submit(x->t->h, 0, &del), 0);
	assert_int_equal(inproc_reap(x->t->h, 0, &cqe), 0);
	x->kicks[0] = 0;
	man_complete(x->man, 0);
	nvme_ctrl_group_poll(x->t->c, 1);	/* its CQE goes out first */
	assert_int_equal(inproc_reap(x->t->h, 2, &cqe), 1);
	assert_int_equal(cqe.cid, s.cid);
	assert_true(x->kicks[0] > 0);
	nvme_ctrl_poll(x->t->c);
	assert_int_equal(inproc_reap(x->t->h, 0, &cqe), 1);
	assert_int_equal(cqe.cid, del.cid);
	assert_int_equal(cqe.status >> 1, 0);
}

/* A daemon restarted: group 1's command runs again on group 1's pass. */
static void test_takeover_runs_on_the_queues_group(void **state)
{
	struct groups *x = *state;
	struct harness *t = x->t;
	struct nvme_sqe s = h_sqe(t, NVME_IO_READ, 1);
	struct inproc_host *view2;
	struct nvme_ctrl *old;
	struct nvme_cqe cqe;
	uint64_t addr, fetched;

	h_io_queue(t, 2, 16);
	h_buf(t, 4096, &addr);
	s.prp1 = addr;
	assert_int_equal(inproc_slot_fill(t->h, 7, 2, &s), 0);
	old = t->c;
	t->c = nvme_ctrl_create(&t->cfg, &t->h->host);
	assert_non_null(t->c);
	view2 = inproc_view(t->h);
	assert_int_equal(nvme_ctrl_add_group(t->c, &view2->host), 1);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 1, t->ns1, NULL), 0);
	nvme_ctrl_set_kick(t->c, record_kick, x);
	x->kicks[1] = 0;
	fetched = t->h->dma_calls;
	assert_int_equal(nvme_ctrl_recover(t->c), 1);
	assert_int_equal(x->kicks[1], 1);
	assert_int_equal(inproc_reap(t->h, 2, &cqe), 0);
	assert_int_equal(t->h->dma_calls, fetched);
	nvme_ctrl_group_poll(t->c, 1);
	assert_int_equal(inproc_reap(t->h, 2, &cqe), 1);
	assert_int_equal(cqe.cid, s.cid);
	assert_true(view2->post_dma_calls > 0);
	/* the old engine never ran: nothing of its is out */
	nvme_ctrl_destroy(old);
	nvme_ctrl_group_exit(t->c, 1);
	assert_int_equal(view2->bufs_out, 0);
	inproc_view_destroy(view2);
}

/* ---- two threads ---- */

#define PER_THREAD	20000u

struct driver {
	struct groups *x;
	unsigned int group;
	uint16_t qid;
	uint64_t buf;		/* one block per queue, its pattern */
	unsigned int bad;
};

/* Submit, serve (this thread's group only), reap, check the data. */
static void *drive(void *arg)
{
	struct driver *d = arg;
	struct harness *t = d->x->t;
	uint8_t *data = inproc_mem_ptr(t->h, d->buf, H_BS);

	for (unsigned int i = 0; i < PER_THREAD; i++) {
		struct nvme_sqe s;
		struct nvme_cqe cqe;

		memset(&s, 0, sizeof(s));
		s.opc = NVME_IO_READ;
		s.nsid = 1;
		s.cid = (uint16_t)i;
		s.prp1 = d->buf;
		s.cdw10 = d->qid;	/* the block written with its pattern */
		memset(data, 0, H_BS);
		if (inproc_submit(t->h, d->qid, &s)) {
			d->bad++;
			continue;
		}
		do {
			if (d->group)
				nvme_ctrl_group_poll(t->c, d->group);
			else
				nvme_ctrl_poll(t->c);
		} while (!inproc_reap(t->h, d->qid, &cqe));
		if (cqe.cid != s.cid || cqe.status >> 1 || data[0] != d->qid ||
		    data[H_BS - 1] != d->qid)
			d->bad++;
	}
	return NULL;
}

static void test_two_threads_serve_one_controller(void **state)
{
	struct groups *x = *state;
	struct harness *t = x->t;
	struct driver d[NR_GROUPS];
	pthread_t th;
	struct nvme_ctrl_stats st;

	inproc_set_sink(t->h, NULL, NULL);	/* both threads poll */
	h_io_queue(t, 1, 16);
	h_io_queue(t, 2, 16);
	for (unsigned int i = 0; i < NR_GROUPS; i++) {
		uint8_t *p;

		d[i] = (struct driver){ .x = x, .group = i, .qid = (uint16_t)(i + 1) };
		p = h_buf(t, 4096, &d[i].buf);
		memset(p, d[i].qid, H_BS);
		/* block qid holds the pattern qid */
		assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, d[i].qid, 1, d[i].buf), 0);
	}
	assert_int_equal(pthread_create(&th, NULL, drive, &d[1]), 0);
	drive(&d[0]);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(d[0].bad, 0);
	assert_int_equal(d[1].bad, 0);
	nvme_ctrl_get_stats(t->c, &st);
	assert_int_equal(st.read_cmds, 2 * PER_THREAD);
	assert_int_equal(x->view->sqes_fetched, PER_THREAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queues_go_round_the_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sq_goes_with_its_cq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_group_serves_its_own_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrouted_doorbell_kicks_its_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_waits_for_every_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_sq_waits_for_its_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_takeover_runs_on_the_queues_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_threads_serve_one_controller, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
