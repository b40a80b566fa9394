// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of snapadm's argument handling: the argparse-style parser on
 * the real command tables, numbers, UUIDs, the bdev size arithmetic and the
 * attributes the options become.
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

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/snap.h>

#include "../snapadm/args.h"
#include "../snapadm/cmds.h"
#include "nl.h"

struct parse {
	struct parsed_args a;
	char msg[ARGS_MSG_LEN];
	int ret;
};

/* Parses a NULL-terminated word list against the named command's table. */
static void parse_words(struct parse *p, const char *const *words)
{
	const struct snapadm_cmd *cmd = snapadm_find_command(words[0]);
	char *argv[32];
	int argc = 0;

	assert_non_null(cmd);
	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	p->ret = args_parse(&p->a, cmd->opts, cmd->pos, cmd->variadic, argc,
			    argv, p->msg, sizeof(p->msg));
}

#define PARSE(p, ...) parse_words(p, (const char *const[]){ __VA_ARGS__, NULL })

static void test_subsystem_create_short_forms(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_subsystem_create", "-s", "nqn.2023-05.io.nvda.nvme:0",
	      "-mn", "My Model", "-sn", "SN42", "-mnan", "8", "-nn", "16",
	      "--single_ctrl");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "nqn")->str, "nqn.2023-05.io.nvda.nvme:0");
	assert_string_equal(args_get(&p.a, "model_number")->str, "My Model");
	assert_string_equal(args_get(&p.a, "serial_number")->str, "SN42");
	assert_int_equal(args_get(&p.a, "mnan")->num, 8);
	assert_int_equal(args_get(&p.a, "nn")->num, 16);
	assert_true(args_has(&p.a, "single_ctrl"));
}

static void test_long_forms_equals_and_prefix(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_subsystem_create", "--nqn=nqn.x", "--model-number", "M",
	      "--serial=S1", "--single");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "nqn")->str, "nqn.x");
	assert_string_equal(args_get(&p.a, "model_number")->str, "M");
	assert_string_equal(args_get(&p.a, "serial_number")->str, "S1");
	assert_true(args_has(&p.a, "single_ctrl"));
	assert_false(args_has(&p.a, "nn"));
}

static void test_ambiguous_prefix(void **state)
{
	struct parse p;

	(void)state;
	/* --n could be --nqn or --nsid. */
	PARSE(&p, "nvme_namespace_destroy", "--n", "1", "--nsid", "1");
	assert_int_equal(p.ret, -1);
	assert_non_null(strstr(p.msg, "ambiguous"));
}

static void test_last_repeat_wins_and_attached_short(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_controller_attach_ns", "-c", "A", "-cB", "-n7", "--nsid", "9");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "ctrl")->str, "B");
	assert_int_equal(args_get(&p.a, "nsid")->num, 9);
}

static void test_missing_required(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_namespace_create", "-n", "1");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg,
			    "the following arguments are required: --nqn, --bdev_name");

	PARSE(&p, "bdev_malloc_create", "32");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "the following arguments are required: block_size");
}

static void test_bad_numbers(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_namespace_create", "-s", "nqn.x", "-b", "M", "-n", "one");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "--nsid: invalid number 'one'");

	PARSE(&p, "nvme_namespace_create", "-s", "nqn.x", "-b", "M", "-n", "4294967296");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "--nsid: 4294967296 is out of range (max 4294967295)");

	PARSE(&p, "nvme_namespace_create", "-s", "nqn.x", "-b", "M", "-n=-1");
	assert_int_equal(p.ret, -1);

	/* mdts is a u8 in the ABI. */
	PARSE(&p, "nvme_controller_create", "--nqn", "nqn.x", "--pf_id", "0",
	      "--mdts", "256");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "--mdts: 256 is out of range (max 255)");

	PARSE(&p, "nvme_controller_create", "--nqn", "nqn.x", "--pf_id", "0x1");
	assert_int_equal(p.ret, -1);

	PARSE(&p, "bdev_malloc_create", "32", "4k");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "block_size: invalid number '4k'");
}

static void test_unknown_and_unsupported(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_controller_suspend", "-c", "C", "--admin_only");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "--admin_only is not supported yet");

	PARSE(&p, "nvme_subsystem_list", "--bogus");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "unrecognized argument: --bogus");

	PARSE(&p, "nvme_subsystem_list", "extra");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "unrecognized argument: extra");

	PARSE(&p, "nvme_subsystem_create", "--nqn");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "--nqn: expected one argument");

	PARSE(&p, "nvme_subsystem_create", "--nqn", "nqn.x", "--single_ctrl=1");
	assert_int_equal(p.ret, -1);
}

