// SPDX-License-Identifier: GPL-2.0
/* A shared object without the entry symbol: not a snap plugin. */
int snap_plugin_entry_misspelt(void);

int snap_plugin_entry_misspelt(void)
{
	return 0;
}
