// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the NVMe register values and every transition of the
 * enable/disable/shutdown handshake, with and without a daemon.
 */
#include <kunit/test.h>
#include <linux/snap.h>

#include "nvme_regs.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define EN	SNAP_NVME_CC_EN
#define SHN_NORMAL	BIT(SNAP_NVME_CC_SHN_SHIFT)
#define RDY	SNAP_NVME_CSTS_RDY
#define CFS	SNAP_NVME_CSTS_CFS
#define SHST_OCCUR	SNAP_NVME_CSTS_SHST_OCCUR
#define SHST_CMPLT	SNAP_NVME_CSTS_SHST_CMPLT
#define SEND	SNAP_HS_SEND_EVENT
#define CLEAR	SNAP_HS_CLEAR_QUEUES

static void snap_nvme_cap_fields(struct kunit *test)
{
	u64 cap = snap_nvme_cap(0);

	KUNIT_EXPECT_EQ(test, cap & 0xffff, 63ULL);		/* MQES: 64 */
	KUNIT_EXPECT_EQ(test, (cap >> 16) & 1, 1ULL);		/* CQR */
	KUNIT_EXPECT_EQ(test, (cap >> 17) & 3, 0ULL);		/* AMS */
	KUNIT_EXPECT_EQ(test, (cap >> 24) & 0xff, (u64)SNAP_NVME_CAP_TO);
	KUNIT_EXPECT_EQ(test, (cap >> 32) & 0xf, 0ULL);		/* DSTRD */
	KUNIT_EXPECT_EQ(test, (cap >> 36) & 1, 0ULL);		/* NSSRS */
	KUNIT_EXPECT_EQ(test, (cap >> 37) & 0xff, 1ULL);	/* CSS: NVM */
	KUNIT_EXPECT_EQ(test, (cap >> 48) & 0xf, 0ULL);		/* MPSMIN */
	KUNIT_EXPECT_EQ(test, (cap >> 52) & 0xf, 0ULL);		/* MPSMAX */

	KUNIT_EXPECT_EQ(test, snap_nvme_cap(1) & 0xffff, 1ULL);
	KUNIT_EXPECT_EQ(test, snap_nvme_cap(6) & 0xffff, 63ULL);
	KUNIT_EXPECT_EQ(test, snap_nvme_cap(12) & 0xffff, 4095ULL);
	/* Only MQES depends on the depth. */
	KUNIT_EXPECT_EQ(test, snap_nvme_cap(12) & ~0xffffULL, cap & ~0xffffULL);
	KUNIT_EXPECT_EQ(test, snap_nvme_vs(), 0x00010400U);
}

static void hs_init(struct snap_nvme_hs *hs)
{
	snap_nvme_hs_reset(hs);
}

/* Brings @hs to READY through a daemon-answered enable. */
static void hs_ready(struct kunit *test, struct snap_nvme_hs *hs)
{
	unsigned int actions;

	hs_init(hs);
	KUNIT_ASSERT_EQ(test, snap_nvme_hs_cc_write(hs, EN, true, true), SEND);
	KUNIT_ASSERT_EQ(test, snap_nvme_hs_done(hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), 0);
	KUNIT_ASSERT_EQ(test, hs->state, SNAP_HS_READY);
}

static void snap_hs_reset_state(struct kunit *test)
{
	struct snap_nvme_hs hs = { .state = SNAP_HS_READY, .cc = EN,
				   .csts = RDY, .event = 3 };

	snap_nvme_hs_reset(&hs);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.cc, 0U);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
}

static void snap_hs_enable_ok(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_ENABLE);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, hs.cc, EN);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, actions, 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_READY);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
}

static void snap_hs_enable_fail(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_init(&hs);
	snap_nvme_hs_cc_write(&hs, EN, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 5,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_FAILED);
	KUNIT_EXPECT_EQ(test, hs.csts, CFS);

	/* CFS stays until CC.EN=0; then there is nothing to drain. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true,
						    true), 0U);
	KUNIT_EXPECT_EQ(test, hs.csts, CFS);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
}

static void snap_admin_queues_checked(struct kunit *test)
{
	const u32 aqa = (31U << 16) | 31;	/* 32 entries each */

	KUNIT_EXPECT_TRUE(test, snap_nvme_admin_queues_ok(aqa, 0x10000, 0x11000));
	KUNIT_EXPECT_TRUE(test, snap_nvme_admin_queues_ok((1U << 16) | 1, 0x1000, 0x2000));
	KUNIT_EXPECT_TRUE(test, snap_nvme_admin_queues_ok(0x0fff0fff, 0x1000, 0x2000));
	KUNIT_EXPECT_FALSE(test, snap_nvme_admin_queues_ok(aqa, 0x10008, 0x11000));
	KUNIT_EXPECT_FALSE(test, snap_nvme_admin_queues_ok(aqa, 0x10000, 0x11800));
	KUNIT_EXPECT_FALSE(test, snap_nvme_admin_queues_ok(aqa, 0, 0x11000));
	KUNIT_EXPECT_FALSE(test, snap_nvme_admin_queues_ok(aqa, 0x10000, 0));
	KUNIT_EXPECT_FALSE(test, snap_nvme_admin_queues_ok(31U << 16, 0x10000, 0x11000));
	KUNIT_EXPECT_FALSE(test, snap_nvme_admin_queues_ok(31, 0x10000, 0x11000));
}

