// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: the admin tool of snap. It keeps the command names and flags of
 * DOCA SNAP-4's snap_rpc.py and SPDK's spdk_rpc.py so their users' scripts
 * work with "snapadm" in place of the RPC client.
 */
#include <getopt.h>
#include <stdio.h>

#include "batch.h"
#include "cmds.h"
#include "plugin.h"
#include "plugin_load.h"
#include "snapadm.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: snapadm [-j] COMMAND [ARGS]\n"
		"       snapadm [-j] -b FILE\n"
		"  -j, --json        print JSON\n"
		"  -b, --batch FILE  run the commands of FILE (- for stdin), one a line\n"
		"      --plugin PLUGIN  add a backend plugin's commands: a path, or a\n"
		"                    name in " SNAP_PLUGIN_DIR " (also " SNAP_PLUGINS_ENV ",\n"
		"                    ':' between plugins)\n"
		"      --exist-ok    a refusal because the object or its state is already\n"
		"                    there (EEXIST, EALREADY) counts as done\n"
		"  -h, --help        this text; COMMAND -h describes a command\n"
		"commands:\n");
	snapadm_list_commands(out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "batch", required_argument, NULL, 'b' },
		{ "plugin", required_argument, NULL, 'P' },
		{ "exist-ok", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch = NULL;
	struct snapadm adm;
	int c, ret;

	snapadm_init(&adm);
	snapadm_plugins_from_env(&adm);
	opterr = 0;	/* our one-line messages instead of getopt's */
	/* "+": options after the command name belong to the command. */
	while ((c = getopt_long(argc, argv, "+jb:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			adm.json = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'P':
			ret = snapadm_plugin_load(&adm, optarg);
			if (ret)
				return ret;
			break;
		case 'E':
			adm.exist_ok = true;
			break;
		case 'h':
			usage(stdout);
			return SNAPADM_OK;
		case '?':
			if (optopt == 'b')
				return snapadm_usage_error(&adm, "-b needs a FILE");
			if (optopt == 'P')
				return snapadm_usage_error(&adm, "--plugin needs a PLUGIN");
			return snapadm_usage_error(&adm, "unknown option '%s' (snapadm -h lists them)",
						   argv[optind - 1]);
		default:
			return SNAPADM_USAGE;
		}
	}
	if (batch && optind < argc)
		return snapadm_usage_error(&adm, "-b FILE takes no command");
	if (!batch && optind >= argc)
		return snapadm_usage_error(&adm, "no command (snapadm -h lists them)");
	ret = batch ? batch_run_file(&adm, batch) :
		      snapadm_settle(&adm, snapadm_run(&adm, argc - optind, argv + optind));
	snapadm_release(&adm);
	snapadm_plugins_release();
	return ret;
}
