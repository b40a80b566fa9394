#!/usr/bin/env bash
# Run the cmocka unit tests and merge their TAP into build/results/unit.tap,
# one line per case, so check.sh can count them with the other layers.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/results/unit.tap
mkdir -p "$(dirname "$out")"
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
rc=0
for t in "$@"; do
	name=$(basename "$t")
	# cmocka prints TAP when asked; a crash or sanitizer abort shows as a
	# missing plan line or a non-zero exit, both counted as failure.
	if ! CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$lines.$name" 2>"$lines.$name.err"; then
		rc=1
	fi
	cat "$lines.$name" "$lines.$name.err"
	if ! grep -qE '^1\.\.[0-9]+' "$lines.$name"; then
		echo "not ok - $name crashed" >>"$lines"
		rc=1
	fi
	sed -nE "s/^(not )?ok [0-9]+ - (.*)/\1ok \2/p" "$lines.$name" |
		sed -E "s/^((not )?ok) /\1 $name./" >>"$lines"
	rm -f "$lines.$name" "$lines.$name.err"
done
{
	echo "1..$(wc -l <"$lines")"
	awk '{ sub(/^ok /, "ok " NR " "); sub(/^not ok /, "not ok " NR " "); print }' "$lines"
} >"$out"
exit "$rc"
