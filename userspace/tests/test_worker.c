// SPDX-License-Identifier: GPL-2.0
/*
 * I/O threads: mail runs on the worker's own thread, in the order it was
 * posted; a caller that is itself a worker keeps serving while it waits;
 * a worker is pinned to its CPU; after work it busy-polls for its window.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../snap_service/worker.h"

#define MAX_SEEN	64

/* What a worker saw, written on its thread, read once a call returned. */
struct seen {
	pthread_t thread;
	unsigned int nr_events;
	uint32_t order[MAX_SEEN];	/* event values, then ~0 for a call */
	unsigned int nr;
	unsigned int polls;
	int cpu;
	bool current_ok;		/* worker_current and ioloop_current */
};

static int count_poll(struct svc_worker *w)
{
	struct seen *seen = w->priv;

	seen->polls++;
	return 0;
}

static void record_event(struct svc_worker *w, const struct snap_event *ev)
{
	struct seen *seen = w->priv;

	seen->thread = pthread_self();
	seen->nr_events++;
	if (seen->nr < MAX_SEEN)
		seen->order[seen->nr++] = ev->value;
}

static const struct worker_ops ops = {
	.poll = count_poll,
	.event = record_event,
};

static void *pool_mem[2];

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		pool_mem[i] = aligned_alloc(BUFPOOL_CHUNK, BUFPOOL_CHUNK);
		if (!pool_mem[i])
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		free(pool_mem[i]);
	return 0;
}

/* Worker @index's pool: its own chunk, wholly resident, no fixed buffers. */
static const struct worker_pool *share(unsigned int index)
{
	static struct worker_pool p[2];

	p[index] = (struct worker_pool){ .base = pool_mem[index], .len = BUFPOOL_CHUNK };
	return &p[index];
}

static void start_worker(struct svc_worker *w, unsigned int index, int cpu,
			 struct seen *seen)
{
	assert_int_equal(worker_init(w, index, cpu, &ops, seen, 8, share(index)), 0);
	assert_int_equal(worker_start(w), 0);
}

static void note_call(struct svc_worker *w, void *arg)
{
	struct seen *seen = w->priv;

	(void)arg;
	seen->thread = pthread_self();
	seen->cpu = sched_getcpu();
	/* cmocka's asserts may not jump out of another thread: record. */
	seen->current_ok = worker_current == w && ioloop_current == &w->loop;
	if (seen->nr < MAX_SEEN)
		seen->order[seen->nr++] = ~0u;
}

static void test_call_runs_on_the_worker_thread(void **state)
{
	struct seen seen = { 0 };
	struct svc_worker w;

	(void)state;
	start_worker(&w, 1, -1, &seen);
	worker_call(&w, note_call, NULL);
	assert_false(pthread_equal(seen.thread, pthread_self()));
	assert_true(seen.current_ok);
	assert_int_equal(seen.nr, 1);
	worker_destroy(&w);
}

static void test_events_arrive_in_order_before_a_later_call(void **state)
{
	struct seen seen = { 0 };
	struct svc_worker w;
	pthread_t events_thread;

	(void)state;
	start_worker(&w, 1, -1, &seen);
	for (uint32_t i = 0; i < 40; i++) {
		struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL, .value = i };

		assert_int_equal(worker_post_event(&w, &ev), 0);
	}
	worker_call(&w, note_call, NULL);
	events_thread = seen.thread;
	assert_int_equal(seen.nr_events, 40);
	assert_int_equal(seen.nr, 41);
	for (uint32_t i = 0; i < 40; i++)
		assert_int_equal(seen.order[i], i);
	assert_int_equal(seen.order[40], ~0u);
	assert_false(pthread_equal(events_thread, pthread_self()));
	worker_destroy(&w);
}

