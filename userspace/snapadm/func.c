// SPDX-License-Identifier: GPL-2.0
/* snapadm: emulation_function_list and function lookups. */
#include "func.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static void copy_string(char *dst, size_t len, const struct nlattr *a)
{
	const char *s = a ? snap_nla_string(a) : NULL;

	snprintf(dst, len, "%s", s ? s : "");
}

int func_list_add(struct func_list *l, struct nlattr **tb)
{
	struct func_rec *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct func_rec *recs = realloc(l->recs, cap * sizeof(*recs));

		if (!recs)
			return -ENOMEM;
		l->recs = recs;
		l->cap = cap;
	}
	r = &l->recs[l->n++];
	memset(r, 0, sizeof(*r));
	if (tb[SNAP_A_FUNC_TYPE])
		r->type = nla_get_u8(tb[SNAP_A_FUNC_TYPE]);
	if (tb[SNAP_A_FUNC_KIND])
		r->kind = nla_get_u8(tb[SNAP_A_FUNC_KIND]);
	if (tb[SNAP_A_PF_ID])
		r->pf_id = nla_get_u32(tb[SNAP_A_PF_ID]);
	r->has_vf_id = tb[SNAP_A_VF_ID] != NULL;
	if (r->has_vf_id)
		r->vf_id = nla_get_u32(tb[SNAP_A_VF_ID]);
	r->has_vhca_id = tb[SNAP_A_VHCA_ID] != NULL;
	if (r->has_vhca_id)
		r->vhca_id = nla_get_u32(tb[SNAP_A_VHCA_ID]);
	r->has_num_msix = tb[SNAP_A_NUM_MSIX] != NULL;
	if (r->has_num_msix)
		r->num_msix = nla_get_u32(tb[SNAP_A_NUM_MSIX]);
	copy_string(r->vuid, sizeof(r->vuid), tb[SNAP_A_VUID]);
	copy_string(r->pci_bdf, sizeof(r->pci_bdf), tb[SNAP_A_PCI_BDF]);
	copy_string(r->ctrl, sizeof(r->ctrl), tb[SNAP_A_CTRL_NAME]);
	r->has_hotplug = tb[SNAP_A_HOTPLUG_STATE] && tb[SNAP_A_PORT];
	if (r->has_hotplug) {
		r->hotplug_state = nla_get_u8(tb[SNAP_A_HOTPLUG_STATE]);
		r->port = nla_get_u32(tb[SNAP_A_PORT]);
	}
	return 0;
}

