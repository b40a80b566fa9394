#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The emulated PCIe switch (pci_switch_emulation_enable=1, 4 ports): the host finds an upstream port (15b3:197b) at 00:00.0 of the sim's domain and four downstream ports (15b3:2024) below it, numbers their buses itself, and binds pcieport to all five; pciehp registers the three hot-plug ports as slots 1-3 (empty, with MSI on), the first port has none. The static NVMe and virtio-blk PFs are functions 0 and 1 of one device below the first port, where the stock drivers bind them and fio verify passes on each; the NVMe PF's VFs appear below that port too; the module unloads with all of it bound; 256 VFs of the NVMe PF reach a second bus below the first port (VF 255 at the BDF sysfs names); with 32 ports there are 31 slots and the PF still passes fio verify. Booted with pci=hpmemsize=1M (make check's second guest) each hot-plug port's window is 1 MiB.
. ./lib.sh

trap '[ -n "$pf_dir" ] && echo 0 >"$pf_dir/sriov_numvfs"; snap_vblk_unbind_all; snap_nvme_teardown' EXIT
snap_virtio_drivers
mem=$(snap_sim_mem)
snap_load $mem internal_cpu_model=1 sriov_en=1 nvme_emulation_enable=1 \
	nvme_emulation_num_pf=1 nvme_emulation_num_msix=4 nvme_emulation_num_vf=256 \
	nvme_emulation_num_vf_msix=2 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=4 \
	pci_switch_emulation_enable=1 pci_switch_emulation_num_port=4 mempool_size_mb=64
snap_need_family
snap_unbind_virtio_pci
snap_svc_start
snap_need_virtio_trap

nvme_bdf=$(sysfs_read $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D0F0/bdf)
vblk_bdf=$(sysfs_read $SNAP_SYSFS/functions/SNAPSIM00000VBLKS1D0F0/bdf)
dom=${nvme_bdf%%:*}
up=$dom:00:00.0
dev=/sys/bus/pci/devices

# The upstream port and what hangs below it, as the host sees them.
[ "$(sysfs_read $dev/$up/vendor):$(sysfs_read $dev/$up/device)" = 0x15b3:0x197b ] ||
	fail "$up is $(sysfs_read $dev/$up/vendor):$(sysfs_read $dev/$up/device), want the upstream port"
[ "$(sysfs_read $dev/$up/class)" = 0x060400 ] || fail "$up class $(sysfs_read $dev/$up/class)"
ls -d $dev/$dom:00:* | grep -v "$up\$" && fail "more than the upstream port on bus 00"
internal=$(ls $dev/$up/pci_bus)
log "upstream port $up, internal bus $internal"
ports=""
for d in 0 1 2 3; do
	p=$internal:0$d.0
	[ "$(sysfs_read $dev/$p/device)" = 0x2024 ] ||
		fail "no downstream port at $p: $(ls $dev | grep "^$internal:")"
	ports="$ports $p"
done
[ -e $dev/$internal:04.0 ] && fail "a fifth downstream port at $internal:04.0"
for p in $up $ports; do
	[ "$(basename "$(readlink $dev/$p/driver)")" = pcieport ] ||
		fail "$p is bound to '$(basename "$(readlink $dev/$p/driver)")', not pcieport"
done

