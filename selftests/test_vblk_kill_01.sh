#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap_service killed with SIGKILL 10 times under the mixed load on virtio-blk (random reads and writes of 4 KiB to 1 MiB at queue depths 1, 32 and 128, crc32c verification), each time replaced by a new daemon: fio sees no verify error, the host no I/O error, the kernel refuses no used entry; the I/O pause per kill is logged.
. ./lib.sh
KILL_MODEL=vblk
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
kill_fio mix 45
sleep 4
kill_loop 10
kill_check "virtio-blk, 4K-1M randrw at QD 1/32/128, 10 kills"
exit 0
