#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap.ko's ABI fuzzed from the guest (snap_abifuzz): random and mutated netlink requests, uring_cmds and ioctls with snap_service attached and serving fio with verification on PF 0, then ioctls and uring_cmds with the fuzzer itself attached as the daemon while the stock nvme driver drives PF 0. The kernel reports no BUG, WARNING, oops, KASAN, lockdep or kmemleak problem, fio saw no verify error, and the module unloads.
# snap.abifuzz_ops=N on the kernel command line: operations per run (20000;
# make check-debug passes 100000, or SNAP_ABIFUZZ_OPS). snap.abifuzz_seed=S:
# the first run's seed, the others take the next ones (to replay a failure).
. ./lib.sh

OPS=$(kparam snap.abifuzz_ops)
OPS=${OPS:-20000}
SEED=$(kparam snap.abifuzz_seed)
SEED=${SEED:-$(date +%s)}
FZ_NQN=nqn.2024-01.io.snap:abifuzz
FZ_CTRL=FuzzKeep
FZ_BDEV=FuzzKeepB
FIO_PID="" LOAD_PID="" KMSG_PID=""
BAD='BUG:|WARNING:|Oops|KASAN|general protection|lockdep|kmemleak|possible recursive locking|circular locking|inconsistent lock state'

stop_loops() {
	touch /tmp/abifuzz.stop
	for _p in $FIO_PID $LOAD_PID; do
		wait "$_p" 2>/dev/null
	done
	FIO_PID="" LOAD_PID=""
}

cleanup() {
	stop_loops
	[ -n "$KMSG_PID" ] && kill "$KMSG_PID" 2>/dev/null && wait "$KMSG_PID"
	snap_loaded && [ -z "$SVC_PID" ] && snap_svc_start
	snap_nvme_cleanup
	if snap_loaded; then
		snapadm nvme_controller_destroy --ctrl $FZ_CTRL >/dev/null 2>&1
		snapadm nvme_namespace_destroy --nqn $FZ_NQN --nsid 1 >/dev/null 2>&1
		snapadm nvme_subsystem_destroy --nqn $FZ_NQN >/dev/null 2>&1
		snapadm bdev_malloc_delete $FZ_BDEV >/dev/null 2>&1
	fi
	snap_cleanup
}
trap cleanup EXIT

command -v snap_abifuzz >/dev/null || skip "snap_abifuzz is not built"
command -v fio >/dev/null || skip "no fio in the guest"
_missing=$(snapadm_missing bdev_malloc_create nvme_subsystem_create nvme_controller_create \
	nvme_namespace_create nvme_controller_attach_ns nvme_controller_resume)
[ -z "$_missing" ] || skip "snapadm lacks: $_missing"

# Objects kmemleak suspects now (debug kernels; after a scan).
KMEMLEAK=/sys/kernel/debug/kmemleak
leaks() {
	echo scan >$KMEMLEAK
	grep -c 'unreferenced object' $KMEMLEAK
}

# fuzz MODE [ARGS]: one run of snap_abifuzz, its summary in the log.
fuzz() {
	log "\$ snap_abifuzz --seed $SEED --ops $OPS $*"
	snap_abifuzz --seed "$SEED" --ops "$OPS" "$@" >/tmp/abifuzz.out 2>/tmp/abifuzz.err
	_rc=$?
	cat /tmp/abifuzz.out
	[ $_rc -eq 0 ] || { tail -5 /tmp/abifuzz.err; fail "snap_abifuzz $*: exit $_rc"; }
	SEED=$((SEED + 1))
}

# The daemon must still be the one started, serving PF 0.
svc_alive() {
	kill -0 "$SVC_PID" 2>/dev/null || { tail -20 /tmp/svc.log; fail "snap_service died: $1"; }
	[ "$(cat $SNAP_SYSFS/daemon_pid)" = "$SVC_PID" ] || fail "snap_service detached: $1"
}

# The whole kernel log from here on: 100000 netlink requests log more
# than the ring buffer holds, and a report must not scroll away.
started_us=$(awk '{ printf "%d", $1 * 1000000 }' /proc/uptime)
cat /dev/kmsg >/tmp/kmsg.log 2>/dev/null &
KMSG_PID=$!

rm -f /tmp/abifuzz.stop /tmp/fio.fail /tmp/svc.log
snap_no_nvme
snap_load_std mempool_size_mb=64
snap_need_family
# A host driver on PF 0 only: the fuzzer's controllers elsewhere come and go,
# and a driver bound to them (the debug kernel's built-in nvme binds what it
# can) would test its own timeout and reset paths rather than snap.
for _f in $SNAP_SYSFS/functions/*; do
	[ "${_f##*/}" = SNAPSIM00000NVMES1D0F0 ] && continue
	_b=$(cat "$_f/bdf" 2>/dev/null)
	[ -n "$_b" ] || continue
	echo abifuzz_no_host >/sys/bus/pci/devices/$_b/driver_override
	[ -e /sys/bus/pci/devices/$_b/driver ] && echo "$_b" >/sys/bus/pci/devices/$_b/driver/unbind
