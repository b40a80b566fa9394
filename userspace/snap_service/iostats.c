// SPDX-License-Identifier: GPL-2.0
/*
 * I/O counters in memory the kernel keeps: per queue in the function
 * state, per bdev in the bdev's page. A bdev's counters are updated by
 * every thread that uses it, so each update is one atomic operation; the
 * kernel reads them whenever it is asked, each counter whole, so a reader
 * may see a read counted before its bytes: counters, not a snapshot.
 */
#include "iostats.h"

#include <time.h>

uint64_t io_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void io_stats_add(__u64 *counter, uint64_t v)
{
	__atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
}

void io_stats_max(__u64 *counter, uint64_t v)
{
	__u64 cur = __atomic_load_n(counter, __ATOMIC_RELAXED);

	while (v > cur && !__atomic_compare_exchange_n(counter, &cur, v, true,
						      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void io_stats_min(__u64 *counter, uint64_t v)
{
	__u64 cur = __atomic_load_n(counter, __ATOMIC_RELAXED);

	/* 0 is "none yet": a 0 ns latency is recorded as 1. */
	if (!v)
		v = 1;
	while ((!cur || v < cur) &&
	       !__atomic_compare_exchange_n(counter, &cur, v, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

uint64_t io_stats_done(struct snap_io_stats *s, enum io_kind kind, uint64_t bytes,
		       uint64_t start_ns, bool error)
{
	uint64_t lat = start_ns ? io_stats_now() - start_ns : 0;

	if (error)
		io_stats_add(&s->errors, 1);
	switch (kind) {
	case IO_READ:
		io_stats_add(&s->read_ops, 1);
		io_stats_add(&s->read_bytes, bytes);
		io_stats_add(&s->read_lat_ns, lat);
		break;
	case IO_WRITE:
		io_stats_add(&s->write_ops, 1);
		io_stats_add(&s->write_bytes, bytes);
		io_stats_add(&s->write_lat_ns, lat);
		break;
	case IO_UNMAP:
		io_stats_add(&s->unmap_ops, 1);
		io_stats_add(&s->unmap_lat_ns, lat);
		break;
	case IO_FLUSH:
		io_stats_add(&s->flush_ops, 1);
		break;
	case IO_OTHER:
		io_stats_add(&s->other_ops, 1);
		break;
	}
	return lat;
}

void io_stats_read_failed_late(struct snap_io_stats *s, uint64_t bytes)
{
	io_stats_add(&s->errors, 1);
	io_stats_add(&s->read_bytes, -bytes);	/* modulo 2^64: a subtraction */
}
