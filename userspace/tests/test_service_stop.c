// SPDX-License-Identifier: GPL-2.0
/*
 * A controller stopped, or a bdev taken from it, while its backend still
 * has I/O of it: the engine lives until that I/O completed (the
 * completion writes into it), and a bdev the engine could not let go of
 * stays attached and is destroyed only once it could. The engine here is
 * a stand-in whose one backend I/O is a read of an eventfd on the
 * worker's ring, which the test completes when it chooses. With a lane,
 * its queue group on a second worker has a backend I/O of its own there.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../snap_service/engine.h"
#include "../snap_service/service.h"

struct fake_cfg {
	int efd;
	int lane_efd;		/* group 1's I/O, when it has a lane */
	bool host_wait;		/* also a command only the host can end */
};

/* The engine: one backend I/O in flight from its creation on. */
struct fake_engine {
	struct ioloop_req req;
	uint64_t val;
	bool busy;			/* the I/O is out */
	bool host_wait;			/* a command waits for the host */
	unsigned int completions;	/* written by the completion */
	struct bdev *bdev;		/* what it uses under key 1 */
	/* group 1, on the lane's worker */
	struct ioloop_req g_req;
	uint64_t g_val;
	int g_efd;
	unsigned int groups;
	bool g_started;
	atomic_bool g_busy;
};

/* What the test sees of it from its own thread. */
static atomic_bool io_done, destroyed, destroyed_busy;
static atomic_bool lane_done, lane_exited, exited_before_destroy;

static void fake_io_done(struct ioloop_req *req, int res)
{
	struct fake_engine *e = (struct fake_engine *)req;

	(void)res;
	e->busy = false;
	e->completions++;
	atomic_store(&io_done, true);
}

static void *fake_create(const void *cfg, struct snap_host *h)
{
	const struct fake_cfg *fc = cfg;
	struct fake_engine *e = calloc(1, sizeof(*e));
	struct io_uring_sqe *sqe;

	(void)h;
	if (!e)
		return NULL;
	e->req.cb = fake_io_done;
	sqe = ioloop_sqe(ioloop_current, &e->req);
	if (!sqe) {
		free(e);
		return NULL;
	}
	io_uring_prep_read(sqe, fc->efd, &e->val, sizeof(e->val), 0);
	ioloop_submit(ioloop_current);
	e->busy = true;
	e->host_wait = fc->host_wait;
	e->g_efd = fc->lane_efd;
	return e;
}

static void fake_destroy(void *p)
{
	struct fake_engine *e = p;

	atomic_store(&exited_before_destroy, !e->groups || atomic_load(&lane_exited));
	atomic_store(&destroyed_busy, e->busy);
	atomic_store(&destroyed, true);
	free(e);
}

static int fake_poll(void *p)
{
	(void)p;
	return 0;
}

static bool fake_idle(const void *p)
{
	const struct fake_engine *e = p;

	return !e->busy && !e->host_wait && !atomic_load(&e->g_busy);
}

static bool fake_backend_idle(const void *p)
{
	const struct fake_engine *e = p;

	return !e->busy && !atomic_load(&e->g_busy);
}

/* ---- a second queue group, on the lane's worker ---- */

static int fake_add_group(void *p, struct snap_host *h)
{
	struct fake_engine *e = p;

	(void)h;
	return (int)++e->groups;
}

static void fake_set_kick(void *p, void (*kick)(void *arg, unsigned int g), void *arg)
{
	(void)p;
	(void)kick;
	(void)arg;
}

static unsigned int fake_event_group(const void *p, const struct snap_event *ev)
{
	(void)p;
	(void)ev;
	return 0;
}

static void fake_group_event(void *p, unsigned int g, const struct snap_event *ev)
{
	(void)p;
	(void)g;
	(void)ev;
}

static void fake_group_io_done(struct ioloop_req *req, int res)
{
	struct fake_engine *e = (struct fake_engine *)((char *)req -
						       offsetof(struct fake_engine, g_req));

	(void)res;
	atomic_store(&e->g_busy, false);
	atomic_store(&lane_done, true);
}

