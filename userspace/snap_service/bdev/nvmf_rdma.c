// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe/RDMA, the host side, on rdma-core (librdmacm for the connection,
 * libibverbs for the rest): one reliable-connected QP per queue, command
 * capsules sent from registered memory, small writes in the capsule
 * (IOCCSZ), other data moved by the target's RDMA READ and WRITE through
 * a keyed SGL, responses received into registered 16-byte buffers.
 *
 * A command's data is registered for it alone, exactly its bytes, when it
 * is sent, and let go when it ends: the target can reach nothing else of
 * the daemon, whatever rkey it tries (and nothing at all of a write sent
 * in the capsule). Before a failed connection's
 * commands end, its QP goes to the error state, so the target cannot
 * touch their buffers once they are given back.
 *
 * Receive buffers: each queue posts its own, one a command it may have
 * outstanding, unless the definition asks for a Shared Receive Queue
 * (rdma_srq_size): then the I/O queues made for the same thread (its
 * loop, q->home) on the same RDMA device with the same size share one
 * SRQ of that many buffers, and a queue posts none. A
 * response always comes on the completion queue of its own QP, so it is
 * matched to its queue by where it arrives; the buffer goes back to the
 * SRQ (posting to one is thread-safe in rdma-core) once parsed.
 *
 * A queue is set up blocking (the CM's events and the CQ waited for with
 * poll(), bounded by a deadline), then started on its thread's io_uring:
 * POLL_ADDs on the completion channel, on the CM's event channel (the
 * target disconnecting) and on an eventfd that close() rings from any
 * thread, and a timer while commands are outstanding.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "../ioloop.h"
#include "../log.h"
#include "nvmf.h"

#define CQE_LEN		16u
#define SQE_LEN		64u
/* The NVMe/RDMA CM private data (transport binding spec). */
#define CM_REQ_LEN	32
#define CM_REJ_STS_MAX	8
/* The IB CM's reject reason when nobody listens on the port. */
#define IB_CM_REJ_INVALID_SERVICE_ID	8
/* A keyed SGL data block carries at most this much (a 24-bit length). */
#define KEYED_SGL_MAX	0xffffffu
/* SGL descriptors: Keyed Data Block, Address; Data Block, Offset. */
#define SGL_KEYED_ADDR	0x40
#define SGL_DATA_OFFSET	0x01
/* wr_id of a send: command ID << 1 | 1; of a receive: its buffer. */
#define WR_SEND		1u

struct rdma_conn;

struct rdma_op {
	struct ioloop_req req;
	struct rdma_conn *c;
};

/* One RDMA device as the daemon uses it: a protection domain for every
 * queue on it, and its SRQs. */
struct rdma_dev {
	struct rdma_dev *next;
	struct ibv_context *verbs;
	struct ibv_pd *pd;
	unsigned int refs;
};

struct rdma_srq {
	struct rdma_srq *next;
	struct rdma_dev *dev;
	const struct ioloop *home;	/* the thread's whose queues share it */
	unsigned int id;		/* for the log */
	struct ibv_srq *srq;
	uint32_t size;
	uint8_t *bufs;
	struct ibv_mr *mr;
	unsigned int refs;		/* queues on it */
};

struct rdma_conn {
	struct nvmf_queue *q;
	struct rdma_event_channel *ech;
	struct rdma_cm_id *id;
	struct rdma_dev *dev;
	struct rdma_srq *srq;		/* NULL: receive buffers of its own */
	struct ibv_comp_channel *cch;
	struct ibv_cq *cq;
	bool qp_made;
	uint8_t *sqes;			/* SQE_LEN a command ID */
	struct ibv_mr *sqe_mr;
	uint8_t *rsps;			/* CQE_LEN a command ID, without SRQ */
	struct ibv_mr *rsp_mr;
	struct ibv_mr **data_mr;	/* a command's data, by command ID */
	bool established;
	char why[200];
	/* once started */
	struct ioloop *loop;
	struct rdma_op cq_op, cm_op, kick_op, timer_op, cancel_op;
	int kick_fd;
	struct __kernel_timespec tick;
	bool timer_armed, stopping;
	atomic_uint refs;
	atomic_bool closing;
};

/* The devices and SRQs in use, under devs_lock. */
static pthread_mutex_t devs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rdma_dev *devs;
static struct rdma_srq *srqs;
static unsigned int srq_ids;

static struct rdma_conn *conn_of(struct nvmf_queue *q)
{
	return q->tp;
}

