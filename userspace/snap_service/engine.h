/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device models the daemon serves, behind one table of operations, so
 * that service.c places, starts, feeds and stops a controller without
 * knowing whether it is NVMe or virtio-blk. Each model has one file that
 * fills a struct svc_engine_ops (engine_nvme.c, engine_vblk.c) around its
 * engine library (nvme/, virtio/).
 *
 * Threads: the "main thread" ops read the object mirror and run only on
 * the daemon's main thread; every other op runs on the thread of the
 * controller's worker, except those of a model's further queue groups,
 * which run on the threads of those groups.
 */
#ifndef SNAP_SERVICE_ENGINE_H
#define SNAP_SERVICE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/snap.h>

#include "bdev/bdev.h"
#include "host.h"
#include "registry.h"

struct nl_msg;
struct snap_nl;

/* What the main thread knows about a controller when it starts it. */
struct svc_engine_ctx {
	const struct registry *reg;
	const struct reg_ctrl *rc;
	const struct reg_func *f;
	const struct snap_fn_state *st;	/* the function's mapped state */
	uint32_t max_queue_size;	/* the module's NVMe queue size limit */
};

/*
 * A bdev a controller should have, under a key the engine understands
 * (NVMe: the namespace id; virtio-blk: always 1, its only disk).
 */
struct svc_bdev_want {
	uint32_t key;
	const char *bdev;		/* the bdev's name in the mirror */
	const uint8_t *uuid;		/* NULL when the model has none */
};

struct svc_engine_ops {
	uint8_t type;			/* enum snap_func_type */
	const char *name;		/* for the log */

	/* main thread */
	/* The engine's configuration from the mirror, or NULL with the
	 * reason in why (the administrator sees it in the controller list). */
	void *(*config)(const struct svc_engine_ctx *x, char *why, size_t len);
	void (*config_free)(void *cfg);
	/* Why create() refused cfg, in the administrator's terms. */
	void (*refusal)(const void *cfg, char *why, size_t len);
	/* The bdevs rc should have now: fills out with at most max of them
	 * and returns how many there are (max 0 counts them). Keys are
	 * 1 to SNAP_NVME_NN_MAX. */
	unsigned int (*wanted_bdevs)(const struct registry *reg,
				     const struct reg_ctrl *rc,
				     struct svc_bdev_want *out, unsigned int max);
	/* The controller's ready/error report to the kernel. */
	struct nl_msg *(*status_msg)(struct snap_nl *nl, const char *name,
				     bool ready, const char *error);
	/* True when a wanted bdev that is not attached makes the controller
	 * unusable (virtio-blk), false when the host just sees fewer
	 * namespaces (NVMe, whose namespaces report their own state). */
	bool bdev_required;

	/* the controller's worker thread */
	void *(*create)(const void *cfg, struct snap_host *h);
	/* Backend I/O must have ended (poll until backend_idle()). */
	void (*destroy)(void *e);
	void (*event)(void *e, const struct snap_event *ev);
	/* Backend completions and retries; returns how much was done. */
	int (*poll)(void *e);
	bool (*idle)(const void *e);
	/* None of its I/O is at a backend (whose completion would write
	 * into the engine), whatever still waits for the host. */
	bool (*backend_idle)(const void *e);
	/* Fetch nothing new / go on fetching; in flight work finishes. */
	void (*suspend)(void *e);
	/* Its controller is gone and the host may reuse its memory: backend
	 * I/O still to come is only released (no DMA, no completion, no
	 * counters in the function state, which a new controller owns). */
	void (*retire)(void *e);
	void (*resume)(void *e);
	/* After a daemon restart: run again what the in-flight slots hold.
	 * Returns how many commands were re-issued, or -errno. */
	int (*recover)(void *e);
	/* -EBUSY while commands use it: the caller suspends, drains, retries. */
	int (*attach_bdev)(void *e, uint32_t key, struct bdev *b,
			   const uint8_t *uuid);
	int (*detach_bdev)(void *e, uint32_t key);

	/*
	 * Queue groups (NULL: the model serves a controller from one
	 * thread). The controller's worker is group 0's; each further group
	 * runs on a thread of its own, from host h (buffers from that
	 * thread's pool), added right after create().
	 */
	int (*add_group)(void *e, struct snap_host *h);
	/* kick(arg, g): run a pass of group g soon. Any thread calls it. */
	void (*set_kick)(void *e, void (*kick)(void *arg, unsigned int g),
			 void *arg);
	/* The group an event is for. Any thread. */
	unsigned int (*event_group)(const void *e, const struct snap_event *ev);
	/* On group g's thread (g > 0): */
	void (*group_event)(void *e, unsigned int g, const struct snap_event *ev);
	int (*group_poll)(void *e, unsigned int g);
	bool (*group_backend_idle)(const void *e, unsigned int g);
	/* The thread leaves the group for good: its pool's share goes back. */
	void (*group_exit)(void *e, unsigned int g);
};

extern const struct svc_engine_ops svc_engine_nvme;
extern const struct svc_engine_ops svc_engine_vblk;

/* The engine for a function type, NULL when the daemon has none. */
const struct svc_engine_ops *svc_engine_find(uint8_t type);

#endif /* SNAP_SERVICE_ENGINE_H */
