/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-process host: a struct snap_host for unit tests, fuzzing and
 * benchmarks. It plays both parts the production system splits:
 *
 * - "the kernel": the snap_fn_state, CQ tail and phase, queue create and
 *   delete checks as /dev/snap makes them, DMA with address checks,
 *   interrupts (counted per vector), the CC handshake;
 * - "the host driver": host memory (a byte array at a 64-bit bus address),
 *   SQ tails and CQ heads it rings as doorbells, CQ entries it reaps by
 *   phase tag.
 *
 * Doorbells and register writes become struct snap_event, delivered at
 * once to the sink set with inproc_set_sink() (usually nvme_ctrl_event).
 *
 * A virtio function (inproc_create_virtio) plays the same two parts for
 * split virtqueues: the driver fills descriptors and the available ring
 * in host memory and notifies; the kernel's SQ_FETCH takes chain heads
 * into slots and VQ_POST writes the used ring and decides on the
 * interrupt, as include/uapi/linux/snap.h describes them. Ring fields
 * are little-endian (VIRTIO_F_VERSION_1).
 */
#ifndef SNAP_HOST_INPROC_H
#define SNAP_HOST_INPROC_H

#include <stdbool.h>
#include <stdint.h>

#include "host.h"

typedef void (*inproc_sink_t)(void *arg, const struct snap_event *ev);

struct inproc_host {
	struct snap_host host;
	struct snap_fn_state *state;

	/* host memory */
	uint8_t *mem;
	uint64_t mem_base;
	uint64_t mem_size;
	uint64_t mem_brk;
	bool bus_master;	/* false: every DMA fails with -EIO */

	/* the kernel's side */
	uint32_t mqes;		/* CAP.MQES, 0's based */
	uint16_t num_msix;
	uint64_t irqs[SNAP_NVME_MAX_QUEUES];
	uint32_t last_done_event;
	uint32_t last_done_status;
	unsigned int done_count;
	unsigned int fatal_count;	/* fn_fatal calls that took effect */
	unsigned int config_irqs;	/* virtio configuration interrupts */
	unsigned int einval;	/* calls that broke the /dev/snap contract */
	uint64_t dma_calls;
	uint64_t dma_segs;
	uint64_t post_dma_calls;	/* posts that moved data too (SNAP_POST_DMA) */
	/* virtio: read no chain start at fetch, as a module before ABI 2.8 */
	bool no_chain_start;
	/* virtio: read no peeks at fetch, as a module before ABI 2.9 */
	bool no_peek;
	uint64_t fetch_calls;
	uint64_t sqes_fetched;
	uint64_t fetch_seq;
	/* completions refused: their command was not in flight (a bug) */
	uint64_t stale_cqes;

	/* the host driver's side */
	uint16_t vq_avail_idx[SNAP_VIRTIO_MAX_QUEUES];	/* virtio: next avail->idx */
	uint16_t vq_last_used[SNAP_VIRTIO_MAX_QUEUES];	/* virtio: used entries reaped */
	uint32_t sq_tail[SNAP_NVME_MAX_QUEUES];
	uint32_t cq_head[SNAP_NVME_MAX_QUEUES];
	uint8_t cq_phase[SNAP_NVME_MAX_QUEUES];

	/* local buffers */
	unsigned long bufs_out;
	long buf_fail;		/* > 0: that many more allocations fail */
	/* Reuse freed buffers (benchmarks: large heap buffers cost an mmap
	 * and page faults each time). Off by default, so that ASan sees a
	 * use after free. */
	bool buf_cache;
	struct inproc_buf *cached;
	unsigned int nr_cached;

	inproc_sink_t sink;
	void *sink_arg;

	struct inproc_host *parent;	/* a view's: the host it shares */
};

#define INPROC_MEM_BASE		0x100000000ull
/* As many as commands may hold at once: batched transfers keep a whole
 * fetch's buffers until the batch moves. */
#define INPROC_BUF_CACHE_MAX	SNAP_INFLIGHT_MAX

