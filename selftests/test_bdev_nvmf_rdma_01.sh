#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Remote NVMe/RDMA namespaces as bdevs, against the guest's nvmet-rdma over soft-RoCE (rxe on a dummy netdev): bdev_nvme_set_options refuses an --rdma-srq-size over 32767 with the limit and warns under 4096; bdev_nvme_attach_controller -t rdma makes Rqn1 (receive buffers of its own, SRQ size 0) and Rsn1 (SRQ size 4096), refuses digests and names a port nobody listens on; an emulated NVMe controller on them passes fio verify=crc32c (random 512 B to 1 MiB, QD 1 and 128) on both, and a marker written through it reads back from null_blk; 32 more I/O queues with the SRQ share the thread's one SRQ, 32 without it post 128 buffers each; the target goes away for 5 s under fio: the bdevs with a 30 s loss timeout reconnect and fio verify ends without error, the one with fast-fail 2 s fails its I/O and serves again after; kill -9 of snap_service under fio: a new daemon reconnects and fio verify finishes.
. ./lib.sh
. ./nvmf_lib.sh

NQN=nqn.2023-05.io.nvda.nvme:0
TNQN=nqn.2023-05.io.snap:nvmf-rdma-01
ADDR=10.77.0.1
export SNAP_NVME_OPTIONS=/tmp/bdev_nvme_options
teardown() {
	snap_nvme_teardown
	nvmet_down $TNQN
	rxe_down
}
trap teardown EXIT

# ---- the target: nvmet-rdma over rxe0 ----
rxe_up
nvmet_up $TNQN 512
log "nvmet-rdma on $ADDR:4420 over $(rdma link show | head -1)"

snap_no_nvme
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 mempool_size_mb=64
snap_need_family
snap_svc_start

# ---- options and attach ----
out=$(snapadm bdev_nvme_set_options --rdma-srq-size 32768 2>&1) &&
	fail "--rdma-srq-size 32768 was taken"
echo "$out" | grep -q "at most 32767" || fail "--rdma-srq-size 32768: '$out'"
out=$(snapadm bdev_nvme_set_options --rdma-srq-size 1024 2>&1) ||
	fail "--rdma-srq-size 1024: '$out'"
echo "$out" | grep -q "below the recommended 4096" || fail "no warning for 1024: '$out'"
snapadm_run bdev_nvme_set_options --rdma-srq-size 0
out=$(snapadm bdev_nvme_attach_controller -b Rq -t rdma -a $ADDR -s 4420 -f ipv4 -n $TNQN \
	-l 30 -o 1 2>&1) || fail "attach_controller -t rdma: $out"
[ "$(echo $out)" = "Rqn1" ] || fail "attach_controller printed '$out', not Rqn1"
snapadm_run bdev_nvme_set_options --rdma-srq-size 4096
snapadm_run bdev_nvme_attach_controller -b Rs -t rdma -a $ADDR -n $TNQN --nsid 1 -l 30 -o 1
snapadm_run bdev_nvme_attach_controller -b Rf -t rdma -a $ADDR -n $TNQN --nsid 1 -l 30 -o 1 -u 2
wait_bdev_ready Rqn1
wait_bdev_ready Rsn1
wait_bdev_ready Rfn1
grep -q "nvmf Rqn1 queue 1: NVMe/RDMA on rxe0, 128 receive buffers of its own" /tmp/svc.log ||
	fail "Rqn1's I/O queue: $(grep 'Rqn1 queue' /tmp/svc.log)"
grep -q "nvmf Rsn1 queue 1: NVMe/RDMA on rxe0, on shared receive queue [0-9]* (4096 buffers)" \
	/tmp/svc.log || fail "Rsn1's I/O queue: $(grep 'Rsn1 queue' /tmp/svc.log)"
out=$(snapadm bdev_nvme_attach_controller -b Rd -t rdma -a $ADDR -n $TNQN --nsid 1 --hdgst 2>&1) &&
	fail "-t rdma --hdgst was taken"
