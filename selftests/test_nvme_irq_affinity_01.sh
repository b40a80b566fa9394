#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Each I/O queue's interrupt arrives on the CPU the host routed its vector
# to, not on the CPU of the daemon that raised it: with snap_service on
# CPU 0, fio pinned to each CPU in turn makes the host submit on that CPU's
# queue, and /proc/interrupts must count that queue's completions in the
# column of the CPU in its effective_affinity_list (as a real MSI-X message
# is delivered where its address points). Before delivery followed the
# affinity, every count landed in CPU 0's column.
. ./lib.sh

trap snap_nvme_teardown EXIT

ncpu=$(grep -c '^processor' /proc/cpuinfo)
[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs, the guest has $ncpu"

snap_nvme_start 1 -m 0x1
snapadm_run bdev_null_create Null0 64 4096
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Null0
snap_nvme_bind 0

# irq_counts: "IRQ CPU0 CPU1 ..." for each of the controller's I/O queues.
irq_counts() {
	awk -v ctrl="$NVME_CTRL" -v n="$ncpu" '
		$NF ~ "^" ctrl "q[1-9][0-9]*$" {
			sub(":", "", $1); line = $1
			for (i = 2; i <= n + 1; i++) line = line " " $i
			print line
		}' /proc/interrupts
}

[ -n "$(irq_counts)" ] || fail "no I/O queue interrupts of $NVME_CTRL in /proc/interrupts"
remote=0
cpu=0
while [ $cpu -lt "$ncpu" ]; do
	irq_counts >/tmp/irq.before
	fio --name=aff$cpu --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=1 --time_based --runtime=2 --cpus_allowed=$cpu \
		--output=/tmp/fio.aff$cpu || { cat /tmp/fio.aff$cpu; fail "fio on CPU $cpu"; }
	irq_counts >/tmp/irq.after
	while read -r irq rest; do
		want=$(cat /proc/irq/$irq/effective_affinity_list)
		case $want in
		*[!0-9]*|"") fail "irq $irq: effective affinity '$want' is not one CPU" ;;
		esac
		# shellcheck disable=SC2086
		set -- $rest
		# shellcheck disable=SC2086
		set -- "$@" $(grep "^$irq " /tmp/irq.before | cut -d' ' -f2-)
		c=0 total=0 there=0
		while [ $c -lt "$ncpu" ]; do
			eval "after=\${$((c + 1))} before=\${$((c + 1 + ncpu))}"
			d=$((after - before))
			total=$((total + d))
			[ $c -eq "$want" ] && there=$d
			c=$((c + 1))
		done
		[ $total -eq 0 ] && continue
		[ $there -eq $total ] ||
			fail "fio on CPU $cpu: irq $irq (affinity CPU $want) fired $total times," \
				"$((total - there)) of them on other CPUs: $(grep "^ *$irq:" /proc/interrupts)"
		log "fio on CPU $cpu: irq $irq fired $total times, all on CPU $want"
		[ "$want" -ne 0 ] && remote=$((remote + total))
	done </tmp/irq.after
	cpu=$((cpu + 1))
done
[ $remote -gt 0 ] || fail "no completion interrupt was meant for a CPU other than the daemon's"
exit 0
