// SPDX-License-Identifier: GPL-2.0
/* snapadm: argparse-compatible option parsing driven by struct opt_def. */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int msgf(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned int)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int uuid_parse(const char *s, uint8_t out[16])
{
	/* Offsets of the dashes in 8-4-4-4-12. */
	static const int dash[] = { 8, 13, 18, 23 };
	size_t n = 0;

	if (!s || strlen(s) != 36)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++)
		if (s[dash[i]] != '-')
			return -EINVAL;
	for (size_t i = 0; i < 36; i++) {
		int hi, lo;

		if (s[i] == '-')
			continue;
		hi = hex_value(s[i]);
		lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return n == 16 ? 0 : -EINVAL;
}

void uuid_format(const uint8_t in[16], char out[UUID_STR_LEN])
{
	snprintf(out, UUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
		 in[8], in[9], in[10], in[11], in[12], in[13], in[14], in[15]);
}

int size_mb_to_blocks(const char *size_mb, uint64_t block_size,
		      uint64_t *num_blocks, const char **why)
{
	static const uint64_t pow10[] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
		100000000, 1000000000,
	};
	uint64_t whole = 0, frac = 0, bytes;
	unsigned int frac_digits = 0;
	const char *p = size_mb;
	bool digits = false;

	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		if (whole > (UINT64_MAX >> 20) / 10) {
			*why = "size is too large";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (frac_digits == 9) {
				*why = "size has too many decimals";
				return -1;
			}
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_digits++;
		}
	}
	if (*p || !digits) {
		*why = "size is not a number of MiB";
		return -1;
	}
	if (whole > (UINT64_MAX >> 20)) {
		*why = "size is too large";
		return -1;
	}
	/* frac < 10^9, so frac << 20 cannot overflow. */
	if ((frac << 20) % pow10[frac_digits]) {
		*why = "size is not a whole number of bytes";
		return -1;
	}
	bytes = (whole << 20) + (frac << 20) / pow10[frac_digits];
	if (!bytes) {
		*why = "size must be greater than 0";
		return -1;
	}
	if (!block_size) {
		*why = "block size must be greater than 0";
		return -1;
	}
	if (bytes % block_size) {
		*why = "size is not a whole number of blocks";
		return -1;
	}
	*num_blocks = bytes / block_size;
	return 0;
}

/* '-' and '_' are interchangeable in long names. */
static bool long_name_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
		if (!x)
			return true;
	}
	return true;
}

static int find_long(const struct opt_def *opts, const char *name,
		     size_t n, char *msg, size_t len)
{
	int found = -1;

	for (int i = 0; opts && opts[i].lng; i++)
		if (strlen(opts[i].lng) == n &&
		    long_name_eq(opts[i].lng, name, n))
			return i;
	/* argparse accepts any unambiguous prefix of a long option. */
	for (int i = 0; opts && opts[i].lng; i++) {
		if (strlen(opts[i].lng) < n ||
		    !long_name_eq(opts[i].lng, name, n))
			continue;
		if (found >= 0)
			return msgf(msg, len, "ambiguous option: --%.*s could match --%s, --%s",
				    (int)n, name, opts[found].lng, opts[i].lng);
		found = i;
	}
	if (found < 0)
		return msgf(msg, len, "unrecognized argument: --%.*s", (int)n, name);
	return found;
}

static int find_short(const struct opt_def *opts, const char *name,
		      const char **attached)
{
	*attached = NULL;
	for (int i = 0; opts && opts[i].lng; i++)
		if (opts[i].shrt && !strcmp(opts[i].shrt, name))
			return i;
	/* "-n1": a one-letter short option with its value attached. */
	for (int i = 0; opts && opts[i].lng; i++)
		if (opts[i].shrt && opts[i].shrt[0] == name[0] &&
		    !opts[i].shrt[1]) {
			*attached = name + 1;
			return i;
		}
	return -1;
}

static bool takes_value(const struct opt_def *d)
{
	return d->type != OPT_FLAG && d->type != OPT_SET_U8 &&
	       d->type != OPT_UNSUPPORTED;
}

/* How an option is named in messages: --nqn, or the positional's name. */
static void display_name(const struct opt_def *d, bool positional,
			 char *buf, size_t len)
{
	snprintf(buf, len, positional ? "%s" : "--%s", d->lng);
}

