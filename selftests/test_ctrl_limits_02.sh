#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The NVMe limits of include/uapi/linux/snap_nl_gen.h, at each limit and one past it: nn 4097, mdts 10, num_queues above the function's MSI-X vectors and nsid above nn are refused by snapadm with a message; a controller at every limit (nn 4096, mdts 9, all queues, 65 namespaces up to nsid 4096) is served: the host sees all 65 namespaces, 2 MiB transfers and a fio verify on nsid 4096, with more commands in flight than the function's in-flight slots.
. ./lib.sh

NQN=nqn.2023-05.io.snap:limits
trap snap_nvme_teardown EXIT
command -v fio >/dev/null || skip "no fio in the guest"

# refused WHAT GREP COMMAND...: snapadm must refuse, and say GREP.
refused() {
	_what=$1 _why=$2
	shift 2
	_out=$(snapadm "$@" 2>&1) && fail "$_what was accepted"
	echo "$_out" | grep -q "$_why" || fail "$_what: refusal without the reason: $_out"
	log "$_what refused: $_out"
}

# 4 MSI-X vectors, queues of 2048 entries: the host's two I/O queues at
# depth 1023 can hold more commands than the function's 1024 slots.
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 nvme_emulation_max_queue_depth=11 mempool_size_mb=256
snap_need_family
SNAP_MEMPOOL_SIZE_MB=256 snap_svc_start

refused "nn 4097" "allowed 1 to 4096" nvme_subsystem_create --nqn $NQN -nn 4097
snapadm_run nvme_subsystem_create --nqn $NQN -nn 4096
refused "mdts 10" "mdts: .*allowed 1 to 9" nvme_controller_create --nqn $NQN --pf_id 0 --ctrl C0 --mdts 10
refused "num_queues 5 on 4 MSI-X vectors" "MSI-X" \
	nvme_controller_create --nqn $NQN --pf_id 0 --ctrl C0 --num_queues 5
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 \
	--mdts 9 --num_queues 4 --suspended

# 65 namespaces: nsid 1-64 on null bdevs, 4096 (nn) on RAM for the verify.
: >/tmp/limits.batch
i=1
while [ $i -le 64 ]; do
	echo "bdev_null_create Null$i 1 4096" >>/tmp/limits.batch
	echo "nvme_namespace_create --nqn $NQN --bdev_name Null$i --nsid $i" >>/tmp/limits.batch
	echo "nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid $i" >>/tmp/limits.batch
	i=$((i + 1))
done
snapadm -b /tmp/limits.batch >/tmp/limits.out 2>&1 ||
	fail "creating 64 namespaces: $(tail -5 /tmp/limits.out)"
snapadm_run bdev_malloc_create 64 4096 -b Malloc0
refused "nsid 4097 with nn 4096" "nsid" \
	nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 4097
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 4096
snapadm_run nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 4096
snapadm_run nvme_controller_resume --ctrl NVMeCtrl0

snap_nvme_bind 0
n=0
while [ $n -lt 600 ]; do
	got=$(ls -d /sys/block/"$NVME_CTRL"n* 2>/dev/null | wc -l)
	[ "$got" -ge 65 ] && break
	usleep 100000
	n=$((n + 1))
done
[ "$got" -eq 65 ] || { tail -20 /tmp/svc.log; fail "the host sees $got namespaces, not 65"; }
snapadm -j nvme_controller_list >/tmp/limits.list || fail "nvme_controller_list"
json_norm /tmp/limits.list | grep -q '"error":' &&
	fail "nvme_controller_list reports an error: $(cat /tmp/limits.list)"
log "the host sees 65 namespaces"

dev=$(nvme_ns_dev "$NVME_CTRL" 4096) || fail "no block device for nsid 4096"
kb=$(cat /sys/block/"$dev"/queue/max_hw_sectors_kb)
[ "$kb" = 2048 ] || fail "$dev: max_hw_sectors_kb $kb, want 2048 (mdts 9)"
log "nsid 4096 is $dev, transfers up to $kb KiB"

fio --name=mdts --filename=/dev/"$dev" --ioengine=libaio --direct=1 \
	--rw=randwrite --bs=2M --iodepth=4 --size=32M --verify=crc32c \
	--verify_fatal=1 --output=/tmp/fio.mdts ||
	{ cat /tmp/fio.mdts; tail -20 /tmp/svc.log; fail "fio 2 MiB verify on $dev"; }
grep -q "err= 0" /tmp/fio.mdts || { cat /tmp/fio.mdts; fail "fio reported errors"; }
# Two jobs on two CPUs, two I/O queues, 1023 each: up to 2046 commands
# for 1024 in-flight slots. The daemon must wait for slots, not fail.
fio --name=deep --filename=/dev/"$dev" --ioengine=libaio --direct=1 \
	--rw=randwrite --bs=4k --iodepth=1023 --numjobs=2 --cpus_allowed_policy=split \
	--cpus_allowed=0-1 --size=16M --offset_increment=32M --verify=crc32c \
	--verify_fatal=1 --group_reporting --output=/tmp/fio.deep ||
	{ cat /tmp/fio.deep; tail -20 /tmp/svc.log; fail "fio QD 2x1023 verify on $dev"; }
grep -q "err= 0" /tmp/fio.deep || { cat /tmp/fio.deep; fail "fio reported errors"; }
log "fio verify at 2 MiB and at QD 2x1023 on $dev: no error"
dmesg | grep -E "nvme.*(timeout|reset|I/O error)" &&
	fail "the host driver logged a timeout, reset or I/O error"

snap_nvme_cleanup
snap_unload
exit 0
