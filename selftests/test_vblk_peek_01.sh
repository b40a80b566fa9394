#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every virtio-blk request's 16-byte header comes with the fetch that takes its chain (SNAP_SQ_FETCH_PEEK, ABI 2.9), so a read costs the daemon no /dev/snap call of its own to read host memory: a fio verify (random 4K writes, then each block read back and checked against its offset) proves the peeked headers name the right blocks, and over a QD1 run of random 4K reads a kprobe event on snap_dp_dma_user, host-to-pool direction, fires for fewer than a tenth of the reads (once a read without the peek). Counts, not times.
. ./lib.sh

T=/sys/kernel/tracing
EV=snap_vblkpeek01/host_read

teardown() {
	[ -e $T/events/$EV ] && echo 0 >$T/events/$EV/enable &&
		echo "-:$EV" >>$T/kprobe_events
	snap_vblk_unbind_all
	snap_nvme_teardown
}
trap teardown EXIT

snap_virtio_drivers
snap_load internal_cpu_model=1 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=4 mempool_size_mb=64
snap_need_family
snap_need_virtio_trap
snap_svc_start

snapadm_run bdev_malloc_create 16 4096 -b MallocV
snapadm_run virtio_blk_controller_create --pf_id 0 --bdev MallocV --ctrl VblkPeek0 --num_queues 1
snap_vblk_bind 0

# The headers the daemon takes from the fetch must be its chains' own: a
# read of another block fails the verify (fio checks each block's offset).
snap_fio_verify /dev/$VBLK_DEV peek

[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null
# snap_dp_dma_user(dp, uptr, nr, dir): dir 0 is SNAP_DMA_FROM_HOST
if ! echo "p:$EV snap_dp_dma_user dir=\$arg4:u32" >>$T/kprobe_events 2>/dev/null; then
	log "no kprobe event on snap_dp_dma_user here: the calls are not counted"
	exit $KSFT_PASS
fi
echo 'dir == 0' >$T/events/$EV/filter || fail "cannot filter $EV on dir"
r0=$(awk '{ print $1 }' /sys/block/$VBLK_DEV/stat)
echo >$T/trace
echo 1 >$T/events/$EV/enable
fio --name=peek --filename=/dev/$VBLK_DEV --ioengine=libaio --direct=1 --rw=randread \
	--bs=4k --iodepth=1 --number_ios=400 --size=4M --output=/tmp/fio.peekread ||
	{ cat /tmp/fio.peekread; fail "fio reads on /dev/$VBLK_DEV"; }
echo 0 >$T/events/$EV/enable
calls=$(grep -c 'host_read:' $T/trace)
reads=$(($(awk '{ print $1 }' /sys/block/$VBLK_DEV/stat) - r0))
log "$reads QD1 reads, $calls DMA calls from host memory"
[ "$reads" -ge 300 ] || fail "only $reads reads completed"
[ $((calls * 10)) -lt "$reads" ] ||
	fail "$calls DMA calls from host memory for $reads reads: the headers were not peeked"
exit $KSFT_PASS
