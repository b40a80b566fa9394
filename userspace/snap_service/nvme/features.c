// SPDX-License-Identifier: GPL-2.0
/*
 * Get / Set Features. Nothing is saveable (no SV, Select "saved" reports
 * the default). Values the engine does not act on (arbitration, power
 * state, coalescing, ...) are kept so the host reads back what it set.
 */
#include <string.h>

#include "nvme_int.h"

#define TEMP_COMPOSITE_K	313	/* what SMART reports: 40 C */
#define TEMP_OVER_DEFAULT	0x157	/* WCTEMP */
#define TEMP_TMPTH(dw11)	((dw11) & 0xffff)
#define TEMP_TMPSEL(dw11)	(((dw11) >> 16) & 0xf)
#define TEMP_THSEL(dw11)	(((dw11) >> 20) & 0x3)
#define TEMP_THSEL_OVER		0
#define TEMP_THSEL_UNDER	1
#define PM_PS(dw11)		((dw11) & 0x1f)
#define ERR_REC_DULBE		(1u << 16)
#define IV_CONF_IV(dw11)	((dw11) & 0xffff)
#define IV_CONF_CD		(1u << 16)
/* SMART critical warnings 0-4 and the namespace attribute notice */
#define AEC_SUPPORTED		(0x1fu | NVME_AEC_NS_ATTR)

void nvme_features_reset(struct nvme_ctrl *c)
{
	struct nvme_features *f = c->feat;

	memset(f, 0, sizeof(*f));
	f->temp_over = TEMP_OVER_DEFAULT;
	f->vwc = true;
	f->nsqa = c->cfg.max_io_queues ? c->cfg.max_io_queues - 1 : 0;
	f->ncqa = f->nsqa;
}

/* The host's temperature thresholds crossed: a SMART event. */
static void check_temperature(struct nvme_ctrl *c)
{
	if (TEMP_COMPOSITE_K > c->feat->temp_over ||
	    TEMP_COMPOSITE_K < c->feat->temp_under)
		c->aen_temp_pending = true;
}

static uint16_t set_temp(struct nvme_ctrl *c, uint32_t dw11)
{
	/* one sensor: the composite temperature */
	if (TEMP_TMPSEL(dw11) != 0)
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	if (TEMP_THSEL(dw11) == TEMP_THSEL_OVER)
		c->feat->temp_over = TEMP_TMPTH(dw11);
	else if (TEMP_THSEL(dw11) == TEMP_THSEL_UNDER)
		c->feat->temp_under = TEMP_TMPTH(dw11);
	else
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	check_temperature(c);
	return 0;
}

static uint16_t get_temp(const struct nvme_features *f, uint32_t dw11,
			 uint32_t *dw0)
{
	if (TEMP_TMPSEL(dw11) != 0)
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	if (TEMP_THSEL(dw11) == TEMP_THSEL_OVER)
		*dw0 = f->temp_over;
	else if (TEMP_THSEL(dw11) == TEMP_THSEL_UNDER)
		*dw0 = f->temp_under;
	else
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	return 0;
}

static bool io_queues_exist(const struct nvme_ctrl *c)
{
	unsigned int qid;

	for (qid = 1; qid < SNAP_NVME_MAX_QUEUES; qid++)
		if (c->st->sq[qid].size || c->st->cq[qid].size)
			return true;
	return false;
}

/* Number of Queues: grant up to what the controller has, once, before
 * any I/O queue exists. */
static uint16_t set_num_queues(struct nvme_ctrl *c, uint32_t dw11,
			       uint32_t *dw0)
{
	uint32_t nsqr = dw11 & 0xffff, ncqr = dw11 >> 16;
	uint32_t max = c->cfg.max_io_queues ? c->cfg.max_io_queues - 1u : 0;

	if (nsqr == 0xffff || ncqr == 0xffff)
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	if (io_queues_exist(c))
		return nvme_dnr(NVME_SC_CMD_SEQ_ERROR);
	c->feat->nsqa = nsqr < max ? nsqr : max;
	c->feat->ncqa = ncqr < max ? ncqr : max;
	c->feat->nr_queues_set = true;
	*dw0 = c->feat->nsqa | ((uint32_t)c->feat->ncqa << 16);
	return 0;
}

static uint16_t set_irq_config(struct nvme_ctrl *c, uint32_t dw11)
{
	uint32_t iv = IV_CONF_IV(dw11);

	if (iv >= c->cfg.num_msix || iv >= SNAP_NVME_MAX_QUEUES)
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	c->feat->irq_config_cd[iv] = dw11 & IV_CONF_CD;
	return 0;
}

static uint16_t set_host_behavior(struct nvme_req *r)
{
	uint8_t data[NVME_HOST_BEHAVIOR_SIZE];
	uint16_t st = nvme_req_copy_from_host(r, data, sizeof(data));

	if (!st)
		memcpy(r->ctrl->feat->host_behavior, data, sizeof(data));
	return st;
}

