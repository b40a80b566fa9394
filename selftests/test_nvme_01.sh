#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The seed's sequence with snap_service running brings the controller up under the stock nvme driver: nvme list and id-ctrl show the subsystem's identity, and data written through /dev/nvme0n1 reads back.
. ./lib.sh

trap snap_nvme_teardown EXIT

NQN=nqn.2023-05.io.nvda.nvme:0
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=8 mempool_size_mb=64
snap_need_family

snap_svc_start

snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snapadm_run nvme_subsystem_create --nqn $NQN -sn SNAPSN0001 -mn "snap test model"
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 --suspended
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 1
snapadm_run nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 1
snapadm_run nvme_controller_resume --ctrl NVMeCtrl0

t0=$(uptime_s)
snap_nvme_bind 0
[ "$NVME_NS" = /dev/nvme0n1 ] || fail "the namespace is $NVME_NS, not /dev/nvme0n1"
log "/dev/nvme0n1 $(elapsed $t0) s after binding the driver"

nvme list
nvme id-ctrl /dev/nvme0 >/tmp/idctrl || fail "nvme id-ctrl failed"
grep -q "^sn *: SNAPSN0001" /tmp/idctrl || fail "id-ctrl sn: $(grep '^sn' /tmp/idctrl)"
grep -q "^mn *: snap test model" /tmp/idctrl || fail "id-ctrl mn: $(grep '^mn' /tmp/idctrl)"
grep -q "^subnqn *: $NQN" /tmp/idctrl || fail "id-ctrl subnqn: $(grep '^subnqn' /tmp/idctrl)"
[ "$(cat /sys/block/nvme0n1/size)" = 65536 ] ||
	fail "nvme0n1 is $(cat /sys/block/nvme0n1/size) sectors, want 65536 (32 MiB)"

dd if=/dev/urandom of=/tmp/pattern bs=4096 count=64 2>/dev/null
dd if=/tmp/pattern of=/dev/nvme0n1 bs=4096 seek=100 oflag=direct 2>/dev/null ||
	fail "writing to nvme0n1"
dd if=/dev/nvme0n1 of=/tmp/back bs=4096 skip=100 count=64 iflag=direct 2>/dev/null ||
	fail "reading nvme0n1"
cmp /tmp/pattern /tmp/back || fail "data read back differs"
log "256 KiB written and read back through the emulated controller"

# SIGTERM drains, detaches and exits 0 (a crash on the way out is 139).
kill "$SVC_PID"
wait "$SVC_PID"
rc=$?
SVC_PID=""
[ $rc -eq 0 ] || fail "snap_service exited $rc on SIGTERM: $(tail -3 /tmp/svc.log)"
grep -q "notice: detached" /tmp/svc.log || fail "snap_service did not say it detached"
exit 0
