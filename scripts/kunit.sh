#!/usr/bin/env bash
# Run the module's KUnit suites under UML with kunit.py from Debian's
# linux-source tree. kunit.py only builds in-tree code, so the cached tree
# gets a symlink drivers/misc/snap -> kmod/ and one line in each of
# drivers/misc/{Makefile,Kconfig}; the tree is a throwaway cache, never git.
#
# Usage: scripts/kunit.sh [TAP-OUTPUT-FILE]
# SNAP_KUNIT_SOURCE=MAJOR.MINOR takes that linux-source instead of the
# newest (scripts/check-kernels.sh); its UML build gets a folder of its own.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SNAP_CACHE:-$HOME/.cache/snap}
tap=${1:-$top/build/results/kunit.tap}
tree=$("$top/scripts/linux-source.sh" ${SNAP_KUNIT_SOURCE:-})
uml=$cache/build-uml
[ "$tree" = "$("$top/scripts/linux-source.sh")" ] || uml=$cache/build-uml-$(basename "$tree")

ln -sfn "$top/kmod" "$tree/drivers/misc/snap"
# obj-$(CONFIG_SNAP): other builds of this shared tree (the debug kernel)
# must not pick snap up just because the symlink is there.
sed -i '/^obj-y += snap\/$/d' "$tree/drivers/misc/Makefile"
grep -qx 'obj-$(CONFIG_SNAP) += snap/' "$tree/drivers/misc/Makefile" ||
	echo 'obj-$(CONFIG_SNAP) += snap/' >>"$tree/drivers/misc/Makefile"
grep -qx 'source "drivers/misc/snap/Kconfig"' "$tree/drivers/misc/Kconfig" ||
	sed -i '$i source "drivers/misc/snap/Kconfig"' "$tree/drivers/misc/Kconfig"

mkdir -p "$(dirname "$tap")" "$uml"
json=$(mktemp)
trap 'rm -f "$json"' EXIT
start=$(date +%s)
rc=0
(cd "$tree" && python3 tools/testing/kunit/kunit.py run \
	--jobs="$(nproc)" --build_dir="$uml" \
	--kunitconfig="$top/kmod/.kunitconfig" --json="$json") || rc=$?
echo "kunit: took $(( $(date +%s) - start )) s (kunit.py exit $rc)"

if [ ! -s "$json" ]; then
	# Build failed before any test ran: report it as one failed case.
	printf '1..1\nnot ok 1 kunit build\n' >"$tap"
	exit 1
fi
python3 "$top/scripts/kunit-json2tap.py" <"$json" >"$tap" || rc=1
exit "$rc"
