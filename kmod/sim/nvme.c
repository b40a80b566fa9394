// SPDX-License-Identifier: GPL-2.0
/*
 * The sim's NVMe device model: BAR0 holds the controller registers and
 * doorbells as plain RAM. What must be valid the moment the host turns
 * memory decode on (CAP, VS, CSTS) is written from the config write path;
 * CC and the doorbells are polled (poll.c calls nvme_poll on each pass).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/io-64-nonatomic-lo-hi.h>

#include "../datapath.h"
#include "../nvme_regs.h"
#include "../snap.h"
#include "simdev.h"

/* What the host sees, as on BlueField (SNAP-4 docs). */
#define SNAP_NVME_VENDOR	0x15b3
#define SNAP_NVME_DEVICE	0x6001
#define SNAP_NVME_CLASS		0x010802

/*
 * BAR0: registers (4 KiB), doorbells for up to 64 queue pairs with
 * stride 4 bytes (4 KiB is plenty), then the MSI-X table (64 vectors of
 * 16 bytes) and its PBA: 16 KiB holds it all.
 */
#define SNAP_NVME_BAR0_SIZE	SZ_16K
#define SNAP_NVME_MSIX_TABLE	0x2000
#define SNAP_NVME_MSIX_PBA	0x3000

/* Doorbells of every possible queue: SQ tail and CQ head, 4 bytes each. */
#define SNAP_SIM_DB_BYTES	(SNAP_NVME_MAX_QUEUES * 8)

static_assert(SNAP_NVME_MAX_QUEUES <= 64, "queue maps are u64 bitmaps");

static void snap_sim_nvme_describe(struct snap_sim_fn *fn,
				   struct snap_cfg_desc *desc)
{
	desc->vendor = SNAP_NVME_VENDOR;
	desc->device = SNAP_NVME_DEVICE;
	desc->subsys_vendor = SNAP_NVME_VENDOR;
	desc->subsys_device = SNAP_NVME_DEVICE;
	desc->class_code = SNAP_NVME_CLASS;
	desc->bar0_size = SNAP_NVME_BAR0_SIZE;
	desc->product = "snap emulated NVMe controller";
}

/* The config write path is atomic: compute these here, once. */
static int snap_sim_nvme_init(struct snap_sim_fn *fn)
{
	fn->nvme.cap = snap_dp_cap(fn->func);
	fn->nvme.csts = snap_dp_csts(fn->func);
	return 0;
}

/* The host driver reads CAP right after enabling decode. */
static void snap_sim_nvme_decode_on(struct snap_sim_fn *fn, void __iomem *bar)
{
	/* CAP is one 64-bit register; the host may read it with readq. */
	writeq(fn->nvme.cap, bar + SNAP_NVME_REG_CAP);
	writel(snap_nvme_vs(), bar + SNAP_NVME_REG_VS);
	writel(fn->nvme.csts, bar + SNAP_NVME_REG_CSTS);
}

/*
 * The host lets go of a function whose enable it still waits on (no RDY,
 * or CFS) when its driver gives up: Linux's nvme does after CAP.TO, and
 * disables the device without writing CC again.
 */
static bool snap_sim_nvme_enable_unanswered(struct snap_sim_fn *fn,
					    void __iomem *bar)
{
	return readl(bar + SNAP_NVME_REG_CC) & SNAP_NVME_CC_EN &&
	       (fn->nvme.csts & (SNAP_NVME_CSTS_RDY | SNAP_NVME_CSTS_CFS)) !=
	       SNAP_NVME_CSTS_RDY;
}

static void snap_sim_nvme_regs_reset(struct snap_sim_fn *fn, void __iomem *bar)
{
	if (bar) {
		if (snap_sim_nvme_enable_unanswered(fn, bar))
			fn->nvme.gave_up = true;
		writel(0, bar + SNAP_NVME_REG_CC);
		writel(0, bar + SNAP_NVME_REG_CSTS);
		writel(0, bar + SNAP_NVME_REG_AQA);
		lo_hi_writeq(0, bar + SNAP_NVME_REG_ASQ);
		lo_hi_writeq(0, bar + SNAP_NVME_REG_ACQ);
		memset_io(bar + SNAP_NVME_REG_DBS, 0, SNAP_SIM_DB_BYTES);
	}
	fn->nvme.csts = 0;
}

/* Forgets what was reported: after a reset, everything starts from 0. */
static void snap_sim_nvme_resync(struct snap_sim_fn *fn, u64 sq_fresh,
				 u64 cq_fresh)
{
	unsigned int q;

	for (; sq_fresh; sq_fresh &= sq_fresh - 1) {
		q = __ffs64(sq_fresh);
		fn->nvme.sq_db[q] = 0;
	}
	for (; cq_fresh; cq_fresh &= cq_fresh - 1) {
		q = __ffs64(cq_fresh);
		fn->nvme.cq_db[q] = 0;
	}
}

static bool snap_sim_nvme_poll_doorbells(struct snap_sim_fn *fn,
					 void __iomem *bar, u64 map, bool cq)
{
	u32 *seen = cq ? fn->nvme.cq_db : fn->nvme.sq_db;
	bool changed = false;
	unsigned int q;
	u32 val;

	for (; map; map &= map - 1) {
		q = __ffs64(map);
		val = readl(bar + (cq ? SNAP_NVME_CQ_DB(q) : SNAP_NVME_SQ_DB(q)));
		if (val == seen[q])
			continue;
		seen[q] = val;
		snap_dp_doorbell(fn->func, q, cq, val);
		changed = true;
	}
	return changed;
}

