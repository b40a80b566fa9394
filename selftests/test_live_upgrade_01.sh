#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Live update: snap_service --live-update takes over from the running daemon 20 times under the mixed load on NVMe (random reads and writes of 4 KiB to 1 MiB at QD 1, 32 and 128, crc32c verification): each old daemon drains, detaches and exits 0, the new one serves on; fio sees no verify error, the host no duplicate completion, reset or I/O error; the pause per update (SIGTERM to serving) is logged.
. ./lib.sh
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
kill_fio mix 100
sleep 4
kill_upgrade_loop 20
kill_check "NVMe, 20 live updates under 4K-1M randrw at QD 1/32/128"
exit 0
