/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake host memory for the virtio engine's tests: a byte array at
 * guest-physical HM_BASE. A read outside it fails, as SNAP_IOC_DMA
 * refuses memory the function does not own; every read is counted and
 * the last one remembered, so tests can see how the walker batches.
 */
#ifndef SNAP_TEST_VIRTIO_HARNESS_H
#define SNAP_TEST_VIRTIO_HARNESS_H

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/virtq.h"

#define HM_BASE		0x100000ull
#define HM_SIZE		(1u << 20)
#define HM_END		(HM_BASE + HM_SIZE)

struct hm_read {
	uint64_t addr;
	uint32_t len;
};

static uint8_t hm[HM_SIZE];
static unsigned int hm_reads;
static struct hm_read hm_last;
/* reads of these many bytes or more fail, to test refused DMA mid-way */
static uint64_t hm_refuse_at = UINT64_MAX;

static inline int hm_read(void *ctx, uint64_t addr, void *buf, uint32_t len)
{
	(void)ctx;
	hm_reads++;
	hm_last = (struct hm_read){ addr, len };
	if (addr < HM_BASE || addr > HM_END || len > HM_END - addr)
		return -EFAULT;
	if (addr >= hm_refuse_at)
		return -EFAULT;
	memcpy(buf, hm + (addr - HM_BASE), len);
	return 0;
}

static const struct vq_mem hm_mem = { hm_read, NULL };

static inline int hm_reset(void **state)
{
	(void)state;
	memset(hm, 0, sizeof(hm));
	hm_reads = 0;
	hm_last = (struct hm_read){ 0, 0 };
	hm_refuse_at = UINT64_MAX;
	return 0;
}

static inline void *hm_ptr(uint64_t addr)
{
	assert_true(addr >= HM_BASE && addr < HM_END);
	return hm + (addr - HM_BASE);
}

/* Descriptor idx of the table at table, in the driver's (LE) order. */
static inline void hm_desc(uint64_t table, uint32_t idx, uint64_t addr,
			   uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {
		.addr = htole64(addr),
		.len = htole32(len),
		.flags = htole16(flags),
		.next = htole16(next),
	};

	memcpy(hm_ptr(table + (uint64_t)idx * sizeof(d)), &d, sizeof(d));
}

static inline void hm_put(uint64_t addr, const void *src, size_t len)
{
	memcpy(hm_ptr(addr), src, len);
}

#define F(bit)		(1ull << (bit))
#define MODERN		F(VIRTIO_F_VERSION_1)
#define INDIRECT	F(VIRTIO_RING_F_INDIRECT_DESC)
#define EVENT_IDX	F(VIRTIO_RING_F_EVENT_IDX)

#define NEXT		VRING_DESC_F_NEXT
#define WR		VRING_DESC_F_WRITE
#define IND		VRING_DESC_F_INDIRECT

#endif /* SNAP_TEST_VIRTIO_HARNESS_H */
