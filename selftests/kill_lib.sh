# SPDX-License-Identifier: GPL-2.0
# Killing snap_service under load (sourced after lib.sh): the module and
# controllers of the data-corruption report, fio with verification on each
# namespace, daemons killed and replaced while it runs, and the checks that
# the host saw nothing: fio without a verify error, no duplicate or unknown
# completion, no controller reset, and no completion the kernel refused
# (sysfs stale_cqes) for a command that was not in flight.

KILL_NQN=nqn.2024-01.org.example:kill
KILL_MASK=0x1
KILL_DEVS=""
KILL_FIO_PIDS=""

# kill_setup NCTRL [MASK]: NCTRL controllers C0.. on PFs 0.., each with a
# 64 MiB malloc namespace and 2 I/O queues, served by snap_service -m MASK.
kill_setup() {
	KILL_MASK=${2:-0x1}
	snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=$1 \
		nvme_emulation_num_msix=8 nvme_emulation_max_queue_depth=10 mempool_size_mb=256
	snap_need_family
	snap_svc_start -m "$KILL_MASK"
	_i=0
	while [ $_i -lt "$1" ]; do
		snapadm_run bdev_malloc_create 64 4096 -b M$_i
		snapadm_run nvme_subsystem_create --nqn $KILL_NQN$_i
		snapadm_run nvme_controller_create --nqn $KILL_NQN$_i --pf_id $_i --ctrl C$_i \
			--num_queues 2 --suspended
		snapadm_run nvme_namespace_create --nqn $KILL_NQN$_i --bdev_name M$_i --nsid 1
		snapadm_run nvme_controller_attach_ns --ctrl C$_i --nsid 1
		snapadm_run nvme_controller_resume --ctrl C$_i
		snap_nvme_bind $_i
		KILL_DEVS="$KILL_DEVS $NVME_NS"
		_i=$((_i + 1))
	done
	dmesg -c >/dev/null
}

# kill_fio RW RUNTIME: fio with crc32c verification on every namespace, in
# the background, as the report ran it.
kill_fio() {
	_j=0
	for _d in $KILL_DEVS; do
		fio --name=k$_j --filename="$_d" --ioengine=libaio --direct=1 --rw="$1" \
			--bsrange=4k-256k --iodepth=32 --size=48M --time_based --runtime="$2" \
			--verify=crc32c --verify_backlog=256 --verify_fatal=1 \
			>/tmp/fio$_j.log 2>&1 &
		KILL_FIO_PIDS="$KILL_FIO_PIDS $!"
		_j=$((_j + 1))
	done
}

# kill_restart [ENV...]: the daemon gone (killed or died), a new one attached.
kill_restart() {
	wait "$SVC_PID" 2>/dev/null
	wait_for /sys/class/snap/sim0/daemon_pid "^0\$" 20 ||
		fail "the dead daemon $SVC_PID is still attached"
	sleep 0.2
	snap_svc_start -m "$KILL_MASK"
}

# kill_loop N: N kills, spread over the run (2 to 4 s apart).
kill_loop() {
	_k=1
	while [ $_k -le "$1" ]; do
		sleep $((2 + _k % 3))
		kill -9 "$SVC_PID"
		kill_restart
		_k=$((_k + 1))
	done
	log "$1 kills of snap_service under load, each replaced"
}

# kill_check WHAT: every fio ended cleanly, the host saw nothing wrong.
kill_check() {
	_j=0
	for _p in $KILL_FIO_PIDS; do
		wait "$_p"
		_rc=$?
		if [ $_rc -ne 0 ] || grep -q "verify:\|err= *[1-9]" /tmp/fio$_j.log; then
			grep -m5 "verify:\|err=\|error" /tmp/fio$_j.log
			fail "$1: fio on namespace $_j failed (exit $_rc)"
		fi
		log "$1: fio $_j: $(grep -m1 -o 'err= *[0-9]*' /tmp/fio$_j.log), $(grep -m1 -o 'IOPS=[^,]*' /tmp/fio$_j.log)"
		_j=$((_j + 1))
	done
	KILL_FIO_PIDS=""
	_bad=$(dmesg | grep -E "genctr mismatch|invalid id|resetting|timeout|I/O error|Abort|controller is down")
	[ -z "$_bad" ] || { echo "$_bad" | head -5; fail "$1: the host saw duplicate completions, errors or resets"; }
	for _f in /sys/class/snap/sim0/functions/*NVMES*; do
		_s=$(cat "$_f/stale_cqes")
		[ "$_s" = 0 ] || fail "$1: $(basename "$_f"): $_s completions for commands not in flight"
	done
	log "$1: no verify error, no duplicate completion, no reset, stale_cqes 0"
}
