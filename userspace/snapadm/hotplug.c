// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: hot-plug PFs, with the names and flags of snap_rpc.py. SNAP's
 * NVMe PF is plugged as it is made (nvme_emulation_device_attach) and
 * leaves in two steps (emulation_device_detach_prepare, then
 * emulation_device_detach); its virtio-blk PF is made out of its slot and
 * plugged and unplugged by its controller's name, as often as wanted.
 */
#include "hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <linux/snap.h>

#include "cmds.h"
#include "func.h"
#include "json.h"
#include "nl.h"

#define VUID_REQ { "vuid", NULL, OPT_STR, SNAP_A_VUID, OPT_REQUIRED, 0, "the function's VUID" }

/*
 * What SNAP answers when it made a hot-plug PF: how to name it in the
 * commands that follow (a controller create, a detach).
 */
static const struct obj_desc obj_nvme_attached = {
	.kind = "function",
	.fields = (const struct field[]) {
		{ "vuid", SNAP_A_VUID, FMT_STR },
		{ "vhca_id", SNAP_A_VHCA_ID, FMT_U32 },
		{ "pf_id", SNAP_A_PF_ID, FMT_U32 },
		{ NULL, 0, 0 },
	},
};

static const struct obj_desc obj_vblk_created = {
	.kind = "function",
	.fields = (const struct field[]) {
		{ "vhca_id", SNAP_A_VHCA_ID, FMT_U32 },
		{ "vuid", SNAP_A_VUID, FMT_STR },
		{ NULL, 0, 0 },
	},
};

