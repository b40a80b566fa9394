#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# virtio-blk end to end with snap_service: the appendix's
# virtio_blk_controller_create --pf_id 0 (plus a bdev) makes /dev/vda
# appear with the --vblk_id serial and the controller's queue limits; fio
# verify=crc32c on malloc, uring and null bdevs, 512 B to 1 MiB, QD 1 to
# 128, next to an NVMe controller; discard and write-zeroes read back as
# zeroes; a --read_only device refuses writes; bdev_detach then
# bdev_attach of another size shows the new capacity to the bound driver,
# and so does bdev_null_resize, on virtio-blk and on an NVMe namespace
# (which only grow while in use; malloc bdevs not at all); kill -9 of the idle daemon and a new one: /dev/vda keeps working with no
# error in the host log.
. ./lib.sh

teardown() {
	snap_vblk_unbind_all
	snap_nvme_teardown
}
trap teardown EXIT

run_fio() {	# NAME ARGS...
	_name=$1
	shift
	fio --name="$_name" --ioengine=libaio --direct=1 --verify=crc32c \
		--verify_fatal=1 --output=/tmp/fio.$_name "$@" ||
		{ cat /tmp/fio.$_name; tail -20 /tmp/svc.log; dmesg | tail; fail "fio $_name"; }
	log "fio $_name: $(grep -o 'IOPS=[^,]*' /tmp/fio.$_name | tr '\n' ' ')"
}

snap_no_nvme
snap_virtio_drivers
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=3 virtio_blk_emulation_num_msix=5 mempool_size_mb=64
snap_need_family
snap_need_virtio_trap
snap_svc_start
dmesg -c >/dev/null

dd if=/dev/zero of=/tmp/uring0.img bs=1M count=32 2>/dev/null
snapadm_run bdev_malloc_create 32 512 -b Malloc0
snapadm_run bdev_uring_create /tmp/uring0.img Uring0 4096
snapadm_run bdev_null_create Null0 64 4096
snapadm_run bdev_malloc_create 16 4096 -b Malloc1
snapadm_run bdev_malloc_create 8 4096 -b Malloc2
snapadm_run bdev_null_create Null1 16 512
snapadm_run virtio_blk_controller_create --pf_id 0 --bdev Malloc0 --ctrl VblkCtrl0 \
	--num_queues 4 --vblk_id VBLKSERIAL0 --seg_max 32 --size_max 65536 --indirect_desc
snapadm_run virtio_blk_controller_create --pf_id 1 --bdev Uring0 --ctrl VblkCtrl1 --num_queues 1 \
	--force_in_order
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc1 Null1
snap_nvme_bind 0
snap_vblk_bind 0
d0=$VBLK_DEV
snap_vblk_bind 1
d1=$VBLK_DEV
log "virtio-blk disks $d0 and $d1, NVMe $NVME_NS"

[ "$(cat /sys/block/$d0/serial)" = VBLKSERIAL0 ] ||
	fail "serial '$(cat /sys/block/$d0/serial)', want VBLKSERIAL0"
[ "$(cat /sys/block/$d0/size)" = 65536 ] || fail "capacity $(cat /sys/block/$d0/size), want 65536 sectors"
[ "$(cat /sys/block/$d0/queue/max_segments)" = 32 ] || fail "max_segments"
[ "$(cat /sys/block/$d0/queue/max_segment_size)" = 65536 ] || fail "max_segment_size"
[ "$(cat /sys/block/$d1/queue/logical_block_size)" = 4096 ] ||
	fail "logical_block_size $(cat /sys/block/$d1/queue/logical_block_size), want 4096"
# The driver's features (one digit per bit): indirect descriptors only
# where --indirect_desc offered them. 6.1's ring does not take IN_ORDER.
feature() { cut -c$(($2 + 1)) "/sys/block/$1/device/features"; }
[ "$(feature $d0 28)" = 1 ] || fail "$d0: INDIRECT_DESC not negotiated with --indirect_desc"
[ "$(feature $d1 28)" = 0 ] || fail "$d1: INDIRECT_DESC negotiated without --indirect_desc"
snapadm -j virtio_blk_controller_list >/tmp/vblk.list || fail "virtio_blk_controller_list"
json_has /tmp/vblk.list force_in_order true && json_has /tmp/vblk.list indirect_desc true ||
	fail "virtio_blk_controller_list -j does not show force_in_order / indirect_desc"

run_fio rand512 --filename=/dev/$d0 --rw=randwrite --bsrange=512-64k --iodepth=32 --size=8M
run_fio seq1m --filename=/dev/$d1 --rw=write --bs=1M --iodepth=4 --size=16M
run_fio rand4k --filename=/dev/$d1 --rw=randrw --bs=4k --iodepth=128 --size=8M
run_fio qd1 --filename=/dev/$d0 --rw=randwrite --bs=4k --iodepth=1 --size=2M
# Two virtio-blk and one NVMe controller at once.
fio --ioengine=libaio --direct=1 --verify=crc32c --verify_fatal=1 --iodepth=16 \
	--bs=16k --rw=randwrite --size=4M --output=/tmp/fio.three \
	--name=a --filename=/dev/$d0 --name=b --filename=/dev/$d1 \
	--name=c --filename=$NVME_NS ||
	{ cat /tmp/fio.three; fail "fio on three controllers at once"; }
