// SPDX-License-Identifier: GPL-2.0
/*
 * snap_dptest: the /dev/snap data path end to end, in one process.
 *
 * A minimal daemon (a thread) attaches to /dev/snap with SNAP_F_DATAPATH,
 * maps the DMA pool and the function's struct snap_fn_state, waits for
 * events (SNAP_IOC_WAIT, or io_uring IORING_OP_URING_CMD, which then also
 * carries every other operation), answers the controller handshake, fetches
 * SQEs with SNAP_IOC_DMA, executes a few commands and posts completions.
 * The host is the main thread: it owns the emulated function through
 * snap_testhost.ko (/dev/snap_testhost: DMA-coherent queue and data memory,
 * MSI-X interrupt counters, vector masking) and reaches its registers
 * through the BAR's sysfs resource file, like an NVMe driver would.
 *
 * Commands the daemon executes (besides Create/Delete I/O SQ/CQ):
 *   0xc0  no-op
 *   0xc1  host -> pool: cdw12 bytes from PRP1/PRP2 into the pool at
 *         cdw13, checked against the pattern of seed cdw14
 *   0xc2  pool -> host: the pattern of seed cdw14, cdw12 bytes, written
 *         into the pool at cdw13 and moved to PRP1/PRP2
 *   0xc3  held: recorded in an in-flight slot and never completed, as if
 *         the daemon died while working on it
 * One multi-segment SNAP_IOC_DMA per data command, one segment per host
 * page, so non-contiguous host pages and pool offsets across a 2 MiB pool
 * chunk are covered.
 *
 * usage: snap_dptest e2e BDF FUNC_ID CTRL   handshake, gates, commands (TAP)
 *        snap_dptest badinput BDF FUNC_ID [IDLE_FUNC_ID]
 *                                           malformed arguments (TAP); DMA
 *                                           and interrupts of an undriven
 *                                           function fail with EIO
 *        snap_dptest takeover BDF FUNC_ID   a daemon process killed with a
 *                                           command in flight; a new one
 *                                           finishes it (TAP)
 *        snap_dptest pool-limit             the DMA pool stops growing at
 *                                           half of RAM (TAP)
 *        snap_dptest ctrl-gone BDF FUNC_ID CTRL NQN
 *                                           the controller destroyed under
 *                                           an enabled host and created
 *                                           again: nothing of it is left
 *                                           (TAP)
 * CTRL is the controller object on the function; e2e suspends and resumes
 * it with snapadm. Exit status: 0 when every check passed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <liburing.h>
#include <linux/snap.h>

#include "snap_testhost/snap_testhost.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096U

/* Register offsets and bits, as in kmod/nvme_regs.h. */
#define REG_CAP		0x00
#define REG_VS		0x08
#define REG_CC		0x14
#define REG_CSTS	0x1c
#define REG_AQA		0x24
#define REG_ASQ		0x28
#define REG_ACQ		0x30
#define SQ_DB(q)	(0x1000 + (q) * 8)
#define CQ_DB(q)	(0x1000 + (q) * 8 + 4)
#define MSIX_PBA	0x3000	/* kmod/sim/bus.c */
#define BAR_LEN		0x4000

#define CC_EN		(1U << 0)
#define CC_IOSQES	(6U << 16)
#define CC_IOCQES	(4U << 20)
#define CC_SHN_NORMAL	(1U << 14)
#define CSTS_RDY	(1U << 0)
#define CSTS_CFS	(1U << 1)
#define CSTS_SHST_MASK	(3U << 2)
#define CSTS_SHST_CMPLT	(2U << 2)

#define OPC_DEL_SQ	0x00
#define OPC_CREATE_SQ	0x01
#define OPC_DEL_CQ	0x04
#define OPC_CREATE_CQ	0x05
#define OPC_NOP		0xc0
#define OPC_WRITE	0xc1
#define OPC_READ	0xc2
#define OPC_HOLD	0xc3	/* fetched and recorded in flight, never completed */

/* NVMe generic status codes the daemon answers with. */
#define SC_INVALID_OPCODE	0x01
#define SC_INVALID_FIELD	0x02
#define SC_DATA_XFER		0x04

/* Pool layout the daemon uses (the pool is at least 64 MiB). */
#define POOL_SQ_SCRATCH(q)	((uint64_t)(q) * PAGE)
#define POOL_PRP_SCRATCH	(64ULL * PAGE)
#define CHUNK			((uint64_t)SNAP_POOL_CHUNK_SIZE)
/* The chunks the test daemon makes resident: all the offsets above. */
#define POOL_RESIDENT		(8 * CHUNK)

struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;	/* bit 0: phase; bits 15:1: status field */
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes");

/* ------------------------------------------------------------------ */
/* small helpers */

static unsigned int tap_n, tap_failed;

static bool tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
	return ok;
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int tap_done(void)
{
	printf("1..%u\n", tap_n);
	printf("# %u of %u failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

static const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "success";
	case EINVAL: return "EINVAL";
	case ENOTCONN: return "ENOTCONN";
	case EAGAIN: return "EAGAIN";
	case EIO: return "EIO";
	case EFAULT: return "EFAULT";
	case ENOTTY: return "ENOTTY";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINTR: return "EINTR";
	case ERANGE: return "ERANGE";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The test pattern: every 32-bit word depends on the seed and its offset. */
static uint32_t pat_word(uint32_t seed, uint64_t byte_off)
{
	uint32_t x = seed * 2654435761U ^ (uint32_t)(byte_off / 4) * 40503U;

	x ^= x >> 15;
	x *= 2246822519U;
	x ^= x >> 13;
	return x | 1;	/* never 0, so zeroed memory never matches */
}

static void pat_fill(void *p, uint32_t len, uint32_t seed, uint64_t base)
{
	uint32_t *w = p;

	for (uint32_t i = 0; i < len / 4; i++)
		w[i] = pat_word(seed, base + (uint64_t)i * 4);
}

/* Offset of the first mismatch, or -1. */
static long pat_check(const void *p, uint32_t len, uint32_t seed, uint64_t base)
{
	const uint32_t *w = p;

	for (uint32_t i = 0; i < len / 4; i++)
		if (w[i] != pat_word(seed, base + (uint64_t)i * 4))
			return (long)i * 4;
	return -1;
}

/* ------------------------------------------------------------------ */
/* the daemon */

enum { UD_WAIT = 1, UD_OP = 2 };

struct daemon {
	int fd;
	uint32_t func_id;
	bool uring;
	struct io_uring ring;
	bool ring_up;
	/* uring mode: the outstanding WAIT and its result */
	bool wait_pending, wait_ready;
	int wait_res;
	struct snap_wait wait_arg;
	struct snap_event wait_evs[32];

	uint8_t *pool;
	uint64_t pool_size;
	struct snap_fn_state *fs;

	pthread_t thr;
	bool thr_up;
	volatile bool stop;
	pthread_mutex_t mu;	/* everything below */
	pthread_cond_t cv;
	unsigned int ev_count[8];
	uint32_t enable_cc;
	uint64_t enable_data[2];
	unsigned int cmds_done;
	unsigned int recovered;
	uint32_t fail_next_enable;
	unsigned int errors;
	char last_error[256];
};

static void d_error(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void d_error(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&d->mu);
	va_start(ap, fmt);
	vsnprintf(d->last_error, sizeof(d->last_error), fmt, ap);
	va_end(ap);
	d->errors++;
	pthread_mutex_unlock(&d->mu);
	printf("# daemon: %s\n", d->last_error);
	fflush(stdout);
}

static int uring_submit_cmd(struct io_uring *ring, int fd, unsigned int op, void *arg,
			    uint32_t len, uint32_t flags, uint64_t ud)
{
	struct snap_uring_cmd c = { .addr = (uintptr_t)arg, .len = len, .flags = flags };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	int ret;

	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &c, sizeof(c));
	sqe->user_data = ud;
	ret = io_uring_submit(ring);
	return ret == 1 ? 0 : ret < 0 ? ret : -EIO;
}

/*
 * Reaps completions until the one tagged @want arrives (its res in *res);
 * a WAIT completing meanwhile is kept for daemon_events(). -ETIME when
 * @timeout_ms passes first.
 */
static int uring_reap(struct daemon *d, uint64_t want, int timeout_ms, int *res)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct __kernel_timespec ts = { 0, 20 * 1000000 };
		struct io_uring_cqe *cqe;
		uint64_t ud;
		int ret, r;

		ret = io_uring_wait_cqe_timeout(&d->ring, &cqe, &ts);
		if (ret == -ETIME || ret == -EINTR) {
			if (now_ms() >= end)
				return -ETIME;
			continue;
		}
		if (ret < 0)
			return ret;
		ud = cqe->user_data;
		r = cqe->res;
		io_uring_cqe_seen(&d->ring, cqe);
		if (ud == UD_WAIT) {
			d->wait_pending = false;
			d->wait_ready = true;
			d->wait_res = r;
		}
		if (ud == want) {
			*res = r;
			return 0;
		}
	}
}

/* One data-path operation: ioctl, or uring_cmd in uring mode. -errno. */
static int dp_op(struct daemon *d, unsigned int cmd, void *arg, uint32_t len)
{
	int ret, res;

	if (!d->uring) {
		ret = ioctl(d->fd, cmd, arg);
		return ret < 0 ? -errno : ret;
	}
	ret = uring_submit_cmd(&d->ring, d->fd, cmd, arg, len, 0, UD_OP);
	if (ret)
		return ret;
	ret = uring_reap(d, UD_OP, 10000, &res);
	return ret ? ret : res;
}

#define DP_OP(d, cmd, argp)	dp_op(d, cmd, argp, sizeof(*(argp)))

