// SPDX-License-Identifier: GPL-2.0
/* A second provider of passthru's type: refused, the first one stays. */
#include "common.h"

static const struct snap_plugin_bdev_type types[] = {
	{ .name = "ext_passthru", .open = nop_open, .close = nop_close,
	  .submit = nop_submit },
	{ .name = NULL },
};

TEST_PLUGIN("dup_type", SNAP_PLUGIN_ABI_VERSION, types)
