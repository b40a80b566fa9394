#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lost netlink events: snap_service is stopped (SIGSTOP) while its controller is destroyed, a bdev deleted and created again under the same name with another block size, and thousands of other events overflow its socket; a new controller takes the same function. With a 64 KiB events buffer (SNAP_EVENTS_RCVBUF_KB), resumed, the daemon sees the overflow and reloads: the destroyed controller is no longer served (no second engine on the function), the bdev is rebuilt with its new block size, and the new controller is served.
. ./lib.sh

NQN=nqn.2023-05.io.snap:resync
FLOOD=500

trap snap_nvme_teardown EXIT
# A buffer far too small for the flood below (see test_nvme_08).
export SNAP_EVENTS_RCVBUF_KB=64
snap_nvme_start 1
unset SNAP_EVENTS_RCVBUF_KB
snapadm_run bdev_null_create Null0 64 512
snapadm_run bdev_null_create Same0 64 512
snap_nvme_ctrl $NQN NVMeCtrl0 0 Null0
wait_for /tmp/svc.log "NVMeCtrl0: serving" 10 || fail "NVMeCtrl0 is not served: $(tail -5 /tmp/svc.log)"

: >/tmp/flood.batch
i=0
while [ $i -lt $FLOOD ]; do
	echo "bdev_null_create Flood$i 1 512" >>/tmp/flood.batch
	echo "bdev_null_delete Flood$i" >>/tmp/flood.batch
	i=$((i + 1))
done

kill -STOP "$SVC_PID"
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run bdev_null_delete Same0
snapadm_run bdev_null_create Same0 64 4096
snapadm -b /tmp/flood.batch >/dev/null || fail "the flood batch failed"
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl1
kill -CONT "$SVC_PID"

wait_for /tmp/svc.log "events were lost" 30 ||
	fail "no overflow after $((FLOOD * 2)) events: the test proves nothing"
wait_for /tmp/svc.log "NVMeCtrl1: serving" 30 || fail "NVMeCtrl1 is not served: $(tail -5 /tmp/svc.log)"
grep -q "NVMeCtrl0: no longer served" /tmp/svc.log ||
	fail "the destroyed NVMeCtrl0 is still served: $(grep NVMeCtrl /tmp/svc.log)"
grep -q "bdev Same0: 16384 blocks of 4096 bytes" /tmp/svc.log ||
	fail "Same0 was not rebuilt with 4096-byte blocks: $(grep Same0 /tmp/svc.log)"
kill -0 "$SVC_PID" || fail "snap_service died"
log "$(grep -E 'events were lost|NVMeCtrl|Same0' /tmp/svc.log | sed 's/^[^ ]* //')"
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl1
exit 0