static int dp_ioctl(int fd, unsigned int cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int ctrl_done(struct daemon *d, uint16_t event, uint32_t status)
{
	struct snap_ctrl_done cd = { .func_id = d->func_id, .event = event, .status = status };
	int ret = DP_OP(d, SNAP_IOC_CTRL_DONE, &cd);

	if (ret)
		d_error(d, "CTRL_DONE event %u: %s", event, errname(-ret));
	return ret;
}

static int dma(struct daemon *d, uint32_t dir, struct snap_dma_seg *segs, uint32_t n)
{
	struct snap_dma op = { .func_id = d->func_id, .dir = dir, .segs = (uintptr_t)segs,
			       .nr_segs = n };

	return DP_OP(d, SNAP_IOC_DMA, &op);
}

/* Host pages of one data command at most (15 pages, one more unaligned). */
#define DATA_SEGS	16

/*
 * Completes the command in in-flight slot @slot with entry @c, after
 * moving @n segments to the host in the same call (SNAP_POST_DMA) if any.
 */
static int post_cqe_dma(struct daemon *d, uint16_t cqid, struct nvme_cqe *c, uint16_t slot,
			const struct snap_dma_seg *segs, uint32_t n)
{
	struct snap_post_cqe p = { .func_id = d->func_id, .cqid = cqid, .flags = SNAP_POST_IRQ,
				   .cqes = (uintptr_t)c, .count = 1, .slots = (uintptr_t)&slot };
	uint64_t end = now_ms() + 2000;
	int ret;

	if (n) {
		p.flags |= SNAP_POST_DMA;
		p.segs = (uintptr_t)segs;
		p.nr_segs = n;
	}
	/* A full CQ frees up when the host moves its head. */
	while ((ret = DP_OP(d, SNAP_IOC_POST_CQE, &p)) == -EAGAIN && now_ms() < end)
		sleep_ms(1);
	if (ret)
		d_error(d, "POST_CQE cq %u cid %u: %s", cqid, c->cid, errname(-ret));
	return ret;
}

static int post_cqe(struct daemon *d, uint16_t cqid, struct nvme_cqe *c, uint16_t slot)
{
	return post_cqe_dma(d, cqid, c, slot, NULL, 0);
}

/* PRP1/PRP2 of @len bytes -> one segment per host page, pool from @pool_off. */
static int prp_segs(struct daemon *d, uint64_t prp1, uint64_t prp2, uint32_t len,
		    uint64_t pool_off, struct snap_dma_seg *segs, unsigned int max)
{
	uint32_t first = PAGE - (uint32_t)(prp1 & (PAGE - 1));
	uint32_t left, entries;
	struct snap_dma_seg ls;
	uint64_t *list;
	unsigned int n = 0;
	int ret;

	if (first > len)
		first = len;
	segs[n++] = (struct snap_dma_seg){ .host_addr = prp1, .pool_off = pool_off, .len = first };
	left = len - first;
	pool_off += first;
	if (!left)
		return (int)n;
	if (left <= PAGE) {
		segs[n++] = (struct snap_dma_seg){ .host_addr = prp2, .pool_off = pool_off,
						   .len = left };
		return (int)n;
	}
	entries = (left + PAGE - 1) / PAGE;
	if (entries + 1 > max || entries > PAGE / 8)
		return -EINVAL;
	/* The PRP list itself comes over DMA too, through the pool. */
	ls = (struct snap_dma_seg){ .host_addr = prp2, .pool_off = POOL_PRP_SCRATCH,
				    .len = entries * 8 };
	ret = dma(d, SNAP_DMA_FROM_HOST, &ls, 1);
	if (ret)
		return ret;
	list = (uint64_t *)(d->pool + POOL_PRP_SCRATCH);
	for (uint32_t i = 0; i < entries; i++) {
		uint32_t l = left < PAGE ? left : PAGE;

		segs[n++] = (struct snap_dma_seg){ .host_addr = list[i], .pool_off = pool_off,
						   .len = l };
		pool_off += l;
		left -= l;
	}
	return (int)n;
}

/* Up to @max slots the kernel shows free, into @slots; how many. */
static unsigned int free_slots(struct daemon *d, uint16_t *slots, unsigned int max)
{
	unsigned int n = 0;

	for (int i = 0; i < SNAP_INFLIGHT_MAX && n < max; i++)
		if (!(__atomic_load_n(&d->fs->inflight[i].flags, __ATOMIC_ACQUIRE) &
		      SNAP_INFLIGHT_USED))
			slots[n++] = (uint16_t)i;
	return n;
}

static int sq_fetch(struct daemon *d, uint16_t qid, uint16_t *slots, unsigned int max)
{
	struct snap_sq_fetch f = { .func_id = d->func_id, .sqid = qid,
				   .slots = (uintptr_t)slots, .max = max };
	int ret = ioctl(d->fd, SNAP_IOC_SQ_FETCH, &f);

	return ret < 0 ? -errno : ret;
}

static uint16_t exec_queue_cmd(struct daemon *d, const struct nvme_sqe *c)
{
	struct snap_queue_cfg q = { .func_id = d->func_id, .qid = c->cdw10 & 0xffff };
	unsigned int cmd = SNAP_IOC_QUEUE_CREATE;
	int ret;

	switch (c->opc) {
	case OPC_CREATE_CQ:
		q.type = SNAP_QUEUE_CQ;
		q.flags = c->cdw11 & 2 ? SNAP_QF_IRQ : 0;
		q.base = c->prp1;
		q.size = (c->cdw10 >> 16) + 1;
		q.vector = c->cdw11 >> 16;
		break;
	case OPC_CREATE_SQ:
		q.type = SNAP_QUEUE_SQ;
		q.base = c->prp1;
		q.size = (c->cdw10 >> 16) + 1;
		q.cqid = c->cdw11 >> 16;
		break;
	case OPC_DEL_CQ:
		q.type = SNAP_QUEUE_CQ;
		cmd = SNAP_IOC_QUEUE_DELETE;
		break;
	default:
		q.type = SNAP_QUEUE_SQ;
		cmd = SNAP_IOC_QUEUE_DELETE;
		break;
	}
	ret = DP_OP(d, cmd, &q);
	if (ret) {
		d_error(d, "%s qid %u type %u: %s", cmd == SNAP_IOC_QUEUE_CREATE ?
			"QUEUE_CREATE" : "QUEUE_DELETE", q.qid, q.type, errname(-ret));
		return SC_INVALID_FIELD;
	}
	return 0;
}

/*
 * Reads with an odd command id leave their data in @segs (*@nr of them)
 * for the completion to carry (SNAP_POST_DMA); the others move it here
 * with SNAP_IOC_DMA. So both ways feed the host's checked reads.
 */
static uint16_t exec_data_cmd(struct daemon *d, const struct nvme_sqe *c, uint32_t *dw0,
			      struct snap_dma_seg *segs, uint32_t *nr)
{
	uint64_t off = c->cdw13;
	uint32_t len = c->cdw12;
	long bad;
	int n, ret;

	if (!len || len > 15 * PAGE || off + len > d->pool_size)
		return SC_INVALID_FIELD;
	n = prp_segs(d, c->prp1, c->prp2, len, off, segs, DATA_SEGS);
	if (n < 0) {
		d_error(d, "cid %u: PRP list: %s", c->cid, errname(-n));
		return SC_DATA_XFER;
	}
	*dw0 = (uint32_t)n;
	if (c->opc == OPC_READ)
		pat_fill(d->pool + off, len, c->cdw14, 0);
	if (c->opc == OPC_READ && c->cid & 1) {
		*nr = (uint32_t)n;
		return 0;
	}
	ret = dma(d, c->opc == OPC_READ ? SNAP_DMA_TO_HOST : SNAP_DMA_FROM_HOST, segs,
		  (uint32_t)n);
	if (ret) {
		d_error(d, "cid %u: DMA %s of %u segments: %s", c->cid,
			c->opc == OPC_READ ? "to host" : "from host", n, errname(-ret));
		return SC_DATA_XFER;
	}
	if (c->opc == OPC_WRITE) {
		bad = pat_check(d->pool + off, len, c->cdw14, 0);
		if (bad >= 0) {
			d_error(d, "cid %u: pool differs from the host's data at +%ld", c->cid, bad);
			return SC_DATA_XFER;
		}
	}
	return 0;
}

/* Runs the command the kernel put in in-flight slot @slot. */
static void exec_cmd(struct daemon *d, uint16_t qid, uint16_t slot)
{
	struct snap_dma_seg segs[DATA_SEGS];
	struct nvme_sqe cmd, *c = &cmd;
	struct nvme_cqe cqe;
	uint32_t nr_segs = 0;
	uint16_t sc = 0;

	memcpy(&cmd, d->fs->inflight[slot].sqe, sizeof(cmd));
	cqe = (struct nvme_cqe){ .sqid = qid, .cid = c->cid };
	if (c->opc == OPC_HOLD)
		return;
	switch (c->opc) {
	case OPC_CREATE_CQ:
	case OPC_CREATE_SQ:
	case OPC_DEL_CQ:
	case OPC_DEL_SQ:
		sc = qid ? SC_INVALID_OPCODE : exec_queue_cmd(d, c);
		break;
	case OPC_NOP:
		break;
	case OPC_WRITE:
	case OPC_READ:
		sc = exec_data_cmd(d, c, &cqe.dw0, segs, &nr_segs);
		break;
	default:
		sc = SC_INVALID_OPCODE;
	}
	cqe.status = (uint16_t)(sc << 1);
	post_cqe_dma(d, d->fs->sq[qid].cqid, &cqe, slot, segs, nr_segs);
	pthread_mutex_lock(&d->mu);
	d->cmds_done++;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* Fetches (into in-flight slots) and executes what the host queued on SQ @qid. */
static void serve_sq(struct daemon *d, uint16_t qid)
{
	struct snap_queue_state *sq = &d->fs->sq[qid];
	uint16_t slots[8];

	if (!sq->size)
		return;
	if (sq->doorbell >= sq->size) {
		d_error(d, "sq %u: tail %u beyond size %u", qid, sq->doorbell, sq->size);
		return;
	}
	for (;;) {
		unsigned int n = free_slots(d, slots, ARRAY_SIZE(slots));
		int got;

		if (!n) {
			d_error(d, "sq %u: no free in-flight slot", qid);
			return;
		}
		got = sq_fetch(d, qid, slots, n);
		if (got == -EINVAL && !__atomic_load_n(&sq->size, __ATOMIC_ACQUIRE))
			return;	/* a reset (FLR, bus master off) removed the queue meanwhile */
		if (got < 0)
			d_error(d, "sq %u: SQ_FETCH at head %u: %s", qid, sq->head, errname(-got));
		if (got <= 0)
			return;
		for (int i = 0; i < got; i++)
			exec_cmd(d, qid, slots[i]);
	}
}

static void handle_event(struct daemon *d, const struct snap_event *e)
{
	uint32_t status = 0;

	if (e->func_id != d->func_id) {
		d_error(d, "event %u for function %u, not %u", e->type, e->func_id, d->func_id);
		return;
	}
	pthread_mutex_lock(&d->mu);
	if (e->type < ARRAY_SIZE(d->ev_count))
		d->ev_count[e->type]++;
	if (e->type == SNAP_EV_CTRL_ENABLE) {
		d->enable_cc = e->value;
		d->enable_data[0] = e->data[0];
		d->enable_data[1] = e->data[1];
		status = d->fail_next_enable;
		d->fail_next_enable = 0;
	}
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);

	switch (e->type) {
	case SNAP_EV_CTRL_ENABLE:
		ctrl_done(d, e->type, status);
		break;
	case SNAP_EV_CTRL_DISABLE:
	case SNAP_EV_CTRL_SHUTDOWN:
		/* Commands complete synchronously here: nothing to drain. */
		ctrl_done(d, e->type, 0);
		break;
	case SNAP_EV_SQ_DOORBELL:
		if (e->qid >= SNAP_NVME_MAX_QUEUES)
			d_error(d, "SQ doorbell event for queue %u", e->qid);
		else
			serve_sq(d, e->qid);
		break;
	case SNAP_EV_FUNC_RESET:
	case SNAP_EV_CQ_DOORBELL:
		break;
	default:
		d_error(d, "unknown event type %u", e->type);
	}
}

/* Up to @max events; 0 when none came within about @timeout_ms. */
static int daemon_events(struct daemon *d, struct snap_event *ev, uint32_t max, int timeout_ms)
{
	struct snap_wait w = { .events = (uintptr_t)ev, .max_events = max };
	int ret, res;

	if (!d->uring) {
		/* Blocks; daemon_stop() interrupts it with a signal. */
		ret = ioctl(d->fd, SNAP_IOC_WAIT, &w);
		return ret < 0 ? -errno : ret;
	}
	if (!d->wait_pending && !d->wait_ready) {
		d->wait_arg = (struct snap_wait){ .events = (uintptr_t)d->wait_evs,
						  .max_events = ARRAY_SIZE(d->wait_evs) };
		ret = uring_submit_cmd(&d->ring, d->fd, SNAP_IOC_WAIT, &d->wait_arg,
				       sizeof(d->wait_arg), 0, UD_WAIT);
		if (ret)
			return ret;
		d->wait_pending = true;
	}
	if (!d->wait_ready) {
		ret = uring_reap(d, UD_WAIT, timeout_ms, &res);
		if (ret == -ETIME)
			return 0;
		if (ret)
			return ret;
	}
	d->wait_ready = false;
	if (d->wait_res <= 0)
		return d->wait_res;
	ret = d->wait_res < (int)max ? d->wait_res : (int)max;
	memcpy(ev, d->wait_evs, (size_t)ret * sizeof(*ev));
	return ret;
}

/* Completes (with success) what a previous daemon fetched and never finished. */
static void recover_inflight(struct daemon *d)
{
	for (int i = 0; i < SNAP_INFLIGHT_MAX; i++) {
		struct snap_inflight_slot *s = &d->fs->inflight[i];
		struct snap_queue_state *sq;
		struct nvme_cqe cqe;
		struct nvme_sqe c;

		if (!(s->flags & SNAP_INFLIGHT_USED))
			continue;
		if (s->sqid >= SNAP_NVME_MAX_QUEUES || !d->fs->sq[s->sqid].size) {
			d_error(d, "in-flight slot %d names queue %u, which does not exist", i,
				s->sqid);
			continue;
		}
		sq = &d->fs->sq[s->sqid];
		memcpy(&c, s->sqe, sizeof(c));
		cqe = (struct nvme_cqe){ .sqid = s->sqid, .cid = c.cid };
		/* Counted first: the slot is empty as soon as the post returns. */
		pthread_mutex_lock(&d->mu);
		d->recovered++;
		pthread_mutex_unlock(&d->mu);
		post_cqe(d, sq->cqid, &cqe, (uint16_t)i);
	}
}

static void *daemon_main(void *arg)
{
	struct daemon *d = arg;
	struct snap_event ev[32];

	recover_inflight(d);

	/* A new daemon picks up commands the host queued while none was attached. */
	for (uint16_t q = 0; q < SNAP_NVME_MAX_QUEUES; q++)
		if (d->fs->sq[q].size && d->fs->sq[q].doorbell != d->fs->sq[q].head)
			serve_sq(d, q);
	while (!d->stop) {
		int n = daemon_events(d, ev, ARRAY_SIZE(ev), 100);

		if (n == -EINTR || n == 0 || (n < 0 && d->stop))
			continue;
		if (n < 0) {
			d_error(d, "%s: %s", d->uring ? "WAIT uring_cmd" : "SNAP_IOC_WAIT",
				errname(-n));
			if (n == -ENOTCONN)
				break;
			sleep_ms(50);
			continue;
		}
		for (int i = 0; i < n; i++)
			handle_event(d, &ev[i]);
	}
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* Opens /dev/snap and attaches as the daemon; maps pool and fn_state. */
static int daemon_attach(struct daemon *d, uint32_t func_id, bool uring)
{
	struct snap_ioc_attach at = { .abi_major = SNAP_ABI_MAJOR, .abi_minor = SNAP_ABI_MINOR,
				      .features = SNAP_F_DATAPATH };
	struct snap_ioc_info info = { 0 };
	void *p;
	int ret;

	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->func_id = func_id;
	d->uring = uring;
	d->fd = open("/dev/snap", O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	ret = dp_ioctl(d->fd, SNAP_IOC_ATTACH, &at);
	if (ret)
		goto err_close;
	if (!(at.features & SNAP_F_DATAPATH)) {
		ret = -EOPNOTSUPP;
		goto err_close;
	}
	ret = dp_ioctl(d->fd, SNAP_IOC_INFO, &info);
	if (ret)
		goto err_close;
	d->pool_size = info.pool_size;
	if (d->pool_size < 8 * CHUNK) {
		diag("pool_size %" PRIu64 " after attach: too small for the test", d->pool_size);
		ret = -ENOSPC;
		goto err_close;
	}
	p = mmap(NULL, d->pool_size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, SNAP_MMAP_POOL);
	if (p == MAP_FAILED) {
		ret = -errno;
		diag("mmap of the pool (%" PRIu64 " bytes): %s", d->pool_size, strerror(errno));
		goto err_close;
	}
	d->pool = p;
	ret = dp_ioctl(d->fd, SNAP_IOC_POOL_GROW,
		       &(struct snap_pool_grow){ .offset = 0, .len = POOL_RESIDENT });
	if (ret) {
		diag("SNAP_IOC_POOL_GROW of %" PRIu64 " bytes: %s", POOL_RESIDENT, errname(-ret));
		goto err_unmap_pool;
	}
	p = mmap(NULL, sizeof(struct snap_fn_state), PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 (off_t)SNAP_MMAP_FN_STATE(func_id));
	if (p == MAP_FAILED) {
		ret = -errno;
		diag("mmap of fn_state %u: %s", func_id, strerror(errno));
		goto err_unmap_pool;
	}
	d->fs = p;
	if (uring) {
		ret = io_uring_queue_init(16, &d->ring, 0);
		if (ret)
			goto err_unmap_fs;
		d->ring_up = true;
	}
	return 0;

err_unmap_fs:
	munmap(d->fs, sizeof(struct snap_fn_state));
err_unmap_pool:
	munmap(d->pool, d->pool_size);
err_close:
	close(d->fd);
	d->fd = -1;
	return ret;
}

static int daemon_start(struct daemon *d)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */

	sigaction(SIGUSR1, &sa, NULL);
	d->stop = false;
	if (pthread_create(&d->thr, NULL, daemon_main, d))
		return -1;
	d->thr_up = true;
	return 0;
}

/*
 * Stops the thread. A blocking SNAP_IOC_WAIT must return on a signal; an
 * outstanding WAIT uring_cmd must complete when the daemon detaches.
 * Returns false when the thread did not stop.
 */
static bool daemon_stop_thread(struct daemon *d)
{
	uint64_t end = now_ms() + 3000;
	bool detached = false;

	if (!d->thr_up)
		return true;
	d->stop = true;
	while (now_ms() < end) {
		struct timespec ts;

		if (!d->uring) {
			pthread_kill(d->thr, SIGUSR1);
		} else if (!detached) {
			detached = true;
			if (dp_ioctl(d->fd, SNAP_IOC_DETACH, NULL))
				diag("DETACH: %s", strerror(errno));
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(d->thr, NULL, &ts) == 0) {
			d->thr_up = false;
			return true;
		}
	}
	return false;
}

static void daemon_close(struct daemon *d)
{
	if (d->fd < 0)
		return;
	if (d->ring_up)
		io_uring_queue_exit(&d->ring);
	munmap(d->fs, sizeof(struct snap_fn_state));
	munmap(d->pool, d->pool_size);
	close(d->fd);
	d->fd = -1;
}

/* Waits until the daemon counted @n events of @type in all. */
static bool daemon_wait_ev(struct daemon *d, unsigned int type, unsigned int n, int ms)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->mu);
	while (d->ev_count[type] < n)
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts))
			break;
	ok = d->ev_count[type] >= n;
	pthread_mutex_unlock(&d->mu);
	return ok;
}

static unsigned int daemon_count(struct daemon *d, unsigned int type)
{
	unsigned int n;

	pthread_mutex_lock(&d->mu);
	n = d->ev_count[type];
	pthread_mutex_unlock(&d->mu);
	return n;
}

static unsigned int daemon_errors(struct daemon *d)
{
	unsigned int n;

	pthread_mutex_lock(&d->mu);
	n = d->errors;
	pthread_mutex_unlock(&d->mu);
	return n;
}

/* ------------------------------------------------------------------ */
/* the host */

struct hq {
	uint16_t qid;
	uint16_t vector;
	uint32_t size;
	uint8_t *sq, *cq;
	uint64_t sq_bus, cq_bus;
	uint32_t sq_tail, cq_head;
	uint16_t phase;
};

struct host {
	int fd;
	volatile uint8_t *bar;
	unsigned int nvec;
	uint8_t *qmem, *data;
	uint64_t qbus, dbus;
	struct hq q[2];
	uint16_t next_cid;
};

/* Queue memory pages (qmem) and data pages (data). */
enum { QP_ASQ, QP_ACQ, QP_IOSQ, QP_IOCQ, QP_PRP0, QP_PRP1, QP_PAGES = 8 };
#define DATA_PAGES	32

static uint32_t rd32(struct host *h, unsigned int off)
{
	return *(volatile uint32_t *)(h->bar + off);
}

static void wr32(struct host *h, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(h->bar + off) = v;
}

static uint64_t rd64(struct host *h, unsigned int off)
{
	return rd32(h, off) | (uint64_t)rd32(h, off + 4) << 32;
}

static void wr64(struct host *h, unsigned int off, uint64_t v)
{
	wr32(h, off, (uint32_t)v);
	wr32(h, off + 4, (uint32_t)(v >> 32));
}

static bool wait_csts(struct host *h, uint32_t mask, uint32_t val, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	do {
		if ((rd32(h, REG_CSTS) & mask) == val)
			return true;
		sleep_ms(5);
	} while (now_ms() < end);
	return (rd32(h, REG_CSTS) & mask) == val;
}

/* CSTS & @mask stays @val for @ms. */
static bool csts_stays(struct host *h, uint32_t mask, uint32_t val, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	do {
		if ((rd32(h, REG_CSTS) & mask) != val)
			return false;
		sleep_ms(20);
	} while (now_ms() < end);
	return true;
}

static uint32_t irq_count(struct host *h, uint32_t vec)
{
	struct snap_th_irq r = { .vector = vec };

	if (ioctl(h->fd, SNAP_TH_IOC_IRQ_COUNT, &r))
		return UINT32_MAX;
	return r.count;
}

static bool irq_wait(struct host *h, uint32_t vec, uint32_t min, unsigned int ms)
{
	struct snap_th_irq r = { .vector = vec, .min_count = min, .timeout_ms = ms };

	return ioctl(h->fd, SNAP_TH_IOC_IRQ_WAIT, &r) == 0;
}

static int th_mask(struct host *h, uint32_t vec, bool masked)
{
	struct snap_th_mask m = { .vector = vec, .masked = masked };

	return dp_ioctl(h->fd, SNAP_TH_IOC_MASK, &m);
}

static void *th_alloc(struct host *h, uint32_t pages, uint64_t *bus)
{
	struct snap_th_alloc a = { .pages = pages };
	void *p;

	if (ioctl(h->fd, SNAP_TH_IOC_ALLOC, &a))
		return NULL;
	p = mmap(NULL, (size_t)pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd,
		 (off_t)a.mmap_offset);
	if (p == MAP_FAILED)
		return NULL;
	*bus = a.bus_addr;
	return p;
}

