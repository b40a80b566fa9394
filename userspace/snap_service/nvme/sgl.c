// SPDX-License-Identifier: GPL-2.0
/*
 * Scatter Gather List walking. The SQE holds one descriptor: a data block,
 * a bit bucket (reads only) or a pointer to a segment of descriptors. A
 * segment's last descriptor may point to the next segment; a last segment
 * holds data and bit buckets only. Identify advertises dword granularity,
 * which is what /dev/snap's DMA needs, so every address and length is a
 * multiple of 4.
 */
#include <errno.h>

#include "nvme_int.h"

#define SGL_CHUNK	32	/* descriptors read per host access */
/* Segments followed before the list is taken for a loop. */
#define SGL_MAX_SEGMENTS 256
/* Descriptors looked at in all, so that a hostile list costs bounded work
 * (zero-length descriptors add no segment but still cost a read). */
#define SGL_MAX_DESCS	4096

struct sgl_walk {
	const struct nvme_host_reader *r;
	struct nvme_dptr *out;
	uint32_t len;
	bool allow_bucket;
	unsigned int budget;
};

static uint8_t sgl_type(const struct nvme_sgl_desc *d)
{
	return d->id >> 4;
}

static uint16_t sgl_add(struct nvme_dptr *out, const struct nvme_sgl_desc *d,
			bool allow_bucket)
{
	bool bucket = sgl_type(d) == NVME_SGL_TYPE_BIT_BUCKET;
	int err;

	if ((d->id & 0xf) != NVME_SGL_SUBTYPE_ADDRESS)
		return nvme_dnr(NVME_SC_SGL_INVALID_TYPE);
	if (bucket && !allow_bucket)
		return nvme_dnr(NVME_SC_SGL_INVALID_TYPE);
	if ((!bucket && (d->addr & 3)) || (d->len & 3))
		return nvme_dnr(NVME_SC_SGL_INVALID_GRANULARITY);
	err = nvme_dptr_add(out, d->addr, d->len, bucket);
	if (err == -ENOMEM)
		return NVME_SC_INTERNAL;
	if (err)
		return nvme_dnr(NVME_SC_SGL_INVALID_COUNT);
	return 0;
}

static bool is_segment(const struct nvme_sgl_desc *d)
{
	return sgl_type(d) == NVME_SGL_TYPE_SEGMENT ||
	       sgl_type(d) == NVME_SGL_TYPE_LAST_SEGMENT;
}

static uint16_t check_segment_desc(const struct nvme_sgl_desc *d)
{
	if ((d->id & 0xf) != NVME_SGL_SUBTYPE_ADDRESS)
		return nvme_dnr(NVME_SC_SGL_INVALID_TYPE);
	if (!d->len || d->len % sizeof(*d))
		return nvme_dnr(NVME_SC_SGL_INVALID_COUNT);
	if (d->addr & 3)
		return nvme_dnr(NVME_SC_SGL_INVALID_GRANULARITY);
	return 0;
}

static uint16_t data_desc(struct sgl_walk *w, const struct nvme_sgl_desc *d)
{
	uint16_t st;

	if (!w->budget--)
		return nvme_dnr(NVME_SC_SGL_INVALID_COUNT);
	switch (sgl_type(d)) {
	case NVME_SGL_TYPE_DATA:
	case NVME_SGL_TYPE_BIT_BUCKET:
		st = sgl_add(w->out, d, w->allow_bucket);
		break;
	default:
		return nvme_dnr(NVME_SC_SGL_INVALID_TYPE);
	}
	if (!st && w->out->total > w->len)
		st = nvme_dnr(NVME_SC_SGL_INVALID_DATA_LEN);
	return st;
}

/*
 * Walk one segment of seg->len bytes. *next is set to the descriptor that
 * points to the following segment, if any.
 */
static uint16_t walk_segment(struct sgl_walk *w,
			     const struct nvme_sgl_desc *seg,
			     struct nvme_sgl_desc *next, bool *has_next)
{
	struct nvme_sgl_desc descs[SGL_CHUNK];
	uint32_t count = seg->len / sizeof(descs[0]);
	bool last_seg = sgl_type(seg) == NVME_SGL_TYPE_LAST_SEGMENT;
	uint64_t addr = seg->addr;
	uint32_t done = 0;

	*has_next = false;
	while (done < count) {
		uint32_t n = count - done < SGL_CHUNK ? count - done : SGL_CHUNK;
		uint32_t i;

		if (w->r->read(w->r->ctx, addr, descs, n * sizeof(descs[0])))
			return NVME_SC_DATA_XFER_ERROR;
		for (i = 0; i < n; i++) {
			bool last_desc = done + i == count - 1;
			uint16_t st;

			if (is_segment(&descs[i])) {
				/* only a Segment's final descriptor chains */
				if (last_seg || !last_desc)
					return nvme_dnr(NVME_SC_SGL_INVALID_SEG_DESC);
				*next = descs[i];
				*has_next = true;
				return 0;
			}
			st = data_desc(w, &descs[i]);
			if (st)
				return st;
		}
		done += n;
		addr += (uint64_t)n * sizeof(descs[0]);
	}
	return 0;
}

static uint16_t walk_segments(struct sgl_walk *w, struct nvme_sgl_desc seg)
{
	unsigned int hops;

	for (hops = 0; hops < SGL_MAX_SEGMENTS; hops++) {
		bool has_next;
		uint16_t st = check_segment_desc(&seg);

		if (st)
			return st;
		st = walk_segment(w, &seg, &seg, &has_next);
		if (st || !has_next)
			return st;
	}
	return nvme_dnr(NVME_SC_SGL_INVALID_COUNT);
}

uint16_t nvme_sgl_map(const struct nvme_host_reader *r,
		      const struct nvme_sgl_desc *sgl, uint32_t len,
		      bool allow_bucket, struct nvme_dptr *out)
{
	struct sgl_walk w = {
		.r = r, .out = out, .len = len, .allow_bucket = allow_bucket,
		.budget = SGL_MAX_DESCS,
	};
	uint16_t st;

	if (is_segment(sgl))
		st = walk_segments(&w, *sgl);
	else
		st = data_desc(&w, sgl);
	if (st)
		return st;
	/* Identify does not offer SGLs longer than the data (SGLS bit 20). */
	if (out->total != len)
		return nvme_dnr(NVME_SC_SGL_INVALID_DATA_LEN);
	return 0;
}
