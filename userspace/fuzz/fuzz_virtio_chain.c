// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: split virtqueue chains and virtio-blk requests. The
 * input is a 16-byte parameter block (queue size, features, limits, head,
 * where the descriptor table is) followed by host memory, at guest
 * address 0, holding the descriptor table, indirect tables, headers and
 * ranges. Reads outside it fail, as a refused DMA would.
 *
 * Besides the sanitizers, it checks what must always hold:
 *  - the device reads only what the driver let it read: descriptor
 *    tables, and device-readable buffers of the chain it walks;
 *  - chains are bounded: no more buffers than the limits, no more
 *    descriptors than the tables hold;
 *  - a broken ring always means reset, and an answer always goes to
 *    the chain's last, device-writable byte;
 *  - the data of a request are pieces of its chain in the right
 *    direction, and every backend operation it asks for is one the
 *    backend accepts (in range, aligned); a read-only device writes
 *    nothing;
 *  - notification suppression agrees with a plain statement of 2.7.10.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/blk.h"
#include "virtio/virtq.h"

#define PARAMS		16u
#define MAX_SEG_MAX	16u
#define MAX_MEM		4096u
#define GEN_INDIRECT	(MAX_MEM / 16)	/* the longest table in memory */
#define GEN_SEGS	(128u + GEN_INDIRECT)	/* the longest chain */
#define NBLK		2048u

struct span {
	uint64_t addr, len;
};

struct fz {
	const uint8_t *mem;
	size_t len;
	/* what the device may read */
	struct span ok[1 + 128 + GEN_SEGS];
	unsigned int nr_ok;
	struct vq_geom g;
};

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool inside(uint64_t addr, uint64_t len, const struct span *s)
{
	return addr >= s->addr && len <= s->len && addr - s->addr <= s->len - len;
}

/*
 * The kernel's read of a peek at fetch: the first buffer the driver named,
 * before the chain's rules are checked (the daemon's reads are fz_read's).
 */
static int fz_read_peek(void *ctx, uint64_t addr, void *buf, uint32_t len)
{
	const struct fz *f = ctx;

	if (addr >= f->len || len > f->len - addr)
		return -14;
	memcpy(buf, f->mem + addr, len);
	return 0;
}

static int fz_read(void *ctx, uint64_t addr, void *buf, uint32_t len)
{
	struct fz *f = ctx;
	unsigned int i;
	bool allowed = false;

	for (i = 0; i < f->nr_ok && !allowed; i++)
		allowed = inside(addr, len, &f->ok[i]);
	check(allowed);
	check(len > 0);
	if (addr >= f->len || len > f->len - addr)
		return -14;	/* EFAULT: not the function's memory */
	memcpy(buf, f->mem + addr, len);
	return 0;
}

static void allow(struct fz *f, uint64_t addr, uint64_t len)
{
	if (f->nr_ok < sizeof(f->ok) / sizeof(f->ok[0]))
		f->ok[f->nr_ok++] = (struct span){ addr, len };
}

/* The direct table, and every table a descriptor in it points to. */
static void allow_tables(struct fz *f)
{
	const struct vq_geom *g = &f->g;
	uint32_t i;

	allow(f, g->desc, vq_desc_area_size(g->size));
	for (i = 0; i < g->size; i++) {
		struct vring_desc d;
		uint64_t at = g->desc + (uint64_t)i * sizeof(d);

		if (at >= f->len || sizeof(d) > f->len - at)
			break;
		memcpy(&d, f->mem + at, sizeof(d));
		if (vq_to_cpu16(g, d.flags) & VRING_DESC_F_INDIRECT)
			allow(f, vq_to_cpu64(g, d.addr), vq_to_cpu32(g, d.len));
	}
}

static void check_notify(const struct vq_geom *g, const uint8_t *p)
{
	uint16_t ev = (uint16_t)(p[0] | p[1] << 8), old = (uint16_t)(p[2] | p[3] << 8);
	uint16_t new_idx = (uint16_t)(old + p[4]), n;
	bool want;

	if (vq_has_feature(g, VIRTIO_RING_F_EVENT_IDX))
		want = (uint16_t)(ev - old) < (uint16_t)(new_idx - old);
	else
		want = !(p[5] & VRING_AVAIL_F_NO_INTERRUPT);
	check(vq_need_notify(g, p[5], ev, old, new_idx) == want);
	if (vq_avail_pending(g, new_idx, old, &n) == VQ_OK)
		check(n == p[4] && n <= g->size);
	else
		check(p[4] > g->size);
}

static bool seg_inside(const struct vq_seg *s, const struct vq_chain *c,
		       bool write)
{
	uint32_t i;

	for (i = 0; i < c->nr; i++) {
		struct span b = { c->segs[i].addr, c->segs[i].len };

		if (c->segs[i].write == write && inside(s->addr, s->len, &b))
			return true;
	}
	return false;
}

