// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk requests. A request is a chain: a 16-byte header the device
 * reads, data, and one status byte the device writes last (5.2.6). The
 * device must not assume how these are spread over descriptors (2.7.4),
 * so the header, the data and the status are cut out of the chain's
 * readable and writable bytes, wherever the buffers happen to split.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "blk.h"

#define HDR_SIZE	((uint32_t)sizeof(struct virtio_blk_outhdr))
#define RANGE_SIZE	((uint32_t)sizeof(struct virtio_blk_discard_write_zeroes))

static bool has_feature(const struct vblk_dev *dev, unsigned int bit)
{
	return (dev->features >> bit) & 1;
}

int vblk_dev_check(const struct vblk_dev *dev)
{
	if (!dev->bdev || !dev->seg_max ||
	    dev->seg_max > UINT32_MAX - VBLK_EXTRA_SEGS)
		return -EINVAL;
	if (has_feature(dev, VIRTIO_BLK_F_DISCARD) &&
	    (!dev->max_discard_seg || dev->max_discard_seg > VBLK_MAX_RANGES))
		return -EINVAL;
	if (has_feature(dev, VIRTIO_BLK_F_WRITE_ZEROES) &&
	    (!dev->max_write_zeroes_seg ||
	     dev->max_write_zeroes_seg > VBLK_MAX_RANGES))
		return -EINVAL;
	return 0;
}

void vblk_dev_set_serial(struct vblk_dev *dev, const char *serial)
{
	size_t n = strnlen(serial, sizeof(dev->serial));

	memset(dev->serial, 0, sizeof(dev->serial));
	memcpy(dev->serial, serial, n);
}

uint64_t vblk_capacity(const struct vblk_dev *dev)
{
	return dev->bdev->num_blocks * dev->bdev->block_size >> VBLK_SECTOR_SHIFT;
}

/* ---- answers ---- */

static enum vblk_next answer(struct vblk_req *r, uint8_t status)
{
	r->status = status;
	r->used_len = 1;	/* the status byte alone */
	return VBLK_NEXT_ANSWER;
}

static enum vblk_next ioerr(struct vblk_req *r)
{
	return answer(r, VIRTIO_BLK_S_IOERR);
}

/* ---- cutting the chain ---- */

/*
 * Read len bytes starting skip bytes into the buffers segs[0..nr) into
 * dst, one host read per buffer touched. The caller has checked that the
 * buffers hold skip + len bytes.
 */
static int read_span(const struct vq_mem *m, const struct vq_seg *segs,
		     uint32_t nr, uint64_t skip, uint32_t len, void *dst)
{
	uint8_t *out = dst;
	uint32_t i;

	for (i = 0; i < nr && len; i++) {
		uint32_t n;

		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		n = segs[i].len - (uint32_t)skip;
		if (n > len)
			n = len;
		if (m->read(m->ctx, segs[i].addr + skip, out, n))
			return -EIO;
		out += n;
		len -= n;
		skip = 0;
	}
	return 0;
}

/* The readable bytes after the header become the data: drop the buffers
 * the header fills, trim the one it ends in. */
static void data_after_header(struct vblk_req *r)
{
	struct vq_chain *c = &r->chain;
	uint32_t skip = HDR_SIZE, i = 0;

	while (i < c->nr_readable && skip >= c->segs[i].len)
		skip -= c->segs[i++].len;
	r->data = &c->segs[i];
	r->nr_data = c->nr_readable - i;
	if (r->nr_data) {
		r->data[0].addr += skip;
		r->data[0].len -= skip;
	}
	r->data_len = (uint32_t)(c->readable_len - HDR_SIZE);
}

/* The writable bytes before the status byte become the data. */
static void data_before_status(struct vblk_req *r)
{
	struct vq_chain *c = &r->chain;

	r->data = &c->segs[c->nr_readable];
	r->nr_data = c->nr - c->nr_readable;
	r->data[r->nr_data - 1].len--;
	if (!r->data[r->nr_data - 1].len)
		r->nr_data--;
	r->data_len = (uint32_t)(c->writable_len - 1);
}

