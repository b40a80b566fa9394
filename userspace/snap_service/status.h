/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_STATUS_H
#define SNAP_SERVICE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

struct nl_msg;
struct snap_nl;

/*
 * What the daemon tells the kernel about the objects it realized: ready,
 * or an error text the administrator sees in bdev_list / nvme_namespace_list.
 * num_blocks 0 leaves the bdev's size alone.
 */
struct nl_msg *status_bdev_msg(struct snap_nl *nl, const char *name,
			       bool ready, const char *error,
			       uint64_t num_blocks);
struct nl_msg *status_ns_msg(struct snap_nl *nl, const char *nqn,
			     uint32_t nsid, bool ready, const char *error);
/* An NVMe controller: served (error NULL clears the kernel's), or why not. */
struct nl_msg *status_nvme_ctrl_msg(struct snap_nl *nl, const char *name,
				    bool ready, const char *error);

/* A virtio-blk controller, the same way (SNAP_CMD_VBLK_CTRL_SET). */
struct nl_msg *status_vblk_ctrl_msg(struct snap_nl *nl, const char *name,
				    bool ready, const char *error);

/* Sends one of the above; returns 0 or -errno (extack in snap_nl_last_error). */
int status_send(struct snap_nl *nl, struct nl_msg *msg);

#endif
