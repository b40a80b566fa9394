// SPDX-License-Identifier: GPL-2.0
/*
 * The sim's virtio-blk device model: a modern virtio-pci function
 * (virtio 1.2 section 4.1) whose configuration structures live in BAR0
 * below the MSI-X table and trap (trap.c): every host access is answered
 * here, in the accessing context, under the bus's cfg_lock.
 *
 * BAR0 (16 KiB):
 *   0x0000 common configuration    0x0c00 notifications, 4 bytes a queue
 *   0x0400 ISR status              0x2000 MSI-X table
 *   0x0800 device configuration    0x3000 MSI-X PBA
 *
 * What the host negotiates and where its rings are is kept here; what
 * the device offers comes from the function's controller, copied in by
 * the provider's config_changed op (under snap_lock) so that the trap,
 * which cannot take snap_lock, reads it from @cur.
 *
 * The device accepts FEATURES_OK only when its controller exists and
 * runs and its queues can be served: with no bdev there is nothing to
 * serve (capacity 0); with one, a daemon that serves virtqueues
 * (SNAP_F_VIRTIO) must be attached. A driver that is refused fails its
 * probe at once instead of hanging in I/O nobody answers.
 *
 * DRIVER_OK and reset go to the data path from the poller (the trap runs
 * in the driver's context, under a raw spinlock): a reset is complete,
 * and device_status reads 0, once the data path says so (the daemon has
 * dropped what was in flight), through the provider's publish_csts op.
 * Notifications likewise reach the data path from the poller.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/slab.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "../compat.h"
#include "../datapath.h"
#include "../nvme_regs.h"
#include "../snap.h"
#include "simdev.h"

/* Red Hat's virtio vendor ID; device 0x1040 + virtio device ID 2. */
#define SNAP_VIRTIO_VENDOR	0x1af4
#define SNAP_VIRTIO_BLK_DEVICE	0x1042
#define SNAP_VIRTIO_BLK_CLASS	0x018000	/* mass storage, other */
#define SNAP_VIRTIO_SUBSYS_ID	0x0002
#define SNAP_VIRTIO_REVISION	1		/* modern only */

#define SNAP_VIRTIO_BAR0_SIZE	SZ_16K
#define SNAP_VIRTIO_COMMON	0x0000
#define SNAP_VIRTIO_ISR		0x0400
#define SNAP_VIRTIO_DEVICE	0x0800
#define SNAP_VIRTIO_NOTIFY	0x0c00
#define SNAP_VIRTIO_MSIX_TABLE	0x2000
#define SNAP_VIRTIO_MSIX_PBA	0x3000
#define SNAP_VIRTIO_NOTIFY_MULT	4

/* virtio 1.2 common configuration: 1.0's fields, then these two. */
#define SNAP_VIRTIO_COMMON_Q_NDATA	56
#define SNAP_VIRTIO_COMMON_Q_RESET	58
#define SNAP_VIRTIO_COMMON_LEN		64

/* virtio_blk_config up to write_zeroes_may_unmap and its padding. */
#define SNAP_VBLK_CFG_LEN	60

/* At most one queue per vector but the config one: 62 (rules.c). */
#define SNAP_VIRTIO_MAX_QUEUES	64

/* virtio-blk counts in 512-byte sectors whatever the block size. */
#define SNAP_VBLK_SECTOR_SHIFT		9
#define SNAP_VBLK_SECTOR_SIZE		512
#define SNAP_VBLK_DISCARD_SECTORS	(SZ_1G >> SNAP_VBLK_SECTOR_SHIFT)
#define SNAP_VBLK_DISCARD_SEGS		16

/* Features every virtio-blk function offers; the controller adds some. */
#define SNAP_VBLK_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
				 BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) | \
				 BIT_ULL(VIRTIO_BLK_F_SEG_MAX) | \
				 BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) | \
				 BIT_ULL(VIRTIO_BLK_F_TOPOLOGY) | \
				 BIT_ULL(VIRTIO_BLK_F_FLUSH) | \
				 BIT_ULL(VIRTIO_BLK_F_MQ) | \
				 BIT_ULL(VIRTIO_BLK_F_DISCARD) | \
				 BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES))