static void io_done(struct bdev_io *io, int status)
{
	vblk_req_io_done(io->priv, status);
}

/* Run what the request asks for against a null backend. */
static void run_io(const struct vblk_dev *dev, struct vblk_req *r,
		   const struct vq_chain *gen, bool fail)
{
	struct bdev_io ios[VBLK_MAX_RANGES];
	uint64_t bytes = dev->bdev->num_blocks * dev->bdev->block_size;
	uint64_t sum = 0;
	uint32_t i, n;
	void *buf;

	check(r->nr_data <= dev->seg_max);
	for (i = 0; i < r->nr_data; i++) {
		check(r->data[i].len > 0);
		check(seg_inside(&r->data[i], gen,
				 r->xfer == VBLK_XFER_TO_HOST));
		sum += r->data[i].len;
	}
	check(sum == r->data_len);
	check(r->data_len <= bytes);
	check(r->nr_io <= VBLK_MAX_RANGES);
	if (r->xfer == VBLK_XFER_TO_HOST)
		check(r->data_len < gen->writable_len);
	buf = malloc(r->data_len + 1);
	check(buf != NULL);
	n = vblk_req_build_io(dev, r, buf, ios);
	check(n == r->nr_io);
	for (i = 0; i < n; i++) {
		if (dev->read_only)
			check(ios[i].op == BDEV_OP_READ ||
			      ios[i].op == BDEV_OP_FLUSH);
		if (ios[i].op == BDEV_OP_READ || ios[i].op == BDEV_OP_WRITE)
			check(ios[i].len == r->data_len);
		ios[i].done = io_done;
		ios[i].priv = r;
		check(bdev_submit(dev->bdev, &ios[i]) == 0);
	}
	if (fail)
		vblk_req_io_done(r, -5);
	vblk_req_finish(r);
	check(r->status == VIRTIO_BLK_S_OK || r->status == VIRTIO_BLK_S_IOERR);
	check(r->used_len >= 1 && r->used_len <= gen->writable_len);
	free(buf);
}

static struct bdev *backend(bool big_blocks)
{
	static struct bdev *b[2];

	if (!b[big_blocks])
		b[big_blocks] = big_blocks ?
			bdev_null_create("fz4k", NBLK / 8, 4096) :
			bdev_null_create("fz", NBLK, 512);
	return b[big_blocks];
}

static bool same_seg(const struct vq_seg *a, const struct vq_seg *b)
{
	return a->addr == b->addr && a->len == b->len && a->write == b->write;
}

/*
 * The chain's start, read with its head as the kernel does at fetch,
 * changes which reads the walk makes and nothing else: the same verdict
 * and the same buffers (host memory refusing a read aside, as the reads
 * differ).
 */
static void check_started_walk(struct fz *f, const struct vq_mem *m,
			       const struct vq_limits *lim, uint16_t head,
			       enum vq_err gen_err, const struct vq_chain *gen)
{
	static struct vq_seg st_segs[GEN_SEGS];
	struct snap_vq_chain_start start;
	struct vq_chain st;
	enum vq_err err;

	vq_read_start(&f->g, m, head, &start);
	err = vq_walk(&f->g, m, lim, head, &start, st_segs, &st);
	if (err == VQ_E_DMA || gen_err == VQ_E_DMA)
		return;
	check(err == gen_err);
	if (vq_err_is_fatal(err))
		return;
	check(st.nr == gen->nr && st.count == gen->count &&
	      st.nr_readable == gen->nr_readable &&
	      st.readable_len == gen->readable_len &&
	      st.writable_len == gen->writable_len);
	for (uint32_t i = 0; i < st.nr; i++)
		check(same_seg(&st_segs[i], &gen->segs[i]));
	check(same_seg(&st.last, &gen->last));
}

/*
 * What the fetch reads of the chain (its start and the peek of its first
 * buffer) spares reads and changes nothing: the same verdict and request
 * as the parse that read everything itself (r, next).
 */
