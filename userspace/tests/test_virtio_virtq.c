// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues: ring geometry and addresses, notification suppression,
 * and descriptor chains walked against a fake host memory, one test per
 * rule the walker enforces.
 */
#include "virtio_harness.h"

#define QS		16u
#define DESC		HM_BASE
#define AVAIL		(HM_BASE + 0x1000)
#define USED		(HM_BASE + 0x2000)
#define ITAB		(HM_BASE + 0x4000)	/* an indirect table */
#define ITAB2		(HM_BASE + 0x5000)
#define BUF		(HM_BASE + 0x10000)

static struct vq_geom geom(uint64_t features)
{
	return (struct vq_geom){ .desc = DESC, .avail = AVAIL, .used = USED,
				 .size = QS, .features = MODERN | features };
}

static struct vq_limits lim = { .max_segs = 8 };
static struct vq_seg segs[64];
static struct vq_chain ch;

static enum vq_err walk_g(const struct vq_geom *g, uint16_t head)
{
	return vq_walk(g, &hm_mem, &lim, head, NULL, segs, &ch);
}

static enum vq_err walk(uint64_t features, uint16_t head)
{
	struct vq_geom g = geom(features);

	return walk_g(&g, head);
}

static int setup(void **state)
{
	lim = (struct vq_limits){ .max_segs = 8 };
	return hm_reset(state);
}

static void assert_seg(const struct vq_seg *s, uint64_t addr, uint32_t len,
		       bool write)
{
	assert_int_equal(s->addr, addr);
	assert_int_equal(s->len, len);
	assert_int_equal(s->write, write);
}

/* A header, a device-writable buffer and a status byte, from entry 0. */
static void put_direct3(void)
{
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF + 0x1000, 4096, NEXT | WR, 2);
	hm_desc(DESC, 2, BUF + 0x3000, 1, WR, 0);
}

/*
 * Entry 4 names a table of three: two readable buffers and a status
 * byte; WRITE on the descriptor naming the table is ignored (2.7.5.3.2).
 */
static void put_indirect3(void)
{
	hm_desc(DESC, 4, ITAB, 3 * 16, IND | WR, 0);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 1);
	hm_desc(ITAB, 1, BUF + 0x1000, 8192, NEXT, 2);
	hm_desc(ITAB, 2, BUF + 0x4000, 1, WR, 0);
}

/* Entries 0..n-1 of table in a row, 16 bytes each, the last writable. */
static void put_run(uint64_t table, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		hm_desc(table, i, BUF + i * 0x100, 16, i < n - 1 ? NEXT : WR, i + 1);
}

/* ---- geometry and ring addresses ---- */

static void test_geom_check(void **state)
{
	struct vq_geom g = geom(0);

	(void)state;
	assert_int_equal(vq_geom_check(&g), 0);
	g.size = 0;
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g.size = 24;			/* not a power of 2 */
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g.size = VQ_MAX_SIZE;
	assert_int_equal(vq_geom_check(&g), 0);
	g.size = VQ_MAX_SIZE * 2;
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g = geom(0);
	g.desc += 8;			/* 16-byte alignment */
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g = geom(0);
	g.avail += 1;			/* 2-byte alignment */
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g = geom(0);
	g.used += 2;			/* 4-byte alignment */
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g = geom(0);
	g.desc = UINT64_MAX - 15;	/* the table would wrap */
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g = geom(0);
	/* the used area (134 bytes) may end on the last byte, not past it */
	g.used = (uint64_t)0 - 132;
	assert_int_equal(vq_geom_check(&g), -EINVAL);
	g.used = (uint64_t)0 - 136;
	assert_int_equal(vq_geom_check(&g), 0);
}

