#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hot-plug PFs behind the emulated switch (4 ports: 3 slots), SNAP's two-step commands end to end on the stock host drivers. NVMe: nvme_emulation_device_attach puts a PF in slot 1, pciehp adds it and the nvme driver binds it with no rescan or bind by hand; once its controller serves, fio verify passes; emulation_device_detach is refused while the host has it; detach_prepare presses the slot's button, the host lets it go, and detach removes it. virtio-blk: virtio_blk_function_create (not plugged), a controller on its vuid, virtio_blk_controller_hotplug --wait_for_done brings it to the host's virtio_blk (fio verify), hotunplug --wait_for_done takes it away, a second hotplug brings it back, then controller and function go. A fourth hot-plug PF with three slots is refused with a message; a static PF cannot be detached; a hot-plugged PF survives a daemon killed and restarted (fio verify after); the module unloads with a hot-plugged PF bound.
. ./lib.sh

trap 'snap_vblk_unbind_all; snap_nvme_teardown; snap_hotplug_lockdep_on' EXIT
snap_hotplug_lockdep_off
snap_virtio_drivers
modprobe nvme 2>/dev/null
mem=$(snap_sim_mem)
snap_load $mem internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=4 \
	pci_switch_emulation_enable=1 pci_switch_emulation_num_port=4 mempool_size_mb=64
snap_need_family
snap_unbind_virtio_pci
snap_svc_start
snap_need_virtio_trap
dev=/sys/bus/pci/devices

# hp_refused MESSAGE_ERE CMD...: snapadm CMD fails, saying MESSAGE.
hp_refused() {
	_ere=$1
	shift
	out=$(snapadm "$@" 2>&1) && fail "snapadm $* succeeded: $out"
	echo "$out" | grep -qE -- "$_ere" || fail "snapadm $*: '$out', want /$_ere/"
	log "refused as it should be: snapadm $*: $out"
}

hp_refused 'only hot-plug PFs' emulation_device_detach --vuid SNAPSIM00000NVMES1D0F0

# ---- NVMe: attach, serve, detach ----
snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snapadm_run bdev_malloc_create 8 4096 -b Malloc1
snapadm_run nvme_emulation_device_attach --num_msix 4
nvme_vuid=$(json_str "$out" vuid)
nvme_pf=$(json_num "$out" pf_id)
[ "$nvme_pf" = 1 ] || fail "the hot-plug NVMe PF is pf_id '$nvme_pf', want 1 (after the static PF)"
[ "$(hp_attr "$nvme_vuid" port)" = 2 ] || fail "$nvme_vuid on port '$(hp_attr "$nvme_vuid" port)', want 2 (slot 1)"
[ "$(sysfs_read $SNAP_SYSFS/functions/$nvme_vuid/kind)" = hotplug_pf ] ||
	fail "$nvme_vuid: kind '$(sysfs_read $SNAP_SYSFS/functions/$nvme_vuid/kind)'"
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:hp NVMeCtrl1 "$nvme_pf" Malloc0
hp_wait "$nvme_vuid" pci-bdf '.' 30 || { dmesg | tail -20; fail "the host did not add $nvme_vuid"; }
nvme_bdf=$(hp_attr "$nvme_vuid" pci-bdf)
[ "$(sysfs_read /sys/bus/pci/slots/1/address)" = "${nvme_bdf%.*}" ] ||
	fail "$nvme_vuid at $nvme_bdf, slot 1 at $(sysfs_read /sys/bus/pci/slots/1/address)"
[ "$(sysfs_read /sys/bus/pci/slots/1/adapter)" = 1 ] || fail "slot 1 shows no adapter"
[ "$(sysfs_read $SNAP_SYSFS/functions/$nvme_vuid/bdf)" = "$nvme_bdf" ] ||
	fail "sysfs bdf '$(sysfs_read $SNAP_SYSFS/functions/$nvme_vuid/bdf)', netlink $nvme_bdf"
# No bind by hand: the host's own hot-plug path reaches the driver.
snap_nvme_wait_ns "$nvme_bdf" 60 || { dmesg | tail -20; fail "nvme did not bind $nvme_bdf"; }
NVME_BDFS="$NVME_BDFS $nvme_bdf"
log "$nvme_vuid at $nvme_bdf (slot 1): $NVME_CTRL"
snap_fio_verify "$NVME_NS" hp-nvme

hp_refused 'has a controller' emulation_device_detach --vuid "$nvme_vuid"
snapadm emulation_function_list -a >/tmp/hp.list || fail "emulation_function_list -a"
grep -q '"hotplugged": *true' /tmp/hp.list && grep -q '"port": *2' /tmp/hp.list &&
	grep -q '"hotplug_state": *"plugged"' /tmp/hp.list ||
	fail "emulation_function_list -a does not show the hot-plugged PF: $(cat /tmp/hp.list)"

