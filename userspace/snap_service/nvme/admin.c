// SPDX-License-Identifier: GPL-2.0
/*
 * Admin commands: queue management, Abort, Asynchronous Event Request,
 * Keep Alive, and the dispatch to identify.c, features.c and log.c.
 */
#include <errno.h>
#include <string.h>

#include "nvme_int.h"

/* ---- Create / Delete I/O queues ---- */

#define QCMD_QID(cdw10)		((cdw10) & 0xffff)
#define QCMD_QSIZE(cdw10)	((cdw10) >> 16)		/* 0's based */
#define QCMD_PC			(1u << 0)
#define CQ_IEN			(1u << 1)
#define CQ_IV(cdw11)		((cdw11) >> 16)
#define SQ_CQID(cdw11)		((cdw11) >> 16)

/* A queue id the host may use: 1 to the granted count (Number of Queues). */
static bool io_qid_valid(const struct nvme_ctrl *c, uint32_t qid, bool sq)
{
	uint32_t max = sq ? c->feat->nsqa + 1u : c->feat->ncqa + 1u;

	return qid >= 1 && qid <= max && qid < SNAP_NVME_MAX_QUEUES;
}

static uint16_t check_queue_common(const struct nvme_ctrl *c,
				   const struct nvme_sqe *cmd, bool sq)
{
	uint32_t qid = QCMD_QID(cmd->cdw10), qsize = QCMD_QSIZE(cmd->cdw10);

	if (!io_qid_valid(c, qid, sq))
		return nvme_dnr(NVME_SC_QID_INVALID);
	if ((sq ? c->st->sq[qid].size : c->st->cq[qid].size) != 0)
		return nvme_dnr(NVME_SC_QID_INVALID);
	if (qsize < 1 || qsize > c->cfg.mqes)
		return nvme_dnr(NVME_SC_QUEUE_SIZE);
	/* CAP.CQR: queues must be physically contiguous */
	if (!(cmd->cdw11 & QCMD_PC))
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	if (!cmd->prp1 || (cmd->prp1 & (NVME_PAGE_SIZE - 1)))
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	if (NVME_SQE_PSDT(cmd->flags) != NVME_PSDT_PRP)
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	return 0;
}

/*
 * A queue command run again after a restart may have taken effect before
 * the old daemon died: the kernel already has (or no longer has) the
 * queue. Finding it as the command would leave it is success.
 */
static bool already_done(const struct nvme_req *r, bool sq, bool create)
{
	uint32_t qid = QCMD_QID(r->cmd.cdw10);
	const struct snap_queue_state *qs;

	if (!r->recovered || !qid || qid >= SNAP_NVME_MAX_QUEUES)
		return false;
	qs = sq ? &r->ctrl->st->sq[qid] : &r->ctrl->st->cq[qid];
	if (!create)
		return !qs->size;
	return qs->size == QCMD_QSIZE(r->cmd.cdw10) + 1u && qs->base == r->cmd.prp1;
}

static void create_cq(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;
	const struct nvme_sqe *cmd = &r->cmd;
	uint16_t st = check_queue_common(c, cmd, false);
	struct snap_queue_cfg cfg;

	if (already_done(r, false, true)) {
		st = 0;
		goto out;
	}
	if (st)
		goto out;
	if ((cmd->cdw11 & CQ_IEN) && CQ_IV(cmd->cdw11) >= c->cfg.num_msix) {
		st = nvme_dnr(NVME_SC_INVALID_VECTOR);
		goto out;
	}
	cfg = (struct snap_queue_cfg){
		.func_id = c->host->func_id,
		.qid = QCMD_QID(cmd->cdw10),
		.type = SNAP_QUEUE_CQ,
		.flags = (cmd->cdw11 & CQ_IEN) ? SNAP_QF_IRQ : 0,
		.base = cmd->prp1,
		.size = QCMD_QSIZE(cmd->cdw10) + 1,
		.vector = (cmd->cdw11 & CQ_IEN) ? CQ_IV(cmd->cdw11) : 0,
	};
	if (c->host->ops->queue_create(c->host, &cfg))
		st = NVME_SC_INTERNAL;
	else
		c->cq[cfg.qid].blocked = false;
	nvme_ctrl_queues_changed(c);
out:
	nvme_req_complete(r, st, 0);
}

