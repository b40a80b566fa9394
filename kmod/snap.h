/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SNAP_H
#define _SNAP_H

#include "params.h"

/* The parameters the module was loaded with; read-only after load. */
extern struct snap_params snap_params;

#endif /* _SNAP_H */