static void test_ring_addresses(void **state)
{
	struct vq_geom g = geom(EVENT_IDX);

	(void)state;
	assert_int_equal(vq_desc_area_size(QS), 16 * QS);
	assert_int_equal(vq_avail_area_size(QS), 6 + 2 * QS);
	assert_int_equal(vq_used_area_size(QS), 6 + 8 * QS);
	assert_int_equal(vq_avail_flags_addr(&g), AVAIL);
	assert_int_equal(vq_avail_idx_addr(&g), AVAIL + 2);
	assert_int_equal(vq_avail_ring_addr(&g, 0), AVAIL + 4);
	assert_int_equal(vq_avail_ring_addr(&g, 3), AVAIL + 4 + 6);
	/* free-running indices wrap at the queue size */
	assert_int_equal(vq_avail_ring_addr(&g, QS + 3), AVAIL + 4 + 6);
	assert_int_equal(vq_avail_ring_addr(&g, 0xffff), AVAIL + 4 + 2 * (QS - 1));
	assert_int_equal(vq_used_event_addr(&g), AVAIL + 4 + 2 * QS);
	assert_int_equal(vq_used_flags_addr(&g), USED);
	assert_int_equal(vq_used_idx_addr(&g), USED + 2);
	assert_int_equal(vq_used_ring_addr(&g, 0), USED + 4);
	assert_int_equal(vq_used_ring_addr(&g, QS + 5), USED + 4 + 8 * 5);
	assert_int_equal(vq_avail_event_addr(&g), USED + 4 + 8 * QS);
}

static void test_legacy_layout(void **state)
{
	struct vq_geom g;
	unsigned int num;

	(void)state;
	for (num = 1; num <= 1024; num *= 4) {
		vq_geom_legacy(&g, 0x40000, num, 4096, 0);
		assert_int_equal(vq_geom_check(&g), 0);
		assert_int_equal(g.desc, 0x40000);
		assert_int_equal(g.avail, 0x40000 + 16 * num);
		assert_int_equal(g.used % 4096, 0);
		/* the kernel's own arithmetic for the whole area */
		assert_int_equal(g.used + 6 + 8 * num - 0x40000,
				 vring_size(num, 4096));
	}
}

static void test_avail_pending(void **state)
{
	struct vq_geom g = geom(0);
	uint16_t n = 99;

	(void)state;
	assert_int_equal(vq_avail_pending(&g, 5, 5, &n), VQ_OK);
	assert_int_equal(n, 0);
	assert_int_equal(vq_avail_pending(&g, 2, 0xfffe, &n), VQ_OK);
	assert_int_equal(n, 4);
	assert_int_equal(vq_avail_pending(&g, QS, 0, &n), VQ_OK);
	assert_int_equal(n, QS);
	n = 99;
	assert_int_equal(vq_avail_pending(&g, QS + 1, 0, &n), VQ_E_AVAIL_IDX);
	assert_int_equal(n, 99);
	/* idx moved backwards: a huge distance, not a small negative one */
	assert_int_equal(vq_avail_pending(&g, 3, 4, &n), VQ_E_AVAIL_IDX);
}

static void test_used_elem_le(void **state)
{
	struct vq_geom g = geom(0);
	struct vring_used_elem e;
	const uint8_t want[8] = { 0x34, 0x12, 0, 0, 0x01, 0x02, 0x03, 0x04 };

	(void)state;
	vq_used_elem_fill(&g, &e, 0x1234, 0x04030201);
	assert_memory_equal(&e, want, sizeof(want));
}

/* ---- notification suppression ---- */

static void test_notify_flags(void **state)
{
	struct vq_geom g = geom(0);

	(void)state;
	assert_true(vq_need_notify(&g, 0, 0, 0, 1));
	assert_false(vq_need_notify(&g, VRING_AVAIL_F_NO_INTERRUPT, 0, 0, 1));
	/* without EVENT_IDX used_event means nothing */
	assert_true(vq_need_notify(&g, 0, 100, 0, 1));
}

