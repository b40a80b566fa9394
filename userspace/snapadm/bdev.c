// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: block devices, with the names, positional arguments and flags of
 * spdk_rpc.py (bdev_malloc_create 32 4096 -b Malloc0).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/snap.h>

#include "cmds.h"
#include "nl.h"

#define BDEV_NAME_REQ { "name", NULL, OPT_STR, SNAP_A_NAME, OPT_REQUIRED, 0, "bdev name" }
#define TOTAL_SIZE_REQ { "total_size", NULL, OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, \
			 "size in MiB" }
#define BLOCK_SIZE_REQ { "block_size", NULL, OPT_U32, SNAP_A_BLOCK_SIZE, OPT_REQUIRED, 0, \
			 "block size in bytes" }
#define UUID_UNSUPPORTED { "uuid", "u", OPT_UNSUPPORTED, 0, 0, 0, NULL }

static int put_u8_type(struct snapadm *adm, struct nl_msg *msg, int type)
{
	if (nla_put_u8(msg, SNAP_A_BDEV_TYPE, (uint8_t)type) < 0)
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

struct used_numbers {
	const char *prefix;
	uint64_t *nums;
	size_t n, cap;
};

/* Records N of every bdev called <prefix>N. */
static int note_number(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct used_numbers *u = arg;
	const char *name = tb[SNAP_A_NAME] ? snap_nla_string(tb[SNAP_A_NAME]) : NULL;
	size_t plen = strlen(u->prefix);
	uint64_t num;

	(void)cmd;
	if (!name || strncmp(name, u->prefix, plen) ||
	    parse_uint(name + plen, UINT32_MAX, &num))
		return 0;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		uint64_t *nums = realloc(u->nums, cap * sizeof(*nums));

		if (!nums)
			return -ENOMEM;
		u->nums = nums;
		u->cap = cap;
	}
	u->nums[u->n++] = num;
	return 0;
}

static bool number_used(const struct used_numbers *u, uint64_t num)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->nums[i] == num)
			return true;
	return false;
}

/* SPDK names an unnamed malloc bdev Malloc<N>; we take the lowest free N. */
static int put_default_name(struct snapadm *adm, struct nl_msg *msg,
			    const char *prefix)
{
	struct used_numbers u = { .prefix = prefix };
	char name[SNAP_NAME_MAX];
	uint64_t num = 0;
	int ret;

	ret = nlcmd_request(adm, SNAP_CMD_BDEV_GET, true, NULL, NULL,
			    note_number, &u);
	while (!ret && number_used(&u, num))
		num++;
	free(u.nums);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "%s%llu", prefix, (unsigned long long)num);
	if (nla_put_string(msg, SNAP_A_NAME, name) < 0)
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

/* malloc and null: TOTAL_SIZE MiB of BLOCK_SIZE blocks. */
static int sized_num_blocks(struct snapadm *adm, const struct parsed_args *a,
			    uint64_t *num_blocks)
{
	const struct arg_val *size = args_get(a, "total_size");
	const struct arg_val *bs = args_get(a, "block_size");
	const char *why;

	if (size_mb_to_blocks(size->str, bs->num, num_blocks, &why))
		return snapadm_usage_error(adm, "%s (total_size %s MiB, block_size %s)",
					   why, size->str, bs->str);
	return SNAPADM_OK;
}

/* Usage errors are found before the module is asked anything. */
static int check_sized(struct snapadm *adm, const struct snapadm_cmd *cmd,
		       const struct parsed_args *a)
{
	uint64_t num_blocks;

	(void)cmd;
	return sized_num_blocks(adm, a, &num_blocks);
}

static int fill_sized(struct snapadm *adm, const struct snapadm_cmd *cmd,
		      const struct parsed_args *a, struct nl_msg *msg)
{
	uint64_t num_blocks;
	int ret;

	ret = sized_num_blocks(adm, a, &num_blocks);
	if (!ret)
		ret = put_u8_type(adm, msg, cmd->aux);
	if (ret)
		return ret;
	if (nla_put_u64(msg, SNAP_A_NUM_BLOCKS, num_blocks) < 0)
		return snapadm_fail(adm, "request too large");
	if (cmd->aux == SNAP_BDEV_MALLOC && !args_has(a, "name"))
		return put_default_name(adm, msg, "Malloc");
	return SNAPADM_OK;
}

/* The kernel wants an absolute path; spdk_rpc.py users give relative ones. */
static int absolute_path(const char *path, char *buf, size_t len)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return snprintf(buf, len, "%s", path) < (int)len ? 0 : -ENAMETOOLONG;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return snprintf(buf, len, "%s/%s", strcmp(cwd, "/") ? cwd : "", path) < (int)len ?
	       0 : -ENAMETOOLONG;
}