static void check_peeked_parse(const struct vblk_dev *dev, struct fz *f,
			       const struct vq_mem *m, uint16_t head,
			       uint32_t nsegs, enum vblk_next next,
			       const struct vblk_req *r)
{
	static struct vq_seg pk_segs[MAX_SEG_MAX + VBLK_EXTRA_SEGS];
	struct snap_vq_chain_start start;
	struct snap_vq_peek pk;
	const struct vq_mem km = { fz_read_peek, f };
	static struct vblk_req pr;
	enum vblk_next pnext;

	vq_read_start(&f->g, m, head, &start);
	vq_read_peek(&f->g, &km, &start, &pk);
	pnext = vblk_req_parse(dev, &f->g, m, head, &start, &pk, pk_segs, nsegs, &pr);
	if (pr.err == VQ_E_DMA)
		return;
	check(pnext == next);
	check(pr.err == r->err && pr.type == r->type && pr.sector == r->sector);
	check(pr.status_addr == r->status_addr && pr.data_len == r->data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_seg gen_segs[GEN_SEGS], segs[MAX_SEG_MAX + VBLK_EXTRA_SEGS];
	static struct fz f;
	const struct vq_limits gen_lim = { .max_segs = GEN_SEGS,
					   .max_indirect = GEN_INDIRECT };
	const struct vq_mem m = { fz_read, &f };
	struct vq_chain gen;
	struct vblk_dev dev;
	struct vblk_req r;
	enum vq_err gen_err;
	enum vblk_next next;
	uint32_t nsegs;
	uint16_t head;

	if (size < PARAMS)
		return 0;
	if (size > PARAMS + MAX_MEM)
		size = PARAMS + MAX_MEM;
	f.mem = data + PARAMS;
	f.len = size - PARAMS;
	f.nr_ok = 0;
	f.g = (struct vq_geom){
		.size = 1u << (data[0] % 8),
		.desc = (uint64_t)(data[14] % 64) * 16,
		.features = (data[1] & 1 ? 1ull << VIRTIO_RING_F_INDIRECT_DESC : 0) |
			    (data[1] & 2 ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0) |
			    (data[1] & 4 ? 0 : 1ull << VIRTIO_F_VERSION_1),
	};
	dev = (struct vblk_dev){
		.bdev = backend(data[2] & 16),
		.features = f.g.features |
			    (data[2] & 1 ? 1ull << VIRTIO_BLK_F_SIZE_MAX : 0) |
			    (data[2] & 2 ? 1ull << VIRTIO_BLK_F_DISCARD : 0) |
			    (data[2] & 4 ? 1ull << VIRTIO_BLK_F_WRITE_ZEROES : 0),
		.read_only = data[2] & 8,
		.seg_max = 1 + data[3] % MAX_SEG_MAX,
		.size_max = (uint32_t)(data[5] | data[6] << 8),
		.max_discard_seg = 1 + data[7] % VBLK_MAX_RANGES,
		.max_write_zeroes_seg = 1 + (data[7] >> 4),
		.max_discard_sectors = (uint32_t)(data[8] | data[9] << 8),
		.max_write_zeroes_sectors = (uint32_t)(data[10] | data[11] << 8),
	};
	vblk_dev_set_serial(&dev, "fuzz");
	check(vblk_dev_check(&dev) == 0);
	check(vq_geom_check(&f.g) == 0);
	/* sometimes fewer buffers than a request may need */
	nsegs = dev.seg_max + VBLK_EXTRA_SEGS - data[4] % 3;
	head = (uint16_t)(data[12] | data[13] << 8);
	if (!(data[4] & 0x80))
		head %= f.g.size;	/* mostly a head in range */
	check_notify(&f.g, data + 8);

	allow_tables(&f);
	gen_err = vq_walk(&f.g, &m, &gen_lim, head, NULL, gen_segs, &gen);
	check_started_walk(&f, &m, &gen_lim, head, gen_err, &gen);
	/* a chain is never longer than its tables, loops or not */
	check(gen.count == gen.nr);
	check(gen.nr_readable <= gen.nr);
	if (!vq_err_is_fatal(gen_err)) {
		/* the chain's readable buffers, for the header and ranges */
		uint32_t i;

		check(gen_err != VQ_E_TOO_MANY_SEGS);
		for (i = 0; i < gen.nr_readable; i++)
			allow(&f, gen_segs[i].addr, gen_segs[i].len);
	}

	next = vblk_req_parse(&dev, &f.g, &m, head, NULL, NULL, segs, nsegs, &r);
	/* a refused read makes the two walks read different things */
	if (gen_err != VQ_E_DMA && r.err != VQ_E_DMA)
		check_peeked_parse(&dev, &f, &m, head, nsegs, next, &r);
	check(r.chain.nr <= nsegs && r.chain.nr <= dev.seg_max + VBLK_EXTRA_SEGS);
	if (vq_err_is_fatal(gen_err)) {
		check(next == VBLK_NEXT_RESET);
		return 0;
	}
	if (next == VBLK_NEXT_RESET) {
		/* a stricter table limit, or no status byte */
		check(vq_err_is_fatal(r.err) || !gen.last.write || !gen.last.len);
		return 0;
	}
	check(gen.last.write && gen.last.len);
	check(r.status_addr == gen.last.addr + gen.last.len - 1);
	if (next == VBLK_NEXT_ANSWER) {
		check(r.used_len == 1);
		check(r.status <= VIRTIO_BLK_S_UNSUPP);
		return 0;
	}
	check(next == VBLK_NEXT_IO && r.err == VQ_OK);
	run_io(&dev, &r, &gen, data[1] & 8);
	return 0;
}