/* The first pass on the lane's thread starts the group's backend I/O. */
static int fake_group_poll(void *p, unsigned int g)
{
	struct fake_engine *e = p;
	struct io_uring_sqe *sqe;

	assert_int_equal(g, 1);
	if (e->g_started)
		return 0;
	e->g_started = true;
	e->g_req.cb = fake_group_io_done;
	sqe = ioloop_sqe(ioloop_current, &e->g_req);
	assert_non_null(sqe);
	io_uring_prep_read(sqe, e->g_efd, &e->g_val, sizeof(e->g_val), 0);
	ioloop_submit(ioloop_current);
	atomic_store(&e->g_busy, true);
	return 1;
}

static bool fake_group_backend_idle(const void *p, unsigned int g)
{
	(void)g;
	return !atomic_load(&((const struct fake_engine *)p)->g_busy);
}

static void fake_group_exit(void *p, unsigned int g)
{
	(void)p;
	(void)g;
	atomic_store(&lane_exited, true);
}

static void fake_nop(void *p)
{
	(void)p;
}

static int fake_attach(void *p, uint32_t key, struct bdev *b, const uint8_t *uuid)
{
	struct fake_engine *e = p;

	(void)uuid;
	if (key != 1 || e->bdev)
		return -EINVAL;
	e->bdev = b;
	return 0;
}

/* Its one I/O is on the bdev: it cannot let go while that is out. */
static int fake_detach(void *p, uint32_t key)
{
	struct fake_engine *e = p;

	if (key != 1 || !e->bdev)
		return -ENOENT;
	if (e->busy)
		return -EBUSY;
	e->bdev = NULL;
	return 0;
}

static const struct svc_engine_ops fake_ops = {
	.name = "fake",
	.create = fake_create,
	.destroy = fake_destroy,
	.poll = fake_poll,
	.idle = fake_idle,
	.backend_idle = fake_backend_idle,
	.suspend = fake_nop,
	.retire = fake_nop,
	.resume = fake_nop,
	.attach_bdev = fake_attach,
	.detach_bdev = fake_detach,
	.add_group = fake_add_group,
	.set_kick = fake_set_kick,
	.event_group = fake_event_group,
	.group_event = fake_group_event,
	.group_poll = fake_group_poll,
	.group_backend_idle = fake_group_backend_idle,
	.group_exit = fake_group_exit,
};

/* A bdev whose destruction the test sees. */
static atomic_bool bdev_gone;

static int fake_bdev_submit(struct bdev *b, struct bdev_io *io)
{
	(void)b;
	(void)io;
	return -EIO;
}

static void fake_bdev_destroy(struct bdev *b)
{
	atomic_store(&bdev_gone, true);
	free(b);
}

static const struct bdev_ops fake_bdev_ops = {
	.type = "fake",
	.submit = fake_bdev_submit,
	.destroy = fake_bdev_destroy,
};

static void *pool_mem;

static int setup(void **state)
{
	(void)state;
	pool_mem = aligned_alloc(BUFPOOL_CHUNK, 2 * BUFPOOL_CHUNK);
	return pool_mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(pool_mem);
	return 0;
}

struct rig {
	struct svc_worker w, w2;
	struct svc_shard sh, sh2;
	struct svc_ctrl *c;
	int efd, lane_efd;
	bool lane;
};

