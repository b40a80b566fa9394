// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe/TCP initiator against a small fake target on socketpairs: the
 * setup (ICReq, Connect, CAP/CC/CSTS, Identify), I/O both ways (in-capsule
 * writes, R2T/H2CData, C2HData with and without SUCCESS, commands split
 * by MDTS, more I/O than command IDs), and every kind of malformed PDU the
 * target can send: each must end the connection, fail the outstanding I/O
 * with -EIO, and leave the bdev failing new I/O, never hanging or crashing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../snap_service/bdev/crc32c.h"
#include "../snap_service/bdev/nvmf.h"
#include "../snap_service/ioloop.h"
#include "nvmf_def.h"
#include "bdev_harness.h"

#define DISK_BLOCKS	2048u
#define MAX_CONN	16
#define STASH		64	/* the initiator's queue depth (MQES 63) */
#define PDU_MAX		(72 + 9216)
#define BS		512u
#define DEF "ctrlr=T trtype=tcp adrfam=ipv4 traddr=127.0.0.1 trsvcid=4420 " \
	    "subnqn=nqn.2024-01.io.test:t nsid=1"

/* What the fake target does wrong, on the I/O queue's first read or write. */
enum fault {
	FAULT_NONE,
	FAULT_C2H_BEYOND,	/* C2HData past the command's end */
	FAULT_C2H_BAD_PLEN,	/* PDU length disagrees with the data length */
	FAULT_C2H_WRONG_OFFSET,	/* data out of order */
	FAULT_UNKNOWN_TYPE,
	FAULT_BAD_HLEN,		/* a CapsuleResp with a 32-byte header */
	FAULT_DIGEST_FLAG,	/* a header digest nobody negotiated */
	FAULT_UNKNOWN_CID,	/* a CapsuleResp for no command */
	FAULT_TERM_REQ,		/* the target gives up (C2HTermReq) */
	FAULT_CLOSE,		/* the target just closes */
	FAULT_R2T_BEYOND,	/* an R2T past the write's end */
	FAULT_SUCCESS_EARLY,	/* SUCCESS on a C2HData that is not the last */
	FAULT_BAD_HDGST,	/* a CapsuleResp whose header digest is wrong */
	FAULT_BAD_DDGST,	/* a C2HData whose data digest is wrong */
	FAULT_R2T_CLOSE,	/* an R2T, then a close under the H2CData */
	FAULT_SILENT,		/* no answer at all, the connection kept */
	FAULT_C2H_PAUSE,	/* a C2HData header; its data once resume is set */
};

struct target {
	uint8_t disk[DISK_BLOCKS * BS];
	/* behaviour */
	bool success_flag;	/* reads end with C2HData SUCCESS */
	uint8_t mdts;		/* Identify MDTS */
	uint32_t icd;		/* in-capsule data bytes it accepts */
	uint32_t maxh2cdata;
	uint32_t c2h_chunk;	/* bytes of data per C2HData PDU */
	bool dribble;		/* sends one byte at a time */
	enum fault fault;
	bool refuse_io_queue;	/* the second connection fails */
	bool refuse_digests;	/* its ICResp enables none */
	/* digests as the ICReq asked (and the ICResp enabled) */
	bool hdgst, ddgst;
	bool digest_error;	/* one of ours was wrong */
	/* observed */
	uint16_t term_fes;	/* of an H2CTermReq it received */
	bool term_seen;
	unsigned int io_cmds;
	unsigned int r2ts;
	unsigned int success_pdus;
	unsigned int max_inflight;
	bool cc_enabled;
	uint32_t active[8];	/* Identify's active namespace list (0: {1}) */
	uint32_t kato;		/* of the admin queue's Connect */
	atomic_uint keep_alives;
	atomic_uint ka_ignore;	/* Keep Alives left unanswered */
	atomic_bool paused, resume;	/* FAULT_C2H_PAUSE */
	uint8_t hostid[16];
	char hostnqn[256];
	/* capsules that came while a write's H2CData was awaited */
	uint8_t stash[STASH][PDU_MAX];
	unsigned int stash_head, stash_n;
	/* connections */
	int nconn, max_conn;	/* dial refuses past max_conn (0: 2) */
	atomic_bool down;	/* dial refuses while set */
	atomic_uint refused;	/* dials refused while down */
	pthread_t thr[MAX_CONN];
	bool joined[MAX_CONN];
	int fd[MAX_CONN];
	pthread_mutex_t lock;
};

