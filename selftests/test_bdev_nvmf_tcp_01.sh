#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Remote NVMe/TCP namespaces as bdevs: the guest's nvmet-tcp exports a memory-backed null_blk (4 KiB blocks) and a file on 127.0.0.1; bdev_nvme_attach_controller without --nsid makes Nvme0n1 and Nvme0n2, one bdev per active namespace, with their size and block size from Identify, and Dgn2 on the file with header and data digests; an attach to a port nobody listens on fails with the reason and leaves no bdev, with or without a reconnect policy; an emulated NVMe namespace on Nvme0n1 passes fio verify=crc32c (random 4k-128k, QD 1 and 32) and a marker written through it reads back from null_blk itself; a virtio-blk controller on Dgn2 passes fio verify; kill -9 of snap_service under fio: a new daemon reconnects by the module's definition and fio finishes without error; Nvme0 (-k 4000) stays connected while idle for 6 s by its Keep Alives; the target goes away for 5 s under fio: Nvme0n1 (-l 30 -o 1) reconnects and fio verify ends without error, idle Nvme0n2 notices and reconnects too, Ffn2 (-u 2) fails its I/O and serves again once the target is back; a daemon started while the target is down reports Nvme0n1 not ready with the reason, tries it once a second and serves it once the target is back (fio verify); detach_controller refuses while a namespace uses the bdev, then deletes both.
. ./lib.sh
. ./nvmf_lib.sh

NQN=nqn.2023-05.io.nvda.nvme:0
TNQN=nqn.2023-05.io.snap:nvmf-tcp-01
teardown() {
	snap_vblk_unbind_all
	snap_nvme_teardown
	nvmet_down $TNQN
}
trap teardown EXIT

# ---- the target: nvmet-tcp on loopback ----
nvmet_up $TNQN 4096 /tmp/nvmf2.img
log "nvmet-tcp on 127.0.0.1:4420: $TNQN, nsid 1 /dev/nullb0, nsid 2 /tmp/nvmf2.img"

# ---- the emulation ----
snap_no_nvme
snap_virtio_drivers
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 virtio_blk_emulation_enable=1 \
	virtio_blk_emulation_num_pf=1 virtio_blk_emulation_num_msix=4 mempool_size_mb=64
snap_need_family
vblk=yes
snap_virtio_trapping || vblk=""
snap_svc_start

# SPDK's command: every active namespace, and prints the bdevs it made.
# Nvme0 reconnects for 30 s, with a keep-alive timeout of 4 s; Ff
# (namespace 2 again) fails I/O after 2 s.
out=$(snapadm bdev_nvme_attach_controller -b Nvme0 -t tcp -a 127.0.0.1 -s 4420 -f ipv4 \
	-n $TNQN -l 30 -o 1 -k 4000 2>&1) || fail "attach_controller: $out"
[ "$(echo $out)" = "Nvme0n1 Nvme0n2" ] ||
	fail "attach_controller printed '$out', not Nvme0n1 and Nvme0n2"
snapadm_run bdev_nvme_attach_controller -b Ff -t tcp -a 127.0.0.1 -s 4420 -n $TNQN \
	--nsid 2 --ctrlr-loss-timeout-sec 30 --reconnect-delay-sec 1 --fast-io-fail-timeout-sec 2
out=$(snapadm bdev_nvme_attach_controller -b Ff2 -t tcp -a 127.0.0.1 -n $TNQN -l 30 -o 5 \
	-u 2 2>&1) && fail "fast_io_fail_timeout_sec under reconnect_delay_sec was taken"
echo "$out" | grep -q "reconnect_delay_sec can't be more than fast_io_fail_timeout_sec" ||
	fail "-l 30 -o 5 -u 2: '$out'"
out=$(snapadm bdev_nvme_attach_controller -b Nvme0 -t tcp -a 127.0.0.2 -n $TNQN \
	--nsid 3 2>&1) && fail "a second target under the name Nvme0 was taken"
echo "$out" | grep -q "controller Nvme0 exists with another target" ||
	fail "attach to another target: '$out'"
out=$(snapadm bdev_nvme_attach_controller -b Nvme1 -t tcp -a 127.0.0.1 -n $TNQN \
	-x failover 2>&1) && fail "-x failover was taken"