static void rig_up_lanes(struct rig *r, bool host_wait, bool lane)
{
	struct worker_pool pool = { .base = pool_mem, .len = BUFPOOL_CHUNK };
	struct worker_pool pool2 = { .base = (char *)pool_mem + BUFPOOL_CHUNK,
				     .len = BUFPOOL_CHUNK };
	struct fake_cfg cfg = { .host_wait = host_wait };

	memset(r, 0, sizeof(*r));
	atomic_store(&io_done, false);
	atomic_store(&destroyed, false);
	atomic_store(&destroyed_busy, false);
	atomic_store(&bdev_gone, false);
	atomic_store(&lane_done, false);
	atomic_store(&lane_exited, false);
	atomic_store(&exited_before_destroy, false);
	r->efd = eventfd(0, EFD_CLOEXEC);
	r->lane_efd = eventfd(0, EFD_CLOEXEC);
	assert_true(r->efd >= 0 && r->lane_efd >= 0);
	assert_int_equal(worker_init(&r->w, 1, -1, &svc_shard_ops, &r->sh, 8, &pool), 0);
	assert_int_equal(worker_start(&r->w), 0);
	r->c = calloc(1, sizeof(*r->c));
	assert_non_null(r->c);
	r->c->w = &r->w;
	r->c->ops = &fake_ops;
	r->c->func_id = 7;
	r->lane = lane;
	if (lane) {
		assert_int_equal(worker_init(&r->w2, 2, -1, &svc_shard_ops, &r->sh2, 8,
					     &pool2), 0);
		assert_int_equal(worker_start(&r->w2), 0);
		r->c->lanes = calloc(1, sizeof(*r->c->lanes));
		assert_non_null(r->c->lanes);
		r->c->lanes[0] = (struct svc_lane){ .c = r->c, .w = &r->w2, .g = 1 };
		r->c->nr_lanes = 1;
	}
	cfg.efd = r->efd;
	cfg.lane_efd = r->lane_efd;
	assert_int_equal(svc_ctrl_start(r->c, &cfg, true), 0);
}

static void rig_up(struct rig *r, bool host_wait)
{
	rig_up_lanes(r, host_wait, false);
}

/* The backend completes the engine's I/O. */
static void complete_io(struct rig *r)
{
	uint64_t one = 1;

	assert_int_equal(write(r->efd, &one, sizeof(one)), sizeof(one));
}

/* Waits up to about 10 s for flag. */
static bool wait_for(atomic_bool *flag)
{
	for (int i = 0; i < 1000 && !atomic_load(flag); i++)
		usleep(10000);
	return atomic_load(flag);
}

static void rig_down(struct rig *r)
{
	worker_destroy(&r->w);
	if (r->lane)
		worker_destroy(&r->w2);
	close(r->efd);
	close(r->lane_efd);
}

static void complete_lane_io(struct rig *r)
{
	uint64_t one = 1;

	assert_int_equal(write(r->lane_efd, &one, sizeof(one)), sizeof(one));
}

/*
 * A controller whose queue group on another thread still has backend I/O
 * when it is stopped: its engine stays until that I/O ended and the lane
 * left its worker (group_exit on the lane's thread first).
 */
static void test_stop_waits_for_the_lanes_io(void **state)
{
	struct rig r;

	(void)state;
	rig_up_lanes(&r, false, true);
	complete_io(&r);
	assert_true(wait_for(&io_done));
	/* the lane's first pass starts its group's I/O */
	assert_true(wait_for(&((struct fake_engine *)r.c->engine)->g_busy));
	assert_int_equal(svc_ctrl_stop(r.c), -EBUSY);
	assert_false(atomic_load(&destroyed));
	assert_false(atomic_load(&lane_exited));
	complete_lane_io(&r);
	assert_true(wait_for(&destroyed));
	assert_true(atomic_load(&lane_done));
	assert_true(atomic_load(&exited_before_destroy));
	assert_false(atomic_load(&destroyed_busy));
	rig_down(&r);
}

/* With the lane's group idle, stop takes it off its worker and frees all. */
static void test_stop_with_idle_lanes(void **state)
{
	struct rig r;

	(void)state;
	rig_up_lanes(&r, false, true);
	complete_io(&r);
	assert_true(wait_for(&io_done));
	complete_lane_io(&r);
	assert_true(wait_for(&lane_done));
	assert_int_equal(svc_ctrl_stop(r.c), 0);
	assert_true(atomic_load(&destroyed));
	assert_true(atomic_load(&exited_before_destroy));
	assert_null(r.sh2.lanes);
	free(r.c->lanes);
	free(r.c);
	rig_down(&r);
}

/*
 * Stopped with its I/O out, the engine is kept (on its worker, no longer
 * the caller's) until the completion came, and freed after it.
 */
