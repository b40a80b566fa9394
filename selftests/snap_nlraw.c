// SPDX-License-Identifier: GPL-2.0
/*
 * snap_nlraw: raw generic netlink and /dev/snap helper for the VM selftests.
 *
 * It speaks to the "snap" family byte by byte with libmnl, so the selftests
 * do not depend on snapadm and can send what snapadm never would: missing,
 * duplicate, oversize, wrongly typed and unknown attributes, unknown
 * commands. Every netlink request asks for extended acks, so each refusal
 * can be checked for its extack text.
 *
 * usage: snap_nlraw [-u UID] COMMAND [ARGS]
 *   family                  print the family id and the events group id
 *   snapshot                print every object of every GET dump, sorted
 *   setup                   create the objects badinput and perm work on
 *   badinput                the table-driven bad-input test (TAP)
 *   perm                    as a non-root user: every change EPERM, reads work (TAP)
 *   devcheck                the /dev/snap ioctl contract, no daemon attached (TAP)
 *   req CMD [--dump] [--expect E] [ATTR=VALUE...]
 *                           one request; prints the objects it returns
 *   monitor [--timeout S]   print events, one a line, until S seconds pass
 *                           without one (0 or absent: until killed)
 *   info [--flags N] [--reserved N] [--pid N] [--expect E]
 *   attach-once [--abi-major N] [--flags N] [--reserved N] [--expect E]
 *   attach-hold             attach as the daemon, print "attached pid=N",
 *                           stay attached until SIGTERM or SIGINT
 *   open-dev [--expect E]   open /dev/snap read-write
 * -u UID drops to that uid and gid (no groups, no capabilities) first.
 * E is an errno name (EINVAL), a number, "ok" for success or "any" for any
 * error. Exit status: 0 as expected, 1 not, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/snap.h>

#include "nl-gen.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DEV_PATH	"/dev/snap"
#define EXPECT_ANY	(-1)	/* any error will do */

/* ------------------------------------------------------------------ */
/* small helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("snap_nlraw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->p ? sb->p + sb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if ((size_t)n < room) {
			sb->len += n;
			return;
		}
		sb->cap = (sb->cap + n + 1) * 2;
		sb->p = xrealloc(sb->p, sb->cap);
	}
}

static void sb_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->p)
		sb->p[0] = '\0';
}

static const struct {
	int num;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
	{ ENOTTY, "ENOTTY" }, { ERANGE, "ERANGE" }, { EMSGSIZE, "EMSGSIZE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOBUFS, "ENOBUFS" },
	{ EPROTO, "EPROTO" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ESRCH, "ESRCH" }, { ENXIO, "ENXIO" }, { ENOTCONN, "ENOTCONN" },
};

static const char *errname(int e)
{
	static char buf[32];

	if (e == 0)
		return "ok";
	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].num == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* "EINVAL", "22", "ok"/"0" (success), "any" (EXPECT_ANY). */
static int parse_expect(const char *s)
{
	char *end;
	long v;

	if (!strcmp(s, "ok"))
		return 0;
	if (!strcmp(s, "any"))
		return EXPECT_ANY;
	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
		if (!strcmp(errnames[i].name, s))
			return errnames[i].num;
	v = strtol(s, &end, 0);
	if (*s && !*end && v >= 0)
		return (int)v;
	die("bad errno '%s'", s);
}

static bool expect_matches(int expect, int got)
{
	if (expect == EXPECT_ANY)
		return got != 0;
	return expect == got;
}

static unsigned long long parse_num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end)
		die("bad number '%s'", s);
	return v;
}

/* ------------------------------------------------------------------ */
/*
 * what the family looks like: snap_nl_attrs and snap_nl_cmds, generated
 * from Documentation/netlink/specs/snap.yaml (userspace/lib/nl-gen.c)
 */

static const char *attr_name(unsigned int type)
{
	static char buf[4][24];
	static unsigned int slot;

	type &= NLA_TYPE_MASK;
	if (type <= SNAP_A_MAX && snap_nl_attrs[type].name)
		return snap_nl_attrs[type].name;
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "attr%u", type);
	return buf[slot];
}

static enum snap_nl_type attr_kind(unsigned int type)
{
	type &= NLA_TYPE_MASK;
	return type <= SNAP_A_MAX ? snap_nl_attrs[type].type : SNAP_NL_NONE;
}

static int attr_by_name(const char *name, size_t len)
{
	for (unsigned int t = 1; t <= SNAP_A_MAX; t++) {
		const char *n = snap_nl_attrs[t].name;
		size_t i;

		if (!n || strlen(n) != len)
			continue;
		for (i = 0; i < len; i++)
			if (n[i] != name[i] && !(n[i] == '-' && name[i] == '_'))
				break;
		if (i == len)
			return (int)t;
	}
	return -1;
}

static const char *cmd_name(unsigned int cmd)
{
	static char buf[24];

	if (cmd <= SNAP_CMD_MAX && snap_nl_cmds[cmd].name)
		return snap_nl_cmds[cmd].name;
	snprintf(buf, sizeof(buf), "cmd%u", cmd);
	return buf;
}

/*
 * The object a command is about, as snapshot and event lines start:
 * "nvme-ctrl" for nvme-ctrl-get and nvme-ctrl-attach-ns.
 */
static const char *cmd_obj(unsigned int cmd)
{
	static char buf[24];
	const char *name = cmd_name(cmd), *end;

	end = strstr(name, "-attach-");
	if (!end)
		end = strstr(name, "-detach-");
	if (!end)
		end = strrchr(name, '-');
	if (!end || cmd > SNAP_CMD_MAX || !snap_nl_cmds[cmd].name)
		return name;
	snprintf(buf, sizeof(buf), "%.*s", (int)(end - name), name);
	return buf;
}

static int cmd_by_name(const char *name)
{
	for (unsigned int c = 1; c <= SNAP_CMD_MAX; c++) {
		const char *n = snap_nl_cmds[c].name;
		size_t i;

		if (!n || strlen(n) != strlen(name))
			continue;
		for (i = 0; n[i]; i++)
			if (n[i] != name[i] && !(n[i] == '-' && name[i] == '_'))
				break;
		if (!n[i])
			return (int)c;
	}
	return -1;
}

/* The commands whose dumps make up the registry, in snapshot order. */
static const uint8_t dump_cmds[] = {
	SNAP_CMD_EMU_GET, SNAP_CMD_FUNC_GET, SNAP_CMD_SUBSYS_GET, SNAP_CMD_NS_GET,
	SNAP_CMD_NVME_CTRL_GET, SNAP_CMD_VBLK_CTRL_GET, SNAP_CMD_BDEV_GET,
};
#define NUM_DUMPS ARRAY_SIZE(dump_cmds)

/* ------------------------------------------------------------------ */
/* requests: a list of raw attributes, so anything can be sent */

struct rattr {
	uint16_t type;		/* may carry NLA_F_NESTED */
	uint16_t len;
	unsigned char *data;
};

#define REQ_MAX_ATTRS	24

struct req {
	uint8_t cmd;
	bool dump;
	unsigned int trailing;	/* bytes of garbage after the attributes */
	unsigned int n;
	struct rattr a[REQ_MAX_ATTRS];
};

static struct req *req_new(uint8_t cmd)
{
	struct req *r = xmalloc(sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	return r;
}

static struct req *put_raw(struct req *r, uint16_t type, const void *data, size_t len)
{
	struct rattr *a;

	if (r->n == REQ_MAX_ATTRS)
		die("too many attributes");
	if (len > 0xffff - NLA_HDRLEN)
		die("attribute too long");
	a = &r->a[r->n++];
	a->type = type;
	a->len = (uint16_t)len;
	a->data = xmalloc(len);
	if (len)
		memcpy(a->data, data, len);
	return r;
}

static struct req *put_str(struct req *r, uint16_t type, const char *s)
{
	return put_raw(r, type, s, strlen(s) + 1);
}

static struct req *put_u8(struct req *r, uint16_t type, uint8_t v)
{
	return put_raw(r, type, &v, sizeof(v));
}

static struct req *put_u32(struct req *r, uint16_t type, uint32_t v)
{
	return put_raw(r, type, &v, sizeof(v));
}

static struct req *put_u64(struct req *r, uint16_t type, uint64_t v)
{
	return put_raw(r, type, &v, sizeof(v));
}

static struct req *put_flag(struct req *r, uint16_t type)
{
	return put_raw(r, type, NULL, 0);
}

static struct req *req_clone(const struct req *r)
{
	struct req *c = req_new(r->cmd);

	c->dump = r->dump;
	c->trailing = r->trailing;
	for (unsigned int i = 0; i < r->n; i++)
		put_raw(c, r->a[i].type, r->a[i].data, r->a[i].len);
	return c;
}

static struct req *req_drop(struct req *r, uint16_t type)
{
	unsigned int i, j;

	for (i = j = 0; i < r->n; i++) {
		if ((r->a[i].type & NLA_TYPE_MASK) == type) {
			free(r->a[i].data);
			continue;
		}
		r->a[j++] = r->a[i];
	}
	r->n = j;
	return r;
}

/* Replaces the attribute (keeping its place) or appends it. */
static struct req *req_set(struct req *r, uint16_t type, const void *data, size_t len)
{
	for (unsigned int i = 0; i < r->n; i++) {
		if ((r->a[i].type & NLA_TYPE_MASK) != type)
			continue;
		free(r->a[i].data);
		r->a[i].data = xmalloc(len);
		if (len)
			memcpy(r->a[i].data, data, len);
		r->a[i].len = (uint16_t)len;
		return r;
	}
	return put_raw(r, type, data, len);
}

static struct req *set_str(struct req *r, uint16_t type, const char *s)
{
	return req_set(r, type, s, strlen(s) + 1);
}

static struct req *set_u8(struct req *r, uint16_t type, uint8_t v)
{
	return req_set(r, type, &v, sizeof(v));
}

static struct req *set_u32(struct req *r, uint16_t type, uint32_t v)
{
	return req_set(r, type, &v, sizeof(v));
}

static struct req *set_u64(struct req *r, uint16_t type, uint64_t v)
{
	return req_set(r, type, &v, sizeof(v));
}

/* ------------------------------------------------------------------ */
/* netlink */

struct nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t mcgrp;		/* id of "events", 0 when not found */
};

struct result {
	int err;		/* 0 or a positive errno */
	bool has_msg;
	char msg[512];
	bool has_miss;
	uint32_t miss_type;
	bool has_offs;
	uint32_t offs;
	unsigned int nobjs;	/* data messages that came back */
};

typedef void (*obj_cb)(const struct nlmsghdr *nlh, void *arg);

static char sbuf_req[1 << 16];
static char sbuf_rx[1 << 16];

static void nl_open(struct nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk)
		die("netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind: %s", strerror(errno));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned int)time(NULL);
	/* The extack text and the missing-attribute type, without the echo. */
	if (mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		die("NETLINK_EXT_ACK: %s", strerror(errno));
	if (mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		die("NETLINK_CAP_ACK: %s", strerror(errno));
}

static void parse_tlvs(const struct nlmsghdr *nlh, size_t off, struct result *res)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG: {
			size_t len = mnl_attr_get_payload_len(a);
			const char *s = mnl_attr_get_payload(a);

			if (len >= sizeof(res->msg))
				len = sizeof(res->msg) - 1;
			memcpy(res->msg, s, len);
			res->msg[len] = '\0';
			res->has_msg = res->msg[0] != '\0';
			break;
		}
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_get_payload_len(a) == 4) {
				res->has_offs = true;
				res->offs = mnl_attr_get_u32(a);
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_get_payload_len(a) == 4) {
				res->has_miss = true;
				res->miss_type = mnl_attr_get_u32(a);
			}
			break;
		default:
			break;
		}
	}
}

/*
 * Sends one message and reads until its ack (doit) or NLMSG_DONE (dump).
 * Data messages go to @cb. Returns 0 when the exchange completed (the
 * request's own outcome is in @res), -errno on a socket failure.
 */
static int nl_transact(struct nl *nl, struct nlmsghdr *nlh, obj_cb cb, void *arg,
		       struct result *res)
{
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	uint32_t seq = ++nl->seq;

	memset(res, 0, sizeof(*res));
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, sbuf_rx, sizeof(sbuf_rx));
		const struct nlmsghdr *m;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)sbuf_rx; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != nl->portid)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				size_t off = sizeof(*e);

				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e))
					return -EPROTO;
				if (!(m->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
				res->err = -e->error;
				parse_tlvs(m, off, res);
				return 0;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(m);

				if (mnl_nlmsg_get_payload_len(m) >= sizeof(int)) {
					res->err = -*e;
					parse_tlvs(m, sizeof(int), res);
				}
				if (dump)
					return 0;
				continue;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			res->nobjs++;
			if (cb)
				cb(m, arg);
		}
	}
}

struct family_info {
	uint16_t id;
	uint32_t grp;
};

static void family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct family_info *fi = arg;
	const struct nlattr *a, *g, *x;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			fi->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a) {
				const char *name = NULL;
				uint32_t id = 0;

				mnl_attr_for_each_nested(x, g) {
					if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME)
						name = mnl_attr_get_str(x);
					else if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID)
						id = mnl_attr_get_u32(x);
				}
				if (name && !strcmp(name, SNAP_GENL_MCGRP_EVENTS))
					fi->grp = id;
			}
			break;
		default:
			break;
		}
	}
}

