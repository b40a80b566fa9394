#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A user without CAP_NET_ADMIN gets EPERM for every change command and cannot open /dev/snap, while every GET and dump still works for it.
. ./lib.sh
trap snap_cleanup EXIT

snap_load_std
snap_need_family
snap_nlraw setup || fail "creating the test objects as root failed"
snap_nlraw snapshot >/tmp/perm.root || fail "snapshot as root failed"

[ "$(as_nobody id -u 2>&1)" = 65534 ] || fail "cannot run as nobody: $(as_nobody id -u 2>&1)"

# Every change command, with a request root could run, as nobody: EPERM.
as_nobody snap_nlraw perm >/tmp/perm.tap 2>&1
rc=$?
cat /tmp/perm.tap
[ "$rc" -eq 0 ] || fail "snap_nlraw perm as nobody: $(grep -c '^not ok' /tmp/perm.tap) check(s) failed"

# nobody reads the same registry root does, and nothing changed.
as_nobody snap_nlraw snapshot >/tmp/perm.nobody 2>&1 || fail "snapshot as nobody: $(cat /tmp/perm.nobody)"
cmp -s /tmp/perm.root /tmp/perm.nobody || {
	diff /tmp/perm.root /tmp/perm.nobody | head -n 20
	fail "nobody's dumps differ from root's"
}
snap_nlraw snapshot >/tmp/perm.after || fail "snapshot as root after the attempts failed"
cmp -s /tmp/perm.root /tmp/perm.after || {
	diff /tmp/perm.root /tmp/perm.after | head -n 20
	fail "the registry changed after nobody's change attempts"
}
log "registry unchanged: $(tail -n 1 /tmp/perm.after)"

# /dev/snap: root only.
[ -c /dev/snap ] || fail "/dev/snap is not a character device"
mode=$(stat -c '%a %u %g' /dev/snap)
[ "$mode" = "600 0 0" ] || fail "/dev/snap mode/owner is '$mode', expected '600 0 0'"
as_nobody snap_nlraw open-dev --expect EACCES || fail "nobody could open /dev/snap (or got another error than EACCES)"
as_nobody "cat /dev/snap" >/dev/null 2>&1 && fail "nobody could read /dev/snap"

# snapadm as nobody, when it has the commands: refused with a clear text.
if snapadm_has nvme_subsystem_create; then
	out=$(as_nobody snapadm nvme_subsystem_create --nqn nqn.2023-05.io.snap:nobody 2>&1) &&
		fail "snapadm nvme_subsystem_create succeeded as nobody"
	log "snapadm as nobody: $out"
	echo "$out" | grep -qiE "permit|EPERM|privilege|CAP_NET_ADMIN" ||
		fail "snapadm's refusal as nobody does not say why: $out"
	as_nobody snapadm -j nvme_subsystem_list >/tmp/perm.list 2>&1 ||
		fail "snapadm nvme_subsystem_list as nobody: $(cat /tmp/perm.list)"
	json_has /tmp/perm.list nqn nqn.2023-05.io.snap:sub0 ||
		fail "snapadm nvme_subsystem_list as nobody misses sub0"
else
	log "snapadm lacks nvme_subsystem_create: its non-root check is skipped"
fi
exit $KSFT_PASS
