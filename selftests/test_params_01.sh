#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An out-of-range module parameter refuses the load with one log line that
# names the parameter, its value and the allowed range.
. ./lib.sh
trap snap_cleanup EXIT

dmesg -c >/dev/null
insmod $SNAP_KO nvme_emulation_num_pf=3 2>/dev/null && fail "nvme_emulation_num_pf=3 was accepted"
dmesg | grep -q 'snap: refusing to load: nvme_emulation_num_pf=3 out of range \[0-2\]' ||
	fail "no clear log line for nvme_emulation_num_pf=3: $(dmesg | tail -n 3)"
snap_loaded && fail "snap loaded after a refused insmod"
exit $KSFT_PASS