static void create_sq(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;
	const struct nvme_sqe *cmd = &r->cmd;
	uint16_t st = check_queue_common(c, cmd, true);
	uint32_t cqid = SQ_CQID(cmd->cdw11);
	struct snap_queue_cfg cfg;

	if (already_done(r, true, true)) {
		st = 0;
		goto out;
	}
	if (st)
		goto out;
	if (!cqid || cqid >= SNAP_NVME_MAX_QUEUES || !c->st->cq[cqid].size) {
		st = nvme_dnr(NVME_SC_CQ_INVALID);
		goto out;
	}
	cfg = (struct snap_queue_cfg){
		.func_id = c->host->func_id,
		.qid = QCMD_QID(cmd->cdw10),
		.type = SNAP_QUEUE_SQ,
		.base = cmd->prp1,
		.size = QCMD_QSIZE(cmd->cdw10) + 1,
		.cqid = cqid,
	};
	if (c->host->ops->queue_create(c->host, &cfg)) {
		st = NVME_SC_INTERNAL;
	} else {
		c->st->sq[cfg.qid].head = 0;
		nvme_sq_set_deleting(c, cfg.qid, false);
	}
	nvme_ctrl_queues_changed(c);
out:
	nvme_req_complete(r, st, 0);
}

/*
 * Delete I/O SQ: fetch nothing more from it; commands already fetched run
 * to the end and are posted, then the queue goes and this command
 * completes (ctrl.c's finish_sq_delete).
 */
static void delete_sq(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;
	uint32_t qid = QCMD_QID(r->cmd.cdw10);

	if (already_done(r, true, false)) {
		nvme_req_complete(r, 0, 0);
		return;
	}
	if (!qid || qid >= SNAP_NVME_MAX_QUEUES || !c->st->sq[qid].size ||
	    nvme_sq_deleting(c, (uint16_t)qid)) {
		nvme_req_complete(r, nvme_dnr(NVME_SC_QID_INVALID), 0);
		return;
	}
	nvme_sq_set_deleting(c, (uint16_t)qid, true);
	c->sq[qid].delete_req = r;
	if (!c->sq[qid].inflight) {
		struct snap_queue_cfg cfg = { .func_id = c->host->func_id,
					      .qid = (uint16_t)qid,
					      .type = SNAP_QUEUE_SQ };
		int ret = c->host->ops->queue_delete(c->host, &cfg);

		nvme_ctrl_queues_changed(c);
		nvme_sq_set_deleting(c, (uint16_t)qid, false);
		c->sq[qid].delete_req = NULL;
		nvme_req_complete(r, ret ? NVME_SC_INTERNAL : 0, 0);
	}
}

static bool cq_in_use(const struct nvme_ctrl *c, uint32_t cqid)
{
	unsigned int qid;

	for (qid = 1; qid < SNAP_NVME_MAX_QUEUES; qid++)
		if (c->st->sq[qid].size && c->st->sq[qid].cqid == cqid)
			return true;
	return false;
}

static void delete_cq(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;
	uint32_t qid = QCMD_QID(r->cmd.cdw10);
	struct snap_queue_cfg cfg = { .func_id = c->host->func_id,
				      .type = SNAP_QUEUE_CQ };
	uint16_t st = 0;

	if (already_done(r, false, false)) {
		nvme_req_complete(r, 0, 0);
		return;
	}
	if (!qid || qid >= SNAP_NVME_MAX_QUEUES || !c->st->cq[qid].size)
		st = nvme_dnr(NVME_SC_QID_INVALID);
	else if (cq_in_use(c, qid))
		st = nvme_dnr(NVME_SC_INVALID_QUEUE_DELETION);
	if (!st) {
		cfg.qid = (uint16_t)qid;
		if (c->host->ops->queue_delete(c->host, &cfg))
			st = NVME_SC_INTERNAL;
		nvme_ctrl_queues_changed(c);
	}
	nvme_req_complete(r, st, 0);
}

/* ---- Abort, Keep Alive ---- */

/*
 * Commands reach a backend as soon as they are fetched and a backend
 * cannot call them back, so Abort never finds one to abort: dw0 bit 0
 * says "not aborted", which the spec allows for any command.
 */
static void abort_cmd(struct nvme_req *r)
{
	nvme_req_complete(r, 0, 1);
}

