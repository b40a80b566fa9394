// SPDX-License-Identifier: GPL-2.0
/*
 * snap_abifuzz: random and mutated requests against snap.ko's ABI, for the
 * VM selftests. The kernel must survive whatever comes: the test that runs
 * this looks for oopses, WARNs and sanitizer reports afterwards, and for
 * damage to a controller the fuzzer was told to leave alone.
 *
 * usage: snap_abifuzz [--seed N] [--ops N] [--attach] [--exclude NAME]...
 *                     [--verbose] MODE
 *   MODE ioctl    SNAP_IOC_* on a /dev/snap file of its own: mutated valid
 *                 arguments, wrong sizes and directions, numbers near the
 *                 magic, ATTACH/DETACH/INFO, mmap of every kind of offset
 *   MODE uring    the same arguments as IORING_OP_URING_CMD, plus bogus
 *                 cmd_op values and SQE fields
 *   MODE netlink  every command of the "snap" family, doit and dump: well
 *                 formed, mutated (wrong types, sizes, nesting, strings)
 *                 and random attributes, plus create/delete chains so that
 *                 objects churn; deletes what it created at the end
 *   --attach      ioctl and uring: attach as the daemon first (none may be
 *                 attached), map the pool and every function's state, so
 *                 that data-path operations get past the attach check and
 *                 reach their argument checks (and the host's queues)
 *   --exclude     netlink: never name this object (controller, bdev, NQN)
 * Each run prints its seed; the same seed sends the same requests as long
 * as the kernel answers the same. The summary (operations, accepted,
 * errno histogram) goes to stdout as "# " lines. Exit status: 0 when the
 * run completed, 1 when the fuzzer could not do its job (no /dev/snap, no
 * family, a request that got no answer), 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <liburing.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/snap.h>

#include "nl-gen.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096U
#define MAX_FUNCS	32
#define MAX_EXCLUDE	16
#define SYSFS_FUNCS	"/sys/class/snap/sim0/functions"
/* Pool chunks the fuzzer makes resident when it attaches: 16 MiB. */
#define RESIDENT_CHUNKS	8

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("snap_abifuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------------------ */
/* the seeded generator: xorshift64*, seeded through splitmix64 */

static uint64_t rng;

static void rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng = (z ^ (z >> 31)) | 1;
}

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* Values at the edges where checks tend to be wrong. */
static const uint64_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 65, 127, 128, 255, 256, 257,
	511, 512, 1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097, 0x7fff, 0x8000,
	0xfffe, 0xffff, 0x10000, 0x1fffff, 0x200000, 0x200001, 0x7fffffff,
	0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL,
};

static uint64_t rnd_interesting(void)
{
	return interesting[below(ARRAY_SIZE(interesting))];
}

/* Mostly edges and small numbers, sometimes anything. */
static uint64_t rnd_value(void)
{
	switch (below(4)) {
	case 0:
	case 1:
		return rnd_interesting();
	case 2:
		return below(300);
	default:
		return rnd() >> below(64);
	}
}

/* ------------------------------------------------------------------ */
/* what happened: per operation kind, and errnos */

struct opstat {
	const char *name;
	unsigned long sent, ok;
};

#define MAX_KINDS	64
#define MAX_ERRNO	4096

static struct opstat kinds[MAX_KINDS];
static unsigned int nkinds;
static unsigned long errs[MAX_ERRNO + 1];	/* [MAX_ERRNO]: anything else */
static unsigned long total_ops, total_ok, dp_ok;
static bool verbose;

static unsigned int kind_id(const char *name)
{
	for (unsigned int i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i].name, name))
			return i;
	if (nkinds == MAX_KINDS)
		die("too many operation kinds");
	kinds[nkinds].name = name;
	return nkinds++;
}

/* Records one result: >= 0 accepted, < 0 a -errno. */
static void record(unsigned int kind, long ret, bool datapath)
{
	total_ops++;
	kinds[kind].sent++;
	if (ret >= 0) {
		total_ok++;
		kinds[kind].ok++;
		if (datapath)
			dp_ok++;
		return;
	}
	errs[-ret < MAX_ERRNO ? -ret : MAX_ERRNO]++;
}

static const char *errno_name(int e)
{
	const char *n = e < MAX_ERRNO ? strerrorname_np(e) : NULL;
	static char buf[24];

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void summary(const char *mode, uint64_t seed)
{
	bool used[MAX_ERRNO + 1] = { false };

	printf("# abifuzz %s: seed %" PRIu64 ": %lu operations, %lu accepted", mode, seed,
	       total_ops, total_ok);
	if (strcmp(mode, "netlink"))
		printf(", %lu data-path operations accepted", dp_ok);
	printf("\n");
	printf("# abifuzz %s: errno top 5:", mode);
	for (int k = 0; k < 5; k++) {
		int best = -1;

		for (int e = 0; e <= MAX_ERRNO; e++)
			if (!used[e] && errs[e] && (best < 0 || errs[e] > errs[best]))
				best = e;
		if (best < 0)
			break;
		used[best] = true;
		printf(" %s %lu", best == MAX_ERRNO ? "other" : errno_name(best), errs[best]);
	}
	printf("\n");
	for (unsigned int i = 0; i < nkinds; i++)
		printf("# abifuzz %s:   %-22s %7lu sent %7lu accepted\n", mode, kinds[i].name,
		       kinds[i].sent, kinds[i].ok);
	fflush(stdout);
}

static void progress(const char *mode, unsigned long i, unsigned long n)
{
	if (i && i % 5000 == 0) {
		fprintf(stderr, "abifuzz %s: %lu/%lu\n", mode, i, n);
		fflush(stderr);
	}
}

/* ------------------------------------------------------------------ */
/* the emulated functions, from sysfs */

struct func {
	uint32_t id;
	bool virtio;
	char vuid[64];
	struct snap_fn_state *fs;	/* mapped when attached, else NULL */
};

static struct func funcs[MAX_FUNCS];
static unsigned int nfuncs;

static void find_funcs(void)
{
	DIR *d = opendir(SYSFS_FUNCS);
	struct dirent *de;

	if (!d)
		die("%s: %s (is snap.ko loaded?)", SYSFS_FUNCS, strerror(errno));
	while ((de = readdir(d)) && nfuncs < MAX_FUNCS) {
		char path[512];
		unsigned int id;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/vhca_id", SYSFS_FUNCS, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%u", &id) == 1) {
			funcs[nfuncs].id = id;
			funcs[nfuncs].virtio = strstr(de->d_name, "VBLK") != NULL;
			snprintf(funcs[nfuncs].vuid, sizeof(funcs[nfuncs].vuid), "%.63s",
				 de->d_name);
			nfuncs++;
		}
		fclose(f);
	}
	closedir(d);
	if (!nfuncs)
		die("no emulated functions under %s", SYSFS_FUNCS);
}

static struct func *rnd_func(void)
{
	return &funcs[below(nfuncs)];
}

/* A function a host driver has enabled (its queues are real), or NULL. */
static struct func *live_func(void)
{
	struct func *live[MAX_FUNCS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < nfuncs; i++)
		if (funcs[i].fs && (funcs[i].virtio ? funcs[i].fs->device_status & 4 :
				    funcs[i].fs->cc & 1))
			live[n++] = &funcs[i];
	return n ? live[below(n)] : NULL;
}

/* A live function often, another real one mostly, else an edge. */
static uint32_t rnd_func_id(void)
{
	struct func *f = chance(60) ? live_func() : NULL;

	if (f)
		return f->id;
	return chance(85) ? rnd_func()->id : (uint32_t)rnd_value();
}