static int convert_value(const struct opt_def *d, bool positional,
			 const char *text, struct arg_val *v,
			 char *msg, size_t len)
{
	char name[80];
	uint64_t max = d->type == OPT_U8 ? UINT8_MAX : UINT32_MAX;
	int ret;

	display_name(d, positional, name, sizeof(name));
	v->str = text;
	switch (d->type) {
	case OPT_U8:
	case OPT_U32:
		ret = parse_uint(text, max, &v->num);
		if (ret == -ERANGE)
			return msgf(msg, len, "%s: %s is out of range (max %llu)",
				    name, text, (unsigned long long)max);
		if (ret)
			return msgf(msg, len, "%s: invalid number '%s'", name, text);
		break;
	case OPT_UUID:
		if (uuid_parse(text, v->uuid))
			return msgf(msg, len,
				    "%s: invalid uuid '%s' (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
				    name, text);
		break;
	default:
		break;
	}
	v->set = true;
	return 0;
}

struct cursor {
	int argc;
	char **argv;
	int i;
};

/* The value of the option at c->i: attached, or the next argument. */
static int option_value(struct cursor *c, const struct opt_def *d,
			const char *attached, const char **value,
			char *msg, size_t len)
{
	if (attached) {
		*value = attached;
		return 0;
	}
	/* As argparse: "-1" is a negative number, no option (none is named
	 * with a digit). */
	if (c->i + 1 >= c->argc ||
	    (c->argv[c->i + 1][0] == '-' && c->argv[c->i + 1][1] &&
	     !(c->argv[c->i + 1][1] >= '0' && c->argv[c->i + 1][1] <= '9')))
		return msgf(msg, len, "--%s: expected one argument", d->lng);
	*value = c->argv[++c->i];
	return 0;
}

static int parse_option(struct parsed_args *a, struct cursor *c,
			char *msg, size_t len)
{
	const char *tok = c->argv[c->i];
	const char *attached = NULL, *value = NULL;
	const struct opt_def *d;
	int idx;

	/* Every command takes these, like argparse's -h, and snapadm's -j. */
	if (!strcmp(tok, "-h") || !strcmp(tok, "--help"))
		return a->help = true, 0;
	if (!strcmp(tok, "-j") || !strcmp(tok, "--json"))
		return a->json = true, 0;

	if (tok[1] == '-') {
		const char *name = tok + 2;
		const char *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);

		idx = find_long(a->opts, name, n, msg, len);
		if (idx < 0)
			return -1;
		if (eq)
			attached = eq + 1;
	} else {
		idx = find_short(a->opts, tok + 1, &attached);
		if (idx < 0)
			return msgf(msg, len, "unrecognized argument: %s", tok);
	}
	d = &a->opts[idx];
	if (d->type == OPT_UNSUPPORTED)
		return msgf(msg, len, "--%s is not supported yet", d->lng);
	if (!takes_value(d)) {
		if (attached)
			return msgf(msg, len, "--%s: ignored explicit argument '%s'",
				    d->lng, attached);
		a->opt[idx].set = true;
		a->opt[idx].str = tok;
		return 0;
	}
	if (option_value(c, d, attached, &value, msg, len))
		return -1;
	return convert_value(d, false, value, &a->opt[idx], msg, len);
}

static int count_defs(const struct opt_def *defs)
{
	int n = 0;

	while (defs && defs[n].lng)
		n++;
	return n;
}

static int parse_positional(struct parsed_args *a, int *npos, bool variadic,
			    char *tok, char *msg, size_t len)
{
	if (*npos < count_defs(a->pos)) {
		int i = (*npos)++;

		return convert_value(&a->pos[i], true, tok, &a->posv[i], msg, len);
	}
	if (!variadic)
		return msgf(msg, len, "unrecognized argument: %s", tok);
	if (a->nrest == ARGS_MAX_REST)
		return msgf(msg, len, "too many arguments");
	a->rest[a->nrest++] = tok;
	return 0;
}

/* "the following arguments are required: --nqn, block_size" */
static int check_required(const struct parsed_args *a, char *msg, size_t len)
{
	size_t used = 0;
	bool missing = false;

	for (int pass = 0; pass < 2; pass++) {
		const struct opt_def *defs = pass ? a->pos : a->opts;
		const struct arg_val *vals = pass ? a->posv : a->opt;

		for (int i = 0; defs && defs[i].lng; i++) {
			if (!(defs[i].flags & OPT_REQUIRED) || vals[i].set)
				continue;
			used += (size_t)snprintf(msg + used, used < len ? len - used : 0,
						 "%s%s%s",
						 missing ? ", " : "the following arguments are required: ",
						 pass ? "" : "--", defs[i].lng);
			missing = true;
			if (used >= len)
				used = len;
		}
	}
	return missing ? -1 : 0;
}

