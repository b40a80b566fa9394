// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: the commands of backend plugins (include/snap/plugin.h), as
 * spdk_rpc.py --plugin adds a module's RPCs. A plugin's command does not
 * run plugin code here: its table says which options become the words of
 * a plugin bdev definition, and the module stores that definition as a
 * bdev of type plugin for snap_service to open.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "nl.h"
#include "plugin.h"
#include "plugin_load.h"

static struct snap_plugin_loaded plugins[SNAP_PLUGINS_MAX];
static unsigned int nr_plugins;

/* The commands of all plugins, NULL-terminated, and what each came from. */
static struct snapadm_cmd *cmds;
static const struct snap_plugin_cmd **sources;
static size_t nr_cmds;

static size_t count_opts(const struct snap_plugin_opt *o)
{
	size_t n = 0;

	while (o && o[n].lng)
		n++;
	return n;
}

static struct opt_def *opt_table(const struct snap_plugin_opt *o)
{
	size_t n = count_opts(o);
	struct opt_def *t = calloc(n + 1, sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		t[i] = (struct opt_def){
			.lng = o[i].lng,
			.shrt = o[i].shrt,
			.type = OPT_STR,
			/* The name goes as is; the rest become definition words. */
			.attr = o[i].role == SNAP_PLUGIN_OPT_NAME ? SNAP_A_NAME : OPT_NO_ATTR,
			.flags = o[i].flags & SNAP_PLUGIN_OPT_REQUIRED ? OPT_REQUIRED : 0,
			.help = o[i].help,
		};
	}
	return t;
}

static const struct snap_plugin_cmd *source_of(const struct snapadm_cmd *cmd)
{
	return sources[cmd->aux];
}

/* Every option of the command, options then positionals. */
#define for_each_plugin_opt(pc, o)					\
	for (int _list = 0; _list < 2; _list++)				\
		for (o = _list ? (pc)->pos : (pc)->opts; o && o->lng; o++)

/* A value becomes one KEY=VALUE word: no blanks, nothing empty. */
static int check_values(struct snapadm *adm, const struct snapadm_cmd *cmd,
			const struct parsed_args *a)
{
	const struct snap_plugin_cmd *pc = source_of(cmd);
	const struct snap_plugin_opt *o;

	for_each_plugin_opt(pc, o) {
		const struct arg_val *v = args_get(a, o->lng);

		if (v && (!*v->str || strpbrk(v->str, " \t\n")))
			return snapadm_usage_error(adm, "--%s '%s': want one word", o->lng,
						   v->str);
	}
	return SNAPADM_OK;
}

/* The new bdev takes the block size and size of the one it stacks on. */
static int put_base_geometry(struct snapadm *adm, const char *base, struct nl_msg *msg)
{
	struct bdev_info bi;
	int ret = bdev_lookup(adm, base, &bi);

	if (ret)
		return ret;
	if (!bi.found)
		return snapadm_fail(adm, "no bdev %s", base);
	if (nla_put_u32(msg, SNAP_A_BLOCK_SIZE, bi.block_size) < 0 ||
	    nla_put_u64(msg, SNAP_A_NUM_BLOCKS, bi.num_blocks) < 0)
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

int plugin_definition(const struct snap_plugin_cmd *pc, const struct parsed_args *a,
		      char *buf, size_t len, const char **base)
{
	const struct snap_plugin_opt *o;
	size_t n = (size_t)snprintf(buf, len, "%s", pc->bdev_type);

	*base = NULL;
	for_each_plugin_opt(pc, o) {
		const struct arg_val *v = args_get(a, o->lng);

		if (!v || o->role == SNAP_PLUGIN_OPT_NAME || !o->key)
			continue;
		if (o->role == SNAP_PLUGIN_OPT_BASE)
			*base = v->str;
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, " %s=%s", o->key, v->str);
	}
	return n < len ? 0 : -ENAMETOOLONG;
}

static int fill_create(struct snapadm *adm, const struct snapadm_cmd *cmd,
		       const struct parsed_args *a, struct nl_msg *msg)
{
	char def[SNAP_PATH_MAX];
	const char *base;
	int ret;

	if (plugin_definition(source_of(cmd), a, def, sizeof(def), &base))
		return snapadm_usage_error(adm, "the bdev's definition is longer than %d bytes",
					   SNAP_PATH_MAX - 1);
	if (nla_put_u8(msg, SNAP_A_BDEV_TYPE, SNAP_BDEV_PLUGIN) < 0 ||
	    nla_put_string(msg, SNAP_A_BDEV_ARGS, def) < 0)
		return snapadm_fail(adm, "request too large");
	if (base) {
		ret = put_base_geometry(adm, base, msg);
		if (ret)
			return ret;
	}
	return SNAPADM_OK;
}

