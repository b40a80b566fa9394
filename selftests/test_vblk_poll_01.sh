#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# While snap_service busy-polls (a 500 ms window, so that no pause of a slow guest ends it), a virtio-blk driver does not notify: the module looks at the available rings in the daemon's passes and asks the driver not to (avail_event out of reach, or VRING_USED_F_NO_NOTIFY), and asks again for notifications before the daemon sleeps. fio random 4K reads for 4 s at QD 1 and 16: the function's sysfs doorbells (notifications the module saw) stay under a tenth of the reads (a notification a read before), and the sim poller's wake-ups (context switches) within twice those of the same QD1 run on an emulated NVMe namespace, whose doorbells never wake it; after the load, with the daemon asleep, a single read completes (no chain is left unnoticed). Counts, not times.
. ./lib.sh

teardown() {
	snap_vblk_unbind_all
	snap_nvme_teardown
}
trap teardown EXIT

snap_no_nvme
snap_virtio_drivers
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=4 mempool_size_mb=64
snap_need_family
snap_need_virtio_trap
# A window far longer than any pause of fio's between reads, even in the
# debug lane's slow kernel: the counts below must not depend on how fast
# the guest runs (with the default 2 ms there, the daemon slept between
# reads now and then, and each sleep rightly lets the driver notify).
BUSY_POLL_MS=500
snap_svc_start --busy-poll $BUSY_POLL_MS

snapadm_run bdev_null_create NullN 64 4096
snapadm_run bdev_null_create NullV 64 4096
snapadm_run virtio_blk_controller_create --pf_id 0 --bdev NullV --ctrl VblkPoll0 --num_queues 1
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:poll NVMePoll0 0 NullN
snap_nvme_bind 0
snap_vblk_bind 0

pid=""
for d in /proc/[0-9]*; do
	[ "$(cat $d/comm 2>/dev/null)" = snap_sim_poll ] && pid=${d#/proc/}
done
[ -n "$pid" ] || fail "no snap_sim_poll kthread"

switches() {
	awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/$pid/status
}

# load DEV QD: sets $woke (poller context switches), $reads (completed
# reads of DEV) and $rang (its function's doorbells) over 4 s of fio
# random 4K reads at queue depth QD.
load() {
	_dev=${1#/dev/}
	_r0=$(awk '{ print $1 }' /sys/block/$_dev/stat)
	_s0=$(switches)
	_d0=$(cat $DOORBELLS)
	fio --name=poll --filename="$1" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=$2 --time_based --runtime=4 --output=/tmp/fio.poll ||
		{ cat /tmp/fio.poll; fail "fio on $1"; }
	woke=$(($(switches) - _s0))
	rang=$(($(cat $DOORBELLS) - _d0))
	reads=$(($(awk '{ print $1 }' /sys/block/$_dev/stat) - _r0))
	[ "$reads" -gt 0 ] || fail "no read completed on $1"
}

DOORBELLS=$SNAP_SYSFS/functions/SNAPSIM00000NVMES1D0F0/doorbells
load "$NVME_NS" 1
nvme_woke=$woke
log "NVMe QD1: $reads reads, $rang doorbells, the poller woke $woke times"

DOORBELLS=$SNAP_SYSFS/functions/SNAPSIM00000VBLKS1D0F0/doorbells
[ -r $DOORBELLS ] || fail "no $DOORBELLS"
for qd in 1 16; do
	load "/dev/$VBLK_DEV" $qd
	log "virtio-blk QD$qd: $reads reads, $rang notifications, the poller woke $woke times"
	[ $((rang * 10)) -lt "$reads" ] ||
		fail "QD$qd: $rang notifications for $reads reads while the daemon polled"
	[ $qd != 1 ] || [ "$woke" -le $((2 * nvme_woke + 50)) ] ||
		fail "the poller woke $woke times for $reads reads (NVMe run: $nvme_woke)"
done

# The daemon sleeps once idle for its busy-poll window: the driver must
# notify again, or this read would wait for ever.
sleep $((BUSY_POLL_MS / 1000 + 2))
timeout 10 dd if=/dev/$VBLK_DEV of=/dev/null bs=4k count=1 skip=77 iflag=direct 2>/dev/null ||
	fail "a read after the load did not complete: the ring was left quiet"
log "a read with the daemon asleep completed"
exit 0
