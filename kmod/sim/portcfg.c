// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration space of the emulated PCIe switch's ports, the topology
 * hot-plug PFs need: type 1 headers for the upstream port and the
 * downstream ports below it, each with Power Management, MSI and a PCI
 * Express capability. A bridge forwards config cycles by its bus number
 * registers, and memory by a 32-bit window and a 64-bit prefetchable one
 * (the sim does not route memory by them: each function knows its BARs).
 * There is no I/O window: its registers read zero and keep nothing
 * written to them.
 *
 * A downstream port that takes hot-plug PFs has a slot as a Linux host's
 * pciehp drives it without polling: Hot-Plug Capable and Surprise, an
 * Attention Button and a Power Indicator, no power controller, MRL or
 * interlock, No Command Completed Support (Slot Control writes act at
 * once) and Data Link Layer Link Active Reporting. An orderly removal is
 * the button pressed (snap_port_press_button()); the host answers by
 * letting the device go and turning the Power Indicator off. The port
 * sends its one MSI on a 0 -> 1 change of the slot's enabled events, as
 * PCIe r5.0 section 6.7.3.4 has it for MSI: pciehp clears every event
 * it read, and reads again, before another message can come.
 *
 * Same rules as cfgspace.c: pure logic, under the bus's raw spinlock.
 */
#include <linux/pci.h>
#include <kunit/visibility.h>

#include "cfgregs.h"
#include "cfgspace.h"

/* After PM at 0x40 (cfgregs.h), in this order. */
#define SNAP_PORT_CAP_MSI	0x50
#define SNAP_PORT_CAP_EXP	0x60

/* 64-bit message address, one vector, no per-vector masking. */
#define SNAP_PORT_MSI_FLAGS_WMASK (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)

/* Bridge Control: error forwarding and Secondary Bus Reset. */
#define SNAP_PORT_BRIDGE_CTL_WMASK (PCI_BRIDGE_CTL_PARITY | \
				    PCI_BRIDGE_CTL_SERR | \
				    PCI_BRIDGE_CTL_BUS_RESET)
/* Memory (and Prefetchable) Base and Limit: address bits 31:20 in 15:4. */
#define SNAP_PORT_MEM_WMASK	0xfff0

/* Read Completion Boundary is not a switch port's to set. */
#define SNAP_PORT_LNKCTL_WMASK	(PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES)

#define SNAP_PORT_SLTCAP	(PCI_EXP_SLTCAP_ABP | PCI_EXP_SLTCAP_PIP | \
				 PCI_EXP_SLTCAP_HPS | PCI_EXP_SLTCAP_HPC | \
				 PCI_EXP_SLTCAP_NCCS)
#define SNAP_PORT_SLTCTL_WMASK	(PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_PDCE | \
				 PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_PIC | \
				 PCI_EXP_SLTCTL_DLLSCE)
/* The events a slot of ours can have, each with its enable bit. */
#define SNAP_PORT_SLTSTA_EVENTS	(PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PDC | \
				 PCI_EXP_SLTSTA_DLLSC)
/* The reset value: Power Indicator off, as for an empty slot. */
#define SNAP_PORT_SLTCTL	PCI_EXP_SLTCTL_PWR_IND_OFF

static bool snap_port_has_slot(const struct snap_cfg *cfg)
{
	return cfg->kind == SNAP_CFG_DOWNSTREAM_PORT && cfg->port.slot_nr;
}