struct conn_arg {
	struct target *t;
	int fd;
	bool io;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool readn(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static bool writen(struct target *t, int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = send(fd, p, t->dribble && n > 7 ? 7 : n, MSG_NOSIGNAL);

		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static void ch(uint8_t *h, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo,
	       uint32_t plen)
{
	h[0] = type;
	h[1] = flags;
	h[2] = hlen;
	h[3] = pdo;
	put32(h + 4, plen);
}

/* Sends the PDU of header h (type and flags set) and data, with the
 * digests the connection uses; bad_* spoils one of them. */
static bool send_pdu(struct target *t, int fd, uint8_t *h, uint8_t hlen,
		     const uint8_t *data, uint32_t dlen, bool bad_hd, bool bad_dd)
{
	uint32_t hd = t->hdgst ? 4 : 0, dd = t->ddgst && dlen ? 4 : 0;
	uint8_t dg[4];

	h[1] |= (hd ? 0x01 : 0) | (dd ? 0x02 : 0);
	h[2] = hlen;
	h[3] = dlen ? (uint8_t)(hlen + hd) : 0;
	put32(h + 4, hlen + hd + dlen + dd);
	if (hd)
		put32(h + hlen, crc32c(0, h, hlen) ^ bad_hd);
	if (!writen(t, fd, h, hlen + hd) || (dlen && !writen(t, fd, data, dlen)))
		return false;
	put32(dg, crc32c(0, data, dlen) ^ bad_dd);
	return !dd || writen(t, fd, dg, 4);
}

static bool send_resp_dg(struct target *t, int fd, uint16_t cid, uint16_t status,
			 uint64_t result, bool bad_hd)
{
	uint8_t p[28] = { 0 };

	p[0] = 0x05;
	put64(p + 8, result);
	put16(p + 8 + 12, cid);
	put16(p + 8 + 14, (uint16_t)(status << 1));
	return send_pdu(t, fd, p, 24, NULL, 0, bad_hd, false);
}

static bool send_resp(struct target *t, int fd, uint16_t cid, uint16_t status,
		      uint64_t result)
{
	return send_resp_dg(t, fd, cid, status, result, false);
}

static bool send_c2h(struct target *t, int fd, uint16_t cid, const uint8_t *data,
		     uint32_t len)
{
	uint32_t chunk = t->c2h_chunk ? t->c2h_chunk : len;

	for (uint32_t off = 0; off < len; off += chunk) {
		uint32_t n = len - off < chunk ? len - off : chunk;
		bool last = off + n == len;
		uint8_t h[28] = { 0 };
		uint8_t flags = last ? 0x04 : 0;

		if (last && t->success_flag) {
			flags |= 0x08;
			t->success_pdus++;
		}
		h[0] = 0x07;
		h[1] = flags;
		put16(h + 8, cid);
		put32(h + 12, off);
		put32(h + 16, n);
		if (!send_pdu(t, fd, h, 24, data + off, n, false, false))
			return false;
	}
	return t->success_flag ? true : send_resp(t, fd, cid, 0, 0);
}

static void identify(struct target *t, const uint8_t *sqe, uint8_t *id)
{
	memset(id, 0, 4096);
	if ((get32(sqe + 40) & 0xff) == 2) {	/* active NSIDs above sqe's */
		unsigned int n = 0;

		for (unsigned int i = 0; i < 8; i++)
			if (t->active[i] > get32(sqe + 4))
				put32(id + 4 * n++, t->active[i]);
		if (!t->active[0] && !get32(sqe + 4))
			put32(id, 1);
		return;
	}
	if ((get32(sqe + 40) & 0xff) == 1) {
		id[77] = t->mdts;
		put16(id + 520, 0x0c);		/* DSM, Write Zeroes */
		id[525] = 1;			/* volatile write cache */
		put32(id + 1792, (64 + t->icd) / 16);
		return;
	}
	put64(id, DISK_BLOCKS);
	put32(id + 128, 9u << 16);		/* LBA format 0: 512 bytes */
}

/* The faulty answer to an I/O command; false ends the connection. */
static bool misbehave(struct target *t, int fd, uint16_t cid, uint32_t len)
{
	uint8_t h[40] = { 0 };

	switch (t->fault) {
	case FAULT_C2H_BEYOND:
		ch(h, 0x07, 0x04, 24, 24, 24 + len + 512);
		put16(h + 8, cid);
		put32(h + 16, len + 512);
		return writen(t, fd, h, 24) && writen(t, fd, t->disk, len + 512);
	case FAULT_C2H_BAD_PLEN:
		ch(h, 0x07, 0x04, 24, 24, 24 + 1024);
		put16(h + 8, cid);
		put32(h + 16, 512);
		return writen(t, fd, h, 24) && writen(t, fd, t->disk, 1024);
	case FAULT_C2H_WRONG_OFFSET:
		ch(h, 0x07, 0x04, 24, 24, 24 + 512);
		put16(h + 8, cid);
		put32(h + 12, 512);
		put32(h + 16, 512);
		return writen(t, fd, h, 24) && writen(t, fd, t->disk, 512);
	case FAULT_UNKNOWN_TYPE:
		ch(h, 0x0c, 0, 24, 0, 24);
		return writen(t, fd, h, 24);
	case FAULT_BAD_HLEN:
		ch(h, 0x05, 0, 32, 0, 32);
		put16(h + 8 + 12, cid);
		return writen(t, fd, h, 32);
	case FAULT_DIGEST_FLAG:
		ch(h, 0x05, 0x01, 24, 0, 28);
		put16(h + 8 + 12, cid);
		return writen(t, fd, h, 28);
	case FAULT_UNKNOWN_CID:
		return send_resp(t, fd, (uint16_t)(cid + 1000), 0, 0);
	case FAULT_TERM_REQ:
		ch(h, 0x03, 0, 24, 0, 24);
		put16(h + 8, 0x02);
		return writen(t, fd, h, 24);
	case FAULT_R2T_BEYOND:
		ch(h, 0x09, 0, 24, 0, 24);
		put16(h + 8, cid);
		put32(h + 12, 0);
		put32(h + 16, len + 512);
		return writen(t, fd, h, 24);
	case FAULT_BAD_HDGST:
		return send_resp_dg(t, fd, cid, 0, 0, true);
	case FAULT_BAD_DDGST: {
		uint8_t c2h[28] = { 0x07, 0x04 };

		put16(c2h + 8, cid);
		put32(c2h + 16, len);
		return send_pdu(t, fd, c2h, 24, t->disk, len, false, true) &&
		       send_resp(t, fd, cid, 0, 0);
	}
	case FAULT_SILENT:
		return true;
	case FAULT_C2H_PAUSE:
		ch(h, 0x07, 0x0c, 24, 24, 24 + len);	/* LAST_PDU | SUCCESS */
		put16(h + 8, cid);
		put32(h + 16, len);
		if (!writen(t, fd, h, 24))
			return false;
		atomic_store(&t->paused, true);
		while (!atomic_load(&t->resume))
			usleep(1000);
		return writen(t, fd, t->disk, len);
	case FAULT_R2T_CLOSE:
		ch(h, 0x09, 0, 24, 0, 24);
		put16(h + 8, cid);
		put16(h + 10, 1);
		put32(h + 16, len);
		writen(t, fd, h, 24);
		return false;
	case FAULT_SUCCESS_EARLY:
		ch(h, 0x07, 0x08, 24, 24, 24 + 512);
		put16(h + 8, cid);
		put32(h + 16, 512);
		return writen(t, fd, h, 24) && writen(t, fd, t->disk, 512);
	default:	/* FAULT_CLOSE */
		return false;
	}
}

/* The digests of a PDU from the initiator (header h, data read): as
 * negotiated, and right; the data digest is at dgst, or read here. */
static bool digests_ok(struct target *t, int fd, const uint8_t *h, const uint8_t *data,
		       uint32_t dlen, const uint8_t *dgst)
{
	uint8_t want = (t->hdgst ? 0x01 : 0) | (t->ddgst && dlen ? 0x02 : 0), dg[4];

	if ((h[1] & 0x03) != want)
		goto bad;
	if (t->hdgst && get32(h + h[2]) != crc32c(0, h, h[2]))
		goto bad;
	if (!(want & 0x02))
		return true;
	if (!dgst && readn(fd, dg, 4))
		dgst = dg;
	if (dgst && get32(dgst) == crc32c(0, data, dlen))
		return true;
bad:
	t->digest_error = true;
	return false;
}

/* The rest of a CapsuleCmd whose first 8 bytes are in pdu. */
static bool read_capsule_rest(struct target *t, int fd, uint8_t *pdu)
{
	uint32_t plen = get32(pdu + 4);

	(void)t;
	return pdu[0] == 0x04 && pdu[2] == 72 && plen >= 72 && plen <= PDU_MAX &&
	       readn(fd, pdu + 8, plen - 8);
}

/*
 * The initiator may hang up while the faulty PDU is still being written:
 * what it sent before (its H2CTermReq) is read all the same.
 */
static bool fault_once(struct target *t, int fd, uint16_t cid, uint32_t len)
{
	enum fault f = t->fault;

	misbehave(t, fd, cid, len);
	t->fault = FAULT_NONE;
	return f != FAULT_CLOSE && f != FAULT_R2T_CLOSE;
}

/* Takes the H2CData PDUs answering one R2T for [0, len) of the write;
 * commands pipelined meanwhile wait in the stash. */
static bool take_h2c(struct target *t, int fd, uint16_t cid, uint8_t *dst, uint32_t len)
{
	uint8_t h[28] = { 0x09 };
	uint32_t got = 0, hd = t->hdgst ? 4 : 0;

	put16(h + 8, cid);
	put16(h + 10, (uint16_t)(cid + 7));
	put32(h + 16, len);
	t->r2ts++;
	if (!send_pdu(t, fd, h, 24, NULL, 0, false, false))
		return false;
	while (got < len) {
		uint32_t datal;

		if (!readn(fd, h, 8))
			return false;
		if (h[0] == 0x04) {
			uint8_t *slot = t->stash[(t->stash_head + t->stash_n) % STASH];

			if (t->stash_n == STASH)
				return false;
			memcpy(slot, h, 8);
			if (!read_capsule_rest(t, fd, slot))
				return false;
			t->stash_n++;
			continue;
		}
		if (h[0] != 0x06 || !readn(fd, h + 8, 16 + hd) || get16(h + 8) != cid ||
		    get16(h + 10) != cid + 7 || get32(h + 12) != got)
			return false;
		datal = get32(h + 16);
		if (datal > t->maxh2cdata || got + datal > len ||
		    !readn(fd, dst + got, datal))
			return false;
		if (!digests_ok(t, fd, h, dst + got, datal, NULL))
			return false;
		got += datal;
		if (((h[1] & 0x04) != 0) != (got == len))
			return false;
	}
	return true;
}

static bool io_cmd(struct target *t, int fd, const uint8_t *sqe, uint8_t *icd, uint32_t icd_len)
{
	uint16_t cid = get16(sqe + 2);
	uint64_t slba = get64(sqe + 40);
	uint32_t nlb = (get32(sqe + 48) & 0xffff) + 1, len = nlb * BS;
	uint32_t sgl_len = get32(sqe + 32);

	t->io_cmds++;
	if (sqe[0] != 0x09 && sqe[0] != 0x00 && slba + nlb > DISK_BLOCKS)
		return send_resp(t, fd, cid, 0x80, 0);
	switch (sqe[0]) {
	case 0x02:
		if (t->fault)
			return fault_once(t, fd, cid, len);
		return sgl_len == len && send_c2h(t, fd, cid, t->disk + slba * BS, len);
	case 0x01:
		if (t->fault)
			return fault_once(t, fd, cid, len);
		if (icd_len) {
			if (icd_len != len)
				return false;
			memcpy(t->disk + slba * BS, icd, len);
		} else if (!take_h2c(t, fd, cid, t->disk + slba * BS, len)) {
			return false;
		}
		return send_resp(t, fd, cid, 0, 0);
	case 0x08:
		memset(t->disk + slba * BS, 0, len);
		return send_resp(t, fd, cid, 0, 0);
	case 0x09: {
		uint32_t n;

		if (icd_len != 16)
			return false;
		slba = get64(icd + 8);
		n = get32(icd + 4);
		memset(t->disk + slba * BS, 0, (size_t)n * BS);
		return send_resp(t, fd, cid, 0, 0);
	}
	case 0x00:
		return send_resp(t, fd, cid, 0, 0);
	default:
		return send_resp(t, fd, cid, 0x01, 0);
	}
}

static bool admin_cmd(struct target *t, int fd, const uint8_t *sqe, const uint8_t *data,
		      uint32_t dlen)
{
	uint16_t cid = get16(sqe + 2);
	uint8_t id[4096];

	if (sqe[0] == 0x7f) {
		switch (sqe[4]) {
		case 0x01:	/* Connect */
			if (dlen != 1024)
				return false;
			memcpy(t->hostid, data, 16);
			memcpy(t->hostnqn, data + 512, 255);
			if (!get16(sqe + 42))
				t->kato = get32(sqe + 48);
			return send_resp(t, fd, cid, 0, 7);
		case 0x04:	/* Property Get */
			if (get32(sqe + 44) == 0)	/* CAP: MQES 63, TO 1 */
				return send_resp(t, fd, cid, 0, 63 | 1ull << 24);
			return send_resp(t, fd, cid, 0, t->cc_enabled ? 1 : 0);
		case 0x00:	/* Property Set */
			t->cc_enabled = get32(sqe + 48) & 1;
			return send_resp(t, fd, cid, 0, 0);
		}
		return false;
	}
	if (sqe[0] == 0x06) {
		identify(t, sqe, id);
		return send_c2h(t, fd, cid, id, 4096);
	}
	if (sqe[0] == 0x18) {	/* Keep Alive */
		atomic_fetch_add(&t->keep_alives, 1);
		if (atomic_load(&t->ka_ignore)) {
			atomic_fetch_sub(&t->ka_ignore, 1);
			return true;
		}
		return send_resp(t, fd, cid, 0, 0);
	}
	return send_resp(t, fd, cid, 0x01, 0);
}

/* The next command: a stashed one first. 0: the connection ends. */
static bool next_capsule(struct target *t, int fd, uint8_t *pdu)
{
	if (t->stash_n) {
		memcpy(pdu, t->stash[t->stash_head], PDU_MAX);
		t->stash_head = (t->stash_head + 1) % STASH;
		t->stash_n--;
		return true;
	}
	if (!readn(fd, pdu, 8))
		return false;
	if (pdu[0] == 0x02) {	/* H2CTermReq */
		if (get32(pdu + 4) <= PDU_MAX && readn(fd, pdu + 8, get32(pdu + 4) - 8)) {
			t->term_fes = get16(pdu + 8);
			t->term_seen = true;
		}
		return false;
	}
	return read_capsule_rest(t, fd, pdu);
}

static void *serve(void *arg)
{
	struct conn_arg *ca = arg;
	struct target *t = ca->t;
	uint8_t *pdu = malloc(PDU_MAX);
	int fd = ca->fd;

	free(ca);
	if (!readn(fd, pdu, 128) || pdu[0] != 0x00 || pdu[2] != 128)
		goto out;
	t->hdgst = pdu[11] & 1;
	t->ddgst = pdu[11] & 2;
	memset(pdu, 0, 128);
	ch(pdu, 0x01, 0, 128, 0, 128);
	if (!t->refuse_digests)
		pdu[11] = (t->hdgst ? 1 : 0) | (t->ddgst ? 2 : 0);
	put32(pdu + 12, t->maxh2cdata);
	if (!writen(t, fd, pdu, 128))
		goto out;
	while (next_capsule(t, fd, pdu)) {
		uint8_t *sqe = pdu + 8, pdo = pdu[3];
		uint32_t dlen = pdo ? get32(pdu + 4) - pdo - (pdu[1] & 0x02 ? 4 : 0) : 0;

		if (dlen > t->icd || !digests_ok(t, -1, pdu, pdu + pdo, dlen, pdu + pdo + dlen))
			break;
		if (!(sqe[1] & 0x40))
			break;	/* NVMe/TCP commands describe data with SGLs */
		if (sqe[0] == 0x7f && sqe[4] == 0x01 && get16(sqe + 42) &&
		    t->refuse_io_queue) {
			send_resp(t, fd, get16(sqe + 2), 0x182, 0);
			continue;
		}
		if (!(sqe[0] == 0x7f || sqe[0] == 0x06 || sqe[0] == 0x18 ? admin_cmd(t, fd, sqe, pdu + pdo, dlen) :
		      io_cmd(t, fd, sqe, pdu + pdo, dlen)))
			break;
	}
out:
	free(pdu);
	shutdown(fd, SHUT_RDWR);
	return NULL;
}

static int dial(void *ctx, const struct nvmf_def *d)
{
	struct target *t = ctx;
	struct conn_arg *ca;
	int sv[2];

	(void)d;
	if (atomic_load(&t->down))
		atomic_fetch_add(&t->refused, 1);
	if (t->nconn == (t->max_conn ? t->max_conn : 2) || atomic_load(&t->down) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -ECONNREFUSED;
	ca = malloc(sizeof(*ca));
	*ca = (struct conn_arg){ .t = t, .fd = sv[1], .io = t->nconn % 2 };
	t->fd[t->nconn] = sv[1];
	if (pthread_create(&t->thr[t->nconn], NULL, serve, ca)) {
		free(ca);
		return -ENOMEM;
	}
	t->nconn++;
	return sv[0];
}

struct fixture {
	struct target t;
	const char *def;
	unsigned int io_timeout_ms;
	struct ioloop loop;
	struct bdev *b;
	uint8_t *buf, *back;
};

/* Data in 4 KiB C2HData PDUs, the last with SUCCESS. */
static void tune_success_chunks(struct target *t)
{
	t->success_flag = true;
	t->c2h_chunk = 4096;
}

static struct bdev *open_bdev(struct fixture *f, char *err, size_t len)
{
	struct nvmf_dialer d = { .dial = dial, .ctx = &f->t, .io_timeout_ms = f->io_timeout_ms };

	return bdev_nvmf_create_with("T", f->def ? f->def : DEF, &d, err, len);
}

static int setup_def(void **state, void (*tune)(struct target *t), const char *def)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";

	f->def = def;
	/* Short for the silent target's test; long enough for a busy machine. */
	f->io_timeout_ms = 2000;
	f->t.icd = 8192;
	f->t.maxh2cdata = 16384;
	if (tune)
		tune(&f->t);
	if (ioloop_init(&f->loop, 64))
		return -1;
	ioloop_current = &f->loop;
	f->buf = malloc(1 << 20);
	f->back = malloc(1 << 20);
	for (size_t i = 0; i < sizeof(f->t.disk); i++)
		f->t.disk[i] = (uint8_t)(i * 13 + 5);
	f->b = open_bdev(f, err, sizeof(err));
	if (!f->b) {
		fprintf(stderr, "open: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup_with(void **state, void (*tune)(struct target *t))
{
	return setup_def(state, tune, NULL);
}

#define DEF_DGST DEF " hdgst=1 ddgst=1"

static int setup_digests(void **state)
{
	return setup_def(state, tune_success_chunks, DEF_DGST);
}

static void drain_loop(struct fixture *f)
{
	/* The connection lets go once its receive came back. */
	while (f->loop.inflight)
		assert_true(ioloop_reap(&f->loop, true) >= 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->b)
		bdev_destroy(f->b);
	drain_loop(f);
	for (int i = 0; i < f->t.nconn; i++) {
		if (!f->t.joined[i])
			pthread_join(f->t.thr[i], NULL);
		close(f->t.fd[i]);
	}
	ioloop_exit(&f->loop);
	ioloop_current = NULL;
	free(f->buf);
	free(f->back);
	free(f);
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

static int setup_success(void **state)
{
	return setup_with(state, tune_success_chunks);
}

static void tune_small(struct target *t)
{
	t->mdts = 1;		/* 8 KiB a command */
	t->icd = 1024;
	t->maxh2cdata = 4096;
	t->dribble = true;
}

static int setup_small(void **state)
{
	return setup_with(state, tune_small);
}

static void start(struct fixture *f, struct waiter *w, enum bdev_op op, uint64_t block,
		  uint32_t blocks, void *buf)
{
	*w = (struct waiter){
		.io = { .op = op, .offset = block * BS, .len = (uint64_t)blocks * BS,
			.buf = buf, .done = waiter_done },
	};
	assert_int_equal(bdev_submit(f->b, &w->io), 0);
}

static int run(struct fixture *f, enum bdev_op op, uint64_t block, uint32_t blocks,
	       void *buf)
{
	struct waiter w;

	start(f, &w, op, block, blocks, buf);
	while (!w.done)
		assert_true(ioloop_reap(&f->loop, true) >= 0);
	return w.status;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static void test_geometry_from_identify(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->b->block_size, BS);
	assert_int_equal(f->b->num_blocks, DISK_BLOCKS);
	assert_true(f->b->flags & BDEV_F_VOLATILE_CACHE);
	assert_true(f->t.cc_enabled);
	assert_int_equal(f->t.kato, 10000);	/* SPDK's default */
}

/* The default host NQN is the host ID's UUID, a version 4 one. */
static void test_host_identity(void **state)
{
	struct fixture *f = *state;
	char want[80];
	const uint8_t *u = f->t.hostid;
	unsigned int same = 0;

	for (int i = 1; i < 16; i++)
		same += u[i] == u[0];
	assert_true(same < 15);
	assert_int_equal(u[6] >> 4, 4);
	assert_int_equal(u[8] >> 6, 2);
	snprintf(want, sizeof(want), "nqn.2014-08.org.nvmexpress:uuid:%02x%02x%02x%02x-%02x%02x-"
		 "%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
		 u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	assert_string_equal(f->t.hostnqn, want);
}

/* Small writes in the capsule, large ones through R2T and H2CData. */
static void round_trips(struct fixture *f)
{
	static const uint32_t sizes[] = { 1, 8, 16, 17, 128, 256 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = sizes[i];

		fill(f->buf, n * BS, i + 1);
		assert_int_equal(run(f, BDEV_OP_WRITE, 100 + i, n, f->buf), 0);
		memset(f->back, 0, n * BS);
		assert_int_equal(run(f, BDEV_OP_READ, 100 + i, n, f->back), 0);
		assert_memory_equal(f->back, f->t.disk + (100 + i) * BS, n * BS);
		assert_memory_equal(f->back, f->buf, n * BS);
	}
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;

	round_trips(f);
	assert_true(f->t.r2ts > 0);		/* 17+ blocks do not fit 8 KiB */
	assert_int_equal(f->t.success_pdus, 0);
}

static void test_round_trip_success_flag(void **state)
{
	struct fixture *f = *state;

	round_trips(f);
	assert_true(f->t.success_pdus > 0);
}

/* MDTS 8 KiB: a 128 KiB I/O is 16 commands; bytes one at a time. */
static void test_split_by_mdts_and_dribbled(void **state)
{
	struct fixture *f = *state;
	unsigned int before;

	fill(f->buf, 256 * BS, 9);
	before = f->t.io_cmds;
	assert_int_equal(run(f, BDEV_OP_WRITE, 300, 256, f->buf), 0);
	assert_int_equal(f->t.io_cmds - before, 16);
	assert_int_equal(run(f, BDEV_OP_READ, 300, 256, f->back), 0);
	assert_memory_equal(f->back, f->buf, 256 * BS);
}

/* More I/O than the queue has command IDs: the rest wait their turn. */
static void test_more_io_than_queue_depth(void **state)
{
	struct fixture *f = *state;
	enum { N = 200 };
	struct waiter *w = calloc(N, sizeof(*w));
	unsigned int done = 0;

	for (unsigned int i = 0; i < N; i++) {
		fill(f->buf + i * BS, BS, i);
		start(f, &w[i], BDEV_OP_WRITE, i, 1, f->buf + i * BS);
	}
	while (done < N) {
		assert_true(ioloop_reap(&f->loop, true) >= 0);
		done = 0;
		for (unsigned int i = 0; i < N; i++)
			done += w[i].done;
	}
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(w[i].status, 0);
	assert_memory_equal(f->t.disk, f->buf, N * BS);
	free(w);
}

static void test_flush_zeroes_unmap(void **state)
{
	struct fixture *f = *state;
	uint8_t zero[4 * BS] = { 0 };

	assert_int_equal(run(f, BDEV_OP_FLUSH, 0, 0, NULL), 0);
	assert_int_equal(run(f, BDEV_OP_WRITE_ZEROES, 10, 4, NULL), 0);
	assert_memory_equal(f->t.disk + 10 * BS, zero, sizeof(zero));
	assert_int_equal(run(f, BDEV_OP_UNMAP, 20, 4, NULL), 0);
	assert_memory_equal(f->t.disk + 20 * BS, zero, sizeof(zero));
	assert_int_not_equal(f->t.disk[24 * BS], 0);
}

/* An NVMe error status is an I/O error, the connection stays. */
static void test_error_status_keeps_connection(void **state)
{
	struct fixture *f = *state;
	struct waiter w;

	/* Past the end as the target sees it: bdev_submit checks ours, so
	 * shrink ours for the test. */
	f->b->num_blocks = DISK_BLOCKS + 8;
	start(f, &w, BDEV_OP_READ, DISK_BLOCKS, 8, f->buf);
	while (!w.done)
		assert_true(ioloop_reap(&f->loop, true) >= 0);
	assert_int_equal(w.status, -EIO);
	f->b->num_blocks = DISK_BLOCKS;
	assert_int_equal(run(f, BDEV_OP_READ, 0, 8, f->buf), 0);
}

static void expect_fault(void **state, enum fault fault, enum bdev_op op, bool term)
{
	struct fixture *f = *state;

	fill(f->buf, 64 * BS, 3);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	f->t.fault = fault;
	assert_int_equal(run(f, op, 0, 32, f->buf), -EIO);
	/* The connection is gone: new I/O fails at once, nothing hangs. */
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), -EIO);
	assert_int_equal(run(f, BDEV_OP_WRITE, 0, 1, f->buf), -EIO);
	if (term) {
		/* The I/O queue's server ends with the H2CTermReq it read. */
		pthread_join(f->t.thr[1], NULL);
		f->t.joined[1] = true;
		assert_true(f->t.term_seen);
		assert_int_not_equal(f->t.term_fes, 0);
	}
}

static void test_c2h_beyond_request(void **state)
{
	expect_fault(state, FAULT_C2H_BEYOND, BDEV_OP_READ, true);
}

static void test_c2h_bad_length(void **state)
{
	expect_fault(state, FAULT_C2H_BAD_PLEN, BDEV_OP_READ, true);
}

static void test_c2h_wrong_offset(void **state)
{
	expect_fault(state, FAULT_C2H_WRONG_OFFSET, BDEV_OP_READ, true);
}

static void test_unknown_pdu_type(void **state)
{
	expect_fault(state, FAULT_UNKNOWN_TYPE, BDEV_OP_READ, true);
}

static void test_bad_header_length(void **state)
{
	expect_fault(state, FAULT_BAD_HLEN, BDEV_OP_READ, true);
}

static void test_digest_not_negotiated(void **state)
{
	expect_fault(state, FAULT_DIGEST_FLAG, BDEV_OP_READ, true);
}

static void test_response_for_unknown_command(void **state)
{
	expect_fault(state, FAULT_UNKNOWN_CID, BDEV_OP_READ, true);
}

static void test_success_before_last_data(void **state)
{
	expect_fault(state, FAULT_SUCCESS_EARLY, BDEV_OP_READ, true);
}

static void test_r2t_beyond_write(void **state)
{
	expect_fault(state, FAULT_R2T_BEYOND, BDEV_OP_WRITE, true);
}

/* The target's own TermReq or a close: no H2CTermReq back. */
static void test_target_term_req(void **state)
{
	expect_fault(state, FAULT_TERM_REQ, BDEV_OP_READ, false);
}

static void test_target_closes(void **state)
{
	expect_fault(state, FAULT_CLOSE, BDEV_OP_WRITE, false);
}

/* A target that stops answering: the command timer ends the connection. */
static void test_silent_target_times_out(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	f->t.fault = FAULT_SILENT;
	assert_int_equal(run(f, BDEV_OP_READ, 0, 8, f->back), -EIO);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), -EIO);
}

/* Its data is being sent when the target goes: the write still ends. */
static void test_close_under_h2c_data(void **state)
{
	struct fixture *f = *state;

	fill(f->buf, 512 * BS, 5);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	f->t.fault = FAULT_R2T_CLOSE;
	assert_int_equal(run(f, BDEV_OP_WRITE, 0, 512, f->buf), -EIO);
	assert_int_equal(run(f, BDEV_OP_WRITE, 0, 1, f->buf), -EIO);
}

/* A fault in the middle of many: every one of them ends, with -EIO. */
static void test_fault_fails_all_outstanding(void **state)
{
	struct fixture *f = *state;
	enum { N = 40 };
	struct waiter w[N];
	unsigned int done = 0, failed = 0;

	f->t.fault = FAULT_C2H_BEYOND;
	for (unsigned int i = 0; i < N; i++)
		start(f, &w[i], i % 2 ? BDEV_OP_READ : BDEV_OP_WRITE, i * 8, 8,
		      f->buf + i * 8 * BS);
	while (done < N) {
		assert_true(ioloop_reap(&f->loop, true) >= 0);
		done = failed = 0;
		for (unsigned int i = 0; i < N; i++) {
			done += w[i].done;
			failed += w[i].done && w[i].status == -EIO;
		}
	}
	assert_true(failed > 0);
	for (unsigned int i = 0; i < N; i++)
		assert_true(w[i].status == 0 || w[i].status == -EIO);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), -EIO);
}

static void count_end(struct nvmf_req *r, int status, uint32_t dw0, uint32_t dw1)
{
	int *ends = r->ctx;

	(void)dw0;
	(void)dw1;
	ends[0]++;
	ends[1] = status;
}

/* Bytes waiting in the socket fd (FIONREAD). */
static int unread(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/*
 * The queue fails (an abort, the timer, a send) in the batch that also
 * reaps a receive: that receive's bytes are nobody's. Here a read's
 * C2HData header has come, then its data with SUCCESS reaches the ring,
 * then the queue is aborted, then the batch is reaped. Fed to the parser,
 * the data would be copied into the buffer the read's owner has back,
 * and SUCCESS would end the read a second time (the crash of stop 27).
 */
static void test_data_reaped_after_failure_is_dropped(void **state)
{
	struct target *t = calloc(1, sizeof(*t));
	struct nvmf_queue *q = malloc(sizeof(*q));
	uint8_t buf[8 * BS];
	int ends[2] = { 0, 0 }, fd;
	struct ioloop loop;
	struct nvmf_req *r;
	struct nvmf_def d;
	char err[256];

	(void)state;
	assert_non_null(t);
	t->fault = FAULT_C2H_PAUSE;
	t->icd = 8192;
	t->maxh2cdata = 16384;
	t->max_conn = 1;
	for (size_t i = 0; i < sizeof(t->disk); i++)
		t->disk[i] = (uint8_t)(i * 13 + 5);
	assert_int_equal(ioloop_init(&loop, 16), 0);
	assert_int_equal(nvmf_def_parse(DEF, &d, err, sizeof(err)), 0);
	assert_int_equal(nvmf_queue_init(q, &nvmf_tcp_ops, 1, 4, "race"), 0);
	q->dial = dial;
	q->dial_ctx = t;
	assert_int_equal(q->ops->connect(q, &d, err, sizeof(err)), 0);
	assert_int_equal(q->ops->start(q, &loop), 0);
	r = nvmf_req_get(q);
	r->sqe[0] = 0x02;
	put32(r->sqe + 4, 1);
	put32(r->sqe + 48, 7);		/* 8 blocks from LBA 0 */
	r->data = buf;
	r->len = sizeof(buf);
	r->done = count_end;
	r->ctx = ends;
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(q->ops->send(q, r), 0);
	/* The header is in and parsed: nothing unread, nothing unreaped. */
	fd = t->fd[0];
	while (!atomic_load(&t->paused))
		ioloop_reap(&loop, false);
	do {
		usleep(1000);
		ioloop_reap(&loop, false);
	} while (unread(fd) || io_uring_cq_ready(&loop.ring));
	assert_int_equal(ends[0], 0);
	/* The data with SUCCESS: received, its completion not yet reaped. */
	atomic_store(&t->resume, true);
	do
		usleep(1000);
	while (!io_uring_cq_ready(&loop.ring));
	q->ops->abort(q, "aborted by the test");
	assert_int_equal(ends[0], 1);
	assert_int_equal(ends[1], -ECONNRESET);
	while (loop.inflight)
		assert_true(ioloop_reap(&loop, true) >= 0);
	assert_int_equal(ends[0], 1);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x55);
	q->ops->close(q);
	pthread_join(t->thr[0], NULL);
	close(t->fd[0]);
	ioloop_exit(&loop);
	free(t);
}

static void test_open_refused(void **state)
{
	struct target *t = calloc(1, sizeof(*t));
	struct nvmf_dialer d = { .dial = dial, .ctx = t };
	char err[256] = "";

	(void)state;
	t->icd = 8192;
	t->maxh2cdata = 16384;
	t->refuse_io_queue = true;
	assert_null(bdev_nvmf_create_with("T", DEF, &d, err, sizeof(err)));
	assert_non_null(strstr(err, "Connect of queue 1"));
	for (int i = 0; i < t->nconn; i++) {
		pthread_join(t->thr[i], NULL);
		close(t->fd[i]);
	}
	t->nconn = 2;		/* dial refuses from now on */
	assert_null(bdev_nvmf_create_with("T", DEF, &d, err, sizeof(err)));
	assert_non_null(strstr(err, "connecting"));
	assert_null(bdev_nvmf_create_with("T", "ctrlr=T trtype=rdma", &d, err, sizeof(err)));
	free(t);
}

/* Header and data digests both ways: the target checks every one. */
static void test_round_trip_digests(void **state)
{
	struct fixture *f = *state;

	assert_true(f->t.hdgst && f->t.ddgst);
	round_trips(f);
	assert_true(f->t.r2ts > 0);
	assert_false(f->t.digest_error);
}

static void test_bad_header_digest(void **state)
{
	expect_fault(state, FAULT_BAD_HDGST, BDEV_OP_READ, true);
}

static void test_bad_data_digest(void **state)
{
	expect_fault(state, FAULT_BAD_DDGST, BDEV_OP_READ, false);
}

static void test_digests_refused(void **state)
{
	struct target *t = calloc(1, sizeof(*t));
	struct nvmf_dialer d = { .dial = dial, .ctx = t };
	char err[256] = "";

	(void)state;
	t->icd = 8192;
	t->maxh2cdata = 16384;
	t->refuse_digests = true;
	assert_null(bdev_nvmf_create_with("T", DEF_DGST, &d, err, sizeof(err)));
	assert_non_null(strstr(err, "digests 0x0 enabled, 0x3 asked for"));
	for (int i = 0; i < t->nconn; i++) {
		pthread_join(t->thr[i], NULL);
		close(t->fd[i]);
	}
	free(t);
}

static void test_crc32c(void **state)
{
	(void)state;
	/* The check value of CRC-32C, whole and in two pieces. */
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	assert_int_equal(crc32c(0, "", 0), 0);
	assert_int_equal(crc32c_table(0, "123456789", 9), 0xe3069283);
}

/* The CPU's instruction and the table agree, at every length and start. */
static void test_crc32c_paths_agree(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 151 + 7);
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 13)
			assert_int_equal(crc32c(0x1234, buf + off, len),
					 crc32c_table(0x1234, buf + off, len));
}

