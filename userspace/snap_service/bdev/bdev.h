/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Block backends. One file per type (bdev_null.c, bdev_malloc.c, and the
 * io_uring one); this header is all the engines see.
 *
 * I/O is asynchronous: submit() takes a struct bdev_io with a completion
 * callback and may call it before returning or any time later, from
 * bdev_poll() in the same thread. A backend never completes from another
 * thread and never blocks, so one event loop serves every queue of a
 * queue group.
 */
#ifndef SNAP_BDEV_H
#define SNAP_BDEV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snap/plugin.h>

/* The plugin ABI's values: a plugin's I/O is the same I/O. */
enum bdev_op {
	BDEV_OP_READ = SNAP_BDEV_OP_READ,
	BDEV_OP_WRITE = SNAP_BDEV_OP_WRITE,
	BDEV_OP_FLUSH = SNAP_BDEV_OP_FLUSH,
	BDEV_OP_WRITE_ZEROES = SNAP_BDEV_OP_WRITE_ZEROES,
	BDEV_OP_UNMAP = SNAP_BDEV_OP_UNMAP,
	__BDEV_OP_MAX = SNAP_BDEV_OP_COUNT,
};

struct bdev;
struct bdev_io;
struct snap_bdev_stats;

/* status: 0, or a negative errno (-EIO media/transport, -ENOSPC, ...) */
typedef void (*bdev_io_done_t)(struct bdev_io *io, int status);

struct bdev_io {
	enum bdev_op op;
	uint64_t offset;	/* bytes, a multiple of the block size */
	uint64_t len;		/* bytes, a multiple of the block size */
	void *buf;		/* READ/WRITE: len bytes from the host's buf_alloc */
	bool fua;		/* WRITE: durable before completion */
	bdev_io_done_t done;
	void *priv;		/* the submitter's */
	/* The submitter's count of its I/O at backends, or NULL: one more
	 * from a submit that started it until just before done() runs. */
	unsigned int *tally;
	/* private to bdev.c */
	struct bdev_io *next;
	int status;
	uint64_t start_ns;	/* when submitted, for the bdev's counters */
};

struct bdev_ops {
	const char *type;
	/* Start io; 0 when done() will be called, or a negative errno when
	 * it will not be (nothing started). */
	int (*submit)(struct bdev *b, struct bdev_io *io);
	/* Completes what the backend has ready (NULL: nothing to poll);
	 * returns how many. */
	int (*poll)(struct bdev *b);
	void (*destroy)(struct bdev *b);
};

#define BDEV_F_VOLATILE_CACHE	SNAP_BDEV_F_VOLATILE_CACHE
#define BDEV_F_UNMAP_ZEROES	SNAP_BDEV_F_UNMAP_ZEROES

struct bdev {
	const struct bdev_ops *ops;
	char name[64];
	uint32_t block_size;
	uint64_t num_blocks;
	uint32_t flags;
	/* Completions queued for bdev_poll(): backends that finish inline
	 * use bdev_io_complete() and this queue when deferring. */
	bool defer;
	struct bdev_io *done_head, *done_tail;
	/* Error injection for tests: the next inject_count I/Os of op
	 * inject_op fail with inject_status. */
	int inject_op;
	int inject_status;
	unsigned int inject_count;
	/* The daemon's engines that may use it (service.c): it is
	 * destroyed only once none does. Dropped on any thread. */
	atomic_uint holders;
	/* Where its I/O is counted, or NULL; see bdev_set_stats(). */
	struct snap_bdev_stats *stats;
	void (*stats_release)(struct snap_bdev_stats *stats);
};

/* Submit io (io->done must be set). Returns 0, or a negative errno when
 * the backend refused it outright; then done() is not called. */
int bdev_submit(struct bdev *b, struct bdev_io *io);
/* Run queued completions and the backend's poll; returns how many. */
int bdev_poll(struct bdev *b);
void bdev_destroy(struct bdev *b);
/* Complete io: inline, or queued for bdev_poll() when b->defer is set. */
void bdev_io_complete(struct bdev *b, struct bdev_io *io, int status);
/* Defer every completion to bdev_poll() (tests, and backends' own use). */
void bdev_set_defer(struct bdev *b, bool defer);
void bdev_inject_error(struct bdev *b, enum bdev_op op, int status,
		       unsigned int count);
/*
 * Count every I/O of b that completes (through done()) into stats, of
 * any backend: ops, bytes and latency (submit to completion) by kind, and
 * errors. Threads sharing b update them atomically. release, unless
 * NULL, lets go of stats when b is destroyed.
 */
void bdev_set_stats(struct bdev *b, struct snap_bdev_stats *stats,
		    void (*release)(struct snap_bdev_stats *stats));
/* Common setup: name, geometry; -EINVAL on a bad block size or size. */
int bdev_init(struct bdev *b, const struct bdev_ops *ops, const char *name,
	      uint64_t num_blocks, uint32_t block_size);

/* Backends */
struct bdev *bdev_null_create(const char *name, uint64_t num_blocks,
			      uint32_t block_size);
struct bdev *bdev_malloc_create(const char *name, uint64_t num_blocks,
				uint32_t block_size);
/* Over mem, a mapping of num_blocks * block_size bytes it takes over
 * (unmapped on destroy): the kernel's copy, which outlives the daemon. */
struct bdev *bdev_malloc_create_mapped(const char *name, uint64_t num_blocks,
				       uint32_t block_size, void *mem);

#endif /* SNAP_BDEV_H */
