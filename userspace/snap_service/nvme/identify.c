// SPDX-License-Identifier: GPL-2.0
/*
 * Identify: the controller, namespaces, namespace lists and descriptors,
 * and the NVM command set's own structures (CNS 05h/06h with CSI 0), which
 * the Linux 6.1 host asks for on every scan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_int.h"

#define IDENT_CNS(cdw10)	((cdw10) & 0xff)
#define IDENT_CSI(cdw11)	((cdw11) >> 24)

/* Space-padded, not NUL-terminated, as the spec's ASCII fields are. */
static void put_ascii(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len);

	memset(dst, ' ', len);
	memcpy(dst, src, n);
}

static void fill_id_ctrl(const struct nvme_ctrl *c, struct nvme_id_ctrl *id)
{
	id->vid = c->cfg.vid;
	id->ssvid = c->cfg.vid;
	put_ascii(id->sn, sizeof(id->sn), c->cfg.sn);
	put_ascii(id->mn, sizeof(id->mn), c->cfg.mn);
	put_ascii(id->fr, sizeof(id->fr), c->cfg.fr);
	id->rab = 6;
	id->ieee[0] = 0x02;	/* Mellanox OUI 00-02-c9, low byte first */
	id->ieee[1] = 0xc9;
	id->ieee[2] = 0x00;
	id->mdts = c->cfg.mdts;
	id->cntlid = c->cfg.cntlid;
	/* The host refuses a second controller of a subsystem without it. */
	if (c->cfg.multi_ctrl)
		id->cmic = NVME_CTRL_CMIC_MCTRS;
	id->ver = NVME_VER_1_4;
	id->oaes = NVME_CTRL_OAES_NS_ATTR;
	id->cntrltype = NVME_CTRL_CNTRLTYPE_IO;
	id->acl = NVME_ACL;
	id->aerl = NVME_AERL;
	id->frmw = (1u << 1) | 1u;	/* one slot, read only */
	id->lpa = NVME_CTRL_LPA_CMD_EFFECTS | NVME_CTRL_LPA_EXT_DATA;
	id->elpe = NVME_ELPE;
	id->npss = 0;
	id->wctemp = 0x157;	/* 343 K */
	id->cctemp = 0x175;	/* 373 K */
	id->sqes = (6u << 4) | 6u;
	id->cqes = (4u << 4) | 4u;
	id->maxcmd = SNAP_INFLIGHT_MAX;
	id->nn = c->cfg.nn;
	id->oncs = NVME_CTRL_ONCS_COMPARE | NVME_CTRL_ONCS_DSM |
		   NVME_CTRL_ONCS_WRITE_ZEROES | NVME_CTRL_ONCS_SAVE_SELECT;
	id->vwc = NVME_CTRL_VWC_PRESENT | NVME_CTRL_VWC_FLUSH_ALL;
	id->sgls = NVME_CTRL_SGLS_DWORD | NVME_CTRL_SGLS_BIT_BUCKET;
	snprintf(id->subnqn, sizeof(id->subnqn), "%s", c->cfg.subnqn);
	id->psd[0].mp = 2500;	/* 25 W */
}

static void fill_id_ns(const struct nvme_ns *ns, struct nvme_id_ns *id)
{
	id->nsze = ns->nsze;
	id->ncap = ns->nsze;
	id->nuse = ns->nsze;
	id->nlbaf = 0;
	id->flbas = 0;
	if (ns->bdev->flags & BDEV_F_UNMAP_ZEROES)
		id->dlfeat = NVME_NS_DLFEAT_READ_ZEROES;
	/* NGUID: the namespace UUID, which is stable across restarts */
	memcpy(id->nguid, ns->uuid, sizeof(id->nguid));
	id->lbaf[0].lbads = ns->lbads;
}

static void fill_ns_cs_indep(const struct nvme_ns *ns,
			     struct nvme_id_ns_cs_indep *id)
{
	(void)ns;
	id->nstat = NVME_NSTAT_READY;
}

static uint32_t fill_active_list(const struct nvme_ctrl *c, uint32_t after,
				 uint32_t *list)
{
	uint32_t nsid, n = 0;

	for (nsid = after + 1; nsid <= c->cfg.nn && n < 1024; nsid++)
		if (c->ns[nsid - 1])
			list[n++] = nsid;
	return n;
}

