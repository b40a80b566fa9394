/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_BDEV_URING_H
#define SNAP_BDEV_URING_H

#include <stddef.h>
#include <stdint.h>

#include "bdev.h"

/*
 * bdev_uring_create FILE NAME [BLOCK_SIZE]: a regular file or a block
 * device. block_size 0 takes the device's logical block size (512 for a
 * file). I/O goes through the submitting thread's ioloop_current. NULL
 * with the reason in err when the file cannot serve.
 */
struct bdev *bdev_uring_create(const char *name, const char *path,
			       uint32_t block_size, char *err, size_t errlen);

#endif