static struct func *func_by_id(uint32_t id)
{
	for (unsigned int i = 0; i < nfuncs; i++)
		if (funcs[i].id == id)
			return &funcs[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* /dev/snap: the file, the attachment, its mappings */

struct dev {
	int fd;
	bool attach;		/* --attach: be the daemon */
	bool attached;
	uint8_t *pool;
	uint64_t pool_size;
	unsigned long reattaches;
};

static struct dev dev = { .fd = -1 };

static const struct snap_ioc_attach good_attach = {
	.abi_major = SNAP_ABI_MAJOR, .abi_minor = SNAP_ABI_MINOR, .features = SNAP_F_ALL,
};

static void dev_open(void)
{
	dev.fd = open("/dev/" SNAP_DEV_NAME, O_RDWR | O_CLOEXEC);
	if (dev.fd < 0)
		die("/dev/" SNAP_DEV_NAME ": %s", strerror(errno));
}

static void map_states(void)
{
	for (unsigned int i = 0; i < nfuncs; i++) {
		void *p;

		if (funcs[i].fs)
			continue;
		p = mmap(NULL, sizeof(struct snap_fn_state), PROT_READ | PROT_WRITE, MAP_SHARED,
			 dev.fd, (off_t)SNAP_MMAP_FN_STATE(funcs[i].id));
		if (p != MAP_FAILED)
			funcs[i].fs = p;
	}
}

/* Attaches as the daemon; maps the pool once and the functions' state. */
static void dev_attach(void)
{
	struct snap_ioc_attach at = good_attach;
	struct snap_ioc_info info = { 0 };
	struct snap_pool_grow g = { 0 };

	if (ioctl(dev.fd, SNAP_IOC_ATTACH, &at))
		die("SNAP_IOC_ATTACH: %s (is a daemon attached?)", strerror(errno));
	dev.attached = true;
	if (dev.pool)
		return;
	if (ioctl(dev.fd, SNAP_IOC_INFO, &info))
		die("SNAP_IOC_INFO: %s", strerror(errno));
	dev.pool_size = info.pool_size;
	dev.pool = mmap(NULL, dev.pool_size, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd,
			SNAP_MMAP_POOL);
	if (dev.pool == MAP_FAILED)
		die("mmap of the pool: %s", strerror(errno));
	g.len = (uint64_t)RESIDENT_CHUNKS * SNAP_POOL_CHUNK_SIZE;
	if (g.len > dev.pool_size)
		g.len = dev.pool_size;
	if (ioctl(dev.fd, SNAP_IOC_POOL_GROW, &g))
		die("SNAP_IOC_POOL_GROW: %s", strerror(errno));
	map_states();
}

/* After a DETACH the fuzzer sent got through: be the daemon again. */
static void dev_reattach(void)
{
	struct snap_ioc_attach at = good_attach;

	if (ioctl(dev.fd, SNAP_IOC_ATTACH, &at) == 0) {
		dev.attached = true;
		dev.reattaches++;
	}
}

/* ------------------------------------------------------------------ */
/* touching memory that may not be there */

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touching;

static void on_fault(int sig)
{
	if (touching)
		siglongjmp(touch_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_fault };
	struct sigaction al = { .sa_handler = on_alarm };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigemptyset(&al.sa_mask);
	sigaction(SIGALRM, &al, NULL);
}

/* Reads and maybe writes a few bytes of @p[0, len); false on a fault. */
static bool touch(uint8_t *p, size_t len, bool write)
{
	volatile uint8_t *v = p;
	size_t off;

	if (!len)
		return true;
	touching = 1;
	if (sigsetjmp(touch_jmp, 1)) {
		touching = 0;
		return false;
	}
	for (int i = 0; i < 4; i++) {
		off = below(len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
		if (write)
			v[off] = v[off] ^ (uint8_t)rnd();
		else
			(void)v[off];
	}
	touching = 0;
	return true;
}

/* ------------------------------------------------------------------ */
/* argument buffers */

/*
 * Arguments and the arrays they point to live here; the last page is
 * PROT_NONE, so an argument placed at its edge makes the kernel's copy
 * fault part way.
 */
#define ARENA_PAGES	48
static uint8_t *arena;

static void arena_init(void)
{
	arena = mmap(NULL, (ARENA_PAGES + 1) * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	mprotect(arena + ARENA_PAGES * PAGE, PAGE, PROT_NONE);
}

/* Arrays: events, segments, completions, slots, used elements, peeks. */
#define ARR_EVENTS	(arena)
#define ARR_SEGS	(arena + 8 * PAGE)	/* 1025 segments: 6.1 pages */
#define ARR_CQES	(arena + 16 * PAGE)
#define ARR_SLOTS	(arena + 18 * PAGE)
#define ARR_ELEMS	(arena + 19 * PAGE)
#define ARR_PEEKS	(arena + 19 * PAGE + PAGE / 2)	/* 64 peeks: 2 KiB */
#define ARR_ARG		(arena + 20 * PAGE)
#define GUARD		(arena + ARENA_PAGES * PAGE)

/* A user pointer for an array argument: mostly @good, sometimes a bad one. */
static uint64_t rnd_ptr(void *good, size_t len)
{
	switch (chance(92) ? 0 : below(6)) {
	case 0:
		return (uintptr_t)good;
	case 1:
		return 0;
	case 2:		/* its end runs into the guard page */
		return (uintptr_t)(GUARD - (len > 8 ? below((uint32_t)len) : 0));
	case 3:
		return 0xffff888000000000ULL + below(1 << 20);	/* the kernel's */
	case 4:
		return (uintptr_t)good + 1 + below(7);	/* misaligned */
	default:
		return rnd();
	}
}

/* ------------------------------------------------------------------ */
/* well-formed data-path arguments */

static struct snap_event last_ev[16];
static unsigned int nlast_ev;

/* The control events, which CTRL_DONE answers. */
static void remember_events(const struct snap_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		if (ev[i].type > SNAP_EV_CTRL_SHUTDOWN)
			continue;
		last_ev[nlast_ev % ARRAY_SIZE(last_ev)] = ev[i];
		nlast_ev++;
	}
}

/* A queue id of @f: an existing queue when one is there, else an edge. */
static uint16_t rnd_qid(struct func *f, bool cq)
{
	if (f && f->fs && chance(70)) {
		unsigned int start = below(SNAP_NVME_MAX_QUEUES);

		for (unsigned int i = 0; i < SNAP_NVME_MAX_QUEUES; i++) {
			unsigned int q = (start + i) % SNAP_NVME_MAX_QUEUES;
			uint32_t size = f->virtio ? f->fs->vq[q].size :
					cq ? f->fs->cq[q].size : f->fs->sq[q].size;

			if (size)
				return (uint16_t)q;
		}
	}
	return chance(70) ? (uint16_t)below(SNAP_NVME_MAX_QUEUES + 2) : (uint16_t)rnd_value();
}

/* In-flight slots of @f, used or free as asked; fills @out, returns how many. */
static unsigned int pick_slots(struct func *f, bool used, uint16_t *out, unsigned int n)
{
	unsigned int k = 0, start = below(SNAP_INFLIGHT_MAX);

	for (unsigned int i = 0; i < SNAP_INFLIGHT_MAX && k < n; i++) {
		unsigned int s = (start + i) % SNAP_INFLIGHT_MAX;
		bool u = f && f->fs && (f->fs->inflight[s].flags & SNAP_INFLIGHT_USED);

		if (u == used)
			out[k++] = (uint16_t)s;
	}
	while (k < n)
		out[k++] = chance(50) ? (uint16_t)below(SNAP_INFLIGHT_MAX + 4) : (uint16_t)rnd();
	return k;
}

/* A length of 4 to @max bytes, a multiple of 4 (NVMe's alignment). */
static uint32_t len_upto(uint32_t max)
{
	return max < 4 ? 4 : 4 * (1 + below(max / 4));
}

/*
 * A host range the host really mapped, or false. Reads from host memory
 * come from the queues the host set up; writes go only where the host
 * expects data (a read command's buffer): a write into a ring or an
 * identify buffer would test the host's driver rather than snap. Random
 * addresses (the caller's) the sim IOMMU must refuse.
 */
static bool host_range(struct func *f, uint32_t dir, struct snap_dma_seg *seg)
{
	const struct snap_inflight_slot *sl;
	unsigned int q, s;

	if (!f || !f->fs || f->virtio)
		return false;
	if (dir == SNAP_DMA_FROM_HOST && chance(50)) {
		const struct snap_queue_state *qs;
		uint32_t bytes;

		bool cq = chance(50);

		q = rnd_qid(f, cq);
		if (q >= SNAP_NVME_MAX_QUEUES)
			return false;
		qs = cq ? &f->fs->cq[q] : &f->fs->sq[q];
		bytes = qs->size * (cq ? 16 : 64);
		if (!qs->base || !bytes)
			return false;
		seg->host_addr = qs->base + 4 * below(bytes / 4);
		seg->len = len_upto((uint32_t)(qs->base + bytes - seg->host_addr));
		return true;
	}
	for (s = below(SNAP_INFLIGHT_MAX), q = 0; q < SNAP_INFLIGHT_MAX; q++, s = (s + 1) %
	     SNAP_INFLIGHT_MAX) {
		uint64_t prp1;

		sl = &f->fs->inflight[s];
		/* opcode 0x02 is Read: the host gave that buffer for writing */
		if (!(sl->flags & SNAP_INFLIGHT_USED) || !sl->sqid ||
		    (dir == SNAP_DMA_TO_HOST && sl->sqe[0] != 0x02))
			continue;
		memcpy(&prp1, &sl->sqe[24], sizeof(prp1));
		seg->host_addr = prp1;
		seg->len = len_upto(PAGE - (uint32_t)(prp1 & (PAGE - 1)));
		return true;
	}
	return false;
}

static uint64_t rnd_host_addr(void)
{
	switch (below(4)) {
	case 0:
		return (uint64_t)below(1 << 20) * PAGE;		/* low RAM */
	case 1:
		return rnd_interesting();
	default:
		return rnd() & ~3ULL;
	}
}

static uint64_t rnd_pool_off(uint32_t len)
{
	uint64_t resident = (uint64_t)RESIDENT_CHUNKS * SNAP_POOL_CHUNK_SIZE;

	switch (below(6)) {
	case 0:
	case 1:
	case 2:		/* resident */
		return (rnd() % (resident - len)) & ~3ULL;
	case 3:		/* in the pool, not resident */
		return dev.pool_size > resident ?
		       resident + ((rnd() % (dev.pool_size - resident)) & ~3ULL) : 0;
	case 4:		/* across its end */
		return dev.pool_size - below(len + 1);
	default:
		return rnd_value();
	}
}

static uint32_t rnd_seg_len(void)
{
	switch (below(5)) {
	case 0:
		return 4 * (1 + below(1024));
	case 1:
		return PAGE;
	case 2:
		return SNAP_DMA_MAX_SEG_LEN + (chance(50) ? 0 : 4);
	case 3:
		return 1 + below(64);
	default:
		return (uint32_t)rnd_value();
	}
}

/* How many elements: small mostly, at and past @max sometimes. */
static uint32_t rnd_count(uint32_t max)
{
	switch (below(8)) {
	case 0:
		return max;
	case 1:
		return max + 1;
	case 2:
		return 0;
	case 3:
		return (uint32_t)rnd_value();
	default:
		return 1 + below(max < 8 ? max : 8);
	}
}

/* Elements actually written to an array: as many as fit. */
static uint32_t fill_n(uint32_t n, uint32_t cap)
{
	return n < cap ? n : cap;
}

struct call {
	unsigned int cmd;
	void *arg;
	uint32_t len;		/* the argument's size */
	unsigned int kind;	/* for the statistics */
	bool datapath;
	bool may_block;		/* a WAIT that may sleep */
};

enum { IOC_ATTACH, IOC_DETACH, IOC_INFO, IOC_WAIT, IOC_CTRL_DONE, IOC_QUEUE_CREATE,
	IOC_QUEUE_DELETE, IOC_DMA, IOC_POST_CQE, IOC_RAISE_IRQ, IOC_SQ_FETCH, IOC_VQ_POST,
	IOC_FN_FATAL, IOC_POOL_GROW, NR_IOCS };

static const struct {
	unsigned int cmd;
	const char *name;
} iocs[NR_IOCS] = {
	[IOC_ATTACH] = { SNAP_IOC_ATTACH, "ATTACH" },
	[IOC_DETACH] = { SNAP_IOC_DETACH, "DETACH" },
	[IOC_INFO] = { SNAP_IOC_INFO, "INFO" },
	[IOC_WAIT] = { SNAP_IOC_WAIT, "WAIT" },
	[IOC_CTRL_DONE] = { SNAP_IOC_CTRL_DONE, "CTRL_DONE" },
	[IOC_QUEUE_CREATE] = { SNAP_IOC_QUEUE_CREATE, "QUEUE_CREATE" },
	[IOC_QUEUE_DELETE] = { SNAP_IOC_QUEUE_DELETE, "QUEUE_DELETE" },
	[IOC_DMA] = { SNAP_IOC_DMA, "DMA" },
	[IOC_POST_CQE] = { SNAP_IOC_POST_CQE, "POST_CQE" },
	[IOC_RAISE_IRQ] = { SNAP_IOC_RAISE_IRQ, "RAISE_IRQ" },
	[IOC_SQ_FETCH] = { SNAP_IOC_SQ_FETCH, "SQ_FETCH" },
	[IOC_VQ_POST] = { SNAP_IOC_VQ_POST, "VQ_POST" },
	[IOC_FN_FATAL] = { SNAP_IOC_FN_FATAL, "FN_FATAL" },
	[IOC_POOL_GROW] = { SNAP_IOC_POOL_GROW, "POOL_GROW" },
};

static void gen_wait(struct snap_wait *w, struct call *c)
{
	w->events = rnd_ptr(ARR_EVENTS, SNAP_WAIT_MAX_EVENTS * sizeof(struct snap_event));
	w->max_events = chance(80) ? 1 + below(16) : rnd_count(SNAP_WAIT_MAX_EVENTS);
	w->flags = chance(95) ? SNAP_WAIT_NONBLOCK : 0;
	c->may_block = !(w->flags & SNAP_WAIT_NONBLOCK);
}

static void gen_ctrl_done(struct snap_ctrl_done *d)
{
	if (nlast_ev && chance(70)) {
		const struct snap_event *e = &last_ev[below(nlast_ev < ARRAY_SIZE(last_ev) ?
							   nlast_ev : ARRAY_SIZE(last_ev))];

		d->func_id = e->func_id;
		d->event = e->type;
	} else {
		d->func_id = rnd_func_id();
		d->event = 1 + below(SNAP_EV_CQ_DOORBELL + 1);
	}
	d->status = chance(70) ? 0 : (uint32_t)rnd_value();
}

static void gen_queue_cfg(struct snap_queue_cfg *q, bool create)
{
	struct func *f = func_by_id(q->func_id = rnd_func_id());

	q->type = chance(90) ? (uint8_t)below(2) : (uint8_t)rnd();
	if (f && f->fs && f->fs->max_queues > 1 && chance(70))
		q->qid = (uint16_t)(1 + below(f->fs->max_queues - 1));
	else
		q->qid = chance(80) ? (uint16_t)(1 + below(SNAP_NVME_MAX_QUEUES)) :
				      rnd_qid(f, q->type);
	if (!create)
		return;
	q->flags = q->type == SNAP_QUEUE_CQ && chance(80) ? SNAP_QF_IRQ : 0;
	q->base = chance(80) ? (uint64_t)(1 + below(1 << 19)) * PAGE : rnd_value();
	q->size = chance(80) ? 2 + below(64) : (uint32_t)rnd_value();
	if (q->type == SNAP_QUEUE_SQ)
		q->cqid = chance(80) ? rnd_qid(f, true) : (uint16_t)rnd_value();
	else
		q->vector = (uint16_t)(chance(80) ? below(9) : rnd_value());
}

static void gen_dma(struct snap_dma *d)
{
	struct snap_dma_seg *segs = (void *)ARR_SEGS;
	struct func *f = func_by_id(d->func_id = rnd_func_id());
	uint32_t n;

	d->dir = chance(95) ? below(2) : (uint32_t)rnd_value();
	d->nr_segs = chance(40) ? 1 + below(4) : rnd_count(SNAP_DMA_MAX_SEGS);
	n = fill_n(d->nr_segs, SNAP_DMA_MAX_SEGS + 1);
	for (uint32_t i = 0; i < n; i++) {
		if (chance(80) && host_range(f, d->dir, &segs[i])) {
			uint64_t resident = (uint64_t)RESIDENT_CHUNKS * SNAP_POOL_CHUNK_SIZE;

			segs[i].pool_off = chance(90) ? (rnd() % (resident - PAGE)) & ~3ULL :
				rnd_pool_off(segs[i].len);
		} else {
			segs[i].len = rnd_seg_len();
			segs[i].host_addr = rnd_host_addr();
			segs[i].pool_off = rnd_pool_off(segs[i].len < (1U << 22) ? segs[i].len : 0);
		}
		segs[i].reserved = chance(97) ? 0 : (uint32_t)rnd();
	}
	d->segs = rnd_ptr(segs, (size_t)n * sizeof(*segs));
}

/* Completes what is in flight; never with success for an admin command. */
static void gen_post_cqe(struct snap_post_cqe *p)
{
	uint8_t *cqes = ARR_CQES;
	uint16_t *slots = (void *)ARR_SLOTS;
	struct func *f = func_by_id(p->func_id = rnd_func_id());
	uint32_t n;

	p->cqid = rnd_qid(f, true);
	p->flags = chance(80) ? SNAP_POST_IRQ : (uint16_t)rnd_value();
	p->count = rnd_count(SNAP_CQE_MAX_BATCH);
	n = fill_n(p->count, SNAP_CQE_MAX_BATCH + 1);
	pick_slots(f, chance(85), slots, n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *c = cqes + i * 16;
		const struct snap_inflight_slot *sl = f && f->fs ?
			&f->fs->inflight[slots[i] % SNAP_INFLIGHT_MAX] : NULL;
		uint16_t status = chance(60) ? 0 : (uint16_t)(rnd() & 0xfffe);

		memset(c, 0, 16);
		if (sl) {
			memcpy(c + 12, &sl->sqe[2], 2);		/* command id */
			memcpy(c + 10, &sl->sqid, 2);
			if (!sl->sqid && !status)
				status = 0x2 << 1;		/* Invalid Field */
		}
		if (chance(10))
			c[below(16)] = (uint8_t)rnd();
		memcpy(c + 14, &status, 2);
	}
	p->cqes = rnd_ptr(cqes, (size_t)n * 16);
	p->slots = rnd_ptr(slots, (size_t)n * 2);
}

static void gen_sq_fetch(struct snap_sq_fetch *s)
{
	uint16_t *slots = (void *)ARR_SLOTS;
	struct func *f = func_by_id(s->func_id = rnd_func_id());
	uint32_t n;

	s->sqid = rnd_qid(f, false);
	s->max = rnd_count(SNAP_SQ_FETCH_MAX);
	n = fill_n(s->max, SNAP_SQ_FETCH_MAX + 1);
	pick_slots(f, chance(10), slots, n);
	s->slots = rnd_ptr(slots, (size_t)n * 2);
	if (f && f->virtio && chance(50)) {
		s->flags = SNAP_SQ_FETCH_PEEK;
		s->peeks = rnd_ptr(ARR_PEEKS, (size_t)n * sizeof(struct snap_vq_peek));
	}
}

static void gen_vq_post(struct snap_vq_post *v)
{
	struct snap_vq_used_elem *el = (void *)ARR_ELEMS;
	uint16_t *slots = (void *)ARR_SLOTS;
	struct func *f = func_by_id(v->func_id = rnd_func_id());
	uint32_t n;

	v->vq = rnd_qid(f, false);
	v->flags = chance(80) ? SNAP_POST_IRQ : (uint16_t)rnd_value();
	v->count = rnd_count(SNAP_USED_MAX_BATCH);
	n = fill_n(v->count, SNAP_USED_MAX_BATCH + 1);
	pick_slots(f, chance(85), slots, n);
	for (uint32_t i = 0; i < n; i++) {
		const struct snap_inflight_slot *sl = f && f->fs ?
			&f->fs->inflight[slots[i] % SNAP_INFLIGHT_MAX] : NULL;

		el[i].id = sl && chance(85) ? sl->head : (uint32_t)rnd_value();
		el[i].len = chance(50) ? 0 : (uint32_t)rnd_value();
	}
	v->elems = rnd_ptr(el, (size_t)n * sizeof(*el));
	v->slots = rnd_ptr(slots, (size_t)n * 2);
}

static void gen_pool_grow(struct snap_pool_grow *g)
{
	g->offset = chance(70) ? (uint64_t)below(64) * SNAP_POOL_CHUNK_SIZE : rnd_value();
	g->len = chance(70) ? SNAP_POOL_CHUNK_SIZE * (uint64_t)below(3) : rnd_value();
}

/*
 * Changes a few things of a well-formed argument: a field to an edge, a
 * bit, a reserved word (all of them sit in the last 8 bytes or are pads).
 */
static void mutate(uint8_t *p, uint32_t len)
{
	unsigned int n = 1 + below(3);

	if (len < 4)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t off4 = below(len / 4) * 4, off8 = len >= 8 ? below(len / 8) * 8 : 0;
		uint64_t v = rnd_value();
		uint32_t v32 = (uint32_t)v;

		switch (below(6)) {
		case 0:
		case 1:
			memcpy(p + off4, &v32, 4);
			break;
		case 2:
			if (len >= 8)
				memcpy(p + off8, &v, 8);
			break;
		case 3:
			p[below(len)] ^= (uint8_t)(1 << below(8));
			break;
		case 4:		/* the reserved tail */
			p[len - 1 - below(8)] = (uint8_t)(1 + below(255));
			break;
		default:
			p[below(len)] = (uint8_t)rnd();
			break;
		}
	}
}

static unsigned int k_random_nr, k_wrong_size;

/*
 * One call: an ioctl of the ABI with a well-formed argument, mutated half
 * the time; or a number near the magic; or a valid number with another
 * size or direction.
 */
static void gen_call(struct call *c)
{
	static const unsigned int weights[NR_IOCS] = {
		[IOC_ATTACH] = 3, [IOC_DETACH] = 1, [IOC_INFO] = 3, [IOC_WAIT] = 8,
		[IOC_CTRL_DONE] = 6, [IOC_QUEUE_CREATE] = 6, [IOC_QUEUE_DELETE] = 4,
		[IOC_DMA] = 14, [IOC_POST_CQE] = 12, [IOC_RAISE_IRQ] = 6,
		[IOC_SQ_FETCH] = 12, [IOC_VQ_POST] = 10, [IOC_FN_FATAL] = 1,
		[IOC_POOL_GROW] = 5,
	};
	unsigned int sum = 0, pick, i;
	uint8_t *arg = ARR_ARG;
	uint32_t size;

	memset(c, 0, sizeof(*c));
	memset(arg, 0, 512);
	c->arg = arg;
	if (chance(6)) {
		/* a number near the magic: other nrs, directions, sizes, magics */
		c->cmd = _IOC(below(4), SNAP_IOC_MAGIC + (chance(80) ? 0 : (int)below(3) - 1),
			      chance(70) ? below(0x20) : below(256), below(512));
		c->len = _IOC_SIZE(c->cmd);
		for (uint32_t b = 0; b < c->len; b++)
			arg[b] = chance(80) ? 0 : (uint8_t)rnd();
		c->kind = k_random_nr;
		return;
	}
	for (i = 0; i < NR_IOCS; i++)
		sum += weights[i];
	pick = below(sum);
	for (i = 0; pick >= weights[i]; i++)
		pick -= weights[i];
	c->cmd = iocs[i].cmd;
	c->kind = i;
	c->datapath = i >= IOC_WAIT;
	size = _IOC_SIZE(c->cmd);
	c->len = size;

	switch (i) {
	case IOC_ATTACH:
		memcpy(arg, &good_attach, sizeof(good_attach));
		break;
	case IOC_INFO:
	case IOC_DETACH:
		break;
	case IOC_WAIT:
		gen_wait((void *)arg, c);
		break;
	case IOC_CTRL_DONE:
		gen_ctrl_done((void *)arg);
		break;
	case IOC_QUEUE_CREATE:
	case IOC_QUEUE_DELETE:
		gen_queue_cfg((void *)arg, i == IOC_QUEUE_CREATE);
		break;
	case IOC_DMA:
		gen_dma((void *)arg);
		break;
	case IOC_POST_CQE:
		gen_post_cqe((void *)arg);
		break;
	case IOC_RAISE_IRQ: {
		struct snap_irq *q = (void *)arg;

		q->func_id = rnd_func_id();
		q->vector = (uint16_t)(chance(85) ? below(10) : rnd_value());
		break;
	}
	case IOC_SQ_FETCH:
		gen_sq_fetch((void *)arg);
		break;
	case IOC_VQ_POST:
		gen_vq_post((void *)arg);
		break;
	case IOC_FN_FATAL:
		((struct snap_fn_fatal *)arg)->func_id = rnd_func_id();
		break;
	case IOC_POOL_GROW:
		gen_pool_grow((void *)arg);
		break;
	}
	if (chance(45))
		mutate(arg, size);
	/* A WAIT mutated into a blocking one is bounded by an alarm too. */
	if (i == IOC_WAIT && !(((struct snap_wait *)arg)->flags & SNAP_WAIT_NONBLOCK))
		c->may_block = true;
	if (chance(4)) {
		/* the same number with another size or direction */
		unsigned int nsize = chance(50) ? size + (chance(50) ? 8 : -4U) : below(512);

		unsigned int cmd = _IOC(chance(50) ? _IOC_DIR(c->cmd) : below(4), SNAP_IOC_MAGIC,
					_IOC_NR(c->cmd), nsize & _IOC_SIZEMASK);

		if (cmd != c->cmd) {
			c->cmd = cmd;
			c->kind = k_wrong_size;
			c->datapath = false;
		}
	}
	/* The argument itself at the guard page's edge, or not there at all. */
	if (chance(3))
		c->arg = GUARD - below(c->len + 1);
	else if (chance(1))
		c->arg = NULL;
	else if (chance(1))
		c->arg = (void *)(uintptr_t)0xffffffff81000000ULL;
	if (c->arg != arg && c->arg && c->arg != (void *)(uintptr_t)0xffffffff81000000ULL) {
		size_t room = (size_t)(GUARD - (uint8_t *)c->arg);

		memmove(c->arg, arg, room < c->len ? room : c->len);
	}
}

/* ------------------------------------------------------------------ */
/* mmap of /dev/snap, and scribbles on the functions' state */

static unsigned int k_mmap, k_scribble;

static long do_mmap(void)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_WRITE, PROT_READ | PROT_EXEC, PROT_NONE,
	};
	uint64_t off;
	size_t len;
	int prot = chance(70) ? prots[0] : prots[below(ARRAY_SIZE(prots))];
	int flags = chance(85) ? MAP_SHARED : MAP_PRIVATE;
	void *p;