struct inproc_host *inproc_create(uint64_t mem_size, uint32_t mqes,
				  uint16_t num_msix);
void inproc_destroy(struct inproc_host *h);
/*
 * Another thread's view of h, for a controller's next queue group: the
 * same function state, host memory and driver side, with its own buffers
 * and counters (DMA, fetches, interrupts), so that two threads drive one
 * function without sharing a mutable field. Registers, queue creation
 * and the sink stay h's. Destroyed before h.
 */
struct inproc_host *inproc_view(struct inproc_host *h);
void inproc_view_destroy(struct inproc_host *v);
void inproc_set_sink(struct inproc_host *h, inproc_sink_t sink, void *arg);

/* Host memory: allocate (bump, zeroed), and reach by bus address. */
uint64_t inproc_mem_alloc(struct inproc_host *h, uint64_t len, uint64_t align);
void *inproc_mem_ptr(struct inproc_host *h, uint64_t addr, uint64_t len);

/* Registers: the CC handshake as the host driver starts it. */
void inproc_enable(struct inproc_host *h, uint16_t asqs, uint16_t acqs,
		   uint64_t asq, uint64_t acq, uint32_t cc);
void inproc_disable(struct inproc_host *h);
void inproc_shutdown(struct inproc_host *h);
void inproc_func_reset(struct inproc_host *h);
bool inproc_ready(const struct inproc_host *h);

/* Queues, as the host driver uses them. */
int inproc_sq_write(struct inproc_host *h, uint16_t qid, const void *sqe);
void inproc_sq_ring(struct inproc_host *h, uint16_t qid);
int inproc_submit(struct inproc_host *h, uint16_t qid, const void *sqe);
/* One CQE if the phase tag says it is new (1), else 0; the head doorbell
 * is rung unless no_doorbell. */
int inproc_reap(struct inproc_host *h, uint16_t cqid, void *cqe);

/* Tests: a command the kernel recorded in a slot for a daemon that died
 * (current generation, next fetch order); the SQ head is not moved. */
int inproc_slot_fill(struct inproc_host *h, uint16_t slot, uint16_t sqid,
		     const void *sqe);
int inproc_reap_quiet(struct inproc_host *h, uint16_t cqid, void *cqe);
void inproc_cq_ring(struct inproc_host *h, uint16_t cqid);

/* ---- virtio functions ---- */

#define INPROC_VIRTIO_STATUS_OK	0x0f	/* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */

struct inproc_host *inproc_create_virtio(uint64_t mem_size, uint16_t num_msix);
/* The driver sets up virtqueue idx (rings in host memory, zeroed). */
int inproc_vq_setup(struct inproc_host *h, uint16_t idx, uint16_t size,
		    uint16_t vector);
/* DRIVER_OK with these negotiated features: SNAP_EV_CTRL_ENABLE. */
void inproc_driver_ok(struct inproc_host *h, uint64_t features);
/* The driver writes 0 to device_status: SNAP_EV_CTRL_DISABLE. */
void inproc_virtio_reset(struct inproc_host *h);
/* A chain at head made available (not yet notified). */
int inproc_vq_avail(struct inproc_host *h, uint16_t idx, uint16_t head);
/* The driver notifies virtqueue idx: SNAP_EV_SQ_DOORBELL. */
void inproc_vq_kick(struct inproc_host *h, uint16_t idx);
/* The next used entry the driver has not seen (1), or none (0). */
int inproc_vq_reap(struct inproc_host *h, uint16_t idx, uint32_t *id,
		   uint32_t *len);
/* The driver's suppression: avail->flags, and used_event (EVENT_IDX). */
void inproc_vq_set_avail_flags(struct inproc_host *h, uint16_t idx,
			       uint16_t flags);
void inproc_vq_set_used_event(struct inproc_host *h, uint16_t idx,
			      uint16_t used_event);
/* Ring addresses of a set-up queue. */
uint64_t inproc_vq_desc(struct inproc_host *h, uint16_t idx, uint16_t n);

#endif /* SNAP_HOST_INPROC_H */
