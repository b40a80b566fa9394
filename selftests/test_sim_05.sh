#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Daemon takeover: a uring_cmd daemon process is SIGKILLed with a WAIT pending and a command fetched but not completed; the attachment is released (the kernel ends the dead task's WAIT), the controller stays ready, a new daemon finds the in-flight record and the queue state in fn_state, completes the command and serves new ones.
. ./lib.sh

NQN=nqn.2023-05.io.nvda.nvme:dp
VUID=SNAPSIM00000NVMES1D0F0
bdf=""
cleanup() {
	[ -n "$bdf" ] && snap_testhost_unbind "$bdf"
	if snap_loaded; then
		snapadm nvme_controller_destroy --ctrl NVMeCtrl0 >/dev/null 2>&1
		snapadm nvme_subsystem_destroy --nqn $NQN >/dev/null 2>&1
	fi
	snap_cleanup
}
trap cleanup EXIT

grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"
[ -f $SNAP_TESTHOST_KO ] || skip "snap_testhost.ko is not in the guest"
command -v snap_dptest >/dev/null || skip "snap_dptest is not built"
missing=$(snapadm_missing nvme_subsystem_create nvme_controller_create \
	nvme_controller_destroy nvme_subsystem_destroy)
[ -z "$missing" ] || skip "snapadm lacks: $missing"

snap_no_nvme
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
	nvme_emulation_num_msix=4 mempool_size_mb=64
bdf=$(cat $SNAP_SYSFS/functions/$VUID/bdf)
fid=$(cat $SNAP_SYSFS/functions/$VUID/vhca_id)
[ -n "$bdf" ] && [ -n "$fid" ] || fail "$VUID: no bdf or function id in sysfs"
log "$VUID is $bdf, function id $fid"

snapadm_run nvme_subsystem_create --nqn $NQN
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0
snap_testhost_bind "$bdf"

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
