#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The seed's NVMe "Configuration Example" runs verbatim with snapadm (Malloc0 in place of the passthru bdev); every object shows in snapadm's JSON lists, sysfs, the raw dumps and snapadm monitor, and tearing down in reverse leaves nothing.
. ./lib.sh

mon=""
cleanup() {
	[ -n "$mon" ] && kill "$mon" 2>/dev/null
	wait 2>/dev/null
	snap_cleanup
}
trap cleanup EXIT

need="bdev_malloc_create bdev_malloc_delete bdev_list nvme_subsystem_create nvme_subsystem_destroy
nvme_subsystem_list nvme_controller_create nvme_controller_destroy nvme_controller_list
nvme_namespace_create nvme_namespace_destroy nvme_namespace_list nvme_controller_attach_ns
nvme_controller_detach_ns nvme_controller_resume nvme_controller_suspend
emulation_function_list monitor"
missing=$(snapadm_missing $need)
[ -z "$missing" ] || skip "snapadm lacks: $missing"

NQN=nqn.2023-05.io.nvda.nvme:0
VUID=SNAPSIM00000NVMES1D0F0
C=$SNAP_SYSFS/controllers/NVMeCtrl0

snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=8
snap_need_family

snapadm -j monitor >/tmp/seed.events 2>/tmp/seed.monerr &
mon=$!
# Give the monitor a moment to join the events group.
sleep 1


# The seed's sequence, verbatim but for the passthru bdev.
snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snapadm_run nvme_subsystem_create --nqn $NQN
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 --suspended
[ "$(sysfs_read $C/state)" = suspended ] || fail "NVMeCtrl0 state '$(sysfs_read $C/state)' after create --suspended"
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 1
snapadm_run nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 1
snapadm_run nvme_controller_resume --ctrl NVMeCtrl0

# snapadm's JSON lists.
list() {	# list CMD FILE
	snapadm -j "$1" >"$2" 2>&1 || fail "snapadm -j $1: $(cat "$2")"
}
list bdev_list /tmp/seed.bdevs
json_has /tmp/seed.bdevs name Malloc0 || fail "bdev_list -j: no Malloc0: $(cat /tmp/seed.bdevs)"
json_has /tmp/seed.bdevs block_size 4096 || fail "bdev_list -j: Malloc0 block_size is not 4096"
json_has /tmp/seed.bdevs num_blocks 8192 || fail "bdev_list -j: Malloc0 is not 8192 blocks (32 MiB)"
list nvme_subsystem_list /tmp/seed.subsys
json_has /tmp/seed.subsys nqn $NQN || fail "nvme_subsystem_list -j: no $NQN: $(cat /tmp/seed.subsys)"
list nvme_controller_list /tmp/seed.ctrls
json_has /tmp/seed.ctrls name NVMeCtrl0 || fail "nvme_controller_list -j: no NVMeCtrl0: $(cat /tmp/seed.ctrls)"
json_has /tmp/seed.ctrls nqn $NQN || fail "nvme_controller_list -j: NVMeCtrl0 not in $NQN"
json_has /tmp/seed.ctrls state running || fail "nvme_controller_list -j: NVMeCtrl0 not running: $(cat /tmp/seed.ctrls)"
list nvme_namespace_list /tmp/seed.ns
json_has /tmp/seed.ns nsid 1 || fail "nvme_namespace_list -j: no nsid 1: $(cat /tmp/seed.ns)"
json_has /tmp/seed.ns bdev Malloc0 || fail "nvme_namespace_list -j: nsid 1 not on Malloc0"
list emulation_function_list /tmp/seed.funcs
json_has /tmp/seed.funcs vuid $VUID || fail "emulation_function_list -j: no $VUID: $(cat /tmp/seed.funcs)"
json_has /tmp/seed.funcs ctrl_id NVMeCtrl0 || log "note: emulation_function_list -j does not name NVMeCtrl0 on $VUID"
log "snapadm -j lists: Malloc0, $NQN, NVMeCtrl0 (running), nsid 1, $VUID"

# sysfs.
[ "$(sysfs_read $C/state)" = running ] || fail "sysfs: NVMeCtrl0 state '$(sysfs_read $C/state)' after resume"
[ "$(sysfs_read $C/nqn)" = $NQN ] || fail "sysfs: NVMeCtrl0 nqn '$(sysfs_read $C/nqn)'"
[ "$(sysfs_read $C/function)" = $VUID ] || fail "sysfs: NVMeCtrl0 function '$(sysfs_read $C/function)'"
[ "$(sysfs_read $C/type)" = nvme ] || fail "sysfs: NVMeCtrl0 type '$(sysfs_read $C/type)'"
[ "$(sysfs_read $C/num_queues)" = 8 ] || fail "sysfs: NVMeCtrl0 num_queues '$(sysfs_read $C/num_queues)', expected the function's 8 MSI-X"
sysfs_read $C/namespaces | grep -qw 1 || fail "sysfs: NVMeCtrl0 namespaces '$(sysfs_read $C/namespaces)'"
[ "$(sysfs_read $SNAP_SYSFS/functions/$VUID/controller)" = NVMeCtrl0 ] ||
	fail "sysfs: $VUID controller '$(sysfs_read $SNAP_SYSFS/functions/$VUID/controller)'"
