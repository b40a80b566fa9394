#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A new user's first run: the module loaded with the seed's parameters only (no nvme_emulation_num_msix), the nvme driver loaded and autoprobing as on any Debian host, snap_service started at once with its default 1 GiB staging pool and the seed's snapadm sequence run: the PF has the default 32 MSI-X vectors, the lists show them and a running controller with no error, /dev/nvme0n1 appears and a short fio verify passes, with only the pool the daemon used resident; a controller the daemon could not serve (mdts 10) is refused at creation with the reason.
. ./lib.sh

NQN=nqn.2023-05.io.nvda.nvme:0
VUID=SNAPSIM00000NVMES1D0F0
AUTOPROBE=/sys/bus/pci/drivers_autoprobe
# The nvme driver waits CAP.TO (30 s) for CSTS.RDY; a reprobe follows.
WAIT_NS=60

firstrun_cleanup() {
	snap_nvme_cleanup
	snap_cleanup
	echo 0 >$AUTOPROBE
	# Leave nvme as we found it: a loaded driver probes every PF later
	# tests add.
	[ -n "$LOADED_NVME" ] && rmmod nvme 2>/dev/null
	return 0
}
trap firstrun_cleanup EXIT

grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"
command -v fio >/dev/null || skip "no fio in the guest"

# What a user has: new PCI functions are probed, and nvme is loaded (udev
# loads it for any NVMe class device). The test guest turns autoprobe off.
echo 1 >$AUTOPROBE
grep -q '^nvme ' /proc/modules || LOADED_NVME=1
modprobe nvme || fail "modprobe nvme"

t0=$(uptime_s)
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1
snap_need_family
bdf=$(sysfs_read $SNAP_SYSFS/functions/$VUID/bdf)
[ -n "$bdf" ] && [ "$bdf" != "<missing>" ] || fail "$VUID has no BDF"
NVME_BDFS=$bdf

msix=$(sysfs_read $SNAP_SYSFS/functions/$VUID/num_msix)
[ "$msix" = 32 ] || fail "$VUID: sysfs num_msix is '$msix', want the default 32"
[ "$(cat /sys/module/snap/parameters/nvme_emulation_num_msix)" = 0 ] ||
	fail "the parameter no longer reads 0"
log "$VUID ($bdf): nvme_emulation_num_msix=0 gives 32 MSI-X vectors"

# The daemon's default staging pool (1 GiB, all of the module's default
# pool) grows as the daemon needs it: nothing is allocated up front.
ta=$(uptime_s)
SNAP_MEMPOOL_SIZE_MB=1024 snap_svc_start
log "snap_service attached in $(elapsed $ta) s"
[ "$(sysfs_read $SNAP_SYSFS/pool_size)" = $((1024 << 20)) ] ||
	fail "pool_size is '$(sysfs_read $SNAP_SYSFS/pool_size)', not the default 1 GiB"
snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snap_nvme_ctrl $NQN NVMeCtrl0 0 Malloc0
log "seed sequence done $(elapsed $t0) s after loading the module"

# The daemon reports it serves the controller: ready.
n=0
while [ $n -lt 50 ]; do
	snapadm -j nvme_controller_list >/tmp/fr.list || fail "nvme_controller_list failed"
	json_has /tmp/fr.list ready true && break
	usleep 100000
	n=$((n + 1))
done
cat /tmp/fr.list
json_has /tmp/fr.list ready true || fail "nvme_controller_list: NVMeCtrl0 is not ready"
json_has /tmp/fr.list num_msix 32 || fail "nvme_controller_list: num_msix is not 32"
json_has /tmp/fr.list state running || fail "nvme_controller_list: NVMeCtrl0 is not running"
json_norm /tmp/fr.list | grep -q '"error":' && fail "nvme_controller_list reports an error"
snapadm -j emulation_function_list >/tmp/fr.funcs || fail "emulation_function_list failed"
json_has /tmp/fr.funcs num_msix 32 || fail "emulation_function_list: num_msix is not 32"
grep -q "cannot create the NVMe engine" /tmp/svc.log && fail "the daemon cannot serve NVMeCtrl0"

# The nvme driver probed the PF when the module added it and waits CAP.TO
# for CSTS.RDY; had it given up, the sim probes it again once NVMeCtrl0 is
# ready. Either way the namespace appears with no rebind by hand.
if ! snap_nvme_wait_ns "$bdf" $WAIT_NS; then
	dmesg | grep -E "nvme|snap" | tail -20
	tail -20 /tmp/svc.log
	fail "no /dev/nvme0n1 $(elapsed $t0) s after loading the module"
fi
[ "$NVME_NS" = /dev/nvme0n1 ] || fail "the namespace is $NVME_NS, not /dev/nvme0n1"
log "/dev/nvme0n1 $(elapsed $t0) s after loading the module"
lspci -s "$bdf" -vv 2>/dev/null | grep -q "MSI-X: Enable+ Count=32" ||
	fail "lspci does not show 32 MSI-X vectors enabled: $(lspci -s "$bdf" -vv | grep MSI-X)"

snap_fio_verify /dev/nvme0n1 firstrun
resident=$(sysfs_read $SNAP_SYSFS/pool_resident)
log "DMA pool: $((resident >> 20)) MiB of 1024 MiB resident after fio"
[ "$resident" -gt 0 ] && [ "$resident" -lt $((1024 << 20)) ] ||
	fail "pool_resident is '$resident': the pool did not grow on demand"

# A controller the daemon could not serve (mdts 10: 4 MiB transfers, the
# daemon's buffers are 2 MiB) is refused at creation with the reason,
# never listed as running.
echo "$bdf" >/sys/bus/pci/drivers/nvme/unbind
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
out=$(snapadm nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl1 --mdts 10 2>&1) &&
	fail "nvme_controller_create --mdts 10 was accepted"
echo "$out" | grep -q "mdts: .*allowed 1 to 9" || fail "mdts 10 refused without the reason: $out"
snapadm nvme_controller_list | grep -q NVMeCtrl1 && fail "the refused NVMeCtrl1 is listed"
log "a controller the daemon cannot serve is refused: $out"
exit 0
