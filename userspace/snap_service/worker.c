// SPDX-License-Identifier: GPL-2.0
/* I/O threads and their mailboxes. */
#include "worker.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

__thread struct svc_worker *worker_current;

struct worker_mail {
	struct worker_mail *next;
	worker_fn fn;			/* NULL: an event */
	void *arg;
	bool done;			/* a call: set once fn has run */
	struct snap_event ev;
};

static void on_wake(struct ioloop_req *req, int res)
{
	struct worker_wake *wake = (struct worker_wake *)req;

	(void)res;
	wake->armed = false;
}

/* The eventfd stays readable until read, so mail posted before the read
 * is armed still ends the next wait. */
static void arm_wake(struct svc_worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->wake.armed)
		return;
	w->wake.req.cb = on_wake;
	sqe = ioloop_sqe(&w->loop, &w->wake.req);
	if (!sqe)
		return;
	io_uring_prep_read(sqe, w->wake_fd, &w->wake.value, sizeof(w->wake.value), 0);
	w->wake.armed = true;
}

/*
 * bufpool's grow: the chunk becomes resident, then goes into the ring's
 * table (without it, I/O on the chunk still works, by plain reads and
 * writes).
 */
static int grow_chunk(void *ctx, void *chunk)
{
	struct svc_worker *w = ctx;
	int ret = w->pool_src.make_resident(w->pool_src.ctx, chunk);

	if (ret) {
		log_warn("thread %u: no more staging memory: %s", w->index, strerror(-ret));
		return ret;
	}
	if (w->pool_src.map && ioloop_register_chunk(&w->loop, chunk))
		log_debug("thread %u: a pool chunk is not a fixed buffer", w->index);
	return 0;
}

static void register_pool(struct svc_worker *w)
{
	const struct worker_pool *p = &w->pool_src;
	int ret;

	if (!p->map)
		return;
	if (p->make_resident)
		ret = ioloop_register_pool_sparse(&w->loop, p->map, p->map_len);
	else
		ret = ioloop_register_pool(&w->loop, p->map, p->map_len);
	if (ret)
		log_warn("thread %u: pool not registered as fixed buffers: %s", w->index,
			 strerror(-ret));
}

static int init_pool(struct svc_worker *w)
{
	const struct worker_pool *p = &w->pool_src;

	if (p->make_resident)
		return bufpool_init_growing(&w->pool, p->base, p->len, grow_chunk, w);
	return bufpool_init(&w->pool, p->base, p->len);
}

int worker_init(struct svc_worker *w, unsigned int index, int cpu,
		const struct worker_ops *ops, void *priv,
		unsigned int loop_entries, const struct worker_pool *pool)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->index = index;
	w->cpu = cpu;
	w->ops = ops;
	w->priv = priv;
	w->pool_src = *pool;
	w->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (w->wake_fd < 0)
		return -errno;
	ret = ioloop_init(&w->loop, loop_entries);
	if (ret)
		goto close_wake;
	ret = init_pool(w);
	if (ret)
		goto exit_loop;
	register_pool(w);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->ready = true;
	return 0;

exit_loop:
	ioloop_exit(&w->loop);
close_wake:
	close(w->wake_fd);
	return ret;
}

static int pin(struct svc_worker *w)
{
	cpu_set_t set;
	int ret;

	if (w->cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret)
		log_err("thread %u: cannot run on CPU %d: %s", w->index, w->cpu,
			strerror(ret));
	return -ret;
}

int worker_adopt(struct svc_worker *w)
{
	worker_current = w;
	ioloop_current = &w->loop;
	return pin(w);
}

int worker_run_mail(struct svc_worker *w)
{
	struct worker_mail *list, *m;
	int n = 0;

	pthread_mutex_lock(&w->lock);
	list = w->head;
	w->head = w->tail = NULL;
	pthread_mutex_unlock(&w->lock);
	while ((m = list)) {
		list = m->next;
		n++;
		if (!m->fn) {
			w->ops->event(w, &m->ev);
			free(m);
			continue;
		}
		m->fn(w, m->arg);
		/* m lives on the caller's stack: gone once done is seen. */
		pthread_mutex_lock(&w->lock);
		m->done = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	return n;
}

/*
 * The coarse clock: read from the vDSO without touching the clock
 * hardware (the TCG guest's HPET costs a trap per read), with a tick's
 * resolution, plenty for a window of milliseconds.
 */
static uint64_t coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One tick of the coarse clock, in whole milliseconds (4 at HZ=250). */
static unsigned int coarse_tick_ms(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res))
		return 10;
	return (unsigned int)(res.tv_sec * 1000 + (res.tv_nsec + 999999) / 1000000);
}