log "sysfs: NVMeCtrl0 running on $VUID in $NQN with namespace 1"

# The raw dumps agree.
snap_nlraw snapshot >/tmp/seed.snap || fail "snapshot failed"
obj_has /tmp/seed.snap bdev name=Malloc0 num-blocks=8192 block-size=4096 bdev-type=1 ||
	fail "raw dump: Malloc0: $(grep '^bdev' /tmp/seed.snap)"
obj_has /tmp/seed.snap ns nqn=$NQN nsid=1 bdev-name=Malloc0 ctrl-name=NVMeCtrl0 ||
	fail "raw dump: namespace: $(grep '^ns' /tmp/seed.snap)"
obj_has /tmp/seed.snap nvme-ctrl name=NVMeCtrl0 nqn=$NQN state=1 nsids=[1] ||
	fail "raw dump: NVMeCtrl0: $(grep '^nvme-ctrl' /tmp/seed.snap)"
obj_has /tmp/seed.snap subsys nqn=$NQN nsids=[1] ctrls=[NVMeCtrl0] ||
	fail "raw dump: subsystem: $(grep '^subsys' /tmp/seed.snap)"

# snapadm monitor saw every object being made.
sleep 1
ev() {	# ev EVENT KEY VALUE: a line of the monitor with that event and field
	grep "\"event\": *\"$1\"" /tmp/seed.events | grep -q "\"$2\": *\"\\?$3\"\\?[,}]"
}
ev bdev_new name Malloc0 || fail "monitor: no bdev_new for Malloc0: $(cat /tmp/seed.events)"
ev subsystem_new nqn $NQN || fail "monitor: no subsystem_new for $NQN"
ev nvme_controller_new name NVMeCtrl0 || fail "monitor: no nvme_controller_new for NVMeCtrl0"
ev namespace_new nsid 1 || fail "monitor: no namespace_new for nsid 1"
grep '"event": *"nvme_controller_set"' /tmp/seed.events | grep -q '"state": *"running"' ||
	fail "monitor: no nvme_controller_set with state running after resume: $(cat /tmp/seed.events)"
# A link changes both ends: each end is announced.
grep '"event": *"bdev_set"' /tmp/seed.events | grep -q '"nsid": *1' ||
	fail "monitor: Malloc0 backing nsid 1 was not announced as bdev_set"
grep '"event": *"subsystem_set"' /tmp/seed.events | grep -q '"NVMeCtrl0"' ||
	fail "monitor: NVMeCtrl0 joining the subsystem was not announced as subsystem_set"
grep '"event": *"namespace_set"' /tmp/seed.events | grep -q '"NVMeCtrl0"' ||
	fail "monitor: nsid 1 attached to NVMeCtrl0 was not announced as namespace_set"
log "monitor: $(wc -l </tmp/seed.events) events while building"

# Tear down in reverse.
snapadm_run nvme_controller_suspend --ctrl NVMeCtrl0
[ "$(sysfs_read $C/state)" = suspended ] || fail "sysfs: NVMeCtrl0 state '$(sysfs_read $C/state)' after suspend"
snapadm_run nvme_controller_detach_ns --ctrl NVMeCtrl0 --nsid 1
sysfs_read $C/namespaces | grep -qw 1 && fail "sysfs: namespace 1 still attached after detach"
snapadm_run nvme_namespace_destroy --nqn $NQN --nsid 1
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
[ -e $C ] && fail "sysfs: $C still there after destroy"
[ -z "$(sysfs_read $SNAP_SYSFS/functions/$VUID/controller)" ] || fail "sysfs: $VUID still names a controller"
snapadm_run nvme_subsystem_destroy --nqn $NQN
snapadm_run bdev_malloc_delete Malloc0

for l in bdev_list nvme_subsystem_list nvme_controller_list nvme_namespace_list; do
	list $l /tmp/seed.after
	grep -qE 'Malloc0|NVMeCtrl0|nvda' /tmp/seed.after && fail "snapadm $l still shows objects: $(cat /tmp/seed.after)"
done
snap_nlraw snapshot >/tmp/seed.snap2 || fail "snapshot failed"
grep -qE '^(bdev|ns|subsys|nvme-ctrl|vblk-ctrl) ' /tmp/seed.snap2 && fail "raw dump still has objects: $(grep -vE '^(emu|func) ' /tmp/seed.snap2)"
sleep 1
for e in "nvme_controller_del name NVMeCtrl0" "namespace_del nsid 1" "subsystem_del nqn $NQN" "bdev_del name Malloc0"; do
	ev $e || fail "monitor: no $e event: $(cat /tmp/seed.events)"
done
log "teardown: everything gone from snapadm, sysfs and the dumps; monitor saw each destroy"
kill "$mon"
wait "$mon" 2>/dev/null
mon=""
[ -s /tmp/seed.monerr ] && log "monitor stderr: $(cat /tmp/seed.monerr)"
snap_unload
exit $KSFT_PASS
