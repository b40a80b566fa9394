#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest half of scripts/bench-vm (not a selftest: `make check` never
# runs it, and it judges no number). In one boot, the same fio jobs against
# the emulated NVMe controller (null and malloc bdevs), the kernel's own
# NVMe/TCP loopback (nvmet-tcp exporting null_blk on 127.0.0.1), the
# emulated NVMe controller on an nvmf bdev of that same target (snap's own
# NVMe/TCP initiator), the same pair over NVMe/RDMA on soft-RoCE (part
# rdma, not by default), null_blk itself and QEMU's own NVMe and
# virtio-blk devices on null drives (part qemu); the emulated and QEMU's
# devices and null_blk again with polled completions (part poll); one
# controller driven from
# both vCPUs, its queues on one daemon thread and on two, beside null_blk
# driven the same way (part mq); then the control plane at scale through
# snapadm -b.
#
# Results go to the second serial port as they come, one line each:
#   # BENCH-LOG text                     progress, for people
#   # BENCH-FIO path job base64(gzip(fio --output-format=json))
#   # BENCH-STAT path job t=<uptime> cpu... ; cpu0... ; svc=<ticks> poll=<ticks> | (same after)
#   # BENCH-IDLE path (the same two snapshots, 5 s without I/O)
#   # BENCH-CP mode phase objects seconds
#   # BENCH-INFO key value
#   # BENCH-ERR path text
#   # BENCH-PERF path job base64(gzip(folded stacks))
# The host (scripts/bench-vm) decodes and tabulates them.
# Knobs, from the kernel command line: snapbench.runtime= (s, default 10),
# snapbench.ramp= (s, 2), snapbench.ioengine= (libaio), snapbench.paths=
# (emu,vblk,nullblk,qemu,poll,mq,tcp,cp,trap; rdma on request), snapbench.scale= (1000), snapbench.jobs= (all),
# snapbench.profile= (jobs to sample with perf on every path; none),
# snapbench.busypoll= (snap_service --busy-poll; its default).
. ./lib.sh

barg() {
	for w in $(cat /proc/cmdline); do
		case $w in "snapbench.$1="*) echo "${w#*=}" ;; esac
	done
}
RUNTIME=$(barg runtime)
RUNTIME=${RUNTIME:-10}
RAMP=$(barg ramp)
RAMP=${RAMP:-2}
IOENGINE=$(barg ioengine)
IOENGINE=${IOENGINE:-libaio}
PATHS=$(barg paths | tr ',' ' ')
PATHS=${PATHS:-emu vblk nullblk qemu poll mq tcp cp trap}
SCALE=$(barg scale)
SCALE=${SCALE:-1000}
JOBSEL=$(barg jobs | tr ',' ' ')
PROFILE=$(barg profile | tr ',' ' ')
BUSY_POLL=$(barg busypoll)
# The daemon's I/O thread on CPU 0 (-m 0x1), fio on CPU 1 (part mq: the
# daemon on both, a fio job on each).
FIO_CPU=1
FIO_EXTRA=""
SVC_MASK=0x1
SVC_ARGS=""

# name rw bs iodepth
JOBS="randread_4k_qd1 randread 4k 1
randread_4k_qd32 randread 4k 32
randwrite_4k_qd1 randwrite 4k 1
randwrite_4k_qd32 randwrite 4k 32
seqread_128k_qd8 read 128k 8
seqwrite_128k_qd8 write 128k 8"

exec 5>/dev/ttyS1
emit() { echo "# $*" >&5; }
blog() { echo "$*"; emit "BENCH-LOG $*"; }

NQN_EMU=nqn.2023-05.io.nvda.nvme:bench
NQN_TCP=nqn.2023-05.io.snap:bench-tcp
CFS=/sys/kernel/config
NVMET=$CFS/nvmet
tcp_dev=""

cleanup() {
	if [ -n "$tcp_dev" ]; then
		nvme disconnect -n $NQN_TCP >/dev/null 2>&1
		tcp_dev=""
	fi
	nvmet_teardown
	snap_nvme_cleanup
	snap_cleanup
	return 0
}
trap cleanup EXIT

