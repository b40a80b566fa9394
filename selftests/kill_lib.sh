# SPDX-License-Identifier: GPL-2.0
# Killing snap_service under load (sourced after lib.sh): the module and
# controllers of the data-corruption report, fio with verification on each
# device, daemons killed and replaced while it runs, and the checks that
# the host saw nothing: fio without a verify error, no duplicate or unknown
# completion, no controller reset, and no completion the kernel refused
# (sysfs stale_cqes) for a command that was not in flight. KILL_MODEL is
# nvme (the default) or vblk: the same run on virtio-blk controllers.

KILL_MODEL=${KILL_MODEL:-nvme}
KILL_NQN=nqn.2024-01.org.example:kill
KILL_MASK=0x1
KILL_DEVS=""
KILL_FIO_PIDS=""
KILL_PAUSES=/tmp/kill.pauses

# kill_load NDEV: the module with NDEV PFs of KILL_MODEL.
kill_load() {
	if [ "$KILL_MODEL" = vblk ]; then
		snap_virtio_drivers
		snap_load internal_cpu_model=1 virtio_blk_emulation_enable=1 \
			virtio_blk_emulation_num_pf=$1 virtio_blk_emulation_num_msix=8 \
			mempool_size_mb=256
		snap_need_family
		snap_need_virtio_trap
	else
		snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=$1 \
			nvme_emulation_num_msix=8 nvme_emulation_max_queue_depth=10 \
			mempool_size_mb=256
		snap_need_family
	fi
}

# kill_ctrl I: controller I of KILL_MODEL on PF I over a 64 MiB malloc
# bdev, 2 I/O queues, bound to the host driver; its disk joins KILL_DEVS.
kill_ctrl() {
	snapadm_run bdev_malloc_create 64 4096 -b M$1
	if [ "$KILL_MODEL" = vblk ]; then
		snapadm_run virtio_blk_controller_create --pf_id $1 --bdev M$1 --ctrl C$1 \
			--num_queues 2
		snap_vblk_bind $1
		KILL_DEVS="$KILL_DEVS /dev/$VBLK_DEV"
		return
	fi
	snapadm_run nvme_subsystem_create --nqn $KILL_NQN$1
	snapadm_run nvme_controller_create --nqn $KILL_NQN$1 --pf_id $1 --ctrl C$1 \
		--num_queues 2 --suspended
	snapadm_run nvme_namespace_create --nqn $KILL_NQN$1 --bdev_name M$1 --nsid 1
	snapadm_run nvme_controller_attach_ns --ctrl C$1 --nsid 1
	snapadm_run nvme_controller_resume --ctrl C$1
	snap_nvme_bind $1
	KILL_DEVS="$KILL_DEVS $NVME_NS"
}

# kill_setup NCTRL [MASK]: NCTRL controllers C0.. on PFs 0.. (kill_ctrl),
# served by snap_service -m MASK.
kill_setup() {
	KILL_MASK=${2:-0x1}
	kill_load "$1"
	snap_svc_start -m "$KILL_MASK"
	_i=0
	while [ $_i -lt "$1" ]; do
		kill_ctrl $_i
		_i=$((_i + 1))
	done
	: >$KILL_PAUSES
	dmesg -c >/dev/null
}

kill_teardown() {
	snap_vblk_unbind_all
	snap_nvme_teardown
}

# kill_fio RW RUNTIME: fio with crc32c verification on every device, in the
# background, as the report ran it (4 KiB-256 KiB at QD 32). RW "mix" is
# the issue's load instead: random reads and writes of 4 KiB to 1 MiB at
# QD 1, 32 and 128 at once, each depth on its own 16 MiB of the device so
# that each verifies what it wrote.
kill_fio() {
	_j=0
	for _d in $KILL_DEVS; do
		rm -rf /tmp/vd$_j && mkdir /tmp/vd$_j
		if [ "$1" = mix ]; then
			fio --ioengine=libaio --direct=1 --rw=randrw --verify=crc32c \
				--verify_backlog=256 --verify_fatal=1 --time_based \
				--verify_dump=1 --aux-path=/tmp/vd$_j \
				--runtime="$2" --filename="$_d" \
				--name=q1 --iodepth=1 --bsrange=4k-1m --offset=0 --size=16M \
				--name=q32 --iodepth=32 --bsrange=4k-1m --offset=16M --size=16M \
				--name=q128 --iodepth=128 --bsrange=4k-128k --offset=32M --size=16M \
				>/tmp/fio$_j.log 2>&1 &
		else
			fio --name=k$_j --filename="$_d" --ioengine=libaio --direct=1 --rw="$1" \
				--bsrange=4k-256k --iodepth=32 --size=48M --time_based \
				--runtime="$2" --verify=crc32c --verify_backlog=256 \
				--verify_fatal=1 --verify_dump=1 --aux-path=/tmp/vd$_j \
				>/tmp/fio$_j.log 2>&1 &
		fi
		KILL_FIO_PIDS="$KILL_FIO_PIDS $!"
		_j=$((_j + 1))
	done
}