/*
 * The queues to watch, taken after any CC change was reported: the data
 * path may have dropped queues (and zeroed their doorbells) meanwhile.
 */
static void snap_sim_nvme_poll_queues(struct snap_sim_fn *fn, u64 *sq_map,
				      u64 *cq_map)
{
	struct snap_sim *sim = fn->sim;
	u64 sq_fresh, cq_fresh;
	unsigned long flags;

	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	*sq_map = fn->nvme.sq_map;
	*cq_map = fn->nvme.cq_map;
	sq_fresh = fn->nvme.sq_fresh;
	cq_fresh = fn->nvme.cq_fresh;
	fn->nvme.sq_fresh = 0;
	fn->nvme.cq_fresh = 0;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	snap_sim_nvme_resync(fn, sq_fresh, cq_fresh);
}

static bool snap_sim_nvme_poll(struct snap_sim_fn *fn, void __iomem *bar,
			       bool resync)
{
	bool changed = false;
	u64 sq_map, cq_map, asq, acq;
	u32 cc, aqa;

	if (resync) {
		fn->nvme.cc = 0;
		snap_sim_nvme_resync(fn, ~0ULL, ~0ULL);
	}
	if (!bar)
		return false;
	cc = readl(bar + SNAP_NVME_REG_CC);
	if (cc != fn->nvme.cc) {
		/* The host sets up the admin queue before it sets CC.EN. */
		aqa = readl(bar + SNAP_NVME_REG_AQA);
		asq = lo_hi_readq(bar + SNAP_NVME_REG_ASQ);
		acq = lo_hi_readq(bar + SNAP_NVME_REG_ACQ);
		fn->nvme.cc = cc;
		snap_dp_cc_write(fn->func, cc, aqa, asq, acq);
		changed = true;
	}
	snap_sim_nvme_poll_queues(fn, &sq_map, &cq_map);
	changed |= snap_sim_nvme_poll_doorbells(fn, bar, sq_map, false);
	changed |= snap_sim_nvme_poll_doorbells(fn, bar, cq_map, true);
	return changed;
}

/* CSTS goes to BAR0 now if the host can see it, and at decode enable. */
static void snap_sim_nvme_publish(struct snap_sim_fn *fn, u32 csts)
{
	void __iomem *bar = fn->mem ? snap_sim_bar0(fn) : NULL;

	fn->nvme.csts = csts;
	if (csts & SNAP_NVME_CSTS_RDY)
		fn->nvme.gave_up = false;
	if (bar)
		writel(csts, bar + SNAP_NVME_REG_CSTS);
}

/*
 * A driver that gave up waiting for CSTS.RDY (no daemon yet, or no
 * controller) is gone: once the daemon reports the controller ready,
 * probe the function again, as a link coming up would.
 */
static void snap_sim_nvme_config_changed(struct snap_sim_fn *fn)
{
	struct snap_ctrl *ctrl = fn->func->ctrl;
	unsigned long flags;
	bool gave_up;

	lockdep_assert_held(&snap_lock);
	if (!ctrl || ctrl->state != SNAP_CTRL_RUNNING ||
	    !READ_ONCE(ctrl->ready) || !snap_emu.daemon)
		return;
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	gave_up = fn->nvme.gave_up;
	fn->nvme.gave_up = false;
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	if (gave_up)
		snap_sim_probe_again(fn);
}

const struct snap_sim_model snap_sim_nvme_model = {
	.type = SNAP_FUNC_NVME,
	.msix_table = SNAP_NVME_MSIX_TABLE,
	.msix_pba = SNAP_NVME_MSIX_PBA,
	.describe = snap_sim_nvme_describe,
	.init = snap_sim_nvme_init,
	.decode_on = snap_sim_nvme_decode_on,
	.regs_reset = snap_sim_nvme_regs_reset,
	.poll = snap_sim_nvme_poll,
	.config_changed = snap_sim_nvme_config_changed,
	.publish = snap_sim_nvme_publish,
	.surprise_removal = true,
};

/**
 * snap_sim_queues_changed() - the provider's queues_changed op
 * @func: the function
 *
 * Queues that are gone have their doorbells zeroed now, so that a queue
 * created again with the same id starts from 0 as the host expects, even
 * if the poller never saw it gone. New and gone queues are watched from
 * 0 again.
 */
void snap_sim_queues_changed(struct snap_func *func)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	u64 sq, cq, gone_sq, gone_cq;
	struct snap_sim *sim;
	void __iomem *bar;
	unsigned long flags;

	if (!fn || fn->model != &snap_sim_nvme_model)
		return;
	sim = fn->sim;
	snap_dp_queue_map(func, &sq, &cq);
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	gone_sq = fn->nvme.sq_map & ~sq;
	gone_cq = fn->nvme.cq_map & ~cq;
	bar = snap_sim_bar0(fn);
	if (bar) {
		for (; gone_sq; gone_sq &= gone_sq - 1)
			writel(0, bar + SNAP_NVME_SQ_DB(__ffs64(gone_sq)));
		for (; gone_cq; gone_cq &= gone_cq - 1)
			writel(0, bar + SNAP_NVME_CQ_DB(__ffs64(gone_cq)));
	}
	fn->nvme.sq_fresh |= fn->nvme.sq_map ^ sq;
	fn->nvme.cq_fresh |= fn->nvme.cq_map ^ cq;
	fn->nvme.sq_map = sq;
	fn->nvme.cq_map = cq;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	snap_sim_poll_kick(sim);
}
