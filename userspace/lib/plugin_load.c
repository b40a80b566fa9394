// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and checking snap plugins. Every refusal names the plugin and
 * the reason in one line, and leaves nothing loaded: a bad plugin must not
 * take down the daemon that tried it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "plugin_load.h"

static int resolve(const char *spec, char *path, size_t len)
{
	int n;

	if (strchr(spec, '/'))
		n = snprintf(path, len, "%s", spec);
	else
		n = snprintf(path, len, "%s/%s%s", SNAP_PLUGIN_DIR, spec,
			     strstr(spec, ".so") ? "" : ".so");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static bool bdev_type_ok(const struct snap_plugin_bdev_type *t, char *why,
			 size_t len)
{
	const char *missing = !t->open ? "open" : !t->close ? "close" :
			      !t->submit ? "submit" : NULL;

	if (missing)
		snprintf(why, len, "bdev type %s has no %s", t->name, missing);
	else if (strpbrk(t->name, " \t=") || !*t->name)
		snprintf(why, len, "bdev type name '%s' is not one word", t->name);
	return !missing && !*why;
}

static bool cmd_ok(const struct snap_plugin_cmd *c, char *why, size_t len)
{
	if (c->action != SNAP_PLUGIN_CMD_CREATE && c->action != SNAP_PLUGIN_CMD_DELETE)
		snprintf(why, len, "command %s has unknown action %u", c->name, c->action);
	else if (!c->bdev_type)
		snprintf(why, len, "command %s names no bdev type", c->name);
	return !*why;
}

/* The tables a loader walks must be well formed before anything uses them. */
static bool desc_ok(const struct snap_plugin *d, char *why, size_t len)
{
	*why = '\0';
	if (d->abi_version != SNAP_PLUGIN_ABI_VERSION) {
		snprintf(why, len, "plugin ABI version %u, this program speaks %u",
			 d->abi_version, SNAP_PLUGIN_ABI_VERSION);
		return false;
	}
	if (d->reserved || !d->name) {
		snprintf(why, len, "malformed descriptor (reserved field or no name)");
		return false;
	}
	if (!d->bdev_types || !d->bdev_types[0].name) {
		snprintf(why, len, "provides no bdev type");
		return false;
	}
	for (const struct snap_plugin_bdev_type *t = d->bdev_types; t->name; t++)
		if (!bdev_type_ok(t, why, len))
			return false;
	for (const struct snap_plugin_cmd *c = d->cmds; c && c->name; c++)
		if (!cmd_ok(c, why, len))
			return false;
	return true;
}

int snap_plugin_load(const char *spec, struct snap_plugin_loaded *out,
		     char *err, size_t errlen)
{
	snap_plugin_entry_t entry;
	char why[256];
	void *sym;

	memset(out, 0, sizeof(*out));
	if (resolve(spec, out->path, sizeof(out->path))) {
		snprintf(err, errlen, "plugin %s: name too long", spec);
		return -1;
	}
	/* RTLD_NOW: an unresolved symbol refuses the plugin here, not at
	 * its first I/O. */
	out->handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
	if (!out->handle) {
		snprintf(err, errlen, "plugin %s: %s", spec, dlerror());
		return -1;
	}
	sym = dlsym(out->handle, SNAP_PLUGIN_ENTRY);
	if (!sym) {
		snprintf(err, errlen, "plugin %s: no %s symbol: not a snap plugin",
			 out->path, SNAP_PLUGIN_ENTRY);
		goto err_close;
	}
	/* POSIX guarantees a function pointer survives this round trip. */
	memcpy(&entry, &sym, sizeof(entry));
	out->desc = entry();
	if (!out->desc) {
		snprintf(err, errlen, "plugin %s: %s returned nothing", out->path,
			 SNAP_PLUGIN_ENTRY);
		goto err_close;
	}
	if (!desc_ok(out->desc, why, sizeof(why))) {
		snprintf(err, errlen, "plugin %s: %s", out->path, why);
		goto err_close;
	}
	return 0;

err_close:
	dlclose(out->handle);
	memset(out, 0, sizeof(*out));
	return -1;
}

void snap_plugin_unload(struct snap_plugin_loaded *p)
{
	if (p->handle)
		dlclose(p->handle);
	memset(p, 0, sizeof(*p));
}

int snap_plugin_list_each(const char *list, int (*fn)(const char *spec, void *arg),
			  void *arg)
{
	char spec[4096];

	while (list && *list) {
		const char *end = strchrnul(list, ':');
		size_t n = (size_t)(end - list);
		int ret;

		if (n && n < sizeof(spec)) {
			memcpy(spec, list, n);
			spec[n] = '\0';
			ret = fn(spec, arg);
			if (ret)
				return ret;
		}
		list = *end ? end + 1 : end;
	}
	return 0;
}

static size_t word_len(const char *s)
{
	return strcspn(s, " \t");
}

static const char *skip_blanks(const char *s)
{
	return s + strspn(s, " \t");
}

int snap_plugin_def_type(const char *def, char *buf, size_t len)
{
	size_t n;

	def = skip_blanks(def);
	n = word_len(def);
	if (!n || n >= len || memchr(def, '=', n))
		return -1;
	memcpy(buf, def, n);
	buf[n] = '\0';
	return 0;
}

const char *snap_plugin_def_params(const char *def)
{
	def = skip_blanks(def);
	return skip_blanks(def + word_len(def));
}

int snap_plugin_param(const char *params, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *w = skip_blanks(params); *w; w = skip_blanks(w + word_len(w))) {
		size_t n = word_len(w);

		if (n <= klen || strncmp(w, key, klen) || w[klen] != '=')
			continue;
		n -= klen + 1;
		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(buf, w + klen + 1, n);
		buf[n] = '\0';
		return 0;
	}
	return -ENOENT;
}
