#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Raw netlink bad input: every command with missing, out-of-range, wrongly typed, oversize, duplicate and unknown attributes (and unknown commands) is refused with an extack message and changes nothing.
. ./lib.sh
trap snap_cleanup EXIT

# snap_nlraw badinput creates its objects through raw netlink (no snapadm),
# snapshots every GET dump, sends the table (one TAP line per request,
# the kernel's errno and extack text as comments), requires each refusal
# to leave the registry, the events group and /dev/snap's generation
# counter untouched, and finally runs every valid base request for real to
# show the refusals were caused by the defect alone.
snap_load_std
snap_need_family
snap_nlraw badinput >/tmp/badinput.tap 2>&1
rc=$?
cat /tmp/badinput.tap
total=$(grep -cE '^(not )?ok ' /tmp/badinput.tap)
bad=$(grep -c '^not ok ' /tmp/badinput.tap)
log "summary: $bad of $total checks failed"
[ "$rc" -eq 0 ] || fail "snap_nlraw badinput: $bad of $total checks failed (exit $rc)"
# The objects are still there: rmmod must free them (kmemleak in the debug lane).
snap_unload
exit $KSFT_PASS