done
[ -w $KMEMLEAK ] && leaks_before=$(leaks)
snap_svc_start
snapadm_run bdev_malloc_create 32 4096 -b $FZ_BDEV
snap_nvme_ctrl $FZ_NQN $FZ_CTRL 0 $FZ_BDEV
snap_nvme_bind 0

# fio with verification on PF 0 for as long as the daemon is attached:
# short write-then-verify runs one after another, each failure recorded.
(
	runs=0
	while [ ! -e /tmp/abifuzz.stop ]; do
		fio --name=keep --filename="$NVME_NS" --ioengine=libaio --direct=1 \
			--rw=randwrite --bs=4k --iodepth=8 --size=4M --verify=crc32c \
			--verify_fatal=1 --output=/tmp/fio.run >/dev/null 2>&1
		rc=$?
		[ $rc -eq 0 ] || { cat /tmp/fio.run; echo "fio exit $rc"; } >>/tmp/fio.fail
		grep -q "err= 0" /tmp/fio.run || cat /tmp/fio.run >>/tmp/fio.fail
		runs=$((runs + 1))
		echo $runs >/tmp/fio.runs
	done
) &
FIO_PID=$!

log "# phase 1: snap_service attached, fio verify on PF 0 ($NVME_NS), $OPS operations per mode"
fuzz --exclude $FZ_CTRL --exclude $FZ_NQN --exclude $FZ_BDEV netlink
svc_alive "after the netlink run"
fuzz uring
fuzz ioctl
svc_alive "after the ioctl run"
stop_loops
[ ! -s /tmp/fio.fail ] || { head -40 /tmp/fio.fail; fail "fio on PF 0 failed while fuzzed"; }
runs=$(cat /tmp/fio.runs 2>/dev/null)
[ "${runs:-0}" -gt 0 ] || fail "fio on PF 0 never completed a run"
log "fio verify on PF 0: $runs runs, no verify error"
snapadm nvme_controller_list 2>&1 | grep -q $FZ_CTRL || fail "$FZ_CTRL is gone"

log "# phase 2: snap_service stopped, the fuzzer is the daemon; the nvme driver keeps reading PF 0"
rm -f /tmp/abifuzz.stop
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
SVC_PID=""
wait_for $SNAP_SYSFS/daemon_pid '^0$' 10 || fail "snap_service did not detach"
# I/O the host keeps queueing; errors are expected, the kernel's survival is
# the point. No command may time out meanwhile: the 6.1 nvme driver's
# timeout handler and a later reset make lockdep report the driver's own
# locks (nvme_sync_io_queues against timeout_work) in the debug lane. The
# host is reset deliberately once a daemon serves again.
echo 600000 >/sys/block/${NVME_NS#/dev/}/queue/io_timeout
(
	while [ ! -e /tmp/abifuzz.stop ]; do
		fio --name=load --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randread \
			--bs=4k --iodepth=4 --size=4M --runtime=5 >/dev/null 2>&1 || sleep 1
	done
) &
LOAD_PID=$!
# Attached, data-path operations must get past the attach check and the
# argument checks, or this phase tests nothing.
dp_accepted() {
	sed -n 's/.* \([0-9]*\) data-path operations accepted$/\1/p' /tmp/abifuzz.out
}
fuzz --attach ioctl
[ "$(dp_accepted)" -gt 0 ] || fail "attached, no data-path ioctl was accepted"
fuzz --attach uring
[ "$(dp_accepted)" -gt 0 ] || fail "attached, no data-path uring_cmd was accepted"

# A new daemon takes the host's commands over, and a reset the queues the
# fuzzer changed; then everything goes.
snap_svc_start
touch /tmp/abifuzz.stop
[ -e /sys/class/nvme/$NVME_CTRL/reset_controller ] &&
	echo 1 >/sys/class/nvme/$NVME_CTRL/reset_controller 2>/dev/null
stop_loops
# The reader goes first: the cleanups wait for every background job.
kill "$KMSG_PID"
wait "$KMSG_PID" 2>/dev/null
KMSG_PID=""
snap_nvme_cleanup
snapadm_run nvme_controller_destroy --ctrl $FZ_CTRL
snapadm_run nvme_namespace_destroy --nqn $FZ_NQN --nsid 1
snapadm_run nvme_subsystem_destroy --nqn $FZ_NQN
snapadm_run bdev_malloc_delete $FZ_BDEV
rmmod snap || fail "snap.ko does not unload after the fuzzing"

# What the reader saw, and what came since (the teardown's few lines).
bad=$( (awk -F';' -v t0="$started_us" '{ split($1, h, ","); if (h[3] >= t0) print $2 }' \
	/tmp/kmsg.log; dmesg) | grep -E "$BAD" | head -n 10)
[ -z "$bad" ] || { echo "$bad"; fail "the kernel reported a problem"; }
if [ -w $KMEMLEAK ]; then
	sleep 6		# kmemleak reports objects older than 5 s
	leaks_after=$(leaks)
	[ "$leaks_after" -le "$leaks_before" ] ||
		{ head -60 $KMEMLEAK; fail "kmemleak: $leaks_before suspects before, $leaks_after after"; }
	log "kmemleak: no new suspects ($leaks_after)"
fi
log "kernel log: $(wc -l </tmp/kmsg.log) lines, no BUG, WARNING, Oops, KASAN, general protection, lockdep or kmemleak line"
exit 0
