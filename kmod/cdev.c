// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/snap: where the snap_service daemon attaches. One daemon at a time;
 * the module notices (and announces) a detach or the daemon's death, since
 * closing the file detaches. The open file holds a module reference, so
 * rmmod is refused with EBUSY while a daemon is attached.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/uaccess.h>

#include "datapath.h"
#include "snap.h"

static bool snap_reserved_zero(const __u64 *reserved, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (reserved[i])
			return false;
	return true;
}

static int snap_cdev_open(struct inode *inode, struct file *file)
{
	/* The node is 0600; ATTACH checks again, for an fd passed on. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static void snap_daemon_detach(struct file *file)
{
	pid_t pid = snap_emu.daemon_pid;

	WRITE_ONCE(snap_emu.daemon, NULL);
	snap_emu.detaches++;
	snap_emu.daemon_features = 0;
	WRITE_ONCE(snap_emu.daemon_pid, 0);
	snap_emu.generation++;
	snap_dp_gate_changed(NULL);
	pr_info("daemon %d detached\n", pid);
	snap_notify_daemon(false, pid);
}

/*
 * Under snap_lock, which it drops while it waits: no daemon is attached,
 * and every operation of the ones detached before has returned, so none
 * of their DMA or completions lands after the new daemon took over.
 */
static int snap_attach_wait_drained(void)
{
	u64 seen;

	lockdep_assert_held(&snap_lock);
	while (!snap_emu.daemon && snap_emu.drained != snap_emu.detaches) {
		seen = snap_emu.detaches;
		mutex_unlock(&snap_lock);
		snap_dp_drain();
		mutex_lock(&snap_lock);
		snap_emu.drained = max(snap_emu.drained, seen);
	}
	return snap_emu.daemon ? -EBUSY : 0;
}

static long snap_ioctl_attach(struct file *file, void __user *argp)
{
	struct snap_ioc_attach req;
	int ret = 0;

	/*
	 * The daemon moves data in and out of memory the host gave its
	 * devices, as a user-space PCI driver would: only a process that
	 * may do that, and not under lockdown, whoever opened the file.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret)
		return ret;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || !snap_reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)))
		return -EINVAL;
	/* A daemon built for another major could misread the objects. */
	if (req.abi_major != SNAP_ABI_MAJOR)
		return -EINVAL;

	/*
	 * The first daemon brings the pool, which stays until unload. It
	 * has nothing resident yet: the daemon grows it as it needs.
	 */
	ret = snap_pool_create();
	if (ret)
		return ret;

	mutex_lock(&snap_lock);
	ret = snap_attach_wait_drained();
	if (ret)
		goto out_unlock;
	req.abi_major = SNAP_ABI_MAJOR;
	req.abi_minor = SNAP_ABI_MINOR;
	req.features &= SNAP_F_ALL;
	if (copy_to_user(argp, &req, sizeof(req))) {
		ret = -EFAULT;
		goto out_unlock;
	}
	WRITE_ONCE(snap_emu.daemon, file);
	snap_emu.daemon_features = req.features;
	/* As the initial pid namespace sees it: readers may be anywhere. */
	WRITE_ONCE(snap_emu.daemon_pid, task_tgid_nr(current));
	snap_emu.generation++;
	snap_dp_gate_changed(NULL);
	pr_info("daemon %d attached\n", snap_emu.daemon_pid);
	snap_notify_daemon(true, snap_emu.daemon_pid);
out_unlock:
	mutex_unlock(&snap_lock);
	return ret;
}

static long snap_ioctl_detach(struct file *file)
{
	int ret = 0;

	mutex_lock(&snap_lock);
	if (snap_emu.daemon == file)
		snap_daemon_detach(file);
	else
		ret = -ENOTCONN;
	mutex_unlock(&snap_lock);
	return ret;
}

static long snap_ioctl_info(void __user *argp)
{
	struct snap_ioc_info info;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	if (info.flags || info.pad || info.pool_resident ||
	    !snap_reserved_zero(info.reserved, ARRAY_SIZE(info.reserved)))
		return -EINVAL;

	mutex_lock(&snap_lock);
	info.abi_major = SNAP_ABI_MAJOR;
	info.abi_minor = SNAP_ABI_MINOR;
	info.features = SNAP_F_ALL;
	info.generation = snap_emu.generation;
	info.daemon_pid = snap_emu.daemon_pid;
	info.pool_size = snap_pool_size();
	info.pool_resident = snap_pool_resident();
	mutex_unlock(&snap_lock);

	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static long snap_cdev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case SNAP_IOC_ATTACH:
		return snap_ioctl_attach(file, argp);
	case SNAP_IOC_DETACH:
		return snap_ioctl_detach(file);
	case SNAP_IOC_INFO:
		return snap_ioctl_info(argp);
	default:
		return snap_dp_ioctl(file, cmd, argp);
	}
}

static int snap_cdev_release(struct inode *inode, struct file *file)
{
	mutex_lock(&snap_lock);
	if (snap_emu.daemon == file)
		snap_daemon_detach(file);
	mutex_unlock(&snap_lock);
	return 0;
}

static const struct file_operations snap_cdev_fops = {
	.owner = THIS_MODULE,
	.open = snap_cdev_open,
	.release = snap_cdev_release,
	.unlocked_ioctl = snap_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = snap_dp_uring_cmd,
	.mmap = snap_dp_mmap,
	.get_unmapped_area = snap_dp_get_unmapped_area,
	.llseek = noop_llseek,
};

static struct miscdevice snap_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SNAP_DEV_NAME,
	.fops = &snap_cdev_fops,
	.mode = 0600,
};

int snap_cdev_init(void)
{
	return misc_register(&snap_miscdev);
}

void snap_cdev_exit(void)
{
	misc_deregister(&snap_miscdev);
}
