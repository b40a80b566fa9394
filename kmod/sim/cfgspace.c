// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration space of the sim provider's emulated functions: a type 0
 * header with one 64-bit memory BAR and a capability chain of Power
 * Management, MSI-X, PCI Express (endpoint), VPD and the device model's
 * vendor-specific capabilities (virtio-pci's structures); a PF with VFs
 * has an SR-IOV extended capability, the only extended one, and its VFs
 * a header whose IDs and BAR0 are the PF's to give. Each register is
 * bytes plus masks of the bits the host may write and the bits it clears
 * by writing 1, so accesses of every size share one path. The few
 * registers with side effects (PMCSR, Device Control, the VPD address)
 * are handled around the masked write.
 *
 * Also the MSI-X rules for the vector table and PBA the function keeps
 * in BAR0.
 *
 * Everything here runs under the sim bus's raw spinlock: no sleeping,
 * no allocation, no locks; the caller serializes.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "../compat.h"
#include "cfgregs.h"
#include "cfgspace.h"

/* Where each capability after PM lives; the chain links them in order. */
#define SNAP_CFG_CAP_MSIX	0x50
#define SNAP_CFG_CAP_EXP	0x60
#define SNAP_CFG_CAP_EXP_SIZE	0x3c	/* v2 endpoint, slot 2 registers too */
#define SNAP_CFG_CAP_VPD	0xa0
#define SNAP_CFG_CAP_VENDOR	(SNAP_CFG_CAP_VPD + PCI_CAP_VPD_SIZEOF)

/* The first extended capability must be at the start of extended space. */
#define SNAP_CFG_ECAP_SRIOV	PCI_CFG_SPACE_SIZE
#define SNAP_CFG_SRIOV_CTRL_WMASK (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | \
				   PCI_SRIOV_CTRL_ARI)
/*
 * 4 KiB pages only: VF BARs are sized for them, and the sim runs on
 * x86, whose kernel asks for no other.
 */
#define SNAP_CFG_SRIOV_PGSIZE	1

/* Bit 7 of the header type; pci_regs.h names it only from 6.5 on. */
#define SNAP_CFG_HEADER_MFD	0x80

/* NVMe's MLBAR hardwires bits 13:4 to 0: BAR0 is at least 16 KiB. */
#define SNAP_CFG_BAR0_MIN	SZ_16K
#define SNAP_CFG_BAR_FLAGS	0xfULL

/*
 * PM 1.2 with D0 and D3hot only, no PME. No_Soft_Reset is true: nothing
 * here loses state on D3hot -> D0, so the kernel need not restore it.
 */
#define SNAP_CFG_PM_PMC		3
#define SNAP_CFG_PM_D3HOT	3

#define SNAP_CFG_LNKCTL_WMASK	(PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC | \
				 PCI_EXP_LNKCTL_ES)

/* The small resource End tag: item name 0xf, length 0. */
#define SNAP_VPD_END		0x78

/*
 * A 64-bit memory BAR of BAR0's size at @off: the bits below the size
 * read 0, which is how the host sizes it.
 */
static void snap_cfg_build_bar0(struct snap_cfg *cfg, unsigned int off)
{
	u64 bar_mask = ~(cfg->bar0_size - 1) & ~SNAP_CFG_BAR_FLAGS;

	snap_put32(cfg->data, off,
		   PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64);
	snap_put32(cfg->wmask, off, lower_32_bits(bar_mask));
	snap_put32(cfg->wmask, off + 4, upper_32_bits(bar_mask));
}

