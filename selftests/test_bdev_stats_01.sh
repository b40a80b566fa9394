#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-bdev I/O statistics: bdev_get_iostat -b counts exactly the reads and writes fio issued on a malloc and a null bdev (two namespaces of one controller), with their bytes and latency sums and extremes, in SPDK's JSON (tick_rate 1e9); the counts survive kill -9 of the daemon and the restarted daemon adds to them; without -b every bdev is listed; an unknown bdev is an error; unprivileged users are refused; a bdev deleted and created again starts at 0. Runs the bdev-iostat block of Documentation/admin-guide.md.
. ./lib.sh

trap snap_nvme_teardown EXIT
command -v fio >/dev/null || skip "no fio in the guest"
DOC=/snap/doc/Documentation/admin-guide.md
SUBNQN=nqn.2023-05.io.nvda.nvme:0

snap_nvme_start 1
snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snapadm_run bdev_null_create Null0 64 4096
snap_nvme_ctrl $SUBNQN NVMeCtrl0 0 Malloc0 Null0
snap_nvme_bind 0
NULL_NS=/dev/$(nvme_ns_wait "$NVME_CTRL" 2) || fail "no namespace 2 (Null0) after 10 s"

stat_of() {	# stat_of FILE FIELD: FIELD of the first bdev in FILE
	json_norm "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}
bstat() {	# bstat BDEV FILE: its counters into FILE
	snapadm -j bdev_get_iostat -b "$1" >"$2" || fail "bdev_get_iostat -b $1: $(cat "$2")"
}
issued() {	# issued FILE: fio's "issued rwts: total=R,W,..." as "R W"
	sed -n 's/.*issued rwts: total=\([0-9]*\),\([0-9]*\),.*/\1 \2/p' "$1" | head -1
}
delta() {	# delta BEFORE AFTER FIELD
	echo $(($(stat_of "$2" "$3") - $(stat_of "$1" "$3")))
}

# The document's example, verbatim.
doc_block $DOC bdev-iostat >/tmp/doc.sh || fail "$DOC has no block bdev-iostat"
sh /tmp/doc.sh >/tmp/doc.out || fail "the bdev-iostat example failed: $(cat /tmp/doc.out)"
json_has /tmp/doc.out tick_rate 1000000000 && json_has /tmp/doc.out name Malloc0 ||
	fail "the example printed no SPDK iostat of Malloc0: $(cat /tmp/doc.out)"

bstat Malloc0 /tmp/m0
bstat Null0 /tmp/n0
fio --name=w --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --iodepth=16 --size=8M --output=/tmp/fio.w || fail "fio write"
fio --name=r --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randread \
	--bs=16k --iodepth=8 --size=8M --output=/tmp/fio.r || fail "fio read"
fio --name=n --filename="$NULL_NS" --ioengine=libaio --direct=1 --rw=randrw \
	--bs=8k --iodepth=4 --size=4M --output=/tmp/fio.n || fail "fio on the null bdev"
set -- $(issued /tmp/fio.w)
fw=$2
set -- $(issued /tmp/fio.r)
fr=$1
set -- $(issued /tmp/fio.n)
nr=$1 nw=$2
bstat Malloc0 /tmp/m1
bstat Null0 /tmp/n1
cat /tmp/m1

check() {	# check BEFORE AFTER FIELD WANT
	got=$(delta "$1" "$2" "$3")
	[ "$got" -eq "$4" ] || fail "$3 grew by $got, want $4: $(cat "$1") -> $(cat "$2")"
}
check /tmp/m0 /tmp/m1 num_write_ops "$fw"
check /tmp/m0 /tmp/m1 bytes_written $((fw * 4096))
check /tmp/m0 /tmp/m1 num_read_ops "$fr"
check /tmp/m0 /tmp/m1 bytes_read $((fr * 16384))
check /tmp/n0 /tmp/n1 num_read_ops "$nr"
check /tmp/n0 /tmp/n1 num_write_ops "$nw"
check /tmp/n0 /tmp/n1 bytes_written $((nw * 8192))
for f in read_latency_ticks write_latency_ticks min_read_latency_ticks \
	 min_write_latency_ticks; do
	[ "$(stat_of /tmp/m1 $f)" -gt 0 ] || fail "$f is 0: $(cat /tmp/m1)"
done
[ "$(stat_of /tmp/m1 max_write_latency_ticks)" -ge "$(stat_of /tmp/m1 min_write_latency_ticks)" ] ||
	fail "max write latency below the min: $(cat /tmp/m1)"
[ "$(stat_of /tmp/m1 io_errors)" = 0 ] || fail "errors counted: $(cat /tmp/m1)"
json_has /tmp/m1 tick_rate 1000000000 || fail "no tick_rate 1e9: $(cat /tmp/m1)"
log "Malloc0 counted $(delta /tmp/m0 /tmp/m1 num_write_ops) writes and" \
	"$(delta /tmp/m0 /tmp/m1 num_read_ops) reads, fio issued $fw and $fr;" \
	"Null0 $(delta /tmp/n0 /tmp/n1 num_read_ops) reads and" \
	"$(delta /tmp/n0 /tmp/n1 num_write_ops) writes, fio issued $nr and $nw"

snapadm -j bdev_get_iostat >/tmp/all || fail "bdev_get_iostat: $(cat /tmp/all)"
json_has /tmp/all name Malloc0 && json_has /tmp/all name Null0 ||
	fail "bdev_get_iostat lists not every bdev: $(cat /tmp/all)"

# The counters are the kernel's: a killed daemon loses none, and the next
# one adds to them.
bstat Malloc0 /tmp/m2
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10 || fail "the killed daemon is still attached"
bstat Malloc0 /tmp/m3
check /tmp/m2 /tmp/m3 num_write_ops 0
check /tmp/m2 /tmp/m3 bytes_read 0
snap_svc_start
fio --name=w2 --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --iodepth=4 --size=1M --output=/tmp/fio.w2 || fail "fio write after the restart"
set -- $(issued /tmp/fio.w2)
fw2=$2
bstat Malloc0 /tmp/m4
check /tmp/m3 /tmp/m4 num_write_ops "$fw2"
log "the counters survive kill -9 ($(stat_of /tmp/m3 num_write_ops) writes) and the" \
	"new daemon added its $fw2"

as_nobody snapadm bdev_get_iostat -b Malloc0 >/dev/null 2>&1 &&
	fail "an unprivileged user read the bdev counters"
out=$(snapadm bdev_get_iostat -b NoSuch 2>&1) && fail "iostat of no bdev: $out"
echo "$out" | grep -q "no bdev" || fail "unclear error for an unknown bdev: $out"
log "unknown bdev: $out"

# A bdev deleted and created again (likely with the same id) starts at 0,
# once the daemon has mapped its new counters.
snap_nvme_cleanup
snap_svc_start
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_namespace_destroy --nqn $SUBNQN --nsid 1
snapadm_run bdev_malloc_delete Malloc0
snapadm_run bdev_malloc_create 32 4096 -b Malloc0
n=0
until snapadm -j bdev_list -b Malloc0 >/tmp/b 2>&1 && json_has /tmp/b ready true; do
	[ $n -lt 100 ] || fail "the daemon did not take the new Malloc0: $(cat /tmp/b)"
	usleep 100000
	n=$((n + 1))
done
bstat Malloc0 /tmp/m5
for f in num_read_ops num_write_ops bytes_read bytes_written read_latency_ticks \
	 max_read_latency_ticks min_write_latency_ticks io_errors; do
	[ "$(stat_of /tmp/m5 $f)" = 0 ] || fail "the new Malloc0 inherited $f: $(cat /tmp/m5)"
done
[ "$(stat_of /tmp/n1 num_read_ops)" -gt 0 ] && bstat Null0 /tmp/n2 &&
	[ "$(stat_of /tmp/n2 num_read_ops)" = "$(stat_of /tmp/n1 num_read_ops)" ] ||
	fail "Null0's counters changed with Malloc0's: $(cat /tmp/n1) -> $(cat /tmp/n2)"
log "a bdev created again starts at 0"
exit 0