pid_of() {	# COMM: the first process with that name
	_c=$(grep -lx "$1" /proc/[0-9]*/comm 2>/dev/null | head -n 1)
	_c=${_c#/proc/}
	echo "${_c%/comm}"
}

ticks_of() {	# PID: utime + stime in clock ticks, 0 when none
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Interrupts the NVMe and virtio devices' vectors took so far, all CPUs:
# where a completion costs the host an interrupt, and how often.
dev_irqs() {
	awk '/nvme|virtio/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		END { print n + 0 }' /proc/interrupts
}

# Reads and writes DEVICE (/dev/X) completed so far.
dev_ios() {
	awk '{ print $1 + $5 }' "/sys/block/${1#/dev/}/stat" 2>/dev/null || echo 0
}

snapshot() {	# [DEVICE]: the CPU, interrupt and I/O counters bracketing one job
	echo "t=$(cut -d' ' -f1 /proc/uptime) $(grep '^cpu' /proc/stat | tr '\n' ';')" \
		"svc=$(ticks_of "$SVC_PID") poll=$(ticks_of "$(pid_of snap_sim_poll)")" \
		"irq=$(dev_irqs)${1:+ ios=$(dev_ios "$1")}"
}

# fio_iops FILE RW: the IOPS of the read or write part, for the progress log.
fio_iops() {
	awk -v want="\"$2\"" '$1 == want { on = 1 } on && $1 == "\"iops\"" {
		v = $3; sub(/,$/, "", v); printf "%d", v; exit }' "$1"
}

# Every CPU sampled with its call chains while one job runs, if that job is
# in snapbench.profile: TCG has no PMU, so perf samples the cpu-clock.
PERF_PID=""
profile_start() {	# JOB
	case " $PROFILE " in *" $1 "*) ;; *) return 0 ;; esac
	command -v perf >/dev/null || { blog "no perf in the guest image: $1 not profiled"; return 0; }
	perf record -a -g -F 499 -o /tmp/perf.data >/tmp/perf.log 2>&1 &
	PERF_PID=$!
	sleep 1
}

# Each sample as one line of folded stacks (comm;outermost;...;innermost),
# counted: what a flame graph is drawn from, and small enough for the
# serial port.
perf_fold() {
	perf script -i /tmp/perf.data -F comm,ip,sym 2>/dev/null | awk '
		function flush() {
			if (comm != "") {
				s = comm
				for (i = n; i >= 1; i--)
					s = s ";" f[i]
				count[s]++
			}
			comm = ""; n = 0
		}
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { sym = $2; for (i = 3; i <= NF; i++) sym = sym " " $i
			sub(/ \(.*\)$/, "", sym); sub(/\+0x[0-9a-f]+$/, "", sym)
			f[++n] = sym; next }
		{ flush(); comm = $0; sub(/[ \t]+$/, "", comm); gsub(/ /, "_", comm) }
		END { flush(); for (s in count) print s, count[s] }'
}

profile_end() {	# PATH JOB
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID"
	wait "$PERF_PID"
	PERF_PID=""
	emit "BENCH-PERF $1 $2 $(perf_fold | gzip -c | base64 -w 0)"
	blog "$1 $2: profiled ($(grep -o '[0-9]* samples' /tmp/perf.log | head -n 1))"
	rm -f /tmp/perf.data
}

run_jobs() {	# PATH DEVICE
	_path=$1 _dev=$2
	echo "$JOBS" | while read -r name rw bs qd; do
		if [ -n "$JOBSEL" ]; then
			case " $JOBSEL " in *" $name "*) ;; *) continue ;; esac
		fi
		profile_start "$name"
		s0=$(snapshot "$_dev")
		fio --name="$name" --filename="$_dev" --ioengine="$IOENGINE" --direct=1 \
			--rw="$rw" --bs="$bs" --iodepth="$qd" --time_based \
			--runtime="$RUNTIME" --ramp_time="$RAMP" --cpus_allowed=$FIO_CPU \
			--norandommap --randrepeat=0 --lat_percentiles=1 --output-format=json \
			$FIO_EXTRA --output=/tmp/fio.json >/tmp/fio.err 2>&1
		rc=$?
		s1=$(snapshot "$_dev")
		profile_end "$_path" "$name"
		if [ $rc -ne 0 ]; then
			emit "BENCH-ERR $_path $name fio exit $rc: $(tr '\n' ' ' </tmp/fio.err | cut -c1-300)"
			blog "$_path $name: fio failed ($rc)"
			continue
		fi
		emit "BENCH-STAT $_path $name $s0 | $s1"
		emit "BENCH-FIO $_path $name $(gzip -c /tmp/fio.json | base64 -w 0)"
		case $rw in *read*) d=read ;; *) d=write ;; esac
		blog "$_path $name: $(fio_iops /tmp/fio.json $d) IOPS"
	done
}