static int host_open(struct host *h, const char *bdf)
{
	struct snap_th_info info;
	char path[128];
	void *p;
	int fd;

	memset(h, 0, sizeof(*h));
	h->fd = open(SNAP_TH_DEV, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		diag("open %s: %s", SNAP_TH_DEV, strerror(errno));
		return -1;
	}
	if (ioctl(h->fd, SNAP_TH_IOC_INFO, &info)) {
		diag("SNAP_TH_IOC_INFO: %s", strerror(errno));
		return -1;
	}
	h->nvec = info.num_vectors;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		diag("open %s: %s", path, strerror(errno));
		return -1;
	}
	p = mmap(NULL, BAR_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		diag("mmap %s: %s", path, strerror(errno));
		return -1;
	}
	h->bar = p;
	h->qmem = th_alloc(h, QP_PAGES, &h->qbus);
	h->data = th_alloc(h, DATA_PAGES, &h->dbus);
	if (!h->qmem || !h->data) {
		diag("test host buffers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void hq_init(struct host *h, struct hq *q, uint16_t qid, uint32_t size, int sqp,
		    int cqp, uint16_t vector)
{
	q->qid = qid;
	q->size = size;
	q->vector = vector;
	q->sq = h->qmem + sqp * PAGE;
	q->cq = h->qmem + cqp * PAGE;
	q->sq_bus = h->qbus + (uint64_t)sqp * PAGE;
	q->cq_bus = h->qbus + (uint64_t)cqp * PAGE;
	q->sq_tail = 0;
	q->cq_head = 0;
	q->phase = 1;
	memset(q->sq, 0, PAGE);
	memset(q->cq, 0, PAGE);
}

static void host_admin_regs(struct host *h, uint32_t size)
{
	hq_init(h, &h->q[0], 0, size, QP_ASQ, QP_ACQ, 0);
	wr32(h, REG_AQA, (size - 1) | (size - 1) << 16);
	wr64(h, REG_ASQ, h->q[0].sq_bus);
	wr64(h, REG_ACQ, h->q[0].cq_bus);
}

static uint32_t host_cc(void)
{
	return CC_EN | CC_IOSQES | CC_IOCQES;
}

#define MAX_VEC	64

static void irq_snapshot(struct host *h, uint32_t before[MAX_VEC])
{
	for (uint32_t v = 0; v < h->nvec && v < MAX_VEC; v++)
		before[v] = irq_count(h, v);
}

/* Queues @c on queue @qi (with a fresh cid) and rings the doorbell. */
static void host_submit(struct host *h, int qi, struct nvme_sqe *c)
{
	struct hq *q = &h->q[qi];

	c->cid = ++h->next_cid;
	memcpy(q->sq + q->sq_tail * 64, c, 64);
	q->sq_tail = (q->sq_tail + 1) % q->size;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr32(h, SQ_DB(q->qid), q->sq_tail);
}

/*
 * Waits for the interrupt and the completion of @c, consumes the CQE and
 * checks it: phase, cid, SQ head and id, status 0, and that no other
 * vector fired since @before. One TAP line.
 */
static bool host_reap(struct host *h, int qi, const struct nvme_sqe *c,
		      const uint32_t before[MAX_VEC], struct nvme_cqe *out, const char *what)
{
	struct hq *q = &h->q[qi];
	volatile struct nvme_cqe *slot;
	struct nvme_cqe cqe;
	uint64_t end;
	bool irq, others = true;

	irq = irq_wait(h, q->vector, before[q->vector] + 1, 10000);
	slot = (volatile struct nvme_cqe *)(q->cq + q->cq_head * 16);
	end = now_ms() + (irq ? 1000 : 10);
	while ((slot->status & 1) != q->phase && now_ms() < end)
		sleep_ms(1);
	memcpy(&cqe, (const void *)slot, sizeof(cqe));
	if (out)
		*out = cqe;
	for (uint32_t v = 0; v < h->nvec && v < MAX_VEC; v++)
		if (v != q->vector && irq_count(h, v) != before[v])
			others = false;
	if ((cqe.status & 1) != q->phase) {
		tap(false, "%s: no completion on CQ %u slot %u (phase %u expected; vector %u "
		    "interrupt %s)", what, q->qid, q->cq_head, q->phase, q->vector,
		    irq ? "counted" : "not counted");
		return false;
	}
	q->cq_head++;
	if (q->cq_head == q->size) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	wr32(h, CQ_DB(q->qid), q->cq_head);
	return tap(irq && others && cqe.cid == c->cid && cqe.sqhd == q->sq_tail &&
		   cqe.sqid == q->qid && cqe.status >> 1 == 0,
		   "%s: CQE cid %u (want %u) sqhd %u (want %u) sqid %u status 0x%x phase %u, "
		   "vector %u interrupt %s, other vectors %s", what, cqe.cid, c->cid, cqe.sqhd,
		   q->sq_tail, cqe.sqid, cqe.status >> 1, cqe.status & 1, q->vector,
		   irq ? "counted" : "NOT counted", others ? "quiet" : "COUNTED");
}

/* Submits @c on queue @qi and checks its completion (host_reap()). */
static bool host_cmd(struct host *h, int qi, struct nvme_sqe *c, struct nvme_cqe *out,
		     const char *what)
{
	uint32_t before[MAX_VEC] = { 0 };

	irq_snapshot(h, before);
	host_submit(h, qi, c);
	return host_reap(h, qi, c, before, out, what);
}

/* A data command over 4 host pages of @pages (not adjacent, not in order). */
static void data_sqe(struct host *h, struct nvme_sqe *c, uint8_t opc, const int pages[4],
		     int prp_page, uint64_t pool_off, uint32_t seed)
{
	uint64_t *list = (uint64_t *)(h->qmem + prp_page * PAGE);

	memset(c, 0, sizeof(*c));
	c->opc = opc;
	c->prp1 = h->dbus + (uint64_t)pages[0] * PAGE;
	for (int i = 1; i < 4; i++)
		list[i - 1] = h->dbus + (uint64_t)pages[i] * PAGE;
	c->prp2 = h->qbus + (uint64_t)prp_page * PAGE;
	c->cdw12 = 4 * PAGE;
	c->cdw13 = (uint32_t)pool_off;
	c->cdw14 = seed;
}

/* The host's 4 pages hold the pattern of @seed, as one 16 KiB buffer. */
static long host_pages_check(struct host *h, const int pages[4], uint32_t seed)
{
	for (int i = 0; i < 4; i++) {
		long bad = pat_check(h->data + pages[i] * PAGE, PAGE, seed, (uint64_t)i * PAGE);

		if (bad >= 0)
			return i * (long)PAGE + bad;
	}
	return -1;
}

static void host_pages_fill(struct host *h, const int pages[4], uint32_t seed)
{
	for (int i = 0; i < 4; i++)
		pat_fill(h->data + pages[i] * PAGE, PAGE, seed, (uint64_t)i * PAGE);
}

/* Write then read back 16 KiB on queue @qi through pool offset @pool_off. */
static void data_roundtrip(struct host *h, struct daemon *d, int qi, uint64_t pool_off,
			   uint32_t seed, const char *tag)
{
	static const int wpages[4] = { 21, 7, 15, 11 }, rpages[4] = { 22, 8, 16, 12 };
	struct nvme_sqe c;
	struct nvme_cqe cqe;
	char what[160];
	long bad;

	host_pages_fill(h, wpages, seed);
	for (int i = 0; i < 4; i++)
		memset(h->data + rpages[i] * PAGE, 0, PAGE);
	data_sqe(h, &c, OPC_WRITE, wpages, QP_PRP0, pool_off, seed);
	snprintf(what, sizeof(what), "%s: 16 KiB host pages 21,7,15,11 -> pool 0x%" PRIx64
		 " (4-segment DMA from host)", tag, pool_off);
	if (host_cmd(h, qi, &c, &cqe, what))
		tap(cqe.dw0 == 4, "%s: the daemon used %u segments (4 expected)", tag, cqe.dw0);
	bad = pat_check(d->pool + pool_off, 4 * PAGE, seed, 0);
	tap(bad < 0, "%s: the pool mapping holds the host's 16 KiB at 0x%" PRIx64 " (first "
	    "difference at %+ld)", tag, pool_off, bad);

	data_sqe(h, &c, OPC_READ, rpages, QP_PRP1, pool_off + 4 * PAGE, seed ^ 0x5a5a5a5a);
	snprintf(what, sizeof(what), "%s: pool 0x%" PRIx64 " -> 16 KiB host pages 22,8,16,12 "
		 "(4-segment DMA to host)", tag, pool_off + 4 * PAGE);
	host_cmd(h, qi, &c, &cqe, what);
	bad = host_pages_check(h, rpages, seed ^ 0x5a5a5a5a);
	tap(bad < 0, "%s: the host pages hold the daemon's pattern (first difference at %+ld)",
	    tag, bad);
	/* The neighbours of the pages written to stay untouched. */
	tap(pat_check(h->data + 21 * PAGE, PAGE, seed, 0) < 0 &&
	    pat_check(h->data + 7 * PAGE, PAGE, seed, PAGE) < 0,
	    "%s: DMA to host left the other pages alone", tag);
}

static int run_snapadm(const char *verb, const char *ctrl)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "snapadm %s --ctrl %s >/dev/null 2>&1", verb, ctrl);
	return system(cmd);
}

static bool fn_state_queue(struct snap_fn_state *fs, bool cq, uint16_t qid, uint64_t base,
			   uint32_t size, const char *what)
{
	struct snap_queue_state *q = cq ? &fs->cq[qid] : &fs->sq[qid];

	return tap(q->base == base && q->size == size && q->qid == qid,
		   "fn_state %s[%u] after %s: base 0x%" PRIx64 " (want 0x%" PRIx64
		   ") size %u (want %u) qid %u", cq ? "cq" : "sq", qid, what, (uint64_t)q->base, base,
		   q->size, size, q->qid);
}

/* ------------------------------------------------------------------ */
/* e2e */

/* @en: the daemon's CTRL_ENABLE count before the enable was asked for. */
static bool enable_and_check(struct host *h, struct daemon *d, unsigned int en,
			     const char *why)
{
	bool ok;

	ok = wait_csts(h, CSTS_RDY, CSTS_RDY, 15000);
	tap(ok, "%s: CSTS.RDY=1 (CSTS 0x%x)", why, rd32(h, REG_CSTS));
	tap(daemon_wait_ev(d, SNAP_EV_CTRL_ENABLE, en + 1, 1000),
	    "%s: the daemon got CTRL_ENABLE", why);
	return ok;
}

static bool disable_and_check(struct host *h, struct daemon *d, const char *why)
{
	unsigned int n = daemon_count(d, SNAP_EV_CTRL_DISABLE);
	bool ok;

	wr32(h, REG_CC, host_cc() & ~CC_EN);
	ok = wait_csts(h, CSTS_RDY, 0, 10000);
	tap(ok, "%s: CC.EN=0 -> CSTS.RDY=0 (CSTS 0x%x)", why, rd32(h, REG_CSTS));
	if (d)
		tap(daemon_wait_ev(d, SNAP_EV_CTRL_DISABLE, n + 1, 1000),
		    "%s: the daemon got CTRL_DISABLE and answered", why);
	return ok;
}

/*
 * Admin queues nobody could serve (ASQ not page aligned, or AQA asking
 * for a 1-entry queue): CSTS.CFS at once instead of an RDY that never
 * comes, the daemon is not asked, and CC.EN=0 clears it.
 */
static void e2e_bad_admin_queues(struct host *h, struct daemon *d)
{
	static const struct {
		const char *what;
		uint64_t asq_off;
		uint32_t aqa;
	} bad[] = {
		{ "an ASQ 64 bytes past a page", 64, 7U | 7U << 16 },
		{ "AQA.ASQS 0 (a 1-entry admin SQ)", 0, 7U << 16 },
	};
	unsigned int n = daemon_count(d, SNAP_EV_CTRL_ENABLE);
	bool ok;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		host_admin_regs(h, 8);
		wr64(h, REG_ASQ, h->q[0].sq_bus + bad[i].asq_off);
		wr32(h, REG_AQA, bad[i].aqa);
		wr32(h, REG_CC, host_cc());
		ok = wait_csts(h, CSTS_CFS | CSTS_RDY, CSTS_CFS, 5000);
		tap(ok, "enable with %s -> CSTS.CFS (CSTS 0x%x)", bad[i].what, rd32(h, REG_CSTS));
		wr32(h, REG_CC, host_cc() & ~CC_EN);
		ok = wait_csts(h, CSTS_CFS | CSTS_RDY, 0, 5000);
		tap(ok, "CC.EN=0 clears it (CSTS 0x%x)", rd32(h, REG_CSTS));
	}
	tap(daemon_count(d, SNAP_EV_CTRL_ENABLE) == n,
	    "no CTRL_ENABLE reached the daemon for unusable admin queues");
	host_admin_regs(h, 8);
}

static void e2e_gates(struct host *h, struct daemon *d, uint32_t func_id, const char *ctrl)
{
	struct snap_fn_state *fs;

	/* Controller suspended (the script created it so), no daemon. */
	host_admin_regs(h, 8);
	wr32(h, REG_CC, host_cc());
	tap(csts_stays(h, CSTS_RDY, 0, 1500),
	    "gate: no daemon, controller suspended: RDY stays 0 for 1.5 s after CC.EN=1");

	if (!tap(daemon_attach(d, func_id, false) == 0, "daemon attaches with SNAP_F_DATAPATH, "
		 "maps the pool and fn_state %u", func_id))
		exit(tap_done());
	fs = d->fs;
	tap(fs->magic == SNAP_FN_STATE_MAGIC && fs->version == SNAP_FN_STATE_VERSION &&
	    fs->func_id == func_id && fs->max_queues >= 2,
	    "fn_state header: magic 0x%x version %u func_id %u max_queues %u", fs->magic,
	    fs->version, fs->func_id, fs->max_queues);
	daemon_start(d);
	tap(csts_stays(h, CSTS_RDY, 0, 1500),
	    "gate: daemon attached, controller suspended: RDY stays 0 for 1.5 s");
	tap(daemon_count(d, SNAP_EV_CTRL_ENABLE) == 0,
	    "gate: no CTRL_ENABLE reached the daemon while the controller is suspended");

	tap(run_snapadm("nvme_controller_resume", ctrl) == 0, "snapadm nvme_controller_resume "
	    "--ctrl %s", ctrl);
	enable_and_check(h, d, 0, "gate: controller resumed");
	tap(d->enable_cc == host_cc() && d->enable_data[0] == h->q[0].sq_bus &&
	    d->enable_data[1] == h->q[0].cq_bus,
	    "CTRL_ENABLE event: value 0x%x (CC 0x%x), data ASQ 0x%" PRIx64 " ACQ 0x%" PRIx64,
	    d->enable_cc, host_cc(), d->enable_data[0], d->enable_data[1]);
	tap(fs->cc == host_cc() && (fs->csts & CSTS_RDY) && fs->asq == h->q[0].sq_bus &&
	    fs->acq == h->q[0].cq_bus && fs->aqa == (7U | 7U << 16) && fs->enable_count >= 1,
	    "fn_state after enable: cc 0x%x csts 0x%x aqa 0x%x asq 0x%" PRIx64 " acq 0x%" PRIx64
	    " enable_count %u", fs->cc, fs->csts, fs->aqa, (uint64_t)fs->asq,
	    (uint64_t)fs->acq, fs->enable_count);
	fn_state_queue(fs, false, 0, h->q[0].sq_bus, 8, "enable");
	fn_state_queue(fs, true, 0, h->q[0].cq_bus, 8, "enable");
	tap(fs->cq[0].vector == 0 && (fs->cq[0].flags & SNAP_QF_IRQ) && fs->sq[0].cqid == 0,
	    "fn_state admin queues: cq vector %u flags 0x%x, sq cqid %u", fs->cq[0].vector,
	    fs->cq[0].flags, fs->sq[0].cqid);

	disable_and_check(h, d, "disable");
	tap(fs->sq[0].size == 0 && fs->cq[0].size == 0,
	    "fn_state queues cleared after disable (sq size %u, cq size %u)", fs->sq[0].size,
	    fs->cq[0].size);
	e2e_bad_admin_queues(h, d);

	/* Controller running, daemon gone: RDY waits for the next daemon. */
	tap(daemon_stop_thread(d), "the ioctl daemon thread stops (blocking WAIT returns on a "
	    "signal)");
	daemon_close(d);
	host_admin_regs(h, 8);
	wr32(h, REG_CC, host_cc());
	tap(csts_stays(h, CSTS_RDY, 0, 1500),
	    "gate: controller running, no daemon: RDY stays 0 for 1.5 s after CC.EN=1");
	if (!tap(daemon_attach(d, func_id, false) == 0, "a daemon attaches again"))
		exit(tap_done());
	daemon_start(d);
	enable_and_check(h, d, 0, "gate: daemon attached");
}

static void e2e_admin(struct host *h, struct daemon *d)
{
	struct nvme_sqe c;
	int wraps = 0;

	memset(&c, 0, sizeof(c));
	c.opc = OPC_NOP;
	host_cmd(h, 0, &c, NULL, "admin no-op (SQ_FETCH into a slot, POST_CQE with IRQ on vector 0)");
	/* Pool offsets straddle the first 2 MiB chunk boundary. */
	data_roundtrip(h, d, 0, CHUNK - 6 * 1024, 0x1234, "admin");
	/* The daemon frees the slot just after posting: give it a moment. */
	for (int i = 0; i < 100 && d->fs->sq[0].inflight; i++)
		sleep_ms(10);
	tap(d->fs->sq[0].inflight == 0, "fn_state: no admin command left in flight (%u)",
	    d->fs->sq[0].inflight);

	/* 8-entry admin queues: the tail wraps and the phase tag flips. */
	for (int i = 0; i < 10; i++) {
		char what[64];

		if (h->q[0].cq_head == 0 && i)
			wraps++;
		memset(&c, 0, sizeof(c));
		c.opc = OPC_NOP;
		snprintf(what, sizeof(what), "admin no-op %d of 10 (phase %u)", i + 1,
			 h->q[0].phase);
		host_cmd(h, 0, &c, NULL, what);
	}
	tap(wraps >= 1 && h->q[0].phase == 0, "the admin CQ wrapped (phase now %u)",
	    h->q[0].phase);

	memset(&c, 0, sizeof(c));
	c.opc = OPC_CREATE_CQ;
	c.prp1 = h->qbus + QP_IOCQ * PAGE;
	c.cdw10 = 1 | (16 - 1) << 16;
	c.cdw11 = 1 | 2 | 1 << 16;	/* contiguous, interrupts on vector 1 */
	host_cmd(h, 0, &c, NULL, "Create I/O CQ 1 (QUEUE_CREATE, vector 1)");
	fn_state_queue(d->fs, true, 1, h->qbus + QP_IOCQ * PAGE, 16, "Create I/O CQ");
	tap(d->fs->cq[1].vector == 1 && (d->fs->cq[1].flags & SNAP_QF_IRQ),
	    "fn_state cq[1]: vector %u flags 0x%x", d->fs->cq[1].vector, d->fs->cq[1].flags);
	memset(&c, 0, sizeof(c));
	c.opc = OPC_CREATE_SQ;
	c.prp1 = h->qbus + QP_IOSQ * PAGE;
	c.cdw10 = 1 | (16 - 1) << 16;
	c.cdw11 = 1 | 1 << 16;
	host_cmd(h, 0, &c, NULL, "Create I/O SQ 1 (QUEUE_CREATE, CQ 1)");
	fn_state_queue(d->fs, false, 1, h->qbus + QP_IOSQ * PAGE, 16, "Create I/O SQ");
	tap(d->fs->sq[1].cqid == 1, "fn_state sq[1].cqid %u", d->fs->sq[1].cqid);
	hq_init(h, &h->q[1], 1, 16, QP_IOSQ, QP_IOCQ, 1);
	data_roundtrip(h, d, 1, 3 * CHUNK - 1024, 0xbeef, "I/O queue 1");
}

static void e2e_irqs(struct host *h, struct daemon *d)
{
	uint32_t pba, c0, c2;
	bool ok;

	for (uint16_t v = 1; v < h->nvec && v < 4; v++) {
		struct snap_irq irq = { .func_id = d->func_id, .vector = v };
		uint32_t before = irq_count(h, v);
		int ret = dp_ioctl(d->fd, SNAP_IOC_RAISE_IRQ, &irq);
		bool got = irq_wait(h, v, before + 1, 5000);

		sleep_ms(50);
		tap(!ret && got && irq_count(h, v) == before + 1,
		    "RAISE_IRQ vector %u: %s, the host counted %u (was %u)", v, errname(-ret),
		    irq_count(h, v), before);
	}
	if (h->nvec < 3)
		return;

	tap(th_mask(h, 2, true) == 0, "host masks vector 2 in the MSI-X table");
	c2 = irq_count(h, 2);
	{
		struct snap_irq irq = { .func_id = d->func_id, .vector = 2 };
		int ret = dp_ioctl(d->fd, SNAP_IOC_RAISE_IRQ, &irq);

		sleep_ms(500);
		pba = rd32(h, MSIX_PBA);
		tap(!ret && irq_count(h, 2) == c2 && (pba & 4),
		    "RAISE_IRQ on masked vector 2: %s, not delivered (%u -> %u), PBA 0x%x has "
		    "bit 2", errname(-ret), c2, irq_count(h, 2), pba);
	}
	c0 = irq_count(h, 0);
	tap(th_mask(h, 2, false) == 0, "host unmasks vector 2");
	ok = irq_wait(h, 2, c2 + 1, 5000);
	tap(ok, "the pending vector 2 fires after unmask (%u -> %u)", c2, irq_count(h, 2));
	sleep_ms(100);
	pba = rd32(h, MSIX_PBA);
	tap(!(pba & 4) && irq_count(h, 2) == c2 + 1 && irq_count(h, 0) == c0,
	    "after delivery: PBA 0x%x clear, vector 2 counted once (%u), vector 0 quiet", pba,
	    irq_count(h, 2));
}

