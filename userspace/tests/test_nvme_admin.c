// SPDX-License-Identifier: GPL-2.0
/* The NVMe engine's admin commands and their error paths, through the
 * in-process host. */
#include "nvme_harness.h"

/* ---- Identify ---- */

static void test_identify_ctrl(void **state)
{
	struct harness *t = *state;
	struct nvme_id_ctrl *id;

	assert_int_equal(h_identify(t, NVME_CNS_CTRL, 0, 0, (void **)&id), 0);
	assert_int_equal(id->vid, t->cfg.vid);
	assert_memory_equal(id->sn, "SNAP0001    ", 12);
	assert_int_equal(id->mdts, 5);
	assert_int_equal(id->cntlid, t->cfg.cntlid);
	assert_int_equal(id->ver, NVME_VER_1_4);
	assert_int_equal(id->sqes, 0x66);
	assert_int_equal(id->cqes, 0x44);
	assert_int_equal(id->nn, t->cfg.nn);
	assert_int_equal(id->aerl, NVME_AERL);
	assert_true(id->oaes & NVME_CTRL_OAES_NS_ATTR);
	assert_true(id->oncs & NVME_CTRL_ONCS_WRITE_ZEROES);
	assert_true(id->oncs & NVME_CTRL_ONCS_DSM);
	assert_true(id->oncs & NVME_CTRL_ONCS_COMPARE);
	assert_true(id->vwc & NVME_CTRL_VWC_PRESENT);
	assert_int_equal(id->sgls & 3, 2);
	assert_string_equal(id->subnqn, t->cfg.subnqn);
	assert_int_equal(id->cntrltype, 1);
	assert_int_equal(id->cmic, 0);
}

/* A controller of a subsystem with others says so, or the host refuses it. */
static void test_identify_ctrl_multi(void **state)
{
	struct nvme_ctrl_cfg cfg;
	struct nvme_id_ctrl *id;
	struct harness *t;

	(void)state;
	nvme_ctrl_cfg_default(&cfg);
	cfg.mqes = H_MQES;
	cfg.num_msix = H_MSIX;
	cfg.multi_ctrl = true;
	t = h_new_cfg(&cfg);
	assert_int_equal(h_identify(t, NVME_CNS_CTRL, 0, 0, (void **)&id), 0);
	assert_int_equal(id->cmic, NVME_CTRL_CMIC_MCTRS);
	h_free(t);
}

static void test_identify_ns(void **state)
{
	struct harness *t = *state;
	struct nvme_id_ns *id;

	assert_int_equal(h_identify(t, NVME_CNS_NS, 1, 0, (void **)&id), 0);
	assert_int_equal(id->nsze, H_BLOCKS);
	assert_int_equal(id->ncap, H_BLOCKS);
	assert_int_equal(id->lbaf[id->flbas & 0xf].lbads, 9);
	assert_int_equal(id->nguid[0], 0x11);
	assert_int_equal(id->dlfeat & 7, 1);
}

static void test_identify_ns_inactive_and_invalid(void **state)
{
	struct harness *t = *state;
	uint8_t zero[4096] = { 0 };
	void *id;

	/* inactive but valid: zeroes */
	assert_int_equal(h_identify(t, NVME_CNS_NS, 2, 0, &id), 0);
	assert_memory_equal(id, zero, sizeof(zero));
	assert_int_equal(h_identify(t, NVME_CNS_NS, 0, 0, &id),
			 dnr(NVME_SC_INVALID_NS));
	assert_int_equal(h_identify(t, NVME_CNS_NS, t->cfg.nn + 1, 0, &id),
			 dnr(NVME_SC_INVALID_NS));
	assert_int_equal(h_identify(t, NVME_CNS_NS, NVME_NSID_ALL, 0, &id),
			 dnr(NVME_SC_INVALID_NS));
	assert_int_equal(h_identify(t, NVME_CNS_NS_DESC_LIST, 2, 0, &id),
			 dnr(NVME_SC_INVALID_NS));
}

