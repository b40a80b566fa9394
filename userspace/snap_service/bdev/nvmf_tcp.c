// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe/TCP, the host side: ICReq/ICResp, command capsules (small writes
 * carry their data in-capsule, larger ones wait for R2T and answer with
 * H2CData), C2HData (with or without SUCCESS), CapsuleResp and C2HTermReq.
 *
 * A queue is set up blocking (bounded by a deadline, poll()), then started
 * on its thread's io_uring: one RECV always armed while the connection
 * lives, and one SENDMSG at a time carrying as many queued PDUs as fit.
 * Anything malformed from the target ends the connection: the reason is
 * logged, an H2CTermReq is sent when the stream is at a PDU boundary, and
 * every outstanding command fails (nvmf_queue_fail()).
 *
 * Header and data digests (CRC-32C) are asked for in the ICReq when the
 * definition says so; the target must enable exactly those. A PDU whose
 * digest flags disagree with that, or whose digest is wrong, is malformed.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../ioloop.h"
#include "../log.h"
#include "crc32c.h"
#include "nvmf.h"

enum {
	PDU_ICREQ = 0x00,
	PDU_ICRESP = 0x01,
	PDU_H2C_TERM = 0x02,
	PDU_C2H_TERM = 0x03,
	PDU_CMD = 0x04,
	PDU_RSP = 0x05,
	PDU_H2C_DATA = 0x06,
	PDU_C2H_DATA = 0x07,
	PDU_R2T = 0x09,
};

#define F_HDGST		0x01
#define F_DDGST		0x02
#define F_DATA_LAST	0x04
#define F_DATA_SUCCESS	0x08

/* Fatal Error Status of a TermReq */
#define FES_INVALID_HEADER	0x01
#define FES_PDU_SEQUENCE	0x02
#define FES_HDGST		0x03
#define FES_OUT_OF_RANGE	0x04
#define FES_R2T_LIMIT		0x05
#define FES_UNSUPPORTED		0x06

#define CMD_HLEN	72
#define SHORT_HLEN	24
#define IC_HLEN		128
#define TERM_MAX_DATA	128
#define RXBUF_SIZE	(64u << 10)
#define TX_IOV		96	/* 3 a PDU: header, data, data digest */
#define DGST_LEN	4u

struct tcp_tx {
	struct tcp_tx *next;
	struct nvmf_req *req;	/* whose data it carries; NULL: the connection's */
	uint8_t hdr[IC_HLEN];
	uint32_t hlen;		/* bytes of hdr: the header and its digest */
	const uint8_t *data;
	uint32_t dlen;
	uint8_t ddgst[DGST_LEN];
	uint32_t ddlen;		/* 0, or DGST_LEN with data digests on */
};

struct tcp_req {
	struct tcp_tx cmd, h2c;
};

enum rx_state { RX_CH, RX_PSH, RX_PAD, RX_DATA, RX_DDGST };

struct tcp_conn;

struct tcp_op {
	struct ioloop_req req;
	struct tcp_conn *c;
};

struct tcp_conn {
	struct nvmf_queue *q;
	int fd;
	struct tcp_req *treqs;	/* by command ID */
	struct tcp_tx icreq;
	/* sending */
	struct tcp_tx *tx_head, *tx_tail;
	uint32_t tx_off;	/* bytes of tx_head already sent */
	unsigned int tx_flight;	/* PDUs from tx_head in the send in flight */
	bool tx_busy;
	struct iovec iov[TX_IOV];
	struct msghdr msg;
	/* receiving */
	uint8_t *rxbuf;
	enum rx_state rx;
	uint8_t hdr[IC_HLEN + DGST_LEN];
	uint32_t hdr_got;
	uint32_t psh_len;	/* header bytes with the header digest */
	uint32_t pad_left, data_left;
	uint32_t data_crc;
	uint8_t rx_ddgst[DGST_LEN];
	uint32_t ddgst_got;
	struct nvmf_req *data_req;
	uint8_t data_flags;
	/* digests asked for (and, once icresp, enabled) */
	bool hdgst, ddgst;
	/* what the target said in its ICResp */
	bool icresp;
	uint8_t cpda;
	uint32_t maxh2cdata;
	/* why the parser gave up; fes 0: no H2CTermReq (the target's own) */
	uint8_t fes;
	char why[200];
	/* once started */
	struct ioloop *loop;
	struct tcp_op rx_op, tx_op, timer_op;
	struct __kernel_timespec tick;	/* how often commands' age is checked */
	bool timer_armed;
	atomic_uint refs;
	atomic_bool closing;
};

