// SPDX-License-Identifier: GPL-2.0
/*
 * NVM command set I/O: Read, Write, Compare, Flush, Write Zeroes and
 * Dataset Management. Data is staged through a pool buffer (no zero copy
 * yet): writes DMA from the host before the backend runs, reads DMA to
 * the host after it completed.
 */
#include <errno.h>
#include <string.h>

#include "nvme_int.h"

static uint32_t max_transfer(const struct nvme_ctrl *c)
{
	return NVME_PAGE_SIZE << c->cfg.mdts;
}

static uint16_t lookup_ns(struct nvme_req *r)
{
	struct nvme_ns *ns = nvme_ctrl_ns(r->ctrl, r->cmd.nsid);

	if (!ns)
		return nvme_dnr(NVME_SC_INVALID_NS);
	r->ns = ns;
	nvme_ns_hold(r->g, ns);
	return 0;
}

static bool lba_range_ok(const struct nvme_ns *ns, uint64_t slba, uint64_t nlb)
{
	return slba < ns->nsze && nlb <= ns->nsze - slba;
}

static void account(struct nvme_req *r, enum bdev_op op, uint64_t bytes)
{
	struct nvme_ctrl_stats *s = &r->g->stats;

	if (op == BDEV_OP_READ) {
		s->read_cmds++;
		s->bytes_read += bytes;
	} else if (op == BDEV_OP_WRITE) {
		s->write_cmds++;
		s->bytes_written += bytes;
	}
}

static uint16_t backend_status(struct nvme_req *r, int err)
{
	if (err == -EIO || err == -ENODATA)
		r->g->stats.media_errors++;
	return nvme_errno_to_status(err, r->bio.op);
}

static void submit(struct nvme_req *r, enum bdev_op op, uint64_t off,
		   uint64_t len, void *buf, bdev_io_done_t done)
{
	int ret;

	r->bio = (struct bdev_io){
		.op = op, .offset = off, .len = len, .buf = buf,
		/* with the write cache turned off every write is durable */
		.fua = op == BDEV_OP_WRITE &&
		       ((r->cmd.cdw12 & NVME_RW_FUA) || !r->ctrl->feat->vwc),
	};
	ret = nvme_req_submit_bio(r, r->ns->bdev, done);
	if (ret)
		nvme_req_complete(r, backend_status(r, ret), 0);
}

/* ---- Read, Write, Compare ---- */

static void read_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;
	uint16_t st = backend_status(r, status);

	if (st) {
		nvme_req_complete(r, st, 0);
		return;
	}
	/* Counted when queued: a transfer that fails still read the media. */
	account(r, BDEV_OP_READ, io->len);
	nvme_req_complete_read(r, (uint32_t)io->len);
}

static void write_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;
	uint16_t st = backend_status(r, status);

	if (!st)
		account(r, BDEV_OP_WRITE, io->len);
	nvme_req_complete(r, st, 0);
}

static void compare_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;
	uint16_t st = backend_status(r, status);

	if (!st && memcmp(r->buf, r->buf2, io->len))
		st = nvme_dnr(NVME_SC_COMPARE_FAILED);
	if (!st || NVME_STATUS_CODE(st) == NVME_SC_COMPARE_FAILED)
		account(r, BDEV_OP_READ, io->len);	/* compares count as reads */
	nvme_req_complete(r, st, 0);
}

static uint64_t rw_len(const struct nvme_req *r)
{
	return ((uint64_t)NVME_RW_NLB(r->cmd.cdw12) + 1) << r->ns->lbads;
}

/* Both buffers or none, so that a retry starts clean. */
static bool alloc_buffers(struct nvme_req *r, uint64_t len, bool two)
{
	struct snap_host *h = r->g->host;

	if (nvme_req_alloc_buf(r, len))
		return false;
	if (!two)
		return true;
	r->buf2 = h->ops->buf_alloc(h, len);
	if (r->buf2) {
		r->buf2_len = len;
		return true;
	}
	h->ops->buf_free(h, r->buf, r->buf_len);
	r->buf = NULL;
	return false;
}

