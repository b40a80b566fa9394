#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The long virtio-blk version (make check-soak, not make check): 50 kills of snap_service under the mixed load (random reads and writes of 4 KiB to 1 MiB at queue depths 1, 32 and 128, crc32c verification) on 2 virtio-blk controllers served by 2 I/O threads; the host sees no verify error and no I/O error, the kernel refuses no used entry.
. ./lib.sh
KILL_MODEL=vblk
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 2 0x3
kill_fio mix 210
sleep 4
kill_loop 50
kill_check "virtio-blk mix, 2 controllers on 2 threads, 50 kills"
exit 0
