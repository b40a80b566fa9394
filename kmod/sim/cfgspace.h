/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_CFGSPACE_H
#define _SNAP_SIM_CFGSPACE_H

#include <linux/types.h>

/*
 * Configuration space of one emulated PCIe endpoint, and the MSI-X rules
 * its BAR0 table and PBA follow. Pure logic: no locks, no allocation, no
 * sleeping, because the sim bus calls it from pci_ops under its own raw
 * spinlock. The caller serializes access to a struct snap_cfg.
 */

#define SNAP_CFG_SIZE		4096	/* PCIe extended config space */

/* VPD strings longer than these are cut to fit the image. */
#define SNAP_CFG_PRODUCT_MAX	64
#define SNAP_CFG_SN_MAX		64
/* Tags and keyword headers around the two strings take 14 bytes. */
#define SNAP_CFG_VPD_SIZE	(14 + SNAP_CFG_PRODUCT_MAX + SNAP_CFG_SN_MAX)

/*
 * Vendor-specific capabilities (virtio-pci's structures, for one) follow
 * the fixed chain; their bytes must fit what is left of the 256-byte
 * config space, each at most SNAP_CFG_VCAP_MAX_LEN bytes.
 */
#define SNAP_CFG_VCAPS_MAX	6
#define SNAP_CFG_VCAP_MAX_LEN	24

/**
 * struct snap_cfg_vcap - one vendor-specific capability
 * @len: bytes, a multiple of 4, at least 4; 0 ends the list
 * @body: its bytes; bytes 0 and 1 (ID and next pointer) are filled in
 * @wmask: bits of each byte the host may write (0: read-only)
 */
struct snap_cfg_vcap {
	u8 len;
	u8 body[SNAP_CFG_VCAP_MAX_LEN];
	u8 wmask[SNAP_CFG_VCAP_MAX_LEN];
};

/**
 * struct snap_cfg_desc - what an emulated function looks like
 * @vendor: Vendor ID
 * @device: Device ID
 * @subsys_vendor: Subsystem Vendor ID
 * @subsys_device: Subsystem ID
 * @class_code: base << 16 | sub-class << 8 | prog-if, e.g. 0x010802 (NVMe)
 * @revision: Revision ID
 * @multi_function: set the Multi-Function bit of the header type, so the
 *	PCI core scans functions 1-7 of this slot as well
 * @bar0_size: size of the 64-bit non-prefetchable memory BAR0 (BAR0 and
 *	BAR1); a power of two of at least 16 KiB
 * @num_msix: MSI-X vectors, at most 2048; 0 for no MSI-X capability
 * @max_msix: vectors BAR0 keeps room for, so that snap_cfg_set_num_msix()
 *	may later raise @num_msix up to it; at least @num_msix, at most 2048;
 *	0 means @num_msix
 * @msix_table_offset: offset of the MSI-X table in BAR0, 8-byte aligned
 * @msix_pba_offset: offset of the MSI-X PBA in BAR0, 8-byte aligned
 * @product: VPD product name (the ID string); NULL for an empty one
 * @vuid: VPD read-only field SN; NULL for an empty one
 * @vcaps: vendor-specific capabilities, linked after VPD in this order
 * @vf: a Virtual Function: Vendor and Device ID read 0xffff, BAR0 and
 *	Memory Space Enable are read-only zero (its PF's SR-IOV capability
 *	places and enables the BARs of all its VFs)
 * @total_vfs: a PF with VFs: an SR-IOV extended capability with TotalVFs
 *	and InitialVFs of @total_vfs and a 64-bit VF BAR0 of @bar0_size per
 *	VF; 0 for none
 * @vf_offset: First VF Offset: routing ID of the first VF minus the PF's;
 *	VF Stride is 1
 * @vf_device: VF Device ID
 * @pf_devfn: a PF's own devfn, its Function Dependency Link (no
 *	dependency: the kernel takes the field as a devfn)
 *
 * The strings are copied into the VPD image; they need not outlive
 * snap_cfg_init().
 */
struct snap_cfg_desc {
	u16 vendor;
	u16 device;
	u16 subsys_vendor;
	u16 subsys_device;
	u32 class_code;
	u8 revision;
	bool multi_function;
	u64 bar0_size;
	u16 num_msix;
	u16 max_msix;
	u32 msix_table_offset;
	u32 msix_pba_offset;
	const char *product;
	const char *vuid;
	struct snap_cfg_vcap vcaps[SNAP_CFG_VCAPS_MAX];
	bool vf;
	u16 total_vfs;
	u16 vf_offset;
	u16 vf_device;
	u8 pf_devfn;
};

/**
 * enum snap_cfg_kind - what a struct snap_cfg is the config space of
 * @SNAP_CFG_ENDPOINT: an emulated function (snap_cfg_init())
 * @SNAP_CFG_UPSTREAM_PORT: the emulated switch's upstream port
 *	(snap_port_cfg_init())
 * @SNAP_CFG_DOWNSTREAM_PORT: one of its downstream ports
 */
enum snap_cfg_kind {
	SNAP_CFG_ENDPOINT,
	SNAP_CFG_UPSTREAM_PORT,
	SNAP_CFG_DOWNSTREAM_PORT,
};

/**
 * struct snap_port_desc - what a port of the emulated PCIe switch is like
 * @kind: SNAP_CFG_UPSTREAM_PORT or SNAP_CFG_DOWNSTREAM_PORT
 * @vendor: Vendor ID
 * @device: Device ID
 * @port_nr: Port Number in Link Capabilities
 * @slot_nr: a downstream port with a hot-plug slot: its Physical Slot
 *	Number, 1 to 8191; 0 for none (the port of the static PFs)
 */
