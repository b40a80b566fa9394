/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_PLUGIN_H
#define SNAPADM_PLUGIN_H

#include <stddef.h>

#include <snap/plugin.h>

#include "args.h"
#include "snapadm.h"

struct snapadm_cmd;

/*
 * Loads a plugin (a path, or a name in the plugin directory) and adds its
 * commands; a command whose name is taken is skipped with a warning.
 * Returns a status: a plugin that cannot be loaded is a failure.
 */
int snapadm_plugin_load(struct snapadm *adm, const char *spec);
/* The plugins of SNAP_PLUGINS; one that cannot be loaded is only a warning. */
void snapadm_plugins_from_env(struct snapadm *adm);
/* The plugins' commands, NULL-terminated; NULL when there are none. */
const struct snapadm_cmd *snapadm_plugin_commands(void);
void snapadm_plugins_release(void);

/*
 * The definition a create command makes of its arguments ("TYPE KEY=VALUE
 * ..."), and the base bdev it names (NULL when none). 0 or -ENAMETOOLONG.
 */
int plugin_definition(const struct snap_plugin_cmd *pc, const struct parsed_args *a,
		      char *buf, size_t len, const char **base);

#endif