	switch (below(6)) {
	case 0:
		off = SNAP_MMAP_POOL + (uint64_t)below(40) * SNAP_POOL_CHUNK_SIZE;
		len = chance(50) ? SNAP_POOL_CHUNK_SIZE : PAGE * (1 + below(1024));
		break;
	case 1:
		off = SNAP_MMAP_FN_STATE(rnd_func_id());
		len = chance(70) ? sizeof(struct snap_fn_state) : PAGE * (1 + below(200));
		break;
	case 2:
		off = SNAP_MMAP_BDEV(below(40));
		len = PAGE * (1 + below(64));
		break;
	case 3:
		off = SNAP_MMAP_FN_STATE_BASE + (uint64_t)below(64) * PAGE;
		len = PAGE;
		break;
	case 4:
		off = (uint64_t)rnd_value() & ~(uint64_t)(PAGE - 1);
		len = PAGE * (1 + below(16));
		break;
	default:
		off = dev.pool_size - PAGE * below(4);
		len = PAGE * (1 + below(8));
		break;
	}
	p = mmap(NULL, len, prot, flags, dev.fd, (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	if (prot & PROT_READ)
		touch(p, len, (prot & PROT_WRITE) && off >= SNAP_MMAP_BDEV_BASE);
	munmap(p, len);
	return 0;
}

/*
 * The state page is writable by the daemon: the kernel must never trust
 * what it reads there. Scribble on what the kernel writes, too.
 */
static long do_scribble(void)
{
	struct func *f = rnd_func();
	uint8_t *p = (uint8_t *)f->fs;

	if (!p)
		return -ENXIO;
	for (unsigned int i = 0, n = 1 + below(8); i < n; i++) {
		size_t off = below(sizeof(struct snap_fn_state));

		if (chance(50))
			off = offsetof(struct snap_fn_state, sq) + below(2 * 64 * 64);
		p[off] = (uint8_t)rnd();
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* ioctl mode */

static long ioctl_call(const struct call *c)
{
	struct itimerval it = { .it_value = { 0, 100 * 1000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	long ret;

	if (c->may_block)
		setitimer(ITIMER_REAL, &it, NULL);
	ret = ioctl(dev.fd, c->cmd, c->arg);
	if (c->may_block)
		setitimer(ITIMER_REAL, &off, NULL);
	return ret < 0 ? -errno : ret;
}

/* What a result means for the fuzzer's own state. */
static void after_call(const struct call *c, long ret)
{
	if (c->cmd == SNAP_IOC_WAIT && ret > 0 && ret <= SNAP_WAIT_MAX_EVENTS &&
	    c->arg == ARR_ARG && ((struct snap_wait *)c->arg)->events == (uintptr_t)ARR_EVENTS)
		remember_events((void *)ARR_EVENTS, (int)ret);
	if (c->cmd == SNAP_IOC_DETACH && ret == 0)
		dev.attached = false;
	if (c->cmd == SNAP_IOC_ATTACH && ret == 0)
		dev.attached = true;
	if (dev.attach && !dev.attached)
		dev_reattach();
	/* Not to be the daemon by accident when another one is meant to be. */
	if (!dev.attach && dev.attached) {
		ioctl(dev.fd, SNAP_IOC_DETACH);
		dev.attached = false;
	}
}

static void run_ioctl(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		struct call c;
		long ret;

		progress("ioctl", i, n);
		if (chance(3)) {
			record(k_mmap, do_mmap(), false);
			continue;
		}
		if (dev.attach && chance(1)) {
			record(k_scribble, do_scribble(), false);
			continue;
		}
		gen_call(&c);
		ret = ioctl_call(&c);
		if (verbose)
			fprintf(stderr, "%lu: ioctl %s 0x%x -> %ld\n", i, kinds[c.kind].name, c.cmd,
				ret);
		record(c.kind, ret, c.datapath);
		after_call(&c, ret);
	}
}

/* ------------------------------------------------------------------ */
/* uring mode */

struct uring {
	struct io_uring ring;
	bool big;		/* SQE128 */
	unsigned int outstanding;
};

static unsigned int k_bad_op, k_bad_sqe;

/*
 * user_data: the kind in the low 8 bits, 0x100 for a datapath call, the
 * SQE's flags in bits 16-23, cmd_op in the upper half. Those submitted and
 * not completed are kept by user_data, to say which when some never end.
 */
static struct {
	uint64_t ud;
	unsigned int n;
} pending[256];

static void pending_add(uint64_t ud, int delta)
{
	unsigned int free_i = ARRAY_SIZE(pending);

	for (unsigned int i = 0; i < ARRAY_SIZE(pending); i++) {
		if (pending[i].n && pending[i].ud == ud) {
			pending[i].n += delta;
			return;
		}
		if (!pending[i].n && free_i == ARRAY_SIZE(pending))
			free_i = i;
	}
	if (delta > 0 && free_i < ARRAY_SIZE(pending)) {
		pending[free_i].ud = ud;
		pending[free_i].n = 1;
	}
}

static void pending_print(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(pending); i++)
		if (pending[i].n)
			printf("# abifuzz uring: not completed: %u x %s cmd_op 0x%08x sqe flags 0x%02x\n",
			       pending[i].n, kinds[pending[i].ud & 0xff].name,
			       (unsigned int)(pending[i].ud >> 32),
			       (unsigned int)(pending[i].ud >> 16) & 0xff);
}

static void reap(struct uring *u, int wait_ms)
{
	for (;;) {
		struct __kernel_timespec ts = { 0, (long long)wait_ms * 1000000 };
		struct io_uring_cqe *cqe;
		int ret = wait_ms ? io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts) :
				    io_uring_peek_cqe(&u->ring, &cqe);

		if (ret)
			return;
		wait_ms = 0;
		if (cqe->user_data != UINT64_MAX) {
			record((unsigned int)(cqe->user_data & 0xff), cqe->res,
			       cqe->user_data & 0x100);
			pending_add(cqe->user_data, -1);
			if (verbose)
				fprintf(stderr, "  cqe %s cmd_op 0x%08x flags 0x%02x -> %d\n",
					kinds[cqe->user_data & 0xff].name,
					(unsigned int)(cqe->user_data >> 32),
					(unsigned int)(cqe->user_data >> 16) & 0xff, cqe->res);
			if (u->outstanding)
				u->outstanding--;
		}
		io_uring_cqe_seen(&u->ring, cqe);
	}
}

static void uring_one(struct uring *u, unsigned long i)
{
	struct snap_uring_cmd uc;
	struct io_uring_sqe *sqe;
	struct call c;
	unsigned int kind, cmd_op;
	bool sqe_async;
	int ret;

	gen_call(&c);
	kind = c.kind;
	uc.addr = (uintptr_t)c.arg;
	uc.len = chance(90) ? c.len : (uint32_t)rnd_value();
	uc.flags = chance(95) ? 0 : (uint32_t)rnd_value();
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) {
		io_uring_submit(&u->ring);
		reap(u, 10);
		return;
	}
	memset(sqe, 0, u->big ? 128 : 64);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = dev.fd;
	sqe->cmd_op = c.cmd;
	if (chance(5)) {
		sqe->cmd_op = chance(50) ? (uint32_t)rnd() :
			      _IOC(below(4), SNAP_IOC_MAGIC, below(0x40), below(512));
		kind = k_bad_op;
	}
	memcpy(sqe->cmd, &uc, sizeof(uc));
	if (u->big && chance(20))
		memset(sqe->cmd + sizeof(uc), 0xa5, 80 - sizeof(uc));
	if (chance(8)) {
		/*
		 * No IOSQE_IO_DRAIN: on 6.12 a drain in this mix never ends
		 * although every earlier request got its completion, and the
		 * ring stalls (seed 1, 3000 operations, --attach uring).
		 */
		static const uint8_t sqe_flags[] = {
			IOSQE_ASYNC, IOSQE_IO_LINK, IOSQE_FIXED_FILE, IOSQE_BUFFER_SELECT,
			IOSQE_IO_HARDLINK,
		};

		kind = k_bad_sqe;
		switch (below(5)) {
		case 0:
			sqe->flags = sqe_flags[below(ARRAY_SIZE(sqe_flags))];
			break;
		case 1:
			sqe->off = rnd();
			break;
		case 2:
			sqe->len = (uint32_t)rnd_value();
			break;
		case 3:
			sqe->uring_cmd_flags = (uint32_t)rnd_value();
			break;
		default:
			sqe->fd = chance(50) ? -1 : (int)below(8);
			break;
		}
		/* Asynchronous ones are still the ABI's: count them as such. */
		if (sqe->flags == IOSQE_ASYNC && sqe->fd == dev.fd)
			kind = c.kind;
	}
	sqe_async = sqe->flags != 0;
	cmd_op = sqe->cmd_op;
	sqe->user_data = kind | (c.datapath && kind == c.kind ? 0x100 : 0) |
			 (uint64_t)sqe->flags << 16 | (uint64_t)cmd_op << 32;
	pending_add(sqe->user_data, 1);
	ret = io_uring_submit(&u->ring);
	if (ret < 0) {
		record(kind, ret, false);
		return;
	}
	u->outstanding++;
	if (verbose)
		fprintf(stderr, "%lu: uring %s op 0x%x len %u -> %d\n", i, kinds[kind].name,
			cmd_op, uc.len, ret);
	/* Most complete inline; an async one or a WAIT may take a moment. */
	reap(u, 0);
	if (u->outstanding && (c.may_block || c.cmd == SNAP_IOC_WAIT || sqe_async))
		reap(u, 2);
	if (kind == c.kind && c.cmd == SNAP_IOC_DETACH)
		dev.attached = false;	/* whether it worked or not: checked below */
}

/* Parked WAITs end when the daemon detaches; so do stuck links. */
static void uring_unstick(struct uring *u)
{
	if (dev.attached)
		ioctl(dev.fd, SNAP_IOC_DETACH);
	dev.attached = false;
	reap(u, 200);
	if (dev.attach)
		dev_reattach();
}

static void run_uring(unsigned long n)
{
	struct uring rings[2] = { { .big = false }, { .big = true } };

	for (int r = 0; r < 2; r++)
		if (io_uring_queue_init(64, &rings[r].ring, rings[r].big ? IORING_SETUP_SQE128 : 0))
			die("io_uring_queue_init%s: %s", rings[r].big ? " (SQE128)" : "",
			    strerror(errno));
	for (unsigned long i = 0; i < n; i++) {
		struct uring *u = &rings[chance(75) ? 0 : 1];
		struct snap_ioc_info info = { 0 };

		progress("uring", i, n);
		if (chance(2)) {
			record(k_mmap, do_mmap(), false);
			continue;
		}
		uring_one(u, i);
		/* Did a DETACH (or ATTACH) get through? INFO knows the daemon. */
		if (!dev.attached || chance(1)) {
			if (ioctl(dev.fd, SNAP_IOC_INFO, &info) == 0)
				dev.attached = dev.attach && info.daemon_pid == (uint32_t)getpid();
			if (!dev.attach && info.daemon_pid == (uint32_t)getpid())
				ioctl(dev.fd, SNAP_IOC_DETACH);
			if (dev.attach && !dev.attached)
				dev_reattach();
		}
		if (u->outstanding > 32) {
			uring_unstick(u);
			if (u->outstanding > 32) {
				pending_print();
				die("%u uring_cmds did not complete when the daemon detached",
				    u->outstanding);
			}
		}
	}
	for (int r = 0; r < 2; r++) {
		if (rings[r].outstanding)
			uring_unstick(&rings[r]);
		if (rings[r].outstanding) {
			pending_print();
			die("%u uring_cmds did not complete when the daemon detached",
			    rings[r].outstanding);
		}
	}
	if (dev.attached)
		ioctl(dev.fd, SNAP_IOC_DETACH);
	dev.attached = false;
	for (int r = 0; r < 2; r++) {
		reap(&rings[r], 100);
		io_uring_queue_exit(&rings[r].ring);
	}
}

/* ------------------------------------------------------------------ */
/* netlink mode */

struct nlx {
	struct mnl_socket *sk;
	unsigned int portid, seq;
	uint16_t family;
};

static char nl_tx[1 << 17];
static char nl_rx[1 << 17];
static const char *excluded[MAX_EXCLUDE];
static unsigned int nexcluded;
static unsigned long nl_timeouts;

static void nl_open(struct nlx *nl)
{
	struct timeval tv = { 10, 0 };
	int one = 1;

	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned int)time(NULL);
	setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Extended acks: the kernel's error-path code runs too. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
}

/*
 * Sends @nlh and reads until its answer is complete: an ack, an error or
 * the end of a dump. Returns 0 or -errno; -ETIMEDOUT when none came.
 * @cb sees each data message.
 */
static int nl_transact(struct nlx *nl, struct nlmsghdr *nlh,
		       void (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	unsigned int seq = nlh->nlmsg_seq = ++nl->seq;

	nlh->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl->sk, nl_rx, sizeof(nl_rx));
		const struct nlmsghdr *m;
		int left;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				nl_timeouts++;
				return -ETIMEDOUT;
			}
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			return -errno;
		}
		left = (int)len;
		for (m = (void *)nl_rx; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq)
				continue;	/* a late answer to an earlier timeout */
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				return e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int))
					memcpy(&e, mnl_nlmsg_get_payload(m), sizeof(int));
				return e;
			}
			if (cb)
				cb(m, arg);
			if (!(m->nlmsg_flags & NLM_F_MULTI) && !(nlh->nlmsg_flags & NLM_F_ACK))
				return 0;
		}
	}
}

