# SPDX-License-Identifier: GPL-2.0
# An NVMe-oF target for the nvmf tests (sourced after lib.sh): the
# guest's nvmet-tcp on 127.0.0.1:4420 (or nvmet-rdma over soft-RoCE,
# rxe_up) exporting a memory-backed null_blk, and helpers to watch the
# bdevs snap_service makes of it.

NVMET=/sys/kernel/config/nvmet

# The target's transport and address: NVMe/TCP on loopback unless a test
# sets them (rxe_up does for NVMe/RDMA).
NVMET_TRTYPE=${NVMET_TRTYPE:-tcp}
NVMET_TRADDR=${NVMET_TRADDR:-127.0.0.1}

# rxe_up: soft-RoCE for NVMe/RDMA in one guest: rxe0 on a dummy netdev
# with 10.77.0.1/24; rxe loops traffic to its own address back inside
# itself. Sets the target to nvmet-rdma there. Skips the test when the
# guest cannot.
rxe_up() {
	for _m in crc32_generic rdma_rxe rdma_ucm ib_uverbs dummy; do
		modprobe $_m || skip "no $_m module in this guest"
	done
	command -v rdma >/dev/null || skip "no rdma tool (iproute2) in this guest"
	ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy ||
		fail "ip link add dummy0"
	ip addr add 10.77.0.1/24 dev dummy0 || fail "an address for dummy0"
	ip link set dummy0 up || fail "ip link set dummy0 up"
	rdma link add rxe0 type rxe netdev dummy0 || fail "rdma link add rxe0 on dummy0"
	NVMET_TRTYPE=rdma NVMET_TRADDR=10.77.0.1
}

# rxe_down: undo rxe_up (for cleanups).
rxe_down() {
	rdma link delete rxe0 2>/dev/null
	ip link delete dummy0 2>/dev/null
	return 0
}

# nvmet_up NQN BLOCK_SIZE [FILE]: subsystem NQN (any host) on port 1,
# namespace 1 a 1 GiB memory-backed /dev/nullb0 of BLOCK_SIZE-byte blocks,
# namespace 2 a 64 MiB FILE when given. Skips the test without nvmet, and
# under lockdep: the kernel's nvmet-tcp target reports its own lock order
# there (a queue's io_work flushes nvmet-wq while installing a queue, and
# a queue's release_work on nvmet-wq cancels io_work), as soon as one
# connection goes while another is set up, which every daemon kill and
# reconnect here does. The report is upstream's and long standing
# (blktests nvme/005 meets it too); lockdep switches itself off after it,
# so the debug lane's later tests would run unchecked.
nvmet_up() {
	[ -e /proc/lockdep ] &&
		skip "under lockdep the kernel's nvmet-tcp target reports its own lock order (nvmet-wq vs queue io_work), not snap's"
	for _m in configfs nvmet nvmet-$NVMET_TRTYPE; do
		modprobe $_m || skip "no $_m module in this guest"
	done
	modprobe null_blk nr_devices=1 gb=1 bs="$2" memory_backed=1 ||
		fail "modprobe null_blk memory_backed=1"
	wait_for /proc/partitions ' nullb0$' 5 || fail "no /dev/nullb0"
	grep -q " /sys/kernel/config configfs" /proc/mounts ||
		mount -t configfs none /sys/kernel/config || fail "mount configfs"
	ip link set lo up || fail "ip link set lo up"
	_s=$NVMET/subsystems/$1
	mkdir $_s || fail "mkdir $_s"
	echo 1 >$_s/attr_allow_any_host
	mkdir $_s/namespaces/1
	echo /dev/nullb0 >$_s/namespaces/1/device_path
	echo 1 >$_s/namespaces/1/enable || fail "enable nvmet namespace 1"
	if [ -n "$3" ]; then
		truncate -s 64M "$3" || fail "truncate $3"
		mkdir $_s/namespaces/2
		echo "$3" >$_s/namespaces/2/device_path
		echo 1 >$_s/namespaces/2/buffered_io
		echo 1 >$_s/namespaces/2/enable || fail "enable nvmet namespace 2"
	fi
	_p=$NVMET/ports/1
	mkdir $_p
	echo $NVMET_TRADDR >$_p/addr_traddr
	echo $NVMET_TRTYPE >$_p/addr_trtype
	echo 4420 >$_p/addr_trsvcid
	echo ipv4 >$_p/addr_adrfam
	ln -s $_s $_p/subsystems/$1 || fail "link the subsystem to the port"
}

