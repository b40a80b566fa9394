/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the bdev tests share: an I/O that records how it ended, for tests
 * that drive a backend directly (a struct waiter's io is what they
 * submit, with .done = waiter_done).
 */
#ifndef SNAP_TESTS_BDEV_HARNESS_H
#define SNAP_TESTS_BDEV_HARNESS_H

#include <errno.h>
#include <stdbool.h>

#include "../snap_service/bdev/bdev.h"

struct waiter {
	struct bdev_io io;	/* first: done() gets it back */
	int status;
	bool done;
};

static inline void waiter_done(struct bdev_io *io, int status)
{
	struct waiter *w = (struct waiter *)io;

	w->status = status;
	w->done = true;
}

/*
 * One I/O of @len bytes at byte @offset on a backend that completes it
 * inside submit or its next bdev_poll(): the submit's error, the I/O's
 * status, or -EINPROGRESS when it had not ended by then.
 */
static inline int waiter_run(struct bdev *b, enum bdev_op op, uint64_t offset,
			     uint64_t len, void *buf)
{
	struct waiter w = {
		.io = { .op = op, .offset = offset, .len = len, .buf = buf,
			.done = waiter_done },
	};
	int ret = bdev_submit(b, &w.io);

	if (ret)
		return ret;
	bdev_poll(b);
	return w.done ? w.status : -EINPROGRESS;
}

#endif /* SNAP_TESTS_BDEV_HARNESS_H */
