// SPDX-License-Identifier: GPL-2.0
/* Fault points of the debug build; see fault.h. */
#include "fault.h"

#ifdef SNAP_FAULT_INJECT

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const fault_names[SNAP_FAULT_COUNT] = {
	[SNAP_FAULT_POST] = "post",
	[SNAP_FAULT_XFER] = "xfer",
	[SNAP_FAULT_FETCH] = "fetch",
};

/* One point armed at a time; hits counted across I/O threads. */
static int armed = -1;
static unsigned long nth;
static unsigned long hits;
static void (*handler)(enum snap_fault f);

void snap_fault_arm(enum snap_fault f, unsigned long n)
{
	armed = (int)f;
	nth = n ? n : 1;
	__atomic_store_n(&hits, 0, __ATOMIC_RELAXED);
}

void snap_fault_disarm(void)
{
	armed = -1;
}

void snap_fault_set_handler(void (*fn)(enum snap_fault f))
{
	handler = fn;
}

int snap_fault_init(void)
{
	const char *spec = getenv("SNAP_FAULT");
	const char *at;
	size_t len;
	char *end;

	if (!spec || !*spec)
		return 0;
	at = strchr(spec, '@');
	len = at ? (size_t)(at - spec) : strlen(spec);
	for (int f = 0; f < SNAP_FAULT_COUNT; f++) {
		unsigned long n = 1;

		if (strlen(fault_names[f]) != len || strncmp(spec, fault_names[f], len))
			continue;
		if (at) {
			n = strtoul(at + 1, &end, 10);
			if (!n || *end)
				break;
		}
		snap_fault_arm((enum snap_fault)f, n);
		fprintf(stderr, "snap_service: fault point %s armed at hit %lu\n",
			fault_names[f], n);
		return 0;
	}
	fprintf(stderr, "snap_service: SNAP_FAULT=%s: want post, xfer or fetch[@N]\n",
		spec);
	return -1;
}

bool snap_fault_armed(enum snap_fault f)
{
	return armed == (int)f;
}

void snap_fault_point(enum snap_fault f)
{
	if (armed != (int)f ||
	    __atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED) != nth)
		return;
	if (handler) {
		handler(f);
		return;
	}
	/* Stderr is unbuffered: the line is out before the signal. */
	fprintf(stderr, "snap_service: fault point %s hit %lu: dying\n",
		fault_names[f], nth);
	kill(getpid(), SIGKILL);
}

#else
/* ISO C forbids an empty translation unit. */
typedef int snap_fault_unused;
#endif
