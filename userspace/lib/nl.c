// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm's generic netlink client: one socket, requests answered by the
 * kernel's reply objects and an ACK, and the extack text of refusals.
 */
#include "nl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct snap_nl {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	struct extack last;
};

const char *snap_attr_name(int attr, char *buf, size_t len)
{
	if (attr > 0 && attr <= SNAP_A_MAX && snap_nl_attrs[attr].name)
		return snap_nl_attrs[attr].name;
	snprintf(buf, len, "attribute %d", attr);
	return buf;
}

const char *snap_nla_string(const struct nlattr *a)
{
	const char *s = nla_data(a);
	int n = nla_len(a);

	return n > 0 && s[n - 1] == '\0' ? s : NULL;
}

/* A TLV of an ack, checked to fit what is left. */
struct tlv {
	uint16_t type;
	const unsigned char *data;
	size_t len;
};

/* The next TLV of [*p, *p + *left), or false at the end or a bad one. */
static bool next_tlv(const unsigned char **p, size_t *left, struct tlv *t)
{
	const struct nlattr *a = (const struct nlattr *)*p;
	size_t alen, step;

	if (*left < sizeof(*a))
		return false;
	alen = a->nla_len;
	if (alen < NLA_HDRLEN || alen > *left)
		return false;
	t->type = a->nla_type & NLA_TYPE_MASK;
	t->data = *p + NLA_HDRLEN;
	t->len = alen - NLA_HDRLEN;
	step = NLA_ALIGN(alen);
	*p += step < *left ? step : *left;
	*left -= step < *left ? step : *left;
	return true;
}

/* A u32 or u64 value (the policy dump uses both), else false. */
static bool tlv_u64(const struct tlv *t, uint64_t *v)
{
	uint32_t v32;

	if (t->len == sizeof(*v)) {
		memcpy(v, t->data, sizeof(*v));
		return true;
	}
	if (t->len != sizeof(v32))
		return false;
	memcpy(&v32, t->data, sizeof(v32));
	*v = v32;
	return true;
}

/*
 * NLMSGERR_ATTR_POLICY: the refused attribute's policy as the kernel dumps
 * it (NL_POLICY_TYPE_ATTR_*), told as the range it allows. Indexes of lo
 * and hi: unsigned, signed, length.
 */
static void extack_parse_policy(const unsigned char *p, size_t left, struct extack *ex)
{
	uint64_t lo[3] = { 0 }, hi[3] = { 0 };
	bool has[3] = { false };
	struct tlv t;

	while (next_tlv(&p, &left, &t)) {
		switch (t.type) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			has[0] |= tlv_u64(&t, &lo[0]);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			has[0] |= tlv_u64(&t, &hi[0]);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			has[1] |= tlv_u64(&t, &lo[1]);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			has[1] |= tlv_u64(&t, &hi[1]);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			has[2] |= tlv_u64(&t, &lo[2]);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			has[2] |= tlv_u64(&t, &hi[2]);
			break;
		default:
			break;
		}
	}
	if (has[0])
		snprintf(ex->allowed, sizeof(ex->allowed), "%llu to %llu",
			 (unsigned long long)lo[0], (unsigned long long)hi[0]);
	else if (has[1])
		snprintf(ex->allowed, sizeof(ex->allowed), "%lld to %lld",
			 (long long)(int64_t)lo[1], (long long)(int64_t)hi[1]);
	else if (has[2])
		snprintf(ex->allowed, sizeof(ex->allowed), "length %llu to %llu",
			 (unsigned long long)lo[2], (unsigned long long)hi[2]);
}

/* Reads the TLVs that follow the echoed request in an error or DONE. */
static void extack_parse_tlvs(const unsigned char *p, size_t left,
			      struct extack *ex)
{
	struct tlv t;
	uint32_t v;