static void write_data_in(struct nvme_req *r, uint16_t status)
{
	if (status) {
		nvme_req_complete(r, status, 0);
		return;
	}
	submit(r, BDEV_OP_WRITE, r->slba << r->ns->lbads, rw_len(r), r->buf,
	       write_done);
}

/* Runs again from nvme_req_wait_buffer() when the pool was exhausted. */
static void rw_start(struct nvme_req *r)
{
	uint64_t len = rw_len(r), off = r->slba << r->ns->lbads;
	uint8_t opc = r->cmd.opc;

	if (!alloc_buffers(r, len, opc == NVME_IO_COMPARE)) {
		nvme_req_wait_buffer(r, rw_start);
		return;
	}
	if (opc == NVME_IO_READ) {
		submit(r, BDEV_OP_READ, off, len, r->buf, read_done);
		return;
	}
	if (opc == NVME_IO_COMPARE) {
		if (nvme_dma_dptr(r->g, SNAP_DMA_FROM_HOST, &r->dptr, r->buf2,
				  len)) {
			nvme_req_complete(r, NVME_SC_DATA_XFER_ERROR, 0);
			return;
		}
		submit(r, BDEV_OP_READ, off, len, r->buf, compare_done);
		return;
	}
	nvme_req_fetch_data(r, (uint32_t)len, write_data_in);
}

/* The checks every LBA-addressed command shares. */
static uint16_t check_lba_cmd(struct nvme_req *r, uint64_t *nlb)
{
	uint16_t st = lookup_ns(r);

	if (st)
		return st;
	r->slba = (uint64_t)r->cmd.cdw10 | ((uint64_t)r->cmd.cdw11 << 32);
	*nlb = (uint64_t)NVME_RW_NLB(r->cmd.cdw12) + 1;
	if (!lba_range_ok(r->ns, r->slba, *nlb))
		return nvme_dnr(NVME_SC_LBA_RANGE);
	return 0;
}

static void io_rw(struct nvme_req *r)
{
	uint64_t nlb, len;
	uint16_t st = check_lba_cmd(r, &nlb);

	if (st)
		goto fail;
	len = nlb << r->ns->lbads;
	if (len > max_transfer(r->ctrl)) {
		st = nvme_dnr(NVME_SC_INVALID_FIELD);
		goto fail;
	}
	st = nvme_req_map_data(r, (uint32_t)len, r->cmd.opc == NVME_IO_READ);
	if (st)
		goto fail;
	rw_start(r);
	return;
fail:
	nvme_req_complete(r, st, 0);
}

/* ---- Write Zeroes ---- */

static void simple_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;

	nvme_req_complete(r, backend_status(r, status), 0);
}

static void io_write_zeroes(struct nvme_req *r)
{
	uint64_t nlb;
	uint16_t st = check_lba_cmd(r, &nlb);

	if (st) {
		nvme_req_complete(r, st, 0);
		return;
	}
	submit(r, BDEV_OP_WRITE_ZEROES, r->slba << r->ns->lbads,
	       nlb << r->ns->lbads, NULL, simple_done);
}

/* ---- Flush ---- */

static void flush_next(struct nvme_req *r);

static void flush_all_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;

	nvme_ns_put(r->g, r->ns);
	r->ns = NULL;
	if (status) {
		nvme_req_complete(r, nvme_errno_to_status(status, io->op), 0);
		return;
	}
	r->step++;
	flush_next(r);
}

/* NSID FFFFFFFFh: every attached namespace in turn. */
static void flush_next(struct nvme_req *r)
{
	struct nvme_ctrl *c = r->ctrl;

	for (; r->step < c->cfg.nn; r->step++) {
		struct nvme_ns *ns = c->ns[r->step];

		if (!ns)
			continue;
		r->bio = (struct bdev_io){ .op = BDEV_OP_FLUSH };
		/* held like any command's namespace: no detach under it */
		r->ns = ns;
		nvme_ns_hold(r->g, ns);
		if (!nvme_req_submit_bio(r, ns->bdev, flush_all_done))
			return;
		nvme_ns_put(r->g, ns);
		r->ns = NULL;
	}
	nvme_req_complete(r, 0, 0);
}

