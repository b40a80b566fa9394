#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# I/O statistics: nvme_controller_dbg_io_stats_get counts exactly the reads and writes fio issued, with their bytes and latencies, per queue and in total; the counts survive kill -9 of the daemon; dbg_debug_stats_get shows the queues the host created; iostat prints totals and rates; a new controller on the function starts at 0; the stats need CAP_NET_ADMIN.
. ./lib.sh

trap snap_nvme_teardown EXIT
command -v fio >/dev/null || skip "no fio in the guest"

snap_nvme_start 1
snapadm_run bdev_malloc_create 32 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0

stat_of() {	# stat_of FILE FIELD: the controller's total (its first FIELD)
	json_norm "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}
issued() {	# issued FILE: fio's "issued rwts: total=R,W,..." as "R W"
	sed -n 's/.*issued rwts: total=\([0-9]*\),\([0-9]*\),.*/\1 \2/p' "$1" | head -1
}

snapadm nvme_controller_dbg_io_stats_get -c NVMeCtrl0 >/tmp/st0 || fail "io_stats_get"
r0=$(stat_of /tmp/st0 num_read_ops)
w0=$(stat_of /tmp/st0 num_write_ops)
[ -n "$r0" ] && [ -n "$w0" ] || fail "no totals: $(cat /tmp/st0)"

fio --name=w --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --iodepth=16 --size=8M --output=/tmp/fio.w || fail "fio write"
fio --name=r --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randread \
	--bs=16k --iodepth=8 --size=8M --output=/tmp/fio.r || fail "fio read"
set -- $(issued /tmp/fio.w)
fw=$2
set -- $(issued /tmp/fio.r)
fr=$1
snapadm -j nvme_controller_dbg_io_stats_get -c NVMeCtrl0 >/tmp/st1 || fail "io_stats_get"
r1=$(stat_of /tmp/st1 num_read_ops)
w1=$(stat_of /tmp/st1 num_write_ops)
[ $((w1 - w0)) -eq "$fw" ] || fail "writes counted $((w1 - w0)), fio issued $fw: $(cat /tmp/st1)"
[ $((r1 - r0)) -eq "$fr" ] || fail "reads counted $((r1 - r0)), fio issued $fr: $(cat /tmp/st1)"
bw=$(stat_of /tmp/st1 bytes_written)
[ "$bw" -ge $((fw * 4096)) ] || fail "bytes_written $bw for $fw 4 KiB writes"
[ "$(stat_of /tmp/st1 read_latency_ns)" -gt 0 ] || fail "no read latency"
[ "$(stat_of /tmp/st1 io_errors)" = 0 ] || fail "errors counted: $(cat /tmp/st1)"
json_norm /tmp/st1 | grep -q '"qid":[1-9]' || fail "no per-queue counters: $(cat /tmp/st1)"
log "counted $((w1 - w0)) writes and $((r1 - r0)) reads; fio issued $fw and $fr"

snapadm nvme_controller_dbg_debug_stats_get -c NVMeCtrl0 >/tmp/dbg || fail "debug_stats_get"
json_norm /tmp/dbg | grep -q '"qid":0' && [ "$(stat_of /tmp/dbg size)" -gt 0 ] ||
	fail "no admin queue in the debug stats: $(cat /tmp/dbg)"
json_norm /tmp/dbg | grep -q '"qid":1' || fail "no I/O queue 1: $(cat /tmp/dbg)"

snapadm iostat -c NVMeCtrl0 >/tmp/iostat || fail "iostat"
cat /tmp/iostat
awk -v r="$r1" -v w="$w1" '$1 == "NVMeCtrl0" && $2 == r && $3 == w { ok = 1 } END { exit !ok }' \
	/tmp/iostat || fail "iostat totals differ from the counters"
# Rates while fio reads: iostat starts once fio's reads are counted (fio
# takes seconds to start on a slow kernel), and fio runs on past it.
fio --name=rate --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randread \
	--bs=4k --iodepth=4 --time_based --runtime=60 --output=/tmp/fio.rate &
fio_pid=$!
n=0
while [ "$(snapadm -j nvme_controller_dbg_io_stats_get -c NVMeCtrl0 >/tmp/st.p &&
	   stat_of /tmp/st.p num_read_ops)" -le "$r1" ] && [ $n -lt 300 ]; do
	usleep 100000
	n=$((n + 1))
done
snapadm iostat -c NVMeCtrl0 1 2 >/tmp/iostat.rate || fail "iostat 1 2"
kill "$fio_pid" 2>/dev/null
wait $fio_pid 2>/dev/null
cat /tmp/iostat.rate
[ "$(grep -c '^NVMeCtrl0 ' /tmp/iostat.rate)" = 2 ] || fail "iostat 1 2 printed no two reports"
awk '$1 == "NVMeCtrl0" && $2 > 0 { ok = 1 } END { exit !ok }' /tmp/iostat.rate ||
	fail "iostat shows no reads while fio reads"

# The counters are the kernel's: a killed daemon loses none.
snapadm -j nvme_controller_dbg_io_stats_get -c NVMeCtrl0 >/tmp/st2
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10 || fail "the killed daemon is still attached"
snap_svc_start
snapadm -j nvme_controller_dbg_io_stats_get -c NVMeCtrl0 >/tmp/st3
[ "$(stat_of /tmp/st3 num_read_ops)" -ge "$(stat_of /tmp/st2 num_read_ops)" ] &&
	[ "$(stat_of /tmp/st3 num_write_ops)" = "$(stat_of /tmp/st2 num_write_ops)" ] ||
	fail "counters lost at a daemon restart: $(cat /tmp/st2) -> $(cat /tmp/st3)"
log "the counters survive kill -9 of the daemon"

as_nobody snapadm nvme_controller_dbg_io_stats_get -c NVMeCtrl0 >/dev/null 2>&1 &&
	fail "an unprivileged user read the I/O counters"

# A new controller on the function starts at 0.
snap_nvme_cleanup
snap_svc_start
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_controller_create --nqn nqn.2023-05.io.nvda.nvme:0 --pf_id 0 --ctrl NVMeCtrl1
snapadm -j nvme_controller_dbg_io_stats_get -c NVMeCtrl1 >/tmp/st4 || fail "io_stats_get"
[ "$(stat_of /tmp/st4 num_read_ops)" = 0 ] && [ "$(stat_of /tmp/st4 num_write_ops)" = 0 ] ||
	fail "a new controller inherited counters: $(cat /tmp/st4)"
out=$(snapadm nvme_controller_dbg_io_stats_get -c NoSuch 2>&1) && fail "stats of no controller"
log "a new controller starts at 0; unknown: $out"
exit 0
