// SPDX-License-Identifier: GPL-2.0
/* The per-thread io_uring event loop. */
#include "ioloop.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

__thread struct ioloop *ioloop_current;

int ioloop_init(struct ioloop *l, unsigned int entries)
{
	memset(l, 0, sizeof(*l));
	return io_uring_queue_init(entries, &l->ring, 0);
}

void ioloop_exit(struct ioloop *l)
{
	/*
	 * Synchronously, where the kernel would do it later, after the
	 * process: a daemon that stops cleanly lets go of the held file
	 * before it exits (the module may be unloaded right after).
	 */
	if (l->holds_file)
		io_uring_unregister_files(&l->ring);
	if (l->fixed_base)
		io_uring_unregister_buffers(&l->ring);
	free(l->fixed_set);
	l->fixed_set = NULL;
	io_uring_queue_exit(&l->ring);
	if (ioloop_current == l)
		ioloop_current = NULL;
}

static bool fixed_is_set(const struct ioloop *l, size_t i)
{
	return (l->fixed_set[i / 64] >> (i % 64)) & 1;
}

static void fixed_mark(struct ioloop *l, size_t i)
{
	l->fixed_set[i / 64] |= 1ull << (i % 64);
}

/* Chunks in [base, base + len), or 0 when the range cannot be a table. */
static size_t pool_chunks(const void *base, size_t len)
{
	if (!len || len % IOLOOP_FIXED_CHUNK || (uintptr_t)base % IOLOOP_FIXED_CHUNK)
		return 0;
	return len / IOLOOP_FIXED_CHUNK;
}

static int pool_table_init(struct ioloop *l, void *base, size_t len, size_t n)
{
	l->fixed_set = calloc((n + 63) / 64, sizeof(*l->fixed_set));
	if (!l->fixed_set)
		return -ENOMEM;
	l->fixed_base = base;
	l->fixed_len = len;
	return 0;
}

int ioloop_register_pool(struct ioloop *l, void *base, size_t len)
{
	size_t n = pool_chunks(base, len);
	struct iovec *iov;
	int ret;

	if (!n)
		return -EINVAL;
	iov = calloc(n, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = (unsigned char *)base + i * IOLOOP_FIXED_CHUNK;
		iov[i].iov_len = IOLOOP_FIXED_CHUNK;
	}
	ret = io_uring_register_buffers(&l->ring, iov, (unsigned int)n);
	free(iov);
	if (!ret)
		ret = pool_table_init(l, base, len, n);
	for (size_t i = 0; !ret && i < n; i++)
		fixed_mark(l, i);
	return ret;
}

int ioloop_register_pool_sparse(struct ioloop *l, void *base, size_t len)
{
	size_t n = pool_chunks(base, len);
	int ret;

	if (!n)
		return -EINVAL;
	ret = io_uring_register_buffers_sparse(&l->ring, (unsigned int)n);
	return ret ? ret : pool_table_init(l, base, len, n);
}

int ioloop_register_chunk(struct ioloop *l, void *chunk)
{
	const unsigned char *p = chunk;
	struct iovec iov = { .iov_base = chunk, .iov_len = IOLOOP_FIXED_CHUNK };
	size_t i;
	int ret;

	if (!l->fixed_base || p < l->fixed_base ||
	    (size_t)(p - l->fixed_base) >= l->fixed_len ||
	    (size_t)(p - l->fixed_base) % IOLOOP_FIXED_CHUNK)
		return -EINVAL;
	i = (size_t)(p - l->fixed_base) / IOLOOP_FIXED_CHUNK;
	if (fixed_is_set(l, i))
		return 0;
	ret = io_uring_register_buffers_update_tag(&l->ring, (unsigned int)i, &iov, NULL, 1);
	if (ret < 0)
		return ret;
	fixed_mark(l, i);
	return 0;
}

int ioloop_hold_file(struct ioloop *l, int fd)
{
	int ret = io_uring_register_files(&l->ring, &fd, 1);

	l->holds_file = !ret;
	return ret;
}

int ioloop_fixed_index(const struct ioloop *l, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t off;

	if (!l->fixed_base || p < l->fixed_base || !len)
		return -1;
	off = (size_t)(p - l->fixed_base);
	if (off >= l->fixed_len || len > l->fixed_len - off)
		return -1;
	/* A fixed buffer is one chunk: the range must not leave it. */
	if (off / IOLOOP_FIXED_CHUNK != (off + len - 1) / IOLOOP_FIXED_CHUNK)
		return -1;
	if (!fixed_is_set(l, off / IOLOOP_FIXED_CHUNK))
		return -1;
	return (int)(off / IOLOOP_FIXED_CHUNK);
}

struct io_uring_sqe *ioloop_sqe(struct ioloop *l, struct ioloop_req *req)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe) {
		io_uring_submit(&l->ring);
		sqe = io_uring_get_sqe(&l->ring);
		if (!sqe)
			return NULL;
	}
	io_uring_sqe_set_data(sqe, req);
	l->inflight++;
	return sqe;
}

int ioloop_submit(struct ioloop *l)
{
	return io_uring_submit(&l->ring);
}

int ioloop_reap(struct ioloop *l, bool wait)
{
	struct io_uring_cqe *cqe;
	int n = 0;

	if (wait && l->inflight) {
		int ret = io_uring_submit_and_wait(&l->ring, 1);

		if (ret < 0 && ret != -EINTR)
			return ret;
	} else if (io_uring_sq_ready(&l->ring)) {
		/* A busy loop never sleeps: SQEs queued meanwhile go now. */
		io_uring_submit(&l->ring);
	}
	while (io_uring_peek_cqe(&l->ring, &cqe) == 0) {
		struct ioloop_req *req = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&l->ring, cqe);
		l->inflight--;
		n++;
		if (req && req->cb)
			req->cb(req, res);
	}
	return n;
}