static void test_positionals_help_json_and_dashdash(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "bdev_malloc_create", "-j", "32", "4096", "-b", "Malloc0");
	assert_int_equal(p.ret, 0);
	assert_true(p.a.json);
	assert_string_equal(args_get(&p.a, "total_size")->str, "32");
	assert_int_equal(args_get(&p.a, "block_size")->num, 4096);
	assert_string_equal(args_get(&p.a, "name")->str, "Malloc0");

	PARSE(&p, "bdev_null_delete", "--", "-odd-name");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "name")->str, "-odd-name");

	PARSE(&p, "bdev_null_resize", "Null0", "128");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "name")->str, "Null0");
	assert_string_equal(args_get(&p.a, "new_size")->str, "128");
	PARSE(&p, "bdev_null_resize", "Null0");
	assert_int_equal(p.ret, -1);

	PARSE(&p, "nvme_subsystem_create", "-h");
	assert_int_equal(p.ret, 0);
	assert_true(p.a.help);
}

static void test_uring_block_size_option_and_positional(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "bdev_uring_create", "/dev/sdb", "U0", "-b", "4096");
	assert_int_equal(p.ret, 0);
	assert_int_equal(args_get_opt(&p.a, "block_size")->num, 4096);
	assert_null(args_get_pos(&p.a, "block_size"));

	PARSE(&p, "bdev_uring_create", "/dev/sdb", "U0", "512");
	assert_int_equal(p.ret, 0);
	assert_null(args_get_opt(&p.a, "block_size"));
	assert_int_equal(args_get(&p.a, "block_size")->num, 512);
}

static void test_config_is_variadic(void **state)
{
	struct parse p;

	(void)state;
	PARSE(&p, "config", "set", "sriov_en=1", "nvme_emulation_num_pf=2");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "action")->str, "set");
	assert_int_equal(p.a.nrest, 2);
	assert_string_equal(p.a.rest[0], "sriov_en=1");
	assert_string_equal(p.a.rest[1], "nvme_emulation_num_pf=2");
}

static void test_aliases(void **state)
{
	(void)state;
	assert_ptr_equal(snapadm_find_command("bdev_get_bdevs"),
			 snapadm_find_command("bdev_list"));
	assert_null(snapadm_find_command("nvme_subsystem"));
}

