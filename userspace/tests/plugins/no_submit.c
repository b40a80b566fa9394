// SPDX-License-Identifier: GPL-2.0
/* A bdev type without submit: refused before any bdev could use it. */
#include "common.h"

static const struct snap_plugin_bdev_type types[] = {
	{ .name = "nop", .open = nop_open, .close = nop_close },
	{ .name = NULL },
};

TEST_PLUGIN("no_submit", SNAP_PLUGIN_ABI_VERSION, types)
