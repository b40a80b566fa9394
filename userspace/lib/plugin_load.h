/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading snap plugins (include/snap/plugin.h), shared by snap_service,
 * which takes their bdev types, and snapadm, which takes their commands.
 */
#ifndef SNAP_PLUGIN_LOAD_H
#define SNAP_PLUGIN_LOAD_H

#include <stddef.h>

#include <snap/plugin.h>

/* Where a plugin named without a '/' is looked for: DIR/NAME.so. */
#ifndef SNAP_PLUGIN_DIR
#define SNAP_PLUGIN_DIR "/usr/lib/snap/plugins"
#endif

/* Plugins one program loads at most. */
#define SNAP_PLUGINS_MAX 16

/* The environment variable listing plugins, ':' between them. */
#define SNAP_PLUGINS_ENV "SNAP_PLUGINS"

struct snap_plugin_loaded {
	void *handle;
	const struct snap_plugin *desc;
	char path[4096];
};

/*
 * Loads the plugin spec names (a path, or a name under SNAP_PLUGIN_DIR)
 * and checks its ABI version and tables. 0, or -1 with a one-line reason
 * in err: nothing stays loaded then.
 */
int snap_plugin_load(const char *spec, struct snap_plugin_loaded *out,
		     char *err, size_t errlen);
void snap_plugin_unload(struct snap_plugin_loaded *p);

/*
 * Calls fn for each entry of a ':'-separated list (empty entries
 * skipped); stops at and returns fn's first non-zero result.
 */
int snap_plugin_list_each(const char *list, int (*fn)(const char *spec, void *arg),
			  void *arg);

/* The bdev type word of a plugin bdev's definition, into buf. 0 or -1. */
int snap_plugin_def_type(const char *def, char *buf, size_t len);
/* The definition after its type word (never NULL). */
const char *snap_plugin_def_params(const char *def);
/* KEY's value in KEY=VALUE words: 0, -ENOENT, -ENAMETOOLONG. */
int snap_plugin_param(const char *params, const char *key, char *buf, size_t len);

#endif
