// SPDX-License-Identifier: GPL-2.0
/* A plugin that needs a symbol nothing provides: dlopen(RTLD_NOW) refuses it. */
#include "common.h"

void snap_test_symbol_nobody_defines(void);

static int submit_calling_missing(void *ctx, struct snap_plugin_io *io)
{
	snap_test_symbol_nobody_defines();
	return nop_submit(ctx, io);
}

static const struct snap_plugin_bdev_type types[] = {
	{ .name = "nop", .open = nop_open, .close = nop_close,
	  .submit = submit_calling_missing },
	{ .name = NULL },
};

TEST_PLUGIN("undefined_symbol", SNAP_PLUGIN_ABI_VERSION, types)
