# shellcheck shell=bash
# Fresh Debian 12 roots for check-fresh and check-packages: a minbase
# bookworm made once with debootstrap from the host's mirror, kept as a
# tarball, unpacked anew for each run and entered with chroot.
#
# Sourced, not run. The caller sets `cache` (the directory of the tarball
# and the roots) and `logs`, and defines msg and die.
#
# A root's mounts are the danger: removing a root while a mount of its is
# still there removes what that mount shows. A run stopped without its EXIT
# trap (a machine restart, kill -9) leaves them behind, so every root is
# released before it is made and after it is used, and the remove never
# crosses into another filesystem. /dev is not the host's devtmpfs (one
# instance for the whole machine: removing a node inside the root removes it
# on the host, and the host's /dev/snap would be visible inside): the
# tarball's own nodes, a private devpts and a tmpfs /dev/shm.

: "${cache:?set cache before sourcing fresh-root.sh}" "${logs:?set logs too}"
fresh_roots=()

# The host's own mirror: this machine can reach nothing else.
fresh_mirror() {
	local uri

	uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources \
		2>/dev/null | grep -v security | head -1 || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true)
	echo "${uri:-http://deb.debian.org/debian}"
}

fresh_tarball() {
	echo "$cache/bookworm-minbase.tar"
}

fresh_make_tarball() {
	local tmp=$cache/debootstrap.tmp tarball

	tarball=$(fresh_tarball)
	[ -f "$tarball" ] && return 0
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
	fresh_release "$tmp"
	msg "debootstrap --variant=minbase bookworm from $(fresh_mirror)"
	debootstrap --variant=minbase bookworm "$tmp" "$(fresh_mirror)" \
		>"$logs/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $logs/debootstrap.log"
	# What debootstrap left mounted goes before the tar, the files stay.
	fresh_unmount "$tmp" || return 1
	tar -C "$tmp" -cf "$tarball.new" . && mv "$tarball.new" "$tarball"
	fresh_release "$tmp"
}

# The mount points at or under DIR, deepest first.
fresh_mounts_under() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r
}

# fresh_unmount DIR: every mount under DIR undone. Fails (1) when one
# stays, or for a DIR outside the cache.
fresh_unmount() {
	local dir m

	dir=$(realpath -m "$1")
	# Only ever a directory under the cache: never "", / or elsewhere, and
	# no blank, which /proc/self/mounts would show escaped.
	case $dir in
	"$cache"/?*) ;;
	*) die "refusing to release $dir: not under $cache"; return 1 ;;
	esac
	case $dir in
	*[[:space:]]*) die "refusing to release $dir: a blank in the path"; return 1 ;;
	esac
	for m in $(fresh_mounts_under "$dir"); do
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
	if [ -n "$(fresh_mounts_under "$dir")" ]; then
		die "$dir still has mounts: $(fresh_mounts_under "$dir" | tr '\n' ' ')"
		return 1
	fi
}

# fresh_release DIR: fresh_unmount, then DIR removed without leaving its
# filesystem. Refuses (and keeps DIR) when a mount stays.
fresh_release() {
	fresh_unmount "$1" || return 1
	rm -rf --one-file-system "$(realpath -m "$1")"
}

fresh_release_all() {
	local r

	[ "${SNAP_FRESH_KEEP:-0}" = 1 ] && return 0
	for r in "${fresh_roots[@]}"; do fresh_release "$r"; done
}

# fresh_new_root DIR: the minbase root unpacked anew with the host's apt
# sources and resolver, /proc, /sys, a private devpts, /dev/shm and /tmp.
fresh_new_root() {
	local r

	r=$(realpath -m "$1")
	fresh_roots+=("$r")
	fresh_release "$r"
	mkdir -p "$r"
	tar -C "$r" -xf "$(fresh_tarball)"
	cp /etc/apt/sources.list.d/*.sources "$r/etc/apt/sources.list.d/" 2>/dev/null || true
	[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$r/etc/apt/"
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
	ln -sf pts/ptmx "$r/dev/ptmx"
	mount -t tmpfs tmpfs "$r/dev/shm"
	mount -t tmpfs tmpfs "$r/tmp"
}

# fresh_chroot DIR COMMAND: COMMAND by bash inside DIR with a clean
# environment (what a new login would have: no DEBIAN_FRONTEND either).
fresh_chroot() {
	local r=$1

	shift
	chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		TERM=dumb LANG=C.UTF-8 /bin/bash -c "$*"
}