/* ---- devices and shared receive queues ---- */

static struct rdma_dev *dev_get(struct ibv_context *verbs)
{
	struct rdma_dev *d;

	pthread_mutex_lock(&devs_lock);
	for (d = devs; d && d->verbs != verbs; d = d->next)
		;
	if (d) {
		d->refs++;
		goto out;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	d->verbs = verbs;
	d->pd = ibv_alloc_pd(verbs);
	if (!d->pd) {
		free(d);
		d = NULL;
		goto out;
	}
	d->refs = 1;
	d->next = devs;
	devs = d;
out:
	pthread_mutex_unlock(&devs_lock);
	return d;
}

static void dev_put_locked(struct rdma_dev *d)
{
	struct rdma_dev **pp;

	if (--d->refs)
		return;
	for (pp = &devs; *pp != d; pp = &(*pp)->next)
		;
	*pp = d->next;
	ibv_dealloc_pd(d->pd);
	free(d);
}

static void dev_put(struct rdma_dev *d)
{
	pthread_mutex_lock(&devs_lock);
	dev_put_locked(d);
	pthread_mutex_unlock(&devs_lock);
}

/* buf back on c's SRQ, or on its own receive queue. */
static int post_recv(struct rdma_conn *c, uint8_t *buf)
{
	struct ibv_mr *mr = c->srq ? c->srq->mr : c->rsp_mr;
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf, .length = CQE_LEN, .lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = (uintptr_t)buf, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	return c->srq ? ibv_post_srq_recv(c->srq->srq, &wr, &bad) :
			ibv_post_recv(c->id->qp, &wr, &bad);
}

static void srq_free(struct rdma_srq *s)
{
	if (s->srq)
		ibv_destroy_srq(s->srq);
	if (s->mr)
		ibv_dereg_mr(s->mr);
	free(s->bufs);
	free(s);
}

static struct rdma_srq *srq_make(struct rdma_dev *d, uint32_t size, char *err, size_t errlen)
{
	struct ibv_srq_init_attr attr = { .attr = { .max_wr = size, .max_sge = 1 } };
	struct rdma_srq *s = calloc(1, sizeof(*s));
	struct ibv_recv_wr *bad;
	int ret;

	if (!s || !(s->bufs = aligned_alloc(4096, ((size_t)size * CQE_LEN + 4095) & ~4095ul))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->dev = d;
	s->size = size;
	s->mr = ibv_reg_mr(d->pd, s->bufs, (size_t)size * CQE_LEN, IBV_ACCESS_LOCAL_WRITE);
	s->srq = s->mr ? ibv_create_srq(d->pd, &attr) : NULL;
	if (!s->srq) {
		snprintf(err, errlen, "a shared receive queue of %u buffers on %s: %s", size,
			 ibv_get_device_name(d->verbs->device), strerror(errno));
		srq_free(s);
		return NULL;
	}
	for (uint32_t i = 0; i < size; i++) {
		struct ibv_sge sge = {
			.addr = (uintptr_t)(s->bufs + i * CQE_LEN), .length = CQE_LEN,
			.lkey = s->mr->lkey,
		};
		struct ibv_recv_wr wr = { .wr_id = sge.addr, .sg_list = &sge, .num_sge = 1 };

		ret = ibv_post_srq_recv(s->srq, &wr, &bad);
		if (ret) {
			snprintf(err, errlen, "posting to the shared receive queue: %s",
				 strerror(ret));
			srq_free(s);
			return NULL;
		}
	}
	s->id = ++srq_ids;
	log_info("nvmf rdma: shared receive queue %u on %s: %u receive buffers posted",
		 s->id, ibv_get_device_name(d->verbs->device), size);
	return s;
}

/* The SRQ of size buffers on d for home's thread, made on first use; the
 * caller holds d. */
static struct rdma_srq *srq_get(struct rdma_dev *d, uint32_t size, const struct ioloop *home,
				char *err, size_t errlen)
{
	struct rdma_srq *s;

	pthread_mutex_lock(&devs_lock);
	for (s = srqs; s && (s->dev != d || s->size != size || s->home != home); s = s->next)
		;
	if (!s) {
		s = srq_make(d, size, err, errlen);
		if (s) {
			s->home = home;
			s->next = srqs;
			srqs = s;
		}
	}
	if (s) {
		s->refs++;
		d->refs++;
	}
	pthread_mutex_unlock(&devs_lock);
	return s;
}

/* The queue using s lets go of it (and of its device). */
static void srq_put(struct rdma_srq *s)
{
	struct rdma_dev *d = s->dev;
	struct rdma_srq **pp;

	pthread_mutex_lock(&devs_lock);
	if (!--s->refs) {
		for (pp = &srqs; *pp != s; pp = &(*pp)->next)
			;
		*pp = s->next;
		srq_free(s);
	}
	dev_put_locked(d);
	pthread_mutex_unlock(&devs_lock);
}

/* ---- commands and completions ---- */

static void data_release(struct rdma_conn *c, uint16_t cid)
{
	if (c->data_mr[cid]) {
		ibv_dereg_mr(c->data_mr[cid]);
		c->data_mr[cid] = NULL;
	}
}

/* r is over: its data is the target's no more, then the core ends it. */
static void req_end(struct rdma_conn *c, struct nvmf_req *r, int status, uint32_t dw0,
		    uint32_t dw1)
{
	data_release(c, r->cid);
	nvmf_req_end(c->q, r, status, dw0, dw1);
}

/* r's response came: it ends once its capsule's send completed too. */
static void req_answer(struct rdma_conn *c, struct nvmf_req *r, int status, uint32_t dw0,
		       uint32_t dw1)
{
	if (r->tx_refs) {
		r->answered = true;
		r->status = status;
		r->dw0 = dw0;
		r->dw1 = dw1;
		return;
	}
	req_end(c, r, status, dw0, dw1);
}

/*
 * The connection is over. The QP goes to the error state and every
 * command's data registration goes: from then on the target can reach
 * none of their buffers, so every command ends here, a capsule send still
 * in flight or not (it reads only the connection's own memory).
 */
static void conn_fail(struct rdma_conn *c, const char *why)
{
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };
	struct nvmf_queue *q = c->q;

