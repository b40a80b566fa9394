// SPDX-License-Identifier: GPL-2.0
/*
 * The plugin backend: a struct bdev whose I/O goes to a loaded plugin's
 * bdev type, and the services the daemon gives plugins (completion, log,
 * definitions' parameters, other bdevs to stack on).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "bdev_plugin.h"
#include "plugin_load.h"

static struct snap_plugin_loaded plugins[SNAP_PLUGINS_MAX];
static unsigned int nr_plugins;
static bdev_lookup_fn lookup;
static void *lookup_arg;

struct plugin_bdev {
	struct bdev b;
	const struct snap_plugin_bdev_type *type;
	void *ctx;
};

/* An I/O while the plugin has it. */
struct plugin_io {
	struct snap_plugin_io pio;	/* first: the plugin hands it back */
	struct bdev *b;
	struct bdev_io *io;
};

/* A bdev a plugin stacks on, and an I/O it sends there. */
struct snap_plugin_base {
	struct bdev *b;
};

struct base_io {
	struct bdev_io bio;
	struct snap_plugin_io *pio;
	snap_plugin_done_t done;
};

static const struct snap_plugin_bdev_type *find_type(const char *name)
{
	for (unsigned int i = 0; i < nr_plugins; i++)
		for (const struct snap_plugin_bdev_type *t = plugins[i].desc->bdev_types;
		     t->name; t++)
			if (!strcmp(t->name, name))
				return t;
	return NULL;
}

/* Neither the same file twice nor two providers of one type. */
static int check_new_plugin(const struct snap_plugin_loaded *p, char *err,
			    size_t errlen)
{
	for (unsigned int i = 0; i < nr_plugins; i++) {
		if (plugins[i].handle == p->handle) {
			snprintf(err, errlen, "plugin %s: loaded already", p->path);
			return -1;
		}
	}
	for (const struct snap_plugin_bdev_type *t = p->desc->bdev_types; t->name; t++) {
		if (find_type(t->name)) {
			snprintf(err, errlen, "plugin %s: bdev type %s is provided by another plugin",
				 p->path, t->name);
			return -1;
		}
	}
	return 0;
}

int bdev_plugin_load(const char *spec, char *err, size_t errlen)
{
	struct snap_plugin_loaded p;

	if (nr_plugins == SNAP_PLUGINS_MAX) {
		snprintf(err, errlen, "plugin %s: at most %d plugins", spec,
			 SNAP_PLUGINS_MAX);
		return -1;
	}
	if (snap_plugin_load(spec, &p, err, errlen))
		return -1;
	if (check_new_plugin(&p, err, errlen)) {
		/* A second dlopen of one file only counts a reference. */
		snap_plugin_unload(&p);
		return -1;
	}
	plugins[nr_plugins++] = p;
	return 0;
}

void bdev_plugins_unload(void)
{
	while (nr_plugins)
		snap_plugin_unload(&plugins[--nr_plugins]);
}

