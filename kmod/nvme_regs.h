/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_NVME_REGS_H
#define _SNAP_NVME_REGS_H

#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>

/*
 * NVMe controller registers and the enable/disable/shutdown handshake
 * between host, kernel and daemon. Pure logic (no locks, no sleeping), so
 * KUnit can drive every transition; the caller serializes.
 */

/* Register offsets in BAR0 (NVMe base specification, section 3.1). */
#define SNAP_NVME_REG_CAP	0x00
#define SNAP_NVME_REG_VS	0x08
#define SNAP_NVME_REG_INTMS	0x0c
#define SNAP_NVME_REG_INTMC	0x10
#define SNAP_NVME_REG_CC	0x14
#define SNAP_NVME_REG_CSTS	0x1c
#define SNAP_NVME_REG_NSSR	0x20
#define SNAP_NVME_REG_AQA	0x24
#define SNAP_NVME_REG_ASQ	0x28
#define SNAP_NVME_REG_ACQ	0x30
#define SNAP_NVME_REG_DBS	0x1000	/* doorbells, stride 4 (DSTRD 0) */

/* Doorbell offset of queue @qid: SQ tail, then CQ head. */
#define SNAP_NVME_SQ_DB(qid)	(SNAP_NVME_REG_DBS + (qid) * 8)
#define SNAP_NVME_CQ_DB(qid)	(SNAP_NVME_REG_DBS + (qid) * 8 + 4)

/* AQA: admin SQ size in bits 11:0, CQ size in 27:16, both 0's based. */
#define SNAP_NVME_AQA_QS_MASK	0xfffU
#define SNAP_NVME_AQA_ACQS_SHIFT 16

/* The one memory page size CAP offers (MPSMIN = MPSMAX). */
#define SNAP_NVME_PAGE_SIZE	SZ_4K

#define SNAP_NVME_CC_EN		BIT(0)
#define SNAP_NVME_CC_SHN_SHIFT	14
#define SNAP_NVME_CC_SHN_MASK	(3U << SNAP_NVME_CC_SHN_SHIFT)

#define SNAP_NVME_CSTS_RDY	BIT(0)
#define SNAP_NVME_CSTS_CFS	BIT(1)
#define SNAP_NVME_CSTS_SHST_SHIFT 2
#define SNAP_NVME_CSTS_SHST_MASK (3U << SNAP_NVME_CSTS_SHST_SHIFT)
#define SNAP_NVME_CSTS_SHST_OCCUR BIT(SNAP_NVME_CSTS_SHST_SHIFT)
#define SNAP_NVME_CSTS_SHST_CMPLT (2U << SNAP_NVME_CSTS_SHST_SHIFT)

/*
 * CAP.TO in 500 ms units: how long a host waits for CSTS.RDY. 30 s, so a
 * controller created (or a daemon started) shortly after the host driver
 * probed still comes up; see Documentation/datapath.md, "Host probe
 * timing".
 */
#define SNAP_NVME_CAP_TO	60

u64 snap_nvme_cap(unsigned int max_queue_depth_log2);
u32 snap_nvme_vs(void);

/**
 * enum snap_nvme_hs_state - where a controller is in the handshake
 * @SNAP_HS_DISABLED: CC.EN=0, CSTS.RDY=0
 * @SNAP_HS_ENABLING: the host set CC.EN; RDY=0 until the daemon answers
 *	(the event waits while there is no daemon or the controller object
 *	is missing or suspended)
 * @SNAP_HS_READY: RDY=1
 * @SNAP_HS_DISABLING: the host cleared CC.EN; RDY stays 1 until the
 *	daemon has drained
 * @SNAP_HS_SHUTTING_DOWN: the host set CC.SHN; SHST=01b
 * @SNAP_HS_SHUTDOWN: SHST=10b; only CC.EN=0 leaves it
 * @SNAP_HS_FAILED: the daemon reported failure, or the controller object
 *	was destroyed under an enabled host: CSTS.CFS=1 until CC.EN=0
 */
enum snap_nvme_hs_state {
	SNAP_HS_DISABLED,
	SNAP_HS_ENABLING,
	SNAP_HS_READY,
	SNAP_HS_DISABLING,
	SNAP_HS_SHUTTING_DOWN,
	SNAP_HS_SHUTDOWN,
	SNAP_HS_FAILED,
};

/**
 * struct snap_nvme_hs - handshake state of one controller
 * @state: enum snap_nvme_hs_state
 * @cc: the last CC value acted on
 * @csts: CSTS as it must be published
 * @event: SNAP_EV_CTRL_* the daemon must answer, 0 when none
 */
struct snap_nvme_hs {
	enum snap_nvme_hs_state state;
	u32 cc;
	u32 csts;
	u16 event;
};

/* What the caller must do after a transition. */
#define SNAP_HS_SEND_EVENT	BIT(0)	/* deliver hs->event */
#define SNAP_HS_CLEAR_QUEUES	BIT(1)	/* forget all queues */

void snap_nvme_hs_reset(struct snap_nvme_hs *hs);
bool snap_nvme_admin_queues_ok(u32 aqa, u64 asq, u64 acq);
unsigned int snap_nvme_hs_refuse_enable(struct snap_nvme_hs *hs);
unsigned int snap_nvme_hs_cc_write(struct snap_nvme_hs *hs, u32 cc,
				   bool daemon, bool running);
unsigned int snap_nvme_hs_gate(struct snap_nvme_hs *hs, bool daemon,
			       bool running);
int snap_nvme_hs_done(struct snap_nvme_hs *hs, u16 event, u32 status,
		      unsigned int *actions);
int snap_nvme_hs_fatal(struct snap_nvme_hs *hs);
unsigned int snap_nvme_hs_ctrl_gone(struct snap_nvme_hs *hs);

#endif /* _SNAP_NVME_REGS_H */
