// SPDX-License-Identifier: GPL-2.0
/* The malloc backend: a RAM disk. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bdev.h"

struct malloc_bdev {
	struct bdev bdev;
	uint8_t *data;
	size_t size;
};

/*
 * The backing store is a mapping: anonymous for tests and benchmarks (reads
 * as zeroes, only backed when touched), or the kernel's copy of the bdev
 * that the daemon maps from /dev/snap, so the contents outlive the daemon.
 * Either way destroy unmaps it.
 */
static void *malloc_backing_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void malloc_backing_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

static struct malloc_bdev *to_malloc(struct bdev *b)
{
	return (struct malloc_bdev *)b;
}

static int malloc_submit(struct bdev *b, struct bdev_io *io)
{
	struct malloc_bdev *m = to_malloc(b);

	switch (io->op) {
	case BDEV_OP_READ:
		memcpy(io->buf, m->data + io->offset, io->len);
		break;
	case BDEV_OP_WRITE:
		memcpy(m->data + io->offset, io->buf, io->len);
		break;
	case BDEV_OP_WRITE_ZEROES:
	case BDEV_OP_UNMAP:
		memset(m->data + io->offset, 0, io->len);
		break;
	case BDEV_OP_FLUSH:
	default:
		break;
	}
	bdev_io_complete(b, io, 0);
	return 0;
}

static void malloc_destroy(struct bdev *b)
{
	struct malloc_bdev *m = to_malloc(b);

	malloc_backing_free(m->data, m->size);
	free(m);
}

static const struct bdev_ops malloc_ops = {
	.type = "malloc",
	.submit = malloc_submit,
	.destroy = malloc_destroy,
};

static struct bdev *malloc_create(const char *name, uint64_t num_blocks,
				  uint32_t block_size, void *mem)
{
	struct malloc_bdev *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (bdev_init(&m->bdev, &malloc_ops, name, num_blocks, block_size) ||
	    num_blocks > SIZE_MAX / block_size) {
		free(m);
		return NULL;
	}
	m->size = num_blocks * block_size;
	m->data = mem ? mem : malloc_backing_alloc(m->size);
	if (!m->data) {
		free(m);
		return NULL;
	}
	m->bdev.flags = BDEV_F_UNMAP_ZEROES;
	return &m->bdev;
}

struct bdev *bdev_malloc_create(const char *name, uint64_t num_blocks,
				uint32_t block_size)
{
	return malloc_create(name, num_blocks, block_size, NULL);
}

struct bdev *bdev_malloc_create_mapped(const char *name, uint64_t num_blocks,
				       uint32_t block_size, void *mem)
{
	return mem ? malloc_create(name, num_blocks, block_size, mem) : NULL;
}