static void test_identify_active_list(void **state)
{
	struct harness *t = *state;
	struct bdev *b = bdev_null_create("Null0", 100, 4096);
	uint32_t *list;

	assert_int_equal(nvme_ctrl_attach_ns(t->c, 7, b, NULL), 0);
	assert_int_equal(h_identify(t, NVME_CNS_ACTIVE_NS_LIST, 0, 0,
				    (void **)&list), 0);
	assert_int_equal(list[0], 1);
	assert_int_equal(list[1], 7);
	assert_int_equal(list[2], 0);
	assert_int_equal(h_identify(t, NVME_CNS_ACTIVE_NS_LIST, 1, 0,
				    (void **)&list), 0);
	assert_int_equal(list[0], 7);
	assert_int_equal(list[1], 0);
	/* the CSI variant, NVM only */
	assert_int_equal(h_identify(t, NVME_CNS_CS_ACTIVE_NS_LIST, 0, 0,
				    (void **)&list), 0);
	assert_int_equal(list[1], 7);
	assert_int_equal(h_identify(t, NVME_CNS_CS_ACTIVE_NS_LIST, 0, 2,
				    (void **)&list), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(h_identify(t, NVME_CNS_ACTIVE_NS_LIST, 0xfffffffe, 0,
				    (void **)&list), dnr(NVME_SC_INVALID_NS));
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 7), 0);
	bdev_destroy(b);
}

/* The engine serves what the kernel accepts: nn and mdts at the uapi's
 * limits, a namespace at nsid nn, and refuses one past either. */
static void test_limits_of_the_uapi(void **state)
{
	struct nvme_ctrl_cfg cfg;
	struct harness *t;
	struct nvme_id_ctrl *id;
	struct bdev *b = bdev_null_create("Null0", 100, 4096);
	uint32_t *list;

	(void)state;
	nvme_ctrl_cfg_default(&cfg);
	cfg.mqes = H_MQES;
	cfg.num_msix = H_MSIX;
	cfg.max_io_queues = SNAP_NVME_MAX_QUEUES - 1;
	cfg.nn = SNAP_NVME_NN_MAX;
	cfg.mdts = SNAP_NVME_MDTS_MAX;
	t = h_new_cfg(&cfg);
	assert_int_equal(h_identify(t, NVME_CNS_CTRL, 0, 0, (void **)&id), 0);
	assert_int_equal(id->nn, SNAP_NVME_NN_MAX);
	assert_int_equal(id->mdts, SNAP_NVME_MDTS_MAX);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, SNAP_NVME_NN_MAX, b, NULL), 0);
	assert_int_equal(h_identify(t, NVME_CNS_ACTIVE_NS_LIST, 1, 0, (void **)&list), 0);
	assert_int_equal(list[0], SNAP_NVME_NN_MAX);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, SNAP_NVME_NN_MAX + 1, b, NULL), -EINVAL);

	cfg.nn = SNAP_NVME_NN_MAX + 1;
	assert_null(nvme_ctrl_create(&cfg, &t->h->host));
	cfg.nn = SNAP_NVME_NN_MAX;
	cfg.mdts = SNAP_NVME_MDTS_MAX + 1;
	assert_null(nvme_ctrl_create(&cfg, &t->h->host));
	cfg.max_io_queues = SNAP_NVME_MAX_QUEUES;
	cfg.mdts = SNAP_NVME_MDTS_MAX;
	assert_null(nvme_ctrl_create(&cfg, &t->h->host));
	assert_int_equal(nvme_ctrl_detach_ns(t->c, SNAP_NVME_NN_MAX), 0);
	h_free(t);
	bdev_destroy(b);
}

static void test_identify_desc_list(void **state)
{
	struct harness *t = *state;
	uint8_t *d;
	size_t pos = 0;
	bool uuid = false, csi = false, nguid = false;

	assert_int_equal(h_identify(t, NVME_CNS_NS_DESC_LIST, 1, 0, (void **)&d), 0);
	while (pos < 4096 && d[pos + 1]) {
		uint8_t type = d[pos], len = d[pos + 1];

		if (type == NVME_NIDT_UUID) {
			assert_int_equal(len, 16);
			assert_int_equal(d[pos + 4], 0x11);
			uuid = true;
		} else if (type == NVME_NIDT_CSI) {
			assert_int_equal(len, 1);
			assert_int_equal(d[pos + 4], NVME_CSI_NVM);
			csi = true;
		} else if (type == NVME_NIDT_NGUID) {
			nguid = true;
		}
		pos += 4 + len;
	}
	assert_true(uuid && csi && nguid);
}

