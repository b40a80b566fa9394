#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the module's KUnit suites as modules, on a guest kernel built with
# KUnit (the debug lane). Debian's kernel has no KUnit: skipped there.
. ./lib.sh
KUNIT_KO=/snap/snap_kunit.ko

cleanup() {
	grep -q '^snap_kunit ' /proc/modules && rmmod snap_kunit
	snap_cleanup
}
trap cleanup EXIT

[ -f $KUNIT_KO ] || skip "no snap_kunit.ko (this kernel has no KUnit)"
[ -d /sys/kernel/debug/kunit ] || skip "no /sys/kernel/debug/kunit"

snap_load
insmod $KUNIT_KO || fail "insmod snap_kunit.ko"
found=0
for d in /sys/kernel/debug/kunit/snap_*; do
	[ -f "$d/results" ] || continue
	found=1
	cat "$d/results"
	grep -q '^ *not ok' "$d/results" && fail "KUnit suite $(basename "$d") failed"
done
[ $found = 1 ] || fail "no snap_* KUnit suite registered"
exit $KSFT_PASS
