/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_DEVSNAP_H
#define SNAP_SERVICE_DEVSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/snap.h>

#include "bufpool.h"
#include "host.h"

/* The daemon's attachment to /dev/snap and its view of the DMA pool. */
struct devsnap {
	int fd;
	uint8_t *pool;
	size_t pool_size;
	uint64_t features;
};

/* How long devsnap_open() waits for a predecessor to let go. */
#define DEVSNAP_WAIT_KILLED_MS	5000	/* a killed one: its io_uring teardown */
#define DEVSNAP_WAIT_HANDOVER_MS 30000	/* one draining for a live update */

/*
 * Opens /dev/snap (path NULL: /dev/snap), attaches, and maps the pool;
 * while another daemon is attached, retries every millisecond for up to
 * wait_ms. Returns 0 or -errno with the reason in why.
 */
int devsnap_open(struct devsnap *ds, const char *path, unsigned int wait_ms,
		 char *why, size_t len);
/* The pid of the daemon attached to /dev/snap, 0 when none; -errno. */
int devsnap_attached_pid(const char *path);
/*
 * Detaches without closing: the module ends this daemon's pending
 * io_uring waits (-ENOTCONN), which 6.1 could not cancel otherwise.
 */
int devsnap_detach(struct devsnap *ds);
void devsnap_close(struct devsnap *ds);

/* SNAP_IOC_WAIT: number of events written, or -errno (-EINTR on a signal). */
int devsnap_wait(struct devsnap *ds, struct snap_event *ev, unsigned int max,
		 bool nonblock);

/*
 * SNAP_IOC_POOL_GROW: the pool's 2 MiB chunks that [p, p + len) of the
 * mapping touches become resident. Returns 0 or -errno.
 */
int devsnap_pool_grow(struct devsnap *ds, const void *p, size_t len);

/* Maps a malloc bdev's contents held by the module; NULL with errno set. */
void *devsnap_map_bdev(struct devsnap *ds, uint32_t bdev_id, size_t len);
/*
 * Maps any bdev's I/O counters held by the module (ABI 2.5); NULL with
 * errno set. devsnap_unmap_bdev_stats() lets go of them.
 */
struct snap_bdev_stats *devsnap_map_bdev_stats(struct devsnap *ds, uint32_t bdev_id);
void devsnap_unmap_bdev_stats(struct snap_bdev_stats *stats);

/* The production struct snap_host: one per emulated function. */
struct devsnap_host {
	struct snap_host host;
	struct devsnap *ds;
	struct bufpool *bp;
	size_t state_len;
};

/* Maps the function's state; bp hands out its staging buffers. */
int devsnap_host_open(struct devsnap_host *dh, struct devsnap *ds,
		      uint32_t func_id, struct bufpool *bp);
void devsnap_host_close(struct devsnap_host *dh);
/* Another thread's host for the same function: dh's mapping (not its
 * own, nothing to close), buffers from bp. */
void devsnap_host_view(struct devsnap_host *view, const struct devsnap_host *dh,
		       struct bufpool *bp);

#endif
