/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_IOLOOP_H
#define SNAP_SERVICE_IOLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <liburing.h>

/*
 * One io_uring per I/O thread. Whatever runs on the thread (backend I/O,
 * /dev/snap commands) takes SQEs from the thread's loop and gets its
 * completion back through a callback, so one wait covers everything.
 */
struct ioloop_req;
typedef void (*ioloop_cb)(struct ioloop_req *req, int res);

/* Embed in the submitter's own request; user_data points here. */
struct ioloop_req {
	ioloop_cb cb;
};

struct ioloop {
	struct io_uring ring;
	unsigned int inflight;
	/*
	 * The pool's table of fixed buffers, one slot per 2 MiB chunk;
	 * fixed_set marks the slots that hold their chunk.
	 */
	const unsigned char *fixed_base;
	size_t fixed_len;
	uint64_t *fixed_set;
	bool holds_file;	/* ioloop_hold_file() */
};

#define IOLOOP_FIXED_CHUNK	(2u << 20)

int ioloop_init(struct ioloop *l, unsigned int entries);
void ioloop_exit(struct ioloop *l);

/* The loop of the calling thread (set by the thread that owns it). */
extern __thread struct ioloop *ioloop_current;

/*
 * Registers [base, base + len) (2 MiB aligned, a multiple of 2 MiB) as
 * fixed buffers. Returns 0 or -errno; without it I/O still works, through
 * plain reads and writes.
 */
int ioloop_register_pool(struct ioloop *l, void *base, size_t len);
/*
 * Makes a table for [base, base + len) with no buffer in it yet; chunks
 * go in with ioloop_register_chunk() once they are resident (registering
 * pins, which would make the whole pool resident at once).
 */
int ioloop_register_pool_sparse(struct ioloop *l, void *base, size_t len);
/* Puts the 2 MiB chunk at chunk into the sparse table. 0 or -errno. */
int ioloop_register_chunk(struct ioloop *l, void *chunk);
/*
 * Registers fd as a fixed file the ring holds until the kernel frees the
 * ring, which it does only once every request on it has completed. With
 * /dev/snap held so, a killed daemon stays attached until no I/O it
 * started can still write into the pool: its successor never shares a
 * pool buffer with a dead daemon's read.
 */
int ioloop_hold_file(struct ioloop *l, int fd);

/* Fixed-buffer index of [buf, buf + len), or -1 when not in the pool. */
int ioloop_fixed_index(const struct ioloop *l, const void *buf, size_t len);

/* An SQE for req, submitting queued ones first if the ring is full. */
struct io_uring_sqe *ioloop_sqe(struct ioloop *l, struct ioloop_req *req);

/* Submits queued SQEs; returns how many or -errno. */
int ioloop_submit(struct ioloop *l);

/*
 * Runs the callbacks of finished requests; with wait, sleeps until at
 * least one finished (if any is in flight). Returns how many ran.
 */
int ioloop_reap(struct ioloop *l, bool wait);

#endif
