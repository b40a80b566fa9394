// SPDX-License-Identifier: GPL-2.0
/*
 * hostmem_segs: a byte range of a chain's buffers as the DMA segments a
 * post carries (a virtio read's data with its used entry).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "virtio/hostmem.h"

#define MIB	(1u << 20)

/* where the bytes would be staged: only the addresses are checked */
static uint8_t buf[3 * MIB + 100];

/* A buffer over the segment length limit is split at the limit. */
static void test_long_buffer_split_at_the_limit(void **state)
{
	const struct vq_seg segs[] = { { 0x100000, 3 * MIB, true }, { 0x900000, 100, true } };
	struct snap_host_seg out[4];

	(void)state;
	assert_int_equal(SNAP_DMA_MAX_SEG_LEN, 2 * MIB);
	assert_int_equal(hostmem_segs(segs, 2, 0, buf, 3 * MIB + 100, out, 4), 3);
	assert_int_equal(out[0].host_addr, 0x100000);
	assert_int_equal(out[0].len, 2 * MIB);
	assert_ptr_equal(out[0].local, buf);
	assert_int_equal(out[1].host_addr, 0x100000 + 2 * MIB);
	assert_int_equal(out[1].len, 1 * MIB);
	assert_ptr_equal(out[1].local, buf + 2 * MIB);
	assert_int_equal(out[2].host_addr, 0x900000);
	assert_int_equal(out[2].len, 100);
	assert_ptr_equal(out[2].local, buf + 3 * MIB);
}

/* Bytes skipped pass whole buffers and start inside the next; the range
 * ends inside a buffer. */
static void test_range_inside_the_buffers(void **state)
{
	const struct vq_seg segs[] = { { 0x1000, 10, true }, { 0x2000, 20, true }, { 0x3000, 30, true } };
	struct snap_host_seg out[4];

	(void)state;
	assert_int_equal(hostmem_segs(segs, 3, 15, buf, 20, out, 4), 2);
	assert_int_equal(out[0].host_addr, 0x2005);
	assert_int_equal(out[0].len, 15);
	assert_ptr_equal(out[0].local, buf);
	assert_int_equal(out[1].host_addr, 0x3000);
	assert_int_equal(out[1].len, 5);
	assert_ptr_equal(out[1].local, buf + 15);
}

/* Counted without out; more than max is E2BIG, a range past the chain's
 * end EINVAL. */
static void test_counted_and_refused(void **state)
{
	const struct vq_seg segs[] = { { 0x1000, 10, true }, { 0x2000, 20, true } };
	struct snap_host_seg out[1];

	(void)state;
	assert_int_equal(hostmem_segs(segs, 2, 0, buf, 30, NULL, 2), 2);
	assert_int_equal(hostmem_segs(segs, 2, 0, buf, 30, out, 1), -E2BIG);
	assert_int_equal(hostmem_segs(segs, 2, 0, buf, 31, NULL, 8), -EINVAL);
	assert_int_equal(hostmem_segs(segs, 2, 25, buf, 6, NULL, 8), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_buffer_split_at_the_limit),
		cmocka_unit_test(test_range_inside_the_buffers),
		cmocka_unit_test(test_counted_and_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
