// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm config query | set PARAM=VALUE...: the module parameters as
 * mlxconfig -e shows firmware settings: the default (modinfo), the current
 * value (the loaded module's sysfs) and the next one (what modprobe.d gives
 * at the next load, the emulated power cycle), all through libkmod.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>

#include "cmds.h"
#include "json.h"

#define SYSFS_PARAMS "/sys/module/snap/parameters"
#define CONFIG_PARAMS_MAX 64

struct module_config {
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	char path[4096];
	struct snap_param params[CONFIG_PARAMS_MAX];
	int n;
	bool loaded;
	const char *options;	/* "a=1 b=2" from modprobe.d, or NULL */
};

/* $SNAP_KO, else the module kmod finds through modules.dep. */
static int find_module(struct snapadm *adm, struct module_config *mc)
{
	const char *ko = getenv("SNAP_KO");
	struct kmod_list *list = NULL;
	const char *path;
	int err;

	if (ko && *ko) {
		err = kmod_module_new_from_path(mc->ctx, ko, &mc->mod);
		if (err < 0)
			return snapadm_fail(adm, "SNAP_KO=%s: %s", ko, strerror(-err));
	} else {
		err = kmod_module_new_from_lookup(mc->ctx, "snap", &list);
		if (err >= 0 && list)
			mc->mod = kmod_module_get_module(list);
		kmod_module_unref_list(list);
	}
	/* A module kmod knows by name only (no modules.dep entry) has no path. */
	path = mc->mod ? kmod_module_get_path(mc->mod) : NULL;
	if (!path)
		return snapadm_fail(adm, "snap.ko is not installed (not in modules.dep); "
				    "set SNAP_KO=/path/to/snap.ko");
	snprintf(mc->path, sizeof(mc->path), "%s", path);
	return SNAPADM_OK;
}

static int read_params(struct snapadm *adm, struct module_config *mc)
{
	struct kmod_list *info = NULL, *l;
	int err = kmod_module_get_info(mc->mod, &info);

	if (err < 0)
		return snapadm_fail(adm, "cannot read the modinfo of %s: %s",
				    mc->path, strerror(-err));
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);

		if (!key || strcmp(key, "parm") || !value ||
		    mc->n == CONFIG_PARAMS_MAX)
			continue;
		if (!param_parse_modinfo(value, &mc->params[mc->n]))
			mc->n++;
	}
	/* The type tells how wide a parameter without a range may be. */
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);

		if (key && !strcmp(key, "parmtype"))
			param_apply_type(mc->params, mc->n,
					 kmod_module_info_get_value(l));
	}
	kmod_module_info_free_list(info);
	if (!mc->n)
		return snapadm_fail(adm, "%s declares no parameters", mc->path);
	/* .modinfo holds them last first; show them in source order, as modinfo does. */
	for (int i = 0, j = mc->n - 1; i < j; i++, j--) {
		struct snap_param t = mc->params[i];

		mc->params[i] = mc->params[j];
		mc->params[j] = t;
	}
	return SNAPADM_OK;
}

static int module_config_load(struct snapadm *adm, struct module_config *mc)
{
	const char *dir = getenv("SNAP_MODPROBE_D");
	const char *paths[] = { dir, NULL };
	int ret;

	memset(mc, 0, sizeof(*mc));
	/* Only $SNAP_MODPROBE_D when set, else every directory modprobe reads. */
	mc->ctx = kmod_new(NULL, dir && *dir ? paths : NULL);
	if (!mc->ctx)
		return snapadm_fail(adm, "cannot initialise libkmod");
	ret = find_module(adm, mc);
	if (!ret)
		ret = read_params(adm, mc);
	if (ret)
		return ret;
	mc->options = kmod_module_get_options(mc->mod);
	mc->loaded = access(SYSFS_PARAMS, F_OK) == 0;
	return SNAPADM_OK;
}

static void module_config_release(struct module_config *mc)
{
	kmod_module_unref(mc->mod);
	kmod_unref(mc->ctx);
}

