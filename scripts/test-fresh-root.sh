#!/usr/bin/env bash
# check-fresh and check-packages remove their roots: a run stopped without
# its EXIT trap left a root with its mounts, and the next run's rm -rf went
# through the root's devtmpfs into the host's /dev and emptied it. Replays
# that with a stand-in for the host's filesystem (a directory bind-mounted
# into a root, plus a tmpfs left mounted deeper down): releasing the root
# must leave the stand-in's files alone and remove the root. And a root a
# mount cannot leave must be kept, not emptied.
# Needs root for the mounts. TAP on stdout and in $1.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/results/fresh-root.tap}
mkdir -p "$(dirname "$out")"
exec > >(tee "$out")

[ "$(id -u)" = 0 ] || { echo '1..0 # SKIP needs root for mounts'; exit 0; }
tmp=$(mktemp -d)
cleanup() {
	local m
	for m in $(awk -v d="$tmp" 'index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
		do umount -l "$m"; done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

cache=$tmp/cache
logs=$tmp
msg() { echo "# $*"; }
die() { msg "$*"; exit 1; }
# shellcheck source=scripts/lib/fresh-root.sh
. "$top/scripts/lib/fresh-root.sh"

n=0
tap() {	# DESCRIPTION COMMAND...
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; fi
}

echo 1..9
host=$tmp/host-dev
root=$cache/root
mkdir -p "$host" "$root/dev/shm" "$root/proc"
echo keep >"$host/null"
mount --bind "$host" "$root/dev"
mount -t tmpfs tmpfs "$root/proc"
echo gone >"$root/proc/x"

(fresh_release "$root")
tap "release undoes the root's mounts" test -z "$(fresh_mounts_under "$root")"
tap "the bind-mounted directory keeps its files" test -f "$host/null"
tap "the root is removed" test ! -e "$root"

# A mount that cannot be undone, stood in for by an umount that fails.
mkdir -p "$root/dev"
mount --bind "$host" "$root/dev"
umount() { return 1; }
(fresh_release "$root") 2>/dev/null && rc=0 || rc=$?
unset -f umount
tap "a root whose mount stays is refused" test "$rc" != 0
tap "and nothing under that mount is removed" test -f "$host/null"
umount "$root/dev"

# Only directories under the cache: an empty argument or another path is
# refused before anything is unmounted or removed.
(fresh_release "") >/dev/null 2>&1 && rc=0 || rc=$?
tap "an empty path is refused" test "$rc" != 0
(fresh_release "$host") >/dev/null 2>&1 && rc=0 || rc=$?
tap "a path outside the cache is refused and kept" test "$rc" != 0 -a -f "$host/null"

# The minbase tarball is made once: what debootstrap wrote must be in it
# (it was removed before the tar), and what it left mounted must not.
debootstrap() {
	mkdir -p "$3/etc" "$3/proc" && echo bookworm >"$3/etc/debian_version" &&
		mount -t tmpfs tmpfs "$3/proc"
}
(fresh_make_tarball) >/dev/null 2>&1
unset -f debootstrap
tap "the minbase tarball holds what debootstrap made" \
	sh -c "tar -tf '$(fresh_tarball)' | grep -qx './etc/debian_version'"
tap "and no mount of its build is left" test -z "$(fresh_mounts_under "$cache")"
