#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap_service killed with SIGKILL 10 times under random writes with crc32c verification, each time replaced by a new daemon: fio sees no verify error, the host no duplicate completion and no reset, and the kernel refuses no completion (the data-corruption report's reproduction).
. ./lib.sh
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
kill_fio randwrite 45
sleep 4
kill_loop 10
kill_check "randwrite, 10 kills"
exit 0