/* The loaded module's value, "" when not loaded or unreadable. */
static void current_value(const struct module_config *mc, const char *name,
			  char *out, size_t len)
{
	char path[256];
	FILE *f;

	out[0] = '\0';
	if (!mc->loaded)
		return;
	snprintf(path, sizeof(path), SYSFS_PARAMS "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static void next_value(const struct module_config *mc,
		       const struct snap_param *p, char *out, size_t len)
{
	if (mc->options && modprobe_option_value(mc->options, p->name, out, len))
		return;
	if (p->has_def)
		snprintf(out, len, "%llu", (unsigned long long)p->def);
	else
		snprintf(out, len, "-");
}

static void default_value(const struct snap_param *p, char *out, size_t len)
{
	if (p->has_def)
		snprintf(out, len, "%llu", (unsigned long long)p->def);
	else
		snprintf(out, len, "-");
}

/* A value as a JSON number when it is one. */
static void json_value_text(struct json_writer *w, const char *key,
			    const char *v)
{
	uint64_t n;

	json_key(w, key);
	if (!v[0] || !strcmp(v, "-"))
		json_null(w);
	else if (!param_parse_value(v, &n))
		json_uint(w, n);
	else
		json_string(w, v);
}

static void query_json(struct snapadm *adm, const struct module_config *mc)
{
	char file[4096], def[PARAM_VALUE_MAX], cur[PARAM_VALUE_MAX], next[PARAM_VALUE_MAX];
	struct json_writer w;

	snprintf(file, sizeof(file), "%s/snap.conf", config_dir());
	json_init(&w, adm->out);
	json_object_start(&w);
	json_kv_string(&w, "module", mc->path);
	json_kv_bool(&w, "loaded", mc->loaded);
	json_kv_string(&w, "config_file", file);
	json_key(&w, "parameters");
	json_array_start(&w);
	for (int i = 0; i < mc->n; i++) {
		const struct snap_param *p = &mc->params[i];

		default_value(p, def, sizeof(def));
		current_value(mc, p->name, cur, sizeof(cur));
		next_value(mc, p, next, sizeof(next));
		json_object_start(&w);
		json_kv_string(&w, "name", p->name);
		json_kv_string(&w, "description", p->desc);
		if (p->range[0])
			json_kv_string(&w, "range", p->range);
		json_value_text(&w, "default", def);
		json_value_text(&w, "current", cur);
		json_value_text(&w, "next", next);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	json_finish(&w);
}

static void query_table(struct snapadm *adm, const struct module_config *mc)
{
	char def[PARAM_VALUE_MAX], cur[PARAM_VALUE_MAX], next[PARAM_VALUE_MAX];
	int width = 40;
	bool marked = false;

	for (int i = 0; i < mc->n; i++)
		if ((int)strlen(mc->params[i].name) + 4 > width)
			width = (int)strlen(mc->params[i].name) + 4;
	fprintf(adm->out, "Module:         %s\n", mc->path);
	fprintf(adm->out, "State:          %s\n", mc->loaded ? "loaded" : "not loaded");
	fprintf(adm->out, "Config file:    %s/snap.conf\n\n", config_dir());
	fprintf(adm->out, "Configurations:%*s%-16s%-16s%s\n", width - 7, "",
		"Default", "Current", "Next Boot");
	for (int i = 0; i < mc->n; i++) {
		const struct snap_param *p = &mc->params[i];
		bool changed;

		default_value(p, def, sizeof(def));
		current_value(mc, p->name, cur, sizeof(cur));
		next_value(mc, p, next, sizeof(next));
		changed = strcmp(next, def) != 0;
		marked |= changed;
		fprintf(adm->out, "%c       %-*s%-16s%-16s%s\n", changed ? '*' : ' ',
			width, p->name, def, cur[0] ? cur : "-", next);
	}
	if (marked)
		fprintf(adm->out,
			"The '*' shows parameters whose next value differs from the default.\n");
}

static const struct snap_param *find_param(const struct module_config *mc,
					   const char *name, size_t n)
{
	/* mlxconfig spells them in capitals: NVME_EMULATION_ENABLE. */
	for (int i = 0; i < mc->n; i++)
		if (strlen(mc->params[i].name) == n &&
		    !strncasecmp(mc->params[i].name, name, n))
			return &mc->params[i];
	return NULL;
}

/* Checks "NAME=VALUE" against the module's parameters and their ranges. */
static int check_assignment(struct snapadm *adm, const struct module_config *mc,
			    const char *text, struct param_assignment *out)
{
	const char *eq = strchr(text, '=');
	const struct snap_param *p;
	uint64_t v;

	if (!eq || eq == text)
		return snapadm_usage_error(adm, "'%s': expected PARAM=VALUE", text);
	p = find_param(mc, text, (size_t)(eq - text));
	if (!p)
		return snapadm_usage_error(adm, "unknown parameter '%.*s'",
					   (int)(eq - text), text);
	if (param_parse_value(eq + 1, &v))
		return snapadm_usage_error(adm,
					   "%s: '%s' is not an unsigned number (decimal, or hexadecimal after 0x)",
					   p->name, eq + 1);
	if (!param_accepts(p, v))
		return snapadm_usage_error(adm, "%s=%s is out of range %s",
					   p->name, eq + 1, p->range);
	out->name = p->name;
	out->value = eq + 1;
	return SNAPADM_OK;
}

static void set_report(struct snapadm *adm, const char *file,
		       const struct param_assignment *set, int n)
{
	struct json_writer w;

	if (!adm->json) {
		fprintf(adm->out, "Applied to %s:", file);
		for (int i = 0; i < n; i++)
			fprintf(adm->out, " %s=%s", set[i].name, set[i].value);
		fprintf(adm->out,
			"\nReload the snap module (the power cycle of an emulated DPU) to apply.\n");
		return;
	}
	json_init(&w, adm->out);
	json_object_start(&w);
	json_kv_string(&w, "config_file", file);
	json_key(&w, "set");
	json_object_start(&w);
	for (int i = 0; i < n; i++)
		json_value_text(&w, set[i].name, set[i].value);
	json_object_end(&w);
	json_kv_bool(&w, "reload_required", true);
	json_object_end(&w);
	json_finish(&w);
}

static int config_set(struct snapadm *adm, const struct module_config *mc,
		      char *const *assignments, int n)
{
	struct param_assignment *set;
	char file[4096], err[512];
	int ret = SNAPADM_OK;

	if (!n)
		return snapadm_usage_error(adm, "set needs PARAM=VALUE...");
	set = calloc((size_t)n, sizeof(*set));
	if (!set)
		return snapadm_fail(adm, "out of memory");
	for (int i = 0; i < n && !ret; i++)
		ret = check_assignment(adm, mc, assignments[i], &set[i]);
	snprintf(file, sizeof(file), "%s/snap.conf", config_dir());
	if (!ret && snapconf_update(file, set, n, err, sizeof(err)))
		ret = snapadm_fail(adm, "%s", err);
	if (!ret)
		set_report(adm, file, set, n);
	free(set);
	return ret;
}

int config_run(struct snapadm *adm, const struct snapadm_cmd *cmd,
	       const struct parsed_args *a)
{
	const char *action = args_get(a, "action")->str;
	struct module_config *mc;
	int ret;

	(void)cmd;
	if (strcmp(action, "query") && strcmp(action, "set"))
		return snapadm_usage_error(adm, "unknown action '%s' (query or set)",
					   action);
	if (!strcmp(action, "query") && a->nrest)
		return snapadm_usage_error(adm, "query takes no arguments");
	/* Large (the parameter table); keep it off the stack. */
	mc = calloc(1, sizeof(*mc));
	if (!mc)
		return snapadm_fail(adm, "out of memory");
	ret = module_config_load(adm, mc);
	if (!ret && !strcmp(action, "query")) {
		if (adm->json)
			query_json(adm, mc);
		else
			query_table(adm, mc);
	} else if (!ret) {
		ret = config_set(adm, mc, a->rest, a->nrest);
	}
	module_config_release(mc);
	free(mc);
	return ret;
}