# The static PFs: functions 0 and 1 of device 0 below the first port.
first=${ports# }
first=${first%% *}
below=$(ls $dev/$first/pci_bus)
[ "$nvme_bdf" = "$below:00.0" ] || fail "NVMe PF at $nvme_bdf, want $below:00.0 below $first"
[ "$vblk_bdf" = "$below:00.1" ] || fail "virtio-blk PF at $vblk_bdf, want $below:00.1 below $first"
log "static PFs at $nvme_bdf and $vblk_bdf below $first"

# pciehp's slots: one per hot-plug port, at its secondary bus, empty.
n=0
for p in $ports; do
	[ "$p" = "$first" ] && continue
	n=$((n + 1))
	sec=$(ls $dev/$p/pci_bus)
	slot=/sys/bus/pci/slots/$n
	[ "$(sysfs_read $slot/address)" = "$sec:00" ] ||
		fail "slot $n at '$(sysfs_read $slot/address)', want $sec:00 (port $p): $(ls /sys/bus/pci/slots)"
	[ "$(sysfs_read $slot/adapter)" = 0 ] || fail "slot $n: adapter $(sysfs_read $slot/adapter) while empty"
	ls $dev/$p/msi_irqs/* >/dev/null 2>&1 || fail "port $p has no MSI on"
	ls $dev | grep -q "^$sec:" && fail "a device on empty slot $n's bus $sec"
	# The window the kernel reserves for a hot-plug bridge: hpmemsize.
	win=$(sed -n 15p $dev/$p/resource)
	size=$(( $(echo "$win" | cut -d' ' -f2) - $(echo "$win" | cut -d' ' -f1) + 1 ))
	[ $n = 1 ] && log "slot 1's memory window: $((size >> 10)) KiB"
	case " $(cat /proc/cmdline) " in
	*hpmemsize=1M*) [ $size = 1048576 ] || fail "slot $n's window is $size bytes with hpmemsize=1M" ;;
	esac
done
for s in /sys/bus/pci/slots/*; do
	[ "$(sysfs_read $s/address)" = "$below:00" ] && fail "the static PFs' port has slot ${s##*/}"
done
dmesg | grep -E 'pciehp.*Slot #' | sed 's/^/# /'

# The stock drivers on the static PFs.
snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snapadm_run bdev_malloc_create 8 4096 -b Malloc1
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snapadm_run virtio_blk_controller_create --pf_id 0 --bdev Malloc1 --ctrl VblkCtrl0
snap_nvme_bind 0
snap_fio_verify "$NVME_NS" switch-nvme
snap_vblk_bind 0
snap_fio_verify "/dev/$VBLK_DEV" switch-vblk

# SR-IOV below the switch: the VFs follow the PFs' functions, 256 of
# them onto a second bus below the first port, routed there as well.
pf_dir=$dev/$nvme_bdf
next=$(printf '%s:%02x' "${below%:*}" $((0x${below#*:} + 1)))
echo 0 >$pf_dir/sriov_drivers_autoprobe
echo 256 >$pf_dir/sriov_numvfs || { dmesg | tail; fail "echo 256 > sriov_numvfs"; }
for i in 0 253 254 255; do
	vf=$(basename "$(readlink $pf_dir/virtfn$i)")
	[ "$(sysfs_read $dev/$vf/class)" = 0x010802 ] || fail "VF $i ($vf) class $(sysfs_read $dev/$vf/class)"
	[ "$(sysfs_read $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D0F$((i + 1))/bdf)" = "$vf" ] ||
		fail "VF $i: the host has it at $vf, sysfs says $(sysfs_read $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D0F$((i + 1))/bdf)"
done
[ "$vf" = "$next:00.1" ] || fail "VF 255 at '$vf', want $next:00.1"
case $(basename "$(readlink $pf_dir/virtfn0)") in
$below:*) ;;
*) fail "VF 0 at '$(basename "$(readlink $pf_dir/virtfn0)")', not on bus $below" ;;
esac
echo 0 >$pf_dir/sriov_numvfs || fail "echo 0 > sriov_numvfs"
pf_dir=""
log "256 VFs below the switch, the last at $vf"

snap_vblk_unbind_all
snap_nvme_cleanup
rmmod snap || fail "rmmod snap with the switch bound"
[ -e $dev/$up ] && fail "$up still there after the unload"

# The most ports the parameter allows: 31 slots, and the PF, its BAR
# assigned from the same window, still serves.
snap_load $mem internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 pci_switch_emulation_enable=1 \
	pci_switch_emulation_num_port=32 mempool_size_mb=64
snap_need_family
snap_svc_start
n=$(ls /sys/bus/pci/slots | grep -c '^[0-9]*$')
[ "$n" = 31 ] || fail "$n slots with 32 ports, want 31: $(ls /sys/bus/pci/slots)"
snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
snap_fio_verify "$NVME_NS" switch-32
log "32 ports: 31 slots, NVMe PF at $(sysfs_read $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D0F0/bdf)"
exit $KSFT_PASS