/* ---- reconnecting ---- */

#define DEF_RECONN DEF " ctrlr_loss_timeout_sec=10 reconnect_delay_sec=1"

static int setup_reconnect(void **state, const char *def)
{
	int ret = setup_def(state, NULL, def);

	if (!ret)
		((struct fixture *)*state)->t.max_conn = MAX_CONN;
	return ret;
}

static int setup_reconn(void **state)
{
	return setup_reconnect(state, DEF_RECONN);
}

static int setup_fast_fail(void **state)
{
	return setup_reconnect(state, DEF " ctrlr_loss_timeout_sec=-1 reconnect_delay_sec=1 "
			       "fast_io_fail_timeout_sec=1");
}

static int setup_give_up(void **state)
{
	return setup_reconnect(state, DEF " ctrlr_loss_timeout_sec=2 reconnect_delay_sec=1");
}

/* Brings the target back after a while, from another thread. */
static void *target_back(void *arg)
{
	usleep(1500 * 1000);
	atomic_store(&((struct target *)arg)->down, false);
	return NULL;
}

/* The write the lost connection took is done again on the next one. */
static void test_reconnect_retries_io(void **state)
{
	struct fixture *f = *state;
	pthread_t back;

	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	fill(f->buf, 64 * BS, 11);
	atomic_store(&f->t.down, true);
	f->t.fault = FAULT_CLOSE;
	assert_int_equal(pthread_create(&back, NULL, target_back, &f->t), 0);
	assert_int_equal(run(f, BDEV_OP_WRITE, 64, 64, f->buf), 0);
	pthread_join(back, NULL);
	assert_memory_equal(f->t.disk + 64 * BS, f->buf, 64 * BS);
	assert_int_equal(run(f, BDEV_OP_READ, 64, 64, f->back), 0);
	assert_memory_equal(f->back, f->buf, 64 * BS);
	assert_true(f->t.nconn >= 4);	/* a second association */
}