/* The capabilities, in chain order; PCI_CFG is the last. */
enum snap_virtio_cap {
	SNAP_VCAP_COMMON,
	SNAP_VCAP_NOTIFY,
	SNAP_VCAP_ISR,
	SNAP_VCAP_DEVICE,
	SNAP_VCAP_PCI_CFG,
};

/**
 * struct snap_virtio_dev_cfg - what the controller makes the device offer
 * @features: device features
 * @num_queues: virtqueues
 * @queue_size: the largest (and reset) size of each
 * @usable: FEATURES_OK may be accepted (see the comment at the top)
 * @alive: a controller exists: a driver that negotiated can go on
 * @blk: the device configuration structure, little endian
 */
struct snap_virtio_dev_cfg {
	u64 features;
	u16 num_queues;
	u16 queue_size;
	bool usable;
	bool alive;
	u8 blk[SNAP_VBLK_CFG_LEN];
};

/**
 * struct snap_virtio_vq - one virtqueue as the host set it up
 * @size: entries
 * @vector: MSI-X vector, or VIRTIO_MSI_NO_VECTOR
 * @enabled: queue_enable was written 1
 * @desc: descriptor area
 * @driver: driver (available) area
 * @device: device (used) area
 */
struct snap_virtio_vq {
	u16 size;
	u16 vector;
	bool enabled;
	u64 desc;
	u64 driver;
	u64 device;
};

/**
 * struct snap_sim_virtio - a virtio-pci function's registers
 * @fn: the function
 * @cur: what the device offers now
 * @dfselect: device_feature_select
 * @gfselect: driver_feature_select
 * @driver_features: what the driver wrote, kept once FEATURES_OK holds
 * @msix_config: the configuration change vector
 * @status: device_status
 * @generation: config_generation: changes with every @cur.blk change
 * @queue_select: the queue the per-queue registers address
 * @isr: ISR status, cleared by reading it
 * @live: DRIVER_OK was set: the data path has the queues
 * @resetting: the driver wrote 0 to a live device; the status reads as
 *	before until the data path completes the reset
 * @report: the poller must tell the data path of DRIVER_OK or the reset
 * @config_irq: the poller must raise the configuration vector
 * @kicked: queues the host notified since the poller last looked
 * @vqs: the queues, @cur.num_queues of them in use
 *
 * Everything is under the bus's cfg_lock.
 */
struct snap_sim_virtio {
	struct snap_sim_fn *fn;
	struct snap_virtio_dev_cfg cur;
	u32 dfselect;
	u32 gfselect;
	u64 driver_features;
	u16 msix_config;
	u8 status;
	u8 generation;
	u16 queue_select;
	u8 isr;
	bool live;
	bool resetting;
	bool report;
	bool config_irq;
	DECLARE_BITMAP(kicked, SNAP_VIRTIO_MAX_QUEUES);
	struct snap_virtio_vq vqs[SNAP_VIRTIO_MAX_QUEUES];
};

static void snap_virtio_put_cap(struct snap_cfg_vcap *vcap, u8 len, u8 type,
				u32 offset, u32 length)
{
	vcap->len = len;
	vcap->body[VIRTIO_PCI_CAP_LEN] = len;
	vcap->body[VIRTIO_PCI_CAP_CFG_TYPE] = type;
	vcap->body[VIRTIO_PCI_CAP_BAR] = 0;
	put_unaligned_le32(offset, vcap->body + VIRTIO_PCI_CAP_OFFSET);
	put_unaligned_le32(length, vcap->body + VIRTIO_PCI_CAP_LENGTH);
}

static void snap_sim_virtio_describe(struct snap_sim_fn *fn,
				     struct snap_cfg_desc *desc)
{
	struct snap_cfg_vcap *vcaps = desc->vcaps;

	desc->vendor = SNAP_VIRTIO_VENDOR;
	desc->device = SNAP_VIRTIO_BLK_DEVICE;
	desc->subsys_vendor = SNAP_VIRTIO_VENDOR;
	desc->subsys_device = SNAP_VIRTIO_SUBSYS_ID;
	desc->class_code = SNAP_VIRTIO_BLK_CLASS;
	desc->revision = SNAP_VIRTIO_REVISION;
	desc->bar0_size = SNAP_VIRTIO_BAR0_SIZE;
	desc->product = "snap emulated virtio-blk device";

