#!/usr/bin/env bash
# Which Debian kernel to build the module for and boot in the test guest.
# A kernel counts when its image (/boot/vmlinuz-<ver>), its modules and its
# matching headers (/usr/src/linux-headers-<ver>) are all installed.
#
#   kver.sh            the running kernel when it counts, else the newest
#                      that does (e.g. 6.12.111+deb12-amd64)
#   kver.sh --list     every kernel that counts, oldest first
#   kver.sh --default  Debian's default kernel (the one linux-image-amd64
#                      depends on), when it counts
#   kver.sh --say VER [--given]
#                      one line for the build log: which kernel and why
#
# The version is never hard-coded: apt upgrades move it.
set -euo pipefail

usable() {
	[ -e "/boot/vmlinuz-$1" ] && [ -d "/usr/src/linux-headers-$1" ] &&
		[ -d "/lib/modules/$1/kernel" ]
}

list() {
	local img v
	for img in /boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		v=${img#/boot/vmlinuz-}
		usable "$v" && echo "$v"
	done | sort -V
}

running=$(uname -r)
case ${1:-} in
--list)
	list
	exit 0
	;;
--default)
	v=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
	v=${v%-unsigned}
	if [ -z "$v" ] || ! usable "$v"; then
		echo "kver: Debian's default kernel${v:+ $v} is not installed with its headers" >&2
		exit 1
	fi
	echo "$v"
	exit 0
	;;
--say)
	v=$2
	if [ "${3:-}" = --given ]; then
		why="given as KVER"
	elif [ "$v" = "$running" ]; then
		why="the running kernel"
	else
		why="the newest kernel with image and headers installed;"
		why="$why the running $running is not installed with its headers"
	fi
	echo "snap: building the module for $v ($why)"
	exit 0
	;;
esac

if usable "$running"; then
	echo "$running"
	exit 0
fi
best=$(list | tail -n 1)
if [ -z "$best" ]; then
	echo "kver: no kernel image with matching headers; run scripts/deps.sh" >&2
	exit 1
fi
echo "$best"
