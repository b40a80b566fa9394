// SPDX-License-Identifier: GPL-2.0
/*
 * The provider table in use. Without a provider that can put functions in
 * front of a host (UML, where KUnit runs, or an architecture the sim bus
 * does not support), objects still work and every data-path call fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/export.h>
#include <kunit/visibility.h>

#include "provider.h"
#include "sim/sim.h"

static int snap_none_start(void)
{
	return 0;
}

static void snap_none_stop(void)
{
}

static int snap_none_dma(struct snap_func *func, u64 host_addr, void *buf,
			 u32 len, enum snap_dma_dir dir)
{
	return -ENODEV;
}

static int snap_none_raise_irq(struct snap_func *func, u16 vector)
{
	return -ENODEV;
}

static u64 snap_none_dma_faults(struct snap_func *func)
{
	return 0;
}

static void snap_none_publish_csts(struct snap_func *func, u32 csts)
{
}

static void snap_none_queues_changed(struct snap_func *func)
{
}

static void snap_none_config_changed(struct snap_func *func)
{
}

static bool snap_none_in_use(struct snap_func *func)
{
	return false;
}

static int snap_none_set_num_msix(struct snap_func *func, u32 num_msix)
{
	return 0;
}

static const struct snap_provider_ops snap_none_provider = {
	.name = "none",
	.start = snap_none_start,
	.stop = snap_none_stop,
	.dma = snap_none_dma,
	.dma_faults = snap_none_dma_faults,
	.raise_irq = snap_none_raise_irq,
	.publish_csts = snap_none_publish_csts,
	.queues_changed = snap_none_queues_changed,
	.config_changed = snap_none_config_changed,
	.in_use = snap_none_in_use,
	.set_num_msix = snap_none_set_num_msix,
};

#ifdef SNAP_HAVE_SIM
const struct snap_provider_ops *snap_provider = &snap_sim_provider;
#else
const struct snap_provider_ops *snap_provider = &snap_none_provider;
#endif
/* The hot-plug cases stand in a provider of their own (core_kunit.c). */
EXPORT_SYMBOL_IF_KUNIT(snap_provider);
