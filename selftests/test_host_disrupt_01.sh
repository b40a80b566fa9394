#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host disrupts an emulated NVMe controller while fio runs on it: a controller reset (fio must see no error), an FLR, PCI remove and rescan, nvme_controller_destroy --force (a surprise removal: the driver fails its I/O at once, no timeout, and binds the function again once a controller is back), and the nvme driver's unbind followed by rmmod nvme (fio may see errors but must end); after each the device serves a verified fio again, snap_service is still running, and the kernel logs no WARN, BUG, Oops, KASAN report, lockdep splat or hung task. Meant for the debug lane (KASAN, lockdep, kmemleak) as much as for make check.
. ./lib.sh
. ./kill_lib.sh

trap kill_teardown EXIT

NQN=${KILL_NQN}0
BDF=""

# fio_bg NAME VERIFY: 4 KiB random reads and writes at QD 32 for 12 s in the
# background (FIO_PID), with crc32c verification when VERIFY is 1.
fio_bg() {
	_v=""
	[ "$2" = 1 ] && _v="--verify=crc32c --verify_backlog=64 --verify_fatal=1"
	# shellcheck disable=SC2086
	fio --name="$1" --filename="$NVME_NS" --ioengine=libaio --direct=1 --rw=randrw \
		--bs=4k --iodepth=32 --size=32M --time_based --runtime=12 $_v \
		>/tmp/fio.$1 2>&1 &
	FIO_PID=$!
	sleep 3
}

# fio_end NAME: fio must end within 90 s of the disruption (no hang);
# returns its exit status.
fio_end() {
	_n=0
	while kill -0 "$FIO_PID" 2>/dev/null; do
		[ $_n -lt 900 ] || { dmesg | tail -30; fail "$1: fio hung after the disruption"; }
		usleep 100000
		_n=$((_n + 1))
	done
	wait "$FIO_PID"
}

# splats WHAT: nothing in the kernel log a debug kernel reports as a bug.
no_splats() {
	_s=$(dmesg | grep -E "BUG:|WARNING:|Oops|KASAN|possible .*deadlock|circular locking|INFO: task .* blocked|general protection")
	[ -z "$_s" ] || { echo "$_s" | head -20; fail "$1: the kernel reported a bug"; }
}

# wait_for_driver SECONDS: nvme is bound to the function.
wait_for_driver() {
	_n=$(($1 * 10))
	while [ ! -e /sys/bus/pci/drivers/nvme/$BDF ]; do
		[ $_n -gt 0 ] || return 1
		usleep 100000
		_n=$((_n - 1))
	done
}

# back WHAT: the controller serves verified I/O again and the daemon lives.
back() {
	snap_nvme_wait_ns "$BDF" 120 || {
		dmesg | tail -20
		ls /sys/block /sys/class/nvme-subsystem/* 2>&1 | tr '\n' ' '
		fail "$1: no namespace afterwards"
	}
	snap_fio_verify "$NVME_NS" "after-$1"
	kill -0 "$SVC_PID" || fail "$1: snap_service died"
	no_splats "$1"
	log "$1 under fio: the device is back, no splat"
}

kill_setup 1
BDF=$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D0F0/bdf)

# A reset the host driver asks for: in-flight I/O is retried, fio sees nothing.
fio_bg reset 1
echo 1 >/sys/class/nvme/$NVME_CTRL/reset_controller || fail "reset_controller"
fio_end reset || { cat /tmp/fio.reset; fail "fio saw errors across a controller reset"; }
back "controller reset"

# Function Level Reset through the PCI core (the driver's reset_prepare/done).
fio_bg flr 0
echo 1 >/sys/bus/pci/devices/$BDF/reset || fail "FLR of $BDF"
fio_end flr
back "FLR"

# Surprise for the driver: the function removed under I/O, then found again.
fio_bg remove 0
echo 1 >/sys/bus/pci/devices/$BDF/remove || fail "remove $BDF"
fio_end remove
echo 1 >/sys/bus/pci/rescan
wait_for /sys/bus/pci/devices/$BDF/vendor '0x' 20 || fail "$BDF not found by the rescan"
[ -e /sys/bus/pci/drivers/nvme/$BDF ] || echo "$BDF" >/sys/bus/pci/drivers/nvme/bind
back "remove and rescan"

# The controller destroyed by force under the host with I/O in flight: the
# function drops off the bus as in a surprise removal, so the nvme driver
# fails its outstanding I/O at once (no timeout, hence not the stock 6.1
# driver's timeout-then-reset path that lockdep reports, and not 6.12's
# controller kept dead and bound) and the function is found again, with
# no controller, for the host's drivers.
_mark=$(dmesg | wc -l)
fio_bg destroy 0
snapadm_run nvme_controller_destroy --ctrl C0 --force
fio_end destroy
wait_for /sys/bus/pci/devices/$BDF/vendor '0x' 30 || fail "$BDF not back on the bus after the surprise removal"
dmesg | tail -n +$((_mark + 1)) >/tmp/dmesg.destroy
grep -q "$BDF: surprise removal" /tmp/dmesg.destroy || fail "no surprise removal of $BDF in the kernel log"
if grep -E "nvme.*[Tt]imeout" /tmp/dmesg.destroy; then
	fail "the driver waited for a timeout instead of failing its I/O at the removal"
fi
no_splats "controller destroy --force"
snapadm nvme_namespace_destroy --nqn $NQN --nsid 1 >/dev/null 2>&1
snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl C0 --num_queues 2 \
	--suspended
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name M0 --nsid 1
snapadm_run nvme_controller_attach_ns --ctrl C0 --nsid 1
snapadm_run nvme_controller_resume --ctrl C0
# Nobody binds by hand: the function came back to the drivers by itself.
wait_for_driver 60 || fail "nvme did not bind $BDF again by itself"
back "controller destroy --force"

# The host driver let go under I/O. rmmod nvme is refused while a disk of
# it is open (the block device holds the module), so its per-device half,
# the driver's unbind, runs under fio; the module then goes and comes back.
fio_bg unbind 0
echo "$BDF" >/sys/bus/pci/drivers/nvme/unbind || fail "unbind nvme from $BDF"
fio_end unbind
if [ -e /sys/module/nvme/refcnt ]; then
	rmmod nvme || fail "rmmod nvme"
	modprobe nvme || fail "modprobe nvme"
fi
[ -e /sys/bus/pci/drivers/nvme/$BDF ] || echo "$BDF" >/sys/bus/pci/drivers/nvme/bind
back "nvme unbind and rmmod"
exit 0
