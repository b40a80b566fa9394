#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# One controller's I/O queues are served by every I/O thread of the core
# mask: with -m 0x3 the controller lives on thread 0 and its second I/O
# queue (the one the host uses on CPU 1) is served by thread 1
# (snap_io1). fio pinned to CPU 1 must make snap_io1 run, fio pinned to
# CPU 0 must not (its CPU time); with --queue-threads 1 (the old
# placement, a controller on one thread) snap_io1 stays idle under the
# same load. Both queues at once then pass a fio verify, over two daemons
# killed under it: the first successor spreads the queues too (each
# thread takes over its own queue's commands), the second keeps them on
# one thread.
. ./lib.sh

trap snap_nvme_teardown EXIT

ncpu=$(grep -c '^processor' /proc/cpuinfo)
[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs, the guest has $ncpu"

# Idle threads sleep (no busy polling), so that run time is work.
snap_nvme_start 1 -m 0x3 --busy-poll 0
snapadm_run bdev_malloc_create 64 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
grep -q "NVMeCtrl0: serving NVMe .* on thread 0, queues also on thread 1" /tmp/svc.log ||
	fail "the controller's queues are not spread: $(grep NVMeCtrl0 /tmp/svc.log)"

# io1_ms: milliseconds of CPU snap_io1 has used (utime + stime in
# /proc's clock ticks, USER_HZ 100 on x86: schedstat is not in every
# kernel, the debug one lacks it), of daemon $SVC_PID.
io1_ms() {
	for _t in /proc/"$SVC_PID"/task/*; do
		[ "$(cat "$_t/comm")" = snap_io1 ] || continue
		awk '{ print ($14 + $15) * 10 }' "$_t/stat"
		return 0
	done
	fail "daemon $SVC_PID has no thread snap_io1"
}

# run_on CPU: 2 s of 4k random reads at depth 8 from CPU CPU; prints how
# long snap_io1 ran meanwhile, in ms.
run_on() {
	_before=$(io1_ms)
	fio --name=qt$1 --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=8 --time_based --runtime=2 --cpus_allowed="$1" \
		--output=/tmp/fio.qt$1 || { cat /tmp/fio.qt$1; fail "fio on CPU $1"; }
	echo $(($(io1_ms) - _before))
}

on1=$(run_on 1)
on0=$(run_on 0)
log "spread: snap_io1 ran $on1 ms while fio ran on CPU 1, $on0 ms while on CPU 0"
[ "$on1" -ge 50 ] || fail "snap_io1 ran $on1 ms while the host used queue 2: it does not serve it"
[ "$on1" -gt $((4 * on0)) ] ||
	fail "snap_io1 ran $on0 ms for queue 1 and $on1 ms for queue 2: it serves both"

# Both queues at once, data checked, and two restarts in the middle of
# it: the first daemon's successor spreads the queues too (each thread
# takes over its own queue's commands), the next one does not.
fio --name=both --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --iodepth=16 --size=32M --numjobs=2 --cpus_allowed=0,1 \
	--cpus_allowed_policy=split --verify=crc32c --verify_fatal=1 --loops=4 \
	--offset_increment=32M --output=/tmp/fio.both &
fio_pid=$!
dmesg -c >/dev/null
svc_lines=$(wc -l </tmp/svc.log)
# restart_under_fio ARGS: kill -9 the daemon while fio runs, start another.
restart_under_fio() {
	kill -0 $fio_pid 2>/dev/null || fail "fio ended before a restart: make it write more"
	kill -9 "$SVC_PID"
	wait "$SVC_PID" 2>/dev/null
	SVC_PID=""
	snap_svc_start -m 0x3 --busy-poll 0 "$@"
}
usleep 500000
restart_under_fio
sleep 1
restart_under_fio --queue-threads 1
wait $fio_pid || { cat /tmp/fio.both; tail -30 /tmp/svc.log; fail "fio verify over restarts"; }
grep -q "err= 0" /tmp/fio.both || { cat /tmp/fio.both; fail "fio reported errors"; }
bad=$(dmesg | grep -E "genctr mismatch|invalid id|resetting|timeout|I/O error|Abort|controller is down")
[ -z "$bad" ] || fail "the host saw errors over the restarts: $bad"
log "restarts: $(tail -n +$((svc_lines + 1)) /tmp/svc.log | grep 'took over' | tr '\n' ' ')"
log "fio verify on both queues over two daemon restarts: $(grep -o 'IOPS=[^,]*' /tmp/fio.both | tr '\n' ' ')"

# The old placement: one thread for the controller, snap_io1 idle.
grep 'NVMeCtrl0: serving' /tmp/svc.log | tail -1 | grep -q "queues also" &&
	fail "--queue-threads 1 still spreads: $(grep 'NVMeCtrl0: serving' /tmp/svc.log | tail -1)"
one=$(run_on 1)
log "--queue-threads 1: snap_io1 ran $one ms while fio ran on CPU 1"
[ "$one" -lt $((on1 / 4)) ] ||
	fail "with --queue-threads 1 snap_io1 still ran $one ms for queue 2"
exit 0
