/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the broken test plugins share: a bdev type that does nothing, so
 * each plugin differs from a good one in the one defect it tests.
 */
#ifndef TEST_PLUGIN_COMMON_H
#define TEST_PLUGIN_COMMON_H

#include <errno.h>

#include <snap/plugin.h>

static inline int nop_open(const struct snap_plugin_host *host, const char *name,
			   const char *params, struct snap_plugin_bdev *bdev,
			   char *err, size_t errlen)
{
	(void)host; (void)name; (void)params; (void)err; (void)errlen;
	bdev->num_blocks = 8;
	bdev->block_size = 512;
	return 0;
}

static inline void nop_close(void *ctx)
{
	(void)ctx;
}

static inline int nop_submit(void *ctx, struct snap_plugin_io *io)
{
	(void)ctx; (void)io;
	return -EIO;
}

const struct snap_plugin *snap_plugin_entry(void);

/* The descriptor and entry point of a test plugin with bdev types TYPES. */
#define TEST_PLUGIN(plugin_name, abi, types)				\
	static const struct snap_plugin desc = {			\
		.abi_version = (abi),					\
		.name = (plugin_name),					\
		.bdev_types = (types),					\
	};								\
	const struct snap_plugin *snap_plugin_entry(void)		\
	{								\
		return &desc;						\
	}

#endif
