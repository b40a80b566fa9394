#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# nvme_controller_suspend pauses the host's I/O without failing it: fio with verify keeps running across a 3 s suspension and finishes without an error, timeout or reset once the controller is resumed.
. ./lib.sh

trap snap_nvme_teardown EXIT

snap_nvme_start 1
snapadm_run bdev_malloc_create 16 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0

fio --name=pause --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --verify=crc32c --verify_fatal=1 --time_based --runtime=8 \
	--size=8M --output=/tmp/fio.pause &
fio=$!
sleep 2
snapadm_run nvme_controller_suspend --ctrl NVMeCtrl0
w0=$(sed -n 's/.*nvme0n1 *[0-9]* [0-9]* [0-9]* [0-9]* \([0-9]*\).*/\1/p' /proc/diskstats)
sleep 3
w1=$(sed -n 's/.*nvme0n1 *[0-9]* [0-9]* [0-9]* [0-9]* \([0-9]*\).*/\1/p' /proc/diskstats)
# Completed writes must not move while suspended (one may finish right at the start).
[ $((w1 - w0)) -le 16 ] || fail "$((w1 - w0)) writes completed while the controller was suspended"
snapadm_run nvme_controller_resume --ctrl NVMeCtrl0
wait $fio || { cat /tmp/fio.pause; fail "fio failed across suspend/resume"; }
grep -q "err= 0" /tmp/fio.pause || fail "fio reported an error: $(grep err= /tmp/fio.pause)"
dmesg | grep -q "nvme nvme0: \(resetting\|I/O .*timeout\)" && fail "the host timed out or reset"
log "fio paused for 3 s ($((w1 - w0)) writes completed meanwhile) and finished clean: $(grep -o 'IOPS=[^,]*' /tmp/fio.pause | tr '\n' ' ')"
exit 0