/*
 * The coarse clock moves in ticks: work just before a tick read "now" a
 * tick early, so a window of busy_poll_ms ending by that clock could end
 * at the very next tick, a fraction of a millisecond after the work (a
 * 2 ms window ended at every 4 ms tick, and under steady QD1 load the
 * thread fell asleep once per tick, each time costing the next command a
 * wake-up through the kernel's poller). A tick more makes it last at
 * least busy_poll_ms.
 */
void worker_set_busy_poll(struct svc_worker *w, unsigned int ms)
{
	w->busy_poll_ms = ms;
	w->busy_slack_ms = ms ? coarse_tick_ms() : 0;
	w->busy_until_ms = 0;
}

bool worker_busy_polling(const struct svc_worker *w)
{
	return w->busy_poll_ms && coarse_ms() < w->busy_until_ms;
}

/*
 * A worker that just did work polls on for at least busy_poll_ms: the next
 * doorbell then costs no wake-up (the host's next command usually
 * follows the last completion within microseconds to a millisecond).
 * A window without work puts it back to sleep on its ring.
 */
int worker_run_once(struct svc_worker *w, bool may_sleep)
{
	bool polling = worker_busy_polling(w);
	int n;

	arm_wake(w);
	n = worker_run_mail(w);
	n += w->ops->poll(w);
	n += ioloop_reap(&w->loop, may_sleep && !n && !polling);
	if (n > 0 && w->busy_poll_ms)
		w->busy_until_ms = coarse_ms() + w->busy_poll_ms + w->busy_slack_ms;
	return n;
}

static void *worker_main(void *arg)
{
	struct svc_worker *w = arg;

	worker_adopt(w);
	while (!w->stop)
		if (worker_run_once(w, true) < 0)
			log_err("thread %u: io_uring wait failed", w->index);
	return NULL;
}

int worker_start(struct svc_worker *w)
{
	char name[16];
	int ret = pthread_create(&w->thread, NULL, worker_main, w);

	if (ret)
		return -ret;
	w->threaded = true;
	/* top -H, perf and the tests tell the I/O threads apart by it */
	snprintf(name, sizeof(name), "snap_io%u", w->index);
	pthread_setname_np(w->thread, name);
	return 0;
}

/* Mail is taken in order; the wake goes only to an empty box, as a
 * non-empty one has been woken already. */
static void post(struct svc_worker *w, struct worker_mail *m)
{
	uint64_t one = 1;
	bool was_empty;

	m->next = NULL;
	pthread_mutex_lock(&w->lock);
	was_empty = !w->head;
	if (w->tail)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	pthread_mutex_unlock(&w->lock);
	if (was_empty && write(w->wake_fd, &one, sizeof(one)) != sizeof(one))
		log_err("thread %u: cannot wake: %s", w->index, strerror(errno));
}

int worker_post_event(struct svc_worker *w, const struct snap_event *ev)
{
	struct worker_mail *m;

	if (w == worker_current) {
		w->ops->event(w, ev);
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ev = *ev;
	post(w, m);
	return 0;
}

/* What the waiting thread does meanwhile: serve its own queues. */
static void serve_while_waiting(void)
{
	struct svc_worker *self = worker_current;

	if (!self)
		return;
	self->ops->poll(self);
	ioloop_submit(&self->loop);
	ioloop_reap(&self->loop, false);
}

void worker_call(struct svc_worker *w, worker_fn fn, void *arg)
{
	struct worker_mail m = { .fn = fn, .arg = arg };

	if (w == worker_current || !w->threaded) {
		fn(w, arg);
		return;
	}
	post(w, &m);
	pthread_mutex_lock(&w->lock);
	while (!m.done) {
		struct timespec ts;

		if (!worker_current) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		serve_while_waiting();
		pthread_mutex_lock(&w->lock);
		if (m.done)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
}

static void stop_fn(struct svc_worker *w, void *arg)
{
	(void)arg;
	w->stop = true;
}

void worker_destroy(struct svc_worker *w)
{
	if (!w->ready)
		return;
	if (w->threaded) {
		worker_call(w, stop_fn, NULL);
		pthread_join(w->thread, NULL);
		w->threaded = false;
	}
	/* Events nobody will serve any more (no call can be waiting). */
	while (w->head) {
		struct worker_mail *m = w->head;

		w->head = m->next;
		if (!m->fn)
			free(m);
	}
	if (worker_current == w)
		worker_current = NULL;
	ioloop_exit(&w->loop);
	bufpool_destroy(&w->pool);
	close(w->wake_fd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	w->ready = false;
}