/* ---- checks against the device ---- */

/* Sectors [sector, sector + n) inside the capacity and, as byte offsets,
 * aligned to the backend's blocks. */
static bool sectors_ok(const struct vblk_dev *dev, uint64_t sector, uint64_t n)
{
	uint64_t cap = vblk_capacity(dev);
	uint32_t bs = dev->bdev->block_size;

	if (sector > cap || n > cap - sector)
		return false;
	return !((sector << VBLK_SECTOR_SHIFT) % bs) &&
	       !((n << VBLK_SECTOR_SHIFT) % bs);
}

/* ---- request types ---- */

static enum vblk_next parse_read_write(const struct vblk_dev *dev,
				       struct vblk_req *r, bool write)
{
	if (write && dev->read_only)
		return ioerr(r);	/* and no data moves (5.2.6.4) */
	if (r->data_len % VBLK_SECTOR_SIZE ||
	    !sectors_ok(dev, r->sector, r->data_len >> VBLK_SECTOR_SHIFT))
		return ioerr(r);
	if (!r->data_len)
		return answer(r, VIRTIO_BLK_S_OK);
	r->xfer = write ? VBLK_XFER_FROM_HOST : VBLK_XFER_TO_HOST;
	r->nr_io = 1;
	return VBLK_NEXT_IO;
}

/* Keep only the first max bytes of the data. */
static void cut_data(struct vblk_req *r, uint32_t max)
{
	uint32_t i, left = max;

	if (r->data_len <= max)
		return;
	for (i = 0; i < r->nr_data && left; i++) {
		if (r->data[i].len >= left) {
			r->data[i].len = left;
			left = 0;
		} else {
			left -= r->data[i].len;
		}
	}
	r->nr_data = i;
	r->data_len = max;
}

/* The ID is 20 bytes; a longer buffer gets those, not a page of zeroes
 * the daemon would have to stage. */
static enum vblk_next parse_get_id(struct vblk_req *r)
{
	cut_data(r, VIRTIO_BLK_ID_BYTES);
	if (!r->data_len)
		return answer(r, VIRTIO_BLK_S_OK);
	r->xfer = VBLK_XFER_TO_HOST;
	return VBLK_NEXT_IO;
}

static enum vblk_next parse_flush(struct vblk_req *r)
{
	/* sector must be 0 and there should be no data: neither matters */
	r->nr_io = 1;
	return VBLK_NEXT_IO;
}

/* The ranges' flags, all of them first: unknown flags, and UNMAP on a
 * discard, must be answered UNSUPP whatever else is wrong (5.2.6.4). */
static bool range_flags_ok(const struct vblk_req *r)
{
	uint32_t i, allowed = r->type == VIRTIO_BLK_T_WRITE_ZEROES ?
			      VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;

	for (i = 0; i < r->nr_ranges; i++)
		if (r->ranges[i].flags & ~allowed)
			return false;
	return true;
}

static bool ranges_ok(const struct vblk_dev *dev, const struct vblk_req *r,
		      uint32_t max_sectors)
{
	uint32_t i;

	for (i = 0; i < r->nr_ranges; i++) {
		const struct vblk_range *x = &r->ranges[i];

		if (max_sectors && x->num_sectors > max_sectors)
			return false;
		if (!sectors_ok(dev, x->sector, x->num_sectors))
			return false;
	}
	return true;
}

static int read_ranges(const struct vq_mem *m, struct vblk_req *r)
{
	struct virtio_blk_discard_write_zeroes raw[VBLK_MAX_RANGES];
	uint32_t i;

	if (read_span(m, r->data, r->nr_data, 0, r->nr_ranges * RANGE_SIZE, raw))
		return -EIO;
	for (i = 0; i < r->nr_ranges; i++) {
		r->ranges[i].sector = le64toh(raw[i].sector);
		r->ranges[i].num_sectors = le32toh(raw[i].num_sectors);
		r->ranges[i].flags = le32toh(raw[i].flags);
	}
	return 0;
}

