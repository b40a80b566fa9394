/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_ARGS_H
#define SNAPADM_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Table-driven argument parsing with the conventions of Python's argparse,
 * which snap_rpc.py and spdk_rpc.py are built on: "--long VALUE",
 * "--long=VALUE", single-dash short forms of any length ("-s", "-mn",
 * "-mnan"), "-nVALUE" for one-letter shorts, unique prefixes of long
 * names, "--" to end options, the last of a repeated option wins. '-' and
 * '_' are the same in long names (SPDK spells some either way).
 */

enum opt_type {
	OPT_FLAG,		/* no value; puts a netlink flag */
	OPT_SET_U8,		/* no value; puts u8 `constant` */
	OPT_STR,
	OPT_U8,
	OPT_U32,
	OPT_UUID,		/* canonical 8-4-4-4-12 text, put as 16 bytes */
	OPT_UNSUPPORTED,	/* a SNAP/SPDK flag snapadm refuses */
};

#define OPT_REQUIRED	0x1
#define OPT_NO_ATTR	0	/* read by the command itself */

struct opt_def {
	const char *lng;	/* "nqn" for --nqn; the name of a positional */
	const char *shrt;	/* "s" for -s, "mn" for -mn; NULL when none */
	enum opt_type type;
	uint16_t attr;		/* netlink attribute it fills, or OPT_NO_ATTR */
	unsigned int flags;
	uint8_t constant;	/* OPT_SET_U8 */
	const char *help;
};

/* Ends an opt_def table. */
#define OPT_END { NULL, NULL, 0, 0, 0, 0, NULL }

struct arg_val {
	bool set;
	const char *str;	/* the text as given (points into argv) */
	uint64_t num;		/* OPT_U8 / OPT_U32 */
	uint8_t uuid[16];	/* OPT_UUID */
};

#define ARGS_MAX_OPTS	32
#define ARGS_MAX_POS	4
#define ARGS_MAX_REST	64
#define ARGS_MSG_LEN	256

struct parsed_args {
	const struct opt_def *opts;	/* terminated by lng == NULL */
	const struct opt_def *pos;	/* idem; may be NULL */
	struct arg_val opt[ARGS_MAX_OPTS];
	struct arg_val posv[ARGS_MAX_POS];
	char *rest[ARGS_MAX_REST];	/* extra positionals (variadic commands) */
	int nrest;
	bool help;			/* -h / --help was given */
	bool json;			/* -j / --json after the command name */
};

/*
 * Parses argv (argv[0] is the command name). Returns 0, or -1 with a one-line
 * reason in msg. Extra positionals are an error unless variadic.
 */
int args_parse(struct parsed_args *a, const struct opt_def *opts,
	       const struct opt_def *pos, bool variadic, int argc, char **argv,
	       char *msg, size_t len);

/* The value of an option or positional by its long name, NULL if unset. */
const struct arg_val *args_get(const struct parsed_args *a, const char *lng);
const struct arg_val *args_get_opt(const struct parsed_args *a, const char *lng);
const struct arg_val *args_get_pos(const struct parsed_args *a, const char *lng);
bool args_has(const struct parsed_args *a, const char *lng);

/*
 * The given option or positional that fills netlink attribute attr: its
 * name as messages show it ("--pf_id", "block_size") and its text.
 */
bool args_find_attr(const struct parsed_args *a, int attr, char *name,
		    size_t len, const char **value);

/* Formats a one-line reason into msg; returns -1 for "return msgf(...)". */
int msgf(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Strict unsigned decimal: no sign, no spaces, no trailing text. */
int parse_uint(const char *s, uint64_t max, uint64_t *out);

int uuid_parse(const char *s, uint8_t out[16]);
#define UUID_STR_LEN 37
void uuid_format(const uint8_t in[16], char out[UUID_STR_LEN]);

/*
 * bdev_malloc_create / bdev_null_create size: TOTAL_SIZE in MiB (a decimal,
 * "0.5" allowed as in spdk_rpc.py) into a count of BLOCK_SIZE blocks.
 * Refuses sizes that are not a whole number of blocks. Returns 0 or -1 with
 * the reason in *why.
 */
int size_mb_to_blocks(const char *size_mb, uint64_t block_size,
		      uint64_t *num_blocks, const char **why);

/* "usage: snapadm NAME -s/--nqn NQN [-mn/--model_number MODEL_NUMBER] ..." */
void args_usage(FILE *out, const char *name, const struct opt_def *opts,
		const struct opt_def *pos, bool variadic);

#endif
