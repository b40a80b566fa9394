/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host memory at byte granularity over SNAP_IOC_DMA, which moves only
 * whole 4-byte words (SNAP_DMA_ALIGN: NVMe data pointers are dword
 * aligned). virtio buffers are not: a request header may sit anywhere,
 * and the status byte is one byte. Unaligned pieces go through a small
 * scratch buffer: reads widen to whole words, writes read the edge words
 * first and write them back unchanged around the new bytes.
 *
 * That read-modify-write is a compromise the uapi forces: a byte the
 * driver changes between our read and our write of the same word is
 * lost. Linux's virtio_blk keeps a request's status byte in its own
 * request structure, whose neighbours the driver does not touch while
 * the request is in flight, but the spec does not promise that.
 */
#ifndef SNAP_VIRTIO_HOSTMEM_H
#define SNAP_VIRTIO_HOSTMEM_H

#include <stdint.h>

#include "../host.h"
#include "virtq.h"

#define HOSTMEM_SCRATCH		4096u

struct hostmem {
	struct snap_host *h;
	uint8_t *scratch;	/* HOSTMEM_SCRATCH bytes from buf_alloc */
};

/* 0, or -ENOMEM when no scratch buffer could be had. */
int hostmem_init(struct hostmem *m, struct snap_host *h);
void hostmem_fini(struct hostmem *m);

/* len bytes at addr, any alignment, into / from plain memory. */
int hostmem_read(struct hostmem *m, uint64_t addr, void *dst, uint32_t len);
int hostmem_write(struct hostmem *m, uint64_t addr, const void *src,
		  uint32_t len);

/*
 * Move the bytes [skip, skip + len) of the stream the buffers segs[0..nr)
 * make, between the host and buf (from buf_alloc, at least len bytes):
 * aligned pieces in batched SNAP_IOC_DMA calls, the rest one by one.
 */
int hostmem_xfer(struct hostmem *m, enum snap_dma_dir dir,
		 const struct vq_seg *segs, uint32_t nr, uint64_t skip,
		 uint8_t *buf, uint32_t len);

#endif /* SNAP_VIRTIO_HOSTMEM_H */