echo "$out" | grep -q "digests are NVMe/TCP's" || fail "-t rdma --hdgst: '$out'"
out=$(snapadm bdev_nvme_attach_controller -b Rb -t rdma -a $ADDR -s 4421 -n $TNQN --nsid 1 2>&1) &&
	fail "attach to a port nobody listens on: '$out'"
echo "$out" | grep -q "Rbn1: NVMe/RDMA connection to $ADDR:4421: .*no NVMe/RDMA target listens there" ||
	fail "attach to 4421: '$out'"
snapadm bdev_nvme_get_controllers -n Rs >/tmp/ctrls.json || fail "get_controllers -n Rs"
json_has /tmp/ctrls.json trtype rdma && json_has /tmp/ctrls.json rdma_srq_size 4096 ||
	fail "get_controllers -n Rs: $(cat /tmp/ctrls.json)"
log "Rqn1 (own receive buffers), Rsn1 (SRQ 4096), Rfn1 (fast-fail 2 s) ready; 4421: '$(echo "$out" | tail -1)'"

# ---- fio through an emulated controller ----
snap_nvme_ctrl $NQN NVMeCtrl0 0 Rqn1 Rsn1 Rfn1
snap_nvme_bind 0
rs_ns=/dev/$(nvme_ns_wait "$NVME_CTRL" 2) || fail "no namespace 2 on $NVME_CTRL"
rf_ns=/dev/$(nvme_ns_wait "$NVME_CTRL" 3) || fail "no namespace 3 on $NVME_CTRL"
run_fio own-qd1 "$NVME_NS" --bsrange=512-1m --iodepth=1 --size=16M
run_fio own-qd128 "$NVME_NS" --bsrange=512-1m --iodepth=128 --size=64M --offset=16M
run_fio srq-qd1 "$rs_ns" --bsrange=512-1m --iodepth=1 --size=16M --offset=128M
run_fio srq-qd128 "$rs_ns" --bsrange=512-1m --iodepth=128 --size=64M --offset=144M
dd if=/dev/urandom of=/tmp/marker bs=4096 count=8 2>/dev/null
dd if=/tmp/marker of="$rs_ns" bs=4096 seek=60000 count=8 oflag=direct 2>/dev/null ||
	fail "writing the marker"
dd if=/dev/nullb0 of=/tmp/marker.back bs=4096 skip=60000 count=8 iflag=direct 2>/dev/null ||
	fail "reading the marker from null_blk"
cmp -s /tmp/marker /tmp/marker.back || fail "the marker is not on /dev/nullb0"
log "a marker written through $rs_ns (Rsn1) reads back from /dev/nullb0"

# ---- 32 I/O queues with and without the SRQ ----
# Each bdev is an association of its own: 32 controllers on namespace 1
# are 32 more I/O queues on the daemon's one thread.
attach_many() {	# PREFIX SRQ_SIZE
	snapadm_run bdev_nvme_set_options --rdma-srq-size $2
	: >/tmp/attach.batch
	_i=0
	while [ $_i -lt 32 ]; do
		echo "bdev_nvme_attach_controller -b $1$_i -t rdma -a $ADDR -n $TNQN --nsid 1" \
			>>/tmp/attach.batch
		_i=$((_i + 1))
	done
	snapadm -b /tmp/attach.batch >/tmp/attach.out 2>&1 ||
		fail "attaching $1*: $(tail -3 /tmp/attach.out)"
}
attach_many S 4096
# The daemon's one thread (no -m): S0..S31's 32 I/O queues, like Rsn1's,
# share that thread's one SRQ.
srq_of() {	# BDEV: the SRQ id its latest I/O queue is on
	sed -n "s/.*nvmf $1 queue 1: NVMe\/RDMA on rxe0, on shared receive queue \([0-9]*\) (4096 buffers)/\1/p" \
		/tmp/svc.log | tail -1
}
_i=0 ids=""
while [ $_i -lt 32 ]; do
	ids="$ids $(srq_of S${_i}n1)"
	_i=$((_i + 1))
