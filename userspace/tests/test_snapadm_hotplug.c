// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm's hot-plug commands against a stand-in kernel: the netlink
 * client (snap_nl_*) and usleep() are replaced at link time (--wrap, see
 * the Makefile), so each command runs whole. Each test names what its
 * kernel answers; the requests the commands sent are kept for checking.
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
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/snap.h>

#include "../snapadm/cmds.h"
#include "../snapadm/hotplug.h"
#include "../snapadm/monitor.h"
#include "../snapadm/snapadm.h"
#include "nl.h"

#define NVME_VUID "SNAPSIM00000NVMES1D1F0"
#define VBLK_VUID "SNAPSIM00000VBLKS1D1F0"
#define MAX_REQS 1024

/* One request a command sent: its command, and its attributes. */
struct sent {
	uint8_t cmd;
	bool dump;
	struct nl_msg *msg;
	struct nlattr *tb[SNAP_A_MAX + 1];
};

/*
 * The kernel of a test: answers a request with 0 and the objects it put
 * in replies[] (attributes only), or with a negative errno and the
 * extack message in *why.
 */
typedef int (*kernel_fn)(const struct sent *req, struct nl_msg **replies,
			 unsigned int *nr, const char **why);

static struct {
	kernel_fn kernel;
	struct sent reqs[MAX_REQS];
	unsigned int nr_reqs;
	unsigned int polls;		/* FUNC_GETs answered */
	struct extack last;
	unsigned int sleeps;
	unsigned long slept_us;
} fake;

struct snap_nl;

int __wrap_snap_nl_open(struct snap_nl **out, char *why, size_t len);
void __wrap_snap_nl_close(struct snap_nl *nl);
struct nl_msg *__wrap_snap_nl_request(struct snap_nl *nl, uint8_t cmd, bool dump);
int __wrap_snap_nl_transact(struct snap_nl *nl, struct nl_msg *msg,
			    snap_nl_object_cb cb, void *arg);
const struct extack *__wrap_snap_nl_last_error(const struct snap_nl *nl);
int __wrap_usleep(useconds_t us);

int __wrap_snap_nl_open(struct snap_nl **out, char *why, size_t len)
{
	(void)why;
	(void)len;
	*out = (struct snap_nl *)&fake;
	return 0;
}

void __wrap_snap_nl_close(struct snap_nl *nl)
{
	(void)nl;
}

struct nl_msg *__wrap_snap_nl_request(struct snap_nl *nl, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	(void)nl;
	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 0, 0x42, 0, dump ? NLM_F_DUMP : NLM_F_ACK,
				    cmd, SNAP_GENL_VERSION));
	return msg;
}

static void parse_attrs(struct nlattr **tb, struct nlattr *head, int len)
{
	assert_int_equal(nla_parse(tb, SNAP_A_MAX, head, len, snap_policy), 0);
}

int __wrap_snap_nl_transact(struct snap_nl *nl, struct nl_msg *msg,
			    snap_nl_object_cb cb, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(h);
	struct sent *req = &fake.reqs[fake.nr_reqs];
	struct nl_msg *replies[8];
	const char *why = "";
	unsigned int nr = 0;
	int ret = 0;

	(void)nl;
	assert_true(fake.nr_reqs < MAX_REQS);
	fake.nr_reqs++;
	req->cmd = g->cmd;
	req->dump = h->nlmsg_flags & NLM_F_DUMP;
	req->msg = msg;
	parse_attrs(req->tb, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0));
	extack_clear(&fake.last);
	ret = fake.kernel(req, replies, &nr, &why);
	for (unsigned int i = 0; i < nr; i++) {
		struct nlattr *tb[SNAP_A_MAX + 1];

		parse_attrs(tb, nlmsg_attrdata(nlmsg_hdr(replies[i]), 0),
			    nlmsg_attrlen(nlmsg_hdr(replies[i]), 0));
		if (!ret)
			ret = cb(req->cmd, tb, arg);
		nlmsg_free(replies[i]);
	}
	if (ret) {
		fake.last.error = -ret;
		snprintf(fake.last.msg, sizeof(fake.last.msg), "%s", why);
	}
	return ret;
}

const struct extack *__wrap_snap_nl_last_error(const struct snap_nl *nl)
{
	(void)nl;
	return &fake.last;
}

