#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VFs past bus 0 need no host boot parameter: with nvme_emulation_num_vf=256 the sim's root bus reserves bus 1, `echo 256 > sriov_numvfs` (autoprobe off, so no driver probes 256 functions) puts the last VFs on bus 01 where their config space answers, each VF's BDF in emulation_function_list matches the host's virtfn link, and `echo 0` removes them all.
. ./lib.sh

trap snap_sriov_teardown EXIT
snap_sriov_start nvme 256 1
snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
snap_sriov_pf SNAPSIM00000NVMES1D0F0 256
dom=${SRIOV_PF##*/}
dom=${dom%%:*}

echo 0 >$SRIOV_PF/sriov_drivers_autoprobe
t0=$(uptime_s)
echo 256 >$SRIOV_PF/sriov_numvfs || { dmesg | tail; fail "echo 256 > sriov_numvfs"; }
log "echo 256 > sriov_numvfs took $(elapsed "$t0") s"
last=$(basename "$(readlink $SRIOV_PF/virtfn255)")
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
	vf=$(basename "$(readlink $SRIOV_PF/virtfn$i)")
	json_norm /tmp/funcs.json | grep -q "\"vf_index\":$i,[^}]*\"pci_bdf\":\"$vf\"" ||
		fail "VF $i: the host has it at $vf, emulation_function_list does not: $(json_norm /tmp/funcs.json | grep -o "\"vf_index\":$i,[^}]*")"
done

echo 0 >$SRIOV_PF/sriov_numvfs || fail "echo 0 > sriov_numvfs"
SRIOV_PF=""
[ -e "/sys/bus/pci/devices/$last" ] && fail "VF $last still there after echo 0"
exit $KSFT_PASS
