#!/usr/bin/env bash
# `make check`: every test layer in turn - the generated netlink code
# against its spec, the documents' example blocks all marked run by a test
# or not runnable, userspace unit tests (cmocka under ASan/UBSan), the fuzz
# targets for a bounded number of runs, KUnit under UML, VM selftests on
# Debian's kernel - then one summary line counted from their TAP:
# "N passed, N failed, N skipped".
# Exit status is non-zero when anything failed or a layer could not run.
#
# The kernel is Debian's default (linux-image-amd64's, 6.1 on bookworm)
# unless KVER names another, whatever else is installed or running:
# make check-kernels is the run over every installed kernel.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ -z "${KVER:-}" ]; then
	KVER=$(scripts/kver.sh --default) || KVER=$(scripts/kver.sh) || KVER=
	[ -z "$KVER" ] || export KVER
fi
echo "== kernel ${KVER:-none found}"
res=$top/build/results
rm -rf "$res"
mkdir -p "$res"
status=0

layer() {
	local name=$1
	shift
	echo "== $name"
	local t0=$SECONDS
	if ! "$@"; then
		status=1
		# A layer that died before writing TAP still counts as a failure,
		# and so does one that failed after tests that all passed (the
		# VM runner's scan of the guest console).
		if [ ! -s "$res/$name.tap" ]; then
			printf '1..1\nnot ok 1 %s\n' "$name" >"$res/$name.tap"
		elif ! grep -q '^not ok' "$res/$name.tap"; then
			echo "not ok - $name: the layer failed after its tests (its output says why)" \
				>>"$res/$name.tap"
		fi
	fi
	echo "== $name: $((SECONDS - t0)) s"
}

build() {
	make -j"$(nproc)" all tests >"$res/build.log" 2>&1 && return 0
	cat "$res/build.log"
	printf '1..1\nnot ok 1 build\n' >"$res/build.tap"
	return 1
}
# Before the build, which would regenerate them: the committed generated
# netlink code is what snap.yaml gives now.
layer nlgen scripts/nlgen-check.sh "$res/nlgen.tap"
# Every example block of README.md and Documentation/ is run by a selftest
# or says why not (Documentation/testing.md).
layer doc-examples scripts/check-doc-examples.sh --tap "$res/doc-examples.tap"
layer build build
# make demo on a fresh machine: what deps installs reaches the build.
layer deps-order scripts/test-deps-order.sh "$res/deps-order.tap"
# check-fresh's roots are removed without reaching through their mounts.
layer fresh-root scripts/test-fresh-root.sh "$res/fresh-root.tap"
layer unit make -s unit
# libFuzzer on the NVMe engine's command handling, a bounded number of runs.
layer fuzz make -s fuzz
layer kunit scripts/kunit.sh "$res/kunit.tap"
layer vm scripts/vm/run.sh --tap "$res/vm.tap" ${SNAP_VM_TESTS:+--tests "$SNAP_VM_TESTS"}
# The sim provider's other source of BAR memory: reserved RAM, no ivshmem,
# as on a real machine; the quick start's real-machine steps end to end;
# the emulated switch with the host parameters SNAP's appendix names for
# hot-plug (the host renumbering every bus, a smaller hot-plug window).
layer vm-memmap scripts/vm/run.sh --name vm-memmap --no-ivshmem \
	--append 'memmap=64M$0x70000000 pci=no_e820,assign-busses,hpmemsize=1M' \
	--tests "test_sim_02 test_docs_quickstart_01 test_sim_switch_01 test_sim_hotplug_01" \
	--tap "$res/vm-memmap.tap"

python3 scripts/tap-summary.py "$res"/*.tap || status=1
exit $status