static void test_identify_csi_variants(void **state)
{
	struct harness *t = *state;
	struct nvme_id_ns_cs_indep *ind;
	void *id;

	assert_int_equal(h_identify(t, NVME_CNS_CS_NS, 1, NVME_CSI_NVM, &id), 0);
	assert_int_equal(h_identify(t, NVME_CNS_CS_NS, 1, 2, &id),
			 dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(h_identify(t, NVME_CNS_CS_CTRL, 0, NVME_CSI_NVM, &id), 0);
	assert_int_equal(h_identify(t, NVME_CNS_CS_CTRL, 0, 1, &id),
			 dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(h_identify(t, NVME_CNS_NS_CS_INDEP, 1, 0,
				    (void **)&ind), 0);
	assert_int_equal(ind->nstat & 1, 1);
	assert_int_equal(h_identify(t, 0x1c, 0, 0, &id), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(h_identify(t, 0x10, 0, 0, &id), dnr(NVME_SC_INVALID_FIELD));
}

/* ---- Features ---- */

static uint16_t set_feat(struct harness *t, uint32_t cdw10, uint32_t cdw11)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_SET_FEATURES, 0);

	s.cdw10 = cdw10;
	s.cdw11 = cdw11;
	return h_admin(t, &s);
}

static uint16_t get_feat(struct harness *t, uint32_t cdw10, uint32_t cdw11,
			 uint32_t *dw0)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_GET_FEATURES, 0);
	uint16_t st;

	s.cdw10 = cdw10;
	s.cdw11 = cdw11;
	st = h_admin(t, &s);
	*dw0 = t->last.dw0;
	return st;
}

static void test_features_num_queues(void **state)
{
	struct harness *t = *state;
	uint32_t dw0;

	assert_int_equal(set_feat(t, NVME_FEAT_NUM_QUEUES, 0xffff), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, NVME_FEAT_NUM_QUEUES, (63u << 16) | 63u), 0);
	/* clamped to the controller's 8 */
	assert_int_equal(t->last.dw0, (7u << 16) | 7u);
	assert_int_equal(set_feat(t, NVME_FEAT_NUM_QUEUES, (1u << 16) | 1u), 0);
	assert_int_equal(t->last.dw0, (1u << 16) | 1u);
	assert_int_equal(get_feat(t, NVME_FEAT_NUM_QUEUES, 0, &dw0), 0);
	assert_int_equal(dw0, (1u << 16) | 1u);
	/* granted two: qid 3 is out of range now */
	assert_int_equal(h_create_cq(t, 3, 16, 0, true), dnr(NVME_SC_QID_INVALID));
	h_io_queue(t, 1, 16);
	assert_int_equal(set_feat(t, NVME_FEAT_NUM_QUEUES, 0), dnr(NVME_SC_CMD_SEQ_ERROR));
}

static void test_features_values(void **state)
{
	struct harness *t = *state;
	uint32_t dw0;

	assert_int_equal(set_feat(t, NVME_FEAT_ARBITRATION, 0x01020304), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_ARBITRATION, 0, &dw0), 0);
	assert_int_equal(dw0, 0x01020304);
	assert_int_equal(set_feat(t, NVME_FEAT_POWER_MGMT, 1), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, NVME_FEAT_POWER_MGMT, 0), 0);
	assert_int_equal(set_feat(t, NVME_FEAT_VOLATILE_WC, 0), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_VOLATILE_WC, 0, &dw0), 0);
	assert_int_equal(dw0, 0);
	assert_int_equal(set_feat(t, NVME_FEAT_IRQ_COALESCE, 0x0a10), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_IRQ_COALESCE, 0, &dw0), 0);
	assert_int_equal(dw0, 0x0a10);
	assert_int_equal(set_feat(t, NVME_FEAT_IRQ_CONFIG, 3 | (1u << 16)), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_IRQ_CONFIG, 3, &dw0), 0);
	assert_int_equal(dw0, 3 | (1u << 16));
	assert_int_equal(set_feat(t, NVME_FEAT_IRQ_CONFIG, H_MSIX), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, NVME_FEAT_WRITE_ATOMIC, 1), 0);
	assert_int_equal(set_feat(t, NVME_FEAT_KATO, 5000), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_KATO, 0, &dw0), 0);
	assert_int_equal(dw0, 5000);
	assert_int_equal(set_feat(t, NVME_FEAT_ERR_RECOVERY, 1u << 16), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, NVME_FEAT_ASYNC_EVENT, 0xffffffff), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_ASYNC_EVENT, 0, &dw0), 0);
	assert_int_equal(dw0, 0x11f);	/* only what is supported sticks */
	/* unsupported ids, saving */
	assert_int_equal(set_feat(t, 0x03, 0), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, 0x0e, 0), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(get_feat(t, 0x7f, 0, &dw0), dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, NVME_FEAT_ARBITRATION | NVME_FEAT_SV, 0),
			 dnr(NVME_SC_FEATURE_NOT_SAVEABLE));
}