	snap_virtio_put_cap(&vcaps[SNAP_VCAP_COMMON], sizeof(struct virtio_pci_cap),
			    VIRTIO_PCI_CAP_COMMON_CFG, SNAP_VIRTIO_COMMON,
			    SNAP_VIRTIO_COMMON_LEN);
	snap_virtio_put_cap(&vcaps[SNAP_VCAP_NOTIFY],
			    sizeof(struct virtio_pci_notify_cap),
			    VIRTIO_PCI_CAP_NOTIFY_CFG, SNAP_VIRTIO_NOTIFY,
			    SNAP_VIRTIO_NOTIFY_MULT * SNAP_VIRTIO_MAX_QUEUES);
	put_unaligned_le32(SNAP_VIRTIO_NOTIFY_MULT,
			   vcaps[SNAP_VCAP_NOTIFY].body + VIRTIO_PCI_NOTIFY_CAP_MULT);
	snap_virtio_put_cap(&vcaps[SNAP_VCAP_ISR], sizeof(struct virtio_pci_cap),
			    VIRTIO_PCI_CAP_ISR_CFG, SNAP_VIRTIO_ISR, 1);
	snap_virtio_put_cap(&vcaps[SNAP_VCAP_DEVICE], sizeof(struct virtio_pci_cap),
			    VIRTIO_PCI_CAP_DEVICE_CFG, SNAP_VIRTIO_DEVICE,
			    SNAP_VBLK_CFG_LEN);
	/* PCI_CFG: the host picks bar, offset and length, then uses data. */
	snap_virtio_put_cap(&vcaps[SNAP_VCAP_PCI_CFG],
			    sizeof(struct virtio_pci_cfg_cap),
			    VIRTIO_PCI_CAP_PCI_CFG, 0, 0);
	memset(vcaps[SNAP_VCAP_PCI_CFG].wmask + VIRTIO_PCI_CAP_BAR, 0xff, 1);
	memset(vcaps[SNAP_VCAP_PCI_CFG].wmask + VIRTIO_PCI_CAP_OFFSET, 0xff,
	       sizeof(struct virtio_pci_cfg_cap) - VIRTIO_PCI_CAP_OFFSET);
}

static void snap_virtio_blk_put(u8 *blk, size_t off, u64 val, size_t len)
{
	switch (len) {
	case 1:
		blk[off] = val;
		break;
	case 2:
		put_unaligned_le16(val, blk + off);
		break;
	case 4:
		put_unaligned_le32(val, blk + off);
		break;
	default:
		put_unaligned_le64(val, blk + off);
	}
}

#define SNAP_VBLK_PUT(blk, field, val) \
	snap_virtio_blk_put(blk, offsetof(struct virtio_blk_config, field), val, \
			    sizeof_field(struct virtio_blk_config, field))

/*
 * What @fn's controller makes the device offer. Under snap_lock; with
 * no controller the device offers the bare minimum and is not usable.
 */
static void snap_virtio_dev_cfg(struct snap_sim_fn *fn,
				struct snap_virtio_dev_cfg *dc)
{
	struct snap_ctrl *ctrl = fn->func->ctrl;
	struct snap_bdev *bdev = ctrl ? ctrl->vblk.bdev : NULL;
	u32 block_size = bdev ? bdev->block_size : SNAP_VBLK_SECTOR_SIZE;
	u64 sectors = bdev ? bdev->num_blocks * (block_size >> SNAP_VBLK_SECTOR_SHIFT) : 0;

	BUILD_BUG_ON(offsetof(struct virtio_blk_config, unused1) + 3 !=
		     SNAP_VBLK_CFG_LEN);
	memset(dc, 0, sizeof(*dc));
	dc->features = BIT_ULL(VIRTIO_F_VERSION_1);
	dc->num_queues = 1;
	dc->queue_size = 256;
	if (!ctrl)
		return;

