// SPDX-License-Identifier: GPL-2.0
/* Listening to the snap family's "events" multicast group. */
#include "events.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/snap.h>

#include "nl.h"

#define SNAP_EVENTS_RCVBUF	(32 << 20)
#define SNAP_EVENTS_DRAIN_MAX	(1 << 20)

struct snap_events {
	struct nl_sock *sk;
	int family;
	snap_event_fn fn;
	void *arg;
	bool discard;		/* draining: read, do not deliver */
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct snap_events *ev = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[SNAP_A_MAX + 1];
	struct genlmsghdr *gh;

	if (ev->discard || nlh->nlmsg_type != ev->family ||
	    !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	gh = nlmsg_data(nlh);
	if (genlmsg_parse(nlh, 0, tb, SNAP_A_MAX, snap_policy) < 0)
		ev->fn(ev->arg, gh->cmd, NULL);
	else
		ev->fn(ev->arg, gh->cmd, tb);
	return NL_OK;
}

/*
 * Creating thousands of objects in one batch bursts thousands of events
 * while the listener is busy realizing the first ones. SO_RCVBUF is capped
 * by net.core.rmem_max (208 KiB by default), which such a burst overflows;
 * a privileged listener (the daemon) forces the size past the cap.
 */
void snap_events_set_rcvbuf(struct snap_events *ev, int bytes)
{
	if (setsockopt(nl_socket_get_fd(ev->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &bytes, sizeof(bytes)))
		nl_socket_set_buffer_size(ev->sk, bytes, 0);
}

static int join_group(struct snap_events *ev, char *why, size_t len)
{
	int err, grp;

	err = genl_connect(ev->sk);
	if (err < 0) {
		snprintf(why, len, "cannot open a generic netlink socket: %s",
			 nl_geterror(err));
		return -EIO;
	}
	ev->family = genl_ctrl_resolve(ev->sk, SNAP_GENL_NAME);
	if (ev->family < 0) {
		snprintf(why, len, "snap module not loaded (no generic netlink family \"%s\")",
			 SNAP_GENL_NAME);
		return -ENOENT;
	}
	grp = genl_ctrl_resolve_grp(ev->sk, SNAP_GENL_NAME, SNAP_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		snprintf(why, len, "no \"%s\" multicast group: %s",
			 SNAP_GENL_MCGRP_EVENTS, nl_geterror(grp));
		return -ENOENT;
	}
	err = nl_socket_add_membership(ev->sk, grp);
	if (err < 0) {
		snprintf(why, len, "cannot join the events group: %s", nl_geterror(err));
		return -EIO;
	}
	snap_events_set_rcvbuf(ev, SNAP_EVENTS_RCVBUF);
	nl_socket_set_nonblocking(ev->sk);
	return 0;
}

int snap_events_open(struct snap_events **out, snap_event_fn fn, void *arg,
		     char *why, size_t len)
{
	struct snap_events *ev = calloc(1, sizeof(*ev));
	int ret;

	if (!ev || !(ev->sk = nl_socket_alloc())) {
		free(ev);
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	ev->fn = fn;
	ev->arg = arg;
	/* Events are unsolicited: no sequence numbers to match. */
	nl_socket_disable_seq_check(ev->sk);
	nl_socket_enable_msg_peek(ev->sk);
	nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, ev);
	ret = join_group(ev, why, len);
	if (ret) {
		snap_events_close(ev);
		return ret;
	}
	*out = ev;
	return 0;
}

void snap_events_close(struct snap_events *ev)
{
	if (!ev)
		return;
	nl_socket_free(ev->sk);
	free(ev);
}

int snap_events_fd(const struct snap_events *ev)
{
	return nl_socket_get_fd(ev->sk);
}

int snap_events_receive(struct snap_events *ev)
{
	int err = nl_recvmsgs_default(ev->sk);

	if (err == -NLE_AGAIN || err >= 0)
		return 0;
	if (err == -nl_syserr2nlerr(ENOBUFS))
		return -ENOBUFS;
	return -EIO;
}

int snap_events_receive_all(struct snap_events *ev)
{
	int ret = 0;

	/* Bounded as a drain is. */
	for (int i = 0; i < SNAP_EVENTS_DRAIN_MAX; i++) {
		int err = nl_recvmsgs_default(ev->sk);

		if (err == -NLE_AGAIN)
			break;
		if (err == -nl_syserr2nlerr(ENOBUFS))
			ret = -ENOBUFS;
		else if (err < 0)
			return -EIO;
	}
	return ret;
}

void snap_events_drain(struct snap_events *ev)
{
	int err;

	ev->discard = true;
	/* Bounded: a queue refilled as fast as it drains must not hang us. */
	for (int i = 0; i < SNAP_EVENTS_DRAIN_MAX; i++) {
		err = nl_recvmsgs_default(ev->sk);
		if (err < 0 && err != -nl_syserr2nlerr(ENOBUFS))
			break;
	}
	ev->discard = false;
}
