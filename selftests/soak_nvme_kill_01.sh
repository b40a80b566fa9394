#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The long version (make check-soak, not make check): 50 kills of snap_service under random writes, then 50 under mixed random reads and writes, on 2 controllers served by 2 I/O threads, all with crc32c verification; the host sees no verify error, no duplicate completion, no reset.
. ./lib.sh
. ./kill_lib.sh

trap snap_nvme_teardown EXIT

kill_setup 2 0x3
kill_fio randwrite 210
sleep 4
kill_loop 50
kill_check "randwrite, 2 controllers on 2 threads, 50 kills"
kill_fio randrw 210
sleep 4
kill_loop 50
kill_check "randrw, 2 controllers on 2 threads, 50 kills"
exit 0