static void test_parse_uint(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_uint("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint("11", 10, &v), -ERANGE);
	assert_int_equal(parse_uint("", 10, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 10, &v), -EINVAL);
	assert_int_equal(parse_uint("1 ", 10, &v), -EINVAL);
	assert_int_equal(parse_uint("+1", 10, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 10, &v), -EINVAL);
}

static void test_malloc_size(void **state)
{
	uint64_t n = 0;
	const char *why = NULL;

	(void)state;
	/* bdev_malloc_create 32 4096: 32 MiB of 4 KiB blocks. */
	assert_int_equal(size_mb_to_blocks("32", 4096, &n, &why), 0);
	assert_int_equal(n, 8192);
	assert_int_equal(size_mb_to_blocks("64", 512, &n, &why), 0);
	assert_int_equal(n, 131072);
	/* spdk_rpc.py takes a float: half a MiB of 512-byte blocks. */
	assert_int_equal(size_mb_to_blocks("0.5", 512, &n, &why), 0);
	assert_int_equal(n, 1024);
	assert_int_equal(size_mb_to_blocks("1.25", 4096, &n, &why), 0);
	assert_int_equal(n, 320);

	assert_int_equal(size_mb_to_blocks("32", 3000, &n, &why), -1);
	assert_string_equal(why, "size is not a whole number of blocks");
	assert_int_equal(size_mb_to_blocks("0.1", 512, &n, &why), -1);
	assert_string_equal(why, "size is not a whole number of bytes");
	assert_int_equal(size_mb_to_blocks("0", 512, &n, &why), -1);
	assert_string_equal(why, "size must be greater than 0");
	assert_int_equal(size_mb_to_blocks("1", 0, &n, &why), -1);
	assert_int_equal(size_mb_to_blocks("32M", 512, &n, &why), -1);
	assert_int_equal(size_mb_to_blocks(".", 512, &n, &why), -1);
	assert_int_equal(size_mb_to_blocks("-1", 512, &n, &why), -1);
	assert_int_equal(size_mb_to_blocks("99999999999999999999", 512, &n, &why), -1);
	assert_string_equal(why, "size is too large");
}

static void test_uuid(void **state)
{
	static const uint8_t want[16] = {
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
		0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21,
	};
	uint8_t u[16];
	char text[UUID_STR_LEN];

	(void)state;
	assert_int_equal(uuid_parse("12345678-9ABC-def0-0fed-cba987654321", u), 0);
	assert_memory_equal(u, want, 16);
	uuid_format(u, text);
	assert_string_equal(text, "12345678-9abc-def0-0fed-cba987654321");

	assert_int_equal(uuid_parse("123456789abcdef00fedcba987654321", u), -EINVAL);
	assert_int_equal(uuid_parse("12345678-9abc-def0-0fed-cba98765432", u), -EINVAL);
	assert_int_equal(uuid_parse("12345678-9abc-def0-0fed-cba9876543210", u), -EINVAL);
	assert_int_equal(uuid_parse("1234567-89abc-def0-0fed-cba987654321", u), -EINVAL);
	assert_int_equal(uuid_parse("g2345678-9abc-def0-0fed-cba987654321", u), -EINVAL);
	assert_int_equal(uuid_parse(NULL, u), -EINVAL);
}

/*
 * The attributes the options of @p put, read back into @tb with the
 * ABI's policy; @tb points into the message, freed by the caller.
 */
static struct nl_msg *options_to_attrs(struct parse *p, struct nlattr **tb)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_int_equal(p->ret, 0);
	assert_int_equal(nlcmd_put_options(msg, &p->a), 0);
	assert_int_equal(nla_parse(tb, SNAP_A_MAX, nlmsg_attrdata(nlmsg_hdr(msg), 0),
				   nlmsg_attrlen(nlmsg_hdr(msg), 0), snap_policy), 0);
	return msg;
}

/* The attributes an option table puts, read back with the ABI's policy. */
static void test_options_become_attributes(void **state)
{
	struct nlattr *tb[SNAP_A_MAX + 1];
	struct nl_msg *msg;
	uint8_t uuid[16];
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_namespace_create", "-s", "nqn.2023-05.io.nvda.nvme:0",
	      "-n", "3", "-b", "Malloc0", "-u", "00112233-4455-6677-8899-aabbccddeeff");
	msg = options_to_attrs(&p, tb);
	assert_string_equal(nla_get_string(tb[SNAP_A_NQN]), "nqn.2023-05.io.nvda.nvme:0");
	assert_int_equal(nla_get_u32(tb[SNAP_A_NSID]), 3);
	assert_string_equal(nla_get_string(tb[SNAP_A_BDEV_NAME]), "Malloc0");
	assert_int_equal(nla_len(tb[SNAP_A_UUID]), 16);
	assert_int_equal(uuid_parse("00112233-4455-6677-8899-aabbccddeeff", uuid), 0);
	assert_memory_equal(nla_data(tb[SNAP_A_UUID]), uuid, 16);
	assert_null(tb[SNAP_A_FORCE]);
	nlmsg_free(msg);

	/* --suspended is state=suspended, --mdts a u8, --vhca_id no attribute. */
	PARSE(&p, "nvme_controller_create", "--nqn", "nqn.x", "--vhca_id", "5",
	      "--suspended", "--mdts", "6", "-c", "NVMeCtrl9");
	msg = options_to_attrs(&p, tb);
	assert_int_equal(nla_get_u8(tb[SNAP_A_STATE]), SNAP_CTRL_SUSPENDED);
	assert_int_equal(nla_get_u8(tb[SNAP_A_MDTS]), 6);
	assert_string_equal(nla_get_string(tb[SNAP_A_NAME]), "NVMeCtrl9");
	assert_null(tb[SNAP_A_VHCA_ID]);
	assert_null(tb[SNAP_A_PF_ID]);
	nlmsg_free(msg);

	/* virtio-blk's flags; without them, no attribute. */
	PARSE(&p, "virtio_blk_controller_create", "--pf_id", "0", "--indirect_desc",
	      "--force_in_order");
	msg = options_to_attrs(&p, tb);
	assert_non_null(tb[SNAP_A_INDIRECT_DESC]);
	assert_non_null(tb[SNAP_A_FORCE_IN_ORDER]);
	assert_null(tb[SNAP_A_READ_ONLY]);
	nlmsg_free(msg);
	PARSE(&p, "virtio_blk_controller_create", "--pf_id", "0");
	msg = options_to_attrs(&p, tb);
	assert_null(tb[SNAP_A_INDIRECT_DESC]);
	assert_null(tb[SNAP_A_FORCE_IN_ORDER]);
	nlmsg_free(msg);
}