/* Resolves the family through the generic netlink controller. */
static int nl_resolve(struct nl *nl, struct result *res)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(sbuf_req);
	struct genlmsghdr *g;
	struct family_info fi = { 0, 0 };
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SNAP_GENL_NAME);
	ret = nl_transact(nl, nlh, family_cb, &fi, res);
	if (ret)
		return ret;
	if (res->err)
		return -res->err;
	if (!fi.id)
		return -ENOENT;
	nl->family = fi.id;
	nl->mcgrp = fi.grp;
	return 0;
}

static void nl_open_family(struct nl *nl)
{
	struct result res;
	int ret;

	nl_open(nl);
	ret = nl_resolve(nl, &res);
	if (ret) {
		printf("Bail out! generic netlink family \"%s\" not found: %s%s%s\n",
		       SNAP_GENL_NAME, strerror(-ret), res.has_msg ? ": " : "",
		       res.has_msg ? res.msg : "");
		exit(1);
	}
}

static struct nlmsghdr *req_build(const struct nl *nl, const struct req *r, bool ack)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(sbuf_req);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (r->dump)
		nlh->nlmsg_flags |= NLM_F_DUMP;
	else if (ack)
		nlh->nlmsg_flags |= NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = r->cmd;
	g->version = SNAP_GENL_VERSION;
	for (unsigned int i = 0; i < r->n; i++)
		if (!mnl_attr_put_check(nlh, sizeof(sbuf_req) - 64, r->a[i].type,
					r->a[i].len, r->a[i].data))
			die("request too long");
	if (r->trailing) {
		memset((char *)nlh + nlh->nlmsg_len, 0xa5, r->trailing);
		nlh->nlmsg_len += r->trailing;
	}
	return nlh;
}

static int nl_req(struct nl *nl, const struct req *r, obj_cb cb, void *arg,
		  struct result *res)
{
	return nl_transact(nl, req_build(nl, r, true), cb, arg, res);
}

/* A socket that listens on the events group. */
static bool ev_open(struct nl *ev, const struct nl *nl)
{
	int sz = 4 << 20;

	nl_open(ev);
	ev->family = nl->family;
	ev->mcgrp = nl->mcgrp;
	if (!nl->mcgrp)
		return false;
	/* Bursts of events must not overflow: ask for a large buffer. */
	if (setsockopt(mnl_socket_get_fd(ev->sk), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(mnl_socket_get_fd(ev->sk), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (mnl_socket_setsockopt(ev->sk, NETLINK_ADD_MEMBERSHIP, &ev->mcgrp,
				  sizeof(ev->mcgrp)) < 0)
		return false;
	return true;
}

/*
 * Reads the events queued on @ev, waiting up to @timeout_ms for the first.
 * Returns how many arrived, or -errno (ENOBUFS: some were lost).
 */
static int ev_drain(struct nl *ev, int timeout_ms, obj_cb cb, void *arg)
{
	int fd = mnl_socket_get_fd(ev->sk);
	int count = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const struct nlmsghdr *m;
		ssize_t n;
		int len, pr;

		pr = poll(&pfd, 1, count ? 0 : timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return count;
		n = recv(fd, sbuf_rx, sizeof(sbuf_rx), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)sbuf_rx; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			count++;
			if (cb)
				cb(m, arg);
		}
		/* After the first batch, only what is already queued. */
		timeout_ms = 0;
	}
}

/* ------------------------------------------------------------------ */
/* printing objects: "<obj> attr=value ..." */

static void fmt_str(struct sbuf *sb, const char *s, size_t len)
{
	bool quote = len == 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			quote = true;
	if (!quote) {
		sb_printf(sb, "%.*s", (int)len, s);
		return;
	}
	sb_printf(sb, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sb_printf(sb, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sb_printf(sb, "\\x%02x", c);
		else
			sb_printf(sb, "%c", c);
	}
	sb_printf(sb, "\"");
}

static void fmt_hex(struct sbuf *sb, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		sb_printf(sb, "%02x", p[i]);
}

static void fmt_value(struct sbuf *sb, const struct nlattr *a)
{
	uint16_t type = mnl_attr_get_type(a);
	size_t len = mnl_attr_get_payload_len(a);
	const void *p = mnl_attr_get_payload(a);
	const struct nlattr *x;
	bool first = true;

	switch (attr_kind(type)) {
	case SNAP_NL_U8:
		if (len == 1) {
			sb_printf(sb, "%u", *(const uint8_t *)p);
			return;
		}
		break;
	case SNAP_NL_U32:
		if (len == 4) {
			sb_printf(sb, "%" PRIu32, mnl_attr_get_u32(a));
			return;
		}
		break;
	case SNAP_NL_U64:
		if (len == 8) {
			sb_printf(sb, "%" PRIu64, mnl_attr_get_u64(a));
			return;
		}
		break;
	case SNAP_NL_STRING:
		if (len >= 1 && memchr(p, '\0', len) == (const char *)p + len - 1) {
			fmt_str(sb, p, len - 1);
			return;
		}
		break;
	case SNAP_NL_FLAG:
		if (len == 0)
			return;
		break;
	case SNAP_NL_BINARY:
		fmt_hex(sb, p, len);
		return;
	case SNAP_NL_NEST:
		sb_printf(sb, "[");
		mnl_attr_for_each_nested(x, a) {
			sb_printf(sb, "%s", first ? "" : ",");
			first = false;
			fmt_value(sb, x);
		}
		sb_printf(sb, "]");
		return;
	default:
		break;
	}
	sb_printf(sb, "<len %zu:", len);
	fmt_hex(sb, p, len);
	sb_printf(sb, ">");
}

static void fmt_attrs(struct sbuf *sb, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type == SNAP_A_PAD)
			continue;
		sb_printf(sb, " %s", attr_name(type));
		if (attr_kind(type) == SNAP_NL_FLAG && mnl_attr_get_payload_len(a) == 0)
			continue;
		sb_printf(sb, "=");
		fmt_value(sb, a);
	}
}

static uint8_t msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	return g->cmd;
}

/* One object as a line, named after the object type @obj_of's command has. */
static void fmt_obj(struct sbuf *sb, uint8_t obj_of, const struct nlmsghdr *nlh)
{
	sb_printf(sb, "%s", cmd_obj(obj_of));
	fmt_attrs(sb, nlh);
}

/* ------------------------------------------------------------------ */
/* registry snapshots */

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct snapshot {
	struct lines lines;		/* every object, sorted */
	unsigned int count[NUM_DUMPS];
	int err;			/* first dump that failed: errno */
	char errmsg[640];
};

struct dump_ctx {
	struct lines *lines;
	uint8_t cmd;
	struct sbuf sb;
};

static void dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *d = arg;

	sb_reset(&d->sb);
	fmt_obj(&d->sb, d->cmd, nlh);
	lines_add(d->lines, d->sb.p);
}

static void snapshot_free(struct snapshot *s)
{
	lines_free(&s->lines);
	memset(s, 0, sizeof(*s));
}

static int take_snapshot(struct nl *nl, struct snapshot *s)
{
	struct dump_ctx d = { .lines = NULL };

	memset(s, 0, sizeof(*s));
	d.lines = &s->lines;
	for (size_t i = 0; i < NUM_DUMPS; i++) {
		struct req r = { .cmd = dump_cmds[i], .dump = true };
		struct result res;
		size_t before = s->lines.n;
		int ret;

		d.cmd = dump_cmds[i];
		ret = nl_req(nl, &r, dump_cb, &d, &res);
		if (ret)
			res.err = -ret;
		s->count[i] = (unsigned int)(s->lines.n - before);
		if (res.err && !s->err) {
			s->err = res.err;
			snprintf(s->errmsg, sizeof(s->errmsg), "%s dump: %s%s%s",
				 cmd_name(dump_cmds[i]), errname(res.err),
				 res.has_msg ? ": " : "", res.has_msg ? res.msg : "");
		}
	}
	free(d.sb.p);
	qsort(s->lines.v, s->lines.n, sizeof(*s->lines.v), cmp_str);
	return s->err;
}

static bool snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
	if (a->lines.n != b->lines.n)
		return false;
	for (size_t i = 0; i < a->lines.n; i++)
		if (strcmp(a->lines.v[i], b->lines.v[i]))
			return false;
	return true;
}

static void snapshot_counts(const struct snapshot *s, struct sbuf *sb)
{
	for (size_t i = 0; i < NUM_DUMPS; i++)
		sb_printf(sb, "%s%s=%u", i ? " " : "", cmd_obj(dump_cmds[i]),
			  s->count[i]);
}

/* Prints up to @max lines that differ, as TAP comments. */
static void snapshot_diff(const struct snapshot *a, const struct snapshot *b, int max)
{
	size_t i = 0, j = 0;
	int shown = 0;

	while ((i < a->lines.n || j < b->lines.n) && shown < max) {
		int c;

		if (i == a->lines.n)
			c = 1;
		else if (j == b->lines.n)
			c = -1;
		else
			c = strcmp(a->lines.v[i], b->lines.v[j]);
		if (!c) {
			i++;
			j++;
			continue;
		}
		if (c < 0)
			printf("#   - %s\n", a->lines.v[i++]);
		else
			printf("#   + %s\n", b->lines.v[j++]);
		shown++;
	}
}

/* ------------------------------------------------------------------ */
/* /dev/snap */

static int dev_open(void)
{
	int fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int dev_info(int fd, struct snap_ioc_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, SNAP_IOC_INFO, info) < 0 ? -errno : 0;
}

static int dev_attach(int fd, struct snap_ioc_attach *at)
{
	return ioctl(fd, SNAP_IOC_ATTACH, at) < 0 ? -errno : 0;
}

static void attach_init(struct snap_ioc_attach *at)
{
	memset(at, 0, sizeof(*at));
	at->abi_major = SNAP_ABI_MAJOR;
	at->abi_minor = SNAP_ABI_MINOR;
	at->features = SNAP_F_ALL;
}

/* ------------------------------------------------------------------ */
/* TAP */

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
	if (!ok)
		tap_failed++;
	fflush(stdout);
	return ok;
}

