#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The long version (make check-soak, not make check): 50 kills of snap_service under random writes, then 50 under the mixed load (random reads and writes of 4 KiB to 1 MiB at queue depths 1, 32 and 128), on 2 controllers served by 2 I/O threads, all with crc32c verification; the host sees no verify error, no duplicate completion, no reset.
. ./lib.sh
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 2 0x3
kill_fio randwrite 210
sleep 4
kill_loop 50
kill_check "randwrite, 2 controllers on 2 threads, 50 kills"
kill_fio mix 210
sleep 4
kill_loop 50
kill_check "mix, 2 controllers on 2 threads, 50 kills"
exit 0