	dc->features = SNAP_VBLK_FEATURES;
	/* virtio-pci enables VFs only on a device that offers this. */
	if (fn->nr_vfs)
		dc->features |= BIT_ULL(VIRTIO_F_SR_IOV);
	if (ctrl->vblk.read_only)
		dc->features |= BIT_ULL(VIRTIO_BLK_F_RO);
	if (ctrl->vblk.indirect_desc)
		dc->features |= BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC);
	/* The daemon uses chains in order whether or not this is taken. */
	if (ctrl->vblk.force_in_order)
		dc->features |= BIT_ULL(VIRTIO_F_IN_ORDER);
	dc->num_queues = min_t(u32, ctrl->num_queues, SNAP_VIRTIO_MAX_QUEUES);
	dc->queue_size = ctrl->vblk.queue_size;
	dc->alive = true;
	dc->usable = ctrl->state == SNAP_CTRL_RUNNING &&
		     (!bdev || (snap_emu.daemon &&
				snap_emu.daemon_features & SNAP_F_VIRTIO));

	SNAP_VBLK_PUT(dc->blk, capacity, sectors);
	SNAP_VBLK_PUT(dc->blk, size_max, ctrl->vblk.size_max);
	SNAP_VBLK_PUT(dc->blk, seg_max, ctrl->vblk.seg_max);
	SNAP_VBLK_PUT(dc->blk, blk_size, block_size);
	SNAP_VBLK_PUT(dc->blk, min_io_size, 1);
	SNAP_VBLK_PUT(dc->blk, num_queues, dc->num_queues);
	SNAP_VBLK_PUT(dc->blk, max_discard_sectors, SNAP_VBLK_DISCARD_SECTORS);
	SNAP_VBLK_PUT(dc->blk, max_discard_seg, SNAP_VBLK_DISCARD_SEGS);
	SNAP_VBLK_PUT(dc->blk, discard_sector_alignment,
		      block_size >> SNAP_VBLK_SECTOR_SHIFT);
	SNAP_VBLK_PUT(dc->blk, max_write_zeroes_sectors,
		      SNAP_VBLK_DISCARD_SECTORS);
	SNAP_VBLK_PUT(dc->blk, max_write_zeroes_seg, SNAP_VBLK_DISCARD_SEGS);
	SNAP_VBLK_PUT(dc->blk, write_zeroes_may_unmap, 1);
}

/* Device reset: written 0 to device_status, FLR, or bus mastering off. */
static void snap_virtio_reset(struct snap_sim_virtio *v)
{
	unsigned int i;

	v->dfselect = 0;
	v->gfselect = 0;
	v->driver_features = 0;
	v->msix_config = VIRTIO_MSI_NO_VECTOR;
	v->status = 0;
	v->queue_select = 0;
	v->isr = 0;
	v->live = false;
	v->resetting = false;
	v->report = false;
	bitmap_zero(v->kicked, SNAP_VIRTIO_MAX_QUEUES);
	for (i = 0; i < SNAP_VIRTIO_MAX_QUEUES; i++) {
		v->vqs[i] = (struct snap_virtio_vq) {
			.size = v->cur.queue_size,
			.vector = VIRTIO_MSI_NO_VECTOR,
		};
	}
}

static int snap_sim_virtio_init(struct snap_sim_fn *fn)
{
	struct snap_sim_virtio *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return -ENOMEM;
	v->fn = fn;
	lockdep_assert_held(&snap_lock);
	snap_virtio_dev_cfg(fn, &v->cur);
	snap_virtio_reset(v);
	fn->virtio = v;
	return 0;
}

static void snap_sim_virtio_exit(struct snap_sim_fn *fn)
{
	kfree(fn->virtio);
	fn->virtio = NULL;
}

static void snap_sim_virtio_regs_reset(struct snap_sim_fn *fn,
				       void __iomem *bar)
{
	snap_virtio_reset(fn->virtio);
}

static struct snap_virtio_vq *snap_virtio_selected(struct snap_sim_virtio *v)
{
	return v->queue_select < v->cur.num_queues ? &v->vqs[v->queue_select] :
	       NULL;
}

static u32 snap_virtio_feature_word(u64 features, u32 select)
{
	return select < 2 ? (u32)(features >> (32 * select)) : 0;
}

