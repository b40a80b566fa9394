#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The start-up race, lost on purpose: the module loaded with the seed's parameters only while the nvme driver autoprobes, and snap_service started 40 s later, after the driver gave up waiting for CSTS.RDY (CAP.TO, 30 s; "Device not ready"). Once the seed's sequence has the controller ready, the sim probes the PF again by itself, as a link coming up would: /dev/nvme0n1 appears with no rebind by hand and fio verify passes.
. ./lib.sh

NQN=nqn.2023-05.io.nvda.nvme:0
VUID=SNAPSIM00000NVMES1D0F0
AUTOPROBE=/sys/bus/pci/drivers_autoprobe
PAUSE=40

race_cleanup() {
	snap_nvme_cleanup
	snap_cleanup
	echo 0 >$AUTOPROBE
	[ -n "$LOADED_NVME" ] && rmmod nvme 2>/dev/null
	return 0
}
trap race_cleanup EXIT

grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"
command -v fio >/dev/null || skip "no fio in the guest"

echo 1 >$AUTOPROBE
grep -q '^nvme ' /proc/modules || LOADED_NVME=1
modprobe nvme || fail "modprobe nvme"

# Both 6.1 (from its reset work) and 6.12 (from the probe itself) say so.
gaveup() {
	dmesg | grep -c "nvme nvme[0-9]*: Device not ready; aborting initialisation"
}
before=$(gaveup)
t0=$(uptime_s)
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1
snap_need_family
bdf=$(sysfs_read $SNAP_SYSFS/functions/$VUID/bdf)
[ -n "$bdf" ] && [ "$bdf" != "<missing>" ] || fail "$VUID has no BDF"
NVME_BDFS=$bdf

sleep $PAUSE
# Without the give-up this test would prove nothing.
[ "$(gaveup)" -gt "$before" ] ||
	fail "the nvme driver did not give up on $bdf within $PAUSE s: $(dmesg | grep nvme | tail -3)"
[ -e /sys/bus/pci/devices/$bdf/driver ] &&
	fail "$bdf still has a driver after the probe failure"
log "after $(elapsed $t0) s: $(dmesg | grep -E 'nvme nvme[0-9]*: (Device not ready|Removing after)' | tail -2 | sed 's/^\[[^]]*\] //' | tr '\n' ' ')"

SNAP_ATTACH_WAIT=60 snap_svc_start
snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snap_nvme_ctrl $NQN NVMeCtrl0 0 Malloc0
log "seed sequence done $(elapsed $t0) s after loading the module"

if ! snap_nvme_wait_ns "$bdf" 60; then
	dmesg | grep -E "nvme|snap" | tail -20
	tail -20 /tmp/svc.log
	fail "no namespace on $bdf $(elapsed $t0) s after loading the module"
fi
[ "$NVME_NS" = /dev/nvme0n1 ] || fail "the namespace is $NVME_NS, not /dev/nvme0n1"
log "/dev/nvme0n1 $(elapsed $t0) s after loading the module, with no rebind by hand"
snap_fio_verify /dev/nvme0n1 race
exit 0