static int tap_done(void)
{
	printf("1..%u\n", tap_n);
	printf("# %u of %u failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

static void print_result(const char *prefix, const struct result *res)
{
	printf("# %s%s", prefix, errname(res->err));
	if (res->has_msg)
		printf(" \"%s\"", res->msg);
	if (res->has_miss)
		printf(" (missing %s)", attr_name(res->miss_type));
	printf("\n");
}

/* ------------------------------------------------------------------ */
/* the objects badinput and perm work on */

/*
 * Module parameters these expect (SNAP_STD_PARAMS in lib.sh):
 * internal_cpu_model=1 sriov_en=1 nvme_emulation_enable=1
 * nvme_emulation_num_pf=2 nvme_emulation_num_msix=8 nvme_emulation_num_vf=2
 * nvme_emulation_num_vf_msix=4 virtio_blk_emulation_enable=1
 * virtio_blk_emulation_num_pf=4 virtio_blk_emulation_num_msix=8
 *
 * NVMe functions: PF 0 NVMeCtrl0 (sub0, suspended, ns 1), PF 1 NVMeCtrl1
 * (sub1, ns 1), PF 1 VF 0 NVMeCtrl2 (sub0, nothing attached); PF 0 VF 0
 * and VF 1 free. virtio-blk PFs: 0 VblkCtrl0 (Null0, suspended),
 * 1 VblkCtrl1 and 2 VblkCtrl2 (no bdev), 3 free.
 */
#define NQN0	"nqn.2023-05.io.snap:sub0"	/* nn 8: ns 1 (Malloc0), 2 (Malloc1), 4 (Malloc3) */
#define NQN1	"nqn.2023-05.io.snap:sub1"	/* nn 1, single_ctrl: full */
#define NQN2	"nqn.2023-05.io.snap:sub2"	/* empty */
#define NQNNEW	"nqn.2023-05.io.snap:new"
#define NQNNONE	"nqn.2023-05.io.snap:nosuch"

static const uint8_t uuid_a[SNAP_UUID_LEN] = {
	0x5a, 0x9e, 0x11, 0x22, 0x33, 0x44, 0x45, 0x55,
	0x86, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
};

static const uint8_t uuid_b[SNAP_UUID_LEN] = {
	0x5a, 0x9e, 0x11, 0x22, 0x33, 0x44, 0x45, 0x55,
	0x86, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x01,
};

static struct req *bdev_req(const char *name, uint8_t type, uint64_t blocks, uint32_t bs)
{
	struct req *r = req_new(SNAP_CMD_BDEV_NEW);

	put_str(r, SNAP_A_NAME, name);
	put_u8(r, SNAP_A_BDEV_TYPE, type);
	if (blocks)
		put_u64(r, SNAP_A_NUM_BLOCKS, blocks);
	if (bs)
		put_u32(r, SNAP_A_BLOCK_SIZE, bs);
	return r;
}

static struct req **setup_reqs(unsigned int *n)
{
	static struct req *v[40];
	unsigned int k = 0;
	struct req *r;

	v[k++] = bdev_req("Malloc0", SNAP_BDEV_MALLOC, 8192, 4096);
	v[k++] = bdev_req("Malloc1", SNAP_BDEV_MALLOC, 2048, 512);
	v[k++] = bdev_req("Malloc2", SNAP_BDEV_MALLOC, 1024, 512);
	v[k++] = bdev_req("Malloc3", SNAP_BDEV_MALLOC, 1024, 512);
	v[k++] = bdev_req("Null0", SNAP_BDEV_NULL, 1024, 512);
	v[k++] = bdev_req("Free0", SNAP_BDEV_NULL, 1024, 512);
	v[k++] = bdev_req("Free1", SNAP_BDEV_NULL, 1024, 512);
	v[k++] = bdev_req("Free2", SNAP_BDEV_NULL, 1024, 512);
	v[k++] = bdev_req("Del0", SNAP_BDEV_NULL, 1024, 512);
	r = bdev_req("Uring0", SNAP_BDEV_URING, 0, 4096);
	v[k++] = put_str(r, SNAP_A_FILENAME, "/tmp/snap-nlraw.img");
	r = bdev_req("Nvmf0", SNAP_BDEV_NVMF, 0, 0);
	v[k++] = put_str(r, SNAP_A_BDEV_ARGS,
			 "trtype=tcp traddr=127.0.0.1 trsvcid=4420 subnqn=nqn.2023-05.io.snap:remote");

	r = req_new(SNAP_CMD_SUBSYS_NEW);
	put_str(r, SNAP_A_NQN, NQN0);
	put_str(r, SNAP_A_SERIAL_NUMBER, "SNAPSUB0");
	put_str(r, SNAP_A_MODEL_NUMBER, "snap sub0");
	put_u32(r, SNAP_A_NN, 8);
	v[k++] = put_u32(r, SNAP_A_MNAN, 8);
	r = req_new(SNAP_CMD_SUBSYS_NEW);
	put_str(r, SNAP_A_NQN, NQN1);
	put_u32(r, SNAP_A_NN, 1);
	v[k++] = put_flag(r, SNAP_A_SINGLE_CTRL);
	r = req_new(SNAP_CMD_SUBSYS_NEW);
	v[k++] = put_str(r, SNAP_A_NQN, NQN2);

	r = req_new(SNAP_CMD_NS_NEW);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 1);
	v[k++] = put_str(r, SNAP_A_BDEV_NAME, "Malloc0");
	r = req_new(SNAP_CMD_NS_NEW);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 2);
	v[k++] = put_str(r, SNAP_A_BDEV_NAME, "Malloc1");
	r = req_new(SNAP_CMD_NS_NEW);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 4);
	put_str(r, SNAP_A_BDEV_NAME, "Malloc3");
	v[k++] = put_raw(r, SNAP_A_UUID, uuid_a, sizeof(uuid_a));
	r = req_new(SNAP_CMD_NS_NEW);	/* nsid omitted: the lowest free, 1 */
	put_str(r, SNAP_A_NQN, NQN1);
	v[k++] = put_str(r, SNAP_A_BDEV_NAME, "Malloc2");

	r = req_new(SNAP_CMD_NVME_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_PF_ID, 0);
	v[k++] = put_u8(r, SNAP_A_STATE, SNAP_CTRL_SUSPENDED);
	r = req_new(SNAP_CMD_NVME_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "NVMeCtrl1");
	put_str(r, SNAP_A_NQN, NQN1);
	put_u32(r, SNAP_A_PF_ID, 1);
	put_u32(r, SNAP_A_NUM_QUEUES, 4);
	v[k++] = put_u8(r, SNAP_A_MDTS, 5);
	r = req_new(SNAP_CMD_NVME_CTRL_NEW);	/* a second one on sub0 */
	put_str(r, SNAP_A_NAME, "NVMeCtrl2");
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_PF_ID, 1);
	v[k++] = put_u32(r, SNAP_A_VF_ID, 0);
	r = req_new(SNAP_CMD_NVME_CTRL_ATTACH_NS);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	v[k++] = put_u32(r, SNAP_A_NSID, 1);
	r = req_new(SNAP_CMD_NVME_CTRL_ATTACH_NS);
	put_str(r, SNAP_A_NAME, "NVMeCtrl1");
	v[k++] = put_u32(r, SNAP_A_NSID, 1);

	r = req_new(SNAP_CMD_VBLK_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "VblkCtrl0");
	put_u32(r, SNAP_A_PF_ID, 0);
	put_str(r, SNAP_A_BDEV_NAME, "Null0");
	v[k++] = put_u8(r, SNAP_A_STATE, SNAP_CTRL_SUSPENDED);
	r = req_new(SNAP_CMD_VBLK_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "VblkCtrl1");
	v[k++] = put_u32(r, SNAP_A_PF_ID, 1);
	r = req_new(SNAP_CMD_VBLK_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "VblkCtrl2");
	v[k++] = put_str(r, SNAP_A_VUID, "SNAPSIM00000VBLKS1D2F0");
	*n = k;
	return v;
}

static void describe_req(struct sbuf *sb, const struct req *r)
{
	sb_printf(sb, "%s%s", cmd_name(r->cmd), r->dump ? " (dump)" : "");
	for (unsigned int i = 0; i < r->n; i++) {
		const struct rattr *a = &r->a[i];
		enum snap_nl_type k = attr_kind(a->type);

		sb_printf(sb, " %s", attr_name(a->type));
		if (k == SNAP_NL_STRING && a->len && a->len <= 48 &&
		    memchr(a->data, '\0', a->len) == a->data + a->len - 1) {
			sb_printf(sb, "=");
			fmt_str(sb, (char *)a->data, a->len - 1);
		} else if (k == SNAP_NL_U32 && a->len == 4) {
			uint32_t v;

			memcpy(&v, a->data, 4);
			sb_printf(sb, "=%" PRIu32, v);
		} else if (k == SNAP_NL_U8 && a->len == 1) {
			sb_printf(sb, "=%u", a->data[0]);
		} else if (k == SNAP_NL_U64 && a->len == 8) {
			uint64_t v;

			memcpy(&v, a->data, 8);
			sb_printf(sb, "=%" PRIu64, v);
		} else if (!(k == SNAP_NL_FLAG && !a->len)) {
			sb_printf(sb, "=<%u bytes>", a->len);
		}
	}
}

/* Creates the objects; prints one TAP line per request when @as_tap. */
static int do_setup(struct nl *nl, bool as_tap)
{
	struct req **v;
	unsigned int n;
	int failed = 0;

	v = setup_reqs(&n);
	for (unsigned int i = 0; i < n; i++) {
		struct sbuf sb = { NULL, 0, 0 };
		struct result res;
		int ret = nl_req(nl, v[i], NULL, NULL, &res);

		if (ret)
			res.err = -ret;
		describe_req(&sb, v[i]);
		if (as_tap) {
			if (!tap(res.err == 0, "setup: %s", sb.p))
				print_result("got ", &res);
		} else if (res.err) {
			fprintf(stderr, "setup: %s: %s%s%s\n", sb.p, errname(res.err),
				res.has_msg ? ": " : "", res.has_msg ? res.msg : "");
		}
		if (res.err)
			failed++;
		free(sb.p);
	}
	return failed;
}

/* ------------------------------------------------------------------ */
/* base requests: valid against the setup, one per command */

struct base {
	struct req *req;
	uint16_t required[3];	/* 0-terminated */
	uint8_t ev_cmd;		/* the event the control must announce */
};

static struct base bases[SNAP_CMD_MAX + 1];

static void build_bases(void)
{
	struct req *r;

#define BASE(c, ev, ...) do { \
		static const uint16_t req_[] = { __VA_ARGS__ }; \
		bases[c].req = r; \
		bases[c].ev_cmd = ev; \
		memcpy(bases[c].required, req_, sizeof(req_)); \
	} while (0)

	r = req_new(SNAP_CMD_EMU_GET);
	put_str(r, SNAP_A_EMU_NAME, "sim0");
	BASE(SNAP_CMD_EMU_GET, 0, 0);

	r = req_new(SNAP_CMD_FUNC_GET);
	put_u8(r, SNAP_A_FUNC_TYPE, SNAP_FUNC_NVME);
	put_u32(r, SNAP_A_PF_ID, 0);
	put_u32(r, SNAP_A_VF_ID, 1);
	BASE(SNAP_CMD_FUNC_GET, 0, 0);

	r = req_new(SNAP_CMD_SUBSYS_NEW);
	put_str(r, SNAP_A_NQN, NQNNEW);
	put_str(r, SNAP_A_SERIAL_NUMBER, "SNAPNEW0");
	put_str(r, SNAP_A_MODEL_NUMBER, "snap new");
	put_u32(r, SNAP_A_NN, 8);
	put_u32(r, SNAP_A_MNAN, 4);
	put_flag(r, SNAP_A_SINGLE_CTRL);
	BASE(SNAP_CMD_SUBSYS_NEW, SNAP_CMD_SUBSYS_NEW, SNAP_A_NQN, 0);

	r = req_new(SNAP_CMD_SUBSYS_DEL);
	put_str(r, SNAP_A_NQN, NQN2);
	BASE(SNAP_CMD_SUBSYS_DEL, SNAP_CMD_SUBSYS_DEL, SNAP_A_NQN, 0);

	r = req_new(SNAP_CMD_SUBSYS_GET);
	put_str(r, SNAP_A_NQN, NQN0);
	BASE(SNAP_CMD_SUBSYS_GET, 0, SNAP_A_NQN, 0);

	r = req_new(SNAP_CMD_SUBSYS_SET);
	put_str(r, SNAP_A_NQN, NQN2);
	put_str(r, SNAP_A_SERIAL_NUMBER, "SNAPSUB2X");
	put_str(r, SNAP_A_MODEL_NUMBER, "changed model");
	put_u32(r, SNAP_A_MNAN, 2);
	BASE(SNAP_CMD_SUBSYS_SET, SNAP_CMD_SUBSYS_SET, SNAP_A_NQN, 0);

	r = req_new(SNAP_CMD_NS_NEW);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 3);
	put_str(r, SNAP_A_BDEV_NAME, "Free0");
	put_raw(r, SNAP_A_UUID, uuid_b, sizeof(uuid_b));
	BASE(SNAP_CMD_NS_NEW, SNAP_CMD_NS_NEW, SNAP_A_NQN, SNAP_A_BDEV_NAME, 0);

	r = req_new(SNAP_CMD_NS_DEL);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 4);
	BASE(SNAP_CMD_NS_DEL, SNAP_CMD_NS_DEL, SNAP_A_NQN, SNAP_A_NSID, 0);

	r = req_new(SNAP_CMD_NS_GET);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 1);
	BASE(SNAP_CMD_NS_GET, 0, SNAP_A_NQN, SNAP_A_NSID, 0);

	r = req_new(SNAP_CMD_NS_SET);
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_NSID, 4);
	put_u8(r, SNAP_A_READY, 1);
	BASE(SNAP_CMD_NS_SET, SNAP_CMD_NS_SET, SNAP_A_NQN, SNAP_A_NSID, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "NVMeCtrlT");
	put_str(r, SNAP_A_NQN, NQN0);
	put_u32(r, SNAP_A_PF_ID, 0);
	put_u32(r, SNAP_A_VF_ID, 1);
	put_u32(r, SNAP_A_NUM_QUEUES, 2);
	put_u8(r, SNAP_A_MDTS, 6);
	put_u8(r, SNAP_A_STATE, SNAP_CTRL_SUSPENDED);
	BASE(SNAP_CMD_NVME_CTRL_NEW, SNAP_CMD_NVME_CTRL_NEW, SNAP_A_NQN, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_DEL);
	put_str(r, SNAP_A_NAME, "NVMeCtrl1");
	BASE(SNAP_CMD_NVME_CTRL_DEL, SNAP_CMD_NVME_CTRL_DEL, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_GET);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	BASE(SNAP_CMD_NVME_CTRL_GET, 0, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_STATS_GET);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	BASE(SNAP_CMD_NVME_CTRL_STATS_GET, 0, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_SET);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	put_u8(r, SNAP_A_STATE, SNAP_CTRL_RUNNING);
	BASE(SNAP_CMD_NVME_CTRL_SET, SNAP_CMD_NVME_CTRL_SET, SNAP_A_NAME, SNAP_A_STATE, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_ATTACH_NS);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	put_u32(r, SNAP_A_NSID, 2);
	BASE(SNAP_CMD_NVME_CTRL_ATTACH_NS, SNAP_CMD_NVME_CTRL_SET, SNAP_A_NAME, SNAP_A_NSID, 0);

	r = req_new(SNAP_CMD_NVME_CTRL_DETACH_NS);
	put_str(r, SNAP_A_NAME, "NVMeCtrl0");
	put_u32(r, SNAP_A_NSID, 1);
	BASE(SNAP_CMD_NVME_CTRL_DETACH_NS, SNAP_CMD_NVME_CTRL_SET, SNAP_A_NAME, SNAP_A_NSID, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_NEW);
	put_str(r, SNAP_A_NAME, "VblkCtrlT");
	put_u32(r, SNAP_A_PF_ID, 3);
	put_str(r, SNAP_A_BDEV_NAME, "Free1");
	put_u32(r, SNAP_A_NUM_QUEUES, 2);
	put_u32(r, SNAP_A_QUEUE_SIZE, 64);
	put_u32(r, SNAP_A_SEG_MAX, 16);
	put_u32(r, SNAP_A_SIZE_MAX, 4096);
	put_flag(r, SNAP_A_READ_ONLY);
	put_str(r, SNAP_A_SERIAL_NUMBER, "VBLKT0001");
	put_u8(r, SNAP_A_STATE, SNAP_CTRL_SUSPENDED);
	BASE(SNAP_CMD_VBLK_CTRL_NEW, SNAP_CMD_VBLK_CTRL_NEW, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_DEL);
	put_str(r, SNAP_A_NAME, "VblkCtrl2");
	BASE(SNAP_CMD_VBLK_CTRL_DEL, SNAP_CMD_VBLK_CTRL_DEL, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_GET);
	put_str(r, SNAP_A_NAME, "VblkCtrl0");
	BASE(SNAP_CMD_VBLK_CTRL_GET, 0, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_STATS_GET);
	put_str(r, SNAP_A_NAME, "VblkCtrl0");
	BASE(SNAP_CMD_VBLK_CTRL_STATS_GET, 0, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_SET);
	put_str(r, SNAP_A_NAME, "VblkCtrl0");
	put_u32(r, SNAP_A_NUM_QUEUES, 3);
	put_u32(r, SNAP_A_NUM_MSIX, 6);
	BASE(SNAP_CMD_VBLK_CTRL_SET, SNAP_CMD_VBLK_CTRL_SET, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV);
	put_str(r, SNAP_A_NAME, "VblkCtrl1");
	put_str(r, SNAP_A_BDEV_NAME, "Free2");
	BASE(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV, SNAP_CMD_VBLK_CTRL_SET, SNAP_A_NAME,
	     SNAP_A_BDEV_NAME, 0);

	r = req_new(SNAP_CMD_VBLK_CTRL_DETACH_BDEV);
	put_str(r, SNAP_A_NAME, "VblkCtrl0");
	BASE(SNAP_CMD_VBLK_CTRL_DETACH_BDEV, SNAP_CMD_VBLK_CTRL_SET, SNAP_A_NAME, 0);

	r = bdev_req("New0", SNAP_BDEV_MALLOC, 256, 512);
	BASE(SNAP_CMD_BDEV_NEW, SNAP_CMD_BDEV_NEW, SNAP_A_NAME, SNAP_A_BDEV_TYPE, 0);

	r = req_new(SNAP_CMD_BDEV_DEL);
	put_str(r, SNAP_A_NAME, "Del0");
	BASE(SNAP_CMD_BDEV_DEL, SNAP_CMD_BDEV_DEL, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_BDEV_GET);
	put_str(r, SNAP_A_NAME, "Malloc0");
	BASE(SNAP_CMD_BDEV_GET, 0, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_BDEV_STATS_GET);
	put_str(r, SNAP_A_NAME, "Malloc0");
	BASE(SNAP_CMD_BDEV_STATS_GET, 0, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_BDEV_SET);
	put_str(r, SNAP_A_NAME, "Del0");
	put_u8(r, SNAP_A_READY, 1);
	BASE(SNAP_CMD_BDEV_SET, SNAP_CMD_BDEV_SET, SNAP_A_NAME, 0);

	r = req_new(SNAP_CMD_EMU_SET);
	put_str(r, SNAP_A_EMU_NAME, "sim0");
	put_u8(r, SNAP_A_LOG_LEVEL, 3);
	BASE(SNAP_CMD_EMU_SET, SNAP_CMD_EMU_SET, SNAP_A_LOG_LEVEL, 0);
