// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon: attach to /dev/snap, mirror the kernel's objects, realize
 * bdevs and controllers of every model engine.h knows, and serve them from one io_uring loop per
 * I/O thread (worker.c). The main thread's loop also carries the /dev/snap
 * event wait (a uring_cmd), the netlink events and the signals, and hands
 * events and engine changes to the thread that owns each controller.
 * Everything the host sees lives in the kernel, so this process may die
 * at any moment and a new one picks up from there.
 */
#include "service.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bdev/bdev.h"
#include "bdev/bdev_plugin.h"
#include "bdev/nvmf.h"
#include "bdev/bdev_uring.h"
#include "events.h"
#include "log.h"
#include "nl.h"
#include "engine.h"
#include "plugin_load.h"
#include "status.h"

#define SVC_LOOP_ENTRIES	512
#define SVC_WAIT_EVENTS		64
#define SVC_DRAIN_MS		5000	/* how long a drain may take */
#define SVC_RETRY_DRAIN_MS	100	/* a refused detach's retries: shorter */
#define SVC_RETRY_S		1	/* how often they come */

/* ---- the three standing requests of the loop ---- */

struct svc_wait {
	struct ioloop_req req;
	struct service *s;
	struct snap_wait w;
	struct snap_uring_cmd uc;
	struct snap_event ev[SVC_WAIT_EVENTS];
	bool armed;
};

struct svc_poll {
	struct ioloop_req req;
	struct service *s;
	int fd;
	bool armed;
};

/* Wakes the loop while a detach is retried, a bdev waits to go or an nvmf
 * bdev is opened in the background. */
struct svc_timer {
	struct ioloop_req req;
	struct __kernel_timespec ts;
	bool armed;
};

static struct svc_wait svc_wait;
static struct svc_poll svc_nl_poll, svc_sig_poll;
static struct svc_timer svc_retry_timer;

/* ---- controllers ---- */

static struct svc_ctrl *ctrl_by_name(struct service *s, const char *name)
{
	struct svc_ctrl *c;

	for (c = s->ctrls; c; c = c->next)
		if (!strcmp(c->reg->name, name))
			return c;
	return NULL;
}

static struct svc_ctrl *ctrl_by_func(struct service *s, uint32_t func_id)
{
	struct svc_ctrl *c;

	for (c = s->ctrls; c; c = c->next)
		if (c->func_id == func_id)
			return c;
	return NULL;
}

/* ---- a controller's queues on several threads ---- */

/* The worker that serves queue group g of c (0: c's own). */
static struct svc_worker *group_worker(struct svc_ctrl *c, unsigned int g)
{
	return g && g <= c->nr_lanes ? c->lanes[g - 1].w : c->w;
}

/* The worker an event of c's is for: its queue's group's. Any thread. */
static struct svc_worker *event_worker(struct svc_ctrl *c,
				       const struct snap_event *ev)
{
	if (!c->nr_lanes)
		return c->w;
	return group_worker(c, c->ops->event_group(c->engine, ev));
}

static int ctrl_post_event(struct svc_ctrl *c, const struct snap_event *ev)
{
	return worker_post_event(event_worker(c, ev), ev);
}

/*
 * The engine asks for a pass of group g: a doorbell of no queue in
 * particular (SQ 0's: "look") to the group's worker. The engine calls
 * this with its lock held and never for the calling thread's own group,
 * so the event is queued, never run here.
 */
static void ctrl_kick(void *arg, unsigned int g)
{
	struct svc_ctrl *c = arg;
	struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL, .func_id = c->func_id };
	struct svc_worker *w = group_worker(c, g);

	if (w != worker_current && worker_post_event(w, &ev))
		log_err("function %u: no memory to call thread %u", c->func_id, w->index);
}

/*
 * The lanes c's queues will use: its model spreads queues, and the
 * daemon has more threads than one (--queue-threads caps them). Each
 * goes to the next worker after c's, with a view of c's host.
 */
static int ctrl_plan_lanes(struct service *s, struct svc_ctrl *c)
{
	unsigned int n = s->nr_workers;

	if (s->opts.queue_threads && s->opts.queue_threads < n)
		n = s->opts.queue_threads;
	if (!c->ops->add_group || n < 2)
		return 0;
	c->lanes = calloc(n - 1, sizeof(*c->lanes));
	if (!c->lanes)
		return -ENOMEM;
	c->nr_lanes = n - 1;
	for (unsigned int k = 1; k < n; k++) {
		struct svc_lane *l = &c->lanes[k - 1];

		l->c = c;
		l->g = k;
		l->w = &s->workers[(c->w->index + k) % s->nr_workers];
		devsnap_host_view(&l->dh, &c->dh, &l->w->pool);
	}
	return 0;
}

static void work_link_lane(struct svc_worker *w, void *arg)
{
	struct svc_shard *sh = w->priv;
	struct svc_lane *l = arg;

	l->wnext = sh->lanes;
	sh->lanes = l;
}

/* Main thread: each lane's worker starts serving its group. */
static void ctrl_link_lanes(struct svc_ctrl *c)
{
	for (unsigned int i = 0; i < c->nr_lanes; i++) {
		atomic_fetch_add(&c->lanes_linked, 1);
		worker_call(c->lanes[i].w, work_link_lane, &c->lanes[i]);
	}
}

/* ", queues also on threads 1 2" for the log; "" without lanes. */
static const char *lanes_text(const struct svc_ctrl *c)
{
	static char buf[16 + 4 * SERVICE_QUEUE_THREADS_MAX];
	size_t n;

	if (!c->nr_lanes)
		return "";
	n = (size_t)snprintf(buf, sizeof(buf), ", queues also on thread%s",
			     c->nr_lanes > 1 ? "s" : "");
	for (unsigned int i = 0; i < c->nr_lanes && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %u",
				      c->lanes[i].w->index);
	return buf;
}

/* Any thread: the lanes leave once their groups have nothing at a backend. */
static void ctrl_release_lanes(struct svc_ctrl *c)
{
	atomic_store(&c->lanes_stop, true);
	for (unsigned int i = 0; i < c->nr_lanes; i++)
		ctrl_kick(c, c->lanes[i].g);
}

static bool lanes_gone(struct svc_ctrl *c)
{
	return !atomic_load(&c->lanes_linked);
}

/*
 * The lane's group gives back its share of this thread's pool and the
 * lane is counted out; after that c may be freed at any moment by its
 * worker, which is woken (it may be waiting for this to free c).
 */
static void lane_leave(struct svc_lane *l)
{
	struct svc_ctrl *c = l->c;
	struct svc_worker *home = c->w;
	struct snap_event ev = { .type = SNAP_EV_SQ_DOORBELL, .func_id = c->func_id };

	c->ops->group_exit(c->engine, l->g);
	atomic_fetch_sub(&c->lanes_linked, 1);
	if (worker_post_event(home, &ev))
		log_err("function %u: no memory to wake thread %u", ev.func_id,
			home->index);
}

/*
 * Serves the queue groups this worker runs for other workers'
 * controllers; unlinks the lanes told to leave whose groups are idle
 * (after that the lane and its controller are not touched here again).
 */
static int shard_poll_lanes(struct svc_shard *sh)
{
	struct svc_lane **pp = &sh->lanes, *l;
	int busy = 0;

	while ((l = *pp)) {
		struct svc_ctrl *c = l->c;

		busy += c->ops->group_poll(c->engine, l->g);
		if (!atomic_load(&c->lanes_stop) ||
		    !c->ops->group_backend_idle(c->engine, l->g)) {
			pp = &l->wnext;
			continue;
		}
		*pp = l->wnext;
		lane_leave(l);
	}
	return busy;
}

/*
 * On c's worker: runs its loop and mail (the events that unblock a full
 * CQ arrive there) without taking new commands, until pred(c) or about
 * ms have passed.
 */
static bool drain(struct svc_ctrl *c, bool (*pred)(struct svc_ctrl *c),
		  unsigned int ms)
{
	struct svc_worker *w = c->w;

	for (unsigned int i = 0; i < ms; i++) {
		if (pred(c))
			return true;
		worker_run_mail(w);
		ioloop_reap(&w->loop, false);
		c->ops->poll(c->engine);
		usleep(1000);
	}
	return pred(c);
}