static void snap_port_build_header(struct snap_cfg *cfg)
{
	const struct snap_port_desc *desc = &cfg->port;

	snap_put16(cfg->data, PCI_VENDOR_ID, desc->vendor);
	snap_put16(cfg->data, PCI_DEVICE_ID, desc->device);
	snap_put16(cfg->wmask, PCI_COMMAND, SNAP_CFG_COMMAND_WMASK);
	snap_put16(cfg->data, PCI_STATUS, PCI_STATUS_CAP_LIST);
	snap_put16(cfg->w1cmask, PCI_STATUS, SNAP_CFG_STATUS_W1C);
	snap_put32(cfg->data, PCI_CLASS_REVISION, PCI_CLASS_BRIDGE_PCI << 16);
	cfg->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	cfg->data[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;

	cfg->wmask[PCI_PRIMARY_BUS] = 0xff;
	cfg->wmask[PCI_SECONDARY_BUS] = 0xff;
	cfg->wmask[PCI_SUBORDINATE_BUS] = 0xff;
	snap_put16(cfg->w1cmask, PCI_SEC_STATUS, SNAP_CFG_STATUS_W1C);
	snap_put16(cfg->wmask, PCI_MEMORY_BASE, SNAP_PORT_MEM_WMASK);
	snap_put16(cfg->wmask, PCI_MEMORY_LIMIT, SNAP_PORT_MEM_WMASK);
	snap_put16(cfg->data, PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
	snap_put16(cfg->wmask, PCI_PREF_MEMORY_BASE, SNAP_PORT_MEM_WMASK);
	snap_put16(cfg->data, PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
	snap_put16(cfg->wmask, PCI_PREF_MEMORY_LIMIT, SNAP_PORT_MEM_WMASK);
	snap_put32(cfg->wmask, PCI_PREF_BASE_UPPER32, ~0U);
	snap_put32(cfg->wmask, PCI_PREF_LIMIT_UPPER32, ~0U);
	cfg->wmask[PCI_INTERRUPT_LINE] = 0xff;
	snap_put16(cfg->wmask, PCI_BRIDGE_CONTROL, SNAP_PORT_BRIDGE_CTL_WMASK);
}

static void snap_port_build_msi(struct snap_cfg *cfg, unsigned int off)
{
	snap_put16(cfg->data, off + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	snap_put16(cfg->wmask, off + PCI_MSI_FLAGS, SNAP_PORT_MSI_FLAGS_WMASK);
	snap_put32(cfg->wmask, off + PCI_MSI_ADDRESS_LO, ~3U);
	snap_put32(cfg->wmask, off + PCI_MSI_ADDRESS_HI, ~0U);
	snap_put16(cfg->wmask, off + PCI_MSI_DATA_64, 0xffff);
}

static void snap_port_build_slot(struct snap_cfg *cfg, unsigned int off)
{
	u16 sltsta = cfg->present ? PCI_EXP_SLTSTA_PDS : 0;

	snap_put32(cfg->data, off + PCI_EXP_SLTCAP, SNAP_PORT_SLTCAP |
		   (u32)cfg->port.slot_nr << __ffs(PCI_EXP_SLTCAP_PSN));
	snap_put16(cfg->data, off + PCI_EXP_SLTCTL, SNAP_PORT_SLTCTL);
	snap_put16(cfg->wmask, off + PCI_EXP_SLTCTL, SNAP_PORT_SLTCTL_WMASK);
	snap_put16(cfg->data, off + PCI_EXP_SLTSTA, sltsta);
	snap_put16(cfg->w1cmask, off + PCI_EXP_SLTSTA, SNAP_PORT_SLTSTA_EVENTS);
}

static void snap_port_build_exp(struct snap_cfg *cfg, unsigned int off)
{
	bool slot = snap_port_has_slot(cfg);
	struct snap_cfg_exp exp = {
		.type = cfg->kind == SNAP_CFG_UPSTREAM_PORT ?
			PCI_EXP_TYPE_UPSTREAM : PCI_EXP_TYPE_DOWNSTREAM,
		.flags = slot ? PCI_EXP_FLAGS_SLOT : 0,
		.devcap = SNAP_CFG_DEVCAP,
		.lnkcap = (u32)cfg->port.port_nr << __ffs(PCI_EXP_LNKCAP_PN),
		.lnkctl_wmask = SNAP_PORT_LNKCTL_WMASK,
	};

	if (cfg->kind == SNAP_CFG_DOWNSTREAM_PORT) {
		exp.lnkcap |= PCI_EXP_LNKCAP_DLLLARC;
		/* The port of the static PFs is always up. */
		if (!slot || cfg->present)
			exp.lnksta = PCI_EXP_LNKSTA_DLLLA;
	}
	snap_cfg_build_exp(cfg, off, &exp);
	if (slot)
		snap_port_build_slot(cfg, off);
}

/* snap_cfg_reset() of a port: its power-on state, whatever is plugged. */
void snap_port_cfg_build(struct snap_cfg *cfg)
{
	unsigned int link = PCI_CAPABILITY_LIST;

	cfg->irq_cond = false;
	snap_port_build_header(cfg);
	snap_cfg_add_cap(cfg, &link, SNAP_CFG_CAP_PM, PCI_CAP_ID_PM);
	snap_cfg_build_pm(cfg, SNAP_CFG_CAP_PM);
	snap_cfg_add_cap(cfg, &link, SNAP_PORT_CAP_MSI, PCI_CAP_ID_MSI);
	snap_port_build_msi(cfg, SNAP_PORT_CAP_MSI);
	snap_cfg_add_cap(cfg, &link, SNAP_PORT_CAP_EXP, PCI_CAP_ID_EXP);
	snap_port_build_exp(cfg, SNAP_PORT_CAP_EXP);
}

/**
 * snap_port_cfg_init() - build the configuration space of a switch port
 * @cfg: the state to fill
 * @desc: what the port is like
 *
 * A slot starts empty.
 *
 * Return: 0, or -EINVAL for a kind that is not a port, a slot on an
 * upstream port, or a slot number beyond the field's 13 bits. On error
 * @cfg is all zero, which the PCI core reads as no function.
 */
int snap_port_cfg_init(struct snap_cfg *cfg, const struct snap_port_desc *desc)
{
	BUILD_BUG_ON(SNAP_CFG_CAP_PM + PCI_PM_SIZEOF > SNAP_PORT_CAP_MSI);
	BUILD_BUG_ON(SNAP_PORT_CAP_MSI + PCI_MSI_DATA_64 + 4 > SNAP_PORT_CAP_EXP);

	memset(cfg, 0, sizeof(*cfg));
	if (desc->kind != SNAP_CFG_UPSTREAM_PORT &&
	    desc->kind != SNAP_CFG_DOWNSTREAM_PORT)
		return -EINVAL;
	if (desc->slot_nr && (desc->kind != SNAP_CFG_DOWNSTREAM_PORT ||
			      desc->slot_nr > PCI_EXP_SLTCAP_PSN >> __ffs(PCI_EXP_SLTCAP_PSN)))
		return -EINVAL;
	cfg->kind = desc->kind;
	cfg->port = *desc;
	snap_cfg_reset(cfg);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_cfg_init);

/**
 * snap_port_secondary() - the bus right below a port
 * @cfg: the port's state
 *
 * Return: the Secondary Bus Number the host programmed; 0 before it did.
 */
u8 snap_port_secondary(const struct snap_cfg *cfg)
{
	return cfg->data[PCI_SECONDARY_BUS];
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_secondary);

/**
 * snap_port_subordinate() - the highest bus below a port
 * @cfg: the port's state
 *
 * Return: the Subordinate Bus Number the host programmed.
 */
u8 snap_port_subordinate(const struct snap_cfg *cfg)
{
	return cfg->data[PCI_SUBORDINATE_BUS];
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_subordinate);

/**
 * snap_port_link_up() - whether config cycles reach below a downstream port
 * @cfg: the port's state
 *
 * Return: Data Link Layer Link Active; true for the upstream port.
 */
bool snap_port_link_up(const struct snap_cfg *cfg)
{
	if (cfg->kind != SNAP_CFG_DOWNSTREAM_PORT)
		return true;
	return snap_cfg_get16(cfg, SNAP_PORT_CAP_EXP + PCI_EXP_LNKSTA) &
	       PCI_EXP_LNKSTA_DLLLA;
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_link_up);

static void snap_port_set_bits16(struct snap_cfg *cfg, unsigned int off,
				 u16 bits, bool on)
{
	u16 v = snap_cfg_get16(cfg, off);

	snap_put16(cfg->data, off, on ? v | bits : v & ~bits);
}

/**
 * snap_port_set_present() - an adapter goes into or out of the slot
 * @cfg: a downstream port's state; nothing happens to a port without slot
 * @present: whether an adapter is in the slot from now on
 *
 * Presence Detect State and the link follow, each change latched as an
 * event (Presence Detect Changed, Data Link Layer State Changed). A
 * removal with the host still using the device is a surprise removal.
 * The caller then asks snap_port_irq_edge() whether to interrupt.
 */
void snap_port_set_present(struct snap_cfg *cfg, bool present)
{
	unsigned int exp = SNAP_PORT_CAP_EXP;

	if (!snap_port_has_slot(cfg) || cfg->present == present)
		return;
	cfg->present = present;
	snap_port_set_bits16(cfg, exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDS,
			     present);
	snap_port_set_bits16(cfg, exp + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_DLLLA,
			     present);
	snap_port_set_bits16(cfg, exp + PCI_EXP_SLTSTA,
			     PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC, true);
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_set_present);

/**
 * snap_port_press_button() - press the slot's Attention Button
 * @cfg: a downstream port's state; nothing happens to a port without slot
 *
 * Latches Attention Button Pressed. A host that uses the device lets it
 * go after that (pciehp: five seconds, while the Power Indicator
 * blinks), then turns the indicator off.
 */
void snap_port_press_button(struct snap_cfg *cfg)
{
	if (snap_port_has_slot(cfg))
		snap_port_set_bits16(cfg, SNAP_PORT_CAP_EXP + PCI_EXP_SLTSTA,
				     PCI_EXP_SLTSTA_ABP, true);
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_press_button);

/**
 * snap_port_slot_in_use() - whether the host says it uses the slot
 * @cfg: a downstream port's state
 *
 * Return: the Power Indicator is on or blinking: the host uses the
 * device in the slot, or is about to start or stop. False for a port
 * without slot.
 */
bool snap_port_slot_in_use(const struct snap_cfg *cfg)
{
	u16 pic;

	if (!snap_port_has_slot(cfg))
		return false;
	pic = snap_cfg_get16(cfg, SNAP_PORT_CAP_EXP + PCI_EXP_SLTCTL) &
	      PCI_EXP_SLTCTL_PIC;
	return pic == PCI_EXP_SLTCTL_PWR_IND_ON ||
	       pic == PCI_EXP_SLTCTL_PWR_IND_BLINK;
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_slot_in_use);

/**
 * snap_port_msi_on() - whether the port's MSI is enabled
 * @cfg: the port's state
 *
 * The host holds the port's interrupt while it is: it frees the vector
 * only after clearing MSI Enable.
 *
 * Return: MSI Enable is set.
 */
bool snap_port_msi_on(const struct snap_cfg *cfg)
{
	return snap_cfg_get16(cfg, SNAP_PORT_CAP_MSI + PCI_MSI_FLAGS) &
	       PCI_MSI_FLAGS_ENABLE;
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_msi_on);

/* PCIe r5.0 7.5.3.11: each event counts only with its enable bit set. */
static bool snap_port_irq_cond(const struct snap_cfg *cfg)
{
	unsigned int exp = SNAP_PORT_CAP_EXP;
	u16 ctl = snap_cfg_get16(cfg, exp + PCI_EXP_SLTCTL);
	u16 sta = snap_cfg_get16(cfg, exp + PCI_EXP_SLTSTA);
	u16 enabled = 0;

	if (!(ctl & PCI_EXP_SLTCTL_HPIE))
		return false;
	if (ctl & PCI_EXP_SLTCTL_ABPE)
		enabled |= PCI_EXP_SLTSTA_ABP;
	if (ctl & PCI_EXP_SLTCTL_PDCE)
		enabled |= PCI_EXP_SLTSTA_PDC;
	if (ctl & PCI_EXP_SLTCTL_DLLSCE)
		enabled |= PCI_EXP_SLTSTA_DLLSC;
	return sta & enabled;
}

/**
 * snap_port_irq_edge() - whether the port sends its MSI now
 * @cfg: the port's state; call after each event and each host write
 *
 * The hot-plug interrupt condition (Hot-Plug Interrupt Enable and some
 * enabled event latched) went from false to true since the last call,
 * and the port may send messages (MSI Enable, Bus Master Enable). A
 * condition that stays true sends nothing more until the host has
 * cleared every enabled event.
 *
 * Return: true when the caller must signal the port's vector 0.
 */
bool snap_port_irq_edge(struct snap_cfg *cfg)
{
	bool cond, was = cfg->irq_cond;

	if (!snap_port_has_slot(cfg))
		return false;
	cond = snap_port_irq_cond(cfg);
	cfg->irq_cond = cond;
	return cond && !was && snap_port_msi_on(cfg) &&
	       snap_cfg_bus_master(cfg);
}
EXPORT_SYMBOL_IF_KUNIT(snap_port_irq_edge);