	if (q->failed)
		return;
	if (atomic_load(&c->closing))
		q->closing = true;
	if (c->qp_made)
		ibv_modify_qp(c->id->qp, &attr, IBV_QP_STATE);
	for (uint16_t i = 0; i < q->depth; i++) {
		data_release(c, i);
		q->reqs[i].tx_refs = 0;
	}
	nvmf_queue_fail(q, why);
	/* Answered before the failure: they end as the target said. */
	for (uint16_t i = 0; i < q->depth; i++) {
		struct nvmf_req *r = &q->reqs[i];

		if (r->active && r->answered)
			nvmf_req_end(q, r, r->status, r->dw0, r->dw1);
	}
}

static int proto_err(struct rdma_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int proto_err(struct rdma_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	conn_fail(c, c->why);
	return -EPROTO;
}

static void on_send(struct rdma_conn *c, const struct ibv_wc *wc)
{
	uint16_t cid = (uint16_t)(wc->wr_id >> 1);
	struct nvmf_req *r = cid < c->q->depth ? &c->q->reqs[cid] : NULL;

	/* After a failure its command has ended already. */
	if (!r || !r->active || !r->tx_refs)
		return;
	r->tx_refs = 0;
	if (wc->status != IBV_WC_SUCCESS) {
		snprintf(c->why, sizeof(c->why), "sending command %u: %s", cid,
			 ibv_wc_status_str(wc->status));
		conn_fail(c, c->why);
		return;
	}
	if (r->answered)
		req_end(c, r, r->status, r->dw0, r->dw1);
}

static void on_recv(struct rdma_conn *c, const struct ibv_wc *wc)
{
	uint8_t *cqe = (uint8_t *)(uintptr_t)wc->wr_id;
	struct nvmf_req *r;
	uint32_t dw0, dw1;
	uint16_t cid;
	int status;

	if (wc->status != IBV_WC_SUCCESS) {
		/* Flushed: the QP is in error; only an SRQ's buffer lives on. */
		if (c->srq)
			post_recv(c, cqe);
		if (!c->q->failed) {
			snprintf(c->why, sizeof(c->why), "receiving: %s",
				 ibv_wc_status_str(wc->status));
			conn_fail(c, c->why);
		}
		return;
	}
	cid = get_le16(cqe + 12);
	status = (get_le16(cqe + 14) >> 1) & 0x7ff;
	dw0 = get_le32(cqe);
	dw1 = get_le32(cqe + 4);
	r = nvmf_queue_req(c->q, cid);
	/* The buffer is read: back for the next response before r ends. */
	if (post_recv(c, cqe) && !c->q->failed)
		return (void)proto_err(c, "no receive buffer posted again");
	if (c->q->failed)
		return;
	if (wc->byte_len != CQE_LEN)
		return (void)proto_err(c, "a response of %u bytes, not %u", wc->byte_len,
				       CQE_LEN);
	if (!r || r->answered)
		return (void)proto_err(c, "a response for command %u, which is not outstanding",
				       cid);
	req_answer(c, r, status, dw0, dw1);
}

/* Everything the CQ holds now. */
static void drain_cq(struct rdma_conn *c)
{
	struct ibv_wc wc[16];
	int n;

	while ((n = ibv_poll_cq(c->cq, 16, wc)) > 0) {
		for (int i = 0; i < n; i++) {
			if (wc[i].wr_id & WR_SEND)
				on_send(c, &wc[i]);
			else
				on_recv(c, &wc[i]);
		}
	}
	if (n < 0 && !c->q->failed)
		conn_fail(c, "polling the completion queue failed");
}

/* Takes the channel's event, asks for the next one, then drains. */
static void cq_event(struct rdma_conn *c)
{
	struct ibv_cq *cq;
	void *ctx;

	while (!ibv_get_cq_event(c->cch, &cq, &ctx))
		ibv_ack_cq_events(cq, 1);
	if (ibv_req_notify_cq(c->cq, 0) && !c->q->failed)
		conn_fail(c, "arming the completion queue failed");
	drain_cq(c);
}

/* ---- blocking setup ---- */

static int poll_until(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t left = deadline - nvmf_now_ms();
	int ret;

	if (left <= 0)
		return -ETIMEDOUT;
	ret = poll(&pfd, 1, (int)left);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	return ret ? 0 : -ETIMEDOUT;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ? -errno : 0;
}

static const char *const cm_rej_sts[CM_REJ_STS_MAX + 1] = {
	[1] = "invalid RDMA_CM request record format",
	[2] = "invalid queue ID",
	[3] = "invalid host send queue size",
	[4] = "invalid host receive queue size",
	[5] = "no resources",
	[6] = "invalid IRD",
	[7] = "invalid ORD",
	[8] = "invalid controller ID",
};

/* What the target said when it refused the connection. */
static void rejected(const struct rdma_cm_event *ev, char *err, size_t errlen)
{
	const uint8_t *p = ev->param.conn.private_data;
	uint16_t sts = 0;

	if (p && ev->param.conn.private_data_len >= 4)
		sts = get_le16(p + 2);
	if (sts && sts <= CM_REJ_STS_MAX)
		snprintf(err, errlen, "the target refused the connection: %s",
			 cm_rej_sts[sts]);
	else if (ev->status == IB_CM_REJ_INVALID_SERVICE_ID)
		snprintf(err, errlen, "no NVMe/RDMA target listens there");
	else
		snprintf(err, errlen, "the target refused the connection (reason %d)",
			 ev->status);
}

/* The next CM event, which must be want. */
static int cm_expect(struct rdma_conn *c, enum rdma_cm_event_type want, int64_t deadline,
		     char *err, size_t errlen)
{
	struct rdma_cm_event *ev;
	int ret;

	for (;;) {
		if (!rdma_get_cm_event(c->ech, &ev))
			break;
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "rdma_get_cm_event: %s", strerror(errno));
			return -errno;
		}
		ret = poll_until(c->ech->fd, deadline);
		if (ret) {
			snprintf(err, errlen, "waiting for %s: %s", rdma_event_str(want),
				 strerror(-ret));
			return ret;
		}
	}
	ret = 0;
	if (ev->event == RDMA_CM_EVENT_REJECTED) {
		rejected(ev, err, errlen);
		ret = -ECONNREFUSED;
	} else if (ev->event != want) {
		snprintf(err, errlen, "%s instead of %s (status %d)", rdma_event_str(ev->event),
			 rdma_event_str(want), ev->status);
		ret = ev->status < 0 ? ev->status : -EIO;
	}
	rdma_ack_cm_event(ev);
	return ret;
}

