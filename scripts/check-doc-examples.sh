#!/usr/bin/env bash
# Examples in the documents cannot rot: every fenced block of README.md and
# Documentation/*.md carries a marker on the line before it, either
#   <!-- run: TEST NAME -->  selftests/TEST.sh runs it verbatim in the guest
#   <!-- not run: WHY -->    and why not
# (Documentation/testing.md, "Examples in the documents"). Fails on a block
# with no marker, a marker of neither form or without a block, a "not run"
# without a reason, a "run" whose test does not exist or does not name the
# document and the block, a block name used twice in one document, and a
# shell prompt ("    $ cmd") in an indented block instead of a fenced one.
# The markers are read by selftests/doc_blocks.awk, the same program the
# selftests extract their blocks with.
#
# Usage: check-doc-examples.sh [--tap FILE] [DOC...]
#   TAP on stdout and in FILE (default build/results/doc-examples.tap);
#   DOCs default to README.md and Documentation/*.md (paths from the top).
#   Before the documents, the checker is run on a made-up document with an
#   unmarked block, which it must refuse.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=$top/build/results/doc-examples.tap
if [ "${1:-}" = --tap ]; then
	out=$2
	shift 2
fi
mkdir -p "$(dirname "$out")"
awkprog=selftests/doc_blocks.awk
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

# check_doc DOC: one TAP line per block of DOC (and per stray marker);
# returns 1 when any is refused.
check_doc() {
	local doc=$1 line kind arg test name bad=0 names
	if ! awk -f "$awkprog" "$doc" >"$tmp/blocks"; then
		tap fail "$doc: $awkprog cannot read it"
		return 1
	fi
	names=$(awk -F'\t' '$2 == "run" { split($3, w, /[ \t]+/); print w[2] }' "$tmp/blocks" |
		sort | uniq -d)
	while IFS=$'\t' read -r line kind arg; do
		case $kind in
		run)
			read -r test name extra <<<"$arg"
			if [ -z "$test" ] || [ -z "$name" ] || [ -n "$extra" ]; then
				tap fail "$doc:$line: '<!-- run: $arg -->' is not 'run: TEST NAME'"
				bad=1
			elif [ ! -f "selftests/$test.sh" ]; then
				tap fail "$doc:$line: run by $test, but there is no selftests/$test.sh"
				bad=1
			elif ! grep -qF "$doc" "selftests/$test.sh" ||
				! grep -qw -- "$name" "selftests/$test.sh"; then
				tap fail "$doc:$line: selftests/$test.sh does not name $doc and block '$name'"
				bad=1
			elif grep -qxF "$name" <<<"$names"; then
				tap fail "$doc:$line: block name '$name' used twice in $doc"
				bad=1
			else
				tap ok "$doc:$line: run by $test ($name)"
			fi
			;;
		not-run)
			if [ -z "$arg" ]; then
				tap fail "$doc:$line: 'not run' says not why"
				bad=1
			else
				tap ok "$doc:$line: not run: $arg"
			fi
			;;
		unmarked)
			tap fail "$doc:$line: example block with no marker (put <!-- run: TEST NAME --> or <!-- not run: WHY --> on the line before it)"
			bad=1
			;;
		badmark)
			tap fail "$doc:$line: '<!-- $arg -->' is neither 'run: TEST NAME' nor 'not run: WHY'"
			bad=1
			;;
		dangling)
			tap fail "$doc:$line: marker '<!-- $arg -->' with no fenced block on the next line"
			bad=1
			;;
		unclosed)
			tap fail "$doc:$line: fenced block never closed"
			bad=1
			;;
		indented)
			tap fail "$doc:$line: shell prompt in an indented block ('$arg'): use a fenced block with a marker"
			bad=1
			;;
		*)
			tap fail "$doc:$line: $awkprog printed '$kind'"
			bad=1
			;;
		esac
	done <"$tmp/blocks"
	return $bad
}

{
	# The checker must be able to fail: a made-up document whose only
	# block has no marker is refused.
	printf '# t\n\n```sh\nmodprobe snap\n```\n' >"$tmp/unmarked.md"
	if (n=0; check_doc "$tmp/unmarked.md") >"$tmp/self.tap"; then
		tap fail "an unmarked block is refused (the checker passed it)"
	elif grep -q "^not ok 1 - $tmp/unmarked.md:3: example block with no marker" "$tmp/self.tap"; then
		tap ok "an unmarked block is refused"
	else
		tap fail "an unmarked block is refused: $(head -1 "$tmp/self.tap")"
	fi

	if [ $# -eq 0 ]; then
		set -- README.md Documentation/*.md
	fi
	for doc in "$@"; do
		if [ ! -f "$doc" ]; then
			tap fail "$doc: no such document"
			continue
		fi
		blocks_before=$n
		# Its failures are in the TAP, which decides the exit status.
		check_doc "$doc"
		[ $n -gt $blocks_before ] || tap ok "$doc: no example blocks"
	done
	echo "1..$n"
} | tee "$out"
! grep -q '^not ok' "$out"