# idle PATH: what the data path costs with the device bound and no I/O,
# measured over 5 s once it has been quiet for 5 s (the daemon's busy
# poll and the poller's back-off have ended by then).
idle() {
	sleep 5
	s0=$(snapshot)
	sleep 5
	emit "BENCH-IDLE $1 $s0 | $(snapshot)"
}

# snap_service on the bench's CPU mask, attached; $SVC_PID.
bench_svc_start() {
	SNAP_MEMPOOL_SIZE_MB=64 snap_service -l 2 -m $SVC_MASK $SVC_ARGS \
		${BUSY_POLL:+--busy-poll $BUSY_POLL} >>/tmp/svc.log 2>&1 &
	SVC_PID=$!
	wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" 10 ||
		fail "snap_service did not attach: $(cat /tmp/svc.log)"
}

# The module with one emulated NVMe PF, as every NVMe part uses it.
emu_nvme_load() {
	snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
		nvme_emulation_num_msix=4 mempool_size_mb=64
	snap_need_family
}

# ---- the emulated NVMe controller: null and malloc namespaces ----
bench_emu() {
	emu_nvme_load
	bench_svc_start
	snapadm_run bdev_null_create Null0 1024 4096
	snapadm_run bdev_malloc_create 256 4096 -b Malloc0
	snap_nvme_ctrl $NQN_EMU NVMeCtrl0 0 Null0 Malloc0
	snap_nvme_bind 0
	# The host scans the namespaces one by one: n1 may come first.
	wait_for /proc/partitions " ${NVME_CTRL}n2\$" 10 && [ -b "/dev/${NVME_CTRL}n2" ] ||
		fail "no second namespace on $NVME_CTRL: $(ls /dev/nvme*)"
	blog "emulated NVMe: $NVME_CTRL, Null0 on ${NVME_CTRL}n1, Malloc0 on ${NVME_CTRL}n2," \
		"snap_service -m $SVC_MASK (pid $SVC_PID)"
	blog "emulated NVMe: $(ls -d /sys/block/${NVME_CTRL}n1/mq/* 2>/dev/null | wc -l) hw queues" \
		"of $(cat /sys/block/${NVME_CTRL}n1/queue/nr_requests) requests"
	run_jobs emu-null "/dev/${NVME_CTRL}n1"
	run_jobs emu-malloc "/dev/${NVME_CTRL}n2"
	idle emu-null
	grep -iE 'error|warn' /tmp/svc.log | head -n 5 | sed 's/^/svc: /'
	snap_nvme_cleanup
	snap_unload
	SVC_PID=""
}

# The emulated virtio-blk controller on the same null bdev as emu-null,
# bound to the loaded virtio drivers: $VDISK, and $VBLK_BDF for vblk_down.
vblk_up() {
	snap_load internal_cpu_model=1 virtio_blk_emulation_enable=1 \
		virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=5 \
		mempool_size_mb=64
	snap_need_family
	bench_svc_start
	snapadm_run bdev_null_create Null0 1024 4096
	snapadm_run virtio_blk_controller_create --pf_id 0 --bdev Null0 --ctrl VblkCtrl0 --indirect_desc \
		--num_queues 4
	VBLK_BDF=$(cat /sys/class/snap/sim0/functions/SNAPSIM00000VBLKS1D0F0/bdf)
	virtio_bound_disk "$VBLK_BDF" "the emulated virtio-blk function"
}

vblk_down() {
	echo "$VBLK_BDF" >/sys/bus/pci/drivers/virtio-pci/unbind
	kill "$SVC_PID" 2>/dev/null
	wait 2>/dev/null
	wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10
	snap_unload
	SVC_PID=""
}

bench_vblk() {
	snap_virtio_drivers
	vblk_up
	blog "emulated virtio-blk: /dev/$VDISK on Null0, $(ls -d /sys/block/$VDISK/mq/* | wc -l) hw queues"
	run_jobs virtio-blk "/dev/$VDISK"
	idle virtio-blk
	vblk_down
}

# ---- QEMU's own NVMe and virtio-blk devices: the floor of a PCI device ----
# scripts/bench-vm gives this guest QEMU's NVMe controller and virtio-blk
# device on null-co drives when the part is asked for: device models in
# QEMU's native code, whose doorbells trap to QEMU and whose interrupts
# reach the vCPU as ours do. What they cost beyond null_blk is what any
# interrupt-driven PCI device costs in this guest, without a daemon.
qemu_pci_dev() {	# VENDOR DEVICE: the first such function on domain 0
	for _d in /sys/bus/pci/devices/0000:*; do
		[ "$(cat "$_d/vendor")" = "$1" ] && [ "$(cat "$_d/device")" = "$2" ] &&
			{ basename "$_d"; return 0; }
	done
	return 1
}

