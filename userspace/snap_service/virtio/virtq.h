/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues (virtio 1.2, section 2.7) as a device sees them: the
 * ring addresses of a queue, descriptor chains walked into bounded lists
 * of host segments, and used-buffer notification suppression.
 *
 * Pure logic: host memory is reached only through struct vq_mem, which
 * the daemon implements over SNAP_IOC_DMA and the tests over a byte
 * array. Nothing here writes host memory, allocates or blocks.
 */
#ifndef SNAP_VIRTIO_VIRTQ_H
#define SNAP_VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/snap.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

/* The largest split queue (2.7: Queue Size is a power of 2, at most 32768). */
#define VQ_MAX_SIZE		32768u
/* Descriptors read per host access while walking a table. */
#define VQ_DESC_BATCH		16u

/* Host memory: read len bytes at guest-physical addr into buf; 0 or a
 * negative errno (the host refused, e.g. outside the function's memory). */
struct vq_mem {
	int (*read)(void *ctx, uint64_t addr, void *buf, uint32_t len);
	void *ctx;
};

/* A split virtqueue as the driver set it up. */
struct vq_geom {
	uint64_t desc;		/* descriptor table, 16-byte aligned */
	uint64_t avail;		/* driver area (available ring), 2-byte aligned */
	uint64_t used;		/* device area (used ring), 4-byte aligned */
	uint32_t size;		/* entries, a power of 2 up to VQ_MAX_SIZE */
	uint64_t features;	/* negotiated: bit n is feature n */
};

/* One buffer of a chain, in host memory. */
struct vq_seg {
	uint64_t addr;
	uint32_t len;
	bool write;		/* device-writable */
};

/* What a device allows in one chain, beyond what the spec forbids. */
struct vq_limits {
	uint32_t max_segs;	/* buffers listed; the length of the caller's array */
	uint32_t max_seg_len;	/* bytes in one buffer; 0: no limit */
	uint32_t max_indirect;	/* entries in one indirect table; 0: the queue size */
};

struct vq_chain {
	struct vq_seg *segs;	/* the caller's array of lim->max_segs */
	uint32_t nr;		/* buffers in segs (all of them unless VQ_E_TOO_MANY_SEGS) */
	uint32_t nr_readable;	/* segs[0..nr_readable) are device-readable */
	uint32_t count;		/* buffers in the chain */
	uint64_t readable_len;	/* bytes, over the whole chain */
	uint64_t writable_len;
	/* The chain's last buffer, kept even when segs overflowed, so that a
	 * request the device refuses can still be answered in its status
	 * byte. Only valid when vq_walk() returned 0 or an answerable error. */
	struct vq_seg last;
};

/*
 * Why a chain was refused. The first group breaks the ring itself: the
 * device cannot trust where the chain ends, so it must not write to it
 * and sets DEVICE_NEEDS_RESET (2.1.2). The second group is a well-formed
 * chain the device will not serve; it can be answered (virtio-blk:
 * VIRTIO_BLK_S_IOERR in the last writable byte).
 */
enum vq_err {
	VQ_OK = 0,
	/* fatal: the device needs reset */
	VQ_E_HEAD_RANGE,	/* head index >= queue size */
	VQ_E_NEXT_RANGE,	/* next index >= queue size or table entries */
	VQ_E_LOOP,		/* more descriptors than the table holds */
	VQ_E_READ_AFTER_WRITE,	/* device-readable after device-writable (2.7.4.2) */
	VQ_E_INDIRECT_FEATURE,	/* INDIRECT without VIRTIO_RING_F_INDIRECT_DESC */
	VQ_E_INDIRECT_NESTED,	/* INDIRECT inside an indirect table */
	VQ_E_INDIRECT_NEXT,	/* INDIRECT together with NEXT */
	VQ_E_INDIRECT_LEN,	/* table length 0, not a multiple of 16, or too long */
	VQ_E_ADDR_OVERFLOW,	/* addr + len wraps the address space */
	VQ_E_AVAIL_IDX,		/* avail->idx moved more than the queue size */
	VQ_E_DMA,		/* host memory refused a read */
	/* answerable: the chain is sound, the request is not */
	VQ_E_ZERO_LEN,		/* a buffer of 0 bytes */
	VQ_E_TOO_MANY_SEGS,	/* more buffers than lim->max_segs */
	VQ_E_SEG_TOO_LONG,	/* a buffer over lim->max_seg_len */
	VQ_E_TOTAL_LEN,		/* the chain holds more than 2^32 - 1 bytes */
	__VQ_E_MAX,
};

/* True when err leaves the device no way to answer: it needs reset. */
bool vq_err_is_fatal(enum vq_err err);
const char *vq_err_str(enum vq_err err);

static inline bool vq_has_feature(const struct vq_geom *g, unsigned int bit)
{
	return bit < 64 && (g->features >> bit) & 1;
}

