// SPDX-License-Identifier: GPL-2.0
/*
 * First-fit page allocator inside 2 MiB chunks. Requests are mostly a
 * few pages (4 KiB to 128 KiB I/O) and live for one command, so a bitmap
 * scan is cheap and fragmentation stays low.
 */
#include "bufpool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static size_t pages_for(size_t len)
{
	return (len + BUFPOOL_PAGE - 1) / BUFPOOL_PAGE;
}

static int page_used(const struct bufpool *bp, size_t page)
{
	return (bp->used[page / 64] >> (page % 64)) & 1;
}

static void mark_pages(struct bufpool *bp, size_t first, size_t n, int used)
{
	for (size_t p = first; p < first + n; p++) {
		if (used)
			bp->used[p / 64] |= 1ull << (p % 64);
		else
			bp->used[p / 64] &= ~(1ull << (p % 64));
	}
}

int bufpool_init(struct bufpool *bp, void *base, size_t len)
{
	size_t pages;

	memset(bp, 0, sizeof(*bp));
	if (!len || len % BUFPOOL_CHUNK || (uintptr_t)base % BUFPOOL_CHUNK)
		return -EINVAL;
	pages = len / BUFPOOL_PAGE;
	bp->used = calloc((pages + 63) / 64, sizeof(*bp->used));
	if (!bp->used)
		return -ENOMEM;
	bp->base = base;
	bp->nr_chunks = len / BUFPOOL_CHUNK;
	bp->nr_usable = bp->nr_chunks;
	bp->free_pages = pages;
	return 0;
}

int bufpool_init_growing(struct bufpool *bp, void *base, size_t len,
			 bufpool_grow_fn grow, void *ctx)
{
	int ret = bufpool_init(bp, base, len);

	if (ret)
		return ret;
	bp->nr_usable = 0;
	bp->free_pages = 0;
	bp->grow = grow;
	bp->grow_ctx = ctx;
	return 0;
}

void bufpool_destroy(struct bufpool *bp)
{
	free(bp->used);
	memset(bp, 0, sizeof(*bp));
}

/* First run of n free pages inside chunk c, or -1. */
static long find_run(const struct bufpool *bp, size_t c, size_t n)
{
	size_t first = c * BUFPOOL_PAGES_PER_CHUNK;
	size_t end = first + BUFPOOL_PAGES_PER_CHUNK;
	size_t run = 0;

	for (size_t p = first; p < end; p++) {
		run = page_used(bp, p) ? 0 : run + 1;
		if (run == n)
			return (long)(p + 1 - n);
	}
	return -1;
}

static void *take_run(struct bufpool *bp, size_t first, size_t n)
{
	mark_pages(bp, first, n, 1);
	bp->free_pages -= n;
	return bp->base + first * BUFPOOL_PAGE;
}

/* One more usable chunk, wholly free; false when none can be had. */
static bool grow_one(struct bufpool *bp)
{
	uint8_t *chunk = bp->base + bp->nr_usable * BUFPOOL_CHUNK;

	if (!bp->grow || bp->nr_usable == bp->nr_chunks ||
	    bp->grow(bp->grow_ctx, chunk))
		return false;
	bp->nr_usable++;
	bp->free_pages += BUFPOOL_PAGES_PER_CHUNK;
	return true;
}

void *bufpool_get(struct bufpool *bp, size_t len)
{
	size_t n = pages_for(len);

	if (!len || len > BUFPOOL_CHUNK)
		return NULL;
	if (n <= bp->free_pages) {
		for (size_t c = 0; c < bp->nr_usable; c++) {
			long first = find_run(bp, c, n);

			if (first >= 0)
				return take_run(bp, (size_t)first, n);
		}
	}
	if (!grow_one(bp))
		return NULL;
	return take_run(bp, (bp->nr_usable - 1) * BUFPOOL_PAGES_PER_CHUNK, n);
}

void bufpool_put(struct bufpool *bp, void *buf, size_t len)
{
	size_t first;

	if (!buf)
		return;
	first = (size_t)((uint8_t *)buf - bp->base) / BUFPOOL_PAGE;
	mark_pages(bp, first, pages_for(len), 0);
	bp->free_pages += pages_for(len);
}
