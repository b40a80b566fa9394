#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The data path end to end: snap_dptest plays a minimal daemon on /dev/snap and, through snap_testhost.ko, the host of NVMe PF 0. The enable handshake waits for a daemon and a running controller; SQEs are fetched by DMA; 4-segment DMAs move data both ways between non-contiguous host pages and pool offsets across 2 MiB chunks; completions and MSI-X vectors (masked ones pend until unmasked) reach the host; a uring_cmd daemon takes over from a stopped ioctl one; disable, shutdown and a failed enable complete.
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
	nvme_controller_resume nvme_controller_destroy nvme_subsystem_destroy)
[ -z "$missing" ] || skip "snapadm lacks: $missing"

snap_no_nvme
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
	nvme_emulation_num_msix=4 mempool_size_mb=64
bdf=$(cat $SNAP_SYSFS/functions/$VUID/bdf)
fid=$(cat $SNAP_SYSFS/functions/$VUID/vhca_id)
[ -n "$bdf" ] && [ -n "$fid" ] || fail "$VUID: no bdf or function id in sysfs"
log "$VUID is $bdf, function id $fid"

# Suspended, so the first enable must wait for the resume.
snapadm_run nvme_subsystem_create --nqn $NQN
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 --suspended
snap_testhost_bind "$bdf"

snap_dptest e2e "$bdf" "$fid" NVMeCtrl0 >/tmp/dp_e2e.tap 2>&1
rc=$?
cat /tmp/dp_e2e.tap
log "summary: $(tap_summary /tmp/dp_e2e.tap)"
grep -q "^ok .* test host on $bdf: 4 MSI-X vectors" /tmp/dp_e2e.tap ||
	fail "the test host did not get the function's 4 MSI-X vectors"
drv=$(basename "$(readlink /sys/bus/pci/devices/$bdf/driver)")
[ "$drv" = snap_testhost ] || fail "$bdf is bound to '$drv', not snap_testhost"
[ "$rc" -eq 0 ] || fail "snap_dptest e2e: $(tap_summary /tmp/dp_e2e.tap) (exit $rc)"

snap_testhost_unbind "$bdf"
bdf=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_subsystem_destroy --nqn $NQN
snap_unload
exit $KSFT_PASS
