#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap_service-fault dies at each fault point under random writes with verification (completions posted and not yet released, half of a batched data transfer moved, commands fetched and none run); a plain snap_service takes over each time and the host sees nothing: no verify error, no duplicate completion, no reset.
. ./lib.sh
. ./kill_lib.sh

trap snap_nvme_teardown EXIT

command -v snap_service-fault >/dev/null || fail "no snap_service-fault in the guest"

# fault POINT: the fault build, armed at the point's 400th hit (well into
# fio's run), replaced by a plain daemon when it dies there.
fault() {
	kill -9 "$SVC_PID"
	wait "$SVC_PID" 2>/dev/null
	wait_for /sys/class/snap/sim0/daemon_pid "^0\$" 20 || fail "$1: old daemon still attached"
	: >/tmp/fault.log
	SNAP_FAULT=$1@400 SNAP_MEMPOOL_SIZE_MB=64 snap_service-fault -l 4 >>/tmp/fault.log 2>&1 &
	SVC_PID=$!
	wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" 10 ||
		fail "$1: snap_service-fault did not attach: $(cat /tmp/fault.log)"
	kill_fio randwrite 14
	_n=0
	while kill -0 "$SVC_PID" 2>/dev/null && [ $_n -lt 100 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	grep -q "fault point $1 hit 400: dying" /tmp/fault.log ||
		{ cat /tmp/fault.log; fail "$1: the fault point was not hit"; }
	kill_restart
	log "$1: snap_service-fault died at the point, $SVC_PID took over"
	kill_check "$1"
	dmesg -c >/dev/null
}

kill_setup 1
for p in post xfer fetch; do
	fault $p
done
exit 0