static void family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)arg = mnl_attr_get_u16(a);
}

static void nl_resolve(struct nlx *nl)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_tx);
	struct genlmsghdr *g;
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SNAP_GENL_NAME);
	ret = nl_transact(nl, nlh, family_cb, &nl->family);
	if (ret || !nl->family)
		die("generic netlink family \"%s\": %s", SNAP_GENL_NAME,
		    ret ? strerror(-ret) : "no id");
}

/* A request under construction: attributes as raw bytes. */
struct nreq {
	uint8_t cmd;
	uint16_t flags;
	uint8_t version;
	uint16_t reserved;
	unsigned int n;
	struct {
		uint16_t type;
		uint16_t len;
		int16_t len_delta;	/* nla_len lies by this much */
		uint8_t data[5000];
	} a[12];
	unsigned int trailing;
};

static struct nreq nreq;

static void *nput(uint16_t type, const void *data, uint16_t len)
{
	if (nreq.n == ARRAY_SIZE(nreq.a))
		return NULL;
	if (len > sizeof(nreq.a[0].data))
		len = sizeof(nreq.a[0].data);
	nreq.a[nreq.n].type = type;
	nreq.a[nreq.n].len = len;
	nreq.a[nreq.n].len_delta = 0;
	if (data)
		memcpy(nreq.a[nreq.n].data, data, len);
	return nreq.a[nreq.n++].data;
}