/* A queue's register, or 0 for a queue that does not exist. */
static u32 snap_virtio_queue_read(struct snap_sim_virtio *v, u32 off)
{
	struct snap_virtio_vq *vq = snap_virtio_selected(v);

	if (!vq)
		return off == VIRTIO_PCI_COMMON_Q_MSIX ? VIRTIO_MSI_NO_VECTOR : 0;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return vq->size;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return vq->vector;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return vq->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF:
	case SNAP_VIRTIO_COMMON_Q_NDATA:
		return v->queue_select;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		return lower_32_bits(vq->desc);
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		return upper_32_bits(vq->desc);
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		return lower_32_bits(vq->driver);
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		return upper_32_bits(vq->driver);
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		return lower_32_bits(vq->device);
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		return upper_32_bits(vq->device);
	default:
		return 0;
	}
}

static u32 snap_virtio_common_read(struct snap_sim_virtio *v, u32 off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		return v->dfselect;
	case VIRTIO_PCI_COMMON_DF:
		return snap_virtio_feature_word(v->cur.features, v->dfselect);
	case VIRTIO_PCI_COMMON_GFSELECT:
		return v->gfselect;
	case VIRTIO_PCI_COMMON_GF:
		return snap_virtio_feature_word(v->driver_features, v->gfselect);
	case VIRTIO_PCI_COMMON_MSIX:
		return v->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ:
		return v->cur.num_queues;
	case VIRTIO_PCI_COMMON_STATUS:
		return v->status;
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return v->generation;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return v->queue_select;
	default:
		return snap_virtio_queue_read(v, off);
	}
}

/* Width of each common register; 0 between them. */
static unsigned int snap_virtio_common_width(u32 off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
	case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_GFSELECT:
	case VIRTIO_PCI_COMMON_GF:
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		return 4;
	case VIRTIO_PCI_COMMON_STATUS:
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return 1;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_Q_SELECT:
	case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX:
	case VIRTIO_PCI_COMMON_Q_ENABLE:
	case VIRTIO_PCI_COMMON_Q_NOFF:
	case SNAP_VIRTIO_COMMON_Q_NDATA:
	case SNAP_VIRTIO_COMMON_Q_RESET:
		return 2;
	default:
		return 0;
	}
}

static u16 snap_virtio_vector(struct snap_sim_fn *fn, u32 val)
{
	return val < fn->num_msix ? val : VIRTIO_MSI_NO_VECTOR;
}

/* Addresses and sizes are the driver's only while the queue is off. */
static void snap_virtio_set_addr(u64 *addr, bool hi, u32 val)
{
	if (hi)
		*addr = (*addr & U32_MAX) | (u64)val << 32;
	else
		*addr = (*addr & ~(u64)U32_MAX) | val;
}

static void snap_virtio_queue_write(struct snap_sim_fn *fn, u32 off, u32 val)
{
	struct snap_sim_virtio *v = fn->virtio;
	struct snap_virtio_vq *vq = snap_virtio_selected(v);

	if (!vq)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_MSIX:
		vq->vector = snap_virtio_vector(fn, val);
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		/* Writing 0 is not the driver's to do (queue_reset is). */
		if (val == 1 && vq->size)
			vq->enabled = true;
		return;
	}
	if (vq->enabled)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		/* Split rings: a power of two up to what the device allows. */
		if (val && is_power_of_2(val) && val <= v->cur.queue_size)
			vq->size = val;
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		snap_virtio_set_addr(&vq->desc, off == VIRTIO_PCI_COMMON_Q_DESCHI, val);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		snap_virtio_set_addr(&vq->driver, off == VIRTIO_PCI_COMMON_Q_AVAILHI,
				     val);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		snap_virtio_set_addr(&vq->device, off == VIRTIO_PCI_COMMON_Q_USEDHI,
				     val);
		break;
	}
}

/*
 * FEATURES_OK holds only for a subset of what is offered that includes
 * VERSION_1 (this is a modern-only device) on a usable device; otherwise
 * the bit does not stick and the driver, reading it back, gives up.
 */
