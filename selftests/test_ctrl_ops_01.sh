#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Operations: with rpc_log=1 every change request is logged by the kernel with who made it (snapadm or snap_service, pid, uid), the object and the outcome, refusals with their reason, and nothing once it is 0; snap_log_level_set -l changes a running daemon's log level at once, is kept by the kernel and taken by the next daemon, and out-of-range levels are refused with the range.
. ./lib.sh

trap snap_nvme_teardown EXIT
RPC=/sys/module/snap/parameters/rpc_log

snap_nvme_start 1
[ "$(cat $RPC)" = 0 ] || fail "rpc_log is not off by default: $(cat $RPC)"
echo 2 >$RPC 2>/dev/null && fail "rpc_log took 2"
echo 1 >$RPC || fail "cannot turn rpc_log on"
dmesg -c >/dev/null

snapadm_run bdev_null_create Null0 16 4096
pid_line=$(dmesg | grep "snap: rpc: bdev-new from snapadm\[[0-9]*\] uid 0: name=Null0: done") ||
	fail "no rpc log line for bdev-new: $(dmesg | tail -5)"
log "logged: $pid_line"
snapadm bdev_null_create Null0 16 4096 2>/dev/null && fail "a second Null0 was accepted"
dmesg | grep -q "rpc: bdev-new from snapadm\[[0-9]*\] uid 0: name=Null0: refused or no change: a bdev of that name exists" ||
	fail "the refusal is not logged with its reason: $(dmesg | grep rpc: | tail -3)"
# The daemon's own reports are changes too, and say it made them.
wait_for_cmd() {	# wait_for_cmd SECONDS COMMAND...: until COMMAND succeeds
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}
wait_for_cmd 10 sh -c 'dmesg | grep -q "rpc: bdev-set from snap_service\[[0-9]*\] uid 0: name=Null0 ready=1: done"' ||
	fail "the daemon's bdev-set is not logged as the daemon's: $(dmesg | grep rpc: | tail -3)"
log "refusals and the daemon's own reports are logged"

echo 0 >$RPC
dmesg -c >/dev/null
snapadm_run bdev_null_delete Null0
dmesg | grep -q "rpc:" && fail "rpc_log=0 still logs: $(dmesg | grep rpc:)"

# Log level: the daemon runs at -l 4 (lib.sh); 1 keeps warnings only.
out=$(snapadm snap_log_level_set -l 6 2>&1) && fail "log level 6 was accepted"
echo "$out" | grep -q "allowed 0 to 5" || fail "level 6 refused without the range: $out"
snapadm -j snap_log_level_set -l 1 >/tmp/ops.json || fail "snap_log_level_set -l 1"
json_has /tmp/ops.json log_level 1 || fail "the reply has no log_level 1: $(cat /tmp/ops.json)"
wait_for_cmd 10 grep -q "log level 4 -> 1 (snap_log_level_set)" /tmp/svc.log ||
	fail "the daemon did not take level 1: $(tail -3 /tmp/svc.log)"
snapadm_run bdev_null_create Quiet0 16 4096
sleep 1
grep -q "bdev Quiet0:" /tmp/svc.log && fail "an info line was logged at level 1"
snapadm_run bdev_null_delete Quiet0

# The kernel keeps the level: a new daemon, started at -l 4, takes 1.
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10 || fail "the daemon did not let go"
: >/tmp/svc.log
snap_svc_start
snapadm_run bdev_null_create Quiet1 16 4096
sleep 1
grep -q "bdev Quiet1:" /tmp/svc.log && fail "the new daemon logged at info: $(cat /tmp/svc.log)"
snapadm_run snap_log_level_set -l 3
wait_for_cmd 10 grep -q "log level 1 -> 3 (snap_log_level_set)" /tmp/svc.log ||
	fail "the new daemon did not take level 3: $(tail -3 /tmp/svc.log)"
snapadm_run bdev_null_create Loud0 16 4096
wait_for_cmd 10 grep -q "bdev Loud0:" /tmp/svc.log ||
	fail "no info line at level 3: $(tail -3 /tmp/svc.log)"
log "snap_log_level_set reaches the running daemon and the next one"
exit 0
