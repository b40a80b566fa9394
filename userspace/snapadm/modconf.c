// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm config, the text side: modinfo parameter descriptions, modprobe
 * options strings and the rewrite of modprobe.d/snap.conf.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"

#define SNAP_MODULE "snap"

const char *config_dir(void)
{
	const char *dir = getenv("SNAP_MODPROBE_D");

	return dir && *dir ? dir : "/etc/modprobe.d";
}

/* parse_uint over s[0..n) */
static int parse_uint_n(const char *s, size_t n, uint64_t *out)
{
	char buf[32];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_uint(buf, UINT64_MAX, out) ? -1 : 0;
}

int param_parse_ranges(const char *text, struct param_range *r, int max)
{
	size_t len = strlen(text);
	const char *p, *end;
	int n = 0;

	if (len < 3 || text[0] != '[' || text[len - 1] != ']')
		return -1;
	p = text + 1;
	end = text + len - 1;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;
		const char *dash = memchr(p, '-', (size_t)(item_end - p));

		if (n == max)
			return -1;
		if (dash) {
			if (parse_uint_n(p, (size_t)(dash - p), &r[n].lo) ||
			    parse_uint_n(dash + 1, (size_t)(item_end - dash - 1), &r[n].hi) ||
			    r[n].lo > r[n].hi)
				return -1;
		} else {
			if (parse_uint_n(p, (size_t)(item_end - p), &r[n].lo))
				return -1;
			r[n].hi = r[n].lo;
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
		if (p == end)
			return -1;	/* "[0,]" */
	}
	return n ? n : -1;
}

bool param_accepts(const struct snap_param *p, uint64_t v)
{
	if (!p->nranges)
		return p->wide || v <= UINT32_MAX;
	for (int i = 0; i < p->nranges; i++)
		if (v >= p->ranges[i].lo && v <= p->ranges[i].hi)
			return true;
	return false;
}

void param_apply_type(struct snap_param *params, int n, const char *parmtype)
{
	const char *colon = parmtype ? strchr(parmtype, ':') : NULL;
	const char *type;

	if (!colon)
		return;
	type = colon + 1;
	for (int i = 0; i < n; i++) {
		if (strlen(params[i].name) != (size_t)(colon - parmtype) ||
		    strncmp(params[i].name, parmtype, (size_t)(colon - parmtype)))
			continue;
		params[i].wide = !strcmp(type, "ulong") || !strcmp(type, "ullong");
		return;
	}
}

int param_parse_value(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() would also take blanks, a sign, or "0x" alone as 0. */
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

static void trim_copy(char *dst, size_t len, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Finds the last occurrence of needle in s, before limit. */
static const char *find_last(const char *s, const char *limit,
			     const char *needle)
{
	const char *found = NULL;

	for (const char *p = strstr(s, needle); p && p < limit;
	     p = strstr(p + 1, needle))
		found = p;
	return found;
}

int param_parse_modinfo(const char *value, struct snap_param *p)
{
	const char *colon = strchr(value, ':');
	const char *text, *end, *def, *open;

	memset(p, 0, sizeof(*p));
	if (!colon || colon == value || (size_t)(colon - value) >= sizeof(p->name))
		return -1;
	memcpy(p->name, value, (size_t)(colon - value));
	text = colon + 1;
	end = text + strlen(text);

	def = find_last(text, end, "(default ");
	if (def) {
		const char *num = def + strlen("(default ");
		const char *close = strchr(num, ')');

		if (close && !parse_uint_n(num, (size_t)(close - num), &p->def))
			p->has_def = true;
		end = def;
	}
	open = find_last(text, end, "[");
	if (open) {
		const char *close = strchr(open, ']');

		if (close && close < end &&
		    (size_t)(close - open + 1) < sizeof(p->range)) {
			memcpy(p->range, open, (size_t)(close - open + 1));
			p->nranges = param_parse_ranges(p->range, p->ranges,
							PARAM_RANGES_MAX);
			if (p->nranges < 0) {
				p->nranges = 0;
				p->range[0] = '\0';
			} else {
				end = open;
			}
		}
	}
	trim_copy(p->desc, sizeof(p->desc), text, (size_t)(end - text));
	return 0;
}

static bool param_name_eq(const char *a, size_t alen, const char *b)
{
	if (strlen(b) != alen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/* Copies value text, without the double quotes modprobe allows around it. */
static void copy_value(char *out, size_t len, const char *v, size_t n)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* One word of an options string: name=value, or a bare name. */
struct option_word {
	const char *name;
	size_t name_len;
	const char *value;	/* NULL for a bare name */
	size_t value_len;
};

/* Reads the word at *p and moves past it; false when none is left. */
static bool next_option_word(const char **p, struct option_word *w)
{
	const char *s = *p, *tok, *eq;
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	tok = s;
	/* A quoted value may hold spaces: a="x y". */
	for (bool quoted = false; *s && (quoted || !isspace((unsigned char)*s)); s++)
		if (*s == '"')
			quoted = !quoted;
	n = (size_t)(s - tok);
	eq = memchr(tok, '=', n);
	w->name = tok;
	w->name_len = eq ? (size_t)(eq - tok) : n;
	w->value = eq ? eq + 1 : NULL;
	w->value_len = eq ? n - w->name_len - 1 : 0;
	*p = s;
	return true;
}

int modprobe_option_value(const char *options, const char *name,
			  char *out, size_t len)
{
	struct option_word w;
	int found = 0;

	while (options && next_option_word(&options, &w)) {
		if (!param_name_eq(w.name, w.name_len, name))
			continue;
		/* A bare name sets a bool parameter. */
		if (w.value)
			copy_value(out, len, w.value, w.value_len);
		else
			snprintf(out, len, "1");
		found = 1;
	}
	return found;
}

/* ---- snap.conf rewrite ---- */

#define CONF_MAX_OPTIONS 64

struct conf_options {
	char name[CONF_MAX_OPTIONS][PARAM_NAME_MAX];
	char value[CONF_MAX_OPTIONS][PARAM_TEXT_MAX];
	int n;
};

static int options_set(struct conf_options *o, const char *name, size_t nlen,
		       const char *value, size_t vlen)
{
	int i;

	if (nlen >= PARAM_NAME_MAX || vlen >= PARAM_TEXT_MAX)
		return -1;
	for (i = 0; i < o->n; i++)
		if (param_name_eq(name, nlen, o->name[i]))
			break;
	if (i == o->n) {
		if (o->n == CONF_MAX_OPTIONS)
			return -1;
		memcpy(o->name[i], name, nlen);
		o->name[i][nlen] = '\0';
		o->n++;
	}
	memcpy(o->value[i], value, vlen);
	o->value[i][vlen] = '\0';
	return 0;
}

/* The words after "options snap" on a line, or NULL when it is not one. */
static const char *snap_options_args(const char *line)
{
	const char *p = line;

	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "options", 7) || !isspace((unsigned char)p[7]))
		return NULL;
	p += 7;
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, SNAP_MODULE, strlen(SNAP_MODULE)))
		return NULL;
	p += strlen(SNAP_MODULE);
	if (*p && !isspace((unsigned char)*p))
		return NULL;	/* "options snapfoo" */
	return p;
}