int __wrap_usleep(useconds_t us)
{
	fake.sleeps++;
	fake.slept_us += us;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < fake.nr_reqs; i++)
		nlmsg_free(fake.reqs[i].msg);
	return 0;
}

/* ---- what the stand-in kernel says of a function ---- */

struct func_state {
	const char *vuid;
	uint8_t type;
	uint8_t kind;
	uint32_t pf_id;
	uint8_t hotplug;	/* enum snap_hotplug_state */
	uint32_t port;
	const char *bdf;	/* NULL while the host has none */
};

static struct nl_msg *func_reply(const struct func_state *f)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	nla_put_u32(msg, SNAP_A_ID, 3);
	nla_put_u8(msg, SNAP_A_FUNC_TYPE, f->type);
	nla_put_u8(msg, SNAP_A_FUNC_KIND, f->kind);
	nla_put_u32(msg, SNAP_A_PF_ID, f->pf_id);
	nla_put_string(msg, SNAP_A_VUID, f->vuid);
	nla_put_u32(msg, SNAP_A_VHCA_ID, 3);
	nla_put_u32(msg, SNAP_A_NUM_MSIX, 4);
	if (f->bdf)
		nla_put_string(msg, SNAP_A_PCI_BDF, f->bdf);
	if (f->kind == SNAP_FUNC_HOTPLUG_PF) {
		nla_put_u8(msg, SNAP_A_HOTPLUG_STATE, f->hotplug);
		nla_put_u32(msg, SNAP_A_PORT, f->port);
	}
	return msg;
}

static int one_reply(const struct func_state *f, struct nl_msg **replies,
		     unsigned int *nr)
{
	replies[(*nr)++] = func_reply(f);
	return 0;
}

/* ---- running a command ---- */

struct run {
	int ret;
	char *out;
	char *err;
};

static void run_words(struct run *r, kernel_fn kernel, const char *const *words)
{
	struct snapadm adm;
	size_t olen = 0, elen = 0;
	char *argv[16];
	int argc = 0;

	fake.kernel = kernel;
	snapadm_init(&adm);
	adm.out = open_memstream(&r->out, &olen);
	adm.err = open_memstream(&r->err, &elen);
	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	r->ret = snapadm_run(&adm, argc, argv);
	snapadm_release(&adm);
	fclose(adm.out);
	fclose(adm.err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define RUN(r, kernel, ...) run_words(r, kernel, (const char *const[]){ __VA_ARGS__, NULL })

static const char *req_str(unsigned int i, int attr)
{
	assert_true(i < fake.nr_reqs);
	assert_non_null(fake.reqs[i].tb[attr]);
	return nla_get_string(fake.reqs[i].tb[attr]);
}

static unsigned int req_u(unsigned int i, int attr)
{
	const struct nlattr *a;

	assert_true(i < fake.nr_reqs);
	a = fake.reqs[i].tb[attr];
	assert_non_null(a);
	return nla_len(a) == 1 ? nla_get_u8((struct nlattr *)a) :
				 nla_get_u32((struct nlattr *)a);
}

static bool req_has(unsigned int i, int attr)
{
	assert_true(i < fake.nr_reqs);
	return fake.reqs[i].tb[attr] != NULL;
}

/* ---- nvme_emulation_device_attach, emulation_device_detach* ---- */

static int kernel_attach(const struct sent *req, struct nl_msg **replies,
			 unsigned int *nr, const char **why)
{
	struct func_state f = { .vuid = NVME_VUID, .type = SNAP_FUNC_NVME,
				.kind = SNAP_FUNC_HOTPLUG_PF, .pf_id = 1,
				.hotplug = SNAP_HOTPLUG_PLUGGED, .port = 2 };

	(void)why;
	assert_int_equal(req->cmd, SNAP_CMD_FUNC_NEW);
	return one_reply(&f, replies, nr);
}

/* A PF made in its slot; the JSON SNAP prints, without -j too. */
static void test_nvme_attach(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, kernel_attach, "nvme_emulation_device_attach", "--num_msix", "4");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(fake.nr_reqs, 1);
	assert_false(fake.reqs[0].dump);
	assert_int_equal(req_u(0, SNAP_A_FUNC_TYPE), SNAP_FUNC_NVME);
	assert_int_equal(req_u(0, SNAP_A_HOTPLUG_STATE), SNAP_HOTPLUG_PLUGGED);
	assert_int_equal(req_u(0, SNAP_A_NUM_MSIX), 4);
	assert_string_equal(r.out, "{\n"
			    "  \"vuid\": \"" NVME_VUID "\",\n"
			    "  \"vhca_id\": 3,\n"
			    "  \"pf_id\": 1\n"
			    "}\n");
	assert_string_equal(r.err, "");
	run_free(&r);

	/* The module's default vector count: no attribute. */
	RUN(&r, kernel_attach, "nvme_emulation_device_attach");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_false(req_has(1, SNAP_A_NUM_MSIX));
	run_free(&r);
}

static int kernel_refuses(const struct sent *req, struct nl_msg **replies,
			  unsigned int *nr, const char **why)
{
	(void)replies;
	(void)nr;
	if (req->cmd == SNAP_CMD_FUNC_NEW) {
		*why = "every hot-plug port of the switch has a function";
		return -ENOSPC;
	}
	*why = "the function is in its slot: request its unplug first "
	       "(emulation_device_detach_prepare), or use force";
	return -EBUSY;
}

/* The kernel's reason reaches the user, with the errno. */
static void test_refusals_say_why(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, kernel_refuses, "nvme_emulation_device_attach");
	assert_int_equal(r.ret, SNAPADM_FAILED);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "snapadm: nvme_emulation_device_attach: every hot-plug port "
			    "of the switch has a function (No space left on device)\n");
	run_free(&r);

	RUN(&r, kernel_refuses, "emulation_device_detach", "--vuid", NVME_VUID);
	assert_int_equal(r.ret, SNAPADM_FAILED);
	assert_non_null(strstr(r.err, "request its unplug first"));
	assert_non_null(strstr(r.err, "(Device or resource busy)"));
	run_free(&r);
}

