// SPDX-License-Identifier: GPL-2.0
/*
 * Get Log Page: error information, SMART / health information with the
 * engine's real counters, firmware slots, the changed namespace list and
 * the commands supported and effects log. Also the error log's recorder.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvme_int.h"

#define LOG_LPOL_LPOU(c12, c13)	((uint64_t)(c12) | ((uint64_t)(c13) << 32))
#define LOG_MAX_SIZE		4096	/* the largest log page we have */

/* ---- the recorder ---- */

void nvme_log_error(struct nvme_ctrl *c, const struct nvme_req *r,
		    uint16_t status)
{
	struct nvme_error_log_entry *e;

	pthread_mutex_lock(&c->errlog_lock);
	__atomic_fetch_add(&c->stats->error_count, 1, __ATOMIC_RELAXED);
	/* newest first: slot 0 is always the latest */
	memmove(&c->errlog[1], &c->errlog[0],
		sizeof(c->errlog) - sizeof(c->errlog[0]));
	e = &c->errlog[0];
	memset(e, 0, sizeof(*e));
	e->error_count = c->stats->error_count;
	e->sqid = r->sqid;
	e->cid = r->cmd.cid;
	e->status = (uint16_t)(status << 1);
	e->param_loc = 0xffff;	/* not tracked */
	e->lba = r->slba;
	e->nsid = r->cmd.nsid;
	pthread_mutex_unlock(&c->errlog_lock);
}

/* ---- log contents ---- */

/* 128-bit little-endian counter from a 64-bit one. */
static void put_u128(uint8_t *dst, uint64_t v)
{
	memset(dst, 0, 16);
	memcpy(dst, &v, sizeof(v));
}

/* Thousands of 512-byte units, rounded up, as SMART counts data. */
static uint64_t data_units(uint64_t bytes)
{
	uint64_t units = (bytes + 511) / 512;

	return (units + 999) / 1000;
}

static uint64_t power_on_hours(const struct nvme_ctrl *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - c->saved->born.tv_sec) / 3600;
}

static void fill_smart(const struct nvme_ctrl *c, struct nvme_smart_log *s)
{
	const struct nvme_ctrl_stats *st = c->stats;
	uint64_t errs = st->error_count;

	if (c->aen_temp_pending || 313 > c->feat->temp_over ||
	    313 < c->feat->temp_under)
		s->critical_warning |= NVME_SMART_CRIT_TEMPERATURE;
	s->temperature = 313;
	s->avail_spare = 100;
	s->spare_thresh = 10;
	put_u128(s->data_units_read, data_units(st->bytes_read));
	put_u128(s->data_units_written, data_units(st->bytes_written));
	put_u128(s->host_reads, st->read_cmds);
	put_u128(s->host_writes, st->write_cmds);
	put_u128(s->power_cycles, 1);
	put_u128(s->power_on_hours, power_on_hours(c));
	put_u128(s->media_errors, st->media_errors);
	put_u128(s->num_err_log_entries, errs);
	s->temp_sensor[0] = 313;
}

static void fill_fw_slot(const struct nvme_ctrl *c, struct nvme_fw_slot_log *f)
{
	f->afi = 1;	/* slot 1 active */
	memset(f->frs[0], ' ', sizeof(f->frs[0]));
	memcpy(f->frs[0], c->cfg.fr, strnlen(c->cfg.fr, sizeof(f->frs[0])));
}

/* The list, then (without RAE) its reset and the event's unmasking. */
static void fill_changed_ns(struct nvme_ctrl *c, uint32_t *list, bool rae)
{
	if (c->changed_overflow)
		list[0] = NVME_NSID_ALL;
	else
		memcpy(list, c->changed_ns, c->nr_changed * sizeof(list[0]));
	if (rae)
		return;
	c->nr_changed = 0;
	c->changed_overflow = false;
	c->aen_ns_masked = false;
}