# virtio_bound_disk BDF WHAT: function BDF (WHAT, for the failure) bound
# to virtio-pci, and in $VDISK the disk the virtio-blk driver made of it,
# waited for up to 10 s. virtio_pci, loaded first or built in, may have
# probed the function already; an emulated one probes itself again once
# its controller makes it usable.
virtio_bound_disk() {
	[ -e "/sys/bus/pci/drivers/virtio-pci/$1" ] ||
		echo "$1" >/sys/bus/pci/drivers/virtio-pci/bind || fail "binding $2 $1 to virtio-pci"
	_n=100 VDISK=""
	while [ -z "$VDISK" ] && [ $_n -gt 0 ]; do
		VDISK=$(ls "/sys/bus/pci/devices/$1/"virtio*/block 2>/dev/null | head -n 1)
		[ -n "$VDISK" ] || usleep 100000
		_n=$((_n - 1))
	done
	[ -n "$VDISK" ] || fail "no disk on $2 $1"
}

# QEMU's devices stay without a driver outside part qemu: a kernel with
# virtio_pci built in binds its virtio-blk device at boot, before the
# guest turns drivers_autoprobe off, and its disk would take a name the
# vblk part expects.
qemu_devices_release() {
	for _id in "0x1b36 0x0010" "0x1af4 0x1042"; do
		_bdf=$(qemu_pci_dev $_id) || continue
		[ -e "/sys/bus/pci/devices/$_bdf/driver" ] &&
			echo "$_bdf" >"/sys/bus/pci/devices/$_bdf/driver/unbind"
	done
	return 0
}

# QEMU's NVMe controller bound to the loaded nvme driver: its namespace
# in $NVME_NS, its BDF in $QEMU_BDF.
qemu_nvme_bound() {
	QEMU_BDF=$(qemu_pci_dev 0x1b36 0x0010) ||
		fail "no QEMU NVMe controller (1b36:0010): run through scripts/bench-vm"
	[ -e "/sys/bus/pci/drivers/nvme/$QEMU_BDF" ] ||
		echo "$QEMU_BDF" >/sys/bus/pci/drivers/nvme/bind || fail "binding $QEMU_BDF to nvme"
	snap_nvme_wait_ns "$QEMU_BDF" 30 || fail "no namespace on QEMU's NVMe controller $QEMU_BDF"
}

# QEMU's virtio-blk device bound to the loaded virtio drivers: its disk
# in $VDISK, its BDF in $QEMU_BDF.
qemu_vblk_bound() {
	QEMU_BDF=$(qemu_pci_dev 0x1af4 0x1042) ||
		fail "no QEMU virtio-blk device (1af4:1042): run through scripts/bench-vm"
	virtio_bound_disk "$QEMU_BDF" "QEMU's virtio-blk device"
}

bench_qemu() {
	modprobe nvme 2>/dev/null
	qemu_nvme_bound
	blog "QEMU NVMe: $NVME_NS ($QEMU_BDF), $(ls -d /sys/block/${NVME_NS#/dev/}/mq/* | wc -l) hw queues"
	run_jobs qemu-nvme "$NVME_NS"
	echo "$QEMU_BDF" >/sys/bus/pci/drivers/nvme/unbind

	snap_virtio_drivers
	qemu_vblk_bound
	blog "QEMU virtio-blk: /dev/$VDISK ($QEMU_BDF), $(ls -d /sys/block/$VDISK/mq/* | wc -l) hw queues"
	run_jobs qemu-vblk "/dev/$VDISK"
	echo "$QEMU_BDF" >/sys/bus/pci/drivers/virtio-pci/unbind
}

# ---- polled completions: no interrupt between the device and fio ----
# The stock nvme and virtio_blk drivers with a poll queue (poll_queues=1)
# and fio's io_uring engine with --hipri, so fio reaps the completion
# queue itself: the emulated controller (path emu-null-poll), the
# emulated virtio-blk device (virtio-blk-poll), QEMU's NVMe and
# virtio-blk devices (qemu-nvme-poll, qemu-vblk-poll) and null_blk with
# a poll queue
# (null_blk-poll). An interrupt-driven read pays the
# interrupt's injection into a halted vCPU and fio's wake-up, which under
# TCG cost more than a whole null_blk read; these rows show the device
# without them.
POLL_JOBS="randread_4k_qd1 randread_4k_qd32"

