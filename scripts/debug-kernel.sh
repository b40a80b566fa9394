#!/usr/bin/env bash
# Build, once, the small x86_64 guest kernel for the debug test lane: KASAN
# (generic), lockdep (PROVE_LOCKING), kmemleak, DEBUG_ATOMIC_SLEEP and KUnit
# built in, so snap.ko and its KUnit module can be exercised in the QEMU VM
# with the kernel's own bug detectors watching. Debian's kernel has none of
# these, hence a custom build from Debian's linux-source package.
#
# The kernel is `make tinyconfig` plus scripts/debug-kernel.config (merged
# with merge_config.sh, then olddefconfig); every option of the fragment is
# checked in the final .config. Everything lives outside git, in
#   ${SNAP_CACHE:-$HOME/.cache/snap}/debug-kernel/
#     build/       O= build dir: arch/x86/boot/bzImage, ready for M= builds
#     modroot/     modules_install output: lib/modules/<release>/
#     release      the kernel release string (`uname -r` in the guest)
#     stamp        sha256 of the fragment + linux-source version; when it
#                  matches, the script does nothing
#     build.log    full output of the last build
# The source tree is ${SNAP_CACHE}/linux-source-<ver>, shared with
# scripts/kunit.sh and never written to (all output goes to O=). If that tree
# is from another version or was built in place (O= then refuses it), a
# private copy in debug-kernel/src is used instead.
#
# Progress goes to stderr; the last line on stdout is the build dir.
# Environment: SNAP_CACHE (see above), SNAP_DEBUG_KERNEL_FORCE=1 to rebuild
# despite a matching stamp, SNAP_DEBUG_KERNEL_WAIT (seconds to wait for the
# linux-source package, default 3600).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug-kernel.config
cache=$(realpath -m "${SNAP_CACHE:-$HOME/.cache/snap}")
dk=$cache/debug-kernel
build=$dk/build
modroot=$dk/modroot
log=$dk/build.log
jobs=$(nproc)

msg() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() {
	msg "error: $*"
	exit 1
}

[ -f "$fragment" ] || die "missing $fragment"
mkdir -p "$dk"

# One build at a time per cache folder; a second caller waits and then
# usually finds the stamp up to date.
exec 9>"$dk/lock"
if ! flock -n 9; then
	msg "another build is running in $dk; waiting for it"
	flock 9
fi

# --- wait for Debian's linux-source (scripts/deps.sh may still be installing it)
pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

find_tarball() {
	local t best=
	for t in /usr/src/linux-source-*.tar.xz; do
		[ -f "$t" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$t" | sed '/^$/d' | sort -V | tail -n 1)
	done
	printf '%s' "$best"
}

wait_max=${SNAP_DEBUG_KERNEL_WAIT:-3600}
waited=0
while :; do
	tarball=$(find_tarball)
	if [ -n "$tarball" ] && pkg_installed linux-source; then
		owner=$(dpkg-query -S "$tarball" 2>/dev/null | head -n 1 | cut -d: -f1) || owner=
		if [ -z "$owner" ] || pkg_installed "$owner"; then
			break
		fi
	fi
	[ "$waited" -lt "$wait_max" ] ||
		die "no installed linux-source after ${wait_max}s; run scripts/deps.sh"
	[ "$waited" -gt 0 ] || msg "waiting for the linux-source package (scripts/deps.sh)"
	sleep 10
	waited=$((waited + 10))
done

if [ -n "$owner" ]; then
	src_version=$(dpkg-query -W -f='${Version}' "$owner")
else
	src_version=$(stat -c '%s-%Y' "$tarball")
fi
base=$(basename "$tarball" .tar.xz) # linux-source-6.1
frag_sum=$(sha256sum <"$fragment" | cut -d' ' -f1)
stamp="$frag_sum $base $src_version"

# --- cached?
if [ "${SNAP_DEBUG_KERNEL_FORCE:-0}" != 1 ] &&
	[ -f "$dk/stamp" ] && [ "$(cat "$dk/stamp")" = "$stamp" ] &&
	[ -f "$build/arch/x86/boot/bzImage" ] && [ -s "$dk/release" ] &&
	[ -f "$modroot/lib/modules/$(cat "$dk/release")/modules.dep" ]; then
	msg "up to date ($(cat "$dk/release"))"
	printf '%s\n' "$build"
	exit 0
fi

start=$(date +%s)
: >"$log"
msg "building $base ($src_version) in $build; log: $log"

run() {
	printf '+ %s\n' "$*" >>"$log"
	if ! "$@" >>"$log" 2>&1 9>&-; then
		msg "failed: $*"
		tail -n 40 "$log" | sed 's/^/    /' >&2
		die "see $log"
	fi
}

# --- source tree
# "6.1.192" from the top of a kernel Makefile.
tree_version() {
	awk '$2 == "=" && $1 == "VERSION" { v = $3 }
	     $2 == "=" && $1 == "PATCHLEVEL" { p = $3 }
	     $2 == "=" && $1 == "SUBLEVEL" { s = $3 }
	     END { if (v != "") print v "." p "." s }' "$1/Makefile"
}

# A tree we can use: complete, of this package's upstream version (when the
# package version says it), and clean enough for an O= build.
tree_ok() {
	local dir=$1 want=${src_version%%-*}
	[ -f "$dir/Makefile" ] && [ -f "$dir/scripts/kconfig/merge_config.sh" ] || return 1
	case $want in
	[0-9]*.[0-9]*.[0-9]*) [ "$(tree_version "$dir")" = "$want" ] || return 1 ;;
	esac
	[ ! -e "$dir/.config" ] && [ ! -d "$dir/include/config" ] &&
		[ ! -d "$dir/arch/x86/include/generated" ] || return 1
	# A dangling symlink (e.g. drivers/misc/snap after the checkout moved)
	# would break Kconfig.
	[ -z "$(find "$dir/drivers" -maxdepth 2 -xtype l -print -quit)" ]
}

