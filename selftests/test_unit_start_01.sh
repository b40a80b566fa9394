#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The packaged snap_service.service started as systemd starts it (unit_lib.sh: its Environment=, EnvironmentFile=, ExecStartPre= and ExecStart= read from the unit make install wrote, run with a clean environment and NOTIFY_SOCKET on snap_notify): the package's files installed, the module's parameters by snapadm config set, the packaged init file's example uncommented and APP_ARGS in /etc/default/snap_service; READY=1 must come from the daemon, and at that moment (the daemon stopped by the listener) the bdev, namespace and controller of the init file are listed ready and running; then /dev/nvme0n1 passes a fio verify and holds a dd pattern, SIGTERM (systemctl stop) exits 0, a second start replays the file over the objects the first made, is ready again and reads the pattern back; an unknown command, a bad argument (refused by snapadm, then by the kernel) or a missing init file make the start fail (twice, as Restart=on-failure would retry) with no READY=1 and a message naming the file and line.
. ./lib.sh
. ./unit_lib.sh

PKG=/snap/pkg
UNIT=/lib/systemd/system/snap_service.service
CONF=/etc/nvda_snap/snap_rpc_init.conf
DEFAULT=/etc/default/snap_service
MODDIR=/lib/modules/$(uname -r)/updates/dkms
NQN=nqn.2023-05.io.nvda.nvme:0

[ -f $PKG$UNIT ] || skip "no $PKG$UNIT: the guest has no make install output"
command -v snap_notify >/dev/null || skip "snap_notify is not built"
command -v fio >/dev/null || skip "no fio in the guest"
grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"

# The host's driver goes first, while a daemon still serves what it has
# in flight (its rescans after each start): unbound later, it waits out
# the admin timeout.
nvme_unbind() {
	for b in $NVME_BDFS; do
		[ -e "/sys/bus/pci/drivers/nvme/$b" ] && echo "$b" >/sys/bus/pci/drivers/nvme/unbind
	done
	NVME_BDFS=""
}

unit_cleanup() {
	nvme_unbind
	unit_stop
	snap_cleanup
	# What the package put there goes, as dpkg --purge would take it;
	# what the image had before (the plugins other tests use) stays.
	(cd $PKG && find . ! -type d) | while IFS= read -r f; do
		grep -qxF "$f" /tmp/unit.had 2>/dev/null || rm -f "/${f#./}"
	done
	rm -f $MODDIR/snap.ko /etc/modprobe.d/snap.conf $UNIT_NOTIFY
	[ -n "$MADE_MODPROBE_D" ] && rmdir /etc/modprobe.d
	depmod
	return 0
}
trap unit_cleanup EXIT

# show_out: the daemon's output so far (what the journal would hold).
show_out() {
	sed 's/^/  | /' /tmp/unit.out | tail -${1:-20}
}

# check_ready WHEN: the init file's objects listed ready and running.
check_ready() {
	snapadm -j bdev_list >/tmp/u.bdevs 2>&1 || fail "$1: bdev_list: $(cat /tmp/u.bdevs)"
	json_has /tmp/u.bdevs name Malloc0 || fail "$1: no Malloc0: $(cat /tmp/u.bdevs)"
	json_has /tmp/u.bdevs ready true || fail "$1: Malloc0 is not ready: $(cat /tmp/u.bdevs)"
	snapadm -j nvme_namespace_list >/tmp/u.ns 2>&1 || fail "$1: nvme_namespace_list: $(cat /tmp/u.ns)"
	json_has /tmp/u.ns nsid 1 || fail "$1: no namespace 1: $(cat /tmp/u.ns)"
	json_has /tmp/u.ns ready true || fail "$1: namespace 1 is not ready: $(cat /tmp/u.ns)"
	snapadm -j nvme_controller_list >/tmp/u.ctrls 2>&1 ||
		fail "$1: nvme_controller_list: $(cat /tmp/u.ctrls)"
	json_has /tmp/u.ctrls name NVMeCtrl0 || fail "$1: no NVMeCtrl0: $(cat /tmp/u.ctrls)"
	json_has /tmp/u.ctrls state running || fail "$1: NVMeCtrl0 is not running: $(cat /tmp/u.ctrls)"
	json_has /tmp/u.ctrls ready true || fail "$1: NVMeCtrl0 is not ready: $(cat /tmp/u.ctrls)"
	for f in /tmp/u.bdevs /tmp/u.ns /tmp/u.ctrls; do
		json_norm $f | grep -q '"error":' && fail "$1: an object has an error: $(cat $f)"
	done
	log "$1: Malloc0, namespace 1 and NVMeCtrl0 (running) listed ready"
}

# start_ok WHEN: the start completes with READY=1; the daemon is
# stopped there while the objects are checked.
start_ok() {
	: >/tmp/unit.out
	unit_start $UNIT || { show_out; fail "$1: the start failed: $UNIT_WHY"; }
	log "$1: READY=1 from the main process $UNIT_PID: $(cat /tmp/unit.notify)"
	grep -q '^State:.*stopped' /proc/$UNIT_PID/status ||
		fail "$1: the daemon was not held at READY=1"
	check_ready "$1, at READY=1"
	kill -CONT $UNIT_PID
}

# stop_ok WHEN: SIGTERM, as systemctl stop sends it, ends it with 0.
stop_ok() {
	unit_stop
	[ "$UNIT_STATUS" = 0 ] || { show_out; fail "$1: the daemon exited $UNIT_STATUS on SIGTERM"; }
	wait_for $SNAP_SYSFS/daemon_pid '^0$' 10 || fail "$1: still attached after its exit"
	log "$1: SIGTERM: exit status 0, detached"
}

