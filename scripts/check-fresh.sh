#!/usr/bin/env bash
# make check-fresh: the README's two commands on a fresh Debian 12 root,
# from nothing. A minbase bookworm root is made once with debootstrap from
# the host's Debian mirror and kept as a tarball in
# ${SNAP_CACHE:-$HOME/.cache/snap}/fresh/; every run unpacks it anew,
# copies in a clean clone of HEAD (committed work only), installs the one
# thing the README assumes (make), and runs `make demo` then `make check`
# inside it with chroot, with its own empty cache. Not part of CI (it
# installs everything and builds the UML kernel: ~45 min); run it before
# resolving an issue that changes dependencies, the Makefile or scripts/.
#
# Needs root (debootstrap, chroot, mounts). Environment: SNAP_CACHE,
# SNAP_FRESH_KEEP=1 keeps the unpacked root afterwards (for a look inside),
# SNAP_FRESH_ONLY=demo stops after `make demo`.
# TAP on stdout and in build/results/fresh.tap.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$(realpath -m "${SNAP_CACHE:-$HOME/.cache/snap}")/fresh
root=$cache/root
tarball=$cache/bookworm-minbase.tar
out=$top/build/results/fresh.tap
logs=$top/build/fresh
mounted=()

msg() { echo "check-fresh: $*" >&2; }
die() { msg "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mounts)"
mkdir -p "$cache" "$logs" "$(dirname "$out")"

# The host's own mirror: this machine can reach nothing else.
mirror() {
	local uri
	uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources \
		2>/dev/null | grep -v security | head -1)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${uri:-http://deb.debian.org/debian}"
}

make_tarball() {
	local tmp=$cache/debootstrap.tmp

	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
	rm -rf "$tmp"
	msg "debootstrap --variant=minbase bookworm from $(mirror)"
	debootstrap --variant=minbase bookworm "$tmp" "$(mirror)" >"$logs/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $logs/debootstrap.log"
	tar -C "$tmp" -cf "$tarball.new" . && mv "$tarball.new" "$tarball"
	rm -rf "$tmp"
}

unmount_all() {
	local i

	for ((i = ${#mounted[@]} - 1; i >= 0; i--))
		do umount -l "${mounted[i]}" 2>/dev/null || true; done
	mounted=()
	[ "${SNAP_FRESH_KEEP:-0}" = 1 ] || rm -rf "$root"
}
trap unmount_all EXIT

mount_one() {	# TYPE SOURCE TARGET [OPTIONS]
	mount -t "$1" ${4:+-o "$4"} "$2" "$root$3"
	mounted+=("$root$3")
}

[ -f "$tarball" ] || make_tarball
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount_one proc proc /proc
mount_one sysfs sysfs /sys
mount_one devtmpfs devtmpfs /dev
mount_one devpts devpts /dev/pts newinstance,ptmxmode=0666
mount_one tmpfs tmpfs /tmp
git clone -q "$top" "$root/root/snap"
msg "clone of $(git -C "$top" rev-parse --short HEAD) in $root/root/snap"

# inside STEP COMMAND: run COMMAND in the clone inside the root, logged.
n=0
inside() {
	local step=$1 start rc
	shift
	n=$((n + 1))
	start=$(date +%s)
	chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		TERM=dumb LANG=C.UTF-8 /bin/bash -c "cd /root/snap && $*" \
		>"$logs/$step.log" 2>&1 && rc=0 || rc=$?
	printf '%s %d - %s (%d s)\n' "$([ $rc = 0 ] && echo ok || echo 'not ok')" \
		"$n" "$step: $*" "$(($(date +%s) - start))" | tee -a "$out"
	[ $rc = 0 ] || { tail -30 "$logs/$step.log" | sed 's/^/# /' | tee -a "$out"; exit 1; }
}

: >"$out"
steps=3
[ "${SNAP_FRESH_ONLY:-}" = demo ] && steps=2
echo "1..$steps" | tee -a "$out"
inside prerequisite "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make"
inside demo "make demo"
[ $steps = 2 ] && exit 0
inside check "make check"
grep -E '[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$logs/check.log" | tail -1 |
	sed 's/^/# /' | tee -a "$out"