/* A plugin's delete deletes bdevs of its own type only, as SPDK's do. */
static int check_delete(struct snapadm *adm, const struct snapadm_cmd *cmd,
			const struct parsed_args *a)
{
	const struct snap_plugin_cmd *pc = source_of(cmd);
	const struct snap_plugin_opt *o;
	const char *name = NULL;
	struct bdev_info bi;
	char type[64];
	int ret;

	for_each_plugin_opt(pc, o)
		if (o->role == SNAP_PLUGIN_OPT_NAME && args_get(a, o->lng))
			name = args_get(a, o->lng)->str;
	if (!name)
		return snapadm_usage_error(adm, "no bdev named");
	ret = bdev_lookup(adm, name, &bi);
	if (ret || !bi.found)
		return ret;	/* the module says "no such bdev" */
	if (bi.type != SNAP_BDEV_PLUGIN)
		return bdev_wrong_type(adm, name, bi.type, SNAP_BDEV_PLUGIN);
	if (snap_plugin_def_type(bi.args, type, sizeof(type)) || strcmp(type, pc->bdev_type))
		return snapadm_fail(adm, "%s is not an %s bdev (its definition: %s)", name,
				    pc->bdev_type, bi.args);
	return SNAPADM_OK;
}

static int add_command(struct snapadm *adm, const struct snap_plugin_cmd *pc,
		       const char *path)
{
	struct snapadm_cmd *c, *grown;
	const struct snap_plugin_cmd **src;

	if (snapadm_find_command(pc->name)) {
		snapadm_warn(adm, "plugin %s: command %s exists already: not added", path,
			     pc->name);
		return 0;
	}
	if (count_opts(pc->opts) >= ARGS_MAX_OPTS || count_opts(pc->pos) >= ARGS_MAX_POS) {
		snapadm_warn(adm, "plugin %s: command %s has too many options: not added",
			     path, pc->name);
		return 0;
	}
	grown = realloc(cmds, (nr_cmds + 2) * sizeof(*cmds));
	if (!grown)
		return -ENOMEM;
	cmds = grown;
	src = realloc(sources, (nr_cmds + 1) * sizeof(*sources));
	if (!src)
		return -ENOMEM;
	sources = src;
	c = &cmds[nr_cmds];
	*c = (struct snapadm_cmd){
		.name = pc->name,
		.help = pc->help ? pc->help : "",
		.opts = opt_table(pc->opts),
		.pos = opt_table(pc->pos),
		.obj = &obj_bdev,
		.nl_cmd = pc->action == SNAP_PLUGIN_CMD_CREATE ? SNAP_CMD_BDEV_NEW :
								 SNAP_CMD_BDEV_DEL,
		.action = pc->action == SNAP_PLUGIN_CMD_CREATE ? ACT_CREATE : ACT_DESTROY,
		.key_attr = SNAP_A_NAME,
		.check = pc->action == SNAP_PLUGIN_CMD_CREATE ? check_values : check_delete,
		.fill = pc->action == SNAP_PLUGIN_CMD_CREATE ? fill_create : NULL,
		.aux = (int)nr_cmds,
	};
	if (!c->opts || !c->pos) {
		free((void *)c->opts);
		free((void *)c->pos);
		return -ENOMEM;
	}
	sources[nr_cmds++] = pc;
	cmds[nr_cmds] = (struct snapadm_cmd){ .name = NULL };
	return 0;
}

int snapadm_plugin_load(struct snapadm *adm, const char *spec)
{
	struct snap_plugin_loaded *p;
	char err[512];

	for (unsigned int i = 0; i < nr_plugins; i++)
		if (!strcmp(plugins[i].path, spec))
			return SNAPADM_OK;
	if (nr_plugins == SNAP_PLUGINS_MAX)
		return snapadm_fail(adm, "plugin %s: at most %d plugins", spec,
				    SNAP_PLUGINS_MAX);
	p = &plugins[nr_plugins];
	if (snap_plugin_load(spec, p, err, sizeof(err)))
		return snapadm_fail(adm, "%s", err);
	nr_plugins++;
	for (const struct snap_plugin_cmd *pc = p->desc->cmds; pc && pc->name; pc++)
		if (add_command(adm, pc, p->path))
			return snapadm_fail(adm, "out of memory");
	return SNAPADM_OK;
}

struct env_load {
	struct snapadm *adm;
};

/* A broken plugin in the environment costs its commands only. */
static int load_from_env(const char *spec, void *arg)
{
	struct env_load *el = arg;

	snapadm_plugin_load(el->adm, spec);
	return 0;
}

void snapadm_plugins_from_env(struct snapadm *adm)
{
	struct env_load el = { .adm = adm };

	snap_plugin_list_each(getenv(SNAP_PLUGINS_ENV), load_from_env, &el);
}

const struct snapadm_cmd *snapadm_plugin_commands(void)
{
	return cmds;
}

void snapadm_plugins_release(void)
{
	for (size_t i = 0; i < nr_cmds; i++) {
		free((void *)cmds[i].opts);
		free((void *)cmds[i].pos);
	}
	free(cmds);
	free(sources);
	cmds = NULL;
	sources = NULL;
	nr_cmds = 0;
	while (nr_plugins)
		snap_plugin_unload(&plugins[--nr_plugins]);
}
