#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo shown by `make demo`: each step prints what it runs.
. ./lib.sh
cleanup() {
	[ -n "$vblk_bdf" ] && echo "$vblk_bdf" >/sys/bus/pci/drivers/virtio-pci/unbind 2>/dev/null
	snap_nvme_cleanup
	snap_cleanup
}
trap cleanup EXIT

run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}

NQN=nqn.2023-05.io.nvda.nvme:0

echo "== the firmware configuration is module parameters; loading is the power cycle"
run insmod $SNAP_KO internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=8 virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=1 \
	virtio_blk_emulation_num_msix=5 mempool_size_mb=64
run env SNAP_KO=$SNAP_KO snapadm config query
run snapadm emulation_function_list

echo "== snapadm monitor prints every change; start it in the background"
snapadm monitor >/tmp/demo-events 2>&1 &
monitor=$!
sleep 1

echo "== snap_service serves the queues; the kernel holds the state"
snap_svc_start
run sh -c "cat /sys/class/snap/sim0/daemon_pid; tail -1 /tmp/svc.log"

echo "== the configuration example of the SNAP appendix, with snapadm"
run snapadm bdev_malloc_create 32 4096 -b Malloc0
run snapadm nvme_subsystem_create --nqn $NQN
run snapadm nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 --suspended
run snapadm nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 1
run snapadm nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 1
run snapadm nvme_controller_resume --ctrl NVMeCtrl0

echo "== a virtio-blk controller on the virtio-blk PF"
run snapadm bdev_malloc_create 32 512 -b Malloc1
run snapadm virtio_blk_controller_create --pf_id 0 --ctrl VblkCtrl0 --bdev Malloc1 --num_queues 4 \
	--vblk_id DEMOVBLK0

echo "== what the module holds"
run snapadm nvme_subsystem_list
run snapadm nvme_controller_list
run snapadm virtio_blk_controller_list
run snapadm bdev_list
run sh -c 'cd /sys/class/snap/sim0/controllers/NVMeCtrl0 && grep . *'

echo "== bad input gets the kernel's reason"
run snapadm nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 2
run snapadm virtio_blk_controller_modify --ctrl VblkCtrl0 --num_queues 9

sleep 1
kill $monitor
echo "== events seen by snapadm monitor"
sed 's/^/  /' /tmp/demo-events

echo "== the host sees the emulated NVMe PF on the sim provider's PCI domain"
run sh -c 'lspci -D -d 15b3:6001 -vv | grep -E "^[0-9a-f]|Region|MSI-X|Product|Serial"'
run sh -c 'grep . /sys/class/snap/sim0/functions/*/bdf'

echo "== the stock nvme driver binds to it: every command is served by snap_service"
snap_nvme_bind 0
run nvme list
run sh -c "nvme id-ctrl /dev/$NVME_CTRL | grep -E '^(vid|sn|mn|fr|subnqn|mdts|cntlid|nn) '"
run nvme smart-log /dev/$NVME_CTRL
run fio --name=randrw --filename=$NVME_NS --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --size=16M --verify=crc32c --output=/tmp/demo-fio
run grep -E "err=|IOPS=|READ:|WRITE:" /tmp/demo-fio

echo "== the stock virtio_pci and virtio_blk drivers bind to the virtio-blk PF"
modprobe virtio_pci
modprobe virtio_blk
vblk_bdf=$(cat /sys/class/snap/sim0/functions/SNAPSIM00000VBLKS1D0F0/bdf)
run sh -c "lspci -s $vblk_bdf -vv | grep -E '^[0-9a-f]|VirtIO|Serial'"
[ -e "/sys/bus/pci/drivers/virtio-pci/$vblk_bdf" ] ||
	echo "$vblk_bdf" >/sys/bus/pci/drivers/virtio-pci/bind
wait_for /proc/partitions ' vda$' 10
run sh -c 'grep . /sys/block/vda/serial /sys/block/vda/size /sys/block/vda/queue/max_segments'
run fio --name=vblk --filename=/dev/vda --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --size=8M --verify=crc32c --output=/tmp/demo-fio-vblk
run grep -E "err=|IOPS=|READ:|WRITE:" /tmp/demo-fio-vblk

echo "== kill -9 the daemon and start another: the host does not notice"
run kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
snap_svc_start
run dd if=$NVME_NS of=/dev/null bs=1M count=8 iflag=direct
run dd if=/dev/vda of=/dev/null bs=1M count=8 iflag=direct
run sh -c "dmesg | grep -c 'nvme.*resetting' || true"