# nvmet_down NQN: undo nvmet_up (for cleanups).
nvmet_down() {
	if [ -d $NVMET ]; then
		rm -f $NVMET/ports/1/subsystems/$1 2>/dev/null
		[ -d $NVMET/ports/1 ] && rmdir $NVMET/ports/1
		for _ns in 1 2; do
			[ -d $NVMET/subsystems/$1/namespaces/$_ns ] || continue
			echo 0 >$NVMET/subsystems/$1/namespaces/$_ns/enable
			rmdir $NVMET/subsystems/$1/namespaces/$_ns
		done
		[ -d $NVMET/subsystems/$1 ] && rmdir $NVMET/subsystems/$1
	fi
	rmmod null_blk 2>/dev/null
	return 0
}

bdev_field() {	# NAME FIELD
	snapadm -j bdev_list -b "$1" >/tmp/bdev.json 2>&1
	json_param /tmp/bdev.json "$1" "$2"
}

wait_bdev_ready() {	# NAME
	_n=100
	while [ $_n -gt 0 ]; do
		[ "$(bdev_field "$1" ready)" = true ] && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	fail "$1 not ready: $(cat /tmp/bdev.json) $(tail -5 /tmp/svc.log)"
}

# run_fio NAME DEV ARGS...: random writes of 4k-128k with verify=crc32c
# (ARGS may set other sizes: fio takes the last value of an option).
run_fio() {
	_name=$1 _dev=$2
	shift 2
	fio --name="$_name" --filename="$_dev" --ioengine=libaio --direct=1 \
		--rw=randwrite --bsrange=4k-128k --verify=crc32c --verify_fatal=1 \
		--output=/tmp/fio.$_name "$@" ||
		{ cat /tmp/fio.$_name; tail -20 /tmp/svc.log; dmesg | tail; fail "fio $_name"; }
	grep -q "err= 0" /tmp/fio.$_name || { cat /tmp/fio.$_name; fail "fio $_name: errors"; }
	log "fio $_name: $(grep -o 'IOPS=[^,]*' /tmp/fio.$_name | tr '\n' ' ')"
}

# fio_bg NAME DEV OFFSET RUNTIME QD [ARGS...]: time-based random writes of
# 4k-128k over 32 MiB from OFFSET with verify=crc32c, in the background
# (ARGS may change sizes: fio takes the last value); its pid in FIO_BG.
fio_bg() {
	_name=$1 _dev=$2 _off=$3 _rt=$4 _qd=$5
	shift 5
	fio --name="$_name" --filename="$_dev" --ioengine=libaio --direct=1 --rw=randwrite \
		--bsrange=4k-128k --iodepth="$_qd" --size=32M --offset="$_off" --time_based \
		--runtime="$_rt" --verify=crc32c --verify_backlog=64 --verify_fatal=1 "$@" \
		>/tmp/fio.$_name 2>&1 &
	FIO_BG=$!
}

# fio_bg_ok NAME PID WHAT: that fio_bg run ended without error.
fio_bg_ok() {
	wait "$2" || { cat /tmp/fio.$1; tail -30 /tmp/svc.log; fail "fio $3"; }
	grep -q "err= 0" /tmp/fio.$1 || { cat /tmp/fio.$1; fail "fio $3: errors"; }
}

# fio_bg_reads NAME DEV: 15 s of 4k random reads at QD 4 in the
# background, for a bdev whose I/O is to fail; its pid in FIO_BG.
fio_bg_reads() {
	fio --name="$1" --filename="$2" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=4 --time_based --runtime=15 >/tmp/fio.$1 2>&1 &
	FIO_BG=$!
}

# fio_bg_failed NAME PID WHAT: that fio_bg_reads run saw I/O errors (the
# nvme driver reports the engine's read error as ENODATA, media).
fio_bg_failed() {
	wait "$2" && { cat /tmp/fio.$1; fail "fio on $3 saw no error in the outage"; }
	grep -q "err=[1-9]" /tmp/fio.$1 || { cat /tmp/fio.$1; fail "fio on $3: no I/O error"; }
}

# target_outage NQN: 3 s in, the subsystem leaves port 1 for 5 s (the
# target goes away for the host, its namespaces stay), then comes back.
target_outage() {
	sleep 3
	rm $NVMET/ports/1/subsystems/$1 || fail "unlinking the subsystem from the port"
	sleep 5
	ln -s $NVMET/subsystems/$1 $NVMET/ports/1/subsystems/$1 ||
		fail "linking the subsystem to the port again"
}