#undef BASE
}

/*
 * The order the controls run the change bases in: each keeps the bases
 * after it valid (e.g. the namespace set before the one deleted).
 */
static const uint8_t control_order[] = {
	SNAP_CMD_SUBSYS_NEW, SNAP_CMD_SUBSYS_SET, SNAP_CMD_SUBSYS_DEL,
	SNAP_CMD_NS_NEW, SNAP_CMD_NS_SET, SNAP_CMD_NS_DEL,
	SNAP_CMD_NVME_CTRL_ATTACH_NS, SNAP_CMD_NVME_CTRL_DETACH_NS,
	SNAP_CMD_NVME_CTRL_SET, SNAP_CMD_NVME_CTRL_NEW, SNAP_CMD_NVME_CTRL_DEL,
	SNAP_CMD_VBLK_CTRL_NEW, SNAP_CMD_VBLK_CTRL_SET, SNAP_CMD_VBLK_CTRL_ATTACH_BDEV,
	SNAP_CMD_VBLK_CTRL_DETACH_BDEV, SNAP_CMD_VBLK_CTRL_DEL,
	SNAP_CMD_BDEV_NEW, SNAP_CMD_BDEV_SET, SNAP_CMD_BDEV_DEL,
	SNAP_CMD_EMU_SET,
};

/* ------------------------------------------------------------------ */
/* the bad-input table */

struct tcase {
	char desc[200];
	struct req *req;
	int expect;		/* errno, or EXPECT_ANY */
	int expect_alt;		/* another acceptable errno, or 0 */
	uint16_t miss;		/* the missing attribute to be named, or 0 */
	bool core;		/* refused by the genl core: no extack text needed */
};

static struct tcase *cases;
static unsigned int ncases, capcases;

