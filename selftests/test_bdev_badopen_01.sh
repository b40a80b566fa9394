#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A bdev the daemon cannot open (a uring bdev on a missing file) is reported once with its reason in bdev_list, and not opened again and again: the daemon's error report comes back to it as a change, and it used to reopen on it, logging thousands of failures a second at a full core. A new definition under the same name is opened, a restarted daemon tries once more, and the rest is served meanwhile.
. ./lib.sh

trap snap_nvme_teardown EXIT

# fails_logged: how many times the daemon logged Uring0's open failure.
fails_logged() {
	grep -c "bdev Uring0: /nonexistent/file" /tmp/svc.log
}

snap_nvme_start 1
snapadm_run bdev_uring_create /nonexistent/file Uring0 4096
# uring0_shows JSON_RE: within 5 s, Uring0 in bdev_list (spaces and
# newlines removed) matches "name":"Uring0" then JSON_RE.
uring0_shows() {
	_n=50
	while [ $_n -gt 0 ]; do
		snapadm bdev_list 2>/dev/null | tr -d '\n ' |
			grep -q "\"name\":\"Uring0\"[^}]*$1" && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}
uring0_shows '"error":"[^"]*Nosuchfile' || fail "bdev_list shows no error for Uring0: $(snapadm bdev_list)"
sleep 2
n=$(fails_logged)
log "Uring0's open failure logged $n time(s) in 2 s"
[ "$n" -eq 1 ] || fail "the daemon opened Uring0 $n times: $(tail -3 /tmp/svc.log)"

# The rest is served meanwhile.
snapadm_run bdev_malloc_create 16 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
snap_fio_verify "$NVME_NS" beside-a-failed-bdev

# A new daemon tries once more, and only once.
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
snap_svc_start
sleep 2
n=$(fails_logged)
[ "$n" -eq 2 ] || fail "after a restart Uring0's failure was logged $n times, want 2"
log "a new daemon tried Uring0 once more"

# Another definition under the same name is opened.
snapadm_run bdev_uring_delete Uring0
dd if=/dev/zero of=/tmp/uring0.img bs=1M count=4 2>/dev/null
snapadm_run bdev_uring_create /tmp/uring0.img Uring0 4096
uring0_shows '"ready":true' || fail "Uring0 on /tmp/uring0.img not ready: $(snapadm bdev_list)"
log "Uring0 defined again on an existing file is ready"
exit 0