static int put_u8(struct snapadm *adm, struct nl_msg *msg, int attr, int value)
{
	if (nla_put_u8(msg, attr, (uint8_t)value) < 0)
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

/* Fill hook: the function type cmd->aux, which the command makes or takes. */
static int fill_func_type(struct snapadm *adm, const struct snapadm_cmd *cmd,
			  const struct parsed_args *a, struct nl_msg *msg)
{
	(void)a;
	return put_u8(adm, msg, SNAP_A_FUNC_TYPE, cmd->aux);
}

/* Fill hook: a function of type cmd->aux, in its slot at once (SNAP's attach). */
static int fill_plugged(struct snapadm *adm, const struct snapadm_cmd *cmd,
			const struct parsed_args *a, struct nl_msg *msg)
{
	int ret = fill_func_type(adm, cmd, a, msg);

	return ret ? ret : put_u8(adm, msg, SNAP_A_HOTPLUG_STATE, SNAP_HOTPLUG_PLUGGED);
}

/* Fill hook: the slot state cmd->aux the function is to reach. */
static int fill_hotplug_state(struct snapadm *adm, const struct snapadm_cmd *cmd,
			      const struct parsed_args *a, struct nl_msg *msg)
{
	(void)a;
	return put_u8(adm, msg, SNAP_A_HOTPLUG_STATE, cmd->aux);
}

/* ---- virtio_blk_controller_hotplug / _hotunplug ---- */

static int put_name(struct nl_msg *msg, const void *ctx)
{
	return nla_put_string(msg, SNAP_A_NAME, ctx);
}

static int take_vuid(uint8_t cmd, struct nlattr **tb, void *arg)
{
	const char *vuid = tb[SNAP_A_VUID] ? snap_nla_string(tb[SNAP_A_VUID]) : NULL;

	(void)cmd;
	snprintf(arg, SNAP_VUID_MAX, "%s", vuid ? vuid : "");
	return 0;
}

/* The VUID of the function a virtio-blk controller is on. */
static int ctrl_function(struct snapadm *adm, const char *ctrl,
			 char vuid[SNAP_VUID_MAX])
{
	int ret;

	vuid[0] = '\0';
	ret = nlcmd_request(adm, SNAP_CMD_VBLK_CTRL_GET, false, put_name, ctrl,
			    take_vuid, vuid);
	if (!ret && !vuid[0])
		ret = snapadm_fail(adm, "the module did not say which function %s is on",
				   ctrl);
	return ret;
}

struct slot_request {
	const char *vuid;
	uint8_t state;		/* enum snap_hotplug_state */
};

static int put_slot_request(struct nl_msg *msg, const void *ctx)
{
	const struct slot_request *r = ctx;

	if (nla_put_string(msg, SNAP_A_VUID, r->vuid) < 0)
		return -EMSGSIZE;
	return nla_put_u8(msg, SNAP_A_HOTPLUG_STATE, r->state);
}

/*
 * Whether the host did what was asked: added the function (it has a BDF
 * once the host's pciehp enumerated it), or let it go.
 */
static bool host_done(const struct func_rec *f, bool plug)
{
	if (plug)
		return f->pci_bdf[0] != '\0';
	return f->hotplug_state == SNAP_HOTPLUG_RELEASED ||
	       f->hotplug_state == SNAP_HOTPLUG_UNPLUGGED;
}

static int host_timeout(struct snapadm *adm, const struct func_rec *f,
			const char *vuid, bool plug)
{
	const char *state = f ? hotplug_state_name(f->hotplug_state) : NULL;

	return snapadm_fail(adm, "the host has not %s function %s after %u s (its slot: %s)",
			    plug ? "added" : "let go of", vuid, HOTPLUG_WAIT_MS / 1000,
			    state ? state : "unknown");
}

/*
 * --wait_for_done: the function as FUNC_GET says, every HOTPLUG_POLL_MS,
 * until the host did it. The events group would tell as soon, but a poll
 * needs no second socket and cannot miss the change. l holds the
 * function as the request left it.
 */
static int wait_for_host(struct snapadm *adm, const char *vuid, bool plug,
			 struct func_list *l)
{
	for (unsigned int n = 0;; n++) {
		const struct func_rec *f = l->n ? &l->recs[l->n - 1] : NULL;
		int ret;

		if (f && host_done(f, plug))
			return SNAPADM_OK;
		if (n == HOTPLUG_WAIT_MS / HOTPLUG_POLL_MS)
			return host_timeout(adm, f, vuid, plug);
		usleep(HOTPLUG_POLL_MS * 1000);
		func_list_free(l);
		ret = func_get_vuid(adm, vuid, l);
		if (ret)
			return ret;
	}
}

/* Plugs (cmd->aux PLUGGED) or unplugs the function of controller --ctrl. */
static int run_ctrl_slot(struct snapadm *adm, const struct snapadm_cmd *cmd,
			 const struct parsed_args *a)
{
	char vuid[SNAP_VUID_MAX];
	struct slot_request req = { .vuid = vuid, .state = (uint8_t)cmd->aux };
	struct func_list l = { 0 };
	struct json_writer w;
	int ret;

	ret = ctrl_function(adm, args_get(a, "ctrl")->str, vuid);
	if (ret)
		return ret;
	ret = nlcmd_request(adm, SNAP_CMD_FUNC_SET, false, put_slot_request, &req,
			    func_collect, &l);
	if (!ret && args_has(a, "wait_for_done"))
		ret = wait_for_host(adm, vuid, req.state == SNAP_HOTPLUG_PLUGGED, &l);
	func_list_free(&l);
	if (!ret && adm->json) {
		json_init(&w, adm->out);
		json_bool(&w, true);
		json_finish(&w);
	}
	return ret;
}

/* ---- the commands ---- */

static const struct opt_def create_opts[] = {
	{ "num_msix", NULL, OPT_U32, SNAP_A_NUM_MSIX, 0, 0,
	  "MSI-X vectors (default: the type's *_emulation_num_msix)" },
	OPT_END,
};

static const struct opt_def vuid_opts[] = { VUID_REQ, OPT_END };

static const struct opt_def detach_opts[] = {
	VUID_REQ,
	{ "force", NULL, OPT_FLAG, SNAP_A_FORCE, 0, 0,
	  "also destroy its controller and take it from the host at once (surprise removal)" },
	OPT_END,
};

static const struct opt_def hotplug_opts[] = {
	CTRL_REQ,
	{ "wait_for_done", NULL, OPT_FLAG, OPT_NO_ATTR, 0, 0,
	  "return once the host has added the function (60 s at most)" },
	OPT_END,
};

static const struct opt_def hotunplug_opts[] = {
	CTRL_REQ,
	{ "wait_for_done", NULL, OPT_FLAG, OPT_NO_ATTR, 0, 0,
	  "return once the host has let the function go (60 s at most)" },
	OPT_END,
};

const struct snapadm_cmd hotplug_cmds[] = {
	{
		.name = "nvme_emulation_device_attach",
		.help = "create a hot-plug NVMe PF in a free slot of the switch, plugged",
		.opts = create_opts,
		.action = ACT_REPLY, .nl_cmd = SNAP_CMD_FUNC_NEW,
		.obj = &obj_nvme_attached,
		.fill = fill_plugged, .aux = SNAP_FUNC_NVME,
	},
	{
		.name = "emulation_device_detach_prepare",
		.help = "ask the host to let a hot-plug PF go (its slot's attention button)",
		.opts = vuid_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_FUNC_SET,
		.obj = &obj_function,
		.fill = fill_hotplug_state, .aux = SNAP_HOTPLUG_UNPLUG_REQUESTED,
	},
	{
		.name = "emulation_device_detach",
		.help = "destroy a hot-plug PF the host let go of",
		.opts = detach_opts,
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_FUNC_DEL,
	},
	{
		.name = "virtio_blk_function_create",
		.help = "create a hot-plug virtio-blk PF, out of its slot",
		.opts = create_opts,
		.action = ACT_REPLY, .nl_cmd = SNAP_CMD_FUNC_NEW,
		.obj = &obj_vblk_created,
		.fill = fill_func_type, .aux = SNAP_FUNC_VIRTIO_BLK,
	},
	{
		.name = "virtio_blk_function_destroy",
		.help = "destroy a hot-plug virtio-blk PF",
		.opts = vuid_opts,
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_FUNC_DEL,
		.fill = fill_func_type, .aux = SNAP_FUNC_VIRTIO_BLK,
	},
	{
		.name = "virtio_blk_controller_hotplug",
		.help = "plug the function of a virtio-blk controller into its slot",
		.opts = hotplug_opts,
		.run = run_ctrl_slot, .aux = SNAP_HOTPLUG_PLUGGED,
	},
	{
		.name = "virtio_blk_controller_hotunplug",
		.help = "ask the host to let the function of a virtio-blk controller go",
		.opts = hotunplug_opts,
		.run = run_ctrl_slot, .aux = SNAP_HOTPLUG_UNPLUG_REQUESTED,
	},
	{ .name = NULL },
};