# kill_ops: the reads and writes controller C0 completed, as the kernel
# counts them (they survive the daemon).
kill_ops() {
	if [ "$KILL_MODEL" = vblk ]; then
		snapadm -j virtio_blk_controller_dbg_io_stats_get -c C0 >/tmp/kill.ops 2>/dev/null
	else
		snapadm -j nvme_controller_dbg_io_stats_get -c C0 >/tmp/kill.ops 2>/dev/null
	fi
	json_norm /tmp/kill.ops | awk '{
		match($0, /"num_read_ops":[0-9]+/); r = substr($0, RSTART + 15, RLENGTH - 15)
		match($0, /"num_write_ops":[0-9]+/); w = substr($0, RSTART + 16, RLENGTH - 16)
		print r + w }'
}

# kill_restart [ENV...]: the daemon gone (killed or died), a new one attached.
kill_restart() {
	wait "$SVC_PID" 2>/dev/null
	wait_for /sys/class/snap/sim0/daemon_pid "^0\$" 20 ||
		fail "the dead daemon $SVC_PID is still attached"
	sleep 0.2
	snap_svc_start -m "$KILL_MASK"
}

# kill_fio_running: some fio of kill_fio still runs.
kill_fio_running() {
	for _p in $KILL_FIO_PIDS; do
		kill -0 "$_p" 2>/dev/null && return 0
	done
	return 1
}

# kill_pause T0 OPS: seconds from T0 (a kill) until C0 completes I/O again,
# appended to KILL_PAUSES: what the host's I/O waited. Not counted when
# fio has ended meanwhile (a kill after the load), which would measure
# nothing but this loop.
kill_pause() {
	_n=0
	while [ "$(kill_ops)" -le "$2" ] && [ $_n -lt 300 ]; do
		kill_fio_running || return 0
		usleep 20000
		_n=$((_n + 1))
	done
	elapsed "$1" >>$KILL_PAUSES
	echo >>$KILL_PAUSES
}

# kill_loop N: N kills, spread over the run (2 to 4 s apart), each with
# the I/O pause it caused.
kill_loop() {
	_k=1
	while [ $_k -le "$1" ]; do
		sleep $((2 + _k % 3))
		_t0=$(uptime_s)
		kill -9 "$SVC_PID"
		wait "$SVC_PID" 2>/dev/null
		_ops=$(kill_ops)
		kill_restart
		kill_pause "$_t0" "$_ops"
		_k=$((_k + 1))
	done
	log "$1 kills of snap_service under load, each replaced"
}

# kill_upgrade_loop N: N live updates (snap_service --live-update), 2 to 4
# s apart: each old daemon must exit 0 once the new one attached, and the
# new one's "serving N ms after asking" (SIGTERM to serving: the longest the
# host's I/O can have waited) goes to KILL_PAUSES.
kill_upgrade_loop() {
	_k=1
	while [ $_k -le "$1" ]; do
		sleep $((2 + _k % 3))
		_old=$SVC_PID
		: >/tmp/svc.new
		SNAP_MEMPOOL_SIZE_MB=${SNAP_MEMPOOL_SIZE_MB:-64} snap_service -l 4 \
			-m "$KILL_MASK" --live-update >>/tmp/svc.new 2>&1 &
		SVC_PID=$!
		wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" 40 ||
			fail "live update $_k: the new daemon did not attach: $(cat /tmp/svc.new)"
		wait "$_old"
		_rc=$?
		[ $_rc = 0 ] || fail "live update $_k: the old daemon $_old exited with $_rc"
		wait_for /tmp/svc.new "live update: serving [0-9]+ ms" 10 ||
			fail "live update $_k: no take-over line: $(cat /tmp/svc.new)"
		sed -n 's/.*live update: serving \([0-9]*\) ms.*/\1/p' /tmp/svc.new |
			awk '{ printf "%.3f\n", $1 / 1000 }' >>$KILL_PAUSES
		cat /tmp/svc.new >>/tmp/svc.log
		_k=$((_k + 1))
	done
	log "$1 live updates of snap_service under load, each old daemon exited 0"
}