/* 0, or -EINVAL when the size or an area's alignment or extent is wrong. */
int vq_geom_check(const struct vq_geom *g);
/* The legacy layout (virtio 0.9.5 / legacy PCI): one contiguous area at
 * base, the used ring aligned to align (4096 on PCI). */
void vq_geom_legacy(struct vq_geom *g, uint64_t base, uint32_t size,
		    uint32_t align, uint64_t features);

/* Bytes of each area for a queue of size entries (2.7, alignment table);
 * the event fields are counted whether or not EVENT_IDX is negotiated. */
uint64_t vq_desc_area_size(uint32_t size);
uint64_t vq_avail_area_size(uint32_t size);
uint64_t vq_used_area_size(uint32_t size);

/* Addresses in the rings; idx is free-running and taken modulo size. */
uint64_t vq_avail_flags_addr(const struct vq_geom *g);
uint64_t vq_avail_idx_addr(const struct vq_geom *g);
uint64_t vq_avail_ring_addr(const struct vq_geom *g, uint16_t idx);
uint64_t vq_used_event_addr(const struct vq_geom *g);
uint64_t vq_used_flags_addr(const struct vq_geom *g);
uint64_t vq_used_idx_addr(const struct vq_geom *g);
uint64_t vq_used_ring_addr(const struct vq_geom *g, uint16_t idx);
uint64_t vq_avail_event_addr(const struct vq_geom *g);

/* Ring fields in the driver's byte order: little-endian with
 * VIRTIO_F_VERSION_1, else the guest's own (legacy), which for the sim
 * provider is this CPU's. */
uint16_t vq_to_cpu16(const struct vq_geom *g, uint16_t v);
uint32_t vq_to_cpu32(const struct vq_geom *g, uint32_t v);
uint64_t vq_to_cpu64(const struct vq_geom *g, uint64_t v);
uint64_t vq_from_cpu64(const struct vq_geom *g, uint64_t v);
uint16_t vq_from_cpu16(const struct vq_geom *g, uint16_t v);
uint32_t vq_from_cpu32(const struct vq_geom *g, uint32_t v);

/* How many new heads the driver made available: avail_idx - last_avail
 * into *n, or VQ_E_AVAIL_IDX when that exceeds the queue size. */
enum vq_err vq_avail_pending(const struct vq_geom *g, uint16_t avail_idx,
			     uint16_t last_avail, uint16_t *n);

/* A used ring entry for the chain at head, len bytes written to it. */
void vq_used_elem_fill(const struct vq_geom *g, struct vring_used_elem *e,
		       uint16_t head, uint32_t len);

/*
 * Whether the device must notify the driver after moving used->idx from
 * old_idx to new_idx (2.7.10): with VIRTIO_RING_F_EVENT_IDX when the
 * driver's used_event lies in [old_idx, new_idx) (vring_need_event()),
 * else unless avail->flags has VRING_AVAIL_F_NO_INTERRUPT. The caller
 * reads avail_flags and used_event after publishing new_idx, with a full
 * barrier between, or a notification can be lost.
 */
bool vq_need_notify(const struct vq_geom *g, uint16_t avail_flags,
		    uint16_t used_event, uint16_t old_idx, uint16_t new_idx);

/*
 * Read the start of the chain at head (struct snap_vq_chain_start) as the
 * kernel does at fetch, for the in-process host and the tests: nothing is
 * validated beyond what finding it needs, and what m refuses is left out.
 */
void vq_read_start(const struct vq_geom *g, const struct vq_mem *m,
		   uint16_t head, struct snap_vq_chain_start *start);

/*
 * Read the first bytes of the chain's first buffer (struct snap_vq_peek)
 * from its start, as the kernel does at fetch with SNAP_SQ_FETCH_PEEK:
 * len 0 when that buffer is device-writable, short, or refused by m.
 */
void vq_read_peek(const struct vq_geom *g, const struct vq_mem *m,
		  const struct snap_vq_chain_start *start, struct snap_vq_peek *pk);

/*
 * Whether pk holds the first len bytes of seg, the first readable buffer
 * of a walked chain: then they need not be read again.
 */
bool vq_peek_covers(const struct snap_vq_peek *pk, const struct vq_seg *seg,
		    uint32_t len);

/*
 * Walk the chain at head into segs (lim->max_segs entries), validating
 * every descriptor. Returns VQ_OK, or why the chain is refused; with an
 * answerable error the walk still went to the end of the chain, so
 * chain->last is its last buffer. Reads descriptors VQ_DESC_BATCH at a
 * time, never outside the descriptor table or an indirect table, and
 * none that start (the chain's start as the kernel read it with its head;
 * NULL: nothing read yet) already holds. The start is checked as what
 * the walk reads itself.
 */
enum vq_err vq_walk(const struct vq_geom *g, const struct vq_mem *m,
		    const struct vq_limits *lim, uint16_t head,
		    const struct snap_vq_chain_start *start, struct vq_seg *segs,
		    struct vq_chain *chain);

#endif /* SNAP_VIRTIO_VIRTQ_H */
