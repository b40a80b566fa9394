// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: the admin tool of snap. It keeps the command names and flags of
 * DOCA SNAP-4's snap_rpc.py and SPDK's spdk_rpc.py so their users' scripts
 * work with "snapadm" in place of the RPC client.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/snap.h>

#include "json.h"
#include "snapadm.h"

static int cmd_version(struct snapadm *adm, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (adm->json) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_start(&w);
		json_kv_string(&w, "version", SNAP_VERSION);
		json_kv_uint(&w, "abi_major", SNAP_ABI_MAJOR);
		json_kv_uint(&w, "abi_minor", SNAP_ABI_MINOR);
		json_object_end(&w);
		return json_finish(&w) ? 1 : 0;
	}
	printf("snapadm %s (ABI %u.%u)\n", SNAP_VERSION, SNAP_ABI_MAJOR,
	       SNAP_ABI_MINOR);
	return 0;
}

static const struct snapadm_cmd commands[] = {
	{ "version", cmd_version, "print the tool version and ABI" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: snapadm [-j] [-b FILE] COMMAND [ARGS]\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     this text\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-36s %s\n", commands[i].name, commands[i].help);
}

static const struct snapadm_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapadm adm = { 0 };
	const struct snapadm_cmd *cmd;
	int c;

	/* "+": options after the command name belong to the command. */
	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			adm.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "snapadm: unknown command '%s'\n", argv[optind]);
		return 2;
	}
	return cmd->run(&adm, argc - optind, argv + optind);
}
