// SPDX-License-Identifier: GPL-2.0
/*
 * bench_native: what one core gets out of the NVMe engine, next to what it
 * could get if every I/O had to cross into the kernel once.
 *
 * The engine is driven by the in-process host (no VM, no /dev/snap) with
 * 4 KiB reads on a null bdev, at several queue depths. On the same pinned
 * core, io_uring NOPs are submitted and reaped one at a time and in
 * batches: the rate of a syscall round trip that does no work, so the
 * ceiling any design paying one kernel crossing per I/O (or per batch)
 * could reach.
 *
 * One controller is also driven from 1 and 2 threads at once (-m threads),
 * each thread with an I/O queue pair of its own at depth 32 and the
 * controller's queue group that serves it: what spreading a controller's
 * queues over cores gains (the threads on the CPUs we may run on).
 *
 *   bench_native [-m all|engine|nop|threads] [-q DEPTH] [-n COMMANDS]
 *                [-t MS] [-r REPS] [-c CPU] [-J]
 *
 * -q runs one depth instead of the defaults (engine 1, 32, 128; NOP 1, 32;
 * threads 32 per queue);
 * -n fixes the commands per repetition (otherwise calibrated to -t
 * milliseconds); -J prints JSON. Under callgrind, use
 * --toggle-collect=engine_measured (or nop_measured) to count only the
 * measured loop.
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_inproc.h"
#include "nvme/nvme_ctrl.h"
#include "nvme/nvme_spec.h"

#define IO_BYTES	4096u
#define LBA_BYTES	512u
#define NS_BLOCKS	(64ull << 20 >> 9)	/* 64 MiB namespace */
#define IO_QUEUE_SIZE	1024u
#define MAX_DEPTH	(IO_QUEUE_SIZE - 1)
#define MAX_REPS	101
#define NOP_RING_SIZE	256u

static const unsigned int engine_depths[] = { 1, 32, 128 };
static const unsigned int nop_depths[] = { 1, 32 };
#define THREADS_DEPTH	32u
#define MAX_THREADS	2u

struct opts {
	bool engine, nop, threads;
	unsigned int depth;	/* 0: the default list */
	uint64_t count;		/* 0: calibrate */
	unsigned int target_ms;
	unsigned int reps;
	int cpu;		/* -1: the last one we may run on */
	bool json;
};

/* One measured configuration: rates of every repetition, in cmds/s. */
struct result {
	const char *kind;
	unsigned int threads;	/* "threads": how many drove the controller */
	unsigned int depth;
	uint64_t count;
	unsigned int reps;
	double rate[MAX_REPS];
	double median, min, max;
};

typedef uint64_t (*run_fn)(void *ctx, unsigned int depth, uint64_t count);

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_native: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ---- the NVMe engine behind the in-process host ---- */

struct engine {
	struct inproc_host *h;
	struct nvme_ctrl *c;
	struct bdev *b;
	uint64_t data;		/* host buffers: one 4 KiB page per slot */
	uint64_t lba;
	uint16_t qid;		/* the I/O queue pair this loop drives */
	unsigned int group;	/* the queue group serving it */
};

static void engine_sink(void *arg, const struct snap_event *ev)
{
	nvme_ctrl_event(arg, ev);
}

/* Admin commands are setup only: poll until the one completion shows. */
static void engine_admin(struct engine *e, struct nvme_sqe *s)
{
	struct nvme_cqe cqe;

	inproc_submit(e->h, 0, s);
	while (!inproc_reap(e->h, 0, &cqe))
		nvme_ctrl_poll(e->c);
	if (cqe.status >> 1) {
		fprintf(stderr, "bench_native: admin opcode %#x failed: %#x\n",
			s->opc, cqe.status >> 1);
		exit(1);
	}
}

/* I/O queue pair qid, interrupts on vector qid, as a host driver sets
 * it up. */
static void engine_create_queues(struct engine *e, uint16_t qid)
{
	struct nvme_sqe s;

	memset(&s, 0, sizeof(s));
	s.opc = NVME_ADM_CREATE_CQ;
	s.prp1 = inproc_mem_alloc(e->h, IO_QUEUE_SIZE * 16, 4096);
	s.cdw10 = qid | ((IO_QUEUE_SIZE - 1) << 16);
	s.cdw11 = 3 | ((uint32_t)qid << 16);
	engine_admin(e, &s);

	memset(&s, 0, sizeof(s));
	s.opc = NVME_ADM_CREATE_SQ;
	s.prp1 = inproc_mem_alloc(e->h, IO_QUEUE_SIZE * 64, 4096);
	s.cdw10 = qid | ((IO_QUEUE_SIZE - 1) << 16);
	s.cdw11 = 1 | ((uint32_t)qid << 16);
	engine_admin(e, &s);
}