static void keep_alive(struct nvme_req *r)
{
	/* KAS is 0: no timer runs, the command is simply accepted. */
	nvme_req_complete(r, 0, 0);
}

/* ---- Asynchronous events ---- */

static void aer(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;

	if (c->nr_aer > NVME_AERL) {
		nvme_req_complete(r, nvme_dnr(NVME_SC_AER_LIMIT), 0);
		return;
	}
	c->aer[c->nr_aer++] = r;
	/* A pending event goes out with the home thread's next pass. */
}

static bool aen_complete_one(struct nvme_ctrl *c, uint32_t dw0)
{
	struct nvme_req *r;

	if (!c->nr_aer)
		return false;
	r = c->aer[0];
	memmove(&c->aer[0], &c->aer[1], (c->nr_aer - 1) * sizeof(c->aer[0]));
	c->nr_aer--;
	nvme_req_complete(r, 0, dw0);
	return true;
}

/* Report pending events to parked AERs, as far as the host enabled them. */
void nvme_aen_run(struct nvme_ctrl *c)
{
	if (c->state != NVME_CTRL_ENABLED)
		return;
	if (c->aen_ns_pending && !c->aen_ns_masked &&
	    (c->feat->async_event & NVME_AEC_NS_ATTR) &&
	    aen_complete_one(c, NVME_AER_DW0(NVME_AER_TYPE_NOTICE,
					     NVME_AER_NOTICE_NS_CHANGED,
					     NVME_LOG_CHANGED_NS))) {
		c->aen_ns_pending = false;
		/* masked until the host reads the Changed Namespace List */
		c->aen_ns_masked = true;
	}
	if (c->aen_temp_pending &&
	    (c->feat->async_event & NVME_SMART_CRIT_TEMPERATURE) &&
	    aen_complete_one(c, NVME_AER_DW0(NVME_AER_TYPE_SMART,
					     NVME_AER_SMART_TEMP,
					     NVME_LOG_SMART)))
		c->aen_temp_pending = false;
}

void nvme_aen_ns_changed(struct nvme_ctrl *c, uint32_t nsid)
{
	unsigned int i;

	for (i = 0; i < c->nr_changed; i++)
		if (c->changed_ns[i] == nsid)
			goto queued;
	if (c->nr_changed < NVME_CHANGED_NS_MAX)
		c->changed_ns[c->nr_changed++] = nsid;
	else
		c->changed_overflow = true;
queued:
	c->aen_ns_pending = true;
	nvme_aen_run(c);
}

/*
 * Parked AERs end without a completion (reset: the host forgets them).
 * Called after the generation moved on, so nvme_req_complete() only
 * releases them.
 */
void nvme_ctrl_release_aers(struct nvme_ctrl *c)
{
	unsigned int i, n = c->nr_aer;

	c->nr_aer = 0;
	for (i = 0; i < n; i++)
		nvme_req_complete(c->aer[i], 0, 0);
}

/* ---- dispatch ---- */

void nvme_admin_exec(struct nvme_req *r)
{
	/* Admin commands take PRPs only. */
	if (NVME_SQE_PSDT(r->cmd.flags) != NVME_PSDT_PRP) {
		nvme_req_complete(r, nvme_dnr(NVME_SC_INVALID_FIELD), 0);
		return;
	}
	switch (r->cmd.opc) {
	case NVME_ADM_DELETE_SQ:
		delete_sq(r);
		break;
	case NVME_ADM_CREATE_SQ:
		create_sq(r);
		break;
	case NVME_ADM_GET_LOG_PAGE:
		nvme_get_log_page(r);
		break;
	case NVME_ADM_DELETE_CQ:
		delete_cq(r);
		break;
	case NVME_ADM_CREATE_CQ:
		create_cq(r);
		break;
	case NVME_ADM_IDENTIFY:
		nvme_identify(r);
		break;
	case NVME_ADM_ABORT:
		abort_cmd(r);
		break;
	case NVME_ADM_SET_FEATURES:
		nvme_set_features(r);
		break;
	case NVME_ADM_GET_FEATURES:
		nvme_get_features(r);
		break;
	case NVME_ADM_ASYNC_EVENT:
		aer(r);
		break;
	case NVME_ADM_KEEP_ALIVE:
		keep_alive(r);
		break;
	default:
		nvme_req_complete(r, nvme_dnr(NVME_SC_INVALID_OPCODE), 0);
		break;
	}
}
