/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_SERVICE_H
#define SNAP_SERVICE_SERVICE_H

#include <stdatomic.h>
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

/*
 * The bdev attached under one key; slot key of svc_ctrl.attached. It
 * holds the bdev (struct bdev's holders) until the engine let go of it.
 */
struct svc_attached {
	struct bdev *bdev;		/* NULL: nothing under this key */
	uint32_t mark;			/* still wanted, in a sync */
	bool detaching;			/* the engine refused to let go: retried */
};

struct svc_ctrl;

/*
 * One more thread serving a controller: its queue group g (engine.h) on
 * worker w, through a view of the controller's host with w's pool.
 * Linked on w's shard from the controller's start until the group, told
 * to stop, has no I/O at a backend; then w unlinks it and counts it out.
 */
struct svc_lane {
	struct svc_lane *wnext;		/* w's lanes: its thread */
	struct svc_ctrl *c;
	struct svc_worker *w;
	unsigned int g;
	struct devsnap_host dh;
};

/*
 * A controller object the daemon serves, of any model (engine.h). The
 * main thread owns the object; its engine is touched only on the thread
 * of worker w, and its lanes' queue groups on theirs.
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
	struct svc_lane *lanes;		/* [nr_lanes]: groups 1..nr_lanes */
	unsigned int nr_lanes;
	atomic_uint lanes_linked;	/* still on their workers */
	atomic_bool lanes_stop;		/* leave once your group is idle */
};

/*
 * What a worker serves: the controllers on its thread, and the engines of
 * controllers stopped while their backend I/O was still out, which the
 * worker keeps polling and frees (svc_ctrl included) once it has ended:
 * its completion writes into the engine.
 */
struct svc_shard {
	struct service *s;
	struct svc_ctrl *ctrls;		/* worker thread only */
	struct svc_ctrl *retiring;	/* worker thread only */
	struct svc_lane *lanes;		/* worker thread only */
	unsigned int nr_ctrls;		/* main thread only: for placement */
	bool polled;			/* events thread: its last pass was busy */
};

/* A bdev gone from the mirror that a (retiring) engine still holds. */
struct svc_doomed {
	struct svc_doomed *next;
	struct bdev *bdev;
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
	struct svc_doomed *doomed;	/* destroyed once no engine holds them */
	bool detach_pending;		/* an engine refused to let a bdev go */
	unsigned int nr_opening;	/* bdevs opened in the background */
	uint32_t max_queue_size;	/* the module's NVMe queue size limit */
	bool resync;			/* events were lost: reload the mirror */
	bool nl_pending;		/* netlink events to read, at top level */
	struct svc_evq {		/* /dev/snap events not yet handed out */
		struct snap_event *ev;
		size_t head, len, cap;
		bool dispatching;
	} evq;
	bool stopping;
	int sigfd;
};

/* The worker ops of a shard (struct svc_shard is the worker's priv). */
extern const struct worker_ops svc_shard_ops;

/*
 * Main thread, for a controller whose w, ops and dh are set: starts its
 * engine on its worker (running or suspended), and its lanes (if any)
 * on theirs. Returns 0 or -ENOMEM.
 */
int svc_ctrl_start(struct svc_ctrl *c, const void *cfg, bool running);
/*
 * Main thread: stops c's engine, draining what is in flight. Returns 0
 * once the engine is gone (the caller then frees c and its holds); or
 * -EBUSY when backend I/O was still out after the drain: then c belongs
 * to its worker, which frees it, its state mapping and its holds once
 * that I/O ended, and the caller must not touch c again.
 */
int svc_ctrl_stop(struct svc_ctrl *c);
/*
 * Main thread: gives bdev b to c's engine under key (a hold on b), or
 * takes it back. Detach returns -EBUSY when commands still used it after
 * a drain of up to drain_ms: the attachment and the hold stay, marked
 * detaching, and service.c retries.
 */
int svc_ctrl_attach(struct svc_ctrl *c, uint32_t key, struct bdev *b,
		    const uint8_t *uuid);
int svc_ctrl_detach(struct svc_ctrl *c, uint32_t key, bool running,
		    unsigned int drain_ms);
/*
 * Main thread: b left the mirror. Destroyed now when no engine holds it,
 * else once the last lets go (svc_reap_doomed()). Returns whether it was
 * destroyed now.
 */
bool svc_bdev_release(struct service *s, struct bdev *b);
/* Main thread: destroys the released bdevs nobody holds any more. */
void svc_reap_doomed(struct service *s);

/* Attaches, mirrors and realizes every object. Returns 0 or -errno. */
int service_start(struct service *s, const struct service_opts *o);
/* Serves until SIGTERM/SIGINT; returns 0, or -errno on a fatal error. */
int service_run(struct service *s);
/* Drains what is in flight and detaches. */
void service_stop(struct service *s);

#endif
