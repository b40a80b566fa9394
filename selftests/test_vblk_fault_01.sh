#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The fault points on virtio-blk: snap_service-fault dies at each point of the shared data path under random writes with verification (used entries posted and not yet released, half of a batched data transfer moved, chains fetched and none run); a plain snap_service takes over each time and the host sees nothing: no verify error, no I/O error, no used entry for a chain not in flight.
. ./lib.sh
KILL_MODEL=vblk
# Used entries go out in batches, fewer posts than NVMe's: on the debug
# kernel the 400th did not come within fio's run.
KILL_FAULT_AT=100
. ./kill_lib.sh

trap kill_teardown EXIT

kill_setup 1
for p in post xfer fetch; do
	kill_fault $p
done
exit 0
