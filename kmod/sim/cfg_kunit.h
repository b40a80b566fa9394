/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_CFG_KUNIT_H
#define _SNAP_SIM_CFG_KUNIT_H

/*
 * Config accesses as the KUnit cases of the endpoints' (cfgspace_kunit.c)
 * and the switch ports' (portcfg_kunit.c) config space make them.
 */
#include <kunit/test.h>
#include <linux/pci.h>

#include "cfgspace.h"

static inline u32 rd(struct kunit *test, const struct snap_cfg *cfg,
		     unsigned int where, int size)
{
	u32 val = 0xdeadbeef;

	KUNIT_EXPECT_EQ(test, snap_cfg_read(cfg, where, size, &val),
			PCIBIOS_SUCCESSFUL);
	return val;
}

static inline void wr(struct kunit *test, struct snap_cfg *cfg,
		      unsigned int where, int size, u32 val)
{
	KUNIT_EXPECT_EQ(test, snap_cfg_write(cfg, where, size, val),
			PCIBIOS_SUCCESSFUL);
}

/* Walks the chain as the PCI core does; 0 when @id is not on it. */
static inline unsigned int find_cap(struct kunit *test,
				    const struct snap_cfg *cfg, u8 id)
{
	unsigned int pos = rd(test, cfg, PCI_CAPABILITY_LIST, 1);
	int ttl = 48;

	while (pos && ttl--) {
		if (rd(test, cfg, pos, 1) == id)
			return pos;
		pos = rd(test, cfg, pos + PCI_CAP_LIST_NEXT, 1);
	}
	return 0;
}

#endif /* _SNAP_SIM_CFG_KUNIT_H */