static uint16_t set_feature(struct nvme_req *r, uint32_t *dw0)
{
	struct nvme_ctrl *c = r->ctrl;
	struct nvme_features *f = c->feat;
	uint32_t dw11 = r->cmd.cdw11;

	switch (NVME_FEAT_FID(r->cmd.cdw10)) {
	case NVME_FEAT_ARBITRATION:
		f->arbitration = dw11;
		return 0;
	case NVME_FEAT_POWER_MGMT:
		if (PM_PS(dw11) > 0)	/* NPSS = 0: power state 0 only */
			return nvme_dnr(NVME_SC_INVALID_FIELD);
		f->power_mgmt = dw11 & 0xff;
		return 0;
	case NVME_FEAT_TEMP_THRESH:
		return set_temp(c, dw11);
	case NVME_FEAT_ERR_RECOVERY:
		if (dw11 & ERR_REC_DULBE)	/* no deallocated-block errors */
			return nvme_dnr(NVME_SC_INVALID_FIELD);
		f->err_recovery = dw11 & 0xffff;
		return 0;
	case NVME_FEAT_VOLATILE_WC:
		f->vwc = dw11 & 1;
		return 0;
	case NVME_FEAT_NUM_QUEUES:
		return set_num_queues(c, dw11, dw0);
	case NVME_FEAT_IRQ_COALESCE:
		f->irq_coalesce = dw11 & 0xffff;
		return 0;
	case NVME_FEAT_IRQ_CONFIG:
		return set_irq_config(c, dw11);
	case NVME_FEAT_WRITE_ATOMIC:
		f->write_atomic = dw11 & 1;
		return 0;
	case NVME_FEAT_ASYNC_EVENT:
		f->async_event = dw11 & AEC_SUPPORTED;
		return 0;
	case NVME_FEAT_KATO:
		f->kato = dw11;
		return 0;
	case NVME_FEAT_HOST_BEHAVIOR:
		return set_host_behavior(r);
	default:
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	}
}

void nvme_set_features(struct nvme_req *r)
{
	uint32_t dw0 = 0;
	uint16_t st;

	if (r->cmd.cdw10 & NVME_FEAT_SV)
		st = nvme_dnr(NVME_SC_FEATURE_NOT_SAVEABLE);
	else
		st = set_feature(r, &dw0);
	nvme_req_complete(r, st, dw0);
}

static uint16_t get_value(struct nvme_req *r, const struct nvme_features *f,
			  uint32_t *dw0)
{
	uint32_t dw11 = r->cmd.cdw11;

	switch (NVME_FEAT_FID(r->cmd.cdw10)) {
	case NVME_FEAT_ARBITRATION:
		*dw0 = f->arbitration;
		return 0;
	case NVME_FEAT_POWER_MGMT:
		*dw0 = f->power_mgmt;
		return 0;
	case NVME_FEAT_TEMP_THRESH:
		return get_temp(f, dw11, dw0);
	case NVME_FEAT_ERR_RECOVERY:
		*dw0 = f->err_recovery;
		return 0;
	case NVME_FEAT_VOLATILE_WC:
		*dw0 = f->vwc;
		return 0;
	case NVME_FEAT_NUM_QUEUES:
		*dw0 = f->nsqa | ((uint32_t)f->ncqa << 16);
		return 0;
	case NVME_FEAT_IRQ_COALESCE:
		*dw0 = f->irq_coalesce;
		return 0;
	case NVME_FEAT_IRQ_CONFIG:
		if (IV_CONF_IV(dw11) >= r->ctrl->cfg.num_msix ||
		    IV_CONF_IV(dw11) >= SNAP_NVME_MAX_QUEUES)
			return nvme_dnr(NVME_SC_INVALID_FIELD);
		*dw0 = IV_CONF_IV(dw11) | f->irq_config_cd[IV_CONF_IV(dw11)];
		return 0;
	case NVME_FEAT_WRITE_ATOMIC:
		*dw0 = f->write_atomic;
		return 0;
	case NVME_FEAT_ASYNC_EVENT:
		*dw0 = f->async_event;
		return 0;
	case NVME_FEAT_KATO:
		*dw0 = f->kato;
		return 0;
	case NVME_FEAT_HOST_BEHAVIOR:
		return nvme_req_copy_to_host(r, f->host_behavior,
					     NVME_HOST_BEHAVIOR_SIZE);
	default:
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	}
}

static uint32_t feature_caps(uint8_t fid)
{
	/* Error recovery is per namespace in the spec; all are changeable. */
	if (fid == NVME_FEAT_ERR_RECOVERY)
		return NVME_FEAT_CAP_CHANGEABLE | NVME_FEAT_CAP_NS_SPECIFIC;
	return NVME_FEAT_CAP_CHANGEABLE;
}

void nvme_get_features(struct nvme_req *r)
{
	struct nvme_features defaults;
	uint32_t dw0 = 0;
	uint16_t st;

	switch (NVME_FEAT_SEL(r->cmd.cdw10)) {
	case NVME_FEAT_SEL_CURRENT:
		st = get_value(r, r->ctrl->feat, &dw0);
		break;
	case NVME_FEAT_SEL_DEFAULT:
	case NVME_FEAT_SEL_SAVED:	/* nothing saveable: saved = default */
		defaults = *r->ctrl->feat;
		nvme_features_reset(r->ctrl);
		st = get_value(r, r->ctrl->feat, &dw0);
		*r->ctrl->feat = defaults;
		break;
	case NVME_FEAT_SEL_CAPS:
		st = get_value(r, r->ctrl->feat, &dw0);
		dw0 = feature_caps(NVME_FEAT_FID(r->cmd.cdw10));
		break;
	default:
		st = nvme_dnr(NVME_SC_INVALID_FIELD);
		break;
	}
	nvme_req_complete(r, st, dw0);
}