/* Until r ended, the connection failed or the deadline passed. */
static int rdma_wait(struct nvmf_queue *q, struct nvmf_req *r, int timeout_ms)
{
	struct rdma_conn *c = conn_of(q);
	int64_t deadline = nvmf_now_ms() + timeout_ms;

	for (;;) {
		int ret;

		drain_cq(c);
		if (!r->active || q->failed)
			return 0;
		ret = poll_until(c->cch->fd, deadline);
		if (ret)
			return ret;
		cq_event(c);
	}
}

static int resolve(struct rdma_conn *c, const struct nvmf_def *d, int64_t deadline,
		   char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = strcmp(d->adrfam, "ipv6") ? AF_INET : AF_INET6,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai;
	int ret;

	ret = getaddrinfo(d->traddr, d->trsvcid, &hints, &ai);
	if (ret) {
		snprintf(err, errlen, "%s:%s: %s", d->traddr, d->trsvcid, gai_strerror(ret));
		return -EINVAL;
	}
	ret = rdma_resolve_addr(c->id, NULL, ai->ai_addr, NVMF_SETUP_TIMEOUT_MS) ? -errno : 0;
	freeaddrinfo(ai);
	if (ret) {
		snprintf(err, errlen, "rdma_resolve_addr: %s", strerror(-ret));
		return ret;
	}
	ret = cm_expect(c, RDMA_CM_EVENT_ADDR_RESOLVED, deadline, err, errlen);
	if (ret)
		return ret;
	if (rdma_resolve_route(c->id, NVMF_SETUP_TIMEOUT_MS)) {
		snprintf(err, errlen, "rdma_resolve_route: %s", strerror(errno));
		return -errno;
	}
	return cm_expect(c, RDMA_CM_EVENT_ROUTE_RESOLVED, deadline, err, errlen);
}

