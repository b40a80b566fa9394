#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad data-path input: with a controller enabled through the handshake, every malformed SNAP_IOC_DMA, POST_CQE, RAISE_IRQ, QUEUE_CREATE/DELETE, WAIT and CTRL_DONE argument (by ioctl and by uring_cmd) is refused with EINVAL and writes nothing to host memory, the pool, the CQ or fn_state, and raises no interrupt; a file that is not the attached daemon's gets ENOTCONN for every operation; DMA and interrupts of PF 1, which no driver enabled, fail with EIO. Control cases show each refused request is otherwise valid.
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

# PF 1 stays without a driver: its DMA and interrupts must fail with EIO.
fid1=$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D1F0/vhca_id)
snap_dptest badinput "$bdf" "$fid" "$fid1" >/tmp/dp_bad.tap 2>&1
rc=$?
cat /tmp/dp_bad.tap
log "summary: $(tap_summary /tmp/dp_bad.tap)"
[ "$rc" -eq 0 ] || fail "snap_dptest badinput: $(tap_summary /tmp/dp_bad.tap) (exit $rc)"

snap_testhost_unbind "$bdf"
bdf=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_subsystem_destroy --nqn $NQN
snap_unload
exit $KSFT_PASS