static void set_ch(uint8_t *h, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo,
		   uint32_t plen)
{
	h[0] = type;
	h[1] = flags;
	h[2] = hlen;
	h[3] = pdo;
	put_le32(h + 4, plen);
}

static struct tcp_conn *conn_of(struct nvmf_queue *q)
{
	return q->tp;
}

static void conn_put(struct tcp_conn *c)
{
	struct nvmf_queue *q = c->q;

	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->treqs);
	free(c->rxbuf);
	nvmf_queue_release(q);
	free(q);
	free(c);
}

/* ---- sending ---- */

static void tx_push(struct tcp_conn *c, struct tcp_tx *t)
{
	t->next = NULL;
	if (c->tx_tail)
		c->tx_tail->next = t;
	else
		c->tx_head = t;
	c->tx_tail = t;
	if (t->req)
		t->req->tx_refs++;
}

static struct tcp_tx *tx_pop(struct tcp_conn *c)
{
	struct tcp_tx *t = c->tx_head;

	c->tx_head = t->next;
	if (!c->tx_head)
		c->tx_tail = NULL;
	return t;
}

/* r's completion came: it ends once no PDU of it is left to send. */
static void req_answer(struct tcp_conn *c, struct nvmf_req *r, int status, uint32_t dw0,
		       uint32_t dw1)
{
	if (r->tx_refs) {
		r->answered = true;
		r->status = status;
		r->dw0 = dw0;
		r->dw1 = dw1;
		return;
	}
	nvmf_req_end(c->q, r, status, dw0, dw1);
}

static void tx_kick(struct tcp_conn *c);

/*
 * Completes t, whose header (hlen bytes) and data are set: the digests the
 * connection uses, the data offset and the PDU length.
 */
static void finish_pdu(struct tcp_conn *c, struct tcp_tx *t, uint8_t hlen)
{
	uint32_t hd = c->hdgst ? DGST_LEN : 0;

	t->ddlen = c->ddgst && t->dlen ? DGST_LEN : 0;
	t->hdr[1] |= (hd ? F_HDGST : 0) | (t->ddlen ? F_DDGST : 0);
	t->hdr[2] = hlen;
	t->hdr[3] = t->dlen ? (uint8_t)(hlen + hd) : 0;
	put_le32(t->hdr + 4, hlen + hd + t->dlen + t->ddlen);
	t->hlen = hlen + hd;
	if (hd)
		put_le32(t->hdr + hlen, crc32c(0, t->hdr, hlen));
	if (t->ddlen)
		put_le32(t->ddgst, crc32c(0, t->data, t->dlen));
}

/* The next H2CData PDU of r's current R2T. */
static void queue_h2c(struct tcp_conn *c, struct nvmf_req *r)
{
	struct tcp_tx *t = &c->treqs[r->cid].h2c;
	uint32_t len = r->h2c_end - r->h2c_next;

	if (len > c->maxh2cdata)
		len = c->maxh2cdata;
	memset(t->hdr, 0, SHORT_HLEN);
	set_ch(t->hdr, PDU_H2C_DATA, r->h2c_next + len == r->h2c_end ? F_DATA_LAST : 0,
	       SHORT_HLEN, 0, 0);
	put_le16(t->hdr + 8, r->cid);
	put_le16(t->hdr + 10, r->ttag);
	put_le32(t->hdr + 12, r->h2c_next);
	put_le32(t->hdr + 16, len);
	t->req = r;
	t->data = (const uint8_t *)r->data + r->h2c_next;
	t->dlen = len;
	finish_pdu(c, t, SHORT_HLEN);
	r->h2c_next += len;
	tx_push(c, t);
}

/* t is on the wire (or dropped with its connection). */
static void tx_done(struct tcp_conn *c, struct tcp_tx *t)
{
	struct nvmf_req *r = t->req;

	if (!r)
		return;
	r->tx_refs--;
	if (t == &c->treqs[r->cid].h2c && !c->q->failed && r->h2c_next < r->h2c_end) {
		queue_h2c(c, r);
		return;
	}
	if (r->answered && !r->tx_refs)
		nvmf_req_end(c->q, r, r->status, r->dw0, r->dw1);
}