/* -b/--block_size and the positional block_size say the same thing. */
static int check_uring(struct snapadm *adm, const struct snapadm_cmd *cmd,
		       const struct parsed_args *a)
{
	const struct arg_val *pos_bs = args_get_pos(a, "block_size");
	const struct arg_val *opt_bs = args_get_opt(a, "block_size");

	(void)cmd;
	if (opt_bs && pos_bs && opt_bs->num != pos_bs->num)
		return snapadm_usage_error(adm, "block size given twice: %s and %s",
					   pos_bs->str, opt_bs->str);
	return SNAPADM_OK;
}

static int fill_uring(struct snapadm *adm, const struct snapadm_cmd *cmd,
		      const struct parsed_args *a, struct nl_msg *msg)
{
	const struct arg_val *file = args_get(a, "filename");
	const struct arg_val *pos_bs = args_get_pos(a, "block_size");
	const struct arg_val *opt_bs = args_get_opt(a, "block_size");
	char path[SNAP_PATH_MAX];
	int ret;

	ret = absolute_path(file->str, path, sizeof(path));
	if (ret)
		return snapadm_fail(adm, "%s: %s", file->str, strerror(-ret));
	ret = put_u8_type(adm, msg, cmd->aux);
	if (ret)
		return ret;
	if (nla_put_string(msg, SNAP_A_FILENAME, path) < 0 ||
	    (opt_bs && !pos_bs &&
	     nla_put_u32(msg, SNAP_A_BLOCK_SIZE, (uint32_t)opt_bs->num) < 0))
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

static int note_bdev(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct bdev_info *bi = arg;

	(void)cmd;
	if (tb[SNAP_A_BDEV_TYPE]) {
		bi->found = true;
		bi->type = nla_get_u8(tb[SNAP_A_BDEV_TYPE]);
	}
	if (tb[SNAP_A_BLOCK_SIZE])
		bi->block_size = nla_get_u32(tb[SNAP_A_BLOCK_SIZE]);
	if (tb[SNAP_A_NUM_BLOCKS])
		bi->num_blocks = nla_get_u64(tb[SNAP_A_NUM_BLOCKS]);
	if (tb[SNAP_A_BDEV_ARGS])
		snprintf(bi->args, sizeof(bi->args), "%s",
			 snap_nla_string(tb[SNAP_A_BDEV_ARGS]));
	bi->ready = tb[SNAP_A_READY] && nla_get_u8(tb[SNAP_A_READY]);
	if (tb[SNAP_A_ERROR])
		snprintf(bi->error, sizeof(bi->error), "%s", snap_nla_string(tb[SNAP_A_ERROR]));
	return 0;
}

static int put_name(struct nl_msg *msg, const void *ctx)
{
	return nla_put_string(msg, SNAP_A_NAME, ctx);
}

int bdev_lookup(struct snapadm *adm, const char *name, struct bdev_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	return nlcmd_request(adm, SNAP_CMD_BDEV_GET, false, put_name, name,
			     note_bdev, bi);
}

int bdev_wrong_type(struct snapadm *adm, const char *name, uint8_t is,
		    unsigned int want)
{
	const char *what = bdev_type_name(is);

	return snapadm_fail(adm, "%s is a %s bdev, not a %s bdev", name,
			    what ? what : "unknown", bdev_type_name(want));
}

/* bdev_malloc_delete deletes malloc bdevs only, as in SPDK. */
static int check_bdev_type(struct snapadm *adm, const struct snapadm_cmd *cmd,
			   const struct parsed_args *a)
{
	const char *name = args_get(a, "name")->str;
	struct bdev_info tc;
	int ret;

	ret = bdev_lookup(adm, name, &tc);
	if (ret || !tc.found || tc.type == cmd->aux)
		return ret;
	return bdev_wrong_type(adm, name, tc.type, (unsigned int)cmd->aux);
}

/*
 * bdev_null_resize NAME NEW_SIZE_MB, as SPDK's: the size in MiB becomes
 * blocks of the bdev's own block size, asked of the module first.
 */
static int fill_null_resize(struct snapadm *adm, const struct snapadm_cmd *cmd,
			    const struct parsed_args *a, struct nl_msg *msg)
{
	const char *name = args_get(a, "name")->str;
	const struct arg_val *size = args_get(a, "new_size");
	struct bdev_info tc;
	uint64_t num_blocks;
	const char *why;
	int ret;

	ret = bdev_lookup(adm, name, &tc);
	if (ret)
		return ret;
	if (!tc.found || !tc.block_size)
		return snapadm_fail(adm, "no bdev %s", name);
	if (tc.type != cmd->aux)
		return bdev_wrong_type(adm, name, tc.type, (unsigned int)cmd->aux);
	if (size_mb_to_blocks(size->str, tc.block_size, &num_blocks, &why))
		return snapadm_usage_error(adm, "%s (new_size %s MiB, block_size %u)",
					   why, size->str, tc.block_size);
	if (nla_put_string(msg, SNAP_A_NAME, name) < 0 ||
	    nla_put_u64(msg, SNAP_A_NUM_BLOCKS, num_blocks) < 0)
		return snapadm_fail(adm, "request too large");
	return SNAPADM_OK;
}

static const struct opt_def sized_pos[] = { TOTAL_SIZE_REQ, BLOCK_SIZE_REQ, OPT_END };

static const struct opt_def null_resize_pos[] = {
	{ "name", NULL, OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "bdev name" },
	{ "new_size", NULL, OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "new size in MiB" },
	OPT_END,
};

static const struct opt_def malloc_create_opts[] = {
	{ "name", "b", OPT_STR, SNAP_A_NAME, 0, 0, "bdev name (default Malloc<N>)" },
	UUID_UNSUPPORTED,
	{ "md_size", "m", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "md_interleave", "i", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "dif_type", "t", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "dif_is_head_of_md", "d", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def null_create_pos[] = {
	BDEV_NAME_REQ, TOTAL_SIZE_REQ, BLOCK_SIZE_REQ, OPT_END,
};

static const struct opt_def null_create_opts[] = {
	UUID_UNSUPPORTED,
	{ "md_size", "m", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "dif_type", "t", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "dif_is_head_of_md", "d", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static const struct opt_def uring_create_pos[] = {
	{ "filename", NULL, OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "backing file or block device" },
	BDEV_NAME_REQ,
	{ "block_size", NULL, OPT_U32, SNAP_A_BLOCK_SIZE, 0, 0, "block size (default 512)" },
	OPT_END,
};

static const struct opt_def uring_create_opts[] = {
	{ "block_size", "b", OPT_U32, OPT_NO_ATTR, 0, 0, "block size (default 512)" },
	UUID_UNSUPPORTED,
	OPT_END,
};

static const struct opt_def name_pos[] = { BDEV_NAME_REQ, OPT_END };

static const struct opt_def list_opts[] = {
	{ "name", "b", OPT_STR, SNAP_A_NAME, 0, 0, "only this bdev" },
	{ "timeout", "t", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

#define BDEV_DELETE(cmdname, type, what)				\
	{								\
		.name = cmdname,					\
		.help = "delete a " what " bdev",			\
		.pos = name_pos,					\
		.action = ACT_DESTROY, .nl_cmd = SNAP_CMD_BDEV_DEL,	\
		.check = check_bdev_type, .aux = type,			\
	}

const struct snapadm_cmd bdev_cmds[] = {
	{
		.name = "bdev_malloc_create",
		.help = "create a RAM bdev: TOTAL_SIZE_MB BLOCK_SIZE -b NAME",
		.opts = malloc_create_opts, .pos = sized_pos,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_BDEV_NEW,
		.obj = &obj_bdev, .key_attr = SNAP_A_NAME,
		.check = check_sized, .fill = fill_sized, .aux = SNAP_BDEV_MALLOC,
	},
	{
		.name = "bdev_null_create",
		.help = "create a null bdev: NAME TOTAL_SIZE_MB BLOCK_SIZE",
		.opts = null_create_opts, .pos = null_create_pos,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_BDEV_NEW,
		.obj = &obj_bdev, .key_attr = SNAP_A_NAME,
		.check = check_sized, .fill = fill_sized, .aux = SNAP_BDEV_NULL,
	},
	{
		.name = "bdev_uring_create",
		.help = "create an io_uring bdev on a file: FILENAME NAME",
		.opts = uring_create_opts, .pos = uring_create_pos,
		.action = ACT_CREATE, .nl_cmd = SNAP_CMD_BDEV_NEW,
		.obj = &obj_bdev, .key_attr = SNAP_A_NAME,
		.check = check_uring, .fill = fill_uring, .aux = SNAP_BDEV_URING,
	},
	BDEV_DELETE("bdev_malloc_delete", SNAP_BDEV_MALLOC, "malloc"),
	BDEV_DELETE("bdev_null_delete", SNAP_BDEV_NULL, "null"),
	BDEV_DELETE("bdev_uring_delete", SNAP_BDEV_URING, "uring"),
	{
		.name = "bdev_null_resize",
		.help = "resize a null bdev: NAME NEW_SIZE_MB (a bdev in use only grows)",
		.pos = null_resize_pos,
		.action = ACT_CHANGE, .nl_cmd = SNAP_CMD_BDEV_RESIZE,
		.obj = &obj_bdev,
		.fill = fill_null_resize, .aux = SNAP_BDEV_NULL,
	},
	{
		.name = "bdev_list",
		.alias = "bdev_get_bdevs",
		.help = "list bdevs",
		.opts = list_opts,
		.action = ACT_LIST, .nl_cmd = SNAP_CMD_BDEV_GET,
		.obj = &obj_bdev, .single = "name",
	},
	{ .name = NULL },
};