static void engine_setup(struct engine *e)
{
	struct nvme_ctrl_cfg cfg;

	memset(e, 0, sizeof(*e));
	e->qid = 1;
	e->h = inproc_create(32u << 20, MAX_DEPTH, 4);
	if (!e->h)
		die("inproc_create", ENOMEM);
	/* Without the cache every 4 KiB bounce buffer would be a fresh
	 * aligned_alloc(): we would be timing malloc, not the engine. */
	e->h->buf_cache = true;
	nvme_ctrl_cfg_default(&cfg);
	cfg.num_msix = 4;
	e->c = nvme_ctrl_create(&cfg, &e->h->host);
	e->b = bdev_null_create("null0", NS_BLOCKS, LBA_BYTES);
	if (!e->c || !e->b || nvme_ctrl_attach_ns(e->c, 1, e->b, NULL))
		die("engine setup", EINVAL);
	inproc_set_sink(e->h, engine_sink, e->c);
	inproc_enable(e->h, 31, 31, inproc_mem_alloc(e->h, 32 * 64, 4096),
		      inproc_mem_alloc(e->h, 32 * 16, 4096),
		      (6u << 16) | (4u << 20));
	if (!inproc_ready(e->h))
		die("controller did not become ready", EIO);
	engine_create_queues(e, 1);
	e->data = inproc_mem_alloc(e->h, (uint64_t)MAX_DEPTH * IO_BYTES, 4096);
	if (!e->data)
		die("host buffers", ENOMEM);
}

static void engine_teardown(struct engine *e)
{
	while (!nvme_ctrl_idle(e->c))
		nvme_ctrl_poll(e->c);
	nvme_ctrl_destroy(e->c);
	bdev_destroy(e->b);
	inproc_destroy(e->h);
}

/* Queue reads until depth are in flight; returns how many were queued. */
static unsigned int engine_fill(struct engine *e, unsigned int room,
				uint64_t *sent)
{
	const uint32_t blocks = IO_BYTES / LBA_BYTES;
	struct nvme_sqe s;
	unsigned int n;

	memset(&s, 0, sizeof(s));
	s.opc = NVME_IO_READ;
	s.nsid = 1;
	s.cdw12 = blocks - 1;
	for (n = 0; n < room; n++) {
		s.cid = (uint16_t)*sent;
		s.prp1 = e->data + (*sent % MAX_DEPTH) * IO_BYTES;
		s.cdw10 = (uint32_t)e->lba;
		s.cdw11 = (uint32_t)(e->lba >> 32);
		if (inproc_sq_write(e->h, e->qid, &s))
			break;
		e->lba = (e->lba + blocks) % (NS_BLOCKS - blocks + 1);
		(*sent)++;
	}
	return n;
}

/* Reap every posted completion; a failed read ends the run. */
static uint64_t engine_reap(struct engine *e)
{
	struct nvme_cqe cqe;
	uint64_t n = 0;

	while (inproc_reap_quiet(e->h, e->qid, &cqe)) {
		if (cqe.status >> 1) {
			fprintf(stderr, "bench_native: read failed: %#x\n",
				cqe.status >> 1);
			exit(1);
		}
		n++;
	}
	if (n)
		inproc_cq_ring(e->h, e->qid);
	return n;
}

/*
 * The host driver's loop: one SQ doorbell per batch, then poll the engine
 * and reap, one CQ doorbell per batch. Not inlined, so that callgrind can
 * tell this loop from the setup around it.
 */
static __attribute__((noinline)) uint64_t
engine_loop(struct engine *e, unsigned int depth, uint64_t count)
{
	uint64_t sent = 0, done = 0;

	while (done < count) {
		uint64_t want = count - sent, room = depth - (sent - done);

		if (room > want)
			room = want;
		if (room && engine_fill(e, (unsigned int)room, &sent))
			inproc_sq_ring(e->h, e->qid);
		if (e->group)
			nvme_ctrl_group_poll(e->c, e->group);
		else
			nvme_ctrl_poll(e->c);
		done += engine_reap(e);
	}
	return done;
}

/* The callgrind toggle point for the engine (see the header comment). */
static __attribute__((noinline)) uint64_t
engine_measured(void *ctx, unsigned int depth, uint64_t count)
{
	return engine_loop(ctx, depth, count);
}

