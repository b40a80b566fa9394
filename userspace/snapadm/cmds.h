/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_CMDS_H
#define SNAPADM_CMDS_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/msg.h>

#include <linux/snap.h>

#include "args.h"
#include "objects.h"
#include "snapadm.h"

/* What a netlink-backed command does with the kernel's answer. */
enum nl_action {
	ACT_NONE,	/* not a netlink command: run() does everything */
	ACT_CREATE,	/* doit; prints the key attribute, or the object (-j) */
	ACT_CHANGE,	/* doit; prints nothing, or the object (-j) */
	ACT_DESTROY,	/* doit; prints nothing, or true (-j) */
	ACT_LIST,	/* dump (doit when `single` is given); a JSON array */
	ACT_REPLY,	/* doit; prints the reply as a JSON object, -j or not
			 * (SNAP's RPC answers these with an object) */
};

struct snapadm_cmd;

typedef int (*cmd_run_fn)(struct snapadm *adm, const struct snapadm_cmd *cmd,
			  const struct parsed_args *a);
/* Adds attributes the option table cannot express; returns a status. */
typedef int (*cmd_fill_fn)(struct snapadm *adm, const struct snapadm_cmd *cmd,
			   const struct parsed_args *a, struct nl_msg *msg);

struct snapadm_cmd {
	const char *name;
	const char *alias;
	const char *help;
	const struct opt_def *opts;
	const struct opt_def *pos;
	bool variadic;
	/* Custom commands. */
	cmd_run_fn run;
	/* Netlink commands. */
	enum nl_action action;
	uint8_t nl_cmd;
	const struct obj_desc *obj;
	uint16_t key_attr;	/* ACT_CREATE: what the text output shows */
	const char *single;	/* ACT_LIST: option asking for one object */
	cmd_run_fn check;	/* runs before the request (type checks) */
	cmd_fill_fn fill;
	int aux;		/* for check/fill: a bdev type, a state */
};

/* Command tables, one per area, terminated by name == NULL. */
extern const struct snapadm_cmd nvme_cmds[];
extern const struct snapadm_cmd vblk_cmds[];
extern const struct snapadm_cmd bdev_cmds[];
extern const struct snapadm_cmd nvmf_cmds[];
extern const struct snapadm_cmd func_cmds[];
extern const struct snapadm_cmd hotplug_cmds[];
extern const struct snapadm_cmd misc_cmds[];
extern const struct snapadm_cmd stats_cmds[];

/* Commands that are not one netlink request (monitor.c, config.c). */
int monitor_run(struct snapadm *adm, const struct snapadm_cmd *cmd,
		const struct parsed_args *a);
int config_run(struct snapadm *adm, const struct snapadm_cmd *cmd,
	       const struct parsed_args *a);

/* By name or alias; NULL when unknown. */
const struct snapadm_cmd *snapadm_find_command(const char *name);
void snapadm_list_commands(FILE *out);

/* What the module says of one bdev (bdev.c). */
struct bdev_info {
	bool found;
	uint8_t type;		/* enum snap_bdev_type */
	uint32_t block_size;
	uint64_t num_blocks;
	char args[SNAP_PATH_MAX];	/* bdev_args: a plugin bdev's definition */
	bool ready;			/* the daemon opened it */
	char error[SNAP_ERROR_MAX];	/* or why it could not */
};

/* Asks the module for bdev name; 0 (found or not) or a failure status. */
int bdev_lookup(struct snapadm *adm, const char *name, struct bdev_info *bi);
/* "NAME is a TYPE bdev, not a WANT bdev"; returns the failure status. */
int bdev_wrong_type(struct snapadm *adm, const char *name, uint8_t is,
		    unsigned int want);

/* Runs a netlink command described by its table entry. */
int nlcmd_run(struct snapadm *adm, const struct snapadm_cmd *cmd,
	      const struct parsed_args *a);

/*
 * Puts every option of the table that names an attribute and was given.
 * Returns 0 or -EMSGSIZE.
 */
int nlcmd_put_options(struct nl_msg *msg, const struct parsed_args *a);

/* Fill hook: puts u8 STATE = cmd->aux (suspend / resume). */
int nlcmd_fill_state(struct snapadm *adm, const struct snapadm_cmd *cmd,
		     const struct parsed_args *a, struct nl_msg *msg);

/* Each object of a dump, or the one object a doit returns. */
int nlcmd_request(struct snapadm *adm, uint8_t nl_cmd, bool dump,
		  int (*put)(struct nl_msg *msg, const void *ctx),
		  const void *put_ctx,
		  int (*each)(uint8_t cmd, struct nlattr **tb, void *arg),
		  void *arg);

#endif
