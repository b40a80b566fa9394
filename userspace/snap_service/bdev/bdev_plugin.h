/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plugin backends (include/snap/plugin.h): the bdev types of the plugins
 * loaded at start, behind the same struct bdev as the built-in ones.
 */
#ifndef SNAP_BDEV_PLUGIN_H
#define SNAP_BDEV_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "bdev.h"
#include "plugin_load.h"

/*
 * Loads a plugin (a path, or a name under the plugin directory) and adds
 * its bdev types. 0, or -1 with the reason in err and nothing added: a
 * second load of the same file, a type another plugin already provides.
 */
int bdev_plugin_load(const char *spec, char *err, size_t errlen);
/* Unloads every plugin; their bdevs must be destroyed first. */
void bdev_plugins_unload(void);
/* "passthru 1.0 (ext_passthru)" per loaded plugin, for the start-up log. */
void bdev_plugins_describe(void (*fn)(const char *line));

/* How plugins find the bdevs they stack on: a ready bdev by name. */
typedef struct bdev *(*bdev_lookup_fn)(void *arg, const char *name);
void bdev_plugins_set_lookup(bdev_lookup_fn fn, void *arg);

/*
 * Opens plugin bdev name from its definition ("TYPE KEY=VALUE ...") with
 * the block size the module recorded; NULL with the reason in err.
 */
struct bdev *bdev_plugin_create(const char *name, const char *def,
				uint32_t block_size, char *err, size_t errlen);

#endif