/* ---- one controller, several threads ---- */

/*
 * The controller of engine_setup() with a queue group and an I/O queue
 * pair per thread; each thread's loop is engine_loop() on its own queue,
 * through its own view of the host. The host's doorbells reach nobody
 * (no sink): every thread polls its group, as the daemon's threads do.
 */
struct mt {
	struct engine lanes[MAX_THREADS];
	struct inproc_host *views[MAX_THREADS];
	unsigned int threads;
	int cpus[MAX_THREADS];
	pthread_barrier_t start;
	unsigned int depth;	/* per queue */
	uint64_t count;		/* per thread, per run */
};

/* The CPUs we may run on, before main() pinned us to one. */
static cpu_set_t allowed_cpus;

struct mt_arg {
	struct mt *m;
	unsigned int i;
	uint64_t done;
};

static void mt_setup(struct mt *m, unsigned int threads, int first_cpu)
{
	struct engine *e0 = &m->lanes[0];
	unsigned int i;
	int cpu = first_cpu;

	memset(m, 0, sizeof(*m));
	m->threads = threads;
	engine_setup(e0);
	inproc_set_sink(e0->h, NULL, NULL);
	for (i = 0; i < threads; i++) {
		struct engine *e = &m->lanes[i];

		/* the CPUs we may use, from the pinned one on (wrapping) */
		while (i && !CPU_ISSET(cpu, &allowed_cpus))
			cpu = (cpu + 1) % CPU_SETSIZE;
		m->cpus[i] = cpu;
		cpu = (cpu + 1) % CPU_SETSIZE;
		if (!i)
			continue;
		*e = *e0;
		e->qid = (uint16_t)(i + 1);
		m->views[i] = inproc_view(e0->h);
		if (!m->views[i] ||
		    nvme_ctrl_add_group(e0->c, &m->views[i]->host) != (int)i)
			die("a queue group", ENOMEM);
		e->group = i;
		e->lba = (uint64_t)i * (NS_BLOCKS / MAX_THREADS);
		engine_create_queues(e0, e->qid);
		e->data = inproc_mem_alloc(e0->h, (uint64_t)MAX_DEPTH * IO_BYTES, 4096);
		if (!e->data)
			die("host buffers", ENOMEM);
	}
	if (pthread_barrier_init(&m->start, NULL, threads))
		die("pthread_barrier_init", EINVAL);
}

static void mt_teardown(struct mt *m)
{
	for (unsigned int i = 1; i < m->threads; i++) {
		nvme_ctrl_group_exit(m->lanes[0].c, i);
		inproc_view_destroy(m->views[i]);
	}
	pthread_barrier_destroy(&m->start);
	engine_teardown(&m->lanes[0]);
}

static void *mt_thread(void *p)
{
	struct mt_arg *a = p;
	struct mt *m = a->m;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(m->cpus[a->i], &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(&m->start);
	a->done = engine_loop(&m->lanes[a->i], m->depth, m->count);
	return NULL;
}

/* count commands split over the threads; every one must come back. */
static __attribute__((noinline)) uint64_t
mt_measured(void *ctx, unsigned int depth, uint64_t count)
{
	struct mt *m = ctx;
	struct mt_arg args[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	uint64_t done = 0;
	unsigned int i;

	m->depth = depth;
	m->count = count / m->threads;
	for (i = 0; i < m->threads; i++) {
		args[i] = (struct mt_arg){ .m = m, .i = i };
		if (i && pthread_create(&th[i], NULL, mt_thread, &args[i]))
			die("pthread_create", EAGAIN);
	}
	mt_thread(&args[0]);
	for (i = 0; i < m->threads; i++) {
		if (i)
			pthread_join(th[i], NULL);
		done += args[i].done;
	}
	/* a remainder of count the split left out counts as done */
	return done + count % m->threads;
}

/* ---- io_uring NOP round trips ---- */

static uint64_t nop_reap(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(ring, head, cqe) {
		if (cqe->res < 0)
			die("IORING_OP_NOP", -cqe->res);
		n++;
	}
	io_uring_cq_advance(ring, n);
	return n;
}

/*
 * Keep depth NOPs in flight: queue what fits, then one io_uring_enter()
 * that submits them and waits for at least one completion. At depth 1
 * that is one kernel crossing per NOP.
 */
static __attribute__((noinline)) uint64_t
nop_loop(struct io_uring *ring, unsigned int depth, uint64_t count)
{
	uint64_t sent = 0, done = 0;

	while (done < count) {
		int ret;

		while (sent - done < depth && sent < count) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			if (!sqe)
				break;
			io_uring_prep_nop(sqe);
			sent++;
		}
		/* An SQE left unsubmitted (signal) goes with the next call. */
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR)
			die("io_uring_submit_and_wait", -ret);
		done += nop_reap(ring);
	}
	return done;
}