static bool ctrl_idle(struct svc_ctrl *c)
{
	return c->ops->idle(c->engine);
}

static struct svc_attached *attached_of(struct svc_ctrl *c, uint32_t key)
{
	if (key >= c->attached_len || !c->attached[key].bdev)
		return NULL;
	return &c->attached[key];
}

/* The engine let go of the bdev under key: so does the attachment. */
static void attached_forget(struct svc_ctrl *c, uint32_t key)
{
	struct svc_attached *a = attached_of(c, key);

	if (!a)
		return;
	atomic_fetch_sub(&a->bdev->holders, 1);
	a->bdev = NULL;
	a->detaching = false;
	c->nr_attached--;
}

/* c's engine is gone: it holds none of its bdevs any more. Any thread. */
static void attached_release_all(struct svc_ctrl *c)
{
	for (uint32_t key = 0; key < c->attached_len && c->nr_attached; key++)
		if (c->attached[key].bdev)
			attached_forget(c, key);
}

/* Room for key in the table: a controller may serve every nsid 1..nn. */
static int attached_reserve(struct svc_ctrl *c, uint32_t key)
{
	uint32_t len = c->attached_len ? c->attached_len : 2;
	struct svc_attached *t;

	if (key > SNAP_NVME_NN_MAX)
		return -ERANGE;
	if (key < c->attached_len)
		return 0;
	while (len <= key)
		len *= 2;
	t = realloc(c->attached, len * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + c->attached_len, 0, (len - c->attached_len) * sizeof(*t));
	c->attached = t;
	c->attached_len = len;
	return 0;
}

/*
 * Work on a controller's engine, done on its worker's thread: the main
 * thread fills one of these and waits in worker_call().
 */
struct ctrl_work {
	struct svc_ctrl *c;
	const void *cfg;			/* start */
	uint32_t key;				/* attach, detach */
	struct bdev *bdev;			/* attach */
	const uint8_t *uuid;			/* attach */
	bool running;				/* start, detach, set_running */
	unsigned int drain_ms;			/* detach */
	int ret;
};

static void work_attach_bdev(struct svc_worker *w, void *arg)
{
	struct ctrl_work *cw = arg;
	struct svc_ctrl *c = cw->c;

	(void)w;
	cw->ret = c->ops->attach_bdev(c->engine, cw->key, cw->bdev, cw->uuid);
}

/* The engine refuses while commands use the bdev: pause, drain, retry. */
static void work_detach_bdev(struct svc_worker *w, void *arg)
{
	struct ctrl_work *cw = arg;
	struct svc_ctrl *c = cw->c;

	(void)w;
	cw->ret = c->ops->detach_bdev(c->engine, cw->key);
	if (cw->ret == -EBUSY) {
		c->ops->suspend(c->engine);
		drain(c, ctrl_idle, cw->drain_ms);
		cw->ret = c->ops->detach_bdev(c->engine, cw->key);
		if (cw->running)
			c->ops->resume(c->engine);
	}
}

static void work_set_running(struct svc_worker *w, void *arg)
{
	struct ctrl_work *cw = arg;
	struct svc_ctrl *c = cw->c;

	(void)w;
	if (cw->running)
		c->ops->resume(c->engine);
	else
		c->ops->suspend(c->engine);
}

static void work_start(struct svc_worker *w, void *arg)
{
	struct svc_shard *sh = w->priv;
	struct ctrl_work *cw = arg;
	struct svc_ctrl *c = cw->c;

	c->engine = c->ops->create(cw->cfg, &c->dh.host);
	if (!c->engine) {
		cw->ret = -ENOMEM;
		return;
	}
	for (unsigned int i = 0; i < c->nr_lanes; i++) {
		if (c->ops->add_group(c->engine, &c->lanes[i].dh.host) !=
		    (int)c->lanes[i].g) {
			c->ops->destroy(c->engine);
			c->engine = NULL;
			cw->ret = -ENOMEM;
			return;
		}
	}
	if (c->nr_lanes)
		c->ops->set_kick(c->engine, ctrl_kick, c);
	if (!cw->running)
		c->ops->suspend(c->engine);
	c->wnext = sh->ctrls;
	sh->ctrls = c;
	cw->ret = 0;
}

static void work_recover(struct svc_worker *w, void *arg)
{
	struct ctrl_work *cw = arg;

	(void)w;
	cw->ret = cw->c->ops->recover(cw->c->engine);
}

/* On the worker: an engine whose backend I/O has ended, and all of c. */
static void ctrl_free_retired(struct svc_ctrl *c)
{
	log_info("function %u: the backend I/O of a stopped controller ended; "
		 "its engine is freed", c->func_id);
	c->ops->destroy(c->engine);
	attached_release_all(c);
	devsnap_host_close(&c->dh);
	free(c->lanes);
	free(c->attached);
	free(c);
}

/*
 * Polls the engines of stopped controllers, whose backend completions
 * still come, and frees each once none of its I/O is at a backend.
 * Worker thread.
 */
static int shard_poll_retiring(struct svc_shard *sh)
{
	struct svc_ctrl **pp = &sh->retiring, *c;
	int busy = 0;

	while ((c = *pp)) {
		busy += c->ops->poll(c->engine);
		if (!c->ops->backend_idle(c->engine) || !lanes_gone(c)) {
			pp = &c->wnext;
			continue;
		}
		*pp = c->wnext;
		ctrl_free_retired(c);
	}
	return busy;
}

static void work_stop(struct svc_worker *w, void *arg)
{
	struct svc_shard *sh = w->priv;
	struct ctrl_work *cw = arg;
	struct svc_ctrl *c = cw->c, **pp;

	c->ops->suspend(c->engine);
	/*
	 * Commands that only wait for the host (a CQ without room, or gone
	 * with the controller) are dropped with the engine after the drain.
	 */
	drain(c, ctrl_idle, SVC_DRAIN_MS);
	cw->ret = c->ops->backend_idle(c->engine) ? 0 : -EBUSY;
	if (c->nr_lanes) {
		/* Idle: the other threads' groups let go at their next pass. */
		ctrl_release_lanes(c);
		if (!cw->ret && !drain(c, lanes_gone, SVC_DRAIN_MS))
			cw->ret = -EBUSY;
	}
	for (pp = &sh->ctrls; *pp; pp = &(*pp)->wnext) {
		if (*pp == c) {
			*pp = c->wnext;
			break;
		}
	}
	if (cw->ret) {
		/*
		 * A backend still has I/O of the engine's: its completion will
		 * write into the engine. It stays, no longer fed events, and
		 * goes once that I/O ended; what completes meanwhile touches
		 * neither the host nor the function state.
		 */
		c->ops->retire(c->engine);
		c->wnext = sh->retiring;
		sh->retiring = c;
		return;
	}
	c->ops->destroy(c->engine);
	c->engine = NULL;
}

int svc_ctrl_attach(struct svc_ctrl *c, uint32_t key, struct bdev *b,
		    const uint8_t *uuid)
{
	struct ctrl_work cw = { .c = c, .key = key, .bdev = b, .uuid = uuid };
	int ret = attached_reserve(c, key);

	if (ret)
		return ret;
	worker_call(c->w, work_attach_bdev, &cw);
	if (cw.ret)
		return cw.ret;
	atomic_fetch_add(&b->holders, 1);
	c->attached[key] = (struct svc_attached){ .bdev = b };
	c->nr_attached++;
	return 0;
}

int svc_ctrl_detach(struct svc_ctrl *c, uint32_t key, bool running,
		    unsigned int drain_ms)
{
	struct ctrl_work cw = { .c = c, .key = key, .running = running,
				.drain_ms = drain_ms };
	struct svc_attached *a;

	worker_call(c->w, work_detach_bdev, &cw);
	if (cw.ret == -EBUSY) {
		a = attached_of(c, key);
		if (a)
			a->detaching = true;
		return cw.ret;
	}
	/* Also when the engine had none under key: nothing holds it then. */
	attached_forget(c, key);
	return cw.ret == -ENOENT ? 0 : cw.ret;
}

