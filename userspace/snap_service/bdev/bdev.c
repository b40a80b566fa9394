// SPDX-License-Identifier: GPL-2.0
/* What every backend shares: submission checks, deferred completions,
 * error injection and I/O counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bdev.h"
#include "iostats.h"

int bdev_init(struct bdev *b, const struct bdev_ops *ops, const char *name,
	      uint64_t num_blocks, uint32_t block_size)
{
	if (block_size < 512 || block_size > 65536 ||
	    (block_size & (block_size - 1)) || num_blocks == 0)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	atomic_init(&b->holders, 0);
	b->ops = ops;
	snprintf(b->name, sizeof(b->name), "%s", name ? name : "");
	b->num_blocks = num_blocks;
	b->block_size = block_size;
	b->inject_op = -1;
	return 0;
}

static bool io_in_range(const struct bdev *b, const struct bdev_io *io)
{
	uint64_t size = b->num_blocks * b->block_size;

	if (io->op == BDEV_OP_FLUSH)
		return true;
	if (io->offset % b->block_size || io->len % b->block_size)
		return false;
	return io->offset <= size && io->len <= size - io->offset;
}

/* An injected error takes the path of a real one: through done(). */
static bool take_injected_error(struct bdev *b, struct bdev_io *io)
{
	if (!b->inject_count || b->inject_op != (int)io->op)
		return false;
	b->inject_count--;
	bdev_io_complete(b, io, b->inject_status);
	return true;
}

int bdev_submit(struct bdev *b, struct bdev_io *io)
{
	int ret;

	if ((unsigned int)io->op >= __BDEV_OP_MAX || !io->done)
		return -EINVAL;
	if (!io_in_range(b, io))
		return -EINVAL;
	if ((io->op == BDEV_OP_READ || io->op == BDEV_OP_WRITE) && !io->buf &&
	    io->len)
		return -EINVAL;
	io->next = NULL;
	io->start_ns = b->stats ? io_stats_now() : 0;
	/* Before the submit: a backend may complete inline. */
	if (io->tally)
		(*io->tally)++;
	if (take_injected_error(b, io))
		return 0;
	ret = b->ops->submit(b, io);
	if (ret && io->tally)
		(*io->tally)--;
	return ret;
}

static enum io_kind io_kind_of(enum bdev_op op)
{
	switch (op) {
	case BDEV_OP_READ:
		return IO_READ;
	case BDEV_OP_WRITE:
		return IO_WRITE;
	case BDEV_OP_UNMAP:
		return IO_UNMAP;
	case BDEV_OP_FLUSH:
		return IO_FLUSH;
	default:
		return IO_OTHER;	/* write zeroes */
	}
}

/* Bytes count for the data an I/O moved, so only for one that succeeded. */
static void count_io(struct snap_bdev_stats *st, const struct bdev_io *io,
		     int status)
{
	enum io_kind kind = io_kind_of(io->op);
	bool data = kind == IO_READ || kind == IO_WRITE;
	uint64_t lat;

	lat = io_stats_done(&st->io, kind, !status && data ? io->len : 0,
			    io->start_ns, status != 0);
	if (status)
		return;
	switch (kind) {
	case IO_READ:
		io_stats_max(&st->max_read_lat_ns, lat);
		io_stats_min(&st->min_read_lat_ns, lat);
		break;
	case IO_WRITE:
		io_stats_max(&st->max_write_lat_ns, lat);
		io_stats_min(&st->min_write_lat_ns, lat);
		break;
	case IO_UNMAP:
		io_stats_add(&st->unmap_bytes, io->len);
		io_stats_max(&st->max_unmap_lat_ns, lat);
		io_stats_min(&st->min_unmap_lat_ns, lat);
		break;
	default:
		break;
	}
}

/* The submitter gets it back: it is no longer at the backend. Counted
 * first, as done() may reuse io. */
static void io_done(struct bdev *b, struct bdev_io *io, int status)
{
	if (b->stats)
		count_io(b->stats, io, status);
	if (io->tally)
		(*io->tally)--;
	io->done(io, status);
}

void bdev_io_complete(struct bdev *b, struct bdev_io *io, int status)
{
	if (b->defer) {
		io->status = status;
		io->next = NULL;
		if (b->done_tail)
			b->done_tail->next = io;
		else
			b->done_head = io;
		b->done_tail = io;
		return;
	}
	io_done(b, io, status);
}

int bdev_poll(struct bdev *b)
{
	struct bdev_io *list = b->done_head, *io;
	int n = 0;

	/* Detach first: a callback may submit (and queue) more I/O. Only a
	 * deferring bdev has a queue, and only one thread then uses it: the
	 * others (a controller's queue groups) must not write to it. */
	if (list)
		b->done_head = b->done_tail = NULL;
	while ((io = list)) {
		list = io->next;
		io_done(b, io, io->status);
		n++;
	}
	if (b->ops->poll)
		n += b->ops->poll(b);
	return n;
}

void bdev_set_defer(struct bdev *b, bool defer)
{
	b->defer = defer;
}

void bdev_inject_error(struct bdev *b, enum bdev_op op, int status,
		       unsigned int count)
{
	b->inject_op = op;
	b->inject_status = status;
	b->inject_count = count;
}

void bdev_set_stats(struct bdev *b, struct snap_bdev_stats *stats,
		    void (*release)(struct snap_bdev_stats *stats))
{
	b->stats = stats;
	b->stats_release = release;
}

void bdev_destroy(struct bdev *b)
{
	void (*release)(struct snap_bdev_stats *stats);
	struct snap_bdev_stats *stats;

	if (!b)
		return;
	/* Queued completions still belong to their submitters. */
	while (b->done_head)
		bdev_poll(b);
	stats = b->stats;
	release = b->stats_release;
	b->ops->destroy(b);
	if (release)
		release(stats);
}