static void nput_str(uint16_t type, const char *s)
{
	nput(type, s, (uint16_t)(strlen(s) + 1));
}

static void nput_u8(uint16_t type, uint8_t v)
{
	nput(type, &v, 1);
}

static void nput_u32(uint16_t type, uint32_t v)
{
	nput(type, &v, 4);
}

static void nput_u64(uint16_t type, uint64_t v)
{
	nput(type, &v, 8);
}

/* The objects the fuzzer creates and names. */
#define NR_BDEVS	6
#define NR_SUBSYS	4
#define NR_CTRLS	4

static void bdev_name(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "fzb%u", i);
}

static void nqn_name(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "nqn.2024-01.io.snap:fz%u", i);
}

static void ctrl_name(char *buf, size_t len, bool vblk, unsigned int i)
{
	snprintf(buf, len, "%s%u", vblk ? "fzv" : "fzc", i);
}

static void rnd_string(char *buf, size_t len)
{
	static const char cs[] = "abcXYZ019-_.:/ \t\n%\xff";
	size_t n = below((uint32_t)len);

	for (size_t i = 0; i < n; i++)
		buf[i] = cs[below(sizeof(cs) - 1)];
	buf[n] = '\0';
}

static bool is_vblk_cmd(uint8_t cmd)
{
	return (cmd >= SNAP_CMD_VBLK_CTRL_NEW && cmd <= SNAP_CMD_VBLK_CTRL_DETACH_BDEV) ||
	       cmd == SNAP_CMD_VBLK_CTRL_STATS_GET;
}

