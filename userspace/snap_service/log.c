// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's log: one line per message with a timestamp and level, to
 * stderr or a file. I/O threads log too, so each line is written with one
 * call (stdio locks the stream per call).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include <linux/snap.h>

_Static_assert(LOG_LVL_TRACE == SNAP_LOG_LEVEL_MAX,
	       "the daemon's levels are the ones snap_log_level_set takes");

static FILE *log_out;
/* Set by the main thread at any time (snap_log_level_set), read by all. */
static int log_level = LOG_LVL_INFO;

static const char *const level_names[] = {
	"error", "warn", "notice", "info", "debug", "trace",
};

int log_open(const char *path, int level)
{
	log_close();
	log_set_level(level);
	if (!path)
		return 0;
	log_out = fopen(path, "ae");
	if (!log_out)
		return -errno;
	setvbuf(log_out, NULL, _IOLBF, 0);
	return 0;
}

void log_close(void)
{
	if (log_out)
		fclose(log_out);
	log_out = NULL;
}

void log_set_level(int level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void log_msg(int level, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	if (level > log_get_level())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - n, ".%06ldZ %s: ", ts.tv_nsec / 1000,
		      level_names[level < 0 ? 0 : level > LOG_LVL_TRACE ? LOG_LVL_TRACE : level]);
	va_start(ap, fmt);
	if (n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fprintf(log_out ? log_out : stderr, "%s\n", line);
}
