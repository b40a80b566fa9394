// SPDX-License-Identifier: GPL-2.0
/* What every backend shares: submission checks, deferred completions and
 * error injection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bdev.h"

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

/* The submitter gets it back: it is no longer at the backend. */
static void io_done(struct bdev_io *io, int status)
{
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
	io_done(io, status);
}

int bdev_poll(struct bdev *b)
{
	struct bdev_io *list = b->done_head, *io;
	int n = 0;

	/* Detach first: a callback may submit (and queue) more I/O. */
	b->done_head = b->done_tail = NULL;
	while ((io = list)) {
		list = io->next;
		io_done(io, io->status);
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

void bdev_destroy(struct bdev *b)
{
	if (!b)
		return;
	/* Queued completions still belong to their submitters. */
	while (b->done_head)
		bdev_poll(b);
	b->ops->destroy(b);
}
