// SPDX-License-Identifier: GPL-2.0
/*
 * The malloc backend: what is written reads back, write-zeroes and unmap
 * read as zeroes, and a block is atomic (NVMe's AWUN 0: one block) when
 * threads share the bdev, as one controller's queues on several threads
 * do: a read racing a write of the same block sees all of the old data
 * or all of the new, never a mix.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../snap_service/bdev/bdev.h"
#include "bdev_harness.h"

#define BS	4096u
#define BLOCKS	64u

/* One I/O of the malloc backend, which completes inside submit. */
static int run(struct bdev *b, enum bdev_op op, uint64_t block,
	       uint32_t blocks, void *buf)
{
	return waiter_run(b, op, block * BS, (uint64_t)blocks * BS, buf);
}

static bool all_bytes(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_write_read_zeroes(void **state)
{
	struct bdev *b = bdev_malloc_create("m0", BLOCKS, BS);
	static unsigned char buf[3 * BS];

	(void)state;
	assert_non_null(b);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(run(b, BDEV_OP_WRITE, 10, 3, buf), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(run(b, BDEV_OP_READ, 10, 3, buf), 0);
	assert_true(all_bytes(buf, sizeof(buf), 0xa5));
	assert_int_equal(run(b, BDEV_OP_WRITE_ZEROES, 11, 1, NULL), 0);
	assert_int_equal(run(b, BDEV_OP_UNMAP, 12, 1, NULL), 0);
	assert_int_equal(run(b, BDEV_OP_READ, 10, 3, buf), 0);
	assert_true(all_bytes(buf, BS, 0xa5));
	assert_true(all_bytes(buf + BS, 2 * BS, 0));
	bdev_destroy(b);
}

#define RACE_READS	20000

struct race {
	struct bdev *b;
	atomic_bool stop;
};

/* Writes block 1 (and its neighbours, as one I/O) full of 0x11 or 0xee. */
static void *writer(void *arg)
{
	struct race *r = arg;
	static unsigned char w[2][3 * BS];
	unsigned int n = 0;

	memset(w[0], 0x11, sizeof(w[0]));
	memset(w[1], 0xee, sizeof(w[1]));
	while (!atomic_load(&r->stop))
		if (run(r->b, BDEV_OP_WRITE, 0, 3, w[n++ & 1]))
			return (void *)1;
	return NULL;
}

static void test_block_atomic_across_threads(void **state)
{
	struct bdev *b = bdev_malloc_create("m1", BLOCKS, BS);
	static unsigned char buf[BS];
	struct race r = { .b = b };
	unsigned int torn = 0;
	pthread_t t;
	void *ret;

	(void)state;
	assert_non_null(b);
	assert_int_equal(pthread_create(&t, NULL, writer, &r), 0);
	for (int i = 0; i < RACE_READS; i++) {
		assert_int_equal(run(b, BDEV_OP_READ, 1, 1, buf), 0);
		if (!all_bytes(buf, BS, buf[0]))
			torn++;
	}
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	assert_int_equal(torn, 0);
	bdev_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_zeroes),
		cmocka_unit_test(test_block_atomic_across_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
