// SPDX-License-Identifier: GPL-2.0
/*
 * Staging buffers: aligned, inside one 2 MiB chunk, reused after put; a
 * growing pool asks for a chunk only when the usable ones are full.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../snap_service/bufpool.h"

static void *mem;

static int setup(void **state)
{
	(void)state;
	mem = aligned_alloc(BUFPOOL_CHUNK, 2 * BUFPOOL_CHUNK);
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static size_t chunk_of(const void *p)
{
	return (size_t)((const uint8_t *)p - (const uint8_t *)mem) / BUFPOOL_CHUNK;
}

static void test_init_refuses_misaligned(void **state)
{
	struct bufpool bp;

	(void)state;
	assert_int_equal(bufpool_init(&bp, mem, 0), -EINVAL);
	assert_int_equal(bufpool_init(&bp, mem, BUFPOOL_CHUNK + 4096), -EINVAL);
	assert_int_equal(bufpool_init(&bp, (uint8_t *)mem + 4096, BUFPOOL_CHUNK), -EINVAL);
}

static void test_buffers_never_cross_a_chunk(void **state)
{
	struct bufpool bp;
	void *a, *b, *c;

	(void)state;
	assert_int_equal(bufpool_init(&bp, mem, 2 * BUFPOOL_CHUNK), 0);
	a = bufpool_get(&bp, BUFPOOL_CHUNK - 4096);	/* leaves one page in chunk 0 */
	assert_ptr_equal(a, mem);
	b = bufpool_get(&bp, 8192);			/* does not fit there */
	assert_non_null(b);
	assert_int_equal(chunk_of(b), 1);
	c = bufpool_get(&bp, 100);			/* the last page of chunk 0 */
	assert_int_equal(chunk_of(c), 0);
	assert_int_equal(((uintptr_t)c) % BUFPOOL_PAGE, 0);
	assert_int_equal(chunk_of((uint8_t *)b + 8191), 1);
	bufpool_destroy(&bp);
}

static void test_full_then_reuse(void **state)
{
	struct bufpool bp;
	void *a, *b;

	(void)state;
	assert_int_equal(bufpool_init(&bp, mem, 2 * BUFPOOL_CHUNK), 0);
	a = bufpool_get(&bp, BUFPOOL_CHUNK);
	b = bufpool_get(&bp, BUFPOOL_CHUNK);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(bufpool_get(&bp, 1));
	assert_null(bufpool_get(&bp, BUFPOOL_CHUNK + 1));
	assert_null(bufpool_get(&bp, 0));
	bufpool_put(&bp, a, BUFPOOL_CHUNK);
	assert_ptr_equal(bufpool_get(&bp, 4096), a);
	assert_int_equal(bp.free_pages, BUFPOOL_PAGES_PER_CHUNK - 1);
	bufpool_destroy(&bp);
}

static void test_holes_are_found(void **state)
{
	void *p[8];
	struct bufpool bp;

	(void)state;
	assert_int_equal(bufpool_init(&bp, mem, BUFPOOL_CHUNK), 0);
	for (int i = 0; i < 8; i++)
		p[i] = bufpool_get(&bp, 4096);
	bufpool_put(&bp, p[2], 4096);
	bufpool_put(&bp, p[3], 4096);
	bufpool_put(&bp, p[5], 4096);
	/* Two pages fit only in the 2-3 hole, not at 5. */
	assert_ptr_equal(bufpool_get(&bp, 8192), p[2]);
	assert_ptr_equal(bufpool_get(&bp, 4096), p[5]);
	bufpool_destroy(&bp);
}

struct grower {
	unsigned int calls;
	int fail;		/* what the next grow returns */
	void *chunks[4];	/* what was asked for, in order */
};

static int grow(void *ctx, void *chunk)
{
	struct grower *g = ctx;

	if (g->fail)
		return g->fail;
	g->chunks[g->calls++] = chunk;
	return 0;
}

static void test_growing_pool_grows_only_when_full(void **state)
{
	struct grower g = { 0 };
	struct bufpool bp;
	void *a, *b, *c;

	(void)state;
	assert_int_equal(bufpool_init_growing(&bp, mem, 2 * BUFPOOL_CHUNK, grow, &g), 0);
	assert_int_equal(bp.free_pages, 0);
	assert_int_equal(g.calls, 0);
	a = bufpool_get(&bp, 4096);
	assert_ptr_equal(a, mem);
	assert_int_equal(g.calls, 1);
	assert_ptr_equal(g.chunks[0], mem);
	b = bufpool_get(&bp, BUFPOOL_CHUNK - 4096);	/* the rest of chunk 0 */
	assert_int_equal(chunk_of(b), 0);
	assert_int_equal(g.calls, 1);
	c = bufpool_get(&bp, 4096);			/* chunk 0 is full */
	assert_int_equal(chunk_of(c), 1);
	assert_int_equal(g.calls, 2);
	assert_ptr_equal(g.chunks[1], (uint8_t *)mem + BUFPOOL_CHUNK);
	/* Freed room is used again before anything grows. */
	bufpool_put(&bp, a, 4096);
	assert_ptr_equal(bufpool_get(&bp, 4096), a);
	assert_int_equal(g.calls, 2);
	bufpool_destroy(&bp);
}

static void test_growing_pool_failed_grow_retried(void **state)
{
	struct grower g = { .fail = -ENOMEM };
	struct bufpool bp;

	(void)state;
	assert_int_equal(bufpool_init_growing(&bp, mem, 2 * BUFPOOL_CHUNK, grow, &g), 0);
	assert_null(bufpool_get(&bp, 4096));
	assert_int_equal(bp.nr_usable, 0);
	g.fail = 0;
	assert_ptr_equal(bufpool_get(&bp, 4096), mem);
	assert_int_equal(bp.nr_usable, 1);
	bufpool_destroy(&bp);
}

static void test_growing_pool_stops_at_its_end(void **state)
{
	struct grower g = { 0 };
	struct bufpool bp;

	(void)state;
	assert_int_equal(bufpool_init_growing(&bp, mem, 2 * BUFPOOL_CHUNK, grow, &g), 0);
	assert_non_null(bufpool_get(&bp, BUFPOOL_CHUNK));
	assert_non_null(bufpool_get(&bp, BUFPOOL_CHUNK));
	assert_null(bufpool_get(&bp, 4096));
	assert_int_equal(g.calls, 2);
	bufpool_destroy(&bp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_refuses_misaligned),
		cmocka_unit_test(test_buffers_never_cross_a_chunk),
		cmocka_unit_test(test_full_then_reuse),
		cmocka_unit_test(test_holes_are_found),
		cmocka_unit_test(test_growing_pool_grows_only_when_full),
		cmocka_unit_test(test_growing_pool_failed_grow_retried),
		cmocka_unit_test(test_growing_pool_stops_at_its_end),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("bufpool", tests, setup, teardown);
}
