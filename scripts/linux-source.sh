#!/usr/bin/env bash
# Print the path of an unpacked copy of Debian's linux-source tree, unpacking
# it once into the cache (outside git). KUnit, checkpatch and the debug guest
# kernel all use this one copy. The unpack goes to a temporary folder that is
# renamed into place, so a tree that exists is complete.
set -euo pipefail
cache=${SNAP_CACHE:-$HOME/.cache/snap}
# Usage: linux-source.sh [MAJOR.MINOR]: that version's tree (KUnit per
# kernel, scripts/check-kernels.sh), else the newest installed.
tarball=$(ls /usr/src/linux-source-${1:-*}.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "linux-source: no /usr/src/linux-source-${1:-*}.tar.xz; run scripts/deps.sh" >&2
	exit 1
fi
name=$(basename "$tarball" .tar.xz)
tree=$cache/$name
if [ ! -f "$tree/Makefile" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "linux-source: unpacking $tarball" >&2
	tar -xJf "$tarball" -C "$tmp"
	# Another run may have won the race; theirs is as good as ours.
	mv -T "$tmp/$name" "$tree" 2>/dev/null || [ -f "$tree/Makefile" ]
fi
echo "$tree"