static int kernel_detach(const struct sent *req, struct nl_msg **replies,
			 unsigned int *nr, const char **why)
{
	struct func_state f = { .vuid = NVME_VUID, .type = SNAP_FUNC_NVME,
				.kind = SNAP_FUNC_HOTPLUG_PF, .pf_id = 1,
				.hotplug = SNAP_HOTPLUG_UNPLUG_REQUESTED, .port = 2,
				.bdf = "0000:03:00.0" };

	(void)why;
	if (req->cmd == SNAP_CMD_FUNC_DEL)
		return 0;
	assert_int_equal(req->cmd, SNAP_CMD_FUNC_SET);
	return one_reply(&f, replies, nr);
}

static void test_detach_prepare_and_detach(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, kernel_detach, "emulation_device_detach_prepare", "--vuid", NVME_VUID);
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_string_equal(req_str(0, SNAP_A_VUID), NVME_VUID);
	assert_int_equal(req_u(0, SNAP_A_HOTPLUG_STATE), SNAP_HOTPLUG_UNPLUG_REQUESTED);
	/* Either type: the VUID alone names it. */
	assert_false(req_has(0, SNAP_A_FUNC_TYPE));
	assert_string_equal(r.out, "");
	run_free(&r);

	/* -j: the function as the kernel left it. */
	RUN(&r, kernel_detach, "emulation_device_detach_prepare", "-j", "--vuid", NVME_VUID);
	assert_non_null(strstr(r.out, "\"hotplug_state\": \"unplug_requested\""));
	assert_non_null(strstr(r.out, "\"port\": 2"));
	run_free(&r);

	RUN(&r, kernel_detach, "emulation_device_detach", "--vuid", NVME_VUID);
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(fake.reqs[2].cmd, SNAP_CMD_FUNC_DEL);
	assert_string_equal(req_str(2, SNAP_A_VUID), NVME_VUID);
	assert_false(req_has(2, SNAP_A_FORCE));
	assert_false(req_has(2, SNAP_A_FUNC_TYPE));
	assert_string_equal(r.out, "");
	run_free(&r);

	RUN(&r, kernel_detach, "emulation_device_detach", "--vuid", NVME_VUID, "--force");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_true(req_has(3, SNAP_A_FORCE));
	run_free(&r);
}

/* ---- virtio_blk_function_create / _destroy ---- */

