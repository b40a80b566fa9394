// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of snapadm config: modinfo descriptions and their ranges,
 * modprobe options strings, the snap.conf rewrite (in a temporary
 * directory) and libkmod reading it back as the next load would.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libkmod.h>

#include "../snapadm/config.h"

static void test_ranges(void **state)
{
	struct param_range r[PARAM_RANGES_MAX];

	(void)state;
	assert_int_equal(param_parse_ranges("[0,2-32]", r, PARAM_RANGES_MAX), 2);
	assert_int_equal(r[0].lo, 0);
	assert_int_equal(r[0].hi, 0);
	assert_int_equal(r[1].lo, 2);
	assert_int_equal(r[1].hi, 32);

	assert_int_equal(param_parse_ranges("[64-1048576]", r, PARAM_RANGES_MAX), 1);
	assert_int_equal(r[0].lo, 64);
	assert_int_equal(r[0].hi, 1048576);

	assert_int_equal(param_parse_ranges("[7]", r, PARAM_RANGES_MAX), 1);
	assert_int_equal(r[0].lo, 7);
	assert_int_equal(r[0].hi, 7);

	assert_int_equal(param_parse_ranges("[1,3,5-6]", r, 2), -1);	/* too many */
	assert_int_equal(param_parse_ranges("[2-1]", r, PARAM_RANGES_MAX), -1);
	assert_int_equal(param_parse_ranges("[]", r, PARAM_RANGES_MAX), -1);
	assert_int_equal(param_parse_ranges("[0,]", r, PARAM_RANGES_MAX), -1);
	assert_int_equal(param_parse_ranges("[,1]", r, PARAM_RANGES_MAX), -1);
	assert_int_equal(param_parse_ranges("[0-]", r, PARAM_RANGES_MAX), -1);
	assert_int_equal(param_parse_ranges("[a-b]", r, PARAM_RANGES_MAX), -1);
	assert_int_equal(param_parse_ranges("0-1", r, PARAM_RANGES_MAX), -1);
}

static void test_modinfo_description(void **state)
{
	struct snap_param p;

	(void)state;
	assert_int_equal(param_parse_modinfo(
		"pci_switch_emulation_num_port:Switch ports; hot-plug PFs = ports - 1 [0,2-32] (default 0)",
		&p), 0);
	assert_string_equal(p.name, "pci_switch_emulation_num_port");
	assert_string_equal(p.desc, "Switch ports; hot-plug PFs = ports - 1");
	assert_string_equal(p.range, "[0,2-32]");
	assert_int_equal(p.nranges, 2);
	assert_true(p.has_def);
	assert_int_equal(p.def, 0);
	assert_true(param_accepts(&p, 0));
	assert_false(param_accepts(&p, 1));
	assert_true(param_accepts(&p, 2));
	assert_true(param_accepts(&p, 32));
	assert_false(param_accepts(&p, 33));

	assert_int_equal(param_parse_modinfo(
		"mempool_size_mb:Staging buffer pool size in MiB [64-1048576] (default 1024)", &p), 0);
	assert_int_equal(p.def, 1024);
	assert_false(param_accepts(&p, 63));
	assert_true(param_accepts(&p, 1048576));

	/* Without range or default: any u32, no default. */
	assert_int_equal(param_parse_modinfo("debug:Debug level", &p), 0);
	assert_string_equal(p.desc, "Debug level");
	assert_int_equal(p.nranges, 0);
	assert_false(p.has_def);
	assert_true(param_accepts(&p, 4294967295u));
	assert_false(param_accepts(&p, 4294967296u));

	/* Brackets that are not a range stay in the text. */
	assert_int_equal(param_parse_modinfo("x:a [b] thing (default 3)", &p), 0);
	assert_string_equal(p.desc, "a [b] thing");
	assert_int_equal(p.nranges, 0);
	assert_int_equal(p.def, 3);

	assert_int_equal(param_parse_modinfo("no colon here", &p), -1);
	assert_int_equal(param_parse_modinfo(":nameless", &p), -1);
}

