// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: the one runner behind every table-described netlink command:
 * options become attributes, the kernel's reply becomes the output.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "json.h"
#include "nl.h"

static int put_value(struct nl_msg *msg, const struct opt_def *d,
		     const struct arg_val *v)
{
	switch (d->type) {
	case OPT_FLAG:
		return nla_put_flag(msg, d->attr);
	case OPT_SET_U8:
		return nla_put_u8(msg, d->attr, d->constant);
	case OPT_STR:
		return nla_put_string(msg, d->attr, v->str);
	case OPT_U8:
		return nla_put_u8(msg, d->attr, (uint8_t)v->num);
	case OPT_U32:
		return nla_put_u32(msg, d->attr, (uint32_t)v->num);
	case OPT_UUID:
		return nla_put(msg, d->attr, SNAP_UUID_LEN, v->uuid);
	case OPT_UNSUPPORTED:
		break;
	}
	return 0;
}

int nlcmd_put_options(struct nl_msg *msg, const struct parsed_args *a)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct opt_def *defs = pass ? a->pos : a->opts;
		const struct arg_val *vals = pass ? a->posv : a->opt;

		for (int i = 0; defs && defs[i].lng; i++) {
			if (!vals[i].set || defs[i].attr == OPT_NO_ATTR)
				continue;
			if (put_value(msg, &defs[i], &vals[i]) < 0)
				return -EMSGSIZE;
		}
	}
	return 0;
}

int nlcmd_fill_state(struct snapadm *adm, const struct snapadm_cmd *cmd,
		     const struct parsed_args *a, struct nl_msg *msg)
{
	(void)a;
	if (nla_put_u8(msg, SNAP_A_STATE, (uint8_t)cmd->aux) < 0)
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

struct printer {
	struct snapadm *adm;
	const struct snapadm_cmd *cmd;
	const struct parsed_args *a;
	struct json_writer w;
	bool array_open;
	bool printed;
};

/*
 * The kernel may or may not filter a dump by the attributes we sent, so
 * objects whose string attributes differ from a given option are dropped.
 */
static bool matches_filters(const struct parsed_args *a, struct nlattr **tb)
{
	for (int i = 0; a->opts && a->opts[i].lng; i++) {
		const struct opt_def *d = &a->opts[i];
		const char *s;

		if (!a->opt[i].set || d->type != OPT_STR || !d->attr || !tb[d->attr])
			continue;
		s = snap_nla_string(tb[d->attr]);
		if (s && strcmp(s, a->opt[i].str))
			return false;
	}
	return true;
}

static void print_key(FILE *out, uint16_t attr, struct nlattr *a)
{
	const char *s;

	if (snap_policy[attr].type == NLA_U32) {
		fprintf(out, "%" PRIu32 "\n", nla_get_u32(a));
		return;
	}
	s = snap_nla_string(a);
	if (s)
		fprintf(out, "%s\n", s);
}

static int print_object(uint8_t nl_cmd, struct nlattr **tb, void *arg)
{
	struct printer *p = arg;
	const struct snapadm_cmd *cmd = p->cmd;

	(void)nl_cmd;
	switch (cmd->action) {
	case ACT_LIST:
		if (!matches_filters(p->a, tb))
			return 0;
		if (!p->array_open) {
			json_init(&p->w, p->adm->out);
			json_array_start(&p->w);
			p->array_open = true;
		}
		obj_json(&p->w, cmd->obj, tb);
		break;
	case ACT_CREATE:
	case ACT_CHANGE:
	case ACT_REPLY:
		if (p->printed)
			return 0;
		if (p->adm->json || cmd->action == ACT_REPLY) {
			json_init(&p->w, p->adm->out);
			obj_json(&p->w, cmd->obj, tb);
			json_finish(&p->w);
		} else if (cmd->action == ACT_CREATE && tb[cmd->key_attr]) {
			print_key(p->adm->out, cmd->key_attr, tb[cmd->key_attr]);
		}
		break;
	default:
		break;
	}
	p->printed = true;
	return 0;
}

/* A create the kernel answered with a bare ACK still names what it made. */
static void print_key_from_args(const struct printer *p)
{
	const struct parsed_args *a = p->a;

	for (int pass = 0; pass < 2; pass++) {
		const struct opt_def *defs = pass ? a->pos : a->opts;
		const struct arg_val *vals = pass ? a->posv : a->opt;

		for (int i = 0; defs && defs[i].lng; i++)
			if (vals[i].set && defs[i].attr == p->cmd->key_attr) {
				fprintf(p->adm->out, "%s\n", vals[i].str);
				return;
			}
	}
}

static void finish_output(struct printer *p)
{
	const struct snapadm_cmd *cmd = p->cmd;

	switch (cmd->action) {
	case ACT_LIST:
		if (!p->array_open) {
			json_init(&p->w, p->adm->out);
			json_array_start(&p->w);
		}
		json_array_end(&p->w);
		json_finish(&p->w);
		break;
	case ACT_CREATE:
		if (!p->printed && !p->adm->json)
			print_key_from_args(p);
		/* fall through */
	case ACT_CHANGE:
	case ACT_DESTROY:
	case ACT_REPLY:
		if (!p->printed && p->adm->json) {
			json_init(&p->w, p->adm->out);
			json_bool(&p->w, true);
			json_finish(&p->w);
		}
		break;
	default:
		break;
	}
}

int nlcmd_run(struct snapadm *adm, const struct snapadm_cmd *cmd,
	      const struct parsed_args *a)
{
	struct printer p = { .adm = adm, .cmd = cmd, .a = a };
	bool dump = cmd->action == ACT_LIST &&
		    !(cmd->single && args_has(a, cmd->single));
	struct snap_nl *nl;
	struct nl_msg *msg;
	int ret;

	if (cmd->check) {
		ret = cmd->check(adm, cmd, a);
		if (ret)
			return ret;
	}
	ret = snapadm_nl(adm, &nl);
	if (ret)
		return ret;
	msg = snap_nl_request(nl, cmd->nl_cmd, dump);
	if (!msg)
		return snapadm_fail(adm, "out of memory");
	if (nlcmd_put_options(msg, a)) {
		nlmsg_free(msg);
		return snapadm_fail(adm, "request too large");
	}
	if (cmd->fill) {
		ret = cmd->fill(adm, cmd, a, msg);
		if (ret) {
			nlmsg_free(msg);
			return ret;
		}
	}
	ret = snap_nl_transact(nl, msg, print_object, &p);
	if (ret) {
		/* Keep what was printed well-formed JSON. */
		if (p.array_open) {
			json_array_end(&p.w);
			json_finish(&p.w);
		}
		return snapadm_nl_fail(adm);
	}
	finish_output(&p);
	return SNAPADM_OK;
}

int nlcmd_request(struct snapadm *adm, uint8_t nl_cmd, bool dump,
		  int (*put)(struct nl_msg *msg, const void *ctx),
		  const void *put_ctx,
		  int (*each)(uint8_t cmd, struct nlattr **tb, void *arg),
		  void *arg)
{
	struct snap_nl *nl;
	struct nl_msg *msg;
	int ret = snapadm_nl(adm, &nl);

	if (ret)
		return ret;
	msg = snap_nl_request(nl, nl_cmd, dump);
	if (!msg)
		return snapadm_fail(adm, "out of memory");
	if (put && put(msg, put_ctx) < 0) {
		nlmsg_free(msg);
		return snapadm_fail(adm, "request too large");
	}
	if (snap_nl_transact(nl, msg, each, arg))
		return snapadm_nl_fail(adm);
	return SNAPADM_OK;
}