static bool snap_virtio_features_ok(struct snap_sim_fn *fn)
{
	struct snap_sim_virtio *v = fn->virtio;

	if (v->driver_features & ~v->cur.features ||
	    !(v->driver_features & BIT_ULL(VIRTIO_F_VERSION_1)))
		return false;
	if (!v->cur.usable) {
		pr_info_ratelimited("%s: refusing FEATURES_OK: %s\n", fn->func->vuid,
				    v->cur.alive ? "no daemon serves virtqueues (or suspended)" :
				    "no controller on this function");
		return false;
	}
	return true;
}

static void snap_virtio_status_write(struct snap_sim_fn *fn, u8 val)
{
	struct snap_sim_virtio *v = fn->virtio;
	u8 set = val & ~v->status;

	if (v->resetting)
		return;
	if (!val) {
		if (!v->live) {
			snap_virtio_reset(v);
			return;
		}
		/* The poller tells the data path; it completes the reset. */
		v->resetting = true;
		v->report = true;
		snap_sim_poll_kick(fn->sim);
		return;
	}
	if (set & VIRTIO_CONFIG_S_FEATURES_OK && !snap_virtio_features_ok(fn))
		val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if (set & VIRTIO_CONFIG_S_DRIVER_OK &&
	    v->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		v->live = true;
		v->report = true;
		snap_sim_poll_kick(fn->sim);
	}
	/* Status bits only accumulate until a reset (NEEDS_RESET is ours). */
	v->status |= val & ~VIRTIO_CONFIG_S_NEEDS_RESET;
}

static void snap_virtio_common_write(struct snap_sim_fn *fn, u32 off, u32 val)
{
	struct snap_sim_virtio *v = fn->virtio;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		v->dfselect = val;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		v->gfselect = val;
		break;
	case VIRTIO_PCI_COMMON_GF:
		if (v->gfselect < 2 && !(v->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			v->driver_features &= ~((u64)U32_MAX << (32 * v->gfselect));
			v->driver_features |= (u64)val << (32 * v->gfselect);
		}
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		v->msix_config = snap_virtio_vector(fn, val);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		snap_virtio_status_write(fn, val);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		v->queue_select = val;
		break;
	default:
		snap_virtio_queue_write(fn, off, val);
	}
}

static void snap_virtio_common(struct snap_sim_fn *fn, u32 off,
			       unsigned int size, bool write, u32 *val)
{
	/* Each field at its natural width; anything else reads 0. */
	if (snap_virtio_common_width(off) != size) {
		if (!write)
			*val = 0;
		return;
	}
	if (write)
		snap_virtio_common_write(fn, off, *val);
	else
		*val = snap_virtio_common_read(fn->virtio, off);
}

static void snap_virtio_device(struct snap_sim_virtio *v, u32 off,
			       unsigned int size, bool write, u32 *val)
{
	unsigned int i;

	/* Read-only: this device offers no writable field (CONFIG_WCE). */
	if (write)
		return;
	*val = 0;
	for (i = 0; i < size && off + i < SNAP_VBLK_CFG_LEN; i++)
		*val |= (u32)v->cur.blk[off + i] << (8 * i);
}

static void snap_virtio_notify(struct snap_sim_fn *fn, u32 off, bool write,
			       u32 *val)
{
	struct snap_sim_virtio *v = fn->virtio;
	u32 q = off / SNAP_VIRTIO_NOTIFY_MULT;

	if (!write) {
		*val = 0;
		return;
	}
	if (v->live && !v->resetting && q < v->cur.num_queues &&
	    v->vqs[q].enabled) {
		__set_bit(q, v->kicked);
		snap_sim_poll_kick(fn->sim);
	}
}

static void snap_sim_virtio_trap(struct snap_sim_fn *fn, u32 off,
				 unsigned int size, bool write, u32 *val)
{
	struct snap_sim_virtio *v = fn->virtio;

	if (off < SNAP_VIRTIO_ISR) {
		snap_virtio_common(fn, off - SNAP_VIRTIO_COMMON, size, write, val);
	} else if (off < SNAP_VIRTIO_DEVICE) {
		/* ISR: reading returns and clears it; writes do nothing. */
		if (!write) {
			*val = off == SNAP_VIRTIO_ISR ? v->isr : 0;
			if (off == SNAP_VIRTIO_ISR)
				v->isr = 0;
		}
	} else if (off < SNAP_VIRTIO_NOTIFY) {
		snap_virtio_device(v, off - SNAP_VIRTIO_DEVICE, size, write, val);
	} else {
		snap_virtio_notify(fn, off - SNAP_VIRTIO_NOTIFY, write, val);
	}
}