static int kernel_vblk_function(const struct sent *req, struct nl_msg **replies,
				unsigned int *nr, const char **why)
{
	struct func_state f = { .vuid = VBLK_VUID, .type = SNAP_FUNC_VIRTIO_BLK,
				.kind = SNAP_FUNC_HOTPLUG_PF, .pf_id = 1,
				.hotplug = SNAP_HOTPLUG_UNPLUGGED, .port = 3 };

	(void)why;
	if (req->cmd == SNAP_CMD_FUNC_DEL)
		return 0;
	assert_int_equal(req->cmd, SNAP_CMD_FUNC_NEW);
	return one_reply(&f, replies, nr);
}

static void test_vblk_function_create_destroy(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, kernel_vblk_function, "virtio_blk_function_create");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(req_u(0, SNAP_A_FUNC_TYPE), SNAP_FUNC_VIRTIO_BLK);
	/* Out of its slot until virtio_blk_controller_hotplug. */
	assert_false(req_has(0, SNAP_A_HOTPLUG_STATE));
	assert_false(req_has(0, SNAP_A_NUM_MSIX));
	assert_string_equal(r.out, "{\n"
			    "  \"vhca_id\": 3,\n"
			    "  \"vuid\": \"" VBLK_VUID "\"\n"
			    "}\n");
	run_free(&r);

	RUN(&r, kernel_vblk_function, "virtio_blk_function_create", "--num_msix", "2");
	assert_int_equal(req_u(1, SNAP_A_NUM_MSIX), 2);
	run_free(&r);

	/* Only a virtio-blk function: the type goes with the VUID. */
	RUN(&r, kernel_vblk_function, "virtio_blk_function_destroy", "--vuid", VBLK_VUID);
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(fake.reqs[2].cmd, SNAP_CMD_FUNC_DEL);
	assert_string_equal(req_str(2, SNAP_A_VUID), VBLK_VUID);
	assert_int_equal(req_u(2, SNAP_A_FUNC_TYPE), SNAP_FUNC_VIRTIO_BLK);
	assert_false(req_has(2, SNAP_A_FORCE));
	assert_string_equal(r.out, "");
	run_free(&r);
}

/* ---- virtio_blk_controller_hotplug / _hotunplug ---- */

/*
 * VblkCtrl1 is on VBLK_VUID. FUNC_SET takes the state asked for; the
 * host adds the function (a BDF) at the third FUNC_GET after a plug, and
 * releases it at the second after an unplug request. host_never: it
 * does neither.
 */
static uint8_t slot_state;
static bool host_never;

static int kernel_slot(const struct sent *req, struct nl_msg **replies,
		       unsigned int *nr, const char **why)
{
	struct func_state f = { .vuid = VBLK_VUID, .type = SNAP_FUNC_VIRTIO_BLK,
				.kind = SNAP_FUNC_HOTPLUG_PF, .pf_id = 1, .port = 3 };
	struct nl_msg *msg;

	switch (req->cmd) {
	case SNAP_CMD_VBLK_CTRL_GET:
		if (strcmp(nla_get_string(req->tb[SNAP_A_NAME]), "VblkCtrl1")) {
			*why = "no virtio-blk controller of that name";
			return -ENOENT;
		}
		msg = nlmsg_alloc();
		nla_put_string(msg, SNAP_A_NAME, "VblkCtrl1");
		nla_put_string(msg, SNAP_A_VUID, VBLK_VUID);
		nla_put_u32(msg, SNAP_A_PF_ID, 1);
		replies[(*nr)++] = msg;
		return 0;
	case SNAP_CMD_FUNC_SET:
		slot_state = (uint8_t)nla_get_u8(req->tb[SNAP_A_HOTPLUG_STATE]);
		break;
	case SNAP_CMD_FUNC_GET:
		fake.polls++;
		if (host_never)
			break;
		if (slot_state == SNAP_HOTPLUG_PLUGGED && fake.polls >= 3)
			f.bdf = "0000:04:00.0";
		if (slot_state == SNAP_HOTPLUG_UNPLUG_REQUESTED && fake.polls >= 2)
			slot_state = SNAP_HOTPLUG_RELEASED;
		break;
	default:
		fail_msg("unexpected request %u", req->cmd);
	}
	f.hotplug = slot_state;
	if (slot_state == SNAP_HOTPLUG_UNPLUG_REQUESTED)
		f.bdf = "0000:04:00.0";
	return one_reply(&f, replies, nr);
}

