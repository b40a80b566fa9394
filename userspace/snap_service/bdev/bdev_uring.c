// SPDX-License-Identifier: GPL-2.0
/*
 * The uring backend: a regular file or a block device, driven through the
 * calling thread's io_uring. O_DIRECT when the file system allows it, so
 * the page cache neither doubles memory nor hides write errors; fixed
 * buffers when the data sits in the registered pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ioloop.h"
#include "bdev.h"
#include "bdev_uring.h"

struct uring_bdev {
	struct bdev b;
	int fd;
	bool blockdev;
	bool direct;			/* opened O_DIRECT */
};

/* One in-flight backend I/O; a read or write may take several rounds. */
struct uring_io {
	struct ioloop_req req;
	struct uring_bdev *ub;
	struct bdev_io *io;
	uint64_t done;
};

static int uring_prep(struct uring_io *u);

static void uring_io_finish(struct uring_io *u, int status)
{
	struct uring_bdev *ub = u->ub;
	struct bdev_io *io = u->io;

	free(u);
	bdev_io_complete(&ub->b, io, status);
}

static void uring_io_done(struct ioloop_req *req, int res)
{
	struct uring_io *u = (struct uring_io *)req;
	struct bdev_io *io = u->io;

	if (res < 0) {
		uring_io_finish(u, res);
		return;
	}
	if (io->op != BDEV_OP_READ && io->op != BDEV_OP_WRITE) {
		uring_io_finish(u, 0);
		return;
	}
	/* Nothing more to move at all means the file shrank under us. */
	if (res == 0) {
		uring_io_finish(u, -EIO);
		return;
	}
	u->done += (uint64_t)res;
	if (u->done >= io->len) {
		uring_io_finish(u, 0);
		return;
	}
	res = uring_prep(u);
	if (res)
		uring_io_finish(u, res);
	else
		ioloop_submit(ioloop_current);
}

static void prep_rw(struct io_uring_sqe *sqe, struct uring_io *u)
{
	struct bdev_io *io = u->io;
	struct ioloop *l = ioloop_current;
	unsigned char *buf = (unsigned char *)io->buf + u->done;
	unsigned int len = (unsigned int)(io->len - u->done);
	uint64_t off = io->offset + u->done;
	int idx = ioloop_fixed_index(l, buf, len);
	bool rd = io->op == BDEV_OP_READ;

	if (idx >= 0 && rd)
		io_uring_prep_read_fixed(sqe, u->ub->fd, buf, len, off, idx);
	else if (idx >= 0)
		io_uring_prep_write_fixed(sqe, u->ub->fd, buf, len, off, idx);
	else if (rd)
		io_uring_prep_read(sqe, u->ub->fd, buf, len, off);
	else
		io_uring_prep_write(sqe, u->ub->fd, buf, len, off);
	if (!rd && io->fua)
		sqe->rw_flags = RWF_DSYNC;
}

static int uring_prep(struct uring_io *u)
{
	struct io_uring_sqe *sqe = ioloop_sqe(ioloop_current, &u->req);
	struct bdev_io *io = u->io;

	if (!sqe)
		return -EBUSY;
	switch (io->op) {
	case BDEV_OP_READ:
	case BDEV_OP_WRITE:
		prep_rw(sqe, u);
		break;
	case BDEV_OP_FLUSH:
		io_uring_prep_fsync(sqe, u->ub->fd, IORING_FSYNC_DATASYNC);
		break;
	case BDEV_OP_WRITE_ZEROES:
		/* Block devices take fallocate too (blkdev_fallocate). */
		io_uring_prep_fallocate(sqe, u->ub->fd,
					FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
					io->offset, io->len);
		break;
	case BDEV_OP_UNMAP:
		io_uring_prep_fallocate(sqe, u->ub->fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					io->offset, io->len);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int uring_submit(struct bdev *b, struct bdev_io *io)
{
	struct uring_io *u;
	int ret;

	if (!ioloop_current)
		return -ENXIO;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->req.cb = uring_io_done;
	u->ub = (struct uring_bdev *)b;
	u->io = io;
	ret = uring_prep(u);
	if (ret) {
		free(u);
		return ret;
	}
	ioloop_submit(ioloop_current);
	return 0;
}

static void uring_destroy(struct bdev *b)
{
	struct uring_bdev *ub = (struct uring_bdev *)b;

	close(ub->fd);
	free(ub);
}

static const struct bdev_ops uring_ops = {
	.type = "uring",
	.submit = uring_submit,
	.destroy = uring_destroy,
};

/* Opens O_DIRECT when allowed (tmpfs, for one, refuses it). */
static int open_backing(const char *path, bool *direct)
{
	int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);

	*direct = fd >= 0;
	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Size in bytes and the smallest block O_DIRECT accepts. */
static int backing_geometry(int fd, bool *blockdev, uint64_t *size,
			    uint32_t *min_block)
{
	struct stat st;
	int lbs;

	if (fstat(fd, &st))
		return -errno;
	*blockdev = S_ISBLK(st.st_mode);
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		*min_block = 512;
		return 0;
	}
	if (!*blockdev)
		return -ENOTBLK;
	if (ioctl(fd, BLKGETSIZE64, size) || ioctl(fd, BLKSSZGET, &lbs))
		return -errno;
	*min_block = (uint32_t)lbs;
	return 0;
}

struct bdev *bdev_uring_create(const char *name, const char *path,
			       uint32_t block_size, char *err, size_t errlen)
{
	struct uring_bdev *ub;
	uint32_t min_block = 512;
	uint64_t size = 0;
	bool direct;
	int fd, ret;

	fd = open_backing(path, &direct);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-fd));
		return NULL;
	}
	ub = calloc(1, sizeof(*ub));
	if (!ub) {
		snprintf(err, errlen, "out of memory");
		goto err_close;
	}
	ret = backing_geometry(fd, &ub->blockdev, &size, &min_block);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path,
			 ret == -ENOTBLK ? "neither a regular file nor a block device" :
			 strerror(-ret));
		goto err_free;
	}
	if (!block_size)
		block_size = min_block;
	if (block_size < min_block) {
		snprintf(err, errlen, "%s: block size %u is below the device's %u",
			 path, block_size, min_block);
		goto err_free;
	}
	if (bdev_init(&ub->b, &uring_ops, name, size / block_size, block_size)) {
		snprintf(err, errlen, "%s: %llu bytes hold no %u-byte block (or bad block size)",
			 path, (unsigned long long)size, block_size);
		goto err_free;
	}
	ub->fd = fd;
	ub->direct = direct;
	/* A file or disk may cache writes: FLUSH must reach it. A punched
	 * hole reads back zeroes; a discarded disk block need not. */
	ub->b.flags = BDEV_F_VOLATILE_CACHE;
	if (!ub->blockdev)
		ub->b.flags |= BDEV_F_UNMAP_ZEROES;
	return &ub->b;

err_free:
	free(ub);
err_close:
	close(fd);
	return NULL;
}
