/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_BDEV_NVMF_H
#define SNAP_BDEV_NVMF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/time_types.h>

#include "nvmf_def.h"
#include "bdev.h"

/* The wire is little endian, whatever the CPU. */
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

struct ioloop;

/*
 * The NVMe-oF initiator: a transport-independent core (bdev_nvmf.c:
 * Fabrics Connect, Property Get/Set, Identify, command IDs, the bdev) over
 * one transport per file (nvmf_tcp.c, nvmf_rdma.c). A bdev is one remote namespace
 * with an association of its own: an admin queue, used only while it is
 * opened, and one I/O queue, served by the thread that submits to it.
 *
 * Opening is synchronous and bounded (NVMF_SETUP_TIMEOUT_MS a step): the
 * daemon opens bdevs on its control thread. Once open, the I/O queue runs
 * on the submitting thread's io_uring and never blocks.
 */

#define NVMF_SETUP_TIMEOUT_MS	5000
/* A command unanswered this long ends its connection (Linux's io_timeout). */
#define NVMF_IO_TIMEOUT_MS	30000
#define NVMF_IO_QUEUE_DEPTH	128
/* A connected bdev looks at its association at least this often. */
#define NVMF_WATCH_MAX_MS	1000
#define NVMF_ADMIN_QUEUE_DEPTH	32

struct nvmf_queue;
struct nvmf_req;

/* A command's end: NVMe status (SCT << 8 | SC, 0 success), or -errno
 * when the transport lost it; dw0/dw1 of the completion. */
typedef void (*nvmf_req_done_t)(struct nvmf_req *r, int status, uint32_t dw0,
				uint32_t dw1);

struct nvmf_req {
	uint8_t sqe[64];
	void *data;		/* len bytes moved to (write) or from the target */
	uint32_t len;
	bool h2c;		/* data goes host to controller */
	nvmf_req_done_t done;
	void *ctx;
	/* core bookkeeping */
	uint16_t cid;
	bool active;
	int64_t start_ms;	/* when it was taken (nvmf_now_ms()) */
	struct nvmf_req *next;
	/* transport bookkeeping (TCP; RDMA uses tx_refs and answered) */
	uint32_t c2h_got;	/* bytes of C2HData so far */
	uint32_t h2c_next;	/* next offset to send */
	uint32_t h2c_end;	/* end of the current R2T */
	uint16_t ttag;		/* the current R2T's transfer tag */
	unsigned int tx_refs;	/* PDUs of it not yet sent */
	bool answered;		/* its completion came; done once tx_refs 0 */
	int status;
	uint32_t dw0, dw1;
};

struct nvmf_transport_ops {
	const char *name;
	/* Connects q's transport to the target (blocking, bounded). */
	int (*connect)(struct nvmf_queue *q, const struct nvmf_def *d, char *err,
		       size_t errlen);
	/* Sends r's capsule (its data as the transport sees fit). */
	int (*send)(struct nvmf_queue *q, struct nvmf_req *r);
	/* Setup only: blocks until r completed or the timeout passed. */
	int (*wait)(struct nvmf_queue *q, struct nvmf_req *r, int timeout_ms);
	/* From now on q runs on l (the calling thread's loop). */
	int (*start)(struct nvmf_queue *q, struct ioloop *l);
	/* Ends q's connection now, its commands with -ECONNRESET; on q's
	 * thread once started. */
	void (*abort)(struct nvmf_queue *q, const char *why);
	/* Lets go of the connection; the transport frees q when nothing of
	 * it is in flight (at once when not started). Any thread. */
	void (*close)(struct nvmf_queue *q);
};

struct nvmf_queue {
	const struct nvmf_transport_ops *ops;
	char name[80];		/* for log messages */
	uint16_t qid;
	uint16_t depth;
	struct nvmf_req *reqs;	/* depth of them; cid is the index */
	struct nvmf_req *free;
	unsigned int active;
	uint32_t icd_max;	/* most bytes of data a capsule may carry */
	unsigned int io_timeout_ms;	/* see nvmf_queue_overdue() */
	bool failed;
	bool closing;		/* the owner let go: failures are expected */
	/* The loop of the thread it is made for, when known at connect
	 * (the thread that will start it): what an RDMA SRQ is shared by. */
	struct ioloop *home;
	/* The transport's; connect sets it, close frees it. */
	void *tp;
	/* Test hook: how to reach the target (NULL: the network). */
	int (*dial)(void *ctx, const struct nvmf_def *d);
	void *dial_ctx;
};