/* n bytes from the head of the queue went out. */
static void tx_consume(struct tcp_conn *c, size_t n)
{
	while (n && c->tx_head) {
		struct tcp_tx *t = c->tx_head;
		size_t left = t->hlen + t->dlen + t->ddlen - c->tx_off;

		if (n < left) {
			c->tx_off += (uint32_t)n;
			return;
		}
		n -= left;
		c->tx_off = 0;
		tx_pop(c);
		tx_done(c, t);
	}
}

/* Drops what is queued but not in flight (the connection is gone). */
static void tx_drop(struct tcp_conn *c)
{
	struct tcp_tx *keep = NULL, *t;
	unsigned int n = 0;

	if (c->tx_busy) {
		keep = c->tx_head;
		for (n = 1; keep && n < c->tx_flight; n++)
			keep = keep->next;
	}
	t = keep ? keep->next : c->tx_head;
	if (keep) {
		keep->next = NULL;
		c->tx_tail = keep;
	} else {
		c->tx_head = c->tx_tail = NULL;
		c->tx_off = 0;
	}
	while (t) {
		struct tcp_tx *next = t->next;

		tx_done(c, t);
		t = next;
	}
}

/* The iovecs of the queued PDUs, from where the last send stopped. */
static size_t tx_build(struct tcp_conn *c, unsigned int *pdus)
{
	size_t n = 0;
	uint32_t off = c->tx_off;

	*pdus = 0;
	for (struct tcp_tx *t = c->tx_head; t && n + 3 <= TX_IOV; t = t->next) {
		const uint8_t *seg[3] = { t->hdr, t->data, t->ddgst };
		uint32_t len[3] = { t->hlen, t->dlen, t->ddlen };

		for (int i = 0; i < 3; i++) {
			if (off >= len[i]) {
				off -= len[i];
				continue;
			}
			c->iov[n].iov_base = (void *)(seg[i] + off);
			c->iov[n++].iov_len = len[i] - off;
			off = 0;
		}
		(*pdus)++;
	}
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.msg_iov = c->iov;
	c->msg.msg_iovlen = n;
	return n;
}