static __attribute__((noinline)) uint64_t
nop_measured(void *ctx, unsigned int depth, uint64_t count)
{
	return nop_loop(ctx, depth, count);
}

/* ---- measurement ---- */

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timed_run(run_fn fn, void *ctx, unsigned int depth,
			uint64_t count)
{
	double t0 = now_sec(), secs;

	if (fn(ctx, depth, count) != count)
		die("lost commands", EIO);
	secs = now_sec() - t0;
	return secs > 0 ? secs : 1e-9;
}

/*
 * A command count that takes about target_ms: grow a trial run until it
 * lasts long enough to scale from. Doubles as the warm-up (buffer cache,
 * page faults, branch predictors).
 */
static uint64_t calibrate(run_fn fn, void *ctx, unsigned int depth,
			  unsigned int target_ms)
{
	uint64_t count = 1000;
	double secs;

	for (;;) {
		secs = timed_run(fn, ctx, depth, count);
		if (secs * 1000 >= target_ms / 10.0 || count >= (1ull << 40))
			break;
		count *= 10;
	}
	count = (uint64_t)((double)count * target_ms / 1000.0 / secs);
	return count > depth ? count : depth;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void summarize(struct result *r)
{
	double sorted[MAX_REPS];
	unsigned int n = r->reps;

	memcpy(sorted, r->rate, n * sizeof(double));
	qsort(sorted, n, sizeof(double), cmp_double);
	r->min = sorted[0];
	r->max = sorted[n - 1];
	r->median = n % 2 ? sorted[n / 2] :
			    (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void measure(struct result *r, const struct opts *o, run_fn fn,
		    void *ctx, const char *kind, unsigned int depth)
{
	unsigned int i;

	r->kind = kind;
	r->depth = depth;
	r->reps = o->reps;
	r->count = o->count ? o->count :
			      calibrate(fn, ctx, depth, o->target_ms);
	for (i = 0; i < o->reps; i++)
		r->rate[i] = (double)r->count /
			     timed_run(fn, ctx, depth, r->count);
	summarize(r);
}

/* ---- the core we run on ---- */

static int last_allowed_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity", errno);
	for (cpu = CPU_SETSIZE - 1; cpu > 0; cpu--)
		if (CPU_ISSET(cpu, &set))
			break;
	return cpu;
}

/* Both the engine and the NOPs must be measured on the same core, or the
 * ratio compares two CPUs as much as two designs. */
static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		cpu = last_allowed_cpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
	return cpu;
}

/* ---- output ---- */

static const struct result *find(const struct result *rs, unsigned int n,
				 const char *kind, unsigned int depth)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(rs[i].kind, kind) && rs[i].depth == depth)
			return &rs[i];
	return NULL;
}

static double ratio_to(const struct result *r, const struct result *nop)
{
	return nop && nop->median > 0 ? r->median / nop->median : 0;
}

static const char *what_of(const struct result *r)
{
	if (!strcmp(r->kind, "threads"))
		return r->threads > 1 ? "1 ctrl, 2 threads" : "1 ctrl, 1 thread";
	return strcmp(r->kind, "engine") ? "io_uring NOP" : "engine 4K read null";
}

static void print_table(const struct result *rs, unsigned int n, int cpu)
{
	const struct result *nop1 = find(rs, n, "nop", 1);
	const struct result *nop32 = find(rs, n, "nop", 32);
	unsigned int i;

	printf("cpu %d, %u repetitions, median (min..max) commands/s\n",
	       cpu, n ? rs[0].reps : 0);
	printf("%-18s %5s %12s %12s %12s %8s %8s\n", "what", "QD", "median",
	       "min", "max", "/NOP1", "/NOP32");
	for (i = 0; i < n; i++) {
		const struct result *r = &rs[i];

		printf("%-18s %5u %12.0f %12.0f %12.0f %8.2f %8.2f\n",
		       what_of(r), r->depth, r->median, r->min, r->max,
		       ratio_to(r, nop1), ratio_to(r, nop32));
	}
}

