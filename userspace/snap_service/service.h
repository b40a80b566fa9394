/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_SERVICE_H
#define SNAP_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/snap.h>

#include "bufpool.h"
#include "devsnap.h"
#include "ioloop.h"
#include "options.h"
#include "registry.h"
#include "worker.h"

struct snap_events;
struct svc_engine_ops;
struct snap_nl;

/* A bdev given to a controller's engine, under the engine's key. */
/* The bdev attached under one key; slot key of svc_ctrl.attached. */
struct svc_attached {
	struct bdev *bdev;		/* NULL: nothing under this key */
	uint32_t mark;			/* still wanted, in a sync */
};

/*
 * A controller object the daemon serves, of any model (engine.h). The
 * main thread owns the object; its engine is touched only on the thread
 * of worker w.
 */
struct svc_ctrl {
	struct svc_ctrl *next;		/* all controllers: main thread */
	struct svc_ctrl *wnext;		/* the worker's own: its thread */
	struct svc_worker *w;
	struct reg_ctrl *reg;
	uint32_t func_id;
	struct devsnap_host dh;
	const struct svc_engine_ops *ops;
	void *engine;
	struct svc_attached *attached;	/* indexed by key, attached_len slots */
	uint32_t attached_len;
	uint32_t nr_attached;
	uint32_t sync_mark;
	bool bdev_missing;		/* a bdev it needs is not attached */
};

/* What a worker serves: the controllers on its thread. */
struct svc_shard {
	struct service *s;
	struct svc_ctrl *ctrls;		/* worker thread only */
	unsigned int nr_ctrls;		/* main thread only: for placement */
};

/* Events for a function the daemon has no controller for yet. */
struct svc_parked {
	struct svc_parked *next;
	struct snap_event ev;
};

struct service {
	struct service_opts opts;
	struct devsnap ds;
	struct snap_nl *nl;
	struct snap_events *events;
	struct registry reg;
	struct svc_worker *workers;	/* [0] is the main thread */
	struct svc_shard *shards;
	unsigned int nr_workers;
	size_t pool_used;		/* bytes of the pool the workers share */
	struct svc_ctrl *ctrls;
	struct svc_parked *parked;
	uint32_t max_queue_size;	/* the module's NVMe queue size limit */
	bool resync;			/* events were lost: reload the mirror */
	bool nl_pending;		/* netlink events to read, at top level */
	bool stopping;
	int sigfd;
};

/* Attaches, mirrors and realizes every object. Returns 0 or -errno. */
int service_start(struct service *s, const struct service_opts *o);
/* Serves until SIGTERM/SIGINT; returns 0, or -errno on a fatal error. */
int service_run(struct service *s);
/* Drains what is in flight and detaches. */
void service_stop(struct service *s);

#endif
