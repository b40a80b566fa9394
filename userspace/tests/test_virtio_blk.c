// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk requests against a fake host memory and a RAM backend. The
 * test plays the daemon's transport: it moves data between host memory
 * and a local buffer, submits the bdev operations the request asks for
 * and writes the status byte where the request says.
 */
#include <stdlib.h>

#include "virtio_harness.h"
#include "virtio/blk.h"

#define QS		16u
#define DESC		HM_BASE
#define ITAB		(HM_BASE + 0x1000)
#define HDR		(HM_BASE + 0x2000)
#define STATUS		(HM_BASE + 0x2100)
#define DATA		(HM_BASE + 0x10000)
#define DATA2		(HM_BASE + 0x40000)
#define NBLK		2048u		/* 1 MiB of 512-byte blocks */
#define NSEGS		(8 + VBLK_EXTRA_SEGS)
#define BLK_F(bit)	F(bit)

struct d {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;		/* WR or IND; NEXT is added */
};

static struct bdev *bd;
static struct vblk_dev dev;
static struct vq_geom g;
static struct vq_seg segs[NSEGS];
static struct vblk_req r;
static struct bdev_io ios[VBLK_MAX_RANGES];
static unsigned int nr_ios;

static int setup(void **state)
{
	hm_reset(state);
	bd = bdev_malloc_create("m0", NBLK, 512);
	if (!bd)
		return -1;
	dev = (struct vblk_dev){
		.bdev = bd,
		.features = MODERN | BLK_F(VIRTIO_BLK_F_SEG_MAX) |
			    BLK_F(VIRTIO_BLK_F_FLUSH) |
			    BLK_F(VIRTIO_BLK_F_DISCARD) |
			    BLK_F(VIRTIO_BLK_F_WRITE_ZEROES),
		.seg_max = 8,
		.max_discard_seg = 4,
		.max_write_zeroes_seg = 4,
	};
	vblk_dev_set_serial(&dev, "snap-vblk-0");
	assert_int_equal(vblk_dev_check(&dev), 0);
	g = (struct vq_geom){ .desc = DESC, .avail = HM_BASE + 0x3000,
			      .used = HM_BASE + 0x4000, .size = QS,
			      .features = dev.features | INDIRECT };
	nr_ios = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bdev_destroy(bd);
	return 0;
}

/* A chain from descriptor 0 of table, each linked to the next. */
static void chain_in(uint64_t table, const struct d *ds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hm_desc(table, i, ds[i].addr, ds[i].len,
			ds[i].flags | (i + 1 < n ? NEXT : 0), i + 1);
}

#define CHAIN(...) do {							\
	const struct d ds_[] = { __VA_ARGS__ };				\
	chain_in(DESC, ds_, sizeof(ds_) / sizeof(ds_[0]));		\
} while (0)

static void put_hdr(uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = {
		.type = htole32(type),
		.sector = htole64(sector),
	};

	hm_put(HDR, &h, sizeof(h));
}

static void put_range(uint64_t addr, uint64_t sector, uint32_t n,
		      uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes x = {
		.sector = htole64(sector),
		.num_sectors = htole32(n),
		.flags = htole32(flags),
	};

	hm_put(addr, &x, sizeof(x));
}

static void io_done(struct bdev_io *io, int status)
{
	vblk_req_io_done(io->priv, status);
}

static void copy_segs(uint8_t *buf, bool to_host)
{
	uint32_t i;

	for (i = 0; i < r.nr_data; i++) {
		void *host = hm_ptr(r.data[i].addr);

		if (to_host)
			memcpy(host, buf, r.data[i].len);
		else
			memcpy(buf, host, r.data[i].len);
		buf += r.data[i].len;
	}
}

/* The transport around the request, as the daemon will do it. */
static enum vblk_next run(uint16_t head)
{
	enum vblk_next next;
	uint8_t *buf;
	unsigned int i;

