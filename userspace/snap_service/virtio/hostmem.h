/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host memory at byte granularity over SNAP_IOC_DMA, which moves any
 * bytes for virtio functions (a request header may sit anywhere, the
 * status byte is one byte). DMA goes between host memory and pool
 * buffers only, so plain memory is staged through a small scratch
 * buffer from buf_alloc.
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

/* len bytes at addr into plain memory. */
int hostmem_read(struct hostmem *m, uint64_t addr, void *dst, uint32_t len);

/*
 * Move the bytes [skip, skip + len) of the stream the buffers segs[0..nr)
 * make, between the host and buf (from buf_alloc, at least len bytes), in
 * batched SNAP_IOC_DMA calls.
 */
int hostmem_xfer(struct hostmem *m, enum snap_dma_dir dir,
		 const struct vq_seg *segs, uint32_t nr, uint64_t skip,
		 uint8_t *buf, uint32_t len);

/*
 * The same bytes as host segments against buf, for a call that moves
 * them with others (a post's data): into out[0..max), or only counted
 * when out is NULL. Returns how many, -E2BIG when more than max, or
 * -EINVAL when the chain holds fewer bytes than asked.
 */
int hostmem_segs(const struct vq_seg *segs, uint32_t nr, uint64_t skip,
		 uint8_t *buf, uint32_t len, struct snap_host_seg *out,
		 unsigned int max);

#endif /* SNAP_VIRTIO_HOSTMEM_H */
