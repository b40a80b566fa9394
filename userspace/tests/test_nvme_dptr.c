// SPDX-License-Identifier: GPL-2.0
/*
 * PRP and SGL walking: the walkers alone against a fake host memory, then
 * end to end through I/O commands.
 */
#include "nvme_harness.h"
#include "nvme/nvme_int.h"

#define MEM_BASE	0x10000ull
#define MEM_SIZE	(1u << 20)
#define PG		4096u

static uint8_t mem[MEM_SIZE];
static unsigned int reads;

static int mem_read(void *ctx, uint64_t addr, void *dst, uint32_t len)
{
	(void)ctx;
	reads++;
	if (addr < MEM_BASE || addr - MEM_BASE + len > MEM_SIZE)
		return -EIO;
	memcpy(dst, mem + (addr - MEM_BASE), len);
	return 0;
}

static const struct nvme_host_reader rd = { mem_read, NULL };

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(mem + (addr - MEM_BASE), &v, 8);
}

static void put_sgl(uint64_t addr, uint64_t a, uint32_t len, uint8_t type)
{
	struct nvme_sgl_desc d = { .addr = a, .len = len, .id = (uint8_t)(type << 4) };

	memcpy(mem + (addr - MEM_BASE), &d, sizeof(d));
}

static int reset(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	reads = 0;
	return 0;
}

static uint16_t prp(uint64_t p1, uint64_t p2, uint32_t len, struct nvme_dptr *d)
{
	nvme_dptr_free(d);
	return nvme_prp_map(&rd, p1, p2, len, PG, d);
}

static void test_prp_single_page_offsets(void **state)
{
	struct nvme_dptr d = { 0 };

	(void)state;
	assert_int_equal(prp(0x20000, 0, 512, &d), 0);
	assert_int_equal(d.nr, 1);
	assert_int_equal(d.segs[0].len, 512);
	/* an offset: still one page when it fits */
	assert_int_equal(prp(0x20000 + 3584, 0, 512, &d), 0);
	assert_int_equal(d.nr, 1);
	/* crossing into PRP2 */
	assert_int_equal(prp(0x20000 + 3584, 0x40000, 1024, &d), 0);
	assert_int_equal(d.nr, 2);
	assert_int_equal(d.segs[0].len, 512);
	assert_int_equal(d.segs[1].addr, 0x40000);
	assert_int_equal(d.segs[1].len, 512);
	assert_int_equal(d.total, 1024);
	/* dword alignment of PRP1 */
	assert_int_equal(prp(0x20002, 0, 512, &d), dnr(NVME_SC_PRP_INVALID_OFFSET));
	/* PRP2 as a data page must be page aligned */
	assert_int_equal(prp(0x20000, 0x40010, 8192, &d), dnr(NVME_SC_PRP_INVALID_OFFSET));
	nvme_dptr_free(&d);
	assert_int_equal(reads, 0);	/* no list was read */
}

static void test_prp_contiguous_merge(void **state)
{
	struct nvme_dptr d = { 0 };

	(void)state;
	/* two physically adjacent pages merge into one segment */
	assert_int_equal(prp(0x20000, 0x21000, 8192, &d), 0);
	assert_int_equal(d.nr, 1);
	assert_int_equal(d.segs[0].len, 8192);
	nvme_dptr_free(&d);
}

static void test_prp_list(void **state)
{
	uint64_t list = 0x30000;
	struct nvme_dptr d = { 0 };
	int i;

	(void)state;
	/* 4 pages, scattered: PRP1 + a list of 3 */
	for (i = 0; i < 3; i++)
		put64(list + i * 8, 0x50000 + i * 0x2000);
	assert_int_equal(prp(0x20000, list, 4 * PG, &d), 0);
	assert_int_equal(d.nr, 4);
	assert_int_equal(d.segs[3].addr, 0x54000);
	/* an entry with an offset */
	put64(list + 8, 0x52010);
	assert_int_equal(prp(0x20000, list, 4 * PG, &d), dnr(NVME_SC_PRP_INVALID_OFFSET));
	/* the list pointer itself misaligned */
	assert_int_equal(prp(0x20000, list + 4, 4 * PG, &d), dnr(NVME_SC_PRP_INVALID_OFFSET));
	/* list in memory the host does not have */
	assert_int_equal(prp(0x20000, 0x900000000ull, 4 * PG, &d), NVME_SC_DATA_XFER_ERROR);
	nvme_dptr_free(&d);
}

