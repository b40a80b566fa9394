#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fio with verify=crc32c through the stock nvme driver on malloc and uring backends: random and sequential mixes, 512 B to 1 MiB blocks, queue depth 1 to 128, two namespaces on one controller, two controllers on two PFs at once, each served by its own pinned I/O thread (-m 0x3).
. ./lib.sh

trap snap_nvme_teardown EXIT

snap_nvme_start 2 -m 0x3

dd if=/dev/zero of=/tmp/uring0.img bs=1M count=32 2>/dev/null
snapadm_run bdev_malloc_create 32 512 -b Malloc0
snapadm_run bdev_uring_create /tmp/uring0.img Uring0 4096
snapadm_run bdev_malloc_create 16 4096 -b Malloc1
snapadm_run bdev_null_create Null0 64 4096
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0 Uring0 Null0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:1 NVMeCtrl1 1 Malloc1
snap_nvme_bind 0
c0=$NVME_CTRL
snap_nvme_bind 1
c1=$NVME_CTRL
c0n1=$(nvme_ns_dev $c0 1) c1n1=$(nvme_ns_dev $c1 1)
c0n2=$(nvme_ns_wait $c0 2) && c0n3=$(nvme_ns_wait $c0 3) || fail "no third namespace on $c0"
log "controllers $c0 (3 namespaces) and $c1 up"
nvme list

# -m 0x3: two I/O threads, pinned to CPUs 0 and 1, each the home of one
# controller (whose queues both serve).
thread_of() {	# CTRL: the I/O thread the daemon put it on
	sed -n "s/.*$1: serving [^,]* on thread \([0-9]*\).*/\1/p" /tmp/svc.log |
		tail -1
}
t0=$(thread_of NVMeCtrl0)
t1=$(thread_of NVMeCtrl1)
[ -n "$t0" ] && [ -n "$t1" ] && [ "$t0" != "$t1" ] ||
	{ cat /tmp/svc.log; fail "controllers on threads '$t0' and '$t1', want two"; }
# The daemon's own threads: io_uring's workers (iou-wrk-*) are threads of
# the process too, started by the kernel when it hands a request to its
# worker pool (6.12 does for the uring bdev), on their creator's CPUs.
cpus=$(for t in /proc/$SVC_PID/task/*; do
	case $(cat $t/comm) in iou-*) continue ;; esac
	sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' $t/status
done | sort | tr '\n' ' ')
[ "$cpus" = "0 1 " ] || {
	grep -H '' /proc/$SVC_PID/task/*/comm
	fail "daemon threads allowed on CPUs '$cpus', want '0 1 '"
}
log "daemon threads on CPUs $cpus(and $(cat /proc/$SVC_PID/task/*/comm | grep -c '^iou-') io_uring workers)"
log "NVMeCtrl0 on thread $t0, NVMeCtrl1 on thread $t1; threads pinned to CPUs $cpus"

run_fio() {	# NAME ARGS...
	_name=$1
	shift
	fio --name="$_name" --ioengine=libaio --direct=1 --verify=crc32c \
		--verify_fatal=1 --size=8M --output=/tmp/fio.$_name "$@" ||
		{ cat /tmp/fio.$_name; tail -20 /tmp/svc.log; fail "fio $_name"; }
	log "fio $_name: $(grep -o 'IOPS=[^,]*' /tmp/fio.$_name | tr '\n' ' ')"
}

# 512-byte LBAs (Malloc0), random writes at QD 32, 512 B to 64 KiB.
run_fio rand512 --filename=/dev/$c0n1 --rw=randwrite --bsrange=512-64k \
	--iodepth=32
# 4 KiB LBAs on a file (Uring0), sequential 1 MiB at QD 4 and random 4 KiB at QD 128.
run_fio seq1m --filename=/dev/$c0n2 --rw=write --bs=1M --iodepth=4
run_fio rand4k --filename=/dev/$c0n2 --rw=randrw --bs=4k --iodepth=128
# The null bdev holds nothing to verify: it must only complete everything.
fio --name=null --filename=/dev/$c0n3 --ioengine=libaio --direct=1 --rw=randrw \
	--bs=4k --iodepth=32 --size=16M --output=/tmp/fio.null ||
	{ cat /tmp/fio.null; fail "fio on the null bdev"; }
log "fio null: $(grep -o 'IOPS=[^,]*' /tmp/fio.null | tr '\n' ' ')"
# QD 1, and two controllers at once with two jobs each on disjoint ranges
# (several I/O queues).
run_fio qd1 --filename=/dev/$c1n1 --rw=randwrite --bs=8k --iodepth=1 --size=2M
fio --ioengine=libaio --direct=1 --verify=crc32c --verify_fatal=1 --size=4M \
	--rw=randwrite --bs=16k --iodepth=16 --numjobs=2 --offset_increment=4M \
	--output=/tmp/fio.both \
	--name=a --filename=/dev/$c0n1 --name=b --filename=/dev/$c1n1 ||
	{ cat /tmp/fio.both; fail "fio on both controllers"; }
log "fio on both controllers at once: ok"
exit 0