void bdev_plugins_describe(void (*fn)(const char *line))
{
	for (unsigned int i = 0; i < nr_plugins; i++) {
		const struct snap_plugin *d = plugins[i].desc;
		char line[512];
		int n;

		n = snprintf(line, sizeof(line), "plugin %s %s from %s, bdev types:",
			     d->name, d->version ? d->version : "", plugins[i].path);
		for (const struct snap_plugin_bdev_type *t = d->bdev_types;
		     t->name && n > 0 && (size_t)n < sizeof(line); t++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", t->name);
		fn(line);
	}
}

void bdev_plugins_set_lookup(bdev_lookup_fn fn, void *arg)
{
	lookup = fn;
	lookup_arg = arg;
}

/* ---- what plugins call ---- */

static void host_complete(struct snap_plugin_io *pio, int status)
{
	struct plugin_io *p = (struct plugin_io *)pio;
	struct bdev_io *io = p->io;
	struct bdev *b = p->b;

	free(p);
	/* A positive status is a plugin bug; the host still gets an error. */
	bdev_io_complete(b, io, status > 0 ? -EIO : status);
}

static int host_param(const char *params, const char *key, char *buf, size_t len)
{
	return snap_plugin_param(params ? params : "", key, buf, len);
}

static struct snap_plugin_base *host_base_open(const char *name,
					       struct snap_plugin_bdev *geometry,
					       char *err, size_t errlen)
{
	struct bdev *b = lookup && name ? lookup(lookup_arg, name) : NULL;
	struct snap_plugin_base *base;

	if (!b) {
		snprintf(err, errlen, "no ready bdev %s", name ? name : "(null)");
		return NULL;
	}
	base = calloc(1, sizeof(*base));
	if (!base) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Held like an engine holds it: deleting it waits for base_close(). */
	atomic_fetch_add(&b->holders, 1);
	base->b = b;
	*geometry = (struct snap_plugin_bdev){
		.num_blocks = b->num_blocks,
		.block_size = b->block_size,
		.flags = b->flags,
	};
	return base;
}

static void host_base_close(struct snap_plugin_base *base)
{
	if (!base)
		return;
	atomic_fetch_sub(&base->b->holders, 1);
	free(base);
}

static void base_io_done(struct bdev_io *bio, int status)
{
	struct base_io *bi = bio->priv;
	struct snap_plugin_io *pio = bi->pio;
	snap_plugin_done_t done = bi->done;

	/* Freed first: done() may submit again. */
	free(bi);
	done(pio, status);
}

static int host_base_submit(struct snap_plugin_base *base, struct snap_plugin_io *pio,
			    snap_plugin_done_t done)
{
	struct base_io *bi;
	int ret;

	if (!base || !pio || !done || pio->op >= SNAP_BDEV_OP_COUNT)
		return -EINVAL;
	bi = calloc(1, sizeof(*bi));
	if (!bi)
		return -ENOMEM;
	bi->pio = pio;
	bi->done = done;
	bi->bio = (struct bdev_io){
		.op = (enum bdev_op)pio->op,
		.offset = pio->offset,
		.len = pio->len,
		.buf = pio->buf,
		.fua = pio->flags & SNAP_PLUGIN_IO_FUA,
		.done = base_io_done,
		.priv = bi,
	};
	ret = bdev_submit(base->b, &bi->bio);
	if (ret)
		free(bi);
	return ret;
}

static int host_base_poll(struct snap_plugin_base *base)
{
	return base ? bdev_poll(base->b) : 0;
}

static const struct snap_plugin_host host = {
	.abi_version = SNAP_PLUGIN_ABI_VERSION,
	.complete = host_complete,
	.log = log_msg,
	.param = host_param,
	.base_open = host_base_open,
	.base_close = host_base_close,
	.base_submit = host_base_submit,
	.base_poll = host_base_poll,
};

/* ---- the backend ---- */

static int plugin_submit(struct bdev *b, struct bdev_io *io)
{
	struct plugin_bdev *pb = (struct plugin_bdev *)b;
	struct plugin_io *p = malloc(sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->pio = (struct snap_plugin_io){
		.op = io->op,
		.flags = io->fua ? SNAP_PLUGIN_IO_FUA : 0,
		.offset = io->offset,
		.len = io->len,
		.buf = io->buf,
	};
	p->b = b;
	p->io = io;
	ret = pb->type->submit(pb->ctx, &p->pio);
	if (ret)
		free(p);
	return ret > 0 ? -EIO : ret;
}

static int plugin_poll(struct bdev *b)
{
	struct plugin_bdev *pb = (struct plugin_bdev *)b;

	return pb->type->poll ? pb->type->poll(pb->ctx) : 0;
}

static void plugin_destroy(struct bdev *b)
{
	struct plugin_bdev *pb = (struct plugin_bdev *)b;

	pb->type->close(pb->ctx);
	free(pb);
}

static const struct bdev_ops plugin_ops = {
	.type = "plugin",
	.submit = plugin_submit,
	.poll = plugin_poll,
	.destroy = plugin_destroy,
};

static int open_type(struct plugin_bdev *pb, const char *name, const char *def,
		     struct snap_plugin_bdev *out, char *err, size_t errlen)
{
	char type[64];
	int ret;

	if (snap_plugin_def_type(def, type, sizeof(type))) {
		snprintf(err, errlen, "definition '%s' does not start with a bdev type", def);
		return -EINVAL;
	}
	pb->type = find_type(type);
	if (!pb->type) {
		snprintf(err, errlen, "no loaded plugin provides bdev type %s (snap_service --plugin, %s)",
			 type, SNAP_PLUGINS_ENV);
		return -ENOENT;
	}
	ret = pb->type->open(&host, name, snap_plugin_def_params(def), out, err, errlen);
	if (ret && !*err)
		snprintf(err, errlen, "%s: %s", type, strerror(ret < 0 ? -ret : EIO));
	return ret;
}

struct bdev *bdev_plugin_create(const char *name, const char *def,
				uint32_t block_size, char *err, size_t errlen)
{
	struct plugin_bdev *pb = calloc(1, sizeof(*pb));
	struct snap_plugin_bdev out = { 0 };

	*err = '\0';
	if (!pb) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (open_type(pb, name, def ? def : "", &out, err, errlen))
		goto err_free;
	if (out.block_size != block_size) {
		snprintf(err, errlen, "%s gives %u-byte blocks, its definition says %u",
			 pb->type->name, out.block_size, block_size);
		goto err_close;
	}
	if (bdev_init(&pb->b, &plugin_ops, name, out.num_blocks, out.block_size)) {
		snprintf(err, errlen, "%s gives a bad geometry: %llu blocks of %u bytes",
			 pb->type->name, (unsigned long long)out.num_blocks, out.block_size);
		goto err_close;
	}
	pb->ctx = out.ctx;
	pb->b.flags = out.flags & (BDEV_F_VOLATILE_CACHE | BDEV_F_UNMAP_ZEROES);
	return &pb->b;

err_close:
	pb->type->close(out.ctx);
err_free:
	free(pb);
	return NULL;
}