static void test_stop_keeps_the_engine_until_its_io_ended(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, true);
	assert_int_equal(svc_ctrl_stop(r.c), -EBUSY);
	assert_false(atomic_load(&destroyed));
	complete_io(&r);
	assert_true(wait_for(&destroyed));
	assert_true(atomic_load(&io_done));
	assert_false(atomic_load(&destroyed_busy));
	rig_down(&r);
}

/*
 * With nothing at the backend the engine goes at stop, also when a
 * command still waits for a host that is gone (after the drain), and c
 * is the caller's again.
 */
static void test_stop_without_backend_io(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, true);
	complete_io(&r);
	assert_true(wait_for(&io_done));
	assert_int_equal(svc_ctrl_stop(r.c), 0);
	assert_true(atomic_load(&destroyed));
	free(r.c);
	rig_down(&r);
}

/* Stopped idle, the engine goes at once and c is the caller's again. */
static void test_stop_of_an_idle_engine(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, false);
	complete_io(&r);
	assert_true(wait_for(&io_done));
	assert_int_equal(svc_ctrl_stop(r.c), 0);
	assert_true(atomic_load(&destroyed));
	free(r.c);
	rig_down(&r);
}

/*
 * A detach the engine refuses keeps the attachment and its hold: the
 * bdev, gone from the mirror, waits; once the I/O ended the retried
 * detach works and the bdev is destroyed.
 */
static void test_refused_detach_keeps_the_bdev(void **state)
{
	struct service s;
	struct bdev *b = calloc(1, sizeof(*b));
	struct rig r;

	(void)state;
	assert_non_null(b);
	assert_int_equal(bdev_init(b, &fake_bdev_ops, "held", 8, 512), 0);
	memset(&s, 0, sizeof(s));
	rig_up(&r, false);
	assert_int_equal(svc_ctrl_attach(r.c, 1, b, NULL), 0);
	assert_int_equal(atomic_load(&b->holders), 1);

	assert_int_equal(svc_ctrl_detach(r.c, 1, true, 10), -EBUSY);
	assert_int_equal(r.c->nr_attached, 1);
	assert_true(r.c->attached[1].detaching);
	assert_int_equal(atomic_load(&b->holders), 1);
	assert_false(svc_bdev_release(&s, b));
	svc_reap_doomed(&s);
	assert_false(atomic_load(&bdev_gone));
	assert_non_null(s.doomed);

	complete_io(&r);
	assert_true(wait_for(&io_done));
	assert_int_equal(svc_ctrl_detach(r.c, 1, true, 10), 0);
	assert_int_equal(r.c->nr_attached, 0);
	assert_int_equal(atomic_load(&b->holders), 0);
	svc_reap_doomed(&s);
	assert_true(atomic_load(&bdev_gone));
	assert_null(s.doomed);

	assert_int_equal(svc_ctrl_stop(r.c), 0);
	free(r.c->attached);
	free(r.c);
	rig_down(&r);
}

/* A bdev nobody holds goes at once. */
static void test_release_of_an_unheld_bdev(void **state)
{
	struct service s;
	struct bdev *b = calloc(1, sizeof(*b));

	(void)state;
	assert_non_null(b);
	assert_int_equal(bdev_init(b, &fake_bdev_ops, "free", 8, 512), 0);
	memset(&s, 0, sizeof(s));
	atomic_store(&bdev_gone, false);
	assert_true(svc_bdev_release(&s, b));
	assert_true(atomic_load(&bdev_gone));
	assert_null(s.doomed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_keeps_the_engine_until_its_io_ended),
		cmocka_unit_test(test_stop_without_backend_io),
		cmocka_unit_test(test_stop_of_an_idle_engine),
		cmocka_unit_test(test_refused_detach_keeps_the_bdev),
		cmocka_unit_test(test_release_of_an_unheld_bdev),
		cmocka_unit_test(test_stop_waits_for_the_lanes_io),
		cmocka_unit_test(test_stop_with_idle_lanes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