/* The daemon goes away with the controller ready; a uring daemon takes over. */
static void e2e_restart(struct host *h, struct daemon *d, uint32_t func_id)
{
	struct hq *q = &h->q[0];
	struct nvme_sqe c;
	uint32_t c0;
	bool ok;

	tap(daemon_stop_thread(d), "the ioctl daemon stops");
	daemon_close(d);
	ok = csts_stays(h, CSTS_RDY, CSTS_RDY, 500);
	tap(ok, "RDY stays 1 with no daemon (CSTS 0x%x)", rd32(h, REG_CSTS));

	/* Queue a no-op nobody serves yet. */
	c0 = irq_count(h, 0);
	memset(&c, 0, sizeof(c));
	c.opc = OPC_NOP;
	c.cid = ++h->next_cid;
	memcpy(q->sq + q->sq_tail * 64, &c, 64);
	q->sq_tail = (q->sq_tail + 1) % q->size;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr32(h, SQ_DB(0), q->sq_tail);
	sleep_ms(500);
	tap(irq_count(h, 0) == c0, "no completion while no daemon is attached");

	if (!tap(daemon_attach(d, func_id, true) == 0, "a uring daemon attaches"))
		exit(tap_done());
	tap(d->fs->sq[0].doorbell == q->sq_tail, "fn_state sq[0].doorbell %u is the host's tail "
	    "%u, written while no daemon was attached", d->fs->sq[0].doorbell, q->sq_tail);
	daemon_start(d);
	tap(irq_wait(h, 0, c0 + 1, 10000), "the new daemon completes the queued no-op");
	{
		volatile struct nvme_cqe *slot = (volatile struct nvme_cqe *)(q->cq + q->cq_head * 16);

		tap((slot->status & 1) == q->phase && slot->cid == c.cid,
		    "its CQE: cid %u (want %u) phase %u", slot->cid, c.cid, slot->status & 1);
		q->cq_head++;
		if (q->cq_head == q->size) {
			q->cq_head = 0;
			q->phase ^= 1;
		}
		wr32(h, CQ_DB(0), q->cq_head);
	}
	data_roundtrip(h, d, 1, 5 * CHUNK + 4096, 0xcafe, "uring daemon, I/O queue 1");
	data_roundtrip(h, d, 0, 7 * CHUNK - 8192, 0xf00d, "uring daemon, admin queue");
}

static void reenable_nop(struct host *h, struct daemon *d, const char *why);

/*
 * The daemon fails a ready controller: CFS beside RDY until the host
 * resets. Plain ioctls: this is the host's thread, and the daemon thread
 * owns the io_uring ring.
 */
static void e2e_fatal(struct host *h, struct daemon *d)
{
	struct snap_fn_fatal f = { .func_id = d->func_id, .reserved = { 1 } };
	int ret;
	bool ok;

	ret = -dp_ioctl(d->fd, SNAP_IOC_FN_FATAL, &f);
	tap(ret == EINVAL && !(rd32(h, REG_CSTS) & CSTS_CFS),
	    "FN_FATAL of a disabled controller -> EINVAL (got %s), CSTS 0x%x", errname(ret),
	    rd32(h, REG_CSTS));
	reenable_nop(h, d, "before a fatal error");
	ret = -dp_ioctl(d->fd, SNAP_IOC_FN_FATAL, &f);
	tap(ret == EINVAL, "FN_FATAL with reserved != 0 -> EINVAL (got %s)", errname(ret));
	f.reserved[0] = 0;
	ret = -dp_ioctl(d->fd, SNAP_IOC_FN_FATAL, &f);
	ok = wait_csts(h, CSTS_CFS | CSTS_RDY, CSTS_CFS | CSTS_RDY, 3000);
	tap(ret == 0 && ok, "FN_FATAL (%s) -> CSTS.CFS=1 beside RDY=1 (CSTS 0x%x)",
	    errname(ret), rd32(h, REG_CSTS));
	ret = -dp_ioctl(d->fd, SNAP_IOC_FN_FATAL, &f);
	tap(ret == 0 && rd32(h, REG_CSTS) == (CSTS_CFS | CSTS_RDY),
	    "a second FN_FATAL changes nothing (%s, CSTS 0x%x)", errname(ret), rd32(h, REG_CSTS));
	disable_and_check(h, d, "the host resets the failed controller");
	tap(!(rd32(h, REG_CSTS) & CSTS_CFS), "the reset clears CFS (CSTS 0x%x)",
	    rd32(h, REG_CSTS));
}

static void e2e_teardown(struct host *h, struct daemon *d)
{
	struct snap_fn_state *fs = d->fs;
	struct nvme_sqe c;
	unsigned int n, used = 0;
	uint32_t count;
	bool ok;

	memset(&c, 0, sizeof(c));
	c.opc = OPC_DEL_SQ;
	c.cdw10 = 1;
	host_cmd(h, 0, &c, NULL, "Delete I/O SQ 1 (QUEUE_DELETE)");
	memset(&c, 0, sizeof(c));
	c.opc = OPC_DEL_CQ;
	c.cdw10 = 1;
	host_cmd(h, 0, &c, NULL, "Delete I/O CQ 1 (QUEUE_DELETE)");
	tap(fs->sq[1].size == 0 && fs->cq[1].size == 0, "fn_state sq[1]/cq[1] gone (sizes %u %u)",
	    fs->sq[1].size, fs->cq[1].size);

	count = fs->enable_count;
	disable_and_check(h, d, "disable with a uring daemon");
	for (int i = 0; i < SNAP_INFLIGHT_MAX; i++)
		used += !!(fs->inflight[i].flags & SNAP_INFLIGHT_USED);
	tap(used == 0 && fs->sq[0].size == 0, "after disable: %u in-flight slots used, admin SQ "
	    "size %u", used, fs->sq[0].size);

	host_admin_regs(h, 8);
	n = daemon_count(d, SNAP_EV_CTRL_ENABLE);
	wr32(h, REG_CC, host_cc());
	enable_and_check(h, d, n, "re-enable");
	tap(fs->enable_count == count + 1, "enable_count %u -> %u", count, fs->enable_count);

	n = daemon_count(d, SNAP_EV_CTRL_SHUTDOWN);
	wr32(h, REG_CC, host_cc() | CC_SHN_NORMAL);
	ok = wait_csts(h, CSTS_SHST_MASK, CSTS_SHST_CMPLT, 10000);
	tap(ok, "CC.SHN=01 -> CSTS.SHST=10 (CSTS 0x%x)", rd32(h, REG_CSTS));
	tap(daemon_wait_ev(d, SNAP_EV_CTRL_SHUTDOWN, n + 1, 1000),
	    "the daemon got CTRL_SHUTDOWN");
	disable_and_check(h, d, "disable after shutdown");

	/* The daemon refuses an enable: CFS until the host disables. */
	pthread_mutex_lock(&d->mu);
	d->fail_next_enable = 1;
	pthread_mutex_unlock(&d->mu);
	host_admin_regs(h, 8);
	wr32(h, REG_CC, host_cc());
	ok = wait_csts(h, CSTS_CFS | CSTS_RDY, CSTS_CFS, 10000);
	tap(ok, "CTRL_DONE with status 1 -> CSTS.CFS=1, RDY=0 (CSTS 0x%x)", rd32(h, REG_CSTS));
	wr32(h, REG_CC, 0);
	ok = wait_csts(h, CSTS_CFS | CSTS_RDY, 0, 10000);
	tap(ok, "CC.EN=0 clears CFS (CSTS 0x%x)", rd32(h, REG_CSTS));
	e2e_fatal(h, d);
}

/* Sets and clears bits of the function's PCI Command register. */
static int pci_command(const char *bdf, uint16_t set, uint16_t clear)
{
	char path[128];
	uint16_t cmd;
	int fd, ret = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, 2, 4) == 2) {
		cmd = (uint16_t)((cmd & ~clear) | set);
		ret = pwrite(fd, &cmd, 2, 4) == 2 ? 0 : -1;
	}
	close(fd);
	return ret;
}

static bool wait_queues_gone(struct snap_fn_state *fs, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while ((fs->sq[0].size || fs->cq[0].size) && now_ms() < end)
		sleep_ms(5);
	return !fs->sq[0].size && !fs->cq[0].size;
}

static void reenable_nop(struct host *h, struct daemon *d, const char *why)
{
	struct nvme_sqe c;
	unsigned int n;
	char what[128];

	host_admin_regs(h, 8);
	n = daemon_count(d, SNAP_EV_CTRL_ENABLE);
	wr32(h, REG_CC, host_cc());
	if (!enable_and_check(h, d, n, why))
		return;
	memset(&c, 0, sizeof(c));
	c.opc = OPC_NOP;
	snprintf(what, sizeof(what), "%s: a no-op completes with its interrupt", why);
	host_cmd(h, 0, &c, NULL, what);
}

/* Bus mastering off and FLR: DMA refused, function reset, then usable again. */
static void e2e_reset(struct host *h, struct daemon *d, const char *bdf)
{
	struct snap_dma_seg seg = { .host_addr = h->dbus, .pool_off = CHUNK, .len = PAGE };
	struct snap_dma op = { .func_id = d->func_id, .dir = SNAP_DMA_TO_HOST,
			       .segs = (uintptr_t)&seg, .nr_segs = 1 };
	struct snap_irq irq = { .func_id = d->func_id, .vector = 1 };
	uint32_t c1;
	unsigned int n;
	char path[128];
	int fd, ret;
	bool ok;

	reenable_nop(h, d, "before bus master off");
	n = daemon_count(d, SNAP_EV_FUNC_RESET);
	tap(pci_command(bdf, 0, 4) == 0, "host clears Bus Master Enable in config space");
	tap(daemon_wait_ev(d, SNAP_EV_FUNC_RESET, n + 1, 3000),
	    "bus master off: the daemon got FUNC_RESET");
	ok = wait_csts(h, CSTS_RDY, 0, 3000);
	tap(ok, "bus master off: CSTS.RDY=0 (CSTS 0x%x)", rd32(h, REG_CSTS));
	ok = wait_queues_gone(d->fs, 1000);
	tap(ok, "bus master off: fn_state queues cleared");
	pat_fill(h->data, PAGE, 0x4444, 0);
	pat_fill(d->pool + CHUNK, PAGE, 0x5555, 0);
	ret = -dp_ioctl(d->fd, SNAP_IOC_DMA, &op);
	tap(ret == EIO && pat_check(h->data, PAGE, 0x4444, 0) < 0,
	    "bus master off: DMA to host -> EIO (got %s), host page unchanged", errname(ret));
	op.dir = SNAP_DMA_FROM_HOST;
	ret = -dp_ioctl(d->fd, SNAP_IOC_DMA, &op);
	tap(ret == EIO && pat_check(d->pool + CHUNK, PAGE, 0x5555, 0) < 0,
	    "bus master off: DMA from host -> EIO (got %s), pool unchanged", errname(ret));
	c1 = irq_count(h, 1);
	ret = -dp_ioctl(d->fd, SNAP_IOC_RAISE_IRQ, &irq);
	sleep_ms(200);
	tap(ret == EIO && irq_count(h, 1) == c1,
	    "bus master off: RAISE_IRQ -> EIO (got %s), no interrupt (%u -> %u)", errname(ret), c1,
	    irq_count(h, 1));
	tap(pci_command(bdf, 4, 0) == 0, "host sets Bus Master Enable again");
	reenable_nop(h, d, "after bus master on");

	/* FLR through the PCI core (it saves and restores config space). */
	n = daemon_count(d, SNAP_EV_FUNC_RESET);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", bdf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ret = fd >= 0 && write(fd, "1", 1) == 1 ? 0 : errno;
	if (fd >= 0)
		close(fd);
	tap(ret == 0, "function level reset through %s (%s)", path, errname(ret));
	tap(daemon_wait_ev(d, SNAP_EV_FUNC_RESET, n + 1, 3000), "FLR: the daemon got FUNC_RESET");
	ok = wait_csts(h, CSTS_RDY, 0, 3000);
	tap(ok && rd32(h, REG_CC) == 0, "FLR: CSTS.RDY=0, CC=0x%x (CSTS 0x%x)", rd32(h, REG_CC),
	    rd32(h, REG_CSTS));
	ok = wait_queues_gone(d->fs, 1000);
	tap(ok, "FLR: fn_state queues cleared");
	reenable_nop(h, d, "after FLR");
	disable_and_check(h, d, "final disable");
}

static int cmd_e2e(const char *bdf, uint32_t func_id, const char *ctrl)
{
	struct host h;
	struct daemon d = { .fd = -1 };
	uint64_t cap;
	int ret;

	ret = host_open(&h, bdf);
	if (!tap(ret == 0, "test host on %s: %u MSI-X vectors, queue and data buffers", bdf,
		 h.nvec))
		return tap_done();
	cap = rd64(&h, REG_CAP);
	tap((cap & 0xffff) >= 15 && (cap >> 24 & 0xff) > 0 && (cap >> 37 & 1),
	    "CAP 0x%" PRIx64 ": MQES %u, TO %u (x500 ms), CSS NVM", cap,
	    (unsigned int)(cap & 0xffff), (unsigned int)(cap >> 24 & 0xff));
	tap(rd32(&h, REG_VS) >> 16 == 1, "VS 0x%x", rd32(&h, REG_VS));
	tap(!(rd32(&h, REG_CSTS) & CSTS_RDY), "CSTS.RDY=0 before enable (CSTS 0x%x)",
	    rd32(&h, REG_CSTS));

	e2e_gates(&h, &d, func_id, ctrl);
	if (rd32(&h, REG_CSTS) & CSTS_RDY) {
		e2e_admin(&h, &d);
		e2e_irqs(&h, &d);
		e2e_restart(&h, &d, func_id);
		e2e_teardown(&h, &d);
		e2e_reset(&h, &d, bdf);
	} else {
		tap(false, "the controller is not ready: skipping commands");
	}
	tap(daemon_errors(&d) == 0, "the daemon saw no failing operation (%u; last: %s)",
	    daemon_errors(&d), d.last_error[0] ? d.last_error : "none");
	tap(daemon_stop_thread(&d), "the uring daemon stops (DETACH completes its pending WAIT)");
	daemon_close(&d);
	return tap_done();
}

/* ------------------------------------------------------------------ */
/* badinput */

struct bi {
	struct host *h;
	struct daemon *d;
	uint8_t *hp;		/* a host page with a known pattern */
	uint64_t hp_bus;
	uint64_t pool_off;	/* a pool area with a known pattern */
};

#define BI_SEED_HOST	0x1111
#define BI_SEED_POOL	0x2222

static void bi_reset(struct bi *b)
{
	pat_fill(b->hp, 2 * PAGE, BI_SEED_HOST, 0);
	pat_fill(b->d->pool + b->pool_off, 2 * PAGE, BI_SEED_POOL, 0);
}

static bool bi_untouched(struct bi *b)
{
	return pat_check(b->hp, 2 * PAGE, BI_SEED_HOST, 0) < 0 &&
	       pat_check(b->d->pool + b->pool_off, 2 * PAGE, BI_SEED_POOL, 0) < 0;
}

/* @want, or for WANT_NOFUNC: EINVAL or ENODEV. */
#define WANT_NOFUNC	(-1)

static bool errno_is(int got, int want)
{
	return want == WANT_NOFUNC ? got == EINVAL || got == ENODEV : got == want;
}

/* One DMA case, both directions: @want errno and nothing written. */
static void bi_dma(struct bi *b, const char *what, struct snap_dma *op, int want)
{
	for (uint32_t dir = 0; dir < 2; dir++) {
		struct snap_dma o = *op;
		int ret;

		bi_reset(b);
		if (o.dir < 2)
			o.dir = dir;
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &o);
		tap(errno_is(ret, want) && bi_untouched(b), "DMA %s %s -> %s (got %s), host "
		    "page and pool %s", o.dir == SNAP_DMA_TO_HOST ? "to host" : o.dir ? "dir ?" :
		    "from host", what, want == WANT_NOFUNC ? "EINVAL or ENODEV" : errname(want),
		    errname(ret),
		    bi_untouched(b) ? "unchanged" : "CHANGED");
		if (op->dir >= 2)
			break;
	}
}