/* Past fast_io_fail_timeout_sec I/O fails; once back, it works again. */
static void test_reconnect_fast_fail(void **state)
{
	struct fixture *f = *state;
	int ret = -EIO;

	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	atomic_store(&f->t.down, true);
	f->t.fault = FAULT_CLOSE;
	assert_int_equal(run(f, BDEV_OP_READ, 0, 8, f->back), -EIO);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), -EIO);
	atomic_store(&f->t.down, false);
	for (int i = 0; i < 100 && ret; i++) {
		usleep(100 * 1000);
		while (ioloop_reap(&f->loop, false) > 0)
			;
		ret = run(f, BDEV_OP_READ, 0, 1, f->back);
	}
	assert_int_equal(ret, 0);
}

/* Past ctrlr_loss_timeout_sec the bdev gives up: its I/O fails for good. */
static void test_reconnect_gives_up(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	atomic_store(&f->t.down, true);
	f->t.fault = FAULT_CLOSE;
	assert_int_equal(run(f, BDEV_OP_WRITE, 0, 8, f->buf), -EIO);
	atomic_store(&f->t.down, false);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), -EIO);
}

/* Destroyed while its thread still tries: nothing leaks, nothing hangs. */
static void test_destroy_while_reconnecting(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	atomic_store(&f->t.down, true);
	f->t.fault = FAULT_CLOSE;
	assert_int_equal(run(f, BDEV_OP_READ, 0, 8, f->back), -EIO);
}

