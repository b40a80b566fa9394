// SPDX-License-Identifier: GPL-2.0
/* Host memory at byte granularity; see hostmem.h. */
#include <errno.h>
#include <stdbool.h>
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

/* The pieces of a byte range of a chain's buffers, one DMA segment each. */
struct pieces {
	const struct vq_seg *segs;
	uint32_t nr, i;
	uint64_t skip;		/* bytes of segs[i] already passed */
	uint8_t *local;
	uint32_t left;
};

static void pieces_init(struct pieces *p, const struct vq_seg *segs, uint32_t nr,
			uint64_t skip, uint8_t *buf, uint32_t len)
{
	*p = (struct pieces){ .segs = segs, .nr = nr, .skip = skip, .local = buf,
			      .left = len };
}

/* The next piece, split where it would pass SNAP_DMA_MAX_SEG_LEN. */
static bool next_piece(struct pieces *p, struct snap_host_seg *s)
{
	while (p->left && p->i < p->nr) {
		uint64_t n = p->segs[p->i].len;

		if (p->skip >= n) {
			p->skip -= n;
			p->i++;
			continue;
		}
		n -= p->skip;
		if (n > p->left)
			n = p->left;
		if (n > SNAP_DMA_MAX_SEG_LEN)
			n = SNAP_DMA_MAX_SEG_LEN;
		*s = (struct snap_host_seg){ .host_addr = p->segs[p->i].addr + p->skip,
					     .local = p->local, .len = (uint32_t)n };
		p->skip += n;
		p->local += n;
		p->left -= (uint32_t)n;
		return true;
	}
	return false;
}

int hostmem_xfer(struct hostmem *m, enum snap_dma_dir dir,
		 const struct vq_seg *segs, uint32_t nr, uint64_t skip,
		 uint8_t *buf, uint32_t len)
{
	struct snap_host_seg batch[XFER_BATCH];
	struct pieces p;
	unsigned int n = 0;
	int ret = 0;

	pieces_init(&p, segs, nr, skip, buf, len);
	while (!ret && next_piece(&p, &batch[n]))
		if (++n == XFER_BATCH) {
			ret = snap_host_dma_batch(m->h, dir, batch, n);
			n = 0;
		}
	if (!ret && n)
		ret = snap_host_dma_batch(m->h, dir, batch, n);
	if (!ret && p.left)
		ret = -EINVAL;	/* the chain holds fewer bytes than asked */
	return ret;
}

int hostmem_segs(const struct vq_seg *segs, uint32_t nr, uint64_t skip,
		 uint8_t *buf, uint32_t len, struct snap_host_seg *out,
		 unsigned int max)
{
	struct snap_host_seg s;
	struct pieces p;
	unsigned int n = 0;

	pieces_init(&p, segs, nr, skip, buf, len);
	while (next_piece(&p, &s)) {
		if (n == max)
			return -E2BIG;
		if (out)
			out[n] = s;
		n++;
	}
	return p.left ? -EINVAL : (int)n;
}
