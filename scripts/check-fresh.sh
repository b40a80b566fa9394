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
out=$top/build/results/fresh.tap
logs=$top/build/fresh

msg() { echo "check-fresh: $*" >&2; }
die() { msg "$*"; exit 1; }

# shellcheck source=scripts/lib/fresh-root.sh
. "$top/scripts/lib/fresh-root.sh"

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mounts)"
mkdir -p "$cache" "$logs" "$(dirname "$out")"
trap fresh_release_all EXIT

fresh_make_tarball
fresh_new_root "$root"
git clone -q "$top" "$root/root/snap"
msg "clone of $(git -C "$top" rev-parse --short HEAD) in $root/root/snap"

# inside STEP COMMAND: run COMMAND in the clone inside the root, logged.
n=0
inside() {
	local step=$1 start rc
	shift
	n=$((n + 1))
	start=$(date +%s)
	fresh_chroot "$root" "cd /root/snap && $*" >"$logs/$step.log" 2>&1 && rc=0 || rc=$?
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
