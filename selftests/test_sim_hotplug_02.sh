#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Surprise removal of a hot-plugged NVMe PF: emulation_device_detach --force while fio has I/O in flight on it. The command returns once the host's device is gone; fio ends with I/O errors instead of hanging; the function, its controller and its sysfs folder are gone; the static PF on the same switch goes on serving (fio verify), the daemon is still attached, and the kernel logs no WARN, BUG or Oops. A virtio-blk PF its driver still has is refused a forced detach (virtio_blk would wait forever for its requests), with a message.
. ./lib.sh

trap 'snap_vblk_unbind_all; snap_nvme_teardown; snap_hotplug_lockdep_on' EXIT
snap_hotplug_lockdep_off
snap_virtio_drivers
modprobe nvme 2>/dev/null
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 pci_switch_emulation_enable=1 \
	pci_switch_emulation_num_port=3 mempool_size_mb=64
snap_need_family
snap_svc_start
dev=/sys/bus/pci/devices

snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snapadm_run bdev_malloc_create 16 4096 -b Malloc1
snapadm_run bdev_malloc_create 8 4096 -b Malloc2
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
static_ns=$NVME_NS

snapadm_run nvme_emulation_device_attach --num_msix 4
vuid=$(json_str "$out" vuid)
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:hp NVMeCtrl1 "$(json_num "$out" pf_id)" Malloc1
hp_wait "$vuid" pci-bdf '.' 30 || { dmesg | tail -20; fail "the host did not add $vuid"; }
bdf=$(hp_attr "$vuid" pci-bdf)
snap_nvme_wait_ns "$bdf" 60 || { dmesg | tail -20; fail "nvme did not bind $bdf"; }
ns=$NVME_NS
log "$vuid at $bdf: $ns"

fio --name=surprise --filename="$ns" --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --time_based --runtime=60 >/tmp/fio.surprise 2>&1 &
fio_pid=$!
sleep 3
kill -0 $fio_pid 2>/dev/null || { cat /tmp/fio.surprise; fail "fio ended before the removal"; }
start=$(uptime_s)
snapadm_run emulation_device_detach --vuid "$vuid" --force
log "forced detach returned after $(elapsed "$start") s"
[ -e "$dev/$bdf" ] && fail "$bdf still on the host after a forced detach"
n=0
while kill -0 $fio_pid 2>/dev/null && [ $n -lt 300 ]; do
	usleep 100000
	n=$((n + 1))
done
kill -0 $fio_pid 2>/dev/null && { kill -9 $fio_pid; fail "fio still runs 30 s after the surprise removal"; }
wait $fio_pid && { cat /tmp/fio.surprise; fail "fio saw no error from a device removed under it"; }
log "fio failed as it should: $(grep -iE 'error|err=' /tmp/fio.surprise | head -2 | tr '\n' ' ')"
snap_nlraw req func-get vuid="$vuid" --expect ENOENT >/dev/null || fail "$vuid still there"
[ -e $SNAP_SYSFS/controllers/NVMeCtrl1 ] && fail "NVMeCtrl1 survived the forced detach"
[ -e $SNAP_SYSFS/functions/$vuid ] && fail "$vuid's sysfs folder stays"
[ "$(sysfs_read $SNAP_SYSFS/daemon_pid)" = "$SVC_PID" ] || fail "the daemon is gone: $(tail /tmp/svc.log)"

# The static PF beside it never noticed.
snap_fio_verify "$static_ns" surprise-static

# virtio_blk cannot let go of a device removed under it: refused.
snapadm_run virtio_blk_function_create
vvuid=$(json_str "$out" vuid)
snapadm_run virtio_blk_controller_create --vuid "$vvuid" --bdev Malloc2 --ctrl VblkCtrl1
snapadm_run virtio_blk_controller_hotplug -c VblkCtrl1 --wait_for_done
vbdf=$(hp_attr "$vvuid" pci-bdf)
wait_for_path "$dev/$vbdf/driver" 30 || fail "no driver bound $vbdf"
out=$(snapadm emulation_device_detach --vuid "$vvuid" --force 2>&1) &&
	fail "a forced detach of a bound virtio-blk PF succeeded: $out"
echo "$out" | grep -q 'hot-unplug' || fail "refused without the reason: $out"
log "refused as it should be: $out"
snapadm_run virtio_blk_controller_hotunplug -c VblkCtrl1 --wait_for_done
snapadm_run virtio_blk_controller_destroy -c VblkCtrl1
snapadm_run virtio_blk_function_destroy --vuid "$vvuid"

dmesg | grep -E 'BUG:|WARNING:|Oops' && fail "the kernel complained"
exit $KSFT_PASS
