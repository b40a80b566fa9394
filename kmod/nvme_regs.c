// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe controller registers and the enable/disable/shutdown handshake.
 *
 * The host's register writes are turned into events for the daemon, and
 * CSTS only moves when the daemon has answered, so a controller the host
 * sees as ready always has somebody serving it. Without a daemon the host
 * must still be able to reset and unbind: disable and shutdown then
 * complete at once, while an enable waits (RDY=0) for a daemon.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/snap.h>
#include <kunit/visibility.h>

#include "nvme_regs.h"

#define SNAP_NVME_CAP_CQR	BIT_ULL(16)
#define SNAP_NVME_CAP_TO_SHIFT	24
#define SNAP_NVME_CAP_CSS_NVM	BIT_ULL(37)
#define SNAP_NVME_DEFAULT_DEPTH_LOG2	6

/**
 * snap_nvme_cap() - the CAP register of an emulated controller
 * @max_queue_depth_log2: nvme_emulation_max_queue_depth (0 means 64)
 *
 * Contiguous queues required, round robin only, doorbell stride 4, the
 * NVM command set, 4 KiB memory pages only.
 *
 * Return: the 64-bit CAP value.
 */
u64 snap_nvme_cap(unsigned int max_queue_depth_log2)
{
	unsigned int log2 = max_queue_depth_log2 ?: SNAP_NVME_DEFAULT_DEPTH_LOG2;
	u64 mqes = (1ULL << log2) - 1;	/* 0's based */

	return mqes | SNAP_NVME_CAP_CQR |
	       ((u64)SNAP_NVME_CAP_TO << SNAP_NVME_CAP_TO_SHIFT) |
	       SNAP_NVME_CAP_CSS_NVM;
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_cap);

/* Version 1.4.0: what the daemon's admin command set implements. */
u32 snap_nvme_vs(void)
{
	return (1U << 16) | (4U << 8);
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_vs);

void snap_nvme_hs_reset(struct snap_nvme_hs *hs)
{
	hs->state = SNAP_HS_DISABLED;
	hs->cc = 0;
	hs->csts = 0;
	hs->event = 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_reset);

static unsigned int snap_hs_disabled(struct snap_nvme_hs *hs)
{
	hs->state = SNAP_HS_DISABLED;
	hs->csts = 0;
	hs->event = 0;
	return SNAP_HS_CLEAR_QUEUES;
}

static unsigned int snap_hs_shutdown_done(struct snap_nvme_hs *hs)
{
	hs->state = SNAP_HS_SHUTDOWN;
	hs->csts = (hs->csts & ~SNAP_NVME_CSTS_SHST_MASK) |
		   SNAP_NVME_CSTS_SHST_CMPLT;
	hs->event = 0;
	return 0;
}

static unsigned int snap_hs_ask(struct snap_nvme_hs *hs, u16 event)
{
	hs->event = event;
	return SNAP_HS_SEND_EVENT;
}

/* CC.EN 1 -> 0 from a state where the daemon may be serving queues. */
static unsigned int snap_hs_begin_disable(struct snap_nvme_hs *hs, bool daemon)
{
	if (!daemon)
		return snap_hs_disabled(hs);
	/* RDY stays 1: the host waits until the daemon stopped using its memory. */
	hs->state = SNAP_HS_DISABLING;
	return snap_hs_ask(hs, SNAP_EV_CTRL_DISABLE);
}

/**
 * snap_nvme_hs_cc_write() - the host wrote CC
 * @hs: handshake state
 * @cc: the new CC value
 * @daemon: a daemon is attached
 * @running: the function has a controller object and it is running
 *
 * Return: SNAP_HS_* actions for the caller.
 */
