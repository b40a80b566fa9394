// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe-oF initiator's transport-independent core and its bdev: command
 * IDs, Fabrics Connect, Property Get/Set, Identify, and the bdev's I/O
 * turned into NVM commands on the I/O queue. The wire is the transport's
 * (nvmf_tcp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ioloop.h"
#include "../log.h"
#include "nvmf.h"

/* ---- queues and command IDs ---- */

int nvmf_queue_init(struct nvmf_queue *q, const struct nvmf_transport_ops *ops,
		    uint16_t qid, uint16_t depth, const char *name)
{
	memset(q, 0, sizeof(*q));
	q->reqs = calloc(depth, sizeof(*q->reqs));
	if (!q->reqs)
		return -ENOMEM;
	q->ops = ops;
	q->qid = qid;
	q->depth = depth;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->io_timeout_ms = NVMF_IO_TIMEOUT_MS;
	for (uint16_t i = depth; i-- > 0;) {
		q->reqs[i].cid = i;
		q->reqs[i].next = q->free;
		q->free = &q->reqs[i];
	}
	return 0;
}

void nvmf_queue_release(struct nvmf_queue *q)
{
	free(q->reqs);
	q->reqs = NULL;
	q->free = NULL;
}

struct nvmf_req *nvmf_req_get(struct nvmf_queue *q)
{
	struct nvmf_req *r = q->free;
	uint16_t cid;

	if (!r)
		return NULL;
	q->free = r->next;
	cid = r->cid;
	memset(r, 0, sizeof(*r));
	r->cid = cid;
	r->active = true;
	r->start_ms = nvmf_now_ms();
	r->sqe[2] = (uint8_t)cid;
	r->sqe[3] = (uint8_t)(cid >> 8);
	q->active++;
	return r;
}

struct nvmf_req *nvmf_queue_req(struct nvmf_queue *q, uint16_t cid)
{
	if (cid >= q->depth || !q->reqs[cid].active)
		return NULL;
	return &q->reqs[cid];
}

/* r is free again before done() runs, so done() may submit at once. */
void nvmf_req_end(struct nvmf_queue *q, struct nvmf_req *r, int status, uint32_t dw0,
		  uint32_t dw1)
{
	r->active = false;
	r->next = q->free;
	q->free = r;
	q->active--;
	r->done(r, status, dw0, dw1);
}

int64_t nvmf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct nvmf_req *nvmf_queue_overdue(struct nvmf_queue *q, int64_t now_ms)
{
	struct nvmf_req *oldest = NULL;

	for (uint16_t i = 0; i < q->depth; i++) {
		struct nvmf_req *r = &q->reqs[i];

		if (r->active && (!oldest || r->start_ms < oldest->start_ms))
			oldest = r;
	}
	if (oldest && now_ms - oldest->start_ms >= (int64_t)q->io_timeout_ms)
		return oldest;
	return NULL;
}

bool nvmf_queue_timed_out(struct nvmf_queue *q, char *why, size_t len)
{
	struct nvmf_req *r = nvmf_queue_overdue(q, nvmf_now_ms());

	if (r)
		snprintf(why, len, "command %u (opcode 0x%02x) unanswered after %u ms", r->cid,
			 r->sqe[0], q->io_timeout_ms);
	return r;
}

void nvmf_queue_tick(const struct nvmf_queue *q, struct __kernel_timespec *ts)
{
	unsigned int ms = q->io_timeout_ms / 4;

	ms = ms < 10 ? 10 : ms > 1000 ? 1000 : ms;
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (long long)(ms % 1000) * 1000000;
}

void nvmf_queue_fail(struct nvmf_queue *q, const char *why)
{
	if (!q->failed && !q->closing)
		log_err("%s: connection lost: %s", q->name, why);
	q->failed = true;
	for (uint16_t i = 0; i < q->depth; i++) {
		struct nvmf_req *r = &q->reqs[i];

		if (!r->active || r->answered)
			continue;
		if (r->tx_refs) {
			/* Its data may still be read by a send in flight. */
			r->answered = true;
			r->status = -ECONNRESET;
			continue;
		}
		nvmf_req_end(q, r, -ECONNRESET, 0, 0);
	}
}

/* ---- commands ---- */

struct sync_result {
	bool done;
	int status;
	uint32_t dw0, dw1;
};

static void sync_done(struct nvmf_req *r, int status, uint32_t dw0, uint32_t dw1)
{
	struct sync_result *res = r->ctx;

	res->done = true;
	res->status = status;
	res->dw0 = dw0;
	res->dw1 = dw1;
}

/*
 * Runs r to its end on a queue not started yet; 0, or -errno with err
 * saying what of it failed (an NVMe error status is -EIO).
 */
static int run_sync(struct nvmf_queue *q, struct nvmf_req *r, const char *what,
		    struct sync_result *res, char *err, size_t errlen)
{
	int ret;

	memset(res, 0, sizeof(*res));
	r->done = sync_done;
	r->ctx = res;
	ret = q->ops->send(q, r);
	if (!ret)
		ret = q->ops->wait(q, r, NVMF_SETUP_TIMEOUT_MS);
	if (ret || !res->done) {
		if (!ret)
			ret = -ETIMEDOUT;
		snprintf(err, errlen, "%s: %s", what, strerror(-ret));
		/* A request the target may still answer stays taken. */
		return ret;
	}
	if (res->status < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(-res->status));
		return res->status;
	}
	if (res->status) {
		snprintf(err, errlen, "%s: NVMe status 0x%03x", what, res->status);
		return -EIO;
	}
	return 0;
}

static struct nvmf_req *fabrics_req(struct nvmf_queue *q, uint8_t fctype)
{
	struct nvmf_req *r = nvmf_req_get(q);

	if (r) {
		r->sqe[0] = NVME_FABRICS_OPC;
		r->sqe[4] = fctype;
	}
	return r;
}

struct nvmf_ctrl_ident {
	uint8_t hostid[16];
	char hostnqn[SNAP_NQN_MAX];
};

static int fabrics_connect(struct nvmf_queue *q, const struct nvmf_def *d,
			   const struct nvmf_ctrl_ident *id, uint16_t sqsize,
			   uint16_t *cntlid, char *err, size_t errlen)
{
	uint8_t data[1024] = { 0 };
	struct nvmf_req *r = fabrics_req(q, NVMF_FCTYPE_CONNECT);
	struct sync_result res;
	char what[64];
	int ret;

	if (!r)
		return -EBUSY;
	put_le16(r->sqe + 42, q->qid);
	put_le16(r->sqe + 44, sqsize - 1);
	/* SQ flow control off: the target may complete reads with their
	 * last C2HData PDU. KATO: the target ends an association that sent
	 * no Keep Alive for that long, which the admin queue sends every
	 * KATO/2 (0: neither side keeps it alive). */
	r->sqe[46] = q->qid ? NVMF_CONNECT_DISABLE_SQFLOW : 0;
	if (!q->qid)
		put_le32(r->sqe + 48, d->keep_alive_timeout_ms);
	memcpy(data, id->hostid, 16);
	put_le16(data + 16, q->qid ? *cntlid : 0xffff);
	memcpy(data + 256, d->subnqn, strnlen(d->subnqn, 255));
	memcpy(data + 512, id->hostnqn, strnlen(id->hostnqn, 255));
	r->data = data;
	r->len = sizeof(data);
	r->h2c = true;
	snprintf(what, sizeof(what), "Fabrics Connect of queue %u", q->qid);
	ret = run_sync(q, r, what, &res, err, errlen);
	if (!ret && !q->qid)
		*cntlid = (uint16_t)res.dw0;
	return ret;
}

