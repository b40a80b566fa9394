// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the NVMe engine's command handling, driven through the
 * in-process host by a little program decoded from the input. Each step
 * is one byte of opcode and its operands:
 *
 *   0-3  submit a 64-byte SQE on the admin queue or I/O queue 1, with its
 *        data pointers pulled into host memory most of the time
 *   4    reap every CQ and ring the head doorbells
 *   5    write bytes into host memory (PRP lists, SGL segments, data)
 *   6    controller events: disable, enable, shutdown, FLR, suspend,
 *        resume, namespace attach / detach
 *   7    backend behaviour: deferred completions, injected errors, poll
 *
 * Besides the sanitizers, it checks what must always hold: the engine
 * never breaks the /dev/snap contract (no call the kernel would refuse
 * with EINVAL), never leaks a pool buffer, and always drains.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host_inproc.h"
#include "nvme/nvme_ctrl.h"
#include "nvme/nvme_spec.h"

#define MEM_SIZE	(256u << 10)	/* small: page faults dominate */
#define MQES		63u
#define MSIX		8u
#define QDEPTH		16u

struct fz {
	struct inproc_host *h;
	struct nvme_ctrl *c;
	struct bdev *b[2];
	bool attached[2];
	uint64_t asq, acq, iosq, iocq, data;
	const uint8_t *p;
	size_t left;
};

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool take(struct fz *f, void *dst, size_t n)
{
	if (f->left < n)
		return false;
	memcpy(dst, f->p, n);
	f->p += n;
	f->left -= n;
	return true;
}

static void sink(void *arg, const struct snap_event *ev)
{
	nvme_ctrl_event(arg, ev);
}

/*
 * Consume everything the device posted on q. The input may scribble over
 * CQ memory (host writes, or data DMA aimed at the ring), which a phase
 * check would misread; a well-behaved host never moves its head past the
 * device's tail, so the fuzzer's host takes the tail as it is.
 */
static void reap_all(struct fz *f, uint16_t q)
{
	const struct snap_queue_state *cq = &f->h->state->cq[q];

	if (!cq->size || f->h->cq_head[q] == cq->tail)
		return;
	f->h->cq_head[q] = cq->tail;
	f->h->cq_phase[q] = (uint8_t)cq->phase;
	inproc_cq_ring(f->h, q);
}

static void admin(struct fz *f, struct nvme_sqe *s)
{
	inproc_submit(f->h, 0, s);
	nvme_ctrl_poll(f->c);
	reap_all(f, 0);
}

/* Enable and create I/O queue pair 1, as a host driver would. */
static void bring_up(struct fz *f)
{
	struct nvme_sqe s;

	inproc_enable(f->h, QDEPTH - 1, QDEPTH - 1, f->asq, f->acq,
		      (6u << 16) | (4u << 20));
	/* a host driver clears a CQ before creating it */
	memset(inproc_mem_ptr(f->h, f->iocq, QDEPTH * 16), 0, QDEPTH * 16);
	memset(&s, 0, sizeof(s));
	s.opc = NVME_ADM_CREATE_CQ;
	s.prp1 = f->iocq;
	s.cdw10 = 1 | ((QDEPTH - 1) << 16);
	s.cdw11 = 3 | (1u << 16);
	admin(f, &s);
	memset(&s, 0, sizeof(s));
	s.opc = NVME_ADM_CREATE_SQ;
	s.prp1 = f->iosq;
	s.cdw10 = 1 | ((QDEPTH - 1) << 16);
	s.cdw11 = 1 | (1u << 16);
	admin(f, &s);
}

/* Point an address into host memory (mostly) keeping its low bits. */
static uint64_t aim(const struct fz *f, uint64_t v)
{
	return f->h->mem_base + (v % MEM_SIZE);
}

static void op_submit(struct fz *f, uint8_t op)
{
	struct nvme_sqe s;
	uint16_t qid = op & 1;

	if (!take(f, &s, sizeof(s)))
		return;
	if (op & 2) {
		s.prp1 = aim(f, s.prp1);
		s.prp2 = aim(f, s.prp2);
	}
	/* small namespace ids, so that most commands reach a namespace */
	if (!(s.cdw2 & 1) && s.nsid != NVME_NSID_ALL)
		s.nsid %= 4;
	inproc_submit(f->h, qid, &s);
}

static void op_reap(struct fz *f)
{
	unsigned int q;

	for (q = 0; q < SNAP_NVME_MAX_QUEUES; q++)
		reap_all(f, (uint16_t)q);
}