/* The core, for transports. */
/* The active request of cid, or NULL. */
struct nvmf_req *nvmf_queue_req(struct nvmf_queue *q, uint16_t cid);
/* r's command ended: done() runs, r goes back to the free list. */
void nvmf_req_end(struct nvmf_queue *q, struct nvmf_req *r, int status, uint32_t dw0,
		  uint32_t dw1);
/* The connection is gone: every active request ends with -ECONNRESET
 * (once the transport let go of its data). */
void nvmf_queue_fail(struct nvmf_queue *q, const char *why);
/* Its oldest active request when older than q->io_timeout_ms, or NULL. */
struct nvmf_req *nvmf_queue_overdue(struct nvmf_queue *q, int64_t now_ms);
/* A request overdue now: true, and why in why. */
bool nvmf_queue_timed_out(struct nvmf_queue *q, char *why, size_t len);
/* How often a started queue looks for overdue requests: a quarter of
 * io_timeout_ms, 10 ms to 1 s. */
void nvmf_queue_tick(const struct nvmf_queue *q, struct __kernel_timespec *ts);
/* CLOCK_MONOTONIC in milliseconds. */
int64_t nvmf_now_ms(void);

int nvmf_queue_init(struct nvmf_queue *q, const struct nvmf_transport_ops *ops,
		    uint16_t qid, uint16_t depth, const char *name);
void nvmf_queue_release(struct nvmf_queue *q);
struct nvmf_req *nvmf_req_get(struct nvmf_queue *q);

extern const struct nvmf_transport_ops nvmf_tcp_ops;
extern const struct nvmf_transport_ops nvmf_rdma_ops;
/* The TCP receive path on its own (tests): takes n bytes of the stream
 * from the target; 0, or -errno once the connection failed. */
int nvmf_tcp_rx_feed(struct nvmf_queue *q, const void *p, size_t n);

/* Test hook for bdev_nvmf_create_with(): reaches the target through dial
 * (a connected stream socket, or -errno) instead of the network. */
struct nvmf_dialer {
	int (*dial)(void *ctx, const struct nvmf_def *d);
	void *ctx;
	unsigned int io_timeout_ms;	/* 0: NVMF_IO_TIMEOUT_MS */
};

/* The bdev over definition args (struct nvmf_def); NULL with the reason
 * in err. */
struct bdev *bdev_nvmf_create(const char *name, const char *args, char *err,
			      size_t errlen);
struct bdev *bdev_nvmf_create_with(const char *name, const char *args,
				   const struct nvmf_dialer *dialer, char *err,
				   size_t errlen);

/*
 * A bdev whose first open failed (err), opened again in the background
 * under its definition's reconnect policy: a try every
 * reconnect_delay_sec, for ctrlr_loss_timeout_sec (-1: until it works).
 * NULL when the policy does not reconnect.
 */
struct nvmf_opener;
struct nvmf_opener *bdev_nvmf_open_retry(const char *name, const char *args,
					 const struct nvmf_dialer *dialer, const char *err);
/*
 * On the thread the bdev is to be watched from (it binds there, as
 * bdev_nvmf_create() does): 0 while it is trying; 1 with *b once open;
 * -errno with the reason in err when it gave up. Any result but 0 frees
 * the opener.
 */
int bdev_nvmf_open_poll(struct nvmf_opener *o, struct bdev **b, char *err, size_t errlen);
/* Stops and frees it without waiting for a try under way. */
void bdev_nvmf_open_cancel(struct nvmf_opener *o);

/*
 * The active namespaces of d's subsystem (d's nsid is not used), ascending,
 * at most max: how many, or -errno with the reason in err. Connects an
 * admin queue for it: blocking, bounded (NVMF_SETUP_TIMEOUT_MS a step).
 */
int nvmf_active_namespaces(const struct nvmf_def *d, const struct nvmf_dialer *dialer,
			   uint32_t *nsids, size_t max, char *err, size_t errlen);

/* The NVMe-oF parts of the spec this initiator uses. */
#define NVME_FABRICS_OPC	0x7f
#define NVMF_FCTYPE_PROP_SET	0x00
#define NVMF_FCTYPE_CONNECT	0x01
#define NVMF_FCTYPE_PROP_GET	0x04
#define NVMF_CONNECT_DISABLE_SQFLOW	0x04
#define NVME_REG_CAP	0x00
#define NVME_REG_CC	0x14
#define NVME_REG_CSTS	0x1c
#define NVME_ADMIN_KEEP_ALIVE	0x18

#endif