static struct ibv_mr *reg_buf(struct rdma_conn *c, uint8_t **buf, size_t len, int access)
{
	*buf = aligned_alloc(4096, (len + 4095) & ~4095ul);
	if (!*buf)
		return NULL;
	memset(*buf, 0, len);
	return ibv_reg_mr(c->dev->pd, *buf, len, access);
}

/* PD, CQ, QP and the registered capsule and response memory. */
static int make_qp(struct rdma_conn *c, const struct nvmf_def *d, char *err, size_t errlen)
{
	struct nvmf_queue *q = c->q;
	/* An SRQ is for the I/O queues: the admin queue is used while opening. */
	uint32_t srq_size = q->qid ? d->rdma_srq_size : 0;
	struct ibv_qp_init_attr attr = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = q->depth, .max_recv_wr = srq_size ? 0 : q->depth,
			 .max_send_sge = 2, .max_recv_sge = 1 },
	};
	const char *what;

	c->dev = dev_get(c->id->verbs);
	if (!c->dev) {
		what = "a protection domain";
		goto err;
	}
	if (srq_size) {
		c->srq = srq_get(c->dev, srq_size, q->home, err, errlen);
		if (!c->srq)
			return -ENOMEM;
	}
	what = "a completion channel";
	c->cch = ibv_create_comp_channel(c->id->verbs);
	if (!c->cch || set_nonblock(c->cch->fd))
		goto err;
	/* Each command: its send, and its response. */
	what = "a completion queue";
	c->cq = ibv_create_cq(c->id->verbs, 2 * q->depth, c, c->cch, 0);
	if (!c->cq || ibv_req_notify_cq(c->cq, 0))
		goto err;
	attr.send_cq = attr.recv_cq = c->cq;
	attr.srq = c->srq ? c->srq->srq : NULL;
	what = "a queue pair";
	if (rdma_create_qp(c->id, c->dev->pd, &attr))
		goto err;
	c->qp_made = true;
	what = "registered memory";
	c->sqe_mr = reg_buf(c, &c->sqes, (size_t)q->depth * SQE_LEN, 0);
	if (!c->sqe_mr)
		goto err;
	if (c->srq)
		return 0;
	c->rsp_mr = reg_buf(c, &c->rsps, (size_t)q->depth * CQE_LEN, IBV_ACCESS_LOCAL_WRITE);
	if (!c->rsp_mr)
		goto err;
	what = "posting receive buffers";
	for (uint16_t i = 0; i < q->depth; i++)
		if (post_recv(c, c->rsps + i * CQE_LEN))
			goto err;
	return 0;
err:
	snprintf(err, errlen, "%s: %s", what, strerror(errno ? errno : ENOMEM));
	return -ENOMEM;
}