static void ctrl_attach_bdev(struct svc_ctrl *c, const struct svc_bdev_want *want,
			     struct bdev *b)
{
	int ret = svc_ctrl_attach(c, want->key, b, want->uuid);

	if (ret) {
		log_err("%s: attaching bdev %s (%u): %s", c->reg->name, want->bdev,
			want->key, strerror(-ret));
		return;
	}
	log_info("%s: bdev %s attached (%u)", c->reg->name, want->bdev, want->key);
}

/*
 * Commands in flight keep the bdev: the attachment (and the engine's use
 * of it) stays, so the bdev is not destroyed under them, and the detach
 * is retried with shorter drains until they ended.
 */
static void ctrl_detach_bdev(struct service *s, struct svc_ctrl *c, uint32_t key)
{
	bool retry = c->attached[key].detaching;
	int ret;

	ret = svc_ctrl_detach(c, key, c->reg->state == SNAP_CTRL_RUNNING,
			      retry ? SVC_RETRY_DRAIN_MS : SVC_DRAIN_MS);
	if (ret == -EBUSY) {
		if (!retry)
			log_warn("%s: bdev %u still has commands in flight after %u ms: "
				 "kept until they ended, retried every %u s", c->reg->name,
				 key, SVC_DRAIN_MS, SVC_RETRY_S);
		s->detach_pending = true;
		return;
	}
	if (ret)
		log_err("%s: detaching bdev %u: %s", c->reg->name, key, strerror(-ret));
	else if (retry)
		log_info("%s: bdev %u detached once its commands ended", c->reg->name, key);
}

static struct bdev *realized_bdev(struct service *s, const char *name)
{
	struct reg_bdev *rb = name[0] ? registry_bdev(&s->reg, name) : NULL;

	return rb ? rb->priv : NULL;
}

static void ctrl_report(struct service *s, const struct reg_ctrl *rc,
			const char *error);

/*
 * Make the engine's bdevs what the mirror says: detach what is no longer
 * wanted (or whose bdev went or changed), attach what is wanted and
 * realized. Called on every change that may matter; does nothing when
 * nothing differs.
 */
static void ctrl_sync_bdevs(struct service *s, struct svc_ctrl *c)
{
	unsigned int n = c->ops->wanted_bdevs(&s->reg, c->reg, NULL, 0);
	struct svc_bdev_want *want = calloc(n ? n : 1, sizeof(*want));
	bool missing = false;
	char why[SNAP_ERROR_MAX];
	uint32_t mark = ++c->sync_mark;

	if (!want) {
		log_err("%s: out of memory for its %u bdevs", c->reg->name, n);
		return;
	}
	n = c->ops->wanted_bdevs(&s->reg, c->reg, want, n);
	/* Up to nn namespaces each: a mark per key, not a search per pair. */
	for (unsigned int i = 0; i < n; i++) {
		struct svc_attached *a = attached_of(c, want[i].key);

		if (a && realized_bdev(s, want[i].bdev) == a->bdev)
			a->mark = mark;
	}
	for (uint32_t key = 0; key < c->attached_len && c->nr_attached; key++)
		if (attached_of(c, key) && c->attached[key].mark != mark)
			ctrl_detach_bdev(s, c, key);
	for (unsigned int i = 0; i < n; i++) {
		struct bdev *b = realized_bdev(s, want[i].bdev);

		if (b && !attached_of(c, want[i].key))
			ctrl_attach_bdev(c, &want[i], b);
		if (!attached_of(c, want[i].key)) {
			missing = true;
			snprintf(why, sizeof(why), "its bdev %s is not ready",
				 want[i].bdev);
		}
	}
	free(want);
	c->bdev_missing = c->ops->bdev_required && missing;
	ctrl_report(s, c->reg, c->bdev_missing ? why : NULL);
}

static void sync_all_ctrls(struct service *s)
{
	for (struct svc_ctrl *c = s->ctrls; c; c = c->next)
		ctrl_sync_bdevs(s, c);
}

/*
 * The controllers a namespace change may concern: the one it names and
 * any that hold its nsid now. Syncing an unconcerned one is harmless, but
 * syncing all on every event would cost O(controllers x namespaces) each
 * in a burst of thousands.
 */
static void sync_ctrls_of_ns(struct service *s, const struct reg_ns *ns)
{
	for (struct svc_ctrl *c = s->ctrls; c; c = c->next)
		if (!strcmp(c->reg->name, ns->ctrl) || attached_of(c, ns->nsid))
			ctrl_sync_bdevs(s, c);
}

/* The controllers whose bdev (virtio-blk) or namespace's bdev is name. */
static void sync_ctrls_of_bdev(struct service *s, const char *name)
{
	for (struct svc_ctrl *c = s->ctrls; c; c = c->next)
		if (!strcmp(c->reg->bdev, name))
			ctrl_sync_bdevs(s, c);
	for (struct reg_ns *ns = s->reg.namespaces; ns; ns = ns->next) {
		struct svc_ctrl *c;

		if (strcmp(ns->bdev, name) || !ns->ctrl[0])
			continue;
		c = ctrl_by_name(s, ns->ctrl);
		if (c)
			ctrl_sync_bdevs(s, c);
	}
}

/* Unlinks the events parked for a function, in the order they came. */
static struct svc_parked *take_parked(struct service *s, uint32_t func_id)
{
	struct svc_parked **pp = &s->parked, *taken = NULL, **tail = &taken;

	while (*pp) {
		struct svc_parked *p = *pp;

		if (p->ev.func_id != func_id) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		p->next = NULL;
		*tail = p;
		tail = &p->next;
	}
	return taken;
}

static void replay_parked(struct service *s, struct svc_ctrl *c)
{
	struct svc_parked *p = take_parked(s, c->func_id), *next;
	unsigned int n = 0;

	for (; p; p = next, n++) {
		next = p->next;
		ctrl_post_event(c, &p->ev);
		free(p);
	}
	if (n)
		log_info("%s: replayed %u event(s) that came before it", c->reg->name, n);
}

/* New controllers go to the worker that serves the fewest. */
static struct svc_worker *pick_worker(struct service *s)
{
	unsigned int best = 0;

	for (unsigned int i = 1; i < s->nr_workers; i++)
		if (s->shards[i].nr_ctrls < s->shards[best].nr_ctrls)
			best = i;
	return &s->workers[best];
}

static void report(struct service *s, struct nl_msg *msg, const char *what);

/*
 * Tells the kernel whether the controller is served, so that its lists
 * show a controller no daemon serves as an error with the reason rather
 * than as running. Only a change is sent: the kernel's event of it comes
 * back here.
 */
static void ctrl_report(struct service *s, const struct reg_ctrl *rc,
			const char *error)
{
	const struct svc_engine_ops *ops = svc_engine_find(rc->type);
	bool ready = !error;

	if (!ops || (rc->ready == ready && !strcmp(rc->error, error ? error : "")))
		return;
	report(s, ops->status_msg(s->nl, rc->name, ready, error), "a controller");
}

static void ctrl_refuse(struct service *s, const struct reg_ctrl *rc,
			const char *why)
{
	log_err("%s: %s", rc->name, why);
	ctrl_report(s, rc, why);
}

/* The engine on c's worker; 0, or -errno with the reason in why. */
static int ctrl_start_engine(struct service *s, struct svc_ctrl *c,
			     const struct reg_func *f, char *why, size_t len)
{
	struct svc_engine_ctx x = { .reg = &s->reg, .rc = c->reg, .f = f,
				    .st = c->dh.host.state,
				    .max_queue_size = s->max_queue_size };
	void *cfg = c->ops->config(&x, why, len);
	int ret;

	if (!cfg)
		return -EINVAL;
	ret = svc_ctrl_start(c, cfg, c->reg->state == SNAP_CTRL_RUNNING);
	if (ret)
		c->ops->refusal(cfg, why, len);
	c->ops->config_free(cfg);
	return ret;
}

int svc_ctrl_start(struct svc_ctrl *c, const void *cfg, bool running)
{
	struct ctrl_work cw = { .c = c, .cfg = cfg, .running = running };

	worker_call(c->w, work_start, &cw);
	if (!cw.ret)
		ctrl_link_lanes(c);
	return cw.ret;
}