/* The words are refused with that message, before any request. */
#define REFUSED(p, why, ...) do {					\
		PARSE(p, __VA_ARGS__);					\
		assert_int_equal((p)->ret, -1);				\
		assert_string_equal((p)->msg, why);			\
	} while (0)

/* SNAP's hot-plug commands: what each takes, and what it refuses. */
static void test_hotplug_commands(void **state)
{
	static const char need_vuid[] = "the following arguments are required: --vuid";
	struct nlattr *tb[SNAP_A_MAX + 1];
	struct nl_msg *msg;
	struct parse p;

	(void)state;
	PARSE(&p, "nvme_emulation_device_attach", "--num_msix", "8");
	msg = options_to_attrs(&p, tb);
	assert_int_equal(nla_get_u32(tb[SNAP_A_NUM_MSIX]), 8);
	nlmsg_free(msg);
	REFUSED(&p, "--num_msix: invalid number 'many'",
		"virtio_blk_function_create", "--num_msix", "many");
	REFUSED(&p, "unrecognized argument: --vuid", "virtio_blk_function_create", "--vuid", "X");

	/* The function by VUID; --force only where SNAP has it. */
	REFUSED(&p, need_vuid, "emulation_device_detach", "--force");
	PARSE(&p, "emulation_device_detach", "--vuid", "SNAPSIM00000NVMES1D1F0", "--force");
	msg = options_to_attrs(&p, tb);
	assert_string_equal(nla_get_string(tb[SNAP_A_VUID]), "SNAPSIM00000NVMES1D1F0");
	assert_non_null(tb[SNAP_A_FORCE]);
	nlmsg_free(msg);
	REFUSED(&p, "unrecognized argument: --force",
		"virtio_blk_function_destroy", "--vuid", "V", "--force");
	REFUSED(&p, need_vuid, "emulation_device_detach_prepare");

	/* By controller; --wait_for_done puts nothing, the command waits. */
	REFUSED(&p, "the following arguments are required: --ctrl",
		"virtio_blk_controller_hotplug", "--wait_for_done");
	PARSE(&p, "virtio_blk_controller_hotunplug", "-c", "VblkCtrl1", "--wait-for-done");
	msg = options_to_attrs(&p, tb);
	assert_true(args_has(&p.a, "wait_for_done"));
	assert_null(tb[SNAP_A_HOTPLUG_STATE]);
	nlmsg_free(msg);
	REFUSED(&p, "--wait_for_done: ignored explicit argument '1'",
		"virtio_blk_controller_hotplug", "-c", "VblkCtrl1", "--wait_for_done=1");
}

/* Runs one command line for its usage error: nothing reaches netlink. */
static int run_words(const char *const *words, char *err, size_t len)
{
	struct snapadm adm;
	char *buf = NULL, *argv[32];
	size_t blen = 0;
	int argc = 0, ret;

	snapadm_init(&adm);
	adm.err = open_memstream(&buf, &blen);
	adm.out = adm.err;
	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	ret = snapadm_run(&adm, argc, argv);
	fclose(adm.err);
	snprintf(err, len, "%s", buf ? buf : "");
	free(buf);
	snapadm_release(&adm);
	return ret;
}

#define RUN(err, ...) run_words((const char *const[]){ __VA_ARGS__, NULL }, err, sizeof(err))

