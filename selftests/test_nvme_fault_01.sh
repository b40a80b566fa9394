#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap_service-fault dies at each fault point under random writes with verification (completions posted and not yet released, half of a batched data transfer moved, commands fetched and none run); a plain snap_service takes over each time and the host sees nothing: no verify error, no duplicate completion, no reset.
. ./lib.sh
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
for p in post xfer fetch; do
	kill_fault $p
done
exit 0
