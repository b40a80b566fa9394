#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Events for a function with no controller: snap_service keeps them for the controller that may come, but no more than the latest of each kind. A host that takes and lets go of the function 20 times (bus mastering on and off: 20 function resets) leaves one event parked, replayed to the controller created afterwards.
. ./lib.sh

VUID=SNAPSIM00000NVMES1D0F0
CYCLES=20
bdf=""

parked_cleanup() {
	[ -n "$bdf" ] && snap_testhost_unbind "$bdf"
	snap_nvme_teardown
}
trap parked_cleanup EXIT
grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"
[ -f $SNAP_TESTHOST_KO ] || skip "snap_testhost.ko is not in the guest"

snap_nvme_start 1
bdf=$(sysfs_read $SNAP_SYSFS/functions/$VUID/bdf)
snap_testhost_bind "$bdf"
i=0
while [ $i -lt $CYCLES ]; do
	# Opening turns bus mastering on, closing off: a function reset.
	exec 3<>/dev/snap_testhost || fail "open /dev/snap_testhost"
	exec 3>&-
	i=$((i + 1))
done
snapadm_run bdev_null_create Null0 64 512
snap_nvme_ctrl nqn.2023-05.io.snap:parked NVMeCtrl0 0 Null0
wait_for /tmp/svc.log "NVMeCtrl0: serving" 10 || fail "NVMeCtrl0 is not served: $(tail -5 /tmp/svc.log)"
line=$(grep "NVMeCtrl0: replayed" /tmp/svc.log)
log "after $CYCLES resets: ${line#* info: }"
echo "$line" | grep -q "replayed 1 event(s)" || fail "parked events were not coalesced: '$line'"
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
exit 0