static void test_own_events_and_calls_run_inline(void **state)
{
	struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL, .value = 7 };
	struct seen seen = { 0 };
	struct svc_worker w;

	(void)state;
	assert_int_equal(worker_init(&w, 0, -1, &ops, &seen, 8, share(0)), 0);
	assert_int_equal(worker_adopt(&w), 0);
	assert_int_equal(worker_post_event(&w, &ev), 0);
	assert_int_equal(seen.nr_events, 1);
	worker_call(&w, note_call, NULL);
	assert_true(pthread_equal(seen.thread, pthread_self()));
	assert_int_equal(seen.nr, 2);
	worker_destroy(&w);
	assert_null(worker_current);
}

static void slow_call(struct svc_worker *w, void *arg)
{
	(void)w;
	(void)arg;
	usleep(20 * 1000);
}

/* The main thread waiting for another worker must not stop serving its
 * own controllers meanwhile. */
static void test_caller_keeps_serving_while_it_waits(void **state)
{
	struct seen seen0 = { 0 }, seen1 = { 0 };
	struct svc_worker w0, w1;

	(void)state;
	assert_int_equal(worker_init(&w0, 0, -1, &ops, &seen0, 8, share(0)), 0);
	assert_int_equal(worker_adopt(&w0), 0);
	start_worker(&w1, 1, -1, &seen1);
	worker_call(&w1, slow_call, NULL);
	assert_true(seen0.polls > 0);
	worker_destroy(&w1);
	worker_destroy(&w0);
}

static void test_worker_is_pinned_to_its_cpu(void **state)
{
	struct seen seen = { 0 };
	struct svc_worker w;

	(void)state;
	start_worker(&w, 1, 0, &seen);
	worker_call(&w, note_call, NULL);
	assert_int_equal(seen.cpu, 0);
	worker_destroy(&w);
}

/* A poll op that reports work once, then none. */
static int work_once(struct svc_worker *w)
{
	struct seen *seen = w->priv;

	return seen->polls++ == 0;
}

static const struct worker_ops work_once_ops = {
	.poll = work_once,
	.event = record_event,
};

struct rescue {
	struct svc_worker *w;
	bool rescued;
};

/* Posts mail after 2 s, in case the worker went to sleep on its ring. */
static void *rescue_later(void *arg)
{
	struct rescue *r = arg;
	struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL };

	sleep(2);
	__atomic_store_n(&r->rescued, true, __ATOMIC_SEQ_CST);
	worker_post_event(r->w, &ev);
	return NULL;
}

/*
 * After work, a worker with a busy-poll window polls on: a pass that finds
 * nothing returns at once instead of sleeping on the ring (only mail
 * would end that sleep). Without a window it sleeps as before.
 */
static void test_busy_poll_keeps_polling_after_work(void **state)
{
	struct seen seen = { 0 };
	struct rescue r = { 0 };
	struct svc_worker w;
	pthread_t t;

	(void)state;
	assert_int_equal(worker_init(&w, 0, -1, &work_once_ops, &seen, 8, share(0)), 0);
	assert_int_equal(worker_adopt(&w), 0);
	worker_set_busy_poll(&w, 1000);
	assert_false(worker_busy_polling(&w));
	assert_int_equal(worker_run_once(&w, true), 1);
	assert_true(worker_busy_polling(&w));

	r.w = &w;
	assert_int_equal(pthread_create(&t, NULL, rescue_later, &r), 0);
	assert_int_equal(worker_run_once(&w, true), 0);
	assert_false(__atomic_load_n(&r.rescued, __ATOMIC_SEQ_CST));
	assert_int_equal(seen.polls, 2);

	/* No window: the idle pass sleeps until the rescuer's mail. */
	worker_set_busy_poll(&w, 0);
	assert_false(worker_busy_polling(&w));
	while (worker_run_once(&w, true) == 0)
		;
	assert_true(__atomic_load_n(&r.rescued, __ATOMIC_SEQ_CST));
	pthread_join(t, NULL);
	worker_destroy(&w);
}