/* Unusable admin queues: CFS at once, nobody asked, CC.EN=0 clears it. */
static void snap_hs_enable_refused(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_init(&hs);
	KUNIT_ASSERT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, true, true), SEND);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_refuse_enable(&hs), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_FAILED);
	KUNIT_EXPECT_EQ(test, hs.csts, CFS);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	/* A daemon arriving now is not asked. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, true), 0U);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
}

/*
 * A daemon's fatal error after a good enable: CFS joins RDY, and the host's
 * reset still waits for the daemon to drain before both clear.
 */
static void snap_hs_fatal_after_ready(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_fatal(&hs), 0);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | CFS);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_READY);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_fatal(&hs), 0);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | CFS);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | CFS);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, actions, CLEAR);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
}

/*
 * A controller destroyed under an enabled host: CFS without RDY, its
 * queues cleared, nothing awaited of the daemon; the host's reset
 * disables at once and its next enable waits for a new controller.
 */
static void snap_hs_ctrl_gone_when_ready(struct kunit *test)
{
	static const u16 events[] = { 0, SNAP_EV_CTRL_DISABLE, SNAP_EV_CTRL_SHUTDOWN };
	struct snap_nvme_hs hs;
	unsigned int actions;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		hs_ready(test, &hs);
		if (events[i] == SNAP_EV_CTRL_DISABLE)
			snap_nvme_hs_cc_write(&hs, 0, true, true);
		else if (events[i] == SNAP_EV_CTRL_SHUTDOWN)
			snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true, true);
		KUNIT_EXPECT_EQ(test, hs.event, events[i]);
		KUNIT_EXPECT_EQ(test, snap_nvme_hs_ctrl_gone(&hs), CLEAR);
		KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_FAILED);
		KUNIT_EXPECT_EQ(test, hs.csts, CFS);
		KUNIT_EXPECT_EQ(test, hs.event, 0);
		/* The old controller's answer comes too late. */
		if (events[i])
			KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, events[i], 0, &actions),
					-EINVAL);
		KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, false), CLEAR);
		KUNIT_EXPECT_EQ(test, hs.csts, 0U);
		KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, true, false), 0U);
		KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);
		KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, true), SEND);
		KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_ENABLE);
	}
}

/* Nothing enabled, nothing to fail; an unanswered enable waits on. */
static void snap_hs_ctrl_gone_not_ready(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_ctrl_gone(&hs), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, true, true), SEND);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_ctrl_gone(&hs), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0, &actions),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, true), SEND);
}

/* Before an enable was answered with success there is nothing to fail. */
static void snap_hs_fatal_refused(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_fatal(&hs), -EINVAL);
	snap_nvme_hs_cc_write(&hs, EN, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_fatal(&hs), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 5, &actions);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_fatal(&hs), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs.csts, CFS);
}

/* No event while the gate is shut; the gate opening sends it. */
static void snap_hs_enable_waits_for_gate(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, false, false), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), -EINVAL);

	/* A daemon but no running controller: still waiting. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, false), 0U);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	/* A running controller but no daemon: still waiting. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, false, true), 0U);
	KUNIT_EXPECT_EQ(test, hs.event, 0);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_ENABLE);
	/* Sent once: the gate staying open does not send it again. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, true), 0U);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY);
}

/* The daemon asked went away unanswered: the next one is asked again. */
static void snap_hs_enable_redelivered(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, true, true), SEND);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, false, true), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_ENABLE);
}

static void snap_hs_enable_cancelled(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_init(&hs);
	snap_nvme_hs_cc_write(&hs, EN, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	/* A late answer to the cancelled enable is refused. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);

	/* Cancelled while waiting for the gate, too. */
	snap_nvme_hs_cc_write(&hs, EN, false, false);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, false, false), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
}

static void snap_hs_disable_with_daemon(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_DISABLE);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY);	/* until the daemon drained */

	/* Answering the wrong event changes nothing. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, actions, CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	/* Answered once only. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), -EINVAL);
}

/* A suspended or deleted controller does not keep a host reset waiting. */
static void snap_hs_disable_not_running(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, false), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
}

static void snap_hs_disable_without_daemon(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, false, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
}

