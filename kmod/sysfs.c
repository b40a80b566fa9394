// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/snap/sim0/: the emulation manager, with a folder per function
 * (functions/<vuid>/) and per controller (controllers/<name>/). Read-only;
 * every change goes through netlink.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "datapath.h"
#include "provider.h"
#include "snap.h"

static struct class *snap_class;

static const char *const snap_func_type_names[] = {
	[SNAP_FUNC_NVME] = "nvme",
	[SNAP_FUNC_VIRTIO_BLK] = "virtio_blk",
};

static const char *const snap_func_kind_names[] = {
	[SNAP_FUNC_STATIC_PF] = "static_pf",
	[SNAP_FUNC_HOTPLUG_PF] = "hotplug_pf",
	[SNAP_FUNC_VF] = "vf",
};

/* ---- sim0 ---- */

static ssize_t provider_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", snap_provider->name);
}
static DEVICE_ATTR_RO(provider);

static ssize_t num_functions_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(snap_emu.num_funcs));
}
static DEVICE_ATTR_RO(num_functions);

static ssize_t daemon_pid_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(snap_emu.daemon_pid));
}
static DEVICE_ATTR_RO(daemon_pid);

static ssize_t pool_size_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", snap_pool_size());
}
static DEVICE_ATTR_RO(pool_size);

static ssize_t pool_resident_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", snap_pool_resident());
}
static DEVICE_ATTR_RO(pool_resident);

static struct attribute *snap_emu_attrs[] = {
	&dev_attr_provider.attr,
	&dev_attr_num_functions.attr,
	&dev_attr_daemon_pid.attr,
	&dev_attr_pool_size.attr,
	&dev_attr_pool_resident.attr,
	NULL
};
ATTRIBUTE_GROUPS(snap_emu);

/* ---- functions/<vuid> ---- */

#define to_func(k) container_of(k, struct snap_func, kobj)

static ssize_t vuid_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", to_func(kobj)->vuid);
}

static ssize_t func_type_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", snap_func_type_names[to_func(kobj)->type]);
}

static ssize_t kind_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", snap_func_kind_names[to_func(kobj)->kind]);
}

static ssize_t pf_index_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", to_func(kobj)->pf_id);
}

static ssize_t vf_index_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", to_func(kobj)->vf_id);
}

static ssize_t func_num_msix_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_func(kobj)->num_msix));
}

static ssize_t vhca_id_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_func(kobj)->id);
}

static ssize_t controller_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct snap_func *func = to_func(kobj);
	ssize_t len;

	mutex_lock(&snap_lock);
	len = sysfs_emit(buf, "%s\n", func->ctrl ? func->ctrl->name : "");
	mutex_unlock(&snap_lock);
	return len;
}

static ssize_t bdf_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	char bdf[sizeof(to_func(kobj)->pci_bdf)];
	ssize_t len;

	mutex_lock(&snap_lock);
	snap_func_bdf(to_func(kobj), bdf, sizeof(bdf));
	len = sysfs_emit(buf, "%s\n", bdf);
	mutex_unlock(&snap_lock);
	return len;
}

/* Non-zero means a daemon tried to complete a command twice: a bug. */
static ssize_t stale_cqes_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%llu\n", snap_dp_stale_cqes(to_func(kobj)));
}

static ssize_t doorbells_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%llu\n", snap_dp_doorbells(to_func(kobj)));
}

static ssize_t dma_faults_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%llu\n", snap_provider->dma_faults(to_func(kobj)));
}

static struct kobj_attribute func_attr_vuid = __ATTR_RO(vuid);
static struct kobj_attribute func_attr_bdf = __ATTR_RO(bdf);
static struct kobj_attribute func_attr_type = __ATTR(type, 0444, func_type_show, NULL);
static struct kobj_attribute func_attr_kind = __ATTR_RO(kind);
static struct kobj_attribute func_attr_pf_index = __ATTR_RO(pf_index);
static struct kobj_attribute func_attr_vf_index = __ATTR_RO(vf_index);
static struct kobj_attribute func_attr_num_msix =
	__ATTR(num_msix, 0444, func_num_msix_show, NULL);
static struct kobj_attribute func_attr_vhca_id = __ATTR_RO(vhca_id);
static struct kobj_attribute func_attr_controller = __ATTR_RO(controller);
static struct kobj_attribute func_attr_stale_cqes = __ATTR_RO(stale_cqes);
static struct kobj_attribute func_attr_doorbells = __ATTR_RO(doorbells);
static struct kobj_attribute func_attr_dma_faults = __ATTR_RO(dma_faults);

static struct attribute *snap_func_attrs[] = {
	&func_attr_vuid.attr,
	&func_attr_bdf.attr,
	&func_attr_type.attr,
	&func_attr_kind.attr,
	&func_attr_pf_index.attr,
	&func_attr_vf_index.attr,
	&func_attr_num_msix.attr,
	&func_attr_vhca_id.attr,
	&func_attr_controller.attr,
	&func_attr_stale_cqes.attr,
	&func_attr_doorbells.attr,
	&func_attr_dma_faults.attr,
	NULL
};
ATTRIBUTE_GROUPS(snap_func);

static void snap_func_release(struct kobject *kobj)
{
	struct snap_func *func = to_func(kobj);

	if (func->id)
		ida_free(&snap_emu.func_ida, func->id);
	kfree(func);
}

const struct kobj_type snap_func_ktype = {
	.release = snap_func_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = snap_func_groups,
};

int snap_sysfs_add_func(struct snap_func *func)
{
	return kobject_add(&func->kobj, snap_emu.funcs_dir, "%s", func->vuid);
}

/* ---- controllers/<name> ---- */

#define to_ctrl(k) container_of(k, struct snap_ctrl, kobj)

