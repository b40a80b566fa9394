/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_DATAPATH_H
#define _SNAP_DATAPATH_H

#include <linux/types.h>

struct file;
struct io_uring_cmd;
struct snap_func;
struct vm_area_struct;

/*
 * The daemon's side of /dev/snap (datapath.c) and the DMA pool (pool.c).
 * Per-function state (struct snap_dp_fn, hung off snap_func->dp) lives as
 * long as the function, so it survives the daemon: until unload, or for a
 * hot-plug PF until it is destroyed (snap_dp_func_retire(), then the
 * provider forgets it, then snap_dp_func_exit()).
 */

int snap_dp_init(void);
void snap_dp_exit(void);
int snap_dp_func_init(struct snap_func *func);
void snap_dp_func_retire(struct snap_func *func);
void snap_dp_func_exit(struct snap_func *func);

/* cdev.c hands these over; @file must be the attached daemon's. */
long snap_dp_ioctl(struct file *file, unsigned int cmd, void __user *argp);
void snap_dp_drain(void);
int snap_dp_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);
int snap_dp_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long snap_dp_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags);

/*
 * Gate changes, under snap_lock: daemon attached/detached, a controller
 * created/destroyed/suspended/resumed on @func (NULL: all functions).
 */
void snap_dp_gate_changed(struct snap_func *func);
/* Under snap_lock: @func's controller object was destroyed. */
void snap_dp_ctrl_gone(struct snap_func *func);

/* From the provider, process context. */
void snap_dp_cc_write(struct snap_func *func, u32 cc, u32 aqa, u64 asq,
		      u64 acq);
void snap_dp_doorbell(struct snap_func *func, u16 qid, bool cq, u32 value);
/*
 * virtio: the driver set DRIVER_OK (@vqs: its @nvq queues, @features
 * negotiated) or reset the device (@status 0).
 */
struct snap_vq_state;
void snap_dp_virtio_status(struct snap_func *func, u8 status, u64 features,
			   const struct snap_vq_state *vqs, unsigned int nvq);
void snap_dp_func_reset(struct snap_func *func);
/* Config-space values a provider publishes at memory-decode enable. */
u64 snap_dp_cap(struct snap_func *func);
u32 snap_dp_csts(struct snap_func *func);
/*
 * Which queues of @func exist: bit qid of *@sq / *@cq is set when that
 * struct snap_queue_state has a non-zero size. These are the doorbells a
 * provider watches. Lockless (each size read once), so a provider may call
 * it from its queues_changed op whatever locks the caller holds.
 */
void snap_dp_queue_map(struct snap_func *func, u64 *sq, u64 *cq);
/* Completions SNAP_IOC_POST_CQE refused: their command was not in flight. */
u64 snap_dp_stale_cqes(struct snap_func *func);
u64 snap_dp_doorbells(struct snap_func *func);

/*
 * For nvme-ctrl-stats-get / vblk-ctrl-stats-get: the queues @func may
 * have (the entries the arrays below take), the daemon's I/O counters by
 * queue, and the kernel's own view of each queue. snap_dp_stats_reset()
 * zeroes the counters for a new controller.
 */
struct snap_io_stats;
struct snap_queue_state;
u32 snap_dp_num_queues(struct snap_func *func);
void snap_dp_io_stats(struct snap_func *func, struct snap_io_stats *out, u32 n);
void snap_dp_stats_reset(struct snap_func *func);
void snap_dp_queue_states(struct snap_func *func, struct snap_queue_state *sq,
			  struct snap_queue_state *cq, u32 n);
void snap_dp_vq_states(struct snap_func *func, struct snap_vq_state *vq, u32 n);

/* For bdev-stats-get, under snap_lock: the daemon's counters of @bdev. */
struct snap_bdev;
struct snap_bdev_stats;
void snap_dp_bdev_stats(const struct snap_bdev *bdev, struct snap_bdev_stats *out);

/* pool.c */
int snap_pool_create(void);	/* at first attach; idempotent */
int snap_pool_grow(u64 off, u64 len);
void snap_pool_free(void);
u64 snap_pool_size(void);
u64 snap_pool_resident(void);
bool snap_pool_range_ok(u64 off, u64 len);
/*
 * Kernel address of pool bytes [off, off + len), which lie in one 2 MiB
 * chunk; NULL if out of the pool or not resident.
 */
void *snap_pool_ptr(u64 off, u32 len);
int snap_pool_mmap(struct vm_area_struct *vma);

#endif /* _SNAP_DATAPATH_H */
