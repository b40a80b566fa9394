/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_H
#define SNAPADM_H

#include <stdbool.h>
#include <stdio.h>

/* Process exit statuses, as the man page documents them. */
#define SNAPADM_OK		0
#define SNAPADM_FAILED		1	/* the kernel refused, not found, I/O */
#define SNAPADM_USAGE		2	/* unknown command or flag, bad number */

struct snap_nl;
struct extack;
struct parsed_args;

struct snapadm {
	bool json;
	FILE *out;		/* results: stdout, a memstream in tests */
	FILE *err;		/* messages: stderr */
	const char *cmd_name;	/* the command being run, for messages */
	const char *where;	/* "FILE:LINE" while running a batch */
	const struct parsed_args *args;	/* the command's, to name options */
	struct snap_nl *nl;	/* opened on first use, shared by a batch */
	bool exist_ok;		/* --exist-ok: "already there" is no failure */
	bool already;		/* the last refusal said so (EEXIST, EALREADY) */
};

void snapadm_init(struct snapadm *adm);
/* Closes the netlink socket if one was opened. */
void snapadm_release(struct snapadm *adm);

/*
 * Every message to the user goes through these so that batch mode can put
 * "FILE:LINE:" in front: "snapadm: [FILE:LINE: ]<command>: <text>".
 * They return the exit status to pass on.
 */
int snapadm_fail(struct snapadm *adm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int snapadm_usage_error(struct snapadm *adm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void snapadm_warn(struct snapadm *adm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The last netlink error: "<extack> (<strerror>)" or just strerror. Under
 * --exist-ok a refusal because the object or its state is already there
 * (EEXIST, EALREADY) says so and sets adm->already; it still fails the
 * command, so that a command of several requests stops.
 */
int snapadm_nl_fail(struct snapadm *adm);
int snapadm_extack_fail(struct snapadm *adm, const struct extack *ex);

/* The socket of this run, connected and resolved on first use. */
int snapadm_nl(struct snapadm *adm, struct snap_nl **nl);

/* Runs one command line (argv[0] is the command); returns its status. */
int snapadm_run(struct snapadm *adm, int argc, char **argv);

/* A command's status as --exist-ok counts it: "already there" is done. */
int snapadm_settle(struct snapadm *adm, int ret);

#endif
