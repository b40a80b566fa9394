// SPDX-License-Identifier: GPL-2.0
/*
 * Backend plugins: the example passthru plugin stacked on a RAM bdev
 * (data both ways, errors, deferred completions, the hold on its base),
 * broken plugins refused at load with their reason, the definitions'
 * words, and the definition snapadm makes of a plugin command.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../snap_service/bdev/bdev_plugin.h"
#include "../snapadm/cmds.h"
#include "../snapadm/plugin.h"
#include "plugin_load.h"

#define PLUGIN(name)	SNAP_BUILD_DIR "/plugins/" name ".so"
#define BROKEN(name)	SNAP_BUILD_DIR "/tests/plugins/" name ".so"
#define BS		4096u
#define BLOCKS		16u

static struct bdev *base;

static struct bdev *find_base(void *arg, const char *name)
{
	(void)arg;
	return base && !strcmp(name, base->name) ? base : NULL;
}

static int setup(void **state)
{
	char err[512] = "";

	(void)state;
	base = bdev_malloc_create("Malloc0", BLOCKS, BS);
	assert_non_null(base);
	bdev_plugins_set_lookup(find_base, NULL);
	if (bdev_plugin_load(PLUGIN("passthru"), err, sizeof(err)))
		fail_msg("%s", err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bdev_plugins_unload();
	bdev_destroy(base);
	base = NULL;
	return 0;
}

struct waiter {
	struct bdev_io io;
	int status;
	int calls;
};

static void on_done(struct bdev_io *io, int status)
{
	struct waiter *w = (struct waiter *)io;

	w->status = status;
	w->calls++;
}

static void submit(struct bdev *b, struct waiter *w, enum bdev_op op, uint64_t block,
		   void *buf)
{
	*w = (struct waiter){
		.io = { .op = op, .offset = block * BS, .len = BS, .buf = buf,
			.done = on_done },
		.status = 1,
	};
	assert_int_equal(bdev_submit(b, &w->io), 0);
}

static struct bdev *open_pt(void)
{
	char err[256] = "";
	struct bdev *pt = bdev_plugin_create("TestPT", "ext_passthru base=Malloc0", BS,
					     err, sizeof(err));

	if (!pt)
		fail_msg("%s", err);
	return pt;
}

static void test_passthru_moves_data_both_ways(void **state)
{
	unsigned char in[BS], out[BS], direct[BS];
	struct bdev *pt = open_pt();
	struct waiter w;

	(void)state;
	assert_int_equal(pt->num_blocks, BLOCKS);
	assert_int_equal(pt->block_size, BS);
	memset(in, 0xa5, sizeof(in));
	submit(pt, &w, BDEV_OP_WRITE, 3, in);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.status, 0);
	/* It reached the base: read there directly, and back through pt. */
	submit(base, &w, BDEV_OP_READ, 3, direct);
	assert_memory_equal(direct, in, BS);
	submit(pt, &w, BDEV_OP_READ, 3, out);
	assert_int_equal(w.status, 0);
	assert_memory_equal(out, in, BS);
	bdev_destroy(pt);
}

static void test_base_error_reaches_the_submitter(void **state)
{
	struct bdev *pt = open_pt();
	unsigned char buf[BS];
	struct waiter w;

	(void)state;
	bdev_inject_error(base, BDEV_OP_READ, -EIO, 1);
	submit(pt, &w, BDEV_OP_READ, 0, buf);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.status, -EIO);
	submit(pt, &w, BDEV_OP_READ, 0, buf);
	assert_int_equal(w.status, 0);
	bdev_destroy(pt);
}

/* The base defers: only polling the plugin bdev (which polls its base) completes. */
static void test_deferred_completion_comes_from_poll(void **state)
{
	struct bdev *pt = open_pt();
	unsigned char buf[BS];
	struct waiter w;

	(void)state;
	bdev_set_defer(base, true);
	submit(pt, &w, BDEV_OP_READ, 1, buf);
	assert_int_equal(w.calls, 0);
	assert_int_equal(bdev_poll(pt), 1);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.status, 0);
	bdev_set_defer(base, false);
	bdev_destroy(pt);
}

static void test_base_is_held_while_open(void **state)
{
	struct bdev *pt;

	(void)state;
	assert_int_equal(atomic_load(&base->holders), 0);
	pt = open_pt();
	assert_int_equal(atomic_load(&base->holders), 1);
	bdev_destroy(pt);
	assert_int_equal(atomic_load(&base->holders), 0);
}

static void expect_create_refused(const char *def, uint32_t block_size, const char *why)
{
	char err[256] = "";

	assert_null(bdev_plugin_create("TestPT", def, block_size, err, sizeof(err)));
	if (!strstr(err, why))
		fail_msg("'%s' refused with '%s', not '%s'", def, err, why);
}

static void test_bad_definitions_refused(void **state)
{
	(void)state;
	expect_create_refused("ext_passthru base=Malloc0", 512, "definition says 512");
	expect_create_refused("ext_passthru base=Nope", BS, "no ready bdev Nope");
	expect_create_refused("ext_passthru", BS, "needs base=BDEV");
	expect_create_refused("ext_other base=Malloc0", BS,
			      "no loaded plugin provides bdev type ext_other");
	expect_create_refused("base=Malloc0", BS, "does not start with a bdev type");
	expect_create_refused("", BS, "does not start with a bdev type");
	assert_int_equal(atomic_load(&base->holders), 0);
}