static void test_features_select(void **state)
{
	struct harness *t = *state;
	uint32_t dw0;

	assert_int_equal(set_feat(t, NVME_FEAT_KATO, 1234), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_KATO | (NVME_FEAT_SEL_DEFAULT << 8),
				  0, &dw0), 0);
	assert_int_equal(dw0, 0);
	assert_int_equal(get_feat(t, NVME_FEAT_KATO | (NVME_FEAT_SEL_SAVED << 8),
				  0, &dw0), 0);
	assert_int_equal(dw0, 0);
	assert_int_equal(get_feat(t, NVME_FEAT_KATO | (NVME_FEAT_SEL_CAPS << 8),
				  0, &dw0), 0);
	assert_int_equal(dw0, NVME_FEAT_CAP_CHANGEABLE);
	assert_int_equal(get_feat(t, NVME_FEAT_KATO, 0, &dw0), 0);
	assert_int_equal(dw0, 1234);	/* the current value survived */
	assert_int_equal(get_feat(t, NVME_FEAT_KATO | (4u << 8), 0, &dw0),
			 dnr(NVME_SC_INVALID_FIELD));
}

static void test_features_temperature(void **state)
{
	struct harness *t = *state;
	uint32_t dw0;

	assert_int_equal(get_feat(t, NVME_FEAT_TEMP_THRESH, 0, &dw0), 0);
	assert_int_equal(dw0, 0x157);
	assert_int_equal(set_feat(t, NVME_FEAT_TEMP_THRESH, 0x150 | (1u << 20)), 0);
	assert_int_equal(get_feat(t, NVME_FEAT_TEMP_THRESH, 1u << 20, &dw0), 0);
	assert_int_equal(dw0, 0x150);
	assert_int_equal(set_feat(t, NVME_FEAT_TEMP_THRESH, 1u << 16),
			 dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(set_feat(t, NVME_FEAT_TEMP_THRESH, 2u << 20),
			 dnr(NVME_SC_INVALID_FIELD));
}

static void test_features_host_behavior(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_ADM_SET_FEATURES, 0);
	uint64_t addr, addr2;
	uint8_t *in = h_buf(t, 512, &addr), *out = h_buf(t, 512, &addr2);

	in[0] = 1;	/* ACRE */
	s.cdw10 = NVME_FEAT_HOST_BEHAVIOR;
	s.prp1 = addr;
	assert_int_equal(h_admin(t, &s), 0);
	s = h_sqe(t, NVME_ADM_GET_FEATURES, 0);
	s.cdw10 = NVME_FEAT_HOST_BEHAVIOR;
	s.prp1 = addr2;
	assert_int_equal(h_admin(t, &s), 0);
	assert_int_equal(out[0], 1);
}

/* ---- queues ---- */

static void test_create_cq_errors(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s;

	assert_int_equal(h_create_cq(t, 0, 16, 0, true), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_create_cq(t, 9, 16, 0, true), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_create_cq(t, 1, 1, 0, true), dnr(NVME_SC_QUEUE_SIZE));
	assert_int_equal(h_create_cq(t, 1, H_MQES + 2, 0, true), dnr(NVME_SC_QUEUE_SIZE));
	assert_int_equal(h_create_cq(t, 1, 16, H_MSIX, true), dnr(NVME_SC_INVALID_VECTOR));
	/* PC = 0 is refused (CAP.CQR) */
	s = h_sqe(t, NVME_ADM_CREATE_CQ, 0);
	s.prp1 = inproc_mem_alloc(t->h, 4096, 4096);
	s.cdw10 = 1 | (15u << 16);
	assert_int_equal(h_admin(t, &s), dnr(NVME_SC_INVALID_FIELD));
	/* unaligned base */
	s = h_sqe(t, NVME_ADM_CREATE_CQ, 0);
	s.prp1 = inproc_mem_alloc(t->h, 8192, 4096) + 64;
	s.cdw10 = 1 | (15u << 16);
	s.cdw11 = 1;
	assert_int_equal(h_admin(t, &s), dnr(NVME_SC_INVALID_FIELD));
	/* the largest size, without interrupts; then a duplicate */
	assert_int_equal(h_create_cq(t, 1, H_MQES + 1, 0, false), 0);
	assert_int_equal(h_create_cq(t, 1, 16, 0, true), dnr(NVME_SC_QID_INVALID));
}

