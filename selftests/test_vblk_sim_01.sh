#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The sim bus shows virtio-blk PFs as modern virtio-pci functions (1af4:1042,
# class 0x018000, VUID in VPD, the five virtio capabilities) whose
# configuration registers trap: the stock virtio_pci driver negotiates with
# them. Without a controller the device refuses FEATURES_OK, so virtio_blk
# fails its probe at once; creating a controller (no bdev yet) probes the
# function again, the driver binds and /dev/vda shows the controller's
# queues and limits. The PCI_CFG window
# reaches the same registers through config space. Modifying the MSI-X and
# queue counts is refused while the driver is bound; once it is unbound the
# modify goes through, and on the next bind the driver gets the new MSI-X
# Table Size and queue count. rmmod with the host driver bound resets the
# device through the trap and leaves nothing behind.
. ./lib.sh
trap snap_cleanup EXIT

# until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds.
until_ok() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}
refused() { dmesg | grep -q 'refusing FEATURES_OK: no controller'; }
have_vda() { [ -e /sys/block/vda ]; }

grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"

snap_no_nvme
modprobe -r virtio_blk virtio_pci 2>/dev/null
snap_load internal_cpu_model=1 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=5
vuid=SNAPSIM00000VBLKS1D0F0
snap_need_virtio_trap
# A built-in virtio-pci (not removed above) bound it at load.
snap_unbind_virtio_pci
bdf=$(cat /sys/class/snap/sim0/functions/$vuid/bdf)
[ -n "$bdf" ] || fail "$vuid has no bdf in sysfs"

lspci -s "$bdf" -nn -vvv >/tmp/vblk.lspci 2>&1
cat /tmp/vblk.lspci
grep -q '\[1af4:1042\]' /tmp/vblk.lspci || fail "$bdf is not 1af4:1042"
grep -q 'Mass storage controller \[0180\]' /tmp/vblk.lspci || fail "class is not 0x0180"
grep -q "\[SN\] Serial number: $vuid" /tmp/vblk.lspci || fail "VPD does not carry $vuid"
grep -q 'MSI-X: Enable- Count=5 ' /tmp/vblk.lspci || fail "MSI-X Count=5 not shown"
for cap in CommonCfg Notify ISR DeviceCfg; do
	grep -q "VirtIO: $cap" /tmp/vblk.lspci || fail "no virtio $cap capability"
done
[ "$(grep -c 'Vendor Specific Information' /tmp/vblk.lspci)" = 5 ] ||
	fail "not five vendor-specific (virtio) capabilities"

dmesg -c >/dev/null
snap_virtio_drivers
# Functions of the sim bus are bound explicitly, as the NVMe tests do.
echo "$bdf" >/sys/bus/pci/drivers/virtio-pci/bind || fail "bind $bdf to virtio-pci"
until_ok 10 refused ||
	fail "no controller, yet FEATURES_OK was not refused: $(dmesg | tail -5)"
[ -e /sys/block/vda ] && fail "/dev/vda exists without a controller"
log "without a controller the driver was refused"

snapadm virtio_blk_controller_create --pf_id 0 --ctrl VblkCtrl0 --num_queues 3 \
	--seg_max 16 --size_max 131072 --queue_size 64 >/dev/null ||
	fail "virtio_blk_controller_create"
# The device probes itself again once it can be used: no rebind by hand.
until_ok 10 have_vda || fail "no /dev/vda after creating the controller: $(dmesg | tail -5)"
q=/sys/block/vda/queue
[ "$(cat /sys/block/vda/size)" = 0 ] || fail "capacity $(cat /sys/block/vda/size), want 0 (no bdev)"
# virtio_blk uses at most one queue per CPU.
want=$(nproc); [ "$want" -gt 3 ] && want=3
nq=$(ls -d /sys/block/vda/mq/* | wc -l)
[ "$nq" = "$want" ] || fail "$nq hardware queues, want $want"
[ "$(cat $q/max_segments)" = 16 ] || fail "max_segments $(cat $q/max_segments), want seg_max 16"
[ "$(cat $q/max_segment_size)" = 131072 ] || fail "max_segment_size $(cat $q/max_segment_size), want 131072"
[ "$(cat $q/logical_block_size)" = 512 ] || fail "logical_block_size $(cat $q/logical_block_size)"
feat=$(cat /sys/bus/virtio/devices/virtio*/features)
log "negotiated features $feat"
# Bits 9 FLUSH, 12 MQ, 29 EVENT_IDX, 32 VERSION_1; not 28 INDIRECT_DESC,
# which only --indirect_desc offers.
for bit in 9 12 29 32; do
	[ "$(echo "$feat" | cut -c$((bit + 1)))" = 1 ] || fail "feature bit $bit not negotiated"
