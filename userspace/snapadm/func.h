/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_FUNC_H
#define SNAPADM_FUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>

#include <linux/snap.h>

#include "cmds.h"
#include "json.h"

/* How the NVMe and virtio-blk controller commands name their controller. */
#define CTRL_REQ { "ctrl", "c", OPT_STR, SNAP_A_NAME, OPT_REQUIRED, 0, "controller name" }

/* One emulated PCI function as FUNC_GET reports it. */
struct func_rec {
	uint8_t type;		/* enum snap_func_type */
	uint8_t kind;		/* enum snap_func_kind */
	uint32_t pf_id;
	uint32_t vf_id;
	uint32_t vhca_id;
	uint32_t num_msix;
	bool has_vf_id;
	bool has_vhca_id;
	bool has_num_msix;
	char vuid[SNAP_VUID_MAX];
	char pci_bdf[SNAP_NAME_MAX];	/* "" while the host has none */
	char ctrl[SNAP_NAME_MAX];
	/* A hot-plug PF's slot: the kernel sends them for those only. */
	bool has_hotplug;
	uint8_t hotplug_state;		/* enum snap_hotplug_state */
	uint32_t port;			/* the switch's downstream port */
};

struct func_list {
	struct func_rec *recs;
	size_t n;
	size_t cap;
};

/* Appends the function described by tb; returns 0 or -ENOMEM. */
int func_list_add(struct func_list *l, struct nlattr **tb);
void func_list_free(struct func_list *l);

/* nlcmd_request()'s callback: each function into the func_list arg. */
int func_collect(uint8_t cmd, struct nlattr **tb, void *arg);
/* Adds the function of that VUID to l (FUNC_GET); returns a status. */
int func_get_vuid(struct snapadm *adm, const char *vuid, struct func_list *l);

/*
 * emulation_function_list's JSON: every PF with its VFs nested under it
 * ("vfs", only when all is set) and their count ("num_vfs").
 */
void func_list_json(struct json_writer *w, const struct func_list *l,
		    bool all);

/*
 * Fill hook of the controller creates: --vhca_id names the function by its
 * vhca_id, which the kernel does not take, so it is looked up among the
 * functions of type cmd->aux and sent as the function's VUID. The check
 * refuses --vhca_id together with another way to name the function.
 */
int func_check_function_args(struct snapadm *adm,
			     const struct snapadm_cmd *cmd,
			     const struct parsed_args *a);
int func_fill_by_vhca_id(struct snapadm *adm, const struct snapadm_cmd *cmd,
			 const struct parsed_args *a, struct nl_msg *msg);

#endif
