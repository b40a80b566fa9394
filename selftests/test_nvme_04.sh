#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Live changes the host must ride through: a namespace attached and detached while the controller runs appears and disappears (AEN, rescan, no reset), and snap_service killed with SIGKILL and started again leaves the device working with its data, no reset and no error.
. ./lib.sh

trap snap_nvme_teardown EXIT

resets() {
	dmesg | grep -c "nvme nvme[0-9]*: \(resetting\|I/O .* timeout\|Abort status\|controller is down\)"
}

wait_block() {	# wait_block DEV present|absent
	_n=0
	while [ $_n -lt 100 ]; do
		if [ "$2" = present ]; then [ -b "$1" ] && return 0
		else [ -b "$1" ] || return 0
		fi
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

snap_nvme_start 1
snapadm_run bdev_malloc_create 16 4096 -b Malloc0
snapadm_run bdev_malloc_create 8 4096 -b Malloc1
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
r0=$(resets)

# --- namespace attach / detach while running ---
snapadm_run nvme_namespace_create --nqn nqn.2023-05.io.nvda.nvme:0 --bdev_name Malloc1 --nsid 2
snapadm_run nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 2
wait_block /dev/${NVME_CTRL}n2 present || fail "namespace 2 did not appear on the host"
[ "$(cat /sys/block/${NVME_CTRL}n2/size)" = 16384 ] ||
	fail "${NVME_CTRL}n2 is $(cat /sys/block/${NVME_CTRL}n2/size) sectors, want 16384"
log "attach: /dev/${NVME_CTRL}n2 appeared"
snapadm_run nvme_controller_detach_ns --ctrl NVMeCtrl0 --nsid 2
wait_block /dev/${NVME_CTRL}n2 absent || fail "namespace 2 did not disappear from the host"
log "detach: /dev/${NVME_CTRL}n2 is gone"
[ -b "$NVME_NS" ] || fail "namespace 1 went away too"

# --- SIGKILL and restart while idle ---
dd if=/dev/urandom of=/tmp/before bs=4096 count=32 2>/dev/null
dd if=/tmp/before of="$NVME_NS" bs=4096 seek=10 oflag=direct 2>/dev/null || fail "write before kill"
# What the host set and the counters it read live in the kernel too.
C=/dev/$NVME_CTRL
nvme set-feature "$C" -f 1 -v 0x03020103 >/tmp/sf 2>&1 || fail "set-feature arbitration: $(cat /tmp/sf)"
arb() { nvme get-feature "$C" -f 1 2>&1 | sed -n 's/.*Current value:\(0x[0-9a-f]*\).*/\1/p'; }
[ "$(arb)" = "0x03020103" ] || fail "arbitration reads $(arb) before the restart"
nvme smart-log "$C" -o json >/tmp/smart0 || fail "nvme smart-log"
w0=$(jfield /tmp/smart0 host_write_commands)
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
wait_for /sys/class/snap/sim0/daemon_pid "^0\$" 10 || fail "the killed daemon is still attached"
snap_svc_start
log "daemon $SVC_PID took over"
timeout 10 dd if="$NVME_NS" of=/tmp/after bs=4096 skip=10 count=32 iflag=direct 2>/dev/null ||
	{ tail -12 /tmp/svc.log; cat /proc/$SVC_PID/stack; cat /proc/$SVC_PID/wchan; echo; dmesg | tail -4; fail "read after restart"; }
cmp /tmp/before /tmp/after || fail "data written before the restart is gone"
[ "$(arb)" = "0x03020103" ] || fail "arbitration reads '$(arb)' after the restart, want 0x03020103"
nvme smart-log "$C" -o json >/tmp/smart1 || fail "nvme smart-log"
w1=$(jfield /tmp/smart1 host_write_commands)
[ "$w1" -ge "$w0" ] || fail "host_write_commands went from $w0 to $w1 across the restart"
log "restart: arbitration still 0x03020103, host_write_commands $w0 -> $w1"
dd if=/tmp/before of="$NVME_NS" bs=4096 seek=100 oflag=direct 2>/dev/null || fail "write after restart"
dd if="$NVME_NS" of=/tmp/after bs=4096 skip=100 count=32 iflag=direct 2>/dev/null
cmp /tmp/before /tmp/after || fail "data written after the restart reads back wrong"
[ "$(resets)" = "$r0" ] || { dmesg | tail; fail "the host reset or timed out"; }
dmesg | grep -q "nvme0n1.*I/O error\|blk_update_request: I/O error" && fail "the host saw I/O errors"
log "restart: no reset, no error, data intact"
exit 0
