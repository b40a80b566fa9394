/* SPDX-License-Identifier: GPL-2.0 */
/* The NVMe engine's internals, shared by its files. */
#ifndef SNAP_NVME_INT_H
#define SNAP_NVME_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "nvme_ctrl.h"
#include "nvme_spec.h"

#define NVME_PAGE_SIZE		4096u	/* CAP.MPSMIN = MPSMAX = 4 KiB */
#define NVME_FETCH_BATCH	SNAP_SQ_FETCH_MAX	/* SQEs in one fetch */

/* ---- data pointers: PRP lists and SGLs walked into host segments ---- */

/* A piece of the host's data buffer; bucket: SGL bit bucket, no memory */
struct nvme_dseg {
	uint64_t addr;
	uint32_t len;
	uint32_t bucket;
};

/* Enough for 2 MiB in 4 KiB pages plus an unaligned start; SGLs with more
 * descriptors than that are refused. */
#define NVME_DPTR_MAX_SEGS	520
#define NVME_DPTR_INLINE	4

struct nvme_dptr {
	struct nvme_dseg *segs;
	unsigned int nr, cap;
	uint64_t total;
	struct nvme_dseg inl[NVME_DPTR_INLINE];
};

/* Reads host memory (PRP lists, SGL segments) for the walkers. */
struct nvme_host_reader {
	int (*read)(void *ctx, uint64_t addr, void *dst, uint32_t len);
	void *ctx;
};

void nvme_dptr_init(struct nvme_dptr *d);
void nvme_dptr_free(struct nvme_dptr *d);
int nvme_dptr_add(struct nvme_dptr *d, uint64_t addr, uint32_t len,
		  bool bucket);
/* Status (0 or NVME_SC_* | DNR) of walking a PRP pair for len bytes. */
uint16_t nvme_prp_map(const struct nvme_host_reader *r, uint64_t prp1,
		      uint64_t prp2, uint32_t len, uint32_t page_size,
		      struct nvme_dptr *out);
/* Same for an SGL; bit buckets only when the transfer is to the host. */
uint16_t nvme_sgl_map(const struct nvme_host_reader *r,
		      const struct nvme_sgl_desc *sgl, uint32_t len,
		      bool allow_bucket, struct nvme_dptr *out);

/* ---- commands ---- */

struct nvme_ns {
	uint32_t nsid;
	struct bdev *bdev;
	uint8_t uuid[16];
	uint8_t lbads;		/* log2 of the block size */
	uint64_t nsze;		/* blocks */
};

struct nvme_req;
typedef void (*nvme_req_step_t)(struct nvme_req *r);
/* The data moved (status 0) or could not (Data Transfer Error). */
typedef void (*nvme_xfer_done_t)(struct nvme_req *r, uint16_t status);

struct nvme_group;

struct nvme_req {
	struct nvme_ctrl *ctrl;
	struct nvme_group *g;	/* the queue group serving its SQ */
	struct nvme_sqe cmd;
	uint16_t sqid;
	uint16_t slot;
	uint32_t gen;		/* controller generation at fetch */
	bool used;
	bool recovered;		/* run again after a daemon restart */
	bool takeover_write;	/* ... and changes the media: counted in takeover_writes */
	uint16_t status;
	uint32_t dw0;
	uint64_t start_ns;	/* I/O queues: fetched (or taken over), for iostats */
	/* CQ pending list, AER list, buffer wait, data out */
	struct nvme_req *next;
	uint16_t nr_xfer_segs;	/* its segments in a data batch */
	uint32_t out_len;	/* read data that goes with its completion */
	nvme_xfer_done_t xfer_done;

	struct nvme_ns *ns;
	struct nvme_dptr dptr;
	void *buf;
	size_t buf_len;
	void *buf2;		/* Compare: the host's data */
	size_t buf2_len;
	uint64_t slba;		/* for the error log */
	struct bdev_io bio;
	bdev_io_done_t bio_done;	/* bio's completion (nvme_req_submit_bio) */
	unsigned int step;	/* DSM range / Flush namespace being worked */
	nvme_req_step_t resume;	/* runs again once a buffer is free */
};

struct nvme_xfer {
	enum snap_dma_dir dir;
	struct nvme_req *head, *tail;
	unsigned int nr_segs;
	struct snap_host_seg segs[SNAP_DMA_MAX_SEGS];
};

/* A cache line each: neighbours may be other threads' queues. */
struct nvme_sq {
	struct nvme_req *delete_req;	/* the Delete I/O SQ waiting */
	unsigned int inflight;
} __attribute__((aligned(64)));

struct nvme_cq {
	struct nvme_req *pend_head, *pend_tail;
	unsigned int nr_pend;
	bool blocked;		/* host CQ full: wait for a head doorbell */
} __attribute__((aligned(64)));

