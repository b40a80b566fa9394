/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_H
#define _SNAP_H

#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/xarray.h>
#include <linux/snap.h>

#include "params.h"

/* The parameters the module was loaded with; read-only after load. */
extern struct snap_params snap_params;

/*
 * Every object lives in the registry of the one emulation manager, sim0,
 * and changes under snap_lock. Objects with a sysfs folder (functions,
 * controllers) are refcounted by their kobject; the others by a kref.
 * A link between objects (namespace -> bdev, controller -> function, ...)
 * holds a reference on its target.
 */
extern struct mutex snap_lock;
/* Bdevs by id for mmap, which must not take snap_lock (core.c). */
extern struct mutex snap_bdev_mem_lock;
extern struct xarray snap_bdev_by_id;

struct snap_dp_fn;

struct snap_func {
	struct kobject kobj;		/* functions/<vuid> */
	struct list_head node;
	u32 id;
	u8 type;			/* enum snap_func_type */
	u8 kind;			/* enum snap_func_kind */
	u32 pf_id;
	s32 vf_id;			/* -1 for a PF */
	u32 num_msix;
	u32 max_msix;			/* what the parameters allow */
	char vuid[SNAP_VUID_MAX];
	char pci_bdf[16];		/* where the host sees it, if it does */
	struct snap_ctrl *ctrl;
	struct snap_dp_fn *dp;		/* data-path state */
};

struct snap_bdev {
	struct kref ref;
	struct list_head node;
	u32 id;
	char name[SNAP_NAME_MAX];
	u8 type;			/* enum snap_bdev_type */
	u64 num_blocks;
	u32 block_size;
	char *filename;
	char *args;
	bool ready;
	char *error;
	/* malloc: the contents, allocated when the daemon first maps them */
	void *mem;
	/*
	 * The daemon's I/O counters, allocated (zeroed) when it first maps
	 * them, under snap_bdev_mem_lock; published with a release store, so
	 * readers under snap_lock need no lock (snap_dp_bdev_stats).
	 */
	struct snap_bdev_stats *stats;
	/* At most one user: a namespace or a virtio-blk controller. */
	struct snap_ns *ns;
	struct snap_ctrl *vblk;
};

struct snap_subsys {
	struct kref ref;
	struct list_head node;
	u32 id;
	char nqn[SNAP_NQN_MAX];
	char serial[SNAP_SERIAL_MAX];
	char model[SNAP_MODEL_MAX];
	u32 nn;
	u32 mnan;
	bool single_ctrl;
	struct list_head namespaces;	/* sorted by nsid */
	u32 num_ns;
	u32 num_ctrls;
};

struct snap_ns {
	struct kref ref;
	struct list_head node;		/* in subsys->namespaces */
	u32 id;
	struct snap_subsys *subsys;
	u32 nsid;
	u8 uuid[SNAP_UUID_LEN];
	struct snap_bdev *bdev;
	struct snap_ctrl *ctrl;		/* attached to, or NULL */
	bool ready;
	char *error;
};

struct snap_ctrl {
	struct kobject kobj;		/* controllers/<name> */
	struct list_head node;
	u32 id;
	u8 type;			/* enum snap_func_type */
	u8 state;			/* enum snap_ctrl_state */
	bool dead;			/* unregistered; sysfs may still read */
	char name[SNAP_NAME_MAX];
	struct snap_func *func;
	u32 num_queues;
	/* As the daemon reports them: it serves the controller, or why not. */
	bool ready;
	char *error;
	union {
		struct {
			struct snap_subsys *subsys;
			u8 mdts;
		} nvme;
		struct {
			struct snap_bdev *bdev;
			u32 queue_size;
			u32 seg_max;
			u32 size_max;
			bool read_only;
			bool indirect_desc;
			bool force_in_order;
			char serial[SNAP_SERIAL_MAX];
		} vblk;
	};
};

struct snap_emu {
	const char *name;
	struct device *dev;		/* /sys/class/snap/sim0 */
	struct kobject *funcs_dir;
	struct kobject *ctrls_dir;
	struct list_head funcs;
	struct list_head ctrls;
	struct list_head subsystems;
	struct list_head bdevs;
	/* Controllers and functions whose sysfs folders go once snap_lock is dropped. */
	struct list_head ctrl_gc;
	struct list_head func_gc;
	u32 num_funcs;
	struct ida func_ida, ctrl_ida, subsys_ida, ns_ida, bdev_ida;
	u64 generation;
	struct file *daemon;
	pid_t daemon_pid;
	u64 daemon_features;		/* SNAP_F_* granted at attach */
	/* Detaches so far, and how many of them snap_dp_drain() covered. */
	u64 detaches;
	u64 drained;
	/* snap_service's log level (emu-set), -1 until set: its -l rules. */
	s8 log_level;
};

extern struct snap_emu snap_emu;

void snap_unlock(void);

/* core.c: the registry. All of these run under snap_lock. */
int snap_core_init(void);
void snap_core_exit(void);

struct snap_bdev_cfg {
	const char *name;
	u8 type;
	u64 num_blocks;
	u32 block_size;
	const char *filename;
	const char *args;
};

struct snap_subsys_cfg {
	const char *nqn;
	const char *serial;
	const char *model;
	u32 nn;
	u32 mnan;
	bool single_ctrl;
};

struct snap_ns_cfg {
	const char *nqn;
	u32 nsid;
	const char *bdev;
	const u8 *uuid;
};

