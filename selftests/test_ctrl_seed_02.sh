#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The virtio-blk variant of the seed's example with snapadm: create on PF 0 with a bdev, modify, detach and re-attach the bdev, destroy; each step shows in snapadm's JSON lists, sysfs, the raw dumps and snapadm monitor.
. ./lib.sh

mon=""
cleanup() {
	[ -n "$mon" ] && kill "$mon" 2>/dev/null
	wait 2>/dev/null
	snap_cleanup
}
trap cleanup EXIT

need="bdev_malloc_create bdev_malloc_delete bdev_null_create bdev_null_delete bdev_list
virtio_blk_controller_create virtio_blk_controller_destroy virtio_blk_controller_list
virtio_blk_controller_modify virtio_blk_controller_bdev_detach virtio_blk_controller_bdev_attach
emulation_function_list monitor"
missing=$(snapadm_missing $need)
[ -z "$missing" ] || skip "snapadm lacks: $missing"

VUID=SNAPSIM00000VBLKS1D0F0
C=$SNAP_SYSFS/controllers/VblkCtrl0

snap_load internal_cpu_model=1 virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=1 \
	virtio_blk_emulation_num_msix=8
snap_need_family
# The modify below needs the function without a host driver.
snap_unbind_virtio_pci

snapadm -j monitor >/tmp/vblk.events 2>/tmp/vblk.monerr &
mon=$!
sleep 1

list() {	# list CMD FILE
	snapadm -j "$1" >"$2" 2>&1 || fail "snapadm -j $1: $(cat "$2")"
}
ev() {	# ev EVENT KEY VALUE
	grep "\"event\": *\"$1\"" /tmp/vblk.events | grep -q "\"$2\": *\"\\?$3\"\\?[,}]"
}

snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snapadm_run bdev_null_create Null0 64 512
snapadm_run virtio_blk_controller_create --pf_id 0 --bdev Malloc0 --ctrl VblkCtrl0

list virtio_blk_controller_list /tmp/vblk.list
json_has /tmp/vblk.list name VblkCtrl0 || fail "virtio_blk_controller_list -j: no VblkCtrl0: $(cat /tmp/vblk.list)"
json_has /tmp/vblk.list bdev Malloc0 || fail "virtio_blk_controller_list -j: VblkCtrl0 not on Malloc0"
json_has /tmp/vblk.list vuid $VUID || fail "virtio_blk_controller_list -j: VblkCtrl0 not on $VUID"
json_has /tmp/vblk.list num_queues 7 || fail "virtio_blk_controller_list -j: default num_queues is not num_msix-1 = 7"
json_has /tmp/vblk.list queue_size 128 || fail "virtio_blk_controller_list -j: default queue_size is not 128"
json_has /tmp/vblk.list seg_max 32 || fail "virtio_blk_controller_list -j: default seg_max is not 32"
json_has /tmp/vblk.list size_max 65536 || fail "virtio_blk_controller_list -j: default size_max is not 65536"
json_has /tmp/vblk.list serial VblkCtrl0 || fail "virtio_blk_controller_list -j: default serial is not the name"
json_has /tmp/vblk.list indirect_desc false && json_has /tmp/vblk.list force_in_order false ||
	fail "virtio_blk_controller_list -j: indirect_desc / force_in_order not off by default"
[ "$(sysfs_read $C/state)" = running ] || fail "sysfs: VblkCtrl0 state '$(sysfs_read $C/state)'"
[ "$(sysfs_read $C/bdev)" = Malloc0 ] || fail "sysfs: VblkCtrl0 bdev '$(sysfs_read $C/bdev)'"
[ "$(sysfs_read $C/function)" = $VUID ] || fail "sysfs: VblkCtrl0 function '$(sysfs_read $C/function)'"
[ "$(sysfs_read $C/num_queues)" = 7 ] || fail "sysfs: VblkCtrl0 num_queues '$(sysfs_read $C/num_queues)'"
[ "$(sysfs_read $SNAP_SYSFS/functions/$VUID/controller)" = VblkCtrl0 ] ||
	fail "sysfs: $VUID controller '$(sysfs_read $SNAP_SYSFS/functions/$VUID/controller)'"