/*
 * VIRTIO_PCI_CAP_PCI_CFG: a window through config space into BAR0, for
 * hosts that cannot map it. The access is the one the capability's bar,
 * offset and length name, made when pci_cfg_data is read or written.
 */
static bool snap_sim_virtio_cfg_access(struct snap_sim_fn *fn,
				       unsigned int where, int size,
				       bool write, u32 *val)
{
	unsigned int cap = snap_cfg_vcap_offset(&fn->cfg, SNAP_VCAP_PCI_CFG);
	unsigned int data = cap + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	u32 bar, off, len, v = 0;

	if (!cap || where != data || size != 4)
		return false;
	snap_cfg_read(&fn->cfg, cap + VIRTIO_PCI_CAP_BAR, 1, &bar);
	snap_cfg_read(&fn->cfg, cap + VIRTIO_PCI_CAP_OFFSET, 4, &off);
	snap_cfg_read(&fn->cfg, cap + VIRTIO_PCI_CAP_LENGTH, 4, &len);
	if (bar != 0 || (len != 1 && len != 2 && len != 4) || off % len ||
	    off >= SNAP_VIRTIO_MSIX_TABLE) {
		if (!write)
			*val = 0;
		return true;
	}
	if (write)
		v = *val & (len == 4 ? U32_MAX : BIT(8 * len) - 1);
	snap_sim_virtio_trap(fn, off, len, write, &v);
	if (!write)
		*val = v;
	return true;
}

/*
 * The controller's configuration changed (under snap_lock). A change of
 * the device configuration while the driver runs bumps config_generation
 * and raises the configuration change interrupt; a device that can no
 * longer serve a driver that negotiated asks it for a reset.
 */