static int cm_connect(struct rdma_conn *c, int64_t deadline, char *err, size_t errlen)
{
	struct nvmf_queue *q = c->q;
	struct ibv_device_attr da;
	uint8_t priv[CM_REQ_LEN] = { 0 };
	struct rdma_conn_param param = {
		.private_data = priv,
		.private_data_len = sizeof(priv),
		.retry_count = 7,
		.rnr_retry_count = 7,	/* an SRQ may run short for a moment */
		.flow_control = 1,
	};

	if (ibv_query_device(c->id->verbs, &da)) {
		snprintf(err, errlen, "ibv_query_device: %s", strerror(errno));
		return -errno;
	}
	param.responder_resources = (uint8_t)(da.max_qp_rd_atom > 255 ? 255 : da.max_qp_rd_atom);
	param.initiator_depth = (uint8_t)(da.max_qp_init_rd_atom > 255 ? 255 :
					  da.max_qp_init_rd_atom);
	/* RECFMT 0, QID, HRQSIZE (our receive buffers), HSQSIZE (0's based) */
	put_le16(priv + 2, q->qid);
	put_le16(priv + 4, q->depth);
	put_le16(priv + 6, (uint16_t)(q->depth - 1));
	put_le16(priv + 8, 0xffff);
	if (rdma_connect(c->id, &param)) {
		snprintf(err, errlen, "rdma_connect: %s", strerror(errno));
		return -errno;
	}
	return cm_expect(c, RDMA_CM_EVENT_ESTABLISHED, deadline, err, errlen);
}

static void conn_free(struct rdma_conn *c)
{
	struct nvmf_queue *q = c->q;

	if (c->data_mr)
		for (uint16_t i = 0; i < q->depth; i++)
			data_release(c, i);
	if (c->qp_made)
		rdma_destroy_qp(c->id);
	if (c->sqe_mr)
		ibv_dereg_mr(c->sqe_mr);
	if (c->rsp_mr)
		ibv_dereg_mr(c->rsp_mr);
	free(c->sqes);
	free(c->rsps);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->cch)
		ibv_destroy_comp_channel(c->cch);
	if (c->srq)
		srq_put(c->srq);
	if (c->dev)
		dev_put(c->dev);
	if (c->id)
		rdma_destroy_id(c->id);
	if (c->ech)
		rdma_destroy_event_channel(c->ech);
	if (c->kick_fd >= 0)
		close(c->kick_fd);
	free(c->data_mr);
	free(c);
}

static void conn_put(struct rdma_conn *c)
{
	struct nvmf_queue *q = c->q;

	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	if (c->established)
		rdma_disconnect(c->id);
	conn_free(c);
	nvmf_queue_release(q);
	free(q);
}

static int rdma_connect_queue(struct nvmf_queue *q, const struct nvmf_def *d, char *err,
			      size_t errlen)
{
	int64_t deadline = nvmf_now_ms() + NVMF_SETUP_TIMEOUT_MS;
	struct rdma_conn *c = calloc(1, sizeof(*c));
	int ret;

	if (q->dial) {
		snprintf(err, errlen, "NVMe/RDMA has no test dialer");
		free(c);
		return -EOPNOTSUPP;
	}
	if (!c || !(c->data_mr = calloc(q->depth, sizeof(*c->data_mr)))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->q = q;
	c->kick_fd = -1;
	atomic_init(&c->refs, 1);
	atomic_init(&c->closing, false);
	q->tp = c;
	q->icd_max = 0;		/* the core sets the I/O queue's from IOCCSZ */
	c->ech = rdma_create_event_channel();
	if (!c->ech || set_nonblock(c->ech->fd) ||
	    rdma_create_id(c->ech, &c->id, c, RDMA_PS_TCP)) {
		ret = -errno;
		snprintf(err, errlen, "an RDMA CM ID: %s", strerror(errno));
		goto err_free;
	}
	ret = resolve(c, d, deadline, err, errlen);
	if (!ret)
		ret = make_qp(c, d, err, errlen);
	if (!ret)
		ret = cm_connect(c, deadline, err, errlen);
	if (ret) {
		char why[200];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "NVMe/RDMA connection to %s:%s: %s", d->traddr,
			 d->trsvcid, why);
		goto err_free;
	}
	c->established = true;
	/* The I/O queues' receive buffers are what an SRQ is for. */
	if (c->srq)
		log_info("%s: NVMe/RDMA on %s, on shared receive queue %u (%u buffers)",
			 q->name, ibv_get_device_name(c->id->verbs->device), c->srq->id,
			 c->srq->size);
	else
		log_msg(q->qid ? LOG_LVL_INFO : LOG_LVL_DEBUG,
			"%s: NVMe/RDMA on %s, %u receive buffers of its own", q->name,
			ibv_get_device_name(c->id->verbs->device), q->depth);
	return 0;

err_free:
	q->tp = NULL;
	conn_free(c);
	return ret;
}

