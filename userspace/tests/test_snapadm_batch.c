// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of snapadm -b: the shell-like tokenizer, comments, the tool
 * names scripts carry, and stopping at the first failing line with its
 * number (with commands that need no kernel).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/snap.h>

#include "../snapadm/batch.h"

static void check_words(const char *line, const char *const *want)
{
	struct batch_line l;
	const char *why = NULL;
	int n = 0;

	assert_int_equal(batch_tokenize(line, &l, &why), 0);
	while (want[n]) {
		assert_true(n < l.argc);
		assert_string_equal(l.argv[n], want[n]);
		n++;
	}
	assert_int_equal(l.argc, n);
	assert_null(l.argv[l.argc]);
	batch_line_free(&l);
}

#define WORDS(line, ...) check_words(line, (const char *const[]){ __VA_ARGS__ })

static void test_plain_words(void **state)
{
	(void)state;
	WORDS("bdev_malloc_create 32 4096 -b Malloc0\n",
	      "bdev_malloc_create", "32", "4096", "-b", "Malloc0", NULL);
	WORDS("  \tnvme_subsystem_list\t \r\n", "nvme_subsystem_list", NULL);
}

static void test_quotes_and_escapes(void **state)
{
	(void)state;
	WORDS("nvme_subsystem_create -s nqn.x -mn 'My Model' -sn \"S N\"",
	      "nvme_subsystem_create", "-s", "nqn.x", "-mn", "My Model", "-sn", "S N", NULL);
	WORDS("a \"say \\\"hi\\\" \\\\ \\n\" 'it''s' b\\ c",
	      "a", "say \"hi\" \\ \\n", "its", "b c", NULL);
	WORDS("x '' y", "x", "", "y", NULL);
	WORDS("--model_number='a b'c", "--model_number=a bc", NULL);
}

static void test_comments_and_blanks(void **state)
{
	(void)state;
	WORDS("", NULL);
	WORDS("   \n", NULL);
	WORDS("# nvme_subsystem_list", NULL);
	WORDS("   # indented comment", NULL);
	WORDS("bdev_list # trailing comment", "bdev_list", NULL);
	/* '#' inside a word or quoted is part of it, as in a shell. */
	WORDS("a#b '#c' \"#d\"", "a#b", "#c", "#d", NULL);
}

static void test_unterminated_quote(void **state)
{
	struct batch_line l;
	const char *why = NULL;

	(void)state;
	assert_int_equal(batch_tokenize("nvme_subsystem_create -mn 'oops", &l, &why), -1);
	assert_string_equal(why, "unterminated quote");
	assert_null(l.buf);
	assert_int_equal(batch_tokenize("x \"y", &l, &why), -1);
}

static void check_stripped(const char *line, const char *first, int argc)
{
	struct batch_line l;
	const char *why;

	assert_int_equal(batch_tokenize(line, &l, &why), 0);
	batch_strip_tool(&l);
	assert_int_equal(l.argc, argc);
	if (first)
		assert_string_equal(l.argv[0], first);
	assert_null(l.argv[l.argc]);
	batch_line_free(&l);
}

static void test_tool_names_dropped(void **state)
{
	(void)state;
	check_stripped("snap_rpc.py nvme_subsystem_list", "nvme_subsystem_list", 1);
	check_stripped("spdk_rpc.py bdev_malloc_create 32 4096 -b M", "bdev_malloc_create", 5);
	check_stripped("/usr/bin/snapadm bdev_list", "bdev_list", 1);
	check_stripped("rpc.py bdev_list", "bdev_list", 1);
	check_stripped("snapadm", NULL, 0);
	check_stripped("bdev_list snapadm", "bdev_list", 2);
	check_stripped("my_rpc.py bdev_list", "my_rpc.py", 2);
}

struct capture {
	struct snapadm adm;
	char *out, *err;
	size_t out_len, err_len;
};

static int open_capture(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	snapadm_init(&c->adm);
	c->adm.out = open_memstream(&c->out, &c->out_len);
	c->adm.err = open_memstream(&c->err, &c->err_len);
	*state = c;
	return c->adm.out && c->adm.err ? 0 : -1;
}

static int close_capture(void **state)
{
	struct capture *c = *state;

	snapadm_release(&c->adm);
	fclose(c->adm.out);
	fclose(c->adm.err);
	free(c->out);
	free(c->err);
	free(c);
	return 0;
}

static int run_text(struct capture *c, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	ret = batch_run(&c->adm, f, "init.conf");
	fclose(f);
	fflush(c->adm.out);
	fflush(c->adm.err);
	return ret;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_batch_runs_every_line(void **state)
{
	struct capture *c = *state;

	assert_int_equal(run_text(c, "# init\n\nversion\nsnapadm version  # again\n"), 0);
	assert_int_equal(count(c->out, "snapadm "), 2);
	assert_int_equal(c->err_len, 0);
	assert_null(c->adm.where);
}

static void test_batch_stops_at_first_failure_with_line(void **state)
{
	struct capture *c = *state;

	assert_int_equal(run_text(c,
				  "version\n"
				  "# a comment\n"
				  "nvme_subsystem_create --nqn nqn.x --bogus\n"
				  "version\n"), 1);
	assert_int_equal(count(c->out, "snapadm "), 1);
	assert_string_equal(c->err,
			    "snapadm: init.conf:3: nvme_subsystem_create: unrecognized argument: --bogus\n");
}

static void test_batch_reports_unknown_command_and_quotes(void **state)
{
	struct capture *c = *state;

	assert_int_equal(run_text(c, "\nno_such_command\n"), 1);
	assert_string_equal(c->err, "snapadm: init.conf:2: unknown command 'no_such_command'\n");
}

static void test_batch_reports_bad_quote(void **state)
{
	struct capture *c = *state;

	assert_int_equal(run_text(c, "version\nversion 'x\n"), 1);
	assert_string_equal(c->err, "snapadm: init.conf:2: unterminated quote\n");
}

static void test_batch_json_per_command(void **state)
{
	struct capture *c = *state;
	char want[32];

	assert_int_equal(run_text(c, "version -j\nversion\n"), 0);

	snprintf(want, sizeof(want), "\"abi_major\": %u", SNAP_ABI_MAJOR);
	assert_non_null(strstr(c->out, want));
	/* -j after a command applies to that command only. */
	assert_int_equal(count(c->out, "snapadm "), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_quotes_and_escapes),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_tool_names_dropped),
		cmocka_unit_test_setup_teardown(test_batch_runs_every_line,
						open_capture, close_capture),
		cmocka_unit_test_setup_teardown(test_batch_stops_at_first_failure_with_line,
						open_capture, close_capture),
		cmocka_unit_test_setup_teardown(test_batch_reports_unknown_command_and_quotes,
						open_capture, close_capture),
		cmocka_unit_test_setup_teardown(test_batch_reports_bad_quote,
						open_capture, close_capture),
		cmocka_unit_test_setup_teardown(test_batch_json_per_command,
						open_capture, close_capture),
	};

	return cmocka_run_group_tests_name("snapadm_batch", tests, NULL, NULL);
}
