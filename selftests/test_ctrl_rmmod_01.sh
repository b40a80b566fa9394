#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod with objects alive and no daemon frees everything; while a daemon holds /dev/snap attached rmmod is refused, a second attach gets EBUSY, and once it exits rmmod succeeds.
. ./lib.sh

holder="" mon=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	[ -n "$mon" ] && kill "$mon" 2>/dev/null
	wait 2>/dev/null
	snap_cleanup
}
trap cleanup EXIT

count() {	# count OBJ SNAPSHOT_FILE
	grep -c "^$1 " "$2"
}

# 1. Objects alive, no daemon: rmmod frees them and everything goes.
snap_load_std
snap_need_family
snap_nlraw setup || fail "creating objects through raw netlink failed"
snap_nlraw snapshot >/tmp/rm.before || fail "snapshot failed"
log "before rmmod: $(tail -n 1 /tmp/rm.before)"
[ -d $SNAP_SYSFS/controllers/NVMeCtrl0 ] || fail "no sysfs folder for NVMeCtrl0"
rmmod snap || fail "rmmod with objects alive and no daemon failed"
snap_loaded && fail "snap still loaded after rmmod"
[ -e $SNAP_SYSFS ] && fail "$SNAP_SYSFS is still there after rmmod"
[ -e /sys/class/snap ] && fail "/sys/class/snap is still there after rmmod"
[ -e /dev/snap ] && fail "/dev/snap is still there after rmmod"
snap_nlraw family >/dev/null 2>&1 && fail "the generic netlink family is still registered after rmmod"
log "rmmod with $(count subsys /tmp/rm.before) subsystems, $(count ns /tmp/rm.before) namespaces, $(count nvme-ctrl /tmp/rm.before) NVMe and $(count vblk-ctrl /tmp/rm.before) virtio-blk controllers, $(count bdev /tmp/rm.before) bdevs: ok"

# 2. Reload: the functions come back, nothing else.
snap_load_std
snap_need_family
snap_nlraw snapshot >/tmp/rm.reload || fail "snapshot after reload failed"
for obj in subsys ns nvme-ctrl vblk-ctrl bdev; do
	[ "$(count $obj /tmp/rm.reload)" = 0 ] || fail "after reload: $(count $obj /tmp/rm.reload) $obj object(s) left"
done
[ "$(count func /tmp/rm.reload)" = 10 ] || fail "after reload: $(count func /tmp/rm.reload) functions, expected 10"
[ -z "$(ls $SNAP_SYSFS/controllers)" ] || fail "after reload: controllers in sysfs: $(ls $SNAP_SYSFS/controllers)"
grep '^func ' /tmp/rm.before >/tmp/rm.f1
grep '^func ' /tmp/rm.reload | sed 's/ ctrl-name=[^ ]*//' >/tmp/rm.f2
sed -i 's/ ctrl-name=[^ ]*//' /tmp/rm.f1
cmp -s /tmp/rm.f1 /tmp/rm.f2 || {
	diff /tmp/rm.f1 /tmp/rm.f2 | head
	fail "functions differ across a reload with the same parameters (vuid, vhca_id must be stable)"
}
log "reload: only the 10 functions, identical to the previous load"

# 3. The /dev/snap ioctl contract, with no daemon.
# A failure here is reported at the end, so the rest still runs.
snap_nlraw devcheck >/tmp/rm.dev 2>&1
devrc=$?
cat /tmp/rm.dev

# 4. A daemon attached: rmmod refused, a second attach EBUSY.
snap_nlraw setup || fail "creating objects again failed"
snap_nlraw monitor >/tmp/rm.events 2>&1 &
mon=$!
wait_for /tmp/rm.events '^monitoring' 5 || fail "snap_nlraw monitor did not start: $(cat /tmp/rm.events)"
snap_nlraw attach-hold >/tmp/rm.hold 2>&1 &
holder=$!
wait_for /tmp/rm.hold '^attached' 5 || fail "attach-hold did not attach: $(cat /tmp/rm.hold)"
pid=$(sed -n 's/^attached pid=\([0-9]*\).*/\1/p' /tmp/rm.hold)
log "daemon attached: $(cat /tmp/rm.hold)"
snap_nlraw info --pid "$pid" || fail "SNAP_IOC_INFO does not report the daemon's pid $pid"
[ "$(sysfs_read $SNAP_SYSFS/daemon_pid)" = "$pid" ] ||
	fail "sysfs daemon_pid is '$(sysfs_read $SNAP_SYSFS/daemon_pid)', expected $pid"
snap_nlraw req emu-get emu-name=sim0 >/tmp/rm.emu || fail "emu-get failed: $(cat /tmp/rm.emu)"
grep -q " daemon-attached=1" /tmp/rm.emu && grep -q " daemon-pid=$pid\( \|$\)" /tmp/rm.emu ||
	fail "emu-get does not show the daemon: $(cat /tmp/rm.emu)"
out=$(snap_nlraw attach-once --expect EBUSY) || fail "a second attach: $out (expected EBUSY)"
log "second attach: $out"
wait_for /tmp/rm.events "^event daemon-ntf daemon-attached=1 daemon-pid=$pid\$" 5 ||
	fail "no DAEMON_NTF attached=1 pid=$pid event: $(cat /tmp/rm.events)"

err=$(rmmod snap 2>&1) && fail "rmmod succeeded while a daemon holds /dev/snap"
snap_loaded || fail "snap not loaded after a refused rmmod"
# delete_module(2) answers EWOULDBLOCK (EAGAIN) for a module in use; the
# documentation's "refused with EBUSY" is that refusal.
log "rmmod with a daemon attached refused: $err"
[ "$(sysfs_read $SNAP_SYSFS/daemon_pid)" = "$pid" ] || fail "the daemon lost its attachment after a refused rmmod"
snap_nlraw snapshot >/tmp/rm.still || fail "snapshot after the refused rmmod failed"
[ "$(count subsys /tmp/rm.still)" = 3 ] || fail "objects lost after a refused rmmod: $(tail -n 1 /tmp/rm.still)"

# 5. The daemon exits: detached, announced, and rmmod goes through.
kill "$holder"
wait "$holder"
holder=""
wait_for /tmp/rm.events "^event daemon-ntf daemon-attached=0" 5 ||
	fail "no DAEMON_NTF attached=0 event after the daemon exited: $(cat /tmp/rm.events)"
snap_nlraw info --pid 0 || fail "SNAP_IOC_INFO still reports a daemon after it exited"
[ "$(sysfs_read $SNAP_SYSFS/daemon_pid)" = 0 ] ||
	fail "sysfs daemon_pid is '$(sysfs_read $SNAP_SYSFS/daemon_pid)' after the daemon exited"
# The monitor keeps its socket open across rmmod: that must not block it.
rmmod snap || fail "rmmod after the daemon exited failed"
snap_loaded && fail "snap still loaded"
[ -e /sys/class/snap ] && fail "/sys/class/snap is still there"
kill "$mon"
wait "$mon" 2>/dev/null
mon=""
log "events seen: $(grep -c '^event' /tmp/rm.events)"
grep '^event daemon-ntf' /tmp/rm.events
[ "$devrc" -eq 0 ] || fail "/dev/snap contract: $(grep '^not ok' /tmp/rm.dev | tr '\n' ';')"
exit $KSFT_PASS
