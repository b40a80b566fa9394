#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The sim provider puts the NVMe PFs on a new PCI domain: lspci shows them
# with SNAP's ids, their MSI-X count and their VUID (VPD serial number),
# and sysfs and snapadm agree on the VUID <-> BDF mapping. rmmod removes
# the bus and frees its host bridge.
. ./lib.sh
trap snap_cleanup EXIT

grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"

# A loaded nvme driver would probe the PFs (module load does not wait).
snap_no_nvme
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
	nvme_emulation_num_msix=8
lspci -D -d 15b3:6001 -vvv >/tmp/sim.lspci 2>&1
cat /tmp/sim.lspci
[ "$(grep -c '^[0-9a-f]*:00:0[01].0 ' /tmp/sim.lspci)" = 2 ] ||
	fail "lspci does not show two 15b3:6001 functions"
domain=$(sed -n '1s/:.*//p' /tmp/sim.lspci)
[ "$(printf '%d' 0x$domain)" -ge 65536 ] || fail "domain $domain is not above 0xffff"
grep -q 'Non-Volatile memory controller' /tmp/sim.lspci || fail "class is not NVMe"
[ "$(grep -c 'MSI-X: Enable- Count=8 ' /tmp/sim.lspci)" = 2 ] || fail "MSI-X Count=8 not shown twice"
[ "$(grep -c 'Region 0: Memory at .*64-bit, non-prefetchable.*size=16K' /tmp/sim.lspci)" = 2 ] ||
	fail "BAR0 is not a 64-bit 16K memory BAR on both"

for pf in 0 1; do
	vuid=SNAPSIM00000NVMES1D${pf}F0
	bdf=$(cat /sys/class/snap/sim0/functions/$vuid/bdf)
	[ -n "$bdf" ] || fail "$vuid has no bdf in sysfs"
	[ -d /sys/bus/pci/devices/$bdf ] || fail "$vuid: no PCI device $bdf"
	lspci -s "$bdf" -vvv | grep -q "\[SN\] Serial number: $vuid" ||
		fail "lspci -s $bdf does not show VUID $vuid: $(lspci -s $bdf -vvv)"
	lspci -s "$bdf" -vvv | grep -q "\[RV\] Reserved: checksum good" ||
		fail "VPD checksum of $bdf is not good"
	snapadm -j emulation_function_list >/tmp/sim.funcs
	tr -d ' \n' </tmp/sim.funcs | grep -q "\"pci_bdf\":\"$bdf\"[^}]*\"vuid\":\"$vuid\"\|\"vuid\":\"$vuid\"[^}]*\"pci_bdf\":\"$bdf\"" ||
		fail "emulation_function_list does not map $vuid to $bdf: $(cat /tmp/sim.funcs)"
	log "$vuid is $bdf"
done

# Config space semantics through the kernel's own accessors.
bdf=$(cat /sys/class/snap/sim0/functions/SNAPSIM00000NVMES1D0F0/bdf)
[ "$(od -An -tx2 -j0 -N4 /sys/bus/pci/devices/$bdf/config | tr -d ' ')" = "15b36001" ] ||
	fail "vendor/device in config space: $(od -An -tx2 -N4 /sys/bus/pci/devices/$bdf/config)"

# pci_remove_root_bus() only deletes the host bridge: rmmod must drop the
# last reference too, so that the bridge's release runs (once).
T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null
if echo 'p:snap_sim01/bridge_release pci_release_host_bridge_dev' >>$T/kprobe_events 2>/dev/null; then
	echo >$T/trace
	echo 1 >$T/events/snap_sim01/bridge_release/enable
	snap_unload
	echo 0 >$T/events/snap_sim01/bridge_release/enable
	released=$(grep -c 'bridge_release:' $T/trace)
	echo '-:snap_sim01/bridge_release' >>$T/kprobe_events
	[ "$released" = 1 ] || fail "rmmod released the sim's PCI host bridge $released time(s), not once"
	log "rmmod released the sim's PCI host bridge"
else
	log "no kprobe event on pci_release_host_bridge_dev here: the bridge's release is not checked"
	snap_unload
fi
[ -e "/sys/bus/pci/devices/$bdf" ] && fail "$bdf still present after rmmod"
lspci -D -d 15b3:6001 | grep -q . && fail "lspci still shows 15b3:6001 after rmmod"
exit $KSFT_PASS