struct nvme_features {
	uint32_t arbitration;
	uint32_t power_mgmt;
	uint16_t temp_over;
	uint16_t temp_under;
	uint32_t err_recovery;
	bool vwc;
	uint32_t irq_coalesce;
	uint32_t irq_config_cd[SNAP_NVME_MAX_QUEUES];	/* by vector, CD bit */
	uint32_t write_atomic;
	uint32_t async_event;
	uint32_t kato;
	uint8_t host_behavior[NVME_HOST_BEHAVIOR_SIZE];
	uint16_t nsqa, ncqa;	/* granted I/O queues, 0's based */
	bool nr_queues_set;
};

/*
 * What the engine keeps in the function state's engine area, so that a
 * daemon restarted under a live host finds what the host configured and
 * the counters it reads. Features hold only while the controller stays
 * enabled (enable_count unchanged); counters hold for the function's life.
 */
#define NVME_SAVED_MAGIC	0x4e564d31	/* "NVM1" */

struct nvme_saved {
	uint32_t magic;
	uint32_t enable_count;	/* st->enable_count the features belong to */
	struct timespec born;	/* CLOCK_MONOTONIC: power-on time */
	struct nvme_ctrl_stats stats;
	struct nvme_features feat;
};

_Static_assert(sizeof(struct nvme_saved) <= SNAP_FN_ENGINE_SIZE,
	       "the saved engine state must fit the function state's area");
_Static_assert(offsetof(struct snap_fn_state, engine) % 8 == 0,
	       "the engine area must be aligned for struct nvme_saved");

enum nvme_ctrl_state {
	NVME_CTRL_DISABLED,
	NVME_CTRL_ENABLED,
	NVME_CTRL_DISABLING,	/* waiting for in-flight I/O to drain */
	NVME_CTRL_SHUTTING_DOWN,
	NVME_CTRL_SHUTDOWN,
};

/*
 * A queue group: the I/O queues one thread serves, with what serving them
 * takes (in-flight slots, data batches, buffers) so that threads share
 * nothing on the hot path. An I/O SQ belongs to the group of its CQ (the
 * CQs go round the groups), so a CQ's completions come from one thread.
 * Group 0 also has the admin queue; its thread, the controller's home,
 * runs every controller-level step (the CC handshake, queue creation and
 * deletion, namespaces, asynchronous events).
 *
 * A group's fields are touched by its thread only, under the controller's
 * lock in read mode; or by the home thread holding it in write mode.
 */
struct nvme_group {
	struct nvme_ctrl *c;
	struct snap_host *host;	/* its thread's: buffers from its pool */
	unsigned int index;
	bool in_pass;		/* its thread holds the lock for it */
	uint16_t free_slots[SNAP_INFLIGHT_MAX];
	unsigned int nr_free;
	unsigned int nr_used;
	unsigned int backend_ios;	/* its bdev_ios at backends (tally) */
	uint64_t sqs;		/* the live I/O SQs it serves */
	uint64_t pending_cqs;	/* its CQs with completions waiting */
	/* Writes' data waiting to move from the host in one SNAP_IOC_DMA
	 * before they go to the backend; data_out: the reads' data of one
	 * CQ batch, moved by the post of their completions (cq_flush). */
	struct nvme_xfer data_in, data_out;
	struct nvme_req *buf_wait_head, *buf_wait_tail;
	struct nvme_req *redo_head, *redo_tail;	/* taken over, to run again */
	/* Taken over too, but reading the media: run once no taken-over
	 * write is left (nvme_ctrl.takeover_writes). */
	struct nvme_req *takeover_reads, *takeover_reads_tail;
	void *scratch;		/* NVME_PAGE_SIZE: list reads; on first use */
	/* Its commands on each namespace (by nsid - 1): no detach under them. */
	unsigned int *ns_holds;
	/* SMART counts of its commands not yet in the function state: added
	 * there before their completions are posted (nvme_group_fold_stats). */
	struct nvme_ctrl_stats stats;
} __attribute__((aligned(64)));

static inline void nvme_ns_hold(struct nvme_group *g, const struct nvme_ns *ns)
{
	g->ns_holds[ns->nsid - 1]++;
}

static inline void nvme_ns_put(struct nvme_group *g, const struct nvme_ns *ns)
{
	g->ns_holds[ns->nsid - 1]--;
}

struct nvme_ctrl {
	struct nvme_ctrl_cfg cfg;
	struct snap_host *host;		/* the home thread's (group 0's) */
	struct snap_fn_state *st;
	enum nvme_ctrl_state state;
	bool suspended;
	bool answer_disable;	/* DISABLE wants CTRL_DONE (not FUNC_RESET) */
	bool shutdown_flushing;
	uint32_t gen;

