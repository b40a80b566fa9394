#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hot-plug and unplug cycles, NVMe and virtio-blk PFs in turn, each brought to the host, bound by its stock driver and then taken away in order (detach_prepare or hotunplug, the host releases it, controller and function destroyed), while fio runs on the static NVMe PF beside them: the static PF sees no I/O error and every cycle leaves nothing behind (functions, controllers, host devices). make check runs 10 cycles; the debug lane 200 (snap.hp_cycles), where kmemleak, KASAN and lockdep watch them.
. ./lib.sh

trap 'kill $fio_pid 2>/dev/null; snap_vblk_unbind_all; snap_nvme_teardown; snap_hotplug_lockdep_on' EXIT
snap_hotplug_lockdep_off
snap_virtio_drivers
modprobe nvme 2>/dev/null
cycles=$(kparam snap.hp_cycles)
cycles=${cycles:-10}
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 pci_switch_emulation_enable=1 \
	pci_switch_emulation_num_port=2 mempool_size_mb=64
snap_need_family
snap_svc_start
snap_need_virtio_trap
dev=/sys/bus/pci/devices

snapadm_run bdev_malloc_create 16 4096 -b Malloc0
snapadm_run bdev_malloc_create 8 4096 -b Malloc1
snapadm_run bdev_malloc_create 8 4096 -b Malloc2
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
# The hot-plugged NVMe PFs' subsystem: one namespace, attached to each in turn.
snapadm_run nvme_subsystem_create --nqn nqn.2023-05.io.nvda.nvme:hp
snapadm_run nvme_namespace_create --nqn nqn.2023-05.io.nvda.nvme:hp --bdev_name Malloc2 --nsid 1
snap_nvme_bind 0
fio --name=beside --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=4 --time_based --runtime=36000 --output=/tmp/fio.beside &
fio_pid=$!

# hp_host_has VUID: wait until the host's driver bound the function.
hp_host_has() {
	hp_wait "$1" pci-bdf '.' 60 || { dmesg | tail -20; fail "cycle $i: the host did not add $1"; }
	_bdf=$(hp_attr "$1" pci-bdf)
	wait_for_path "$dev/$_bdf/driver" 60 || fail "cycle $i: no driver bound $_bdf"
}

nvme_cycle() {
	out=$(snapadm nvme_emulation_device_attach --num_msix 2 2>&1) ||
		fail "cycle $i: attach: $out"
	v=$(json_str "$out" vuid)
	pf=$(json_num "$out" pf_id)
	snapadm nvme_controller_create --nqn nqn.2023-05.io.nvda.nvme:hp --pf_id "$pf" \
		--ctrl NVMeCtrlHp >/dev/null || fail "cycle $i: nvme_controller_create"
	snapadm nvme_controller_attach_ns --ctrl NVMeCtrlHp --nsid 1 >/dev/null ||
		fail "cycle $i: nvme_controller_attach_ns"
	hp_host_has "$v"
	snap_nvme_wait_ns "$(hp_attr "$v" pci-bdf)" 60 >/dev/null ||
		fail "cycle $i: nvme came up without a namespace"
	snapadm emulation_device_detach_prepare --vuid "$v" >/dev/null ||
		fail "cycle $i: detach_prepare"
	hp_wait "$v" hotplug-state '^3$' 30 || fail "cycle $i: $v not released"
	snapadm nvme_controller_destroy --ctrl NVMeCtrlHp >/dev/null ||
		fail "cycle $i: nvme_controller_destroy"
	out=$(snapadm emulation_device_detach --vuid "$v" 2>&1) || fail "cycle $i: detach: $out"
}

vblk_cycle() {
	out=$(snapadm virtio_blk_function_create --num_msix 2 2>&1) ||
		fail "cycle $i: function_create: $out"
	v=$(json_str "$out" vuid)
	snapadm virtio_blk_controller_create --vuid "$v" --bdev Malloc1 --ctrl VblkCtrlHp \
		>/dev/null || fail "cycle $i: virtio_blk_controller_create"
	out=$(snapadm virtio_blk_controller_hotplug -c VblkCtrlHp --wait_for_done 2>&1) ||
		fail "cycle $i: hotplug: $out"
	hp_host_has "$v"
	out=$(snapadm virtio_blk_controller_hotunplug -c VblkCtrlHp --wait_for_done 2>&1) ||
		fail "cycle $i: hotunplug: $out"
	snapadm virtio_blk_controller_destroy -c VblkCtrlHp >/dev/null ||
		fail "cycle $i: virtio_blk_controller_destroy"
	out=$(snapadm virtio_blk_function_destroy --vuid "$v" 2>&1) ||
		fail "cycle $i: function_destroy: $out"
}

start=$(uptime_s)
i=1
while [ $i -le "$cycles" ]; do
	if [ $((i % 2)) = 1 ]; then nvme_cycle; else vblk_cycle; fi
	[ -e $SNAP_SYSFS/functions/$v ] && fail "cycle $i: $v's sysfs folder stays"
	[ "$(sysfs_read /sys/bus/pci/slots/1/adapter)" = 0 ] ||
		fail "cycle $i: slot 1 shows adapter '$(sysfs_read /sys/bus/pci/slots/1/adapter)' once its PF is gone"
	kill -0 $fio_pid 2>/dev/null || { cat /tmp/fio.beside; fail "cycle $i: fio on the static PF ended"; }
	[ $((i % 20)) = 0 ] && log "$i cycles in $(elapsed "$start") s"
	i=$((i + 1))
done
# Stopped by SIGINT, fio exits non-zero; its report tells whether I/O failed.
kill -INT $fio_pid
wait $fio_pid
grep -q 'err= 0' /tmp/fio.beside || { cat /tmp/fio.beside; fail "I/O errors on the static PF"; }
log "$cycles hot-plug cycles in $(elapsed "$start") s; the static PF beside them: $(grep -oE '(read|write): IOPS=[^,]*' /tmp/fio.beside | tr '\n' ' ')"
[ "$(ls $SNAP_SYSFS/functions | wc -l)" = 1 ] || fail "functions left: $(ls $SNAP_SYSFS/functions)"
dmesg | grep -E 'BUG:|WARNING:|Oops' && fail "the kernel complained"
exit $KSFT_PASS
