#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Live update on virtio-blk: snap_service --live-update takes over from the running daemon 10 times under the mixed load (random reads and writes of 4 KiB to 1 MiB at QD 1, 32 and 128, crc32c verification): each old daemon drains and exits 0, the new one serves on; fio sees no verify error, the host no I/O error, the kernel refuses no used entry; the pause per update is logged.
. ./lib.sh
KILL_MODEL=vblk
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
kill_fio mix 50
sleep 4
kill_upgrade_loop 10
kill_check "virtio-blk, 10 live updates under 4K-1M randrw at QD 1/32/128"
exit 0