	memset(hm_ptr(STATUS), 0xee, 1);
	next = vblk_req_parse(&dev, &g, &hm_mem, head, NULL, NULL, segs, NSEGS, &r);
	if (next == VBLK_NEXT_RESET)
		return next;
	if (next == VBLK_NEXT_IO) {
		/* a reused pool buffer holds someone else's bytes */
		buf = malloc(r.data_len + 1);
		assert_non_null(buf);
		memset(buf, 0xa5, r.data_len + 1);
		if (r.xfer == VBLK_XFER_FROM_HOST)
			copy_segs(buf, false);
		nr_ios = vblk_req_build_io(&dev, &r, buf, ios);
		assert_int_equal(nr_ios, r.nr_io);
		for (i = 0; i < nr_ios; i++) {
			int rc;

			ios[i].done = io_done;
			ios[i].priv = &r;
			rc = bdev_submit(bd, &ios[i]);
			if (rc)
				vblk_req_io_done(&r, rc);
		}
		if (r.xfer == VBLK_XFER_TO_HOST && !r.io_status)
			copy_segs(buf, true);
		vblk_req_finish(&r);
		free(buf);
	}
	*(uint8_t *)hm_ptr(r.status_addr) = r.status;
	return next;
}

static void assert_answer(enum vblk_next next, uint8_t status, uint32_t used)
{
	assert_int_not_equal(next, VBLK_NEXT_RESET);
	assert_int_equal(r.status, status);
	assert_int_equal(r.used_len, used);
}