	/* Read mode: a group's thread serving it; write mode: the home
	 * thread's controller-level work (and every group's state). */
	pthread_rwlock_t lock;
	struct nvme_group *groups[NVME_MAX_GROUPS];
	unsigned int nr_groups;
	/* A group asks the home thread for controller-level work (a drained
	 * SQ to delete, a drained controller to disable). */
	int control;
	/*
	 * Writes taken over from a killed daemon and not yet ended. That
	 * daemon may have died inside one's copy to the backend, leaving a
	 * block half written, which only the write, run again, repairs:
	 * until none is left no group reads the media or fetches I/O (atomic:
	 * any group ends one).
	 */
	unsigned int takeover_writes;
	nvme_kick_fn kick;
	void *kick_arg;

	struct nvme_sq sq[SNAP_NVME_MAX_QUEUES];
	struct nvme_cq cq[SNAP_NVME_MAX_QUEUES];
	uint64_t sqs_deleting;	/* SQ ids a Delete I/O SQ drains */
	struct nvme_req reqs[SNAP_INFLIGHT_MAX];

	struct nvme_ns **ns;	/* by nsid - 1 */
	uint32_t ns_top;	/* highest attached nsid: the end of ns scans */
	struct nvme_saved *saved;	/* in st->engine */
	struct nvme_features *feat;	/* &saved->feat */

	struct nvme_req *aer[NVME_AERL + 1];
	unsigned int nr_aer;
	bool aen_ns_pending;	/* NS changed, not yet reported */
	bool aen_ns_masked;	/* reported, log not yet read */
	bool aen_temp_pending;
	uint32_t changed_ns[NVME_CHANGED_NS_MAX];
	unsigned int nr_changed;
	bool changed_overflow;

	pthread_mutex_t errlog_lock;	/* any group records errors */
	struct nvme_error_log_entry errlog[NVME_ELPE + 1];
	struct nvme_ctrl_stats *stats;	/* &saved->stats; retired: &own_stats */
	struct nvme_ctrl_stats own_stats;

	struct bdev_io shutdown_bio;
	uint32_t shutdown_step;
};

/* ctrl.c */
/* Starts r->bio on b; done runs under the group's lock, as all its work. */
int nvme_req_submit_bio(struct nvme_req *r, struct bdev *b, bdev_io_done_t done);
void nvme_req_complete(struct nvme_req *r, uint16_t status, uint32_t dw0);
/* A read's data to the host, then its completion: with other reads. */
void nvme_req_complete_read(struct nvme_req *r, uint32_t len);
/* A command's data from the host into r->buf, with other commands'. */
void nvme_req_fetch_data(struct nvme_req *r, uint32_t len, nvme_xfer_done_t then);
void nvme_req_wait_buffer(struct nvme_req *r, nvme_req_step_t resume);
uint16_t nvme_req_map_data(struct nvme_req *r, uint32_t len, bool to_host);
int nvme_req_alloc_buf(struct nvme_req *r, size_t len);
int nvme_dma_dptr(struct nvme_group *g, enum snap_dma_dir dir,
		  const struct nvme_dptr *d, void *buf, size_t len);
uint16_t nvme_req_copy_to_host(struct nvme_req *r, const void *data,
			       uint32_t len);
uint16_t nvme_req_copy_from_host(struct nvme_req *r, void *data,
				 uint32_t len);
struct nvme_ns *nvme_ctrl_ns(struct nvme_ctrl *c, uint32_t nsid);
uint16_t nvme_errno_to_status(int err, enum bdev_op op);
void nvme_ctrl_release_aers(struct nvme_ctrl *c);
void nvme_ctrl_queues_changed(struct nvme_ctrl *c);

/* admin.c */
void nvme_admin_exec(struct nvme_req *r);
void nvme_aen_ns_changed(struct nvme_ctrl *c, uint32_t nsid);
void nvme_aen_run(struct nvme_ctrl *c);
/* identify.c */
void nvme_identify(struct nvme_req *r);
/* features.c */
void nvme_features_reset(struct nvme_ctrl *c);
void nvme_set_features(struct nvme_req *r);
void nvme_get_features(struct nvme_req *r);
/* log.c */
void nvme_get_log_page(struct nvme_req *r);
void nvme_log_error(struct nvme_ctrl *c, const struct nvme_req *r,
		    uint16_t status);
/* io.c */
void nvme_io_exec(struct nvme_req *r);

/* A Delete I/O SQ waits for qid's commands: nothing more is fetched. */
static inline bool nvme_sq_deleting(const struct nvme_ctrl *c, uint16_t qid)
{
	return (c->sqs_deleting >> qid) & 1;
}

static inline void nvme_sq_set_deleting(struct nvme_ctrl *c, uint16_t qid,
					bool on)
{
	if (on)
		c->sqs_deleting |= 1ull << qid;
	else
		c->sqs_deleting &= ~(1ull << qid);
}

static inline uint16_t nvme_dnr(uint16_t sc)
{
	return sc | NVME_STATUS_DNR;
}

#endif /* SNAP_NVME_INT_H */
