// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of snapadm's netlink side that need no kernel: extended-ACK
 * decoding from hand-built NLMSG_ERROR / NLMSG_DONE buffers, the error line
 * it becomes, and how objects and events are printed.
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

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/snap.h>

#include "../snapadm/args.h"
#include "../snapadm/cmds.h"
#include "../snapadm/monitor.h"
#include "nl.h"
#include "../snapadm/objects.h"
#include "../snapadm/snapadm.h"

/* A netlink message assembled byte by byte, as the kernel would send it. */
struct raw {
	union {
		unsigned char b[1024];
		struct nlmsghdr align;
	} u;
	size_t len;
};

static void raw_put(struct raw *r, const void *data, size_t n)
{
	assert_true(r->len + n <= sizeof(r->u.b));
	memcpy(r->u.b + r->len, data, n);
	r->len += n;
}

static void raw_pad(struct raw *r)
{
	static const unsigned char zeros[4];

	raw_put(r, zeros, NLA_ALIGN(r->len) - r->len);
}

static void raw_attr(struct raw *r, uint16_t type, const void *data, size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type };

	raw_put(r, &a, sizeof(a));
	raw_put(r, data, n);
	raw_pad(r);
}

static struct nlmsghdr *raw_finish(struct raw *r)
{
	struct nlmsghdr *h = &r->u.align;

	h->nlmsg_len = (uint32_t)r->len;
	return h;
}

/* NLMSG_ERROR for a request of req_payload bytes, echoed unless capped. */
static void raw_error(struct raw *r, int error, bool capped, bool tlvs,
		      size_t req_payload)
{
	struct nlmsghdr h = {
		.nlmsg_type = NLMSG_ERROR,
		.nlmsg_flags = (uint16_t)((capped ? NLM_F_CAPPED : 0) |
					  (tlvs ? NLM_F_ACK_TLVS : 0)),
		.nlmsg_seq = 7,
	};
	struct nlmsgerr e = {
		.error = error,
		.msg = {
			.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + req_payload),
			.nlmsg_type = 0x20,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 7,
		},
	};

	memset(r, 0, sizeof(*r));
	raw_put(r, &h, sizeof(h));
	raw_put(r, &e, sizeof(e));
	if (!capped) {
		unsigned char junk[64];

		assert_true(req_payload <= sizeof(junk));
		/* Attribute-looking bytes the parser must not take for TLVs. */
		memset(junk, 0x01, sizeof(junk));
		raw_put(r, junk, req_payload);
		raw_pad(r);
	}
}

