#!/usr/bin/env bash
# A fresh machine's `make demo`: deps installs libnl only after make has read
# the Makefile. Replays that here without installing anything: a pkg-config
# that does not know libnl-genl-3.0 until a stand-in deps has run, and then
# `make build-after-deps` (what demo runs before booting the guest) must
# build the userspace with libnl's flags. The old `demo: deps all` fails this
# with "netlink/msg.h: No such file or directory".
# TAP on stdout and in $1 (default build/results/deps-order.tap).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/results/deps-order.tap}
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

real_pc=$(command -v pkg-config) || {
	printf '1..0 # SKIP no pkg-config\n' | tee "$out"
	exit 0
}
"$real_pc" --exists libnl-genl-3.0 || {
	printf '1..0 # SKIP libnl-genl-3.0 is not installed\n' | tee "$out"
	exit 0
}

mkdir "$tmp/bin"
cat >"$tmp/bin/pkg-config" <<EOF
#!/bin/sh
# libnl's .pc is "installed" once $tmp/installed exists.
case " \$* " in
*" libnl-genl-3.0 "*) [ -e "$tmp/installed" ] || exit 1 ;;
esac
exec "$real_pc" "\$@"
EOF
cat >"$tmp/deps" <<EOF
#!/bin/sh
echo "deps: installing libnl-genl-3-dev (stand-in)"
touch "$tmp/installed"
EOF
chmod +x "$tmp/bin/pkg-config" "$tmp/deps"

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
	echo "1..2"
	# Sanity: the stand-in hides libnl before deps.
	if PATH=$tmp/bin:$PATH pkg-config --cflags libnl-genl-3.0 >/dev/null 2>&1; then
		tap notok "libnl hidden before deps"
	else
		tap ok "libnl hidden before deps"
	fi
	# Userspace only: the child make is told so by BUILD_AFTER_DEPS.
	if PATH=$tmp/bin:$PATH make -C "$top" --no-print-directory -j"$(nproc)" \
		SNAP_DEPS="$tmp/deps" B="$tmp/build" BUILD_AFTER_DEPS=userspace \
		build-after-deps >"$tmp/log" 2>&1 && [ -x "$tmp/build/bin/snapadm" ]; then
		tap ok "build after deps sees libnl's flags"
	else
		sed 's/^/# /' "$tmp/log" | tail -n 20
		tap notok "build after deps sees libnl's flags"
	fi
} | tee "$out"
! grep -q '^not ok' "$out"
