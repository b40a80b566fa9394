#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A controller destroyed on a live function: with the host enabled and a command in flight, the host sees CSTS.CFS with RDY 0, and the function's queues, in-flight slots and the daemon's engine area are cleared; created again on the same function with the same NQN, it enables after the host's reset and a new daemon has nothing of the old controller to replay. A namespace created again under the same NQN and NSID gets another uuid (the NGUID the host sees).
. ./lib.sh

trap snap_dp_cleanup EXIT
snap_dp_setup

snap_dptest ctrl-gone "$bdf" "$fid" NVMeCtrl0 $NQN >/tmp/dp_gone.tap 2>&1
rc=$?
cat /tmp/dp_gone.tap
log "summary: $(tap_summary /tmp/dp_gone.tap)"
[ "$rc" -eq 0 ] || fail "snap_dptest ctrl-gone: $(tap_summary /tmp/dp_gone.tap) (exit $rc)"

ns_uuid() {
	snapadm nvme_namespace_list | tr -d ' \n' | grep -o '"uuid":"[^"]*"' | cut -d'"' -f4
}
snapadm_run bdev_null_create Null0 1 512
snapadm_run bdev_null_create Null1 1 512
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name Null0 --nsid 1
u1=$(ns_uuid)
snapadm_run nvme_namespace_destroy --nqn $NQN --nsid 1
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name Null1 --nsid 1
u2=$(ns_uuid)
log "nsid 1 on Null0: uuid $u1; created again on Null1: uuid $u2"
[ -n "$u1" ] && [ -n "$u2" ] || fail "no uuid in nvme_namespace_list"
[ "$u1" != "$u2" ] || fail "namespace created again under $NQN nsid 1 kept uuid $u1"
snapadm_run nvme_namespace_destroy --nqn $NQN --nsid 1
snapadm_run bdev_null_delete Null0
snapadm_run bdev_null_delete Null1

snap_testhost_unbind "$bdf"
bdf=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_subsystem_destroy --nqn $NQN
snap_unload
exit $KSFT_PASS
