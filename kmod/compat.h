/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel interfaces that changed between the kernels snap builds for:
 * Debian 12's default 6.1 and its 6.12 (6.12.*+deb12, bookworm-security).
 * Each point is keyed on the release that made the change and says so;
 * on 6.1 every helper expands to the very code the module had before,
 * so nothing changes there. Only which spelling to use lives here, no
 * kernel code. Version tests live in this file and nowhere else
 * (scripts/checkpatch.sh lets LINUX_VERSION_CODE through here only).
 */
#ifndef _SNAP_COMPAT_H
#define _SNAP_COMPAT_H

#include <linux/version.h>

/* True when building for release @maj.@min or later. */
#define SNAP_KERNEL_AT_LEAST(maj, min) \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(maj, min, 0))

/* 6.12 moved the unaligned accessors to <linux/unaligned.h>. */
#if SNAP_KERNEL_AT_LEAST(6, 12)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.4 dropped class_create()'s owner argument (a class has no module). */
#if SNAP_KERNEL_AT_LEAST(6, 4)
#define snap_class_create(name)	class_create(name)
#else
#define snap_class_create(name)	class_create(THIS_MODULE, name)
#endif

/*
 * 6.3 made vma->vm_flags read-only: flags change through vm_flags_set(),
 * which also takes the VMA write lock where there are per-VMA locks.
 */
#if SNAP_KERNEL_AT_LEAST(6, 3)
#define snap_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#define snap_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#else
#define snap_vm_flags_set(vma, flags)	((vma)->vm_flags |= (flags))
#define snap_vm_flags_clear(vma, flags)	((vma)->vm_flags &= ~(flags))
#endif

/*
 * 6.2 split generic netlink's per-command ops: pre_doit() and post_doit()
 * are handed a struct genl_split_ops. Spelled struct snap_genl_split_ops here.
 */
#if SNAP_KERNEL_AT_LEAST(6, 2)
#define snap_genl_split_ops	genl_split_ops
#else
#define snap_genl_split_ops	genl_ops
#endif

/*
 * 6.6 gave dumps a struct genl_info: the parsed attributes of a dump
 * request moved from struct genl_dumpit_info into it.
 */
#if SNAP_KERNEL_AT_LEAST(6, 6)
#define snap_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define snap_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/*
 * io_uring commands. 6.6 hands a driver the whole SQE (cmd->sqe, its
 * command bytes through io_uring_sqe_cmd()) where 6.1 had cmd->cmd;
 * 6.7 moved struct io_uring_cmd and its helpers to <linux/io_uring/cmd.h>.
 */
#if SNAP_KERNEL_AT_LEAST(6, 7)
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif
#if SNAP_KERNEL_AT_LEAST(6, 6)
#define snap_uring_cmd_bytes(ioucmd)	io_uring_sqe_cmd((ioucmd)->sqe)
#else
#define snap_uring_cmd_bytes(ioucmd)	((ioucmd)->cmd)
#endif

/*
 * 6.10 dropped mm->get_unmapped_area (top-down is an mm flag now): the
 * mm's own placement is mm_get_unmapped_area().
 */
#if SNAP_KERNEL_AT_LEAST(6, 10)
#define snap_mm_get_unmapped_area(mm, file, addr, len, pgoff, flags) \
	mm_get_unmapped_area(mm, file, addr, len, pgoff, flags)
#else
#define snap_mm_get_unmapped_area(mm, file, addr, len, pgoff, flags) \
	((mm)->get_unmapped_area(file, addr, len, pgoff, flags))
#endif

/*
 * A device's driver_override: struct pci_dev's, set with
 * driver_set_override(), until a later rework moved it into struct
 * device (device_set_driver_override()). Debian's 6.12.111 carries that
 * rework and upstream 6.12.0 does not, so no release number tells them
 * apart: kmod/Kbuild looks for the helper in the headers. Both clear the
 * override for "". @drv is a struct device_driver whose name to compare.
 */
#ifdef SNAP_HAVE_DEVICE_DRIVER_OVERRIDE
#define snap_pci_set_override(pdev, s) \
	device_set_driver_override(&(pdev)->dev, s)
#define snap_pci_override_is(pdev, drv) \
	(device_match_driver_override(&(pdev)->dev, drv) > 0)
#else
#define snap_pci_set_override(pdev, s) \
	driver_set_override(&(pdev)->dev, &(pdev)->driver_override, s, strlen(s))
#define snap_pci_override_is(pdev, drv) \
	((pdev)->driver_override && !strcmp((pdev)->driver_override, (drv)->name))
#endif

#endif /* _SNAP_COMPAT_H */