/*
 * Fields that links can change are read under snap_lock; a controller
 * already destroyed reads as gone.
 */
static ssize_t snap_ctrl_show_locked(struct kobject *kobj, char *buf,
				     ssize_t (*show)(struct snap_ctrl *, char *))
{
	struct snap_ctrl *ctrl = to_ctrl(kobj);
	ssize_t len;

	mutex_lock(&snap_lock);
	len = ctrl->dead ? -ENODEV : show(ctrl, buf);
	mutex_unlock(&snap_lock);
	return len;
}

static ssize_t ctrl_name_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_ctrl(kobj)->name);
}

static ssize_t ctrl_type_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", snap_func_type_names[to_ctrl(kobj)->type]);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(to_ctrl(kobj)->state) ==
			  SNAP_CTRL_RUNNING ? "running" : "suspended");
}

static ssize_t ctrl_num_queues_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_ctrl(kobj)->num_queues));
}

static ssize_t show_function(struct snap_ctrl *ctrl, char *buf)
{
	return sysfs_emit(buf, "%s\n", ctrl->func->vuid);
}

static ssize_t function_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return snap_ctrl_show_locked(kobj, buf, show_function);
}

static ssize_t show_nqn(struct snap_ctrl *ctrl, char *buf)
{
	return sysfs_emit(buf, "%s\n", ctrl->type == SNAP_FUNC_NVME ?
			  ctrl->nvme.subsys->nqn : "");
}

static ssize_t nqn_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return snap_ctrl_show_locked(kobj, buf, show_nqn);
}

static ssize_t show_bdev(struct snap_ctrl *ctrl, char *buf)
{
	return sysfs_emit(buf, "%s\n", ctrl->type == SNAP_FUNC_VIRTIO_BLK &&
			  ctrl->vblk.bdev ? ctrl->vblk.bdev->name : "");
}

static ssize_t bdev_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return snap_ctrl_show_locked(kobj, buf, show_bdev);
}

static ssize_t show_namespaces(struct snap_ctrl *ctrl, char *buf)
{
	struct snap_ns *ns;
	ssize_t len = 0;

	if (ctrl->type == SNAP_FUNC_NVME) {
		list_for_each_entry(ns, &ctrl->nvme.subsys->namespaces, node)
			if (ns->ctrl == ctrl)
				len += sysfs_emit_at(buf, len, "%s%u", len ? " " : "",
						     ns->nsid);
	}
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t namespaces_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return snap_ctrl_show_locked(kobj, buf, show_namespaces);
}

static struct kobj_attribute ctrl_attr_name = __ATTR(name, 0444, ctrl_name_show, NULL);
static struct kobj_attribute ctrl_attr_type = __ATTR(type, 0444, ctrl_type_show, NULL);
static struct kobj_attribute ctrl_attr_state = __ATTR_RO(state);
static struct kobj_attribute ctrl_attr_num_queues =
	__ATTR(num_queues, 0444, ctrl_num_queues_show, NULL);
static struct kobj_attribute ctrl_attr_function = __ATTR_RO(function);
static struct kobj_attribute ctrl_attr_nqn = __ATTR_RO(nqn);
static struct kobj_attribute ctrl_attr_bdev = __ATTR_RO(bdev);
static struct kobj_attribute ctrl_attr_namespaces = __ATTR_RO(namespaces);

static struct attribute *snap_ctrl_attrs[] = {
	&ctrl_attr_name.attr,
	&ctrl_attr_type.attr,
	&ctrl_attr_state.attr,
	&ctrl_attr_num_queues.attr,
	&ctrl_attr_function.attr,
	&ctrl_attr_nqn.attr,
	&ctrl_attr_bdev.attr,
	&ctrl_attr_namespaces.attr,
	NULL
};
ATTRIBUTE_GROUPS(snap_ctrl);

static void snap_ctrl_release(struct kobject *kobj)
{
	struct snap_ctrl *ctrl = to_ctrl(kobj);

	snap_ctrl_release_links(ctrl);
	kfree(ctrl);
}

const struct kobj_type snap_ctrl_ktype = {
	.release = snap_ctrl_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = snap_ctrl_groups,
};

int snap_sysfs_add_ctrl(struct snap_ctrl *ctrl)
{
	return kobject_add(&ctrl->kobj, snap_emu.ctrls_dir, "%s", ctrl->name);
}

/* ---- setup ---- */

int snap_sysfs_init(void)
{
	int ret;

	snap_class = snap_class_create("snap");
	if (IS_ERR(snap_class))
		return PTR_ERR(snap_class);

	snap_emu.dev = device_create_with_groups(snap_class, NULL, MKDEV(0, 0),
						 NULL, snap_emu_groups, "%s",
						 snap_emu.name);
	if (IS_ERR(snap_emu.dev)) {
		ret = PTR_ERR(snap_emu.dev);
		goto err_destroy_class;
	}
	ret = -ENOMEM;
	snap_emu.funcs_dir = kobject_create_and_add("functions", &snap_emu.dev->kobj);
	if (!snap_emu.funcs_dir)
		goto err_destroy_device;
	snap_emu.ctrls_dir = kobject_create_and_add("controllers", &snap_emu.dev->kobj);
	if (!snap_emu.ctrls_dir)
		goto err_put_funcs_dir;
	return 0;

err_put_funcs_dir:
	kobject_put(snap_emu.funcs_dir);
err_destroy_device:
	device_unregister(snap_emu.dev);
err_destroy_class:
	class_destroy(snap_class);
	return ret;
}

void snap_sysfs_exit(void)
{
	kobject_put(snap_emu.ctrls_dir);
	kobject_put(snap_emu.funcs_dir);
	device_unregister(snap_emu.dev);
	class_destroy(snap_class);
}
