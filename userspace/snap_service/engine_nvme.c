// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe engine (nvme/) as one of the daemon's device models: its
 * configuration from the subsystem and function in the mirror, its
 * namespaces as the controller's bdevs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "nvme/nvme_ctrl.h"
#include "status.h"

#define SNAP_PCI_VENDOR		0x15b3

static struct reg_subsys *subsys_of(const struct registry *reg,
				    const struct reg_ctrl *rc)
{
	return registry_subsys(reg, rc->nqn);
}

static void *nvme_config(const struct svc_engine_ctx *x, char *why, size_t len)
{
	const struct reg_subsys *sub = subsys_of(x->reg, x->rc);
	const struct reg_ctrl *rc = x->rc;
	unsigned int io_queues = rc->num_queues;
	struct nvme_ctrl_cfg *cfg;

	if (!sub) {
		snprintf(why, len, "its subsystem is unknown");
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	nvme_ctrl_cfg_default(cfg);
	cfg->cntlid = (uint16_t)rc->cntlid;
	/*
	 * Set once a subsystem has a second controller, not before: the
	 * stock host's native multipath then takes over the naming of a
	 * subsystem's namespaces, which a lone controller has no use for.
	 */
	cfg->multi_ctrl = registry_subsys_ctrls(x->reg, rc->nqn) > 1;
	cfg->vid = SNAP_PCI_VENDOR;
	snprintf(cfg->sn, sizeof(cfg->sn), "%s", sub->serial);
	snprintf(cfg->mn, sizeof(cfg->mn), "%s", sub->model);
	snprintf(cfg->subnqn, sizeof(cfg->subnqn), "%s", sub->nqn);
	if (sub->nn)
		cfg->nn = sub->nn;
	/* The function state has room for max_queues queue pairs, admin included. */
	if (x->st->max_queues && io_queues > x->st->max_queues - 1)
		io_queues = x->st->max_queues - 1;
	if (io_queues)
		cfg->max_io_queues = (uint16_t)io_queues;
	cfg->num_msix = (uint16_t)x->f->num_msix;
	if (rc->mdts)
		cfg->mdts = rc->mdts;
	if (x->max_queue_size)
		cfg->mqes = (uint16_t)(x->max_queue_size - 1);
	return cfg;
}

static void nvme_refusal(const void *arg, char *buf, size_t len)
{
	const struct nvme_ctrl_cfg *cfg = arg;

	if (!cfg->num_msix)
		snprintf(buf, len, "cannot create the NVMe engine: its function has no MSI-X vectors");
	else if (cfg->mdts > SNAP_NVME_MDTS_MAX)
		snprintf(buf, len, "cannot create the NVMe engine: mdts %u is above %u",
			 cfg->mdts, SNAP_NVME_MDTS_MAX);
	else if (cfg->nn > SNAP_NVME_NN_MAX)
		snprintf(buf, len, "cannot create the NVMe engine: nn %u is above %u",
			 cfg->nn, SNAP_NVME_NN_MAX);
	else
		snprintf(buf, len, "cannot create the NVMe engine");
}

/* Namespaces attached to rc, keyed by nsid. */
static unsigned int nvme_wanted_bdevs(const struct registry *reg,
				      const struct reg_ctrl *rc,
				      struct svc_bdev_want *out, unsigned int max)
{
	unsigned int n = 0;

	for (const struct reg_ns *ns = reg->namespaces; ns; ns = ns->next) {
		if (strcmp(ns->ctrl, rc->name) || strcmp(ns->nqn, rc->nqn))
			continue;
		if (n < max)
			out[n] = (struct svc_bdev_want){ .key = ns->nsid,
							 .bdev = ns->bdev,
							 .uuid = ns->uuid };
		n++;
	}
	return n;
}

static void *nvme_create(const void *cfg, struct snap_host *h)
{
	return nvme_ctrl_create(cfg, h);
}

static void nvme_destroy(void *e)
{
	nvme_ctrl_destroy(e);
}

static void nvme_event(void *e, const struct snap_event *ev)
{
	nvme_ctrl_event(e, ev);
}

static int nvme_poll(void *e)
{
	return nvme_ctrl_poll(e);
}

static bool nvme_idle(const void *e)
{
	return nvme_ctrl_idle(e);
}

static bool nvme_backend_idle(const void *e)
{
	return nvme_ctrl_backend_idle(e);
}

static void nvme_suspend(void *e)
{
	nvme_ctrl_suspend(e);
}

static void nvme_retire(void *e)
{
	nvme_ctrl_retire(e);
}

static void nvme_resume(void *e)
{
	nvme_ctrl_resume(e);
}

static int nvme_recover(void *e)
{
	return nvme_ctrl_recover(e);
}

static int nvme_attach_bdev(void *e, uint32_t nsid, struct bdev *b,
			    const uint8_t *uuid)
{
	return nvme_ctrl_attach_ns(e, nsid, b, uuid);
}

static int nvme_detach_bdev(void *e, uint32_t nsid)
{
	return nvme_ctrl_detach_ns(e, nsid);
}

static int nvme_add_group(void *e, struct snap_host *h)
{
	return nvme_ctrl_add_group(e, h);
}

static void nvme_set_kick(void *e, void (*kick)(void *arg, unsigned int g),
			  void *arg)
{
	nvme_ctrl_set_kick(e, kick, arg);
}

static unsigned int nvme_event_group(const void *e, const struct snap_event *ev)
{
	return nvme_ctrl_event_group(e, ev);
}

static void nvme_group_event(void *e, unsigned int g, const struct snap_event *ev)
{
	nvme_ctrl_group_event(e, g, ev);
}

static int nvme_group_poll(void *e, unsigned int g)
{
	return nvme_ctrl_group_poll(e, g);
}

static bool nvme_group_backend_idle(const void *e, unsigned int g)
{
	return nvme_ctrl_group_backend_idle(e, g);
}

static void nvme_group_exit(void *e, unsigned int g)
{
	nvme_ctrl_group_exit(e, g);
}

const struct svc_engine_ops svc_engine_nvme = {
	.type = SNAP_FUNC_NVME,
	.name = "NVMe",
	.config = nvme_config,
	.config_free = free,
	.refusal = nvme_refusal,
	.wanted_bdevs = nvme_wanted_bdevs,
	.status_msg = status_nvme_ctrl_msg,
	.bdev_required = false,
	.create = nvme_create,
	.destroy = nvme_destroy,
	.event = nvme_event,
	.poll = nvme_poll,
	.idle = nvme_idle,
	.backend_idle = nvme_backend_idle,
	.suspend = nvme_suspend,
	.retire = nvme_retire,
	.resume = nvme_resume,
	.recover = nvme_recover,
	.attach_bdev = nvme_attach_bdev,
	.detach_bdev = nvme_detach_bdev,
	.add_group = nvme_add_group,
	.set_kick = nvme_set_kick,
	.event_group = nvme_event_group,
	.group_event = nvme_group_event,
	.group_poll = nvme_group_poll,
	.group_backend_idle = nvme_group_backend_idle,
	.group_exit = nvme_group_exit,
};
