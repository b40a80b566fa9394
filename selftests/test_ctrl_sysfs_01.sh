#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# sysfs (Documentation/ABI/testing/sysfs-class-snap) shows every function (vuid type kind pf_index vf_index num_msix vhca_id controller) and every controller with values that match the parameters and the netlink dumps.
. ./lib.sh
trap snap_cleanup EXIT

# 2 NVMe PFs (8 MSI-X) with 2 VFs each (4), 2 virtio-blk PFs (6) with 3 VFs
# each (2): 6 + 8 = 14 functions.
snap_load internal_cpu_model=1 sriov_en=1 \
	nvme_emulation_enable=1 nvme_emulation_num_pf=2 nvme_emulation_num_msix=8 \
	nvme_emulation_num_vf=2 nvme_emulation_num_vf_msix=4 \
	virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=2 \
	virtio_blk_emulation_num_msix=6 virtio_blk_emulation_num_vf=3 \
	virtio_blk_emulation_num_vf_msix=2
snap_need_family
[ -d $SNAP_SYSFS ] || fail "no $SNAP_SYSFS"
[ "$(sysfs_read $SNAP_SYSFS/provider)" = sim ] || fail "provider is '$(sysfs_read $SNAP_SYSFS/provider)'"
[ "$(sysfs_read $SNAP_SYSFS/num_functions)" = 14 ] ||
	fail "num_functions is '$(sysfs_read $SNAP_SYSFS/num_functions)', expected 14"
[ "$(sysfs_read $SNAP_SYSFS/daemon_pid)" = 0 ] || fail "daemon_pid is '$(sysfs_read $SNAP_SYSFS/daemon_pid)'"
n=$(ls $SNAP_SYSFS/functions | wc -l)
[ "$n" = 14 ] || fail "$n folders in functions/, expected 14: $(ls $SNAP_SYSFS/functions)"
snap_nlraw snapshot >/tmp/sysfs.snap || fail "snapshot failed"

# check_func TYPE_NAME TYPE_RE PF VF(-1 for a PF) NUM_MSIX
check_func() {
	if [ "$4" = -1 ]; then f=0 kind_re='static_pf'; else f=$(($4 + 1)) kind_re='vf'; fi
	vuid=SNAPSIM00000$1S1D$3F$f
	d=$SNAP_SYSFS/functions/$vuid
	[ -d "$d" ] || fail "no $d"
	for a in vuid type kind pf_index vf_index num_msix vhca_id controller; do
		[ -e "$d/$a" ] || fail "$vuid: no attribute $a"
	done
	[ "$(cat $d/vuid)" = "$vuid" ] || fail "$vuid: vuid reads '$(cat $d/vuid)'"
	cat $d/type | grep -qxE "$2" || fail "$vuid: type '$(cat $d/type)' is not $2"
	cat $d/kind | grep -qxE "$kind_re" || fail "$vuid: kind '$(cat $d/kind)' is not $kind_re"
	[ "$(cat $d/pf_index)" = "$3" ] || fail "$vuid: pf_index '$(cat $d/pf_index)', expected $3"
	[ "$(cat $d/vf_index)" = "$4" ] || fail "$vuid: vf_index '$(cat $d/vf_index)', expected $4"
	[ "$(cat $d/num_msix)" = "$5" ] || fail "$vuid: num_msix '$(cat $d/num_msix)', expected $5"
	vhca=$(cat $d/vhca_id)
	case $vhca in ''|*[!0-9]*) fail "$vuid: vhca_id '$vhca' is not a number" ;; esac
	[ -z "$(cat $d/controller)" ] || fail "$vuid: controller '$(cat $d/controller)' before any was created"
	echo "$vhca" >>/tmp/sysfs.vhca
	# The same function through netlink.
	line=$(grep "^func .* vuid=$vuid\( \|$\)" /tmp/sysfs.snap)
	[ -n "$line" ] || fail "$vuid is not in the func-get dump"
	if [ "$4" = -1 ]; then
		echo "$line" | grep -q " vf-id=" && fail "$vuid: a PF with a vf-id in the dump: $line"
		vf=""
	else
		vf="vf-id=$4"
	fi
	obj_has /tmp/sysfs.snap func vuid=$vuid pf-id=$3 $vf num-msix=$5 vhca-id=$vhca ||
		fail "$vuid: the dump differs from sysfs (pf $3 vf $4 msix $5 vhca $vhca): $line"
}

rm -f /tmp/sysfs.vhca
for pf in 0 1; do
	check_func NVME nvme $pf -1 8
	for vf in 0 1; do check_func NVME nvme $pf $vf 4; done
	check_func VBLK virtio_blk $pf -1 6
	for vf in 0 1 2; do check_func VBLK virtio_blk $pf $vf 2; done
done
[ "$(sort -u /tmp/sysfs.vhca | wc -l)" = 14 ] || fail "vhca_id values are not unique: $(tr '\n' ' ' </tmp/sysfs.vhca)"
log "14 functions: vuid type kind pf_index vf_index num_msix vhca_id controller ok, matching the dump"