done
set -- $ids
[ $# = 32 ] || fail "$# of S0..S31 on an SRQ: $(grep 'nvmf S[0-9]*n1 queue 1' /tmp/svc.log | head -3)"
[ "$(echo $ids | tr ' ' '\n' | sort -u | wc -l)" = 1 ] || fail "S0..S31 on SRQs$ids, want one"
log "SRQ 4096: S0..S31's 32 I/O queues share SRQ $1 (4096 buffers; Rsn1's is on $(srq_of Rsn1)); rdma: $(rdma resource show rxe0 2>&1 | tr -s ' ')"
attach_many T 0
own=$(grep "nvmf T[0-9]*n1 queue 1: NVMe/RDMA on rxe0, [0-9]* receive buffers of its own" /tmp/svc.log |
	sed 's/.*rxe0, \([0-9]*\) receive.*/\1/' | awk '{ n++; s += $1 } END { print n, s }')
[ "$own" = "32 4096" ] || fail "T0..T31 queues and their own buffers: $own"
log "SRQ 0: 32 I/O queues post 4096 receive buffers of their own (128 each); rdma: $(rdma resource show rxe0 2>&1 | tr -s ' ')"
_i=0
while [ $_i -lt 32 ]; do
	echo "bdev_nvme_detach_controller S$_i"
	echo "bdev_nvme_detach_controller T$_i"
	_i=$((_i + 1))
done >/tmp/detach.batch
snapadm -b /tmp/detach.batch >/tmp/detach.out 2>&1 || fail "detaching: $(tail -3 /tmp/detach.out)"
run_fio srq-after-detach "$rs_ns" --bsrange=4k-64k --iodepth=16 --size=8M --offset=256M

# ---- the target goes away for 5 s under fio ----
fio_bg outage "$NVME_NS" 300M 15 16
fio_pid=$FIO_BG
fio_bg outage-srq "$rs_ns" 400M 15 16
srq_pid=$FIO_BG
fio_bg_reads fastfail "$rf_ns"
ff_pid=$FIO_BG
target_outage $TNQN
fio_bg_ok outage "$fio_pid" "on Rqn1 across the outage"
fio_bg_ok outage-srq "$srq_pid" "on Rsn1 across the outage"
fio_bg_failed fastfail "$ff_pid" Rfn1
for _b in Rqn1 Rsn1; do
	grep -q "nvmf $_b: reconnected to $ADDR:4420" /tmp/svc.log ||
		fail "$_b did not reconnect: $(grep -i "$_b" /tmp/svc.log | tail)"
done
grep -q "nvmf Rfn1: still no connection after 2 s (fast_io_fail_timeout_sec)" /tmp/svc.log ||
	fail "Rfn1 did not fail fast: $(grep -i Rfn1 /tmp/svc.log | tail)"
log "5 s outage: Rqn1 and Rsn1 reconnected, fio verify $(grep -o 'IOPS=[^,]*' /tmp/fio.outage /tmp/fio.outage-srq | sed 's|/tmp/fio.||' | tr '\n' ' ')without error; Rfn1 failed its I/O after 2 s"
_n=100
until dd if="$rf_ns" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; do
	_n=$((_n - 1))
	[ $_n -gt 0 ] || fail "Rfn1 does not serve after the outage: $(grep Rfn1 /tmp/svc.log | tail -3)"
	usleep 100000
done
log "Rfn1 serves again after the outage"

# ---- kill -9 under fio ----
fio_bg kill "$rs_ns" 500M 15 32
fio_pid=$FIO_BG
sleep 4
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
snap_svc_start
fio_bg_ok kill "$fio_pid" "across kill -9"
[ "$(grep -c "nvmf Rsn1 queue 1: NVMe/RDMA on rxe0, on shared" /tmp/svc.log)" -ge 3 ] ||
	fail "the new daemon did not connect Rsn1 again: $(grep 'Rsn1 queue' /tmp/svc.log)"
log "kill -9 under fio on Rsn1: a new daemon reconnected, $(grep -o 'IOPS=[^,]*' /tmp/fio.kill)"
kill -0 "$SVC_PID" || fail "the daemon died"
exit 0
