/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_BATCH_H
#define SNAPADM_BATCH_H

#include <stdio.h>

#include "snapadm.h"

/*
 * snapadm -b FILE: one command a line, as in SNAP's snap_rpc_init.conf,
 * all run in this process over one netlink socket.
 */
struct batch_line {
	char *buf;	/* the words, NUL-separated */
	char **argv;	/* NULL-terminated */
	int argc;	/* 0 for a blank or comment line */
};

/*
 * Splits a line into words like a shell would, minus expansions: blanks
 * separate, '…' is literal, "…" allows \" and \\, a backslash escapes the
 * next character, '#' at the start of a word comments out the rest.
 * Returns 0, or -1 with the reason in *why (an unterminated quote).
 */
int batch_tokenize(const char *line, struct batch_line *out, const char **why);
void batch_line_free(struct batch_line *l);

/* Drops a leading snapadm, snap_rpc.py, spdk_rpc.py or rpc.py (any path). */
void batch_strip_tool(struct batch_line *l);

/*
 * Runs every command of f ("-" reads stdin), stopping at the first that
 * fails; messages say "name:LINE:". Returns the exit status.
 */
int batch_run(struct snapadm *adm, FILE *f, const char *name);
int batch_run_file(struct snapadm *adm, const char *path);

#endif
