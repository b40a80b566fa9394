/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk requests (virtio 1.2, 5.2.6): what a chain asks for, turned
 * into block backend operations, and the answer that goes back.
 *
 * Policy only. The parser reads the chain, the 16-byte request header and
 * the discard / write-zeroes ranges through struct vq_mem; it never moves
 * data. The request lists the host segments of its data; the caller moves
 * them through a local buffer of data_len bytes (host to buffer before the
 * backend runs for a write, buffer to host after it for a read), runs the
 * bdev operations, and writes the status byte and the used ring entry:
 *
 *	next = vblk_req_parse(dev, geom, mem, head, start, peek, segs, nsegs, r);
 *	RESET:  set DEVICE_NEEDS_RESET, answer nothing
 *	ANSWER: write r->status at r->status_addr, push (head, r->used_len)
 *	IO:     buf = data_len bytes; XFER_FROM_HOST: gather r->data into buf
 *		n = vblk_req_build_io(r, buf, ios); submit ios[0..n)
 *		each completion, and a failed transfer: vblk_req_io_done(r, st)
 *		XFER_TO_HOST: scatter buf to r->data; vblk_req_finish(r)
 *		then as ANSWER
 */
#ifndef SNAP_VIRTIO_BLK_H
#define SNAP_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include "bdev/bdev.h"
#include "virtq.h"

#define VBLK_SECTOR_SHIFT	9	/* virtio-blk sectors are always 512 bytes */
#define VBLK_SECTOR_SIZE	(1u << VBLK_SECTOR_SHIFT)
/* Ranges in one DISCARD / WRITE_ZEROES request the device can accept:
 * max_discard_seg and max_write_zeroes_seg are at most this. */
#define VBLK_MAX_RANGES		16u
/* Buffers a chain may need beyond its data: header and status. */
#define VBLK_EXTRA_SEGS		2u

/* The device as the driver sees it. */
struct vblk_dev {
	struct bdev *bdev;		/* capacity and block size */
	uint64_t features;		/* negotiated: bit n is feature n */
	bool read_only;			/* VIRTIO_BLK_F_RO offered */
	uint32_t seg_max;		/* data buffers per request, >= 1 */
	uint32_t size_max;		/* bytes per buffer; 0: no limit */
	uint32_t max_discard_sectors;	/* per range; 0: no limit */
	uint32_t max_discard_seg;	/* 1..VBLK_MAX_RANGES */
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	/* GET_ID: NUL-padded, no terminator when all 20 bytes are used */
	char serial[VIRTIO_BLK_ID_BYTES];
};

enum vblk_next {
	VBLK_NEXT_IO,		/* move data and / or run bdev I/O, then finish */
	VBLK_NEXT_ANSWER,	/* decided already: write the status now */
	VBLK_NEXT_RESET,	/* no status byte to answer in: device needs reset */
};

enum vblk_xfer {
	VBLK_XFER_NONE,
	VBLK_XFER_FROM_HOST,	/* gather data before the backend runs */
	VBLK_XFER_TO_HOST,	/* scatter data after it */
};

struct vblk_range {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

struct vblk_req {
	uint16_t head;
	uint32_t type;			/* VIRTIO_BLK_T_* */
	uint64_t sector;
	enum vq_err err;		/* why the chain was refused, for the log */
	struct vq_chain chain;		/* over the caller's segs */
	/* Data: a slice of chain.segs with header and status cut off. */
	struct vq_seg *data;
	uint32_t nr_data;
	uint32_t data_len;
	enum vblk_xfer xfer;
	struct vblk_range ranges[VBLK_MAX_RANGES];
	uint32_t nr_ranges;
	uint32_t nr_io;			/* operations vblk_req_build_io() makes */
	int io_status;			/* first failure of I/O or transfer */
	/* The answer */
	uint64_t status_addr;		/* the chain's last writable byte */
	uint8_t status;			/* VIRTIO_BLK_S_* */
	uint32_t used_len;		/* bytes written, status byte included */
};

/* 0, or -EINVAL when dev's limits cannot be served. */
int vblk_dev_check(const struct vblk_dev *dev);
/* Set the GET_ID string from a C string (longer ones are cut at 20). */
void vblk_dev_set_serial(struct vblk_dev *dev, const char *serial);
/* Capacity in 512-byte sectors, for the config space and range checks. */
uint64_t vblk_capacity(const struct vblk_dev *dev);

/*
 * Walk the chain at head into segs (nsegs entries; seg_max +
 * VBLK_EXTRA_SEGS is always enough) and decide what it asks for. segs
 * must outlive r: r->data points into it. start and peek, each NULL or
 * what the fetch read of the chain, spare reading it again.
 */
enum vblk_next vblk_req_parse(const struct vblk_dev *dev,
			      const struct vq_geom *g, const struct vq_mem *m,
			      uint16_t head, const struct snap_vq_chain_start *start,
			      const struct snap_vq_peek *peek,
			      struct vq_seg *segs, uint32_t nsegs,
			      struct vblk_req *r);

/*
 * For VBLK_NEXT_IO: the r->nr_io backend operations into ios (done and
 * priv left to the caller), reading or writing buf, r->data_len bytes.
 * GET_ID has none: it fills buf here. Returns r->nr_io.
 */
uint32_t vblk_req_build_io(const struct vblk_dev *dev, struct vblk_req *r,
			   void *buf, struct bdev_io *ios);

/* One backend operation or data transfer ended: 0 or a negative errno. */
void vblk_req_io_done(struct vblk_req *r, int status);

/* Everything ended: set r->status and r->used_len. */
void vblk_req_finish(struct vblk_req *r);

#endif /* SNAP_VIRTIO_BLK_H */
