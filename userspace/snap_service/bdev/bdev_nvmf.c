// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe-oF initiator's transport-independent core and its bdev: command
 * IDs, Fabrics Connect, Property Get/Set, Identify, and the bdev's I/O
 * turned into NVM commands on the I/O queue. The wire is the transport's
 * (nvmf_tcp.c).
 */
#include <errno.h>
#include <fcntl.h>
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

void nvmf_queue_fail(struct nvmf_queue *q, const char *why)
{
	if (!q->failed && !q->closing)
		log_err("%s: connection lost: %s; its I/O fails", q->name, why);
	q->failed = true;
	for (uint16_t i = 0; i < q->depth; i++) {
		struct nvmf_req *r = &q->reqs[i];

		if (!r->active || r->answered)
			continue;
		if (r->tx_refs) {
			/* Its data may still be read by a send in flight. */
			r->answered = true;
			r->status = -EIO;
			continue;
		}
		nvmf_req_end(q, r, -EIO, 0, 0);
	}
}

/* ---- commands ---- */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

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
	 * last C2HData PDU. Keep alive 0: this association has no admin
	 * traffic once open (and no keep-alive yet). */
	r->sqe[46] = q->qid ? NVMF_CONNECT_DISABLE_SQFLOW : 0;
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

/* ---- the bdev ---- */

struct nvmf_io;

