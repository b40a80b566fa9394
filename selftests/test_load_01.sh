#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap.ko loads with its defaults, shows up, and unloads cleanly; twice, so a
# leftover from the first unload would break the second load.
. ./lib.sh
trap snap_cleanup EXIT

for round in 1 2; do
	snap_load
	snap_loaded || fail "round $round: snap not in /proc/modules"
	[ -d /sys/module/snap ] || fail "round $round: no /sys/module/snap"
	[ "$(cat /sys/module/snap/parameters/mempool_size_mb)" = 1024 ] ||
		fail "round $round: mempool_size_mb default is not 1024"
	snap_unload
	snap_loaded && fail "round $round: snap still loaded after rmmod"
	log "round $round: load and unload ok"
done
dmesg | grep -q 'snap: loaded' || fail "no 'snap: loaded' in the kernel log"
exit $KSFT_PASS
