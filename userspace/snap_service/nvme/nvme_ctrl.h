/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NVMe controller engine: serves one emulated NVMe function, from one
 * thread or several. Its I/O queues fall into queue groups, one per
 * thread (nvme_ctrl_add_group); group 0, whose thread is the controller's
 * home, also has the admin queue and runs every controller-level step.
 * The entry points below without "group" in their name run on the home
 * thread; nothing runs behind a caller's back (no threads, no timers):
 * backend completions arrive on the thread that submitted, from its loop
 * or its group's poll.
 */
#ifndef SNAP_NVME_CTRL_H
#define SNAP_NVME_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "../host.h"
#include "../bdev/bdev.h"

struct nvme_ctrl;

#define NVME_MAX_GROUPS		64

/* Asks the caller to run a pass of group on its thread soon (a
 * nvme_ctrl_group_poll(), or nvme_ctrl_poll() for group 0). Any thread. */
typedef void (*nvme_kick_fn)(void *arg, unsigned int group);

struct nvme_ctrl_cfg {
	uint16_t cntlid;
	uint16_t vid;		/* PCI vendor id, also VID/SSVID in Identify */
	char sn[21];
	char mn[41];
	char fr[9];
	char subnqn[224];
	uint32_t nn;		/* namespace ids 1..nn, at most SNAP_NVME_NN_MAX */
	uint16_t max_io_queues;	/* I/O SQs (and CQs) the host may create */
	uint16_t num_msix;	/* the function's MSI-X vectors */
	uint8_t mdts;		/* log2 of max transfer in 4 KiB pages, 1-SNAP_NVME_MDTS_MAX */
	uint16_t mqes;		/* CAP.MQES: max queue entries, 0's based */
	bool multi_ctrl;	/* CMIC.MCTRS: its subsystem has other controllers */
};

#define NVME_AERL		3	/* 4 outstanding AERs */
#define NVME_ACL		3	/* 4 outstanding Aborts */
#define NVME_ELPE		63	/* 64 error log entries */

/* Fill cfg with usable defaults (tests and the daemon override fields). */
void nvme_ctrl_cfg_default(struct nvme_ctrl_cfg *cfg);

/* A controller serving host h (whose state must stay valid). */
struct nvme_ctrl *nvme_ctrl_create(const struct nvme_ctrl_cfg *cfg,
				   struct snap_host *h);
/* Frees the controller; backend I/O must have completed (poll until
 * nvme_ctrl_idle()) and every other group must have left. */
void nvme_ctrl_destroy(struct nvme_ctrl *c);

/*
 * Queue groups, set up before the first event or recover: a group more,
 * served from host h (the same function as the controller's host, with
 * its own thread's buffers). Returns the group's index, or -errno. The
 * I/O CQs go round the groups (CQ q to group (q - 1) % groups), each SQ
 * with its CQ.
 */
int nvme_ctrl_add_group(struct nvme_ctrl *c, struct snap_host *h);
unsigned int nvme_ctrl_nr_groups(const struct nvme_ctrl *c);
/* Who runs a pass when a group should: NULL for a caller that polls. */
void nvme_ctrl_set_kick(struct nvme_ctrl *c, nvme_kick_fn kick, void *arg);
/* The group an event is for: its queue's, else 0. Any thread. */
unsigned int nvme_ctrl_event_group(const struct nvme_ctrl *c,
				   const struct snap_event *ev);
/* On group g's thread (g > 0): a doorbell of its queues, or a kick. */
void nvme_ctrl_group_event(struct nvme_ctrl *c, unsigned int g,
			   const struct snap_event *ev);
/* On group g's thread (g > 0): its backends and queues; work done. */
int nvme_ctrl_group_poll(struct nvme_ctrl *c, unsigned int g);
/* On group g's thread: none of its I/O is at a backend. */
bool nvme_ctrl_group_backend_idle(const struct nvme_ctrl *c, unsigned int g);
/* On group g's thread, when it serves the controller no more: gives back
 * what it took from the thread's pool. */
void nvme_ctrl_group_exit(struct nvme_ctrl *c, unsigned int g);

/*
 * Namespaces. Attaching or detaching raises a Namespace Attribute Changed
 * event for a host that asked for it. The bdev stays the caller's.
 * -EINVAL bad nsid, -EEXIST attached already, -ENOENT not attached,
 * -EBUSY commands are in flight on it (detach: suspend and drain first).
 */
int nvme_ctrl_attach_ns(struct nvme_ctrl *c, uint32_t nsid, struct bdev *b,
			const uint8_t uuid[16]);
int nvme_ctrl_detach_ns(struct nvme_ctrl *c, uint32_t nsid);

/* A struct snap_event for this function. */
void nvme_ctrl_event(struct nvme_ctrl *c, const struct snap_event *ev);
/* Run backend completions and pending work; returns how much was done. */
int nvme_ctrl_poll(struct nvme_ctrl *c);

/*
 * Suspend: fetch nothing new, let what is in flight finish; the host sees
 * a pause. Resume: go on from each SQ's head.
 */
void nvme_ctrl_suspend(struct nvme_ctrl *c);
/* The controller is gone: what backends still complete is only released. */
void nvme_ctrl_retire(struct nvme_ctrl *c);
void nvme_ctrl_resume(struct nvme_ctrl *c);
/* Nothing in flight but parked Asynchronous Event Requests. */
bool nvme_ctrl_idle(const struct nvme_ctrl *c);
/* None of its I/O is at a backend: it may be destroyed, even with
 * commands still waiting for the host (a CQ with no room, or gone). */
bool nvme_ctrl_backend_idle(const struct nvme_ctrl *c);

/*
 * After a daemon restart: take over the queues and in-flight commands
 * recorded in the function state and run those commands again.
 * Returns how many were re-issued.
 */
int nvme_ctrl_recover(struct nvme_ctrl *c);

/* Health counters, as SMART reports them. */
struct nvme_ctrl_stats {
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t read_cmds;
	uint64_t write_cmds;
	uint64_t media_errors;
	uint64_t error_count;
};
void nvme_ctrl_get_stats(const struct nvme_ctrl *c, struct nvme_ctrl_stats *s);

#endif /* SNAP_NVME_CTRL_H */