# kill_dumped DIR: the start of each block fio dumped on a verify error
# (--verify_dump): its verify header holds the offset and the time the
# data that came back was written for, which tells a lost write (right
# offset, older time) from another block's data (other offset).
kill_dumped() {
	for _f in "$1"/*.received "$1"/*.expected "$1"/*.hdr_fail; do
		[ -f "$_f" ] || continue
		echo "$_f:"
		od -A d -t x1 -N 48 "$_f"
	done
}

# kill_check WHAT: every fio ended cleanly, the host saw nothing wrong.
kill_check() {
	_j=0
	for _p in $KILL_FIO_PIDS; do
		wait "$_p"
		_rc=$?
		if [ $_rc -ne 0 ] || grep -q "verify:\|err= *[1-9]" /tmp/fio$_j.log; then
			# fio's own words on what it read: "verify: bad header
			# offset ..." names the block whose data came back.
			grep -m12 -i "verify\|err=\|error\|expected\|received\|wanted" /tmp/fio$_j.log
			kill_dumped /tmp/vd$_j
			fail "$1: fio on device $_j failed (exit $_rc)"
		fi
		log "$1: fio $_j: $(grep -m1 -o 'err= *[0-9]*' /tmp/fio$_j.log), $(grep -o 'IOPS=[^,]*' /tmp/fio$_j.log | tr '\n' ' ')I/Os $(grep -o 'issued rwts: total=[0-9]*,[0-9]*' /tmp/fio$_j.log |
			awk -F'[=,]' '{ n += $2 + $3 } END { print n }')"
		_j=$((_j + 1))
	done
	KILL_FIO_PIDS=""
	_bad=$(dmesg | grep -E "genctr mismatch|invalid id|resetting|timeout|I/O error|Abort|controller is down")
	[ -z "$_bad" ] || { echo "$_bad" | head -5; fail "$1: the host saw duplicate completions, errors or resets"; }
	for _f in /sys/class/snap/sim0/functions/*; do
		[ -f "$_f/stale_cqes" ] || continue
		_s=$(cat "$_f/stale_cqes")
		[ "$_s" = 0 ] || fail "$1: $(basename "$_f"): $_s completions for commands not in flight"
	done
	log "$1: no verify error, no duplicate completion, no reset, stale_cqes 0"
	if [ -s $KILL_PAUSES ]; then
		log "$1: I/O pause per kill or update (s): $(sort -n $KILL_PAUSES | awk '
			{ v[NR] = $1 } END { printf "%d of them, median %.2f, max %.2f",
			NR, v[int((NR + 1) / 2)], v[NR] }')"
		: >$KILL_PAUSES
	fi
}

# kill_fault POINT: the fault build (snap_service-fault), armed at the
# point's KILL_FAULT_AT-th hit (100 by default: into fio's run, and
# within it on the debug kernel too), under random writes; when it dies
# there a plain daemon takes over, and the host must see nothing. It has
# until fio ends to get there.
kill_fault() {
	command -v snap_service-fault >/dev/null || fail "no snap_service-fault in the guest"
	kill -9 "$SVC_PID"
	wait "$SVC_PID" 2>/dev/null
	wait_for /sys/class/snap/sim0/daemon_pid "^0\$" 20 || fail "$1: old daemon still attached"
	: >/tmp/fault.log
	SNAP_FAULT=$1@${KILL_FAULT_AT:-100} SNAP_MEMPOOL_SIZE_MB=64 snap_service-fault -l 4 >>/tmp/fault.log 2>&1 &
	SVC_PID=$!
	wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" 10 ||
		fail "$1: snap_service-fault did not attach: $(cat /tmp/fault.log)"
	kill_fio randwrite 14
	# Until it dies, or the load is over: a slow guest (the debug
	# kernel beside another) takes longer to reach the hit, not less
	# load.
	while kill -0 "$SVC_PID" 2>/dev/null && kill_fio_running; do
		sleep 0.1
	done
	sleep 1
	grep -q "fault point $1 hit ${KILL_FAULT_AT:-100}: dying" /tmp/fault.log ||
		{ cat /tmp/fault.log; fail "$1: the fault point was not hit in fio's 14 s"; }
	kill_restart
	log "$1: snap_service-fault died at the point, $SVC_PID took over"
	kill_check "$1"
	dmesg -c >/dev/null
}