static struct tcase *add_case(struct req *r, int expect, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct tcase *add_case(struct req *r, int expect, const char *fmt, ...)
{
	struct tcase *t;
	va_list ap;
	int n;

	if (ncases == capcases) {
		capcases = capcases ? capcases * 2 : 256;
		cases = xrealloc(cases, capcases * sizeof(*cases));
	}
	t = &cases[ncases++];
	memset(t, 0, sizeof(*t));
	n = snprintf(t->desc, sizeof(t->desc), "%s%s: ", cmd_name(r->cmd),
		     r->dump ? " dump" : "");
	va_start(ap, fmt);
	vsnprintf(t->desc + n, sizeof(t->desc) - n, fmt, ap);
	va_end(ap);
	t->req = r;
	t->expect = expect;
	return t;
}

/* A string of @len bytes (no NUL counted) that starts like @prefix. */
static char *padded(const char *prefix, size_t len)
{
	char *s = xmalloc(len + 1);
	size_t p = strlen(prefix);

	if (p > len)
		p = len;
	memcpy(s, prefix, p);
	memset(s + p, 'x', len - p);
	s[len] = '\0';
	return s;
}

static unsigned int big_len(unsigned int max)
{
	if (max < 100)
		return 100;
	if (max < 300)
		return 300;
	return max + 904;
}

/* Defects any command can carry, each on an otherwise valid request. */
static void gen_generic(uint8_t cmd)
{
	const struct base *b = &bases[cmd];
	const struct req *base = b->req;
	struct req *r;
	uint32_t one = 1;

	for (unsigned int i = 0; i < 3 && b->required[i]; i++) {
		struct tcase *t;

		r = req_drop(req_clone(base), b->required[i]);
		t = add_case(r, EINVAL, "missing %s", attr_name(b->required[i]));
		t->miss = b->required[i];
	}
	for (unsigned int i = 0; i < base->n; i++) {
		const struct rattr *a = &base->a[i];
		const char *an = attr_name(a->type);
		const struct snap_nl_attr *ai = &snap_nl_attrs[a->type & NLA_TYPE_MASK];
		uint64_t zero8 = 0;
		char *s;

		r = put_raw(req_clone(base), a->type, a->data, a->len);
		add_case(r, EXPECT_ANY, "duplicate %s (same value twice)", an);

		switch (ai->type) {
		case SNAP_NL_U32:
			r = req_set(req_clone(base), a->type, a->data, 1);
			add_case(r, EXPECT_ANY, "%s as u8 (1 byte) where u32 expected", an);
			r = req_set(req_clone(base), a->type, &zero8, 8);
			add_case(r, EXPECT_ANY, "%s as u64 (8 bytes) where u32 expected", an);
			break;
		case SNAP_NL_U8:
			r = req_set(req_clone(base), a->type, &one, 4);
			add_case(r, EXPECT_ANY, "%s as u32 (4 bytes) where u8 expected", an);
			break;
		case SNAP_NL_U64:
			r = req_set(req_clone(base), a->type, a->data, 4);
			add_case(r, EXPECT_ANY, "%s as u32 (4 bytes) where u64 expected", an);
			break;
		case SNAP_NL_FLAG:
			r = req_set(req_clone(base), a->type, &one, 4);
			add_case(r, EXPECT_ANY, "flag %s with a 4-byte payload", an);
			break;
		case SNAP_NL_BINARY:
			r = req_set(req_clone(base), a->type, a->data, ai->len - 1);
			add_case(r, EXPECT_ANY, "%s of %u bytes (exactly %u expected)", an,
				 ai->len - 1, ai->len);
			s = xmalloc(ai->len + 1);
			memcpy(s, a->data, a->len < ai->len ? a->len : ai->len);
			s[ai->len] = 0x42;
			r = req_set(req_clone(base), a->type, s, ai->len + 1);
			add_case(r, EXPECT_ANY, "%s of %u bytes (exactly %u expected)", an,
				 ai->len + 1, ai->len);
			free(s);
			break;
		case SNAP_NL_STRING:
			r = req_set(req_clone(base), a->type, a->data, a->len - 1);
			add_case(r, EXPECT_ANY, "%s without its NUL", an);
			r = req_set(req_clone(base), a->type, NULL, 0);
			add_case(r, EXPECT_ANY, "%s empty (zero-length payload)", an);
			s = padded((const char *)a->data, ai->len);
			r = set_str(req_clone(base), a->type, s);
			add_case(r, EXPECT_ANY, "%s of %u bytes + NUL (limit %u with the NUL)",
				 an, ai->len, ai->len);
			free(s);
			s = padded((const char *)a->data, big_len(ai->len));
			r = set_str(req_clone(base), a->type, s);
			add_case(r, EXPECT_ANY, "%s of %u bytes (oversize)", an, big_len(ai->len));
			free(s);
			break;
		default:
			break;
		}
	}
	if (base->n) {
		r = req_clone(base);
		r->a[0].type |= NLA_F_NESTED;
		add_case(r, EXPECT_ANY, "NLA_F_NESTED set on %s", attr_name(r->a[0].type));
	}
	r = put_u32(req_clone(base), SNAP_A_MAX + 1, 1);
	add_case(r, EXPECT_ANY, "unknown attribute type %u (SNAP_A_MAX+1)", SNAP_A_MAX + 1);
	r = put_u32(req_clone(base), 0x3fff, 1);
	add_case(r, EXPECT_ANY, "unknown attribute type 16383");
	r = put_u32(req_clone(base), SNAP_A_UNSPEC, 1);
	add_case(r, EXPECT_ANY, "attribute type 0 (SNAP_A_UNSPEC)");
	r = put_u32(req_clone(base), SNAP_A_DAEMON_PID, 1);
	add_case(r, EXPECT_ANY, "daemon-pid, an attribute no request takes");
	{
		struct nlattr na = { .nla_len = 8, .nla_type = SNAP_A_NSID };
		unsigned char nest[8];

		memcpy(nest, &na, 4);
		memcpy(nest + 4, &one, 4);
		r = put_raw(req_clone(base), SNAP_A_NSIDS | NLA_F_NESTED, nest, sizeof(nest));
		add_case(r, EXPECT_ANY, "nsids nest, a reply-only attribute");
	}
	r = req_clone(base);
	r->trailing = 2;
	add_case(r, EXPECT_ANY, "2 bytes of garbage after the attributes");

	if (snap_nl_cmds[cmd].dump) {
		/* Dumps take the same attributes as filters: same validation. */
		r = put_u32(req_clone(base), SNAP_A_MAX + 1, 1);
		r->dump = true;
		add_case(r, EXPECT_ANY, "unknown attribute type %u in a dump", SNAP_A_MAX + 1);
		if (base->n) {
			r = req_clone(base);
			r->dump = true;
			put_raw(r, r->a[0].type, r->a[0].data, r->a[0].len);
			add_case(r, EXPECT_ANY, "duplicate %s in a dump", attr_name(r->a[0].type));
			if (attr_kind(base->a[0].type) == SNAP_NL_STRING) {
				char *s = padded((const char *)base->a[0].data, 300);

				r = req_clone(base);
				r->dump = true;
				set_str(r, base->a[0].type, s);
				add_case(r, EXPECT_ANY, "%s of 300 bytes in a dump",
					 attr_name(base->a[0].type));
				free(s);
			} else {
				r = req_clone(base);
				r->dump = true;
				r->a[0].len = r->a[0].len == 1 ? 0 : 1;
				add_case(r, EXPECT_ANY, "%s of wrong length in a dump",
					 attr_name(base->a[0].type));
			}
		}
	}
}

static struct req *from(uint8_t cmd)
{
	return req_clone(bases[cmd].req);
}

/* Rules of Documentation/control-plane.md, each broken on its own. */
static void gen_specific(void)
{
	struct req *r;
	struct tcase *t;
	uint8_t zero_uuid[SNAP_UUID_LEN] = { 0 };

	/* emulation managers and functions */
	add_case(set_str(from(SNAP_CMD_EMU_GET), SNAP_A_EMU_NAME, "sim9"), ENOENT,
		 "no such emulation manager sim9");
	add_case(set_str(from(SNAP_CMD_EMU_SET), SNAP_A_EMU_NAME, "sim9"), ENOENT,
		 "emu-set on no such emulation manager sim9");
	add_case(set_u8(from(SNAP_CMD_EMU_SET), SNAP_A_LOG_LEVEL, SNAP_LOG_LEVEL_MAX + 1),
		 ERANGE, "log-level above SNAP_LOG_LEVEL_MAX");
	add_case(req_new(SNAP_CMD_FUNC_GET), EINVAL, "no function given");
	add_case(set_u8(from(SNAP_CMD_FUNC_GET), SNAP_A_FUNC_TYPE, 5), EXPECT_ANY,
		 "func-type 5 (out of range)");
	t = add_case(set_u32(from(SNAP_CMD_FUNC_GET), SNAP_A_PF_ID, 9), ENOENT,
		     "pf-id 9 (no such PF; 4 is the most any load has)");
	t->expect_alt = ERANGE;
	r = req_drop(set_u32(from(SNAP_CMD_FUNC_GET), SNAP_A_PF_ID, 2), SNAP_A_VF_ID);
	add_case(r, ENOENT, "NVMe pf-id 2 (this load has 2 NVMe PFs)");
	add_case(set_u32(from(SNAP_CMD_FUNC_GET), SNAP_A_VF_ID, 9), ENOENT, "vf-id 9 (no such VF)");
	r = put_str(req_new(SNAP_CMD_FUNC_GET), SNAP_A_VUID, "SNAPSIM00000NVMES1D9F0");
	add_case(r, ENOENT, "no such vuid");

	/* subsystems */
	add_case(set_str(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_NQN, NQN0), EEXIST, "nqn taken");
	add_case(set_str(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_NQN, "iqn.2023-05.io.snap:new"),
		 EINVAL, "nqn not starting with \"nqn.\"");
	add_case(set_str(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_NQN, ""), EXPECT_ANY, "empty nqn");
	add_case(set_u32(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_NN, 0), ERANGE, "nn=0 (range 1-4096)");
	r = set_u32(set_u32(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_NN, SNAP_NVME_NN_MAX + 1),
		    SNAP_A_MNAN, 4);
	add_case(r, ERANGE, "nn=SNAP_NVME_NN_MAX + 1 (range 1-4096)");
	add_case(set_u32(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_MNAN, 0), ERANGE, "mnan=0 (range 1-nn)");
	add_case(set_u32(from(SNAP_CMD_SUBSYS_NEW), SNAP_A_MNAN, 9), ERANGE,
		 "mnan=9 with nn=8 (range 1-nn)");
	add_case(set_str(from(SNAP_CMD_SUBSYS_DEL), SNAP_A_NQN, NQNNONE), ENOENT, "no such nqn");
	add_case(set_str(from(SNAP_CMD_SUBSYS_DEL), SNAP_A_NQN, NQN0), EBUSY,
		 "subsystem with namespaces and a controller, no force");
	add_case(set_str(from(SNAP_CMD_SUBSYS_GET), SNAP_A_NQN, NQNNONE), ENOENT, "no such nqn");
	add_case(set_str(from(SNAP_CMD_SUBSYS_SET), SNAP_A_NQN, NQNNONE), ENOENT, "no such nqn");
	add_case(set_u32(from(SNAP_CMD_SUBSYS_SET), SNAP_A_MNAN, 0), ERANGE, "mnan=0");
	add_case(set_u32(from(SNAP_CMD_SUBSYS_SET), SNAP_A_MNAN, 1025), ERANGE,
		 "mnan=1025 above nn=1024");
	r = set_u32(set_str(from(SNAP_CMD_SUBSYS_SET), SNAP_A_NQN, NQN0), SNAP_A_MNAN, 2);
	add_case(r, EXPECT_ANY, "mnan=2 below the 3 namespaces it holds");

	/* namespaces */
	add_case(set_u32(from(SNAP_CMD_NS_NEW), SNAP_A_NSID, 0), ERANGE, "nsid=0 (range 1-nn)");
	add_case(set_u32(from(SNAP_CMD_NS_NEW), SNAP_A_NSID, 9), ERANGE, "nsid=9 above nn=8");
	add_case(set_u32(from(SNAP_CMD_NS_NEW), SNAP_A_NSID, 1), EEXIST, "nsid 1 taken");
	r = set_str(set_u32(from(SNAP_CMD_NS_NEW), SNAP_A_NSID, 1), SNAP_A_BDEV_NAME, "Malloc0");
	add_case(r, EEXIST, "namespace 1 on Malloc0 again (exists before its bdev in use)");
	add_case(set_str(from(SNAP_CMD_NS_NEW), SNAP_A_NQN, NQNNONE), ENOENT, "no such nqn");
	add_case(set_str(from(SNAP_CMD_NS_NEW), SNAP_A_BDEV_NAME, "NoSuch"), ENOENT,
		 "no such bdev");
	add_case(set_str(from(SNAP_CMD_NS_NEW), SNAP_A_BDEV_NAME, "Malloc0"), EXPECT_ANY,
		 "bdev used by another namespace");
	add_case(set_str(from(SNAP_CMD_NS_NEW), SNAP_A_BDEV_NAME, "Null0"), EXPECT_ANY,
		 "bdev used by a virtio-blk controller");
	add_case(req_set(from(SNAP_CMD_NS_NEW), SNAP_A_UUID, zero_uuid, sizeof(zero_uuid)),
		 EINVAL, "all-zero uuid");
	r = req_drop(set_str(from(SNAP_CMD_NS_NEW), SNAP_A_NQN, NQN1), SNAP_A_NSID);
	add_case(r, E2BIG, "subsystem full (nn=1 reached), nsid omitted");
	add_case(set_u32(from(SNAP_CMD_NS_DEL), SNAP_A_NSID, 7), ENOENT, "no such nsid");
	add_case(set_str(from(SNAP_CMD_NS_DEL), SNAP_A_NQN, NQNNONE), ENOENT, "no such nqn");
	add_case(set_u32(from(SNAP_CMD_NS_DEL), SNAP_A_NSID, 1), EBUSY,
		 "namespace attached to a controller, no force");
	add_case(set_u32(from(SNAP_CMD_NS_GET), SNAP_A_NSID, 7), ENOENT, "no such nsid");
	add_case(set_u32(from(SNAP_CMD_NS_SET), SNAP_A_NSID, 7), ENOENT, "no such nsid");
	add_case(set_u8(from(SNAP_CMD_NS_SET), SNAP_A_READY, 2), ERANGE, "ready=2 (0 or 1)");

	/* NVMe controllers */
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_NAME, "NVMeCtrl0"), EEXIST,
		 "name taken");
	r = req_drop(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_VF_ID);
	add_case(r, EEXIST, "function (NVMe PF 0) already has a controller");
	t = add_case(set_u32(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_PF_ID, 9), ENOENT, "pf-id 9");
	t->expect_alt = ERANGE;
	r = req_drop(set_u32(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_PF_ID, 2), SNAP_A_VF_ID);
	add_case(r, ENOENT, "NVMe pf-id 2 (this load has 2 NVMe PFs)");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_VF_ID, 9), ENOENT, "vf-id 9");
	r = req_drop(req_drop(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_PF_ID), SNAP_A_VF_ID);
	put_str(r, SNAP_A_VUID, "SNAPSIM00000VBLKS1D3F0");
	add_case(r, EXPECT_ANY, "vuid of a virtio-blk function");
	r = req_drop(req_drop(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_PF_ID), SNAP_A_VF_ID);
	add_case(r, EINVAL, "no function (neither pf-id nor vuid)");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_NQN, NQNNONE), ENOENT,
		 "no such nqn");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_NUM_QUEUES, 0), ERANGE,
		 "num-queues=0");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_NUM_QUEUES, 5), ERANGE,
		 "num-queues=5 above the VF's num_msix 4");
	add_case(set_u8(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_MDTS, 0), ERANGE, "mdts=0 (1-9)");
	add_case(set_u8(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_MDTS, SNAP_NVME_MDTS_MAX + 1),
		 ERANGE, "mdts=SNAP_NVME_MDTS_MAX + 1 (1-9)");
	add_case(set_u8(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_STATE, 2), ERANGE, "state=2");
	r = set_u32(set_str(from(SNAP_CMD_NVME_CTRL_NEW), SNAP_A_NQN, NQN1), SNAP_A_VF_ID, 0);
	add_case(r, EXPECT_ANY, "second controller on a single_ctrl subsystem");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_DEL), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_DEL), SNAP_A_NAME, "VblkCtrl0"), ENOENT,
		 "a virtio-blk controller's name");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_GET), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_SET), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_u8(from(SNAP_CMD_NVME_CTRL_SET), SNAP_A_STATE, 2), ERANGE, "state=2");
	r = set_u32(set_str(from(SNAP_CMD_NVME_CTRL_ATTACH_NS), SNAP_A_NAME, "NVMeCtrl1"),
		    SNAP_A_NSID, 2);
	add_case(r, EXPECT_ANY, "namespace of another subsystem");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_ATTACH_NS), SNAP_A_NSID, 7), ENOENT,
		 "no such nsid");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_ATTACH_NS), SNAP_A_NSID, 0), EXPECT_ANY,
		 "nsid=0");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_ATTACH_NS), SNAP_A_NSID, 1), EXPECT_ANY,
		 "namespace already attached");
	r = set_u32(set_str(from(SNAP_CMD_NVME_CTRL_ATTACH_NS), SNAP_A_NAME, "NVMeCtrl2"),
		    SNAP_A_NSID, 1);
	add_case(r, EXPECT_ANY, "namespace attached to another controller (no sharing)");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_ATTACH_NS), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_u32(from(SNAP_CMD_NVME_CTRL_DETACH_NS), SNAP_A_NSID, 2), EXPECT_ANY,
		 "namespace not attached");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_DETACH_NS), SNAP_A_NAME, "NVMeCtrl2"),
		 EXPECT_ANY, "namespace attached to another controller of the subsystem");
	add_case(set_str(from(SNAP_CMD_NVME_CTRL_DETACH_NS), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");

	/* virtio-blk controllers */
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_NAME, "VblkCtrl0"), EEXIST,
		 "name taken");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_NAME, "NVMeCtrl0"), EEXIST,
		 "name taken by an NVMe controller");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_PF_ID, 0), EEXIST,
		 "function (virtio-blk PF 0) already has a controller");
	t = add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_PF_ID, 9), ENOENT, "pf-id 9");
	t->expect_alt = ERANGE;
	r = put_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_VF_ID, 0);
	add_case(r, ENOENT, "vf-id 0 (this load has no virtio-blk VFs)");
	r = req_drop(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_PF_ID);
	put_str(r, SNAP_A_VUID, "SNAPSIM00000NVMES1D0F2");
	add_case(r, EXPECT_ANY, "vuid of an NVMe function");
	add_case(req_drop(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_PF_ID), EINVAL,
		 "no function (neither pf-id nor vuid)");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_BDEV_NAME, "NoSuch"), ENOENT,
		 "no such bdev");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_BDEV_NAME, "Malloc0"), EXPECT_ANY,
		 "bdev used by a namespace");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_BDEV_NAME, "Null0"), EXPECT_ANY,
		 "bdev used by another virtio-blk controller");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_QUEUE_SIZE, 3), EXPECT_ANY,
		 "queue-size=3 (not a power of two)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_QUEUE_SIZE, 1), EXPECT_ANY,
		 "queue-size=1 (2-32768)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_QUEUE_SIZE, 65536), EXPECT_ANY,
		 "queue-size=65536 (2-32768)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_SEG_MAX, 0), EXPECT_ANY,
		 "seg-max=0 (1-4096)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_SEG_MAX, 3), EXPECT_ANY,
		 "seg-max=3 (not a power of two)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_SEG_MAX, 8192), EXPECT_ANY,
		 "seg-max=8192 (1-4096)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_SIZE_MAX, 256), EXPECT_ANY,
		 "size-max=256 (512-1GiB)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_SIZE_MAX, 1000), EXPECT_ANY,
		 "size-max=1000 (not a power of two)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_SIZE_MAX, 1U << 31), EXPECT_ANY,
		 "size-max=2GiB (512-1GiB)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_NUM_QUEUES, 0), ERANGE,
		 "num-queues=0");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_NUM_QUEUES, 8), ERANGE,
		 "num-queues=8 (num_msix 8 leaves 7)");
	add_case(set_u8(from(SNAP_CMD_VBLK_CTRL_NEW), SNAP_A_STATE, 2), ERANGE, "state=2");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_DEL), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_DEL), SNAP_A_NAME, "NVMeCtrl0"), ENOENT,
		 "an NVMe controller's name");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_GET), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NUM_QUEUES, 0), ERANGE,
		 "num-queues=0");
	r = req_drop(set_u32(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NUM_QUEUES, 8), SNAP_A_NUM_MSIX);
	add_case(r, ERANGE, "num-queues=8 (num_msix 8 leaves 7)");
	r = set_u32(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NUM_QUEUES, 6);
	add_case(r, ERANGE, "num-queues=6 with num-msix=6 in the same request (leaves 5)");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NUM_MSIX, 0), ERANGE,
		 "num-msix=0");
	add_case(set_u32(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NUM_MSIX, 9), ERANGE,
		 "num-msix=9 above virtio_blk_emulation_num_msix=8");
	r = put_u8(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_STATE, 2);
	add_case(r, ERANGE, "state=2 after valid num-queues and num-msix (none may apply)");
	r = set_str(from(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV), SNAP_A_NAME, "VblkCtrl0");
	add_case(r, EBUSY, "controller already has another bdev");
	r = set_str(set_str(from(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV), SNAP_A_NAME, "VblkCtrl0"),
		    SNAP_A_BDEV_NAME, "Null0");
	add_case(r, EALREADY, "controller already has that bdev");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV), SNAP_A_BDEV_NAME, "Malloc0"),
		 EXPECT_ANY, "bdev used by a namespace");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV), SNAP_A_BDEV_NAME, "NoSuch"),
		 ENOENT, "no such bdev");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_ATTACH_BDEV), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_DETACH_BDEV), SNAP_A_NAME, "VblkCtrl1"),
		 EXPECT_ANY, "controller without a bdev");
	add_case(set_str(from(SNAP_CMD_VBLK_CTRL_DETACH_BDEV), SNAP_A_NAME, "NoSuch"), ENOENT,
		 "no such controller");

	/* bdevs */
	add_case(set_str(from(SNAP_CMD_BDEV_NEW), SNAP_A_NAME, "Malloc0"), EEXIST, "name taken");
	add_case(set_str(from(SNAP_CMD_BDEV_NEW), SNAP_A_NAME, ""), EXPECT_ANY,
		 "empty name (1-63 bytes)");
	add_case(set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, 5), ERANGE, "bdev-type=5");
	add_case(set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, 9), ERANGE, "bdev-type=9");
	/* "need num_blocks >= 1": a rule (EINVAL) or a range (ERANGE). */
	t = add_case(set_u64(from(SNAP_CMD_BDEV_NEW), SNAP_A_NUM_BLOCKS, 0), ERANGE,
		     "malloc num-blocks=0");
	t->expect_alt = EINVAL;
	t = add_case(req_drop(from(SNAP_CMD_BDEV_NEW), SNAP_A_NUM_BLOCKS), EINVAL,
		     "malloc without num-blocks");
	t->miss = SNAP_A_NUM_BLOCKS;
	t = add_case(req_drop(from(SNAP_CMD_BDEV_NEW), SNAP_A_BLOCK_SIZE), EINVAL,
		     "malloc without block-size");
	t->miss = SNAP_A_BLOCK_SIZE;
	add_case(set_u32(from(SNAP_CMD_BDEV_NEW), SNAP_A_BLOCK_SIZE, 1000), EXPECT_ANY,
		 "block-size=1000 (not a power of two)");
	add_case(set_u32(from(SNAP_CMD_BDEV_NEW), SNAP_A_BLOCK_SIZE, 256), EXPECT_ANY,
		 "block-size=256 (512-65536)");
	add_case(set_u32(from(SNAP_CMD_BDEV_NEW), SNAP_A_BLOCK_SIZE, 131072), EXPECT_ANY,
		 "block-size=131072 (512-65536)");
	add_case(set_u32(from(SNAP_CMD_BDEV_NEW), SNAP_A_BLOCK_SIZE, 0), EXPECT_ANY,
		 "block-size=0");
	r = set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, SNAP_BDEV_NULL);
	t = add_case(set_u64(r, SNAP_A_NUM_BLOCKS, 0), ERANGE, "null num-blocks=0");
	t->expect_alt = EINVAL;
	r = req_drop(set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, SNAP_BDEV_URING),
		     SNAP_A_NUM_BLOCKS);
	t = add_case(r, EINVAL, "uring without filename");
	t->miss = SNAP_A_FILENAME;
	r = req_drop(set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, SNAP_BDEV_URING),
		     SNAP_A_NUM_BLOCKS);
	add_case(put_str(r, SNAP_A_FILENAME, "disk.img"), EINVAL, "uring with a relative filename");
	r = req_drop(req_drop(set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, SNAP_BDEV_NVMF),
			      SNAP_A_NUM_BLOCKS), SNAP_A_BLOCK_SIZE);
	t = add_case(r, EINVAL, "nvmf without bdev-args");
	t->miss = SNAP_A_BDEV_ARGS;
	r = req_drop(req_drop(set_u8(from(SNAP_CMD_BDEV_NEW), SNAP_A_BDEV_TYPE, SNAP_BDEV_PLUGIN),
			      SNAP_A_NUM_BLOCKS), SNAP_A_BLOCK_SIZE);
	t = add_case(r, EINVAL, "plugin without bdev-args");
	t->miss = SNAP_A_BDEV_ARGS;
	add_case(set_str(from(SNAP_CMD_BDEV_DEL), SNAP_A_NAME, "NoSuch"), ENOENT, "no such bdev");
	add_case(set_str(from(SNAP_CMD_BDEV_DEL), SNAP_A_NAME, "Malloc0"), EBUSY,
		 "bdev used by a namespace, no force");
	add_case(set_str(from(SNAP_CMD_BDEV_DEL), SNAP_A_NAME, "Null0"), EBUSY,
		 "bdev used by a virtio-blk controller, no force");
	add_case(set_str(from(SNAP_CMD_BDEV_GET), SNAP_A_NAME, "NoSuch"), ENOENT, "no such bdev");
	add_case(set_str(from(SNAP_CMD_BDEV_SET), SNAP_A_NAME, "NoSuch"), ENOENT, "no such bdev");
	add_case(set_u8(from(SNAP_CMD_BDEV_SET), SNAP_A_READY, 2), ERANGE, "ready=2 (0 or 1)");

	/* commands that do not exist as requests: the genl core refuses them */
	t = add_case(req_new(SNAP_CMD_MAX + 1), EOPNOTSUPP, "unknown command %u (SNAP_CMD_MAX+1)",
		     SNAP_CMD_MAX + 1);
	t->core = true;
	t = add_case(req_new(200), EOPNOTSUPP, "unknown command 200");
	t->core = true;
	t = add_case(req_new(SNAP_CMD_UNSPEC), EOPNOTSUPP, "command 0 (SNAP_CMD_UNSPEC)");
	t->core = true;
	t = add_case(req_new(SNAP_CMD_DAEMON_NTF), EOPNOTSUPP, "an event-only command as a request");
	t->core = true;
	r = from(SNAP_CMD_SUBSYS_NEW);
	r->dump = true;
	t = add_case(r, EOPNOTSUPP, "a change command as a dump");
	t->core = true;
}

