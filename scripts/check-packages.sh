#!/usr/bin/env bash
# make check-packages: the Debian packages, built and installed on fresh
# Debian 12 roots. Reuses check-fresh's minbase tarball
# (${SNAP_CACHE:-$HOME/.cache/snap}/fresh/bookworm-minbase.tar, made with
# debootstrap when missing) and unpacks it twice:
#
#  build root:   a clone of HEAD (committed work only), its Build-Depends from
#                the archive (apt-get build-dep), then `make deb`;
#  install root: the .debs installed with apt-get (dependencies from the
#                archive) and no kernel headers yet; then the headers of
#                SNAP_PKG_KVER, whose installation must make DKMS build and
#                install snap.ko by itself (AUTOINSTALL, as on a kernel
#                upgrade): `dkms status` must say installed; then
#                `systemd-analyze verify` on the unit, lintian (errors fail,
#                warnings are listed) and the unit's ExecStart line, run as
#                written with the unit's environment, which must get as far
#                as /dev/snap and fail only there: no module can be loaded in
#                a chroot (the running kernel is not the chroot's), so the
#                unit's ExecStartPre (modprobe snap) is shown to fail too.
#
# Not part of make check or CI (~15 min, most of it apt). Needs root.
# Environment: SNAP_CACHE, SNAP_PKG_KVER (default: the host's newest Debian
# kernel with headers, scripts/kver.sh), SNAP_FRESH_KEEP=1 keeps the roots.
# TAP on stdout and in build/results/packages.tap, logs in build/packages/.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$(realpath -m "${SNAP_CACHE:-$HOME/.cache/snap}")/fresh
out=$top/build/results/packages.tap
logs=$top/build/packages
kver=${SNAP_PKG_KVER:-$("$top/scripts/kver.sh")}