/* bdev_nvme_set_options: SNAP's limits, kept for the attaches after it. */
static void test_nvme_set_options(void **state)
{
	char path[] = "/tmp/snapadm-nvme-options-XXXXXX", err[512], buf[64] = "";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	setenv("SNAP_NVME_OPTIONS", path, 1);
	assert_int_equal(RUN(err, "bdev_nvme_set_options", "--rdma-srq-size", "32768"),
			 SNAPADM_USAGE);
	assert_non_null(strstr(err, "--rdma-srq-size 32768: at most 32767"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(RUN(err, "bdev_nvme_set_options"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "no option given"));
	assert_int_equal(RUN(err, "bdev_nvme_set_options", "--rdma-srq-size", "1024"), SNAPADM_OK);
	assert_non_null(strstr(err, "below the recommended 4096"));
	assert_int_equal(RUN(err, "bdev_nvme_set_options", "--rdma-srq-size", "4096"), SNAPADM_OK);
	assert_string_equal(err, "");
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "rdma_srq_size=4096\n");
	unlink(path);
	unsetenv("SNAP_NVME_OPTIONS");
}

/* What bdev_nvme_attach_controller refuses before asking the module. */
static void test_nvme_attach_refusals(void **state)
{
	struct parse p;
	char err[512];

	(void)state;
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1",
	      "-n", "nqn.x", "-x", "failover");
	assert_int_equal(p.ret, -1);
	assert_string_equal(p.msg, "--multipath is not supported yet");
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1",
	      "-n", "nqn.x", "-e", "--ddgst");
	assert_int_equal(p.ret, 0);
	assert_true(args_has(&p.a, "hdgst") && args_has(&p.a, "ddgst"));
	/* -1 is SPDK's "forever", a value and no option */
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1",
	      "-n", "nqn.x", "-l", "-1", "-o", "1");
	assert_int_equal(p.ret, 0);
	assert_string_equal(args_get(&p.a, "ctrlr-loss-timeout-sec")->str, "-1");
	/* SPDK's keep-alive option; 0 turns it off */
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1",
	      "-n", "nqn.x", "-k", "0");
	assert_int_equal(p.ret, 0);
	assert_int_equal(args_get(&p.a, "keep-alive-timeout-ms")->num, 0);
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1",
	      "-n", "nqn.x", "--keep-alive-timeout-ms", "2500");
	assert_int_equal(p.ret, 0);
	assert_int_equal(args_get(&p.a, "keep-alive-timeout-ms")->num, 2500);
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1");
	assert_int_equal(p.ret, -1);
	assert_non_null(strstr(p.msg, "subnqn"));
	PARSE(&p, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp", "-a", "127.0.0.1",
	      "-n", "nqn.x", "-s", "4421", "-q", "nqn.h", "--nsid", "3", "-f", "IPv6");
	assert_int_equal(p.ret, 0);

	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "fc",
			     "-a", "10.0.0.1", "-n", "nqn.x"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "trtype fc: want tcp or rdma"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "rdma",
			     "-a", "10.0.0.1", "-n", "nqn.x", "--ddgst"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "digests are NVMe/TCP's, not rdma's"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn.x", "-f", "ib"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "adrfam ib"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn.x", "--nsid", "0"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "nsid must be"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn with blank"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "want one word"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b",
			     "A1234567890123456789012345678901234567890123456789012345678901",
			     "-t", "tcp", "-a", "10.0.0.1", "-n", "nqn.x"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "too long for its bdev name"));
	/* SPDK's reconnect rules, with its messages */
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn.x", "-l", "30"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "reconnect_delay_sec can't be 0 if ctrlr_loss_timeout_sec"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn.x", "-l", "30", "-o", "5", "-u", "40"),
			 SNAPADM_USAGE);
	assert_non_null(strstr(err, "fast_io_fail_timeout_sec can't be more than"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn.x", "-l", "x"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "no number of seconds"));
	assert_int_equal(RUN(err, "bdev_nvme_attach_controller", "-b", "N", "-t", "tcp",
			     "-a", "10.0.0.1", "-n", "nqn.x", "-o", "1"), SNAPADM_USAGE);
	assert_non_null(strstr(err, "must be 0 if ctrlr_loss_timeout_sec is 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subsystem_create_short_forms),
		cmocka_unit_test(test_long_forms_equals_and_prefix),
		cmocka_unit_test(test_ambiguous_prefix),
		cmocka_unit_test(test_last_repeat_wins_and_attached_short),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_unknown_and_unsupported),
		cmocka_unit_test(test_positionals_help_json_and_dashdash),
		cmocka_unit_test(test_uring_block_size_option_and_positional),
		cmocka_unit_test(test_config_is_variadic),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_malloc_size),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_options_become_attributes),
		cmocka_unit_test(test_nvme_attach_refusals),
		cmocka_unit_test(test_nvme_set_options),
		cmocka_unit_test(test_hotplug_commands),
	};

	return cmocka_run_group_tests_name("snapadm_args", tests, NULL, NULL);
}