static size_t put_desc(uint8_t *buf, size_t pos, uint8_t type,
		       const void *id, uint8_t len)
{
	struct nvme_ns_id_desc d = { .nidt = type, .nidl = len };

	memcpy(buf + pos, &d, sizeof(d));
	memcpy(buf + pos + sizeof(d), id, len);
	return pos + sizeof(d) + len;
}

static void fill_ns_descs(const struct nvme_ns *ns, uint8_t *buf)
{
	uint8_t csi = NVME_CSI_NVM;
	size_t pos = 0;

	pos = put_desc(buf, pos, NVME_NIDT_NGUID, ns->uuid, 16);
	pos = put_desc(buf, pos, NVME_NIDT_UUID, ns->uuid, 16);
	put_desc(buf, pos, NVME_NIDT_CSI, &csi, 1);
}

/*
 * Namespace ids: an active one is served; an inactive id in 1..NN gets
 * zeroes for CNS 00h (the spec's "inactive namespace" answer) and Invalid
 * Namespace elsewhere; anything else is Invalid Namespace.
 */
static uint16_t identify_ns_data(struct nvme_ctrl *c, uint8_t cns,
				 uint32_t nsid, void *buf)
{
	struct nvme_ns *ns = nvme_ctrl_ns(c, nsid);

	if (!nsid || (nsid > c->cfg.nn))
		return nvme_dnr(NVME_SC_INVALID_NS);
	if (!ns)
		return cns == NVME_CNS_NS ? 0 : nvme_dnr(NVME_SC_INVALID_NS);
	switch (cns) {
	case NVME_CNS_NS:
		fill_id_ns(ns, buf);
		break;
	case NVME_CNS_NS_DESC_LIST:
		fill_ns_descs(ns, buf);
		break;
	case NVME_CNS_NS_CS_INDEP:
		fill_ns_cs_indep(ns, buf);
		break;
	case NVME_CNS_CS_NS:
		/* NVM command set namespace: no PI, no extended formats */
		break;
	}
	return 0;
}

static uint16_t identify_data(struct nvme_req *r, void *buf)
{
	struct nvme_ctrl *c = r->ctrl;
	uint8_t cns = IDENT_CNS(r->cmd.cdw10);
	uint8_t csi = IDENT_CSI(r->cmd.cdw11);

	switch (cns) {
	case NVME_CNS_CTRL:
		fill_id_ctrl(c, buf);
		return 0;
	case NVME_CNS_NS:
	case NVME_CNS_NS_DESC_LIST:
	case NVME_CNS_NS_CS_INDEP:
		return identify_ns_data(c, cns, r->cmd.nsid, buf);
	case NVME_CNS_CS_NS:
		if (csi != NVME_CSI_NVM)
			return nvme_dnr(NVME_SC_INVALID_FIELD);
		return identify_ns_data(c, cns, r->cmd.nsid, buf);
	case NVME_CNS_CS_CTRL:
		/* NVM: all limits 0 = none beyond MDTS */
		return csi == NVME_CSI_NVM ? 0 : nvme_dnr(NVME_SC_INVALID_FIELD);
	case NVME_CNS_CS_ACTIVE_NS_LIST:
		if (csi != NVME_CSI_NVM)
			return nvme_dnr(NVME_SC_INVALID_FIELD);
		/* fall through */
	case NVME_CNS_ACTIVE_NS_LIST:
		if (r->cmd.nsid >= 0xfffffffeu)
			return nvme_dnr(NVME_SC_INVALID_NS);
		fill_active_list(c, r->cmd.nsid, buf);
		return 0;
	default:
		return nvme_dnr(NVME_SC_INVALID_FIELD);
	}
}

void nvme_identify(struct nvme_req *r)
{
	void *buf = calloc(1, NVME_IDENTIFY_SIZE);
	uint16_t st;

	if (!buf) {
		nvme_req_complete(r, NVME_SC_INTERNAL, 0);
		return;
	}
	st = identify_data(r, buf);
	if (!st)
		st = nvme_req_copy_to_host(r, buf, NVME_IDENTIFY_SIZE);
	free(buf);
	nvme_req_complete(r, st, 0);
}
