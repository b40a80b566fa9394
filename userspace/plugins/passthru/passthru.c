// SPDX-License-Identifier: GPL-2.0
/*
 * passthru: the example backend plugin, after SPDK's external passthru
 * module (test/external_code/passthru) that SNAP's custom bdev appendix
 * builds. A passthru bdev forwards every I/O to its base bdev unchanged
 * and counts what it forwarded: the smallest plugin that still shows the
 * whole contract (open a base by name, submit, complete from the base's
 * completion, poll the base, close).
 *
 *   snapadm --plugin passthru construct_ext_passthru_bdev -b Malloc0 -p TestPT
 *   snap_service --plugin passthru
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snap/plugin.h>

struct passthru {
	const struct snap_plugin_host *host;
	struct snap_plugin_base *base;
	char name[64];
	unsigned long long forwarded;
};

/* The I/O the daemon gave us, and the copy we send to the base. */
struct passthru_io {
	struct snap_plugin_io base_io;
	struct snap_plugin_io *io;
	struct passthru *pt;
};

static int pt_open(const struct snap_plugin_host *host, const char *name,
		   const char *params, struct snap_plugin_bdev *bdev,
		   char *err, size_t errlen)
{
	char base_name[64];
	struct passthru *pt;
	int ret;

	ret = host->param(params, "base", base_name, sizeof(base_name));
	if (ret) {
		snprintf(err, errlen, "ext_passthru needs base=BDEV (%s)", strerror(-ret));
		return ret;
	}
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->base = host->base_open(base_name, bdev, err, errlen);
	if (!pt->base) {
		free(pt);
		return -ENODEV;
	}
	pt->host = host;
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	bdev->ctx = pt;
	host->log(3, "ext_passthru %s on %s: %llu blocks of %u bytes", name, base_name,
		  (unsigned long long)bdev->num_blocks, bdev->block_size);
	return 0;
}

static void pt_close(void *ctx)
{
	struct passthru *pt = ctx;

	pt->host->log(3, "ext_passthru %s: closed after %llu I/Os", pt->name,
		      pt->forwarded);
	pt->host->base_close(pt->base);
	free(pt);
}

static void pt_base_done(struct snap_plugin_io *base_io, int status)
{
	struct passthru_io *p = (struct passthru_io *)base_io;
	struct snap_plugin_io *io = p->io;
	const struct snap_plugin_host *host = p->pt->host;

	free(p);
	host->complete(io, status);
}

static int pt_submit(void *ctx, struct snap_plugin_io *io)
{
	struct passthru *pt = ctx;
	struct passthru_io *p = malloc(sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->base_io = *io;
	p->io = io;
	p->pt = pt;
	ret = pt->host->base_submit(pt->base, &p->base_io, pt_base_done);
	if (ret) {
		free(p);
		return ret;
	}
	/* several threads may submit to one bdev */
	__atomic_fetch_add(&pt->forwarded, 1, __ATOMIC_RELAXED);
	return 0;
}

static int pt_poll(void *ctx)
{
	struct passthru *pt = ctx;

	return pt->host->base_poll(pt->base);
}

static const struct snap_plugin_bdev_type pt_types[] = {
	{
		.name = "ext_passthru",
		.open = pt_open,
		.close = pt_close,
		.submit = pt_submit,
		.poll = pt_poll,
	},
	{ .name = NULL },
};

static const struct snap_plugin_opt pt_create_opts[] = {
	{ "base_bdev_name", "b", SNAP_PLUGIN_OPT_BASE, SNAP_PLUGIN_OPT_REQUIRED,
	  "base", "the bdev to pass I/O to" },
	{ "passthru_bdev_name", "p", SNAP_PLUGIN_OPT_NAME, SNAP_PLUGIN_OPT_REQUIRED,
	  NULL, "name of the new bdev" },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

static const struct snap_plugin_opt pt_delete_pos[] = {
	{ "name", NULL, SNAP_PLUGIN_OPT_NAME, SNAP_PLUGIN_OPT_REQUIRED, NULL,
	  "the passthru bdev" },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

static const struct snap_plugin_cmd pt_cmds[] = {
	{
		.name = "construct_ext_passthru_bdev",
		.help = "create a passthru bdev: -b BASE -p NAME",
		.action = SNAP_PLUGIN_CMD_CREATE,
		.bdev_type = "ext_passthru",
		.opts = pt_create_opts,
	},
	{
		.name = "delete_ext_passthru_bdev",
		.help = "delete a passthru bdev: NAME",
		.action = SNAP_PLUGIN_CMD_DELETE,
		.bdev_type = "ext_passthru",
		.pos = pt_delete_pos,
	},
	{ .name = NULL },
};

static const struct snap_plugin pt_plugin = {
	.abi_version = SNAP_PLUGIN_ABI_VERSION,
	.name = "passthru",
	.version = "1.0",
	.bdev_types = pt_types,
	.cmds = pt_cmds,
};

const struct snap_plugin *snap_plugin_entry(void);

const struct snap_plugin *snap_plugin_entry(void)
{
	return &pt_plugin;
}