static void test_notify_event_idx(void **state)
{
	struct vq_geom g = geom(EVENT_IDX);

	(void)state;
	/* the flags are ignored: only used_event counts */
	assert_true(vq_need_notify(&g, VRING_AVAIL_F_NO_INTERRUPT, 0, 0, 1));
	assert_false(vq_need_notify(&g, 0, 1, 0, 1));
	/* used_event inside [old, new) */
	assert_true(vq_need_notify(&g, 0, 5, 3, 8));
	assert_true(vq_need_notify(&g, 0, 3, 3, 8));
	assert_true(vq_need_notify(&g, 0, 7, 3, 8));
	assert_false(vq_need_notify(&g, 0, 8, 3, 8));
	assert_false(vq_need_notify(&g, 0, 2, 3, 8));
	/* across the 16-bit wrap */
	assert_true(vq_need_notify(&g, 0, 0xffff, 0xfffe, 1));
	assert_true(vq_need_notify(&g, 0, 0, 0xfffe, 1));
	assert_false(vq_need_notify(&g, 0, 1, 0xfffe, 1));
	assert_false(vq_need_notify(&g, 0, 0xfffd, 0xfffe, 1));
	/* nothing moved: never */
	assert_false(vq_need_notify(&g, 0, 4, 4, 4));
}

/* ---- good chains ---- */

static void test_direct_chain(void **state)
{
	(void)state;
	put_direct3();
	assert_int_equal(walk(0, 0), VQ_OK);
	assert_int_equal(ch.nr, 3);
	assert_int_equal(ch.count, 3);
	assert_int_equal(ch.nr_readable, 1);
	assert_int_equal(ch.readable_len, 16);
	assert_int_equal(ch.writable_len, 4097);
	assert_seg(&ch.segs[0], BUF, 16, false);
	assert_seg(&ch.segs[1], BUF + 0x1000, 4096, true);
	assert_seg(&ch.segs[2], BUF + 0x3000, 1, true);
	assert_seg(&ch.last, BUF + 0x3000, 1, true);
	/* one read for the whole chain, and no more than the table */
	assert_int_equal(hm_reads, 1);
	assert_int_equal(hm_last.addr, DESC);
	assert_int_equal(hm_last.len, QS * 16);
}

static void test_direct_chain_scattered(void **state)
{
	(void)state;
	/* the free list scatters chains over the table */
	hm_desc(DESC, 9, BUF, 16, NEXT, 3);
	hm_desc(DESC, 3, BUF + 0x100, 512, NEXT, 15);
	hm_desc(DESC, 15, BUF + 0x400, 1, WR, 0);
	assert_int_equal(walk(0, 9), VQ_OK);
	assert_int_equal(ch.nr, 3);
	assert_int_equal(ch.nr_readable, 2);
	assert_seg(&ch.segs[1], BUF + 0x100, 512, false);
	assert_seg(&ch.segs[2], BUF + 0x400, 1, true);
	/* 9..15 in one read; 3 is outside that window; 15 is inside the
	 * window read from 3 */
	assert_int_equal(hm_reads, 2);
}

static void test_batches_stay_in_table(void **state)
{
	struct vq_geom g = geom(0);
	unsigned int i;

	(void)state;
	/* a 4-entry table in the last 64 bytes of host memory: a read of a
	 * full batch would leave memory and fail */
	g.size = 4;
	g.desc = HM_END - 64;
	for (i = 0; i < 4; i++)
		hm_desc(g.desc, i, BUF + i * 0x100, 8, i < 3 ? NEXT : 0, i + 1);
	assert_int_equal(walk_g(&g, 0), VQ_OK);
	assert_int_equal(ch.nr, 4);
	assert_int_equal(hm_reads, 1);
	assert_int_equal(hm_last.len, 64);
	/* from the last entry, one descriptor's worth */
	hm_reads = 0;
	assert_int_equal(walk_g(&g, 3), VQ_OK);
	assert_int_equal(hm_last.addr, HM_END - 16);
	assert_int_equal(hm_last.len, 16);
}

static void test_long_chain_batched(void **state)
{
	struct vq_geom g = geom(0);
	unsigned int i;

	(void)state;
	g.size = 64;
	lim.max_segs = 64;
	for (i = 0; i < 40; i++)
		hm_desc(DESC, i, BUF + i * 0x100, 16, i < 39 ? NEXT : 0, i + 1);
	assert_int_equal(walk_g(&g, 0), VQ_OK);
	assert_int_equal(ch.nr, 40);
	/* 16 descriptors per read, not one */
	assert_int_equal(hm_reads, 3);
}

