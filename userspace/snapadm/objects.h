/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_OBJECTS_H
#define SNAPADM_OBJECTS_H

#include <stdint.h>
#include <stdio.h>

#include <netlink/attr.h>

#include "json.h"

/*
 * How each kind of object is shown: which attributes, under which JSON key
 * (the key SNAP's RPC output uses), in which form. One table per kind
 * serves the lists, the create replies and the monitor.
 */
enum field_fmt {
	FMT_STR,
	FMT_U8,
	FMT_U32,
	FMT_U64,
	FMT_BOOL,	/* u8 0/1, printed as true/false */
	FMT_FLAG,	/* always printed: absent is false */
	FMT_UUID,
	FMT_STATE,	/* enum snap_ctrl_state */
	FMT_BDEV_TYPE,	/* enum snap_bdev_type */
	FMT_FUNC_TYPE,	/* enum snap_func_type: NVME / VBLK */
	FMT_FUNC_KIND,	/* enum snap_func_kind */
	FMT_HOTPLUG_STATE,	/* enum snap_hotplug_state */
	FMT_NSIDS,	/* nest of nsid: [1, 2] */
	FMT_CTRLS,	/* nest of ctrl-name: ["NVMeCtrl1"] */
	FMT_STR_LIST,	/* one string, shown as a list of zero or one */
};

struct field {
	const char *key;
	uint16_t attr;
	enum field_fmt fmt;
};

struct obj_desc {
	const char *kind;		/* "bdev", for events */
	const struct field *fields;	/* terminated by key == NULL */
};

extern const struct obj_desc obj_subsystem;
extern const struct obj_desc obj_namespace;
extern const struct obj_desc obj_nvme_ctrl;
extern const struct obj_desc obj_vblk_ctrl;
extern const struct obj_desc obj_bdev;
extern const struct obj_desc obj_function;
extern const struct obj_desc obj_emu;
extern const struct obj_desc obj_daemon;

/* The object as a JSON object. */
void obj_json(struct json_writer *w, const struct obj_desc *d,
	      struct nlattr **tb);
/* Only its fields, inside an object the caller opened. */
void obj_json_fields(struct json_writer *w, const struct obj_desc *d,
		     struct nlattr **tb);
/* " key=value" for each field present, as the monitor prints. */
void obj_text(FILE *out, const struct obj_desc *d, struct nlattr **tb);

const char *bdev_type_name(unsigned int type);
const char *ctrl_state_name(unsigned int state);
const char *func_type_name(unsigned int type);
const char *func_kind_name(unsigned int kind);
const char *hotplug_state_name(unsigned int state);

#endif
