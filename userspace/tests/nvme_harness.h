/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared fixture of the NVMe engine tests: an in-process host with 64 MiB
 * of memory, an engine behind it, a malloc namespace 1 and an enabled
 * admin queue pair, plus helpers that build commands the way a host
 * driver does and run them to their completion.
 */
#ifndef SNAP_TESTS_NVME_HARNESS_H
#define SNAP_TESTS_NVME_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>

#include "host_inproc.h"
#include "nvme/nvme_ctrl.h"
#include "nvme/nvme_spec.h"

#define H_MEM		(64u << 20)
#define H_MQES		255u
#define H_MSIX		16u
#define H_ADMIN_DEPTH	32u
#define H_BLOCKS	4096u
#define H_BS		512u
#define H_NO_CQE	0xffff	/* status when nothing was completed */

struct harness {
	struct inproc_host *h;
	struct nvme_ctrl *c;
	struct bdev *ns1;
	struct nvme_ctrl_cfg cfg;
	uint16_t next_cid;
	struct nvme_cqe last;
};

static inline void h_sink(void *arg, const struct snap_event *ev)
{
	nvme_ctrl_event(arg, ev);
}

static inline void h_enable(struct harness *t)
{
	uint64_t asq = inproc_mem_alloc(t->h, H_ADMIN_DEPTH * 64, 4096);
	uint64_t acq = inproc_mem_alloc(t->h, H_ADMIN_DEPTH * 16, 4096);

	/* IOSQES 6, IOCQES 4, MPS 0, CSS NVM */
	inproc_enable(t->h, H_ADMIN_DEPTH - 1, H_ADMIN_DEPTH - 1, asq, acq,
		      (6u << 16) | (4u << 20));
}

static inline struct harness *h_new_cfg(const struct nvme_ctrl_cfg *cfg)
{
	struct harness *t = calloc(1, sizeof(*t));
	static const uint8_t uuid[16] = { 0x11, 0x22, 0x33, 0x44, 5, 6, 7, 8,
					  9, 10, 11, 12, 13, 14, 15, 16 };

	assert_non_null(t);
	t->h = inproc_create(H_MEM, H_MQES, H_MSIX);
	assert_non_null(t->h);
	t->cfg = *cfg;
	t->c = nvme_ctrl_create(&t->cfg, &t->h->host);
	assert_non_null(t->c);
	inproc_set_sink(t->h, h_sink, t->c);
	t->ns1 = bdev_malloc_create("Malloc0", H_BLOCKS, H_BS);
	assert_non_null(t->ns1);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 1, t->ns1, uuid), 0);
	h_enable(t);
	assert_true(inproc_ready(t->h));
	return t;
}

static inline struct harness *h_new(void)
{
	struct nvme_ctrl_cfg cfg;

	nvme_ctrl_cfg_default(&cfg);
	cfg.mqes = H_MQES;
	cfg.num_msix = H_MSIX;
	cfg.max_io_queues = 8;
	cfg.mdts = 5;		/* 128 KiB */
	return h_new_cfg(&cfg);
}

static inline int h_setup(void **state)
{
	*state = h_new();
	return 0;
}

static inline void h_free(struct harness *t)
{
	if (!t)
		return;
	while (!nvme_ctrl_idle(t->c) && nvme_ctrl_poll(t->c))
		;
	nvme_ctrl_destroy(t->c);
	bdev_destroy(t->ns1);
	assert_int_equal(t->h->einval, 0);	/* the ABI contract held */
	assert_int_equal(t->h->bufs_out, 0);	/* no buffer leaked */
	inproc_destroy(t->h);
	free(t);
}

static inline int h_teardown(void **state)
{
	h_free(*state);
	return 0;
}

static inline struct nvme_sqe h_sqe(struct harness *t, uint8_t opc,
				    uint32_t nsid)
{
	struct nvme_sqe s;

	memset(&s, 0, sizeof(s));
	s.opc = opc;
	s.nsid = nsid;
	s.cid = ++t->next_cid;
	return s;
}

/* Submit on qid, run the engine, reap one CQE from cqid: its status
 * (without phase), or H_NO_CQE. */
static inline uint16_t h_run_on(struct harness *t, uint16_t qid, uint16_t cqid,
				struct nvme_sqe *s)
{
	assert_int_equal(inproc_submit(t->h, qid, s), 0);
	nvme_ctrl_poll(t->c);
	memset(&t->last, 0, sizeof(t->last));
	if (!inproc_reap(t->h, cqid, &t->last))
		return H_NO_CQE;
	assert_int_equal(t->last.cid, s->cid);
	assert_int_equal(t->last.sqid, qid);
	return t->last.status >> 1;
}

static inline uint16_t h_admin(struct harness *t, struct nvme_sqe *s)
{
	return h_run_on(t, 0, 0, s);
}

