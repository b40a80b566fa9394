/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_JSON_H
#define SNAP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A streaming JSON writer, enough for snapadm's -j output: objects, arrays,
 * strings, integers and booleans, with commas placed for the caller.
 * Pretty-printed with two-space indents, as spdk_rpc.py prints.
 */
#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH];
	bool after_key;
	bool overflow;
	bool compact;
};

void json_init(struct json_writer *w, FILE *out);
/* One line, no spaces: for streams of records such as snapadm monitor -j. */
void json_init_compact(struct json_writer *w, FILE *out);
void json_object_start(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_start(struct json_writer *w);
void json_array_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_uint(struct json_writer *w, uint64_t v);
void json_int(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* Convenience: a key and its value inside an object. */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
void json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);

/* Ends the document; returns -1 when nesting was unbalanced or too deep. */
int json_finish(struct json_writer *w);

#endif
