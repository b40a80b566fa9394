// SPDX-License-Identifier: GPL-2.0
/* snapadm: how the kernel's objects are printed, as JSON or key=value. */
#include "objects.h"

#include <inttypes.h>
#include <string.h>

#include <linux/snap.h>

#include "args.h"
#include "nl.h"

const struct obj_desc obj_subsystem = {
	.kind = "subsystem",
	.fields = (const struct field[]) {
		{ "nqn", SNAP_A_NQN, FMT_STR },
		{ "subsys_id", SNAP_A_ID, FMT_U32 },
		{ "serial_number", SNAP_A_SERIAL_NUMBER, FMT_STR },
		{ "model_number", SNAP_A_MODEL_NUMBER, FMT_STR },
		{ "nn", SNAP_A_NN, FMT_U32 },
		{ "mnan", SNAP_A_MNAN, FMT_U32 },
		{ "single_ctrl", SNAP_A_SINGLE_CTRL, FMT_FLAG },
		{ "controllers", SNAP_A_CTRLS, FMT_CTRLS },
		{ "namespaces", SNAP_A_NSIDS, FMT_NSIDS },
		{ NULL, 0, 0 },
	},
};

const struct obj_desc obj_namespace = {
	.kind = "namespace",
	.fields = (const struct field[]) {
		{ "nqn", SNAP_A_NQN, FMT_STR },
		{ "nsid", SNAP_A_NSID, FMT_U32 },
		{ "bdev", SNAP_A_BDEV_NAME, FMT_STR },
		{ "uuid", SNAP_A_UUID, FMT_UUID },
		{ "ready", SNAP_A_READY, FMT_BOOL },
		{ "error", SNAP_A_ERROR, FMT_STR },
		{ "controllers", SNAP_A_CTRL_NAME, FMT_STR_LIST },
		{ NULL, 0, 0 },
	},
};

/* The function a controller sits on, as both kinds of controller show it. */
#define CTRL_FUNCTION_FIELDS				\
	{ "vuid", SNAP_A_VUID, FMT_STR },		\
	{ "pf_id", SNAP_A_PF_ID, FMT_U32 },		\
	{ "vf_id", SNAP_A_VF_ID, FMT_U32 },		\
	{ "vhca_id", SNAP_A_VHCA_ID, FMT_U32 }

const struct obj_desc obj_nvme_ctrl = {
	.kind = "nvme_controller",
	.fields = (const struct field[]) {
		{ "name", SNAP_A_NAME, FMT_STR },
		{ "ctrl_id", SNAP_A_CTRL_ID, FMT_U32 },
		{ "nqn", SNAP_A_NQN, FMT_STR },
		CTRL_FUNCTION_FIELDS,
		{ "num_queues", SNAP_A_NUM_QUEUES, FMT_U32 },
		{ "num_msix", SNAP_A_NUM_MSIX, FMT_U32 },
		{ "mdts", SNAP_A_MDTS, FMT_U8 },
		{ "state", SNAP_A_STATE, FMT_STATE },
		{ "ready", SNAP_A_READY, FMT_BOOL },
		{ "error", SNAP_A_ERROR, FMT_STR },
		{ "namespaces", SNAP_A_NSIDS, FMT_NSIDS },
		{ NULL, 0, 0 },
	},
};

const struct obj_desc obj_vblk_ctrl = {
	.kind = "virtio_blk_controller",
	.fields = (const struct field[]) {
		{ "name", SNAP_A_NAME, FMT_STR },
		CTRL_FUNCTION_FIELDS,
		{ "bdev", SNAP_A_BDEV_NAME, FMT_STR },
		{ "num_queues", SNAP_A_NUM_QUEUES, FMT_U32 },
		{ "num_msix", SNAP_A_NUM_MSIX, FMT_U32 },
		{ "queue_size", SNAP_A_QUEUE_SIZE, FMT_U32 },
		{ "seg_max", SNAP_A_SEG_MAX, FMT_U32 },
		{ "size_max", SNAP_A_SIZE_MAX, FMT_U32 },
		{ "read_only", SNAP_A_READ_ONLY, FMT_FLAG },
		{ "indirect_desc", SNAP_A_INDIRECT_DESC, FMT_FLAG },
		{ "force_in_order", SNAP_A_FORCE_IN_ORDER, FMT_FLAG },
		{ "serial", SNAP_A_SERIAL_NUMBER, FMT_STR },
		{ "state", SNAP_A_STATE, FMT_STATE },
		{ "free_queues", SNAP_A_FREE_QUEUES, FMT_U32 },
		{ "free_msix", SNAP_A_FREE_MSIX, FMT_U32 },
		{ NULL, 0, 0 },
	},
};

