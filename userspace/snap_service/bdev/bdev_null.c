// SPDX-License-Identifier: GPL-2.0
/* The null backend: writes vanish, reads return zeroes, all at once. */
#include <stdlib.h>
#include <string.h>

#include "bdev.h"

static int null_submit(struct bdev *b, struct bdev_io *io)
{
	/* Zeroes rather than whatever the buffer held: a host reading a
	 * null device must not see stale pool contents. */
	if (io->op == BDEV_OP_READ)
		memset(io->buf, 0, io->len);
	bdev_io_complete(b, io, 0);
	return 0;
}

static void null_destroy(struct bdev *b)
{
	free(b);
}

static const struct bdev_ops null_ops = {
	.type = "null",
	.submit = null_submit,
	.destroy = null_destroy,
};

struct bdev *bdev_null_create(const char *name, uint64_t num_blocks,
			      uint32_t block_size)
{
	struct bdev *b = malloc(sizeof(*b));

	if (!b)
		return NULL;
	if (bdev_init(b, &null_ops, name, num_blocks, block_size)) {
		free(b);
		return NULL;
	}
	b->flags = BDEV_F_UNMAP_ZEROES;
	return b;
}