static int prop_get(struct nvmf_queue *q, uint32_t off, bool wide, uint64_t *val,
		    char *err, size_t errlen)
{
	struct nvmf_req *r = fabrics_req(q, NVMF_FCTYPE_PROP_GET);
	struct sync_result res;
	char what[48];
	int ret;

	if (!r)
		return -EBUSY;
	r->sqe[40] = wide ? 1 : 0;
	put_le32(r->sqe + 44, off);
	snprintf(what, sizeof(what), "Property Get 0x%x", off);
	ret = run_sync(q, r, what, &res, err, errlen);
	if (!ret)
		*val = res.dw0 | (wide ? (uint64_t)res.dw1 << 32 : 0);
	return ret;
}

static int prop_set(struct nvmf_queue *q, uint32_t off, uint32_t val, char *err,
		    size_t errlen)
{
	struct nvmf_req *r = fabrics_req(q, NVMF_FCTYPE_PROP_SET);
	struct sync_result res;
	char what[48];

	if (!r)
		return -EBUSY;
	put_le32(r->sqe + 44, off);
	put_le64(r->sqe + 48, val);
	snprintf(what, sizeof(what), "Property Set 0x%x", off);
	return run_sync(q, r, what, &res, err, errlen);
}

static int identify(struct nvmf_queue *q, uint8_t cns, uint32_t nsid, uint8_t *buf,
		    char *err, size_t errlen)
{
	struct nvmf_req *r = nvmf_req_get(q);
	struct sync_result res;
	char what[48];

	if (!r)
		return -EBUSY;
	r->sqe[0] = 0x06;
	put_le32(r->sqe + 4, nsid);
	put_le32(r->sqe + 40, cns);
	r->data = buf;
	r->len = 4096;
	snprintf(what, sizeof(what), "Identify (CNS %u, nsid %u)", cns, nsid);
	return run_sync(q, r, what, &res, err, errlen);
}

/* Enables the controller: CC.EN with the queue entry sizes, then RDY. */
static int enable_ctrl(struct nvmf_queue *q, uint64_t cap, char *err, size_t errlen)
{
	unsigned int waited = 0, limit = (unsigned int)((cap >> 24) & 0xff) * 500;
	uint64_t csts;
	int ret;

	ret = prop_set(q, NVME_REG_CC, 1u | 6u << 16 | 4u << 20, err, errlen);
	while (!ret) {
		ret = prop_get(q, NVME_REG_CSTS, false, &csts, err, errlen);
		if (ret)
			break;
		if (csts & 2) {
			snprintf(err, errlen, "the controller reports a fatal status");
			return -EIO;
		}
		if (csts & 1)
			return 0;
		if (waited >= limit || waited >= NVMF_SETUP_TIMEOUT_MS) {
			snprintf(err, errlen, "the controller did not become ready");
			return -ETIMEDOUT;
		}
		usleep(10000);
		waited += 10;
	}
	return ret;
}

/* ---- associations ---- */

/* One association with the target: what opening it learned. */
struct nvmf_assoc {
	struct nvmf_queue *admin, *io;
	uint64_t nsze;
	uint32_t block_size;
	uint32_t max_blocks;		/* a command moves at most these */
	uint32_t io_icd;		/* in-capsule data bytes of an I/O command */
	uint16_t cntlid, sqsize;
	bool dsm, write_zeroes, vwc;
};

static void assoc_close(struct nvmf_assoc *a)
{
	if (a->io)
		a->io->ops->close(a->io);
	if (a->admin)
		a->admin->ops->close(a->admin);
	a->io = a->admin = NULL;
}

/* This machine's identity: the host ID from /etc/machine-id (the host
 * name without one), so a restarted daemon is the same host to the
 * target. */
static void host_ident(const struct nvmf_def *d, struct nvmf_ctrl_ident *id)
{
	char seed[80] = "";
	int fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC);
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	if (fd >= 0) {
		ssize_t n = read(fd, seed, sizeof(seed) - 1);

		seed[n > 0 ? n : 0] = 0;
		close(fd);
	}
	if (!seed[0] && gethostname(seed, sizeof(seed) - 1))
		seed[0] = 0;
	for (int i = 0; i < 16; i++) {
		h = (h ^ (uint64_t)i) * 1099511628211ull;
		for (const char *p = seed; *p; p++)
			h = (h ^ (uint8_t)*p) * 1099511628211ull;
		id->hostid[i] = (uint8_t)(h >> 32);
	}
	id->hostid[6] = (id->hostid[6] & 0x0f) | 0x40;	/* a version 4 UUID */
	id->hostid[8] = (id->hostid[8] & 0x3f) | 0x80;
	if (d->hostnqn[0]) {
		snprintf(id->hostnqn, sizeof(id->hostnqn), "%s", d->hostnqn);
		return;
	}
	snprintf(id->hostnqn, sizeof(id->hostnqn),
		 "nqn.2014-08.org.nvmexpress:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x-%02x%02x%02x%02x%02x%02x",
		 id->hostid[0], id->hostid[1], id->hostid[2], id->hostid[3],
		 id->hostid[4], id->hostid[5], id->hostid[6], id->hostid[7],
		 id->hostid[8], id->hostid[9], id->hostid[10], id->hostid[11],
		 id->hostid[12], id->hostid[13], id->hostid[14], id->hostid[15]);
}