# start_fails WHEN PATTERN: the start fails, no READY=1, and the daemon's
# output matches PATTERN (ERE); twice, as Restart=on-failure retries.
start_fails() {
	for try in 1 2; do
		: >/tmp/unit.out
		if unit_start $UNIT; then
			kill -CONT $UNIT_PID
			show_out
			fail "$1: started (READY=1) with a broken init file"
		fi
		[ -n "$UNIT_STATUS" ] && [ "$UNIT_STATUS" != 0 ] ||
			fail "$1: $UNIT_WHY (want a failing main process)"
		grep -q READY=1 /tmp/unit.notify && fail "$1: READY=1 was sent"
		grep -Eq "$2" /tmp/unit.out || { show_out; fail "$1: no message matching '$2'"; }
	done
	log "$1: the start fails twice (exit $UNIT_STATUS, no READY=1): $(grep -E "$2" /tmp/unit.out | head -1)"
}

# ---- the package, installed ----
(cd $PKG && find . ! -type d) | while IFS= read -r f; do
	[ -e "/${f#./}" ] && echo "$f"
done >/tmp/unit.had
cp -a $PKG/. / || fail "copying the package's files to /"
mkdir -p $MODDIR
cp $SNAP_KO $MODDIR/snap.ko && depmod || fail "installing snap.ko as snap-dkms does"
grep -q '@[A-Z_]*@' $UNIT && fail "$UNIT has an unsubstituted @...@: $(grep '@' $UNIT)"
log "installed $(cd $PKG && find . -type f | wc -l) files; $UNIT's [Service]:"
sed -n '/^\[Service\]/,/^\[/p' $UNIT | grep -v '^[[#]' | grep . | sed 's/^/  /'

# /etc/modprobe.d, kmod's on a Debian machine: the package's postinst and
# config set write snap.conf there.
[ -d /etc/modprobe.d ] || { mkdir /etc/modprobe.d && MADE_MODPROBE_D=1; }
# The admin's part: parameters (admin-guide.md), the packaged example of
# the init file uncommented (quickstart.md, section 5), the daemon's
# command line and a small staging pool in the packaged defaults file.
snapadm_run config set internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=4 mempool_size_mb=64
sed -i -E 's/^# (bdev_|nvme_)/\1/' $CONF
n=$(grep -cE '^(bdev|nvme)_' $CONF)
[ "$n" = 6 ] || fail "$CONF: $n commands after uncommenting its example, want the seed's 6"
cp $CONF /tmp/u.conf
printf 'APP_ARGS="-m 0x1 -l 4"\nSNAP_MEMPOOL_SIZE_MB=64\n' >>$DEFAULT
cp $DEFAULT /tmp/u.default
snap_loaded && fail "the module is loaded before the start (ExecStartPre loads it)"

# ---- first start: the module loaded, the file replayed, ready ----
start_ok "first start"
[ "$(cat /sys/module/snap/parameters/mempool_size_mb)" = 64 ] ||
	fail "ExecStartPre's modprobe did not take /etc/modprobe.d/snap.conf"
grep -q '^pid=.* READY=1' /tmp/unit.notify || fail "no READY=1 line"
snap_nvme_bind 0
[ "$NVME_NS" = /dev/nvme0n1 ] || fail "the namespace is $NVME_NS, not /dev/nvme0n1"
snap_fio_verify $NVME_NS unit
dd if=/dev/urandom of=/tmp/u.pattern bs=4096 count=16 2>/dev/null
dd if=/tmp/u.pattern of=$NVME_NS bs=4096 count=16 conv=fsync 2>/dev/null ||
	fail "dd to $NVME_NS"
stop_ok "first start"

# ---- a restart: the file again, over the objects the first one made ----
start_ok "second start"
n=$(grep -c 'already there, taken as done' /tmp/unit.out)
[ "$n" = 6 ] || { show_out; fail "second start: $n of the 6 lines taken as already there"; }
blockdev --flushbufs $NVME_NS
echo 3 >/proc/sys/vm/drop_caches
dd if=$NVME_NS of=/tmp/u.back bs=4096 count=16 2>/dev/null || fail "dd from $NVME_NS"
cmp -s /tmp/u.pattern /tmp/u.back || fail "$NVME_NS does not hold the pattern written before the restart"
log "second start: $NVME_NS reads back the 64 KiB written before the restart"
stop_ok "second start"

# ---- broken init files: the start fails, naming the line ----
line=$(($(wc -l <$CONF) + 1))
echo "nvme_controller_frobnicate --ctrl NVMeCtrl0" >>$CONF
start_fails "an unknown command" "snap_rpc_init.conf:$line: unknown command"
cp /tmp/u.conf $CONF
echo "bdev_malloc_create 32 4095 -b Bad0" >>$CONF
start_fails "a bad argument" "snap_rpc_init.conf:$line: .*bdev_malloc_create"
cp /tmp/u.conf $CONF
# One the kernel refuses (a block size outside 512-65536), which
# --exist-ok must not take for "already there".
echo "bdev_malloc_create 32 256 -b Bad0" >>$CONF
start_fails "an argument the kernel refuses" \
	"snap_rpc_init.conf:$line: bdev_malloc_create: .*\((Numerical result out of range|Invalid argument)\)"
cp /tmp/u.conf $CONF
echo "SNAP_RPC_INIT_CONF=/etc/nvda_snap/missing.conf" >>$DEFAULT
start_fails "a missing init file" "/etc/nvda_snap/missing.conf: No such file"
cp /tmp/u.default $DEFAULT

# ---- and the repaired file starts again ----
start_ok "start after the repair"
nvme_unbind
stop_ok "start after the repair"
exit $KSFT_PASS