static void test_ctrl_hotplug_without_waiting(void **state)
{
	struct run r;

	(void)state;
	host_never = false;
	RUN(&r, kernel_slot, "virtio_blk_controller_hotplug", "-c", "VblkCtrl1");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(fake.nr_reqs, 2);
	assert_int_equal(fake.reqs[0].cmd, SNAP_CMD_VBLK_CTRL_GET);
	assert_false(fake.reqs[0].dump);
	assert_string_equal(req_str(0, SNAP_A_NAME), "VblkCtrl1");
	assert_int_equal(fake.reqs[1].cmd, SNAP_CMD_FUNC_SET);
	assert_string_equal(req_str(1, SNAP_A_VUID), VBLK_VUID);
	assert_int_equal(req_u(1, SNAP_A_HOTPLUG_STATE), SNAP_HOTPLUG_PLUGGED);
	assert_int_equal(fake.sleeps, 0);
	assert_string_equal(r.out, "");
	run_free(&r);
}

/* --wait_for_done returns once the host has the function, not before. */
static void test_ctrl_hotplug_waits_for_the_host(void **state)
{
	struct run r;

	(void)state;
	host_never = false;
	RUN(&r, kernel_slot, "virtio_blk_controller_hotplug", "-c", "VblkCtrl1",
	    "--wait_for_done");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(fake.polls, 3);
	assert_int_equal(fake.nr_reqs, 5);
	for (unsigned int i = 2; i < 5; i++) {
		assert_int_equal(fake.reqs[i].cmd, SNAP_CMD_FUNC_GET);
		assert_false(fake.reqs[i].dump);
		assert_string_equal(req_str(i, SNAP_A_VUID), VBLK_VUID);
	}
	assert_int_equal(fake.sleeps, 3);
	assert_int_equal(fake.slept_us, 3 * HOTPLUG_POLL_MS * 1000);
	assert_string_equal(r.err, "");
	run_free(&r);
}

/* Unplug: done once the host released the function. */
static void test_ctrl_hotunplug_waits_for_release(void **state)
{
	struct run r;

	(void)state;
	host_never = false;
	RUN(&r, kernel_slot, "virtio_blk_controller_hotunplug", "--ctrl", "VblkCtrl1",
	    "--wait_for_done", "-j");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_int_equal(req_u(1, SNAP_A_HOTPLUG_STATE), SNAP_HOTPLUG_UNPLUG_REQUESTED);
	assert_int_equal(fake.polls, 2);
	assert_int_equal(fake.sleeps, 2);
	assert_string_equal(r.out, "true\n");
	run_free(&r);
}

/* A host that never does it: a clear error after the 60 s, not a hang. */
static void test_wait_gives_up(void **state)
{
	struct run r;

	(void)state;
	host_never = true;
	RUN(&r, kernel_slot, "virtio_blk_controller_hotplug", "-c", "VblkCtrl1",
	    "--wait_for_done");
	assert_int_equal(r.ret, SNAPADM_FAILED);
	assert_int_equal(fake.sleeps, HOTPLUG_WAIT_MS / HOTPLUG_POLL_MS);
	assert_int_equal(fake.slept_us, HOTPLUG_WAIT_MS * 1000UL);
	assert_string_equal(r.err, "snapadm: virtio_blk_controller_hotplug: the host has not "
			    "added function " VBLK_VUID " after 60 s (its slot: plugged)\n");
	run_free(&r);
}

static void test_ctrl_hotplug_of_an_unknown_controller(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, kernel_slot, "virtio_blk_controller_hotplug", "-c", "nope");
	assert_int_equal(r.ret, SNAPADM_FAILED);
	assert_int_equal(fake.nr_reqs, 1);
	assert_string_equal(r.err, "snapadm: virtio_blk_controller_hotplug: no virtio-blk "
			    "controller of that name (No such file or directory)\n");
	run_free(&r);
}

/* ---- emulation_function_list, monitor ---- */

