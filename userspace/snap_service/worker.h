/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_WORKER_H
#define SNAP_SERVICE_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/snap.h>

#include "bufpool.h"
#include "ioloop.h"

/*
 * An I/O thread: one per bit of the core mask, pinned to that CPU, with
 * its own io_uring and its own share of the staging pool, so the hot path
 * takes no lock. What a worker serves is touched only on its own thread;
 * other threads reach it through its mailbox: events (asynchronous) and
 * calls (the caller waits until the function has run on the worker).
 *
 * Worker 0 is the calling thread itself (the daemon's main thread, which
 * also owns netlink and the /dev/snap event wait): the caller drives it
 * with worker_run_once(), and events and calls for it run at once.
 */
struct svc_worker;

struct worker_ops {
	/* Serves what the worker owns; returns how much work was done. */
	int (*poll)(struct svc_worker *w);
	/* An event posted with worker_post_event(), on the worker's thread. */
	void (*event)(struct svc_worker *w, const struct snap_event *ev);
};

typedef void (*worker_fn)(struct svc_worker *w, void *arg);

struct worker_mail;

/* What a worker stages data in. */
struct worker_pool {
	void *base;		/* its share, [base, base + len) */
	size_t len;
	void *map;		/* the whole mapping, a fixed-buffer table; or NULL */
	size_t map_len;
	/*
	 * Makes the 2 MiB chunk at chunk resident, or NULL when the whole
	 * share is: then buffers come from all of it at once; else the
	 * share grows a chunk at a time as buffers run out.
	 */
	int (*make_resident)(void *ctx, void *chunk);
	void *ctx;
};

struct svc_worker {
	unsigned int index;
	int cpu;			/* pinned to; -1: not pinned */
	const struct worker_ops *ops;
	void *priv;			/* the owner's */
	struct ioloop loop;
	struct bufpool pool;
	struct worker_pool pool_src;
	/* mailbox */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct worker_mail *head, *tail;
	int wake_fd;			/* eventfd: mail arrived */
	/* private */
	struct worker_wake {
		struct ioloop_req req;
		uint64_t value;
		bool armed;
	} wake;
	pthread_t thread;
	bool threaded;
	bool stop;
	bool ready;
	/* busy polling: see worker_set_busy_poll() */
	unsigned int busy_poll_ms;
	unsigned int busy_slack_ms;	/* a tick of the coarse clock */
	uint64_t busy_until_ms;		/* CLOCK_MONOTONIC_COARSE */
};

/* The worker of the calling thread, NULL on threads that are none. */
extern __thread struct svc_worker *worker_current;

/*
 * Sets up w's ring (loop_entries), mailbox and pool share, with the
 * whole mapping a table of fixed buffers when pool->map is not NULL (its
 * resident chunks in it). Returns 0 or -errno.
 */
int worker_init(struct svc_worker *w, unsigned int index, int cpu,
		const struct worker_ops *ops, void *priv,
		unsigned int loop_entries, const struct worker_pool *pool);
/* Makes w the calling thread's worker (worker 0), pinned to its CPU. */
int worker_adopt(struct svc_worker *w);
/* Starts w's own thread. Returns 0 or -errno. */
int worker_start(struct svc_worker *w);
/* Ends w's thread (if started) and frees what worker_init set up. */
void worker_destroy(struct svc_worker *w);

/*
 * After work, w keeps polling instead of sleeping on its ring for at
 * least ms milliseconds, at most a tick of the coarse clock more (0: it
 * sleeps as soon as a pass finds nothing). Its owner may look for work
 * itself then (worker_busy_polling()).
 */
void worker_set_busy_poll(struct svc_worker *w, unsigned int ms);
/* Whether w polls now rather than sleeps: work came within busy_poll_ms. */
bool worker_busy_polling(const struct svc_worker *w);

/*
 * Runs mail, polls, and (with may_sleep, when idle and not busy polling)
 * waits on the ring.
 */
int worker_run_once(struct svc_worker *w, bool may_sleep);
/* Runs the mail that arrived; for a worker's own loops (drains). */
int worker_run_mail(struct svc_worker *w);

/* From any thread: queue ev for w. Returns 0 or -ENOMEM. */
int worker_post_event(struct svc_worker *w, const struct snap_event *ev);
/*
 * From any thread: runs fn(w, arg) on w's thread and returns when it has.
 * While it waits, the caller's own worker (if any) keeps serving, minus
 * its mail.
 */
void worker_call(struct svc_worker *w, worker_fn fn, void *arg);

#endif
