// SPDX-License-Identifier: GPL-2.0
/* snapadm: the command registry and the dispatcher every command runs through. */
#include <string.h>

#include <linux/snap.h>

#include "cmds.h"
#include "plugin.h"
#include "json.h"

static int run_version(struct snapadm *adm, const struct snapadm_cmd *cmd,
		       const struct parsed_args *a)
{
	(void)cmd;
	(void)a;
	if (adm->json) {
		struct json_writer w;

		json_init(&w, adm->out);
		json_object_start(&w);
		json_kv_string(&w, "version", SNAP_VERSION);
		json_kv_uint(&w, "abi_major", SNAP_ABI_MAJOR);
		json_kv_uint(&w, "abi_minor", SNAP_ABI_MINOR);
		json_object_end(&w);
		return json_finish(&w) ? SNAPADM_FAILED : SNAPADM_OK;
	}
	fprintf(adm->out, "snapadm %s (ABI %u.%u)\n", SNAP_VERSION,
		SNAP_ABI_MAJOR, SNAP_ABI_MINOR);
	return SNAPADM_OK;
}

static const struct opt_def config_pos[] = {
	{ "action", NULL, OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0,
	  "query, or set PARAM=VALUE..." },
	OPT_END,
};

static const struct opt_def log_level_opts[] = {
	{ "level", "l", OPT_U8, SNAP_A_LOG_LEVEL, OPT_REQUIRED, 0,
	  "0 errors, 1 warnings, 2 notices, 3 info, 4 debug, 5 trace" },
	OPT_END,
};

const struct snapadm_cmd misc_cmds[] = {
	{
		.name = "snap_log_level_set",
		.help = "set snap_service's log level, now and for the next daemon",
		.opts = log_level_opts,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_EMU_SET,
		.obj = &obj_emu,
	},
	{
		.name = "monitor",
		.help = "print snap events until interrupted",
		.run = monitor_run,
	},
	{
		.name = "config",
		.help = "query | set PARAM=VALUE...: module parameters",
		.pos = config_pos, .variadic = true,
		.run = config_run,
	},
	{
		.name = "version",
		.help = "print the tool version and ABI",
		.run = run_version,
	},
	{ .name = NULL },
};

static const struct snapadm_cmd *const tables[] = {
	nvme_cmds, vblk_cmds, func_cmds, hotplug_cmds, bdev_cmds, nvmf_cmds, stats_cmds,
	misc_cmds,
};

#define NR_TABLES (sizeof(tables) / sizeof(tables[0]))

/* The built-in tables, then the loaded plugins' commands. */
static const struct snapadm_cmd *table(size_t t)
{
	return t < NR_TABLES ? tables[t] : snapadm_plugin_commands();
}

const struct snapadm_cmd *snapadm_find_command(const char *name)
{
	for (size_t t = 0; t <= NR_TABLES; t++)
		for (const struct snapadm_cmd *c = table(t); c && c->name; c++)
			if (!strcmp(c->name, name) ||
			    (c->alias && !strcmp(c->alias, name)))
				return c;
	return NULL;
}

void snapadm_list_commands(FILE *out)
{
	for (size_t t = 0; t <= NR_TABLES; t++)
		for (const struct snapadm_cmd *c = table(t); c && c->name; c++)
			fprintf(out, "  %-36s %s\n", c->name, c->help);
}

int snapadm_run(struct snapadm *adm, int argc, char **argv)
{
	const struct snapadm_cmd *cmd = snapadm_find_command(argv[0]);
	struct parsed_args a;
	char msg[ARGS_MSG_LEN];
	bool json = adm->json;
	int ret;

	adm->cmd_name = NULL;
	if (!cmd)
		return snapadm_usage_error(adm, "unknown command '%s'", argv[0]);
	adm->cmd_name = cmd->name;
	if (args_parse(&a, cmd->opts, cmd->pos, cmd->variadic, argc, argv,
		       msg, sizeof(msg)))
		return snapadm_usage_error(adm, "%s", msg);
	if (a.help) {
		args_usage(adm->out, cmd->name, cmd->opts, cmd->pos, cmd->variadic);
		return SNAPADM_OK;
	}
	adm->json = json || a.json;
	adm->args = &a;
	ret = cmd->run ? cmd->run(adm, cmd, &a) : nlcmd_run(adm, cmd, &a);
	adm->args = NULL;
	adm->json = json;
	fflush(adm->out);
	return ret;
}