struct nvmf_bdev {
	struct bdev b;
	struct nvmf_def def;
	struct nvmf_queue *admin, *io;
	struct ioloop *loop;		/* the I/O queue runs there */
	uint32_t max_blocks;		/* a command moves at most these */
	uint32_t io_icd;		/* in-capsule data bytes of an I/O command */
	bool dsm, write_zeroes;
	/* I/O waiting for a free command ID, oldest first */
	struct nvmf_io *wait_head, *wait_tail;
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

static int nvme_status_errno(int status)
{
	if (status < 0)
		return status;
	/* Generic Command Status, Capacity Exceeded */
	return status == 0x81 ? -ENOSPC : -EIO;
}

static void issue_io(struct nvmf_io *x);

static void io_finish(struct nvmf_io *x)
{
	struct nvmf_bdev *nb = x->nb;
	struct bdev_io *io = x->io;
	int status = x->status;

	free(x);
	bdev_io_complete(&nb->b, io, status);
}

static void run_waiting(struct nvmf_bdev *nb)
{
	while (nb->wait_head && nb->io->free) {
		struct nvmf_io *x = nb->wait_head;

		nb->wait_head = x->next_wait;
		if (!nb->wait_head)
			nb->wait_tail = NULL;
		x->waiting = false;
		issue_io(x);
	}
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
	if (!x->waiting)
		issue_io(x);	/* the rest of it, or its end */
	run_waiting(nb);
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
 * more; ends x once nothing of it is in flight or left. The extra count
 * holds x while a command may end inside send().
 */
static void issue_io(struct nvmf_io *x)
{
	struct nvmf_bdev *nb = x->nb;
	struct bdev_io *io = x->io;
	uint64_t end = io_end(io), chunk = end;

	if (io->op == BDEV_OP_READ || io->op == BDEV_OP_WRITE ||
	    io->op == BDEV_OP_WRITE_ZEROES)
		chunk = (uint64_t)nb->max_blocks * nb->b.block_size;
	x->pending++;
	while (x->next < end && !x->status) {
		uint64_t len = end - x->next < chunk ? end - x->next : chunk;
		struct nvmf_req *r;
		int ret;

		if (nb->io->failed) {
			x->status = -EIO;
			break;
		}
		r = nvmf_req_get(nb->io);
		if (!r) {
			wait_for_cid(x);
			break;
		}
		build_cmd(x, r, io->offset + x->next, len);
		r->done = cmd_done;
		r->ctx = x;
		x->next += len;
		x->pending++;
		ret = nb->io->ops->send(nb->io, r);
		if (ret)
			nvmf_req_end(nb->io, r, ret, 0, 0);	/* not taken */
	}
	if (!--x->pending && !x->waiting)
		io_finish(x);
}

static int nvmf_submit(struct bdev *b, struct bdev_io *io)
{
	struct nvmf_bdev *nb = (struct nvmf_bdev *)b;
	struct nvmf_io *x;

	if ((io->op == BDEV_OP_UNMAP && !nb->dsm) ||
	    (io->op == BDEV_OP_WRITE_ZEROES && !nb->write_zeroes))
		return -EOPNOTSUPP;
	if (io->op == BDEV_OP_UNMAP &&
	    io->len / b->block_size > UINT32_MAX)
		return -EINVAL;
	if (!nb->loop) {
		int ret;

		if (!ioloop_current)
			return -ENXIO;
		ret = nb->io->ops->start(nb->io, ioloop_current);
		if (ret)
			return ret;
		nb->loop = ioloop_current;
	} else if (nb->loop != ioloop_current) {
		/* Its queue's state is the thread's it started on. */
		return -EXDEV;
	}
	/* Nothing to move, nothing to make durable: done. */
	if ((io->op != BDEV_OP_FLUSH && !io->len) ||
	    (io->op == BDEV_OP_FLUSH && !(b->flags & BDEV_F_VOLATILE_CACHE))) {
		bdev_io_complete(b, io, 0);
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

static void nvmf_destroy(struct bdev *b)
{
	struct nvmf_bdev *nb = (struct nvmf_bdev *)b;

	if (nb->io)
		nb->io->ops->close(nb->io);
	if (nb->admin)
		nb->admin->ops->close(nb->admin);
	free(nb);
}

static const struct bdev_ops nvmf_ops = {
	.type = "nvmf",
	.submit = nvmf_submit,
	.destroy = nvmf_destroy,
};

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

static struct nvmf_queue *queue_connect(const char *bdev, const struct nvmf_def *d,
					const struct nvmf_dialer *dialer, uint16_t qid,
					uint16_t depth, char *err, size_t errlen)
{
	struct nvmf_queue *q = malloc(sizeof(*q));
	char name[80];

	if (!q) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(name, sizeof(name), "nvmf %s queue %u", bdev, qid);
	if (nvmf_queue_init(q, &nvmf_tcp_ops, qid, depth, name)) {
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
	if (q->ops->connect(q, d, err, errlen)) {
		nvmf_queue_release(q);
		free(q);
		return NULL;
	}
	return q;
}

/* What Identify says: size, block size, limits, optional commands. */
static int learn_namespace(struct nvmf_bdev *nb, uint64_t cap, char *err, size_t errlen)
{
	uint8_t *id = malloc(4096);
	char name[sizeof(nb->b.name)];
	unsigned int mdts, lbads;
	uint32_t lbaf, ioccsz;
	uint16_t oncs;
	uint64_t nsze;
	bool vwc;
	int ret;

	if (!id) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = identify(nb->admin, 1, 0, id, err, errlen);
	if (ret)
		goto out;
	mdts = id[77];
	oncs = get_le16(id + 520);
	ioccsz = get_le32(id + 1792);
	vwc = id[525] & 1;
	nb->dsm = oncs & (1u << 2);
	nb->write_zeroes = oncs & (1u << 3);
	nb->max_blocks = 65536;
	ret = identify(nb->admin, 0, nb->def.nsid, id, err, errlen);
	if (ret)
		goto out;
	nsze = get_le64(id);
	lbaf = get_le32(id + 128 + 4 * (id[26] & 0xf));
	lbads = (lbaf >> 16) & 0xff;
	if (!nsze) {
		snprintf(err, errlen, "namespace %u is not active on %s", nb->def.nsid,
			 nb->def.subnqn);
		ret = -ENODEV;
		goto out;
	}
	if ((lbaf & 0xffff) || lbads < 9 || lbads > 16) {
		snprintf(err, errlen, "namespace %u: LBA format with %u bytes of metadata "
			 "and 2^%u-byte blocks is not supported", nb->def.nsid,
			 lbaf & 0xffff, lbads);
		ret = -EOPNOTSUPP;
		goto out;
	}
	snprintf(name, sizeof(name), "%s", nb->b.name);
	if (bdev_init(&nb->b, &nvmf_ops, name, nsze, 1u << lbads)) {
		snprintf(err, errlen, "namespace %u: %llu blocks of %u bytes is no bdev",
			 nb->def.nsid, (unsigned long long)nsze, 1u << lbads);
		ret = -EINVAL;
		goto out;
	}
	nb->b.flags = vwc ? BDEV_F_VOLATILE_CACHE : 0;
	if (mdts) {
		/* Units of the smallest memory page (CAP.MPSMIN). */
		uint64_t bytes = (4096ull << ((cap >> 48) & 0xf)) << mdts;

		if (bytes / nb->b.block_size < nb->max_blocks)
			nb->max_blocks = (uint32_t)(bytes / nb->b.block_size);
	}
	if (ioccsz >= 4)
		nb->io_icd = ioccsz * 16 - 64;
out:
	free(id);
	return ret;
}

static int open_ctrl(struct nvmf_bdev *nb, const struct nvmf_dialer *dialer, char *err,
		     size_t errlen)
{
	struct nvmf_ctrl_ident id;
	uint64_t cap;
	uint16_t cntlid = 0, sqsize;
	int ret;

	host_ident(&nb->def, &id);
	nb->admin = queue_connect(nb->b.name, &nb->def, dialer, 0, NVMF_ADMIN_QUEUE_DEPTH,
				  err, errlen);
	if (!nb->admin)
		return -EIO;
	/* The admin queue's capsules hold 8 KiB (the NVMe/TCP rule). */
	nb->admin->icd_max = 8192 - 64;
	ret = fabrics_connect(nb->admin, &nb->def, &id, NVMF_ADMIN_QUEUE_DEPTH, &cntlid,
			      err, errlen);
	if (!ret)
		ret = prop_get(nb->admin, NVME_REG_CAP, true, &cap, err, errlen);
	if (!ret)
		ret = enable_ctrl(nb->admin, cap, err, errlen);
	if (!ret)
		ret = learn_namespace(nb, cap, err, errlen);
	if (ret)
		return ret;
	sqsize = (uint16_t)((cap & 0xffff) + 1 < NVMF_IO_QUEUE_DEPTH ?
			    (cap & 0xffff) + 1 : NVMF_IO_QUEUE_DEPTH);
	nb->io = queue_connect(nb->b.name, &nb->def, dialer, 1, sqsize, err, errlen);
	if (!nb->io)
		return -EIO;
	nb->io->icd_max = nb->io_icd;
	ret = fabrics_connect(nb->io, &nb->def, &id, sqsize, &cntlid, err, errlen);
	if (ret)
		return ret;
	log_info("nvmf %s: %s nsid %u at %s:%s (cntlid %u): %llu blocks of %u bytes, "
		 "queue depth %u, %u blocks a command%s%s", nb->b.name, nb->def.subnqn,
		 nb->def.nsid, nb->def.traddr, nb->def.trsvcid, cntlid,
		 (unsigned long long)nb->b.num_blocks, nb->b.block_size, sqsize,
		 nb->max_blocks, nb->def.hdgst ? ", header digests" : "",
		 nb->def.ddgst ? ", data digests" : "");
	return 0;
}

struct bdev *bdev_nvmf_create_with(const char *name, const char *args,
				   const struct nvmf_dialer *dialer, char *err,
				   size_t errlen)
{
	struct nvmf_bdev *nb = calloc(1, sizeof(*nb));

	if (!nb) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(nb->b.name, sizeof(nb->b.name), "%s", name);
	if (nvmf_def_parse(args, &nb->def, err, errlen) ||
	    open_ctrl(nb, dialer, err, errlen)) {
		nvmf_destroy(&nb->b);
		return NULL;
	}
	return &nb->b;
}

struct bdev *bdev_nvmf_create(const char *name, const char *args, char *err,
			      size_t errlen)
{
	return bdev_nvmf_create_with(name, args, NULL, err, errlen);
}
