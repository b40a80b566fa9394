/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAPADM_H
#define SNAPADM_H

#include <stdbool.h>

struct snapadm {
	bool json;
};

struct snapadm_cmd {
	const char *name;
	/* argv[0] is the command name; returns the process exit status. */
	int (*run)(struct snapadm *adm, int argc, char **argv);
	const char *help;
};

#endif
