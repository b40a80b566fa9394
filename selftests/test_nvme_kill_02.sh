#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap_service killed with SIGKILL 10 times under the mixed load on NVMe (random reads and writes of 4 KiB to 1 MiB at queue depths 1, 32 and 128, crc32c verification), each time replaced by a new daemon: fio sees no verify error, the host no duplicate completion and no reset, the kernel refuses no completion; the I/O pause per kill is logged.
. ./lib.sh
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
kill_fio mix 45
sleep 4
kill_loop 10
kill_check "NVMe, 4K-1M randrw at QD 1/32/128, 10 kills"
exit 0
