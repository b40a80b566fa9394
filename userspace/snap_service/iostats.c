// SPDX-License-Identifier: GPL-2.0
/*
 * Per-queue I/O counters in the function state. Only the queue's own
 * thread writes them; the kernel reads them whenever it is asked, each
 * counter whole, so a reader may see a read counted before its bytes:
 * counters, not a snapshot.
 */
#include "iostats.h"

#include <time.h>

uint64_t io_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whole stores: the kernel may read a counter at any time. */
static void add(__u64 *counter, uint64_t v)
{
	__atomic_store_n(counter, *counter + v, __ATOMIC_RELAXED);
}

void io_stats_done(struct snap_io_stats *s, enum io_kind kind, uint64_t bytes,
		   uint64_t start_ns, bool error)
{
	uint64_t lat = start_ns ? io_stats_now() - start_ns : 0;

	if (error)
		add(&s->errors, 1);
	switch (kind) {
	case IO_READ:
		add(&s->read_ops, 1);
		add(&s->read_bytes, bytes);
		add(&s->read_lat_ns, lat);
		break;
	case IO_WRITE:
		add(&s->write_ops, 1);
		add(&s->write_bytes, bytes);
		add(&s->write_lat_ns, lat);
		break;
	case IO_UNMAP:
		add(&s->unmap_ops, 1);
		add(&s->unmap_lat_ns, lat);
		break;
	case IO_FLUSH:
		add(&s->flush_ops, 1);
		break;
	case IO_OTHER:
		add(&s->other_ops, 1);
		break;
	}
}