# Controllers: created through raw netlink, seen in sysfs.
nqn=nqn.2023-05.io.snap:sysfs
req() {
	snap_nlraw req "$@" >/tmp/sysfs.req || fail "snap_nlraw req $*: $(cat /tmp/sysfs.req)"
}
req bdev-new name=Malloc0 bdev-type=1 num-blocks=2048 block-size=512
req bdev-new name=Null0 bdev-type=0 num-blocks=2048 block-size=4096
req subsys-new nqn=$nqn
req ns-new nqn=$nqn nsid=1 bdev-name=Malloc0
req nvme-ctrl-new name=NVMeCtrl5 nqn=$nqn pf-id=1 vf-id=1 num-queues=3
req nvme-ctrl-attach-ns name=NVMeCtrl5 nsid=1
req vblk-ctrl-new name=VblkCtrl5 vuid=SNAPSIM00000VBLKS1D1F3 bdev-name=Null0 num-queues=1

c=$SNAP_SYSFS/controllers/NVMeCtrl5
[ -d $c ] || fail "no $c"
for a in type state nqn function num_queues name namespaces; do
	[ -e $c/$a ] || fail "NVMeCtrl5: no attribute $a"
done
[ "$(cat $c/name)" = NVMeCtrl5 ] || fail "NVMeCtrl5: name '$(cat $c/name)'"
[ "$(cat $c/type)" = nvme ] || fail "NVMeCtrl5: type '$(cat $c/type)'"
[ "$(cat $c/state)" = running ] || fail "NVMeCtrl5: state '$(cat $c/state)', expected running"
[ "$(cat $c/nqn)" = $nqn ] || fail "NVMeCtrl5: nqn '$(cat $c/nqn)'"
[ "$(cat $c/function)" = SNAPSIM00000NVMES1D1F2 ] || fail "NVMeCtrl5: function '$(cat $c/function)'"
[ "$(cat $c/num_queues)" = 3 ] || fail "NVMeCtrl5: num_queues '$(cat $c/num_queues)'"
[ "$(cat $c/namespaces | tr -s ' \n,' ' ' | sed 's/ $//')" = 1 ] || fail "NVMeCtrl5: namespaces '$(cat $c/namespaces)'"
[ "$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D1F2/controller)" = NVMeCtrl5 ] ||
	fail "function SNAPSIM00000NVMES1D1F2: controller '$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D1F2/controller)'"
req nvme-ctrl-set name=NVMeCtrl5 state=0
[ "$(cat $c/state)" = suspended ] || fail "NVMeCtrl5: state '$(cat $c/state)' after suspend"

v=$SNAP_SYSFS/controllers/VblkCtrl5
[ -d $v ] || fail "no $v"
for a in type state nqn function num_queues name bdev; do
	[ -e $v/$a ] || fail "VblkCtrl5: no attribute $a"
done
cat $v/type | grep -qx virtio_blk || fail "VblkCtrl5: type '$(cat $v/type)'"
[ "$(cat $v/bdev)" = Null0 ] || fail "VblkCtrl5: bdev '$(cat $v/bdev)'"
[ -z "$(cat $v/nqn)" ] || fail "VblkCtrl5: nqn '$(cat $v/nqn)', expected empty for virtio-blk"
[ -z "$(cat $c/bdev 2>/dev/null)" ] || fail "NVMeCtrl5: bdev '$(cat $c/bdev)', expected empty for NVMe"
[ "$(cat $v/function)" = SNAPSIM00000VBLKS1D1F3 ] || fail "VblkCtrl5: function '$(cat $v/function)'"
[ "$(cat $v/num_queues)" = 1 ] || fail "VblkCtrl5: num_queues '$(cat $v/num_queues)'"
[ "$(cat $SNAP_SYSFS/functions/SNAPSIM00000VBLKS1D1F3/controller)" = VblkCtrl5 ] ||
	fail "function SNAPSIM00000VBLKS1D1F3: controller '$(cat $SNAP_SYSFS/functions/SNAPSIM00000VBLKS1D1F3/controller)'"
req vblk-ctrl-detach-bdev name=VblkCtrl5
[ -z "$(cat $v/bdev)" ] || fail "VblkCtrl5: bdev '$(cat $v/bdev)' after detach"
log "controllers: NVMeCtrl5 and VblkCtrl5 attributes ok"

# Destroyed: the folders go, the functions forget them.
req nvme-ctrl-del name=NVMeCtrl5
req vblk-ctrl-del name=VblkCtrl5
[ -e $c ] && fail "$c still there after destroy"
[ -e $v ] && fail "$v still there after destroy"
[ -z "$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D1F2/controller)" ] || fail "SNAPSIM00000NVMES1D1F2 still names a controller"
[ -z "$(cat $SNAP_SYSFS/functions/SNAPSIM00000VBLKS1D1F3/controller)" ] || fail "SNAPSIM00000VBLKS1D1F3 still names a controller"
snap_unload
[ -e /sys/class/snap ] && fail "/sys/class/snap still there after rmmod"
exit $KSFT_PASS