int svc_ctrl_stop(struct svc_ctrl *c)
{
	struct ctrl_work cw = { .c = c };

	worker_call(c->w, work_stop, &cw);
	return cw.ret;
}

static void ctrl_create(struct service *s, struct reg_ctrl *rc)
{
	const struct svc_engine_ops *ops = svc_engine_find(rc->type);
	struct reg_func *f = registry_func_vuid(&s->reg, rc->vuid);
	struct ctrl_work cw = { 0 };
	char why[SNAP_ERROR_MAX];
	struct svc_ctrl *c;
	int ret;

	if (!ops || ctrl_by_name(s, rc->name))
		return;
	if (!f) {
		ctrl_refuse(s, rc, "its function is unknown");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->reg = rc;
	c->ops = ops;
	c->func_id = f->id;
	c->w = pick_worker(s);
	ret = devsnap_host_open(&c->dh, &s->ds, f->id, &c->w->pool);
	if (ret) {
		snprintf(why, sizeof(why), "mapping the state of function %u: %s",
			 f->id, strerror(-ret));
		ctrl_refuse(s, rc, why);
		free(c);
		return;
	}
	ret = ctrl_plan_lanes(s, c);
	if (ret)
		snprintf(why, sizeof(why), "no memory for its queue threads");
	if (ret || ctrl_start_engine(s, c, f, why, sizeof(why))) {
		ctrl_refuse(s, rc, why);
		devsnap_host_close(&c->dh);
		free(c->lanes);
		free(c);
		return;
	}
	s->shards[c->w->index].nr_ctrls++;
	c->next = s->ctrls;
	s->ctrls = c;
	ctrl_sync_bdevs(s, c);
	cw.c = c;
	worker_call(c->w, work_recover, &cw);
	if (cw.ret > 0)
		log_notice("%s: took over %d command(s) in flight", rc->name, cw.ret);
	log_info("%s: serving %s function %u (%s) on thread %u%s%s", rc->name,
		 ops->name, f->id, f->bdf, c->w->index, lanes_text(c),
		 rc->state == SNAP_CTRL_RUNNING ? "" : ", suspended");
	replay_parked(s, c);
}

static void ctrl_destroy(struct service *s, struct svc_ctrl *c)
{
	const char *name = c->reg->name;
	struct svc_ctrl **pp;

	/* Unlinked first: once retired, c is its worker's to free. */
	s->shards[c->w->index].nr_ctrls--;
	for (pp = &s->ctrls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (svc_ctrl_stop(c)) {
		log_warn("%s: backend I/O still in flight after %u ms: its engine stays "
			 "until it ended", name, SVC_DRAIN_MS);
		return;
	}
	attached_release_all(c);
	devsnap_host_close(&c->dh);
	log_info("%s: no longer served", name);
	free(c->lanes);
	free(c->attached);
	free(c);
}

/*
 * A function came (a hot-plug PF's FUNC_NEW) or went (FUNC_DEL). Its
 * controller, and with it the engine's mapping of the function's state,
 * went before it: the kernel deletes the controller first, and the mirror
 * drops one whose event was lost. Left are the events parked for it,
 * which a later function given its id must not get. A function that came
 * may be the one a controller was refused for ("its function is
 * unknown"), when a dump saw the controller before the function's event.
 */
static void func_changed(struct service *s, enum reg_change change,
			 const struct reg_func *f)
{
	struct svc_parked *p, *next;

	if (change == REG_ADDED) {
		for (struct reg_ctrl *rc = s->reg.ctrls; rc; rc = rc->next)
			if (!strcmp(rc->vuid, f->vuid))
				ctrl_create(s, rc);
		return;
	}
	if (change != REG_REMOVED)
		return;
	for (p = take_parked(s, f->id); p; p = next) {
		next = p->next;
		free(p);
	}
	log_info("function %u (%s) is gone", f->id, f->vuid);
}

/* Its state (suspend / resume) or its bdev (virtio-blk attach / detach). */
static void ctrl_changed(struct service *s, struct reg_ctrl *rc)
{
	struct svc_ctrl *c = ctrl_by_name(s, rc->name);
	struct ctrl_work cw = { .c = c, .running = rc->state == SNAP_CTRL_RUNNING };

	if (!c) {
		ctrl_create(s, rc);
		return;
	}
	ctrl_sync_bdevs(s, c);
	worker_call(c->w, work_set_running, &cw);
}

/* ---- what each worker runs ---- */

static void take_events(struct service *s, const struct snap_event *ev, int n);

/*
 * While busy, the events thread asks /dev/snap itself: the module looks
 * at the doorbells in this call (SNAP_WAIT_POLL) and its own watcher
 * holds back, so a doorbell costs neither the watcher's next pass nor a
 * wake-up. The last pass before the thread sleeps (!busy) hands back to
 * the watcher. The io_uring wait stays armed for when the thread sleeps.
 *
 * That wait takes its events when the thread last returned from a
 * syscall, and they reach us only when its completion is reaped: reap it
 * first, or this call's newer events would be handled before them (a
 * function reset after the enable that followed it: the engine stopped
 * a device the host had just started, and the host's first I/O hung).
 * A wait completed on the way out of this call holds newer events than
 * the call's, and is reaped after them.
 */
static int poll_events(struct service *s, bool busy)
{
	struct snap_event ev[SVC_WAIT_EVENTS];
	struct snap_wait req = {
		.events = (uintptr_t)ev,
		.max_events = SVC_WAIT_EVENTS,
		.flags = SNAP_WAIT_NONBLOCK,
	};
	int reaped = ioloop_reap(&s->workers[0].loop, false), n;

	if (reaped < 0)
		reaped = 0;
	if (s->ds.features & SNAP_F_WAIT_POLL)
		req.flags |= SNAP_WAIT_POLL | (busy ? 0 : SNAP_WAIT_POLL_END);
	n = ioctl(s->ds.fd, SNAP_IOC_WAIT, &req);
	if (n < 0) {
		log_err("polling /dev/snap for events: %s", strerror(errno));
		return reaped;
	}
	take_events(s, ev, n);
	return reaped + n;
}

static int shard_poll(struct svc_worker *w)
{
	struct svc_shard *sh = w->priv;
	int busy = 0;

	if (!w->index) {
		bool polling = worker_busy_polling(w);

		if (polling || sh->polled)
			busy += poll_events(sh->s, polling);
		sh->polled = polling;
	}
	for (struct svc_ctrl *c = sh->ctrls; c; c = c->wnext)
		busy += c->ops->poll(c->engine);
	if (sh->lanes)
		busy += shard_poll_lanes(sh);
	if (sh->retiring)
		busy += shard_poll_retiring(sh);
	return busy;
}

static void shard_event(struct svc_worker *w, const struct snap_event *ev)
{
	struct svc_shard *sh = w->priv;

	for (struct svc_ctrl *c = sh->ctrls; c; c = c->wnext) {
		if (c->func_id == ev->func_id) {
			c->ops->event(c->engine, ev);
			return;
		}
	}
	/* a doorbell of a queue group this thread serves for another (not
	 * one leaving: a new controller may have the function already) */
	for (struct svc_lane *l = sh->lanes; l; l = l->wnext) {
		if (l->c->func_id == ev->func_id && !atomic_load(&l->c->lanes_stop)) {
			l->c->ops->group_event(l->c->engine, l->g, ev);
			return;
		}
	}
}

const struct worker_ops svc_shard_ops = {
	.poll = shard_poll,
	.event = shard_event,
};

/* ---- bdevs and namespaces ---- */

/* The contents live in the module, so they survive this process. */
static struct bdev *malloc_open(struct service *s, const struct reg_bdev *rb,
				char *err, size_t len)
{
	size_t size = (size_t)rb->num_blocks * rb->block_size;
	struct bdev *b;
	void *mem;

	if (!rb->block_size || rb->num_blocks > SIZE_MAX / rb->block_size) {
		snprintf(err, len, "bad geometry");
		return NULL;
	}
	mem = devsnap_map_bdev(&s->ds, rb->id, size);
	if (!mem) {
		snprintf(err, len, "mapping its %zu bytes from the module: %s", size,
			 strerror(errno));
		return NULL;
	}
	b = bdev_malloc_create_mapped(rb->name, rb->num_blocks, rb->block_size, mem);
	if (!b)
		munmap(mem, size);
	return b;
}

static struct bdev *bdev_open(struct service *s, const struct reg_bdev *rb,
			      char *err, size_t len)
{
	struct bdev *b = NULL;

	switch (rb->type) {
	case SNAP_BDEV_NULL:
		b = bdev_null_create(rb->name, rb->num_blocks, rb->block_size);
		break;
	case SNAP_BDEV_MALLOC:
		b = malloc_open(s, rb, err, len);
		break;
	case SNAP_BDEV_URING:
		return bdev_uring_create(rb->name, rb->filename ? rb->filename : "",
					 rb->block_size, err, len);
	case SNAP_BDEV_PLUGIN:
		return bdev_plugin_create(rb->name, rb->args ? rb->args : "",
					  rb->block_size, err, len);
	case SNAP_BDEV_NVMF:
		/* Connects here, on the control thread: bounded, see nvmf.h. */
		return bdev_nvmf_create(rb->name, rb->args ? rb->args : "", err, len);
	default:
		snprintf(err, len, "this daemon has no backend of this type");
		return NULL;
	}
	if (!b)
		snprintf(err, len, "cannot create %llu blocks of %u bytes",
			 (unsigned long long)rb->num_blocks, rb->block_size);
	return b;
}

/*
 * Every backend's I/O is counted by the bdev layer in the module's page,
 * so the counts survive this process. A module that has none (older than
 * ABI 2.5) leaves the bdev uncounted, not unserved.
 */
static struct bdev *bdev_counted(struct service *s, const struct reg_bdev *rb,
				 struct bdev *b)
{
	struct snap_bdev_stats *stats;

	if (!b)
		return NULL;
	stats = devsnap_map_bdev_stats(&s->ds, rb->id);
	if (stats)
		bdev_set_stats(b, stats, devsnap_unmap_bdev_stats);
	else
		log_warn("bdev %s: its I/O is not counted: mapping its counters: %s",
			 rb->name, strerror(errno));
	return b;
}

static void report(struct service *s, struct nl_msg *msg, const char *what)
{
	int ret = status_send(s->nl, msg);

	if (ret)
		log_warn("reporting %s: %s", what, snap_nl_last_error(s->nl)->msg[0] ?
			 snap_nl_last_error(s->nl)->msg : strerror(-ret));
}

static void ns_report(struct service *s, struct reg_ns *ns)
{
	struct reg_bdev *rb = registry_bdev(&s->reg, ns->bdev);
	bool ok = rb && rb->priv;

	if (ns->ready == ok)
		return;
	report(s, status_ns_msg(s->nl, ns->nqn, ns->nsid, ok,
				ok ? NULL : "its bdev is not ready"), "a namespace");
}

static void bdev_realize(struct service *s, struct reg_bdev *rb);

/* Plugin bdevs that stack on one that was not ready yet. */
static void realize_waiting_plugins(struct service *s)
{
	for (struct reg_bdev *rb = s->reg.bdevs; rb; rb = rb->next)
		if (!rb->priv && rb->type == SNAP_BDEV_PLUGIN)
			bdev_realize(s, rb);
}

/*
 * The size the module keeps is counted in its own block size; a backend
 * that learns its geometry (nvmf: Identify) may use another.
 */
static uint64_t module_num_blocks(const struct reg_bdev *rb, const struct bdev *b)
{
	if (!rb->block_size || rb->block_size == b->block_size)
		return b->num_blocks;
	return b->num_blocks / rb->block_size * b->block_size +
	       b->num_blocks % rb->block_size * b->block_size / rb->block_size;
}

static void bdev_realized(struct service *s, struct reg_bdev *rb, struct bdev *b,
			  const char *err);

/*
 * An nvmf bdev whose first open failed is opened again in the background
 * under its reconnect policy (not on each status report: see on_change()).
 */
static void bdev_opening(struct service *s, struct reg_bdev *rb, const char *err)
{
	if (rb->type != SNAP_BDEV_NVMF)
		return;
	rb->opening = bdev_nvmf_open_retry(rb->name, rb->args ? rb->args : "", NULL, err);
	if (rb->opening)
		s->nr_opening++;
}

static void bdev_stop_opening(struct service *s, struct reg_bdev *rb)
{
	if (!rb->opening)
		return;
	bdev_nvmf_open_cancel(rb->opening);
	rb->opening = NULL;
	s->nr_opening--;
}

/* The background opens that ended: their bdevs, or why they gave up. */
static void poll_opening(struct service *s)
{
	for (struct reg_bdev *rb = s->reg.bdevs; rb && s->nr_opening; rb = rb->next) {
		struct bdev *b = NULL;
		char err[512] = "";

		if (!rb->opening || !bdev_nvmf_open_poll(rb->opening, &b, err, sizeof(err)))
			continue;
		rb->opening = NULL;
		s->nr_opening--;
		bdev_realized(s, rb, bdev_counted(s, rb, b), err);
	}
}

static void bdev_realize(struct service *s, struct reg_bdev *rb)
{
	char err[512] = "";
	struct bdev *b;

	if (rb->priv)
		return;
	if (rb->opening && rb->open_failed)
		return;		/* still trying this definition */
	bdev_stop_opening(s, rb);	/* a new definition starts anew */
	b = bdev_counted(s, rb, bdev_open(s, rb, err, sizeof(err)));
	if (!b)
		bdev_opening(s, rb, err);
	bdev_realized(s, rb, b, err);
}

/* rb's open ended: b, or NULL and why. */
static void bdev_realized(struct service *s, struct reg_bdev *rb, struct bdev *b,
			  const char *err)
{
	struct reg_ns *ns;

	rb->open_failed = !b;
	if (!b) {
		log_err("bdev %s: %s", rb->name, err);
		report(s, status_bdev_msg(s->nl, rb->name, false, err, 0), "a bdev");
		return;
	}
	rb->priv = b;
	log_info("bdev %s: %llu blocks of %u bytes", rb->name,
		 (unsigned long long)b->num_blocks, b->block_size);
	report(s, status_bdev_msg(s->nl, rb->name, true, NULL,
				  module_num_blocks(rb, b) != rb->num_blocks ?
				  module_num_blocks(rb, b) : 0),
	       "a bdev");
	for (ns = s->reg.namespaces; ns; ns = ns->next)
		if (!strcmp(ns->bdev, rb->name))
			ns_report(s, ns);
	sync_ctrls_of_bdev(s, rb->name);
	realize_waiting_plugins(s);
}

/*
 * A null bdev the module resized: its users move to a new backend of the
 * new size. Detaching drains them, and each engine tells its host (NVMe:
 * Namespace Attribute Changed; virtio-blk's configuration change is the
 * module's). Other types keep their size: the module resizes only null
 * bdevs, and a uring bdev's size is its file's, which this daemon reported.
 */
static void bdev_resize(struct service *s, struct reg_bdev *rb)
{
	struct bdev *old = rb->priv, *b;
	char err[256] = "";

	if (rb->type != SNAP_BDEV_NULL || old->num_blocks == rb->num_blocks)
		return;
	b = bdev_counted(s, rb, bdev_open(s, rb, err, sizeof(err)));
	if (!b) {
		log_err("bdev %s: resizing to %llu blocks: %s", rb->name,
			(unsigned long long)rb->num_blocks, err);
		return;
	}
	log_info("bdev %s: %llu -> %llu blocks", rb->name,
		 (unsigned long long)old->num_blocks, (unsigned long long)b->num_blocks);
	rb->priv = b;
	sync_ctrls_of_bdev(s, rb->name);
	svc_bdev_release(s, old);
}

bool svc_bdev_release(struct service *s, struct bdev *b)
{
	struct svc_doomed *d;

	if (!atomic_load(&b->holders)) {
		bdev_destroy(b);
		return true;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		/* Leaked rather than destroyed under an engine. */
		log_err("bdev %s: out of memory keeping it until its engines let go",
			b->name);
		return false;
	}
	log_notice("bdev %s: still used by %u engine(s): destroyed once they let go",
		   b->name, atomic_load(&b->holders));
	d->bdev = b;
	d->next = s->doomed;
	s->doomed = d;
	return false;
}

void svc_reap_doomed(struct service *s)
{
	struct svc_doomed **pp = &s->doomed, *d;

	while ((d = *pp)) {
		if (atomic_load(&d->bdev->holders)) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		log_info("bdev %s: no engine uses it any more: destroyed", d->bdev->name);
		bdev_destroy(d->bdev);
		free(d);
	}
}

static void ns_changed(struct service *s, struct reg_ns *ns)
{
	ns_report(s, ns);
	sync_ctrls_of_ns(s, ns);
}

static void on_change(void *arg, enum reg_kind kind, enum reg_change change,
		      void *obj)
{
	struct service *s = arg;
	struct svc_ctrl *c;

	switch (kind) {
	case REG_BDEV:
		if (change == REG_REMOVED)
			bdev_stop_opening(s, obj);
		if (change == REG_CHANGED && ((struct reg_bdev *)obj)->priv) {
			bdev_resize(s, obj);
		} else if (change == REG_CHANGED &&
			   ((struct reg_bdev *)obj)->open_failed) {
			/*
			 * The same definition again, most likely the echo of
			 * its own error report: opening it again would fail
			 * again, at once for a missing file (a busy loop) or
			 * after an nvmf connect's timeout. A new definition or
			 * a new daemon tries again; an nvmf bdev with a
			 * reconnect policy also does, in the background.
			 */
		} else if (change != REG_REMOVED) {
			bdev_realize(s, obj);
		} else if (((struct reg_bdev *)obj)->priv) {
			/* Engines let go of it first, or it waits for them. */
			sync_ctrls_of_bdev(s, ((struct reg_bdev *)obj)->name);
			svc_bdev_release(s, ((struct reg_bdev *)obj)->priv);
			((struct reg_bdev *)obj)->priv = NULL;
		}
		break;
	case REG_NS:
		if (change == REG_REMOVED)
			sync_ctrls_of_ns(s, obj);
		else
			ns_changed(s, obj);
		break;
	case REG_CTRL:
		c = ctrl_by_name(s, ((struct reg_ctrl *)obj)->name);
		if (change == REG_REMOVED && c)
			ctrl_destroy(s, c);
		else if (change == REG_ADDED)
			ctrl_create(s, obj);
		else if (change == REG_CHANGED)
			ctrl_changed(s, obj);
		break;
	case REG_FUNC:
		func_changed(s, change, obj);
		break;
	default:
		break;
	}
}

/* What a fresh (or reloaded) mirror holds, in dependency order. */
static void realize_all(struct service *s)
{
	struct reg_bdev *b;
	struct reg_ctrl *c;
	struct reg_ns *ns;

	for (b = s->reg.bdevs; b; b = b->next)
		bdev_realize(s, b);
	for (c = s->reg.ctrls; c; c = c->next)
		ctrl_create(s, c);
	for (ns = s->reg.namespaces; ns; ns = ns->next)
		ns_report(s, ns);
	/* after a reload: what the lost events would have changed */
	sync_all_ctrls(s);
}

/* ---- the loop's standing requests ---- */

static void dispatch_event(struct service *s, const struct snap_event *ev)
{
	struct svc_ctrl *c = ctrl_by_func(s, ev->func_id);
	struct svc_parked *p, **pp;

	if (c) {
		if (ctrl_post_event(c, ev))
			log_err("dropping an event of function %u: out of memory",
				ev->func_id);
		return;
	}
	/*
	 * The kernel may tell us before netlink does; keep it for later. A
	 * function nobody creates a controller for may send events for ever
	 * (a host driver binding and unbinding resets it each time): an
	 * event of the same kind and queue the later one supersedes goes.
	 */
	p = NULL;
	for (pp = &s->parked; *pp;) {
		struct svc_parked *old = *pp;

		if (old->ev.func_id == ev->func_id && old->ev.type == ev->type &&
		    old->ev.qid == ev->qid) {
			*pp = old->next;
			free(p);
			p = old;
			continue;
		}
		pp = &old->next;
	}
	if (!p)
		p = calloc(1, sizeof(*p));
	if (!p) {
		log_err("dropping an event of function %u: out of memory", ev->func_id);
		return;
	}
	/* At the tail: replayed in the order the kernel sent them. */
	p->ev = *ev;
	p->next = NULL;
	*pp = p;
}

/*
 * Events come from two sources (the io_uring wait, and the loop's own
 * polling while busy), and an event's handler may run the loop again (a
 * drain), which may take more. All go through one queue, handed out by
 * the outermost caller only, so the engines see them in the order the
 * kernel sent them.
 */
static void take_events(struct service *s, const struct snap_event *ev, int n)
{
	struct svc_evq *q = &s->evq;

	if (n <= 0)
		return;
	if (q->len + (size_t)n > q->cap) {
		size_t cap = q->cap ? q->cap : SVC_WAIT_EVENTS;
		struct snap_event *v;

		while (cap < q->len + (size_t)n)
			cap *= 2;
		v = realloc(q->ev, cap * sizeof(*v));
		if (!v) {
			log_err("dropping %d events: out of memory", n);
			return;
		}
		q->ev = v;
		q->cap = cap;
	}
	memcpy(q->ev + q->len, ev, (size_t)n * sizeof(*ev));
	q->len += (size_t)n;
	if (q->dispatching)
		return;
	q->dispatching = true;
	while (q->head < q->len) {
		struct snap_event e = q->ev[q->head++];

		dispatch_event(s, &e);
	}
	q->head = q->len = 0;
	q->dispatching = false;
}

static void arm_wait(struct service *s);

static void on_wait_done(struct ioloop_req *req, int res)
{
	struct svc_wait *w = (struct svc_wait *)req;

	w->armed = false;
	if (res < 0 && res != -EINTR && res != -ECANCELED && !w->s->stopping) {
		log_err("waiting for /dev/snap events: %s", strerror(-res));
		w->s->stopping = true;
		return;
	}
	take_events(w->s, w->ev, res);
	if (!w->s->stopping)
		arm_wait(w->s);
}

static void arm_wait(struct service *s)
{
	struct svc_wait *w = &svc_wait;
	struct io_uring_sqe *sqe;

	if (w->armed)
		return;
	w->req.cb = on_wait_done;
	w->s = s;
	w->w = (struct snap_wait) { .events = (uintptr_t)w->ev,
				    .max_events = SVC_WAIT_EVENTS };
	w->uc = (struct snap_uring_cmd) { .addr = (uintptr_t)&w->w, .len = sizeof(w->w) };
	sqe = ioloop_sqe(&s->workers[0].loop, &w->req);
	if (!sqe)
		return;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, s->ds.fd, NULL, 0, 0);
	sqe->cmd_op = SNAP_IOC_WAIT;
	memcpy(sqe->cmd, &w->uc, sizeof(w->uc));
	w->armed = true;
}

static void arm_poll(struct service *s, struct svc_poll *p);

/* snap_log_level_set: the kernel keeps the level, so a new daemon takes it. */
static void apply_log_level(struct nlattr **tb)
{
	int level, old;

	if (!tb[SNAP_A_LOG_LEVEL])
		return;
	level = nla_get_u8(tb[SNAP_A_LOG_LEVEL]);
	old = log_get_level();
	if (level == old)
		return;
	/* Said at the more verbose of the two levels, so it is seen. */
	if (level < old)
		log_notice("log level %d -> %d (snap_log_level_set)", old, level);
	log_set_level(level);
	if (level > old)
		log_notice("log level %d -> %d (snap_log_level_set)", old, level);
}

static void on_nl_event(void *arg, uint8_t cmd, struct nlattr **tb)
{
	struct service *s = arg;

	if (!tb) {
		log_warn("skipping a malformed netlink event");
		return;
	}
	if (cmd == SNAP_CMD_EMU_SET) {
		apply_log_level(tb);
		return;
	}
	if (registry_apply(&s->reg, cmd, tb) == -ENOMEM)
		s->resync = true;
}

static void on_poll_done(struct ioloop_req *req, int res)
{
	struct svc_poll *p = (struct svc_poll *)req;
	struct service *s = p->s;

	p->armed = false;
	if (s->stopping)
		return;
	if (res < 0 && res != -EINTR) {
		log_err("polling fd %d: %s", p->fd, strerror(-res));
		s->stopping = true;
		return;
	}
	if (p == &svc_sig_poll) {
		struct signalfd_siginfo si;

		if (read(p->fd, &si, sizeof(si)) == sizeof(si)) {
			log_notice("signal %u: shutting down", si.ssi_signo);
			s->stopping = true;
		}
		return;
	}
	/* Read at the top of the loop, not inside a drain's reap: what the
	 * events change may itself wait for a worker. */
	s->nl_pending = true;
}

static void arm_poll(struct service *s, struct svc_poll *p)
{
	struct io_uring_sqe *sqe;

	if (p->armed || s->stopping)
		return;
	p->req.cb = on_poll_done;
	p->s = s;
	sqe = ioloop_sqe(&s->workers[0].loop, &p->req);
	if (!sqe)
		return;
	io_uring_prep_poll_add(sqe, p->fd, POLLIN);
	p->armed = true;
}

/* ---- start, run, stop ---- */

static int get_emu(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct service *s = arg;

	(void)cmd;
	if (tb[SNAP_A_MAX_QUEUE_SIZE])
		s->max_queue_size = nla_get_u32(tb[SNAP_A_MAX_QUEUE_SIZE]);
	apply_log_level(tb);
	return 0;
}

static int read_emu(struct service *s)
{
	struct nl_msg *msg = snap_nl_request(s->nl, SNAP_CMD_EMU_GET, true);

	return msg ? snap_nl_transact(s->nl, msg, get_emu, s) : -ENOMEM;
}

/* The CPU of the i-th set bit of the core mask. */
static int mask_cpu(uint64_t mask, unsigned int i)
{
	for (int cpu = 0; cpu < 64; cpu++)
		if (mask & (1ull << cpu) && !i--)
			return cpu;
	return -1;
}

/* A worker's bufpool needs one more chunk: the module makes it resident. */
static int make_resident(void *ctx, void *chunk)
{
	return devsnap_pool_grow(ctx, chunk, BUFPOOL_CHUNK);
}

/*
 * One worker per bit of the core mask, each with an equal share of the
 * staging pool (SNAP_MEMPOOL_SIZE_MB of the module's pool), which it
 * makes resident a chunk at a time as its load needs: nothing is pinned
 * before the first command, so the daemon serves as soon as it attached.
 * Worker 0 is this thread.
 */
static int setup_workers(struct service *s)
{
	size_t want = (size_t)s->opts.mempool_mb << 20;
	size_t len = want < s->ds.pool_size ? want : s->ds.pool_size;
	unsigned int n = service_opts_threads(&s->opts);
	size_t share;
	int ret;

	if (want > s->ds.pool_size)
		log_notice("SNAP_MEMPOOL_SIZE_MB=%u exceeds the module's pool: using %zu MiB",
			   s->opts.mempool_mb, s->ds.pool_size >> 20);
	share = len / n - len / n % BUFPOOL_CHUNK;
	if (!share) {
		log_err("a %zu MiB pool cannot be shared by %u threads", len >> 20, n);
		return -ENOSPC;
	}
	s->workers = calloc(n, sizeof(*s->workers));
	s->shards = calloc(n, sizeof(*s->shards));
	if (!s->workers || !s->shards)
		return -ENOMEM;
	s->pool_used = share * n;
	for (unsigned int i = 0; i < n; i++) {
		struct svc_worker *w = &s->workers[i];

		struct worker_pool pool = {
			.base = s->ds.pool + i * share,
			.len = share,
			.map = s->ds.pool,
			.map_len = s->pool_used,
			.make_resident = make_resident,
			.ctx = &s->ds,
		};

		s->shards[i].s = s;
		ret = worker_init(w, i, mask_cpu(s->opts.core_mask, i), &svc_shard_ops,
				  &s->shards[i], SVC_LOOP_ENTRIES, &pool);
		if (ret) {
			log_err("thread %u: %s", i, strerror(-ret));
			return ret;
		}
		s->nr_workers++;
		worker_set_busy_poll(w, s->opts.busy_poll_ms);
		ret = ioloop_hold_file(&w->loop, s->ds.fd);
		if (ret) {
			log_err("thread %u: io_uring cannot hold /dev/snap: %s", i,
				strerror(-ret));
			return ret;
		}
		ret = i ? worker_start(w) : worker_adopt(w);
		if (ret)
			return ret;
		log_info("thread %u on CPU %d: up to %zu MiB of staging buffers", i, w->cpu,
			 share >> 20);
	}
	return 0;
}

static int block_signals(struct service *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sigfd < 0 ? -errno : 0;
}

/*
 * snapadm lives next to snap_service (build/bin, /usr/sbin). A line whose
 * object or state is there already counts as done (--exist-ok): the
 * module's objects outlive this daemon, so a restarted one replays the
 * file over what an earlier one made. Any other failure stops the file,
 * and snapadm's message names its line.
 */
static int run_init_conf(const char *path)
{
	char self[PATH_MAX], adm[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int status;
	pid_t pid;
	char *slash;

	if (n <= 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	snprintf(adm, sizeof(adm), "%s/snapadm", self);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execl(adm, "snapadm", "--exist-ok", "-b", path, (char *)NULL);
		execlp("snapadm", "snapadm", "--exist-ok", "-b", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EINVAL;
}

/* What a plugin bdev finds when it stacks on another bdev by name. */
static struct bdev *ready_bdev(void *arg, const char *name)
{
	struct reg_bdev *rb = registry_bdev(&((struct service *)arg)->reg, name);

	return rb ? rb->priv : NULL;
}

static int load_plugin(const char *spec, void *arg)
{
	char why[512];

	(void)arg;
	/* A bad plugin costs its bdevs only: they report the missing type. */
	if (bdev_plugin_load(spec, why, sizeof(why)))
		log_err("%s: not loaded", why);
	return 0;
}

static void log_plugin(const char *line)
{
	log_notice("%s", line);
}

static void load_plugins(struct service *s, const struct service_opts *o)
{
	snap_plugin_list_each(o->plugins_env, load_plugin, NULL);
	for (unsigned int i = 0; i < o->nr_plugins; i++)
		load_plugin(o->plugins[i], NULL);
	bdev_plugins_describe(log_plugin);
	bdev_plugins_set_lookup(ready_bdev, s);
}

/*
 * Live update: this process is set up as far as it can be without
 * /dev/snap; the running daemon is asked to stop as SIGTERM stops it
 * (every engine drains what it fetched, then it detaches), and the attach
 * below takes over the moment it has let go. Nothing in flight is left
 * for a take-over to replay, and the host only waits.
 */
static int ask_predecessor_to_hand_over(void)
{
	int pid = devsnap_attached_pid(NULL);

	if (pid <= 0) {
		log_notice("live update: no daemon is attached, starting as usual");
		return 0;
	}
	if (pid == getpid())
		return 0;
	log_notice("live update: asking daemon %d to hand over", pid);
	if (kill(pid, SIGTERM)) {
		log_warn("live update: signalling daemon %d: %s", pid, strerror(errno));
		return 0;
	}
	return pid;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void resync(struct service *s);

/* Everything the kernel announced until now, applied. */
static void take_queued_events(struct service *s)
{
	if (snap_events_receive_all(s->events) == -ENOBUFS)
		s->resync = true;
	if (s->resync)
		resync(s);
}

int service_start(struct service *s, const struct service_opts *o)
{
	uint64_t asked_at = 0;
	int predecessor = 0;
	char why[256];
	int ret;

	memset(s, 0, sizeof(*s));
	s->opts = *o;
	s->sigfd = -1;
	s->ds.fd = -1;
	ret = block_signals(s);
	if (ret)
		return ret;
	load_plugins(s, o);
	if (o->live_update) {
		asked_at = now_ms();
		predecessor = ask_predecessor_to_hand_over();
	}
	ret = devsnap_open(&s->ds, NULL, o->live_update ? DEVSNAP_WAIT_HANDOVER_MS :
			   DEVSNAP_WAIT_KILLED_MS, why, sizeof(why));
	if (ret) {
		log_err("%s", why);
		return ret;
	}
	ret = setup_workers(s);
	if (ret)
		return ret;
	ret = snap_nl_open(&s->nl, why, sizeof(why));
	if (ret) {
		log_err("%s", why);
		return ret;
	}
	/* Join the events first: nothing changed during the dump is missed. */
	ret = snap_events_open(&s->events, on_nl_event, s, why, sizeof(why));
	if (ret) {
		log_err("%s", why);
		return ret;
	}
	if (o->events_rcvbuf_kb)
		snap_events_set_rcvbuf(s->events, (int)(o->events_rcvbuf_kb << 10));
	ret = read_emu(s);
	if (ret)
		return ret;
	/*
	 * Realizing reports back to the kernel over the same socket, which
	 * must not happen inside the dump: mirror everything first.
	 */
	registry_init(&s->reg, NULL, NULL);
	ret = registry_load(&s->reg, s->nl);
	if (ret) {
		log_err("reading the kernel's objects: %s", strerror(-ret));
		return ret;
	}
	s->reg.notify = on_change;
	s->reg.notify_arg = s;
	realize_all(s);
	log_notice("attached to /dev/snap: pool %zu MiB, using up to %zu MiB as needed, %u thread(s)",
		   s->ds.pool_size >> 20, s->pool_used >> 20, s->nr_workers);
	if (predecessor)
		log_notice("live update: serving %llu ms after asking daemon %d to hand over",
			   (unsigned long long)(now_ms() - asked_at), predecessor);
	if (o->init_conf) {
		ret = run_init_conf(o->init_conf);
		if (ret == -ENOENT) {
			log_err("%s: no snapadm beside snap_service or in PATH",
				o->init_conf);
			return ret;
		}
		if (ret) {
			log_err("%s: the replay failed (snapadm's message above): not starting",
				o->init_conf);
			return ret;
		}
		/*
		 * The replay's objects are served before the caller says
		 * ready (Type=notify): their events are all queued by now.
		 */
		take_queued_events(s);
	}
	svc_nl_poll.fd = snap_events_fd(s->events);
	svc_sig_poll.fd = s->sigfd;
	return 0;
}

/*
 * Events were lost: what the kernel deleted (or deleted and created again
 * with other parameters) meanwhile goes first, as its DEL events would
 * have taken it, then the reload adds and updates the rest.
 */
static void resync(struct service *s)
{
	struct registry fresh;
	int ret;

	log_warn("netlink events were lost: reloading the objects");
	s->resync = false;
	/* What is queued predates the reload, and until the queue has been
	 * empty once the kernel drops every new event without telling. */
	snap_events_drain(s->events);
	registry_init(&fresh, NULL, NULL);
	ret = registry_load(&fresh, s->nl);
	if (!ret) {
		registry_prune(&s->reg, &fresh);
		s->reg.notify = NULL;
		ret = registry_load(&s->reg, s->nl);
		s->reg.notify = on_change;
	}
	registry_free(&fresh);
	if (ret)
		s->resync = true;
	realize_all(s);
}

static void on_retry_timer(struct ioloop_req *req, int res)
{
	(void)res;
	((struct svc_timer *)req)->armed = false;
}

/* Sleeps no longer than SVC_RETRY_S while something waits for a retry. */
static void arm_retry_timer(struct service *s)
{
	struct svc_timer *t = &svc_retry_timer;
	struct io_uring_sqe *sqe;

	if (t->armed || (!s->detach_pending && !s->doomed && !s->nr_opening))
		return;
	t->req.cb = on_retry_timer;
	t->ts = (struct __kernel_timespec){ .tv_sec = SVC_RETRY_S };
	sqe = ioloop_sqe(&s->workers[0].loop, &t->req);
	if (!sqe)
		return;
	io_uring_prep_timeout(sqe, &t->ts, 0, 0);
	t->armed = true;
}

/* Refused detaches again, bdevs that waited for their engines, nvmf
 * bdevs opened in the background. */
static void retry_pending(struct service *s)
{
	poll_opening(s);
	if (s->detach_pending && !svc_retry_timer.armed) {
		s->detach_pending = false;
		sync_all_ctrls(s);
	}
	if (s->doomed)
		svc_reap_doomed(s);
}

int service_run(struct service *s)
{
	while (!s->stopping) {
		if (s->nl_pending) {
			s->nl_pending = false;
			if (snap_events_receive(s->events) == -ENOBUFS)
				s->resync = true;
		}
		if (s->resync)
			resync(s);
		retry_pending(s);
		arm_retry_timer(s);
		arm_wait(s);
		arm_poll(s, &svc_nl_poll);
		arm_poll(s, &svc_sig_poll);
		if (worker_run_once(&s->workers[0], true) < 0 && !s->stopping) {
			log_err("io_uring wait failed");
			return -EIO;
		}
	}
	return 0;
}

/* Destroys the registry's or the doomed bdevs nobody holds (or all). */
static bool destroy_unheld_bdevs(struct service *s, bool all)
{
	struct svc_doomed **pp = &s->doomed, *d;
	bool any = false;

	for (struct reg_bdev *b = s->reg.bdevs; b; b = b->next) {
		if (b->priv && (all || !atomic_load(&((struct bdev *)b->priv)->holders))) {
			bdev_destroy(b->priv);
			b->priv = NULL;
			any = true;
		}
	}
	while ((d = *pp)) {
		if (!all && atomic_load(&d->bdev->holders)) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		bdev_destroy(d->bdev);
		free(d);
		any = true;
	}
	return any;
}

/*
 * Stacked bdevs (plugins) before the ones they hold: whatever no one holds
 * goes first, until only what engines left to the process's exit hold.
 */
static void destroy_all_bdevs(struct service *s)
{
	for (struct reg_bdev *b = s->reg.bdevs; b; b = b->next)
		bdev_stop_opening(s, b);
	while (destroy_unheld_bdevs(s, false))
		;
	destroy_unheld_bdevs(s, true);
}

void service_stop(struct service *s)
{
	/* Callbacks that still run while draining must not re-arm or read. */
	s->stopping = true;
	while (s->ctrls)
		ctrl_destroy(s, s->ctrls);
	while (s->parked) {
		struct svc_parked *p = s->parked;

		s->parked = p->next;
		free(p);
	}
	for (unsigned int i = s->nr_workers; i-- > 1;)
		worker_destroy(&s->workers[i]);
	/* Detach first: that ends the parked wait, so the ring can go. */
	if (s->nr_workers && s->ds.fd >= 0 && !devsnap_detach(&s->ds))
		while (svc_wait.armed && ioloop_reap(&s->workers[0].loop, true) >= 0)
			;
	/* The polls still armed on the netlink socket die with the ring,
	 * without running their callbacks: only then close what they name. */
	if (s->nr_workers)
		worker_destroy(&s->workers[0]);
	/*
	 * With the rings gone no completion can come, and no engine op can
	 * run (their staging pools went with the workers): engines still
	 * waiting for backend I/O are left to the process's exit, and only
	 * then go the bdevs they held.
	 */
	for (unsigned int i = 0; i < s->nr_workers; i++) {
		while (s->shards[i].retiring) {
			struct svc_ctrl *c = s->shards[i].retiring;

			log_warn("function %u: leaving an engine whose backend I/O never ended",
				 c->func_id);
			s->shards[i].retiring = c->wnext;
			attached_release_all(c);
			devsnap_host_close(&c->dh);
			free(c->lanes);
			free(c->attached);
			free(c);
		}
	}
	destroy_all_bdevs(s);
	free(s->workers);
	free(s->shards);
	free(s->evq.ev);
	registry_free(&s->reg);
	snap_events_close(s->events);
	snap_nl_close(s->nl);
	if (s->ds.fd >= 0)
		devsnap_close(&s->ds);
	if (s->sigfd >= 0)
		close(s->sigfd);
	bdev_plugins_unload();
	log_notice("detached");
}
