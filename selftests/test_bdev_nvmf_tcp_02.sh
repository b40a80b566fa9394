#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The NVMe/TCP backend over the acceptance's whole I/O range and under repeated kills: an emulated NVMe namespace on a remote nvmet-tcp namespace of 512-byte blocks passes fio verify=crc32c with random I/O of 512 B to 1 MiB at QD 1 and at QD 128, and fio verify at QD 32 runs on while snap_service is killed with -9 three times and replaced each time; every new daemon connects again and fio ends with no error.
. ./lib.sh
. ./nvmf_lib.sh

NQN=nqn.2023-05.io.nvda.nvme:0
TNQN=nqn.2023-05.io.snap:nvmf-tcp-02
teardown() {
	snap_nvme_teardown
	nvmet_down $TNQN
}
trap teardown EXIT

nvmet_up $TNQN 512
snap_no_nvme
snap_nvme_start 1
snapadm_run bdev_nvme_attach_controller -b Rem -t tcp -a 127.0.0.1 -s 4420 -n $TNQN \
	--nsid 1 -l 30 -o 1
wait_bdev_ready Remn1
snap_nvme_ctrl $NQN NVMeCtrl0 0 Remn1
snap_nvme_bind 0
lbs=$(cat /sys/block/${NVME_NS#/dev/}/queue/logical_block_size)
[ "$lbs" = 512 ] || fail "$NVME_NS: logical block size $lbs, want the remote's 512"

run_fio wide-qd1 "$NVME_NS" --bsrange=512-1m --iodepth=1 --size=16M
run_fio wide-qd128 "$NVME_NS" --bsrange=512-1m --iodepth=128 --size=128M --offset=64M

# Three kills under one fio verify; each new daemon connects again.
fio_bg kills "$NVME_NS" 256M 24 32 --bsrange=512-256k --size=64M
fio_pid=$FIO_BG
for k in 1 2 3; do
	sleep 5
	kill -9 "$SVC_PID"
	wait "$SVC_PID" 2>/dev/null
	snap_svc_start
	wait_bdev_ready Remn1
done
fio_bg_ok kills "$fio_pid" "across three kill -9"
n=$(grep -c "nvmf Remn1: $TNQN nsid 1" /tmp/svc.log)
[ "$n" -ge 4 ] || fail "Remn1 connected $n times, want 4 (first daemon and three more)"
dmesg | grep -q "nvme nvme0: \(resetting\|I/O .*timeout\)" && fail "the host timed out or reset"
log "three kill -9 under fio verify: $n connections, $(grep -o 'IOPS=[^,]*' /tmp/fio.kills)"
exit 0