/* ---- keep-alive and idle connections ---- */

#define KATO_MS		400
#define DEF_KA		DEF " keep_alive_timeout_ms=400"

static int nconn_of(struct target *t)
{
	return __atomic_load_n(&t->nconn, __ATOMIC_ACQUIRE);
}

/* Runs the loop, no I/O, for ms or until the target saw n connections. */
static void idle(struct fixture *f, unsigned int ms, int n)
{
	int64_t end = nvmf_now_ms() + ms;

	while (nvmf_now_ms() < end && !(n && nconn_of(&f->t) >= n))
		assert_true(ioloop_reap(&f->loop, true) >= 0);
}

static int setup_ka(void **state)
{
	return setup_def(state, NULL, DEF_KA);
}

/* Connect carries KATO; an idle bdev sends Keep Alive every KATO/2. */
static void test_keep_alive_when_idle(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->t.kato, KATO_MS);
	idle(f, 4 * KATO_MS, 0);
	assert_true(atomic_load(&f->t.keep_alives) >= 3);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->back), 0);
	assert_int_equal(f->t.nconn, 2);
}

static void tune_ka_ignored(struct target *t)
{
	atomic_store(&t->ka_ignore, 1);
}

static int setup_ka_ignored(void **state)
{
	int ret = setup_def(state, tune_ka_ignored,
			    DEF " ctrlr_loss_timeout_sec=10 reconnect_delay_sec=1 "
			    "keep_alive_timeout_ms=400");

	if (!ret)
		((struct fixture *)*state)->t.max_conn = MAX_CONN;
	return ret;
}