static void snap_sim_virtio_config_changed(struct snap_sim_fn *fn)
{
	struct snap_sim *sim = fn->sim;
	struct snap_virtio_dev_cfg dc;
	struct snap_sim_virtio *v = fn->virtio;
	unsigned long flags;
	int vector = -1;

	bool notify = false, reprobe;

	snap_virtio_dev_cfg(fn, &dc);
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	reprobe = dc.usable && !v->cur.usable &&
		  v->status & VIRTIO_CONFIG_S_FAILED;
	if (memcmp(dc.blk, v->cur.blk, sizeof(dc.blk))) {
		v->generation++;
		notify = true;
	}
	if (v->status & VIRTIO_CONFIG_S_FEATURES_OK && !dc.alive &&
	    !(v->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		v->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		notify = true;
	}
	v->cur = dc;
	/* A device in reset state offers the new queue size at once. */
	if (!v->status)
		snap_virtio_reset(v);
	if (notify && v->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		v->isr |= VIRTIO_PCI_ISR_CONFIG;
		if (v->msix_config != VIRTIO_MSI_NO_VECTOR)
			vector = v->msix_config;
	}
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	if (vector >= 0)
		snap_sim_raise_irq(fn->func, vector);
	/* A driver that gave up at FEATURES_OK would wait for a rebind. */
	if (reprobe)
		snap_sim_probe_again(fn);
}

/* What the data path is to serve: the enabled queues, as the host set them. */
static unsigned int snap_virtio_snapshot(struct snap_sim_virtio *v,
					 struct snap_vq_state *vqs)
{
	unsigned int q;

	memset(vqs, 0, sizeof(*vqs) * SNAP_VIRTIO_MAX_QUEUES);
	for (q = 0; q < v->cur.num_queues; q++) {
		if (!v->vqs[q].enabled)
			continue;
		vqs[q].desc = v->vqs[q].desc;
		vqs[q].driver = v->vqs[q].driver;
		vqs[q].device = v->vqs[q].device;
		vqs[q].size = v->vqs[q].size;
		vqs[q].vector = v->vqs[q].vector;
	}
	return v->cur.num_queues;
}

/*
 * The poller's pass over a function that decodes memory, masters the bus
 * and has no function reset pending: DRIVER_OK or a reset to the data
 * path first, then the notifications (a reset drops those of the queues
 * it ends).
 */
static bool snap_sim_virtio_poll(struct snap_sim_fn *fn, void __iomem *bar,
				 bool resync)
{
	DECLARE_BITMAP(kicked, SNAP_VIRTIO_MAX_QUEUES);
	struct snap_sim_virtio *v = fn->virtio;
	struct snap_vq_state *vqs = NULL;
	unsigned int q, nvq = 0;
	unsigned long flags;
	bool report, config_irq;
	u16 config_vector;
	u64 features;
	u8 status;

	/*
	 * Nothing goes to the data path while a function reset is pending
	 * (bar is NULL then): the reset would undo it. Its end kicks the
	 * poller again.
	 */
	if (!bar)
		return false;
	raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
	report = v->report;
	v->report = false;
	config_irq = v->config_irq;
	v->config_irq = false;
	config_vector = v->msix_config;
	status = v->resetting ? 0 : v->status;
	features = v->driver_features;
	bitmap_copy(kicked, v->kicked, SNAP_VIRTIO_MAX_QUEUES);
	bitmap_zero(v->kicked, SNAP_VIRTIO_MAX_QUEUES);
	raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);

	if (report && status) {
		/* Not under cfg_lock; a queue set up meanwhile is not live. */
		vqs = kcalloc(SNAP_VIRTIO_MAX_QUEUES, sizeof(*vqs), GFP_KERNEL);
		if (!vqs)
			return false;
		raw_spin_lock_irqsave(&fn->sim->cfg_lock, flags);
		nvq = snap_virtio_snapshot(v, vqs);
		raw_spin_unlock_irqrestore(&fn->sim->cfg_lock, flags);
	}
	if (report)
		snap_dp_virtio_status(fn->func, status, features, vqs, nvq);
	kfree(vqs);
	for_each_set_bit(q, kicked, SNAP_VIRTIO_MAX_QUEUES)
		snap_dp_doorbell(fn->func, q, false, 0);
	if (config_irq && config_vector != VIRTIO_MSI_NO_VECTOR)
		snap_sim_raise_irq(fn->func, config_vector);
	return report || config_irq ||
	       !bitmap_empty(kicked, SNAP_VIRTIO_MAX_QUEUES);
}

/*
 * The data path's verdict, as CSTS bits: RDY off ends a pending reset
 * (device_status then reads 0); CFS (the daemon failed DRIVER_OK) asks
 * the driver for a reset.
 */
static void snap_sim_virtio_publish(struct snap_sim_fn *fn, u32 csts)
{
	struct snap_sim_virtio *v = fn->virtio;

	if (v->resetting && !(csts & SNAP_NVME_CSTS_RDY)) {
		snap_virtio_reset(v);
		return;
	}
	if (csts & SNAP_NVME_CSTS_CFS && v->live &&
	    !(v->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		v->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		v->isr |= VIRTIO_PCI_ISR_CONFIG;
		/* Interrupts are raised outside cfg_lock: by the poller. */
		v->config_irq = true;
		snap_sim_poll_kick(fn->sim);
	}
}

const struct snap_sim_model snap_sim_virtio_blk_model = {
	.type = SNAP_FUNC_VIRTIO_BLK,
	.msix_table = SNAP_VIRTIO_MSIX_TABLE,
	.msix_pba = SNAP_VIRTIO_MSIX_PBA,
	.describe = snap_sim_virtio_describe,
	.init = snap_sim_virtio_init,
	.exit = snap_sim_virtio_exit,
	.regs_reset = snap_sim_virtio_regs_reset,
	.poll = snap_sim_virtio_poll,
	.publish = snap_sim_virtio_publish,
	.trap = snap_sim_virtio_trap,
	.cfg_access = snap_sim_virtio_cfg_access,
	.config_changed = snap_sim_virtio_config_changed,
};