static enum vblk_next parse_discard_wz(const struct vblk_dev *dev,
				       const struct vq_mem *m,
				       struct vblk_req *r)
{
	bool discard = r->type == VIRTIO_BLK_T_DISCARD;
	uint32_t max_seg = discard ? dev->max_discard_seg : dev->max_write_zeroes_seg;
	uint32_t max_sectors = discard ? dev->max_discard_sectors :
					 dev->max_write_zeroes_sectors;
	uint32_t i;

	if (!has_feature(dev, discard ? VIRTIO_BLK_F_DISCARD :
					VIRTIO_BLK_F_WRITE_ZEROES))
		return answer(r, VIRTIO_BLK_S_UNSUPP);
	if (dev->read_only)
		return ioerr(r);
	if (!r->data_len || r->data_len % RANGE_SIZE ||
	    r->data_len / RANGE_SIZE > max_seg ||
	    r->data_len / RANGE_SIZE > VBLK_MAX_RANGES)
		return ioerr(r);
	r->nr_ranges = r->data_len / RANGE_SIZE;
	if (read_ranges(m, r))
		return ioerr(r);
	if (!range_flags_ok(r))
		return answer(r, VIRTIO_BLK_S_UNSUPP);
	if (!ranges_ok(dev, r, max_sectors))
		return ioerr(r);
	for (i = 0; i < r->nr_ranges; i++)
		r->nr_io += r->ranges[i].num_sectors != 0;
	if (!r->nr_io)
		return answer(r, VIRTIO_BLK_S_OK);
	return VBLK_NEXT_IO;
}

/* Cut the data out of the chain as the type reads or writes it, then
 * decide. Types that carry no data ignore any they were given. */
static enum vblk_next parse_type(const struct vblk_dev *dev,
				 const struct vq_mem *m, struct vblk_req *r)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		data_before_status(r);
		break;
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		data_after_header(r);
		break;
	case VIRTIO_BLK_T_FLUSH:
		return parse_flush(r);
	default:
		return answer(r, VIRTIO_BLK_S_UNSUPP);
	}
	if (r->nr_data > dev->seg_max)
		return ioerr(r);
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		return parse_read_write(dev, r, false);
	case VIRTIO_BLK_T_OUT:
		return parse_read_write(dev, r, true);
	case VIRTIO_BLK_T_GET_ID:
		return parse_get_id(r);
	default:
		return parse_discard_wz(dev, m, r);
	}
}

static struct vq_limits chain_limits(const struct vblk_dev *dev,
				     const struct vq_geom *g, uint32_t nsegs)
{
	uint32_t most = dev->seg_max + VBLK_EXTRA_SEGS;
	struct vq_limits lim = {
		.max_segs = nsegs < most ? nsegs : most,
		/* a table as long as the queue or the longest request */
		.max_indirect = g->size > most ? g->size : most,
	};

	/* size_max binds the driver only once it has been told */
	if (has_feature(dev, VIRTIO_BLK_F_SIZE_MAX))
		lim.max_seg_len = dev->size_max;
	return lim;
}

enum vblk_next vblk_req_parse(const struct vblk_dev *dev,
			      const struct vq_geom *g, const struct vq_mem *m,
			      uint16_t head, const struct snap_vq_chain_start *start,
			      const struct snap_vq_peek *peek,
			      struct vq_seg *segs, uint32_t nsegs,
			      struct vblk_req *r)
{
	struct vq_limits lim = chain_limits(dev, g, nsegs);
	struct virtio_blk_outhdr hdr;
	const struct vq_seg *last;