done
[ "$(echo "$feat" | cut -c29)" = 0 ] || fail "INDIRECT_DESC negotiated without --indirect_desc"
[ "$(cat /sys/bus/virtio/devices/virtio*/status)" = 0x0000000f ] ||
	fail "device status $(cat /sys/bus/virtio/devices/virtio*/status), want 0xf"

# PCI_CFG (the fifth capability): read num_queues (device config 0x800 + 34,
# 2 bytes) and device_status (common 0x14, 1 byte) through config space.
cap=$(lspci -s "$bdf" -vvv | sed -n 's/.*Capabilities: \[\([0-9a-f]*\)\] Vendor Specific Information: VirtIO: <unknown>.*/\1/p')
[ -n "$cap" ] || cap=$(lspci -s "$bdf" -vvv | sed -n 's/.*Capabilities: \[\([0-9a-f]*\)\] Vendor Specific Information: VirtIO: PCICfg.*/\1/p')
[ -n "$cap" ] || fail "no PCI_CFG capability found"
pcicfg() {	# offset length -> value read through the window
	setpci -s "$bdf" "$cap+4.b=0" "$cap+8.l=$1" "$cap+c.l=$2"
	setpci -s "$bdf" "$cap+10.l"
}
[ "$(pcicfg 822 2)" = 00000003 ] || fail "num_queues through PCI_CFG: $(pcicfg 822 2)"
[ "$(pcicfg 14 1)" = 0000000f ] || fail "device_status through PCI_CFG: $(pcicfg 14 1)"

# The driver sized itself by the MSI-X and queue counts: no modify under it.
fn=/sys/class/snap/sim0/functions/$vuid
for arg in "--num_msix 4" "--num_queues 2"; do
	out=$(snapadm virtio_blk_controller_modify --ctrl VblkCtrl0 $arg 2>&1) &&
		fail "modify $arg accepted with virtio_blk bound"
	echo "$out" | grep -q 'the host driver is using the function; unbind it first' ||
		fail "modify $arg refused without the reason: $out"
done
log "modify refused while bound: $out"
[ "$(cat $fn/num_msix)" = 5 ] || fail "num_msix $(cat $fn/num_msix) after a refused modify"
lspci -s "$bdf" -vv | grep -q 'MSI-X: Enable+ Count=5 ' ||
	fail "MSI-X not Enable+ Count=5 while bound: $(lspci -s "$bdf" -vv | grep MSI-X)"

# Unbound, the modify goes through and config space shows it at once.
echo "$bdf" >/sys/bus/pci/drivers/virtio-pci/unbind || fail "unbind $bdf from virtio-pci"
[ -e /sys/block/vda ] && fail "/dev/vda still there after unbind"
snapadm_run virtio_blk_controller_modify --ctrl VblkCtrl0 --num_msix 3 --num_queues 2
[ "$(cat $fn/num_msix)" = 3 ] || fail "num_msix $(cat $fn/num_msix) after modify, want 3"
lspci -s "$bdf" -vv | grep -q 'MSI-X: Enable- Count=3 ' ||
	fail "MSI-X not Enable- Count=3 after modify: $(lspci -s "$bdf" -vv | grep MSI-X)"
out=$(snapadm virtio_blk_controller_modify --ctrl VblkCtrl0 --num_msix 6 2>&1) &&
	fail "modify --num_msix 6 accepted beyond the 5 the function was sized for"

# Bound again, the driver gets 3 vectors (config + 2 queues) and 2 queues.
echo "$bdf" >/sys/bus/pci/drivers/virtio-pci/bind || fail "bind $bdf to virtio-pci again"
until_ok 10 have_vda || fail "no /dev/vda after binding again: $(dmesg | tail -5)"
lspci -s "$bdf" -vv | grep -q 'MSI-X: Enable+ Count=3 ' ||
	fail "MSI-X not Enable+ Count=3 after bind: $(lspci -s "$bdf" -vv | grep MSI-X)"
nv=$(ls /sys/bus/pci/devices/$bdf/msi_irqs | wc -l)
want=$(nproc); [ "$want" -gt 2 ] && want=2
[ "$nv" = $((want + 1)) ] || fail "$nv MSI-X vectors allocated, want $((want + 1))"
nq=$(ls -d /sys/block/vda/mq/* | wc -l)
[ "$nq" = "$want" ] || fail "$nq hardware queues after modify, want $want"
[ "$(pcicfg 822 2)" = 00000002 ] || fail "num_queues through PCI_CFG after modify: $(pcicfg 822 2)"
log "after modify and bind: $nv vectors, $nq queues"

dmesg -c >/dev/null
snap_unload
[ -e /sys/block/vda ] && fail "/dev/vda still there after rmmod"
[ -e "/sys/bus/pci/devices/$bdf" ] && fail "$bdf still present after rmmod"
dmesg | grep -E 'WARNING|BUG|virtio.*(error|fail)' && fail "host complained at rmmod"
exit $KSFT_PASS