/* ------------------------------------------------------------------ */
/* badinput */

struct ev_tally {
	unsigned int n;
	unsigned int by_cmd[256];
	struct sbuf sb;
};

static void ev_tally_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ev_tally *t = arg;
	uint8_t cmd = msg_cmd(nlh);

	t->n++;
	t->by_cmd[cmd]++;
	if (t->sb.len < 2000) {
		sb_printf(&t->sb, "#   event %s", cmd_name(cmd));
		fmt_attrs(&t->sb, nlh);
		sb_printf(&t->sb, "\n");
	}
}

static void ev_tally_reset(struct ev_tally *t)
{
	t->n = 0;
	memset(t->by_cmd, 0, sizeof(t->by_cmd));
	sb_reset(&t->sb);
}

struct checker {
	struct nl *nl;
	struct nl *ev;
	bool have_ev;
	int devfd;		/* for the generation counter, or < 0 */
	struct snapshot ref;
	uint64_t gen;
};

static uint64_t cur_generation(struct checker *c)
{
	struct snap_ioc_info info;

	if (c->devfd < 0 || dev_info(c->devfd, &info))
		return 0;
	return info.generation;
}

static void run_case(struct checker *c, const struct tcase *t)
{
	struct result res;
	struct snapshot now;
	struct ev_tally evs = { 0, { 0 }, { NULL, 0, 0 } };
	struct sbuf why = { NULL, 0, 0 };
	bool changed = false;
	uint64_t gen;
	int ret;

	ret = nl_req(c->nl, t->req, NULL, NULL, &res);
	if (ret) {
		sb_printf(&why, " socket: %s;", strerror(-ret));
		res.err = 0;
	} else if (!res.err) {
		sb_printf(&why, " accepted;");
	} else if (!expect_matches(t->expect, res.err) &&
		   !(t->expect_alt && res.err == t->expect_alt)) {
		sb_printf(&why, " expected %s, got %s;", t->expect == EXPECT_ANY ? "an error" :
			  errname(t->expect), errname(res.err));
	}
	if (!ret && res.err && !t->core && !res.has_msg)
		sb_printf(&why, " no extack message;");
	if (!ret && res.err && t->miss && (!res.has_miss || res.miss_type != t->miss))
		sb_printf(&why, " missing-attribute type %s, expected %s;",
			  res.has_miss ? attr_name(res.miss_type) : "not set",
			  attr_name(t->miss));

	if (take_snapshot(c->nl, &now)) {
		sb_printf(&why, " snapshot failed: %s;", now.errmsg);
	} else if (!snapshot_equal(&c->ref, &now)) {
		sb_printf(&why, " registry changed;");
		changed = true;
	}
	if (c->have_ev && ev_drain(c->ev, 0, ev_tally_cb, &evs) > 0)
		sb_printf(&why, " %u event(s) announced;", evs.n);
	gen = cur_generation(c);
	if (c->devfd >= 0 && gen != c->gen)
		sb_printf(&why, " generation %" PRIu64 " -> %" PRIu64 ";", c->gen, gen);

	tap(why.len == 0, "%s", t->desc);
	if (!ret && res.err)
		print_result("", &res);
	if (why.len) {
		struct sbuf sb = { NULL, 0, 0 };

		describe_req(&sb, t->req);
		printf("#  FAILED:%s\n#  request: %.300s\n", why.p, sb.p);
		free(sb.p);
	}
	if (changed)
		snapshot_diff(&c->ref, &now, 8);
	if (evs.sb.len)
		fputs(evs.sb.p, stdout);
	/* Compare the next case against what is there now: no cascade. */
	if (changed) {
		snapshot_free(&c->ref);
		c->ref = now;
	} else {
		snapshot_free(&now);
	}
	c->gen = gen;
	free(evs.sb.p);
	free(why.p);
}

/* Runs a base request for real: it must succeed, change things and say so. */
static void run_control(struct checker *c, uint8_t cmd)
{
	const struct base *b = &bases[cmd];
	struct ev_tally evs = { 0, { 0 }, { NULL, 0, 0 } };
	struct snapshot now;
	struct result res;
	struct sbuf sb = { NULL, 0, 0 };
	bool ok;
	int ret;

	describe_req(&sb, b->req);
	ret = nl_req(c->nl, b->req, NULL, NULL, &res);
	if (ret)
		res.err = -ret;
	ok = tap(res.err == 0, "control: the valid request succeeds: %.200s", sb.p);
	if (!ok)
		print_result("got ", &res);
	free(sb.p);
	if (take_snapshot(c->nl, &now)) {
		tap(false, "control: %s: registry readable (%s)", cmd_name(cmd), now.errmsg);
		return;
	}
	if (b->ev_cmd) {
		tap(!ok || !snapshot_equal(&c->ref, &now),
		    "control: %s changed the registry", cmd_name(cmd));
		if (c->have_ev) {
			ev_drain(c->ev, 500, ev_tally_cb, &evs);
			if (!tap(!ok || evs.by_cmd[b->ev_cmd] > 0,
				 "control: %s announced %s on the events group",
				 cmd_name(cmd), cmd_name(b->ev_cmd)))
				printf("#   %u event(s) came:\n%s", evs.n, evs.sb.p ? evs.sb.p : "");
		}
		if (c->devfd >= 0) {
			uint64_t gen = cur_generation(c);

			tap(!ok || gen > c->gen, "control: %s grew the generation (%" PRIu64
			    " -> %" PRIu64 ")", cmd_name(cmd), c->gen, gen);
			c->gen = gen;
		}
	}
	snapshot_free(&c->ref);
	c->ref = now;
	free(evs.sb.p);
}

static void status_attach(struct checker *c)
{
	struct snap_ioc_attach at;
	int ret;

	attach_init(&at);
	at.features = 0;
	ret = c->devfd < 0 ? c->devfd : dev_attach(c->devfd, &at);
	tap(ret == 0, "attached to %s as the daemon, for the status reports (%s)", DEV_PATH,
	    ret ? strerror(-ret) : "ok");
}

/*
 * Ready and error reports from a process that is not the attached daemon
 * (root, CAP_NET_ADMIN: a child of it) are refused with EPERM and a
 * message. The registry and event checks after the table show that
 * nothing changed.
 */