list emulation_function_list /tmp/vblk.funcs
json_has /tmp/vblk.funcs vuid $VUID || fail "emulation_function_list -j: no $VUID"
log "created: VblkCtrl0 on $VUID with Malloc0, defaults 7 queues / 128 / 32 / 65536"

snapadm_run virtio_blk_controller_modify --ctrl VblkCtrl0 --num_queues 2 --num_msix 4
[ "$(sysfs_read $C/num_queues)" = 2 ] || fail "sysfs: num_queues '$(sysfs_read $C/num_queues)' after modify"
list virtio_blk_controller_list /tmp/vblk.list
json_has /tmp/vblk.list num_queues 2 || fail "virtio_blk_controller_list -j: num_queues not 2 after modify"
json_has /tmp/vblk.list num_msix 4 || fail "virtio_blk_controller_list -j: num_msix not 4 after modify"
out=$(snapadm virtio_blk_controller_modify --ctrl VblkCtrl0 --num_queues 4 2>&1) &&
	fail "modify to 4 queues with 4 MSI-X (3 usable) was accepted"
log "modify beyond num_msix-1 refused: $out"

snapadm_run virtio_blk_controller_bdev_detach --ctrl VblkCtrl0
[ -z "$(sysfs_read $C/bdev)" ] || fail "sysfs: bdev '$(sysfs_read $C/bdev)' after detach"
list virtio_blk_controller_list /tmp/vblk.list
json_has /tmp/vblk.list bdev Malloc0 && fail "virtio_blk_controller_list -j: still on Malloc0 after detach"
snapadm_run virtio_blk_controller_bdev_attach --ctrl VblkCtrl0 --bdev Null0
[ "$(sysfs_read $C/bdev)" = Null0 ] || fail "sysfs: bdev '$(sysfs_read $C/bdev)' after attach"
list virtio_blk_controller_list /tmp/vblk.list
json_has /tmp/vblk.list bdev Null0 || fail "virtio_blk_controller_list -j: not on Null0 after attach"
snap_nlraw snapshot >/tmp/vblk.snap || fail "snapshot failed"
obj_has /tmp/vblk.snap vblk-ctrl name=VblkCtrl0 bdev-name=Null0 num-queues=2 num-msix=4 state=1 ||
	fail "raw dump: $(grep '^vblk-ctrl' /tmp/vblk.snap)"
obj_has /tmp/vblk.snap bdev name=Null0 ctrl-name=VblkCtrl0 ||
	fail "raw dump: Null0 does not name its controller: $(grep '^bdev' /tmp/vblk.snap)"
out=$(snapadm bdev_null_delete Null0 2>&1) && fail "deleting the attached Null0 was accepted"
log "deleting an attached bdev refused: $out"

snapadm_run virtio_blk_controller_destroy --ctrl VblkCtrl0
[ -e $C ] && fail "sysfs: $C still there after destroy"
[ -z "$(sysfs_read $SNAP_SYSFS/functions/$VUID/controller)" ] || fail "sysfs: $VUID still names a controller"
snapadm_run bdev_null_delete Null0
snapadm_run bdev_malloc_delete Malloc0
for l in bdev_list virtio_blk_controller_list; do
	list $l /tmp/vblk.after
	grep -qE 'Malloc0|Null0|VblkCtrl0' /tmp/vblk.after && fail "snapadm $l still shows objects: $(cat /tmp/vblk.after)"
done
snap_nlraw snapshot >/tmp/vblk.snap2 || fail "snapshot failed"
grep -qE '^(bdev|ns|subsys|nvme-ctrl|vblk-ctrl) ' /tmp/vblk.snap2 && fail "raw dump still has objects"

sleep 1
for e in "bdev_new name Malloc0" "bdev_new name Null0" "virtio_blk_controller_new name VblkCtrl0" \
	"virtio_blk_controller_set num_queues 2" "virtio_blk_controller_set bdev Null0" \
	"virtio_blk_controller_del name VblkCtrl0" "bdev_del name Null0" "bdev_del name Malloc0"; do
	ev $e || fail "monitor: no '$e' event: $(cat /tmp/vblk.events)"
done
log "monitor: $(wc -l </tmp/vblk.events) events, each step announced"
kill "$mon"
wait "$mon" 2>/dev/null
mon=""
snap_unload
exit $KSFT_PASS