# poll_disk_check DISK: fail unless the block layer polls DISK.
poll_disk_check() {
	[ "$(cat /sys/block/$1/queue/io_poll 2>/dev/null)" = 1 ] ||
		fail "$1 has no poll queue (queue/io_poll: $(cat /sys/block/$1/queue/io_poll 2>&1))"
}

bench_poll() {
	JOBSEL=${JOBSEL:-$POLL_JOBS}
	IOENGINE=io_uring
	FIO_EXTRA="--hipri"
	# The parameter takes only at load: a driver loaded by an earlier
	# part goes first.
	snap_no_nvme
	modprobe nvme poll_queues=1 || fail "modprobe nvme poll_queues=1"
	emu_nvme_load
	bench_svc_start
	snapadm_run bdev_null_create Null0 1024 4096
	snap_nvme_ctrl $NQN_EMU NVMeCtrl0 0 Null0
	snap_nvme_bind 0
	poll_disk_check ${NVME_CTRL}n1
	blog "emulated NVMe, polled: $NVME_NS, $(ls -d /sys/block/${NVME_CTRL}n1/mq/* | wc -l)" \
		"hw queues, one of them polled; fio io_uring --hipri"
	run_jobs emu-null-poll "$NVME_NS"
	snap_nvme_cleanup
	snap_unload
	SVC_PID=""

	qemu_nvme_bound
	poll_disk_check "${NVME_NS#/dev/}"
	blog "QEMU NVMe, polled: $NVME_NS ($QEMU_BDF)"
	run_jobs qemu-nvme-poll "$NVME_NS"
	echo "$QEMU_BDF" >/sys/bus/pci/drivers/nvme/unbind
	# Later parts load the driver as they always do.
	rmmod nvme 2>/dev/null

	modprobe virtio_pci || fail "modprobe virtio_pci"
	rmmod virtio_blk 2>/dev/null
	modprobe virtio_blk poll_queues=1 || fail "modprobe virtio_blk poll_queues=1"
	vblk_up
	poll_disk_check "$VDISK"
	blog "emulated virtio-blk, polled: /dev/$VDISK, $(ls -d /sys/block/$VDISK/mq/* | wc -l)" \
		"hw queues, one of them polled"
	run_jobs virtio-blk-poll "/dev/$VDISK"
	vblk_down
	qemu_vblk_bound
	poll_disk_check "$VDISK"
	blog "QEMU virtio-blk, polled: /dev/$VDISK ($QEMU_BDF)"
	run_jobs qemu-vblk-poll "/dev/$VDISK"
	echo "$QEMU_BDF" >/sys/bus/pci/drivers/virtio-pci/unbind
	rmmod virtio_blk 2>/dev/null

	rmmod null_blk 2>/dev/null
	nullblk_up queue_mode=2 poll_queues=1
	poll_disk_check nullb0
	blog "null_blk, polled: /dev/nullb0, $(ls -d /sys/block/nullb0/mq/* | wc -l) hw queues"
	run_jobs null_blk-poll /dev/nullb0
	rmmod null_blk
}

# ---- one controller from both vCPUs: its queues on one thread, then two ----
# Two fio jobs, one per vCPU, so the host uses both of the controller's
# I/O queues; snap_service -m 0x3 with --queue-threads 1 (path emu-mq1)
# and with its queues spread (emu-mq2); null_blk driven the same way
# (null_blk-mq) is the reference.
MQ_JOBS="randread_4k_qd1 randread_4k_qd32"
bench_mq() {
	JOBSEL=${JOBSEL:-$MQ_JOBS}
	FIO_CPU=0,1
	FIO_EXTRA="--numjobs=2 --cpus_allowed_policy=split --group_reporting"
	SVC_MASK=0x3
	emu_nvme_load
	for qt in 1 2; do
		SVC_ARGS="--queue-threads $qt"
		bench_svc_start
		if [ $qt = 1 ]; then
			snapadm_run bdev_null_create Null0 1024 4096
			snap_nvme_ctrl $NQN_EMU NVMeCtrl0 0 Null0
		fi
		snap_nvme_bind 0
		blog "emu-mq$qt: $NVME_CTRL, snap_service -m $SVC_MASK $SVC_ARGS," \
			"$(ls -d /sys/block/${NVME_CTRL}n1/mq/* 2>/dev/null | wc -l) hw queues"
		run_jobs emu-mq$qt "/dev/${NVME_CTRL}n1"
		snap_nvme_cleanup
	done
	snap_unload
	SVC_PID=""
	nullblk_up
	run_jobs null_blk-mq /dev/nullb0
}