struct snap_port_desc {
	enum snap_cfg_kind kind;
	u16 vendor;
	u16 device;
	u8 port_nr;
	u16 slot_nr;
};

/**
 * struct snap_cfg - configuration space state of one function
 * @data: the registers as the host reads them, little endian
 * @wmask: bits the host may write
 * @w1cmask: bits the host clears by writing 1 (status registers)
 * @bar0_size: size of BAR0
 * @desc: the identity, kept so a reset can rebuild the power-on state;
 *	its string pointers are NULL once snap_cfg_init() returns
 * @vpd: the VPD image served through the VPD capability
 * @vpd_len: bytes of @vpd in use; reads beyond them return 0
 * @flr_requested: the host wrote Initiate Function Level Reset
 * @kind: endpoint or switch port; @desc is an endpoint's, @port a port's
 * @port: a port's identity, kept for resets
 * @present: a slot's: an adapter is in it (Presence Detect State)
 * @irq_cond: a slot's: its hot-plug interrupt condition as last
 *	evaluated by snap_port_irq_edge()
 *
 * Over 12 KiB: allocate it, do not put it on the stack.
 */
struct snap_cfg {
	u8 data[SNAP_CFG_SIZE];
	u8 wmask[SNAP_CFG_SIZE];
	u8 w1cmask[SNAP_CFG_SIZE];
	u64 bar0_size;
	struct snap_cfg_desc desc;
	u8 vpd[SNAP_CFG_VPD_SIZE];
	unsigned int vpd_len;
	bool flr_requested;
	enum snap_cfg_kind kind;
	struct snap_port_desc port;
	bool present;
	bool irq_cond;
};

int snap_cfg_init(struct snap_cfg *cfg, const struct snap_cfg_desc *desc);
unsigned int snap_cfg_vcap_offset(const struct snap_cfg *cfg, unsigned int i);
void snap_cfg_reset(struct snap_cfg *cfg);
int snap_cfg_read(const struct snap_cfg *cfg, unsigned int where, int size,
		  u32 *val);
int snap_cfg_write(struct snap_cfg *cfg, unsigned int where, int size,
		   u32 val);
void snap_cfg_set_status(struct snap_cfg *cfg, u16 bits);
int snap_cfg_set_num_msix(struct snap_cfg *cfg, u16 num_msix);

bool snap_cfg_mem_enabled(const struct snap_cfg *cfg);
bool snap_cfg_bus_master(const struct snap_cfg *cfg);
u64 snap_cfg_bar0(const struct snap_cfg *cfg);
bool snap_cfg_msix_enabled(const struct snap_cfg *cfg);
bool snap_cfg_msix_on(const struct snap_cfg *cfg);
bool snap_cfg_flr_requested(const struct snap_cfg *cfg);
unsigned int snap_cfg_sriov_offset(const struct snap_cfg *cfg);
u16 snap_cfg_num_vfs(const struct snap_cfg *cfg);
bool snap_cfg_vf_mem_enabled(const struct snap_cfg *cfg);
u64 snap_cfg_vf_bar0(const struct snap_cfg *cfg);

int snap_port_cfg_init(struct snap_cfg *cfg, const struct snap_port_desc *desc);
u8 snap_port_secondary(const struct snap_cfg *cfg);
u8 snap_port_subordinate(const struct snap_cfg *cfg);
bool snap_port_link_up(const struct snap_cfg *cfg);
void snap_port_set_present(struct snap_cfg *cfg, bool present);
void snap_port_press_button(struct snap_cfg *cfg);
bool snap_port_slot_in_use(const struct snap_cfg *cfg);
bool snap_port_msi_on(const struct snap_cfg *cfg);
bool snap_port_irq_edge(struct snap_cfg *cfg);

/**
 * struct snap_msix_msg - the memory write that signals an MSI-X vector
 * @addr: Message Address (upper and lower)
 * @data: Message Data
 */
struct snap_msix_msg {
	u64 addr;
	u32 data;
};

/**
 * enum snap_msix_action - what to do with an interrupt the function raises
 * @SNAP_MSIX_DROP: MSI-X is off (or bus mastering is): no message, no
 *	pending bit
 * @SNAP_MSIX_PENDING: masked: the pending bit is now set, send nothing
 * @SNAP_MSIX_FIRE: send the message returned alongside
 */
enum snap_msix_action {
	SNAP_MSIX_DROP,
	SNAP_MSIX_PENDING,
	SNAP_MSIX_FIRE,
};

bool snap_msix_vector_masked(const void *table, u16 vec);
void snap_msix_read_msg(const void *table, u16 vec, struct snap_msix_msg *msg);
void snap_msix_set_pending(void *pba, u16 vec);
void snap_msix_clear_pending(void *pba, u16 vec);
bool snap_msix_test_pending(const void *pba, u16 vec);
void snap_msix_reset_table(void *table, void *pba, u16 num_msix);
enum snap_msix_action snap_msix_raise(const struct snap_cfg *cfg,
				      const void *table, void *pba, u16 vec,
				      struct snap_msix_msg *msg);
bool snap_msix_deliver_pending(const struct snap_cfg *cfg, const void *table,
			       void *pba, u16 vec, struct snap_msix_msg *msg);

#endif /* _SNAP_SIM_CFGSPACE_H */
