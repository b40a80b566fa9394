#!/usr/bin/env bash
# Install, only when missing, every Debian package needed to build, test and demo snap.
# Idempotent: a second run installs nothing and takes about a second.
set -euo pipefail

PKGS=(
	# build
	build-essential make gcc pkg-config kmod cpio xz-utils zstd gzip
	# the version string, and the file list scripts/checkpatch.sh checks
	git
	flex bison bc libelf-dev libssl-dev dwarves python3 perl
	# scripts/nlgen.py: the netlink code from Documentation/netlink/specs/snap.yaml
	python3-yaml
	# libFuzzer targets (make fuzz): clang and its fuzzer/sanitizer
	# runtimes, only a Recommends of clang, which --no-install-recommends skips
	clang libclang-rt-dev
	# the guest kernel: Debian's image and the headers built for it (same ABI)
	linux-image-amd64 linux-headers-amd64
	# and Debian 12's 6.12 kernel (bookworm-security), the second kernel
	# the module builds and is tested for (make check-kernels, CI); the
	# unsigned image, as nothing boots it but the test guest
	linux-image-6.12.111+deb12-amd64-unsigned linux-headers-6.12.111+deb12-amd64
	# KUnit, checkpatch and the debug guest kernel come from the kernel's own source
	linux-source
	# profiling (scripts/bench-native)
	valgrind
	# the VM benchmark's bar chart (scripts/bench-vm)
	gnuplot-nox
	# test VM and what runs inside it
	qemu-system-x86 busybox-static fio nvme-cli pciutils
	# ip and rdma in the guest (dummy netdev, soft-RoCE link): only a
	# Recommends of rdma-core
	iproute2
	# userspace libraries
	liburing-dev libnl-3-dev libnl-genl-3-dev libmnl-dev libkmod-dev
	rdma-core libibverbs-dev librdmacm-dev libcmocka-dev
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# linux-image-amd64 and linux-headers-amd64 are metapackages; make sure the
# versions they pulled in match, since the module must load into that image.
"$(dirname "$0")/kver.sh" >/dev/null
