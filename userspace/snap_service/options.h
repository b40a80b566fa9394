/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_OPTIONS_H
#define SNAP_SERVICE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plugin_load.h"

/* snap_service's command line, with SNAP's environment variables as defaults. */
struct service_opts {
	uint64_t core_mask;		/* -m: one I/O thread per set bit */
	int log_level;			/* -l 0..5, as snap_log_level_set */
	const char *log_file;		/* --log-file / SNAP_LOG_FILE; NULL: stderr */
	const char *init_conf;		/* --init-conf / SNAP_RPC_INIT_CONF */
	uint32_t mempool_mb;		/* SNAP_MEMPOOL_SIZE_MB: staging pool used */
	uint32_t events_rcvbuf_kb;	/* SNAP_EVENTS_RCVBUF_KB; 0: the default */
	uint32_t busy_poll_ms;		/* --busy-poll MS: poll on after work */
	uint32_t queue_threads;		/* --queue-threads N: 0 = every thread */
	bool notify;			/* --notify: tell systemd (NOTIFY_SOCKET) when up */
	bool live_update;		/* --live-update: take over from the running one */
	const char *plugins_env;	/* SNAP_PLUGINS: plugins, ':' between */
	const char *plugins[SNAP_PLUGINS_MAX];	/* --plugin, in order */
	unsigned int nr_plugins;
	bool help;
	bool version;
};

#define SERVICE_LOG_DEFAULT	3	/* info and worse */
#define SERVICE_LOG_MAX		5
#define SERVICE_MEMPOOL_MIN_MB	64
#define SERVICE_MEMPOOL_DEFAULT_MB 1024
#define SERVICE_BUSY_POLL_DEFAULT_MS 2
#define SERVICE_BUSY_POLL_MAX_MS 1000
#define SERVICE_QUEUE_THREADS_MAX 64

/*
 * Parses argv over the environment env (NULL-terminated "NAME=value"
 * strings, as environ). Returns 0, or -1 with the reason in err.
 */
int service_opts_parse(struct service_opts *o, int argc, char **argv,
		       char **env, char *err, size_t errlen);
unsigned int service_opts_threads(const struct service_opts *o);
void service_opts_usage(FILE *out);

#endif
