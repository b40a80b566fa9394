#!/usr/bin/env bash
# The generated netlink code in the tree must be what scripts/nlgen.py makes
# of Documentation/netlink/specs/snap.yaml now: regenerate into a temporary
# tree and compare file by file. A hand edit to a generated file, or a spec
# or generator change whose output was not regenerated and committed, fails
# here. make check runs this before it builds (a build would regenerate).
# TAP on stdout and in $1 (default build/results/nlgen.tap).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/results/nlgen.tap}
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top"

n=0 fail=0
tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fail=1
	fi
}

{
	if python3 scripts/nlgen.py --out "$tmp" 2>"$tmp/err"; then
		tap ok "scripts/nlgen.py generates from snap.yaml"
	else
		tap fail "scripts/nlgen.py generates from snap.yaml"
		sed 's/^/# /' "$tmp/err"
	fi
	files=$(python3 scripts/nlgen.py --list)
	listed=$(make -s --no-print-directory nlgen-list | tr ' ' '\n' | sed '/^$/d')
	if [ "$(sort <<<"$files")" = "$(sort <<<"$listed")" ]; then
		tap ok "the Makefile's NL_GEN lists every generated file"
	else
		tap fail "the Makefile's NL_GEN lists every generated file"
		diff <(sort <<<"$files") <(sort <<<"$listed") | sed 's/^/# /'
	fi
	for f in $files; do
		if [ ! -f "$f" ]; then
			tap fail "$f is in the tree"
		elif diff -u "$tmp/$f" "$f" >"$tmp/diff"; then
			tap ok "$f is up to date with snap.yaml"
		else
			tap fail "$f is up to date with snap.yaml (edited by hand, or not regenerated: run make)"
			head -40 "$tmp/diff" | sed 's/^/# /'
		fi
	done
	echo "1..$n"
} | tee "$out"
grep -q '^not ok' "$out" && exit 1
exit 0
