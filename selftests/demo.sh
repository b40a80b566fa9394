#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo shown by `make demo`: each step prints what it runs.
. ./lib.sh
trap snap_cleanup EXIT

run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}

NQN=nqn.2023-05.io.nvda.nvme:0

echo "== the firmware configuration is module parameters; loading is the power cycle"
run insmod $SNAP_KO internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=8 virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=1 \
	virtio_blk_emulation_num_msix=5
run env SNAP_KO=$SNAP_KO snapadm config query
run snapadm emulation_function_list

echo "== snapadm monitor prints every change; start it in the background"
snapadm monitor >/tmp/demo-events 2>&1 &
monitor=$!
sleep 1

echo "== the configuration example of the SNAP appendix, with snapadm"
run snapadm bdev_malloc_create 32 4096 -b Malloc0
run snapadm nvme_subsystem_create --nqn $NQN
run snapadm nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 --suspended
run snapadm nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 1
run snapadm nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 1
run snapadm nvme_controller_resume --ctrl NVMeCtrl0

echo "== a virtio-blk controller on the virtio-blk PF"
run snapadm bdev_null_create Null0 64 512
run snapadm virtio_blk_controller_create --pf_id 0 --ctrl VblkCtrl0 --bdev Null0 --num_queues 4

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
run lspci -D -nn
run sh -c 'lspci -D -d 15b3:6001 -vv | grep -E "^[0-9a-f]|Region|MSI-X|Product|Serial"'
run sh -c 'grep . /sys/class/snap/sim0/functions/*/bdf'
echo "   (registers, doorbells and the data path come next: no nvme driver bound yet)"
run nvme version
run sh -c 'fio --version'
run rmmod snap