static void bi_dma_cases(struct bi *b)
{
	uint64_t ps = b->d->pool_size;
	struct snap_dma_seg good = { .host_addr = b->hp_bus, .pool_off = b->pool_off, .len = 512 };
	struct snap_dma_seg s[2];
	static struct snap_dma_seg many[SNAP_DMA_MAX_SEGS + 1];
	struct snap_dma op;
	struct {
		const char *what;
		struct snap_dma_seg seg;
	} one[] = {
		{ "len 0", { b->hp_bus, b->pool_off, 0, 0 } },
		{ "len 2 MiB + 4 (oversize)", { b->hp_bus, b->pool_off, SNAP_DMA_MAX_SEG_LEN + 4, 0 } },
		{ "len 0xfffffffc", { b->hp_bus, b->pool_off, 0xfffffffcU, 0 } },
		{ "host_addr misaligned (+2)", { b->hp_bus + 2, b->pool_off, 512, 0 } },
		{ "pool_off misaligned (+2)", { b->hp_bus, b->pool_off + 2, 512, 0 } },
		{ "len misaligned (510)", { b->hp_bus, b->pool_off, 510, 0 } },
		{ "pool_off at the pool's end", { b->hp_bus, ps, 4, 0 } },
		{ "pool_off + len crossing the pool's end", { b->hp_bus, ps - 4, 8, 0 } },
		{ "pool_off far beyond the pool", { b->hp_bus, 1ULL << 62, 4, 0 } },
		{ "pool_off + len wrapping 64 bits", { b->hp_bus, UINT64_MAX - 3, 8, 0 } },
		{ "host_addr + len wrapping 64 bits", { UINT64_MAX - 3, b->pool_off, 8, 0 } },
		{ "segment reserved != 0", { b->hp_bus, b->pool_off, 512, 1 } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(one); i++) {
		op = (struct snap_dma){ .func_id = b->d->func_id, .segs = (uintptr_t)&one[i].seg,
					.nr_segs = 1 };
		bi_dma(b, one[i].what, &op, EINVAL);
	}

	for (size_t i = 0; i < ARRAY_SIZE(one); i++) {
		char what[128];

		s[0] = good;
		s[1] = one[i].seg;
		/* The second segment's pool area must not overlap the first. */
		if (s[1].pool_off == b->pool_off)
			s[1].pool_off += PAGE;
		else if (s[1].pool_off == b->pool_off + 2)
			s[1].pool_off += PAGE;
		if (s[1].host_addr == b->hp_bus)
			s[1].host_addr += PAGE;
		else if (s[1].host_addr == b->hp_bus + 2)
			s[1].host_addr += PAGE;
		snprintf(what, sizeof(what), "good segment then %s", one[i].what);
		op = (struct snap_dma){ .func_id = b->d->func_id, .segs = (uintptr_t)s,
					.nr_segs = 2 };
		bi_dma(b, what, &op, EINVAL);
	}

	op = (struct snap_dma){ .func_id = b->d->func_id, .segs = (uintptr_t)&good, .nr_segs = 0 };
	bi_dma(b, "nr_segs 0", &op, EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct snap_dma_seg){ b->hp_bus, b->pool_off, 4, 0 };
	op.segs = (uintptr_t)many;
	op.nr_segs = SNAP_DMA_MAX_SEGS + 1;
	bi_dma(b, "nr_segs 1025", &op, EINVAL);
	op = (struct snap_dma){ .func_id = b->d->func_id, .segs = (uintptr_t)&good, .nr_segs = 1,
				.flags = 1 };
	bi_dma(b, "flags 1", &op, EINVAL);
	op.flags = 0;
	op.reserved[0] = 1;
	bi_dma(b, "reserved[0] 1", &op, EINVAL);
	op.reserved[0] = 0;
	op.reserved[1] = 1;
	bi_dma(b, "reserved[1] 1", &op, EINVAL);
	op.reserved[1] = 0;
	op.dir = 2;
	bi_dma(b, "dir 2", &op, EINVAL);
	op.dir = 0;
	op.func_id = 0xfffff;
	bi_dma(b, "unknown func_id", &op, WANT_NOFUNC);

	/* Control: the same good segment moves, so the refusals meant something. */
	bi_reset(b);
	op = (struct snap_dma){ .func_id = b->d->func_id, .dir = SNAP_DMA_TO_HOST,
				.segs = (uintptr_t)&good, .nr_segs = 1 };
	tap(dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op) == 0 &&
	    pat_check(b->hp, 512, BI_SEED_POOL, 0) < 0,
	    "control: the good segment alone moves 512 bytes to the host");
	bi_reset(b);
	s[0] = good;
	s[1] = (struct snap_dma_seg){ b->hp_bus + PAGE, b->pool_off + PAGE, 4, 0 };
	op.segs = (uintptr_t)s;
	op.nr_segs = 2;
	op.dir = SNAP_DMA_FROM_HOST;
	tap(dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op) == 0 &&
	    pat_check(b->d->pool + b->pool_off, 512, BI_SEED_HOST, 0) < 0,
	    "control: two good segments move from the host");
	/* Control: the most segments allowed, 8 bytes each, pool order reversed. */
	for (uint32_t i = 0; i < SNAP_DMA_MAX_SEGS; i++)
		many[i] = (struct snap_dma_seg){ b->hp_bus + i * 8,
						 b->pool_off + (SNAP_DMA_MAX_SEGS - 1 - i) * 8, 8, 0 };
	bi_reset(b);
	op = (struct snap_dma){ .func_id = b->d->func_id, .dir = SNAP_DMA_TO_HOST,
				.segs = (uintptr_t)many, .nr_segs = SNAP_DMA_MAX_SEGS };
	{
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
		bool same = true;

		for (uint32_t i = 0; i < SNAP_DMA_MAX_SEGS && same; i++)
			same = !memcmp(b->hp + i * 8,
				       b->d->pool + b->pool_off + (SNAP_DMA_MAX_SEGS - 1 - i) * 8, 8);
		tap(!ret && same, "control: %u segments of 8 bytes to host, pool order reversed "
		    "(%s), host memory %s", SNAP_DMA_MAX_SEGS, errname(ret),
		    same ? "matches" : "DIFFERS");
	}
	op.segs = (uintptr_t)s;
	op.dir = SNAP_DMA_FROM_HOST;
	/* Not malformed, just not host memory: EIO, not EINVAL. */
	bi_reset(b);
	s[0] = (struct snap_dma_seg){ 1ULL << 46, b->pool_off, 4, 0 };
	op.nr_segs = 1;
	{
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);

		tap(ret == EIO && bi_untouched(b), "DMA from host address 1<<46 (no memory there) "
		    "-> EIO (got %s)", errname(ret));
	}
}

/* The function's sysfs stale_cqes: completions refused as not in flight. */
static long stale_cqes(uint32_t func_id)
{
	const char *dir = "/sys/class/snap/sim0/functions";
	struct dirent *e;
	long ret = -1;
	DIR *dh = opendir(dir);

	while (dh && ret < 0 && (e = readdir(dh))) {
		char path[512];
		unsigned long id, n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s/vhca_id", dir, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lu", &id) == 1 && id == func_id) {
			fclose(f);
			snprintf(path, sizeof(path), "%s/%s/stale_cqes", dir, e->d_name);
			f = fopen(path, "r");
			if (f && fscanf(f, "%lu", &n) == 1)
				ret = (long)n;
		}
		if (f)
			fclose(f);
	}
	if (dh)
		closedir(dh);
	return ret;
}

static void bi_fetch_cases(struct bi *b)
{
	uint16_t slots[SNAP_SQ_FETCH_MAX + 1] = { 0 };
	struct {
		const char *what;
		uint16_t sqid, flags;
		uint32_t max, pad;
		uint64_t peeks, r;
		uint16_t s0, s1;
		int want;
	} t[] = {
		{ "sqid 3 (no such SQ)", 3, 0, 1, 0, 0, 0, 1, 2, EINVAL },
		{ "sqid 64", 64, 0, 1, 0, 0, 0, 1, 2, EINVAL },
		{ "max 0", 0, 0, 0, 0, 0, 0, 1, 2, EINVAL },
		{ "max 65", 0, 0, SNAP_SQ_FETCH_MAX + 1, 0, 0, 0, 1, 2, EINVAL },
		{ "flags SNAP_SQ_FETCH_PEEK without peeks", 0, 1, 1, 0, 0, 0, 1, 2, EINVAL },
		{ "pad 1", 0, 0, 1, 1, 0, 0, 1, 2, EINVAL },
		{ "peeks without SNAP_SQ_FETCH_PEEK", 0, 0, 1, 0, 1, 0, 1, 2, EINVAL },
		{ "slot 1024 (beyond the table)", 0, 0, 1, 0, 0, 0, SNAP_INFLIGHT_MAX, 2, EBUSY },
		{ "slot 1 twice", 0, 0, 2, 0, 0, 0, 1, 1, EBUSY },
		{ "flags 2", 0, 2, 1, 0, 0, 0, 1, 2, EINVAL },
		{ "SNAP_SQ_FETCH_PEEK on an NVMe function", 0, SNAP_SQ_FETCH_PEEK, 1, 0,
		  0x1000, 0, 1, 2, EINVAL },
		{ "reserved 1", 0, 0, 1, 0, 0, 1, 1, 2, EINVAL },
	};
	uint32_t head = b->d->fs->sq[0].head;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct snap_sq_fetch f = { .func_id = b->d->func_id, .sqid = t[i].sqid,
					   .flags = t[i].flags, .slots = (uintptr_t)slots,
					   .max = t[i].max, .pad = t[i].pad,
					   .peeks = t[i].peeks, .reserved = t[i].r };
		int ret;

		slots[0] = t[i].s0;
		slots[1] = t[i].s1;
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_SQ_FETCH, &f);
		tap(ret == t[i].want && b->d->fs->sq[0].head == head,
		    "SQ_FETCH %s -> %s (got %s), head %u", t[i].what, errname(t[i].want),
		    errname(ret), b->d->fs->sq[0].head);
	}
	{
		struct snap_sq_fetch f = { .func_id = b->d->func_id, .sqid = 0,
					   .slots = (uintptr_t)slots, .max = 4 };
		int ret;

		for (int i = 0; i < 4; i++)
			slots[i] = (uint16_t)(9 + i);
		ret = ioctl(b->d->fd, SNAP_IOC_SQ_FETCH, &f);
		if (ret < 0)
			ret = -errno;
		tap(ret == 0 && b->d->fs->sq[0].head == head,
		    "control: SQ_FETCH of an empty SQ takes nothing (got %d)", ret);
	}
}

static void bi_cq_cases(struct bi *b)
{
	struct hq *q = &b->h->q[0];
	struct snap_fn_state *fs = b->d->fs;
	struct nvme_cqe cqes[SNAP_CQE_MAX_BATCH + 1];
	uint16_t slots[SNAP_CQE_MAX_BATCH + 1] = { 0 };
	uint8_t before[PAGE];
	struct snap_post_cqe p;
	struct nvme_sqe nop;
	uint32_t tail = fs->cq[0].tail, c0 = irq_count(b->h, 0);
	long stale0 = stale_cqes(b->d->func_id);
	/* a segment the kernel must refuse: no length */
	struct snap_dma_seg bad_seg = { .host_addr = b->h->q[0].cq_bus, .pool_off = 0 };
	struct {
		const char *what;
		uint16_t cqid;
		uint16_t flags;
		uint32_t count, nr_segs;
		bool no_slots;
		uint64_t segs;
	} t[] = {
		{ "cqid 5 (no such CQ)", 5, 0, 1, 0, false, 0 },
		{ "cqid 64", 64, 0, 1, 0, false, 0 },
		{ "cqid 0xffff", 0xffff, 0, 1, 0, false, 0 },
		{ "count 0", 0, 0, 0, 0, false, 0 },
		{ "count 65", 0, 0, SNAP_CQE_MAX_BATCH + 1, 0, false, 0 },
		{ "flags 4 (unknown)", 0, 4, 1, 0, false, 0 },
		{ "nr_segs 1 without SNAP_POST_DMA", 0, 0, 1, 1, false, 0 },
		{ "no slot array", 0, 0, 1, 0, true, 0 },
		{ "segs without SNAP_POST_DMA", 0, 0, 1, 0, false, (uintptr_t)&bad_seg },
		{ "SNAP_POST_DMA, nr_segs 0", 0, SNAP_POST_DMA, 1, 0, false,
		  (uintptr_t)&bad_seg },
		{ "SNAP_POST_DMA, nr_segs 1025", 0, SNAP_POST_DMA, 1, SNAP_DMA_MAX_SEGS + 1,
		  false, (uintptr_t)&bad_seg },
		{ "SNAP_POST_DMA, a segment of length 0", 0, SNAP_POST_DMA, 1, 1, false,
		  (uintptr_t)&bad_seg },
	};

	memset(cqes, 0, sizeof(cqes));
	memcpy(before, q->cq, PAGE);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		int ret;

		p = (struct snap_post_cqe){ .func_id = b->d->func_id, .cqid = t[i].cqid,
					    .flags = t[i].flags | SNAP_POST_IRQ,
					    .cqes = (uintptr_t)cqes, .count = t[i].count,
					    .nr_segs = t[i].nr_segs,
					    .slots = t[i].no_slots ? 0 : (uintptr_t)slots,
					    .segs = t[i].segs };
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &p);
		tap(ret == EINVAL && !memcmp(before, q->cq, PAGE) && fs->cq[0].tail == tail,
		    "POST_CQE %s -> EINVAL (got %s), host CQ memory %s, tail %u", t[i].what,
		    errname(ret), memcmp(before, q->cq, PAGE) ? "CHANGED" : "unchanged",
		    fs->cq[0].tail);
	}

	/* Well formed, but no command is in slot 5: refused and counted. */
	cqes[0].cid = 0x77;
	slots[0] = 5;
	p = (struct snap_post_cqe){ .func_id = b->d->func_id, .cqid = 0, .flags = SNAP_POST_IRQ,
				    .cqes = (uintptr_t)cqes, .count = 1, .slots = (uintptr_t)slots };
	{
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &p);

		tap(ret == 0 && !memcmp(before, q->cq, PAGE) && fs->cq[0].tail == tail &&
		    stale_cqes(b->d->func_id) == stale0 + 1,
		    "POST_CQE for a slot with no command is not posted (got %s), host CQ memory "
		    "%s, stale_cqes %ld -> %ld", errname(ret),
		    memcmp(before, q->cq, PAGE) ? "CHANGED" : "unchanged", stale0,
		    stale_cqes(b->d->func_id));
	}
	sleep_ms(100);
	tap(irq_count(b->h, 0) == c0, "no interrupt from refused POST_CQEs");

	/* A command the host queued, fetched into slot 5 ... */
	memset(&nop, 0, sizeof(nop));
	nop.opc = OPC_NOP;
	host_submit(b->h, 0, &nop);
	{
		struct snap_sq_fetch f = { .func_id = b->d->func_id, .sqid = 0,
					   .slots = (uintptr_t)slots, .max = 1 };
		uint64_t end = now_ms() + 2000;
		int ret;

		/* The doorbell reaches the kernel when its poller next looks. */
		while ((ret = ioctl(b->d->fd, SNAP_IOC_SQ_FETCH, &f)) == 0 && now_ms() < end)
			sleep_ms(1);
		if (ret < 0)
			ret = -errno;
		tap(ret == 1 && (fs->inflight[5].flags & SNAP_INFLIGHT_USED) &&
		    !memcmp(fs->inflight[5].sqe, &nop, 64) && fs->inflight[5].sqid == 0 &&
		    fs->inflight[5].gen == fs->enable_count && fs->sq[0].inflight == 1 &&
		    fs->sq[0].head == q->sq_tail,
		    "SQ_FETCH takes the host's command into slot 5 (got %d): gen %u of %u, "
		    "sq[0].head %u, inflight %u", ret, fs->inflight[5].gen, fs->enable_count,
		    fs->sq[0].head, fs->sq[0].inflight);
	}
	/* ... is not completed by an entry with another cid ... */
	cqes[0].cid = (uint16_t)(nop.cid + 1);
	{
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &p);

		tap(ret == 0 && fs->cq[0].tail == tail && (fs->inflight[5].flags & SNAP_INFLIGHT_USED),
		    "POST_CQE with cid 0x%x for slot 5 (holding cid 0x%x) is not posted (got %s)",
		    cqes[0].cid, nop.cid, errname(ret));
	}
	/* ... nor by the right one whose data host memory refuses ... */
	cqes[0].cid = nop.cid;
	{
		struct snap_dma_seg nowhere = { 1ULL << 46, b->pool_off, 4, 0 };
		struct snap_post_cqe pd = p;
		int ret;

		pd.flags |= SNAP_POST_DMA;
		pd.segs = (uintptr_t)&nowhere;
		pd.nr_segs = 1;
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &pd);
		tap(ret == EIO && fs->cq[0].tail == tail && !memcmp(before, q->cq, PAGE) &&
		    (fs->inflight[5].flags & SNAP_INFLIGHT_USED),
		    "POST_CQE with SNAP_POST_DMA to host address 1<<46 -> EIO (got %s), nothing "
		    "posted, slot 5 %s", errname(ret),
		    fs->inflight[5].flags & SNAP_INFLIGHT_USED ? "still in flight" : "EMPTIED");
	}
	/* ... and is completed once by the right one. */
	cqes[0].cid = nop.cid;
	cqes[0].sqhd = 0xbeef;		/* the kernel fills in the SQ head */
	{
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &p);
		volatile struct nvme_cqe *slot = (volatile struct nvme_cqe *)(q->cq + q->cq_head * 16);
		bool irq = irq_wait(b->h, 0, c0 + 1, 5000);

		tap(!ret && irq && slot->cid == nop.cid && (slot->status & 1) == q->phase &&
		    slot->sqhd == fs->sq[0].head && fs->cq[0].tail == (tail + 1) % q->size &&
		    !fs->inflight[5].flags && fs->sq[0].inflight == 0,
		    "control: POST_CQE of one entry (got %s): cid 0x%x phase %u, sqhd %u, tail %u, "
		    "slot 5 %s, interrupt %s", errname(ret), slot->cid, slot->status & 1,
		    slot->sqhd, fs->cq[0].tail, fs->inflight[5].flags ? "STILL USED" : "empty",
		    irq ? "counted" : "NOT counted");
		q->cq_head = (q->cq_head + 1) % q->size;
		if (!q->cq_head)
			q->phase ^= 1;
		wr32(b->h, CQ_DB(0), q->cq_head);
	}
	{
		uint32_t t1 = fs->cq[0].tail;
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &p);

		tap(ret == 0 && fs->cq[0].tail == t1 && stale_cqes(b->d->func_id) == stale0 + 3,
		    "the same completion again is not posted (got %s, tail %u -> %u), stale_cqes "
		    "%ld -> %ld", errname(ret), t1, fs->cq[0].tail, stale0,
		    stale_cqes(b->d->func_id));
	}
	/*
	 * A full batch, more entries than the kernel copies on its stack:
	 * every one checked, none posted.
	 */
	{
		long stale1 = stale_cqes(b->d->func_id);
		uint32_t tail1 = fs->cq[0].tail;
		struct nvme_cqe many[SNAP_CQE_MAX_BATCH] = { 0 };
		uint16_t many_slots[SNAP_CQE_MAX_BATCH];
		struct snap_post_cqe pm = { .func_id = b->d->func_id, .cqid = 0,
					   .flags = SNAP_POST_IRQ, .cqes = (uintptr_t)many,
					   .count = SNAP_CQE_MAX_BATCH,
					   .slots = (uintptr_t)many_slots };
		int ret;

		for (unsigned int i = 0; i < SNAP_CQE_MAX_BATCH; i++) {
			many[i].cid = 0x100 + i;
			many_slots[i] = 10 + i;
		}
		memcpy(before, q->cq, PAGE);
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &pm);

		tap(ret == 0 && !memcmp(before, q->cq, PAGE) && fs->cq[0].tail == tail1 &&
		    stale_cqes(b->d->func_id) == stale1 + SNAP_CQE_MAX_BATCH,
		    "POST_CQE of %u entries for empty slots: none posted (got %s), host CQ "
		    "memory %s, stale_cqes %ld -> %ld", SNAP_CQE_MAX_BATCH, errname(ret),
		    memcmp(before, q->cq, PAGE) ? "CHANGED" : "unchanged", stale1,
		    stale_cqes(b->d->func_id));
		pm.cqes = 8;
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &pm);
		tap(ret == EFAULT && fs->cq[0].tail == tail1,
		    "POST_CQE of %u entries from an unmapped address -> EFAULT (got %s)",
		    SNAP_CQE_MAX_BATCH, errname(ret));
	}
}

