// SPDX-License-Identifier: GPL-2.0
/* snap_service's options: SNAP's environment, then the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../snap_service/log.h"
#include "../snap_service/options.h"

static int parse(struct service_opts *o, char **env, char *err, ...)
{
	char *argv[16] = { "snap_service" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return service_opts_parse(o, argc, argv, env, err, 256);
}

static void test_defaults(void **state)
{
	struct service_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, NULL, err, NULL), 0);
	assert_int_equal(o.core_mask, 1);
	assert_int_equal(service_opts_threads(&o), 1);
	assert_int_equal(o.log_level, SERVICE_LOG_DEFAULT);
	assert_null(o.log_file);
	assert_null(o.init_conf);
	assert_int_equal(o.mempool_mb, SERVICE_MEMPOOL_DEFAULT_MB);
	assert_int_equal(o.events_rcvbuf_kb, 0);
	assert_false(o.notify);
	assert_int_equal(o.busy_poll_ms, SERVICE_BUSY_POLL_DEFAULT_MS);
}

static void test_env_then_cmdline(void **state)
{
	char *env[] = {
		"SNAP_LOG_FILE=/var/log/snap.log",
		"SNAP_RPC_INIT_CONF=/etc/nvda_snap/snap_rpc_init.conf",
		"SNAP_MEMPOOL_SIZE_MB=128",
		"SNAP_EVENTS_RCVBUF_KB=64",
		"SNAP_LOG_FILEX=/wrong",
		NULL,
	};
	struct service_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, env, err, NULL), 0);
	assert_string_equal(o.log_file, "/var/log/snap.log");
	assert_string_equal(o.init_conf, "/etc/nvda_snap/snap_rpc_init.conf");
	assert_int_equal(o.mempool_mb, 128);
	assert_int_equal(o.events_rcvbuf_kb, 64);

	assert_int_equal(parse(&o, env, err, "-m", "0xf0", "-l", "5", "--log-file", "/tmp/l",
			       "--init-conf", "/tmp/c", "--notify", "--busy-poll", "0", NULL), 0);
	assert_int_equal(o.core_mask, 0xf0);
	assert_int_equal(service_opts_threads(&o), 4);
	assert_int_equal(o.log_level, 5);
	assert_string_equal(o.log_file, "/tmp/l");
	assert_string_equal(o.init_conf, "/tmp/c");
	assert_true(o.notify);
	assert_int_equal(o.busy_poll_ms, 0);
	assert_int_equal(o.queue_threads, 0);	/* every thread */
	assert_int_equal(parse(&o, NULL, err, "--queue-threads", "1", NULL), 0);
	assert_int_equal(o.queue_threads, 1);
}

/* The packaged unit sets SNAP_RPC_INIT_CONF; an empty value turns it off. */
static void test_empty_env_is_unset(void **state)
{
	char *env[] = { "SNAP_RPC_INIT_CONF=", "SNAP_LOG_FILE=", NULL };
	struct service_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, env, err, NULL), 0);
	assert_null(o.init_conf);
	assert_null(o.log_file);
}

static void test_bad_values(void **state)
{
	char *small_pool[] = { "SNAP_MEMPOOL_SIZE_MB=63", NULL };
	char *junk_pool[] = { "SNAP_MEMPOOL_SIZE_MB=1G", NULL };
	char *tiny_rcvbuf[] = { "SNAP_EVENTS_RCVBUF_KB=3", NULL };
	char *huge_rcvbuf[] = { "SNAP_EVENTS_RCVBUF_KB=4194304", NULL };
	struct service_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, NULL, err, "-m", "0", NULL), -1);
	assert_non_null(strstr(err, "core mask"));
	assert_int_equal(parse(&o, NULL, err, "-m", "0x1z", NULL), -1);
	assert_int_equal(parse(&o, NULL, err, "-m", "-1", NULL), -1);
	assert_int_equal(parse(&o, NULL, err, "-l", "6", NULL), -1);
	assert_non_null(strstr(err, "log level"));
	assert_int_equal(parse(&o, NULL, err, "--bogus", NULL), -1);
	assert_int_equal(parse(&o, NULL, err, "-m", NULL), -1);
	assert_int_equal(parse(&o, NULL, err, "extra", NULL), -1);
	assert_non_null(strstr(err, "extra"));
	assert_int_equal(parse(&o, small_pool, err, NULL), -1);
	assert_non_null(strstr(err, "SNAP_MEMPOOL_SIZE_MB"));
	assert_int_equal(parse(&o, junk_pool, err, NULL), -1);
	assert_int_equal(parse(&o, tiny_rcvbuf, err, NULL), -1);
	assert_non_null(strstr(err, "SNAP_EVENTS_RCVBUF_KB"));
	assert_int_equal(parse(&o, huge_rcvbuf, err, NULL), -1);
	assert_int_equal(parse(&o, NULL, err, "--busy-poll", "1001", NULL), -1);
	assert_non_null(strstr(err, "--busy-poll"));
	assert_int_equal(parse(&o, NULL, err, "--busy-poll", "-1", NULL), -1);
	assert_int_equal(parse(&o, NULL, err, "--queue-threads", "65", NULL), -1);
	assert_non_null(strstr(err, "--queue-threads"));
	assert_int_equal(parse(&o, NULL, err, "--queue-threads", "x", NULL), -1);
}

static void test_log_levels_filter(void **state)
{
	char path[] = "/tmp/snap-test-log-XXXXXX";
	char buf[4096] = "";
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(path, LOG_LVL_NOTICE), 0);
	log_info("hidden %d", 1);
	log_notice("shown %d", 2);
	log_err("shown %s", "too");
	log_close();
	f = fopen(path, "r");
	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	unlink(path);
	assert_null(strstr(buf, "hidden"));
	assert_non_null(strstr(buf, "notice: shown 2\n"));
	assert_non_null(strstr(buf, "error: shown too\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_env_then_cmdline),
		cmocka_unit_test(test_empty_env_is_unset),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_log_levels_filter),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("service_opts", tests, NULL, NULL);
}
