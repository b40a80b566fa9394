// SPDX-License-Identifier: GPL-2.0
/* Host memory at byte granularity; see hostmem.h. */
#include <errno.h>
#include <string.h>

#include "hostmem.h"

#define XFER_BATCH	64u	/* segments per SNAP_IOC_DMA */

int hostmem_init(struct hostmem *m, struct snap_host *h)
{
	m->h = h;
	m->scratch = h->ops->buf_alloc(h, HOSTMEM_SCRATCH);
	return m->scratch ? 0 : -ENOMEM;
}

void hostmem_fini(struct hostmem *m)
{
	if (m->scratch)
		m->h->ops->buf_free(m->h, m->scratch, HOSTMEM_SCRATCH);
	m->scratch = NULL;
}

static int dma_one(struct hostmem *m, enum snap_dma_dir dir, uint64_t addr,
		   void *local, uint32_t len)
{
	struct snap_host_seg seg = { .host_addr = addr, .local = local, .len = len };

	return m->h->ops->dma(m->h, dir, &seg, 1);
}

int hostmem_read(struct hostmem *m, uint64_t addr, void *dst, uint32_t len)
{
	uint8_t *d = dst;

	while (len) {
		uint32_t n = len < HOSTMEM_SCRATCH ? len : HOSTMEM_SCRATCH;
		int ret = dma_one(m, SNAP_DMA_FROM_HOST, addr, m->scratch, n);

		if (ret)
			return ret;
		memcpy(d, m->scratch, n);
		d += n;
		addr += n;
		len -= n;
	}
	return 0;
}

struct xfer_batch {
	struct snap_host_seg segs[XFER_BATCH];
	unsigned int nr;
};

static int batch_flush(struct hostmem *m, enum snap_dma_dir dir,
		       struct xfer_batch *b)
{
	int ret = b->nr ? snap_host_dma_batch(m->h, dir, b->segs, b->nr) : 0;

	b->nr = 0;
	return ret;
}

/* One piece, split where it would pass SNAP_DMA_MAX_SEG_LEN. */
static int xfer_piece(struct hostmem *m, enum snap_dma_dir dir,
		      struct xfer_batch *b, uint64_t addr, uint8_t *local,
		      uint32_t len)
{
	int ret = 0;

	while (len && !ret) {
		uint32_t n = len < SNAP_DMA_MAX_SEG_LEN ? len : SNAP_DMA_MAX_SEG_LEN;

		b->segs[b->nr++] = (struct snap_host_seg){ addr, local, n };
		if (b->nr == XFER_BATCH)
			ret = batch_flush(m, dir, b);
		addr += n;
		local += n;
		len -= n;
	}
	return ret;
}

int hostmem_xfer(struct hostmem *m, enum snap_dma_dir dir,
		 const struct vq_seg *segs, uint32_t nr, uint64_t skip,
		 uint8_t *buf, uint32_t len)
{
	struct xfer_batch b = { .nr = 0 };
	uint32_t done = 0;
	int ret = 0;

	for (uint32_t i = 0; i < nr && done < len && !ret; i++) {
		uint64_t seg_len = segs[i].len, n;

		if (skip >= seg_len) {
			skip -= seg_len;
			continue;
		}
		n = seg_len - skip;
		if (n > len - done)
			n = len - done;
		ret = xfer_piece(m, dir, &b, segs[i].addr + skip, buf + done,
				 (uint32_t)n);
		done += (uint32_t)n;
		skip = 0;
	}
	if (!ret)
		ret = batch_flush(m, dir, &b);
	if (!ret && done < len)
		ret = -EINVAL;	/* the chain holds fewer bytes than asked */
	return ret;
}
