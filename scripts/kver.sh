#!/usr/bin/env bash
# Print the newest kernel ABI version (e.g. 6.1.0-56-amd64) for which both
# Debian's image and its matching headers are installed. The version is never
# hard-coded: apt upgrades move it.
set -euo pipefail
best=
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	v=${img#/boot/vmlinuz-}
	[ -d "/usr/src/linux-headers-$v" ] && [ -d "/lib/modules/$v/kernel" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
done
if [ -z "$best" ]; then
	echo "kver: no kernel image with matching headers; run scripts/deps.sh" >&2
	exit 1
fi
echo "$best"
