#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Without an ivshmem-plain device the sim provider takes BAR memory from
# reserved RAM given as sim_mem_start/sim_mem_size. Runs in a guest booted
# with memmap=64M$0x70000000 pci=no_e820 and no ivshmem (make check does).
. ./lib.sh
trap snap_cleanup EXIT

grep -q 'memmap=64M\$0x70000000' /proc/cmdline ||
	skip "needs a guest booted with memmap=64M\$0x70000000 (see scripts/check.sh)"
grep -q 1af41110 /proc/bus/pci/devices && skip "an ivshmem-plain device is present: it would be used instead"

dmesg -c >/dev/null
# A loaded nvme driver would probe the PFs (module load does not wait).
snap_no_nvme
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
	nvme_emulation_num_msix=4 sim_mem_start=0x70000000 sim_mem_size=0x4000000
dmesg | grep 'snap: sim:'
lspci -D -d 15b3:6001 >/tmp/sim2.lspci
cat /tmp/sim2.lspci
[ "$(grep -c ' Non-Volatile memory controller' /tmp/sim2.lspci)" = 2 ] ||
	fail "lspci does not show two NVMe functions"
grep -q 'snap sim BAR window' /proc/iomem || fail "the window is not in /proc/iomem"
grep -A3 'snap sim BAR window' /proc/iomem
bdf=$(cat /sys/class/snap/sim0/functions/SNAPSIM00000NVMES1D0F0/bdf)
start=$(awk '{ print $1 }' /sys/bus/pci/devices/$bdf/resource | head -n 1)
[ $((start)) -ge $((0x70000000)) ] && [ $((start)) -lt $((0x74000000)) ] ||
	fail "BAR0 of $bdf at $start is outside the reserved range"
log "BAR0 of $bdf at $start, inside the reserved range"
snap_unload
grep -q 'snap sim BAR window' /proc/iomem && fail "the window is still claimed after rmmod"

# A range that is not page aligned is refused with a clear line.
dmesg -c >/dev/null
insmod $SNAP_KO internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	sim_mem_start=0x70000001 sim_mem_size=0x4000000 2>/dev/null &&
	fail "a misaligned sim_mem_start was accepted"
dmesg | grep -q 'sim_mem_start=0x70000001 .*page-aligned' || fail "no clear line for a misaligned window"
exit $KSFT_PASS