struct snap_func_ref {
	bool has_pf;
	u32 pf_id;
	bool has_vf;
	u32 vf_id;
	const char *vuid;
};

struct snap_ctrl_cfg {
	const char *name;
	u8 type;
	struct snap_func_ref func;
	u32 num_queues;			/* 0: default */
	u8 state;
	/* NVMe */
	const char *nqn;
	u8 mdts;			/* 0: default */
	/* virtio-blk */
	const char *bdev;
	u32 queue_size, seg_max, size_max;
	bool read_only, indirect_desc, force_in_order;
	const char *serial;
};

struct snap_bdev *snap_bdev_find(const char *name);
int snap_bdev_create(const struct snap_bdev_cfg *cfg, struct snap_bdev **out,
		     struct netlink_ext_ack *extack);
int snap_bdev_destroy(struct snap_bdev *bdev, bool force,
		      struct netlink_ext_ack *extack);
int snap_bdev_resize(struct snap_bdev *bdev, u64 num_blocks,
		     struct netlink_ext_ack *extack);
int snap_bdev_set_status(struct snap_bdev *bdev, const u8 *ready,
			 const char *error, const u64 *num_blocks,
			 struct netlink_ext_ack *extack);

struct snap_subsys *snap_subsys_find(const char *nqn);
int snap_subsys_create(const struct snap_subsys_cfg *cfg,
		       struct snap_subsys **out, struct netlink_ext_ack *extack);
int snap_subsys_destroy(struct snap_subsys *subsys, bool force,
			struct netlink_ext_ack *extack);
int snap_subsys_modify(struct snap_subsys *subsys, const char *serial,
		       const char *model, const u32 *mnan,
		       struct netlink_ext_ack *extack);

struct snap_ns *snap_ns_find(struct snap_subsys *subsys, u32 nsid);
int snap_ns_create(const struct snap_ns_cfg *cfg, struct snap_ns **out,
		   struct netlink_ext_ack *extack);
int snap_ns_destroy(struct snap_ns *ns, bool force,
		    struct netlink_ext_ack *extack);
int snap_ns_set_status(struct snap_ns *ns, const u8 *ready, const char *error,
		       struct netlink_ext_ack *extack);

struct snap_func *snap_func_lookup(u8 type, const struct snap_func_ref *ref,
				   struct netlink_ext_ack *extack);

void snap_func_bdf(const struct snap_func *func, char *buf, size_t len);

struct snap_hotplug_cfg {
	u8 type;
	u32 num_msix;			/* 0: the type's parameter */
	bool plug;			/* into its slot at once */
};

int snap_hotplug_pf_create(const struct snap_hotplug_cfg *cfg,
			   struct snap_func **out, struct netlink_ext_ack *extack);
int snap_hotplug_pf_destroy(struct snap_func *func, bool force,
			    struct netlink_ext_ack *extack);
int snap_hotplug_pf_set(struct snap_func *func, u8 state,
			struct netlink_ext_ack *extack);

struct snap_ctrl *snap_ctrl_find(const char *name, u8 type);
int snap_ctrl_create(const struct snap_ctrl_cfg *cfg, struct snap_ctrl **out,
		     struct netlink_ext_ack *extack);
void snap_ctrl_destroy(struct snap_ctrl *ctrl);
void snap_ctrl_destroy_force(struct snap_ctrl *ctrl);
void snap_ctrl_release_links(struct snap_ctrl *ctrl);
int snap_ctrl_set_state(struct snap_ctrl *ctrl, u8 state,
			struct netlink_ext_ack *extack);
int snap_ctrl_set_status(struct snap_ctrl *ctrl, const u8 *ready,
			 const char *error, struct netlink_ext_ack *extack);
int snap_nvme_ctrl_attach_ns(struct snap_ctrl *ctrl, u32 nsid,
			     struct netlink_ext_ack *extack);
int snap_nvme_ctrl_detach_ns(struct snap_ctrl *ctrl, u32 nsid,
			     struct netlink_ext_ack *extack);
int snap_vblk_ctrl_modify(struct snap_ctrl *ctrl, const u32 *num_queues,
			  const u32 *num_msix, struct netlink_ext_ack *extack);
int snap_vblk_ctrl_attach_bdev(struct snap_ctrl *ctrl, const char *bdev,
			       struct netlink_ext_ack *extack);
int snap_vblk_ctrl_detach_bdev(struct snap_ctrl *ctrl,
			       struct netlink_ext_ack *extack);

/* sysfs.c */
int snap_sysfs_init(void);
void snap_sysfs_exit(void);
int snap_sysfs_add_func(struct snap_func *func);
int snap_sysfs_add_ctrl(struct snap_ctrl *ctrl);
extern const struct kobj_type snap_func_ktype;
extern const struct kobj_type snap_ctrl_ktype;

/* genl.c: announcements on the events group (no-ops before registration). */
int snap_genl_init(void);
void snap_genl_exit(void);
void snap_notify_bdev(u8 cmd, const struct snap_bdev *bdev);
void snap_notify_subsys(u8 cmd, const struct snap_subsys *subsys);
void snap_notify_ns(u8 cmd, const struct snap_ns *ns);
void snap_notify_ctrl(u8 cmd, const struct snap_ctrl *ctrl);
void snap_notify_func(u8 cmd, const struct snap_func *func);
void snap_notify_daemon(bool attached, pid_t pid);

/* cdev.c */
int snap_cdev_init(void);
void snap_cdev_exit(void);

#endif /* _SNAP_H */