static void op_poke(struct fz *f)
{
	uint8_t hdr[3], buf[64];
	uint32_t off;

	if (!take(f, hdr, sizeof(hdr)) || !take(f, buf, sizeof(buf)))
		return;
	off = ((uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
	       (uint32_t)hdr[2] << 16) % (MEM_SIZE - sizeof(buf));
	memcpy(f->h->mem + off, buf, sizeof(buf));
}

static void op_ctrl(struct fz *f)
{
	uint8_t v;
	unsigned int i;

	if (!take(f, &v, 1))
		return;
	i = (v >> 4) & 1;
	switch (v & 0xf) {
	case 0:
		inproc_disable(f->h);
		break;
	case 1:
		bring_up(f);
		break;
	case 2:
		inproc_shutdown(f->h);
		break;
	case 3:
		inproc_func_reset(f->h);
		break;
	case 4:
		nvme_ctrl_suspend(f->c);
		break;
	case 5:
		nvme_ctrl_resume(f->c);
		break;
	case 6:
		if (!f->attached[i])
			f->attached[i] = !nvme_ctrl_attach_ns(f->c, i + 1, f->b[i], NULL);
		break;
	case 7:
		if (f->attached[i])
			f->attached[i] = nvme_ctrl_detach_ns(f->c, i + 1) != 0;
		break;
	default:
		nvme_ctrl_poll(f->c);
		break;
	}
}

static void op_backend(struct fz *f)
{
	static const int errs[] = { -EIO, -ENOSPC, -ENOMEM, -EINVAL, -ECANCELED };
	uint8_t v;
	struct bdev *b;

	if (!take(f, &v, 1))
		return;
	b = f->b[v & 1];
	switch ((v >> 1) & 3) {
	case 0:
		bdev_set_defer(b, !b->defer);
		break;
	case 1:
		bdev_inject_error(b, (enum bdev_op)((v >> 3) % __BDEV_OP_MAX),
				  errs[(v >> 5) % 5], 1);
		break;
	default:
		nvme_ctrl_poll(f->c);
		break;
	}
}

static bool setup(struct fz *f)
{
	struct nvme_ctrl_cfg cfg;

	memset(f, 0, sizeof(*f));
	f->h = inproc_create(MEM_SIZE, MQES, MSIX);
	if (!f->h)
		return false;
	nvme_ctrl_cfg_default(&cfg);
	cfg.nn = 4;
	cfg.mqes = MQES;
	cfg.num_msix = MSIX;
	cfg.max_io_queues = 4;
	cfg.mdts = 4;
	f->c = nvme_ctrl_create(&cfg, &f->h->host);
	f->b[0] = bdev_malloc_create("m", 256, 512);
	f->b[1] = bdev_null_create("n", 64, 4096);
	check(f->c && f->b[0] && f->b[1]);
	inproc_set_sink(f->h, sink, f->c);
	f->attached[0] = !nvme_ctrl_attach_ns(f->c, 1, f->b[0], NULL);
	f->attached[1] = !nvme_ctrl_attach_ns(f->c, 2, f->b[1], NULL);
	f->asq = inproc_mem_alloc(f->h, QDEPTH * 64, 4096);
	f->acq = inproc_mem_alloc(f->h, QDEPTH * 16, 4096);
	f->iosq = inproc_mem_alloc(f->h, QDEPTH * 64, 4096);
	f->iocq = inproc_mem_alloc(f->h, QDEPTH * 16, 4096);
	bring_up(f);
	return true;
}

/* Everything must come back: reap and poll until the engine is idle. */
static void drain(struct fz *f)
{
	int i;

	bdev_set_defer(f->b[0], false);
	bdev_set_defer(f->b[1], false);
	nvme_ctrl_resume(f->c);
	for (i = 0; i < 64 && !nvme_ctrl_idle(f->c); i++) {
		op_reap(f);
		nvme_ctrl_poll(f->c);
	}
	check(nvme_ctrl_idle(f->c));
}

static void teardown(struct fz *f)
{
	nvme_ctrl_destroy(f->c);
	bdev_destroy(f->b[0]);
	bdev_destroy(f->b[1]);
	check(f->h->einval == 0);
	check(f->h->bufs_out == 0);
	inproc_destroy(f->h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	uint8_t op;

	if (!setup(&f))
		return 0;
	f.p = data;
	f.left = size;
	while (take(&f, &op, 1)) {
		switch (op & 7) {
		case 0: case 1: case 2: case 3:
			op_submit(&f, op);
			break;
		case 4:
			op_reap(&f);
			break;
		case 5:
			op_poke(&f);
			break;
		case 6:
			op_ctrl(&f);
			break;
		default:
			op_backend(&f);
			break;
		}
	}
	drain(&f);
	teardown(&f);
	return 0;
}
