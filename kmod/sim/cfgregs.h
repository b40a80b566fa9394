/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_CFGREGS_H
#define _SNAP_SIM_CFGREGS_H

/*
 * Register accessors shared by the config space of endpoints
 * (cfgspace.c) and of switch ports (portcfg.c): little-endian fields in
 * the byte images of struct snap_cfg.
 */
#include <linux/pci.h>

#include "../compat.h"
#include "cfgspace.h"

static inline void snap_put16(u8 *regs, unsigned int off, u16 val)
{
	put_unaligned_le16(val, regs + off);
}

static inline void snap_put32(u8 *regs, unsigned int off, u32 val)
{
	put_unaligned_le32(val, regs + off);
}

static inline u16 snap_cfg_get16(const struct snap_cfg *cfg, unsigned int off)
{
	return get_unaligned_le16(cfg->data + off);
}

static inline u32 snap_cfg_get32(const struct snap_cfg *cfg, unsigned int off)
{
	return get_unaligned_le32(cfg->data + off);
}

/* Links a capability at @off after the one whose next pointer is *@link. */
static inline void snap_cfg_add_cap(struct snap_cfg *cfg, unsigned int *link,
				    unsigned int off, u8 id)
{
	cfg->data[*link] = off;
	cfg->data[off] = id;
	cfg->data[off + PCI_CAP_LIST_NEXT] = 0;
	*link = off + PCI_CAP_LIST_NEXT;
}

/* No I/O BAR, and no special cycles, MWI, VGA snooping or stepping. */
#define SNAP_CFG_COMMAND_WMASK	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
				 PCI_COMMAND_INTX_DISABLE)

/* The error bits of STATUS; the rest of it is read-only. */
#define SNAP_CFG_STATUS_W1C	(PCI_STATUS_PARITY | \
				 PCI_STATUS_SIG_TARGET_ABORT | \
				 PCI_STATUS_REC_TARGET_ABORT | \
				 PCI_STATUS_REC_MASTER_ABORT | \
				 PCI_STATUS_SIG_SYSTEM_ERROR | \
				 PCI_STATUS_DETECTED_PARITY)

/*
 * Device Capabilities: 256-byte payloads, 8-bit tags, role-based error
 * reporting (required since PCIe 1.1). An endpoint adds FLR.
 */
#define SNAP_CFG_DEVCAP		(1 | PCI_EXP_DEVCAP_EXT_TAG | \
				 PCI_EXP_DEVCAP_RBER)

/*
 * Device Control. Initiate FLR is not writable: it reads 0 and its
 * write is noticed in snap_cfg_side_effects().
 */
#define SNAP_CFG_DEVCTL_WMASK	(PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | \
				 PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE | \
				 PCI_EXP_DEVCTL_RELAX_EN | \
				 PCI_EXP_DEVCTL_PAYLOAD | \
				 PCI_EXP_DEVCTL_EXT_TAG | \
				 PCI_EXP_DEVCTL_NOSNOOP_EN | \
				 PCI_EXP_DEVCTL_READRQ)
/* The spec's defaults: relaxed ordering and no snoop on, 512-byte reads. */
#define SNAP_CFG_DEVCTL		(PCI_EXP_DEVCTL_RELAX_EN | \
				 PCI_EXP_DEVCTL_NOSNOOP_EN | \
				 PCI_EXP_DEVCTL_READRQ_512B)
#define SNAP_CFG_DEVSTA_W1C	(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | \
				 PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD)

/*
 * An x1 link at 8 GT/s, trained. Link Status must match Link
 * Capabilities, or the kernel reports the link as downtrained.
 */
#define SNAP_CFG_LNKCAP		(PCI_EXP_LNKCAP_SLS_8_0GB | 0x10)
#define SNAP_CFG_LNKSTA		(PCI_EXP_LNKSTA_CLS_8_0GB | \
				 PCI_EXP_LNKSTA_NLW_X1)
#define SNAP_CFG_LNKCAP2	(PCI_EXP_LNKCAP2_SLS_2_5GB | \
				 PCI_EXP_LNKCAP2_SLS_5_0GB | \
				 PCI_EXP_LNKCAP2_SLS_8_0GB)

/**
 * struct snap_cfg_exp - what differs between the PCI Express
 *	capabilities of an endpoint and of a switch port
 * @type: Device/Port Type, PCI_EXP_TYPE_*
 * @flags: more PCI Express Capabilities bits (Slot Implemented)
 * @devcap: Device Capabilities
 * @lnkcap: Link Capabilities bits besides speed and width
 * @lnkctl_wmask: Link Control bits the host may write
 * @lnksta: Link Status bits besides speed and width
 */
struct snap_cfg_exp {
	u8 type;
	u16 flags;
	u32 devcap;
	u32 lnkcap;
	u16 lnkctl_wmask;
	u16 lnksta;
};

/* Every function and port has the Power Management capability at 0x40. */
#define SNAP_CFG_CAP_PM		0x40

void snap_cfg_build_pm(struct snap_cfg *cfg, unsigned int off);
void snap_cfg_build_exp(struct snap_cfg *cfg, unsigned int off,
			const struct snap_cfg_exp *exp);
void snap_port_cfg_build(struct snap_cfg *cfg);

#endif /* _SNAP_SIM_CFGREGS_H */