static void print_json(const struct result *rs, unsigned int n, int cpu)
{
	unsigned int i, j;

	printf("{\"cpu\": %d, \"io_bytes\": %u, \"results\": [", cpu, IO_BYTES);
	for (i = 0; i < n; i++) {
		const struct result *r = &rs[i];

		printf("%s\n  {\"kind\": \"%s\", \"threads\": %u, \"qd\": %u, "
		       "\"commands\": %llu, \"reps\": %u, \"median\": %.1f, "
		       "\"min\": %.1f, \"max\": %.1f, \"samples\": [",
		       i ? "," : "", r->kind, r->threads ? r->threads : 1,
		       r->depth, (unsigned long long)r->count, r->reps,
		       r->median, r->min, r->max);
		for (j = 0; j < r->reps; j++)
			printf("%s%.1f", j ? ", " : "", r->rate[j]);
		printf("]}");
	}
	printf("\n]}\n");
}

/* ---- main ---- */

static int parse(int argc, char **argv, struct opts *o)
{
	const char *mode = "all";
	int c;

	*o = (struct opts){ .target_ms = 250, .reps = 5, .cpu = -1 };
	while ((c = getopt(argc, argv, "m:q:n:t:r:c:J")) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 'q': o->depth = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'n': o->count = strtoull(optarg, NULL, 0); break;
		case 't': o->target_ms = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': o->reps = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': o->cpu = (int)strtol(optarg, NULL, 0); break;
		case 'J': o->json = true; break;
		default: return -1;
		}
	}
	o->engine = !strcmp(mode, "all") || !strcmp(mode, "engine");
	o->nop = !strcmp(mode, "all") || !strcmp(mode, "nop");
	o->threads = !strcmp(mode, "all") || !strcmp(mode, "threads");
	if (optind != argc || (!o->engine && !o->nop && !o->threads) ||
	    o->depth > MAX_DEPTH ||
	    (o->nop && o->depth > NOP_RING_SIZE) || !o->target_ms ||
	    !o->reps || o->reps > MAX_REPS)
		return -1;
	return 0;
}

static unsigned int run_engine(const struct opts *o, struct result *rs)
{
	unsigned int i, n = 0;
	struct engine e;

	engine_setup(&e);
	for (i = 0; i < sizeof(engine_depths) / sizeof(engine_depths[0]); i++) {
		unsigned int depth = o->depth ? o->depth : engine_depths[i];

		measure(&rs[n++], o, engine_measured, &e, "engine", depth);
		if (o->depth)
			break;
	}
	engine_teardown(&e);
	return n;
}

/* One controller from 1, then 2 threads; a queue each at depth 32. */
static unsigned int run_threads(const struct opts *o, struct result *rs,
				int cpu)
{
	unsigned int t, n = 0;

	for (t = 1; t <= MAX_THREADS; t++) {
		struct mt m;

		mt_setup(&m, t, cpu);
		measure(&rs[n], o, mt_measured, &m, "threads",
			o->depth ? o->depth : THREADS_DEPTH);
		rs[n++].threads = t;
		mt_teardown(&m);
	}
	return n;
}

static unsigned int run_nop(const struct opts *o, struct result *rs)
{
	struct io_uring ring;
	unsigned int i, n = 0;
	int ret;

	ret = io_uring_queue_init(NOP_RING_SIZE, &ring, 0);
	if (ret)
		die("io_uring_queue_init", -ret);
	for (i = 0; i < sizeof(nop_depths) / sizeof(nop_depths[0]); i++) {
		unsigned int depth = o->depth ? o->depth : nop_depths[i];

		measure(&rs[n++], o, nop_measured, &ring, "nop", depth);
		if (o->depth)
			break;
	}
	io_uring_queue_exit(&ring);
	return n;
}

int main(int argc, char **argv)
{
	struct result rs[8];
	unsigned int n = 0;
	struct opts o;
	int cpu;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: bench_native [-m all|engine|nop|threads] "
			"[-q DEPTH] [-n COMMANDS] [-t MS] [-r REPS] [-c CPU] "
			"[-J]\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(allowed_cpus), &allowed_cpus))
		die("sched_getaffinity", errno);
	cpu = pin_to_cpu(o.cpu);
	if (o.engine)
		n += run_engine(&o, rs + n);
	if (o.nop)
		n += run_nop(&o, rs + n);
	if (o.threads)
		n += run_threads(&o, rs + n, cpu);
	if (o.json)
		print_json(rs, n, cpu);
	else
		print_table(rs, n, cpu);
	return 0;
}