unsigned int snap_nvme_hs_cc_write(struct snap_nvme_hs *hs, u32 cc,
				   bool daemon, bool running)
{
	bool en = cc & SNAP_NVME_CC_EN;
	bool shn = cc & SNAP_NVME_CC_SHN_MASK;
	unsigned int actions = 0;

	hs->cc = cc;
	switch (hs->state) {
	case SNAP_HS_DISABLED:
		if (!en)
			break;
		hs->state = SNAP_HS_ENABLING;
		hs->csts = 0;
		if (daemon && running)
			actions = snap_hs_ask(hs, SNAP_EV_CTRL_ENABLE);
		break;
	case SNAP_HS_ENABLING:
		/* Nobody served the queues yet: nothing to wait for. */
		if (!en)
			actions = snap_hs_disabled(hs);
		break;
	case SNAP_HS_READY:
		if (!en) {
			actions = snap_hs_begin_disable(hs, daemon);
		} else if (shn) {
			hs->csts = (hs->csts & ~SNAP_NVME_CSTS_SHST_MASK) |
				   SNAP_NVME_CSTS_SHST_OCCUR;
			if (!daemon) {
				actions = snap_hs_shutdown_done(hs);
				break;
			}
			hs->state = SNAP_HS_SHUTTING_DOWN;
			actions = snap_hs_ask(hs, SNAP_EV_CTRL_SHUTDOWN);
		}
		break;
	case SNAP_HS_SHUTTING_DOWN:
	case SNAP_HS_SHUTDOWN:
		/* A disable overrides a shutdown the daemon has not answered. */
		if (!en)
			actions = snap_hs_begin_disable(hs, daemon);
		break;
	case SNAP_HS_FAILED:
		/* The daemon gave up on this enable: nothing to drain. */
		if (!en)
			actions = snap_hs_disabled(hs);
		break;
	case SNAP_HS_DISABLING:
		/*
		 * A host waits for RDY=0 before it enables again; the value is
		 * kept in @hs->cc and acted on by the next write.
		 */
		break;
	}
	return actions;
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_cc_write);

/**
 * snap_nvme_hs_gate() - whether the daemon can be asked changed
 * @hs: handshake state
 * @daemon: a daemon is attached
 * @running: the function has a controller object and it is running
 *
 * An enable waits for the gate to open; it is asked again of the next
 * daemon when the one asked went away unanswered. A disable or shutdown
 * whose daemon went away completes, since nobody serves the queues.
 *
 * Return: SNAP_HS_* actions for the caller.
 */
unsigned int snap_nvme_hs_gate(struct snap_nvme_hs *hs, bool daemon,
			       bool running)
{
	if (!daemon) {
		switch (hs->state) {
		case SNAP_HS_ENABLING:
			hs->event = 0;
			return 0;
		case SNAP_HS_DISABLING:
			return snap_hs_disabled(hs);
		case SNAP_HS_SHUTTING_DOWN:
			return snap_hs_shutdown_done(hs);
		default:
			return 0;
		}
	}
	if (hs->state == SNAP_HS_ENABLING && running && !hs->event)
		return snap_hs_ask(hs, SNAP_EV_CTRL_ENABLE);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_gate);

/**
 * snap_nvme_hs_ctrl_gone() - the function's controller object was destroyed
 * @hs: handshake state
 *
 * What the host enabled went with the controller, as if it had failed:
 * CSTS.CFS without RDY until the host clears CC.EN (NVMe 2.0 section
 * 3.1.4.2: the host resets), nothing is awaited of the daemon any more
 * and every queue and in-flight command is forgotten, so a controller
 * created later on the function starts from nothing. An enable not yet
 * answered keeps waiting: it is asked of the next controller.
 *
 * Return: SNAP_HS_* actions for the caller.
 */
unsigned int snap_nvme_hs_ctrl_gone(struct snap_nvme_hs *hs)
{
	switch (hs->state) {
	case SNAP_HS_DISABLED:
		return 0;
	case SNAP_HS_ENABLING:
		hs->event = 0;
		return 0;
	default:
		hs->state = SNAP_HS_FAILED;
		hs->csts = SNAP_NVME_CSTS_CFS;
		hs->event = 0;
		return SNAP_HS_CLEAR_QUEUES;
	}
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_ctrl_gone);