static void test_indirect_chain(void **state)
{
	(void)state;
	put_indirect3();
	assert_int_equal(walk(INDIRECT, 4), VQ_OK);
	assert_int_equal(ch.nr, 3);
	assert_int_equal(ch.nr_readable, 2);
	assert_int_equal(ch.readable_len, 16 + 8192);
	assert_int_equal(ch.writable_len, 1);
	assert_seg(&ch.segs[1], BUF + 0x1000, 8192, false);
	assert_seg(&ch.last, BUF + 0x4000, 1, true);
	/* the table read exactly, in one go */
	assert_int_equal(hm_reads, 2);
	assert_int_equal(hm_last.addr, ITAB);
	assert_int_equal(hm_last.len, 48);
}

static void test_direct_then_indirect(void **state)
{
	(void)state;
	/* zero or more direct descriptors, then one indirect (2.7.5.3.2) */
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, ITAB, 2 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF + 0x1000, 512, WR | NEXT, 1);
	hm_desc(ITAB, 1, BUF + 0x2000, 1, WR, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_OK);
	assert_int_equal(ch.nr, 3);
	assert_int_equal(ch.nr_readable, 1);
	assert_seg(&ch.segs[0], BUF, 16, false);
	assert_seg(&ch.segs[2], BUF + 0x2000, 1, true);
}

static void test_legacy_byte_order_is_native(void **state)
{
	struct vq_geom g = geom(0);
	struct vring_desc d = { .addr = BUF, .len = 16, .flags = 0 };

	(void)state;
	/* without VERSION_1 the ring is in the guest's (here: our) order */
	g.features = 0;
	hm_put(DESC, &d, sizeof(d));
	assert_int_equal(walk_g(&g, 0), VQ_OK);
	assert_seg(&ch.segs[0], BUF, 16, false);
}

static void test_event_idx_does_not_change_chains(void **state)
{
	(void)state;
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF + 0x100, 1, WR, 0);
	assert_int_equal(walk(EVENT_IDX, 0), VQ_OK);
	assert_int_equal(ch.nr, 2);
	assert_int_equal(walk(EVENT_IDX | INDIRECT, 0), VQ_OK);
	assert_int_equal(ch.nr, 2);
}

/* ---- fatal: the ring is broken ---- */

static void test_head_out_of_range(void **state)
{
	(void)state;
	hm_desc(DESC, QS - 1, BUF, 16, 0, 0);
	assert_int_equal(walk(0, QS), VQ_E_HEAD_RANGE);
	assert_int_equal(walk(0, 0xffff), VQ_E_HEAD_RANGE);
	assert_int_equal(hm_reads, 0);
	assert_int_equal(walk(0, QS - 1), VQ_OK);
}

static void test_next_out_of_range(void **state)
{
	(void)state;
	hm_desc(DESC, 0, BUF, 16, NEXT, QS);
	assert_int_equal(walk(0, 0), VQ_E_NEXT_RANGE);
	hm_desc(DESC, 0, BUF, 16, NEXT, QS - 1);
	hm_desc(DESC, QS - 1, BUF, 16, 0, 0);
	assert_int_equal(walk(0, 0), VQ_OK);
}

static void test_indirect_next_out_of_range(void **state)
{
	(void)state;
	/* next is checked against the table's entries, not the queue size */
	hm_desc(DESC, 0, ITAB, 2 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 2);
	hm_desc(ITAB, 2, BUF, 16, 0, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_NEXT_RANGE);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 1);
	hm_desc(ITAB, 1, BUF, 16, 0, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_OK);
}

static void test_loop(void **state)
{
	(void)state;
	lim.max_segs = 64;
	hm_desc(DESC, 0, BUF, 16, NEXT, 0);
	assert_int_equal(walk(0, 0), VQ_E_LOOP);
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF, 16, NEXT, 2);
	hm_desc(DESC, 2, BUF, 16, NEXT, 0);
	assert_int_equal(walk(0, 0), VQ_E_LOOP);
	/* the walk stopped after a table's worth of steps */
	assert_int_equal(ch.count, QS);
}