static void status_from_other(void)
{
	struct req *reqs[] = {
		from(SNAP_CMD_BDEV_SET),
		set_str(from(SNAP_CMD_BDEV_SET), SNAP_A_ERROR, "forged"),
		from(SNAP_CMD_NS_SET),
		set_u8(req_drop(from(SNAP_CMD_NVME_CTRL_SET), SNAP_A_STATE), SNAP_A_READY, 1),
		set_str(req_drop(from(SNAP_CMD_NVME_CTRL_SET), SNAP_A_STATE), SNAP_A_ERROR, "forged"),
		set_u8(req_drop(req_drop(from(SNAP_CMD_VBLK_CTRL_SET), SNAP_A_NUM_QUEUES),
				SNAP_A_NUM_MSIX), SNAP_A_READY, 1),
	};
	struct result res[ARRAY_SIZE(reqs)];
	struct sbuf sb = { NULL, 0, 0 };
	int pfd[2];
	pid_t pid;
	bool got;

	if (pipe(pfd))
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		struct nl nl;

		close(pfd[0]);
		nl_open_family(&nl);
		for (unsigned int i = 0; i < ARRAY_SIZE(reqs); i++) {
			if (nl_req(&nl, reqs[i], NULL, NULL, &res[i]))
				res[i].err = EIO;
		}
		_exit(write(pfd[1], res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	got = read(pfd[0], res, sizeof(res)) == (ssize_t)sizeof(res);
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(reqs); i++) {
		sb_reset(&sb);
		describe_req(&sb, reqs[i]);
		if (!tap(got && res[i].err == EPERM && res[i].has_msg &&
			 strstr(res[i].msg, "attached daemon"),
			 "%s from another process than the attached daemon -> EPERM, with a "
			 "message", sb.p) && got)
			print_result("got ", &res[i]);
	}
	free(sb.p);
}

static int cmd_badinput(void)
{
	struct nl nl, ev;
	struct checker c;
	struct snapshot before, after;
	struct sbuf sb = { NULL, 0, 0 };
	struct ev_tally evs = { 0, { 0 }, { NULL, 0, 0 } };
	unsigned int i;
	int ret;

	nl_open_family(&nl);
	memset(&c, 0, sizeof(c));
	c.nl = &nl;
	c.ev = &ev;
	c.have_ev = ev_open(&ev, &nl);
	tap(c.have_ev, "the family has an \"%s\" multicast group and it can be joined",
	    SNAP_GENL_MCGRP_EVENTS);
	c.devfd = dev_open();
	if (c.devfd < 0)
		printf("# %s: %s: generation counter not checked\n", DEV_PATH, strerror(-c.devfd));
	/* Status reports are the daemon's: this process is it for the run. */
	status_attach(&c);

	if (take_snapshot(&nl, &before)) {
		tap(false, "registry readable before setup: %s", before.errmsg);
		return tap_done();
	}
	snapshot_counts(&before, &sb);
	printf("# registry at start: %s\n", sb.p);
	if (do_setup(&nl, true)) {
		printf("Bail out! setup failed: the table needs those objects\n");
		return 1;
	}
	build_bases();
	if (c.have_ev)
		ev_drain(&ev, 200, NULL, NULL);	/* the setup's own events */

	if (take_snapshot(&nl, &c.ref)) {
		tap(false, "registry readable after setup: %s", c.ref.errmsg);
		return tap_done();
	}
	sb_reset(&sb);
	snapshot_counts(&c.ref, &sb);
	printf("# registry after setup: %s\n", sb.p);
	/* A deep copy of the reference to compare the whole run against. */
	snapshot_free(&before);
	for (i = 0; i < c.ref.lines.n; i++)
		lines_add(&before.lines, c.ref.lines.v[i]);
	memcpy(before.count, c.ref.count, sizeof(before.count));
	c.gen = cur_generation(&c);

	/* The GET bases must work, or their defect cases prove nothing. */
	for (unsigned int cmd = 1; cmd <= SNAP_CMD_MAX; cmd++) {
		struct result res;

		if (!snap_nl_cmds[cmd].dump || !bases[cmd].req)
			continue;
		sb_reset(&sb);
		describe_req(&sb, bases[cmd].req);
		ret = nl_req(&nl, bases[cmd].req, NULL, NULL, &res);
		if (ret)
			res.err = -ret;
		if (!tap(res.err == 0 && res.nobjs == 1, "control: %s returns one object",
			 sb.p))
			print_result("got ", &res);
	}

	for (unsigned int cmd = 1; cmd <= SNAP_CMD_MAX; cmd++)
		if (bases[cmd].req)
			gen_generic((uint8_t)cmd);
	gen_specific();
	printf("# %u bad requests\n", ncases);
	for (i = 0; i < ncases; i++)
		run_case(&c, &cases[i]);

	status_from_other();

	if (take_snapshot(&nl, &after)) {
		tap(false, "registry readable after the table: %s", after.errmsg);
	} else {
		if (!tap(snapshot_equal(&before, &after),
			 "registry after the table equals the registry before it"))
			snapshot_diff(&before, &after, 20);
		sb_reset(&sb);
		snapshot_counts(&after, &sb);
		printf("# registry after the table: %s\n", sb.p);
	}
	if (c.have_ev) {
		ret = ev_drain(&ev, 300, ev_tally_cb, &evs);
		if (!tap(ret == 0, "no event announced for any refused request"))
			printf("%s", evs.sb.p ? evs.sb.p : "");
		ev_tally_reset(&evs);
	}

	/* Every change base, for real, in an order that keeps the rest valid. */
	for (i = 0; i < sizeof(control_order); i++)
		run_control(&c, control_order[i]);

	snapshot_free(&before);
	snapshot_free(&after);
	snapshot_free(&c.ref);
	free(sb.p);
	free(evs.sb.p);
	if (c.devfd >= 0)
		close(c.devfd);
	return tap_done();
}

/* ------------------------------------------------------------------ */
/* perm: run as a user without CAP_NET_ADMIN */

static int cmd_perm(void)
{
	struct nl nl;
	struct snapshot s;
	struct sbuf sb = { NULL, 0, 0 };
	int fd;

	nl_open_family(&nl);
	build_bases();
	printf("# uid %u euid %u\n", (unsigned int)getuid(), (unsigned int)geteuid());
	for (unsigned int cmd = 1; cmd <= SNAP_CMD_MAX; cmd++) {
		struct result res;
		int ret;

		if (!bases[cmd].req)
			continue;
		sb_reset(&sb);
		describe_req(&sb, bases[cmd].req);
		ret = nl_req(&nl, bases[cmd].req, NULL, NULL, &res);
		if (ret)
			res.err = -ret;
		if (snap_nl_cmds[cmd].admin) {
			if (!tap(res.err == EPERM, "%s -> EPERM", sb.p))
				print_result("got ", &res);
		} else {
			if (!tap(res.err == 0 && res.nobjs == 1, "%s works without privileges",
				 sb.p))
				print_result("got ", &res);
		}
	}
	/* A change command with bad attributes is still EPERM, not EINVAL. */
	{
		struct req *r = put_u32(from(SNAP_CMD_BDEV_NEW), SNAP_A_MAX + 1, 1);
		struct result res;

		if (nl_req(&nl, r, NULL, NULL, &res))
			res.err = EIO;
		if (!tap(res.err == EPERM, "bdev-new with an unknown attribute -> EPERM"))
			print_result("got ", &res);
	}
	if (take_snapshot(&nl, &s)) {
		tap(false, "every dump works without privileges: %s", s.errmsg);
	} else {
		sb_reset(&sb);
		snapshot_counts(&s, &sb);
		tap(s.count[0] == 1 && s.count[1] > 0,
		    "every dump works without privileges (%s)", sb.p);
		snapshot_free(&s);
	}
	fd = dev_open();
	tap(fd == -EACCES || fd == -EPERM, "open %s -> EACCES or EPERM (got %s)", DEV_PATH,
	    fd >= 0 ? "success" : errname(-fd));
	if (fd >= 0)
		close(fd);
	free(sb.p);
	return tap_done();
}

/* ------------------------------------------------------------------ */
/* /dev/snap checks */

struct ntf_tally {
	int attached;		/* -1: none seen */
	uint32_t pid;
	unsigned int n;
};

static void ntf_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ntf_tally *t = arg;
	const struct nlattr *a;

	if (msg_cmd(nlh) != SNAP_CMD_DAEMON_NTF)
		return;
	t->n++;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == SNAP_A_DAEMON_ATTACHED &&
		    mnl_attr_get_payload_len(a) == 1)
			t->attached = mnl_attr_get_u8(a);
		else if (mnl_attr_get_type(a) == SNAP_A_DAEMON_PID &&
			 mnl_attr_get_payload_len(a) == 4)
			t->pid = mnl_attr_get_u32(a);
	}
}

static bool expect_ntf(struct nl *ev, bool have_ev, int attached, uint32_t pid,
		       const char *what)
{
	struct ntf_tally t = { -1, 0, 0 };

	if (!have_ev)
		return true;
	ev_drain(ev, 1000, ntf_cb, &t);
	return tap(t.n == 1 && t.attached == attached && (!attached || t.pid == pid),
		   "%s announced DAEMON_NTF daemon-attached=%d daemon-pid=%u (got %u, "
		   "last attached=%d pid=%u)", what, attached, attached ? pid : 0, t.n,
		   t.attached, t.pid);
}

static uint32_t info_pid(int fd)
{
	struct snap_ioc_info info;

	if (dev_info(fd, &info))
		return (uint32_t)-1;
	return info.daemon_pid;
}

static int cmd_devcheck(void)
{
	struct nl nl, ev;
	struct snap_ioc_attach at;
	struct snap_ioc_info info;
	bool have_ev;
	int fd, fd2, ret;
	uint32_t me = (uint32_t)getpid();

	nl_open_family(&nl);
	have_ev = ev_open(&ev, &nl);
	tap(have_ev, "events group joined");
	fd = dev_open();
	if (!tap(fd >= 0, "open %s as root", DEV_PATH)) {
		printf("# %s\n", strerror(-fd));
		return tap_done();
	}
	ret = dev_info(fd, &info);
	tap(ret == 0, "SNAP_IOC_INFO works without attaching (%s)", errname(-ret));
	tap(info.abi_major == SNAP_ABI_MAJOR,
	    "INFO reports ABI %u.%u (uapi header %u.%u)", info.abi_major, info.abi_minor,
	    SNAP_ABI_MAJOR, SNAP_ABI_MINOR);
	tap((info.features & SNAP_F_ALL) == info.features,
	    "INFO features 0x%llx within SNAP_F_ALL 0x%llx", (unsigned long long)info.features,
	    (unsigned long long)SNAP_F_ALL);
	tap(info.daemon_pid == 0, "INFO daemon_pid is 0 with no daemon (got %u)", info.daemon_pid);

	memset(&info, 0, sizeof(info));
	info.flags = 1;
	ret = ioctl(fd, SNAP_IOC_INFO, &info) < 0 ? errno : 0;
	tap(ret == EINVAL, "INFO with flags=1 -> EINVAL (got %s)", errname(ret));
	memset(&info, 0, sizeof(info));
	info.reserved[1] = 1;
	ret = ioctl(fd, SNAP_IOC_INFO, &info) < 0 ? errno : 0;
	tap(ret == EINVAL, "INFO with reserved[1]=1 -> EINVAL (got %s)", errname(ret));

	attach_init(&at);
	at.flags = 1;
	ret = -dev_attach(fd, &at);
	tap(ret == EINVAL, "ATTACH with flags=1 -> EINVAL (got %s)", errname(ret));
	for (int i = 0; i < 6; i++) {
		attach_init(&at);
		at.reserved[i] = 1ULL << (i * 8);
		ret = -dev_attach(fd, &at);
		tap(ret == EINVAL, "ATTACH with reserved[%d]!=0 -> EINVAL (got %s)", i,
		    errname(ret));
	}
	attach_init(&at);
	at.abi_major = SNAP_ABI_MAJOR + 1;
	ret = -dev_attach(fd, &at);
	tap(ret == EINVAL, "ATTACH with abi_major %u -> EINVAL (got %s)", SNAP_ABI_MAJOR + 1,
	    errname(ret));
	attach_init(&at);
	at.abi_major = 0;
	ret = -dev_attach(fd, &at);
	tap(ret == EINVAL, "ATTACH with abi_major 0 -> EINVAL (got %s)", errname(ret));
	ret = ioctl(fd, SNAP_IOC_ATTACH, NULL) < 0 ? errno : 0;
	tap(ret == EFAULT, "ATTACH with a NULL argument -> EFAULT (got %s)", errname(ret));
	ret = ioctl(fd, _IO(SNAP_IOC_MAGIC, 0x7f)) < 0 ? errno : 0;
	tap(ret == ENOTTY, "unknown ioctl -> ENOTTY (got %s)", errname(ret));
	tap(info_pid(fd) == 0, "no daemon after the refused attaches");
	if (have_ev) {
		struct ntf_tally t = { -1, 0, 0 };

		ev_drain(&ev, 300, ntf_cb, &t);
		tap(t.n == 0, "no DAEMON_NTF for refused attaches (got %u)", t.n);
	}

	/* A valid attach: unknown feature bits are not granted. */
	attach_init(&at);
	at.abi_minor = 0xffff;
	at.features = SNAP_F_ALL | (1ULL << 63);
	ret = -dev_attach(fd, &at);
	tap(ret == 0, "ATTACH with the module's abi_major (got %s)", errname(ret));
	tap(at.abi_major == SNAP_ABI_MAJOR && at.abi_minor != 0xffff,
	    "ATTACH writes back the module's ABI (%u.%u)", at.abi_major, at.abi_minor);
	tap(!(at.features & (1ULL << 63)) && (at.features & ~SNAP_F_ALL) == 0,
	    "ATTACH grants only known features (0x%llx)", (unsigned long long)at.features);
	tap(info_pid(fd) == me, "INFO daemon_pid is ours (%u) while attached (got %u)", me,
	    info_pid(fd));
	expect_ntf(&ev, have_ev, 1, me, "attach");

	fd2 = dev_open();
	if (tap(fd2 >= 0, "a second open of %s", DEV_PATH)) {
		attach_init(&at);
		ret = -dev_attach(fd2, &at);
		tap(ret == EBUSY, "a second ATTACH on another file -> EBUSY (got %s)",
		    errname(ret));
		tap(info_pid(fd2) == me, "INFO on the second file reports the daemon");
		close(fd2);
		tap(info_pid(fd) == me, "closing the other file leaves the daemon attached");
	}
	ret = ioctl(fd, SNAP_IOC_DETACH) < 0 ? errno : 0;
	tap(ret == 0, "SNAP_IOC_DETACH (got %s)", errname(ret));
	tap(info_pid(fd) == 0, "no daemon after DETACH (got %u)", info_pid(fd));
	expect_ntf(&ev, have_ev, 0, me, "detach");

	attach_init(&at);
	ret = -dev_attach(fd, &at);
	tap(ret == 0, "attach again on the same file after DETACH (got %s)", errname(ret));
	expect_ntf(&ev, have_ev, 1, me, "re-attach");
	close(fd);
	expect_ntf(&ev, have_ev, 0, me, "close");
	fd = dev_open();
	if (fd >= 0) {
		tap(info_pid(fd) == 0, "closing the file detached the daemon (got %u)",
		    info_pid(fd));
		close(fd);
	}
	return tap_done();
}

