#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A controller destroyed on a live function: with the host enabled and a command in flight, the host sees CSTS.CFS with RDY 0, and the function's queues, in-flight slots and the daemon's engine area are cleared; created again on the same function with the same NQN, it enables after the host's reset and a new daemon has nothing of the old controller to replay.
. ./lib.sh

trap snap_dp_cleanup EXIT
snap_dp_setup

snap_dptest ctrl-gone "$bdf" "$fid" NVMeCtrl0 $NQN >/tmp/dp_gone.tap 2>&1
rc=$?
cat /tmp/dp_gone.tap
log "summary: $(tap_summary /tmp/dp_gone.tap)"
[ "$rc" -eq 0 ] || fail "snap_dptest ctrl-gone: $(tap_summary /tmp/dp_gone.tap) (exit $rc)"

snap_testhost_unbind "$bdf"
bdf=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_subsystem_destroy --nqn $NQN
snap_unload
exit $KSFT_PASS
