#!/usr/bin/env bash
# Build the test guest's initramfs as two concatenated zstd cpio archives
# (the kernel unpacks them in order):
#  - a base that rarely changes, cached in build/: busybox, nvme-cli, fio and
#    lspci with their shared libraries, and the kernel modules the tests load
#    (with their dependencies, decompressed); one per kernel release,
#    rebuilt when that kernel's modules or a package change;
#  - the project part, rebuilt every time: snap's modules, the project's
#    binaries and libraries they need, the selftests, /init, the snap
#    package's files (make install) under /snap/pkg, and README.md and
#    Documentation/*.md under /snap/doc (tests run their examples).
#
# Usage: mkinitramfs.sh OUTPUT KERNEL_RELEASE MODROOT SNAP_KO_DIR
#   MODROOT is the folder holding lib/modules/<release> ("/" for Debian's).
set -euo pipefail
out=$1 release=$2 modroot=$3 kodir=$4
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Kernel modules and programs the selftests use.
# crc32c_generic: nvmet-tcp's digests (6.1's nvmet-tcp oopses on a queue
# that asked for digests when the crypto API has no crc32c).
# rdma_rxe (soft-RoCE; crc32_generic its ICRC), rdma_ucm and ib_uverbs:
# NVMe/RDMA in one guest,
# the daemon's initiator (rdma-core) against nvmet-rdma; dummy: a netdev
# for rxe to sit on; ip and rdma from iproute2 to set them up.
guest_modules=(nvme virtio_pci virtio_blk nvmet nvmet-tcp nvme-tcp null_blk configfs crc32c_generic
	rdma_rxe crc32_generic rdma_ucm ib_uverbs nvmet-rdma nvme-rdma dummy)
guest_programs=(nvme fio lspci setpci blkdiscard lsblk ip rdma)
# More on request, e.g. perf for a profile (scripts/bench-vm, BENCH_PROFILE).
# shellcheck disable=SC2206
guest_programs+=(${SNAP_VM_EXTRA_PROGRAMS:-})

