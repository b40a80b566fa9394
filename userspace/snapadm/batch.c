// SPDX-License-Identifier: GPL-2.0
/* snapadm -b FILE: run a file of commands in one process. */
#include "batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* Copies a quoted part starting after its opening quote; NULL if unclosed. */
static const char *copy_quoted(const char *p, char quote, char **o)
{
	for (; *p && *p != quote; p++) {
		if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*(*o)++ = *p;
	}
	return *p ? p + 1 : NULL;
}

/* Copies one word; returns where it ends, or NULL on an unclosed quote. */
static const char *copy_word(const char *p, char **o)
{
	while (*p && !is_blank(*p)) {
		if (*p == '\'' || *p == '"') {
			p = copy_quoted(p + 1, *p, o);
			if (!p)
				return NULL;
		} else if (*p == '\\' && p[1]) {
			*(*o)++ = p[1];
			p += 2;
		} else {
			*(*o)++ = *p++;
		}
	}
	return p;
}

int batch_tokenize(const char *line, struct batch_line *out, const char **why)
{
	size_t len = strlen(line);
	const char *p = line;
	char *o;

	memset(out, 0, sizeof(*out));
	/* Words are never longer than the line, nor more than half of it. */
	out->buf = malloc(len + 1);
	out->argv = calloc(len / 2 + 2, sizeof(*out->argv));
	if (!out->buf || !out->argv) {
		batch_line_free(out);
		*why = "out of memory";
		return -1;
	}
	o = out->buf;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		out->argv[out->argc++] = o;
		p = copy_word(p, &o);
		if (!p) {
			batch_line_free(out);
			*why = "unterminated quote";
			return -1;
		}
		*o++ = '\0';
	}
	out->argv[out->argc] = NULL;
	return 0;
}

void batch_line_free(struct batch_line *l)
{
	free(l->buf);
	free(l->argv);
	memset(l, 0, sizeof(*l));
}

void batch_strip_tool(struct batch_line *l)
{
	static const char *const tools[] = {
		"snapadm", "snap_rpc.py", "spdk_rpc.py", "rpc.py",
	};
	const char *base;

	if (!l->argc)
		return;
	base = strrchr(l->argv[0], '/');
	base = base ? base + 1 : l->argv[0];
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (strcmp(base, tools[i]))
			continue;
		memmove(l->argv, l->argv + 1, (size_t)l->argc * sizeof(*l->argv));
		l->argc--;
		return;
	}
}

static int run_line(struct snapadm *adm, const char *text)
{
	struct batch_line l;
	const char *why;
	int ret;

	if (batch_tokenize(text, &l, &why))
		return snapadm_fail(adm, "%s", why);
	batch_strip_tool(&l);
	ret = l.argc ? snapadm_run(adm, l.argc, l.argv) : SNAPADM_OK;
	batch_line_free(&l);
	return ret;
}

int batch_run(struct snapadm *adm, FILE *f, const char *name)
{
	char *line = NULL, where[4096 + 32];
	size_t cap = 0;
	unsigned long lineno = 0;
	int ret = SNAPADM_OK;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%lu", name, lineno);
		adm->where = where;
		adm->cmd_name = NULL;
		/* Any failure stops the file: later lines may depend on it. */
		if (snapadm_settle(adm, run_line(adm, line))) {
			ret = SNAPADM_FAILED;
			break;
		}
	}
	adm->where = NULL;
	adm->cmd_name = NULL;
	if (!ret && ferror(f))
		ret = snapadm_fail(adm, "%s: %s", name, strerror(errno));
	free(line);
	return ret;
}

int batch_run_file(struct snapadm *adm, const char *path)
{
	FILE *f;
	int ret;

	if (!strcmp(path, "-"))
		return batch_run(adm, stdin, "<stdin>");
	f = fopen(path, "r");
	if (!f)
		return snapadm_fail(adm, "%s: %s", path, strerror(errno));
	ret = batch_run(adm, f, path);
	fclose(f);
	return ret;
}