# ---- null_blk, and nvmet-tcp exporting it on 127.0.0.1 ----
nullblk_up() {	# [PARAM...]: more module parameters
	[ -b /dev/nullb0 ] && return 0
	modprobe null_blk nr_devices=1 gb=1 bs=4096 "$@" || fail "modprobe null_blk $*"
	wait_for /proc/partitions ' nullb0$' 5 || fail "no /dev/nullb0"
}

bench_nullblk() {
	nullblk_up
	blog "null_blk: /dev/nullb0, $(cat /sys/block/nullb0/queue/nr_requests) requests," \
		"$(ls -d /sys/block/nullb0/mq/* | wc -l) hw queues"
	run_jobs null_blk /dev/nullb0
}

nvmet_teardown() {
	[ -d $NVMET ] || return 0
	rm -f $NVMET/ports/1/subsystems/$NQN_TCP 2>/dev/null
	[ -d $NVMET/ports/1 ] && rmdir $NVMET/ports/1
	if [ -d $NVMET/subsystems/$NQN_TCP ]; then
		echo 0 >$NVMET/subsystems/$NQN_TCP/namespaces/1/enable 2>/dev/null
		rmdir $NVMET/subsystems/$NQN_TCP/namespaces/1 2>/dev/null
		rmdir $NVMET/subsystems/$NQN_TCP
	fi
	return 0
}

# bench_fabric TRTYPE ADDR KPATH EPATH: nvmet-TRTYPE exporting null_blk
# on ADDR:4420; the kernel's initiator connected to it (path KPATH), then
# the emulated NVMe controller on an nvmf bdev of the same target,
# snap_service's own initiator (path EPATH).
bench_fabric() {
	nullblk_up
	for m in configfs nvmet nvmet-$1 nvme-$1; do
		modprobe $m || fail "modprobe $m"
	done
	grep -q " $CFS configfs" /proc/mounts || mount -t configfs none $CFS ||
		fail "mount configfs"
	ip link set lo up || fail "ip link set lo up"
	s=$NVMET/subsystems/$NQN_TCP
	mkdir $s || fail "mkdir $s"
	echo 1 >$s/attr_allow_any_host
	mkdir $s/namespaces/1
	echo /dev/nullb0 >$s/namespaces/1/device_path
	echo 1 >$s/namespaces/1/enable || fail "enable the nvmet namespace"
	p=$NVMET/ports/1
	mkdir $p
	echo $2 >$p/addr_traddr
	echo $1 >$p/addr_trtype
	echo 4420 >$p/addr_trsvcid
	echo ipv4 >$p/addr_adrfam
	ln -s $s $p/subsystems/$NQN_TCP || fail "link the subsystem to the port"
	# Block devices only: with native multipath, the per-path disks
	# (nvme0c0n1) are hidden, in /sys/block but not in /dev.
	nvme_disks() { ls /sys/block | grep -E '^nvme[0-9]+n[0-9]+$' | sort; }
	before=$(nvme_disks)
	hostnqn=nqn.2014-08.org.nvmexpress:uuid:00000000-0000-4000-8000-000000000b01
	nvme connect -t $1 -a $2 -s 4420 -n $NQN_TCP --hostnqn=$hostnqn \
		--hostid=00000000-0000-4000-8000-000000000b01 >/tmp/connect.log 2>&1 ||
		fail "nvme connect -t $1: $(cat /tmp/connect.log)"
	tcp_dev=pending
	_n=0 dev=""
	while [ $_n -lt 100 ] && [ -z "$dev" ]; do
		dev=$(nvme_disks | while read -r b; do
			echo "$before" | grep -qx "$b" || echo "$b"
		done | head -n 1)
		[ -n "$dev" ] || sleep 0.1
		_n=$((_n + 1))
	done
	[ -n "$dev" ] && [ -b /dev/$dev ] ||
		fail "no block device after nvme connect: $(ls /sys/block | tr '\n' ' ')"
	tcp_dev=/dev/$dev
	# The multipath head is bio based: the queues are the path disk's.
	pathdisk=$(ls /sys/block | grep -E "^${dev%n*}c[0-9]+n${dev##*n}\$" | head -n 1)
	blog "NVMe/$1 ($2): $tcp_dev ($(ls -d /sys/block/${pathdisk:-$dev}/mq/* 2>/dev/null | wc -l)" \
		"hw queues of $(cat /sys/block/${pathdisk:-$dev}/queue/nr_requests) requests)"
	run_jobs $3 $tcp_dev
	nvme disconnect -n $NQN_TCP >/dev/null 2>&1
	tcp_dev=""
	bench_emu_nvmf $1 $2 $4
	nvmet_teardown
}

