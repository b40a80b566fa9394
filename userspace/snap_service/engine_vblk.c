// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-blk engine (virtio/vblk_ctrl.c) as one of the daemon's
 * device models: its configuration from the controller object, its one
 * bdev (SNAP_CMD_VBLK_CTRL_ATTACH/DETACH_BDEV) under key 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "log.h"
#include "status.h"
#include "virtio/vblk_ctrl.h"

#define VBLK_BDEV_KEY		1

/*
 * The module offers these discard and write-zeroes limits in the device
 * configuration (kmod/sim/virtio.c); the uapi does not carry them, so
 * they are repeated here and must stay equal.
 */
#define VBLK_MODULE_DISCARD_SECTORS	((1u << 30) >> 9)
#define VBLK_MODULE_DISCARD_SEGS	16

static void vblk_log(void *arg, const char *msg)
{
	log_err("%s: %s", (const char *)arg, msg);
}

static void *vblk_config(const struct svc_engine_ctx *x, char *why, size_t len)
{
	const struct reg_ctrl *rc = x->rc;
	struct vblk_ctrl_cfg *cfg = calloc(1, sizeof(*cfg));

	if (!cfg) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	vblk_ctrl_cfg_default(cfg);
	snprintf(cfg->serial, sizeof(cfg->serial), "%s", rc->serial);
	cfg->read_only = rc->read_only;
	cfg->in_order = rc->force_in_order;
	if (rc->num_queues)
		cfg->num_queues = (uint16_t)(rc->num_queues < SNAP_VIRTIO_MAX_QUEUES ?
					     rc->num_queues : SNAP_VIRTIO_MAX_QUEUES);
	if (rc->seg_max)
		cfg->seg_max = rc->seg_max;
	cfg->size_max = rc->size_max;
	cfg->max_discard_sectors = VBLK_MODULE_DISCARD_SECTORS;
	cfg->max_discard_seg = VBLK_MODULE_DISCARD_SEGS;
	cfg->max_write_zeroes_sectors = VBLK_MODULE_DISCARD_SECTORS;
	cfg->max_write_zeroes_seg = VBLK_MODULE_DISCARD_SEGS;
	cfg->report = vblk_log;
	/* the mirror's object outlives the engine */
	cfg->report_arg = (void *)rc->name;
	return cfg;
}

static void vblk_refusal(const void *cfg, char *why, size_t len)
{
	(void)cfg;
	snprintf(why, len, "cannot create the virtio-blk engine");
}

static unsigned int vblk_wanted_bdevs(const struct registry *reg,
				      const struct reg_ctrl *rc,
				      struct svc_bdev_want *out, unsigned int max)
{
	(void)reg;
	if (!rc->bdev[0])
		return 0;
	if (max)
		out[0] = (struct svc_bdev_want){ .key = VBLK_BDEV_KEY, .bdev = rc->bdev };
	return 1;
}

static void *vblk_create(const void *cfg, struct snap_host *h)
{
	return vblk_ctrl_create(cfg, h);
}

static void vblk_destroy(void *e)
{
	vblk_ctrl_destroy(e);
}

static void vblk_event(void *e, const struct snap_event *ev)
{
	vblk_ctrl_event(e, ev);
}

static int vblk_poll(void *e)
{
	return vblk_ctrl_poll(e);
}

static bool vblk_idle(const void *e)
{
	return vblk_ctrl_idle(e);
}

static bool vblk_backend_idle(const void *e)
{
	return vblk_ctrl_backend_idle(e);
}

static void vblk_suspend(void *e)
{
	vblk_ctrl_suspend(e);
}

static void vblk_retire(void *e)
{
	vblk_ctrl_retire(e);
}

static void vblk_resume(void *e)
{
	vblk_ctrl_resume(e);
}

static int vblk_recover(void *e)
{
	return vblk_ctrl_recover(e);
}

static int vblk_attach_bdev(void *e, uint32_t key, struct bdev *b,
			    const uint8_t *uuid)
{
	(void)uuid;
	return key == VBLK_BDEV_KEY ? vblk_ctrl_attach_bdev(e, b) : -EINVAL;
}

static int vblk_detach_bdev(void *e, uint32_t key)
{
	return key == VBLK_BDEV_KEY ? vblk_ctrl_detach_bdev(e) : -ENOENT;
}

const struct svc_engine_ops svc_engine_vblk = {
	.type = SNAP_FUNC_VIRTIO_BLK,
	.name = "virtio-blk",
	.config = vblk_config,
	.config_free = free,
	.refusal = vblk_refusal,
	.wanted_bdevs = vblk_wanted_bdevs,
	.status_msg = status_vblk_ctrl_msg,
	.bdev_required = true,
	.create = vblk_create,
	.destroy = vblk_destroy,
	.event = vblk_event,
	.poll = vblk_poll,
	.idle = vblk_idle,
	.backend_idle = vblk_backend_idle,
	.suspend = vblk_suspend,
	.retire = vblk_retire,
	.resume = vblk_resume,
	.recover = vblk_recover,
	.attach_bdev = vblk_attach_bdev,
	.detach_bdev = vblk_detach_bdev,
};