echo "$out" | grep -q -- "--multipath is not supported yet" || fail "-x failover: '$out'"
wait_bdev_ready Nvme0n1
wait_bdev_ready Nvme0n2
wait_bdev_ready Ffn2
# The same namespace 2 once more, with header and data digests. nvmet-tcp
# needs crc32c in the crypto API for them (and 6.1's oopses without it).
modprobe crc32c_generic 2>/dev/null
vblk_bdev=Nvme0n2 nctrl=2
if grep -q '^name *: crc32c$' /proc/crypto; then
	snapadm_run bdev_nvme_attach_controller -b Dg -t tcp -a 127.0.0.1 -s 4420 -n $TNQN \
		--nsid 2 --hdgst --ddgst
	wait_bdev_ready Dgn2
	grep -q "nvmf Dgn2: .*, header digests, data digests" /tmp/svc.log ||
		fail "Dgn2 without digests: $(grep Dgn2 /tmp/svc.log)"
	vblk_bdev=Dgn2 nctrl=3
else
	log "no crc32c in the guest's crypto API: no digests against nvmet-tcp"
fi
# Nothing listens on 4421: as SPDK's, the attach fails with the reason
# and leaves no bdev, with a reconnect policy (-l -1) or without; the
# daemon tried once and stops trying. Without --nsid, listing the
# namespaces fails first.
for _b in Bad Bad2; do
	_pol=""
	[ $_b = Bad2 ] && _pol="-l -1 -o 1"
	# shellcheck disable=SC2086
	out=$(snapadm bdev_nvme_attach_controller -b $_b -t tcp -a 127.0.0.1 -s 4421 -n $TNQN \
		--nsid 1 $_pol 2>&1) && fail "attach $_b to a port nobody listens on: '$out'"
	echo "$out" | grep -q "${_b}n1: connecting to 127.0.0.1:4421: Connection refused" ||
		fail "attach $_b to 4421: '$out'"
done
out=$(snapadm bdev_nvme_attach_controller -b Bad3 -t tcp -a 127.0.0.1 -s 4421 -n $TNQN 2>&1) &&
	fail "attach Bad3 to a port nobody listens on: '$out'"
echo "$out" | grep -q "connecting to 127.0.0.1:4421: Connection refused" ||
	fail "attach Bad3 (every namespace) to 4421: '$out'"
snapadm -j bdev_list >/tmp/all.json 2>&1
grep -q "Badn1\|Bad2n1\|Bad3" /tmp/all.json && fail "a failed attach left its bdev: $(cat /tmp/all.json)"
sleep 2
tries=$(grep -c "bdev Badn1: .*4421" /tmp/svc.log)
[ "$tries" = 1 ] || fail "the daemon tried Badn1 $tries times: $(grep Badn1 /tmp/svc.log | head)"
grep -q "nvmf Bad2n1: try [0-9]" /tmp/svc.log &&
	fail "the daemon kept trying the deleted Bad2n1: $(grep Bad2n1 /tmp/svc.log | tail -3)"
log "attach to 4421 (no listener): '$(echo "$out" | tail -1)', no bdev left, tried once"
# The module counts in its block size (512); the remote's is 4096.
blocks=$(bdev_field Nvme0n1 num_blocks)
[ "$blocks" = $((1024 * 1024 * 1024 / 512)) ] ||
	fail "Nvme0n1: $blocks blocks of 512, want 1 GiB: $(cat /tmp/bdev.json)"
[ "$(bdev_field Nvme0n2 num_blocks)" = $((64 * 1024 * 1024 / 512)) ] ||
	fail "Nvme0n2: not 64 MiB: $(cat /tmp/bdev.json)"
grep -q "nvmf Nvme0n1: $TNQN nsid 1 at 127.0.0.1:4420 .*262144 blocks of 4096 bytes" \
	/tmp/svc.log || fail "no Identify geometry in the log: $(grep nvmf /tmp/svc.log)"
# KATO 4 s, and no I/O yet: only the Keep Alives keep nvmet from ending
# Nvme0's associations.
grep -q "nvmf Nvme0n1: .*KATO 4000 ms" /tmp/svc.log ||
	fail "Nvme0n1 without KATO 4000: $(grep Nvme0n1 /tmp/svc.log)"
sleep 6
grep -q "Nvme0n[12]: connection .* lost\|Nvme0n[12] queue .* lost" /tmp/svc.log &&
	fail "Nvme0 lost its idle connection: $(grep Nvme0n /tmp/svc.log | tail -5)"
