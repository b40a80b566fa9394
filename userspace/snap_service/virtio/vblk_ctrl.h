/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-blk controller engine: serves one emulated virtio-blk
 * function over struct snap_host, with the chain and request logic of
 * virtq.h and blk.h. Like the NVMe engine it is single threaded (every
 * entry point on the thread of the function's worker), starts nothing
 * behind the caller's back, and gets backend completions through
 * vblk_ctrl_poll().
 *
 * A request's life: SNAP_EV_SQ_DOORBELL on a virtqueue -> SQ_FETCH takes
 * chain heads into free in-flight slots -> each chain is walked and
 * parsed (descriptors and header read by DMA) -> data staged in pool
 * buffers, at most SNAP_HOST_BUF_MAX at a time (larger requests move
 * in pieces) -> bdev I/O -> status byte written by DMA -> used entries
 * posted with VQ_POST in batches, which empties the slots.
 */
#ifndef SNAP_VIRTIO_VBLK_CTRL_H
#define SNAP_VIRTIO_VBLK_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include "../bdev/bdev.h"
#include "../host.h"

struct vblk_ctrl;

struct vblk_ctrl_cfg {
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	bool read_only;
	/* Post used entries in the order the chains were made available
	 * (what VIRTIO_F_IN_ORDER promises), holding back early finishers. */
	bool in_order;
	uint16_t num_queues;		/* 1 to SNAP_VIRTIO_MAX_QUEUES */
	uint32_t seg_max;		/* as offered in the device config */
	uint32_t size_max;		/* 0: no limit */
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	/* Told why a queue stopped or the device was refused (the engine
	 * does not log: it is also linked into tests and fuzzers). */
	void (*report)(void *arg, const char *msg);
	void *report_arg;
};

struct vblk_ctrl_stats {
	uint64_t requests;		/* answered */
	uint64_t io_errors;		/* answered VIRTIO_BLK_S_IOERR */
	uint64_t broken_queues;		/* stopped: the device needs reset */
};

/* Usable defaults (the daemon overrides from the controller object). */
void vblk_ctrl_cfg_default(struct vblk_ctrl_cfg *cfg);

/* NULL when cfg is unusable or memory is short. */
struct vblk_ctrl *vblk_ctrl_create(const struct vblk_ctrl_cfg *cfg,
				   struct snap_host *h);
/* Backend I/O must have ended (poll until vblk_ctrl_idle()). */
void vblk_ctrl_destroy(struct vblk_ctrl *c);

/* The disk. -EEXIST: one is attached; -ENOENT: none; -EBUSY: requests
 * are in flight (suspend and drain first). Without a disk nothing is
 * fetched and DRIVER_OK is answered with an error. */
int vblk_ctrl_attach_bdev(struct vblk_ctrl *c, struct bdev *b);
int vblk_ctrl_detach_bdev(struct vblk_ctrl *c);

void vblk_ctrl_event(struct vblk_ctrl *c, const struct snap_event *ev);
int vblk_ctrl_poll(struct vblk_ctrl *c);
void vblk_ctrl_suspend(struct vblk_ctrl *c);
/* The controller is gone: what backends still complete is only released. */
void vblk_ctrl_retire(struct vblk_ctrl *c);
void vblk_ctrl_resume(struct vblk_ctrl *c);
bool vblk_ctrl_idle(const struct vblk_ctrl *c);
/* None of its I/O is at the backend: it may be destroyed, even with
 * requests still waiting for the driver. */
bool vblk_ctrl_backend_idle(const struct vblk_ctrl *c);
/* After a daemon restart: serve a device the driver already started and
 * run again, in fetch order, the chains its slots hold. Returns how many. */
int vblk_ctrl_recover(struct vblk_ctrl *c);
/* True when virtqueue vq was stopped because the driver broke it. */
bool vblk_ctrl_vq_broken(const struct vblk_ctrl *c, uint16_t vq);
void vblk_ctrl_get_stats(const struct vblk_ctrl *c, struct vblk_ctrl_stats *s);

#endif /* SNAP_VIRTIO_VBLK_CTRL_H */