static void test_create_sq_errors(void **state)
{
	struct harness *t = *state;

	assert_int_equal(h_create_sq(t, 1, 16, 1), dnr(NVME_SC_CQ_INVALID));
	assert_int_equal(h_create_cq(t, 1, 16, 1, true), 0);
	assert_int_equal(h_create_sq(t, 1, 16, 0), dnr(NVME_SC_CQ_INVALID));
	assert_int_equal(h_create_sq(t, 1, 16, 2), dnr(NVME_SC_CQ_INVALID));
	assert_int_equal(h_create_sq(t, 0, 16, 1), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_create_sq(t, 1, 1, 1), dnr(NVME_SC_QUEUE_SIZE));
	assert_int_equal(h_create_sq(t, 1, H_MQES + 2, 1), dnr(NVME_SC_QUEUE_SIZE));
	assert_int_equal(h_create_sq(t, 1, 16, 1), 0);
	assert_int_equal(h_create_sq(t, 1, 16, 1), dnr(NVME_SC_QID_INVALID));
	/* two SQs may share a CQ */
	assert_int_equal(h_create_sq(t, 2, 16, 1), 0);
}

static void test_delete_queues(void **state)
{
	struct harness *t = *state;

	h_io_queue(t, 1, 16);
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_CQ, 1),
			 dnr(NVME_SC_INVALID_QUEUE_DELETION));
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_SQ, 0), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_SQ, 2), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_CQ, 0), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_SQ, 1), 0);
	assert_int_equal(t->h->state->sq[1].size, 0);
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_SQ, 1), dnr(NVME_SC_QID_INVALID));
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_CQ, 1), 0);
	assert_int_equal(t->h->state->cq[1].size, 0);
	assert_int_equal(h_delete(t, NVME_ADM_DELETE_CQ, 1), dnr(NVME_SC_QID_INVALID));
	/* and again from scratch */
	h_io_queue(t, 1, 16);
}

/* ---- logs ---- */

static uint16_t get_log(struct harness *t, uint8_t lid, uint32_t len,
			uint64_t off, bool rae, void **data)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_GET_LOG_PAGE, NVME_NSID_ALL);
	uint32_t numd = len / 4 - 1;
	uint64_t addr;

	*data = h_buf(t, len, &addr);
	h_prp(t, &s, addr, len);
	s.cdw10 = lid | (rae ? NVME_LOG_RAE : 0) | ((numd & 0xffff) << 16);
	s.cdw11 = numd >> 16;
	s.cdw12 = (uint32_t)off;
	s.cdw13 = (uint32_t)(off >> 32);
	return h_admin(t, &s);
}

static void test_log_error(void **state)
{
	struct harness *t = *state;
	struct nvme_error_log_entry *e;
	struct nvme_sqe bad = h_sqe(t, 0x7e, 0);

	assert_int_equal(h_admin(t, &bad), dnr(NVME_SC_INVALID_OPCODE));
	assert_int_equal(get_log(t, NVME_LOG_ERROR, 64 * 64, 0, false, (void **)&e), 0);
	assert_int_equal(e[0].error_count, 1);
	assert_int_equal(e[0].cid, bad.cid);
	assert_int_equal(e[0].sqid, 0);
	assert_int_equal(e[0].status >> 1, dnr(NVME_SC_INVALID_OPCODE));
	assert_int_equal(e[1].error_count, 0);
}