/* Best effort, at a PDU boundary only: the target learns why we leave. */
static void send_term_req(struct tcp_conn *c)
{
	uint8_t pdu[SHORT_HLEN + TERM_MAX_DATA] = { 0 };
	uint32_t hdr = c->hdr_got > TERM_MAX_DATA ? TERM_MAX_DATA : c->hdr_got;

	if (!c->fes || c->tx_busy || c->tx_off || c->fd < 0)
		return;
	set_ch(pdu, PDU_H2C_TERM, 0, SHORT_HLEN, 0, SHORT_HLEN + hdr);
	put_le16(pdu + 8, c->fes);
	memcpy(pdu + SHORT_HLEN, c->hdr, hdr);
	if (send(c->fd, pdu, SHORT_HLEN + hdr, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("%s: H2CTermReq not sent: %s", c->q->name, strerror(errno));
}

static void conn_fail(struct tcp_conn *c, const char *why)
{
	struct nvmf_queue *q = c->q;

	if (q->failed)
		return;
	if (atomic_load(&c->closing))
		q->closing = true;
	send_term_req(c);
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	nvmf_queue_fail(q, why);
	tx_drop(c);
}

static int proto_err(struct tcp_conn *c, uint8_t fes, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int proto_err(struct tcp_conn *c, uint8_t fes, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->fes = fes;
	return -EPROTO;
}

/* ---- receiving ---- */

static uint8_t want_hlen(uint8_t type)
{
	switch (type) {
	case PDU_ICRESP:
		return IC_HLEN;
	case PDU_C2H_TERM:
	case PDU_RSP:
	case PDU_C2H_DATA:
	case PDU_R2T:
		return SHORT_HLEN;
	default:
		return 0;
	}
}

/* The digest flags a PDU of type must carry on this connection. */
static uint8_t digest_flags(const struct tcp_conn *c, uint8_t type)
{
	if (type == PDU_ICRESP || type == PDU_C2H_TERM)
		return 0;
	return (c->hdgst ? F_HDGST : 0) | (c->ddgst && type == PDU_C2H_DATA ? F_DDGST : 0);
}

/* The common header: type, lengths and flags agree. */
static int check_ch(struct tcp_conn *c)
{
	uint8_t type = c->hdr[0], flags = c->hdr[1], hlen = c->hdr[2], pdo = c->hdr[3];
	uint32_t plen = get_le32(c->hdr + 4), want = want_hlen(type);

	if (!want)
		return proto_err(c, FES_INVALID_HEADER, "unexpected PDU type 0x%02x", type);
	if (!c->icresp && type != PDU_ICRESP && type != PDU_C2H_TERM)
		return proto_err(c, FES_PDU_SEQUENCE, "PDU type 0x%02x before ICResp", type);
	if (c->icresp && type == PDU_ICRESP)
		return proto_err(c, FES_PDU_SEQUENCE, "a second ICResp");
	if (hlen != want)
		return proto_err(c, FES_INVALID_HEADER,
				 "PDU type 0x%02x: header length %u, want %u", type, hlen,
				 (unsigned int)want);
	want = digest_flags(c, type);
	if ((flags & (F_HDGST | F_DDGST)) != want)
		return proto_err(c, FES_INVALID_HEADER,
				 "PDU type 0x%02x: digest flags 0x%x, want 0x%x", type,
				 flags & (F_HDGST | F_DDGST), want);
	c->psh_len = hlen + (flags & F_HDGST ? DGST_LEN : 0);
	if (type == PDU_C2H_DATA) {
		uint32_t align = 4u * (c->cpda + 1u);
		uint32_t want_pdo = c->cpda ? (c->psh_len + align - 1) / align * align :
				    c->psh_len;

		if (pdo != want_pdo || plen <= pdo + (flags & F_DDGST ? DGST_LEN : 0))
			return proto_err(c, FES_INVALID_HEADER,
					 "C2HData: data offset %u, length %u (want offset %u)",
					 pdo, plen, want_pdo);
	} else if (pdo) {
		return proto_err(c, FES_INVALID_HEADER, "PDU type 0x%02x: data offset %u",
				 type, pdo);
	} else if (type == PDU_C2H_TERM ? plen < hlen || plen > hlen + (uint32_t)TERM_MAX_DATA :
		   plen != c->psh_len) {
		return proto_err(c, FES_INVALID_HEADER, "PDU type 0x%02x: length %u",
				 type, plen);
	}
	c->rx = RX_PSH;
	return 0;
}

static int on_icresp(struct tcp_conn *c)
{
	uint32_t maxh2c = get_le32(c->hdr + 12);
	uint8_t want = (c->hdgst ? 1 : 0) | (c->ddgst ? 2 : 0);

	if (get_le16(c->hdr + 8))
		return proto_err(c, FES_UNSUPPORTED, "ICResp: PDU format version %u",
				 get_le16(c->hdr + 8));
	if (c->hdr[10] > 31)
		return proto_err(c, FES_INVALID_HEADER, "ICResp: CPDA %u", c->hdr[10]);
	if (c->hdr[11] != want)
		return proto_err(c, FES_UNSUPPORTED,
				 "ICResp: digests 0x%x enabled, 0x%x asked for (1 header, 2 data)",
				 c->hdr[11], want);
	if (maxh2c < 4096 || maxh2c % 4)
		return proto_err(c, FES_INVALID_HEADER, "ICResp: MAXH2CDATA %u", maxh2c);
	c->icresp = true;
	c->cpda = c->hdr[10];
	c->maxh2cdata = maxh2c;
	return 0;
}

static int on_capsule_resp(struct tcp_conn *c)
{
	const uint8_t *cqe = c->hdr + 8;
	uint16_t cid = get_le16(cqe + 12);
	int status = (get_le16(cqe + 14) >> 1) & 0x7ff;
	struct nvmf_req *r = nvmf_queue_req(c->q, cid);

	if (!r || r->answered)
		return proto_err(c, FES_INVALID_HEADER,
				 "CapsuleResp for command %u, which is not outstanding", cid);
	if (!status && !r->h2c && r->c2h_got != r->len)
		return proto_err(c, FES_PDU_SEQUENCE,
				 "command %u succeeded after %u of its %u bytes", cid,
				 r->c2h_got, r->len);
	req_answer(c, r, status, get_le32(cqe), get_le32(cqe + 4));
	return 0;
}

static int on_c2h_data(struct tcp_conn *c)
{
	uint8_t flags = c->hdr[1];
	uint16_t cid = get_le16(c->hdr + 8);
	uint32_t off = get_le32(c->hdr + 12), len = get_le32(c->hdr + 16);
	uint32_t plen = get_le32(c->hdr + 4), pdo = c->hdr[3];
	struct nvmf_req *r = nvmf_queue_req(c->q, cid);

	if (!r || r->answered || r->h2c || !r->len)
		return proto_err(c, FES_INVALID_HEADER,
				 "C2HData for command %u, which reads nothing", cid);
	if (!len || plen - pdo - (c->ddgst ? DGST_LEN : 0) != len)
		return proto_err(c, FES_INVALID_HEADER,
				 "C2HData: %u bytes of data in a %u-byte PDU", len, plen);
	if (off != r->c2h_got)
		return proto_err(c, FES_PDU_SEQUENCE,
				 "C2HData for command %u at offset %u, want %u", cid, off,
				 r->c2h_got);
	if ((uint64_t)off + len > r->len)
		return proto_err(c, FES_OUT_OF_RANGE,
				 "C2HData [%u, %llu) beyond command %u's %u bytes", off,
				 (unsigned long long)off + len, cid, r->len);
	if ((flags & F_DATA_SUCCESS) &&
	    (!(flags & F_DATA_LAST) || off + len != r->len))
		return proto_err(c, FES_INVALID_HEADER,
				 "C2HData with SUCCESS before the last of command %u's data",
				 cid);
	c->data_req = r;
	c->data_flags = flags;
	c->data_left = len;
	c->pad_left = pdo - c->psh_len;
	c->data_crc = 0;
	c->rx = c->pad_left ? RX_PAD : RX_DATA;
	return 0;
}

static int on_r2t(struct tcp_conn *c)
{
	uint16_t cid = get_le16(c->hdr + 8);
	uint32_t off = get_le32(c->hdr + 12), len = get_le32(c->hdr + 16);
	struct nvmf_req *r = nvmf_queue_req(c->q, cid);

	if (!r || r->answered || !r->h2c || r->len <= c->q->icd_max || !len)
		return proto_err(c, FES_INVALID_HEADER,
				 "R2T for command %u, which has no data to ask for", cid);
	if (r->h2c_next != r->h2c_end)
		return proto_err(c, FES_R2T_LIMIT,
				 "R2T for command %u while one is being served", cid);
	if (off != r->h2c_end || (uint64_t)off + len > r->len)
		return proto_err(c, FES_OUT_OF_RANGE,
				 "R2T for [%u, %llu) of command %u's %u bytes (next %u)", off,
				 (unsigned long long)off + len, cid, r->len, r->h2c_end);
	r->ttag = get_le16(c->hdr + 10);
	r->h2c_end = off + len;
	queue_h2c(c, r);
	tx_kick(c);	/* setup's wait loop sends it otherwise */
	return 0;
}

/* The PDU-specific header is in: act on it, or say what is wrong. */
static int on_header(struct tcp_conn *c)
{
	uint8_t hlen = c->hdr[2];
	int ret;

	c->rx = RX_CH;
	if (c->psh_len > hlen && get_le32(c->hdr + hlen) != crc32c(0, c->hdr, hlen))
		return proto_err(c, FES_HDGST, "PDU type 0x%02x: header digest mismatch",
				 c->hdr[0]);
	switch (c->hdr[0]) {
	case PDU_ICRESP:
		ret = on_icresp(c);
		break;
	case PDU_C2H_TERM:
		snprintf(c->why, sizeof(c->why),
			 "the target ended the connection (C2HTermReq, status 0x%x)",
			 get_le16(c->hdr + 8));
		c->fes = 0;
		return -ECONNRESET;
	case PDU_RSP:
		ret = on_capsule_resp(c);
		break;
	case PDU_C2H_DATA:
		ret = on_c2h_data(c);
		break;
	default:	/* R2T: check_ch() let no other type through */
		ret = on_r2t(c);
		break;
	}
	if (!ret && c->rx == RX_CH)
		c->hdr_got = 0;
	return ret;
}

static void on_data_end(struct tcp_conn *c)
{
	struct nvmf_req *r = c->data_req;

	c->rx = RX_CH;
	c->hdr_got = 0;
	c->data_req = NULL;
	if (c->data_flags & F_DATA_SUCCESS)
		req_answer(c, r, 0, 0, 0);
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Takes n more bytes of the stream; 0, or -errno with c->why set.
 * Nothing once the queue failed, here or from elsewhere (an abort, the
 * timer, a send, even one a completion made in this very call): its
 * requests ended with the connection, and bytes received with or after
 * that are theirs no more. Copied on, a C2HData would write into an I/O
 * buffer its owner has back, and end its request a second time.
 */
static int rx_feed(struct tcp_conn *c, const uint8_t *p, size_t n)
{
	while (n && !c->q->failed) {
		size_t take;
		int ret;

		switch (c->rx) {
		case RX_CH:
		case RX_PSH: {
			uint32_t need = c->rx == RX_CH ? 8 : c->psh_len;

			take = min_size(need - c->hdr_got, n);
			memcpy(c->hdr + c->hdr_got, p, take);
			c->hdr_got += (uint32_t)take;
			if (c->hdr_got == need) {
				ret = c->rx == RX_CH ? check_ch(c) : on_header(c);
				if (ret)
					return ret;
			}
			break;
		}
		case RX_PAD:
			take = min_size(c->pad_left, n);
			c->pad_left -= (uint32_t)take;
			if (!c->pad_left)
				c->rx = RX_DATA;
			break;
		case RX_DATA: {
			struct nvmf_req *r = c->data_req;

			take = min_size(c->data_left, n);
			memcpy((uint8_t *)r->data + r->c2h_got, p, take);
			if (c->ddgst)
				c->data_crc = crc32c(c->data_crc, p, take);
			r->c2h_got += (uint32_t)take;
			c->data_left -= (uint32_t)take;
			if (c->data_left)
				break;
			if (!c->ddgst) {
				on_data_end(c);
				break;
			}
			c->rx = RX_DDGST;
			c->ddgst_got = 0;
			break;
		}
		default:
			take = min_size(DGST_LEN - c->ddgst_got, n);
			memcpy(c->rx_ddgst + c->ddgst_got, p, take);
			c->ddgst_got += (uint32_t)take;
			if (c->ddgst_got < DGST_LEN)
				break;
			if (get_le32(c->rx_ddgst) != c->data_crc)
				return proto_err(c, 0, "C2HData for command %u: data digest mismatch",
						 c->data_req->cid);
			on_data_end(c);
			break;
		}
		p += take;
		n -= take;
	}
	return 0;
}

int nvmf_tcp_rx_feed(struct nvmf_queue *q, const void *p, size_t n)
{
	struct tcp_conn *c = conn_of(q);
	int ret;

	if (q->failed)
		return -EIO;
	ret = rx_feed(c, p, n);
	if (ret)
		conn_fail(c, c->why);
	return ret;
}

/* ---- blocking setup ---- */

static int64_t now_ms(void)
{
	return nvmf_now_ms();
}

static int poll_until(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left = deadline - now_ms();
	int ret;

	if (left <= 0)
		return -ETIMEDOUT;
	ret = poll(&pfd, 1, (int)left);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	return ret ? 0 : -ETIMEDOUT;
}

static int sync_flush(struct tcp_conn *c, int64_t deadline)
{
	while (c->tx_head && !c->q->failed) {
		unsigned int pdus;
		ssize_t n;

		tx_build(c, &pdus);
		n = sendmsg(c->fd, &c->msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			int ret = poll_until(c->fd, POLLOUT, deadline);

			if (ret)
				return ret;
			continue;
		}
		if (n < 0) {
			int ret = -errno;

			conn_fail(c, strerror(-ret));
			return ret;
		}
		tx_consume(c, (size_t)n);
	}
	return c->q->failed ? -EIO : 0;
}

/* Until r ended (r NULL: until the ICResp came) or the deadline. */
static int sync_wait(struct tcp_conn *c, struct nvmf_req *r, int64_t deadline)
{
	while (r ? r->active : !c->icresp) {
		ssize_t n;
		int ret;

		if (c->q->failed)
			return r ? 0 : -EIO;
		ret = sync_flush(c, deadline);
		if (!ret)
			ret = poll_until(c->fd, POLLIN, deadline);
		if (ret)
			return ret;
		n = recv(c->fd, c->rxbuf, RXBUF_SIZE, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (n <= 0) {
			conn_fail(c, n ? strerror(errno) : "the target closed the connection");
			continue;
		}
		if (rx_feed(c, c->rxbuf, (size_t)n))
			conn_fail(c, c->why);
	}
	return 0;
}

static int tcp_wait(struct nvmf_queue *q, struct nvmf_req *r, int timeout_ms)
{
	return sync_wait(conn_of(q), r, now_ms() + timeout_ms);
}

static int dial(const struct nvmf_def *d, int64_t deadline, char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = strcmp(d->adrfam, "ipv6") ? AF_INET : AF_INET6,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai;
	int fd, ret, one = 1;
	socklen_t len = sizeof(ret);

	ret = getaddrinfo(d->traddr, d->trsvcid, &hints, &ai);
	if (ret) {
		snprintf(err, errlen, "%s:%s: %s", d->traddr, d->trsvcid, gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ret = connect(fd, ai->ai_addr, ai->ai_addrlen) ? -errno : 0;
	if (ret == -EINPROGRESS) {
		ret = poll_until(fd, POLLOUT, deadline);
		if (!ret && getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &len))
			ret = errno;
		ret = ret > 0 ? -ret : ret;
	}
out:
	freeaddrinfo(ai);
	if (ret) {
		snprintf(err, errlen, "connecting to %s:%s: %s", d->traddr, d->trsvcid,
			 strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	return fd;
}

static int tcp_connect(struct nvmf_queue *q, const struct nvmf_def *d, char *err,
		       size_t errlen)
{
	int64_t deadline = now_ms() + NVMF_SETUP_TIMEOUT_MS;
	struct tcp_conn *c = calloc(1, sizeof(*c));
	int ret;

	if (!c || !(c->treqs = calloc(q->depth, sizeof(*c->treqs))) ||
	    !(c->rxbuf = malloc(RXBUF_SIZE))) {
		if (c)
			free(c->treqs);
		free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->q = q;
	atomic_init(&c->refs, 1);
	atomic_init(&c->closing, false);
	c->fd = q->dial ? q->dial(q->dial_ctx, d) : dial(d, deadline, err, errlen);
	if (c->fd < 0) {
		ret = c->fd;
		if (q->dial)
			snprintf(err, errlen, "connecting: %s", strerror(-ret));
		goto err_free;
	}
	q->tp = c;
	c->hdgst = d->hdgst;
	c->ddgst = d->ddgst;
	set_ch(c->icreq.hdr, PDU_ICREQ, 0, IC_HLEN, 0, IC_HLEN);
	/* PFV 0, HPDA 0, MAXR2T 0 (one R2T at a time) */
	c->icreq.hdr[11] = (c->hdgst ? 1 : 0) | (c->ddgst ? 2 : 0);
	c->icreq.hlen = IC_HLEN;
	tx_push(c, &c->icreq);
	ret = sync_flush(c, deadline);
	if (!ret)
		ret = sync_wait(c, NULL, deadline);
	if (ret) {
		snprintf(err, errlen, "NVMe/TCP connection setup with %s:%s: %s", d->traddr,
			 d->trsvcid, q->failed && c->why[0] ? c->why : strerror(-ret));
		close(c->fd);
		q->tp = NULL;
		goto err_free;
	}
	return 0;

err_free:
	free(c->treqs);
	free(c->rxbuf);
	free(c);
	return ret;
}

/* ---- on the io_uring ---- */

static void arm_recv(struct tcp_conn *c);

static void tx_complete(struct ioloop_req *req, int res)
{
	struct tcp_conn *c = ((struct tcp_op *)req)->c;

	c->tx_busy = false;
	if (atomic_load(&c->closing)) {
		conn_fail(c, "closed");
	} else if (res < 0) {
		conn_fail(c, strerror(-res));
	} else {
		tx_consume(c, (size_t)res);
		c->tx_flight = 0;
	}
	if (c->q->failed)
		tx_drop(c);
	else
		tx_kick(c);
	conn_put(c);
}

static void tx_kick(struct tcp_conn *c)
{
	struct io_uring_sqe *sqe;

	if (!c->loop || c->tx_busy || !c->tx_head || c->q->failed)
		return;
	sqe = ioloop_sqe(c->loop, &c->tx_op.req);
	if (!sqe) {
		conn_fail(c, "no io_uring entry to send with");
		return;
	}
	tx_build(c, &c->tx_flight);
	io_uring_prep_sendmsg(sqe, c->fd, &c->msg, MSG_NOSIGNAL);
	c->tx_busy = true;
	atomic_fetch_add(&c->refs, 1);
	ioloop_submit(c->loop);
}

static void rx_complete(struct ioloop_req *req, int res)
{
	struct tcp_conn *c = ((struct tcp_op *)req)->c;

	if (atomic_load(&c->closing))
		conn_fail(c, "closed");
	else if (res <= 0)
		conn_fail(c, res ? strerror(-res) : "the target closed the connection");
	else if (rx_feed(c, c->rxbuf, (size_t)res))
		conn_fail(c, c->why);
	if (!c->q->failed)
		arm_recv(c);
	conn_put(c);
}

static void arm_recv(struct tcp_conn *c)
{
	struct io_uring_sqe *sqe = ioloop_sqe(c->loop, &c->rx_op.req);

	if (!sqe) {
		conn_fail(c, "no io_uring entry to receive with");
		return;
	}
	io_uring_prep_recv(sqe, c->fd, c->rxbuf, RXBUF_SIZE, 0);
	atomic_fetch_add(&c->refs, 1);
	ioloop_submit(c->loop);
}

static void arm_timer(struct tcp_conn *c);

/*
 * While commands are outstanding, their age is checked every tick: one
 * the target has not answered in io_timeout_ms ends the connection, so a
 * target that goes silent fails its I/O instead of holding it forever.
 */
static void timer_complete(struct ioloop_req *req, int res)
{
	struct tcp_conn *c = ((struct tcp_op *)req)->c;

	(void)res;
	c->timer_armed = false;
	if (!atomic_load(&c->closing) && !c->q->failed &&
	    nvmf_queue_timed_out(c->q, c->why, sizeof(c->why))) {
		c->fes = 0;
		conn_fail(c, c->why);
	}
	if (!atomic_load(&c->closing))
		arm_timer(c);
	conn_put(c);
}

static void arm_timer(struct tcp_conn *c)
{
	struct io_uring_sqe *sqe;

	if (!c->loop || c->timer_armed || c->q->failed || !c->q->active)
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

static int tcp_start(struct nvmf_queue *q, struct ioloop *l)
{
	struct tcp_conn *c = conn_of(q);

	if (q->failed)
		return -EIO;
	c->loop = l;
	c->rx_op = (struct tcp_op){ .req.cb = rx_complete, .c = c };
	c->tx_op = (struct tcp_op){ .req.cb = tx_complete, .c = c };
	c->timer_op = (struct tcp_op){ .req.cb = timer_complete, .c = c };
	nvmf_queue_tick(q, &c->tick);
	arm_recv(c);
	tx_kick(c);
	return q->failed ? -EIO : 0;
}

static int tcp_send(struct nvmf_queue *q, struct nvmf_req *r)
{
	struct tcp_conn *c = conn_of(q);
	struct tcp_tx *t = &c->treqs[r->cid].cmd;
	bool icd = r->h2c && r->len && r->len <= q->icd_max;
	uint8_t *sqe = t->hdr + 8;

	if (q->failed)
		return -EIO;
	set_ch(t->hdr, PDU_CMD, 0, CMD_HLEN, 0, 0);
	memcpy(sqe, r->sqe, 64);
	/* One SGL data block: the capsule's own data, or the transport's. */
	sqe[1] = (uint8_t)((sqe[1] & 0x3f) | 0x40);
	memset(sqe + 24, 0, 16);
	put_le32(sqe + 32, r->len);
	sqe[39] = icd ? 0x01 : 0x5a;
	t->req = r;
	t->data = icd ? r->data : NULL;
	t->dlen = icd ? r->len : 0;
	finish_pdu(c, t, CMD_HLEN);
	r->h2c_next = r->h2c_end = 0;
	tx_push(c, t);
	if (!c->loop)
		return sync_flush(c, now_ms() + NVMF_SETUP_TIMEOUT_MS) == -ETIMEDOUT ?
		       -ETIMEDOUT : 0;
	tx_kick(c);
	arm_timer(c);
	return 0;
}

static void tcp_abort(struct nvmf_queue *q, const char *why)
{
	struct tcp_conn *c = conn_of(q);

	c->fes = 0;	/* not the target's fault: no H2CTermReq */
	conn_fail(c, why);
}

static void tcp_close(struct nvmf_queue *q)
{
	struct tcp_conn *c = conn_of(q);

	if (!c) {
		nvmf_queue_release(q);
		free(q);
		return;
	}
	atomic_store(&c->closing, true);
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	conn_put(c);
}

const struct nvmf_transport_ops nvmf_tcp_ops = {
	.name = "tcp",
	.connect = tcp_connect,
	.send = tcp_send,
	.wait = tcp_wait,
	.start = tcp_start,
	.abort = tcp_abort,
	.close = tcp_close,
};
