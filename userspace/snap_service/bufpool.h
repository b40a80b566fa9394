/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_BUFPOOL_H
#define SNAP_SERVICE_BUFPOOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Staging buffers carved out of the DMA pool mapping. The kernel moves
 * host data only in and out of the pool, and io_uring registers it in
 * 2 MiB pieces, so a buffer is 4 KiB aligned and never crosses a 2 MiB
 * chunk boundary. One bufpool per I/O thread (each gets its own chunks),
 * so there is no locking.
 */
#define BUFPOOL_PAGE		4096u
#define BUFPOOL_CHUNK		(2u << 20)
#define BUFPOOL_PAGES_PER_CHUNK	(BUFPOOL_CHUNK / BUFPOOL_PAGE)

struct bufpool {
	uint8_t *base;			/* 2 MiB aligned offset in the mapping */
	size_t nr_chunks;
	uint64_t *used;			/* one bit per page */
	size_t free_pages;
};

/* base and len must be multiples of BUFPOOL_CHUNK (len > 0). */
int bufpool_init(struct bufpool *bp, void *base, size_t len);
void bufpool_destroy(struct bufpool *bp);

/* len 1 to BUFPOOL_CHUNK; NULL when no chunk has room. */
void *bufpool_get(struct bufpool *bp, size_t len);
void bufpool_put(struct bufpool *bp, void *buf, size_t len);

#endif