static int collect_options(struct conf_options *o, const char *args)
{
	struct option_word w;

	while (next_option_word(&args, &w))
		if (options_set(o, w.name, w.name_len, w.value ? w.value : "",
				w.value_len))
			return -1;
	return 0;
}

static char *read_file(const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	char *data = NULL;
	size_t size = 0;
	FILE *mem;
	int c;

	if (!f) {
		if (errno == ENOENT)
			return strdup("");
		msgf(err, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	mem = open_memstream(&data, &size);
	if (!mem) {
		fclose(f);
		msgf(err, len, "out of memory");
		return NULL;
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(f);
	fclose(mem);
	return data;
}

static void write_options_line(FILE *out, const struct conf_options *o)
{
	fputs("options " SNAP_MODULE, out);
	for (int i = 0; i < o->n; i++) {
		if (o->value[i][0])
			fprintf(out, " %s=%s", o->name[i], o->value[i]);
		else
			fprintf(out, " %s", o->name[i]);
	}
	fputc('\n', out);
}

struct lines {
	char **v;
	size_t n;
};

/* Cuts text into its lines, in place; a final newline ends the last line. */
static int split_lines(char *text, struct lines *l)
{
	size_t cap = 1;

	for (const char *p = text; *p; p++)
		cap += *p == '\n';
	l->v = calloc(cap, sizeof(*l->v));
	l->n = 0;
	if (!l->v)
		return -1;
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');

		l->v[l->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return 0;
}

static int gather_options(struct conf_options *o, const struct lines *l,
			  const struct param_assignment *set, int n)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *args = snap_options_args(l->v[i]);

		if (args && collect_options(o, args))
			return -1;
	}
	for (int i = 0; i < n; i++)
		if (options_set(o, set[i].name, strlen(set[i].name),
				set[i].value, strlen(set[i].value)))
			return -1;
	return 0;
}

/* Every line but the "options snap" ones; those become one, where the first was. */
static int render_conf(char *old, const struct param_assignment *set, int n,
		       char **out, size_t *out_len, char *err, size_t len)
{
	struct conf_options *o = calloc(1, sizeof(*o));
	struct lines l = { 0 };
	bool placed = false;
	FILE *mem = NULL;
	int ret = -1;

	if (!o || split_lines(old, &l) || !(mem = open_memstream(out, out_len))) {
		msgf(err, len, "out of memory");
		goto out;
	}
	if (gather_options(o, &l, set, n)) {
		msgf(err, len, "too many or too long snap options");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (!snap_options_args(l.v[i])) {
			fprintf(mem, "%s\n", l.v[i]);
			continue;
		}
		if (!placed)
			write_options_line(mem, o);
		placed = true;
	}
	if (!placed)
		write_options_line(mem, o);
	ret = 0;
out:
	if (mem)
		fclose(mem);
	free(l.v);
	free(o);
	return ret;
}

static int replace_file(const char *path, const char *data, size_t size,
			char *err, size_t len)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return msgf(err, len, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return msgf(err, len, "cannot write %s: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return msgf(err, len, "cannot write %s: %s", path, strerror(errno));
	}
	fchmod(fd, 0644);
	if (fwrite(data, 1, size, f) != size || fflush(f) || fsync(fd)) {
		msgf(err, len, "cannot write %s: %s", path, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	/* rename() keeps readers from ever seeing half a file. */
	if (rename(tmp, path)) {
		msgf(err, len, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int snapconf_update(const char *path, const struct param_assignment *set,
		    int n, char *err, size_t len)
{
	char *old = read_file(path, err, len);
	char *data = NULL;
	size_t size = 0;
	int ret;

	if (!old)
		return -1;
	ret = render_conf(old, set, n, &data, &size, err, len);
	if (!ret)
		ret = replace_file(path, data, size, err, len);
	free(data);
	free(old);
	return ret;
}