/* A Keep Alive unanswered for KATO ends the association: reconnected. */
static void test_keep_alive_unanswered_reconnects(void **state)
{
	struct fixture *f = *state;

	idle(f, 8000, 4);
	assert_true(nconn_of(&f->t) >= 4);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 8, f->back), 0);
	assert_memory_equal(f->back, f->t.disk, 8 * BS);
}

static int setup_close_idle(void **state)
{
	return setup_reconnect(state, DEF_RECONN " keep_alive_timeout_ms=0");
}

/* The target closes an idle I/O queue: seen, reconnected, without I/O. */
static void test_peer_close_when_idle(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->t.kato, 0);
	idle(f, 200, 0);
	shutdown(f->t.fd[1], SHUT_RDWR);
	idle(f, 8000, 4);
	assert_true(nconn_of(&f->t) >= 4);
	assert_int_equal(atomic_load(&f->t.keep_alives), 0);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 8, f->back), 0);
}

/* Runs both loops until w is done. */
static void run_two(struct ioloop *a, struct ioloop *b, struct waiter *w)
{
	while (!w->done) {
		ioloop_reap(a, false);
		usleep(1000);
		ioloop_reap(b, false);
	}
}

/*
 * Opened on one thread (whose loop watches it), used first by another:
 * the queues move there on a new association. A third thread then gets
 * a lane of its own (another association), and both keep working.
 */
