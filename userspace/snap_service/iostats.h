/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O statistics both device models keep per queue in struct
 * snap_fn_state (include/uapi/linux/snap.h), where they outlive the
 * daemon: one call as each I/O command completes to the host.
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

/* A command of kind moving bytes, fetched at start_ns, completed now. */
void io_stats_done(struct snap_io_stats *s, enum io_kind kind, uint64_t bytes,
		   uint64_t start_ns, bool error);

#endif
