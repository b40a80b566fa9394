// SPDX-License-Identifier: GPL-2.0
/* The segment list PRP and SGL walkers produce. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_int.h"

void nvme_dptr_init(struct nvme_dptr *d)
{
	d->segs = d->inl;
	d->nr = 0;
	d->cap = NVME_DPTR_INLINE;
	d->total = 0;
}

void nvme_dptr_free(struct nvme_dptr *d)
{
	if (d->segs != d->inl)
		free(d->segs);
	nvme_dptr_init(d);
}

static int dptr_grow(struct nvme_dptr *d)
{
	unsigned int cap = d->cap * 4;
	struct nvme_dseg *n;

	if (cap > NVME_DPTR_MAX_SEGS)
		cap = NVME_DPTR_MAX_SEGS;
	if (cap <= d->cap)
		return -E2BIG;
	n = malloc(cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memcpy(n, d->segs, d->nr * sizeof(*n));
	if (d->segs != d->inl)
		free(d->segs);
	d->segs = n;
	d->cap = cap;
	return 0;
}

/* Contiguous pieces merge, so a physically contiguous buffer described
 * page by page costs one DMA segment. */
int nvme_dptr_add(struct nvme_dptr *d, uint64_t addr, uint32_t len,
		  bool bucket)
{
	struct nvme_dseg *last = d->nr ? &d->segs[d->nr - 1] : NULL;
	int ret;

	if (!len)
		return 0;
	if (last && last->bucket == bucket &&
	    (bucket || last->addr + last->len == addr) &&
	    (uint64_t)last->len + len <= SNAP_DMA_MAX_SEG_LEN) {
		last->len += len;
		d->total += len;
		return 0;
	}
	if (d->nr == d->cap) {
		ret = dptr_grow(d);
		if (ret)
			return ret;
	}
	d->segs[d->nr++] = (struct nvme_dseg){ addr, len, bucket };
	d->total += len;
	return 0;
}