const struct obj_desc obj_bdev = {
	.kind = "bdev",
	.fields = (const struct field[]) {
		{ "name", SNAP_A_NAME, FMT_STR },
		{ "type", SNAP_A_BDEV_TYPE, FMT_BDEV_TYPE },
		{ "block_size", SNAP_A_BLOCK_SIZE, FMT_U32 },
		{ "num_blocks", SNAP_A_NUM_BLOCKS, FMT_U64 },
		{ "filename", SNAP_A_FILENAME, FMT_STR },
		{ "bdev_args", SNAP_A_BDEV_ARGS, FMT_STR },
		{ "ready", SNAP_A_READY, FMT_BOOL },
		{ "error", SNAP_A_ERROR, FMT_STR },
		{ "nqn", SNAP_A_NQN, FMT_STR },
		{ "nsid", SNAP_A_NSID, FMT_U32 },
		{ "ctrl_name", SNAP_A_CTRL_NAME, FMT_STR },
		{ NULL, 0, 0 },
	},
};

const struct obj_desc obj_function = {
	.kind = "function",
	.fields = (const struct field[]) {
		{ "emulation_type", SNAP_A_FUNC_TYPE, FMT_FUNC_TYPE },
		{ "kind", SNAP_A_FUNC_KIND, FMT_FUNC_KIND },
		{ "pf_index", SNAP_A_PF_ID, FMT_U32 },
		{ "vf_index", SNAP_A_VF_ID, FMT_U32 },
		{ "pci_bdf", SNAP_A_PCI_BDF, FMT_STR },
		{ "vhca_id", SNAP_A_VHCA_ID, FMT_U32 },
		{ "vuid", SNAP_A_VUID, FMT_STR },
		{ "num_msix", SNAP_A_NUM_MSIX, FMT_U32 },
		{ "ctrl_id", SNAP_A_CTRL_NAME, FMT_STR },
		{ "hotplug_state", SNAP_A_HOTPLUG_STATE, FMT_HOTPLUG_STATE },
		{ "port", SNAP_A_PORT, FMT_U32 },
		{ NULL, 0, 0 },
	},
};

const struct obj_desc obj_emu = {
	.kind = "emulation_manager",
	.fields = (const struct field[]) {
		{ "name", SNAP_A_EMU_NAME, FMT_STR },
		{ "provider", SNAP_A_EMU_PROVIDER, FMT_STR },
		{ "num_functions", SNAP_A_NUM_FUNCS, FMT_U32 },
		{ "max_queue_size", SNAP_A_MAX_QUEUE_SIZE, FMT_U32 },
		{ "daemon_attached", SNAP_A_DAEMON_ATTACHED, FMT_BOOL },
		{ "daemon_pid", SNAP_A_DAEMON_PID, FMT_U32 },
		{ "log_level", SNAP_A_LOG_LEVEL, FMT_U8 },
		{ NULL, 0, 0 },
	},
};

const struct obj_desc obj_daemon = {
	.kind = "daemon",
	.fields = (const struct field[]) {
		{ "attached", SNAP_A_DAEMON_ATTACHED, FMT_BOOL },
		{ "pid", SNAP_A_DAEMON_PID, FMT_U32 },
		{ NULL, 0, 0 },
	},
};

static const char *enum_name(const char *const *names, unsigned int n,
			     unsigned int v)
{
	return v < n ? names[v] : NULL;
}

const char *bdev_type_name(unsigned int type)
{
	static const char *const names[] = {
		[SNAP_BDEV_NULL] = "null",
		[SNAP_BDEV_MALLOC] = "malloc",
		[SNAP_BDEV_URING] = "uring",
		[SNAP_BDEV_NVMF] = "nvmf",
		[SNAP_BDEV_PLUGIN] = "plugin",
	};

	return enum_name(names, sizeof(names) / sizeof(names[0]), type);
}