log "three controllers at once: ok"

# discard and write-zeroes read back as zeroes.
dd if=/dev/urandom of=/dev/$d1 bs=64k count=4 oflag=direct 2>/dev/null
# util-linux's blkdiscard (busybox's has no -z).
/usr/sbin/blkdiscard -o 0 -l 131072 /dev/$d1 || fail "blkdiscard"
/usr/sbin/blkdiscard -z -o 131072 -l 131072 /dev/$d1 || fail "blkdiscard -z (write zeroes)"
[ "$(dd if=/dev/$d1 bs=64k count=4 iflag=direct 2>/dev/null | tr -d '\000' | wc -c)" = 0 ] ||
	fail "discarded / zeroed range does not read back as zeroes"
log "discard and write-zeroes read back as zeroes"

# Resize under the bound driver: detach, attach a bdev of another size.
snapadm_run virtio_blk_controller_bdev_detach --ctrl VblkCtrl1
snapadm_run virtio_blk_controller_bdev_attach --ctrl VblkCtrl1 --bdev Malloc2
wait_for /sys/block/$d1/size '^16384$' 10 ||
	fail "capacity after attach: $(cat /sys/block/$d1/size), want 16384 sectors"
run_fio resized --filename=/dev/$d1 --rw=randwrite --bs=4k --iodepth=8 --size=4M
log "the bound driver sees the new capacity"

# A read-only device refuses writes at the host.
snapadm_run virtio_blk_controller_create --pf_id 2 --bdev Null0 --ctrl VblkCtrl2 --read_only
snap_vblk_bind 2
d2=$VBLK_DEV
[ "$(cat /sys/block/$d2/ro)" = 1 ] || fail "$d2 is not read-only at the host"
dd if=/dev/zero of=/dev/$d2 bs=4k count=1 oflag=direct 2>/dev/null && fail "write to read-only $d2 succeeded"
dd if=/dev/$d2 of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null || fail "read of read-only $d2"
# The null bdev holds nothing to verify: it must only complete everything.
fio --name=null --filename=/dev/$d2 --ioengine=libaio --direct=1 --rw=randread \
	--bs=4k --iodepth=32 --size=16M --output=/tmp/fio.null ||
	{ cat /tmp/fio.null; fail "fio on the null bdev"; }
log "fio null (read-only): $(grep -o 'IOPS=[^,]*' /tmp/fio.null | tr '\n' ' ')"

# bdev_null_resize under bound drivers: virtio-blk by a configuration
# change, NVMe by Namespace Attribute Changed; in use it only grows.
snapadm_run bdev_null_resize Null0 128
wait_for /sys/block/$d2/size '^262144$' 10 ||
	fail "$d2 after bdev_null_resize: $(cat /sys/block/$d2/size) sectors, want 262144"
dd if=/dev/$d2 of=/dev/null bs=4k skip=30000 count=16 iflag=direct 2>/dev/null ||
	fail "read past the old end of resized $d2"
ns2=$(nvme_ns_dev $NVME_CTRL 2)
[ "$(cat /sys/block/$ns2/size)" = 32768 ] || fail "$ns2: $(cat /sys/block/$ns2/size) sectors, want 32768"
snapadm_run bdev_null_resize Null1 32
wait_for /sys/block/$ns2/size '^65536$' 10 ||
	fail "$ns2 after bdev_null_resize: $(cat /sys/block/$ns2/size) sectors, want 65536"
dd if=/dev/$ns2 of=/dev/null bs=4k skip=6000 count=16 iflag=direct 2>/dev/null ||
	fail "read past the old end of resized $ns2"
out=$(snapadm bdev_null_resize Null1 8 2>&1) && fail "shrinking Null1 in use was accepted"
log "shrink refused: $out"
out=$(snapadm bdev_null_resize Malloc0 64 2>&1) && fail "bdev_null_resize of a malloc bdev was accepted"
log "malloc refused: $out"
log "bdev_null_resize reaches both bound drivers"

# kill -9 while the host is idle, then a new daemon.
dmesg -c >/dev/null
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10 || fail "the killed daemon is still attached"
snap_svc_start
run_fio after_kill --filename=/dev/$d0 --rw=randrw --bs=4k --iodepth=16 --size=4M
dmesg | grep -iE 'error|timed out|reset|fail' && fail "the host logged errors"
log "a new daemon serves $d0 after kill -9"
exit $KSFT_PASS