void func_list_free(struct func_list *l)
{
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

static bool is_vf_of(const struct func_rec *vf, const struct func_rec *pf)
{
	return vf->kind == SNAP_FUNC_VF && vf->type == pf->type &&
	       vf->pf_id == pf->pf_id;
}

/* The fields a PF and a VF share, in SNAP's order. */
static void func_common_json(struct json_writer *w, const struct func_rec *r)
{
	if (r->pci_bdf[0])
		json_kv_string(w, "pci_bdf", r->pci_bdf);
	if (r->has_vhca_id)
		json_kv_uint(w, "vhca_id", r->vhca_id);
	json_kv_string(w, "vuid", r->vuid);
	if (r->ctrl[0])
		json_kv_string(w, "ctrl_id", r->ctrl);
	if (r->has_num_msix)
		json_kv_uint(w, "num_msix", r->num_msix);
}

/* Where a hot-plug PF is: its switch port and its slot's state. */
static void hotplug_json(struct json_writer *w, const struct func_rec *r)
{
	const char *state = hotplug_state_name(r->hotplug_state);

	json_kv_uint(w, "port", r->port);
	if (state)
		json_kv_string(w, "hotplug_state", state);
	else
		json_kv_uint(w, "hotplug_state", r->hotplug_state);
}

static void pf_json(struct json_writer *w, const struct func_list *l,
		    const struct func_rec *pf, bool all)
{
	const char *type = func_type_name(pf->type);
	size_t num_vfs = 0;

	for (size_t i = 0; i < l->n; i++)
		num_vfs += is_vf_of(&l->recs[i], pf);

	json_object_start(w);
	json_kv_bool(w, "hotplugged", pf->kind == SNAP_FUNC_HOTPLUG_PF);
	if (pf->has_hotplug)
		hotplug_json(w, pf);
	if (type)
		json_kv_string(w, "emulation_type", type);
	else
		json_kv_uint(w, "emulation_type", pf->type);
	json_kv_uint(w, "pf_index", pf->pf_id);
	func_common_json(w, pf);
	json_kv_uint(w, "num_vfs", num_vfs);
	if (all) {
		json_key(w, "vfs");
		json_array_start(w);
		for (size_t i = 0; i < l->n; i++) {
			const struct func_rec *vf = &l->recs[i];

			if (!is_vf_of(vf, pf))
				continue;
			json_object_start(w);
			json_kv_uint(w, "vf_index", vf->vf_id);
			func_common_json(w, vf);
			json_object_end(w);
		}
		json_array_end(w);
	}
	json_object_end(w);
}

void func_list_json(struct json_writer *w, const struct func_list *l, bool all)
{
	json_array_start(w);
	for (size_t i = 0; i < l->n; i++)
		if (l->recs[i].kind != SNAP_FUNC_VF)
			pf_json(w, l, &l->recs[i], all);
	json_array_end(w);
}

int func_collect(uint8_t cmd, struct nlattr **tb, void *arg)
{
	(void)cmd;
	return func_list_add(arg, tb);
}

static int run_function_list(struct snapadm *adm,
			     const struct snapadm_cmd *cmd,
			     const struct parsed_args *a)
{
	struct func_list l = { 0 };
	struct json_writer w;
	int ret;

	(void)cmd;
	ret = nlcmd_request(adm, SNAP_CMD_FUNC_GET, true, NULL, NULL,
			    func_collect, &l);
	if (!ret) {
		json_init(&w, adm->out);
		func_list_json(&w, &l, args_has(a, "all"));
		json_finish(&w);
	}
	func_list_free(&l);
	return ret;
}

static int put_vuid(struct nl_msg *msg, const void *ctx)
{
	return nla_put_string(msg, SNAP_A_VUID, ctx);
}

int func_get_vuid(struct snapadm *adm, const char *vuid, struct func_list *l)
{
	return nlcmd_request(adm, SNAP_CMD_FUNC_GET, false, put_vuid, vuid,
			     func_collect, l);
}

static int put_func_type(struct nl_msg *msg, const void *ctx)
{
	return nla_put_u8(msg, SNAP_A_FUNC_TYPE, *(const uint8_t *)ctx);
}

int func_check_function_args(struct snapadm *adm,
			     const struct snapadm_cmd *cmd,
			     const struct parsed_args *a)
{
	(void)cmd;
	if (args_has(a, "vhca_id") &&
	    (args_has(a, "pf_id") || args_has(a, "vf_id") || args_has(a, "vuid")))
		return snapadm_usage_error(adm,
			"--vhca_id cannot be combined with --pf_id, --vf_id or --vuid");
	return SNAPADM_OK;
}

int func_fill_by_vhca_id(struct snapadm *adm, const struct snapadm_cmd *cmd,
			 const struct parsed_args *a, struct nl_msg *msg)
{
	const struct arg_val *vhca = args_get(a, "vhca_id");
	uint8_t type = (uint8_t)cmd->aux;
	struct func_list l = { 0 };
	const char *vuid = NULL;
	int ret;

	if (!vhca)
		return SNAPADM_OK;
	ret = nlcmd_request(adm, SNAP_CMD_FUNC_GET, true, put_func_type, &type,
			    func_collect, &l);
	for (size_t i = 0; !ret && i < l.n; i++)
		if (l.recs[i].type == type && l.recs[i].has_vhca_id &&
		    l.recs[i].vhca_id == vhca->num) {
			vuid = l.recs[i].vuid;
			break;
		}
	if (!ret && !vuid)
		ret = snapadm_fail(adm, "no %s function with vhca_id %s",
				   func_type_name(type), vhca->str);
	if (!ret && nla_put_string(msg, SNAP_A_VUID, vuid) < 0)
		ret = snapadm_fail(adm, "request too large");
	func_list_free(&l);
	return ret;
}

static const struct opt_def function_list_opts[] = {
	{ "all", "a", OPT_FLAG, OPT_NO_ATTR, 0, 0, "include the VFs of each PF" },
	OPT_END,
};

const struct snapadm_cmd func_cmds[] = {
	{
		.name = "emulation_function_list",
		.help = "list the emulated PCI functions",
		.opts = function_list_opts,
		.run = run_function_list,
	},
	{ .name = NULL },
};