const char *ctrl_state_name(unsigned int state)
{
	static const char *const names[] = {
		[SNAP_CTRL_SUSPENDED] = "suspended",
		[SNAP_CTRL_RUNNING] = "running",
	};

	return enum_name(names, sizeof(names) / sizeof(names[0]), state);
}

const char *func_type_name(unsigned int type)
{
	static const char *const names[] = {
		[SNAP_FUNC_NVME] = "NVME",
		[SNAP_FUNC_VIRTIO_BLK] = "VBLK",
	};

	return enum_name(names, sizeof(names) / sizeof(names[0]), type);
}

const char *func_kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[SNAP_FUNC_STATIC_PF] = "static_pf",
		[SNAP_FUNC_HOTPLUG_PF] = "hotplug_pf",
		[SNAP_FUNC_VF] = "vf",
	};

	return enum_name(names, sizeof(names) / sizeof(names[0]), kind);
}

/* Where a hot-plug PF is, as emulation_function_list and the monitor say it. */
const char *hotplug_state_name(unsigned int state)
{
	static const char *const names[] = {
		[SNAP_HOTPLUG_UNPLUGGED] = "unplugged",
		[SNAP_HOTPLUG_PLUGGED] = "plugged",
		[SNAP_HOTPLUG_UNPLUG_REQUESTED] = "unplug_requested",
		[SNAP_HOTPLUG_RELEASED] = "released",
	};

	return enum_name(names, sizeof(names) / sizeof(names[0]), state);
}

static const char *enum_text(enum field_fmt fmt, unsigned int v)
{
	switch (fmt) {
	case FMT_STATE: return ctrl_state_name(v);
	case FMT_BDEV_TYPE: return bdev_type_name(v);
	case FMT_FUNC_TYPE: return func_type_name(v);
	case FMT_FUNC_KIND: return func_kind_name(v);
	case FMT_HOTPLUG_STATE: return hotplug_state_name(v);
	default: return NULL;
	}
}

/*
 * Calls emit for each element of a nest of nsids (is_str false) or of
 * controller names (is_str true), skipping malformed elements.
 */
static void each_nested(const struct nlattr *nest, bool is_str,
			void (*emit)(void *ctx, uint32_t nsid, const char *name),
			void *ctx)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (is_str) {
			const char *s = nla_type(a) == SNAP_A_CTRL_NAME ?
					snap_nla_string(a) : NULL;

			if (s)
				emit(ctx, 0, s);
		} else if (nla_type(a) == SNAP_A_NSID &&
			   nla_len(a) >= (int)sizeof(uint32_t)) {
			emit(ctx, nla_get_u32((struct nlattr *)a), NULL);
		}
	}
}

static void emit_json(void *ctx, uint32_t nsid, const char *name)
{
	if (name)
		json_string(ctx, name);
	else
		json_uint(ctx, nsid);
}

static void json_value(struct json_writer *w, const struct field *f,
		       struct nlattr *a)
{
	char uuid[UUID_STR_LEN];
	const char *s;

	switch (f->fmt) {
	case FMT_STR:
		json_string(w, snap_nla_string(a));
		break;
	case FMT_U8:
		json_uint(w, nla_get_u8(a));
		break;
	case FMT_U32:
		json_uint(w, nla_get_u32(a));
		break;
	case FMT_U64:
		json_uint(w, nla_get_u64(a));
		break;
	case FMT_BOOL:
		json_bool(w, nla_get_u8(a) != 0);
		break;
	case FMT_FLAG:
		json_bool(w, true);
		break;
	case FMT_UUID:
		uuid_format(nla_data(a), uuid);
		json_string(w, uuid);
		break;
	case FMT_STATE:
	case FMT_BDEV_TYPE:
	case FMT_FUNC_TYPE:
	case FMT_FUNC_KIND:
	case FMT_HOTPLUG_STATE:
		s = enum_text(f->fmt, nla_get_u8(a));
		if (s)
			json_string(w, s);
		else
			json_uint(w, nla_get_u8(a));
		break;
	case FMT_NSIDS:
	case FMT_CTRLS:
		json_array_start(w);
		each_nested(a, f->fmt == FMT_CTRLS, emit_json, w);
		json_array_end(w);
		break;
	case FMT_STR_LIST:
		json_array_start(w);
		json_string(w, snap_nla_string(a));
		json_array_end(w);
		break;
	}
}