# Unpack the tarball to $1 atomically: a concurrent reader sees no tree or a
# whole one. An existing $1 is replaced only when $2 is "replace".
unpack_to() {
	local dest=$1 mode=${2:-} tmp top
	tmp=$(mktemp -d "$(dirname "$dest")/.unpack.XXXXXX")
	msg "unpacking $tarball to $dest"
	if ! tar -xJf "$tarball" -C "$tmp"; then
		rm -rf "$tmp"
		die "cannot unpack $tarball"
	fi
	top=$tmp/$base
	if [ ! -d "$top" ]; then
		top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	fi
	if [ "$mode" = replace ] && [ -e "$dest" ]; then
		mv -T "$dest" "$tmp/old"
	fi
	if ! mv -T "$top" "$dest" 2>/dev/null; then
		# Someone else (scripts/kunit.sh) unpacked it meanwhile: use theirs.
		[ -d "$dest" ] || die "cannot move the unpacked tree to $dest"
	fi
	rm -rf "$tmp"
}

shared=$cache/$base
private=$dk/src
if [ ! -e "$shared" ]; then
	unpack_to "$shared"
fi
if tree_ok "$shared"; then
	src=$shared
else
	msg "$shared is of another version or not clean for O= builds; using $private"
	tree_ok "$private" || unpack_to "$private" replace
	tree_ok "$private" || die "$private is unusable"
	src=$private
fi

# A build dir made from another tree or version is started afresh; a changed
# fragment alone rebuilds incrementally.
origin="$src $src_version"
if [ -d "$build" ] && [ "$(cat "$dk/build.origin" 2>/dev/null)" != "$origin" ]; then
	msg "build dir is from another source tree or version; starting afresh"
	rm -rf "$build"
fi
mkdir -p "$build"
printf '%s\n' "$origin" >"$dk/build.origin"
rm -f "$dk/stamp"

# scripts/kunit.sh hooks kmod/ into the shared tree (drivers/misc/snap plus
# "obj-y += snap/"), and kmod/Kbuild defaults CONFIG_SNAP to m when Kconfig
# has not set it. That module is built out of tree (M=) against this kernel,
# never into it: keep the hook inert here, whatever the state of kmod/.
no_snap=(CONFIG_SNAP=n CONFIG_SNAP_KUNIT_TEST=n)
kmake() { run make -C "$src" O="$build" "${no_snap[@]}" "$@"; }

# --- configure
msg "configuring: tinyconfig + $(basename "$fragment")"
kmake tinyconfig
# merge_config.sh writes its temp files to the current directory.
(cd "$build" && run "$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
	"$build/.config" "$fragment")
kmake olddefconfig

missing=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$build/.config" || missing+=("$line")
		;;
	"# CONFIG_"*" is not set")
		name=${line#\# }
		name=${name%% *}
		if grep -q "^$name=" "$build/.config"; then missing+=("$line"); fi
		;;
	esac
done <"$fragment"
if [ ${#missing[@]} -gt 0 ]; then
	msg "these options of $(basename "$fragment") did not stick (missing dependency?):"
	for line in "${missing[@]}"; do
		name=${line#\# }
		name=${name%%[= ]*}
		got=$(grep -E "^$name=|^# $name is not set" "$build/.config" || true)
		msg "    want: $line    got: ${got:-(absent)}"
	done
	die "config check failed"
fi

# --- build and install modules
msg "compiling with -j$jobs (a cold build takes a while without KVM)"
kmake -j"$jobs" all
release=$(make -s -C "$src" O="$build" kernelrelease)
[ -n "$release" ] || die "cannot get the kernel release"
msg "installing modules of $release to $modroot"
rm -rf "$modroot.new"
kmake INSTALL_MOD_PATH="$modroot.new" modules_install
[ -f "$modroot.new/lib/modules/$release/modules.dep" ] || die "modules_install made no modules.dep"
rm -rf "$modroot"
mv -T "$modroot.new" "$modroot"
printf '%s\n' "$release" >"$dk/release"
printf '%s\n' "$stamp" >"$dk/stamp"

elapsed=$(($(date +%s) - start))
msg "done: $release in $((elapsed / 60))m$((elapsed % 60))s"
printf '%s\n' "$build"