static void expect_load_refused(const char *path, const char *why)
{
	char err[512] = "";

	assert_int_equal(bdev_plugin_load(path, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("%s refused with '%s', not '%s'", path, err, why);
}

static void test_broken_plugins_refused(void **state)
{
	(void)state;
	expect_load_refused(BROKEN("bad_abi"), "plugin ABI version 2, this program speaks 1");
	expect_load_refused(BROKEN("no_entry"), "no snap_plugin_entry symbol");
	expect_load_refused(BROKEN("undefined_symbol"), "snap_test_symbol_nobody_defines");
	expect_load_refused(BROKEN("no_submit"), "bdev type nop has no submit");
	expect_load_refused(BROKEN("dup_type"), "ext_passthru is provided by another plugin");
	expect_load_refused(PLUGIN("passthru"), "loaded already");
	expect_load_refused(SNAP_BUILD_DIR "/plugins/missing.so", "No such file");
	/* The good plugin still serves. */
	bdev_destroy(open_pt());
}

static void test_definition_words(void **state)
{
	char buf[16], type[16];

	(void)state;
	assert_int_equal(snap_plugin_def_type("  ext_passthru base=M a=b", type, sizeof(type)), 0);
	assert_string_equal(type, "ext_passthru");
	assert_string_equal(snap_plugin_def_params("  ext_passthru  base=M a=b"), "base=M a=b");
	assert_int_equal(snap_plugin_def_type("base=M", type, sizeof(type)), -1);
	assert_int_equal(snap_plugin_param("base=M a=b", "a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b");
	assert_int_equal(snap_plugin_param("base=M ab=c", "a", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(snap_plugin_param("a= x=1", "a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(snap_plugin_param("a=0123456789abcdefg", "a", buf, sizeof(buf)),
			 -ENAMETOOLONG);
}

static int count_each(const char *spec, void *arg)
{
	(void)spec;
	return ++*(int *)arg == 3 ? 7 : 0;
}

static void test_plugin_lists(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(snap_plugin_list_each("a::b", count_each, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(snap_plugin_list_each("a:b:c:d", count_each, &n), 7);
	assert_int_equal(n, 3);
	assert_int_equal(snap_plugin_list_each(NULL, count_each, &n), 0);
}

/* snapadm's side: the passthru command's arguments become the definition. */
static void test_snapadm_command_makes_the_definition(void **state)
{
	char *argv[] = { "construct_ext_passthru_bdev", "-b", "Malloc0", "-p", "TestPT" };
	const struct snap_plugin_cmd *pc = NULL;
	struct snap_plugin_loaded p;
	struct parsed_args a;
	char def[128], msg[ARGS_MSG_LEN], err[256];
	const char *base_name;
	const struct snapadm_cmd *cmd;
	struct snapadm adm;

	(void)state;
	snapadm_init(&adm);
	adm.err = fopen("/dev/null", "w");
	assert_int_equal(snapadm_plugin_load(&adm, PLUGIN("passthru")), 0);
	cmd = snapadm_find_command("construct_ext_passthru_bdev");
	assert_non_null(cmd);
	assert_non_null(snapadm_find_command("delete_ext_passthru_bdev"));
	assert_int_equal(args_parse(&a, cmd->opts, cmd->pos, false, 5, argv, msg,
				    sizeof(msg)), 0);
	assert_int_equal(snap_plugin_load(PLUGIN("passthru"), &p, err, sizeof(err)), 0);
	pc = &p.desc->cmds[0];
	assert_int_equal(plugin_definition(pc, &a, def, sizeof(def), &base_name), 0);
	assert_string_equal(def, "ext_passthru base=Malloc0");
	assert_string_equal(base_name, "Malloc0");
	assert_int_equal(plugin_definition(pc, &a, def, 20, &base_name), -ENAMETOOLONG);
	/* -p is required, as in spdk_rpc.py. */
	assert_int_equal(args_parse(&a, cmd->opts, cmd->pos, false, 3, argv, msg,
				    sizeof(msg)), -1);
	snap_plugin_unload(&p);
	snapadm_plugins_release();
	assert_null(snapadm_find_command("construct_ext_passthru_bdev"));
	/* A broken plugin is a failure with its reason, and adds nothing. */
	assert_int_equal(snapadm_plugin_load(&adm, BROKEN("bad_abi")), SNAPADM_FAILED);
	assert_null(snapadm_plugin_commands());
	fclose(adm.err);
	snapadm_release(&adm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_passthru_moves_data_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_error_reaches_the_submitter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deferred_completion_comes_from_poll, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_base_is_held_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_definitions_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_plugins_refused, setup, teardown),
		cmocka_unit_test(test_definition_words),
		cmocka_unit_test(test_plugin_lists),
		cmocka_unit_test(test_snapadm_command_makes_the_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