static void test_first_io_moves_to_its_thread(void **state)
{
	struct fixture *f = *state;
	struct ioloop other;
	struct waiter w, w2;

	assert_int_equal(ioloop_init(&other, 64), 0);
	f->t.max_conn = 6;
	idle(f, 100, 0);
	fill(f->buf, 16 * BS, 21);
	ioloop_current = &other;
	start(f, &w, BDEV_OP_WRITE, 32, 16, f->buf);
	while (!w.done) {
		ioloop_reap(&f->loop, false);	/* the old association goes */
		assert_true(ioloop_reap(&other, true) >= 0);
	}
	assert_int_equal(w.status, 0);
	assert_memory_equal(f->t.disk + 32 * BS, f->buf, 16 * BS);
	assert_int_equal(nconn_of(&f->t), 4);
	/* The first thread again: a lane of its own, its I/O waits for it. */
	ioloop_current = &f->loop;
	start(f, &w, BDEV_OP_READ, 32, 16, f->back);
	run_two(&f->loop, &other, &w);
	assert_int_equal(w.status, 0);
	assert_memory_equal(f->back, f->buf, 16 * BS);
	assert_int_equal(nconn_of(&f->t), 6);
	/* Both lanes serve at once, each on its thread. */
	fill(f->buf, 8 * BS, 33);
	start(f, &w, BDEV_OP_WRITE, 100, 8, f->buf);
	ioloop_current = &other;
	start(f, &w2, BDEV_OP_READ, 32, 1, f->back);
	run_two(&f->loop, &other, &w);
	run_two(&f->loop, &other, &w2);
	assert_int_equal(w.status, 0);
	assert_int_equal(w2.status, 0);
	assert_memory_equal(f->t.disk + 100 * BS, f->buf, 8 * BS);
	assert_int_equal(nconn_of(&f->t), 6);
	bdev_destroy(f->b);
	f->b = NULL;
	while (other.inflight)
		assert_true(ioloop_reap(&other, true) >= 0);
	ioloop_exit(&other);
	ioloop_current = &f->loop;
}

/* ---- a first open that failed, tried again ---- */

#define DEF_FOREVER DEF " ctrlr_loss_timeout_sec=-1 reconnect_delay_sec=1"

/* A fixture whose target is down: no bdev yet. */
static int setup_target_down(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->t.icd = 8192;
	f->t.maxh2cdata = 16384;
	f->t.max_conn = MAX_CONN;
	atomic_store(&f->t.down, true);
	if (ioloop_init(&f->loop, 64))
		return -1;
	ioloop_current = &f->loop;
	f->buf = malloc(1 << 20);
	f->back = malloc(1 << 20);
	*state = f;
	return 0;
}

static struct nvmf_opener *open_retry(struct fixture *f, const char *def, char *err,
				      size_t len)
{
	struct nvmf_dialer d = { .dial = dial, .ctx = &f->t };

	assert_null(bdev_nvmf_create_with("T", def, &d, err, len));
	assert_non_null(strstr(err, "connecting"));
	return bdev_nvmf_open_retry("T", def, &d, err);
}

/* Polls o every 100 ms for up to ms: its result. */
static int poll_open(struct nvmf_opener *o, struct bdev **b, char *err, size_t len,
		     unsigned int ms)
{
	int ret = 0;

	for (unsigned int waited = 0; !ret && waited < ms; waited += 100) {
		usleep(100 * 1000);
		ret = bdev_nvmf_open_poll(o, b, err, len);
	}
	return ret;
}