static bool is_bdev_cmd(uint8_t cmd)
{
	return (cmd >= SNAP_CMD_BDEV_NEW && cmd <= SNAP_CMD_BDEV_SET) ||
	       cmd == SNAP_CMD_BDEV_RESIZE;
}

/* A value for @attr that @cmd could well accept. */
static void put_good(uint8_t cmd, uint16_t attr)
{
	char s[256];

	switch (attr) {
	case SNAP_A_NAME:
		if (is_bdev_cmd(cmd) || (chance(10)))
			bdev_name(s, sizeof(s), below(NR_BDEVS));
		else
			ctrl_name(s, sizeof(s), is_vblk_cmd(cmd), below(NR_CTRLS));
		nput_str(attr, s);
		return;
	case SNAP_A_NQN:
		nqn_name(s, sizeof(s), below(NR_SUBSYS));
		nput_str(attr, s);
		return;
	case SNAP_A_BDEV_NAME:
		bdev_name(s, sizeof(s), below(NR_BDEVS));
		nput_str(attr, s);
		return;
	case SNAP_A_EMU_NAME:
		nput_str(attr, chance(90) ? "sim0" : "sim1");
		return;
	case SNAP_A_VUID:
		nput_str(attr, rnd_func()->vuid);
		return;
	case SNAP_A_PF_ID:
		nput_u32(attr, chance(90) ? below(4) : (uint32_t)rnd_value());
		return;
	case SNAP_A_VF_ID:
		nput_u32(attr, chance(90) ? below(3) : (uint32_t)rnd_value());
		return;
	case SNAP_A_FUNC_TYPE:
	case SNAP_A_STATE:
	case SNAP_A_READY:
		nput_u8(attr, (uint8_t)below(3));
		return;
	case SNAP_A_BDEV_TYPE:
		nput_u8(attr, chance(80) ? (uint8_t)below(2) : (uint8_t)below(6));
		return;
	case SNAP_A_NUM_BLOCKS:
		nput_u64(attr, chance(85) ? 8ULL << below(11) : rnd_value());
		return;
	case SNAP_A_BLOCK_SIZE:
		nput_u32(attr, chance(85) ? 512U << below(4) : (uint32_t)rnd_value());
		return;
	case SNAP_A_FILENAME:
		nput_str(attr, chance(50) ? "/tmp/abifuzz.img" : "/nonexistent/abifuzz");
		return;
	case SNAP_A_BDEV_ARGS:
		nput_str(attr, chance(50) ? "trtype=tcp traddr=127.0.0.1 trsvcid=4420 "
			 "subnqn=nqn.2024-01.io.snap:none" : "abifuzz-none.so");
		return;
	case SNAP_A_UUID: {
		uint8_t u[SNAP_UUID_LEN];

		for (unsigned int i = 0; i < sizeof(u); i++)
			u[i] = (uint8_t)rnd();
		nput(attr, u, sizeof(u));
		return;
	}
	case SNAP_A_NSID:
		nput_u32(attr, chance(85) ? 1 + below(8) : (uint32_t)rnd_value());
		return;
	case SNAP_A_NN:
	case SNAP_A_MNAN:
		nput_u32(attr, chance(85) ? 1 + below(32) : (uint32_t)rnd_value());
		return;
	case SNAP_A_NUM_QUEUES:
	case SNAP_A_NUM_MSIX:
		nput_u32(attr, chance(85) ? 1 + below(8) : (uint32_t)rnd_value());
		return;
	case SNAP_A_QUEUE_SIZE:
		nput_u32(attr, chance(85) ? 16U << below(6) : (uint32_t)rnd_value());
		return;
	case SNAP_A_LOG_LEVEL:
		/* the daemon serving the other controller logs at 4: keep it */
		nput_u8(attr, chance(95) ? 4 : (uint8_t)rnd_value());
		return;
	case SNAP_A_ERROR:
		rnd_string(s, 40);
		nput_str(attr, s);
		return;
	default:
		break;
	}
	switch (snap_nl_attrs[attr].type) {
	case SNAP_NL_FLAG:
		nput(attr, NULL, 0);
		break;
	case SNAP_NL_U8:
		nput_u8(attr, (uint8_t)(chance(70) ? below(4) : rnd_value()));
		break;
	case SNAP_NL_U16: {
		uint16_t v = (uint16_t)rnd_value();

		nput(attr, &v, 2);
		break;
	}
	case SNAP_NL_U32:
		nput_u32(attr, (uint32_t)(chance(70) ? below(64) : rnd_value()));
		break;
	case SNAP_NL_U64:
		nput_u64(attr, rnd_value());
		break;
	case SNAP_NL_STRING:
		rnd_string(s, 30);
		if (chance(60))
			snprintf(s, sizeof(s), "FZ%u", below(1000));
		nput_str(attr, s);
		break;
	default: {
		uint8_t b[64];
		uint16_t len = (uint16_t)below(sizeof(b));

		for (uint16_t i = 0; i < len; i++)
			b[i] = (uint8_t)rnd();
		nput(attr, b, len);
		break;
	}
	}
}

