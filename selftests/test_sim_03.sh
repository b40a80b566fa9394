#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The data path end to end: snap_dptest plays a minimal daemon on /dev/snap and, through snap_testhost.ko, the host of NVMe PF 0. The enable handshake waits for a daemon and a running controller; SQEs are fetched by DMA; 4-segment DMAs move data both ways between non-contiguous host pages and pool offsets across 2 MiB chunks; completions and MSI-X vectors (masked ones pend until unmasked) reach the host; a uring_cmd daemon takes over from a stopped ioctl one; disable, shutdown and a failed enable complete.
. ./lib.sh

trap snap_dp_cleanup EXIT
# Suspended, so the first enable must wait for the resume.
snap_dp_setup --suspended

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