/* home: the loop of the thread the queue is made for (NULL: not known). */
static struct nvmf_queue *queue_connect(const char *bdev, const struct nvmf_def *d,
					const struct nvmf_dialer *dialer, struct ioloop *home,
					uint16_t qid, uint16_t depth, char *err, size_t errlen)
{
	struct nvmf_queue *q = malloc(sizeof(*q));
	char name[80];

	if (!q) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(name, sizeof(name), "nvmf %s queue %u", bdev, qid);
	if (nvmf_queue_init(q, strcmp(d->trtype, "rdma") ? &nvmf_tcp_ops : &nvmf_rdma_ops, qid,
			    depth, name)) {
		free(q);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (dialer) {
		q->dial = dialer->dial;
		q->dial_ctx = dialer->ctx;
		if (dialer->io_timeout_ms)
			q->io_timeout_ms = dialer->io_timeout_ms;
	}
	q->home = home;
	if (q->ops->connect(q, d, err, errlen)) {
		nvmf_queue_release(q);
		free(q);
		return NULL;
	}
	return q;
}

/* What Identify says: size, block size, limits, optional commands. */
static int learn_namespace(struct nvmf_assoc *a, const struct nvmf_def *d, uint64_t cap,
			   char *err, size_t errlen)
{
	uint8_t *id = malloc(4096);
	unsigned int mdts, lbads;
	uint32_t lbaf, ioccsz;
	uint16_t oncs;
	int ret;

	if (!id) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = identify(a->admin, 1, 0, id, err, errlen);
	if (ret)
		goto out;
	mdts = id[77];
	oncs = get_le16(id + 520);
	ioccsz = get_le32(id + 1792);
	a->vwc = id[525] & 1;
	a->dsm = oncs & (1u << 2);
	a->write_zeroes = oncs & (1u << 3);
	ret = identify(a->admin, 0, d->nsid, id, err, errlen);
	if (ret)
		goto out;
	a->nsze = get_le64(id);
	lbaf = get_le32(id + 128 + 4 * (id[26] & 0xf));
	lbads = (lbaf >> 16) & 0xff;
	if (!a->nsze) {
		snprintf(err, errlen, "namespace %u is not active on %s", d->nsid, d->subnqn);
		ret = -ENODEV;
		goto out;
	}
	if ((lbaf & 0xffff) || lbads < 9 || lbads > 16) {
		snprintf(err, errlen, "namespace %u: LBA format with %u bytes of metadata "
			 "and 2^%u-byte blocks is not supported", d->nsid, lbaf & 0xffff,
			 lbads);
		ret = -EOPNOTSUPP;
		goto out;
	}
	a->block_size = 1u << lbads;
	a->max_blocks = 65536;
	if (mdts) {
		/* Units of the smallest memory page (CAP.MPSMIN). */
		uint64_t bytes = (4096ull << ((cap >> 48) & 0xf)) << mdts;

		if (bytes / a->block_size < a->max_blocks)
			a->max_blocks = (uint32_t)(bytes / a->block_size);
	}
	if (ioccsz >= 4)
		a->io_icd = ioccsz * 16 - 64;
out:
	free(id);
	return ret;
}

/*
 * A new association: admin queue, controller enabled, the namespace
 * identified, one I/O queue connected (not started). Blocking, bounded.
 * On failure nothing of it is left open.
 */
/* The admin queue of a new association, the controller enabled. */
static int open_admin(const char *name, const struct nvmf_def *d,
		      const struct nvmf_dialer *dialer, struct nvmf_assoc *a,
		      const struct nvmf_ctrl_ident *id, uint64_t *cap, char *err, size_t errlen)
{
	int ret;

	memset(a, 0, sizeof(*a));
	a->admin = queue_connect(name, d, dialer, NULL, 0, NVMF_ADMIN_QUEUE_DEPTH, err, errlen);
	if (!a->admin)
		return -EIO;
	/* The admin queue's capsules hold 8 KiB (the NVMe/TCP rule). */
	a->admin->icd_max = 8192 - 64;
	/* A Keep Alive unanswered for KATO: the target has let go of us. */
	if (d->keep_alive_timeout_ms)
		a->admin->io_timeout_ms = d->keep_alive_timeout_ms;
	ret = fabrics_connect(a->admin, d, id, NVMF_ADMIN_QUEUE_DEPTH, &a->cntlid, err,
			      errlen);
	if (!ret)
		ret = prop_get(a->admin, NVME_REG_CAP, true, cap, err, errlen);
	if (!ret)
		ret = enable_ctrl(a->admin, *cap, err, errlen);
	if (ret)
		assoc_close(a);
	return ret;
}

int nvmf_active_namespaces(const struct nvmf_def *d, const struct nvmf_dialer *dialer,
			   uint32_t *nsids, size_t max, char *err, size_t errlen)
{
	struct nvmf_ctrl_ident id;
	struct nvmf_assoc a;
	uint8_t *list = malloc(4096);
	uint32_t after = 0;
	size_t n = 0;
	uint64_t cap;
	int ret;

	if (!list) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	host_ident(d, &id);
	ret = open_admin(d->ctrlr, d, dialer, &a, &id, &cap, err, errlen);
	if (ret)
		goto out;
	/* Identify CNS 02h: up to 1024 active NSIDs above "after", ascending. */
	while (n < max) {
		unsigned int i;

		ret = identify(a.admin, 2, after, list, err, errlen);
		if (ret)
			break;
		for (i = 0; i < 1024 && n < max && get_le32(list + 4 * i); i++)
			nsids[n++] = after = get_le32(list + 4 * i);
		if (i < 1024)
			break;
	}
	assoc_close(&a);
out:
	free(list);
	return ret ? ret : (int)n;
}

static int open_assoc(const char *name, const struct nvmf_def *d, struct ioloop *home,
		      const struct nvmf_dialer *dialer, struct nvmf_assoc *a, char *err,
		      size_t errlen)
{
	struct nvmf_ctrl_ident id;
	uint64_t cap;
	int ret;

	host_ident(d, &id);
	ret = open_admin(name, d, dialer, a, &id, &cap, err, errlen);
	if (ret)
		return ret;
	ret = learn_namespace(a, d, cap, err, errlen);
	if (ret)
		goto err_close;
	a->sqsize = (uint16_t)((cap & 0xffff) + 1 < NVMF_IO_QUEUE_DEPTH ?
			       (cap & 0xffff) + 1 : NVMF_IO_QUEUE_DEPTH);
	a->io = queue_connect(name, d, dialer, home, 1, a->sqsize, err, errlen);
	if (!a->io) {
		ret = -EIO;
		goto err_close;
	}
	a->io->icd_max = a->io_icd;
	ret = fabrics_connect(a->io, d, &id, a->sqsize, &a->cntlid, err, errlen);
	if (ret)
		goto err_close;
	return 0;

err_close:
	assoc_close(a);
	return ret;
}

/* ---- the bdev ---- */

struct nvmf_io;
struct nvmf_bdev;

/* One arming of the bdev's timer, on the loop it was armed on. */
struct nvmf_tick {
	struct ioloop_req req;		/* first: the loop hands it back */
	struct __kernel_timespec ts;
	struct nvmf_bdev *nb;
	struct ioloop *loop;
};

/*
 * One lane of an nvmf bdev: an association of its own (admin queue, one
 * I/O queue), its reconnect policy and its timer, all on the loop of the
 * one thread that submits to it. Its b holds the name and geometry; I/O
 * completes on owner, the bdev the daemon holds (struct nvmf_front).
 */
struct nvmf_bdev {
	struct bdev b;
	struct bdev *owner;
	struct nvmf_def def;
	struct nvmf_dialer dialer;	/* tests' */
	bool has_dialer;
	struct nvmf_assoc as;		/* the I/O thread's */
	struct ioloop *loop;		/* both queues run there */
	/* I/O waiting for a free command ID or a connection, oldest first */
	struct nvmf_io *wait_head, *wait_tail;
	/*
	 * Reconnecting (definition's ctrlr_loss_timeout_sec not 0), on the
	 * I/O thread: since when the connection is lost (0: it is not),
	 * whether waiting I/O fails now (fast_io_fail_timeout_sec passed)
	 * and whether the thread gave up (ctrlr_loss_timeout_sec passed).
	 */
	int64_t lost_ms;
	bool fast_failed, gave_up;
	/*
	 * Once on its loop and until it gives up: while lost, looks for the
	 * news every NVMF_TICK_MS; while connected, looks at the queues and
	 * sends the Keep Alive every watch_ms(). NULL: none armed on loop.
	 */
	struct nvmf_tick *tick;
	struct ioloop_req tick_cancel;	/* destroy's, on the loop's thread */
	/* No I/O came yet: the first may move the queues to its thread. */
	atomic_bool had_io;
	bool moving;			/* the new association is for that */
	/* Keep-alive, on the I/O thread */
	int64_t ka_sent_ms;
	bool ka_out;			/* one is unanswered */
	/* Shared with the reconnecting thread, under lock. */
	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_on, stop, dead;
	bool news;			/* the thread is done: */
	struct nvmf_assoc fresh;	/* a new association, or none (gave up) */
	/* The bdev's reference, the tick's, the Keep Alive's. */
	atomic_uint refs;
};

/* One bdev I/O: one command, or several when it exceeds max_blocks. */
struct nvmf_io {
	struct nvmf_bdev *nb;
	struct bdev_io *io;
	uint64_t next;			/* bytes of it issued */
	unsigned int pending;		/* commands in flight */
	int status;
	bool waiting;
	struct nvmf_io *next_wait;
	uint8_t dsm[16];		/* UNMAP's range (one command) */
};

#define NVMF_TICK_MS	100

static int nvme_status_errno(int status)
{
	if (status < 0)
		return status;
	/* Generic Command Status, Capacity Exceeded */
	return status == 0x81 ? -ENOSPC : -EIO;
}

static bool reconnects(const struct nvmf_bdev *nb)
{
	return nb->def.ctrlr_loss_timeout_sec != 0;
}

/* I/O that meets a lost connection waits for the next one. */
static bool io_may_wait(const struct nvmf_bdev *nb)
{
	return (reconnects(nb) || nb->moving) && !nb->gave_up && !nb->fast_failed;
}

/* No I/O queue to send on: lost, moving, or its connection failed. */
static bool assoc_down(const struct nvmf_bdev *nb)
{
	return nb->lost_ms || !nb->as.io || nb->as.io->failed;
}

static void nb_put(struct nvmf_bdev *nb)
{
	if (atomic_fetch_sub(&nb->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&nb->lock);
	free(nb);
}

static void issue_io(struct nvmf_io *x);
static void connection_lost(struct nvmf_bdev *nb);

static void io_finish(struct nvmf_io *x)
{
	struct nvmf_bdev *nb = x->nb;
	struct bdev_io *io = x->io;
	int status = x->status;

	free(x);
	bdev_io_complete(nb->owner, io, status);
}

static void run_waiting(struct nvmf_bdev *nb)
{
	if (assoc_down(nb) && io_may_wait(nb))
		return;		/* until a new connection */
	while (nb->wait_head && (assoc_down(nb) || nb->as.io->free)) {
		struct nvmf_io *x = nb->wait_head;

		nb->wait_head = x->next_wait;
		if (!nb->wait_head)
			nb->wait_tail = NULL;
		x->waiting = false;
		issue_io(x);
	}
}

static void wait_for_cid(struct nvmf_io *x)
{
	struct nvmf_bdev *nb = x->nb;

	if (x->waiting)
		return;
	x->waiting = true;
	x->next_wait = NULL;
	if (nb->wait_tail)
		nb->wait_tail->next_wait = x;
	else
		nb->wait_head = x;
	nb->wait_tail = x;
}

static void cmd_done(struct nvmf_req *r, int status, uint32_t dw0, uint32_t dw1)
{
	struct nvmf_io *x = r->ctx;
	struct nvmf_bdev *nb = x->nb;

	(void)dw0;
	(void)dw1;
	if (status && !x->status)
		x->status = nvme_status_errno(status);
	x->pending--;
	/* Lost with the connection: all of it again on the next one
	 * (reads and writes of the same data are idempotent). */
	if (!x->pending && x->status == -ECONNRESET && io_may_wait(nb)) {
		x->status = 0;
		x->next = 0;
		connection_lost(nb);
		wait_for_cid(x);
	}
	if (!x->waiting)
		issue_io(x);	/* the rest of it, or its end */
	run_waiting(nb);
}

/* Fills r with the command for [off, off + len) of x's I/O. */
static void build_cmd(struct nvmf_io *x, struct nvmf_req *r, uint64_t off, uint64_t len)
{
	struct nvmf_bdev *nb = x->nb;
	struct bdev_io *io = x->io;
	uint64_t slba = off / nb->b.block_size;
	uint32_t nlb = (uint32_t)(len / nb->b.block_size);

	put_le32(r->sqe + 4, nb->def.nsid);
	put_le64(r->sqe + 40, slba);
	switch (io->op) {
	case BDEV_OP_READ:
	case BDEV_OP_WRITE:
		r->sqe[0] = io->op == BDEV_OP_READ ? 0x02 : 0x01;
		put_le32(r->sqe + 48, (nlb - 1) | (io->fua ? 1u << 30 : 0));
		r->data = (uint8_t *)io->buf + (off - io->offset);
		r->len = (uint32_t)len;
		r->h2c = io->op == BDEV_OP_WRITE;
		break;
	case BDEV_OP_WRITE_ZEROES:
		r->sqe[0] = 0x08;
		put_le32(r->sqe + 48, nlb - 1);
		break;
	case BDEV_OP_UNMAP:
		/* Dataset Management, one range, Deallocate */
		r->sqe[0] = 0x09;
		memset(r->sqe + 40, 0, 8);
		put_le32(r->sqe + 44, 1u << 2);
		memset(x->dsm, 0, sizeof(x->dsm));
		put_le32(x->dsm + 4, nlb);
		put_le64(x->dsm + 8, slba);
		r->data = x->dsm;
		r->len = sizeof(x->dsm);
		r->h2c = true;
		break;
	default:	/* FLUSH */
		r->sqe[0] = 0x00;
		memset(r->sqe + 40, 0, 8);
		break;
	}
}

/* Bytes of x's I/O one command moves at most; all for UNMAP and FLUSH
 * (one command, FLUSH counted as one byte). */
static uint64_t io_end(const struct bdev_io *io)
{
	return io->op == BDEV_OP_FLUSH ? 1 : io->len;
}

/*
 * Issues the rest of x as free command IDs allow, or puts it in line for
 * more (or for a new connection); ends x once nothing of it is in flight
 * or left. The extra count holds x while a command may end inside send().
 */
static void issue_io(struct nvmf_io *x)
{
	struct nvmf_bdev *nb = x->nb;
	struct bdev_io *io = x->io;
	uint64_t end = io_end(io), chunk = end;

	if (io->op == BDEV_OP_READ || io->op == BDEV_OP_WRITE ||
	    io->op == BDEV_OP_WRITE_ZEROES)
		chunk = (uint64_t)nb->as.max_blocks * nb->b.block_size;
	x->pending++;
	while (x->next < end && !x->status) {
		uint64_t len = end - x->next < chunk ? end - x->next : chunk;
		struct nvmf_req *r;
		int ret;

		if (assoc_down(nb)) {
			if (!io_may_wait(nb)) {
				x->status = -EIO;
				break;
			}
			connection_lost(nb);
			if (x->pending == 1) {	/* none of it out: all of it later */
				x->next = 0;
				wait_for_cid(x);
			}
			break;
		}
		r = nvmf_req_get(nb->as.io);
		if (!r) {
			wait_for_cid(x);
			break;
		}
		build_cmd(x, r, io->offset + x->next, len);
		r->done = cmd_done;
		r->ctx = x;
		x->next += len;
		x->pending++;
		ret = nb->as.io->ops->send(nb->as.io, r);
		if (ret)
			nvmf_req_end(nb->as.io, r, ret, 0, 0);	/* not taken */
	}
	if (!--x->pending && !x->waiting) {
		if (x->status == -ECONNRESET)
			x->status = -EIO;
		io_finish(x);
	}
}

/* ---- reconnecting ---- */

/* What a thread trying for a new association goes by. */
struct assoc_retry {
	const char *name;
	const struct nvmf_def *d;
	const struct nvmf_dialer *dialer;	/* NULL: the network */
	struct ioloop *home;		/* the thread's it is for, or NULL */
	pthread_mutex_t *lock;		/* guards *stop and err */
	const bool *stop;
	bool at_once;			/* the first try without the delay */
	uint64_t nsze;			/* the geometry it must have; 0: any */
	uint32_t block_size;
	char *err;			/* the last failure, or NULL */
	size_t errlen;
};

static void retry_note(struct assoc_retry *r, const char *why)
{
	if (!r->err)
		return;
	pthread_mutex_lock(r->lock);
	snprintf(r->err, r->errlen, "%s", why);
	pthread_mutex_unlock(r->lock);
}

/*
 * Tries for a new association every reconnect_delay_sec, on a thread of
 * its own (each try blocks, bounded): 0 with it in *a; -ETIMEDOUT once
 * ctrlr_loss_timeout_sec passed, or after one try when that is 0 (logged,
 * the reason in r->err); -EINTR once *r->stop.
 */
static int retry_assoc(struct assoc_retry *r, struct nvmf_assoc *a)
{
	const struct nvmf_def *d = r->d;
	int64_t start = nvmf_now_ms();
	unsigned int tries = 0;
	char err[256] = "", why[640];

	for (;;) {
		int64_t wake = r->at_once && !tries ? 0 :
			       nvmf_now_ms() + (int64_t)d->reconnect_delay_sec * 1000;
		bool stop;

		do {
			usleep(20000);
			pthread_mutex_lock(r->lock);
			stop = *r->stop;
			pthread_mutex_unlock(r->lock);
		} while (!stop && nvmf_now_ms() < wake);
		if (stop)
			return -EINTR;
		if (tries && !d->ctrlr_loss_timeout_sec) {
			snprintf(why, sizeof(why), "no connection to %s:%s: %s", d->traddr,
				 d->trsvcid, err);
			break;
		}
		if (d->ctrlr_loss_timeout_sec > 0 &&
		    nvmf_now_ms() - start >= (int64_t)d->ctrlr_loss_timeout_sec * 1000) {
			snprintf(why, sizeof(why), "no connection to %s:%s for %d s "
				 "(ctrlr_loss_timeout_sec): giving up after %u tries: %s",
				 d->traddr, d->trsvcid, d->ctrlr_loss_timeout_sec, tries, err);
			break;
		}
		tries++;
		if (!open_assoc(r->name, d, r->home, r->dialer, a, err, sizeof(err))) {
			if (!r->nsze || (a->nsze == r->nsze && a->block_size == r->block_size))
				return 0;
			snprintf(err, sizeof(err), "namespace %u is now %llu blocks of %u bytes",
				 d->nsid, (unsigned long long)a->nsze, a->block_size);
			assoc_close(a);
		}
		log_debug("nvmf %s: try %u: %s", r->name, tries, err);
		retry_note(r, err);
	}
	log_err("nvmf %s: %s", r->name, why);
	retry_note(r, why);
	memset(a, 0, sizeof(*a));
	return -ETIMEDOUT;
}

static void *reconnect_thread(void *arg)
{
	struct nvmf_bdev *nb = arg;
	struct nvmf_assoc a = { 0 };
	struct assoc_retry r = {
		.name = nb->b.name,
		.d = &nb->def,
		.dialer = nb->has_dialer ? &nb->dialer : NULL,
		.home = nb->loop,
		.lock = &nb->lock,
		.stop = &nb->stop,
		.nsze = nb->b.num_blocks,
		.block_size = nb->b.block_size,
	};

	/* A move tries at once. */
	pthread_mutex_lock(&nb->lock);
	r.at_once = nb->moving;
	pthread_mutex_unlock(&nb->lock);
	if (retry_assoc(&r, &a) == -EINTR)
		return NULL;
	pthread_mutex_lock(&nb->lock);
	nb->fresh = a;
	nb->news = true;
	pthread_mutex_unlock(&nb->lock);
	return NULL;
}

static void arm_tick(struct nvmf_bdev *nb);

/* Both queues of nb->as go on nb->loop; a failure shows at the next tick. */
static int start_assoc(struct nvmf_bdev *nb)
{
	int ret = nb->as.io->ops->start(nb->as.io, nb->loop);

	if (nb->as.admin->ops->start(nb->as.admin, nb->loop))
		ret = -EIO;
	nb->ka_out = false;
	nb->ka_sent_ms = nvmf_now_ms();
	return ret;
}

/* A new association replaces the lost one; what waited goes on it. */
static void take_fresh(struct nvmf_bdev *nb, struct nvmf_assoc *fresh)
{
	struct nvmf_assoc old = nb->as;

	nb->as = *fresh;
	assoc_close(&old);
	if (start_assoc(nb))
		log_err("nvmf %s: the new connection failed at once", nb->b.name);
	if (nb->moving)
		log_info("nvmf %s: a new association (cntlid %u) on the thread of its first "
			 "I/O after %lld ms", nb->b.name, nb->as.cntlid,
			 (long long)(nvmf_now_ms() - nb->lost_ms));
	else
		log_notice("nvmf %s: reconnected to %s:%s (cntlid %u) after %lld ms",
			   nb->b.name, nb->def.traddr, nb->def.trsvcid, nb->as.cntlid,
			   (long long)(nvmf_now_ms() - nb->lost_ms));
	nb->lost_ms = 0;
	nb->moving = false;
	nb->fast_failed = false;
}

/* Ends every waiting I/O with -EIO (fast fail, or given up). */
static void fail_waiting(struct nvmf_bdev *nb)
{
	struct nvmf_io *list = nb->wait_head;

	nb->wait_head = nb->wait_tail = NULL;
	while (list) {
		struct nvmf_io *x = list;

		list = x->next_wait;
		x->waiting = false;
		x->status = -EIO;
		issue_io(x);	/* ends it once none of it is out */
	}
}

/* How often a connected bdev looks: twice per KATO at least. */
static unsigned int watch_ms(const struct nvmf_bdev *nb)
{
	unsigned int half = nb->def.keep_alive_timeout_ms / 2;

	if (!half || half > NVMF_WATCH_MAX_MS)
		return NVMF_WATCH_MAX_MS;
	return half < 10 ? 10 : half;
}

static bool on_admin_queue(const struct nvmf_bdev *nb, const struct nvmf_req *r)
{
	const struct nvmf_queue *q = nb->as.admin;

	return q && r >= q->reqs && r < q->reqs + q->depth;
}

/* A Keep Alive's end; a failed connection shows at the next tick. */
static void ka_done(struct nvmf_req *r, int status, uint32_t dw0, uint32_t dw1)
{
	struct nvmf_bdev *nb = r->ctx;

	(void)dw0;
	(void)dw1;
	pthread_mutex_lock(&nb->lock);
	if (!nb->dead && on_admin_queue(nb, r)) {
		nb->ka_out = false;
		if (status > 0 && !nb->as.admin->failed) {
			char why[64];

			snprintf(why, sizeof(why), "Keep Alive failed: NVMe status 0x%03x",
				 status);
			nb->as.admin->ops->abort(nb->as.admin, why);
		}
	}
	pthread_mutex_unlock(&nb->lock);
	nb_put(nb);
}

static void send_keep_alive(struct nvmf_bdev *nb)
{
	struct nvmf_queue *q = nb->as.admin;
	struct nvmf_req *r = nvmf_req_get(q);
	int ret;

	if (!r)
		return;
	r->sqe[0] = NVME_ADMIN_KEEP_ALIVE;
	r->done = ka_done;
	r->ctx = nb;
	nb->ka_out = true;
	nb->ka_sent_ms = nvmf_now_ms();
	atomic_fetch_add(&nb->refs, 1);
	ret = q->ops->send(q, r);
	if (ret)
		nvmf_req_end(q, r, ret, 0, 0);	/* not taken */
}

/*
 * A queue of the association failed (the target closed it, an error, a
 * Keep Alive or a command unanswered): the other one goes too, and the
 * loss follows the reconnect policy, whether I/O was out or not.
 */
static void assoc_lost(struct nvmf_bdev *nb)
{
	struct nvmf_assoc *a = &nb->as;

	if (!a->io->failed)
		a->io->ops->abort(a->io, "the admin queue's connection is gone");
	if (!a->admin->failed)
		a->admin->ops->abort(a->admin, "the I/O queue's connection is gone");
	if (reconnects(nb)) {
		connection_lost(nb);
		return;
	}
	log_err("nvmf %s: connection to %s:%s lost; without ctrlr_loss_timeout_sec its "
		"I/O fails from now on", nb->b.name, nb->def.traddr, nb->def.trsvcid);
	nb->gave_up = true;
}

/* Connected: a queue that failed, even idle, or a Keep Alive due. */
static void watch_assoc(struct nvmf_bdev *nb)
{
	unsigned int half = nb->def.keep_alive_timeout_ms / 2;

	if (nb->gave_up)
		return;
	if (nb->as.io->failed || nb->as.admin->failed) {
		assoc_lost(nb);
		return;
	}
	if (half && !nb->ka_out &&
	    nvmf_now_ms() - nb->ka_sent_ms + watch_ms(nb) / 2 >= (int64_t)half)
		send_keep_alive(nb);
}

/*
 * The bdev's timer, on the I/O thread: connected, watch_assoc(); lost,
 * the reconnecting thread's news and the fast fail. It holds the lock
 * throughout, so a destroy on another thread waits for it (and it does
 * nothing once the bdev is dead). The lock is recursive: what it calls
 * may end commands whose callbacks take it again.
 */
static void tick_done(struct ioloop_req *req, int res)
{
	struct nvmf_tick *t = (struct nvmf_tick *)req;
	struct nvmf_bdev *nb = t->nb;
	bool stale;

	(void)res;
	pthread_mutex_lock(&nb->lock);
	stale = t->loop != nb->loop;	/* armed before a move */
	if (nb->tick == t)
		nb->tick = NULL;
	free(t);
	if (nb->dead || stale)
		goto out;
	if (!nb->lost_ms) {
		watch_assoc(nb);
	} else if (nb->news) {
		/* It posted its news last: joining is quick. */
		pthread_join(nb->thread, NULL);
		nb->thread_on = false;
		nb->news = false;
		if (nb->fresh.io) {
			take_fresh(nb, &nb->fresh);
			memset(&nb->fresh, 0, sizeof(nb->fresh));
			run_waiting(nb);
		} else {
			nb->gave_up = true;
			fail_waiting(nb);
		}
	} else if (nb->def.fast_io_fail_timeout_sec && !nb->fast_failed &&
		   nvmf_now_ms() - nb->lost_ms >=
		   (int64_t)nb->def.fast_io_fail_timeout_sec * 1000) {
		log_warn("nvmf %s: still no connection after %u s (fast_io_fail_timeout_sec): "
			 "its I/O fails until it is back", nb->b.name,
			 nb->def.fast_io_fail_timeout_sec);
		nb->fast_failed = true;
		fail_waiting(nb);
	}
	if (!nb->gave_up)
		arm_tick(nb);
out:
	pthread_mutex_unlock(&nb->lock);
	nb_put(nb);
}

static void arm_tick(struct nvmf_bdev *nb)
{
	struct io_uring_sqe *sqe = NULL;
	unsigned int ms = nb->lost_ms ? NVMF_TICK_MS : watch_ms(nb);
	struct nvmf_tick *t;

	if (nb->tick)
		return;
	t = calloc(1, sizeof(*t));
	if (t)
		sqe = ioloop_sqe(nb->loop, &t->req);
	if (!sqe) {
		free(t);
		log_err("nvmf %s: no timer: it no longer watches its connection", nb->b.name);
		return;
	}
	t->nb = nb;
	t->loop = nb->loop;
	t->req.cb = tick_done;
	t->ts.tv_sec = ms / 1000;
	t->ts.tv_nsec = (long long)(ms % 1000) * 1000000ll;
	io_uring_prep_timeout(sqe, &t->ts, 0, 0);
	nb->tick = t;
	atomic_fetch_add(&nb->refs, 1);
	ioloop_submit(nb->loop);
}

/* The I/O queue's connection is gone: a thread makes a new one. */
static void connection_lost(struct nvmf_bdev *nb)
{
	if (nb->lost_ms || nb->gave_up)
		return;
	nb->lost_ms = nvmf_now_ms();
	if (nb->def.ctrlr_loss_timeout_sec < 0)
		log_warn("nvmf %s: connection to %s:%s lost: reconnecting every %u s until "
			 "it is back", nb->b.name, nb->def.traddr, nb->def.trsvcid,
			 nb->def.reconnect_delay_sec);
	else
		log_warn("nvmf %s: connection to %s:%s lost: reconnecting every %u s for %d s",
			 nb->b.name, nb->def.traddr, nb->def.trsvcid,
			 nb->def.reconnect_delay_sec, nb->def.ctrlr_loss_timeout_sec);
	pthread_mutex_lock(&nb->lock);
	nb->thread_on = !pthread_create(&nb->thread, NULL, reconnect_thread, nb);
	pthread_mutex_unlock(&nb->lock);
	if (!nb->thread_on) {
		log_err("nvmf %s: no thread to reconnect with: giving up", nb->b.name);
		nb->gave_up = true;
		fail_waiting(nb);
		return;
	}
	arm_tick(nb);
}

/*
 * A new association for nb on l (the calling thread's), made by a
 * thread of its own at once, the way a reconnect makes one; I/O waits
 * for it (moving).
 */
static void connect_for(struct nvmf_bdev *nb, struct ioloop *l)
{
	pthread_mutex_lock(&nb->lock);
	nb->loop = l;
	nb->moving = true;
	nb->lost_ms = nvmf_now_ms();
	nb->thread_on = !pthread_create(&nb->thread, NULL, reconnect_thread, nb);
	if (nb->thread_on) {
		arm_tick(nb);
	} else {
		log_err("nvmf %s: no thread to connect with: its I/O fails", nb->b.name);
		nb->gave_up = true;
	}
	pthread_mutex_unlock(&nb->lock);
}

/*
 * The first I/O comes from another thread than the one that opened the
 * bdev. A queue's state is its thread's, so the association is made anew
 * for this one, at once and the way a reconnect does, and the I/O waits
 * for it; the old one is let go. Only before any I/O: later, I/O from a
 * second thread is refused. -EXDEV when it cannot move now.
 */
static int move_to(struct nvmf_bdev *nb, struct ioloop *l)
{
	struct nvmf_assoc old;

	pthread_mutex_lock(&nb->lock);
	if (nb->lost_ms || nb->gave_up) {
		pthread_mutex_unlock(&nb->lock);
		return -EXDEV;		/* its thread is reconnecting it */
	}
	old = nb->as;
	nb->as.io = nb->as.admin = NULL;
	nb->tick = NULL;		/* the old thread's is stale */
	log_info("nvmf %s: its first I/O comes from another thread: a new association there",
		 nb->b.name);
	connect_for(nb, l);
	pthread_mutex_unlock(&nb->lock);
	assoc_close(&old);
	return 0;
}

/* ---- bdev ops ---- */

/* From now on nb's queues and timer run on l (the calling thread's). */
static void bind_loop(struct nvmf_bdev *nb, struct ioloop *l)
{
	nb->loop = l;
	start_assoc(nb);
	arm_tick(nb);
}

static void tick_cancelled(struct ioloop_req *req, int res)
{
	(void)res;
	nb_put((struct nvmf_bdev *)((char *)req - offsetof(struct nvmf_bdev, tick_cancel)));
}

/* On the loop's thread the timer goes at once, not at its next tick. */
static void cancel_tick(struct nvmf_bdev *nb)
{
	struct io_uring_sqe *sqe;

	if (!nb->tick || nb->loop != ioloop_current)
		return;
	sqe = ioloop_sqe(nb->loop, &nb->tick_cancel);
	if (!sqe)
		return;
	nb->tick_cancel.cb = tick_cancelled;
	io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)&nb->tick->req, 0);
	atomic_fetch_add(&nb->refs, 1);
	ioloop_submit(nb->loop);
}

