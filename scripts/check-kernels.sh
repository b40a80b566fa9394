#!/usr/bin/env bash
# `make check-kernels`: the module on every Debian kernel installed with its
# headers (scripts/kver.sh --list; Debian 12's 6.1 and 6.12). For each:
#  - build: snap.ko and snap_testhost.ko against its headers, in a copy of
#    the sources (build/kernels/<ver>/), with no compiler warning;
#  - kunit: the KUnit suites under UML from the same kernel's source, when
#    /usr/src/linux-source-<major.minor>.tar.xz is installed (Debian 12
#    ships 6.1's; 6.12's is not installed by scripts/deps.sh), else a skip
#    that says so;
#  - vm: the VM selftests in a guest booting that kernel with its modules.
# TAP in build/results/kernels/<ver>-{build,kunit,vm}.tap, then one line
# "N passed, N failed, N skipped"; non-zero exit when anything failed.
#
# SNAP_KERNELS="a b" limits the kernels, SNAP_VM_TESTS="t1 t2" the
# selftests (all when empty), SNAP_KERNELS_KUNIT=0 leaves KUnit out.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/results/kernels
rm -rf "$res"
mkdir -p "$res"
status=0

kernels=${SNAP_KERNELS:-$(scripts/kver.sh --list)}
if [ -z "$kernels" ]; then
	echo "check-kernels: no kernel image with matching headers; run scripts/deps.sh" >&2
	exit 1
fi

step() {
	local tap=$1 name=$2
	shift 2
	echo "== $name"
	local t0=$SECONDS rc=0
	"$@" || rc=1
	if [ $rc != 0 ]; then
		status=1
		[ -s "$tap" ] || printf '1..1\nnot ok 1 %s\n' "$name" >"$tap"
	fi
	echo "== $name: $((SECONDS - t0)) s"
	return $rc
}

# The module for kernel $1, built in build/kernels/$1 (kmod/ keeps the
# objects of the default build). Any compiler warning fails it.
build() {
	local v=$1 dir=$top/build/kernels/$1 kdir=/usr/src/linux-headers-$1
	local log=$res/$v-build.log tap=$res/$v-build.tap
	rm -rf "$dir"
	mkdir -p "$dir/selftests"
	cp -r Kbuild kmod include "$dir/"
	cp -r selftests/snap_testhost "$dir/selftests/"
	find "$dir" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \
		-o -name modules.order -o -name Module.symvers \) -delete
	if make -C "$kdir" M="$dir" modules >"$log" 2>&1 &&
		make -C "$kdir" M="$dir/selftests/snap_testhost" modules >>"$log" 2>&1; then
		if grep -q 'warning:' "$log"; then
			grep 'warning:' "$log" >&2
			printf '1..1\nnot ok 1 %s: build has warnings\n' "$v" >"$tap"
			return 1
		fi
		printf '1..1\nok 1 %s: snap.ko and snap_testhost.ko, no warning\n' "$v" >"$tap"
		return 0
	fi
	tail -n 30 "$log" >&2
	printf '1..1\nnot ok 1 %s: build\n' "$v" >"$tap"
	return 1
}

# KUnit from kernel $1's own source, when Debian's linux-source of that
# major.minor is installed.
kunit() {
	local v=$1 mm tap=$res/$1-kunit.tap
	mm=$(echo "$v" | cut -d. -f1,2)
	# One skipped point, so that the summary line counts it.
	if [ "${SNAP_KERNELS_KUNIT:-1}" = 0 ]; then
		printf '1..1\nok 1 %s kunit # SKIP left out (SNAP_KERNELS_KUNIT=0)\n' "$v" >"$tap"
		return 0
	fi
	if [ ! -e "/usr/src/linux-source-$mm.tar.xz" ]; then
		printf '1..1\nok 1 %s kunit # SKIP no /usr/src/linux-source-%s.tar.xz for UML\n' \
			"$v" "$mm" >"$tap"
		echo "kunit: $v skipped: linux-source-$mm is not installed"
		return 0
	fi
	SNAP_KUNIT_SOURCE=$mm scripts/kunit.sh "$tap"
}

vm() {
	local v=$1
	scripts/vm/run.sh --name "vm-$v" --kernel "/boot/vmlinuz-$v" --release "$v" \
		--kodir "$top/build/kernels/$v/kmod" --tap "$res/$v-vm.tap" \
		${SNAP_VM_TESTS:+--tests "$SNAP_VM_TESTS"}
}

step "$res/userspace.tap" userspace make -s -j"$(nproc)" userspace
for v in $kernels; do
	if step "$res/$v-build.tap" "$v build" build "$v"; then
		step "$res/$v-kunit.tap" "$v kunit" kunit "$v"
		step "$res/$v-vm.tap" "$v vm" vm "$v"
	fi
done

python3 scripts/tap-summary.py "$res"/*.tap || status=1
exit $status