/* The window ends: a worker idle for longer than it sleeps again. */
static void test_busy_poll_window_ends(void **state)
{
	struct seen seen = { 0 };
	struct svc_worker w;

	(void)state;
	assert_int_equal(worker_init(&w, 0, -1, &work_once_ops, &seen, 8, share(0)), 0);
	assert_int_equal(worker_adopt(&w), 0);
	worker_set_busy_poll(&w, 20);
	assert_int_equal(worker_run_once(&w, false), 1);
	assert_true(worker_busy_polling(&w));
	usleep(200 * 1000);
	assert_false(worker_busy_polling(&w));
	worker_destroy(&w);
}

/* A poll op that reports work on every pass (the test decides when to pass). */
static int work_always(struct svc_worker *w)
{
	struct seen *seen = w->priv;

	seen->polls++;
	return 1;
}

static const struct worker_ops work_always_ops = {
	.poll = work_always,
	.event = record_event,
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Spins until the coarse clock moves; returns the fine clock then. */
static uint64_t next_coarse_tick(void)
{
	uint64_t c = clock_ns(CLOCK_MONOTONIC_COARSE);

	while (clock_ns(CLOCK_MONOTONIC_COARSE) == c)
		;
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * The window lasts at least its length even when the coarse clock ticks
 * right after the work: work done just before a tick, then the tick, a
 * fraction of the window later, finds the worker still polling (it used
 * to stop at that tick, so a steady stream of commands put it to sleep
 * once per tick).
 */
static void test_busy_poll_window_outlasts_a_tick(void **state)
{
	struct seen seen = { 0 };
	struct timespec res;
	struct svc_worker w;
	uint64_t tick_ns, window_ns, work_ns, after_ns;
	unsigned int tries;

	(void)state;
	assert_int_equal(clock_getres(CLOCK_MONOTONIC_COARSE, &res), 0);
	tick_ns = (uint64_t)res.tv_sec * 1000000000u + (uint64_t)res.tv_nsec;
	if (tick_ns < 2000000) {
		skip();		/* a 1 ms tick: no window shorter than it */
		return;
	}
	assert_int_equal(worker_init(&w, 0, -1, &work_always_ops, &seen, 8, share(0)), 0);
	assert_int_equal(worker_adopt(&w), 0);
	window_ns = tick_ns / 2;
	worker_set_busy_poll(&w, (unsigned int)(window_ns / 1000000));
	for (tries = 0; tries < 50; tries++) {
		/* the work a quarter of a tick before the next tick */
		uint64_t tick = next_coarse_tick();

		while (clock_ns(CLOCK_MONOTONIC) < tick + tick_ns - tick_ns / 4)
			;
		work_ns = clock_ns(CLOCK_MONOTONIC);
		assert_int_equal(worker_run_once(&w, false), 1);
		after_ns = next_coarse_tick();
		/* preempted past the window: that try proves nothing */
		if (after_ns - work_ns >= window_ns)
			continue;
		assert_true(worker_busy_polling(&w));
		break;
	}
	assert_true(tries < 50);
	worker_destroy(&w);
}

static void test_pinning_to_a_missing_cpu_fails(void **state)
{
	struct seen seen = { 0 };
	struct svc_worker w;

	(void)state;
	assert_int_equal(worker_init(&w, 0, CPU_SETSIZE - 1, &ops, &seen, 8, share(0)), 0);
	assert_int_equal(worker_adopt(&w), -EINVAL);
	worker_destroy(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_runs_on_the_worker_thread),
		cmocka_unit_test(test_events_arrive_in_order_before_a_later_call),
		cmocka_unit_test(test_own_events_and_calls_run_inline),
		cmocka_unit_test(test_caller_keeps_serving_while_it_waits),
		cmocka_unit_test(test_worker_is_pinned_to_its_cpu),
		cmocka_unit_test(test_pinning_to_a_missing_cpu_fails),
		cmocka_unit_test(test_busy_poll_keeps_polling_after_work),
		cmocka_unit_test(test_busy_poll_window_ends),
		cmocka_unit_test(test_busy_poll_window_outlasts_a_tick),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
