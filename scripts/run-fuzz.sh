#!/usr/bin/env bash
# Run each libFuzzer target for a bounded number of inputs (fixed seed, so
# a run is repeatable) and write TAP to build/results/fuzz.tap, one line per
# target, for check.sh's summary. Usage: run-fuzz.sh RUNS TARGET...
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=$1
shift
out=$top/build/results/fuzz.tap
mkdir -p "$(dirname "$out")"
rc=0
n=0
lines=()
for t in "$@"; do
	name=$(basename "$t")
	n=$((n + 1))
	corpus=$top/build/fuzz/corpus-$name
	seeds=$top/build/fuzz/seeds-$name
	mkdir -p "$corpus" "$seeds"
	# Seeds: valid command sequences from userspace/fuzz/<target>_seeds.py
	gen=$top/userspace/fuzz/${name}_seeds.py
	[ -x "$gen" ] && "$gen" "$seeds"
	# The corpus grows across runs on this machine; crashes land in
	# build/fuzz/ as crash-* files with the input that caused them.
	if "$t" -runs="$runs" -seed=1 -max_len=4096 -artifact_prefix="$top/build/fuzz/" \
		"$corpus" "$seeds" >"$top/build/fuzz/$name.log" 2>&1; then
		lines+=("ok $n $name ($runs runs)")
	else
		tail -n 40 "$top/build/fuzz/$name.log"
		lines+=("not ok $n $name")
		rc=1
	fi
done
{
	echo "1..$n"
	printf '%s\n' "${lines[@]}"
} >"$out"
cat "$out"
exit "$rc"
