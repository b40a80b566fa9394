/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_CONFIG_H
#define SNAPADM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * snapadm config: the snap module's parameters seen the way mlxconfig -e
 * shows firmware settings. Their names, ranges and defaults come from the
 * module's modinfo ("parm" = "name:text [0,2-32] (default N)"), the next
 * values from the modprobe.d "options snap" lines, read with libkmod.
 */
#define PARAM_NAME_MAX		64
#define PARAM_TEXT_MAX		256
#define PARAM_RANGES_MAX	8
#define PARAM_VALUE_MAX		32

struct param_range {
	uint64_t lo;
	uint64_t hi;
};

struct snap_param {
	char name[PARAM_NAME_MAX];
	char desc[PARAM_TEXT_MAX];	/* without range and default */
	char range[PARAM_NAME_MAX];	/* "[0,2-32]" as written, "" if none */
	struct param_range ranges[PARAM_RANGES_MAX];
	int nranges;			/* 0: any unsigned value */
	uint64_t def;
	bool has_def;
	bool wide;			/* ulong/ullong: 64 bits, else 32 */
};

/* "[0,2-32]" -> {0-0}, {2-32}; returns the count, or -1 when malformed. */
int param_parse_ranges(const char *text, struct param_range *r, int max);

/* A modinfo "parm" value; returns 0, or -1 when it has no name. */
int param_parse_modinfo(const char *value, struct snap_param *p);

bool param_accepts(const struct snap_param *p, uint64_t v);

/*
 * A modinfo "parmtype" value ("sim_mem_start:ulong") marks that parameter
 * of params[0..n) wide when its type holds 64 bits; others are untouched.
 */
void param_apply_type(struct snap_param *params, int n, const char *parmtype);

/*
 * A parameter's value read the way the kernel reads it when the module
 * loads (kstrto*() with base 0): decimal, hexadecimal after 0x or 0X,
 * octal after a leading 0, and nothing around the digits. snapadm writes
 * the text as given, so it checks the number the kernel will load.
 * Returns 0, -EINVAL when it is no such number, -ERANGE past 64 bits.
 */
int param_parse_value(const char *s, uint64_t *out);

/*
 * The value name gets from a modprobe options string ("a=1 b=2", what
 * kmod_module_get_options() returns; the last one wins, '-' equals '_').
 * Returns 1 and the value in out, or 0 when the string does not set it.
 */
int modprobe_option_value(const char *options, const char *name,
			  char *out, size_t len);

struct param_assignment {
	const char *name;
	const char *value;
};

/*
 * Rewrites the modprobe.d file at path so that it has one
 * "options snap a=b c=d" line holding every parameter its existing
 * "options snap" lines set, updated with the n assignments; other lines are
 * kept as they were. A missing file is created. Returns 0, or -1 with the
 * reason in err.
 */
int snapconf_update(const char *path, const struct param_assignment *set,
		    int n, char *err, size_t len);

/* The modprobe.d directory: $SNAP_MODPROBE_D or /etc/modprobe.d. */
const char *config_dir(void);

#endif