int args_parse(struct parsed_args *a, const struct opt_def *opts,
	       const struct opt_def *pos, bool variadic, int argc, char **argv,
	       char *msg, size_t len)
{
	struct cursor c = { .argc = argc, .argv = argv };
	bool options_done = false;
	int npos = 0;

	memset(a, 0, sizeof(*a));
	a->opts = opts;
	a->pos = pos;
	msg[0] = '\0';
	if (count_defs(opts) > ARGS_MAX_OPTS || count_defs(pos) > ARGS_MAX_POS)
		return msgf(msg, len, "internal error: too many options");

	for (c.i = 1; c.i < argc; c.i++) {
		char *tok = argv[c.i];

		if (!options_done && !strcmp(tok, "--")) {
			options_done = true;
			continue;
		}
		if (!options_done && tok[0] == '-' && tok[1]) {
			if (parse_option(a, &c, msg, len))
				return -1;
			if (a->help)
				return 0;
			continue;
		}
		if (parse_positional(a, &npos, variadic, tok, msg, len))
			return -1;
	}
	return check_required(a, msg, len);
}

static const struct arg_val *find_value(const struct opt_def *defs,
				       const struct arg_val *vals,
				       const char *lng)
{
	for (int i = 0; defs && defs[i].lng; i++)
		if (!strcmp(defs[i].lng, lng) && vals[i].set)
			return &vals[i];
	return NULL;
}

const struct arg_val *args_get_opt(const struct parsed_args *a, const char *lng)
{
	return find_value(a->opts, a->opt, lng);
}

const struct arg_val *args_get_pos(const struct parsed_args *a, const char *lng)
{
	return find_value(a->pos, a->posv, lng);
}

const struct arg_val *args_get(const struct parsed_args *a, const char *lng)
{
	const struct arg_val *v = args_get_opt(a, lng);

	return v ? v : args_get_pos(a, lng);
}

bool args_find_attr(const struct parsed_args *a, int attr, char *name,
		    size_t len, const char **value)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct opt_def *defs = pass ? a->pos : a->opts;
		const struct arg_val *vals = pass ? a->posv : a->opt;

		for (int i = 0; defs && defs[i].lng; i++) {
			if (!vals[i].set || defs[i].attr != attr || !attr)
				continue;
			display_name(&defs[i], pass == 1, name, len);
			*value = vals[i].str;
			return true;
		}
	}
	return false;
}

bool args_has(const struct parsed_args *a, const char *lng)
{
	return args_get(a, lng) != NULL;
}

static void upper(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

static void usage_option(FILE *out, const struct opt_def *d)
{
	char meta[64];
	bool req = d->flags & OPT_REQUIRED;

	upper(d->lng, meta, sizeof(meta));
	fputs(req ? " " : " [", out);
	if (d->shrt)
		fprintf(out, "-%s/", d->shrt);
	fprintf(out, "--%s", d->lng);
	if (takes_value(d))
		fprintf(out, " %s", meta);
	fputs(req ? "" : "]", out);
}

void args_usage(FILE *out, const char *name, const struct opt_def *opts,
		const struct opt_def *pos, bool variadic)
{
	fprintf(out, "usage: snapadm %s", name);
	for (int i = 0; opts && opts[i].lng; i++)
		if (opts[i].type != OPT_UNSUPPORTED)
			usage_option(out, &opts[i]);
	for (int i = 0; pos && pos[i].lng; i++)
		fprintf(out, (pos[i].flags & OPT_REQUIRED) ? " %s" : " [%s]",
			pos[i].lng);
	fputs(variadic ? " ...\n" : "\n", out);
	for (int i = 0; pos && pos[i].lng; i++)
		fprintf(out, "  %-28s %s\n", pos[i].lng,
			pos[i].help ? pos[i].help : "");
	for (int i = 0; opts && opts[i].lng; i++) {
		char flag[64];

		snprintf(flag, sizeof(flag), "%s%s%s--%s",
			 opts[i].shrt ? "-" : "", opts[i].shrt ? opts[i].shrt : "",
			 opts[i].shrt ? ", " : "", opts[i].lng);
		fprintf(out, "  %-28s %s\n", flag,
			opts[i].type == OPT_UNSUPPORTED ? "not supported yet" :
			opts[i].help ? opts[i].help : "");
	}
}