copy_libs() {
	local root=$1 lib
	for lib in $(ldd "$2" 2>/dev/null | grep -oE '/[^ ]+'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# copy_verbs_provider ROOT NAME: rdma-core's user-space driver NAME.
copy_verbs_provider() {
	local root=$1 so
	[ -f "/etc/libibverbs.d/$2.driver" ] || return 0
	mkdir -p "$root/etc/libibverbs.d"
	cp "/etc/libibverbs.d/$2.driver" "$root/etc/libibverbs.d/"
	for so in /usr/lib/*/libibverbs/lib"$2"-rdmav*.so; do
		[ -f "$so" ] || continue
		mkdir -p "$root$(dirname "$so")"
		cp -L "$so" "$root$so"
		copy_libs "$root" "$so"
	done
}

pack() {
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) |
		zstd -q -T0 -6 -f -o "$2"
}

build_base() {
	local root=$work/base p f m ko rel moddir=lib/modules/$release
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,mnt,etc,root}
	# /init runs under /bin/busybox; the host may have it in /usr/bin only.
	install -m755 "$(command -v busybox)" "$root/bin/busybox"
	for p in "${guest_programs[@]}"; do
		f=$(command -v "$p")
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
		copy_libs "$root" "$f"
	done
	# libibverbs loads its device's provider by the name in
	# /etc/libibverbs.d: soft-RoCE's, for the RDMA tests.
	copy_verbs_provider "$root" rxe
	# lspci names devices from this table.
	mkdir -p "$root/usr/share/misc"
	cp -L /usr/share/misc/pci.ids "$root/usr/share/misc/" 2>/dev/null || true
	mkdir -p "$root/$moddir"
	# A kernel built without one (the debug kernel has no RDMA) leaves
	# it out; the tests that need it skip.
	for m in "${guest_modules[@]}"; do
		{ modprobe -d "$modroot" -S "$release" --show-depends "$m" 2>/dev/null || true; } |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r ko; do
		rel=${ko#"$modroot"}
		rel=${rel#/}
		mkdir -p "$root/$(dirname "$rel")"
		cp "$ko" "$root/$rel"
		# 6.12's modules are .ko.xz: stored plain, busybox's modprobe
		# and insmod need no decompressor (depmod below lists them so).
		case $rel in
		*.ko.xz) xz -d "$root/$rel" ;;
		*.ko.zst) zstd -q -d --rm "$root/$rel" ;;
		*.ko.gz) gzip -d "$root/$rel" ;;
		esac
	done
	cp "$modroot/$moddir"/modules.{order,builtin,builtin.modinfo} "$root/$moddir/" 2>/dev/null || true
	depmod -b "$root" "$release"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	pack "$root" "$1"
}

# The base depends on the kernel's modules and on the installed packages.
key=$( {
	echo "$release $modroot ${guest_modules[*]} ${guest_programs[*]}"
	stat -c '%n %Y' "$modroot/lib/modules/$release/modules.dep"
	for p in "${guest_programs[@]}"; do stat -L -c '%n %Y' "$(command -v "$p")"; done
	stat -L -c '%n %Y' "$(command -v busybox)"
	sha256sum "$0"
} | sha256sum | cut -c1-16)
# One cached base per kernel release, so runs on different kernels (6.1,
# 6.12, the debug kernel) do not throw each other's away; a new key
# replaces only the same release's old base.
base=$top/build/initramfs-base-$release-$key.cpio.zst
if [ ! -f "$base" ]; then
	rm -f "$top/build/initramfs-base-$release-"*.cpio.zst
	build_base "$work/base.zst"
	mkdir -p "$(dirname "$base")"
	mv "$work/base.zst" "$base"
fi

root=$work/snap
mkdir -p "$root/usr/bin" "$root/snap"
for b in "$top"/build/bin/*; do
	[ -x "$b" ] || continue
	cp "$b" "$root/usr/bin/"
	copy_libs "$root" "$b"
done
# Backend plugins where snap_service looks for them by name (PLUGINDIR),
# and the unit tests' broken ones for the refusal checks.
mkdir -p "$root/usr/lib/snap/plugins" "$root/usr/lib/snap/test-plugins"
for p in "$top"/build/plugins/*.so; do
	[ -f "$p" ] && cp "$p" "$root/usr/lib/snap/plugins/"
done
for p in "$top"/build/tests/plugins/*.so; do
	[ -f "$p" ] && cp "$p" "$root/usr/lib/snap/test-plugins/"
done
cp "$kodir"/*.ko "$root/snap/"
# The snap package's files as make install lays them out for it (as
# debian/rules runs it), under /snap/pkg: tests that install the package
# copy them to / (test_unit_start_01 runs the unit the build made).
make -s -C "$top" install DESTDIR="$root/snap/pkg" PREFIX=/usr >/dev/null
# Not the test host module's source folder: a build may be writing in it.
mkdir -p "$root/selftests"
tar -C "$top/selftests" --exclude=./snap_testhost -cf - . | tar -C "$root/selftests" -xf -
# The test-only host module is built beside kodir's tree, for the same
# kernel (selftests/snap_testhost under kodir/..); only its .ko goes in.
th=$kodir/../selftests/snap_testhost/snap_testhost.ko
[ -f "$th" ] && cp "$th" "$root/snap/"
install -m755 "$top/scripts/vm/init" "$root/init"
# The documents, for the tests that run their example blocks verbatim.
mkdir -p "$root/snap/doc/Documentation"
cp "$top/README.md" "$root/snap/doc/"
cp "$top"/Documentation/*.md "$root/snap/doc/Documentation/"
pack "$root" "$work/snap.zst"

mkdir -p "$(dirname "$out")"
cat "$base" "$work/snap.zst" >"$out"
