// SPDX-License-Identifier: GPL-2.0
/*
 * Ready/error reports from the daemon to the kernel (BDEV_SET, NS_SET,
 * NVME_CTRL_SET).
 */
#include "status.h"

#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/snap.h>

#include "nl.h"

/* The kernel refuses longer texts; cut rather than lose the report. */
static int put_error(struct nl_msg *msg, const char *error)
{
	char buf[SNAP_ERROR_MAX];

	if (!error)
		return 0;
	strncpy(buf, error, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	return nla_put_string(msg, SNAP_A_ERROR, buf);
}

struct nl_msg *status_bdev_msg(struct snap_nl *nl, const char *name,
			       bool ready, const char *error,
			       uint64_t num_blocks)
{
	struct nl_msg *msg = snap_nl_request(nl, SNAP_CMD_BDEV_SET, false);

	if (!msg)
		return NULL;
	if (nla_put_string(msg, SNAP_A_NAME, name) ||
	    nla_put_u8(msg, SNAP_A_READY, ready) ||
	    put_error(msg, error) ||
	    (num_blocks && nla_put_u64(msg, SNAP_A_NUM_BLOCKS, num_blocks))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *status_ns_msg(struct snap_nl *nl, const char *nqn,
			     uint32_t nsid, bool ready, const char *error)
{
	struct nl_msg *msg = snap_nl_request(nl, SNAP_CMD_NS_SET, false);

	if (!msg)
		return NULL;
	if (nla_put_string(msg, SNAP_A_NQN, nqn) ||
	    nla_put_u32(msg, SNAP_A_NSID, nsid) ||
	    nla_put_u8(msg, SNAP_A_READY, ready) ||
	    put_error(msg, error)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static struct nl_msg *ctrl_msg(struct snap_nl *nl, uint8_t cmd,
			       const char *name, bool ready, const char *error)
{
	struct nl_msg *msg = snap_nl_request(nl, cmd, false);

	if (!msg)
		return NULL;
	/* An empty error clears the one the kernel holds. */
	if (nla_put_string(msg, SNAP_A_NAME, name) ||
	    nla_put_u8(msg, SNAP_A_READY, ready) ||
	    put_error(msg, error ? error : "")) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *status_nvme_ctrl_msg(struct snap_nl *nl, const char *name,
				    bool ready, const char *error)
{
	return ctrl_msg(nl, SNAP_CMD_NVME_CTRL_SET, name, ready, error);
}

struct nl_msg *status_vblk_ctrl_msg(struct snap_nl *nl, const char *name,
				    bool ready, const char *error)
{
	return ctrl_msg(nl, SNAP_CMD_VBLK_CTRL_SET, name, ready, error);
}

int status_send(struct snap_nl *nl, struct nl_msg *msg)
{
	if (!msg)
		return -ENOMEM;
	return snap_nl_transact(nl, msg, NULL, NULL);
}