msg() { echo "check-packages: $*" >&2; }
die() { msg "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (chroot and mounts)"
mkdir -p "$cache" "$logs" "$(dirname "$out")"
rm -f "$logs"/*.log

# shellcheck source=scripts/lib/fresh-root.sh
. "$top/scripts/lib/fresh-root.sh"
trap fresh_release_all EXIT

# step ROOT NAME COMMAND: COMMAND in ROOT, logged; a TAP line with its time.
n=0
step() {
	local r=$1 name=$2 start rc
	shift 2
	n=$((n + 1))
	start=$(date +%s)
	fresh_chroot "$r" "export DEBIAN_FRONTEND=noninteractive; $*" \
		>"$logs/$n-$name.log" 2>&1 && rc=0 || rc=$?
	printf '%s %d - %s (%d s)\n' "$([ $rc = 0 ] && echo ok || echo 'not ok')" \
		"$n" "$name" "$(($(date +%s) - start))" | tee -a "$out"
	[ $rc = 0 ] || { tail -30 "$logs/$n-$name.log" | sed 's/^/# /' | tee -a "$out"; exit 1; }
}

# note FILE PATTERN: the lines of a step's log worth a look, as TAP comments.
note() { grep -aE "$2" "$logs/$1" | sed 's/^[[:space:]]*/# /' | tee -a "$out" || true; }

fresh_make_tarball

apt_get="apt-get -q -y -o Dpkg::Use-Pty=0 --no-install-recommends"
t0=$(date +%s)
: >"$out"
echo "1..9" | tee -a "$out"

# --- the build root
b=$cache/pkg-build
fresh_new_root "$b"
git clone -q "$top" "$b/root/snap"
msg "clone of $(git -C "$top" rev-parse --short HEAD) in $b/root/snap"
step "$b" build-deps "apt-get -q update && $apt_get install make git dpkg-dev &&
	cd /root/snap && $apt_get build-dep ./"
step "$b" make-deb "cd /root/snap && make deb"
debs=$(cd "$b/root/snap/build/deb" && ls ./*.deb ./*.changes ./*.buildinfo ./*.dsc ./*.tar.*)

# --- the install root
i=$cache/pkg-install
fresh_new_root "$i"
mkdir -p "$i/root/debs"
(cd "$b/root/snap/build/deb" && cp $debs "$i/root/debs/")
step "$i" install-debs "apt-get -q update && cd /root/debs &&
	$apt_get install ./snap_*.deb ./snap-dkms_*.deb && dkms status snap"
note "$n-install-debs.log" '^snap[,/]'
step "$i" headers-autoinstall "$apt_get install linux-headers-$kver &&
	dkms status snap | tee /dev/stderr | grep -q '$kver, .*: installed' &&
	modinfo -k $kver snap | grep -E '^(filename|version|vermagic|parm):' | head -4"
note "$n-headers-autoinstall.log" '^snap[,/]|filename:|^vermagic'
# The file postinst made is the one snapadm config set rewrites. The
# module is found as modprobe finds it: DKMS compresses it on 6.12.
step "$i" modules-config "export SNAP_KO=\$(modinfo -k $kver -n snap)
	grep -q 'snapadm config set' /etc/modprobe.d/snap.conf &&
	snapadm config set internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 &&
	cat /etc/modprobe.d/snap.conf && snapadm config query &&
	grep -qx 'options snap internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1' \
		/etc/modprobe.d/snap.conf"
note "$n-modules-config.log" '^options snap'
step "$i" systemd-analyze-verify "$apt_get install systemd man-db &&
	systemd-analyze verify /lib/systemd/system/snap_service.service"
note "$n-systemd-analyze-verify.log" 'snap_service'
step "$i" lintian "$apt_get install lintian &&
	lintian --tag-display-limit 0 --fail-on error /root/debs/*.changes"
note "$n-lintian.log" '^[EW]: '
echo "# lintian: $(grep -c '^E: ' "$logs/$n-lintian.log" || true) errors, $(grep -c '^W: ' "$logs/$n-lintian.log" || true) warnings" | tee -a "$out"
# The unit as systemd runs it: Environment=, then EnvironmentFile=-, then
# ExecStartPre and ExecStart with \$VAR split into words. No module can be
# loaded here, so modprobe must fail and snap_service must stop at /dev/snap.
step "$i" execstart "set -o pipefail
	unit=/lib/systemd/system/snap_service.service
	pre=\$(sed -n 's/^ExecStartPre=//p' \$unit)
	cmd=\$(sed -n 's/^ExecStart=//p' \$unit)
	eval \"\$(sed -n 's/^Environment=/export /p' \$unit)\"
	set -a; . /etc/default/snap_service; set +a
	echo \"ExecStartPre: \$pre\"
	if eval \"\$pre\"; then echo 'modprobe loaded snap in a chroot?'; exit 1; fi
	echo \"ExecStart: \$cmd\"
	rc=0; eval \"timeout 20 \$cmd\" 2>/tmp/err || rc=\$?
	cat /tmp/err; echo \"exit status \$rc\"
	[ \$rc = 1 ] && grep -q 'error: /dev/snap' /tmp/err &&
		! grep -v 'error: /dev/snap' /tmp/err | grep -Eq 'error|warn'"
note "$n-execstart.log" '^Exec|/dev/snap|exit status|modprobe'
step "$i" completion "snapadm --help >/dev/null && bash -c '
	source /usr/share/bash-completion/completions/snapadm
	COMP_WORDS=(snapadm nvme_controller_cr); COMP_CWORD=1; _snapadm
	[ \"\${COMPREPLY[*]}\" = nvme_controller_create ] || exit 1
	COMP_WORDS=(snapadm nvme_controller_create --pf); COMP_CWORD=2; _snapadm
	[ \"\${COMPREPLY[*]}\" = --pf_id ]'"
echo "# packages: $(cd "$b/root/snap/build/deb" && ls ./*.deb | xargs -n1 basename | tr '\n' ' ')" | tee -a "$out"
echo "# check-packages took $(($(date +%s) - t0)) s" | tee -a "$out"