static void bi_irq_cases(struct bi *b)
{
	uint32_t total = 0, after = 0;
	struct {
		const char *what;
		uint16_t vector, flags;
		uint64_t r0;
	} t[] = {
		{ "vector = num_msix", (uint16_t)b->h->nvec, 0, 0 },
		{ "vector 0xffff", 0xffff, 0, 0 },
		{ "flags 1", 0, 1, 0 },
		{ "reserved[0] 1", 0, 0, 1 },
	};

	for (uint32_t v = 0; v < b->h->nvec; v++)
		total += irq_count(b->h, v);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct snap_irq irq = { .func_id = b->d->func_id, .vector = t[i].vector,
					.flags = t[i].flags, .reserved = { t[i].r0 } };
		int ret = -dp_ioctl(b->d->fd, SNAP_IOC_RAISE_IRQ, &irq);

		tap(ret == EINVAL, "RAISE_IRQ %s -> EINVAL (got %s)", t[i].what, errname(ret));
	}
	sleep_ms(200);
	for (uint32_t v = 0; v < b->h->nvec; v++)
		after += irq_count(b->h, v);
	tap(after == total, "no interrupt counted on any vector (%u -> %u)", total, after);
}

static void bi_queue_cases(struct bi *b)
{
	struct snap_fn_state *fs = b->d->fs;
	uint64_t base = b->h->qbus + QP_IOCQ * PAGE;
	uint32_t mqes = (uint32_t)(rd64(b->h, REG_CAP) & 0xffff);
	struct snap_queue_cfg cq = { .func_id = b->d->func_id, .qid = 1, .type = SNAP_QUEUE_CQ,
				     .flags = SNAP_QF_IRQ, .base = base, .size = 16, .vector = 1 };
	struct snap_queue_cfg sq = { .func_id = b->d->func_id, .qid = 1, .type = SNAP_QUEUE_SQ,
				     .base = b->h->qbus + QP_IOSQ * PAGE, .size = 16, .cqid = 1 };
	struct {
		const char *what;
		struct snap_queue_cfg c;
	} t[16];
	size_t n = 0;
	bool clean;
	int ret;

#define BQ(w, base_cfg, field, val) do { \
		t[n].what = (w); t[n].c = (base_cfg); t[n].c.field = (val); n++; \
	} while (0)
	BQ("CQ qid 0", cq, qid, 0);
	BQ("CQ qid 64", cq, qid, SNAP_NVME_MAX_QUEUES);
	BQ("CQ size 0", cq, size, 0);
	BQ("CQ size 1", cq, size, 1);
	BQ("CQ size MQES + 2", cq, size, mqes + 2);
	BQ("CQ base not page aligned", cq, base, base + 64);
	BQ("CQ vector = num_msix", cq, vector, (uint16_t)b->h->nvec);
	BQ("CQ unknown flag", cq, flags, 0x80);
	BQ("CQ reserved[0] 1", cq, reserved[0], 1);
	BQ("type 2", cq, type, 2);
	BQ("SQ on missing CQ 2", sq, cqid, 2);
	BQ("SQ cqid 64", sq, cqid, SNAP_NVME_MAX_QUEUES);
	BQ("SQ qid 0", sq, qid, 0);
	BQ("SQ with a vector", sq, vector, 1);
	BQ("SQ with flags", sq, flags, SNAP_QF_IRQ);
#undef BQ

	for (size_t i = 0; i < n; i++) {
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_CREATE, &t[i].c);
		clean = !fs->cq[1].size && !fs->sq[1].size && !fs->cq[2].size;
		tap(ret == EINVAL && clean, "QUEUE_CREATE %s -> EINVAL (got %s), fn_state %s",
		    t[i].what, errname(ret), clean ? "unchanged" : "CHANGED");
		if (!ret) {
			struct snap_queue_cfg del = { .func_id = t[i].c.func_id, .qid = t[i].c.qid,
						      .type = t[i].c.type };

			dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_DELETE, &del);
		}
	}
	/* Control: the base configurations are accepted, then deleted. */
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_CREATE, &cq);
	tap(ret == 0 && fs->cq[1].size == 16, "control: QUEUE_CREATE CQ 1 (got %s)", errname(ret));
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_CREATE, &sq);
	tap(ret == 0 && fs->sq[1].size == 16, "control: QUEUE_CREATE SQ 1 on CQ 1 (got %s)",
	    errname(ret));
	{
		struct snap_queue_cfg del = { .func_id = b->d->func_id, .qid = 1,
					      .type = SNAP_QUEUE_SQ, .size = 16 };

		ret = -dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_DELETE, &del);
		tap(ret == EINVAL && fs->sq[1].size == 16,
		    "QUEUE_DELETE with size set -> EINVAL (got %s)", errname(ret));
		del.size = 0;
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_DELETE, &del);
		tap(ret == 0 && !fs->sq[1].size, "control: QUEUE_DELETE SQ 1 (got %s)",
		    errname(ret));
		del.type = SNAP_QUEUE_CQ;
		ret = -dp_ioctl(b->d->fd, SNAP_IOC_QUEUE_DELETE, &del);
		tap(ret == 0 && !fs->cq[1].size, "control: QUEUE_DELETE CQ 1 (got %s)",
		    errname(ret));
	}
}

static void bi_wait_cases(struct bi *b)
{
	struct snap_event ev[SNAP_WAIT_MAX_EVENTS + 1];
	struct {
		const char *what;
		uint32_t max, flags;
		uint64_t r0, r1;
	} t[] = {
		{ "max_events 0", 0, SNAP_WAIT_NONBLOCK, 0, 0 },
		{ "max_events 257", SNAP_WAIT_MAX_EVENTS + 1, SNAP_WAIT_NONBLOCK, 0, 0 },
		{ "flags 8 (unknown)", 4, SNAP_WAIT_NONBLOCK | 8, 0, 0 },
		{ "POLL_END without POLL", 4, SNAP_WAIT_NONBLOCK | SNAP_WAIT_POLL_END, 0, 0 },
		{ "reserved[0] 1", 4, SNAP_WAIT_NONBLOCK, 1, 0 },
		{ "reserved[1] 1", 4, SNAP_WAIT_NONBLOCK, 0, 1 },
	};
	struct snap_wait w;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		w = (struct snap_wait){ .events = (uintptr_t)ev, .max_events = t[i].max,
					.flags = t[i].flags, .reserved = { t[i].r0, t[i].r1 } };
		ret = ioctl(b->d->fd, SNAP_IOC_WAIT, &w);
		ret = ret < 0 ? errno : 0;
		tap(ret == EINVAL, "WAIT %s -> EINVAL (got %s)", t[i].what, errname(ret));
	}
	/*
	 * Control: NONBLOCK drains what is pending (the host's SQ 0 tail
	 * doorbell of the command bi_cq_cases fetched, its CQ head doorbell
	 * after the control POST_CQE), then returns 0 events.
	 */
	{
		uint64_t end = now_ms() + 3000;
		unsigned int drained = 0, other = 0;

		do {
			w = (struct snap_wait){ .events = (uintptr_t)ev, .max_events = 4,
						.flags = SNAP_WAIT_NONBLOCK };
			ret = ioctl(b->d->fd, SNAP_IOC_WAIT, &w);
			for (int i = 0; i < ret; i++) {
				drained++;
				other += (ev[i].type != SNAP_EV_CQ_DOORBELL &&
					  ev[i].type != SNAP_EV_SQ_DOORBELL) || ev[i].qid;
			}
		} while (ret > 0 && now_ms() < end);
		tap(ret == 0 && !other, "control: WAIT NONBLOCK returns the %u pending queue 0 doorbell "
		    "event(s), then 0 events (got %d%s%s, %u other events)", drained, ret,
		    ret < 0 ? " " : "", ret < 0 ? errname(errno) : "", other);
	}
}

/* WAIT with NONBLOCK and @flags; the events in @ev, how many returned. */
static int bi_wait_now(struct bi *b, struct snap_event *ev, uint32_t max, uint32_t flags)
{
	struct snap_wait w = { .events = (uintptr_t)ev, .max_events = max,
			       .flags = SNAP_WAIT_NONBLOCK | flags };

	return ioctl(b->d->fd, SNAP_IOC_WAIT, &w);
}

static bool bi_has_sq_doorbell(const struct snap_event *ev, int n, uint32_t tail)
{
	for (int i = 0; i < n; i++)
		if (ev[i].type == SNAP_EV_SQ_DOORBELL && !ev[i].qid && ev[i].value == tail)
			return true;
	return false;
}

/* Fetches the no-op @c the host queued on SQ 0 and completes it. */
static void bi_serve_nop(struct bi *b, const struct nvme_sqe *c, const char *what)
{
	uint16_t slot = 6;
	struct snap_sq_fetch f = { .func_id = b->d->func_id, .sqid = 0,
				   .slots = (uintptr_t)&slot, .max = 1 };
	struct nvme_cqe cqe = { .cid = c->cid };
	struct snap_post_cqe p = { .func_id = b->d->func_id, .cqid = 0,
				   .flags = SNAP_POST_IRQ, .cqes = (uintptr_t)&cqe,
				   .count = 1, .slots = (uintptr_t)&slot };
	uint32_t before[MAX_VEC];
	int ret;

	for (uint32_t v = 0; v < b->h->nvec && v < MAX_VEC; v++)
		before[v] = irq_count(b->h, v);
	ret = ioctl(b->d->fd, SNAP_IOC_SQ_FETCH, &f);
	if (!tap(ret == 1, "%s: SQ_FETCH takes it (got %d)", what, ret))
		return;
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_POST_CQE, &p);
	tap(!ret, "%s: POST_CQE (got %s)", what, errname(ret));
	host_reap(b->h, 0, c, before, NULL, what);
}

/*
 * SNAP_WAIT_POLL: the daemon's own call looks at the doorbells. A first
 * call holds the kernel's poller back; a doorbell the host rings then is
 * in the very next call's events, with no pass of the poller between.
 * After SNAP_WAIT_POLL_END the poller watches again by itself.
 */
static void bi_poll_cases(struct bi *b)
{
	struct snap_event ev[16];
	struct nvme_sqe nop;
	uint64_t end;
	bool seen;
	int n;

	bi_wait_now(b, ev, 16, SNAP_WAIT_POLL);
	memset(&nop, 0, sizeof(nop));
	nop.opc = OPC_NOP;
	host_submit(b->h, 0, &nop);
	n = bi_wait_now(b, ev, 16, SNAP_WAIT_POLL);
	tap(bi_has_sq_doorbell(ev, n, b->h->q[0].sq_tail),
	    "WAIT with SNAP_WAIT_POLL returns the SQ 0 doorbell the host just rang (%d events%s%s)",
	    n, n < 0 ? ": " : "", n < 0 ? errname(errno) : "");
	bi_serve_nop(b, &nop, "the no-op found by WAIT POLL");

	n = bi_wait_now(b, ev, 16, SNAP_WAIT_POLL | SNAP_WAIT_POLL_END);
	tap(n >= 0, "WAIT with SNAP_WAIT_POLL_END hands back to the poller (got %d%s%s)", n,
	    n < 0 ? " " : "", n < 0 ? errname(errno) : "");
	memset(&nop, 0, sizeof(nop));
	nop.opc = OPC_NOP;
	host_submit(b->h, 0, &nop);
	end = now_ms() + 5000;
	for (;;) {
		n = bi_wait_now(b, ev, 16, 0);
		seen = bi_has_sq_doorbell(ev, n, b->h->q[0].sq_tail);
		if (seen || now_ms() >= end)
			break;
		sleep_ms(1);
	}
	tap(seen, "after SNAP_WAIT_POLL_END the poller reports the next doorbell by itself");
	bi_serve_nop(b, &nop, "the no-op the poller found");
	/* What the completions rang (CQ head doorbells) is not left behind. */
	while (bi_wait_now(b, ev, 16, SNAP_WAIT_POLL | SNAP_WAIT_POLL_END) > 0)
		;
}

static void bi_ctrl_done_cases(struct bi *b)
{
	struct snap_ctrl_done cd = { .func_id = b->d->func_id, .event = SNAP_EV_CTRL_ENABLE };
	int ret;

	ret = -dp_ioctl(b->d->fd, SNAP_IOC_CTRL_DONE, &cd);
	tap(ret == EINVAL && (rd32(b->h, REG_CSTS) & CSTS_RDY),
	    "CTRL_DONE for an enable nobody asked -> EINVAL (got %s), RDY still 1", errname(ret));
	cd.event = 99;
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_CTRL_DONE, &cd);
	tap(ret == EINVAL, "CTRL_DONE event 99 -> EINVAL (got %s)", errname(ret));
	cd.event = SNAP_EV_CTRL_ENABLE;
	cd.reserved[4] = 1;
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_CTRL_DONE, &cd);
	tap(ret == EINVAL, "CTRL_DONE reserved[4] 1 -> EINVAL (got %s)", errname(ret));
}

/* uring_cmd framing: the 16-byte command area is checked like the ioctl. */
static void bi_uring_cases(struct bi *b)
{
	struct io_uring ring;
	struct snap_irq irq = { .func_id = b->d->func_id, .vector = 1 };
	struct snap_wait w;
	struct snap_event ev[4];
	struct {
		const char *what;
		unsigned int op;
		void *arg;
		uint32_t len, flags;
		int want;
	} t[] = {
		{ "RAISE_IRQ len - 1", SNAP_IOC_RAISE_IRQ, &irq, sizeof(irq) - 1, 0, -EINVAL },
		{ "RAISE_IRQ len + 8", SNAP_IOC_RAISE_IRQ, &irq, sizeof(irq) + 8, 0, -EINVAL },
		{ "RAISE_IRQ len 0", SNAP_IOC_RAISE_IRQ, &irq, 0, 0, -EINVAL },
		{ "RAISE_IRQ flags 1", SNAP_IOC_RAISE_IRQ, &irq, sizeof(irq), 1, -EINVAL },
		{ "WAIT len - 4", SNAP_IOC_WAIT, &w, sizeof(w) - 4, 0, -EINVAL },
		{ "WAIT flags 0x80000000", SNAP_IOC_WAIT, &w, sizeof(w), 0x80000000U, -EINVAL },
		{ "unknown cmd_op", _IOW(SNAP_IOC_MAGIC, 0x3f, struct snap_irq), &irq, sizeof(irq),
		  0, 1 },
		{ "control: RAISE_IRQ vector 1", SNAP_IOC_RAISE_IRQ, &irq, sizeof(irq), 0, 0 },
	};
	uint32_t c1 = irq_count(b->h, 1);
	bool ok;

	if (!tap(io_uring_queue_init(8, &ring, 0) == 0, "io_uring set up"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct io_uring_cqe *cqe;
		struct __kernel_timespec ts = { 5, 0 };
		int ret, res = 1;

		w = (struct snap_wait){ .events = (uintptr_t)ev, .max_events = 4,
					.flags = SNAP_WAIT_NONBLOCK };
		ret = uring_submit_cmd(&ring, b->d->fd, t[i].op, t[i].arg, t[i].len, t[i].flags, i);
		if (!ret)
			ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (!ret) {
			res = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
		}
		/* want 1: any error */
		tap(!ret && (t[i].want == 1 ? res < 0 : res == t[i].want), "uring_cmd %s -> %s "
		    "(got %s)", t[i].what, t[i].want == 1 ? "an error" : errname(-t[i].want),
		    ret ? "no completion in 5 s" : errname(-res));
	}
	ok = irq_wait(b->h, 1, c1 + 1, 2000);
	sleep_ms(100);
	tap(ok && irq_count(b->h, 1) == c1 + 1,
	    "only the control RAISE_IRQ reached the host (vector 1: %u -> %u)", c1,
	    irq_count(b->h, 1));
	io_uring_queue_exit(&ring);
}

/* Every data-path op from a file that is open but not attached. */
/*
 * A /dev/snap file root opened, used by a process without CAP_SYS_ADMIN
 * (handed down or passed on): ATTACH is refused before anything else.
 */
static void bi_attach_unprivileged(struct bi *b)
{
	struct snap_ioc_attach at = { .abi_major = SNAP_ABI_MAJOR, .abi_minor = SNAP_ABI_MINOR,
				      .features = SNAP_F_DATAPATH };
	struct snap_ioc_info info = { 0 };
	int fd, status = 0;
	pid_t pid;

	fd = open("/dev/snap", O_RDWR | O_CLOEXEC);
	if (!tap(fd >= 0, "root opens /dev/snap for an unprivileged child"))
		return;
	pid = fork();
	if (pid == 0) {
		int ret;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		ret = ioctl(fd, SNAP_IOC_ATTACH, &at) < 0 ? errno : 0;
		_exit(ret == EPERM ? 0 : ret ? ret : 101);
	}
	waitpid(pid, &status, 0);
	close(fd);
	tap(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ATTACH on root's file by uid 65534 "
	    "-> EPERM (child exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (dp_ioctl(b->d->fd, SNAP_IOC_INFO, &info))
		info.daemon_pid = 0;
	tap(info.daemon_pid == (uint32_t)getpid(), "this daemon is still the attached one "
	    "(daemon_pid %u)", info.daemon_pid);
}

static void bi_notconn(struct bi *b)
{
	struct snap_event ev[4];
	struct snap_wait w = { .events = (uintptr_t)ev, .max_events = 4,
			       .flags = SNAP_WAIT_NONBLOCK };
	struct snap_ctrl_done cd = { .func_id = b->d->func_id, .event = SNAP_EV_CTRL_ENABLE };
	struct snap_queue_cfg qc = { .func_id = b->d->func_id, .qid = 1, .type = SNAP_QUEUE_CQ,
				     .base = b->h->qbus + QP_IOCQ * PAGE, .size = 16 };
	struct snap_queue_cfg qd = { .func_id = b->d->func_id, .qid = 1, .type = SNAP_QUEUE_CQ };
	struct snap_dma_seg seg = { b->hp_bus, b->pool_off, 512, 0 };
	struct snap_dma dm = { .func_id = b->d->func_id, .dir = SNAP_DMA_TO_HOST,
			       .segs = (uintptr_t)&seg, .nr_segs = 1 };
	struct nvme_cqe cqe = { 0 };
	struct snap_post_cqe pc = { .func_id = b->d->func_id, .cqes = (uintptr_t)&cqe, .count = 1 };
	struct snap_irq irq = { .func_id = b->d->func_id, .vector = 1 };
	struct snap_pool_grow pg = { .offset = 0, .len = CHUNK };
	struct {
		const char *what;
		unsigned int op;
		void *arg;
		uint32_t len;
	} t[] = {
		{ "WAIT", SNAP_IOC_WAIT, &w, sizeof(w) },
		{ "CTRL_DONE", SNAP_IOC_CTRL_DONE, &cd, sizeof(cd) },
		{ "QUEUE_CREATE", SNAP_IOC_QUEUE_CREATE, &qc, sizeof(qc) },
		{ "QUEUE_DELETE", SNAP_IOC_QUEUE_DELETE, &qd, sizeof(qd) },
		{ "DMA", SNAP_IOC_DMA, &dm, sizeof(dm) },
		{ "POST_CQE", SNAP_IOC_POST_CQE, &pc, sizeof(pc) },
		{ "RAISE_IRQ", SNAP_IOC_RAISE_IRQ, &irq, sizeof(irq) },
		{ "POOL_GROW", SNAP_IOC_POOL_GROW, &pg, sizeof(pg) },
	};
	struct io_uring ring;
	bool have_ring;
	void *p;
	int fd, ret;

	fd = open("/dev/snap", O_RDWR | O_CLOEXEC);
	if (!tap(fd >= 0, "a second /dev/snap file, not attached"))
		return;
	have_ring = io_uring_queue_init(8, &ring, 0) == 0;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct io_uring_cqe *cqe2;
		struct __kernel_timespec ts = { 5, 0 };
		int res = 1;

		bi_reset(b);
		ret = -dp_ioctl(fd, t[i].op, t[i].arg);
		tap(ret == ENOTCONN && bi_untouched(b), "not attached: ioctl %s -> ENOTCONN (got %s)",
		    t[i].what, errname(ret));
		if (!have_ring)
			continue;
		ret = uring_submit_cmd(&ring, fd, t[i].op, t[i].arg, t[i].len, 0, 1);
		if (!ret)
			ret = io_uring_wait_cqe_timeout(&ring, &cqe2, &ts);
		if (!ret) {
			res = cqe2->res;
			io_uring_cqe_seen(&ring, cqe2);
		}
		tap(!ret && res == -ENOTCONN, "not attached: uring_cmd %s -> ENOTCONN (got %s)",
		    t[i].what, ret ? "no completion" : errname(-res));
	}
	p = mmap(NULL, sizeof(struct snap_fn_state), PROT_READ, MAP_SHARED, fd,
		 (off_t)SNAP_MMAP_FN_STATE(b->d->func_id));
	/* The contract does not say; report it only. */
	diag("not attached: mmap of fn_state %s", p == MAP_FAILED ? errname(errno) : "works");
	if (p != MAP_FAILED)
		munmap(p, sizeof(struct snap_fn_state));
	if (have_ring)
		io_uring_queue_exit(&ring);
	close(fd);
}

/* A function nobody drives: bus mastering and MSI-X off. */
static void bi_idle_function(struct bi *b, uint32_t other)
{
	struct snap_dma_seg seg = { .host_addr = b->hp_bus, .pool_off = b->pool_off, .len = 512 };
	struct snap_dma op = { .func_id = other, .dir = SNAP_DMA_TO_HOST, .segs = (uintptr_t)&seg,
			       .nr_segs = 1 };
	struct snap_irq irq = { .func_id = other, .vector = 0 };
	int ret;

	bi_reset(b);
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
	tap(ret == EIO && bi_untouched(b), "DMA to host as function %u (bus master off) -> EIO "
	    "(got %s), host page %s", other, errname(ret), bi_untouched(b) ? "unchanged" : "CHANGED");
	op.dir = SNAP_DMA_FROM_HOST;
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
	tap(ret == EIO && bi_untouched(b), "DMA from host as function %u (bus master off) -> EIO "
	    "(got %s), pool %s", other, errname(ret), bi_untouched(b) ? "unchanged" : "CHANGED");
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_RAISE_IRQ, &irq);
	tap(ret == EIO, "RAISE_IRQ on function %u (MSI-X off) -> EIO (got %s)", other,
	    errname(ret));
}

