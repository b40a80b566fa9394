/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O statistics both device models keep per queue in struct
 * snap_fn_state, and the bdev layer per bdev in struct snap_bdev_stats
 * (include/uapi/linux/snap.h), where they outlive the daemon: one call
 * as each I/O completes.
 */
#ifndef SNAP_IOSTATS_H
#define SNAP_IOSTATS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/snap.h>

enum io_kind {
	IO_READ,
	IO_WRITE,
	IO_UNMAP,
	IO_FLUSH,
	IO_OTHER,
};

/* CLOCK_MONOTONIC in ns: when a command was fetched. */
uint64_t io_stats_now(void);

/*
 * A command of kind moving bytes, started at start_ns (0: latency not
 * measured), completed now. Returns the latency it counted.
 */
uint64_t io_stats_done(struct snap_io_stats *s, enum io_kind kind, uint64_t bytes,
		       uint64_t start_ns, bool error);

/*
 * A read counted by io_stats_done() as a success of bytes that failed
 * after all (its data never reached the host): an error, without them.
 */
void io_stats_read_failed_late(struct snap_io_stats *s, uint64_t bytes);

/* One counter: += v; the largest; the smallest non-zero (0 until set). */
void io_stats_add(__u64 *counter, uint64_t v);
void io_stats_max(__u64 *counter, uint64_t v);
void io_stats_min(__u64 *counter, uint64_t v);

#endif