/**
 * snap_nvme_hs_done() - the daemon answered a control event
 * @hs: handshake state
 * @event: the SNAP_EV_CTRL_* answered
 * @status: 0 for success
 * @actions: SNAP_HS_* actions for the caller
 *
 * A failed enable leaves CSTS.CFS set until the host clears CC.EN; a
 * failed disable or shutdown still completes, as the host can do nothing
 * else with it.
 *
 * Return: 0, or -EINVAL when @event is not the one awaited.
 */
int snap_nvme_hs_done(struct snap_nvme_hs *hs, u16 event, u32 status,
		      unsigned int *actions)
{
	*actions = 0;
	if (!hs->event || event != hs->event)
		return -EINVAL;

	switch (hs->state) {
	case SNAP_HS_ENABLING:
		hs->event = 0;
		if (status) {
			hs->state = SNAP_HS_FAILED;
			hs->csts = SNAP_NVME_CSTS_CFS;
		} else {
			hs->state = SNAP_HS_READY;
			hs->csts = SNAP_NVME_CSTS_RDY;
		}
		return 0;
	case SNAP_HS_DISABLING:
		*actions = snap_hs_disabled(hs);
		return 0;
	case SNAP_HS_SHUTTING_DOWN:
		*actions = snap_hs_shutdown_done(hs);
		return 0;
	default:
		/* hs->event is only set in the three states above. */
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_done);

/**
 * snap_nvme_admin_queues_ok() - whether an enable's admin queues are usable
 * @aqa: AQA
 * @asq: ASQ
 * @acq: ACQ
 *
 * ASQ and ACQ are 4 KiB aligned (their bits 11:0 are reserved with the one
 * page size CAP offers) and not 0, and each queue has at least two entries
 * (AQA.ASQS and ACQS are 0's based; 0 is invalid).
 *
 * Return: true when the daemon can be asked to serve them.
 */
bool snap_nvme_admin_queues_ok(u32 aqa, u64 asq, u64 acq)
{
	return asq && acq && !((asq | acq) & (SNAP_NVME_PAGE_SIZE - 1)) &&
	       (aqa & SNAP_NVME_AQA_QS_MASK) &&
	       ((aqa >> SNAP_NVME_AQA_ACQS_SHIFT) & SNAP_NVME_AQA_QS_MASK);
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_admin_queues_ok);

/**
 * snap_nvme_hs_refuse_enable() - an enable that cannot be served
 * @hs: handshake state, just moved to ENABLING by snap_nvme_hs_cc_write()
 *
 * For admin queues snap_nvme_admin_queues_ok() refuses: CSTS.CFS at once,
 * rather than an RDY that never comes; nobody is asked, and the host's
 * CC.EN=0 clears it as for an enable the daemon failed.
 *
 * Return: SNAP_HS_* actions for the caller (none).
 */
unsigned int snap_nvme_hs_refuse_enable(struct snap_nvme_hs *hs)
{
	hs->state = SNAP_HS_FAILED;
	hs->csts = SNAP_NVME_CSTS_CFS;
	hs->event = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_refuse_enable);

/**
 * snap_nvme_hs_fatal() - the daemon met an error only a reset ends
 * @hs: handshake state
 *
 * CSTS.CFS joins RDY (NVMe 2.0 section 3.1.4.2: the host notices it and
 * resets the controller); the state does not change, so the host's
 * CC.EN=0 still waits for the daemon to drain, and that reset clears CFS.
 *
 * Return: 0, or -EINVAL when the daemon never answered an enable with
 * success (it fails an enable through its answer instead).
 */
int snap_nvme_hs_fatal(struct snap_nvme_hs *hs)
{
	switch (hs->state) {
	case SNAP_HS_READY:
	case SNAP_HS_DISABLING:
	case SNAP_HS_SHUTTING_DOWN:
	case SNAP_HS_SHUTDOWN:
		hs->csts |= SNAP_NVME_CSTS_CFS;
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(snap_nvme_hs_fatal);