static uint64_t pool_resident(struct daemon *d)
{
	struct snap_ioc_info info = { 0 };

	return dp_ioctl(d->fd, SNAP_IOC_INFO, &info) ? UINT64_MAX : info.pool_resident;
}

static void bi_grow(struct bi *b, const char *what, struct snap_pool_grow g, int want)
{
	int ret = -dp_ioctl(b->d->fd, SNAP_IOC_POOL_GROW, &g);

	tap(ret == want, "POOL_GROW %s -> %s (got %s)", what, errname(want), errname(ret));
}

/*
 * The pool grows on demand: only the chunks the test daemon grew are
 * resident, DMA into another is refused until it is grown, and bad
 * ranges are refused.
 */
static void bi_pool_cases(struct bi *b)
{
	uint64_t ps = b->d->pool_size, last = ps - CHUNK;
	struct snap_ioc_info info = { .pool_resident = 1 };
	struct snap_dma_seg seg = { b->hp_bus, last, 512, 0 };
	struct snap_dma op = { .func_id = b->d->func_id, .dir = SNAP_DMA_TO_HOST,
			       .segs = (uintptr_t)&seg, .nr_segs = 1 };
	int ret;

	ret = -dp_ioctl(b->d->fd, SNAP_IOC_INFO, &info);
	tap(ret == EINVAL, "INFO with pool_resident != 0 on input -> EINVAL (got %s)",
	    errname(ret));
	bi_grow(b, "reserved[0] != 0", (struct snap_pool_grow){ 0, CHUNK, { 1, 0 } }, EINVAL);
	bi_grow(b, "reserved[1] != 0", (struct snap_pool_grow){ 0, CHUNK, { 0, 1 } }, EINVAL);
	bi_grow(b, "len 0", (struct snap_pool_grow){ 0, 0, { 0 } }, EINVAL);
	bi_grow(b, "offset at the pool's end", (struct snap_pool_grow){ ps, 1, { 0 } }, EINVAL);
	bi_grow(b, "crossing the pool's end", (struct snap_pool_grow){ last, CHUNK + 1, { 0 } },
		EINVAL);
	bi_grow(b, "offset + len wrapping 64 bits",
		(struct snap_pool_grow){ UINT64_MAX - 3, 8, { 0 } }, EINVAL);
	if (!tap(pool_resident(b->d) == POOL_RESIDENT, "only the %" PRIu64 " MiB grown are "
		 "resident of the %" PRIu64 " MiB pool (INFO says %" PRIu64 " bytes)",
		 POOL_RESIDENT >> 20, ps >> 20, pool_resident(b->d)))
		return;

	op.dir = SNAP_DMA_TO_HOST;
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
	tap(ret == EINVAL, "DMA from the pool's last chunk, not resident -> EINVAL (got %s)",
	    errname(ret));
	op.dir = SNAP_DMA_FROM_HOST;
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
	tap(ret == EINVAL, "DMA into the pool's last chunk, not resident -> EINVAL (got %s)",
	    errname(ret));
	bi_grow(b, "of the last byte", (struct snap_pool_grow){ ps - 1, 1, { 0 } }, 0);
	tap(pool_resident(b->d) == POOL_RESIDENT + CHUNK, "one chunk more is resident");
	bi_grow(b, "of the last chunk again", (struct snap_pool_grow){ last, CHUNK, { 0 } }, 0);
	tap(pool_resident(b->d) == POOL_RESIDENT + CHUNK, "growing a resident chunk adds nothing");
	pat_fill(b->hp, 512, BI_SEED_HOST, 0);
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
	tap(!ret && pat_check(b->d->pool + last, 512, BI_SEED_HOST, 0) < 0,
	    "DMA into the last chunk once grown works (got %s)", errname(ret));
}

/* mmap of /dev/snap at @off with @prot: 0 or the errno; unmaps again. */
static int map_errno(struct daemon *d, uint64_t len, int prot, uint64_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, d->fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/*
 * What /dev/snap maps is never code, and the pool's pages stay in its
 * file: neither MADV_REMOVE on the daemon's mapping nor a hole punched
 * through /proc/self/map_files takes a resident page out from under the
 * kernel, which would then keep moving host data through a page the
 * daemon no longer sees.
 */
static void bi_mapping_cases(struct bi *b)
{
	uint64_t off = 3 * CHUNK;
	struct snap_dma_seg seg = { b->hp_bus, off, PAGE, 0 };
	struct snap_dma op = { .func_id = b->d->func_id, .dir = SNAP_DMA_TO_HOST,
			       .segs = (uintptr_t)&seg, .nr_segs = 1 };
	char path[64];
	void *p;
	int ret, fd;

	ret = map_errno(b->d, CHUNK, PROT_READ | PROT_EXEC, SNAP_MMAP_POOL);
	tap(ret == EPERM, "mmap of the pool with PROT_EXEC -> EPERM (got %s)", errname(ret));
	ret = map_errno(b->d, sizeof(struct snap_fn_state), PROT_READ | PROT_EXEC,
			SNAP_MMAP_FN_STATE(b->d->func_id));
	tap(ret == EPERM, "mmap of fn_state with PROT_EXEC -> EPERM (got %s)", errname(ret));
	p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, b->d->fd, SNAP_MMAP_POOL);
	ret = p == MAP_FAILED ? errno : mprotect(p, CHUNK, PROT_READ | PROT_EXEC) ? errno : 0;
	tap(ret == EACCES, "mprotect of a pool mapping to PROT_EXEC -> EACCES (got %s)",
	    errname(ret));
	if (p != MAP_FAILED)
		munmap(p, CHUNK);

	pat_fill(b->d->pool + off, PAGE, BI_SEED_POOL, 0);
	ret = madvise(b->d->pool + off, PAGE, MADV_REMOVE) ? errno : 0;
	tap(ret == EPERM && pat_check(b->d->pool + off, PAGE, BI_SEED_POOL, 0) < 0,
	    "MADV_REMOVE of a resident pool page -> EPERM (got %s), the page unchanged",
	    errname(ret));
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)(uintptr_t)b->d->pool,
		 (unsigned long)(uintptr_t)(b->d->pool + b->d->pool_size));
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	ret = fd < 0 ? errno : fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					 (off_t)off, PAGE) ? errno : 0;
	tap(ret == EPERM && pat_check(b->d->pool + off, PAGE, BI_SEED_POOL, 0) < 0,
	    "a hole punched in the pool's file through %s -> EPERM (got %s), the page unchanged",
	    path, errname(ret));
	if (fd >= 0) {
		ret = ftruncate(fd, 0) ? errno : 0;
		tap(ret == EPERM, "truncating the pool's file -> EPERM (got %s)", errname(ret));
		close(fd);
	}
	memset(b->hp, 0, PAGE);
	ret = -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
	tap(!ret && pat_check(b->hp, PAGE, BI_SEED_POOL, 0) < 0,
	    "the kernel still moves what the daemon sees in that page (DMA %s)", errname(ret));
}

static int th_stream(struct host *h, uint32_t op, uint32_t dir, uint64_t *bus, uint64_t *head)
{
	struct snap_th_stream st = { .op = op, .dir = dir };

	if (ioctl(h->fd, SNAP_TH_IOC_STREAM, &st))
		return -errno;
	if (bus)
		*bus = st.bus_addr;
	if (head)
		*head = st.head;
	return 0;
}

/* One DMA of @len bytes of the pool at @pool_off; the errno. */
static int bi_dma_at(struct bi *b, uint64_t host, uint64_t pool_off, uint32_t len, uint32_t dir)
{
	struct snap_dma_seg seg = { host, pool_off, len, 0 };
	struct snap_dma op = { .func_id = b->d->func_id, .dir = dir, .segs = (uintptr_t)&seg,
			       .nr_segs = 1 };

	return -dp_ioctl(b->d->fd, SNAP_IOC_DMA, &op);
}

static int bi_dma8(struct bi *b, uint64_t host, uint32_t dir)
{
	return bi_dma_at(b, host, b->pool_off, 8, dir);
}

/* Whether the test host mapped the page at bus address @bus itself. */
static bool th_owns_page(const struct host *h, uint64_t bus)
{
	return (bus >= h->qbus && bus < h->qbus + QP_PAGES * PAGE) ||
	       (bus >= h->dbus && bus < h->dbus + DATA_PAGES * PAGE);
}

/*
 * A write that starts in the mapped stream page and runs 8 bytes into
 * the next page, which the host did not map: refused whole, so not even
 * the mapped part is written (the range is checked before a page moves).
 * Its source is the page and 8 bytes below the chunk boundary b's area
 * straddles: one pool chunk, so one transfer (the data path splits a
 * segment at chunk boundaries).
 */
static void bi_iommu_span_case(struct bi *b, uint64_t bus, uint64_t pat)
{
	uint64_t src = b->pool_off - 8, saved, head;
	int ret;

	if (th_owns_page(b->h, bus + PAGE)) {
		diag("the page after the stream page is the test host's own: no span case");
		return;
	}
	memcpy(&saved, b->d->pool + src, sizeof(saved));
	pat_fill(b->d->pool + src, 8, 0x5555, 0);
	ret = bi_dma_at(b, bus, src, PAGE + 8, SNAP_DMA_TO_HOST);
	th_stream(b->h, SNAP_TH_STREAM_PEEK, 0, NULL, &head);
	memcpy(b->d->pool + src, &saved, sizeof(saved));
	tap(ret == EIO && head == pat, "DMA writing a mapped page and 8 bytes past it -> EIO, "
	    "the mapped page unchanged (got %s)", errname(ret));
}

/*
 * The sim's IOMMU: the function reaches only what the host mapped for
 * it, in the direction mapped, while the mapping lives. The test host's
 * stream page is the module's for its whole life, so a write that got
 * through after the unmap would show there and hurt nothing.
 */
static void bi_iommu_cases(struct bi *b)
{
	/* enum dma_data_direction */
	const uint32_t to_device = 1, from_device = 2;
	uint64_t outside = b->h->dbus + DATA_PAGES * PAGE, bus, head, pat;
	int ret;

	/* RAM next to the data buffer: the host never mapped it for us. */
	if (outside >= b->h->qbus && outside < b->h->qbus + QP_PAGES * PAGE)
		outside = b->h->dbus - PAGE;
	ret = bi_dma8(b, outside, SNAP_DMA_FROM_HOST);
	tap(ret == EIO, "DMA reading host RAM never mapped for the function -> EIO (got %s)",
	    errname(ret));

	if (!tap(th_stream(b->h, SNAP_TH_STREAM_MAP, to_device, &bus, &head) == 0 && !head,
		 "test host maps its stream page to the device"))
		return;
	bi_reset(b);
	memcpy(&pat, b->d->pool + b->pool_off, sizeof(pat));
	ret = bi_dma8(b, bus, SNAP_DMA_FROM_HOST);
	tap(ret == 0, "DMA reading a page mapped to the device works (got %s)", errname(ret));
	ret = bi_dma8(b, bus, SNAP_DMA_TO_HOST);
	th_stream(b->h, SNAP_TH_STREAM_PEEK, 0, NULL, &head);
	tap(ret == EIO && !head, "DMA writing a page mapped only to the device -> EIO, page "
	    "unchanged (got %s)", errname(ret));
	th_stream(b->h, SNAP_TH_STREAM_UNMAP, 0, NULL, NULL);

	if (!tap(th_stream(b->h, SNAP_TH_STREAM_MAP, from_device, &bus, NULL) == 0,
		 "test host maps its stream page from the device"))
		return;
	bi_reset(b);	/* the read above filled the pool area with zeroes */
	ret = bi_dma8(b, bus, SNAP_DMA_TO_HOST);
	th_stream(b->h, SNAP_TH_STREAM_PEEK, 0, NULL, &head);
	tap(ret == 0 && head == pat, "DMA writing a page mapped from the device works (got %s)",
	    errname(ret));
	bi_iommu_span_case(b, bus, pat);
	th_stream(b->h, SNAP_TH_STREAM_UNMAP, 0, NULL, NULL);

	pat_fill(b->d->pool + b->pool_off, 8, 0x3333, 0);
	ret = bi_dma8(b, bus, SNAP_DMA_TO_HOST);
	th_stream(b->h, SNAP_TH_STREAM_PEEK, 0, NULL, &head);
	tap(ret == EIO && head == pat, "DMA writing the page after the host unmapped it -> EIO, "
	    "page unchanged (got %s)", errname(ret));
	ret = bi_dma8(b, bus, SNAP_DMA_FROM_HOST);
	tap(ret == EIO, "DMA reading the page after the host unmapped it -> EIO (got %s)",
	    errname(ret));
}

/*
 * A coherent page, which is what rings are (the stream page above is
 * the streaming kind): once the host frees it, a read that worked before
 * is refused as one of any unmapped page, though the function keeps bus
 * mastering.
 */
static void bi_iommu_coherent_case(struct bi *b)
{
	struct snap_th_alloc a = { .pages = 1 };
	struct snap_th_free f = { 0 };
	int r1, r2, ret;

	if (!tap(dp_ioctl(b->h->fd, SNAP_TH_IOC_ALLOC, &a) == 0,
		 "test host allocates a coherent page"))
		return;
	r1 = bi_dma8(b, a.bus_addr, SNAP_DMA_FROM_HOST);
	r2 = bi_dma8(b, a.bus_addr + 8, SNAP_DMA_FROM_HOST);
	tap(!r1 && !r2, "DMA reading a coherent page, twice, works (got %s, %s)",
	    errname(r1), errname(r2));
	f.index = a.index;
	if (!tap(dp_ioctl(b->h->fd, SNAP_TH_IOC_FREE, &f) == 0,
		 "test host frees the coherent page"))
		return;
	ret = bi_dma8(b, a.bus_addr, SNAP_DMA_FROM_HOST);
	tap(ret == EIO, "DMA reading the coherent page after the host freed it -> EIO (got %s)",
	    errname(ret));
}

struct drain {
	struct bi *b;
	atomic_uint started, finished;
	atomic_bool stop;
};

/* The old daemon's thread: 128 MiB host -> pool DMAs, back to back. */
static void *drain_dma_thread(void *arg)
{
	static struct snap_dma_seg segs[SNAP_DMA_MAX_SEGS];
	struct drain *dr = arg;
	struct bi *b = dr->b;
	struct snap_dma op = { .func_id = b->d->func_id, .dir = SNAP_DMA_FROM_HOST,
			       .segs = (uintptr_t)segs, .nr_segs = SNAP_DMA_MAX_SEGS };
	int ret = 0;

	for (uint32_t i = 0; i < SNAP_DMA_MAX_SEGS; i++)
		segs[i] = (struct snap_dma_seg){ b->h->dbus, (i % 8) * DATA_PAGES * PAGE,
						 DATA_PAGES * PAGE, 0 };
	while (!ret && !atomic_load(&dr->stop)) {
		atomic_fetch_add(&dr->started, 1);
		ret = ioctl(b->d->fd, SNAP_IOC_DMA, &op);
		atomic_fetch_add(&dr->finished, 1);
	}
	return NULL;
}