static void test_prp_list_crosses_pages(void **state)
{
	/* a list starting 16 bytes before its page end: 1 entry, then the
	 * link to the next list page */
	uint64_t list = 0x30000 + PG - 16, next = 0x60000;
	struct nvme_dptr d = { 0 };
	int i;

	(void)state;
	put64(list, 0x80000);
	put64(list + 8, next);
	for (i = 0; i < 3; i++)
		put64(next + i * 8, 0x82000 + i * 0x2000);
	assert_int_equal(prp(0x20000, list, 5 * PG, &d), 0);
	assert_int_equal(d.total, 5 * PG);
	assert_int_equal(d.nr, 5);
	assert_int_equal(d.segs[1].addr, 0x80000);
	assert_int_equal(d.segs[2].addr, 0x82000);
	assert_int_equal(d.segs[4].addr, 0x86000);
	/* exactly filling the first list page: no link needed */
	assert_int_equal(prp(0x20000, list, 3 * PG, &d), 0);
	assert_int_equal(d.segs[2].addr, next);
	/* a list page holding only its link, linking to itself */
	put64(0x30000 + PG - 8, 0x30000 + PG - 8);
	assert_int_equal(prp(0x20000, 0x30000 + PG - 8, 5 * PG, &d),
			 dnr(NVME_SC_PRP_INVALID_OFFSET));
	nvme_dptr_free(&d);
}

static void test_prp_long_list(void **state)
{
	/* 128 KiB at an unaligned start: 33 pages, list spans 32 entries */
	uint64_t list = 0x30000;
	struct nvme_dptr d = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		put64(list + i * 8, 0x40000 + (uint64_t)i * 0x2000);
	assert_int_equal(prp(0x20000 + 512, list, 128 * 1024, &d), 0);
	assert_int_equal(d.total, 128 * 1024);
	assert_int_equal(d.nr, 33);
	assert_int_equal(d.segs[32].len, 512);
	nvme_dptr_free(&d);
}

static uint16_t sgl(const struct nvme_sgl_desc *s, uint32_t len, bool bucket,
		    struct nvme_dptr *d)
{
	nvme_dptr_free(d);
	return nvme_sgl_map(&rd, s, len, bucket, d);
}

static void test_sgl_data_block(void **state)
{
	struct nvme_sgl_desc s = { .addr = 0x20000, .len = 4096 };
	struct nvme_dptr d = { 0 };

	(void)state;
	assert_int_equal(sgl(&s, 4096, false, &d), 0);
	assert_int_equal(d.nr, 1);
	assert_int_equal(sgl(&s, 8192, false, &d), dnr(NVME_SC_SGL_INVALID_DATA_LEN));
	assert_int_equal(sgl(&s, 512, false, &d), dnr(NVME_SC_SGL_INVALID_DATA_LEN));
	s.addr = 0x20001;
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_GRANULARITY));
	s.addr = 0x20000;
	s.id = 0x01;	/* subtype: offset */
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_TYPE));
	s.id = 0x40;	/* keyed data block */
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_TYPE));
	nvme_dptr_free(&d);
}

static void test_sgl_segments(void **state)
{
	struct nvme_sgl_desc s = { .addr = 0x30000, .len = 48,
				   .id = NVME_SGL_TYPE_SEGMENT << 4 };
	struct nvme_dptr d = { 0 };

	(void)state;
	/* segment: 2 data blocks + link to a last segment of 2 */
	put_sgl(0x30000, 0x50000, 1024, NVME_SGL_TYPE_DATA);
	put_sgl(0x30010, 0x60000, 1024, NVME_SGL_TYPE_DATA);
	put_sgl(0x30020, 0x31000, 32, NVME_SGL_TYPE_LAST_SEGMENT);
	put_sgl(0x31000, 0x70000, 1024, NVME_SGL_TYPE_DATA);
	put_sgl(0x31010, 0x60400, 1024, NVME_SGL_TYPE_DATA);
	assert_int_equal(sgl(&s, 4096, false, &d), 0);
	assert_int_equal(d.nr, 4);
	assert_int_equal(d.segs[2].addr, 0x70000);
	/* a last segment may not chain */
	put_sgl(0x31010, 0x32000, 16, NVME_SGL_TYPE_SEGMENT);
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_SEG_DESC));
	/* a segment descriptor not last in its segment */
	put_sgl(0x31010, 0x60400, 1024, NVME_SGL_TYPE_DATA);
	put_sgl(0x30000, 0x31000, 32, NVME_SGL_TYPE_LAST_SEGMENT);
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_SEG_DESC));
	/* segment length not a multiple of 16 */
	s.len = 40;
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_COUNT));
	nvme_dptr_free(&d);
}

