// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of the firmware-mirroring module parameters. Pure logic, so that
 * KUnit can cover every range edge without loading the module.
 */
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/errno.h>
#include <kunit/visibility.h>

#include "params.h"

/* SNAP's mempool defaults to 1 GiB and refuses less than 64 MiB. */
#define SNAP_MEMPOOL_MIN_MB	64
#define SNAP_MEMPOOL_MAX_MB	(1024 * 1024)

/* Queue depth is given as log2; 0 keeps the firmware default of 64. */
#define SNAP_NVME_DEFAULT_QUEUE_SIZE	64

const struct snap_params snap_params_defaults = SNAP_PARAMS_DEFAULT_INIT;
EXPORT_SYMBOL_IF_KUNIT(snap_params_defaults);

struct snap_param_range {
	const char *name;
	size_t offset;
	unsigned int min;
	unsigned int max;
	/* A value inside [min, max] that is still invalid, or 0 for none. */
	unsigned int hole;
};

#define RANGE(field, lo, hi) \
	{ #field, offsetof(struct snap_params, field), lo, hi, 0 }

static const struct snap_param_range snap_param_ranges[] = {
	RANGE(internal_cpu_model, 0, 1),
	RANGE(sriov_en, 0, 1),
	RANGE(pci_switch_emulation_enable, 0, 1),
	/* [0,2-32]: one port is reserved for the static PFs, so 1 is useless. */
	{ "pci_switch_emulation_num_port",
	  offsetof(struct snap_params, pci_switch_emulation_num_port), 0, 32, 1 },
	RANGE(nvme_emulation_enable, 0, 1),
	RANGE(nvme_emulation_num_pf, 0, 2),
	RANGE(nvme_emulation_num_msix, 0, 63),
	RANGE(nvme_emulation_num_vf_msix, 0, 4095),
	RANGE(nvme_emulation_num_vf, 0, 256),
	RANGE(nvme_emulation_max_queue_depth, 0, 12),
	RANGE(virtio_blk_emulation_enable, 0, 1),
	RANGE(virtio_blk_emulation_num_pf, 0, 4),
	RANGE(virtio_blk_emulation_num_msix, 0, 63),
	RANGE(virtio_blk_emulation_num_vf_msix, 0, 4095),
	RANGE(virtio_blk_emulation_num_vf, 0, 2000),
	RANGE(mempool_size_mb, SNAP_MEMPOOL_MIN_MB, SNAP_MEMPOOL_MAX_MB),
};

static unsigned int snap_param_value(const struct snap_params *p,
				     const struct snap_param_range *r)
{
	return *(const unsigned int *)((const char *)p + r->offset);
}

static int snap_params_check_ranges(const struct snap_params *p, char *msg,
				    size_t len)
{
	const struct snap_param_range *r;
	unsigned int v;

	for (r = snap_param_ranges; r < snap_param_ranges + ARRAY_SIZE(snap_param_ranges); r++) {
		v = snap_param_value(p, r);
		if (v >= r->min && v <= r->max && (!r->hole || v != r->hole))
			continue;
		if (r->hole)
			snprintf(msg, len, "%s=%u out of range [%u,%u-%u]",
				 r->name, v, r->min, r->hole + 1, r->max);
		else
			snprintf(msg, len, "%s=%u out of range [%u-%u]",
				 r->name, v, r->min, r->max);
		return -ERANGE;
	}
	return 0;
}

/* Rules between parameters that the firmware enforces at power cycle. */
static int snap_params_check_consistency(const struct snap_params *p,
					 char *msg, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
		const char *needs;
		size_t needs_offset;
	} rules[] = {
#define NEEDS(f, g) { #f, offsetof(struct snap_params, f), \
		      #g, offsetof(struct snap_params, g) }
		NEEDS(nvme_emulation_enable, internal_cpu_model),
		NEEDS(virtio_blk_emulation_enable, internal_cpu_model),
		NEEDS(pci_switch_emulation_enable, internal_cpu_model),
		NEEDS(pci_switch_emulation_num_port, pci_switch_emulation_enable),
		NEEDS(nvme_emulation_num_pf, nvme_emulation_enable),
		NEEDS(nvme_emulation_num_vf, nvme_emulation_enable),
		NEEDS(nvme_emulation_num_vf, sriov_en),
		NEEDS(virtio_blk_emulation_num_pf, virtio_blk_emulation_enable),
		NEEDS(virtio_blk_emulation_num_vf, virtio_blk_emulation_enable),
		NEEDS(virtio_blk_emulation_num_vf, sriov_en),
#undef NEEDS
	};
	const char *base = (const char *)p;
	unsigned int v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		v = *(const unsigned int *)(base + rules[i].offset);
		if (!v || *(const unsigned int *)(base + rules[i].needs_offset) == 1)
			continue;
		snprintf(msg, len, "%s=%u requires %s=1",
			 rules[i].name, v, rules[i].needs);
		return -EINVAL;
	}
	return 0;
}

/**
 * snap_params_validate() - check module parameters as the firmware would
 * @p: the parameters
 * @msg: receives one line naming the offending parameter, its value and
 *	 the allowed range or the parameter it depends on
 * @len: size of @msg
 *
 * Return: 0 when the set is valid, -ERANGE or -EINVAL otherwise.
 */
int snap_params_validate(const struct snap_params *p, char *msg, size_t len)
{
	int ret;

	ret = snap_params_check_ranges(p, msg, len);
	if (ret)
		return ret;
	return snap_params_check_consistency(p, msg, len);
}
EXPORT_SYMBOL_IF_KUNIT(snap_params_validate);

/* Largest I/O queue size the emulated NVMe functions advertise. */
unsigned int snap_params_nvme_max_queue_size(const struct snap_params *p)
{
	if (!p->nvme_emulation_max_queue_depth)
		return SNAP_NVME_DEFAULT_QUEUE_SIZE;
	return 1U << p->nvme_emulation_max_queue_depth;
}
EXPORT_SYMBOL_IF_KUNIT(snap_params_nvme_max_queue_size);

/* One switch port is kept for the static PFs; the others take hot-plug PFs. */
unsigned int snap_params_hotplug_pfs(const struct snap_params *p)
{
	if (!p->pci_switch_emulation_enable || !p->pci_switch_emulation_num_port)
		return 0;
	return p->pci_switch_emulation_num_port - 1;
}
EXPORT_SYMBOL_IF_KUNIT(snap_params_hotplug_pfs);

/**
 * snap_params_num_msix() - the MSI-X vectors a function gets
 * @value: one of the *_num_msix or *_num_vf_msix parameters
 *
 * Return: @value, or %SNAP_DEFAULT_NUM_MSIX when it is 0.
 */
unsigned int snap_params_num_msix(unsigned int value)
{
	return value ?: SNAP_DEFAULT_NUM_MSIX;
}
EXPORT_SYMBOL_IF_KUNIT(snap_params_num_msix);