static void snap_cfg_build_header(struct snap_cfg *cfg)
{
	const struct snap_cfg_desc *desc = &cfg->desc;
	u16 command_wmask = SNAP_CFG_COMMAND_WMASK;

	/* A VF's IDs read all ones: a bus scan must not find it. */
	snap_put16(cfg->data, PCI_VENDOR_ID, desc->vf ? 0xffff : desc->vendor);
	snap_put16(cfg->data, PCI_DEVICE_ID, desc->vf ? 0xffff : desc->device);
	if (desc->vf)
		command_wmask &= ~PCI_COMMAND_MEMORY;
	snap_put16(cfg->wmask, PCI_COMMAND, command_wmask);
	snap_put16(cfg->data, PCI_STATUS, PCI_STATUS_CAP_LIST);
	snap_put16(cfg->w1cmask, PCI_STATUS, SNAP_CFG_STATUS_W1C);
	snap_put32(cfg->data, PCI_CLASS_REVISION,
		   (desc->class_code & 0xffffff) << 8 | desc->revision);
	cfg->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	cfg->data[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL |
				     (desc->multi_function ? SNAP_CFG_HEADER_MFD : 0);

	/* A VF's BARs are read-only zero: its PF's VF BAR0 maps them. */
	if (!desc->vf)
		snap_cfg_build_bar0(cfg, PCI_BASE_ADDRESS_0);

	snap_put16(cfg->data, PCI_SUBSYSTEM_VENDOR_ID, desc->subsys_vendor);
	snap_put16(cfg->data, PCI_SUBSYSTEM_ID, desc->subsys_device);
	/* Interrupt Pin stays 0: a root bus without ACPI has no INTx routing. */
	cfg->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void snap_cfg_build_pm(struct snap_cfg *cfg, unsigned int off)
{
	snap_put16(cfg->data, off + PCI_PM_PMC, SNAP_CFG_PM_PMC);
	snap_put16(cfg->data, off + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
	snap_put16(cfg->wmask, off + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
}

static void snap_cfg_build_msix(struct snap_cfg *cfg, unsigned int off)
{
	const struct snap_cfg_desc *desc = &cfg->desc;

	snap_put16(cfg->data, off + PCI_MSIX_FLAGS, desc->num_msix - 1);
	snap_put16(cfg->wmask, off + PCI_MSIX_FLAGS,
		   PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	/* BIR 0 in the low bits: both structures live in BAR0. */
	snap_put32(cfg->data, off + PCI_MSIX_TABLE, desc->msix_table_offset);
	snap_put32(cfg->data, off + PCI_MSIX_PBA, desc->msix_pba_offset);
}

/**
 * snap_cfg_build_exp() - a PCI Express capability (v2)
 * @cfg: the function or port
 * @off: where it lives
 * @exp: what differs between an endpoint's and a port's
 *
 * Both have 256-byte payloads, the spec's Device Control defaults, and an
 * x1 link at 8 GT/s.
 */
void snap_cfg_build_exp(struct snap_cfg *cfg, unsigned int off,
			const struct snap_cfg_exp *exp)
{
	snap_put16(cfg->data, off + PCI_EXP_FLAGS,
		   2 | exp->type << 4 | exp->flags);
	snap_put32(cfg->data, off + PCI_EXP_DEVCAP, exp->devcap);
	snap_put16(cfg->data, off + PCI_EXP_DEVCTL, SNAP_CFG_DEVCTL);
	snap_put16(cfg->wmask, off + PCI_EXP_DEVCTL, SNAP_CFG_DEVCTL_WMASK);
	snap_put16(cfg->w1cmask, off + PCI_EXP_DEVSTA, SNAP_CFG_DEVSTA_W1C);
	snap_put32(cfg->data, off + PCI_EXP_LNKCAP, SNAP_CFG_LNKCAP | exp->lnkcap);
	snap_put16(cfg->wmask, off + PCI_EXP_LNKCTL, exp->lnkctl_wmask);
	snap_put16(cfg->data, off + PCI_EXP_LNKSTA, SNAP_CFG_LNKSTA | exp->lnksta);
	snap_put32(cfg->data, off + PCI_EXP_LNKCAP2, SNAP_CFG_LNKCAP2);
	snap_put16(cfg->data, off + PCI_EXP_LNKCTL2, PCI_EXP_LNKCTL2_TLS_8_0GT);
}

/* An endpoint's: FLR, and Read Completion Boundary to set. */
static const struct snap_cfg_exp snap_cfg_endpoint_exp = {
	.type = PCI_EXP_TYPE_ENDPOINT,
	.devcap = SNAP_CFG_DEVCAP | PCI_EXP_DEVCAP_FLR,
	.lnkctl_wmask = SNAP_CFG_LNKCTL_WMASK,
};

/*
 * SR-IOV 1.1 as PCIe r5.0 section 9.3.3 has it: VF Enable, VF Memory
 * Space Enable and ARI Capable Hierarchy writable, NumVFs writable, the
 * VFs at a fixed offset and stride whatever NumVFs is, no VF migration.
 */
static void snap_cfg_build_sriov(struct snap_cfg *cfg, unsigned int off)
{
	const struct snap_cfg_desc *desc = &cfg->desc;

	snap_put32(cfg->data, off, PCI_EXT_CAP_ID_SRIOV | 1 << 16);
	snap_put16(cfg->wmask, off + PCI_SRIOV_CTRL, SNAP_CFG_SRIOV_CTRL_WMASK);
	snap_put16(cfg->data, off + PCI_SRIOV_INITIAL_VF, desc->total_vfs);
	snap_put16(cfg->data, off + PCI_SRIOV_TOTAL_VF, desc->total_vfs);
	snap_put16(cfg->wmask, off + PCI_SRIOV_NUM_VF, 0xffff);
	cfg->data[off + PCI_SRIOV_FUNC_LINK] = desc->pf_devfn;
	snap_put16(cfg->data, off + PCI_SRIOV_VF_OFFSET, desc->vf_offset);
	snap_put16(cfg->data, off + PCI_SRIOV_VF_STRIDE, 1);
	snap_put16(cfg->data, off + PCI_SRIOV_VF_DID, desc->vf_device);
	snap_put32(cfg->data, off + PCI_SRIOV_SUP_PGSIZE, SNAP_CFG_SRIOV_PGSIZE);
	snap_put32(cfg->data, off + PCI_SRIOV_SYS_PGSIZE, SNAP_CFG_SRIOV_PGSIZE);
	snap_put32(cfg->wmask, off + PCI_SRIOV_SYS_PGSIZE, SNAP_CFG_SRIOV_PGSIZE);
	snap_cfg_build_bar0(cfg, off + PCI_SRIOV_BAR);
}

static void snap_cfg_build_vpd_cap(struct snap_cfg *cfg, unsigned int off)
{
	/* F is writable so the access can tell reads from writes. */
	snap_put16(cfg->wmask, off + PCI_VPD_ADDR,
		   PCI_VPD_ADDR_MASK | PCI_VPD_ADDR_F);
}

static unsigned int snap_vpd_put(u8 *vpd, unsigned int pos, const void *src,
				 size_t len)
{
	memcpy(vpd + pos, src, len);
	return pos + len;
}

/*
 * The VPD format of PCIe r5.0 section 6.28: an Identifier String,
 * a VPD-R block holding SN and RV, the End tag. RV's first byte makes all
 * bytes up to and including it sum to zero. Returns the image's length.
 */
static unsigned int snap_vpd_build(u8 *vpd, const char *product,
				   const char *sn)
{
	size_t product_len, sn_len;
	unsigned int pos = 0, i;
	u8 hdr[3], sum = 0;

	product = product ?: "";
	sn = sn ?: "";
	product_len = strnlen(product, SNAP_CFG_PRODUCT_MAX);
	sn_len = strnlen(sn, SNAP_CFG_SN_MAX);

	hdr[0] = PCI_VPD_LRDT_ID_STRING;
	put_unaligned_le16(product_len, hdr + 1);
	pos = snap_vpd_put(vpd, pos, hdr, 3);
	pos = snap_vpd_put(vpd, pos, product, product_len);

	/* SN and RV, each a 3-byte keyword header; RV holds one byte. */
	hdr[0] = PCI_VPD_LRDT_RO_DATA;
	put_unaligned_le16(3 + sn_len + 3 + 1, hdr + 1);
	pos = snap_vpd_put(vpd, pos, hdr, 3);

	memcpy(hdr, PCI_VPD_RO_KEYWORD_SERIALNO, 2);
	hdr[2] = sn_len;
	pos = snap_vpd_put(vpd, pos, hdr, 3);
	pos = snap_vpd_put(vpd, pos, sn, sn_len);

	memcpy(hdr, PCI_VPD_RO_KEYWORD_CHKSUM, 2);
	hdr[2] = 1;
	pos = snap_vpd_put(vpd, pos, hdr, 3);
	for (i = 0; i < pos; i++)
		sum += vpd[i];
	vpd[pos++] = -sum;

	vpd[pos++] = SNAP_VPD_END;
	return pos;
}

/* Vendor capabilities must be whole dwords and fit the 256-byte space. */
static bool snap_cfg_vcaps_fit(const struct snap_cfg_desc *desc)
{
	unsigned int i, end = SNAP_CFG_CAP_VENDOR;

	for (i = 0; i < SNAP_CFG_VCAPS_MAX && desc->vcaps[i].len; i++) {
		if (desc->vcaps[i].len < 4 || desc->vcaps[i].len % 4 ||
		    desc->vcaps[i].len > SNAP_CFG_VCAP_MAX_LEN)
			return false;
		end += desc->vcaps[i].len;
	}
	return end <= PCI_CFG_SPACE_SIZE;
}

/**
 * snap_cfg_vcap_offset() - where a vendor-specific capability lives
 * @cfg: the function's state
 * @i: index in the descriptor's @vcaps
 *
 * Return: its offset in config space, or 0 when there is no such
 * capability.
 */
unsigned int snap_cfg_vcap_offset(const struct snap_cfg *cfg, unsigned int i)
{
	unsigned int j, off = SNAP_CFG_CAP_VENDOR;

	if (i >= SNAP_CFG_VCAPS_MAX || !cfg->desc.vcaps[i].len)
		return 0;
	for (j = 0; j < i; j++)
		off += cfg->desc.vcaps[j].len;
	return off;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_vcap_offset);

static void snap_cfg_build_vcaps(struct snap_cfg *cfg, unsigned int *link)
{
	const struct snap_cfg_vcap *vcap;
	unsigned int i, off;

	for (i = 0; (off = snap_cfg_vcap_offset(cfg, i)); i++) {
		vcap = &cfg->desc.vcaps[i];
		memcpy(cfg->data + off, vcap->body, vcap->len);
		memcpy(cfg->wmask + off, vcap->wmask, vcap->len);
		/* ID and next pointer are the chain's, never the host's. */
		cfg->wmask[off] = 0;
		cfg->wmask[off + PCI_CAP_LIST_NEXT] = 0;
		snap_cfg_add_cap(cfg, link, off, PCI_CAP_ID_VNDR);
	}
}

/*
 * BAR0 must hold the MSI-X table and PBA, apart and QWORD aligned, for
 * the most vectors the function may ever have: its Table Size can change
 * later (snap_cfg_set_num_msix()), BAR0 cannot.
 */
static bool snap_cfg_msix_fits(const struct snap_cfg_desc *desc)
{
	u16 room = desc->max_msix ?: desc->num_msix;
	u64 table_end, pba_end;

	if (!desc->num_msix)
		return true;
	if (room < desc->num_msix || room > PCI_MSIX_FLAGS_QSIZE + 1)
		return false;
	if ((desc->msix_table_offset | desc->msix_pba_offset) & PCI_MSIX_TABLE_BIR)
		return false;
	table_end = (u64)desc->msix_table_offset + room * PCI_MSIX_ENTRY_SIZE;
	pba_end = (u64)desc->msix_pba_offset +
		  DIV_ROUND_UP(room, 64) * sizeof(u64);
	if (table_end > desc->bar0_size || pba_end > desc->bar0_size)
		return false;
	return table_end <= desc->msix_pba_offset ||
	       pba_end <= desc->msix_table_offset;
}

/**
 * snap_cfg_init() - build the configuration space of a function
 * @cfg: the state to fill
 * @desc: what the function looks like; its strings are copied
 *
 * Return: 0, or -EINVAL when BAR0 is not a power of two of at least
 * 16 KiB or cannot hold the MSI-X table and PBA of max_msix vectors
 * (or max_msix is below num_msix), the vendor
 * capabilities do not fit config space, or VFs are asked of a VF or
 * with a First VF Offset of 0. On error @cfg is all
 * zero, which the PCI core reads as no function (Vendor ID 0).
 */
int snap_cfg_init(struct snap_cfg *cfg, const struct snap_cfg_desc *desc)
{
	BUILD_BUG_ON(SNAP_CFG_CAP_PM + PCI_PM_SIZEOF > SNAP_CFG_CAP_MSIX);
	BUILD_BUG_ON(SNAP_CFG_CAP_MSIX + PCI_CAP_MSIX_SIZEOF > SNAP_CFG_CAP_EXP);
	BUILD_BUG_ON(SNAP_CFG_CAP_EXP + SNAP_CFG_CAP_EXP_SIZE > SNAP_CFG_CAP_VPD);
	BUILD_BUG_ON(SNAP_CFG_CAP_VPD + PCI_CAP_VPD_SIZEOF > PCI_CFG_SPACE_SIZE);

	memset(cfg, 0, sizeof(*cfg));
	if (!is_power_of_2(desc->bar0_size) ||
	    desc->bar0_size < SNAP_CFG_BAR0_MIN || !snap_cfg_msix_fits(desc) ||
	    !snap_cfg_vcaps_fit(desc))
		return -EINVAL;
	/* VFs have no VFs; a PF's first VF is not the PF itself. */
	if (desc->total_vfs && (desc->vf || !desc->vf_offset))
		return -EINVAL;

	cfg->desc = *desc;
	cfg->desc.product = NULL;
	cfg->desc.vuid = NULL;
	cfg->desc.max_msix = desc->max_msix ?: desc->num_msix;
	cfg->bar0_size = desc->bar0_size;
	cfg->vpd_len = snap_vpd_build(cfg->vpd, desc->product, desc->vuid);
	snap_cfg_reset(cfg);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_init);

/**
 * snap_cfg_reset() - return to the power-on state
 * @cfg: a state snap_cfg_init() built
 *
 * For a Function Level Reset or a conventional reset: every register
 * takes its power-on value and the FLR request is consumed; the
 * identity, BAR0's size, the MSI-X geometry and the VPD image stay.
 * The MSI-X table and PBA in BAR0 are the caller's (see
 * snap_msix_reset_table()).
 */
void snap_cfg_reset(struct snap_cfg *cfg)
{
	unsigned int link = PCI_CAPABILITY_LIST;

	memset(cfg->data, 0, sizeof(cfg->data));
	memset(cfg->wmask, 0, sizeof(cfg->wmask));
	memset(cfg->w1cmask, 0, sizeof(cfg->w1cmask));
	cfg->flr_requested = false;
	if (cfg->kind != SNAP_CFG_ENDPOINT) {
		snap_port_cfg_build(cfg);
		return;
	}

	snap_cfg_build_header(cfg);
	snap_cfg_add_cap(cfg, &link, SNAP_CFG_CAP_PM, PCI_CAP_ID_PM);
	snap_cfg_build_pm(cfg, SNAP_CFG_CAP_PM);
	if (cfg->desc.num_msix) {
		snap_cfg_add_cap(cfg, &link, SNAP_CFG_CAP_MSIX, PCI_CAP_ID_MSIX);
		snap_cfg_build_msix(cfg, SNAP_CFG_CAP_MSIX);
	}
	snap_cfg_add_cap(cfg, &link, SNAP_CFG_CAP_EXP, PCI_CAP_ID_EXP);
	snap_cfg_build_exp(cfg, SNAP_CFG_CAP_EXP, &snap_cfg_endpoint_exp);
	snap_cfg_add_cap(cfg, &link, SNAP_CFG_CAP_VPD, PCI_CAP_ID_VPD);
	snap_cfg_build_vpd_cap(cfg, SNAP_CFG_CAP_VPD);
	snap_cfg_build_vcaps(cfg, &link);
	if (cfg->desc.total_vfs)
		snap_cfg_build_sriov(cfg, SNAP_CFG_ECAP_SRIOV);
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_reset);

/* pci_ops hand us an int @where; a negative one wraps and fails here. */
static bool snap_cfg_access_ok(unsigned int where, int size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	return where < SNAP_CFG_SIZE && !(where & (size - 1));
}

/**
 * snap_cfg_read() - a configuration read, as pci_ops.read does it
 * @cfg: the function's state
 * @where: offset in configuration space
 * @size: 1, 2 or 4 bytes, naturally aligned
 * @val: the value read; all ones on error, as a bus without a device
 *
 * Return: PCIBIOS_SUCCESSFUL, or PCIBIOS_BAD_REGISTER_NUMBER for a
 * misaligned or out-of-range access.
 */
int snap_cfg_read(const struct snap_cfg *cfg, unsigned int where, int size,
		  u32 *val)
{
	u32 v = 0;
	int i;

	if (!snap_cfg_access_ok(where, size)) {
		*val = ~0U;
		return PCIBIOS_BAD_REGISTER_NUMBER;
	}
	for (i = size - 1; i >= 0; i--)
		v = v << 8 | cfg->data[where + i];
	*val = v;
	return PCIBIOS_SUCCESSFUL;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_read);

static bool snap_cfg_covers(unsigned int where, int size, unsigned int off)
{
	return off >= where && off < where + size;
}

static u8 snap_cfg_byte_of(unsigned int where, u32 val, unsigned int off)
{
	return val >> (8 * (off - where));
}

/*
 * PCI PM 1.2: a write of a power state the function lacks (D1, D2)
 * completes normally but changes nothing. Returns @val with such a
 * state replaced by the current one.
 */
static u32 snap_cfg_pm_filter(const struct snap_cfg *cfg, unsigned int where,
			      int size, u32 val)
{
	unsigned int off = SNAP_CFG_CAP_PM + PCI_PM_CTRL;
	unsigned int shift;
	u8 state;

	if (!snap_cfg_covers(where, size, off))
		return val;
	state = snap_cfg_byte_of(where, val, off) & PCI_PM_CTRL_STATE_MASK;
	if (state == 0 || state == SNAP_CFG_PM_D3HOT)
		return val;
	shift = 8 * (off - where);
	val &= ~((u32)PCI_PM_CTRL_STATE_MASK << shift);
	return val | (u32)(cfg->data[off] & PCI_PM_CTRL_STATE_MASK) << shift;
}

/*
 * The kernel polls the F flag after writing the VPD address. Serve the
 * access at once so the poll ends on its first read: a read (F written
 * 0) latches four bytes of the image and sets F; a write (F written 1)
 * is dropped, the image being read-only, and completes by clearing F.
 */
static void snap_cfg_vpd_access(struct snap_cfg *cfg)
{
	unsigned int reg = SNAP_CFG_CAP_VPD + PCI_VPD_ADDR;
	u16 addr = snap_cfg_get16(cfg, reg);
	unsigned int i, pos;

	if (addr & PCI_VPD_ADDR_F) {
		snap_put16(cfg->data, reg, addr & ~PCI_VPD_ADDR_F);
		return;
	}
	for (i = 0; i < 4; i++) {
		pos = (addr & PCI_VPD_ADDR_MASK) + i;
		cfg->data[SNAP_CFG_CAP_VPD + PCI_VPD_DATA + i] =
			pos < cfg->vpd_len ? cfg->vpd[pos] : 0;
	}
	snap_put16(cfg->data, reg, addr | PCI_VPD_ADDR_F);
}

/* Writes that do more than store bits, acted on once the bits are in. */
static void snap_cfg_side_effects(struct snap_cfg *cfg, unsigned int where,
				  int size, u32 val)
{
	unsigned int flr = SNAP_CFG_CAP_EXP + PCI_EXP_DEVCTL + 1;
	unsigned int vpd_f = SNAP_CFG_CAP_VPD + PCI_VPD_ADDR + 1;

	if (snap_cfg_covers(where, size, flr) &&
	    snap_cfg_byte_of(where, val, flr) & (PCI_EXP_DEVCTL_BCR_FLR >> 8))
		cfg->flr_requested = true;
	/* The address is 16 bits; act once the byte holding F is written. */
	if (snap_cfg_covers(where, size, vpd_f))
		snap_cfg_vpd_access(cfg);
}

/**
 * snap_cfg_write() - a configuration write, as pci_ops.write does it
 * @cfg: the function's state
 * @where: offset in configuration space
 * @size: 1, 2 or 4 bytes, naturally aligned
 * @val: the value written
 *
 * Only writable bits change, and RW1C bits clear where @val has a 1.
 * Writing Initiate FLR sets the request snap_cfg_flr_requested() reports;
 * the caller then resets the function and calls snap_cfg_reset().
 *
 * Return: PCIBIOS_SUCCESSFUL, or PCIBIOS_BAD_REGISTER_NUMBER for a
 * misaligned or out-of-range access, which changes nothing.
 */
int snap_cfg_write(struct snap_cfg *cfg, unsigned int where, int size,
		   u32 val)
{
	unsigned int off;
	u8 b, w, c;
	int i;

	if (!snap_cfg_access_ok(where, size))
		return PCIBIOS_BAD_REGISTER_NUMBER;

	val = snap_cfg_pm_filter(cfg, where, size, val);
	for (i = 0; i < size; i++) {
		off = where + i;
		b = val >> (8 * i);
		w = cfg->wmask[off];
		c = cfg->w1cmask[off];
		cfg->data[off] = ((cfg->data[off] & ~w) | (b & w)) & ~(b & c);
	}
	if (cfg->kind == SNAP_CFG_ENDPOINT)
		snap_cfg_side_effects(cfg, where, size, val);
	return PCIBIOS_SUCCESSFUL;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_write);

/**
 * snap_cfg_set_status() - report an error in the Status register
 * @cfg: the function's state
 * @bits: PCI_STATUS_* error bits, e.g. PCI_STATUS_REC_MASTER_ABORT when
 *	a DMA of the function found no memory; other bits are ignored
 *
 * The bits stay set until the host writes 1 to them.
 */
void snap_cfg_set_status(struct snap_cfg *cfg, u16 bits)
{
	u16 status = snap_cfg_get16(cfg, PCI_STATUS);

	snap_put16(cfg->data, PCI_STATUS, status | (bits & SNAP_CFG_STATUS_W1C));
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_set_status);

/**
 * snap_cfg_mem_enabled() - whether the function decodes memory
 * @cfg: the function's state
 *
 * Return: Memory Space Enable of the Command register; BAR0 holds an
 * address only while it is set.
 */
bool snap_cfg_mem_enabled(const struct snap_cfg *cfg)
{
	return snap_cfg_get16(cfg, PCI_COMMAND) & PCI_COMMAND_MEMORY;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_mem_enabled);

/**
 * snap_cfg_bus_master() - whether the function may issue DMA and MSI-X
 * @cfg: the function's state
 *
 * Return: Bus Master Enable of the Command register. When it clears,
 * stop all DMA: the queues point at memory the host may have freed.
 */
bool snap_cfg_bus_master(const struct snap_cfg *cfg)
{
	return snap_cfg_get16(cfg, PCI_COMMAND) & PCI_COMMAND_MASTER;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_bus_master);

/**
 * snap_cfg_bar0() - the address the host programmed into BAR0
 * @cfg: the function's state
 *
 * Return: BAR0 and BAR1 as one 64-bit address, flag bits masked.
 * Meaningful only while snap_cfg_mem_enabled(): while the host sizes the
 * BAR it reads as the size mask.
 */
u64 snap_cfg_bar0(const struct snap_cfg *cfg)
{
	u64 lo = snap_cfg_get32(cfg, PCI_BASE_ADDRESS_0);
	u64 hi = snap_cfg_get32(cfg, PCI_BASE_ADDRESS_1);

	return (hi << 32 | lo) & ~SNAP_CFG_BAR_FLAGS;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_bar0);

static u16 snap_cfg_msix_flags(const struct snap_cfg *cfg)
{
	if (!cfg->desc.num_msix)
		return 0;
	return snap_cfg_get16(cfg, SNAP_CFG_CAP_MSIX + PCI_MSIX_FLAGS);
}

/**
 * snap_cfg_msix_enabled() - whether MSI-X messages may be sent
 * @cfg: the function's state
 *
 * Return: MSI-X Enable is set and Function Mask is clear.
 */
bool snap_cfg_msix_enabled(const struct snap_cfg *cfg)
{
	u16 flags = snap_cfg_msix_flags(cfg);

	return (flags & PCI_MSIX_FLAGS_ENABLE) &&
	       !(flags & PCI_MSIX_FLAGS_MASKALL);
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_msix_enabled);

/**
 * snap_cfg_msix_on() - whether MSI-X is on, masked or not
 * @cfg: the function's state
 *
 * The host holds interrupt vectors for the function while it is: it frees
 * them only after clearing MSI-X Enable. Function Mask only defers
 * messages.
 *
 * Return: MSI-X Enable is set.
 */
bool snap_cfg_msix_on(const struct snap_cfg *cfg)
{
	return snap_cfg_msix_flags(cfg) & PCI_MSIX_FLAGS_ENABLE;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_msix_on);

/**
 * snap_cfg_set_num_msix() - change the MSI-X Table Size
 * @cfg: the function's state
 * @num_msix: vectors from now on, 1 to the descriptor's max_msix
 *
 * For a function no host driver uses: a driver sizes its vectors from
 * Table Size once, at probe, so the next one to bind reads the new size.
 * The new size survives resets. The table and PBA in BAR0 are the
 * caller's: bring them to their reset state (snap_msix_reset_table())
 * over max_msix vectors.
 *
 * Return: 0; -EINVAL for a function without an MSI-X capability or a
 * count of 0 or above max_msix; -EBUSY, changing nothing, while MSI-X
 * Enable is set (a host has the table in use).
 */
int snap_cfg_set_num_msix(struct snap_cfg *cfg, u16 num_msix)
{
	unsigned int off = SNAP_CFG_CAP_MSIX + PCI_MSIX_FLAGS;

	if (!cfg->desc.num_msix || !num_msix || num_msix > cfg->desc.max_msix)
		return -EINVAL;
	if (snap_cfg_msix_flags(cfg) & PCI_MSIX_FLAGS_ENABLE)
		return -EBUSY;
	cfg->desc.num_msix = num_msix;
	snap_put16(cfg->data, off,
		   (snap_cfg_get16(cfg, off) & ~PCI_MSIX_FLAGS_QSIZE) |
		   (num_msix - 1));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_set_num_msix);

/**
 * snap_cfg_flr_requested() - whether the host initiated an FLR
 * @cfg: the function's state
 *
 * Return: the host wrote Initiate Function Level Reset since the last
 * snap_cfg_reset(). The caller resets the function (stops its DMA, calls
 * snap_msix_reset_table() and snap_cfg_reset()); the kernel waits 100 ms
 * before it touches the function again.
 */
bool snap_cfg_flr_requested(const struct snap_cfg *cfg)
{
	return cfg->flr_requested;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_flr_requested);

/**
 * snap_cfg_sriov_offset() - where the SR-IOV capability lives
 * @cfg: the function's state
 *
 * Return: its offset in config space, or 0 for a function without VFs.
 */
unsigned int snap_cfg_sriov_offset(const struct snap_cfg *cfg)
{
	return cfg->desc.total_vfs ? SNAP_CFG_ECAP_SRIOV : 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_sriov_offset);

static u16 snap_cfg_sriov_ctrl(const struct snap_cfg *cfg)
{
	unsigned int off = snap_cfg_sriov_offset(cfg);

	return off ? snap_cfg_get16(cfg, off + PCI_SRIOV_CTRL) : 0;
}

/**
 * snap_cfg_num_vfs() - the VFs of a PF that exist
 * @cfg: the PF's state
 *
 * Return: NumVFs while VF Enable is set (at most TotalVFs, whatever the
 * host wrote); 0 while it is clear or for a function without VFs.
 */
u16 snap_cfg_num_vfs(const struct snap_cfg *cfg)
{
	unsigned int off = snap_cfg_sriov_offset(cfg);

	if (!(snap_cfg_sriov_ctrl(cfg) & PCI_SRIOV_CTRL_VFE))
		return 0;
	return min(snap_cfg_get16(cfg, off + PCI_SRIOV_NUM_VF),
		   cfg->desc.total_vfs);
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_num_vfs);

/**
 * snap_cfg_vf_mem_enabled() - whether a PF's VFs decode memory
 * @cfg: the PF's state
 *
 * Return: VF Enable and VF Memory Space Enable are both set; the VF BAR0
 * holds an address only while they are.
 */
bool snap_cfg_vf_mem_enabled(const struct snap_cfg *cfg)
{
	u16 both = PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE;

	return (snap_cfg_sriov_ctrl(cfg) & both) == both;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_vf_mem_enabled);

/**
 * snap_cfg_vf_bar0() - the address the host programmed into VF BAR0
 * @cfg: the PF's state
 *
 * Return: VF BAR0 as one 64-bit address, flag bits masked: VF n's BAR0
 * is at n times BAR0's size above it. 0 for a function without VFs.
 */
u64 snap_cfg_vf_bar0(const struct snap_cfg *cfg)
{
	unsigned int off = snap_cfg_sriov_offset(cfg);
	u64 lo, hi;

	if (!off)
		return 0;
	lo = snap_cfg_get32(cfg, off + PCI_SRIOV_BAR);
	hi = snap_cfg_get32(cfg, off + PCI_SRIOV_BAR + 4);
	return (hi << 32 | lo) & ~SNAP_CFG_BAR_FLAGS;
}
EXPORT_SYMBOL_IF_KUNIT(snap_cfg_vf_bar0);

/*
 * The host writes table entries whenever it likes: read each dword once
 * and whole, so a decision never mixes two values of one field.
 */
static u32 snap_msix_entry_dword(const void *table, u16 vec, unsigned int reg)
{
	const __le32 *p = table + vec * PCI_MSIX_ENTRY_SIZE + reg;

	return le32_to_cpu(READ_ONCE(*p));
}

/**
 * snap_msix_vector_masked() - the Mask bit of one vector
 * @table: the MSI-X table, in BAR0 memory
 * @vec: vector number
 *
 * Return: bit 0 of the vector's Vector Control.
 */
bool snap_msix_vector_masked(const void *table, u16 vec)
{
	return snap_msix_entry_dword(table, vec, PCI_MSIX_ENTRY_VECTOR_CTRL) &
	       PCI_MSIX_ENTRY_CTRL_MASKBIT;
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_vector_masked);

/**
 * snap_msix_read_msg() - the message one vector sends
 * @table: the MSI-X table, in BAR0 memory
 * @vec: vector number
 * @msg: filled with the entry's Message Address and Data
 */
void snap_msix_read_msg(const void *table, u16 vec, struct snap_msix_msg *msg)
{
	u64 lo = snap_msix_entry_dword(table, vec, PCI_MSIX_ENTRY_LOWER_ADDR);
	u64 hi = snap_msix_entry_dword(table, vec, PCI_MSIX_ENTRY_UPPER_ADDR);

	msg->addr = hi << 32 | lo;
	msg->data = snap_msix_entry_dword(table, vec, PCI_MSIX_ENTRY_DATA);
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_read_msg);

/*
 * The PBA is an array of little-endian QWORDs, bit n for vector n: a
 * little-endian bitmap, whatever the CPU. The host only reads it.
 */

/**
 * snap_msix_set_pending() - set a vector's Pending bit
 * @pba: the PBA, in BAR0 memory, 8-byte aligned
 * @vec: vector number
 */
void snap_msix_set_pending(void *pba, u16 vec)
{
	__set_bit_le(vec, pba);
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_set_pending);

/**
 * snap_msix_clear_pending() - clear a vector's Pending bit
 * @pba: the PBA, in BAR0 memory, 8-byte aligned
 * @vec: vector number
 */
void snap_msix_clear_pending(void *pba, u16 vec)
{
	__clear_bit_le(vec, pba);
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_clear_pending);

/**
 * snap_msix_test_pending() - read a vector's Pending bit
 * @pba: the PBA, in BAR0 memory, 8-byte aligned
 * @vec: vector number
 *
 * Return: whether the vector has a message pending.
 */
bool snap_msix_test_pending(const void *pba, u16 vec)
{
	return test_bit_le(vec, pba);
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_test_pending);

/**
 * snap_msix_reset_table() - the power-on state of the table and PBA
 * @table: the MSI-X table, in BAR0 memory
 * @pba: the PBA, in BAR0 memory, 8-byte aligned
 * @num_msix: vectors in the table
 *
 * Every vector masked with a zero message and nothing pending, as the
 * spec has them after reset. Call it when the function comes up and on
 * FLR.
 */
void snap_msix_reset_table(void *table, void *pba, u16 num_msix)
{
	__le32 *entry = table;
	unsigned int i;

	memset(table, 0, num_msix * PCI_MSIX_ENTRY_SIZE);
	for (i = 0; i < num_msix; i++, entry += PCI_MSIX_ENTRY_SIZE / 4)
		entry[PCI_MSIX_ENTRY_VECTOR_CTRL / 4] =
			cpu_to_le32(PCI_MSIX_ENTRY_CTRL_MASKBIT);
	memset(pba, 0, DIV_ROUND_UP(num_msix, 64) * sizeof(u64));
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_reset_table);

/* MSI-X messages are memory writes: no Bus Master Enable, no message. */
static bool snap_msix_live(const struct snap_cfg *cfg, u16 vec)
{
	return vec < cfg->desc.num_msix &&
	       (snap_cfg_msix_flags(cfg) & PCI_MSIX_FLAGS_ENABLE) &&
	       snap_cfg_bus_master(cfg);
}

static bool snap_msix_masked(const struct snap_cfg *cfg, const void *table,
			     u16 vec)
{
	return (snap_cfg_msix_flags(cfg) & PCI_MSIX_FLAGS_MASKALL) ||
	       snap_msix_vector_masked(table, vec);
}

/**
 * snap_msix_raise() - decide what an interrupt of the function becomes
 * @cfg: the function's state
 * @table: the MSI-X table, in BAR0 memory
 * @pba: the PBA, in BAR0 memory, 8-byte aligned
 * @vec: vector number
 * @msg: filled with the message to send when the answer is to fire
 *
 * MSI-X disabled, Bus Master Enable clear or @vec beyond the table: the
 * interrupt is dropped. Function or vector masked: the Pending bit is set
 * instead, for snap_msix_deliver_pending() to act on once unmasked.
 * Otherwise the message is to be sent, and the Pending bit is cleared.
 *
 * Return: the &enum snap_msix_action to take.
 */
enum snap_msix_action snap_msix_raise(const struct snap_cfg *cfg,
				      const void *table, void *pba, u16 vec,
				      struct snap_msix_msg *msg)
{
	if (!snap_msix_live(cfg, vec))
		return SNAP_MSIX_DROP;
	if (snap_msix_masked(cfg, table, vec)) {
		snap_msix_set_pending(pba, vec);
		return SNAP_MSIX_PENDING;
	}
	snap_msix_clear_pending(pba, vec);
	snap_msix_read_msg(table, vec, msg);
	return SNAP_MSIX_FIRE;
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_raise);

/**
 * snap_msix_deliver_pending() - send a pending message once unmasked
 * @cfg: the function's state
 * @table: the MSI-X table, in BAR0 memory
 * @pba: the PBA, in BAR0 memory, 8-byte aligned
 * @vec: vector number
 * @msg: filled with the message to send when the answer is true
 *
 * Host writes to the table cannot be trapped: call this for the vectors
 * whose Mask bit may have cleared (on polling the table, and after a
 * config write clears Function Mask).
 *
 * Return: true when the vector was pending and is no longer masked; its
 * Pending bit is then cleared and @msg is the message to send now.
 */
bool snap_msix_deliver_pending(const struct snap_cfg *cfg, const void *table,
			       void *pba, u16 vec, struct snap_msix_msg *msg)
{
	if (!snap_msix_live(cfg, vec) || snap_msix_masked(cfg, table, vec) ||
	    !snap_msix_test_pending(pba, vec))
		return false;
	snap_msix_clear_pending(pba, vec);
	snap_msix_read_msg(table, vec, msg);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(snap_msix_deliver_pending);