dmesg | grep -q "keep-alive timer .* expired" &&
	fail "nvmet's keep-alive timer expired: $(dmesg | grep keep-alive | tail -3)"
log "Nvme0 idle for 6 s with KATO 4 s: its Keep Alives keep it connected"
snapadm bdev_nvme_get_controllers >/tmp/ctrls.json || fail "get_controllers"
[ "$(json_count /tmp/ctrls.json name)" = $nctrl ] && json_has /tmp/ctrls.json bdev Nvme0n2 &&
	{ [ $nctrl = 2 ] || json_has /tmp/ctrls.json hdgst true; } &&
	json_has /tmp/ctrls.json fast_io_fail_timeout_sec 2 &&
	json_has /tmp/ctrls.json traddr 127.0.0.1 ||
	fail "get_controllers: $(cat /tmp/ctrls.json)"
log "Nvme0n1 (1 GiB of 4 KiB blocks), Nvme0n2 (64 MiB) ready; virtio-blk goes on $vblk_bdev"

snap_nvme_ctrl $NQN NVMeCtrl0 0 Nvme0n1 Ffn2
snap_nvme_bind 0
ff_ns=/dev/$(nvme_ns_wait "$NVME_CTRL" 2) || fail "no namespace 2 on $NVME_CTRL"
lbs=$(cat /sys/block/${NVME_NS#/dev/}/queue/logical_block_size)
[ "$lbs" = 4096 ] || fail "$NVME_NS: logical block size $lbs, want the remote's 4096"
run_fio qd1 "$NVME_NS" --iodepth=1 --size=16M
run_fio qd32 "$NVME_NS" --iodepth=32 --size=32M --offset=32M

# The data is the target's: a marker through the emulated namespace.
dd if=/dev/urandom of=/tmp/marker bs=4096 count=8 2>/dev/null
dd if=/tmp/marker of="$NVME_NS" bs=4096 seek=40000 count=8 oflag=direct 2>/dev/null ||
	fail "writing the marker"
dd if=/dev/nullb0 of=/tmp/marker.back bs=4096 skip=40000 count=8 iflag=direct 2>/dev/null ||
	fail "reading the marker from null_blk"
cmp -s /tmp/marker /tmp/marker.back || fail "the marker is not on /dev/nullb0"
log "a marker written through $NVME_NS reads back from /dev/nullb0"

if [ -n "$vblk" ]; then
	snapadm_run virtio_blk_controller_create --pf_id 0 --bdev $vblk_bdev --ctrl VblkCtrl0 \
		--num_queues 2
	snap_vblk_bind 0
	run_fio vblk "/dev/$VBLK_DEV" --iodepth=16 --size=32M
else
	log "virtio-blk part left out: this kernel cannot trap the virtio registers"
fi

# kill -9 under fio: the module keeps the definitions, a new daemon
# connects again and takes the queues over.
fio_bg kill "$NVME_NS" 64M 20 32
fio_pid=$FIO_BG
sleep 5
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
snap_svc_start
fio_bg_ok kill "$fio_pid" "across kill -9"
[ "$(grep -c "nvmf Nvme0n1: $TNQN nsid 1" /tmp/svc.log)" -ge 2 ] ||
	fail "the new daemon did not connect again: $(grep nvmf /tmp/svc.log)"
log "kill -9 under fio: a new daemon reconnected, $(grep -o 'IOPS=[^,]*' /tmp/fio.kill)"
[ -n "$vblk" ] && run_fio vblk-after-kill "/dev/$VBLK_DEV" --iodepth=4 --size=8M

# The target goes away for 5 s under fio (the port's link to the
# subsystem removed, then restored): Nvme0n1 reconnects and its fio
# verify ends without error; Ffn2's I/O fails after 2 s, nothing hangs.
fio_bg outage "$NVME_NS" 96M 15 16
fio_pid=$FIO_BG
fio_bg_reads fastfail "$ff_ns"
ff_pid=$FIO_BG
target_outage $TNQN
fio_bg_ok outage "$fio_pid" "across the outage"
fio_bg_failed fastfail "$ff_pid" Ffn2
grep -q "nvmf Nvme0n1: reconnected to 127.0.0.1:4420" /tmp/svc.log ||
	fail "Nvme0n1 did not reconnect: $(grep -i nvmf /tmp/svc.log | tail)"
grep -q "nvmf Ffn2: still no connection after 2 s (fast_io_fail_timeout_sec)" /tmp/svc.log ||
	fail "Ffn2 did not fail fast: $(grep -i Ffn2 /tmp/svc.log | tail)"
# Nvme0n2 had no I/O in the outage (virtio-blk was idle): it saw its
# connection end and reconnected all the same.
grep -q "nvmf Nvme0n2: reconnected to 127.0.0.1:4420" /tmp/svc.log ||
	fail "idle Nvme0n2 did not reconnect: $(grep -i Nvme0n2 /tmp/svc.log | tail)"
log "5 s outage: $(grep -o 'Nvme0n1: reconnected.*' /tmp/svc.log | head -1), fio verify" \
	"$(grep -o 'IOPS=[^,]*' /tmp/fio.outage | tr '\n' ' ')without error; Ffn2 failed I/O after 2 s"
# Once back, Ffn2 serves again.
_n=100
until dd if="$ff_ns" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; do
	_n=$((_n - 1))
	[ $_n -gt 0 ] || fail "Ffn2 does not serve after the outage: $(grep Ffn2 /tmp/svc.log | tail -3)"
	usleep 100000
done
log "Ffn2 serves again after the outage"

# The target is down when a daemon starts: Nvme0n1 (-l 30 -o 1) is
# reported not ready with the reason and tried once a second (not on
# each status report); once the target is back it is ready by itself,
# and fio verify passes through the emulated namespace.
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
rm $NVMET/ports/1/subsystems/$TNQN || fail "unlinking the subsystem from the port"
snap_svc_start
_n=100
while [ $_n -gt 0 ] && [ -z "$(bdev_field Nvme0n1 error)" ]; do
	usleep 100000
	_n=$((_n - 1))
done
why=$(bdev_field Nvme0n1 error)
[ -n "$why" ] && [ "$(bdev_field Nvme0n1 ready)" = false ] ||
	fail "Nvme0n1 with the target down: $(cat /tmp/bdev.json)"
grep -q "nvmf Nvme0n1: trying to open it every 1 s for 30 s" /tmp/svc.log ||
	fail "Nvme0n1 is not tried again: $(grep Nvme0n1 /tmp/svc.log | tail -5)"
t0=$(grep -c "nvmf Nvme0n1: try [0-9]" /tmp/svc.log)
sleep 3
tries=$(($(grep -c "nvmf Nvme0n1: try [0-9]" /tmp/svc.log) - t0))
[ $tries -ge 1 ] && [ $tries -le 4 ] ||
	fail "Nvme0n1 tried $tries times in 3 s: $(grep 'Nvme0n1: try' /tmp/svc.log | tail -5)"
ln -s $NVMET/subsystems/$TNQN $NVMET/ports/1/subsystems/$TNQN || fail "linking the subsystem to the port again"
wait_bdev_ready Nvme0n1
run_fio after-restart "$NVME_NS" --iodepth=16 --size=16M --offset=128M
log "target down at the daemon's start: Nvme0n1 not ready ('$why'), $tries tries in 3 s," \
	"ready once it is back, fio verify clean"

# A bdev in use is not deleted; detach takes both once free.
out=$(snapadm bdev_nvme_detach_controller Nvme0 2>&1) && fail "detach while in use"
echo "$out" | grep -qi "busy\|in use\|used" || fail "detach while in use: '$out'"
snap_vblk_unbind_all
[ -n "$vblk" ] && snapadm_run virtio_blk_controller_destroy --ctrl VblkCtrl0
snap_nvme_cleanup
snapadm_run nvme_controller_destroy --ctrl NVMeCtrl0
snapadm_run nvme_namespace_destroy --nqn $NQN --nsid 1
snapadm_run nvme_namespace_destroy --nqn $NQN --nsid 2
snap_svc_start
snapadm_run bdev_nvme_detach_controller Nvme0
snapadm_run bdev_nvme_detach_controller Ff
[ $nctrl = 2 ] || snapadm_run bdev_nvme_detach_controller Dg
snapadm -j bdev_list >/tmp/all.json 2>&1
grep -q "Nvme0n\|Dgn2\|Ffn2" /tmp/all.json && fail "bdevs left after detach: $(cat /tmp/all.json)"
[ "$(snapadm bdev_nvme_get_controllers)" = "[]" ] ||
	fail "controllers left: $(snapadm bdev_nvme_get_controllers)"
kill -0 "$SVC_PID" || fail "the daemon died"
log "detach_controller: refused while in use, then both namespaces gone"
exit 0
