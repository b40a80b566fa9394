/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_DATAPATH_INT_H
#define _SNAP_DATAPATH_INT_H

/*
 * What datapath.c (the generic part: events, waits, DMA, slots, mmap) and
 * the device models' data paths (dp_virtio.c; NVMe's queues are still in
 * datapath.c) share. Not for the rest of the module: see datapath.h.
 */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/snap.h>

#include "nvme_regs.h"

/* The kernel's own copy of a queue; struct snap_queue_state mirrors it. */
struct snap_dp_queue {
	u64 base;
	u32 size;		/* 0: no such queue */
	u16 cqid;
	u16 vector;
	u16 flags;
	u16 sq_refs;		/* CQ: SQs completing to it */
	u32 head;		/* SQ: next to fetch; CQ: the host's last valid head */
	u32 tail;		/* SQ: the host's last valid tail; CQ: next to post */
	u16 outstanding;	/* SQ: commands in in-flight slots */
	u8 phase;		/* CQ */
};

/*
 * The kernel's own record of one in-flight slot: what SNAP_IOC_POST_CQE
 * checks a completion against. struct snap_inflight_slot mirrors it with
 * the command itself, for the next daemon.
 */
struct snap_dp_slot {
	u32 gen;
	u16 sqid;
	u16 cid;
	bool used;
};

/* The kernel's own copy of a virtqueue; struct snap_vq_state mirrors it. */
struct snap_dp_vq {
	u64 desc;
	u64 driver;
	u64 device;
	u16 size;		/* 0: not enabled */
	u16 vector;
	u16 avail;		/* next available-ring index to fetch */
	u16 used;		/* next used-ring index to fill */
	u16 outstanding;	/* chains in in-flight slots */
	/*
	 * Changed under fetch_mutex (and lock): the driver was asked not to
	 * notify, as a busy daemon looks at the ring itself
	 * (snap_dp_vq_poll()), at this available index.
	 */
	bool quiet;
	u16 quiet_at;
};

struct snap_dp_fn {
	struct snap_func *func;
	struct snap_fn_state *state;
	u32 max_queues;
	bool virtio;		/* a virtio function: @vq, not @sq and @cq */
	struct hlist_node virtio_node;	/* on snap_dp.virtio_fns if @virtio */

	/* Under lock. */
	spinlock_t lock;
	struct snap_nvme_hs hs;
	bool daemon;
	bool running;
	struct snap_dp_queue sq[SNAP_NVME_MAX_QUEUES];
	struct snap_dp_queue cq[SNAP_NVME_MAX_QUEUES];
	u64 features;		/* virtio: negotiated at DRIVER_OK */
	struct snap_dp_vq vq[SNAP_VIRTIO_MAX_QUEUES];
	struct snap_dp_slot slots[SNAP_INFLIGHT_MAX];
	u32 gen;		/* enable_count: one per controller enable */
	u32 epoch;		/* changes whenever a queue comes or goes */
	u32 daemon_gen;		/* changes whenever a daemon comes or goes */
	u64 fetch_seq;		/* commands fetched over the function's life */
	u64 stale_cqes;		/* completions refused: command not in flight */
	u64 doorbells;		/* doorbells and notifications the provider saw */

	/* One SNAP_IOC_SQ_FETCH at a time, for its DMA outside the lock. */
	struct mutex fetch_mutex;
	/*
	 * virtio: one SNAP_IOC_VQ_POST at a time, so that used idx is
	 * written after the entries it covers, in order.
	 */
	struct mutex post_mutex;
	u8 *fetch_buf;		/* SNAP_SQ_FETCH_MAX commands or chain starts */

	/* Under snap_dp.ev_lock: what the daemon has not been told yet. */
	struct list_head ready;		/* on snap_dp.ready */
	bool reset_pending;
	u16 ctrl_event;			/* SNAP_EV_CTRL_* to deliver, 0: none */
	u32 ctrl_value;
	u64 ctrl_data[2];
	DECLARE_BITMAP(sq_pending, SNAP_NVME_MAX_QUEUES);
	DECLARE_BITMAP(cq_pending, SNAP_NVME_MAX_QUEUES);
	u32 sq_db[SNAP_NVME_MAX_QUEUES];
	u32 cq_db[SNAP_NVME_MAX_QUEUES];
};

#define SNAP_CQE_SIZE		16
#define SNAP_SQE_SIZE		64

/*
 * An array the daemon hands in, copied into a buffer on the caller's
 * stack when it fits and into an allocated one otherwise: a hot call
 * carries a few entries, and an allocation (zeroed under init_on_alloc,
 * as Debian builds) cost as much as the rest of such a call.
 */
#define SNAP_DP_UBUF_LOCAL	256
struct snap_dp_ubuf {
	void *p;
	u8 local[SNAP_DP_UBUF_LOCAL] __aligned(8);
};

/* datapath.c: what every function has */
bool snap_dp_zero(const void *p, size_t len);
void *snap_dp_ubuf_copy(struct snap_dp_ubuf *b, u64 uptr, u32 n, size_t size);
void snap_dp_ubuf_free(struct snap_dp_ubuf *b);
struct snap_dp_fn *snap_dp_fn_get(u32 func_id);
bool snap_dp_slots_free(const struct snap_dp_fn *dp, const u16 *slots, u32 n);
void snap_dp_note_doorbell(struct snap_dp_fn *dp, u16 qid, bool cq, u32 value);
void snap_dp_forget_doorbell(struct snap_dp_fn *dp, u16 qid, bool cq);
bool snap_dp_apply(struct snap_dp_fn *dp, unsigned int actions, u32 old_csts,
		   bool publish);
void snap_dp_count_stale(struct snap_dp_fn *dp, u32 n);
int snap_dp_dma_user(struct snap_dp_fn *dp, u64 uptr, u32 nr, u32 dir);
int snap_dp_post_dma(struct snap_dp_fn *dp, u16 flags, u64 segs, u32 nr_segs);

/* dp_nvme.c: NVMe's queues */
void snap_dp_nvme_doorbell(struct snap_dp_fn *dp, u16 qid, bool cq, u32 value);
long snap_dp_nvme_fetch(struct snap_dp_fn *dp, u16 sqid, const u16 *slots,
			u32 max);
long snap_dp_queue_create(void __user *argp);
long snap_dp_queue_delete(void __user *argp);
long snap_dp_post_cqe(void __user *argp);

/* dp_virtio.c: virtqueues */
void snap_dp_virtio_enable(struct snap_dp_fn *dp, u8 status, u64 features,
			   const struct snap_vq_state *vqs, unsigned int nvq);
void snap_dp_vq_notify(struct snap_dp_fn *dp, u16 vq, bool cq);
long snap_dp_vq_fetch(struct snap_dp_fn *dp, u16 vq, const u16 *slots, u32 max,
		      struct snap_vq_peek __user *peeks);
void snap_dp_vq_poll(struct snap_dp_fn *dp, bool busy);
long snap_dp_vq_post(void __user *argp);

#endif /* _SNAP_DATAPATH_INT_H */