	while (next_tlv(&p, &left, &t)) {
		switch (t.type) {
		case NLMSGERR_ATTR_MSG:
			/* The kernel NUL-terminates it; trust only its length. */
			if (t.len) {
				size_t n = strnlen((const char *)t.data, t.len);

				if (n >= sizeof(ex->msg))
					n = sizeof(ex->msg) - 1;
				memcpy(ex->msg, t.data, n);
				ex->msg[n] = '\0';
			}
			break;
		case NLMSGERR_ATTR_POLICY:
			extack_parse_policy(t.data, t.len, ex);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
		case NLMSGERR_ATTR_OFFS:
			if (t.len < sizeof(v))
				break;
			memcpy(&v, t.data, sizeof(v));
			if (t.type == NLMSGERR_ATTR_OFFS)
				ex->bad_offset = (long)v;
			else
				ex->miss_type = (int)v;
			break;
		default:
			break;
		}
	}
}

void extack_clear(struct extack *ex)
{
	memset(ex, 0, sizeof(*ex));
	ex->miss_type = -1;
	ex->bad_offset = -1;
	ex->bad_attr = -1;
}

int extack_parse(const struct nlmsghdr *nlh, size_t len, struct extack *ex)
{
	const unsigned char *base = (const unsigned char *)nlh;
	size_t payload, tlv_off;
	int32_t error;

	extack_clear(ex);
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    nlh->nlmsg_len > len)
		return -1;
	payload = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (payload < sizeof(error))
		return -1;
	memcpy(&error, base + NLMSG_HDRLEN, sizeof(error));
	ex->error = error < 0 ? -error : error;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsghdr req;

		if (payload < sizeof(struct nlmsgerr))
			return -1;
		memcpy(&req, base + NLMSG_HDRLEN + offsetof(struct nlmsgerr, msg),
		       sizeof(req));
		tlv_off = sizeof(struct nlmsgerr);
		/* Without NLM_F_CAPPED the whole request is echoed. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (req.nlmsg_len < NLMSG_HDRLEN)
				return -1;
			tlv_off += req.nlmsg_len - NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		tlv_off = sizeof(error);
	} else {
		return -1;
	}
	tlv_off = NLMSG_ALIGN(tlv_off);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || tlv_off >= payload)
		return 0;
	extack_parse_tlvs(base + NLMSG_HDRLEN + tlv_off, payload - tlv_off, ex);
	return 0;
}

/* The state of one request while its replies are read. */
struct transaction {
	struct snap_nl *nl;
	uint32_t seq;
	bool done;
	int error;			/* negative errno */
	snap_nl_object_cb cb;
	void *arg;
};

static void fail_locally(struct transaction *t, int error, const char *msg)
{
	t->error = -error;
	t->nl->last.error = error;
	snprintf(t->nl->last.msg, sizeof(t->nl->last.msg), "%s", msg);
	t->done = true;
}

