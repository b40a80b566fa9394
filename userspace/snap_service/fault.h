/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault points: places where a daemon built for the debug lane can be told
 * to die, to prove that a successor takes over without the host seeing
 * anything. Only a build with SNAP_FAULT_INJECT defined
 * (build/bin/snap_service-fault) has them; in the production daemon every
 * call below is an empty inline function.
 *
 * SNAP_FAULT=<point>[@<n>] in the environment arms one point: its n-th
 * hit (default 1) kills the daemon with SIGKILL, as `kill -9` would.
 */
#ifndef SNAP_FAULT_H
#define SNAP_FAULT_H

#include <stdbool.h>

/* Each point is in both engines (NVMe: CQEs and SQEs; virtio-blk: used
 * entries and chains). */
enum snap_fault {
	SNAP_FAULT_POST,	/* "post": completions posted, not yet released */
	SNAP_FAULT_XFER,	/* "xfer": half of a batch of data moved */
	SNAP_FAULT_FETCH,	/* "fetch": commands fetched, none yet run */
	SNAP_FAULT_COUNT
};

#ifdef SNAP_FAULT_INJECT
/* Read SNAP_FAULT; returns -1 (and says why on stderr) if malformed. */
int snap_fault_init(void);
bool snap_fault_armed(enum snap_fault f);
void snap_fault_point(enum snap_fault f);
/* Tests: called on the n-th hit instead of SIGKILL; NULL restores it. */
void snap_fault_set_handler(void (*fn)(enum snap_fault f));
void snap_fault_arm(enum snap_fault f, unsigned long nth);
void snap_fault_disarm(void);
#else
static inline int snap_fault_init(void)
{
	return 0;
}

static inline bool snap_fault_armed(enum snap_fault f)
{
	(void)f;
	return false;
}

static inline void snap_fault_point(enum snap_fault f)
{
	(void)f;
}
#endif

#endif /* SNAP_FAULT_H */