/* ---- on the io_uring ---- */

static void arm_poll(struct rdma_conn *c, struct rdma_op *op, int fd)
{
	struct io_uring_sqe *sqe;

	if (c->stopping)
		return;
	sqe = ioloop_sqe(c->loop, &op->req);
	if (!sqe) {
		conn_fail(c, "no io_uring entry to wait with");
		return;
	}
	io_uring_prep_poll_add(sqe, fd, POLLIN);
	atomic_fetch_add(&c->refs, 1);
	ioloop_submit(c->loop);
}

/*
 * The owner let go (close()): the connection ends, and the loop's
 * POLL_ADDs and timer are cancelled so their references go.
 */
static void stop(struct rdma_conn *c)
{
	struct rdma_op *polls[] = { &c->cq_op, &c->cm_op };
	struct io_uring_sqe *sqe;

	if (c->stopping)
		return;
	conn_fail(c, "closed");
	c->stopping = true;
	for (size_t i = 0; i < sizeof(polls) / sizeof(polls[0]); i++) {
		sqe = ioloop_sqe(c->loop, &c->cancel_op.req);
		if (!sqe)
			continue;
		io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)&polls[i]->req);
		atomic_fetch_add(&c->refs, 1);
	}
	if (c->timer_armed) {
		sqe = ioloop_sqe(c->loop, &c->cancel_op.req);
		if (sqe) {
			io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)&c->timer_op.req, 0);
			atomic_fetch_add(&c->refs, 1);
		}
	}
	ioloop_submit(c->loop);
}

static void cancel_done(struct ioloop_req *req, int res)
{
	(void)res;
	conn_put(((struct rdma_op *)req)->c);
}

static void cq_ready(struct ioloop_req *req, int res)
{
	struct rdma_conn *c = ((struct rdma_op *)req)->c;

	if (atomic_load(&c->closing))
		stop(c);
	else if (res < 0 && res != -ECANCELED)
		conn_fail(c, "waiting on the completion channel failed");
	else if (res > 0)
		cq_event(c);
	arm_poll(c, &c->cq_op, c->cch->fd);
	conn_put(c);
}

/* The target's side went: disconnected, or the device is gone. */
static void cm_ready(struct ioloop_req *req, int res)
{
	struct rdma_conn *c = ((struct rdma_op *)req)->c;
	struct rdma_cm_event *ev;

	(void)res;
	while (!c->stopping && !rdma_get_cm_event(c->ech, &ev)) {
		if (!c->q->failed) {
			snprintf(c->why, sizeof(c->why), "%s", rdma_event_str(ev->event));
			conn_fail(c, c->why);
		}
		rdma_ack_cm_event(ev);
	}
	if (atomic_load(&c->closing))
		stop(c);
	arm_poll(c, &c->cm_op, c->ech->fd);
	conn_put(c);
}

static void kicked(struct ioloop_req *req, int res)
{
	struct rdma_conn *c = ((struct rdma_op *)req)->c;

	(void)res;
	stop(c);
	conn_put(c);
}

static void arm_timer(struct rdma_conn *c);

/* A command unanswered for io_timeout_ms ends the connection. */
static void timer_done(struct ioloop_req *req, int res)
{
	struct rdma_conn *c = ((struct rdma_op *)req)->c;

	(void)res;
	c->timer_armed = false;
	if (!c->stopping && !c->q->failed &&
	    nvmf_queue_timed_out(c->q, c->why, sizeof(c->why))) {
		conn_fail(c, c->why);
	}
	arm_timer(c);
	conn_put(c);
}

static void arm_timer(struct rdma_conn *c)
{
	struct io_uring_sqe *sqe;

	if (!c->loop || c->stopping || c->timer_armed || c->q->failed || !c->q->active)
		return;
	sqe = ioloop_sqe(c->loop, &c->timer_op.req);
	if (!sqe) {
		conn_fail(c, "no io_uring entry for the command timer");
		return;
	}
	io_uring_prep_timeout(sqe, &c->tick, 0, 0);
	c->timer_armed = true;
	atomic_fetch_add(&c->refs, 1);
	ioloop_submit(c->loop);
}

