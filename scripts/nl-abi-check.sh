#!/usr/bin/env bash
# Compare the numbers of the uapi header at a git revision with the
# worktree's: every enum value and object-like #define of the old
# include/uapi/linux/snap.h must still exist with the same value (commands,
# attributes, enum values, limits, ioctl numbers, the family's name).
# Names the worktree adds are listed, not refused.
#
# Usage: scripts/nl-abi-check.sh REV [HEADER]
#   HEADER: what the new side includes (default linux/snap.h); e.g.
#   linux/snap_nl_gen.h compares the old header's names that the generated
#   header defines.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: nl-abi-check.sh REV [HEADER]}
hdr=${2:-linux/snap.h}
cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/old/linux"
git show "$rev:include/uapi/linux/snap.h" >"$tmp/old/linux/snap.h"

# Enum members and object-like macros of a header, one name a line.
names() {
	sed -e 's,/\*.*\*/,,g' "$1" | awk '
		/^#define[ \t]+[A-Z_][A-Z0-9_]*[ \t]/ && $2 !~ /\(/ && $2 !~ /_H$/ { print $2 }
		/^enum/ { inenum = 1; next }
		inenum && /^}/ { inenum = 0 }
		inenum && match($0, /^[ \t]*[A-Z_][A-Z0-9_]*/) {
			n = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", n); print n
		}' | sort -u
}

# A program printing "NAME value" for each name, strings quoted.
program() {
	local inc=$1 list=$2
	printf '#include <stdio.h>\n#include <%s>\n' "$inc"
	cat <<'EOF'
#define P(x) _Generic((x), char *: pstr, const char *: pstr, default: pnum)(#x, (x))
static void pstr(const char *n, const char *v) { printf("%s \"%s\"\n", n, v); }
static void pnum(const char *n, unsigned long long v) { printf("%s %llu\n", n, v); }
int main(void)
{
EOF
	sed 's/.*/\tP(&);/' "$list"
	printf '\treturn 0;\n}\n'
}

names "$tmp/old/linux/snap.h" >"$tmp/names"
if [ "$hdr" != linux/snap.h ]; then
	# Only the names the new header claims.
	names "include/uapi/$hdr" | comm -12 "$tmp/names" - >"$tmp/names.sub"
	mv "$tmp/names.sub" "$tmp/names"
fi
program linux/snap.h "$tmp/names" >"$tmp/old.c"
program "$hdr" "$tmp/names" >"$tmp/new.c"
cc -std=gnu11 -w -I"$tmp/old" -o "$tmp/old.bin" "$tmp/old.c"
if ! cc -std=gnu11 -w -Iinclude/uapi -o "$tmp/new.bin" "$tmp/new.c" 2>"$tmp/new.err"; then
	grep -o "'[A-Z_0-9]*' undeclared" "$tmp/new.err" | sort -u >&2 || cat "$tmp/new.err" >&2
	echo "nl-abi-check: names of $rev missing from $hdr" >&2
	exit 1
fi
"$tmp/old.bin" >"$tmp/old.txt"
"$tmp/new.bin" >"$tmp/new.txt"
[ -z "${NL_ABI_SHOW:-}" ] || cat "$tmp/new.txt"
n=$(wc -l <"$tmp/names")
if ! diff -u "$tmp/old.txt" "$tmp/new.txt"; then
	echo "nl-abi-check: values differ from $rev" >&2
	exit 1
fi
if [ "$hdr" = linux/snap.h ]; then
	new_hdrs=(include/uapi/linux/snap*.h)
else
	new_hdrs=("include/uapi/$hdr")
fi
added=$(for h in "${new_hdrs[@]}"; do names "$h"; done | sort -u | comm -13 "$tmp/names" - |
	tr '\n' ' ')
echo "nl-abi-check: $n names of $rev have the same values in $hdr${added:+; new: $added}"
