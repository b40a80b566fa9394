/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol engines' view of "the host": its memory, its doorbells and
 * its interrupts. Two implementations exist: /dev/snap (production: every
 * op is one SNAP_IOC_* operation, see include/uapi/linux/snap.h) and the
 * in-process host (host_inproc.c: unit tests, fuzzing, benchmarks).
 *
 * The engine never touches host memory itself. It names host addresses and
 * local buffers; local buffers come from buf_alloc, which in production
 * hands out pieces of the mmapped DMA pool (so that the kernel can move
 * data into them and io_uring can use them as fixed buffers). A buffer is
 * at most SNAP_HOST_BUF_MAX bytes and never crosses a 2 MiB boundary of
 * the pool, so it lies in one fixed buffer.
 *
 * Doorbells and controller register changes reach the engine as struct
 * snap_event (the uapi struct, unchanged), through nvme_ctrl_event().
 *
 * Queue and controller state lives in a struct snap_fn_state the host
 * implementation owns (in production the kernel's mmapped page) and only
 * the host side writes: queue bases, sizes, doorbells, SQ heads, CQ tail
 * and phase, and the in-flight table. The engine names in-flight slots:
 * sq_fetch fills the ones it offers, post_cqe empties them, each in one
 * step with moving the queue, so that a daemon killed anywhere leaves
 * every command the host waits for in exactly one slot.
 */
#ifndef SNAP_HOST_H
#define SNAP_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <linux/snap.h>

#include "fault.h"

#define SNAP_HOST_BUF_MAX	SNAP_POOL_CHUNK_SIZE

/* One contiguous piece of a transfer: SNAP_IOC_DMA's struct snap_dma_seg
 * with a pointer in place of the pool offset. */
struct snap_host_seg {
	uint64_t host_addr;
	void *local;		/* inside a buffer from buf_alloc */
	uint32_t len;		/* 1 to SNAP_DMA_MAX_SEG_LEN */
};

struct snap_host;

/*
 * Every op returns 0 or a negative errno. They are synchronous: when dma
 * returns, the bytes have moved.
 */
struct snap_host_ops {
	/* SNAP_IOC_DMA: 1 to SNAP_DMA_MAX_SEGS segments; -EIO when host
	 * memory refuses (bus mastering off, address not DMA-able). */
	int (*dma)(struct snap_host *h, enum snap_dma_dir dir,
		   const struct snap_host_seg *segs, unsigned int nr);
	/* SNAP_IOC_SQ_FETCH: up to max (1 to SNAP_SQ_FETCH_MAX) commands of
	 * SQ qid into the free in-flight slots slots[0..], in that order,
	 * the head moved past them. Returns how many (0: none), then found
	 * in state->inflight[slot].sqe; -EIO when host memory refuses.
	 * virtio: qid is a virtqueue and each slot gets a chain head
	 * (state->inflight[slot].head) from the available ring; -EPROTO
	 * when a head is out of range (the device needs a reset). With
	 * peeks (virtio only, else NULL), peeks[i] gets the start of the
	 * first buffer of slot i's chain, len 0 when the host did not read
	 * it (struct snap_vq_peek). */
	int (*sq_fetch)(struct snap_host *h, uint16_t qid, const uint16_t *slots,
			unsigned int max, struct snap_vq_peek *peeks);
	/* SNAP_IOC_POST_CQE: entries without phase tag, 1 to
	 * SNAP_CQE_MAX_BATCH, slots[i] the in-flight slot of entry i's
	 * command, emptied as it is posted; -EAGAIN (nothing posted) when
	 * the CQ lacks room. irq: raise the CQ's vector afterwards if it
	 * has one. The nr_segs segments (0 to SNAP_DMA_MAX_SEGS: the data
	 * of the reads these entries complete) move to the host first, in
	 * the same call (SNAP_POST_DMA): should that fail, as dma would,
	 * nothing is posted. */
	int (*post_cqe)(struct snap_host *h, uint16_t cqid, const void *cqes,
			const uint16_t *slots, unsigned int count, int irq,
			const struct snap_host_seg *segs, unsigned int nr_segs);
	/* SNAP_IOC_VQ_POST (virtio): used-ring entries, 1 to
	 * SNAP_USED_MAX_BATCH, slots[i] the in-flight slot of elems[i]'s
	 * chain, emptied as it is posted. irq: then interrupt the driver
	 * unless it suppressed interrupts (the host side decides). The
	 * nr_segs segments (0 to SNAP_DMA_MAX_SEGS) move to the host
	 * first, in the same call (SNAP_POST_DMA): should that fail, as dma
	 * would, nothing is posted. */
	int (*vq_post)(struct snap_host *h, uint16_t vq,
		       const struct snap_vq_used_elem *elems,
		       const uint16_t *slots, unsigned int count, int irq,
		       const struct snap_host_seg *segs, unsigned int nr_segs);
	/* SNAP_IOC_RAISE_IRQ */
	int (*raise_irq)(struct snap_host *h, uint16_t vector);
	/* SNAP_IOC_QUEUE_CREATE / SNAP_IOC_QUEUE_DELETE (func_id ignored:
	 * the host knows its function). On success the host side has
	 * filled / cleared the queue's entry in the function state. */
	int (*queue_create)(struct snap_host *h, const struct snap_queue_cfg *cfg);
	int (*queue_delete)(struct snap_host *h, const struct snap_queue_cfg *cfg);
	/* SNAP_IOC_CTRL_DONE: answer a SNAP_EV_CTRL_* event */
	int (*ctrl_done)(struct snap_host *h, uint32_t event, uint32_t status);
	/* SNAP_IOC_FN_FATAL: only a reset by the host can end this error
	 * (NVMe CSTS.CFS; virtio DEVICE_NEEDS_RESET and a configuration
	 * interrupt). -EINVAL unless an enable was answered with success:
	 * the host may have reset the function meanwhile. */
	int (*fn_fatal)(struct snap_host *h);
	/* Local buffers: at most SNAP_HOST_BUF_MAX bytes, 4 KiB aligned,
	 * inside one 2 MiB pool chunk. NULL when none is free (the engine
	 * retries later). */
	void *(*buf_alloc)(struct snap_host *h, size_t len);
	void (*buf_free)(struct snap_host *h, void *buf, size_t len);
};

struct snap_host {
	const struct snap_host_ops *ops;
	struct snap_fn_state *state;	/* owned by the implementation */
	uint32_t func_id;
};

/*
 * One SNAP_IOC_DMA for a batch of segments. A daemon built with fault
 * points may be told to die half way through it (SNAP_FAULT=xfer): both
 * engines move data through here, so both can be killed mid-transfer.
 */
static inline int snap_host_dma_batch(struct snap_host *h, enum snap_dma_dir dir,
				      const struct snap_host_seg *segs, unsigned int nr)
{
	unsigned int half = nr / 2;
	int ret;

	if (!half || !snap_fault_armed(SNAP_FAULT_XFER))
		return h->ops->dma(h, dir, segs, nr);
	ret = h->ops->dma(h, dir, segs, half);
	if (ret)
		return ret;
	snap_fault_point(SNAP_FAULT_XFER);
	return h->ops->dma(h, dir, segs + half, nr - half);
}

#endif /* SNAP_HOST_H */