/* Host memory for a data buffer, with its bus address. */
static inline void *h_buf(struct harness *t, uint64_t len, uint64_t *addr)
{
	*addr = inproc_mem_alloc(t->h, len, 4096);
	assert_true(*addr != 0);
	return inproc_mem_ptr(t->h, *addr, len);
}

/* PRPs for a contiguous, page-aligned host buffer of len bytes. */
static inline void h_prp(struct harness *t, struct nvme_sqe *s, uint64_t addr,
			 uint64_t len)
{
	uint64_t pages = (len + 4095) / 4096, i, list;
	uint64_t *l;

	s->prp1 = addr;
	if (pages <= 1)
		return;
	if (pages == 2) {
		s->prp2 = addr + 4096;
		return;
	}
	l = h_buf(t, (pages - 1) * 8, &list);
	for (i = 1; i < pages; i++)
		l[i - 1] = addr + i * 4096;
	s->prp2 = list;
}

static inline uint16_t h_identify(struct harness *t, uint8_t cns, uint32_t nsid,
				  uint8_t csi, void **data)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_IDENTIFY, nsid);
	uint64_t addr;

	*data = h_buf(t, 4096, &addr);
	s.prp1 = addr;
	s.cdw10 = cns;
	s.cdw11 = (uint32_t)csi << 24;
	return h_admin(t, &s);
}

static inline uint16_t h_create_cq(struct harness *t, uint16_t qid,
				   uint32_t size, uint16_t iv, bool ien)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_CREATE_CQ, 0);
	uint64_t addr;

	h_buf(t, size * 16, &addr);
	s.prp1 = addr;
	s.cdw10 = qid | ((size - 1) << 16);
	s.cdw11 = 1u | (ien ? 2u : 0u) | ((uint32_t)iv << 16);
	return h_admin(t, &s);
}

static inline uint16_t h_create_sq(struct harness *t, uint16_t qid,
				   uint32_t size, uint16_t cqid)
{
	struct nvme_sqe s = h_sqe(t, NVME_ADM_CREATE_SQ, 0);
	uint64_t addr;

	h_buf(t, size * 64, &addr);
	s.prp1 = addr;
	s.cdw10 = qid | ((size - 1) << 16);
	s.cdw11 = 1u | ((uint32_t)cqid << 16);
	return h_admin(t, &s);
}

static inline void h_io_queue(struct harness *t, uint16_t qid, uint32_t size)
{
	assert_int_equal(h_create_cq(t, qid, size, qid % H_MSIX, true), 0);
	assert_int_equal(h_create_sq(t, qid, size, qid), 0);
}

static inline uint16_t h_delete(struct harness *t, uint8_t opc, uint16_t qid)
{
	struct nvme_sqe s = h_sqe(t, opc, 0);

	s.cdw10 = qid;
	return h_admin(t, &s);
}

/* Read or write nlb blocks at slba through qid 1 with PRPs. */
static inline uint16_t h_rw(struct harness *t, uint8_t opc, uint32_t nsid,
			    uint64_t slba, uint32_t nlb, uint64_t addr)
{
	struct nvme_sqe s = h_sqe(t, opc, nsid);

	h_prp(t, &s, addr, (uint64_t)nlb * H_BS);
	s.cdw10 = (uint32_t)slba;
	s.cdw11 = (uint32_t)(slba >> 32);
	s.cdw12 = nlb - 1;
	return h_run_on(t, 1, 1, &s);
}

/*
 * A backend that completes only when the test says so, as io_uring would
 * some time later: submit() parks the I/O, man_complete() finishes them.
 */
#define MAN_MAX 64
struct man_bdev {
	struct bdev b;
	struct bdev_io *io[MAN_MAX];
	unsigned int n;
};

static inline int man_submit(struct bdev *b, struct bdev_io *io)
{
	struct man_bdev *m = (struct man_bdev *)b;

	if (m->n == MAN_MAX)
		return -EBUSY;
	m->io[m->n++] = io;
	return 0;
}

static inline void man_destroy(struct bdev *b)
{
	free(b);
}

static const struct bdev_ops man_ops = {
	.type = "manual", .submit = man_submit, .destroy = man_destroy,
};

static inline struct man_bdev *man_create(uint64_t blocks, uint32_t bs)
{
	struct man_bdev *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	assert_int_equal(bdev_init(&m->b, &man_ops, "Manual", blocks, bs), 0);
	return m;
}

/* Complete every parked I/O with status; returns how many. */
static inline unsigned int man_complete(struct man_bdev *m, int status)
{
	unsigned int i, n = m->n;
	struct bdev_io *io[MAN_MAX];

	memcpy(io, m->io, sizeof(io));
	m->n = 0;
	for (i = 0; i < n; i++) {
		if (io[i]->op == BDEV_OP_READ)
			memset(io[i]->buf, 0x5a, io[i]->len);
		bdev_io_complete(&m->b, io[i], status);
	}
	return n;
}

static inline uint16_t dnr(uint16_t sc)
{
	return sc | NVME_STATUS_DNR;
}

#endif /* SNAP_TESTS_NVME_HARNESS_H */