static void test_sgl_loop_bounded(void **state)
{
	struct nvme_sgl_desc s = { .addr = 0x30000, .len = 32,
				   .id = NVME_SGL_TYPE_SEGMENT << 4 };
	struct nvme_dptr d = { 0 };

	(void)state;
	/* a segment linking to itself, adding 4 bytes each time */
	put_sgl(0x30000, 0x50000, 4, NVME_SGL_TYPE_DATA);
	put_sgl(0x30010, 0x30000, 32, NVME_SGL_TYPE_SEGMENT);
	assert_int_not_equal(sgl(&s, 1u << 20, false, &d), 0);
	assert_true(reads <= 300);
	nvme_dptr_free(&d);
}

static void test_sgl_bit_bucket(void **state)
{
	struct nvme_sgl_desc s = { .addr = 0x30000, .len = 48,
				   .id = NVME_SGL_TYPE_LAST_SEGMENT << 4 };
	struct nvme_dptr d = { 0 };

	(void)state;
	put_sgl(0x30000, 0x50000, 1024, NVME_SGL_TYPE_DATA);
	put_sgl(0x30010, 0, 2048, NVME_SGL_TYPE_BIT_BUCKET);
	put_sgl(0x30020, 0x51000, 1024, NVME_SGL_TYPE_DATA);
	assert_int_equal(sgl(&s, 4096, true, &d), 0);
	assert_int_equal(d.nr, 3);
	assert_true(d.segs[1].bucket);
	/* only reads may discard data */
	assert_int_equal(sgl(&s, 4096, false, &d), dnr(NVME_SC_SGL_INVALID_TYPE));
	nvme_dptr_free(&d);
}

static void test_dptr_segment_limit(void **state)
{
	struct nvme_dptr d = { 0 };
	unsigned int i;
	int ret = 0;

	(void)state;
	nvme_dptr_init(&d);
	for (i = 0; i < NVME_DPTR_MAX_SEGS + 1 && !ret; i++)
		ret = nvme_dptr_add(&d, 0x1000 + i * 0x2000ull, 4, false);
	assert_int_equal(ret, -E2BIG);
	assert_int_equal(d.nr, NVME_DPTR_MAX_SEGS);
	nvme_dptr_free(&d);
}

/* ---- end to end ---- */

static uint16_t sgl_rw(struct harness *t, uint8_t opc, uint64_t slba,
		       uint32_t nlb, const struct nvme_sgl_desc *desc)
{
	struct nvme_sqe s = h_sqe(t, opc, 1);

	s.flags = NVME_PSDT_SGL_MPTR_CONTIG << 6;
	s.sgl = *desc;
	s.cdw10 = (uint32_t)slba;
	s.cdw12 = nlb - 1;
	return h_run_on(t, 1, 1, &s);
}

static void test_e2e_sgl_write_read(void **state)
{
	struct harness *t = h_new();
	uint64_t a1, a2, seg, ra;
	uint8_t *p1 = h_buf(t, 4096, &a1), *p2 = h_buf(t, 4096, &a2);
	uint8_t *r = h_buf(t, 8192, &ra);
	struct nvme_sgl_desc *list = h_buf(t, 4096, &seg);
	struct nvme_sgl_desc d = { .addr = seg, .len = 32,
				   .id = NVME_SGL_TYPE_LAST_SEGMENT << 4 };
	struct nvme_sgl_desc whole = { .addr = ra, .len = 8192 };

	(void)state;
	h_io_queue(t, 1, 16);
	memset(p1, 0x11, 4096);
	memset(p2, 0x22, 4096);
	list[0] = (struct nvme_sgl_desc){ .addr = a1, .len = 4096 };
	list[1] = (struct nvme_sgl_desc){ .addr = a2, .len = 4096 };
	assert_int_equal(sgl_rw(t, NVME_IO_WRITE, 0, 16, &d), 0);
	assert_int_equal(sgl_rw(t, NVME_IO_READ, 0, 16, &whole), 0);
	assert_int_equal(r[0], 0x11);
	assert_int_equal(r[8191], 0x22);
	/* read with a bit bucket over the first half */
	memset(r, 0, 8192);
	list[0] = (struct nvme_sgl_desc){ .len = 4096,
					  .id = NVME_SGL_TYPE_BIT_BUCKET << 4 };
	list[1] = (struct nvme_sgl_desc){ .addr = ra, .len = 4096 };
	assert_int_equal(sgl_rw(t, NVME_IO_READ, 0, 16, &d), 0);
	assert_int_equal(r[0], 0x22);
	assert_int_equal(r[4096], 0);
	/* the same SGL for a write is refused */
	assert_int_equal(sgl_rw(t, NVME_IO_WRITE, 0, 16, &d), dnr(NVME_SC_SGL_INVALID_TYPE));
	/* too short */
	whole.len = 4096;
	assert_int_equal(sgl_rw(t, NVME_IO_READ, 0, 16, &whole),
			 dnr(NVME_SC_SGL_INVALID_DATA_LEN));
	h_free(t);
}

