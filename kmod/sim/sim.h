/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_SIM_H
#define _SNAP_SIM_H

/*
 * The sim provider needs x86's pci_sysdata for its root bus; elsewhere
 * (UML, where KUnit runs) the module builds without it.
 */
#ifdef SNAP_HAVE_SIM
int snap_sim_start(void);
void snap_sim_stop(void);
#else
static inline int snap_sim_start(void) { return 0; }
static inline void snap_sim_stop(void) { }
#endif

#endif /* _SNAP_SIM_H */