static void test_extack_capped_message(void **state)
{
	struct raw r;
	struct extack ex;
	static const char msg[] = "no bdev Malloc9";

	(void)state;
	raw_error(&r, -ENOENT, true, true, 24);
	raw_attr(&r, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(ex.error, ENOENT);
	assert_string_equal(ex.msg, "no bdev Malloc9");
	assert_int_equal(ex.miss_type, -1);
}

static void test_extack_uncapped_with_missing_attr(void **state)
{
	struct raw r;
	struct extack ex;
	static const char msg[] = "missing attribute";
	uint32_t miss = SNAP_A_NQN, offs = 20;

	(void)state;
	raw_error(&r, -EINVAL, false, true, 22);
	raw_attr(&r, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	raw_attr(&r, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	raw_attr(&r, NLMSGERR_ATTR_MISS_TYPE, &miss, sizeof(miss));
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(ex.error, EINVAL);
	assert_string_equal(ex.msg, "missing attribute");
	assert_int_equal(ex.miss_type, SNAP_A_NQN);
	assert_int_equal(ex.bad_offset, 20);
}

/* The kernel points at our attribute by its offset in the request. */
static void test_extack_offset_names_the_attribute(void **state)
{
	struct nl_msg *req = nlmsg_alloc();
	struct nlmsghdr *h;
	long pf_offset;

	(void)state;
	assert_non_null(req);
	nlmsg_put(req, 0, 0, 0x20, 4, 0);	/* genl header room */
	nla_put_string(req, SNAP_A_NQN, "nqn.2023-05.io.nvda.nvme:0");
	h = nlmsg_hdr(req);
	pf_offset = (long)h->nlmsg_len;
	nla_put_u32(req, SNAP_A_PF_ID, 7);
	h = nlmsg_hdr(req);
	assert_int_equal(extack_bad_attr(h, pf_offset), SNAP_A_PF_ID);
	assert_int_equal(extack_bad_attr(h, NLMSG_HDRLEN + 4), SNAP_A_NQN);
	assert_int_equal(extack_bad_attr(h, 4), -1);
	assert_int_equal(extack_bad_attr(h, (long)h->nlmsg_len), -1);
	assert_int_equal(extack_bad_attr(h, (long)h->nlmsg_len - 2), -1);
	nlmsg_free(req);
}

/* A range check's refusal carries the policy: snapadm tells the range. */
static void test_extack_policy_range(void **state)
{
	static const char msg[] = "integer out of range";
	uint32_t type = NL_ATTR_TYPE_U32;
	uint64_t min = 1, max = 4096;
	uint32_t lmin = 1, lmax = 63;
	struct raw nest, r;
	struct extack ex;

	(void)state;
	memset(&nest, 0, sizeof(nest));
	raw_attr(&nest, NL_POLICY_TYPE_ATTR_TYPE, &type, sizeof(type));
	raw_attr(&nest, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, &min, sizeof(min));
	raw_attr(&nest, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, &max, sizeof(max));
	raw_error(&r, -ERANGE, true, true, 0);
	raw_attr(&r, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	raw_attr(&r, NLMSGERR_ATTR_POLICY, nest.u.b, nest.len);
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_string_equal(ex.msg, "integer out of range");
	assert_string_equal(ex.allowed, "1 to 4096");

	memset(&nest, 0, sizeof(nest));
	raw_attr(&nest, NL_POLICY_TYPE_ATTR_MIN_LENGTH, &lmin, sizeof(lmin));
	raw_attr(&nest, NL_POLICY_TYPE_ATTR_MAX_LENGTH, &lmax, sizeof(lmax));
	raw_error(&r, -EINVAL, true, true, 0);
	raw_attr(&r, NLMSGERR_ATTR_POLICY, nest.u.b, nest.len);
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_string_equal(ex.allowed, "length 1 to 63");

	/* A value of a size the ABI does not have is not a range. */
	memset(&nest, 0, sizeof(nest));
	raw_attr(&nest, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, "ab", 2);
	raw_error(&r, -EINVAL, true, true, 0);
	raw_attr(&r, NLMSGERR_ATTR_POLICY, nest.u.b, nest.len);
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_string_equal(ex.allowed, "");
}

static void test_extack_without_tlvs(void **state)
{
	struct raw r;
	struct extack ex;

	(void)state;
	/* The kernel set no NLM_F_ACK_TLVS: the echoed bytes are not TLVs. */
	raw_error(&r, -EPERM, false, false, 40);
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(ex.error, EPERM);
	assert_string_equal(ex.msg, "");
	assert_int_equal(ex.miss_type, -1);
}

static void test_extack_plain_ack(void **state)
{
	struct raw r;
	struct extack ex;

	(void)state;
	raw_error(&r, 0, true, false, 0);
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(ex.error, 0);
}

static void test_extack_in_dump_done(void **state)
{
	struct nlmsghdr h = {
		.nlmsg_type = NLMSG_DONE,
		.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS,
	};
	int32_t error = -EMSGSIZE;
	static const char msg[] = "object too large";
	struct raw r;
	struct extack ex;

	(void)state;
	memset(&r, 0, sizeof(r));
	raw_put(&r, &h, sizeof(h));
	raw_put(&r, &error, sizeof(error));
	raw_attr(&r, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(ex.error, EMSGSIZE);
	assert_string_equal(ex.msg, "object too large");
}

static void test_extack_hostile_tlvs(void **state)
{
	char longmsg[400];
	struct nlattr bad = { .nla_len = 200, .nla_type = NLMSGERR_ATTR_MSG };
	struct raw r;
	struct extack ex;

	(void)state;
	/* An attribute claiming more bytes than the message has is ignored. */
	raw_error(&r, -EINVAL, true, true, 0);
	raw_put(&r, &bad, sizeof(bad));
	raw_put(&r, "abcd", 4);
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(ex.error, EINVAL);
	assert_string_equal(ex.msg, "");

	/* A message without its NUL, longer than we keep: cut, terminated. */
	memset(longmsg, 'x', sizeof(longmsg));
	raw_error(&r, -EINVAL, true, true, 0);
	raw_attr(&r, NLMSGERR_ATTR_MSG, longmsg, sizeof(longmsg));
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_int_equal(strlen(ex.msg), EXTACK_MSG_LEN - 1);

	/* A zero-length attribute must not loop forever. */
	raw_error(&r, -EINVAL, true, true, 0);
	bad.nla_len = 0;
	raw_put(&r, &bad, sizeof(bad));
	assert_int_equal(extack_parse(raw_finish(&r), r.len, &ex), 0);
	assert_string_equal(ex.msg, "");
}

static void test_extack_malformed(void **state)
{
	struct raw r;
	struct extack ex;

	(void)state;
	raw_error(&r, -EINVAL, true, true, 0);
	/* nlmsg_len beyond what was received. */
	assert_int_equal(extack_parse(raw_finish(&r), r.len - 1, &ex), -1);
	/* Too short for struct nlmsgerr. */
	raw_finish(&r)->nlmsg_len = NLMSG_HDRLEN + 8;
	assert_int_equal(extack_parse(&r.u.align, r.len, &ex), -1);
	/* Neither an error nor DONE. */
	raw_error(&r, -EINVAL, true, true, 0);
	raw_finish(&r)->nlmsg_type = 0x20;
	assert_int_equal(extack_parse(&r.u.align, r.len, &ex), -1);
}

static void test_attr_names(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(snap_attr_name(SNAP_A_BDEV_NAME, buf, sizeof(buf)), "bdev-name");
	assert_string_equal(snap_attr_name(SNAP_A_NUM_FUNCS, buf, sizeof(buf)), "num-funcs");
	assert_string_equal(snap_attr_name(999, buf, sizeof(buf)), "attribute 999");
}

struct capture {
	char *data;
	size_t len;
	FILE *f;
};

static void capture_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->data, &c->len);
	assert_non_null(c->f);
}

static const char *capture_text(struct capture *c)
{
	fflush(c->f);
	return c->data;
}

static void capture_close(struct capture *c)
{
	fclose(c->f);
	free(c->data);
}

static void test_error_line(void **state)
{
	struct extack ex = {
		.error = ENOENT, .msg = "no NVMe controller nope",
		.miss_type = -1, .bad_offset = -1, .bad_attr = -1,
	};
	struct snapadm adm;
	struct capture c;

	(void)state;
	capture_open(&c);
	snapadm_init(&adm);
	adm.err = c.f;
	adm.cmd_name = "nvme_controller_list";
	assert_int_equal(snapadm_extack_fail(&adm, &ex), SNAPADM_FAILED);
	assert_string_equal(capture_text(&c),
		"snapadm: nvme_controller_list: no NVMe controller nope (No such file or directory)\n");

	ex.msg[0] = '\0';
	ex.error = EINVAL;
	ex.miss_type = SNAP_A_NQN;
	adm.where = "init.conf:4";
	assert_int_equal(snapadm_extack_fail(&adm, &ex), SNAPADM_FAILED);
	assert_non_null(strstr(capture_text(&c),
		"snapadm: init.conf:4: nvme_controller_list: missing attribute nqn (Invalid argument)\n"));
	capture_close(&c);
}

/*
 * --exist-ok: only "the object or its state is already there" is taken
 * as done (snapadm_settle), and the line still says what the kernel said.
 */
static void test_exist_ok_takes_only_already_there(void **state)
{
	struct extack ex = {
		.error = EEXIST, .msg = "a bdev of that name exists",
		.miss_type = -1, .bad_offset = -1, .bad_attr = -1,
	};
	struct snapadm adm;
	struct capture c;

	(void)state;
	capture_open(&c);
	snapadm_init(&adm);
	adm.err = c.f;
	adm.cmd_name = "bdev_malloc_create";
	adm.where = "init.conf:1";

	/* Without the option, it fails as any refusal. */
	assert_int_equal(snapadm_settle(&adm, snapadm_extack_fail(&adm, &ex)), SNAPADM_FAILED);

	adm.exist_ok = true;
	assert_int_equal(snapadm_settle(&adm, snapadm_extack_fail(&adm, &ex)), SNAPADM_OK);
	ex.error = EALREADY;
	snprintf(ex.msg, sizeof(ex.msg), "controller is already in that state");
	assert_int_equal(snapadm_settle(&adm, snapadm_extack_fail(&adm, &ex)), SNAPADM_OK);
	/* In use by something else is a conflict, not "there". */
	ex.error = EBUSY;
	snprintf(ex.msg, sizeof(ex.msg), "bdev is already in use");
	assert_int_equal(snapadm_settle(&adm, snapadm_extack_fail(&adm, &ex)), SNAPADM_FAILED);
	/* A later failure of the same command is no "already there". */
	ex.error = EEXIST;
	snprintf(ex.msg, sizeof(ex.msg), "a bdev of that name exists");
	snapadm_extack_fail(&adm, &ex);
	assert_int_equal(snapadm_settle(&adm, snapadm_fail(&adm, "out of memory")),
			 SNAPADM_FAILED);
	assert_string_equal(capture_text(&c),
		"snapadm: init.conf:1: bdev_malloc_create: a bdev of that name exists (File exists)\n"
		"snapadm: init.conf:1: bdev_malloc_create: a bdev of that name exists "
		"(File exists; already there, taken as done)\n"
		"snapadm: init.conf:1: bdev_malloc_create: controller is already in that state "
		"(Operation already in progress; already there, taken as done)\n"
		"snapadm: init.conf:1: bdev_malloc_create: bdev is already in use (Device or resource busy)\n"
		"snapadm: init.conf:1: bdev_malloc_create: a bdev of that name exists "
		"(File exists; already there, taken as done)\n"
		"snapadm: init.conf:1: bdev_malloc_create: out of memory\n");
	capture_close(&c);
}

/* A policy refusal names no attribute; the option it came from is added. */
static void test_error_line_names_the_option(void **state)
{
	char *argv[] = { "nvme_controller_create", "--nqn", "nqn.x", "--pf_id", "7", NULL };
	const struct snapadm_cmd *cmd = snapadm_find_command(argv[0]);
	struct extack ex;
	struct parsed_args a;
	struct snapadm adm;
	struct capture c;
	char msg[ARGS_MSG_LEN];

	(void)state;
	assert_int_equal(args_parse(&a, cmd->opts, cmd->pos, false, 5, argv, msg, sizeof(msg)), 0);
	capture_open(&c);
	snapadm_init(&adm);
	adm.err = c.f;
	adm.cmd_name = cmd->name;
	adm.args = &a;

	extack_clear(&ex);
	ex.error = ERANGE;
	snprintf(ex.msg, sizeof(ex.msg), "integer out of range");
	ex.bad_attr = SNAP_A_PF_ID;
	snapadm_extack_fail(&adm, &ex);
	/* A message that shows the value already needs no hint. */
	snprintf(ex.msg, sizeof(ex.msg), "no subsystem nqn.x");
	ex.error = ENOENT;
	ex.bad_attr = SNAP_A_NQN;
	snapadm_extack_fail(&adm, &ex);
	/* An attribute no option gave: its ABI name. */
	snprintf(ex.msg, sizeof(ex.msg), "bad");
	ex.error = EINVAL;
	ex.bad_attr = SNAP_A_NUM_BLOCKS;
	snapadm_extack_fail(&adm, &ex);
	assert_string_equal(capture_text(&c),
		"snapadm: nvme_controller_create: --pf_id: integer out of range (Numerical result out of range)\n"
		"snapadm: nvme_controller_create: no subsystem nqn.x (No such file or directory)\n"
		"snapadm: nvme_controller_create: num-blocks: bad (Invalid argument)\n");
	capture_close(&c);
}

/* Attributes as genlmsg_parse would hand them to us, from a real message. */
struct attrs {
	struct nl_msg *msg;
	struct nlattr *tb[SNAP_A_MAX + 1];
};

static void attrs_parse(struct attrs *a)
{
	struct nlmsghdr *h = nlmsg_hdr(a->msg);

	assert_int_equal(nla_parse(a->tb, SNAP_A_MAX, nlmsg_attrdata(h, 0),
				   nlmsg_attrlen(h, 0), snap_policy), 0);
}

static void test_bdev_event_text(void **state)
{
	struct attrs a = { .msg = nlmsg_alloc() };
	struct capture c;

	(void)state;
	nla_put_u32(a.msg, SNAP_A_ID, 3);
	nla_put_string(a.msg, SNAP_A_NAME, "Malloc0");
	nla_put_u8(a.msg, SNAP_A_BDEV_TYPE, SNAP_BDEV_MALLOC);
	nla_put_u64(a.msg, SNAP_A_NUM_BLOCKS, 8192);
	nla_put_u32(a.msg, SNAP_A_BLOCK_SIZE, 4096);
	nla_put_u8(a.msg, SNAP_A_READY, 0);
	attrs_parse(&a);
	capture_open(&c);
	monitor_print_event(c.f, false, SNAP_CMD_BDEV_NEW, a.tb);
	assert_string_equal(capture_text(&c),
		"[bdev NEW] name=Malloc0 type=malloc block_size=4096 num_blocks=8192 ready=false\n");
	capture_close(&c);
	nlmsg_free(a.msg);
}

static void put_subsystem(struct nl_msg *msg)
{
	struct nlattr *nest;

	nla_put_string(msg, SNAP_A_NQN, "nqn.2023-05.io.nvda.nvme:0");
	nla_put_string(msg, SNAP_A_MODEL_NUMBER, "snap NVMe controller");
	nla_put_u32(msg, SNAP_A_NN, 1024);
	nla_put_flag(msg, SNAP_A_SINGLE_CTRL);
	nest = nla_nest_start(msg, SNAP_A_CTRLS);
	nla_put_string(msg, SNAP_A_CTRL_NAME, "NVMeCtrl1");
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, SNAP_A_NSIDS);
	nla_put_u32(msg, SNAP_A_NSID, 1);
	nla_put_u32(msg, SNAP_A_NSID, 2);
	nla_nest_end(msg, nest);
}

static void test_subsystem_event_json_and_text(void **state)
{
	struct attrs a = { .msg = nlmsg_alloc() };
	struct capture c;

	(void)state;
	put_subsystem(a.msg);
	attrs_parse(&a);
	capture_open(&c);
	monitor_print_event(c.f, true, SNAP_CMD_SUBSYS_DEL, a.tb);
	assert_string_equal(capture_text(&c),
		"{\"event\":\"subsystem_del\",\"nqn\":\"nqn.2023-05.io.nvda.nvme:0\","
		"\"model_number\":\"snap NVMe controller\",\"nn\":1024,\"single_ctrl\":true,"
		"\"controllers\":[\"NVMeCtrl1\"],\"namespaces\":[1,2]}\n");
	capture_close(&c);

	capture_open(&c);
	monitor_print_event(c.f, false, SNAP_CMD_SUBSYS_SET, a.tb);
	assert_string_equal(capture_text(&c),
		"[subsystem SET] nqn=nqn.2023-05.io.nvda.nvme:0 model_number=\"snap NVMe controller\" "
		"nn=1024 single_ctrl=true controllers=NVMeCtrl1 namespaces=1,2\n");
	capture_close(&c);
	nlmsg_free(a.msg);
}

static void test_unknown_event(void **state)
{
	struct nlattr *tb[SNAP_A_MAX + 1] = { 0 };
	struct capture c;

	(void)state;
	capture_open(&c);
	monitor_print_event(c.f, false, 99, tb);
	monitor_print_event(c.f, true, 99, tb);
	assert_string_equal(capture_text(&c),
			    "[event 99]\n{\"event\":\"unknown\",\"cmd\":99}\n");
	capture_close(&c);
}

static void test_namespace_json_shape(void **state)
{
	static const uint8_t uuid[16] = {
		0x54, 0x9a, 0xe7, 0x3b, 0xbb, 0x93, 0x85, 0xd2,
		0xa0, 0xe0, 0xe3, 0x87, 0x81, 0x5a, 0xeb, 0x05,
	};
	struct attrs a = { .msg = nlmsg_alloc() };
	struct json_writer w;
	struct capture c;

	(void)state;
	nla_put_string(a.msg, SNAP_A_NQN, "nqn.x");
	nla_put_u32(a.msg, SNAP_A_NSID, 1);
	nla_put_string(a.msg, SNAP_A_BDEV_NAME, "Malloc0");
	nla_put(a.msg, SNAP_A_UUID, 16, uuid);
	nla_put_u8(a.msg, SNAP_A_READY, 1);
	attrs_parse(&a);
	capture_open(&c);
	json_init(&w, c.f);
	obj_json(&w, &obj_namespace, a.tb);
	assert_int_equal(json_finish(&w), 0);
	/* No controller: an empty list, as SNAP shows it. */
	assert_string_equal(capture_text(&c),
			    "{\n"
			    "  \"nqn\": \"nqn.x\",\n"
			    "  \"nsid\": 1,\n"
			    "  \"bdev\": \"Malloc0\",\n"
			    "  \"uuid\": \"549ae73b-bb93-85d2-a0e0-e387815aeb05\",\n"
			    "  \"ready\": true,\n"
			    "  \"controllers\": []\n"
			    "}\n");
	capture_close(&c);
	nlmsg_free(a.msg);
}

/* A controller the daemon cannot serve is shown in error, never running. */
static void test_nvme_ctrl_error_state(void **state)
{
	struct attrs a = { .msg = nlmsg_alloc() };
	struct json_writer w;
	struct capture c;
	const char *json;

	(void)state;
	nla_put_string(a.msg, SNAP_A_NAME, "NVMeCtrl0");
	nla_put_u8(a.msg, SNAP_A_STATE, SNAP_CTRL_RUNNING);
	nla_put_u8(a.msg, SNAP_A_READY, 0);
	nla_put_string(a.msg, SNAP_A_ERROR, "cannot create the NVMe engine");
	attrs_parse(&a);
	capture_open(&c);
	json_init(&w, c.f);
	obj_json(&w, &obj_nvme_ctrl, a.tb);
	assert_int_equal(json_finish(&w), 0);
	json = capture_text(&c);
	assert_non_null(strstr(json, "\"state\": \"error\""));
	assert_null(strstr(json, "running"));
	assert_non_null(strstr(json, "\"ready\": false"));
	assert_non_null(strstr(json, "\"error\": \"cannot create the NVMe engine\""));
	capture_close(&c);

	capture_open(&c);
	obj_text(c.f, &obj_nvme_ctrl, a.tb);
	assert_string_equal(capture_text(&c),
			    " name=NVMeCtrl0 state=error ready=false"
			    " error=\"cannot create the NVMe engine\"");
	capture_close(&c);
	nlmsg_free(a.msg);
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(bdev_type_name(SNAP_BDEV_URING), "uring");
	assert_string_equal(ctrl_state_name(SNAP_CTRL_SUSPENDED), "suspended");
	assert_string_equal(func_type_name(SNAP_FUNC_VIRTIO_BLK), "VBLK");
	assert_string_equal(func_kind_name(SNAP_FUNC_HOTPLUG_PF), "hotplug_pf");
	assert_string_equal(hotplug_state_name(SNAP_HOTPLUG_UNPLUG_REQUESTED), "unplug_requested");
	assert_null(hotplug_state_name(SNAP_HOTPLUG_STATE_MAX + 1));
	assert_null(bdev_type_name(SNAP_BDEV_TYPE_MAX + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extack_capped_message),
		cmocka_unit_test(test_extack_uncapped_with_missing_attr),
		cmocka_unit_test(test_extack_policy_range),
		cmocka_unit_test(test_extack_without_tlvs),
		cmocka_unit_test(test_extack_plain_ack),
		cmocka_unit_test(test_extack_in_dump_done),
		cmocka_unit_test(test_extack_hostile_tlvs),
		cmocka_unit_test(test_extack_malformed),
		cmocka_unit_test(test_attr_names),
		cmocka_unit_test(test_extack_offset_names_the_attribute),
		cmocka_unit_test(test_error_line),
		cmocka_unit_test(test_exist_ok_takes_only_already_there),
		cmocka_unit_test(test_error_line_names_the_option),
		cmocka_unit_test(test_bdev_event_text),
		cmocka_unit_test(test_subsystem_event_json_and_text),
		cmocka_unit_test(test_unknown_event),
		cmocka_unit_test(test_namespace_json_shape),
		cmocka_unit_test(test_nvme_ctrl_error_state),
		cmocka_unit_test(test_enum_names),
	};

	return cmocka_run_group_tests_name("snapadm_nl", tests, NULL, NULL);
}