static void gen_good(uint8_t cmd)
{
	const unsigned short *req = cmd <= SNAP_CMD_MAX ? snap_nl_cmds[cmd].request : NULL;

	for (; req && *req; req++) {
		bool key = *req == SNAP_A_NAME || *req == SNAP_A_NQN || *req == SNAP_A_BDEV_NAME ||
			   *req == SNAP_A_BDEV_TYPE;

		if (chance(key ? 92 : 55))
			put_good(cmd, *req);
	}
}

/* Random payload for any attribute: the wrong size, type or nesting. */
static void put_soup(uint16_t type)
{
	uint8_t *d;
	uint16_t len;

	switch (below(5)) {
	case 0:
		len = (uint16_t)below(9);
		break;
	case 1:
		len = (uint16_t)(SNAP_NAME_MAX - 2 + below(5));
		break;
	case 2:
		len = (uint16_t)(chance(50) ? SNAP_NQN_MAX + below(3) - 1 :
				 SNAP_PATH_MAX + below(3) - 1);
		break;
	default:
		len = (uint16_t)below(300);
		break;
	}
	d = nput(type, NULL, len);
	if (!d)
		return;
	for (uint16_t i = 0; i < len; i++)
		d[i] = chance(50) ? 'A' + (uint8_t)below(26) : (uint8_t)rnd();
	/* a nest of nests, some of them valid-looking */
	if (chance(30) && len >= 8) {
		struct nlattr *in = (void *)d;

		in->nla_len = (uint16_t)(chance(70) ? len : below(len + 8));
		in->nla_type = (uint16_t)(below(SNAP_A_MAX + 3) | (chance(50) ? NLA_F_NESTED : 0));
	}
}

static void mutate_req(void)
{
	unsigned int n = 1 + below(4);

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = nreq.n ? below(nreq.n) : 0;
		uint16_t attr;

		switch (below(12)) {
		case 0:		/* drop one */
			if (nreq.n) {
				memmove(&nreq.a[i], &nreq.a[i + 1], (nreq.n - i - 1) * sizeof(nreq.a[0]));
				nreq.n--;
			}
			break;
		case 1:		/* the same attribute twice */
			if (nreq.n && nreq.n < ARRAY_SIZE(nreq.a))
				nreq.a[nreq.n++] = nreq.a[i];
			break;
		case 2:		/* another length: truncated, extended */
			if (nreq.n) {
				uint16_t l = nreq.a[i].len;

				nreq.a[i].len = (uint16_t)(chance(50) && l ? below(l) : l + 1 + below(9));
			}
			break;
		case 3:		/* a string without its NUL */
			if (nreq.n && nreq.a[i].len)
				nreq.a[i].data[nreq.a[i].len - 1] = 'X';
			break;
		case 4:		/* a string at and past its limit */
			/* case 7 may have put a type the table does not have */
			attr = nreq.n ? nreq.a[i].type & NLA_TYPE_MASK : 0;
			if (attr && attr <= SNAP_A_MAX && snap_nl_attrs[attr].len &&
			    snap_nl_attrs[attr].len < sizeof(nreq.a[0].data) - 2) {
				uint16_t lim = (uint16_t)snap_nl_attrs[attr].len;
				uint16_t l = (uint16_t)(lim - 1 + below(3));

				memset(nreq.a[i].data, 'x', l);
				nreq.a[i].data[l - 1] = chance(50) ? '\0' : 'y';
				nreq.a[i].len = l;
			}
			break;
		case 5:		/* the nested flag where none belongs, or the reverse */
			if (nreq.n)
				nreq.a[i].type ^= NLA_F_NESTED;
			break;
		case 6:		/* an attribute this command does not take */
			put_good(nreq.cmd, (uint16_t)(1 + below(SNAP_A_MAX)));
			break;
		case 7:		/* unknown attribute types */
			put_soup(chance(50) ? 0 : (uint16_t)(SNAP_A_MAX + 1 + below(40)));
			break;
		case 8:		/* a known one with a wrong payload */
			put_soup((uint16_t)(1 + below(SNAP_A_MAX)));
			break;
		case 9:		/* nla_len that lies */
			if (nreq.n)
				nreq.a[i].len_delta = (int16_t)(chance(50) ? -(int)below(8) :
								(int)below(64));
			break;
		case 10:	/* a number at an edge */
			if (nreq.n && nreq.a[i].len >= 1 && nreq.a[i].len <= 8) {
				uint64_t v = rnd_value();

				memcpy(nreq.a[i].data, &v, nreq.a[i].len);
			}
			break;
		default:	/* the header */
			switch (below(4)) {
			case 0:
				nreq.version = (uint8_t)rnd();
				break;
			case 1:
				nreq.reserved = (uint16_t)rnd();
				break;
			case 2:
				nreq.flags |= (uint16_t)(1U << (8 + below(4)));
				break;
			default:
				nreq.trailing = 1 + below(16);
				break;
			}
			break;
		}
	}
}

/* Never the objects of the controller the test keeps serving. */
static void keep_out(void)
{
	for (unsigned int i = 0; i < nreq.n; i++)
		for (unsigned int x = 0; x < nexcluded; x++) {
			size_t l = strlen(excluded[x]);

			if (nreq.a[i].len >= l && !memcmp(nreq.a[i].data, excluded[x], l))
				nreq.a[i].data[0] ^= 0x20;
		}
}

static struct nlmsghdr *nreq_build(const struct nlx *nl)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_tx);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = nreq.flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = nreq.cmd;
	g->version = nreq.version;
	g->reserved = nreq.reserved;
	for (unsigned int i = 0; i < nreq.n; i++) {
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);
		int len = NLA_HDRLEN + nreq.a[i].len;

		a->nla_type = nreq.a[i].type;
		a->nla_len = (uint16_t)(len + nreq.a[i].len_delta);
		memcpy((char *)a + NLA_HDRLEN, nreq.a[i].data, nreq.a[i].len);
		nlh->nlmsg_len += MNL_ALIGN(len);
	}
	memset((char *)nlh + nlh->nlmsg_len, 0x5a, nreq.trailing);
	nlh->nlmsg_len += nreq.trailing;
	return nlh;
}

static void nreq_init(uint8_t cmd, bool dump)
{
	memset(&nreq, 0, offsetof(struct nreq, a));
	nreq.trailing = 0;
	nreq.cmd = cmd;
	nreq.version = SNAP_GENL_VERSION;
	nreq.flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
}

static unsigned int k_nl_good, k_nl_mutated, k_nl_soup, k_nl_chain, k_nl_dump;

static int nl_send(struct nlx *nl, unsigned int kind, unsigned long i)
{
	int ret;

	keep_out();
	ret = nl_transact(nl, nreq_build(nl), NULL, NULL);
	if (verbose)
		fprintf(stderr, "%lu: netlink %s cmd %u flags 0x%x attrs %u -> %d\n", i,
			kinds[kind].name, nreq.cmd, nreq.flags, nreq.n, ret);
	record(kind, ret, false);
	return ret;
}

