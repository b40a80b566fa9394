// SPDX-License-Identifier: GPL-2.0
/* Host memory at byte granularity; see hostmem.h. */
#include <errno.h>
#include <string.h>

#include "hostmem.h"

#define WORD		SNAP_DMA_ALIGN
#define XFER_BATCH	64u	/* aligned segments per SNAP_IOC_DMA */

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

static uint32_t round_up_word(uint32_t n)
{
	return (n + WORD - 1) & ~(WORD - 1);
}

static int dma_one(struct hostmem *m, enum snap_dma_dir dir, uint64_t addr,
		   void *local, uint32_t len)
{
	struct snap_host_seg seg = { .host_addr = addr, .local = local, .len = len };

	return m->h->ops->dma(m->h, dir, &seg, 1);
}

/* The most data bytes one scratch window holds at this misalignment. */
static uint32_t window_data(uint64_t addr, uint32_t len)
{
	uint32_t room = HOSTMEM_SCRATCH - (uint32_t)(addr % WORD);

	room &= ~(WORD - 1);
	return len < room ? len : room;
}

int hostmem_read(struct hostmem *m, uint64_t addr, void *dst, uint32_t len)
{
	uint8_t *d = dst;

	while (len) {
		uint32_t head = (uint32_t)(addr % WORD);
		uint32_t n = window_data(addr, len);
		int ret = dma_one(m, SNAP_DMA_FROM_HOST, addr - head, m->scratch,
				  round_up_word(head + n));

		if (ret)
			return ret;
		memcpy(d, m->scratch + head, n);
		d += n;
		addr += n;
		len -= n;
	}
	return 0;
}

/* The words around [head, head + n) of a window that the write keeps. */
static int read_edges(struct hostmem *m, uint64_t base, uint32_t head,
		      uint32_t n, uint32_t wlen)
{
	struct snap_host_seg segs[2];
	unsigned int nr = 0;

	if (head)
		segs[nr++] = (struct snap_host_seg){ base, m->scratch, WORD };
	if ((head + n) % WORD && (!nr || wlen > WORD))
		segs[nr++] = (struct snap_host_seg){ base + wlen - WORD,
						     m->scratch + wlen - WORD, WORD };
	return nr ? m->h->ops->dma(m->h, SNAP_DMA_FROM_HOST, segs, nr) : 0;
}

int hostmem_write(struct hostmem *m, uint64_t addr, const void *src,
		  uint32_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint32_t head = (uint32_t)(addr % WORD);
		uint32_t n = window_data(addr, len);
		uint32_t wlen = round_up_word(head + n);
		int ret = read_edges(m, addr - head, head, n, wlen);

		if (ret)
			return ret;
		memcpy(m->scratch + head, s, n);
		ret = dma_one(m, SNAP_DMA_TO_HOST, addr - head, m->scratch, wlen);
		if (ret)
			return ret;
		s += n;
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
	int ret = b->nr ? m->h->ops->dma(m->h, dir, b->segs, b->nr) : 0;

	b->nr = 0;
	return ret;
}

static int xfer_piece(struct hostmem *m, enum snap_dma_dir dir,
		      struct xfer_batch *b, uint64_t addr, uint8_t *local,
		      uint32_t len)
{
	if ((addr | len | (uintptr_t)local) % WORD) {
		if (dir == SNAP_DMA_TO_HOST)
			return hostmem_write(m, addr, local, len);
		return hostmem_read(m, addr, local, len);
	}
	b->segs[b->nr++] = (struct snap_host_seg){ addr, local, len };
	return b->nr == XFER_BATCH ? batch_flush(m, dir, b) : 0;
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
