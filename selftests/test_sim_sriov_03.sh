#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VFs past bus 0 need no host boot parameter: with nvme_emulation_num_vf=256 the sim's root bus reserves bus 1, `echo 256 > sriov_numvfs` (autoprobe off, so no driver probes 256 functions) puts the last VFs on bus 01 where their config space answers, each VF's BDF in emulation_function_list matches the host's virtfn link, and `echo 0` removes them all.
. ./lib.sh

pfdir=""
cleanup() {
	[ -n "$pfdir" ] && echo 0 >"$pfdir/sriov_numvfs" 2>/dev/null
	snap_nvme_cleanup
	snap_cleanup
}
trap cleanup EXIT

snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 sriov_en=1 nvme_emulation_num_vf=256 \
	nvme_emulation_num_vf_msix=1 mempool_size_mb=64
snap_need_family
snap_svc_start
snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
pf=$(sysfs_read /sys/class/snap/sim0/functions/SNAPSIM00000NVMES1D0F0/bdf)
pfdir=/sys/bus/pci/devices/$pf
dom=${pf%%:*}

echo 0 >$pfdir/sriov_drivers_autoprobe
t0=$(uptime_s)
echo 256 >$pfdir/sriov_numvfs || { dmesg | tail; fail "echo 256 > sriov_numvfs"; }
log "echo 256 > sriov_numvfs took $(elapsed "$t0") s"
last=$(basename "$(readlink $pfdir/virtfn255)")
case "$last" in
$dom:01:*) ;;
*) fail "VF 255 is at '$last', want bus 01 of domain $dom" ;;
esac
[ "$(cat /sys/bus/pci/devices/$last/class)" = 0x010802 ] ||
	fail "VF $last class $(cat /sys/bus/pci/devices/$last/class)"
n=$(ls -d /sys/bus/pci/devices/$dom:01:* | wc -l)
log "VF 255 at $last; $n VFs on bus 01"

snapadm -j emulation_function_list --all >/tmp/funcs.json ||
	fail "emulation_function_list: $(cat /tmp/funcs.json)"
for i in 0 100 247 248 255; do
	vf=$(basename "$(readlink $pfdir/virtfn$i)")
	json_norm /tmp/funcs.json | grep -q "\"vf_index\":$i,[^}]*\"pci_bdf\":\"$vf\"" ||
		fail "VF $i: the host has it at $vf, emulation_function_list does not: $(json_norm /tmp/funcs.json | grep -o "\"vf_index\":$i,[^}]*")"
done

echo 0 >$pfdir/sriov_numvfs || fail "echo 0 > sriov_numvfs"
pfdir=""
[ -e "/sys/bus/pci/devices/$last" ] && fail "VF $last still there after echo 0"
exit $KSFT_PASS
