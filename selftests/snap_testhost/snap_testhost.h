/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * snap_testhost: the ioctls of /dev/snap_testhost, shared by the test-only
 * module and selftests/snap_dptest.c. Not a stable ABI.
 */
#ifndef _SNAP_TESTHOST_H
#define _SNAP_TESTHOST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SNAP_TH_DEV		"/dev/snap_testhost"
#define SNAP_TH_MAX_BUFS	8
#define SNAP_TH_MAX_PAGES	256	/* per buffer */
/* Buffer i is mmap'ed at offset i * SNAP_TH_MMAP_STRIDE. */
#define SNAP_TH_MMAP_STRIDE	(1ULL << 30)

/**
 * struct snap_th_info - SNAP_TH_IOC_INFO result
 * @num_vectors: MSI-X vectors allocated (and counted)
 * @reserved: 0
 */
struct snap_th_info {
	__u32 num_vectors;
	__u32 reserved;
};

/**
 * struct snap_th_alloc - SNAP_TH_IOC_ALLOC argument
 * @pages: in: size in pages (1 to %SNAP_TH_MAX_PAGES)
 * @index: out: buffer index, for the mmap offset
 * @bus_addr: out: the address the device uses
 * @mmap_offset: out: index * %SNAP_TH_MMAP_STRIDE
 *
 * DMA-coherent memory owned by the open file: freed (after bus mastering
 * is turned off) when the file is closed.
 */
struct snap_th_alloc {
	__u32 pages;
	__u32 index;
	__u64 bus_addr;
	__u64 mmap_offset;
};

/**
 * struct snap_th_irq - SNAP_TH_IOC_IRQ_COUNT / SNAP_TH_IOC_IRQ_WAIT argument
 * @vector: MSI-X vector
 * @min_count: WAIT: until the vector's count reaches this
 * @timeout_ms: WAIT: give up (ETIMEDOUT) after this long
 * @count: out: interrupts counted on @vector since probe
 */
struct snap_th_irq {
	__u32 vector;
	__u32 min_count;
	__u32 timeout_ms;
	__u32 count;
};

/**
 * struct snap_th_mask - SNAP_TH_IOC_MASK argument
 * @vector: MSI-X vector
 * @masked: 1 sets, 0 clears the vector's Mask bit in the MSI-X table
 */
struct snap_th_mask {
	__u32 vector;
	__u32 masked;
};

/* struct snap_th_stream.op */
#define SNAP_TH_STREAM_MAP	0	/* map the page with @dir */
#define SNAP_TH_STREAM_UNMAP	1	/* unmap it (the page stays the module's) */
#define SNAP_TH_STREAM_PEEK	2	/* read its first 8 bytes into @head */

/**
 * struct snap_th_stream - SNAP_TH_IOC_STREAM argument
 * @op: SNAP_TH_STREAM_*
 * @dir: MAP: DMA_TO_DEVICE (1) or DMA_FROM_DEVICE (2), as the kernel's
 *	enum dma_data_direction
 * @bus_addr: out (MAP): the address the device uses
 * @head: out: the page's first 8 bytes
 *
 * One page per open file that the module owns for its whole life, mapped
 * and unmapped with the streaming DMA API: a device access after the
 * unmap must not reach it, and the page itself is never freed under it.
 */
struct snap_th_stream {
	__u32 op;
	__u32 dir;
	__u64 bus_addr;
	__u64 head;
};

/**
 * struct snap_th_free - SNAP_TH_IOC_FREE argument
 * @index: a buffer of this file's SNAP_TH_IOC_ALLOC, never mmap'ed
 * @reserved: 0
 *
 * Frees the buffer while the function keeps bus mastering: a device read
 * of it afterwards must be refused, as one of a ring the host let go.
 */
struct snap_th_free {
	__u32 index;
	__u32 reserved;
};

#define SNAP_TH_IOC_MAGIC	0xb6
#define SNAP_TH_IOC_INFO	_IOR(SNAP_TH_IOC_MAGIC, 0, struct snap_th_info)
#define SNAP_TH_IOC_ALLOC	_IOWR(SNAP_TH_IOC_MAGIC, 1, struct snap_th_alloc)
#define SNAP_TH_IOC_IRQ_COUNT	_IOWR(SNAP_TH_IOC_MAGIC, 2, struct snap_th_irq)
#define SNAP_TH_IOC_IRQ_WAIT	_IOWR(SNAP_TH_IOC_MAGIC, 3, struct snap_th_irq)
#define SNAP_TH_IOC_MASK	_IOW(SNAP_TH_IOC_MAGIC, 4, struct snap_th_mask)
#define SNAP_TH_IOC_STREAM	_IOWR(SNAP_TH_IOC_MAGIC, 5, struct snap_th_stream)
#define SNAP_TH_IOC_FREE	_IOW(SNAP_TH_IOC_MAGIC, 6, struct snap_th_free)

#endif /* _SNAP_TESTHOST_H */