static void test_longest_chain_is_not_a_loop(void **state)
{
	unsigned int i;

	(void)state;
	lim.max_segs = QS;
	for (i = 0; i < QS; i++)
		hm_desc(DESC, i, BUF, 16, i < QS - 1 ? NEXT : 0, i + 1);
	assert_int_equal(walk(0, 0), VQ_OK);
	assert_int_equal(ch.nr, QS);
}

static void test_indirect_loop(void **state)
{
	(void)state;
	lim.max_segs = 64;
	hm_desc(DESC, 0, ITAB, 4 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 1);
	hm_desc(ITAB, 1, BUF, 16, NEXT, 2);
	hm_desc(ITAB, 2, BUF, 16, NEXT, 1);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_LOOP);
	/* bounded by the table's 4 entries, not the queue's 16 */
	assert_int_equal(ch.count, 4);
}

static void test_read_after_write(void **state)
{
	(void)state;
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF + 0x100, 512, NEXT | WR, 2);
	hm_desc(DESC, 2, BUF + 0x400, 1, 0, 0);
	assert_int_equal(walk(0, 0), VQ_E_READ_AFTER_WRITE);
	/* the same across the direct/indirect boundary */
	hm_desc(DESC, 0, BUF, 16, NEXT | WR, 1);
	hm_desc(DESC, 1, ITAB, 16, IND, 0);
	hm_desc(ITAB, 0, BUF + 0x100, 512, 0, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_READ_AFTER_WRITE);
	/* and inside a table */
	hm_desc(DESC, 0, ITAB, 2 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 1, WR | NEXT, 1);
	hm_desc(ITAB, 1, BUF, 16, 0, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_READ_AFTER_WRITE);
}

static void test_indirect_not_negotiated(void **state)
{
	(void)state;
	hm_desc(DESC, 0, ITAB, 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 16, 0, 0);
	assert_int_equal(walk(0, 0), VQ_E_INDIRECT_FEATURE);
	assert_int_equal(walk(INDIRECT, 0), VQ_OK);
}

static void test_indirect_nested(void **state)
{
	(void)state;
	hm_desc(DESC, 0, ITAB, 2 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 1);
	hm_desc(ITAB, 1, ITAB2, 16, IND, 0);
	hm_desc(ITAB2, 0, BUF, 1, WR, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_INDIRECT_NESTED);
}

static void test_indirect_with_next(void **state)
{
	(void)state;
	hm_desc(DESC, 0, ITAB, 16, IND | NEXT, 1);
	hm_desc(DESC, 1, BUF, 1, WR, 0);
	hm_desc(ITAB, 0, BUF, 16, 0, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_INDIRECT_NEXT);
}

static void test_indirect_len(void **state)
{
	unsigned int i;

	(void)state;
	lim.max_segs = 64;
	for (i = 0; i < QS + 1; i++)
		hm_desc(ITAB, i, BUF, 16, 0, 0);
	hm_desc(DESC, 0, ITAB, 0, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_INDIRECT_LEN);
	hm_desc(DESC, 0, ITAB, 24, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_INDIRECT_LEN);
	/* without a limit of its own, a table holds at most the queue size */
	hm_desc(DESC, 0, ITAB, (QS + 1) * 16, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_INDIRECT_LEN);
	hm_desc(DESC, 0, ITAB, QS * 16, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_OK);
	lim.max_indirect = 4;
	hm_desc(DESC, 0, ITAB, 5 * 16, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_INDIRECT_LEN);
	hm_desc(DESC, 0, ITAB, 4 * 16, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_OK);
	lim.max_indirect = 64;
	hm_desc(DESC, 0, ITAB, (QS + 1) * 16, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_OK);
}

static void test_addr_overflow(void **state)
{
	(void)state;
	hm_desc(DESC, 0, UINT64_MAX - 15, 17, 0, 0);
	assert_int_equal(walk(0, 0), VQ_E_ADDR_OVERFLOW);
	/* ending on the last byte of the address space is fine */
	hm_desc(DESC, 0, UINT64_MAX - 15, 16, 0, 0);
	assert_int_equal(walk(0, 0), VQ_OK);
	/* an indirect table that wraps is refused before it is read */
	hm_desc(DESC, 0, UINT64_MAX - 15, 32, IND, 0);
	hm_reads = 0;
	assert_int_equal(walk(INDIRECT, 0), VQ_E_ADDR_OVERFLOW);
	assert_int_equal(hm_reads, 1);
}