/* Target down at the open: tried once a delay, open once it answers. */
static void test_open_tried_until_target_answers(void **state)
{
	struct fixture *f = *state;
	struct nvmf_opener *o;
	char err[512];

	o = open_retry(f, DEF_FOREVER, err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(poll_open(o, &f->b, err, sizeof(err), 2500), 0);
	/* One try a second, not one a poll: the first open and two more. */
	assert_true(atomic_load(&f->t.refused) <= 4);
	atomic_store(&f->t.down, false);
	assert_int_equal(poll_open(o, &f->b, err, sizeof(err), 10000), 1);
	assert_non_null(f->b);
	assert_int_equal(f->b->num_blocks, DISK_BLOCKS);
	fill(f->buf, 8 * BS, 4);
	assert_int_equal(run(f, BDEV_OP_WRITE, 8, 8, f->buf), 0);
	assert_memory_equal(f->t.disk + 8 * BS, f->buf, 8 * BS);
}

/* Past ctrlr_loss_timeout_sec it gives up, and says so. */
static void test_open_tries_give_up(void **state)
{
	struct fixture *f = *state;
	struct nvmf_opener *o;
	struct bdev *b = NULL;
	char err[512];

	o = open_retry(f, DEF " ctrlr_loss_timeout_sec=2 reconnect_delay_sec=1", err,
		       sizeof(err));
	assert_non_null(o);
	assert_int_equal(poll_open(o, &b, err, sizeof(err), 10000), -ETIMEDOUT);
	assert_null(b);
	assert_non_null(strstr(err, "(ctrlr_loss_timeout_sec): giving up after"));
}

/* Without a reconnect policy nothing is tried again; a cancel stops it. */
static void test_open_retry_policy_and_cancel(void **state)
{
	struct fixture *f = *state;
	char err[512];

	assert_null(open_retry(f, DEF, err, sizeof(err)));
	bdev_nvmf_open_cancel(open_retry(f, DEF_FOREVER, err, sizeof(err)));
	usleep(200 * 1000);	/* its thread sees the stop and lets go */
}

/* The subsystem's active namespaces, from Identify, as attach lists them. */
static void test_active_namespaces(void **state)
{
	struct target *t = calloc(1, sizeof(*t));
	struct nvmf_dialer d = { .dial = dial, .ctx = t };
	uint32_t nsids[4];
	struct nvmf_def def;
	char err[256] = "";

	(void)state;
	t->icd = 8192;
	t->maxh2cdata = 16384;
	t->max_conn = MAX_CONN;
	t->active[0] = 1;
	t->active[1] = 2;
	t->active[2] = 5;
	assert_int_equal(nvmf_def_parse(DEF, &def, err, sizeof(err)), 0);
	assert_int_equal(nvmf_active_namespaces(&def, &d, nsids, 4, err, sizeof(err)), 3);
	assert_int_equal(nsids[0], 1);
	assert_int_equal(nsids[1], 2);
	assert_int_equal(nsids[2], 5);
	assert_true(t->cc_enabled);
	assert_int_equal(nvmf_active_namespaces(&def, &d, nsids, 2, err, sizeof(err)), 2);
	atomic_store(&t->down, true);
	assert_true(nvmf_active_namespaces(&def, &d, nsids, 4, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "connecting"));
	for (int i = 0; i < t->nconn; i++) {
		pthread_join(t->thr[i], NULL);
		close(t->fd[i]);
	}
	free(t);
}

#define DEF_RDMA "ctrlr=R trtype=rdma adrfam=ipv4 traddr=10.0.0.1 trsvcid=4420 " \
		 "subnqn=nqn.2024-01.io.test:t nsid=1"

/* NVMe/RDMA definitions: the SRQ size and its limit, no digests. */
static void test_rdma_definition(void **state)
{
	struct nvmf_def d;
	char buf[SNAP_PATH_MAX], err[160];

	(void)state;
	assert_int_equal(nvmf_def_parse(DEF_RDMA " rdma_srq_size=4096", &d, err, sizeof(err)), 0);
	assert_string_equal(d.trtype, "rdma");
	assert_int_equal(d.rdma_srq_size, 4096);
	assert_int_equal(nvmf_def_format(&d, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, DEF_RDMA " rdma_srq_size=4096");
	assert_int_equal(nvmf_def_parse(DEF_RDMA, &d, err, sizeof(err)), 0);
	assert_int_equal(d.rdma_srq_size, 0);
	assert_int_equal(nvmf_def_format(&d, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, DEF_RDMA);
	assert_int_equal(nvmf_def_parse(DEF_RDMA " rdma_srq_size=32767", &d, err, sizeof(err)), 0);
	assert_int_equal(nvmf_def_parse(DEF_RDMA " rdma_srq_size=32768", &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "rdma_srq_size 32768: at most 32767"));
	assert_int_equal(nvmf_def_parse(DEF_RDMA " hdgst=1", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "digests are NVMe/TCP's"));
	assert_int_equal(nvmf_def_parse(DEF " rdma_srq_size=4096", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rdma_srq_size is for trtype rdma"));
	assert_int_equal(nvmf_def_parse("ctrlr=R trtype=fc adrfam=ipv4 traddr=a trsvcid=1 "
					"subnqn=n nsid=1", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "trtype fc: want tcp or rdma"));
}

static void test_definition(void **state)
{
	struct nvmf_def d;
	char buf[SNAP_PATH_MAX], err[160];

	(void)state;
	assert_int_equal(nvmf_def_parse(DEF " hostnqn=nqn.h", &d, err, sizeof(err)), 0);
	assert_string_equal(d.ctrlr, "T");
	assert_string_equal(d.hostnqn, "nqn.h");
	assert_int_equal(d.nsid, 1);
	assert_int_equal(nvmf_def_format(&d, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, DEF " hostnqn=nqn.h");
	assert_int_equal(nvmf_def_parse(DEF " color=red", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "color=red"));
	assert_int_equal(nvmf_def_parse("ctrlr=T trtype=tcp", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " nsid=0", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " nsid=4294967296", &d, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " nsid=1x", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " adrfam=ib", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " hdgst=2", &d, err, sizeof(err)), -EINVAL);
	/* SPDK's reconnect rules */
	assert_int_equal(nvmf_def_parse(DEF " reconnect_delay_sec=1", &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "must be 0 if ctrlr_loss_timeout_sec is 0"));
	assert_int_equal(nvmf_def_parse(DEF " ctrlr_loss_timeout_sec=5", &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "reconnect_delay_sec can't be 0"));
	assert_int_equal(nvmf_def_parse(DEF " ctrlr_loss_timeout_sec=5 reconnect_delay_sec=6",
					&d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "can't be more than ctrlr_loss_timeout_sec"));
	assert_int_equal(nvmf_def_parse(DEF " ctrlr_loss_timeout_sec=-1 reconnect_delay_sec=3 "
					"fast_io_fail_timeout_sec=2", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "can't be more than fast_io_fail_timeout_sec"));
	assert_int_equal(nvmf_def_parse(DEF " ctrlr_loss_timeout_sec=5 reconnect_delay_sec=1 "
					"fast_io_fail_timeout_sec=6", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " ctrlr_loss_timeout_sec=-2 reconnect_delay_sec=1",
					&d, err, sizeof(err)), -EINVAL);
	assert_int_equal(nvmf_def_parse(DEF " ctrlr_loss_timeout_sec=-1 reconnect_delay_sec=1 "
					"fast_io_fail_timeout_sec=1", &d, err, sizeof(err)), 0);
	assert_int_equal(nvmf_def_format(&d, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, DEF " ctrlr_loss_timeout_sec=-1 reconnect_delay_sec=1 "
			    "fast_io_fail_timeout_sec=1");
	assert_int_equal(nvmf_def_parse(DEF_DGST, &d, err, sizeof(err)), 0);
	assert_true(d.hdgst && d.ddgst);
	assert_int_equal(nvmf_def_format(&d, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, DEF_DGST);
	assert_int_equal(nvmf_def_parse(DEF, &d, err, sizeof(err)), 0);
	assert_int_equal(d.keep_alive_timeout_ms, 10000);
	assert_int_equal(nvmf_def_format(&d, buf, 40, err, sizeof(err)), -ENAMETOOLONG);
	assert_int_equal(nvmf_def_parse(DEF " keep_alive_timeout_ms=0", &d, err, sizeof(err)), 0);
	assert_int_equal(d.keep_alive_timeout_ms, 0);
	assert_int_equal(nvmf_def_format(&d, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, DEF " keep_alive_timeout_ms=0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_geometry_from_identify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_success_flag, setup_success,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_by_mdts_and_dribbled, setup_small,
						teardown),
		cmocka_unit_test_setup_teardown(test_more_io_than_queue_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_zeroes_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_status_keeps_connection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_c2h_beyond_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_c2h_bad_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_c2h_wrong_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_pdu_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_not_negotiated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_for_unknown_command, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_success_before_last_data, setup_success,
						teardown),
		cmocka_unit_test_setup_teardown(test_r2t_beyond_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_term_req, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_fails_all_outstanding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_under_h2c_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_target_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_digests, setup_digests, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header_digest, setup_digests, teardown),
		cmocka_unit_test_setup_teardown(test_bad_data_digest, setup_digests, teardown),
		cmocka_unit_test(test_digests_refused),
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_crc32c_paths_agree),
		cmocka_unit_test_setup_teardown(test_reconnect_retries_io, setup_reconn, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_fast_fail, setup_fast_fail, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_gives_up, setup_give_up, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_while_reconnecting, setup_fast_fail,
						teardown),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test_setup_teardown(test_keep_alive_when_idle, setup_ka, teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive_unanswered_reconnects,
						setup_ka_ignored, teardown),
		cmocka_unit_test_setup_teardown(test_peer_close_when_idle, setup_close_idle,
						teardown),
		cmocka_unit_test_setup_teardown(test_first_io_moves_to_its_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_tried_until_target_answers,
						setup_target_down, teardown),
		cmocka_unit_test_setup_teardown(test_open_tries_give_up, setup_target_down,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_retry_policy_and_cancel,
						setup_target_down, teardown),
		cmocka_unit_test(test_active_namespaces),
		cmocka_unit_test(test_definition),
		cmocka_unit_test(test_rdma_definition),
		cmocka_unit_test(test_data_reaped_after_failure_is_dropped),
	};

	/* A broken initiator shows as a hang against the fake target: end
	 * it as a failure instead. */
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
