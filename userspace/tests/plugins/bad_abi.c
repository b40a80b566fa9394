// SPDX-License-Identifier: GPL-2.0
/* A plugin built against a future ABI: refused at load. */
#include "common.h"

static const struct snap_plugin_bdev_type types[] = {
	{ .name = "nop", .open = nop_open, .close = nop_close, .submit = nop_submit },
	{ .name = NULL },
};

TEST_PLUGIN("bad_abi", SNAP_PLUGIN_ABI_VERSION + 1, types)