/* Builds one object chain: bdev, subsystem, namespace, controller. */
static void nl_chain(struct nlx *nl, unsigned long i)
{
	unsigned int b = below(NR_BDEVS), s = below(NR_SUBSYS), c = below(NR_CTRLS);
	char bn[32], nqn[64], cn[32];
	bool vblk = chance(40);

	bdev_name(bn, sizeof(bn), b);
	nqn_name(nqn, sizeof(nqn), s);
	ctrl_name(cn, sizeof(cn), vblk, c);

	nreq_init(SNAP_CMD_BDEV_NEW, false);
	nput_str(SNAP_A_NAME, bn);
	nput_u8(SNAP_A_BDEV_TYPE, chance(70) ? SNAP_BDEV_NULL : SNAP_BDEV_MALLOC);
	nput_u64(SNAP_A_NUM_BLOCKS, 256);
	nput_u32(SNAP_A_BLOCK_SIZE, 4096);
	nl_send(nl, k_nl_chain, i);
	if (vblk) {
		nreq_init(SNAP_CMD_VBLK_CTRL_NEW, false);
		nput_str(SNAP_A_NAME, cn);
		nput_u32(SNAP_A_PF_ID, below(4));
		nput_str(SNAP_A_BDEV_NAME, bn);
		nput_u8(SNAP_A_STATE, (uint8_t)below(2));
		nl_send(nl, k_nl_chain, i);
		return;
	}
	nreq_init(SNAP_CMD_SUBSYS_NEW, false);
	nput_str(SNAP_A_NQN, nqn);
	nl_send(nl, k_nl_chain, i);
	nreq_init(SNAP_CMD_NS_NEW, false);
	nput_str(SNAP_A_NQN, nqn);
	nput_str(SNAP_A_BDEV_NAME, bn);
	nl_send(nl, k_nl_chain, i);
	nreq_init(SNAP_CMD_NVME_CTRL_NEW, false);
	nput_str(SNAP_A_NAME, cn);
	nput_str(SNAP_A_NQN, nqn);
	/* PF 1 or its VFs: PF 0 is the served controller's */
	nput_u32(SNAP_A_PF_ID, 1);
	if (chance(50))
		nput_u32(SNAP_A_VF_ID, below(2));
	nput_u8(SNAP_A_STATE, SNAP_CTRL_SUSPENDED);
	nl_send(nl, k_nl_chain, i);
	nreq_init(SNAP_CMD_NVME_CTRL_ATTACH_NS, false);
	nput_str(SNAP_A_NAME, cn);
	nput_u32(SNAP_A_NSID, 1);
	nl_send(nl, k_nl_chain, i);
	nreq_init(SNAP_CMD_NVME_CTRL_SET, false);
	nput_str(SNAP_A_NAME, cn);
	nput_u8(SNAP_A_STATE, SNAP_CTRL_RUNNING);
	nl_send(nl, k_nl_chain, i);
}

static void nl_one(struct nlx *nl, unsigned long i)
{
	uint8_t cmd = chance(4) ? (uint8_t)rnd() : (uint8_t)(1 + below(SNAP_CMD_MAX));
	const struct snap_nl_cmd *c = cmd <= SNAP_CMD_MAX ? &snap_nl_cmds[cmd] : NULL;
	bool dump = c && c->dump && (!c->do_req || chance(40));
	unsigned int kind, style = below(100);

	if (chance(5))
		dump = !dump;
	nreq_init(cmd, dump);
	if (style < 45) {
		gen_good(cmd);
		kind = dump ? k_nl_dump : k_nl_good;
	} else if (style < 85) {
		gen_good(cmd);
		mutate_req();
		kind = k_nl_mutated;
	} else {
		for (unsigned int k = below(8); k; k--)
			put_soup((uint16_t)below(SNAP_A_MAX + 4));
		kind = k_nl_soup;
	}
	nl_send(nl, kind, i);
}

/* ---- the end: delete what the run left ---- */

struct names {
	char v[256][SNAP_NQN_MAX];
	unsigned int n;
	uint16_t attr;
};

static void names_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct names *nm = arg;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == nm->attr && nm->n < ARRAY_SIZE(nm->v) &&
		    mnl_attr_get_payload_len(a) <= SNAP_NQN_MAX) {
			memcpy(nm->v[nm->n], mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			nm->v[nm->n][SNAP_NQN_MAX - 1] = '\0';
			nm->n++;
		}
}

static bool is_excluded(const char *s)
{
	for (unsigned int x = 0; x < nexcluded; x++)
		if (!strcmp(s, excluded[x]))
			return true;
	return false;
}

static unsigned int nl_delete_all(struct nlx *nl, uint8_t get, uint8_t del, uint16_t attr)
{
	static struct names nm;
	unsigned int left = 0;

	nm.n = 0;
	nm.attr = attr;
	nreq_init(get, true);
	nl_transact(nl, nreq_build(nl), names_cb, &nm);
	for (unsigned int i = 0; i < nm.n; i++) {
		if (is_excluded(nm.v[i]))
			continue;
		nreq_init(del, false);
		nput_str(attr, nm.v[i]);
		nput(SNAP_A_FORCE, NULL, 0);
		if (nl_transact(nl, nreq_build(nl), NULL, NULL))
			left++;
	}
	return left;
}

static void nl_cleanup(struct nlx *nl)
{
	unsigned int left = 0;

	for (int pass = 0; pass < 2; pass++) {
		left = nl_delete_all(nl, SNAP_CMD_NVME_CTRL_GET, SNAP_CMD_NVME_CTRL_DEL, SNAP_A_NAME);
		left += nl_delete_all(nl, SNAP_CMD_VBLK_CTRL_GET, SNAP_CMD_VBLK_CTRL_DEL,
				      SNAP_A_NAME);
		left += nl_delete_all(nl, SNAP_CMD_SUBSYS_GET, SNAP_CMD_SUBSYS_DEL, SNAP_A_NQN);
		left += nl_delete_all(nl, SNAP_CMD_BDEV_GET, SNAP_CMD_BDEV_DEL, SNAP_A_NAME);
	}
	printf("# abifuzz netlink: cleanup: %u objects could not be deleted\n", left);
}

static void run_netlink(unsigned long n)
{
	struct nlx nl = { 0 };

	k_nl_good = kind_id("nl-good");
	k_nl_dump = kind_id("nl-good-dump");
	k_nl_mutated = kind_id("nl-mutated");
	k_nl_soup = kind_id("nl-random");
	k_nl_chain = kind_id("nl-create-chain");
	nl_open(&nl);
	nl_resolve(&nl);
	for (unsigned long i = 0; i < n; i++) {
		progress("netlink", i, n);
		if (chance(4))
			nl_chain(&nl, i);
		else
			nl_one(&nl, i);
	}
	nl_cleanup(&nl);
	mnl_socket_close(nl.sk);
}

/* ------------------------------------------------------------------ */

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	fprintf(stderr, "usage: snap_abifuzz [--seed N] [--ops N] [--attach] [--exclude NAME]... "
		"[--verbose] ioctl|uring|netlink\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	unsigned long ops = 100000;
	const char *mode = NULL;
	struct timespec t0, t1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--attach"))
			dev.attach = true;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--exclude") && i + 1 < argc && nexcluded < MAX_EXCLUDE)
			excluded[nexcluded++] = argv[++i];
		else if (argv[i][0] != '-' && !mode)
			mode = argv[i];
		else
			usage();
	}
	if (!mode || (strcmp(mode, "ioctl") && strcmp(mode, "uring") && strcmp(mode, "netlink")))
		usage();
	printf("# abifuzz %s: seed %" PRIu64 " (replay: snap_abifuzz --seed %" PRIu64
	       " --ops %lu%s %s)\n", mode, seed, seed, ops, dev.attach ? " --attach" : "", mode);
	fflush(stdout);
	rng_seed(seed);
	setup_signals();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	find_funcs();
	if (!strcmp(mode, "netlink")) {
		run_netlink(ops);
	} else {
		for (unsigned int i = 0; i < NR_IOCS; i++)
			kind_id(iocs[i].name);
		k_random_nr = kind_id("near-magic");
		k_wrong_size = kind_id("wrong-size-or-dir");
		k_mmap = kind_id("mmap");
		k_scribble = kind_id("fn-state-scribble");
		k_bad_op = kind_id("uring-bad-cmd-op");
		k_bad_sqe = kind_id("uring-bad-sqe");
		arena_init();
		dev_open();
		if (dev.attach)
			dev_attach();
		if (!strcmp(mode, "ioctl"))
			run_ioctl(ops);
		else
			run_uring(ops);
		if (dev.attached)
			ioctl(dev.fd, SNAP_IOC_DETACH);
		close(dev.fd);
		if (dev.attach)
			printf("# abifuzz %s: attached as the daemon; attached again %lu times "
			       "after a DETACH got through\n", mode, dev.reattaches);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	summary(mode, seed);
	printf("# abifuzz %s: %.1f s\n", mode,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (nl_timeouts) {
		printf("# abifuzz %s: %lu netlink requests got no answer in 10 s\n", mode,
		       nl_timeouts);
		return 1;
	}
	return 0;
}