# ---- a hot-plugged PF survives the daemon ----
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
SVC_PID=""
snap_svc_start
[ "$(hp_attr "$nvme_vuid" hotplug-state)" = 1 ] || fail "$nvme_vuid not plugged after the restart"
snap_fio_verify "$NVME_NS" hp-nvme-restart

# ---- more hot-plug PFs than slots ----
snapadm_run virtio_blk_function_create
vblk_vuid=$(json_str "$out" vuid)
snapadm_run virtio_blk_function_create
spare_vuid=$(json_str "$out" vuid)
[ "$(hp_attr "$spare_vuid" hotplug-state)" = 0 ] || fail "a new virtio-blk function is plugged"
hp_refused 'every hot-plug port' nvme_emulation_device_attach
snapadm_run virtio_blk_function_destroy --vuid "$spare_vuid"
snap_nlraw req func-get vuid="$spare_vuid" --expect ENOENT >/dev/null ||
	fail "$spare_vuid still there after its destroy"

# ---- NVMe: orderly detach ----
snapadm_run emulation_device_detach_prepare --vuid "$nvme_vuid"
hp_wait "$nvme_vuid" hotplug-state '^3$' 20 ||
	fail "the host did not release $nvme_vuid: state $(hp_attr "$nvme_vuid" hotplug-state)"
[ -e "$dev/$nvme_bdf" ] && fail "$nvme_bdf still on the host once released"
NVME_BDFS=""
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl1
snapadm_run emulation_device_detach --vuid "$nvme_vuid"
snap_nlraw req func-get vuid="$nvme_vuid" --expect ENOENT >/dev/null ||
	fail "$nvme_vuid still there after its detach"
[ -e $SNAP_SYSFS/functions/$nvme_vuid ] && fail "$nvme_vuid's sysfs folder stays"
log "NVMe hot-plug PF attached, served, detached"

# ---- virtio-blk: hotplug, hotunplug, hotplug again ----
snapadm_run virtio_blk_controller_create --vuid "$vblk_vuid" --bdev Malloc1 --ctrl VblkCtrl1
for round in 1 2; do
	snapadm_run virtio_blk_controller_hotplug -c VblkCtrl1 --wait_for_done
	vblk_bdf=$(hp_attr "$vblk_vuid" pci-bdf)
	[ -n "$vblk_bdf" ] || fail "hotplug --wait_for_done returned before the host had $vblk_vuid"
	wait_for_path "$dev/$vblk_bdf/driver" 30 || fail "no driver bound $vblk_bdf"
	VBLK_DEV=""
	_n=0
	while [ $_n -lt 300 ] && [ -z "$VBLK_DEV" ]; do
		VBLK_DEV=$(ls $dev/$vblk_bdf/virtio*/block 2>/dev/null | head -1)
		[ -n "$VBLK_DEV" ] || usleep 100000
		_n=$((_n + 1))
	done
	[ -n "$VBLK_DEV" ] || { dmesg | tail -20; fail "no disk on $vblk_bdf"; }
	snap_fio_verify "/dev/$VBLK_DEV" hp-vblk-$round
	snapadm_run virtio_blk_controller_hotunplug -c VblkCtrl1 --wait_for_done
	[ -e "$dev/$vblk_bdf" ] && fail "$vblk_bdf still on the host after hotunplug --wait_for_done"
	log "round $round: $vblk_vuid at $vblk_bdf as /dev/$VBLK_DEV, then gone"
done
snapadm_run virtio_blk_controller_destroy -c VblkCtrl1
snapadm_run virtio_blk_function_destroy --vuid "$vblk_vuid"

# ---- unload with a hot-plugged PF bound ----
snapadm_run nvme_emulation_device_attach
last_out=$out
last_vuid=$(json_str "$out" vuid)
snapadm_run bdev_malloc_create 8 4096 -b Malloc2
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:hp2 NVMeCtrl2 "$(json_num "$last_out" pf_id)" Malloc2
hp_wait "$last_vuid" pci-bdf '.' 30 || fail "the host did not add $last_vuid"
last_bdf=$(hp_attr "$last_vuid" pci-bdf)
snap_nvme_wait_ns "$last_bdf" 60 || fail "nvme did not bind $last_bdf"
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
SVC_PID=""
wait_for $SNAP_SYSFS/daemon_pid '^0$' 10
rmmod snap || fail "rmmod snap with a hot-plugged PF bound"
[ -e "$dev/$last_bdf" ] && fail "$last_bdf still there after the unload"
dmesg | grep -E 'BUG:|WARNING:|Oops' && fail "the kernel complained"
exit $KSFT_PASS