static int rdma_start(struct nvmf_queue *q, struct ioloop *l)
{
	struct rdma_conn *c = conn_of(q);
	struct io_uring_sqe *sqe;

	if (q->failed)
		return -EIO;
	c->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->kick_fd < 0)
		return -errno;
	c->loop = l;
	c->cq_op = (struct rdma_op){ .req.cb = cq_ready, .c = c };
	c->cm_op = (struct rdma_op){ .req.cb = cm_ready, .c = c };
	c->kick_op = (struct rdma_op){ .req.cb = kicked, .c = c };
	c->timer_op = (struct rdma_op){ .req.cb = timer_done, .c = c };
	c->cancel_op = (struct rdma_op){ .req.cb = cancel_done, .c = c };
	nvmf_queue_tick(q, &c->tick);
	/* The kick's wait ends once: on close(). */
	sqe = ioloop_sqe(l, &c->kick_op.req);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, c->kick_fd, POLLIN);
	atomic_fetch_add(&c->refs, 1);
	arm_poll(c, &c->cq_op, c->cch->fd);
	arm_poll(c, &c->cm_op, c->ech->fd);
	/* What came while nobody waited on the channel. */
	drain_cq(c);
	arm_timer(c);
	return q->failed ? -EIO : 0;
}

/*
 * r's capsule. A write the target takes in-capsule (I/O queues, up to
 * IOCCSZ) goes with it, its data a second SGE registered for local
 * access only; any other data is described by a keyed SGL, registered
 * for that command alone, and the target moves it with RDMA READ/WRITE.
 */
static int rdma_send(struct nvmf_queue *q, struct nvmf_req *r)
{
	struct rdma_conn *c = conn_of(q);
	uint8_t *sqe = c->sqes + (size_t)r->cid * SQE_LEN;
	bool icd = q->qid && r->h2c && r->len && r->len <= q->icd_max;
	struct ibv_sge sge[2] = {
		{ .addr = (uintptr_t)sqe, .length = SQE_LEN, .lkey = c->sqe_mr->lkey },
	};
	struct ibv_send_wr wr = {
		.wr_id = (uint64_t)r->cid << 1 | WR_SEND, .sg_list = sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	struct ibv_mr *mr = NULL;
	int ret;

	if (q->failed)
		return -EIO;
	if (r->len > KEYED_SGL_MAX)
		return -EINVAL;
	if (r->len) {
		mr = ibv_reg_mr(c->dev->pd, r->data, r->len,
				icd ? 0 : r->h2c ? IBV_ACCESS_REMOTE_READ :
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
		if (!mr)
			return -errno;
	}
	memcpy(sqe, r->sqe, SQE_LEN);
	/* PSDT: SGLs; one data block for the whole transfer. */
	sqe[1] = (uint8_t)((sqe[1] & 0x3f) | 0x40);
	memset(sqe + 24, 0, 16);
	if (icd) {
		/* Data Block, Offset subtype: at offset 0 of the capsule's data */
		put_le32(sqe + 32, r->len);
		sqe[39] = SGL_DATA_OFFSET;
		sge[1] = (struct ibv_sge){ .addr = (uintptr_t)r->data, .length = r->len,
					   .lkey = mr->lkey };
		wr.num_sge = 2;
	} else {
		put_le64(sqe + 24, mr ? (uintptr_t)r->data : 0);
		put_le32(sqe + 32, r->len);	/* 3 bytes; the key overwrites the 4th */
		put_le32(sqe + 35, mr ? mr->rkey : 0);
		sqe[39] = SGL_KEYED_ADDR;
	}
	c->data_mr[r->cid] = mr;
	r->tx_refs = 1;
	ret = ibv_post_send(c->id->qp, &wr, &bad);
	if (ret) {
		r->tx_refs = 0;
		data_release(c, r->cid);
		return -ret;
	}
	arm_timer(c);
	return 0;
}

static void rdma_abort(struct nvmf_queue *q, const char *why)
{
	conn_fail(conn_of(q), why);
}

static void rdma_close(struct nvmf_queue *q)
{
	struct rdma_conn *c = conn_of(q);
	uint64_t one = 1;

	if (!c) {
		nvmf_queue_release(q);
		free(q);
		return;
	}
	atomic_store(&c->closing, true);
	if (c->loop && write(c->kick_fd, &one, sizeof(one)) != sizeof(one))
		log_err("%s: waking its thread to close: %s", q->name, strerror(errno));
	conn_put(c);
}

const struct nvmf_transport_ops nvmf_rdma_ops = {
	.name = "rdma",
	.connect = rdma_connect_queue,
	.send = rdma_send,
	.wait = rdma_wait,
	.start = rdma_start,
	.abort = rdma_abort,
	.close = rdma_close,
};
