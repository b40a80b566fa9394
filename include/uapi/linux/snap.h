/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * snap: the ABI between the snap module and userspace (the snap_service
 * daemon and snapadm): the generic netlink family "snap" and /dev/snap.
 */
#ifndef _UAPI_LINUX_SNAP_H
#define _UAPI_LINUX_SNAP_H

#include <linux/types.h>

/*
 * The major number changes only when an old daemon could misread the new
 * module; minor grows with additions that old daemons may ignore.
 */
#define SNAP_ABI_MAJOR		1
#define SNAP_ABI_MINOR		0

#endif /* _UAPI_LINUX_SNAP_H */
