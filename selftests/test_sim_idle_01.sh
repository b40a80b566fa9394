#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Idle cost of the sim provider's poller. With nvme_emulation_num_pf=2,
# measure the snap_sim_poll kthread over 30 s twice: with the functions
# untouched (memory decode off: the poller must sleep until a config
# write), and with memory decode and bus mastering on in both, as a bound
# host driver has them (the poller wakes on its idle ceiling and reads CC
# and the doorbells). CPU time comes from /proc/PID/schedstat (ns on CPU;
# utime + stime where the kernel has no schedstat), as a share of one CPU;
# wake-ups from the context switch counts in /proc/PID/status. Only the
# wake-ups are checked: they show the back-off works whatever the speed of
# the guest; the CPU share is printed for the record (a number, not a test:
# under TCG it swings with the load on the host).
. ./lib.sh
trap snap_cleanup EXIT

grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"

SECS=30
# Decode + bus master on, idle: about 8 wake-ups a second are expected
# (128 ms sleeps with slack); a 16 ms ceiling alone would give 50-60.
MAX_WAKEUPS_PER_S=12

# A loaded nvme driver would probe the PFs (module load does not wait).
snap_no_nvme
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
	nvme_emulation_num_msix=8

pid=""
for d in /proc/[0-9]*; do
	[ "$(cat $d/comm 2>/dev/null)" = snap_sim_poll ] && pid=${d#/proc/}
done
[ -n "$pid" ] || fail "no snap_sim_poll kthread"
log "poller pid $pid"

ticks() {
	awk '{ print $14 + $15 }' /proc/$pid/stat
}

# Nanoseconds on CPU: schedstat when the kernel keeps it (the poller has
# run, so it is not 0), else utime + stime at 10 ms a tick.
if [ "$(cut -d' ' -f1 /proc/$pid/schedstat 2>/dev/null)" -gt 0 ] 2>/dev/null; then
	run_ns() {
		cut -d' ' -f1 /proc/$pid/schedstat
	}
else
	log "no schedstat: CPU time from utime + stime"
	run_ns() {
		echo $(( $(ticks) * 10000000 ))
	}
fi

switches() {
	awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/$pid/status
}

# measure LABEL: prints, and sets $permille (thousandths of one CPU) and
# $wakeups (switches over the whole period).
measure() {
	t0=$(uptime_s) n0=$(run_ns) k0=$(ticks) s0=$(switches)
	sleep $SECS
	t1=$(uptime_s) n1=$(run_ns) k1=$(ticks) s1=$(switches)
	permille=$(awk -v a="$n0" -v b="$n1" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%d", (b - a) / ((t1 - t0) * 1e9) * 1000 + 0.5 }')
	wakeups=$((s1 - s0))
	awk -v l="$1" -v a="$n0" -v b="$n1" -v k0="$k0" -v k1="$k1" -v t0="$t0" \
		-v t1="$t1" -v w="$wakeups" 'BEGIN {
		d = t1 - t0
		printf "%s: %.2f s: on CPU %.3f ms = %.4f%% of one CPU (utime+stime %d ticks); %d wake-ups (%.1f/s)\n",
			l, d, (b - a) / 1e6, (b - a) / (d * 1e9) * 100, k1 - k0, w, w / d }'
}

measure "decode off (no host driver)"
[ "$wakeups" -le 1 ] || fail "poller woke $wakeups times with nothing to poll"

# Memory Space + Bus Master in the Command register of both functions.
for pf in 0 1; do
	bdf=$(cat /sys/class/snap/sim0/functions/SNAPSIM00000NVMES1D${pf}F0/bdf)
	printf '\006\000' | dd of=/sys/bus/pci/devices/$bdf/config bs=1 seek=4 \
		conv=notrunc 2>/dev/null || fail "cannot write the Command register of $bdf"
	lspci -s "$bdf" -vv | grep -q 'Mem+ BusMaster+' || fail "$bdf: decode/bus master not on"
done
# The poller polls fast for 2 s after the config writes before idling deep.
sleep 3
measure "decode + bus master on, idle"
[ "$wakeups" -le $((MAX_WAKEUPS_PER_S * SECS)) ] ||
	fail "idle poller woke $wakeups times in $SECS s (limit $MAX_WAKEUPS_PER_S/s)"

snap_unload
exit $KSFT_PASS