static int kernel_functions(const struct sent *req, struct nl_msg **replies,
			    unsigned int *nr, const char **why)
{
	struct func_state st = { .vuid = "SNAPSIM00000NVMES1D0F0", .type = SNAP_FUNC_NVME,
				 .kind = SNAP_FUNC_STATIC_PF, .bdf = "0000:02:00.0" };
	struct func_state hp = { .vuid = NVME_VUID, .type = SNAP_FUNC_NVME,
				 .kind = SNAP_FUNC_HOTPLUG_PF, .pf_id = 1,
				 .hotplug = SNAP_HOTPLUG_RELEASED, .port = 2 };

	(void)why;
	assert_int_equal(req->cmd, SNAP_CMD_FUNC_GET);
	assert_true(req->dump);
	one_reply(&st, replies, nr);
	return one_reply(&hp, replies, nr);
}

/* A hot-plug PF shows where it is; a static PF as before. */
static void test_function_list_shows_the_slot(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, kernel_functions, "emulation_function_list");
	assert_int_equal(r.ret, SNAPADM_OK);
	assert_string_equal(r.out,
		"[\n"
		"  {\n"
		"    \"hotplugged\": false,\n"
		"    \"emulation_type\": \"NVME\",\n"
		"    \"pf_index\": 0,\n"
		"    \"pci_bdf\": \"0000:02:00.0\",\n"
		"    \"vhca_id\": 3,\n"
		"    \"vuid\": \"SNAPSIM00000NVMES1D0F0\",\n"
		"    \"num_msix\": 4,\n"
		"    \"num_vfs\": 0\n"
		"  },\n"
		"  {\n"
		"    \"hotplugged\": true,\n"
		"    \"port\": 2,\n"
		"    \"hotplug_state\": \"released\",\n"
		"    \"emulation_type\": \"NVME\",\n"
		"    \"pf_index\": 1,\n"
		"    \"vhca_id\": 3,\n"
		"    \"vuid\": \"" NVME_VUID "\",\n"
		"    \"num_msix\": 4,\n"
		"    \"num_vfs\": 0\n"
		"  }\n"
		"]\n");
	run_free(&r);
}

static void test_function_events(void **state)
{
	struct func_state hp = { .vuid = NVME_VUID, .type = SNAP_FUNC_NVME,
				 .kind = SNAP_FUNC_HOTPLUG_PF, .pf_id = 1,
				 .hotplug = SNAP_HOTPLUG_UNPLUG_REQUESTED, .port = 2,
				 .bdf = "0000:03:00.0" };
	struct nl_msg *msg = func_reply(&hp);
	struct nlattr *tb[SNAP_A_MAX + 1];
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	parse_attrs(tb, nlmsg_attrdata(nlmsg_hdr(msg), 0), nlmsg_attrlen(nlmsg_hdr(msg), 0));
	monitor_print_event(out, false, SNAP_CMD_FUNC_SET, tb);
	monitor_print_event(out, true, SNAP_CMD_FUNC_DEL, tb);
	fclose(out);
	assert_string_equal(buf,
		"[function SET] emulation_type=NVME kind=hotplug_pf pf_index=1 "
		"pci_bdf=0000:03:00.0 vhca_id=3 vuid=" NVME_VUID " num_msix=4 "
		"hotplug_state=unplug_requested port=2\n"
		"{\"event\":\"function_del\",\"emulation_type\":\"NVME\",\"kind\":\"hotplug_pf\","
		"\"pf_index\":1,\"pci_bdf\":\"0000:03:00.0\",\"vhca_id\":3,\"vuid\":\"" NVME_VUID "\","
		"\"num_msix\":4,\"hotplug_state\":\"unplug_requested\",\"port\":2}\n");
	free(buf);
	nlmsg_free(msg);
}

/* Each test starts with a kernel that was asked nothing. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nvme_attach),
		T(test_refusals_say_why),
		T(test_detach_prepare_and_detach),
		T(test_vblk_function_create_destroy),
		T(test_ctrl_hotplug_without_waiting),
		T(test_ctrl_hotplug_waits_for_the_host),
		T(test_ctrl_hotunplug_waits_for_release),
		T(test_wait_gives_up),
		T(test_ctrl_hotplug_of_an_unknown_controller),
		T(test_function_list_shows_the_slot),
		cmocka_unit_test(test_function_events),
	};

	return cmocka_run_group_tests_name("snapadm_hotplug", tests, NULL, NULL);
}
