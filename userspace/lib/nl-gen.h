/* SPDX-License-Identifier: GPL-2.0 */
/* Generated from Documentation/netlink/specs/snap.yaml by scripts/nlgen.py: do not edit. */
#ifndef SNAP_LIB_NL_GEN_H
#define SNAP_LIB_NL_GEN_H

#include <stdbool.h>

#include <linux/snap.h>

/* What an attribute carries. */
enum snap_nl_type {
	SNAP_NL_NONE,		/* not an attribute of the family */
	SNAP_NL_PAD,		/* padding for 64-bit values */
	SNAP_NL_FLAG,		/* no payload */
	SNAP_NL_U8,
	SNAP_NL_U16,
	SNAP_NL_U32,
	SNAP_NL_U64,
	SNAP_NL_STRING,		/* NUL-terminated */
	SNAP_NL_BINARY,
	SNAP_NL_NEST,		/* attributes of the same set */
};

struct snap_nl_attr {
	const char *name;		/* as in snap.yaml: "bdev-name" */
	enum snap_nl_type type;
	unsigned int len;		/* string: limit with the NUL; binary: length */
};

struct snap_nl_cmd {
	const char *name;		/* as in snap.yaml: "bdev-new" */
	bool admin;			/* needs CAP_NET_ADMIN */
	bool do_req;			/* a request for one object */
	bool dump;			/* a dump request */
	bool event;			/* only ever an event */
	const unsigned short *request;	/* attributes a request may carry, 0-ended */
};

/* Indexed by SNAP_A_* and SNAP_CMD_*; name NULL where none. */
extern const struct snap_nl_attr snap_nl_attrs[SNAP_A_MAX + 1];
extern const struct snap_nl_cmd snap_nl_cmds[SNAP_CMD_MAX + 1];

#endif /* SNAP_LIB_NL_GEN_H */
