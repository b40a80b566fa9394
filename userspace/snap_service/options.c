// SPDX-License-Identifier: GPL-2.0
/*
 * snap_service options. SNAP's deployment sets the daemon up through
 * environment variables (SNAP_LOG_FILE, SNAP_RPC_INIT_CONF,
 * SNAP_MEMPOOL_SIZE_MB) and APP_ARGS ("-m 0xffff"); both work here, and
 * the command line wins over the environment.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_LOG_FILE = 0x100,
	OPT_INIT_CONF,
	OPT_NOTIFY,
	OPT_PLUGIN,
	OPT_LIVE_UPDATE,
	OPT_BUSY_POLL,
	OPT_QUEUE_THREADS,
};

static const struct option long_opts[] = {
	{ "core-mask", required_argument, NULL, 'm' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "init-conf", required_argument, NULL, OPT_INIT_CONF },
	{ "notify", no_argument, NULL, OPT_NOTIFY },
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "live-update", no_argument, NULL, OPT_LIVE_UPDATE },
	{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
	{ "queue-threads", required_argument, NULL, OPT_QUEUE_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void service_opts_usage(FILE *out)
{
	fprintf(out,
		"usage: snap_service [-m CORE_MASK] [-l LEVEL] [--log-file FILE]\n"
		"                    [--init-conf FILE] [--notify] [--plugin PLUGIN]...\n"
		"                    [--live-update] [--busy-poll MS] [--queue-threads N]\n"
		"  -m, --core-mask MASK  one I/O thread per set bit (default 0x1)\n"
		"  -l, --log-level 0-5   0 errors .. 3 info .. 5 trace (default %d)\n"
		"      --log-file FILE   log there instead of stderr (SNAP_LOG_FILE)\n"
		"      --init-conf FILE  snapadm commands to run once attached\n"
		"                        (SNAP_RPC_INIT_CONF)\n"
		"      --notify          report readiness to systemd (NOTIFY_SOCKET)\n"
		"      --plugin PLUGIN   load a backend plugin: a path, or a name in\n"
		"                        " SNAP_PLUGIN_DIR " (also " SNAP_PLUGINS_ENV ",\n"
		"                        ':' between plugins)\n"
		"      --live-update     take over from the running daemon: it drains\n"
		"                        and exits, this one serves on (no host error)\n"
		"      --busy-poll MS    after work, poll doorbells for MS ms before\n"
		"                        sleeping (default %d; 0 sleeps at once)\n"
		"      --queue-threads N spread each NVMe controller's I/O queues over\n"
		"                        N I/O threads (default 0: all; 1: one thread)\n"
		"environment: SNAP_MEMPOOL_SIZE_MB staging pool size in MiB (min %d,\n"
		"default %d, at most the module's mempool_size_mb);\n"
		"SNAP_EVENTS_RCVBUF_KB netlink events buffer (default 32768)\n",
		SERVICE_LOG_DEFAULT, SERVICE_BUSY_POLL_DEFAULT_MS,
		SERVICE_MEMPOOL_MIN_MB, SERVICE_MEMPOOL_DEFAULT_MB);
}

static const char *env_get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/*
 * A file name from the environment; empty is none, so an EnvironmentFile
 * line "SNAP_RPC_INIT_CONF=" turns off the unit's default.
 */
static const char *env_path(char **env, const char *name)
{
	const char *v = env_get(env, name);

	return v && *v ? v : NULL;
}