static void test_e2e_sgl_many_segments(void **state)
{
	/* 128 scattered 512-byte pieces: more segments than one DMA call
	 * carries in the engine's batch, so the transfer goes in several */
	struct harness *t = h_new();
	uint64_t base, seg, ra;
	uint8_t *hm = h_buf(t, 128 * 1024, &base), *r = h_buf(t, 64 * 1024, &ra);
	struct nvme_sgl_desc *list = h_buf(t, 128 * 16, &seg);
	struct nvme_sgl_desc d = { .addr = seg, .len = 128 * 16,
				   .id = NVME_SGL_TYPE_LAST_SEGMENT << 4 };
	struct nvme_sgl_desc whole = { .addr = ra, .len = 64 * 1024 };
	uint64_t dma_calls;
	int i;

	(void)state;
	h_io_queue(t, 1, 16);
	for (i = 0; i < 128; i++) {
		/* every other 512-byte piece: nothing merges */
		list[i] = (struct nvme_sgl_desc){ .addr = base + i * 1024ull,
						  .len = 512 };
		memset(hm + i * 1024, i, 512);
	}
	dma_calls = t->h->dma_calls;
	assert_int_equal(sgl_rw(t, NVME_IO_WRITE, 0, 128, &d), 0);
	assert_true(t->h->dma_calls - dma_calls >= 3);
	assert_int_equal(sgl_rw(t, NVME_IO_READ, 0, 128, &whole), 0);
	for (i = 0; i < 128; i++) {
		assert_int_equal(r[i * 512], i);
		assert_int_equal(r[i * 512 + 511], i);
	}
	/* and back out through the same scattered list */
	memset(hm, 0xee, 128 * 1024);
	assert_int_equal(sgl_rw(t, NVME_IO_READ, 0, 128, &d), 0);
	for (i = 0; i < 128; i++) {
		assert_int_equal(hm[i * 1024], i);
		assert_int_equal(hm[i * 1024 + 512], 0xee);
	}
	h_free(t);
}

static void test_e2e_prp_unaligned_and_list(void **state)
{
	struct harness *t = h_new();
	uint64_t wa, ra, list;
	uint8_t *w = h_buf(t, 3 * 4096, &wa), *r = h_buf(t, 3 * 4096, &ra);
	uint64_t *l = h_buf(t, 4096, &list);
	struct nvme_sqe s;
	int i;

	(void)state;
	h_io_queue(t, 1, 16);
	for (i = 0; i < 3 * 4096; i++)
		w[i] = (uint8_t)i;
	/* 8 KiB starting 2 KiB into a page: three pages, PRP list of two */
	s = h_sqe(t, NVME_IO_WRITE, 1);
	s.prp1 = wa + 2048;
	l[0] = wa + 4096;
	l[1] = wa + 8192;
	s.prp2 = list;
	s.cdw12 = 15;
	assert_int_equal(h_run_on(t, 1, 1, &s), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 16, ra), 0);
	assert_memory_equal(r, w + 2048, 8192);
	/* PRP2 with an offset as the second page */
	s = h_sqe(t, NVME_IO_READ, 1);
	s.prp1 = ra + 2048;
	s.prp2 = ra + 4096 + 512;
	s.cdw12 = 7;
	assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_PRP_INVALID_OFFSET));
	/* PSDT 3 is reserved */
	s = h_sqe(t, NVME_IO_READ, 1);
	s.flags = 3 << 6;
	assert_int_equal(h_run_on(t, 1, 1, &s), dnr(NVME_SC_INVALID_FIELD));
	h_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, reset)
		T(test_prp_single_page_offsets),
		T(test_prp_contiguous_merge),
		T(test_prp_list),
		T(test_prp_list_crosses_pages),
		T(test_prp_long_list),
		T(test_sgl_data_block),
		T(test_sgl_segments),
		T(test_sgl_loop_bounded),
		T(test_sgl_bit_bucket),
		T(test_dptr_segment_limit),
		T(test_e2e_sgl_write_read),
		T(test_e2e_prp_unaligned_and_list),
		T(test_e2e_sgl_many_segments),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