/* ------------------------------------------------------------------ */
/* the small commands */

static int cmd_family(void)
{
	struct nl nl;

	nl_open_family(&nl);
	printf("family %u events %u\n", nl.family, nl.mcgrp);
	return 0;
}

static int cmd_snapshot(void)
{
	struct nl nl;
	struct snapshot s;
	struct sbuf sb = { NULL, 0, 0 };

	nl_open_family(&nl);
	if (take_snapshot(&nl, &s)) {
		fprintf(stderr, "snap_nlraw: %s\n", s.errmsg);
		return 1;
	}
	for (size_t i = 0; i < s.lines.n; i++)
		printf("%s\n", s.lines.v[i]);
	snapshot_counts(&s, &sb);
	printf("# %s\n", sb.p);
	free(sb.p);
	snapshot_free(&s);
	return 0;
}

static int cmd_setup(void)
{
	struct nl nl;

	nl_open_family(&nl);
	return do_setup(&nl, false) ? 1 : 0;
}

struct print_ctx {
	uint8_t cmd;
	struct sbuf sb;
};

static void print_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct print_ctx *p = arg;

	sb_reset(&p->sb);
	fmt_obj(&p->sb, p->cmd, nlh);
	printf("%s\n", p->sb.p);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_parsed(struct req *r, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *val = eq ? eq + 1 : NULL;
	int type = attr_by_name(arg, nlen);
	unsigned char bin[256];
	size_t n = 0;

	if (type < 0)
		die("unknown attribute '%.*s'", (int)nlen, arg);
	switch (attr_kind(type)) {
	case SNAP_NL_STRING:
		if (!val)
			die("%s needs a value", attr_name(type));
		put_str(r, type, val);
		break;
	case SNAP_NL_U8:
		if (!val)
			die("%s needs a value", attr_name(type));
		put_u8(r, type, (uint8_t)parse_num(val));
		break;
	case SNAP_NL_U32:
		if (!val)
			die("%s needs a value", attr_name(type));
		put_u32(r, type, (uint32_t)parse_num(val));
		break;
	case SNAP_NL_U64:
		if (!val)
			die("%s needs a value", attr_name(type));
		put_u64(r, type, parse_num(val));
		break;
	case SNAP_NL_FLAG:
		if (!val || parse_num(val))
			put_flag(r, type);
		break;
	case SNAP_NL_BINARY:
		for (const char *p = val ? val : ""; *p; p++) {
			int hi, lo;

			if (*p == '-')
				continue;
			hi = hexval(p[0]);
			lo = p[1] ? hexval(p[1]) : -1;
			if (hi < 0 || lo < 0 || n == sizeof(bin))
				die("bad hex in '%s'", arg);
			bin[n++] = (unsigned char)(hi << 4 | lo);
			p++;
		}
		put_raw(r, type, bin, n);
		break;
	default:
		die("cannot send %s", attr_name(type));
	}
}

static int cmd_req(int argc, char **argv)
{
	struct nl nl;
	struct req *r;
	struct result res;
	struct print_ctx p = { 0, { NULL, 0, 0 } };
	int expect = 0, cmd, ret;

	if (argc < 2)
		die("req: which command?");
	cmd = cmd_by_name(argv[1]);
	if (cmd < 0)
		die("unknown command '%s'", argv[1]);
	r = req_new((uint8_t)cmd);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dump"))
			r->dump = true;
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = parse_expect(argv[++i]);
		else
			put_parsed(r, argv[i]);
	}
	nl_open_family(&nl);
	p.cmd = (uint8_t)cmd;
	ret = nl_req(&nl, r, print_cb, &p, &res);
	if (ret)
		die("netlink: %s", strerror(-ret));
	if (res.err) {
		printf("error %s (%d)", errname(res.err), res.err);
		if (res.has_msg)
			printf(": %s", res.msg);
		if (res.has_miss)
			printf(" [missing %s]", attr_name(res.miss_type));
		printf("\n");
	}
	free(p.sb.p);
	return expect_matches(expect, res.err) ? 0 : 1;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, old);
}

static void mon_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct sbuf *sb = arg;

	sb_reset(sb);
	sb_printf(sb, "event %s", cmd_name(msg_cmd(nlh)));
	fmt_attrs(sb, nlh);
	printf("%s\n", sb->p);
	fflush(stdout);
}

static int cmd_monitor(int argc, char **argv)
{
	struct nl nl, ev;
	struct sbuf sb = { NULL, 0, 0 };
	sigset_t old;
	int idle_ms = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			idle_ms = (int)parse_num(argv[++i]) * 1000;
		else
			die("monitor: unknown option '%s'", argv[i]);
	}
	if (idle_ms == 0)
		idle_ms = -1;
	nl_open_family(&nl);
	if (!ev_open(&ev, &nl)) {
		printf("Bail out! cannot join the events group\n");
		return 1;
	}
	printf("monitoring\n");
	fflush(stdout);
	catch_signals(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (!stop) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(ev.sk), .events = POLLIN };
		int pr = poll(&pfd, 1, idle_ms);
		int n;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			break;
		n = ev_drain(&ev, 0, mon_cb, &sb);
		if (n < 0) {
			printf("error %s\n", errname(-n));
			fflush(stdout);
		}
	}
	free(sb.p);
	return 0;
}

struct dev_opts {
	int expect;
	bool has_abi_major;
	unsigned int abi_major;
	uint32_t flags;
	uint64_t reserved;
	bool has_pid;
	uint32_t pid;
};

static void parse_dev_opts(int argc, char **argv, struct dev_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			die("%s: option '%s' needs a value", argv[0], argv[i]);
		if (!strcmp(argv[i], "--expect")) {
			o->expect = parse_expect(argv[++i]);
		} else if (!strcmp(argv[i], "--abi-major")) {
			o->has_abi_major = true;
			o->abi_major = (unsigned int)parse_num(argv[++i]);
		} else if (!strcmp(argv[i], "--flags")) {
			o->flags = (uint32_t)parse_num(argv[++i]);
		} else if (!strcmp(argv[i], "--reserved")) {
			o->reserved = parse_num(argv[++i]);
		} else if (!strcmp(argv[i], "--pid")) {
			o->has_pid = true;
			o->pid = (uint32_t)parse_num(argv[++i]);
		} else {
			die("%s: unknown option '%s'", argv[0], argv[i]);
		}
	}
}

static int cmd_info(int argc, char **argv)
{
	struct snap_ioc_info info;
	struct dev_opts o;
	int fd, err;

	parse_dev_opts(argc, argv, &o);
	fd = dev_open();
	if (fd < 0) {
		printf("open %s: %s\n", DEV_PATH, errname(-fd));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	info.flags = o.flags;
	info.reserved[0] = o.reserved;
	err = ioctl(fd, SNAP_IOC_INFO, &info) < 0 ? errno : 0;
	close(fd);
	if (err) {
		printf("SNAP_IOC_INFO: %s\n", errname(err));
		return expect_matches(o.expect, err) ? 0 : 1;
	}
	printf("abi=%u.%u features=0x%llx generation=%llu daemon_pid=%u\n", info.abi_major,
	       info.abi_minor, (unsigned long long)info.features,
	       (unsigned long long)info.generation, info.daemon_pid);
	if (o.has_pid && info.daemon_pid != o.pid) {
		printf("daemon_pid %u, expected %u\n", info.daemon_pid, o.pid);
		return 1;
	}
	return o.expect == 0 ? 0 : 1;
}

static int cmd_attach_once(int argc, char **argv)
{
	struct snap_ioc_attach at;
	struct dev_opts o;
	int fd, err;

	parse_dev_opts(argc, argv, &o);
	fd = dev_open();
	if (fd < 0) {
		printf("open %s: %s\n", DEV_PATH, errname(-fd));
		return expect_matches(o.expect, -fd) ? 0 : 1;
	}
	attach_init(&at);
	if (o.has_abi_major)
		at.abi_major = (uint16_t)o.abi_major;
	at.flags = o.flags;
	at.reserved[0] = o.reserved;
	err = -dev_attach(fd, &at);
	printf("attach: %s", errname(err));
	if (!err)
		printf(" abi=%u.%u features=0x%llx", at.abi_major, at.abi_minor,
		       (unsigned long long)at.features);
	printf("\n");
	if (!err && ioctl(fd, SNAP_IOC_DETACH) < 0)
		printf("detach: %s\n", errname(errno));
	close(fd);
	return expect_matches(o.expect, err) ? 0 : 1;
}

static int cmd_attach_hold(void)
{
	struct snap_ioc_attach at;
	sigset_t old;
	int fd, err;

	catch_signals(&old);
	fd = dev_open();
	if (fd < 0) {
		printf("open %s: %s\n", DEV_PATH, errname(-fd));
		return 1;
	}
	attach_init(&at);
	err = -dev_attach(fd, &at);
	if (err) {
		printf("attach: %s\n", errname(err));
		return 1;
	}
	printf("attached pid=%d abi=%u.%u features=0x%llx\n", (int)getpid(), at.abi_major,
	       at.abi_minor, (unsigned long long)at.features);
	fflush(stdout);
	while (!stop)
		sigsuspend(&old);
	close(fd);
	printf("closed\n");
	return 0;
}

static int cmd_open_dev(int argc, char **argv)
{
	struct dev_opts o;
	int fd;

	parse_dev_opts(argc, argv, &o);
	fd = dev_open();
	printf("open %s: %s\n", DEV_PATH, fd >= 0 ? "ok" : errname(-fd));
	if (fd >= 0)
		close(fd);
	return expect_matches(o.expect, fd >= 0 ? 0 : -fd) ? 0 : 1;
}

static void drop_to(uid_t uid)
{
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
		die("cannot become uid %u: %s", (unsigned int)uid, strerror(errno));
}

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	fputs("usage: snap_nlraw [-u UID] family|snapshot|setup|badinput|perm|devcheck|\n"
	      "       req CMD [--dump] [--expect E] [ATTR=VALUE...]|monitor [--timeout S]|\n"
	      "       info [--flags N] [--reserved N] [--pid N] [--expect E]|\n"
	      "       attach-once [--abi-major N] [--flags N] [--reserved N] [--expect E]|\n"
	      "       attach-hold|open-dev [--expect E]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	argv++;
	argc--;
	if (argc >= 2 && !strcmp(argv[0], "-u")) {
		drop_to((uid_t)parse_num(argv[1]));
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		usage();
	cmd = argv[0];
	if (!strcmp(cmd, "family"))
		return cmd_family();
	if (!strcmp(cmd, "snapshot"))
		return cmd_snapshot();
	if (!strcmp(cmd, "setup"))
		return cmd_setup();
	if (!strcmp(cmd, "badinput"))
		return cmd_badinput();
	if (!strcmp(cmd, "perm"))
		return cmd_perm();
	if (!strcmp(cmd, "devcheck"))
		return cmd_devcheck();
	if (!strcmp(cmd, "req"))
		return cmd_req(argc, argv);
	if (!strcmp(cmd, "monitor"))
		return cmd_monitor(argc, argv);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc, argv);
	if (!strcmp(cmd, "attach-once"))
		return cmd_attach_once(argc, argv);
	if (!strcmp(cmd, "attach-hold"))
		return cmd_attach_hold();
	if (!strcmp(cmd, "open-dev"))
		return cmd_open_dev(argc, argv);
	usage();
}