/* Lists and flags are shown even when the kernel left them out. */
static void json_absent(struct json_writer *w, const struct field *f)
{
	switch (f->fmt) {
	case FMT_FLAG:
		json_kv_bool(w, f->key, false);
		break;
	case FMT_NSIDS:
	case FMT_CTRLS:
	case FMT_STR_LIST:
		json_key(w, f->key);
		json_array_start(w);
		json_array_end(w);
		break;
	default:
		break;
	}
}

/*
 * A controller the daemon reported it cannot serve is in error, whatever
 * the state the administrator asked for: never shown as running.
 */
static bool ctrl_in_error(const struct field *f, struct nlattr **tb)
{
	return f->fmt == FMT_STATE && tb[SNAP_A_ERROR];
}

void obj_json_fields(struct json_writer *w, const struct obj_desc *d,
		     struct nlattr **tb)
{
	for (const struct field *f = d->fields; f->key; f++) {
		if (!tb[f->attr]) {
			json_absent(w, f);
			continue;
		}
		json_key(w, f->key);
		if (ctrl_in_error(f, tb))
			json_string(w, "error");
		else
			json_value(w, f, tb[f->attr]);
	}
}

void obj_json(struct json_writer *w, const struct obj_desc *d,
	      struct nlattr **tb)
{
	json_object_start(w);
	obj_json_fields(w, d, tb);
	json_object_end(w);
}

static void text_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("?", out);
		return;
	}
	if (*s && !strpbrk(s, " \t\"\\=")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

struct text_list {
	FILE *out;
	bool first;
};

static void emit_text(void *ctx, uint32_t nsid, const char *name)
{
	struct text_list *l = ctx;

	if (!l->first)
		fputc(',', l->out);
	l->first = false;
	if (name)
		text_string(l->out, name);
	else
		fprintf(l->out, "%" PRIu32, nsid);
}

static void text_value(FILE *out, const struct field *f, struct nlattr *a)
{
	struct text_list list = { .out = out, .first = true };
	char uuid[UUID_STR_LEN];
	const char *s;

	switch (f->fmt) {
	case FMT_STR:
	case FMT_STR_LIST:
		text_string(out, snap_nla_string(a));
		break;
	case FMT_U8:
		fprintf(out, "%u", nla_get_u8(a));
		break;
	case FMT_U32:
		fprintf(out, "%" PRIu32, nla_get_u32(a));
		break;
	case FMT_U64:
		fprintf(out, "%" PRIu64, (uint64_t)nla_get_u64(a));
		break;
	case FMT_BOOL:
		fputs(nla_get_u8(a) ? "true" : "false", out);
		break;
	case FMT_FLAG:
		fputs("true", out);
		break;
	case FMT_UUID:
		uuid_format(nla_data(a), uuid);
		fputs(uuid, out);
		break;
	case FMT_STATE:
	case FMT_BDEV_TYPE:
	case FMT_FUNC_TYPE:
	case FMT_FUNC_KIND:
	case FMT_HOTPLUG_STATE:
		s = enum_text(f->fmt, nla_get_u8(a));
		if (s)
			fputs(s, out);
		else
			fprintf(out, "%u", nla_get_u8(a));
		break;
	case FMT_NSIDS:
	case FMT_CTRLS:
		each_nested(a, f->fmt == FMT_CTRLS, emit_text, &list);
		break;
	}
}

void obj_text(FILE *out, const struct obj_desc *d, struct nlattr **tb)
{
	for (const struct field *f = d->fields; f->key; f++) {
		if (!tb[f->attr])
			continue;
		fprintf(out, " %s=", f->key);
		if (ctrl_in_error(f, tb))
			fputs("error", out);
		else
			text_value(out, f, tb[f->attr]);
	}
}
