# SPDX-License-Identifier: GPL-2.0
# The example blocks of a markdown document and their markers (POSIX awk:
# busybox runs it in the guest, the host's awk in scripts/check-doc-examples.sh).
#
# Every fenced block (``` or ~~~) of README.md and Documentation/*.md is
# preceded, on the line before its opening fence, by one marker:
#   <!-- run: TEST NAME -->   selftests/TEST.sh runs the block verbatim,
#                             finding it by NAME (unique in its document)
#   <!-- not run: WHY -->     not runnable by a test, and why
# (Documentation/testing.md, "Examples in the documents").
#
# -v name=NAME: print the body of the block marked "run: ... NAME", as
#   written; exit 1 when there is none.
# Otherwise list every block, one line each, tab separated:
#   LINE  run      TEST NAME
#   LINE  not-run  WHY
#   LINE  unmarked
#   LINE  badmark  MARKER TEXT     a marker of neither form
#   LINE  dangling MARKER TEXT     a marker with no block right after it
#   LINE  unclosed                 a fence that never closes
# and "LINE  indented  TEXT" for an indented line that looks like a shell
# prompt ("    $ cmd"): examples belong in fenced blocks, where a marker
# can be checked.
function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

function out(line, kind, arg) {
	if (name == "")
		printf "%d\t%s\t%s\n", line, kind, arg
}

BEGIN {
	infence = 0
	marker = ""
	markline = 0
	found = 0
	printing = 0
}

{
	sub(/\r$/, "")
}

infence {
	t = $0
	sub(/^ ? ? ?/, "", t)
	if (index(t, fence) == 1) {
		rest = substr(t, length(fence) + 1)
		c = substr(fence, 1, 1)
		while (substr(rest, 1, 1) == c)
			rest = substr(rest, 2)
		if (trim(rest) == "") {
			infence = 0
			printing = 0
			next
		}
	}
	if (printing)
		print
	next
}

/^ ? ? ?(```|~~~)/ {
	t = $0
	sub(/^ +/, "", t)
	c = substr(t, 1, 1)
	fence = ""
	while (substr(t, 1, 1) == c) {
		fence = fence c
		t = substr(t, 2)
	}
	infence = 1
	openline = NR
	if (marker == "" || markline != NR - 1) {
		if (marker != "")
			out(markline, "dangling", marker)
		out(NR, "unmarked", "")
	} else if (marker ~ /^run:/) {
		m = trim(substr(marker, 5))
		out(NR, "run", m)
		if (name != "" && split(m, w, /[ \t]+/) == 2 && w[2] == name) {
			found = 1
			printing = 1
		}
	} else if (marker ~ /^not run:/) {
		out(NR, "not-run", trim(substr(marker, 9)))
	} else {
		out(NR, "badmark", marker)
	}
	marker = ""
	next
}

/^[ \t]*<!--.*-->[ \t]*$/ {
	if (marker != "")
		out(markline, "dangling", marker)
	m = $0
	sub(/^[ \t]*<!--/, "", m)
	sub(/-->[ \t]*$/, "", m)
	m = trim(m)
	# Only comments that try to be a marker count as one.
	if (m ~ /^(run|not run|not-run|norun|skip)([ \t]*:|$)/) {
		marker = m
		markline = NR
	}
	next
}

{
	if (marker != "") {
		out(markline, "dangling", marker)
		marker = ""
	}
	if ($0 ~ /^(    |\t)[ \t]*[$] [^ ]/)
		out(NR, "indented", trim($0))
}

END {
	if (infence)
		out(openline, "unclosed", "")
	if (marker != "")
		out(markline, "dangling", marker)
	if (name != "" && !found)
		exit 1
}