	memset(r, 0, sizeof(*r));
	r->head = head;
	r->err = vq_walk(g, m, &lim, head, start, segs, &r->chain);
	if (vq_err_is_fatal(r->err))
		return VBLK_NEXT_RESET;
	/* The status is the last byte of the chain, device-writable; without
	 * it there is nowhere to say anything. */
	last = &r->chain.last;
	if (!last->write || !last->len)
		return VBLK_NEXT_RESET;
	r->status_addr = last->addr + last->len - 1;
	if (r->err || r->chain.readable_len < HDR_SIZE)
		return ioerr(r);
	if (vq_peek_covers(peek, &r->chain.segs[0], HDR_SIZE))
		memcpy(&hdr, peek->bytes, HDR_SIZE);
	else if (read_span(m, r->chain.segs, r->chain.nr_readable, 0, HDR_SIZE, &hdr))
		return ioerr(r);
	r->type = vq_to_cpu32(g, hdr.type);
	r->sector = vq_to_cpu64(g, hdr.sector);
	return parse_type(dev, m, r);
}

/* ---- running it ---- */

/* The serial is kept NUL-padded: a shorter ID reads NUL-terminated. */
static void fill_id(const struct vblk_dev *dev, const struct vblk_req *r,
		    void *buf)
{
	memcpy(buf, dev->serial, r->data_len);
}

static enum bdev_op range_op(const struct vblk_dev *dev,
			     const struct vblk_req *r,
			     const struct vblk_range *x)
{
	if (r->type == VIRTIO_BLK_T_DISCARD)
		return BDEV_OP_UNMAP;
	/* UNMAP lets the device deallocate, if reads then return zeroes */
	if ((x->flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) &&
	    (dev->bdev->flags & BDEV_F_UNMAP_ZEROES))
		return BDEV_OP_UNMAP;
	return BDEV_OP_WRITE_ZEROES;
}

static uint32_t build_range_ios(const struct vblk_dev *dev,
				const struct vblk_req *r, struct bdev_io *ios)
{
	uint32_t i, n = 0;

	for (i = 0; i < r->nr_ranges; i++) {
		const struct vblk_range *x = &r->ranges[i];

		if (!x->num_sectors)
			continue;
		ios[n++] = (struct bdev_io){
			.op = range_op(dev, r, x),
			.offset = x->sector << VBLK_SECTOR_SHIFT,
			.len = (uint64_t)x->num_sectors << VBLK_SECTOR_SHIFT,
		};
	}
	return n;
}

uint32_t vblk_req_build_io(const struct vblk_dev *dev, struct vblk_req *r,
			   void *buf, struct bdev_io *ios)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		ios[0] = (struct bdev_io){
			.op = r->type == VIRTIO_BLK_T_IN ? BDEV_OP_READ :
							   BDEV_OP_WRITE,
			.offset = r->sector << VBLK_SECTOR_SHIFT,
			.len = r->data_len,
			.buf = buf,
		};
		break;
	case VIRTIO_BLK_T_FLUSH:
		ios[0] = (struct bdev_io){ .op = BDEV_OP_FLUSH };
		break;
	case VIRTIO_BLK_T_GET_ID:
		fill_id(dev, r, buf);
		break;
	default:
		build_range_ios(dev, r, ios);
		break;
	}
	return r->nr_io;
}

void vblk_req_io_done(struct vblk_req *r, int status)
{
	if (status && !r->io_status)
		r->io_status = status;
}

void vblk_req_finish(struct vblk_req *r)
{
	/*
	 * A backend that cannot zero or discard at all (fallocate's
	 * ZERO_RANGE on tmpfs) makes the request unsupported, not failed.
	 * Linux's BLKZEROOUT then writes zeroes itself: 6.12 does so only
	 * for UNSUPP, 6.1 did for any error. No data moved either way.
	 */
	if (r->io_status == -EOPNOTSUPP && (r->type == VIRTIO_BLK_T_WRITE_ZEROES ||
					    r->type == VIRTIO_BLK_T_DISCARD)) {
		answer(r, VIRTIO_BLK_S_UNSUPP);
		return;
	}
	if (r->io_status) {
		/* what reached the host, if anything, is not vouched for */
		answer(r, VIRTIO_BLK_S_IOERR);
		return;
	}
	r->status = VIRTIO_BLK_S_OK;
	r->used_len = r->xfer == VBLK_XFER_TO_HOST ? r->data_len + 1 : 1;
}
