#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# nvme-cli against the emulated controller answers with the right values: id-ns geometry, SMART counters that follow the I/O, the error log, Number of Queues, flush, deallocate and write zeroes that really zero.
. ./lib.sh

trap snap_nvme_teardown EXIT

snap_nvme_start 1
snapadm_run bdev_malloc_create 16 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
C=/dev/$NVME_CTRL

field() {	# field FILE NAME: the value of "NAME : value" lines of nvme-cli
	sed -n "s/^$2 *: *//p" "$1" | head -1 | tr -d ' ,'
}

nvme id-ns "$NVME_NS" >/tmp/idns || fail "nvme id-ns"
[ "$(field /tmp/idns nsze)" = 0x1000 ] || fail "id-ns nsze $(field /tmp/idns nsze), want 0x1000 (4096 blocks)"
[ "$(field /tmp/idns ncap)" = 0x1000 ] || fail "id-ns ncap $(field /tmp/idns ncap)"
grep -q "lbaf  0 : ms:0   lbads:12" /tmp/idns || fail "id-ns lbaf 0 is not 4 KiB: $(grep lbaf /tmp/idns)"

nvme smart-log "$C" -o json >/tmp/smart0 || fail "nvme smart-log"
w0=$(jfield /tmp/smart0 host_write_commands)
du0=$(jfield /tmp/smart0 data_units_written)
[ -n "$w0" ] && [ -n "$du0" ] || fail "smart-log lacks the counters: $(tr -d "\n" </tmp/smart0)"
dd if=/dev/urandom of="$NVME_NS" bs=1M count=2 oflag=direct 2>/dev/null || fail "dd write"
nvme smart-log "$C" -o json >/tmp/smart1 || fail "nvme smart-log"
w1=$(jfield /tmp/smart1 host_write_commands)
du1=$(jfield /tmp/smart1 data_units_written)
[ "$w1" -gt "$w0" ] || fail "host_write_commands $w0 -> $w1 after writing 2 MiB"
# Data units are 1000 units of 512 bytes: 2 MiB is 4096 units, i.e. 4-5 more.
[ $((du1 - du0)) -ge 4 ] || fail "data_units_written $du0 -> $du1 after writing 2 MiB"
log "smart-log: host_write_commands $w0 -> $w1, data_units_written $du0 -> $du1"

# A read past the end fails (LBA Out of Range) and lands in the error log.
nvme read "$NVME_NS" -s 4096 -c 0 -z 4096 -d /tmp/r >/tmp/oor 2>&1 &&
	fail "reading block 4096 of a 4096-block namespace succeeded"
nvme error-log "$C" -e 4 -o json >/tmp/errlog || fail "nvme error-log"
ec=$(jfield /tmp/errlog error_count)
sf=$(jfield /tmp/errlog status_field)
[ "${ec:-0}" -ge 1 ] || fail "error-log entry 0 error_count '$ec': $(tr -d '\n' </tmp/errlog | cut -c1-300)"
[ "${sf:-0}" -ne 0 ] || fail "error-log entry 0 has no status"
log "error-log: error_count $ec status_field $sf after an out-of-range read"

nvme get-feature "$C" -f 7 >/tmp/feat7 2>&1 || fail "nvme get-feature -f 7: $(cat /tmp/feat7)"
grep -q "Current value:0x" /tmp/feat7 || fail "get-feature -f 7: $(cat /tmp/feat7)"
log "get-feature -f 7: $(cat /tmp/feat7)"

nvme flush "$C" -n 1 >/tmp/flush 2>&1 || fail "nvme flush: $(cat /tmp/flush)"

# Write zeroes and deallocate must leave zeroes where data was.
dd if=/dev/urandom of="$NVME_NS" bs=4096 seek=64 count=16 oflag=direct 2>/dev/null
nvme write-zeroes "$NVME_NS" -s 64 -c 7 >/tmp/wz 2>&1 || fail "nvme write-zeroes: $(cat /tmp/wz)"
dd if="$NVME_NS" of=/tmp/z bs=4096 skip=64 count=8 iflag=direct 2>/dev/null
dd if=/dev/zero of=/tmp/zero bs=4096 count=8 2>/dev/null
cmp /tmp/z /tmp/zero || fail "blocks 64-71 are not zero after write-zeroes"
nvme dsm "$NVME_NS" --ad -s 72 -b 8 >/tmp/dsm 2>&1 || fail "nvme dsm --ad: $(cat /tmp/dsm)"
dd if="$NVME_NS" of=/tmp/z bs=4096 skip=72 count=8 iflag=direct 2>/dev/null
cmp /tmp/z /tmp/zero || fail "blocks 72-79 are not zero after dsm --ad"
log "flush, write-zeroes, dsm --ad: ok"
exit 0