/* On the one thread that submits to lane nb (nvmf_front_submit()). */
static int nvmf_submit(struct bdev *b, struct bdev_io *io)
{
	struct nvmf_bdev *nb = (struct nvmf_bdev *)b;
	struct nvmf_io *x;

	if (!nb->loop) {
		if (!ioloop_current)
			return -ENXIO;
		/* A connection already gone shows at issue_io(). */
		bind_loop(nb, ioloop_current);
	} else if (nb->loop != ioloop_current) {
		/* Its queues' state is the thread's they run on. */
		if (atomic_load(&nb->had_io) || move_to(nb, ioloop_current))
			return -EXDEV;
	}
	if (!atomic_load(&nb->had_io))
		atomic_store(&nb->had_io, true);
	/* Nothing to move, nothing to make durable: done. */
	if ((io->op != BDEV_OP_FLUSH && !io->len) ||
	    (io->op == BDEV_OP_FLUSH && !(b->flags & BDEV_F_VOLATILE_CACHE))) {
		bdev_io_complete(nb->owner, io, 0);
		return 0;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->nb = nb;
	x->io = io;
	if (nb->wait_head)
		wait_for_cid(x);	/* keeps the order */
	else
		issue_io(x);
	return 0;
}

/* Any thread; the tick, if armed, lets go of nb on the I/O thread. */
static void nvmf_destroy(struct bdev *b)
{
	struct nvmf_bdev *nb = (struct nvmf_bdev *)b;
	bool join;

	pthread_mutex_lock(&nb->lock);
	nb->stop = true;
	nb->dead = true;
	join = nb->thread_on;
	nb->thread_on = false;
	cancel_tick(nb);
	pthread_mutex_unlock(&nb->lock);
	if (join)
		pthread_join(nb->thread, NULL);
	assoc_close(&nb->fresh);
	assoc_close(&nb->as);
	nb_put(nb);
}

/* A lane's; only its front calls them. */
static const struct bdev_ops nvmf_lane_ops = {
	.type = "nvmf",
	.submit = nvmf_submit,
	.destroy = nvmf_destroy,
};

/* ---- one lane per thread ---- */

#define NVMF_MAX_LANES	64

/*
 * The bdev the daemon holds: a lane per thread that submits to it, so
 * every thread has an I/O queue of its own to the target (SPDK's I/O
 * qpair per poll group), however a controller's queues are spread over
 * cores. The first lane is the association the open made; it
 * goes to the first thread to submit. Each later thread gets a lane made
 * for it the way a reconnect makes one, its first I/O waiting for it.
 */
struct nvmf_front {
	struct bdev b;
	bool dsm, write_zeroes;		/* what the target supports */
	pthread_mutex_t lock;		/* the table */
	unsigned int nlanes;
	struct nvmf_bdev *lanes[NVMF_MAX_LANES];
	struct ioloop *lane_loop[NVMF_MAX_LANES];	/* NULL: not taken yet */
};

static void init_lock(pthread_mutex_t *lock);

/* What every lane of f starts with: its definition, lock and reference. */
static void lane_init(struct nvmf_bdev *nb, struct nvmf_front *f, const struct nvmf_def *d,
		      const struct nvmf_dialer *dialer)
{
	nb->owner = &f->b;
	nb->def = *d;
	if (dialer) {
		nb->dialer = *dialer;
		nb->has_dialer = true;
	}
	init_lock(&nb->lock);
	atomic_init(&nb->refs, 1);
	atomic_init(&nb->had_io, false);
}

/* A lane for the calling thread's loop l, its association on the way. */
static struct nvmf_bdev *lane_new(struct nvmf_front *f, struct ioloop *l)
{
	const struct nvmf_bdev *first = f->lanes[0];
	struct nvmf_bdev *nb = calloc(1, sizeof(*nb));

	if (!nb || bdev_init(&nb->b, &nvmf_lane_ops, first->b.name, first->b.num_blocks,
			     first->b.block_size)) {
		free(nb);
		return NULL;
	}
	nb->b.flags = first->b.flags;
	lane_init(nb, f, &first->def, first->has_dialer ? &first->dialer : NULL);
	atomic_store(&nb->had_io, true);
	log_info("nvmf %s: I/O from another thread: a lane of its own there", nb->b.name);
	connect_for(nb, l);
	return nb;
}

/* The calling thread's lane: the first free one, or a new one. */
static struct nvmf_bdev *lane_of(struct nvmf_front *f, struct ioloop *l)
{
	struct nvmf_bdev *nb = NULL;
	unsigned int i;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->nlanes && f->lane_loop[i] != l; i++)
		;
	if (i < f->nlanes) {
		nb = f->lanes[i];
	} else if (!f->lane_loop[0]) {
		f->lane_loop[0] = l;
		nb = f->lanes[0];
	} else if (f->nlanes < NVMF_MAX_LANES) {
		nb = lane_new(f, l);
		if (nb) {
			f->lanes[f->nlanes] = nb;
			f->lane_loop[f->nlanes++] = l;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return nb;
}

static int nvmf_front_submit(struct bdev *b, struct bdev_io *io)
{
	struct nvmf_front *f = (struct nvmf_front *)b;
	struct nvmf_bdev *nb;

	if ((io->op == BDEV_OP_UNMAP && !f->dsm) ||
	    (io->op == BDEV_OP_WRITE_ZEROES && !f->write_zeroes))
		return -EOPNOTSUPP;
	if (io->op == BDEV_OP_UNMAP && io->len / b->block_size > UINT32_MAX)
		return -EINVAL;
	if (!ioloop_current)
		return -ENXIO;
	nb = lane_of(f, ioloop_current);
	if (!nb)
		return -ENOMEM;
	return nvmf_submit(&nb->b, io);
}

/* Any thread, no I/O in flight: every lane goes. */
static void nvmf_front_destroy(struct bdev *b)
{
	struct nvmf_front *f = (struct nvmf_front *)b;

	for (unsigned int i = 0; i < f->nlanes; i++)
		nvmf_destroy(&f->lanes[i]->b);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct bdev_ops nvmf_ops = {
	.type = "nvmf",
	.submit = nvmf_front_submit,
	.destroy = nvmf_front_destroy,
};

static void init_lock(pthread_mutex_t *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
}

/* The bdev over association a (it takes it over, or closes it). */
static struct bdev *bdev_of_assoc(const char *name, const struct nvmf_def *d,
				  const struct nvmf_dialer *dialer, struct nvmf_assoc *a,
				  char *err, size_t errlen)
{
	struct nvmf_front *f = calloc(1, sizeof(*f));
	struct nvmf_bdev *nb = calloc(1, sizeof(*nb));
	const struct nvmf_def def = *d;

	if (!f || !nb) {
		snprintf(err, errlen, "out of memory");
		goto err_free;
	}
	nb->as = *a;
	if (bdev_init(&f->b, &nvmf_ops, name, a->nsze, a->block_size) ||
	    bdev_init(&nb->b, &nvmf_lane_ops, name, a->nsze, a->block_size)) {
		snprintf(err, errlen, "namespace %u: %llu blocks of %u bytes is no bdev",
			 def.nsid, (unsigned long long)a->nsze, a->block_size);
		goto err_free;
	}
	f->b.flags = nb->b.flags = a->vwc ? BDEV_F_VOLATILE_CACHE : 0;
	f->dsm = a->dsm;
	f->write_zeroes = a->write_zeroes;
	init_lock(&f->lock);
	f->lanes[0] = nb;
	f->nlanes = 1;
	lane_init(nb, f, &def, dialer);
	log_info("nvmf %s: %s nsid %u at %s:%s (cntlid %u): %llu blocks of %u bytes, "
		 "queue depth %u, %u blocks a command, KATO %u ms%s%s", nb->b.name, def.subnqn, def.nsid,
		 def.traddr, def.trsvcid, nb->as.cntlid, (unsigned long long)nb->b.num_blocks,
		 nb->b.block_size, nb->as.sqsize, nb->as.max_blocks, def.keep_alive_timeout_ms,
		 def.hdgst ? ", header digests" : "", def.ddgst ? ", data digests" : "");
	/* Watched from now on, idle or not (the daemon's control thread). */
	if (ioloop_current)
		bind_loop(nb, ioloop_current);
	return &f->b;

err_free:
	assoc_close(a);
	free(nb);
	free(f);
	return NULL;
}

struct bdev *bdev_nvmf_create_with(const char *name, const char *args,
				   const struct nvmf_dialer *dialer, char *err,
				   size_t errlen)
{
	struct nvmf_assoc a;
	struct nvmf_def def;
	char bname[sizeof(((struct bdev *)0)->name)];

	snprintf(bname, sizeof(bname), "%s", name);
	if (nvmf_def_parse(args, &def, err, errlen) ||
	    open_assoc(bname, &def, ioloop_current, dialer, &a, err, errlen))
		return NULL;
	return bdev_of_assoc(bname, &def, dialer, &a, err, errlen);
}

/* ---- a first open that failed, tried again ---- */

struct nvmf_opener {
	char name[sizeof(((struct bdev *)0)->name)];
	struct nvmf_def def;
	struct nvmf_dialer dialer;
	bool has_dialer;
	pthread_mutex_t lock;
	bool stop;		/* its owner let go */
	bool done;
	int ret;		/* done: 0 with as, or -ETIMEDOUT */
	struct nvmf_assoc as;
	char err[256];		/* the last failure */
	atomic_uint refs;	/* the owner's, the thread's */
};

static void opener_put(struct nvmf_opener *o)
{
	if (atomic_fetch_sub(&o->refs, 1) != 1)
		return;
	assoc_close(&o->as);	/* made after its owner let go */
	pthread_mutex_destroy(&o->lock);
	free(o);
}

static void *opener_thread(void *arg)
{
	struct nvmf_opener *o = arg;
	struct nvmf_assoc a = { 0 };
	struct assoc_retry r = {
		.name = o->name,
		.d = &o->def,
		.dialer = o->has_dialer ? &o->dialer : NULL,
		.lock = &o->lock,
		.stop = &o->stop,
		.err = o->err,
		.errlen = sizeof(o->err),
	};
	int ret = retry_assoc(&r, &a);

	pthread_mutex_lock(&o->lock);
	o->as = a;
	o->ret = ret;
	o->done = true;
	pthread_mutex_unlock(&o->lock);
	opener_put(o);
	return NULL;
}

struct nvmf_opener *bdev_nvmf_open_retry(const char *name, const char *args,
					 const struct nvmf_dialer *dialer, const char *err)
{
	struct nvmf_opener *o;
	pthread_t thread;
	char why[160];

	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	if (nvmf_def_parse(args, &o->def, why, sizeof(why)) || !o->def.ctrlr_loss_timeout_sec) {
		free(o);
		return NULL;
	}
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->err, sizeof(o->err), "%s", err);
	if (dialer) {
		o->dialer = *dialer;
		o->has_dialer = true;
	}
	init_lock(&o->lock);
	atomic_init(&o->refs, 2);
	if (pthread_create(&thread, NULL, opener_thread, o)) {
		pthread_mutex_destroy(&o->lock);
		free(o);
		return NULL;
	}
	pthread_detach(thread);
	if (o->def.ctrlr_loss_timeout_sec < 0)
		log_notice("nvmf %s: trying to open it every %u s until it works", name,
			   o->def.reconnect_delay_sec);
	else
		log_notice("nvmf %s: trying to open it every %u s for %d s", name,
			   o->def.reconnect_delay_sec, o->def.ctrlr_loss_timeout_sec);
	return o;
}

int bdev_nvmf_open_poll(struct nvmf_opener *o, struct bdev **b, char *err, size_t errlen)
{
	struct nvmf_assoc a;
	int ret;

	pthread_mutex_lock(&o->lock);
	if (!o->done) {
		pthread_mutex_unlock(&o->lock);
		return 0;
	}
	a = o->as;
	memset(&o->as, 0, sizeof(o->as));
	ret = o->ret;
	snprintf(err, errlen, "%s", o->err);
	pthread_mutex_unlock(&o->lock);
	*b = ret ? NULL : bdev_of_assoc(o->name, &o->def, o->has_dialer ? &o->dialer : NULL,
				       &a, err, errlen);
	opener_put(o);
	return *b ? 1 : ret ? ret : -EIO;
}

void bdev_nvmf_open_cancel(struct nvmf_opener *o)
{
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	pthread_mutex_unlock(&o->lock);
	opener_put(o);
}

struct bdev *bdev_nvmf_create(const char *name, const char *args, char *err,
			      size_t errlen)
{
	return bdev_nvmf_create_with(name, args, NULL, err, errlen);
}