bench_tcp() {
	bench_fabric tcp 127.0.0.1 nvme-tcp emu-nvmf
}

# NVMe/RDMA over soft-RoCE (nvmf_lib.sh's rxe_up), where the guest has it.
bench_rdma() {
	. ./nvmf_lib.sh
	rxe_up
	bench_fabric rdma $NVMET_TRADDR nvme-rdma emu-nvmf-rdma
	rxe_down
}

# bench_emu_nvmf TRTYPE ADDR PATH: the emulated NVMe controller on an
# nvmf bdev of the target bench_fabric set up: snap_service's initiator
# next to the kernel's.
bench_emu_nvmf() {
	emu_nvme_load
	bench_svc_start
	snapadm_run bdev_nvme_attach_controller -b Nvme0 -t $1 -a $2 -s 4420 -n $NQN_TCP
	_n=100
	until snapadm -j bdev_list -b Nvme0n1 2>/dev/null | grep -q '"ready": *true'; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || fail "Nvme0n1 not ready: $(tail -3 /tmp/svc.log)"
		usleep 100000
	done
	snap_nvme_ctrl $NQN_EMU NVMeCtrl0 0 Nvme0n1
	snap_nvme_bind 0
	blog "emulated NVMe on NVMe/$1: $NVME_NS on Nvme0n1 ($NQN_TCP at $2:4420)," \
		"snap_service -m $SVC_MASK (pid $SVC_PID)"
	run_jobs $3 "$NVME_NS"
	grep -iE 'error|warn' /tmp/svc.log | head -n 5 | sed 's/^/svc: /'
	snap_nvme_cleanup
	snap_unload
	SVC_PID=""
}

# ---- control plane: SCALE bdevs, subsystems, namespaces, a controller
# on every NVMe function the parameters allow, through snapadm -b ----
cp_round() {	# MODE OBJECTS
	t0=$(uptime_s)
	out=$(snapadm -b /tmp/cp.create 2>&1) || {
		emit "BENCH-ERR cp $1 create: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		blog "control plane ($1): create failed: $(echo "$out" | tail -n 2)"
		snapadm -b /tmp/cp.destroy >/dev/null 2>&1
		return 1
	}
	tc=$(elapsed "$t0")
	emit "BENCH-CP $1 create $2 $tc"
	snap_nlraw snapshot >/tmp/cp.snap 2>&1
	n=""
	for o in bdev subsys ns nvme-ctrl; do
		n="$n $o=$(grep -c "^$o " /tmp/cp.snap)"
	done
	t0=$(uptime_s)
	out=$(snapadm -b /tmp/cp.destroy 2>&1) || {
		emit "BENCH-ERR cp $1 destroy: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		blog "control plane ($1): destroy failed: $(echo "$out" | tail -n 2)"
		return 1
	}
	td=$(elapsed "$t0")
	emit "BENCH-CP $1 destroy $2 $td"
	emit "BENCH-INFO cp_${1}_seen$n"
	blog "control plane ($1): $2 objects created in $tc s (registry:$n), destroyed in $td s"
}

