#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bursts of 3000 objects (1000 null bdevs, subsystems and namespaces through one snapadm -b file) while snap_service runs: with its default events buffer no event is lost; with a buffer far too small (SNAP_EVENTS_RCVBUF_KB=64) and the daemon stopped during the create batch, events are lost and the daemon's reload still ends with every bdev and namespace realized and reported ready. Both rounds follow the destroy batch too.
. ./lib.sh

trap snap_nvme_teardown EXIT

snap_nvme_start 1

N=1000
snap_scale_batches $N burst /tmp/burst.create /tmp/burst.destroy

count_ready() {	# LISTCMD: objects the daemon reported ready
	snapadm -j "$1" 2>/dev/null | grep -o '"ready": *true' | wc -l
}

# burst ROUND [stopped]: create (with the daemon stopped meanwhile, so that
# its events pile up unread), wait until all are ready, destroy.
burst() {
	[ "$2" = stopped ] && kill -STOP "$SVC_PID"
	snapadm -b /tmp/burst.create >/tmp/burst.out 2>&1
	_rc=$?
	[ "$2" = stopped ] && kill -CONT "$SVC_PID"
	[ $_rc = 0 ] || fail "$1: create batch: $(tail -3 /tmp/burst.out)"
	n=0
	while [ $n -lt 300 ]; do
		b=$(count_ready bdev_list)
		s=$(count_ready nvme_namespace_list)
		[ "$b" -ge $N ] && [ "$s" -ge $N ] && break
		sleep 0.1
		n=$((n + 1))
	done
	[ "$b" -ge $N ] && [ "$s" -ge $N ] ||
		{ grep -v "info:" /tmp/svc.log | tail -20; fail "$1: ready: $b bdevs and $s namespaces of $N"; }
	snapadm -b /tmp/burst.destroy >/tmp/burst.out 2>&1 ||
		fail "$1: destroy batch: $(tail -3 /tmp/burst.out)"
	kill -0 "$SVC_PID" || fail "$1: snap_service died"
	[ "$(snapadm -j bdev_list 2>/dev/null | grep -o 'burst[0-9]*' | wc -l)" = 0 ] ||
		fail "$1: bdevs left: $(snapadm bdev_list | head -5)"
}

burst "default buffer"
grep -q "events were lost" /tmp/svc.log &&
	fail "the daemon lost events: $(grep -c 'events were lost' /tmp/svc.log) reload(s)"
log "default buffer: $N bdevs and $N namespaces reported ready, no event lost"

kill "$SVC_PID"
wait "$SVC_PID"
wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10 || fail "the daemon did not detach"
: >/tmp/svc.log
export SNAP_EVENTS_RCVBUF_KB=64
snap_svc_start
unset SNAP_EVENTS_RCVBUF_KB
# A 64 KiB buffer overflows when the daemon keeps up with no burst at all
# (as on a slow kernel): stopped during the create batch, it cannot.
burst "64 KiB buffer" stopped
lost=$(grep -c "events were lost" /tmp/svc.log)
[ "$lost" -gt 0 ] || fail "a 64 KiB buffer lost no event: the reload went untested"
log "64 KiB buffer: events lost $lost time(s), all $N bdevs and namespaces still reported ready"
exit 0
