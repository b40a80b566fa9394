#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Daemon takeover: a uring_cmd daemon process is SIGKILLed with a WAIT pending and a command fetched but not completed; the attachment is released (the kernel ends the dead task's WAIT), the controller stays ready, a new daemon finds the in-flight record and the queue state in fn_state, completes the command and serves new ones.
. ./lib.sh

trap snap_dp_cleanup EXIT
snap_dp_setup

snap_dptest takeover "$bdf" "$fid" >/tmp/dp_takeover.tap 2>&1
rc=$?
cat /tmp/dp_takeover.tap
log "summary: $(tap_summary /tmp/dp_takeover.tap)"
[ "$rc" -eq 0 ] || fail "snap_dptest takeover: $(tap_summary /tmp/dp_takeover.tap) (exit $rc)"

snap_testhost_unbind "$bdf"
bdf=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_subsystem_destroy --nqn $NQN
snap_unload
exit $KSFT_PASS