static void test_log_smart_counts(void **state)
{
	struct harness *t = *state;
	struct nvme_smart_log *s;
	uint64_t addr;
	int i;

	h_io_queue(t, 1, 16);
	h_buf(t, 8192, &addr);
	for (i = 0; i < 3; i++)
		assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, 0, 16, addr), 0);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 16, addr), 0);
	assert_int_equal(get_log(t, NVME_LOG_SMART, 512, 0, false, (void **)&s), 0);
	assert_int_equal(s->host_writes[0], 3);
	assert_int_equal(s->host_reads[0], 1);
	/* 48 and 16 units of 512 bytes: one thousand-unit each, rounded up */
	assert_int_equal(s->data_units_written[0], 1);
	assert_int_equal(s->data_units_read[0], 1);
	assert_int_equal(s->power_cycles[0], 1);
	assert_int_equal(s->temperature, 313);
	assert_int_equal(s->avail_spare, 100);
}

static void test_log_fw_effects_and_errors(void **state)
{
	struct harness *t = *state;
	struct nvme_fw_slot_log *fw;
	uint32_t *ce;
	void *d;

	assert_int_equal(get_log(t, NVME_LOG_FW_SLOT, 512, 0, false, (void **)&fw), 0);
	assert_int_equal(fw->afi, 1);
	assert_memory_equal(fw->frs[0], "0.1     ", 8);
	assert_int_equal(get_log(t, NVME_LOG_CMD_EFFECTS, 4096, 0, false, (void **)&ce), 0);
	assert_true(ce[NVME_ADM_IDENTIFY] & NVME_CE_CSUPP);
	assert_true(ce[256 + NVME_IO_WRITE] & NVME_CE_LBCC);
	assert_int_equal(ce[0x80], 0);
	assert_int_equal(get_log(t, 0x70, 512, 0, false, &d), dnr(NVME_SC_INVALID_LOG_PAGE));
	/* offset past the end, offset not dword aligned */
	assert_int_equal(get_log(t, NVME_LOG_SMART, 512, 512, false, &d),
			 dnr(NVME_SC_INVALID_FIELD));
	assert_int_equal(get_log(t, NVME_LOG_SMART, 4, 2, false, &d),
			 dnr(NVME_SC_INVALID_FIELD));
	/* partial read at an offset; longer than the log reads zeroes */
	assert_int_equal(get_log(t, NVME_LOG_SMART, 1024, 508, false, &d), 0);
	/* beyond MDTS */
	assert_int_equal(get_log(t, NVME_LOG_SMART, 256 * 1024, 0, false, &d),
			 dnr(NVME_SC_INVALID_FIELD));
}

/* ---- asynchronous events ---- */

static void submit_aer(struct harness *t)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_ASYNC_EVENT, 0);

	assert_int_equal(inproc_submit(t->h, 0, &s), 0);
	nvme_ctrl_poll(t->c);
}

static void test_aer_ns_changed(void **state)
{
	struct harness *t = *state;
	struct bdev *b = bdev_null_create("Null1", 64, 512);
	struct nvme_cqe cqe;
	uint32_t *list;

	assert_int_equal(set_feat(t, NVME_FEAT_ASYNC_EVENT, NVME_AEC_NS_ATTR), 0);
	submit_aer(t);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 0);	/* parked */
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 3, b, NULL), 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 1);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(cqe.dw0, NVME_AER_DW0(NVME_AER_TYPE_NOTICE, 0, NVME_LOG_CHANGED_NS));
	/* masked until the log is read */
	submit_aer(t);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 3), 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 0);
	assert_int_equal(get_log(t, NVME_LOG_CHANGED_NS, 4096, 0, false, (void **)&list), 0);
	assert_int_equal(list[0], 3);
	assert_int_equal(list[1], 0);
	/* unmasked: the detach (queued meanwhile) is reported now */
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 1);
	assert_int_equal(cqe.dw0 & 0xff, NVME_AER_TYPE_NOTICE);
	assert_int_equal(get_log(t, NVME_LOG_CHANGED_NS, 4096, 0, false, (void **)&list), 0);
	assert_int_equal(list[0], 0);
	bdev_destroy(b);
}

static void test_aer_disabled_notice_not_sent(void **state)
{
	struct harness *t = *state;
	struct bdev *b = bdev_null_create("Null1", 64, 512);
	struct nvme_cqe cqe;

	submit_aer(t);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 3, b, NULL), 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 0);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 3), 0);
	bdev_destroy(b);
}

static void test_aer_limit(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s;
	int i;

	for (i = 0; i <= NVME_AERL; i++)
		submit_aer(t);
	s = h_sqe(t, NVME_ADM_ASYNC_EVENT, 0);
	assert_int_equal(h_admin(t, &s), dnr(NVME_SC_AER_LIMIT));
}

