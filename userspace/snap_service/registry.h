/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_SERVICE_REGISTRY_H
#define SNAP_SERVICE_REGISTRY_H

/*
 * The daemon's mirror of the kernel's objects. The kernel is the source of
 * truth: the mirror is filled by dumps at start and kept current by the
 * "events" multicast group, so a restarted daemon rebuilds it the same way.
 * Objects are keyed as the kernel keys them: bdevs and controllers by name,
 * subsystems by NQN, namespaces by (NQN, nsid), functions by id. Static
 * PFs and VFs stay while the module is loaded; hot-plug PFs come and go
 * (FUNC_NEW, FUNC_DEL).
 */

#include <stdbool.h>
#include <stdint.h>

#include <netlink/attr.h>

#include <linux/snap.h>

struct snap_nl;

enum reg_kind {
	REG_BDEV,
	REG_SUBSYS,
	REG_NS,
	REG_CTRL,
	REG_FUNC,
};

enum reg_change {
	REG_ADDED,
	REG_CHANGED,
	REG_REMOVED,
};

struct reg_bdev {
	struct reg_bdev *next;
	uint32_t id;
	char name[SNAP_NAME_MAX];
	uint8_t type;			/* enum snap_bdev_type */
	uint64_t num_blocks;
	uint32_t block_size;
	char *filename;			/* NULL when none */
	char *args;			/* NULL when none */
	bool ready;
	void *priv;			/* the backend instance, the daemon's */
	bool open_failed;		/* the daemon's: its last open failed;
					 * cleared when the definition changes */
	void *opening;			/* the daemon's: opened again in the
					 * background (nvmf), or NULL */
};

struct reg_subsys {
	struct reg_subsys *next;
	uint32_t id;
	char nqn[SNAP_NQN_MAX];
	char serial[SNAP_SERIAL_MAX];
	char model[SNAP_MODEL_MAX];
	uint32_t nn;
	uint32_t mnan;
};

struct reg_ns {
	struct reg_ns *next;
	uint32_t id;
	char nqn[SNAP_NQN_MAX];
	uint32_t nsid;
	uint8_t uuid[SNAP_UUID_LEN];
	char bdev[SNAP_NAME_MAX];
	char ctrl[SNAP_NAME_MAX];	/* "" when not attached */
	bool ready;
};

struct reg_ctrl {
	struct reg_ctrl *next;
	uint32_t id;
	uint8_t type;			/* enum snap_func_type */
	char name[SNAP_NAME_MAX];
	char vuid[SNAP_VUID_MAX];	/* its function */
	uint32_t pf_id;
	int32_t vf_id;			/* -1 for a PF */
	uint32_t num_queues;
	uint8_t state;			/* enum snap_ctrl_state */
	/* What a daemon last reported: served, or why not ("" when none). */
	bool ready;
	char error[SNAP_ERROR_MAX];
	/* NVMe */
	uint32_t cntlid;
	char nqn[SNAP_NQN_MAX];
	uint8_t mdts;
	/* virtio-blk */
	char bdev[SNAP_NAME_MAX];	/* "" when none */
	uint32_t queue_size, seg_max, size_max;
	bool read_only;
	bool force_in_order;
	char serial[SNAP_SERIAL_MAX];
	void *priv;
};

struct reg_func {
	struct reg_func *next;
	uint32_t id;
	uint8_t type;			/* enum snap_func_type */
	uint8_t kind;			/* enum snap_func_kind */
	uint32_t pf_id;
	int32_t vf_id;
	char vuid[SNAP_VUID_MAX];
	uint32_t num_msix;
	char bdf[16];			/* "" while the host has none */
	char ctrl[SNAP_NAME_MAX];	/* "" when none */
	/* Hot-plug PFs only (kind SNAP_FUNC_HOTPLUG_PF), else 0. */
	uint8_t hotplug_state;		/* enum snap_hotplug_state */
	uint32_t port;			/* the switch's downstream port */
};

/*
 * Told of every change after the mirror applied it; for REG_REMOVED the
 * object is freed once the callback returns. A function goes after the
 * controllers that name it (REG_CTRL REG_REMOVED first), as the kernel
 * deletes them.
 */
typedef void (*reg_notify_fn)(void *arg, enum reg_kind kind,
			      enum reg_change change, void *obj);

struct registry {
	struct reg_bdev *bdevs;
	struct reg_subsys *subsystems;
	struct reg_ns *namespaces;
	struct reg_ctrl *ctrls;
	struct reg_func *funcs;
	reg_notify_fn notify;
	void *notify_arg;
};

void registry_init(struct registry *r, reg_notify_fn notify, void *arg);
void registry_free(struct registry *r);

/*
 * Applies one message of the snap family (a dump reply or an event),
 * given as the SNAP_A_* table of its attributes. Returns 0, -EINVAL when
 * a key attribute is missing, -ENOMEM.
 */
int registry_apply(struct registry *r, uint8_t cmd, struct nlattr **tb);

/* Dumps every kind of object into the mirror. Returns 0 or -errno. */
int registry_load(struct registry *r, struct snap_nl *nl);
/*
 * After events were lost: removes, with REG_REMOVED notifications
 * (controllers and namespaces before subsystems, bdevs and functions),
 * every object that @fresh (a dump just loaded) no longer has, or has
 * under the same key as another object (re-created with other
 * parameters), so that a reload then adds it anew; a controller goes with
 * its function.
 */
void registry_prune(struct registry *r, const struct registry *fresh);

struct reg_bdev *registry_bdev(const struct registry *r, const char *name);
struct reg_subsys *registry_subsys(const struct registry *r, const char *nqn);
/* NVMe controllers in the subsystem of that NQN. */
unsigned int registry_subsys_ctrls(const struct registry *r, const char *nqn);
struct reg_ns *registry_ns(const struct registry *r, const char *nqn,
			   uint32_t nsid);
struct reg_ctrl *registry_ctrl(const struct registry *r, const char *name);
struct reg_func *registry_func(const struct registry *r, uint32_t id);
struct reg_func *registry_func_vuid(const struct registry *r, const char *vuid);

#endif
