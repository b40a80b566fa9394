#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The quick start as a user runs it: the blocks of Documentation/quickstart.md marked "run: test_docs_quickstart_01", taken from the document verbatim (doc_blocks.awk) and run in order: the module put where modprobe finds it (what the snap-dkms package does), drivers autoprobing, qs-load (or qs-load-reserved in a guest booted with memmap=64M$0x70000000 and no ivshmem, make check's vm-memmap layer), qs-seed; then /dev/nvme0n1 must appear, qs-check must show the controller ready, the model, the disk and the module's log lines, and qs-fio must verify with no error.
. ./lib.sh

DOC=/snap/doc/Documentation/quickstart.md
VUID=SNAPSIM00000NVMES1D0F0
AUTOPROBE=/sys/bus/pci/drivers_autoprobe
MODDIR=/lib/modules/$(uname -r)/updates/dkms
# The nvme driver waits CAP.TO (30 s) for CSTS.RDY; a reprobe follows.
WAIT_NS=60

qs_cleanup() {
	SVC_PID=$(cat $SNAP_SYSFS/daemon_pid 2>/dev/null)
	[ "$SVC_PID" = 0 ] && SVC_PID=""
	snap_nvme_cleanup
	snap_cleanup
	rm -f $MODDIR/snap.ko
	depmod
	echo 0 >$AUTOPROBE
	[ -n "$LOADED_NVME" ] && rmmod nvme 2>/dev/null
	return 0
}

# run_block NAME: the block as the document has it, shown, run by sh -e
# (a failing line stops it, as a user would stop), its output in
# /tmp/qs.NAME.
run_block() {
	doc_block $DOC "$1" >/tmp/qs.$1.sh || fail "$DOC has no block $1"
	echo "--- $1:"
	sed 's/^/  /' /tmp/qs.$1.sh
	sh -e /tmp/qs.$1.sh >/tmp/qs.$1 2>&1
	_rc=$?
	sed 's/^/  | /' /tmp/qs.$1
	[ $_rc = 0 ] || fail "block $1 of $DOC exited with $_rc"
}

[ -f $DOC ] || fail "$DOC is not in the guest"
command -v fio >/dev/null || skip "no fio in the guest"
if grep -q 1af41110 /proc/bus/pci/devices; then
	LOAD=qs-load
elif grep -q 'memmap=64M\$0x70000000' /proc/cmdline; then
	LOAD=qs-load-reserved
else
	skip "no ivshmem-plain device and no memmap=64M\$0x70000000: no BAR memory"
fi
trap qs_cleanup EXIT

# The machine the quick start starts from: the module installed where
# modprobe looks (snap-dkms's place), drivers probing new devices, a
# /var/log. nvme may be loaded or not: the quick start loads it.
mkdir -p $MODDIR /var/log
cp $SNAP_KO $MODDIR/snap.ko
depmod || fail "depmod"
echo 1 >$AUTOPROBE
grep -q '^nvme ' /proc/modules || LOADED_NVME=1
rm -f /var/log/snap_service.log

t0=$(uptime_s)
run_block $LOAD
run_block qs-seed
bdf=$(sysfs_read $SNAP_SYSFS/functions/$VUID/bdf)
[ -n "$bdf" ] && [ "$bdf" != "<missing>" ] || fail "$VUID has no BDF"
NVME_BDFS=$bdf
if ! snap_nvme_wait_ns "$bdf" $WAIT_NS; then
	dmesg | grep -E "nvme|snap" | tail -20
	tail -20 /var/log/snap_service.log
	fail "no namespace $(elapsed $t0) s after the quick start's load"
fi
[ "$NVME_NS" = /dev/nvme0n1 ] || fail "the namespace is $NVME_NS, not /dev/nvme0n1"
log "/dev/nvme0n1 $(elapsed $t0) s after the quick start's load"

run_block qs-check
out=/tmp/qs.qs-check
json_has $out ready true || fail "qs-check: the controller is not listed ready"
json_has $out state running || fail "qs-check: the controller is not listed running"
json_norm $out | grep -q '"error":' && fail "qs-check: the controller list has an error"
grep -q "snap NVMe controller" $out || fail "qs-check: nvme list shows no 'snap NVMe controller'"
grep -Eq '^nvme0n1 .* 32M ' $out || fail "qs-check: lsblk shows no 32M nvme0n1"
grep -q "snap: sim: 1 function(s) on PCI domain" $out || fail "qs-check: no sim line in dmesg"
grep -Eq "nvme nvme0: [0-9/]+ default/read/poll queues" $out ||
	fail "qs-check: no queues line of nvme in dmesg"

run_block qs-fio
grep -q "err= 0" /tmp/qs.qs-fio || fail "qs-fio: fio reported errors"
log "the quick start verbatim: /dev/nvme0n1 and a passing fio verify ($(elapsed $t0) s)"
exit 0