static void fill(uint64_t addr, uint32_t len, uint8_t seed)
{
	uint8_t *p = hm_ptr(addr);
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Write len bytes of pattern seed at sector, through a request. */
static void write_sectors(uint64_t sector, uint32_t len, uint8_t seed)
{
	fill(DATA, len, seed);
	put_hdr(VIRTIO_BLK_T_OUT, sector);
	CHAIN({ HDR, 16, 0 }, { DATA, len, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
}

/* Refused before any I/O: the backend is never asked. */
static void assert_refused(enum vblk_next next)
{
	assert_int_equal(next, VBLK_NEXT_ANSWER);
	assert_int_equal(r.status, VIRTIO_BLK_S_IOERR);
	assert_int_equal(r.used_len, 1);
	assert_int_equal(r.nr_io, 0);
}

/* ---- reads and writes ---- */

static void test_write_then_read(void **state)
{
	uint8_t want[4096];

	(void)state;
	write_sectors(8, 4096, 1);
	memcpy(want, hm_ptr(DATA), sizeof(want));
	assert_int_equal(nr_ios, 1);
	assert_int_equal(ios[0].op, BDEV_OP_WRITE);
	assert_int_equal(ios[0].offset, 8 * 512);
	assert_int_equal(ios[0].len, 4096);
	/* read it back into two buffers */
	put_hdr(VIRTIO_BLK_T_IN, 8);
	CHAIN({ HDR, 16, 0 }, { DATA2, 1024, WR }, { DATA2 + 0x2000, 3072, WR },
	      { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 4096 + 1);
	assert_int_equal(r.xfer, VBLK_XFER_TO_HOST);
	assert_int_equal(r.nr_data, 2);
	assert_int_equal(ios[0].op, BDEV_OP_READ);
	assert_memory_equal(hm_ptr(DATA2), want, 1024);
	assert_memory_equal(hm_ptr(DATA2 + 0x2000), want + 1024, 3072);
	assert_int_equal(*(uint8_t *)hm_ptr(STATUS), VIRTIO_BLK_S_OK);
}

static void test_any_layout(void **state)
{
	uint8_t want[1024];

	(void)state;
	/* header and data in one buffer, data and status in another */
	put_hdr(VIRTIO_BLK_T_OUT, 2);
	hm_put(DATA, hm_ptr(HDR), 16);
	fill(DATA + 16, 1024, 9);
	memcpy(want, hm_ptr(DATA + 16), sizeof(want));
	CHAIN({ DATA, 16 + 1024, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(r.nr_data, 1);
	assert_int_equal(r.data[0].addr, DATA + 16);
	assert_int_equal(r.data_len, 1024);
	put_hdr(VIRTIO_BLK_T_IN, 2);
	CHAIN({ HDR, 16, 0 }, { DATA2, 1024 + 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1024 + 1);
	assert_int_equal(r.status_addr, DATA2 + 1024);
	assert_int_equal(r.nr_data, 1);
	assert_memory_equal(hm_ptr(DATA2), want, sizeof(want));
	/* the header split over two buffers */
	hm_put(DATA, hm_ptr(HDR), 16);
	CHAIN({ DATA, 5, 0 }, { DATA + 5, 11, 0 }, { DATA2, 1024, WR },
	      { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1024 + 1);
	assert_int_equal(r.type, VIRTIO_BLK_T_IN);
	assert_int_equal(r.sector, 2);
}

static void test_indirect_read(void **state)
{
	const struct d ds[] = { { HDR, 16, 0 }, { DATA2, 512, WR },
				{ STATUS, 1, WR } };

	(void)state;
	write_sectors(100, 512, 3);
	put_hdr(VIRTIO_BLK_T_IN, 100);
	chain_in(ITAB, ds, 3);
	hm_desc(DESC, 5, ITAB, 3 * 16, IND, 0);
	assert_answer(run(5), VIRTIO_BLK_S_OK, 513);
	assert_memory_equal(hm_ptr(DATA2), hm_ptr(DATA), 512);
	assert_int_equal(r.head, 5);
}

static void test_zero_length_read_write(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	put_hdr(VIRTIO_BLK_T_OUT, NBLK);	/* at the end: nothing moves */
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	put_hdr(VIRTIO_BLK_T_OUT, NBLK + 1);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
}

static void test_out_of_range(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, NBLK - 1);
	CHAIN({ HDR, 16, 0 }, { DATA, 1024, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(*(uint8_t *)hm_ptr(STATUS), VIRTIO_BLK_S_IOERR);
	put_hdr(VIRTIO_BLK_T_IN, NBLK - 2);
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1025);
	/* sector + length must not wrap into range */
	put_hdr(VIRTIO_BLK_T_IN, UINT64_MAX);
	assert_refused(run(0));
	put_hdr(VIRTIO_BLK_T_OUT, (UINT64_MAX >> 9) + 1);
	CHAIN({ HDR, 16, 0 }, { DATA, 1024, 0 }, { STATUS, 1, WR });
	assert_refused(run(0));
}

static void test_not_sector_multiple(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 1000, WR }, { STATUS, 1, WR });
	assert_refused(run(0));
	put_hdr(VIRTIO_BLK_T_OUT, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 513, 0 }, { STATUS, 1, WR });
	assert_refused(run(0));
}

static void test_block_size_alignment(void **state)
{
	(void)state;
	bdev_destroy(bd);
	bd = bdev_malloc_create("m4k", NBLK / 8, 4096);
	assert_non_null(bd);
	dev.bdev = bd;
	put_hdr(VIRTIO_BLK_T_IN, 8);
	CHAIN({ HDR, 16, 0 }, { DATA, 4096, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 4097);
	assert_int_equal(ios[0].offset, 4096);
	put_hdr(VIRTIO_BLK_T_IN, 9);		/* offset not a block */
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	put_hdr(VIRTIO_BLK_T_IN, 8);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);	/* length */
	/* ranges too */
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	put_range(DATA, 8, 7, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	put_range(DATA, 8, 8, 0);
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
}

static void test_backend_error(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	bdev_inject_error(bd, BDEV_OP_READ, -EIO, 1);
	fill(DATA, 512, 5);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* nothing was scattered back */
	assert_int_equal(*(uint8_t *)hm_ptr(DATA), 5);
	assert_int_equal(r.io_status, -EIO);
	/* a failed transfer is reported the same way */
	assert_int_equal(vblk_req_parse(&dev, &g, &hm_mem, 0, NULL, NULL, segs, NSEGS, &r),
			 VBLK_NEXT_IO);
	vblk_req_io_done(&r, 0);
	vblk_req_io_done(&r, -EFAULT);
	vblk_req_io_done(&r, -EIO);
	vblk_req_finish(&r);
	assert_answer(VBLK_NEXT_IO, VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(r.io_status, -EFAULT);
}

/* parse the chain at 0 with the fetch's peek of its header */
static enum vblk_next parse_with_peek(uint64_t addr, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = htole32(VIRTIO_BLK_T_IN), .sector = htole64(sector) };
	struct snap_vq_peek pk = { .addr = addr, .len = SNAP_VQ_PEEK_SIZE };

	memcpy(pk.bytes, &h, sizeof(h));
	return vblk_req_parse(&dev, &g, &hm_mem, 0, NULL, &pk, segs, NSEGS, &r);
}

static void test_peek_is_the_header(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	/* the peek of the header's buffer is taken instead of reading it */
	assert_int_equal(parse_with_peek(HDR, 24), VBLK_NEXT_IO);
	assert_int_equal(r.sector, 24);
	/* a peek of another buffer is not: the header is read */
	assert_int_equal(parse_with_peek(DATA, 24), VBLK_NEXT_IO);
	assert_int_equal(r.sector, 0);
	/* nor one of a header too short to hold it */
	CHAIN({ HDR, 8, 0 }, { HDR + 8, 8, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	assert_int_equal(parse_with_peek(HDR, 24), VBLK_NEXT_IO);
	assert_int_equal(r.sector, 0);
}

/* ---- the other types ---- */

static void test_flush(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_FLUSH, 0);
	CHAIN({ HDR, 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(nr_ios, 1);
	assert_int_equal(ios[0].op, BDEV_OP_FLUSH);
	bdev_inject_error(bd, BDEV_OP_FLUSH, -EIO, 1);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
}

static void test_get_id(void **state)
{
	static const char full[] = "ABCDEFGHIJKLMNOPQRST";	/* 20 */

	(void)state;
	put_hdr(VIRTIO_BLK_T_GET_ID, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 20, WR }, { STATUS, 1, WR });
	memset(hm_ptr(DATA), 0xff, 64);
	assert_answer(run(0), VIRTIO_BLK_S_OK, 21);
	assert_int_equal(nr_ios, 0);
	/* a shorter ID is NUL-padded */
	assert_memory_equal(hm_ptr(DATA), "snap-vblk-0\0\0\0\0\0\0\0\0", 20);
	/* 20 bytes long: no terminator, and nothing after it is touched */
	vblk_dev_set_serial(&dev, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	assert_memory_equal(dev.serial, full, 20);
	memset(hm_ptr(DATA), 0xff, 64);
	assert_answer(run(0), VIRTIO_BLK_S_OK, 21);
	assert_memory_equal(hm_ptr(DATA), full, 20);
	assert_int_equal(*(uint8_t *)hm_ptr(DATA + 20), 0xff);
}

static void test_get_id_short_and_long_buffers(void **state)
{
	uint8_t ff[44];

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	put_hdr(VIRTIO_BLK_T_GET_ID, 0);
	memset(hm_ptr(DATA), 0xff, 64);
	/* 8 bytes: the ID is cut there */
	CHAIN({ HDR, 16, 0 }, { DATA, 8, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 9);
	assert_memory_equal(hm_ptr(DATA), "snap-vbl", 8);
	assert_int_equal(*(uint8_t *)hm_ptr(DATA + 8), 0xff);
	/* the ID and the status in one 6-byte buffer */
	CHAIN({ HDR, 16, 0 }, { DATA, 6, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 6);
	assert_memory_equal(hm_ptr(DATA), "snap-", 5);
	assert_int_equal(*(uint8_t *)hm_ptr(DATA + 5), VIRTIO_BLK_S_OK);
	/* no room but the status */
	CHAIN({ HDR, 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	/* 64 bytes: the ID's 20 are written, the rest is left alone */
	memset(hm_ptr(DATA), 0xff, 64);
	CHAIN({ HDR, 16, 0 }, { DATA, 64, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 21);
	assert_int_equal(r.data_len, 20);
	assert_memory_equal(hm_ptr(DATA), "snap-vblk-0\0\0\0\0\0\0\0\0", 20);
	assert_memory_equal(hm_ptr(DATA + 20), ff, 44);
	/* over several buffers, cut inside the second */
	memset(hm_ptr(DATA), 0xff, 64);
	CHAIN({ HDR, 16, 0 }, { DATA, 4, WR }, { DATA + 4, 30, WR },
	      { DATA + 34, 10, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 21);
	assert_int_equal(r.nr_data, 2);
	assert_int_equal(r.data[1].len, 16);
	assert_memory_equal(hm_ptr(DATA), "snap-vblk-0\0\0\0\0\0\0\0\0", 20);
	assert_memory_equal(hm_ptr(DATA + 20), ff, 44);
}

static void test_discard(void **state)
{
	uint8_t zero[1024] = { 0 };

	(void)state;
	write_sectors(16, 4096, 7);
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	put_range(DATA2, 16, 2, 0);
	put_range(DATA2 + 16, 0, 0, 0);		/* empty: skipped */
	put_range(DATA2 + 32, 20, 2, 0);
	CHAIN({ HDR, 16, 0 }, { DATA2, 48, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(nr_ios, 2);
	assert_int_equal(ios[0].op, BDEV_OP_UNMAP);
	assert_int_equal(ios[0].offset, 16 * 512);
	assert_int_equal(ios[0].len, 1024);
	assert_int_equal(ios[1].offset, 20 * 512);
	/* the RAM backend reads unmapped blocks as zeroes */
	put_hdr(VIRTIO_BLK_T_IN, 16);
	CHAIN({ HDR, 16, 0 }, { DATA2, 4096, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 4097);
	assert_memory_equal(hm_ptr(DATA2), zero, 1024);
	assert_memory_equal(hm_ptr(DATA2 + 1024), hm_ptr(DATA + 1024), 1024);
	assert_memory_equal(hm_ptr(DATA2 + 2048), zero, 1024);
}

static void test_discard_ranges_split_over_buffers(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	hm_put(DATA, hm_ptr(HDR), 16);
	put_range(DATA + 16, 8, 8, 0);
	put_range(DATA + 32, 32, 8, 0);
	/* the header, a range and half of the next; then the other half */
	CHAIN({ DATA, 16 + 24, 0 }, { DATA + 40, 8, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(nr_ios, 2);
	assert_int_equal(ios[0].offset, 8 * 512);
	assert_int_equal(ios[1].offset, 32 * 512);
	assert_int_equal(ios[1].len, 8 * 512);
}

static void test_write_zeroes(void **state)
{
	uint8_t zero[512] = { 0 };

	(void)state;
	write_sectors(40, 2048, 11);
	put_hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	put_range(DATA2, 40, 1, 0);
	put_range(DATA2 + 16, 42, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	CHAIN({ HDR, 16, 0 }, { DATA2, 32, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(nr_ios, 2);
	assert_int_equal(ios[0].op, BDEV_OP_WRITE_ZEROES);
	/* UNMAP may deallocate where that reads back as zeroes */
	assert_int_equal(ios[1].op, BDEV_OP_UNMAP);
	bd->flags &= ~BDEV_F_UNMAP_ZEROES;
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(ios[1].op, BDEV_OP_WRITE_ZEROES);
	put_hdr(VIRTIO_BLK_T_IN, 40);
	CHAIN({ HDR, 16, 0 }, { DATA2, 2048, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 2049);
	assert_memory_equal(hm_ptr(DATA2), zero, 512);
	assert_memory_equal(hm_ptr(DATA2 + 512), hm_ptr(DATA + 512), 512);
	assert_memory_equal(hm_ptr(DATA2 + 1024), zero, 512);
}

/* A backend without the operation: UNSUPP, so the host zeroes by writes. */
static void test_write_zeroes_backend_unsupported(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	put_range(DATA2, 40, 8, 0);
	CHAIN({ HDR, 16, 0 }, { DATA2, 16, 0 }, { STATUS, 1, WR });
	bdev_inject_error(bd, BDEV_OP_WRITE_ZEROES, -EOPNOTSUPP, 1);
	assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
	/* any other failure is an I/O error */
	bdev_inject_error(bd, BDEV_OP_WRITE_ZEROES, -EIO, 1);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* and so is a write the backend cannot do */
	put_hdr(VIRTIO_BLK_T_OUT, 40);
	CHAIN({ HDR, 16, 0 }, { DATA2, 512, 0 }, { STATUS, 1, WR });
	bdev_inject_error(bd, BDEV_OP_WRITE, -EOPNOTSUPP, 1);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
}

static void test_discard_wz_not_negotiated(void **state)
{
	(void)state;
	dev.features &= ~(BLK_F(VIRTIO_BLK_F_DISCARD) |
			  BLK_F(VIRTIO_BLK_F_WRITE_ZEROES));
	put_range(DATA, 0, 1, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 16, 0 }, { STATUS, 1, WR });
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
	put_hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
}

static void test_range_flags(void **state)
{
	(void)state;
	CHAIN({ HDR, 16, 0 }, { DATA, 32, 0 }, { STATUS, 1, WR });
	put_range(DATA, 0, 1, 0);
	/* UNMAP belongs to write zeroes only */
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	put_range(DATA + 16, 8, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
	/* unknown flags */
	put_hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	put_range(DATA + 16, 8, 1, 2);
	assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
	/* UNSUPP wins over a range out of capacity elsewhere */
	put_range(DATA, NBLK, 1, 0);
	assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
	put_range(DATA + 16, 8, 1, 0);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
}

static void test_range_counts_and_sizes(void **state)
{
	unsigned int i;

	(void)state;
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	for (i = 0; i < 5; i++)
		put_range(DATA + i * 16, i * 8, 8, 0);
	/* no range at all */
	CHAIN({ HDR, 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* a part of a range */
	CHAIN({ HDR, 16, 0 }, { DATA, 24, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* max_discard_seg is 4 */
	CHAIN({ HDR, 16, 0 }, { DATA, 5 * 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	CHAIN({ HDR, 16, 0 }, { DATA, 4 * 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(nr_ios, 4);
	/* max_discard_sectors per range */
	dev.max_discard_sectors = 7;
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	dev.max_discard_sectors = 8;
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	/* past the capacity */
	put_range(DATA + 16, NBLK - 4, 8, 0);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* write zeroes has limits of its own */
	put_range(DATA + 16, 8, 8, 0);
	put_hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	dev.max_write_zeroes_seg = 3;
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	dev.max_write_zeroes_seg = 4;
	dev.max_write_zeroes_sectors = 4;
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* ranges of 0 sectors only: nothing to do */
	dev.max_write_zeroes_sectors = 0;
	for (i = 0; i < 4; i++)
		put_range(DATA + i * 16, 0, 0, 0);
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
	assert_int_equal(r.nr_io, 0);
}

static void test_read_only(void **state)
{
	uint8_t before[512];

	(void)state;
	write_sectors(4, 512, 21);
	memcpy(before, hm_ptr(DATA), sizeof(before));
	dev.read_only = true;
	fill(DATA, 512, 99);
	put_hdr(VIRTIO_BLK_T_OUT, 4);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(r.nr_io, 0);
	put_range(DATA, 4, 1, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 16, 0 }, { STATUS, 1, WR });
	put_hdr(VIRTIO_BLK_T_DISCARD, 0);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	put_hdr(VIRTIO_BLK_T_WRITE_ZEROES, 0);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* reads, flushes and the ID still work; nothing was written */
	put_hdr(VIRTIO_BLK_T_IN, 4);
	CHAIN({ HDR, 16, 0 }, { DATA2, 512, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 513);
	assert_memory_equal(hm_ptr(DATA2), before, 512);
	put_hdr(VIRTIO_BLK_T_FLUSH, 0);
	CHAIN({ HDR, 16, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1);
}

static void test_unsupported_types(void **state)
{
	static const uint32_t types[] = {
		2,		/* legacy SCSI passthrough */
		10,		/* GET_LIFETIME */
		VIRTIO_BLK_T_SECURE_ERASE,
		16,		/* ZONE_REPORT */
		VIRTIO_BLK_T_BARRIER | VIRTIO_BLK_T_OUT,
		12345,
	};
	unsigned int i;

	(void)state;
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		put_hdr(types[i], 0);
		assert_answer(run(0), VIRTIO_BLK_S_UNSUPP, 1);
		assert_int_equal(*(uint8_t *)hm_ptr(STATUS), VIRTIO_BLK_S_UNSUPP);
	}
}

/* ---- malformed requests ---- */

static void test_no_status_byte(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_OUT, 0);
	/* nothing device-writable */
	CHAIN({ HDR, 16, 0 }, { DATA, 512, 0 });
	assert_int_equal(run(0), VBLK_NEXT_RESET);
	/* the last buffer device-readable, after a writable one */
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { STATUS, 1, 0 });
	assert_int_equal(run(0), VBLK_NEXT_RESET);
	assert_int_equal(r.err, VQ_E_READ_AFTER_WRITE);
	/* the last buffer empty */
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { STATUS, 0, WR });
	assert_int_equal(run(0), VBLK_NEXT_RESET);
	assert_int_equal(*(uint8_t *)hm_ptr(STATUS), 0xee);
}

static void test_broken_ring_resets(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	hm_desc(DESC, 0, HDR, 16, NEXT, 1);
	hm_desc(DESC, 1, DATA, 512, WR | NEXT, 2);
	hm_desc(DESC, 2, STATUS, 1, WR | NEXT, 1);
	assert_int_equal(run(0), VBLK_NEXT_RESET);
	assert_int_equal(r.err, VQ_E_LOOP);
	assert_int_equal(*(uint8_t *)hm_ptr(STATUS), 0xee);
	assert_int_equal(run(QS), VBLK_NEXT_RESET);
	assert_int_equal(r.err, VQ_E_HEAD_RANGE);
}

static void test_short_header(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 8, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	/* a header the host will not let us read */
	CHAIN({ HM_END - 8, 16, 0 }, { DATA, 512, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(*(uint8_t *)hm_ptr(STATUS), VIRTIO_BLK_S_IOERR);
}

static void test_seg_max(void **state)
{
	(void)state;
	dev.seg_max = 2;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { DATA + 512, 512, WR },
	      { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 1025);
	/* three data buffers, though the chain fits seg_max + 2 */
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { DATA + 512, 512, WR },
	      { DATA + 1024, 512 + 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(r.err, VQ_OK);
	assert_int_equal(r.status_addr, DATA + 1536);
	/* more buffers than any request may have: still answered */
	CHAIN({ HDR, 16, 0 }, { DATA, 512, WR }, { DATA + 512, 512, WR },
	      { DATA + 1024, 512, WR }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(r.err, VQ_E_TOO_MANY_SEGS);
	assert_int_equal(*(uint8_t *)hm_ptr(STATUS), VIRTIO_BLK_S_IOERR);
	/* the same for a write: data are the readable buffers */
	put_hdr(VIRTIO_BLK_T_OUT, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 512, 0 }, { DATA + 512, 512, 0 },
	      { DATA + 1024, 512, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	CHAIN({ HDR, 16 + 512, 0 }, { DATA + 512, 512, 0 },
	      { DATA + 1024, 512, 0 }, { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
}

static void test_size_max(void **state)
{
	(void)state;
	dev.size_max = 4096;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 8192, WR }, { STATUS, 1, WR });
	/* not negotiated: the driver was never told */
	assert_answer(run(0), VIRTIO_BLK_S_OK, 8193);
	dev.features |= BLK_F(VIRTIO_BLK_F_SIZE_MAX);
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(r.err, VQ_E_SEG_TOO_LONG);
	CHAIN({ HDR, 16, 0 }, { DATA, 4096, WR }, { DATA + 4096, 4096, WR },
	      { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_OK, 8193);
}

static void test_zero_length_buffer(void **state)
{
	(void)state;
	put_hdr(VIRTIO_BLK_T_IN, 0);
	CHAIN({ HDR, 16, 0 }, { DATA, 0, WR }, { DATA, 512, WR },
	      { STATUS, 1, WR });
	assert_answer(run(0), VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(r.err, VQ_E_ZERO_LEN);
}

static void test_dev_check(void **state)
{
	struct vblk_dev d;

	(void)state;
	d = dev;
	d.bdev = NULL;
	assert_int_equal(vblk_dev_check(&d), -EINVAL);
	d = dev;
	d.seg_max = 0;
	assert_int_equal(vblk_dev_check(&d), -EINVAL);
	d = dev;
	d.seg_max = UINT32_MAX;
	assert_int_equal(vblk_dev_check(&d), -EINVAL);
	d = dev;
	d.max_discard_seg = VBLK_MAX_RANGES + 1;
	assert_int_equal(vblk_dev_check(&d), -EINVAL);
	d.max_discard_seg = 0;
	assert_int_equal(vblk_dev_check(&d), -EINVAL);
	/* limits of a feature not offered do not matter */
	d.features &= ~BLK_F(VIRTIO_BLK_F_DISCARD);
	assert_int_equal(vblk_dev_check(&d), 0);
	d = dev;
	d.max_write_zeroes_seg = VBLK_MAX_RANGES + 1;
	assert_int_equal(vblk_dev_check(&d), -EINVAL);
	assert_int_equal(vblk_capacity(&dev), NBLK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_write_then_read),
		T(test_any_layout),
		T(test_indirect_read),
		T(test_zero_length_read_write),
		T(test_out_of_range),
		T(test_not_sector_multiple),
		T(test_block_size_alignment),
		T(test_backend_error),
		T(test_peek_is_the_header),
		T(test_flush),
		T(test_get_id),
		T(test_get_id_short_and_long_buffers),
		T(test_discard),
		T(test_discard_ranges_split_over_buffers),
		T(test_write_zeroes),
		T(test_write_zeroes_backend_unsupported),
		T(test_discard_wz_not_negotiated),
		T(test_range_flags),
		T(test_range_counts_and_sizes),
		T(test_read_only),
		T(test_unsupported_types),
		T(test_no_status_byte),
		T(test_broken_ring_resets),
		T(test_short_header),
		T(test_seg_max),
		T(test_size_max),
		T(test_zero_length_buffer),
		T(test_dev_check),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