static void fill_cmd_effects(uint32_t *e)
{
	static const uint8_t admin[] = {
		NVME_ADM_DELETE_SQ, NVME_ADM_CREATE_SQ, NVME_ADM_GET_LOG_PAGE,
		NVME_ADM_DELETE_CQ, NVME_ADM_CREATE_CQ, NVME_ADM_IDENTIFY,
		NVME_ADM_ABORT, NVME_ADM_SET_FEATURES, NVME_ADM_GET_FEATURES,
		NVME_ADM_ASYNC_EVENT, NVME_ADM_KEEP_ALIVE,
	};
	uint32_t *io = e + 256;
	size_t i;

	for (i = 0; i < sizeof(admin); i++)
		e[admin[i]] = NVME_CE_CSUPP;
	io[NVME_IO_FLUSH] = NVME_CE_CSUPP;
	io[NVME_IO_READ] = NVME_CE_CSUPP;
	io[NVME_IO_COMPARE] = NVME_CE_CSUPP;
	io[NVME_IO_WRITE] = NVME_CE_CSUPP | NVME_CE_LBCC;
	io[NVME_IO_WRITE_ZEROES] = NVME_CE_CSUPP | NVME_CE_LBCC;
	io[NVME_IO_DSM] = NVME_CE_CSUPP | NVME_CE_LBCC;
}

/* The whole log page lid into buf; its size, or 0 when there is none. */
static size_t fill_log(struct nvme_req *r, uint8_t lid, void *buf)
{
	struct nvme_ctrl *c = r->ctrl;

	switch (lid) {
	case NVME_LOG_ERROR:
		memcpy(buf, c->errlog, sizeof(c->errlog));
		return sizeof(c->errlog);
	case NVME_LOG_SMART:
		fill_smart(c, buf);
		return sizeof(struct nvme_smart_log);
	case NVME_LOG_FW_SLOT:
		fill_fw_slot(c, buf);
		return sizeof(struct nvme_fw_slot_log);
	case NVME_LOG_CHANGED_NS:
		fill_changed_ns(c, buf, r->cmd.cdw10 & NVME_LOG_RAE);
		return NVME_CHANGED_NS_MAX * sizeof(uint32_t);
	case NVME_LOG_CMD_EFFECTS:
		if (NVME_LOG_CSI(r->cmd.cdw14) != NVME_CSI_NVM)
			return 0;
		fill_cmd_effects(buf);
		return NVME_CMD_EFFECTS_SIZE;
	default:
		return 0;
	}
}

static uint32_t max_transfer(const struct nvme_ctrl *c)
{
	return NVME_PAGE_SIZE << c->cfg.mdts;
}

/*
 * The host asks for NUMD+1 dwords at offset LPO. Past the end of the log
 * reads as zeroes; an offset beyond it or not dword aligned is an invalid
 * field, a length beyond MDTS too.
 */
void nvme_get_log_page(struct nvme_req *r)
{
	uint32_t numd = NVME_LOG_NUMDL(r->cmd.cdw10) |
			(NVME_LOG_NUMDU(r->cmd.cdw11) << 16);
	uint64_t len = ((uint64_t)numd + 1) * 4;
	uint64_t off = LOG_LPOL_LPOU(r->cmd.cdw12, r->cmd.cdw13);
	uint8_t lid = NVME_LOG_LID(r->cmd.cdw10);
	uint8_t *page, *out;
	uint16_t st = 0;
	size_t size;

	if (len > max_transfer(r->ctrl) || (off & 3)) {
		nvme_req_complete(r, nvme_dnr(NVME_SC_INVALID_FIELD), 0);
		return;
	}
	page = calloc(1, LOG_MAX_SIZE);
	out = calloc(1, len);
	if (!page || !out) {
		st = NVME_SC_INTERNAL;
		goto out;
	}
	size = fill_log(r, lid, page);
	if (!size)
		st = nvme_dnr(NVME_SC_INVALID_LOG_PAGE);
	else if (off >= size)
		st = nvme_dnr(NVME_SC_INVALID_FIELD);
	if (st)
		goto out;
	memcpy(out, page + off, size - off < len ? size - off : len);
	st = nvme_req_copy_to_host(r, out, (uint32_t)len);
out:
	free(page);
	free(out);
	nvme_req_complete(r, st, 0);
}