static void test_modprobe_options(void **state)
{
	char v[PARAM_VALUE_MAX];

	(void)state;
	assert_int_equal(modprobe_option_value("sriov_en=1 nvme_emulation_num_pf=2",
					       "nvme_emulation_num_pf", v, sizeof(v)), 1);
	assert_string_equal(v, "2");
	/* Later options override earlier ones, as at module load. */
	assert_int_equal(modprobe_option_value("a=1 b=2 a=3", "a", v, sizeof(v)), 1);
	assert_string_equal(v, "3");
	/* The kernel treats '-' and '_' in parameter names alike. */
	assert_int_equal(modprobe_option_value("  sriov-en=1\t", "sriov_en", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
	assert_int_equal(modprobe_option_value("s=\"a b\" t=2", "s", v, sizeof(v)), 1);
	assert_string_equal(v, "a b");
	assert_int_equal(modprobe_option_value("flag", "flag", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
	assert_int_equal(modprobe_option_value("sriov_enable=1", "sriov_en", v, sizeof(v)), 0);
	assert_int_equal(modprobe_option_value("", "a", v, sizeof(v)), 0);
	assert_int_equal(modprobe_option_value(NULL, "a", v, sizeof(v)), 0);
}

struct tmpdir {
	char path[64];
	char conf[128];
};

static int make_tmpdir(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->path, sizeof(t->path), "/tmp/test_snapadm_config.XXXXXX");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	snprintf(t->conf, sizeof(t->conf), "%s/snap.conf", t->path);
	*state = t;
	return 0;
}

static int remove_tmpdir(void **state)
{
	struct tmpdir *t = *state;

	unlink(t->conf);
	rmdir(t->path);
	free(t);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_conf_created(void **state)
{
	struct tmpdir *t = *state;
	const struct param_assignment set[] = {
		{ "nvme_emulation_enable", "1" },
		{ "nvme_emulation_num_pf", "2" },
	};
	char err[256];

	assert_int_equal(snapconf_update(t->conf, set, 2, err, sizeof(err)), 0);
	assert_string_equal(read_text(t->conf),
			    "options snap nvme_emulation_enable=1 nvme_emulation_num_pf=2\n");
}

static void test_conf_merged_keeping_other_lines(void **state)
{
	struct tmpdir *t = *state;
	const struct param_assignment set[] = {
		{ "nvme_emulation_num_pf", "1" },
		{ "mempool_size_mb", "2048" },
	};
	char err[256];

	write_text(t->conf,
		   "# snap settings\n"
		   "options snap sriov_en=1 nvme_emulation_num_pf=2\n"
		   "blacklist nvme_fabrics\n"
		   "options snapfoo x=1\n"
		   "  options   snap internal_cpu_model=1\n"
		   "options nvme io_queue_depth=64");
	static const char want[] =
		"# snap settings\n"
		"options snap sriov_en=1 nvme_emulation_num_pf=1 internal_cpu_model=1 mempool_size_mb=2048\n"
		"blacklist nvme_fabrics\n"
		"options snapfoo x=1\n"
		"options nvme io_queue_depth=64\n";

	assert_int_equal(snapconf_update(t->conf, set, 2, err, sizeof(err)), 0);
	assert_string_equal(read_text(t->conf), want);
	/* Applying the same again changes nothing. */
	assert_int_equal(snapconf_update(t->conf, set, 2, err, sizeof(err)), 0);
	assert_string_equal(read_text(t->conf), want);
}

static void test_conf_unwritable_dir(void **state)
{
	const struct param_assignment set[] = { { "sriov_en", "1" } };
	char err[256] = "";

	(void)state;
	assert_int_equal(snapconf_update("/nonexistent-dir/snap.conf", set, 1, err,
					 sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/snap.conf"));
}

/* What "config query" relies on: libkmod reads our directory alone. */
static void test_libkmod_reads_the_rewritten_conf(void **state)
{
	struct tmpdir *t = *state;
	const struct param_assignment set[] = { { "virtio_blk_emulation_num_pf", "3" } };
	const char *paths[] = { t->path, NULL };
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	const char *opts;
	char err[256], v[PARAM_VALUE_MAX];

	write_text(t->conf, "options snap sriov_en=1\n");
	assert_int_equal(snapconf_update(t->conf, set, 1, err, sizeof(err)), 0);
	ctx = kmod_new(NULL, paths);
	assert_non_null(ctx);
	assert_int_equal(kmod_module_new_from_name(ctx, "snap", &mod), 0);
	opts = kmod_module_get_options(mod);
	assert_non_null(opts);
	assert_int_equal(modprobe_option_value(opts, "sriov_en", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
	assert_int_equal(modprobe_option_value(opts, "virtio_blk_emulation_num_pf",
					       v, sizeof(v)), 1);
	assert_string_equal(v, "3");
	assert_int_equal(modprobe_option_value(opts, "nvme_emulation_num_pf",
					       v, sizeof(v)), 0);
	kmod_module_unref(mod);
	kmod_unref(ctx);
}

static void test_config_dir_env(void **state)
{
	(void)state;
	unsetenv("SNAP_MODPROBE_D");
	assert_string_equal(config_dir(), "/etc/modprobe.d");
	setenv("SNAP_MODPROBE_D", "/tmp/x", 1);
	assert_string_equal(config_dir(), "/tmp/x");
	unsetenv("SNAP_MODPROBE_D");
}

/* What modprobe hands the kernel, read as the kernel reads it (base 0). */
static void test_param_values(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(param_parse_value("1879048192", &v), 0);
	assert_int_equal(v, 0x70000000);
	/* sim_mem_start as the documents spell it */
	assert_int_equal(param_parse_value("0x70000000", &v), 0);
	assert_int_equal(v, 0x70000000);
	assert_int_equal(param_parse_value("0X4000000", &v), 0);
	assert_int_equal(v, 0x4000000);
	assert_int_equal(param_parse_value("0xffffffffffffffff", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(param_parse_value("0", &v), 0);
	assert_int_equal(v, 0);
	/* A leading 0 is octal to the kernel: 010 loads as 8, not 10. */
	assert_int_equal(param_parse_value("010", &v), 0);
	assert_int_equal(v, 8);

	v = 42;
	assert_int_equal(param_parse_value("", &v), -EINVAL);
	assert_int_equal(param_parse_value("0x", &v), -EINVAL);
	assert_int_equal(param_parse_value("08", &v), -EINVAL);
	assert_int_equal(param_parse_value("-1", &v), -EINVAL);
	assert_int_equal(param_parse_value("+1", &v), -EINVAL);
	assert_int_equal(param_parse_value(" 1", &v), -EINVAL);
	assert_int_equal(param_parse_value("1 ", &v), -EINVAL);
	assert_int_equal(param_parse_value("64M", &v), -EINVAL);
	assert_int_equal(param_parse_value("0x1g", &v), -EINVAL);
	assert_int_equal(param_parse_value("18446744073709551616", &v), -ERANGE);
	assert_int_equal(param_parse_value("0x10000000000000000", &v), -ERANGE);
	assert_int_equal(v, 42);	/* a refusal leaves the output alone */
}

/* A parameter without a range is as wide as its type says (parmtype). */
static void test_param_types(void **state)
{
	struct snap_param p[3];

	(void)state;
	assert_int_equal(param_parse_modinfo(
		"sim_mem_start:Physical start of reserved RAM (default 0)", &p[0]), 0);
	assert_int_equal(param_parse_modinfo("debug:Debug level", &p[1]), 0);
	assert_int_equal(param_parse_modinfo(
		"nvme_emulation_num_pf:Static emulated NVMe PFs [0-2] (default 0)", &p[2]), 0);
	param_apply_type(p, 3, "sim_mem_start:ulong");
	param_apply_type(p, 3, "debug:uint");
	param_apply_type(p, 3, "nvme_emulation_num_pf:uint");
	param_apply_type(p, 3, "other:ulong");
	param_apply_type(p, 3, "no colon");
	param_apply_type(p, 3, NULL);
	assert_true(p[0].wide);
	assert_false(p[1].wide);
	assert_false(p[2].wide);
	/* reserved RAM above 4 GiB */
	assert_true(param_accepts(&p[0], 0x170000000ull));
	assert_false(param_accepts(&p[1], 0x170000000ull));
	assert_false(param_accepts(&p[2], 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_modinfo_description),
		cmocka_unit_test(test_modprobe_options),
		cmocka_unit_test_setup_teardown(test_conf_created, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_conf_merged_keeping_other_lines,
						make_tmpdir, remove_tmpdir),
		cmocka_unit_test(test_conf_unwritable_dir),
		cmocka_unit_test_setup_teardown(test_libkmod_reads_the_rewritten_conf,
						make_tmpdir, remove_tmpdir),
		cmocka_unit_test(test_config_dir_env),
		cmocka_unit_test(test_param_values),
		cmocka_unit_test(test_param_types),
	};

	return cmocka_run_group_tests_name("snapadm_config", tests, NULL, NULL);
}
