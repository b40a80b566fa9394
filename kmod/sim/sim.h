/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_H
#define _SNAP_SIM_H

/*
 * The sim provider needs x86's pci_sysdata for its root bus; elsewhere
 * (UML, where KUnit runs) the module builds without it.
 */
#ifdef SNAP_HAVE_SIM
#include "../provider.h"

extern const struct snap_provider_ops snap_sim_provider;
#endif

#endif /* _SNAP_SIM_H */
