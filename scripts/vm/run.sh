#!/usr/bin/env bash
# Boot the test guest under QEMU (TCG, 2 vCPUs, 2 GiB, an ivshmem-plain
# device whose RAM backs the emulated BARs), run selftests, collect their TAP
# from the second serial port and exit with their status. A kernel oops, BUG,
# WARN, lockup or sanitizer report on the console, or a guest that never
# finishes, fails the run; the console log is kept under build/vm/.
#
# Boots /boot/vmlinuz-$KVER (scripts/kver.sh's pick when KVER is unset).
#
# Usage: run.sh [--tests "a b"] [--shell] [--kernel BZIMAGE --release R
#               --modroot DIR] [--kodir DIR] [--timeout S] [--tap FILE]
#               [--append ARGS] [--name NAME] [--no-ivshmem] [--qemu ARG]...
#
# --qemu adds one argument to QEMU's command line (a device of QEMU's own
# beside the emulated ones, as scripts/bench-vm's qemu part does).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

tests="" shell=0 kernel="" release="" modroot=/ kodir=$top/kmod ivshmem=1
limit=${SNAP_VM_TIMEOUT:-2400} tapout="" append="" name=vm
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--tests) tests=$2; shift ;;
	--shell) shell=1 ;;
	--kernel) kernel=$2; shift ;;
	--release) release=$2; shift ;;
	--modroot) modroot=$2; shift ;;
	--kodir) kodir=$2; shift ;;
	--timeout) limit=$2; shift ;;
	--tap) tapout=$2; shift ;;
	--append) append=$2; shift ;;
	--name) name=$2; shift ;;
	--no-ivshmem) ivshmem=0 ;;
	--qemu) extra+=("$2"); shift ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
# Debian's kernel: KVER (as make passes it on) or what scripts/kver.sh picks.
if [ -z "$kernel" ]; then
	release=${KVER:-$("$top/scripts/kver.sh")}
	kernel=/boot/vmlinuz-$release
	[ -e "$kernel" ] || { echo "run.sh: no $kernel" >&2; exit 2; }
fi
# A module built for another kernel would only fail to load in the guest.
built=$(modinfo -F vermagic "$kodir/snap.ko" 2>/dev/null | cut -d' ' -f1 || true)
if [ "$built" != "$release" ]; then
	echo "run.sh: $kodir/snap.ko is built for ${built:-nothing}, the guest runs $release" \
		"(make KVER=$release)" >&2
	exit 2
fi

out=$top/build/$name
mkdir -p "$out"
initrd=$out/initramfs.cpio.zst
t0=$(date +%s.%N)
"$top/scripts/vm/mkinitramfs.sh" "$initrd" "$release" "$modroot" "$kodir"
t1=$(date +%s.%N)
printf 'vm: initramfs %s MiB, built in %.1f s\n' \
	"$(du -m "$initrd" | cut -f1)" "$(echo "$t1 - $t0" | bc)"

# The ivshmem-plain BAR is the RAM behind the emulated functions' BARs
# (without it, tests reserve guest RAM with memmap= instead).
qemu=(qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 2G -no-reboot
	-display none -vga none -nic none -kernel "$kernel" -initrd "$initrd")
[ "$ivshmem" = 1 ] && qemu+=(-object memory-backend-ram,id=snapbar,size=64M
	-device ivshmem-plain,memdev=snapbar)
qemu+=("${extra[@]}")
cmdline="console=ttyS0 panic=-1 oops=panic softlockup_panic=1 hung_task_panic=1"

if [ "$shell" = 1 ]; then
	exec "${qemu[@]}" -serial mon:stdio -append "$cmdline snap.mode=shell $append"
fi

console=$out/console.log tap=$out/tap.log
rm -f "$console" "$tap"
tests=$(echo "$tests" | tr ' ' ',')
rc=0
timeout --foreground -k 10 "$limit" "${qemu[@]}" -monitor none \
	-serial "file:$console" -serial "file:$tap" \
	-append "$cmdline snap.mode=test snap.tests=$tests $append" || rc=$?
t2=$(date +%s.%N)

sed 's/\r$//' "$tap" | grep -v '^# SNAP-VM-EXIT' || true
# How long each test took, from the guest's "# snap-vm: T took S s" lines.
sed -n 's/\r$//; s/^# snap-vm: \([^ ]*\) took \([0-9.]*\) s$/\2 \1/p' "$tap" |
	awk '{ printf "vm: %8.2f s  %s\n", $1, $2 }'
# The diagnostics stay: the summary shows a failed test's last lines.
[ -n "$tapout" ] && sed 's/\r$//' "$tap" | grep -vE '^(# SNAP-VM-EXIT|TAP version)' >"$tapout"

fail() {
	echo "vm: FAIL: $*" >&2
	echo "vm: console log kept in $console" >&2
	exit 1
}
# The test the guest was in when it stopped, from its "started" line.
running=$(sed -n 's/\r$//; s/^# snap-vm: \([^ ]*\) started$/\1/p' "$tap" | tail -n 1)
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	fail "guest did not finish within ${limit} s${running:+ (in $running)}"
fi
bad=$(grep -naE 'WARNING:|BUG:|Oops|Kernel panic|general protection fault|soft lockup|hard LOCKUP|blocked for more than|KASAN|UBSAN|unreferenced object|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|sleeping function called|Call Trace' "$console" | head -n 20 || true)
[ -z "$bad" ] || { echo "$bad" >&2; fail "the kernel reported a problem"; }
exitline=$(grep -a '^# SNAP-VM-EXIT' "$tap" | tr -d '\r' || true)
[ -n "$exitline" ] || fail "guest stopped before the selftests finished (qemu exit $rc${running:+, in $running})"
printf 'vm: wall clock %.1f s (qemu %.1f s)\n' "$(echo "$t2 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
failed=${exitline##* }
[ "$failed" = 0 ] || { echo "vm: $failed selftest(s) failed; console log in $console" >&2; exit 1; }
