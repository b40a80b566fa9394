/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_LIB_EVENTS_H
#define SNAP_LIB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>

/*
 * The snap family's "events" multicast group: every object change, as
 * GET would describe the object. Used by `snapadm monitor` and by the
 * daemon to follow what the administrator does while it runs.
 */
struct snap_events;

/*
 * Called per event with its SNAP_A_* table; tb is NULL for an event that
 * failed validation (the caller decides whether to warn).
 */
typedef void (*snap_event_fn)(void *arg, uint8_t cmd, struct nlattr **tb);

/* Joins the group; why says what went wrong. Returns 0 or -errno. */
int snap_events_open(struct snap_events **out, snap_event_fn fn, void *arg,
		     char *why, size_t len);
void snap_events_close(struct snap_events *ev);

/* A non-blocking descriptor to poll for POLLIN. */
int snap_events_fd(const struct snap_events *ev);

/*
 * Delivers the events of the next queued message (a poll loop calls it
 * again while the descriptor stays readable). Returns 0; -ENOBUFS when the
 * kernel dropped events because the socket buffer overran (a listener
 * that mirrors state must then reload it); or another -errno.
 */
int snap_events_receive(struct snap_events *ev);

/*
 * Delivers every event queued now, as snap_events_receive returns: for a
 * listener that must have seen the changes it just caused.
 */
int snap_events_receive_all(struct snap_events *ev);

/*
 * Discards every queued event. A listener that lost events calls this
 * before reloading: the kernel keeps dropping this socket's events until
 * its queue has been emptied once, and would otherwise drop, without a
 * second error, the events of changes made after the reload.
 */
void snap_events_drain(struct snap_events *ev);

/* The socket's receive buffer in bytes (past rmem_max when privileged). */
void snap_events_set_rcvbuf(struct snap_events *ev, int bytes);

#endif
