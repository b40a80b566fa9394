// SPDX-License-Identifier: GPL-2.0
/*
 * Per-queue I/O counters in the function state. Only the queue's own
 * thread writes them; the kernel reads them whenever it is asked, so a
 * reader may see a read counted before its bytes: counters, not a
 * snapshot.
 */
#include "iostats.h"

#include <time.h>

uint64_t io_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void io_stats_done(struct snap_io_stats *s, enum io_kind kind, uint64_t bytes,
		   uint64_t start_ns, bool error)
{
	uint64_t lat = start_ns ? io_stats_now() - start_ns : 0;

	if (error)
		s->errors++;
	switch (kind) {
	case IO_READ:
		s->read_ops++;
		s->read_bytes += bytes;
		s->read_lat_ns += lat;
		break;
	case IO_WRITE:
		s->write_ops++;
		s->write_bytes += bytes;
		s->write_lat_ns += lat;
		break;
	case IO_UNMAP:
		s->unmap_ops++;
		s->unmap_lat_ns += lat;
		break;
	case IO_FLUSH:
		s->flush_ops++;
		break;
	case IO_OTHER:
		s->other_ops++;
		break;
	}
}
