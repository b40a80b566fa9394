#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A burst of 3000 objects (1000 null bdevs, subsystems and namespaces through one snapadm -b file) while snap_service runs: the daemon follows every event without losing any, realizes and reports every bdev and namespace ready, and follows the destroy batch too.
. ./lib.sh

trap snap_nvme_teardown EXIT

snap_nvme_start 1

N=1000
: >/tmp/burst.create
: >/tmp/burst.destroy
i=0
while [ $i -lt $N ]; do
	nqn=nqn.2023-05.io.snap:burst$i
	echo "bdev_null_create Null$i 1 512" >>/tmp/burst.create
	echo "nvme_subsystem_create --nqn $nqn" >>/tmp/burst.create
	echo "nvme_namespace_create --nqn $nqn --bdev_name Null$i --nsid 1" >>/tmp/burst.create
	echo "nvme_namespace_destroy --nqn $nqn --nsid 1" >>/tmp/burst.destroy
	echo "nvme_subsystem_destroy --nqn $nqn" >>/tmp/burst.destroy
	echo "bdev_null_delete Null$i" >>/tmp/burst.destroy
	i=$((i + 1))
done

count_ready() {	# LISTCMD: objects the daemon reported ready
	snapadm -j "$1" 2>/dev/null | grep -o '"ready": *true' | wc -l
}

snapadm -b /tmp/burst.create >/tmp/burst.out 2>&1 || fail "create batch: $(tail -3 /tmp/burst.out)"
n=0
while [ $n -lt 300 ]; do
	b=$(count_ready bdev_list)
	s=$(count_ready nvme_namespace_list)
	[ "$b" -ge $N ] && [ "$s" -ge $N ] && break
	sleep 0.1
	n=$((n + 1))
done
[ "$b" -ge $N ] && [ "$s" -ge $N ] ||
	{ grep -v "info:" /tmp/svc.log | tail -20; fail "ready: $b bdevs and $s namespaces of $N"; }
grep -q "events were lost" /tmp/svc.log &&
	fail "the daemon lost events: $(grep -c 'events were lost' /tmp/svc.log) reload(s)"
log "$N bdevs and $N namespaces reported ready, no event lost"

snapadm -b /tmp/burst.destroy >/tmp/burst.out 2>&1 || fail "destroy batch: $(tail -3 /tmp/burst.out)"
sleep 1
grep -q "events were lost" /tmp/svc.log && fail "the daemon lost events while destroying"
kill -0 "$SVC_PID" || fail "snap_service died"
[ "$(snapadm -j bdev_list 2>/dev/null | grep -o 'Null[0-9]*' | wc -l)" = 0 ] ||
	fail "bdevs left: $(snapadm bdev_list | head -5)"
log "destroyed, daemon still serving"
exit 0
