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
 *
 * A growing bufpool starts with no chunk usable and asks for one more
 * (the module makes it resident, the ring registers it) only when the
 * usable ones are full: the daemon pins what its load needs, not the
 * whole SNAP_MEMPOOL_SIZE_MB up front.
 */
#define BUFPOOL_PAGE		4096u
#define BUFPOOL_CHUNK		(2u << 20)
#define BUFPOOL_PAGES_PER_CHUNK	(BUFPOOL_CHUNK / BUFPOOL_PAGE)

/* Makes the chunk at @chunk usable. Returns 0 or -errno. */
typedef int (*bufpool_grow_fn)(void *ctx, void *chunk);

struct bufpool {
	uint8_t *base;			/* 2 MiB aligned offset in the mapping */
	size_t nr_chunks;
	size_t nr_usable;		/* chunks [0, nr_usable) hand out buffers */
	uint64_t *used;			/* one bit per page */
	size_t free_pages;		/* in usable chunks */
	bufpool_grow_fn grow;		/* NULL: every chunk is usable */
	void *grow_ctx;
};

/* base and len must be multiples of BUFPOOL_CHUNK (len > 0). */
int bufpool_init(struct bufpool *bp, void *base, size_t len);
/* As bufpool_init(), but no chunk is usable until grow() made it so. */
int bufpool_init_growing(struct bufpool *bp, void *base, size_t len,
			 bufpool_grow_fn grow, void *ctx);
void bufpool_destroy(struct bufpool *bp);

/*
 * len 1 to BUFPOOL_CHUNK; NULL when no chunk has room and none can be
 * made usable.
 */
void *bufpool_get(struct bufpool *bp, size_t len);
void bufpool_put(struct bufpool *bp, void *buf, size_t len);

#endif