static void test_dma_refused(void **state)
{
	struct vq_geom g = geom(0);

	(void)state;
	g.desc = HM_END;		/* the table is not host memory */
	assert_int_equal(walk_g(&g, 0), VQ_E_DMA);
	hm_desc(DESC, 0, HM_END + 0x1000, 16, IND, 0);
	assert_int_equal(walk(INDIRECT, 0), VQ_E_DMA);
}

static void test_fatal_wins_over_answerable(void **state)
{
	(void)state;
	lim.max_segs = 1;
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF, 16, NEXT, QS + 3);
	assert_int_equal(walk(0, 0), VQ_E_NEXT_RANGE);
}

/* ---- answerable: the chain is sound, the request is not ---- */

static void test_zero_len(void **state)
{
	(void)state;
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF + 0x100, 0, NEXT | WR, 2);
	hm_desc(DESC, 2, BUF + 0x400, 1, WR, 0);
	assert_int_equal(walk(0, 0), VQ_E_ZERO_LEN);
	assert_false(vq_err_is_fatal(VQ_E_ZERO_LEN));
	/* the walk went on to the status byte */
	assert_seg(&ch.last, BUF + 0x400, 1, true);
	assert_int_equal(ch.count, 3);
}

static void test_too_many_segs(void **state)
{
	(void)state;
	lim.max_segs = 4;
	put_run(DESC, 7);
	assert_int_equal(walk(0, 0), VQ_E_TOO_MANY_SEGS);
	assert_int_equal(ch.nr, 4);
	assert_int_equal(ch.count, 7);
	assert_seg(&ch.last, BUF + 6 * 0x100, 16, true);
	/* exactly the limit is fine */
	hm_desc(DESC, 3, BUF + 0x300, 1, WR, 0);
	assert_int_equal(walk(0, 0), VQ_OK);
	assert_int_equal(ch.nr, 4);
}

static void test_seg_too_long(void **state)
{
	(void)state;
	lim.max_seg_len = 4096;
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF + 0x1000, 4097, NEXT | WR, 2);
	hm_desc(DESC, 2, BUF + 0x4000, 1, WR, 0);
	assert_int_equal(walk(0, 0), VQ_E_SEG_TOO_LONG);
	assert_seg(&ch.last, BUF + 0x4000, 1, true);
	hm_desc(DESC, 1, BUF + 0x1000, 4096, NEXT | WR, 2);
	assert_int_equal(walk(0, 0), VQ_OK);
}

static void test_total_len(void **state)
{
	(void)state;
	hm_desc(DESC, 0, BUF, 0x80000000u, NEXT, 1);
	hm_desc(DESC, 1, BUF, 0x7fffffffu, NEXT | WR, 2);
	hm_desc(DESC, 2, BUF, 1, WR, 0);
	assert_int_equal(walk(0, 0), VQ_E_TOTAL_LEN);
	assert_seg(&ch.last, BUF, 1, true);
	/* one byte less fits in the used ring's 32-bit length */
	hm_desc(DESC, 1, BUF, 0x7ffffffeu, NEXT | WR, 2);
	assert_int_equal(walk(0, 0), VQ_OK);
	assert_int_equal(ch.readable_len + ch.writable_len, UINT32_MAX);
}

/* ---- the chain's start, read with its head ---- */

/* Walk head with the start the kernel would have read; counts only the
 * walk's own reads. */
static enum vq_err walk_started(uint64_t features, uint16_t head)
{
	struct vq_geom g = geom(features);
	struct snap_vq_chain_start start;

	vq_read_start(&g, &hm_mem, head, &start);
	hm_reads = 0;
	return vq_walk(&g, &hm_mem, &lim, head, &start, segs, &ch);
}

