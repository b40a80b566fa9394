# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the snap selftests (sourced; busybox sh in the guest).
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4
SNAP_KO=/snap/snap.ko

fail() {
	echo "FAIL: $*"
	exit $KSFT_FAIL
}

skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

log() {
	echo "$*"
}

snap_loaded() {
	grep -q '^snap ' /proc/modules
}

snap_load() {
	insmod $SNAP_KO "$@" || fail "insmod snap.ko $*"
}

snap_unload() {
	rmmod snap || fail "rmmod snap"
}

# Leave the guest as we found it even when a check fails midway.
snap_cleanup() {
	snap_loaded && rmmod snap 2>/dev/null
	return 0
}
