// SPDX-License-Identifier: GPL-2.0
/* The device models this daemon serves; see engine.h. */
#include "engine.h"

static const struct svc_engine_ops *const svc_engines[] = {
	&svc_engine_nvme,
	&svc_engine_vblk,
};

const struct svc_engine_ops *svc_engine_find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(svc_engines) / sizeof(svc_engines[0]); i++)
		if (svc_engines[i]->type == type)
			return svc_engines[i];
	return NULL;
}
