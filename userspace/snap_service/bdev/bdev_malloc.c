// SPDX-License-Identifier: GPL-2.0
/* The malloc backend: a RAM disk. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bdev.h"

/*
 * NVMe makes a one-block write atomic against every other read and write
 * (AWUN 0 means one block), and a disk's readers expect no less. One
 * thread's commands copy one after another, but a controller whose queues
 * run on several threads, or two controllers on one bdev, copy at once:
 * each block is copied under its stripe's lock, so a read never sees a
 * block half written. Stripes by block number keep neighbours apart.
 */
#define MALLOC_STRIPES	64

struct malloc_bdev {
	struct bdev bdev;
	uint8_t *data;
	size_t size;
	pthread_mutex_t stripe[MALLOC_STRIPES];
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

/* Moves @io's bytes one block at a time, each under its stripe's lock. */
static void malloc_copy_blocks(struct malloc_bdev *m, struct bdev_io *io)
{
	uint32_t bs = m->bdev.block_size;
	uint8_t *buf = io->buf;

	for (uint64_t off = 0; off < io->len; off += bs) {
		uint64_t pos = io->offset + off;
		pthread_mutex_t *lock = &m->stripe[(pos / bs) % MALLOC_STRIPES];

		pthread_mutex_lock(lock);
		if (io->op == BDEV_OP_READ)
			memcpy(buf + off, m->data + pos, bs);
		else if (io->op == BDEV_OP_WRITE)
			memcpy(m->data + pos, buf + off, bs);
		else
			memset(m->data + pos, 0, bs);
		pthread_mutex_unlock(lock);
	}
}

static int malloc_submit(struct bdev *b, struct bdev_io *io)
{
	switch (io->op) {
	case BDEV_OP_READ:
	case BDEV_OP_WRITE:
	case BDEV_OP_WRITE_ZEROES:
	case BDEV_OP_UNMAP:
		malloc_copy_blocks(to_malloc(b), io);
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
	for (int i = 0; i < MALLOC_STRIPES; i++)
		pthread_mutex_destroy(&m->stripe[i]);
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
	for (int i = 0; i < MALLOC_STRIPES; i++)
		pthread_mutex_init(&m->stripe[i], NULL);
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
