#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A backend that fails (a uring bdev on a file of a full file system) gives the host write errors at once, never a hang or a controller reset, while reads and the other namespace keep working.
. ./lib.sh

cleanup() {
	snap_nvme_cleanup
	snap_cleanup
	umount /tmp/small 2>/dev/null
}
trap cleanup EXIT

mkdir -p /tmp/small
mount -t tmpfs -o size=1m tmpfs /tmp/small || fail "mount a 1 MiB tmpfs"
# 16 MiB the file system cannot hold: writes past 1 MiB fail with ENOSPC.
truncate -s 16M /tmp/small/disk.img || fail "truncate"

snap_nvme_start 1
snapadm_run bdev_uring_create /tmp/small/disk.img Full0 4096
snapadm_run bdev_malloc_create 8 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Full0 Malloc0
snap_nvme_bind 0
full=$NVME_NS
good=/dev/$(nvme_ns_wait $NVME_CTRL 2) || fail "no namespace 2 on $NVME_CTRL"

t0=$(uptime_s)
fio --name=full --filename="$full" --ioengine=libaio --direct=1 --rw=write --bs=64k \
	--iodepth=8 --size=8M --output=/tmp/fio.full >/dev/null 2>&1 &&
	fail "fio wrote 8 MiB to a file system of 1 MiB"
t=$(elapsed $t0)
grep -q "err=" /tmp/fio.full || fail "fio reported no error: $(cat /tmp/fio.full)"
log "fio stopped with $(grep -o 'error=[^)]*' /tmp/fio.full | head -1) after $t s"
# Liveness, not speed: a hang would run into the I/O timeout (30 s) and a reset.
awk -v t="$t" 'BEGIN { exit !(t < 25) }' || fail "the errors took $t s to arrive"
dmesg | grep -q "nvme nvme0: \(resetting\|I/O .*timeout\)" && fail "the host timed out or reset"

dd if="$full" of=/dev/null bs=64k count=8 iflag=direct 2>/dev/null || fail "reading the full namespace"
dd if=/dev/urandom of=/tmp/p bs=4096 count=4 2>/dev/null
dd if=/tmp/p of="$good" bs=4096 oflag=direct 2>/dev/null || fail "writing the other namespace"
dd if="$good" of=/tmp/b bs=4096 count=4 iflag=direct 2>/dev/null
cmp /tmp/p /tmp/b || fail "the other namespace reads back wrong"
exit 0