/*
 * DETACH while another thread of the daemon is in a long DMA, and a new
 * daemon attaches at once: ATTACH returns only once that DMA has, so
 * nothing the old daemon started lands after its successor took over.
 * The test daemon attaches again afterwards.
 */
static void bi_drain_cases(struct bi *b)
{
	struct snap_ioc_attach at = { .abi_major = SNAP_ABI_MAJOR, .abi_minor = SNAP_ABI_MINOR,
				      .features = SNAP_F_DATAPATH };
	struct drain dr = { .b = b };
	unsigned int busy, started;
	pthread_t thr;
	int fd, ret;

	if (!tap(pthread_create(&thr, NULL, drain_dma_thread, &dr) == 0, "a daemon thread "
		 "runs 128 MiB DMAs"))
		return;
	while (atomic_load(&dr.finished) < 1)
		sleep_ms(1);
	busy = atomic_load(&dr.started) - atomic_load(&dr.finished);
	ret = ioctl(b->d->fd, SNAP_IOC_DETACH) ? errno : 0;
	started = atomic_load(&dr.started);
	fd = open("/dev/snap", O_RDWR | O_CLOEXEC);
	ret = ret ? ret : fd < 0 ? errno : dp_ioctl(fd, SNAP_IOC_ATTACH, &at) ? errno : 0;
	tap(!ret && atomic_load(&dr.finished) >= started, "a new daemon attached only after "
	    "the old one's DMA under way at DETACH returned (%u started, %u done; %u in flight "
	    "at DETACH; got %s)", started, atomic_load(&dr.finished), busy, errname(ret));
	atomic_store(&dr.stop, true);
	pthread_join(thr, NULL);
	if (fd >= 0) {
		ioctl(fd, SNAP_IOC_DETACH);
		close(fd);
	}
	at = (struct snap_ioc_attach){ .abi_major = SNAP_ABI_MAJOR,
				       .abi_minor = SNAP_ABI_MINOR, .features = SNAP_F_DATAPATH };
	tap(dp_ioctl(b->d->fd, SNAP_IOC_ATTACH, &at) == 0, "the test daemon attaches again");
}

static int cmd_badinput(const char *bdf, uint32_t func_id, uint32_t other)
{
	struct host h;
	struct daemon d;
	struct bi b = { .h = &h, .d = &d };
	struct snap_event ev[8];
	uint64_t end;
	bool enabled = false;
	int n;

	n = host_open(&h, bdf);
	if (!tap(n == 0, "test host on %s: %u MSI-X vectors", bdf, h.nvec))
		return tap_done();
	if (!tap(daemon_attach(&d, func_id, false) == 0, "daemon attached, pool and fn_state "
		 "mapped"))
		return tap_done();
	/* The handshake by hand, so the admin CQ exists. */
	host_admin_regs(&h, 8);
	wr32(&h, REG_CC, host_cc());
	end = now_ms() + 10000;
	while (!enabled && now_ms() < end) {
		struct snap_wait w = { .events = (uintptr_t)ev, .max_events = 8,
				       .flags = SNAP_WAIT_NONBLOCK };

		n = ioctl(d.fd, SNAP_IOC_WAIT, &w);
		for (int i = 0; i < n; i++)
			if (ev[i].type == SNAP_EV_CTRL_ENABLE)
				enabled = ctrl_done(&d, SNAP_EV_CTRL_ENABLE, 0) == 0;
		if (n <= 0)
			sleep_ms(10);
	}
	if (!tap(enabled && wait_csts(&h, CSTS_RDY, CSTS_RDY, 5000), "controller enabled "
		 "(CSTS 0x%x)", rd32(&h, REG_CSTS)))
		return tap_done();

	b.hp = h.data + 2 * PAGE;
	b.hp_bus = h.dbus + 2 * PAGE;
	b.pool_off = CHUNK - PAGE;	/* 2 pages across the first chunk boundary */

	bi_pool_cases(&b);
	bi_mapping_cases(&b);
	bi_iommu_cases(&b);
	bi_iommu_coherent_case(&b);
	bi_dma_cases(&b);
	bi_fetch_cases(&b);
	bi_cq_cases(&b);
	bi_irq_cases(&b);
	bi_queue_cases(&b);
	bi_wait_cases(&b);
	bi_poll_cases(&b);
	bi_ctrl_done_cases(&b);
	bi_uring_cases(&b);
	bi_notconn(&b);
	bi_attach_unprivileged(&b);
	if (other != UINT32_MAX)
		bi_idle_function(&b, other);
	bi_drain_cases(&b);

	wr32(&h, REG_CC, 0);
	end = now_ms() + 10000;
	while (now_ms() < end && (rd32(&h, REG_CSTS) & CSTS_RDY)) {
		struct snap_wait w = { .events = (uintptr_t)ev, .max_events = 8,
				       .flags = SNAP_WAIT_NONBLOCK };

		n = ioctl(d.fd, SNAP_IOC_WAIT, &w);
		for (int i = 0; i < n; i++)
			if (ev[i].type == SNAP_EV_CTRL_DISABLE)
				ctrl_done(&d, SNAP_EV_CTRL_DISABLE, 0);
		if (n <= 0)
			sleep_ms(10);
	}
	tap(!(rd32(&h, REG_CSTS) & CSTS_RDY), "controller disabled (CSTS 0x%x)",
	    rd32(&h, REG_CSTS));
	daemon_close(&d);
	return tap_done();
}

/* ------------------------------------------------------------------ */
/* takeover */

static int cmd_takeover(const char *bdf, uint32_t func_id)
{
	uint32_t before[MAX_VEC] = { 0 };
	struct nvme_sqe cmd, hold;
	struct snap_fn_state *fs;
	unsigned int used = 0;
	struct daemon d;
	struct host h;
	int pfd[2], found = -1, ret;
	uint64_t t0;
	pid_t pid;
	char c = 0;
	bool ok;

	ret = host_open(&h, bdf);
	if (!tap(ret == 0, "test host on %s: %u MSI-X vectors", bdf, h.nvec))
		return tap_done();
	host_admin_regs(&h, 8);
	if (pipe(pfd))
		return tap_done();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The daemon process, until SIGKILL. */
		close(pfd[0]);
		ret = daemon_attach(&d, func_id, true);
		c = ret ? 'E' : 'A';
		if (write(pfd[1], &c, 1) != 1 || ret)
			_exit(1);
		daemon_main(&d);
		_exit(0);
	}
	close(pfd[1]);
	ok = pid > 0 && read(pfd[0], &c, 1) == 1 && c == 'A';
	close(pfd[0]);
	tap(ok, "a uring daemon process (pid %d) attaches", (int)pid);
	if (!ok) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return tap_done();
	}
	wr32(&h, REG_CC, host_cc());
	ok = wait_csts(&h, CSTS_RDY, CSTS_RDY, 15000);
	tap(ok, "the daemon process enables the controller (CSTS 0x%x)", rd32(&h, REG_CSTS));
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = OPC_NOP;
	host_cmd(&h, 0, &cmd, NULL, "a no-op through the daemon process");

	memset(&hold, 0, sizeof(hold));
	hold.opc = OPC_HOLD;
	irq_snapshot(&h, before);
	host_submit(&h, 0, &hold);
	sleep_ms(500);
	tap(irq_count(&h, 0) == before[0], "a held command (cid %u) gets no completion", hold.cid);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	t0 = now_ms();
	do {
		ret = daemon_attach(&d, func_id, false);
		if (ret != -EBUSY)
			break;
		sleep_ms(50);
	} while (now_ms() - t0 < 20000);
	tap(ret == 0, "a new daemon attaches %.2f s after SIGKILL of the old one, which had a "
	    "WAIT uring_cmd pending (%s)", (double)(now_ms() - t0) / 1000, errname(-ret));
	if (ret)
		return tap_done();
	ok = csts_stays(&h, CSTS_RDY, CSTS_RDY, 200);
	tap(ok, "RDY stayed 1 through the takeover (CSTS 0x%x)", rd32(&h, REG_CSTS));

	fs = d.fs;
	for (int i = 0; i < SNAP_INFLIGHT_MAX; i++) {
		uint16_t cid;

		if (!(fs->inflight[i].flags & SNAP_INFLIGHT_USED))
			continue;
		used++;
		memcpy(&cid, fs->inflight[i].sqe + 2, sizeof(cid));
		if (fs->inflight[i].sqid == 0 && fs->inflight[i].sqe[0] == OPC_HOLD &&
		    cid == hold.cid)
			found = i;
	}
	tap(used == 1 && found >= 0 && fs->sq[0].inflight == 1,
	    "fn_state kept the killed daemon's in-flight record: %u slot(s) used, the held "
	    "command in slot %d, sq[0].inflight %u", used, found, fs->sq[0].inflight);
	tap(fs->sq[0].head == h.q[0].sq_tail && fs->sq[0].doorbell == h.q[0].sq_tail,
	    "fn_state sq[0]: head %u, doorbell %u (host tail %u)", fs->sq[0].head,
	    fs->sq[0].doorbell, h.q[0].sq_tail);

	daemon_start(&d);
	host_reap(&h, 0, &hold, before, NULL,
		  "the new daemon completes the held command from its in-flight slot");
	for (int i = 0; i < 100 && fs->sq[0].inflight; i++)
		sleep_ms(10);
	tap(d.recovered == 1 && fs->sq[0].inflight == 0 && !fs->inflight[found >= 0 ? found : 0].flags,
	    "recovered %u command(s); sq[0].inflight now %u", d.recovered, fs->sq[0].inflight);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = OPC_NOP;
	host_cmd(&h, 0, &cmd, NULL, "a no-op through the new daemon");
	data_roundtrip(&h, &d, 0, CHUNK - 2048, 0x7777, "after takeover");
	disable_and_check(&h, &d, "disable after takeover");
	tap(daemon_errors(&d) == 0, "the new daemon saw no failing operation (%u; last: %s)",
	    daemon_errors(&d), d.last_error[0] ? d.last_error : "none");
	tap(daemon_stop_thread(&d), "the new daemon stops");
	daemon_close(&d);
	return tap_done();
}

/* ------------------------------------------------------------------ */
/* ctrl-gone */

static int run_snapadm_create(const char *ctrl, const char *nqn)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "snapadm nvme_controller_create --nqn %s --pf_id 0 "
		 "--ctrl %s >/dev/null 2>&1", nqn, ctrl);
	return system(cmd);
}

static unsigned int inflight_used(const struct snap_fn_state *fs)
{
	unsigned int used = 0;

	for (int i = 0; i < SNAP_INFLIGHT_MAX; i++)
		used += !!(fs->inflight[i].flags & SNAP_INFLIGHT_USED);
	return used;
}

/*
 * The controller object destroyed under an enabled host with a command
 * in flight: the host sees CSTS.CFS with RDY 0, the function's queues,
 * in-flight slots and engine area are cleared; a controller created
 * again there (same NQN), enabled after the host's reset, gives a new
 * daemon nothing of the old one to replay.
 */
static int cmd_ctrl_gone(const char *bdf, uint32_t func_id, const char *ctrl, const char *nqn)
{
	static const uint8_t zero[SNAP_FN_ENGINE_SIZE];
	struct nvme_sqe cmd, hold;
	struct snap_fn_state *fs;
	struct daemon d;
	struct host h;
	bool ok;
	int ret;

	ret = host_open(&h, bdf);
	if (!tap(ret == 0, "test host on %s: %u MSI-X vectors", bdf, h.nvec))
		return tap_done();
	ret = daemon_attach(&d, func_id, false);
	if (!tap(ret == 0 && daemon_start(&d) == 0, "daemon attached and serving (%s)",
		 errname(-ret)))
		return tap_done();
	fs = d.fs;
	host_admin_regs(&h, 8);
	wr32(&h, REG_CC, host_cc());
	ok = wait_csts(&h, CSTS_RDY, CSTS_RDY, 10000);
	if (!tap(ok, "controller %s enabled (CSTS 0x%x)", ctrl, rd32(&h, REG_CSTS)))
		return tap_done();
	memset(&hold, 0, sizeof(hold));
	hold.opc = OPC_HOLD;
	host_submit(&h, 0, &hold);
	for (int i = 0; i < 200 && !inflight_used(fs); i++)
		sleep_ms(10);
	tap(inflight_used(fs) == 1 && fs->sq[0].inflight == 1,
	    "a held command (cid %u) is in flight: %u slot(s) used", hold.cid, inflight_used(fs));
	memset(fs->engine, 0xa5, sizeof(fs->engine));
	tap(daemon_stop_thread(&d), "the daemon stops serving (stays attached)");

	ret = run_snapadm("nvme_controller_destroy", ctrl);
	tap(ret == 0, "%s destroyed under the enabled host (snapadm exit %d)", ctrl, ret);
	ok = wait_csts(&h, CSTS_RDY | CSTS_CFS, CSTS_CFS, 5000);
	tap(ok, "the host sees CSTS.CFS with RDY 0 (CSTS 0x%x)", rd32(&h, REG_CSTS));
	tap(fs->csts == CSTS_CFS, "fn_state csts 0x%x", fs->csts);
	tap(!inflight_used(fs) && !fs->sq[0].size && !fs->cq[0].size && !fs->sq[0].inflight,
	    "queues and in-flight slots cleared: %u slot(s) used, admin SQ size %u, CQ size %u",
	    inflight_used(fs), fs->sq[0].size, fs->cq[0].size);
	tap(!memcmp(fs->engine, zero, sizeof(zero)), "the engine area is cleared");

	ret = run_snapadm_create(ctrl, nqn);
	if (!tap(ret == 0, "%s created again on the function, same NQN (snapadm exit %d)", ctrl,
		 ret))
		return tap_done();
	wr32(&h, REG_CC, 0);
	ok = wait_csts(&h, CSTS_RDY | CSTS_CFS, 0, 5000);
	tap(ok, "the host's reset clears CFS (CSTS 0x%x)", rd32(&h, REG_CSTS));
	daemon_close(&d);
	ret = daemon_attach(&d, func_id, false);
	if (!tap(ret == 0 && daemon_start(&d) == 0, "a new daemon attached (%s)",
		 errname(-ret)))
		return tap_done();
	fs = d.fs;
	host_admin_regs(&h, 8);
	wr32(&h, REG_CC, host_cc());
	ok = wait_csts(&h, CSTS_RDY, CSTS_RDY, 10000);
	tap(ok, "the new controller enables (CSTS 0x%x)", rd32(&h, REG_CSTS));
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = OPC_NOP;
	host_cmd(&h, 0, &cmd, NULL, "a no-op through the new controller");
	tap(d.recovered == 0, "the new daemon replayed %u command(s) of the old controller",
	    d.recovered);
	disable_and_check(&h, &d, "disable");
	tap(daemon_errors(&d) == 0, "the daemon saw no failing operation (%u; last: %s)",
	    daemon_errors(&d), d.last_error[0] ? d.last_error : "none");
	tap(daemon_stop_thread(&d), "the daemon stops");
	daemon_close(&d);
	return tap_done();
}

/*
 * The DMA pool grows only up to half of RAM: a daemon asking for all of
 * a pool as large as RAM gets ENOMEM, with the resident part at the
 * limit (to within a chunk) and the kernel still well.
 */
static int cmd_pool_limit(void)
{
	struct snap_ioc_attach at = { .abi_major = SNAP_ABI_MAJOR, .abi_minor = SNAP_ABI_MINOR,
				      .features = SNAP_F_DATAPATH };
	struct snap_ioc_info info = { 0 };
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	struct snap_pool_grow g = { 0 };
	int fd, ret;

	fd = open("/dev/snap", O_RDWR | O_CLOEXEC);
	ret = fd < 0 ? -errno : dp_ioctl(fd, SNAP_IOC_ATTACH, &at);
	if (!ret)
		ret = dp_ioctl(fd, SNAP_IOC_INFO, &info);
	if (!tap(!ret, "attached (%s); the pool is %" PRIu64 " MiB, RAM %" PRIu64 " MiB",
		 errname(-ret), (uint64_t)info.pool_size >> 20, ram >> 20))
		return tap_done();
	if (!tap(info.pool_size > ram / 2, "the pool is larger than half of RAM"))
		return tap_done();
	g.len = info.pool_size;
	ret = -dp_ioctl(fd, SNAP_IOC_POOL_GROW, &g);
	memset(&info, 0, sizeof(info));
	dp_ioctl(fd, SNAP_IOC_INFO, &info);
	tap(ret == ENOMEM, "POOL_GROW of the whole pool -> ENOMEM (got %s)", errname(ret));
	tap(info.pool_resident <= ram / 2 && info.pool_resident + 2 * CHUNK > ram / 2,
	    "%" PRIu64 " MiB resident: at most half of RAM and within a chunk of it",
	    (uint64_t)info.pool_resident >> 20);
	ioctl(fd, SNAP_IOC_DETACH);
	close(fd);
	return tap_done();
}

int main(int argc, char **argv)
{
	uint32_t func_id;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "e2e") && argc == 5) {
		func_id = (uint32_t)strtoul(argv[3], NULL, 0);
		return cmd_e2e(argv[2], func_id, argv[4]);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "badinput")) {
		func_id = (uint32_t)strtoul(argv[3], NULL, 0);
		return cmd_badinput(argv[2], func_id,
				    argc == 5 ? (uint32_t)strtoul(argv[4], NULL, 0) : UINT32_MAX);
	}
	if (argc == 2 && !strcmp(argv[1], "pool-limit"))
		return cmd_pool_limit();
	if (argc == 6 && !strcmp(argv[1], "ctrl-gone")) {
		func_id = (uint32_t)strtoul(argv[3], NULL, 0);
		return cmd_ctrl_gone(argv[2], func_id, argv[4], argv[5]);
	}
	if (argc == 4 && !strcmp(argv[1], "takeover")) {
		func_id = (uint32_t)strtoul(argv[3], NULL, 0);
		return cmd_takeover(argv[2], func_id);
	}
	fprintf(stderr, "usage: snap_dptest e2e BDF FUNC_ID CTRL\n"
		"       snap_dptest badinput BDF FUNC_ID [IDLE_FUNC_ID]\n"
		"       snap_dptest takeover BDF FUNC_ID\n"
		"       snap_dptest pool-limit\n"
		"       snap_dptest ctrl-gone BDF FUNC_ID CTRL NQN\n");
	return 2;
}