static void io_flush(struct nvme_req *r)
{
	uint16_t st;

	if (r->cmd.nsid == NVME_NSID_ALL) {
		r->step = 0;
		flush_next(r);
		return;
	}
	st = lookup_ns(r);
	if (st) {
		nvme_req_complete(r, st, 0);
		return;
	}
	submit(r, BDEV_OP_FLUSH, 0, 0, NULL, simple_done);
}

/* ---- Dataset Management ---- */

static void dsm_next(struct nvme_req *r);

static void dsm_range_done(struct bdev_io *io, int status)
{
	struct nvme_req *r = io->priv;

	if (status) {
		nvme_req_complete(r, backend_status(r, status), 0);
		return;
	}
	r->step++;
	dsm_next(r);
}

/* Deallocate the ranges one after the other. */
static void dsm_next(struct nvme_req *r)
{
	const struct nvme_dsm_range *ranges = r->buf;
	unsigned int nr = NVME_DSM_NR(r->cmd.cdw10) + 1;

	for (; r->step < nr; r->step++) {
		const struct nvme_dsm_range *d = &ranges[r->step];

		if (!d->nlb)
			continue;
		submit(r, BDEV_OP_UNMAP, d->slba << r->ns->lbads,
		       (uint64_t)d->nlb << r->ns->lbads, NULL, dsm_range_done);
		return;
	}
	nvme_req_complete(r, 0, 0);
}

static uint16_t dsm_check_ranges(struct nvme_req *r)
{
	const struct nvme_dsm_range *ranges = r->buf;
	unsigned int i, nr = NVME_DSM_NR(r->cmd.cdw10) + 1;

	for (i = 0; i < nr; i++) {
		if (ranges[i].nlb &&
		    !lba_range_ok(r->ns, ranges[i].slba, ranges[i].nlb)) {
			r->slba = ranges[i].slba;
			return nvme_dnr(NVME_SC_LBA_RANGE);
		}
	}
	return 0;
}

static void dsm_start(struct nvme_req *r)
{
	uint32_t len = (NVME_DSM_NR(r->cmd.cdw10) + 1) *
		       sizeof(struct nvme_dsm_range);
	uint16_t st;

	if (nvme_req_alloc_buf(r, len)) {
		nvme_req_wait_buffer(r, dsm_start);
		return;
	}
	if (nvme_dma_dptr(r->g, SNAP_DMA_FROM_HOST, &r->dptr, r->buf, len)) {
		nvme_req_complete(r, NVME_SC_DATA_XFER_ERROR, 0);
		return;
	}
	/* all ranges are checked before any is deallocated */
	st = dsm_check_ranges(r);
	if (st) {
		nvme_req_complete(r, st, 0);
		return;
	}
	if (!(r->cmd.cdw11 & NVME_DSM_AD)) {
		/* attributes only (IDR/IDW): hints we may ignore */
		nvme_req_complete(r, 0, 0);
		return;
	}
	r->step = 0;
	dsm_next(r);
}

static void io_dsm(struct nvme_req *r)
{
	uint32_t len = (NVME_DSM_NR(r->cmd.cdw10) + 1) *
		       sizeof(struct nvme_dsm_range);
	uint16_t st = lookup_ns(r);

	if (!st)
		st = nvme_req_map_data(r, len, false);
	if (st) {
		nvme_req_complete(r, st, 0);
		return;
	}
	dsm_start(r);
}

void nvme_io_exec(struct nvme_req *r)
{
	switch (r->cmd.opc) {
	case NVME_IO_READ:
	case NVME_IO_WRITE:
	case NVME_IO_COMPARE:
		io_rw(r);
		break;
	case NVME_IO_FLUSH:
		io_flush(r);
		break;
	case NVME_IO_WRITE_ZEROES:
		io_write_zeroes(r);
		break;
	case NVME_IO_DSM:
		io_dsm(r);
		break;
	default:
		nvme_req_complete(r, nvme_dnr(NVME_SC_INVALID_OPCODE), 0);
		break;
	}
}