/* Replies to earlier requests (one that failed midway) are skipped. */
static int on_seq_check(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[SNAP_A_MAX + 1];
	struct genlmsghdr *gh;
	int ret;

	if (nlh->nlmsg_type != t->nl->family)
		return NL_SKIP;
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, SNAP_A_MAX, snap_policy) < 0) {
		fail_locally(t, EPROTO, "malformed reply from the kernel");
		return NL_STOP;
	}
	gh = nlmsg_data(nlh);
	if (!t->cb)
		return NL_OK;
	ret = t->cb(gh->cmd, tb, t->arg);
	if (ret < 0) {
		t->error = ret;
		t->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct transaction *t = arg;
	/* libnl hands us the payload; the header and TLVs surround it. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)nla;
	if (nlh->nlmsg_seq != t->seq)
		return NL_SKIP;
	if (extack_parse(nlh, nlh->nlmsg_len, &t->nl->last) < 0)
		t->nl->last.error = e->error < 0 ? -e->error : e->error;
	t->error = -t->nl->last.error;
	t->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

/* A dump that fails midway says so in NLMSG_DONE's payload. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct extack ex;

	t->done = true;
	if (extack_parse(nlh, nlh->nlmsg_len, &ex) == 0 && ex.error) {
		t->nl->last = ex;
		t->error = -ex.error;
	}
	return NL_STOP;
}

static int enable_ext_ack(struct nl_sock *sk)
{
	int one = 1, fd = nl_socket_get_fd(sk);

	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		return -errno;
	/* The kernel need not echo our request back in errors. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

int snap_nl_open(struct snap_nl **out, char *why, size_t len)
{
	struct snap_nl *nl = calloc(1, sizeof(*nl));
	int err;

	*out = NULL;
	if (!nl || !(nl->sk = nl_socket_alloc()) ||
	    !(nl->cb = nl_cb_alloc(NL_CB_CUSTOM))) {
		snprintf(why, len, "out of memory");
		snap_nl_close(nl);
		return -ENOMEM;
	}
	/* Dumps can exceed a page; let libnl size its buffer by peeking. */
	nl_socket_enable_msg_peek(nl->sk);
	/* We ask for ACKs ourselves: doit requests only, never dumps. */
	nl_socket_disable_auto_ack(nl->sk);
	err = genl_connect(nl->sk);
	if (err < 0) {
		snprintf(why, len, "cannot open a generic netlink socket: %s",
			 nl_geterror(err));
		snap_nl_close(nl);
		return -EIO;
	}
	err = enable_ext_ack(nl->sk);
	if (err) {
		snprintf(why, len, "cannot enable extended ACKs: %s", strerror(-err));
		snap_nl_close(nl);
		return err;
	}
	nl->family = genl_ctrl_resolve(nl->sk, SNAP_GENL_NAME);
	if (nl->family < 0) {
		snprintf(why, len,
			 "snap module not loaded (no generic netlink family \"%s\")",
			 SNAP_GENL_NAME);
		snap_nl_close(nl);
		return -ENOENT;
	}
	*out = nl;
	return 0;
}

void snap_nl_close(struct snap_nl *nl)
{
	if (!nl)
		return;
	nl_cb_put(nl->cb);
	nl_socket_free(nl->sk);
	free(nl);
}

struct nl_msg *snap_nl_request(struct snap_nl *nl, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : NLM_F_ACK, cmd, SNAP_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * The attribute of our request an error's offset points at: the kernel
 * names the offending attribute that way, not in its message.
 */
int extack_bad_attr(const struct nlmsghdr *req, long offset)
{
	struct nlattr a;

	if (offset < (long)NLMSG_HDRLEN ||
	    (unsigned long)offset + NLA_HDRLEN > req->nlmsg_len)
		return -1;
	memcpy(&a, (const char *)req + offset, sizeof(a));
	return a.nla_type & NLA_TYPE_MASK;
}

int snap_nl_transact(struct snap_nl *nl, struct nl_msg *msg,
		     snap_nl_object_cb cb, void *arg)
{
	struct transaction t = { .nl = nl, .cb = cb, .arg = arg };
	int err;

	extack_clear(&nl->last);
	err = nl_send_auto(nl->sk, msg);
	t.seq = nlmsg_hdr(msg)->nlmsg_seq;
	if (err < 0) {
		nlmsg_free(msg);
		fail_locally(&t, EIO, nl_geterror(err));
		return t.error;
	}
	nl_cb_set(nl->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, &t);
	nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(nl->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_set(nl->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_err(nl->cb, NL_CB_CUSTOM, on_error, &t);
	while (!t.done) {
		err = nl_recvmsgs(nl->sk, nl->cb);
		if (err < 0 && !t.done)
			fail_locally(&t, EIO, nl_geterror(err));
	}
	if (t.error && nl->last.bad_offset >= 0)
		nl->last.bad_attr = extack_bad_attr(nlmsg_hdr(msg), nl->last.bad_offset);
	nlmsg_free(msg);
	return t.error;
}

const struct extack *snap_nl_last_error(const struct snap_nl *nl)
{
	return &nl->last;
}
