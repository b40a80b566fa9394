#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# SR-IOV on a virtio-blk PF: the PF offers VIRTIO_F_SR_IOV, so virtio-pci lets the host write sriov_numvfs; `echo 2` makes two VFs that virtio-pci and virtio_blk bind, one controller created before the enable and one after it, fio verify passes on a VF disk, and `echo 0` removes them.
. ./lib.sh

trap snap_sriov_teardown EXIT
snap_virtio_drivers
snap_sriov_start virtio_blk 2 2
snap_need_virtio_trap

snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snapadm_run bdev_malloc_create 8 4096 -b VfMalloc0
snapadm_run bdev_malloc_create 8 4096 -b VfMalloc1
snapadm_run virtio_blk_controller_create --pf_id 0 --bdev Malloc0 --ctrl VblkCtrl0
snapadm_run virtio_blk_controller_create --pf_id 0 --vf_id 0 --bdev VfMalloc0 \
	--ctrl VblkVf0 --vblk_id VFSERIAL0
snap_vblk_bind 0
snap_sriov_pf SNAPSIM00000VBLKS1D0F0 2
pf=${SRIOV_PF##*/}

echo 2 >$SRIOV_PF/sriov_numvfs || { dmesg | tail; fail "echo 2 > $SRIOV_PF/sriov_numvfs"; }
snapadm_run virtio_blk_controller_create --pf_id 0 --vf_id 1 --bdev VfMalloc1 \
	--ctrl VblkVf1 --vblk_id VFSERIAL1

# vf_disk N: the disk virtio_blk made of VF N, waiting up to 60 s.
vf_disk() {
	_vf=$(basename "$(readlink $SRIOV_PF/virtfn$1)")
	[ -n "$_vf" ] || fail "no virtfn$1 under $pf"
	_n=600
	until _d=$(ls /sys/bus/pci/devices/$_vf/virtio*/block 2>/dev/null) && [ -n "$_d" ]; do
		[ $_n -gt 0 ] || { dmesg | tail -20; fail "no disk on VF $1 ($_vf)"; }
		usleep 100000
		_n=$((_n - 1))
	done
	echo "$_d"
}
d0=$(vf_disk 0) || exit $KSFT_FAIL
d1=$(vf_disk 1) || exit $KSFT_FAIL
[ "$(cat /sys/block/$d0/serial)" = VFSERIAL0 ] ||
	fail "$d0: serial $(cat /sys/block/$d0/serial), want VFSERIAL0"
[ "$(cat /sys/block/$d1/serial)" = VFSERIAL1 ] ||
	fail "$d1: serial $(cat /sys/block/$d1/serial), want VFSERIAL1"
log "VF disks $d0 (controller before the enable) and $d1 (after it)"
snap_fio_verify /dev/$d1 vblkvf1

echo 0 >$SRIOV_PF/sriov_numvfs || fail "echo 0 > sriov_numvfs"
[ -e /sys/block/$d0 ] && fail "$d0 still there after echo 0"
[ -e /sys/block/$d1 ] && fail "$d1 still there after echo 0"
SRIOV_PF=""
log "echo 0 removed both VFs and their disks"
exit $KSFT_PASS