bench_cp() {
	# A loaded nvme driver probes the PFs the module adds (and waits
	# CAP.TO for each): only objects count here.
	snap_no_nvme
	snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
		nvme_emulation_num_msix=4 sriov_en=1 nvme_emulation_num_vf=256 \
		nvme_emulation_num_vf_msix=4 mempool_size_mb=64
	snap_need_family
	: >/tmp/cp.destroy.ctrl
	snap_scale_batches $SCALE bench /tmp/cp.create /tmp/cp.destroy
	# One controller per NVMe function (PFs and VFs), subsystem k for the k-th.
	k=0
	# VUID SNAPSIM00000NVMES1D<pf>F<0 for the PF, vf + 1 for a VF>: no
	# fork per function (514 of them).
	for f in $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D*; do
		[ $k -lt $SCALE ] || break
		v=${f##*S1D}
		pf=${v%%F*}
		fn=${v#*F}
		arg="--pf_id $pf"
		[ "$fn" = 0 ] || arg="$arg --vf_id $((fn - 1))"
		echo "nvme_controller_create --nqn nqn.2023-05.io.snap:bench$k $arg --ctrl BCtrl$k" \
			>>/tmp/cp.create
		echo "nvme_controller_destroy --ctrl BCtrl$k" >>/tmp/cp.destroy.ctrl
		k=$((k + 1))
	done
	cat /tmp/cp.destroy >>/tmp/cp.destroy.ctrl
	mv /tmp/cp.destroy.ctrl /tmp/cp.destroy
	objs=$((3 * SCALE + k))
	emit "BENCH-INFO cp_bdevs $SCALE"
	emit "BENCH-INFO cp_subsystems $SCALE"
	emit "BENCH-INFO cp_namespaces $SCALE"
	emit "BENCH-INFO cp_controllers $k"
	emit "BENCH-INFO cp_lines $(wc -l </tmp/cp.create) $(wc -l </tmp/cp.destroy)"
	blog "control plane: $SCALE bdevs + $SCALE subsystems + $SCALE namespaces + $k controllers" \
		"($(ls $SNAP_SYSFS/functions | wc -l) functions)"
	cp_round no-daemon $objs
	# The same with snap_service attached and mirroring every object.
	SNAP_MEMPOOL_SIZE_MB=64 snap_service -l 1 -m $SVC_MASK >>/tmp/svc-cp.log 2>&1 &
	SVC_PID=$!
	if wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" 10; then
		cp_round daemon $objs
		kill -0 "$SVC_PID" 2>/dev/null ||
			emit "BENCH-ERR cp daemon snap_service died: $(tail -n 3 /tmp/svc-cp.log | tr '\n' ' ')"
	else
		emit "BENCH-ERR cp daemon snap_service did not attach"
	fi
	grep -iE 'error|warn' /tmp/svc-cp.log | sort | uniq -c | sort -rn | head -n 5 |
		sed 's/^/svc: /'
	snap_nvme_cleanup
	SVC_PID=""
	snap_unload
}

# What the virtio register trap (kmod/sim/trap.c) costs an unrelated
# ioread32+iowrite32 pair: snap_testhost times pairs on a vmalloc page at
# load, without snap, then with a virtio-blk PF on the sim bus (trap on).
trap_pair_ns() {
	rmmod snap_testhost 2>/dev/null
	dmesg -c >/dev/null
	insmod $SNAP_TESTHOST_KO ioread_bench=200000 || fail "insmod snap_testhost.ko ioread_bench"
	dmesg | sed -n 's/.*ioread_bench: .*: \([0-9]*\) ns per pair/\1/p' | tail -n 1
	rmmod snap_testhost
}

bench_trap() {
	off=$(trap_pair_ns)
	snap_load internal_cpu_model=1 virtio_blk_emulation_enable=1 \
		virtio_blk_emulation_num_pf=1
	on=$(trap_pair_ns)
	snap_unload
	emit "BENCH-INFO trap_pair_ns_off $off"
	emit "BENCH-INFO trap_pair_ns_on $on"
}

emit "BENCH-INFO kernel $(uname -r)"
emit "BENCH-INFO cpus $(grep -c '^processor' /proc/cpuinfo)"
emit "BENCH-INFO fio $(fio --version)"
emit "BENCH-INFO ioengine $IOENGINE"
emit "BENCH-INFO runtime $RUNTIME"
emit "BENCH-INFO ramp $RAMP"
emit "BENCH-INFO hz 100"
blog "bench: paths '$PATHS', ${RUNTIME} s + ${RAMP} s ramp per job, $IOENGINE, fio on CPU $FIO_CPU"
qemu_devices_release
for p in $PATHS; do
	t0=$(uptime_s)
	# Each part in a subshell: a failure (lib.sh's fail exits) is
	# reported and cleaned up, and the next part still runs.
	(
		trap cleanup EXIT
		case $p in
		emu) bench_emu ;;
		vblk) bench_vblk ;;
		nullblk) bench_nullblk ;;
		qemu) bench_qemu ;;
		poll) bench_poll ;;
		mq) bench_mq ;;
		tcp) bench_tcp ;;
		rdma) bench_rdma ;;
		cp) bench_cp ;;
		trap) bench_trap ;;
		*) fail "unknown part $p" ;;
		esac
	) >/tmp/part.out 2>&1
	rc=$?
	cat /tmp/part.out
	[ $rc -eq 0 ] || emit "BENCH-ERR $p failed: $(grep '^FAIL' /tmp/part.out | head -n 1)"
	blog "$p took $(elapsed "$t0") s"
done
emit "BENCH-DONE"
exit 0
