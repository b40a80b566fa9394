/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_LIB_NL_H
#define SNAP_LIB_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/snap.h>

#include "nl-gen.h"

/* What the kernel said about a refused request (its extended ACK). */
#define EXTACK_MSG_LEN 256

struct extack {
	int error;			/* positive errno, 0 for success */
	char msg[EXTACK_MSG_LEN];	/* NLMSGERR_ATTR_MSG, "" when none */
	int miss_type;			/* NLMSGERR_ATTR_MISS_TYPE, -1 when none */
	long bad_offset;		/* NLMSGERR_ATTR_OFFS, -1 when none */
	int bad_attr;			/* the attribute it points at, -1 when none */
	/* NLMSGERR_ATTR_POLICY: what the refused attribute allows, as
	 * "1 to 4096" or "length 1 to 63"; "" when the kernel sent none. */
	char allowed[64];
};

/*
 * Decodes an NLMSG_ERROR or NLMSG_DONE message (its whole buffer, len bytes
 * from nlh) into ex: the errno and, when the kernel added them
 * (NLM_F_ACK_TLVS), the message, offending-offset, missing-attribute and
 * policy TLVs that follow the echoed request (all of it, or only its header
 * with NLM_F_CAPPED).
 * Returns 0, or -1 when the message is malformed.
 */
int extack_parse(const struct nlmsghdr *nlh, size_t len, struct extack *ex);
void extack_clear(struct extack *ex);

/* The type of the attribute at offset in our request req, or -1. */
int extack_bad_attr(const struct nlmsghdr *req, long offset);

/* "bdev-name" for SNAP_A_BDEV_NAME; "attribute N" when unknown. */
const char *snap_attr_name(int attr, char *buf, size_t len);

/*
 * Attribute validation for everything the kernel sends us; generated from
 * snap.yaml into nl-gen.c, with the names and types of snap_nl_attrs.
 */
extern struct nla_policy snap_policy[SNAP_A_MAX + 1];

struct snap_nl;

/* Connects and resolves the family; why says what went wrong. */
int snap_nl_open(struct snap_nl **out, char *why, size_t len);
void snap_nl_close(struct snap_nl *nl);

/* A request of the snap family: doit asks for an ACK, dump for NLM_F_DUMP. */
struct nl_msg *snap_nl_request(struct snap_nl *nl, uint8_t cmd, bool dump);

/*
 * Called for each object in the reply with its attributes, indexed by
 * SNAP_A_*; a negative return (an errno) stops and fails the request.
 */
typedef int (*snap_nl_object_cb)(uint8_t cmd, struct nlattr **tb, void *arg);

/*
 * Sends msg (and frees it) and reads until the ACK, NLMSG_DONE or an
 * error. Returns 0 or a negative errno; the kernel's explanation is then
 * in snap_nl_last_error().
 */
int snap_nl_transact(struct snap_nl *nl, struct nl_msg *msg,
		     snap_nl_object_cb cb, void *arg);
const struct extack *snap_nl_last_error(const struct snap_nl *nl);

/* Helpers for the string arrays the kernel nests (ctrls). */
const char *snap_nla_string(const struct nlattr *a);

#endif
