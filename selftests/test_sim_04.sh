#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad data-path input: with a controller enabled through the handshake, every malformed SNAP_IOC_DMA, POST_CQE, RAISE_IRQ, QUEUE_CREATE/DELETE, WAIT, CTRL_DONE and POOL_GROW argument (by ioctl and by uring_cmd) is refused with EINVAL and writes nothing to host memory, the pool, the CQ or fn_state, and raises no interrupt; a file that is not the attached daemon's gets ENOTCONN for every operation; DMA and interrupts of PF 1, which no driver enabled, fail with EIO; DMA into a pool chunk not made resident fails with EINVAL until it is grown; the sim's IOMMU refuses (EIO, counted in dma_faults) a DMA to RAM the host never mapped for the function, a write to a page mapped only to the device, a write that runs from a mapped page into one the host did not map (refused whole: the mapped page is not written either), and any access after the host unmapped it, leaving the page unchanged, or after it freed a coherent page it had allocated. Control cases show each refused request is otherwise valid.
. ./lib.sh

trap snap_dp_cleanup EXIT
snap_dp_setup

# PF 1 stays without a driver: its DMA and interrupts must fail with EIO.
fid1=$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D1F0/vhca_id)
snap_dptest badinput "$bdf" "$fid" "$fid1" >/tmp/dp_bad.tap 2>&1
rc=$?
cat /tmp/dp_bad.tap
log "summary: $(tap_summary /tmp/dp_bad.tap)"
[ "$rc" -eq 0 ] || fail "snap_dptest badinput: $(tap_summary /tmp/dp_bad.tap) (exit $rc)"
faults=$(cat $SNAP_SYSFS/functions/$VUID/dma_faults)
[ "$faults" -gt 0 ] || fail "dma_faults is '$faults' after DMAs the host never mapped"
log "$VUID: $faults DMA(s) refused by the host's mappings (sysfs dma_faults)"

snap_testhost_unbind "$bdf"
bdf=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_subsystem_destroy --nqn $NQN
snap_unload
exit $KSFT_PASS