static void test_start_direct_chain_no_reads(void **state)
{
	(void)state;
	put_direct3();
	assert_int_equal(walk_started(0, 0), VQ_OK);
	assert_int_equal(ch.nr, 3);
	assert_int_equal(ch.nr_readable, 1);
	assert_seg(&ch.segs[1], BUF + 0x1000, 4096, true);
	assert_seg(&ch.last, BUF + 0x3000, 1, true);
	assert_int_equal(hm_reads, 0);
}

static void test_start_indirect_chain_no_reads(void **state)
{
	struct vq_geom g = geom(INDIRECT);
	struct snap_vq_chain_start start;

	(void)state;
	put_indirect3();
	vq_read_start(&g, &hm_mem, 4, &start);
	/* the head, then the table it names: two reads of 48 bytes */
	assert_int_equal(hm_reads, 2);
	assert_true(start.desc_flags & SNAP_VQ_START_INDIRECT);
	assert_int_equal(start.nr_descs, 3);
	assert_int_equal(start.indirect_addr, ITAB);
	assert_int_equal(start.indirect_len, 48);
	assert_int_equal(walk_started(INDIRECT, 4), VQ_OK);
	assert_int_equal(ch.nr, 3);
	assert_int_equal(ch.readable_len, 16 + 8192);
	assert_seg(&ch.segs[1], BUF + 0x1000, 8192, false);
	assert_seg(&ch.last, BUF + 0x4000, 1, true);
	assert_int_equal(hm_reads, 0);
}

static void test_start_longer_chain_reads_the_rest(void **state)
{
	(void)state;
	lim.max_segs = 16;
	put_run(ITAB, 5);
	hm_desc(DESC, 7, ITAB, 5 * 16, IND, 0);
	assert_int_equal(walk_started(INDIRECT, 7), VQ_OK);
	assert_int_equal(ch.nr, 5);
	/* entries 3 and 4, from where the start ends to the table's end */
	assert_int_equal(hm_reads, 1);
	assert_int_equal(hm_last.addr, ITAB + 3 * 16);
	assert_int_equal(hm_last.len, 2 * 16);

	put_run(DESC, 5);
	assert_int_equal(walk_started(0, 0), VQ_OK);
	assert_int_equal(ch.nr, 5);
	assert_int_equal(hm_reads, 1);
	assert_int_equal(hm_last.addr, DESC + 3 * 16);
}

/* What the start holds is checked as what the walk reads itself. */
static void test_start_is_validated(void **state)
{
	struct vq_geom g = geom(0);
	struct snap_vq_chain_start start;

	(void)state;
	hm_desc(DESC, 4, ITAB, 3 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 1);
	hm_desc(ITAB, 1, BUF + 0x1000, 512, NEXT, 2);
	hm_desc(ITAB, 2, BUF + 0x2000, 1, WR, 0);
	assert_int_equal(walk_started(0, 4), VQ_E_INDIRECT_FEATURE);
	/* a loop inside the start */
	hm_desc(DESC, 0, BUF, 16, NEXT, 1);
	hm_desc(DESC, 1, BUF, 16, NEXT, 0);
	assert_int_equal(walk_started(0, 0), VQ_E_LOOP);
	/* read after write inside an indirect start */
	hm_desc(ITAB, 0, BUF, 1, WR | NEXT, 1);
	hm_desc(ITAB, 1, BUF + 0x1000, 16, 0, 0);
	assert_int_equal(walk_started(INDIRECT, 4), VQ_E_READ_AFTER_WRITE);
	/* INDIRECT with NEXT: no table read, and refused as without a start */
	hm_desc(DESC, 4, ITAB, 3 * 16, IND | NEXT, 5);
	vq_read_start(&g, &hm_mem, 4, &start);
	assert_false(start.desc_flags & SNAP_VQ_START_INDIRECT);
	assert_int_equal(walk_started(INDIRECT, 4), VQ_E_INDIRECT_NEXT);
}

