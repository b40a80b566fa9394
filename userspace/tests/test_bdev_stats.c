// SPDX-License-Identifier: GPL-2.0
/*
 * The bdev layer's I/O counters (struct snap_bdev_stats), the same for
 * every backend: ops, bytes and latency by kind, unmapped bytes, max and
 * min latency, errors through done() only, nothing for a refused submit,
 * exact counts from threads sharing a bdev, and the counters let go of
 * when the bdev is destroyed.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../snap_service/bdev/bdev.h"
#include "bdev_harness.h"
#include "../snap_service/iostats.h"

#define BS	512u
#define BLOCKS	1024u

static unsigned char buf[64 * BS];

/* One I/O, completed before this returns; its status. */
static int run(struct bdev *b, enum bdev_op op, uint64_t block, uint32_t blocks)
{
	return waiter_run(b, op, block * BS, (uint64_t)blocks * BS, buf);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void test_counts_by_kind(void **state)
{
	struct bdev *b = bdev_malloc_create("m0", BLOCKS, BS);
	struct snap_bdev_stats st = { 0 };

	(void)state;
	assert_non_null(b);
	bdev_set_stats(b, &st, NULL);
	assert_int_equal(run(b, BDEV_OP_READ, 0, 8), 0);
	assert_int_equal(run(b, BDEV_OP_WRITE, 8, 4), 0);
	assert_int_equal(run(b, BDEV_OP_WRITE, 16, 2), 0);
	assert_int_equal(run(b, BDEV_OP_UNMAP, 32, 32), 0);
	assert_int_equal(run(b, BDEV_OP_FLUSH, 0, 0), 0);
	assert_int_equal(run(b, BDEV_OP_WRITE_ZEROES, 64, 4), 0);

	assert_int_equal(st.io.read_ops, 1);
	assert_int_equal(st.io.read_bytes, 8 * BS);
	assert_int_equal(st.io.write_ops, 2);
	assert_int_equal(st.io.write_bytes, 6 * BS);
	assert_int_equal(st.io.unmap_ops, 1);
	assert_int_equal(st.unmap_bytes, 32 * BS);
	assert_int_equal(st.io.flush_ops, 1);
	assert_int_equal(st.io.other_ops, 1);
	assert_int_equal(st.io.errors, 0);
	/* Every kind's extremes are set once it ran, and only then. */
	assert_true(st.min_write_lat_ns > 0);
	assert_true(st.max_write_lat_ns >= st.min_write_lat_ns);
	assert_true(st.min_read_lat_ns > 0 && st.min_unmap_lat_ns > 0);
	for (size_t i = 0; i < sizeof(st.reserved) / sizeof(st.reserved[0]); i++)
		assert_int_equal(st.reserved[i], 0);
	bdev_destroy(b);
}

/* Latency is submit to completion: a completion held back 2 ms shows it. */
static void test_latency_submit_to_done(void **state)
{
	struct bdev *b = bdev_null_create("n0", BLOCKS, BS);
	struct snap_bdev_stats st = { 0 };
	struct waiter w = {
		.io = { .op = BDEV_OP_READ, .len = BS, .buf = buf, .done = waiter_done },
	};

	(void)state;
	assert_non_null(b);
	bdev_set_stats(b, &st, NULL);
	bdev_set_defer(b, true);
	assert_int_equal(bdev_submit(b, &w.io), 0);
	assert_int_equal(st.io.read_ops, 0);
	sleep_ms(2);
	assert_int_equal(bdev_poll(b), 1);
	assert_int_equal(st.io.read_ops, 1);
	assert_true(st.io.read_lat_ns >= 2000000);
	assert_int_equal(st.max_read_lat_ns, st.io.read_lat_ns);
	assert_int_equal(st.min_read_lat_ns, st.io.read_lat_ns);

	/* A quicker one lowers the minimum, not the maximum. */
	assert_int_equal(run(b, BDEV_OP_READ, 1, 1), 0);
	assert_int_equal(st.io.read_ops, 2);
	assert_true(st.min_read_lat_ns < st.max_read_lat_ns);
	assert_true(st.io.read_lat_ns == st.min_read_lat_ns + st.max_read_lat_ns);
	bdev_destroy(b);
}

/*
 * A failed I/O counts as an op and an error, without bytes or extremes;
 * a submit the backend never took counts nothing.
 */
static void test_errors(void **state)
{
	struct bdev *b = bdev_null_create("n0", BLOCKS, BS);
	struct snap_bdev_stats st = { 0 };

	(void)state;
	assert_non_null(b);
	bdev_set_stats(b, &st, NULL);
	bdev_inject_error(b, BDEV_OP_WRITE, -EIO, 1);
	assert_int_equal(run(b, BDEV_OP_WRITE, 0, 4), -EIO);
	assert_int_equal(st.io.write_ops, 1);
	assert_int_equal(st.io.errors, 1);
	assert_int_equal(st.io.write_bytes, 0);
	assert_int_equal(st.max_write_lat_ns, 0);
	assert_int_equal(st.min_write_lat_ns, 0);

	assert_int_equal(run(b, BDEV_OP_READ, BLOCKS, 1), -EINVAL);
	assert_int_equal(st.io.read_ops, 0);
	assert_int_equal(st.io.errors, 1);
	bdev_destroy(b);
}

/* Without counters nothing is counted, and nothing breaks. */
static void test_uncounted(void **state)
{
	struct bdev *b = bdev_null_create("n0", BLOCKS, BS);

	(void)state;
	assert_non_null(b);
	assert_null(b->stats);
	assert_int_equal(run(b, BDEV_OP_READ, 0, 1), 0);
	bdev_destroy(b);
}

static struct snap_bdev_stats *released;

static void release(struct snap_bdev_stats *stats)
{
	released = stats;
}

static void test_released_at_destroy(void **state)
{
	struct bdev *b = bdev_null_create("n0", BLOCKS, BS);
	struct snap_bdev_stats st = { 0 };
	struct waiter w = {
		.io = { .op = BDEV_OP_WRITE, .len = BS, .buf = buf, .done = waiter_done },
	};

	(void)state;
	assert_non_null(b);
	released = NULL;
	bdev_set_stats(b, &st, release);
	/* A completion still queued is counted before the counters go. */
	bdev_set_defer(b, true);
	assert_int_equal(bdev_submit(b, &w.io), 0);
	bdev_destroy(b);
	assert_true(w.done);
	assert_int_equal(st.io.write_ops, 1);
	assert_ptr_equal(released, &st);
}

#define THREADS		4
#define PER_THREAD	20000

static void *reader(void *arg)
{
	struct bdev *b = arg;

	for (int i = 0; i < PER_THREAD; i++) {
		struct waiter w = {
			.io = { .op = BDEV_OP_READ, .offset = (uint64_t)(i % BLOCKS) * BS,
				.len = BS, .buf = buf, .done = waiter_done },
		};

		if (bdev_submit(b, &w.io) || !w.done)
			return (void *)1;
	}
	return NULL;
}

/* Threads sharing a bdev lose no count (null completes inline). */
static void test_threads_share_counters(void **state)
{
	struct bdev *b = bdev_null_create("n0", BLOCKS, BS);
	struct snap_bdev_stats st = { 0 };
	pthread_t t[THREADS];
	void *ret;

	(void)state;
	assert_non_null(b);
	bdev_set_stats(b, &st, NULL);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, b), 0);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(st.io.read_ops, THREADS * PER_THREAD);
	assert_int_equal(st.io.read_bytes, (uint64_t)THREADS * PER_THREAD * BS);
	assert_true(st.max_read_lat_ns >= st.min_read_lat_ns && st.min_read_lat_ns > 0);
	bdev_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_by_kind),
		cmocka_unit_test(test_latency_submit_to_done),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_uncounted),
		cmocka_unit_test(test_released_at_destroy),
		cmocka_unit_test(test_threads_share_counters),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("bdev_stats", tests, NULL, NULL);
}