static void snap_hs_daemon_gone_while_disabling(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_ready(test, &hs);
	snap_nvme_hs_cc_write(&hs, 0, true, true);
	/* The gate closing for the controller alone keeps the daemon asked. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, true, false), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, false, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), -EINVAL);
}

static void snap_hs_shutdown_with_daemon(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true,
						    true), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_SHUTTING_DOWN);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | SHST_OCCUR);

	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_SHUTDOWN, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, actions, 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | SHST_CMPLT);

	/* Only CC.EN=0 leaves it: a repeated SHN is no new event. */
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true,
						    true), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, actions, CLEAR);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
}

static void snap_hs_shutdown_without_daemon(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL,
						    false, true), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | SHST_CMPLT);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, false, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
}

static void snap_hs_daemon_gone_while_shutting_down(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_ready(test, &hs);
	snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, false, false), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY | SHST_CMPLT);
	KUNIT_EXPECT_EQ(test, hs.event, 0);
}

/* The host gave up on the shutdown and disables: the disable is asked. */
static void snap_hs_disable_during_shutdown(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions;

	hs_ready(test, &hs);
	snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, true, true), SEND);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_DISABLE);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_SHUTDOWN, 0,
						&actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), 0);
	KUNIT_EXPECT_EQ(test, actions, CLEAR);
}

/* Writes that change nothing: EN stays 0, SHN outside READY. */
static void snap_hs_ignored_writes(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, SHN_NORMAL, true, true),
			0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);

	snap_nvme_hs_cc_write(&hs, EN, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN | SHN_NORMAL, true,
						    true), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);

	/* While disabling, a premature EN=1 is only recorded. */
	hs_ready(test, &hs);
	snap_nvme_hs_cc_write(&hs, 0, true, true);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, true, true), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLING);
	KUNIT_EXPECT_EQ(test, hs.cc, EN);
	KUNIT_EXPECT_EQ(test, hs.event, SNAP_EV_CTRL_DISABLE);
	/* READY with EN=1 again and no SHN: nothing. */
	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN | (4U << 4), true,
						    true), 0U);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY);
}

/* No daemon at all: a host reset or unbind never hangs. */
static void snap_hs_no_daemon_cycle(struct kunit *test)
{
	struct snap_nvme_hs hs;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, EN, false, true), 0U);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_gate(&hs, false, true), 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_ENABLING);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_cc_write(&hs, 0, false, true), CLEAR);
	KUNIT_EXPECT_EQ(test, hs.csts, 0U);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_DISABLED);
}

static void snap_hs_done_without_event(struct kunit *test)
{
	struct snap_nvme_hs hs;
	unsigned int actions = 7;

	hs_init(&hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_DISABLE, 0,
						&actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, actions, 0U);
	hs_ready(test, &hs);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_CTRL_ENABLE, 0,
						&actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, 0, 0, &actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, snap_nvme_hs_done(&hs, SNAP_EV_SQ_DOORBELL, 0,
						&actions), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs.state, SNAP_HS_READY);
	KUNIT_EXPECT_EQ(test, hs.csts, RDY);
}

static struct kunit_case snap_nvme_hs_cases[] = {
	KUNIT_CASE(snap_nvme_cap_fields),
	KUNIT_CASE(snap_hs_reset_state),
	KUNIT_CASE(snap_hs_enable_ok),
	KUNIT_CASE(snap_hs_enable_fail),
	KUNIT_CASE(snap_admin_queues_checked),
	KUNIT_CASE(snap_hs_enable_refused),
	KUNIT_CASE(snap_hs_fatal_after_ready),
	KUNIT_CASE(snap_hs_fatal_refused),
	KUNIT_CASE(snap_hs_ctrl_gone_when_ready),
	KUNIT_CASE(snap_hs_ctrl_gone_not_ready),
	KUNIT_CASE(snap_hs_enable_waits_for_gate),
	KUNIT_CASE(snap_hs_enable_redelivered),
	KUNIT_CASE(snap_hs_enable_cancelled),
	KUNIT_CASE(snap_hs_disable_with_daemon),
	KUNIT_CASE(snap_hs_disable_not_running),
	KUNIT_CASE(snap_hs_disable_without_daemon),
	KUNIT_CASE(snap_hs_daemon_gone_while_disabling),
	KUNIT_CASE(snap_hs_shutdown_with_daemon),
	KUNIT_CASE(snap_hs_shutdown_without_daemon),
	KUNIT_CASE(snap_hs_daemon_gone_while_shutting_down),
	KUNIT_CASE(snap_hs_disable_during_shutdown),
	KUNIT_CASE(snap_hs_ignored_writes),
	KUNIT_CASE(snap_hs_no_daemon_cycle),
	KUNIT_CASE(snap_hs_done_without_event),
	{}
};

static struct kunit_suite snap_nvme_hs_suite = {
	.name = "snap_nvme_hs",
	.test_cases = snap_nvme_hs_cases,
};

kunit_test_suite(snap_nvme_hs_suite);