/* A start that is not this chain's is not used: the walk reads. */
static void test_start_of_another_chain_is_ignored(void **state)
{
	struct vq_geom g = geom(INDIRECT);
	struct snap_vq_chain_start start;

	(void)state;
	hm_desc(DESC, 2, ITAB, 2 * 16, IND, 0);
	hm_desc(ITAB, 0, BUF, 16, NEXT, 1);
	hm_desc(ITAB, 1, BUF + 0x1000, 1, WR, 0);
	vq_read_start(&g, &hm_mem, 2, &start);
	/* a start claiming more than it holds is not used: the walk reads
	 * the table the head names now */
	hm_desc(DESC, 2, ITAB2, 2 * 16, IND, 0);
	hm_desc(ITAB2, 0, BUF + 0x2000, 16, NEXT, 1);
	hm_desc(ITAB2, 1, BUF + 0x3000, 1, WR, 0);
	start.nr_descs = SNAP_VQ_START_DESCS + 1;
	hm_reads = 0;
	assert_int_equal(vq_walk(&g, &hm_mem, &lim, 2, &start, segs, &ch), VQ_OK);
	assert_seg(&ch.segs[0], BUF + 0x2000, 16, false);
	assert_int_equal(hm_reads, 2);
	/* entries that would run past the table's end */
	hm_desc(DESC, QS - 1, BUF, 1, WR, 0);
	vq_read_start(&g, &hm_mem, 2, &start);
	start.desc_flags = 0;
	start.nr_descs = 3;
	hm_reads = 0;
	assert_int_equal(vq_walk(&g, &hm_mem, &lim, QS - 1, &start, segs, &ch), VQ_OK);
	assert_int_equal(hm_reads, 1);
}

/* Host memory refusing the table leaves it out of the start. */
static void test_start_refused_is_left_out(void **state)
{
	struct vq_geom g = geom(INDIRECT);
	struct snap_vq_chain_start start;

	(void)state;
	hm_desc(DESC, 0, ITAB, 2 * 16, IND, 0);
	hm_refuse_at = ITAB;
	vq_read_start(&g, &hm_mem, 0, &start);
	assert_int_equal(start.nr_descs, 0);
	assert_int_equal(walk_started(INDIRECT, 0), VQ_E_DMA);
}

static void test_err_classes(void **state)
{
	int e;

	(void)state;
	assert_false(vq_err_is_fatal(VQ_OK));
	for (e = VQ_E_HEAD_RANGE; e <= VQ_E_DMA; e++)
		assert_true(vq_err_is_fatal(e));
	for (e = VQ_E_ZERO_LEN; e < __VQ_E_MAX; e++)
		assert_false(vq_err_is_fatal(e));
	for (e = 0; e < __VQ_E_MAX; e++)
		assert_string_not_equal(vq_err_str(e), "unknown");
	assert_string_equal(vq_err_str(__VQ_E_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_geom_check),
		T(test_ring_addresses),
		T(test_legacy_layout),
		T(test_avail_pending),
		T(test_used_elem_le),
		T(test_notify_flags),
		T(test_notify_event_idx),
		T(test_direct_chain),
		T(test_direct_chain_scattered),
		T(test_batches_stay_in_table),
		T(test_long_chain_batched),
		T(test_indirect_chain),
		T(test_direct_then_indirect),
		T(test_legacy_byte_order_is_native),
		T(test_event_idx_does_not_change_chains),
		T(test_head_out_of_range),
		T(test_next_out_of_range),
		T(test_indirect_next_out_of_range),
		T(test_loop),
		T(test_longest_chain_is_not_a_loop),
		T(test_indirect_loop),
		T(test_read_after_write),
		T(test_indirect_not_negotiated),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_len),
		T(test_addr_overflow),
		T(test_dma_refused),
		T(test_fatal_wins_over_answerable),
		T(test_zero_len),
		T(test_too_many_segs),
		T(test_seg_too_long),
		T(test_total_len),
		T(test_err_classes),
		T(test_start_direct_chain_no_reads),
		T(test_start_indirect_chain_no_reads),
		T(test_start_longer_chain_reads_the_rest),
		T(test_start_is_validated),
		T(test_start_of_another_chain_is_ignored),
		T(test_start_refused_is_left_out),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