/* Whole-string unsigned number in [min, max]; base 0 takes 0x. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int apply_env(struct service_opts *o, char **env, char *err,
		     size_t errlen)
{
	const char *v;
	uint64_t mb;

	o->log_file = env_path(env, "SNAP_LOG_FILE");
	o->init_conf = env_path(env, "SNAP_RPC_INIT_CONF");
	o->plugins_env = env_path(env, SNAP_PLUGINS_ENV);
	v = env_get(env, "SNAP_MEMPOOL_SIZE_MB");
	if (v) {
		if (parse_u64(v, SERVICE_MEMPOOL_MIN_MB, UINT32_MAX, &mb)) {
			snprintf(err, errlen,
				 "SNAP_MEMPOOL_SIZE_MB=%s: want a number of MiB, at least %d",
				 v, SERVICE_MEMPOOL_MIN_MB);
			return -1;
		}
		o->mempool_mb = (uint32_t)mb;
	}
	v = env_get(env, "SNAP_EVENTS_RCVBUF_KB");
	if (v) {
		if (parse_u64(v, 4, 1u << 21, &mb)) {
			snprintf(err, errlen,
				 "SNAP_EVENTS_RCVBUF_KB=%s: want KiB from 4 to 2097152", v);
			return -1;
		}
		o->events_rcvbuf_kb = (uint32_t)mb;
	}
	return 0;
}

static int apply_opt(struct service_opts *o, int c, const char *arg,
		     char *err, size_t errlen)
{
	uint64_t v;

	switch (c) {
	case 'm':
		if (parse_u64(arg, 1, UINT64_MAX, &v)) {
			snprintf(err, errlen, "-m %s: want a non-zero core mask", arg);
			return -1;
		}
		o->core_mask = v;
		return 0;
	case 'l':
		if (parse_u64(arg, 0, SERVICE_LOG_MAX, &v)) {
			snprintf(err, errlen, "-l %s: want a log level 0-%d", arg,
				 SERVICE_LOG_MAX);
			return -1;
		}
		o->log_level = (int)v;
		return 0;
	case OPT_LOG_FILE:
		o->log_file = arg;
		return 0;
	case OPT_INIT_CONF:
		o->init_conf = arg;
		return 0;
	case OPT_NOTIFY:
		o->notify = true;
		return 0;
	case OPT_LIVE_UPDATE:
		o->live_update = true;
		return 0;
	case OPT_BUSY_POLL:
		if (parse_u64(arg, 0, SERVICE_BUSY_POLL_MAX_MS, &v)) {
			snprintf(err, errlen, "--busy-poll %s: want milliseconds from 0 to %d",
				 arg, SERVICE_BUSY_POLL_MAX_MS);
			return -1;
		}
		o->busy_poll_ms = (uint32_t)v;
		return 0;
	case OPT_QUEUE_THREADS:
		if (parse_u64(arg, 0, SERVICE_QUEUE_THREADS_MAX, &v)) {
			snprintf(err, errlen, "--queue-threads %s: want 0 (all) to %d",
				 arg, SERVICE_QUEUE_THREADS_MAX);
			return -1;
		}
		o->queue_threads = (uint32_t)v;
		return 0;
	case OPT_PLUGIN:
		if (o->nr_plugins == SNAP_PLUGINS_MAX) {
			snprintf(err, errlen, "--plugin %s: at most %d plugins", arg,
				 SNAP_PLUGINS_MAX);
			return -1;
		}
		o->plugins[o->nr_plugins++] = arg;
		return 0;
	case 'h':
		o->help = true;
		return 0;
	case 'V':
		o->version = true;
		return 0;
	default:
		snprintf(err, errlen, "unknown option; see snap_service --help");
		return -1;
	}
}

int service_opts_parse(struct service_opts *o, int argc, char **argv,
		       char **env, char *err, size_t errlen)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->core_mask = 1;
	o->log_level = SERVICE_LOG_DEFAULT;
	o->mempool_mb = SERVICE_MEMPOOL_DEFAULT_MB;
	o->busy_poll_ms = SERVICE_BUSY_POLL_DEFAULT_MS;
	if (apply_env(o, env, err, errlen))
		return -1;

	/* Callers (and tests) may parse more than once. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+m:l:hV", long_opts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			snprintf(err, errlen, "%s: bad or incomplete option; see snap_service --help",
				 argv[optind - 1]);
			return -1;
		}
		if (apply_opt(o, c, optarg, err, errlen))
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

unsigned int service_opts_threads(const struct service_opts *o)
{
	return (unsigned int)__builtin_popcountll(o->core_mask);
}
