// SPDX-License-Identifier: GPL-2.0
#include "json.h"

#include <inttypes.h>

void json_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
	w->overflow = false;
	w->compact = false;
}

void json_init_compact(struct json_writer *w, FILE *out)
{
	json_init(w, out);
	w->compact = true;
}

static void indent(struct json_writer *w)
{
	if (w->compact)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Separates this value from the previous one at the same level. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
	indent(w);
}

static void open_level(struct json_writer *w, char c)
{
	before_value(w);
	fputc(c, w->out);
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->overflow = true;
		return;
	}
	w->depth++;
	w->first[w->depth] = true;
}

static void close_level(struct json_writer *w, char c)
{
	if (w->depth == 0) {
		w->overflow = true;
		return;
	}
	bool empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->out);
}

void json_object_start(struct json_writer *w) { open_level(w, '{'); }
void json_object_end(struct json_writer *w) { close_level(w, '}'); }
void json_array_start(struct json_writer *w) { open_level(w, '['); }
void json_array_end(struct json_writer *w) { close_level(w, ']'); }

static void write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void json_key(struct json_writer *w, const char *key)
{
	before_value(w);
	write_escaped(w->out, key);
	fputs(w->compact ? ":" : ": ", w->out);
	w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
	before_value(w);
	if (s)
		write_escaped(w->out, s);
	else
		fputs("null", w->out);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	before_value(w);
	fprintf(w->out, "%" PRIu64, v);
}

void json_int(struct json_writer *w, int64_t v)
{
	before_value(w);
	fprintf(w->out, "%" PRId64, v);
}

void json_bool(struct json_writer *w, bool v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->out);
}

void json_null(struct json_writer *w)
{
	before_value(w);
	fputs("null", w->out);
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

int json_finish(struct json_writer *w)
{
	fputc('\n', w->out);
	return (w->overflow || w->depth != 0) ? -1 : 0;
}