static void test_aer_temperature(void **state)
{
	struct harness *t = *state;
	struct nvme_cqe cqe;
	struct nvme_smart_log *s;

	assert_int_equal(set_feat(t, NVME_FEAT_ASYNC_EVENT, NVME_SMART_CRIT_TEMPERATURE), 0);
	submit_aer(t);
	/* over-temperature threshold below the current 313 K */
	assert_int_equal(set_feat(t, NVME_FEAT_TEMP_THRESH, 300), 0);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 0, &cqe), 1);
	assert_int_equal(cqe.dw0, NVME_AER_DW0(NVME_AER_TYPE_SMART, 1, NVME_LOG_SMART));
	assert_int_equal(get_log(t, NVME_LOG_SMART, 512, 0, false, (void **)&s), 0);
	assert_true(s->critical_warning & NVME_SMART_CRIT_TEMPERATURE);
}

/* ---- the rest ---- */

static void test_abort_keep_alive(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_ADM_ABORT, 0);

	s.cdw10 = 1u << 16;
	assert_int_equal(h_admin(t, &s), 0);
	assert_int_equal(t->last.dw0 & 1, 1);	/* not aborted */
	s = h_sqe(t, NVME_ADM_KEEP_ALIVE, 0);
	assert_int_equal(h_admin(t, &s), 0);
}

static void test_invalid_opcodes(void **state)
{
	struct harness *t = *state;
	static const uint8_t ops[] = { 0x03, 0x0d, 0x10, 0x11, 0x14, 0x15, 0x19,
				       0x7c, 0x80, 0x81, 0x84, 0xc0, 0xff };
	size_t i;

	for (i = 0; i < sizeof(ops); i++) {
		struct nvme_sqe s = h_sqe(t, ops[i], 0);

		assert_int_equal(h_admin(t, &s), dnr(NVME_SC_INVALID_OPCODE));
	}
}

static void test_admin_sgl_and_fused_refused(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_ADM_IDENTIFY, 0);

	s.cdw10 = NVME_CNS_CTRL;
	s.flags = NVME_PSDT_SGL_MPTR_CONTIG << 6;
	assert_int_equal(h_admin(t, &s), dnr(NVME_SC_INVALID_FIELD));
	s = h_sqe(t, NVME_ADM_KEEP_ALIVE, 0);
	s.flags = 1;	/* fused, first */
	assert_int_equal(h_admin(t, &s), dnr(NVME_SC_INVALID_FIELD));
}

static void test_admin_bad_prp(void **state)
{
	struct harness *t = *state;
	struct nvme_sqe s = h_sqe(t, NVME_ADM_IDENTIFY, 0);

	s.cdw10 = NVME_CNS_CTRL;
	s.prp1 = inproc_mem_alloc(t->h, 8192, 4096) + 2;
	assert_int_equal(h_admin(t, &s), dnr(NVME_SC_PRP_INVALID_OFFSET));
	/* memory the host does not have */
	s = h_sqe(t, NVME_ADM_IDENTIFY, 0);
	s.cdw10 = NVME_CNS_CTRL;
	s.prp1 = 0x1000;
	assert_int_equal(h_admin(t, &s), NVME_SC_DATA_XFER_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
		T(test_identify_ctrl),
		cmocka_unit_test(test_identify_ctrl_multi),
		T(test_identify_ns),
		T(test_identify_ns_inactive_and_invalid),
		T(test_identify_active_list),
		cmocka_unit_test(test_limits_of_the_uapi),
		T(test_identify_desc_list),
		T(test_identify_csi_variants),
		T(test_features_num_queues),
		T(test_features_values),
		T(test_features_select),
		T(test_features_temperature),
		T(test_features_host_behavior),
		T(test_create_cq_errors),
		T(test_create_sq_errors),
		T(test_delete_queues),
		T(test_log_error),
		T(test_log_smart_counts),
		T(test_log_fw_effects_and_errors),
		T(test_aer_ns_changed),
		T(test_aer_disabled_notice_not_sent),
		T(test_aer_limit),
		T(test_aer_temperature),
		T(test_abort_keep_alive),
		T(test_invalid_opcodes),
		T(test_admin_sgl_and_fused_refused),
		T(test_admin_bad_prp),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
