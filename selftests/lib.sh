# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the snap selftests (sourced; busybox sh in the guest).
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4
export SNAP_KO=/snap/snap.ko

fail() {
	echo "FAIL: $*"
	exit $KSFT_FAIL
}

skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

log() {
	echo "$*"
}

snap_loaded() {
	grep -q '^snap ' /proc/modules
}

# snap_sim_mem: the sim's BAR memory parameters for this guest: the RAM
# make check's second guest reserves (memmap=64M$0x70000000, no ivshmem),
# or nothing where an ivshmem-plain device provides it.
snap_sim_mem() {
	grep -q 'memmap=64M\$0x70000000' /proc/cmdline &&
		echo "sim_mem_start=0x70000000 sim_mem_size=0x4000000"
	return 0
}

snap_load() {
	insmod $SNAP_KO "$@" || fail "insmod snap.ko $*"
	[ -z "$SNAP_UNBIND_NVME" ] || snap_unbind_builtin_nvme
}

snap_unload() {
	rmmod snap || fail "rmmod snap"
}

# Leave the guest as we found it even when a check fails midway. A daemon
# killed with SIGKILL holds /dev/snap (so the module) until the kernel has
# torn down its io_uring: give that up to 5 s.
snap_cleanup() {
	_n=0
	while snap_loaded && ! rmmod snap 2>/dev/null && [ $_n -lt 50 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	return 0
}

# doc_block DOC NAME: the fenced block of the markdown document DOC marked
# <!-- run: TEST NAME -->, as written (doc_blocks.awk; the guest has
# README.md and Documentation/*.md under /snap/doc). Fails (1) when there
# is no such block.
doc_block() {
	awk -v name="$2" -f ./doc_blocks.awk "$1"
}

# ---- control-plane helpers (test_ctrl_*) ----

# The parameters the control-plane tests load with: 2 NVMe PFs (8 MSI-X)
# with 2 VFs each (4 MSI-X), 4 virtio-blk PFs (8 MSI-X). snap_nlraw's setup
# and bad-input table count on exactly these functions.
SNAP_STD_PARAMS="internal_cpu_model=1 sriov_en=1 nvme_emulation_enable=1 \
nvme_emulation_num_pf=2 nvme_emulation_num_msix=8 nvme_emulation_num_vf=2 \
nvme_emulation_num_vf_msix=4 virtio_blk_emulation_enable=1 \
virtio_blk_emulation_num_pf=4 virtio_blk_emulation_num_msix=8"
SNAP_SYSFS=/sys/class/snap/sim0

# snap_virtio_drivers: the stock virtio-pci and virtio-blk drivers loaded.
snap_virtio_drivers() {
	modprobe virtio_pci || fail "modprobe virtio_pci"
	modprobe virtio_blk || fail "modprobe virtio_blk"
}

# snap_virtio_trapping: the loaded module put its virtio functions on the
# bus (without kprobes their registers cannot trap: they stay off it).
snap_virtio_trapping() {
	! dmesg | grep -q 'virtio functions stay off the bus'
}

# snap_need_virtio_trap: skip the test where they stay off the bus.
snap_need_virtio_trap() {
	snap_virtio_trapping || skip "this kernel cannot trap the virtio registers (no kprobes)"
}

snap_load_std() {
	snap_load $SNAP_STD_PARAMS "$@"
	snap_unbind_virtio_pci
}

# A virtio-pci driver registered before the load (a module loaded by an
# earlier test, or built in as in the debug kernel) binds the virtio-blk
# functions as the sim bus adds them, whatever drivers_autoprobe says.
# Tests that want no host driver on them (a bound one keeps
# virtio_blk_controller_modify from changing the MSI-X and queue counts)
# unbind it after the load.
snap_unbind_virtio_pci() {
	_drv=/sys/bus/pci/drivers/virtio-pci
	[ -d $_drv ] || return 0
	for _f in $SNAP_SYSFS/functions/*VBLK*; do
		_b=$(cat "$_f/bdf" 2>/dev/null)
		[ -n "$_b" ] && [ -e "$_drv/$_b" ] && echo "$_b" >$_drv/unbind
	done
	return 0
}

# snap_vblk_bind PF: bind virtio-pci to virtio-blk PF PF; $VBLK_DEV is its
# disk, and VBLK_BDFS collects what snap_vblk_unbind_all unbinds.
snap_vblk_bind() {
	_bdf=$(cat $SNAP_SYSFS/functions/SNAPSIM00000VBLKS1D${1}F0/bdf)
	[ -n "$_bdf" ] || fail "virtio-blk PF $1 has no BDF"
	# virtio_pci, loaded before snap, probed the function at load.
	[ -e "/sys/bus/pci/drivers/virtio-pci/$_bdf" ] ||
		echo "$_bdf" >/sys/bus/pci/drivers/virtio-pci/bind || fail "bind $_bdf"
	VBLK_BDFS="$VBLK_BDFS $_bdf"
	_n=0
	VBLK_DEV=""
	while [ $_n -lt 100 ] && [ -z "$VBLK_DEV" ]; do
		VBLK_DEV=$(ls /sys/bus/pci/devices/$_bdf/virtio*/block 2>/dev/null | head -1)
		[ -n "$VBLK_DEV" ] || usleep 100000
		_n=$((_n + 1))
	done
	[ -n "$VBLK_DEV" ] || { dmesg | tail -20; tail -20 /tmp/svc.log; fail "no disk on $_bdf"; }
	wait_for /sys/block/$VBLK_DEV/size '^[1-9]' 10 || fail "$VBLK_DEV has no capacity"
}

snap_vblk_unbind_all() {
	for _b in $VBLK_BDFS; do
		[ -e "/sys/bus/pci/drivers/virtio-pci/$_b" ] &&
			echo "$_b" >/sys/bus/pci/drivers/virtio-pci/unbind
	done
	VBLK_BDFS=""
}

# The generic netlink family must be there once the module is loaded.
snap_need_family() {
	snap_nlraw family >/dev/null 2>&1 ||
		fail "no generic netlink family \"snap\" after loading the module"
}

# kparam NAME: the value of NAME=VALUE on the kernel command line, where
# the lanes pass parameters to the tests (scripts/check-debug.sh).
kparam() {
	for _w in $(cat /proc/cmdline); do
		case $_w in "$1="*) echo "${_w#*=}" ;; esac
	done
}

# Seconds since boot (10 ms resolution), and seconds elapsed since $1.
uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

elapsed() {
	awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'
}

# Runs a shell command line as user nobody (uid 65534: no capabilities).
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}

# wait_for FILE PATTERN [SECONDS]: until a line of FILE matches the ERE.
wait_for() {
	_n=$(( ${3:-10} * 10 ))
	while [ "$_n" -gt 0 ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}

# wait_for_path PATH [SECONDS]: until PATH exists (default 10 s).
wait_for_path() {
	_n=$(( ${2:-10} * 10 ))
	until [ -e "$1" ]; do
		[ "$_n" -gt 0 ] || return 1
		usleep 100000
		_n=$((_n - 1))
	done
}

# snapadm_has COMMAND...: snapadm exists and knows the command(s).
snapadm_has() {
	command -v snapadm >/dev/null 2>&1 || return 1
	for _c in "$@"; do
		timeout 5 snapadm "$_c" --help 2>&1 | grep -qi "unknown command" && return 1
	done
	return 0
}

# Lists the commands snapadm lacks among the arguments.
snapadm_missing() {
	_m=""
	for _c in "$@"; do
		snapadm_has "$_c" || _m="$_m $_c"
	done
	echo "${_m# }"
}

# JSON without a jq: one line, no blanks around ':' and before ',', '}', ']'.
json_norm() {
	tr -d '\n' <"$1" | sed -e 's/"[[:space:]]*:[[:space:]]*/":/g' \
		-e 's/[[:space:]]*\([],}]\)/\1/g'
}

# json_has FILE KEY VALUE: some "KEY": VALUE (string or number) in FILE.
json_has() {
	json_norm "$1" | grep -qF -e "\"$2\":\"$3\"" -e "\"$2\":$3," \
		-e "\"$2\":$3}" -e "\"$2\":$3]"
}

# json_count FILE KEY: how many times "KEY" appears as a key.
json_count() {
	json_norm "$1" | awk -v k="\"$2\":" '{ n += gsub(k, "") } END { print n + 0 }'
}

# json_param FILE NAME FIELD: FIELD of the object whose "name" is NAME
# (snapadm -j config query); strings lose their quotes, null prints null.
json_param() {
	json_norm "$1" | awk -v p="$2" -v f="$3" 'BEGIN { RS = "}" }
		index($0, "\"name\":\"" p "\"") {
			i = index($0, "\"" f "\":")
			if (!i)
				exit
			s = substr($0, i + length(f) + 3)
			sub(/[,}].*/, "", s)
			gsub(/"/, "", s)
			print s
			exit
		}'
}

# sysfs_read FILE: its content, or <missing>.
sysfs_read() {
	if [ -e "$1" ]; then cat "$1"; else echo "<missing>"; fi
}

# obj_has FILE OBJ ATTR=VALUE...: a line "OBJ ..." of a snap_nlraw dump
# (snapshot, req) carries every one of the ATTR=VALUE words.
obj_has() {
	_f=$1 _o=$2
	shift 2
	awk -v o="$_o" -v want="$*" 'BEGIN { n = split(want, w, " ") }
		$1 == o {
			line = $0 " "
			ok = 1
			for (i = 1; i <= n; i++)
				if (!index(line, " " w[i] " "))
					ok = 0
			if (ok)
				found = 1
		}
		END { exit !found }' "$_f"
}

# snapadm_run ARGS: run snapadm, show the command and its output, fail on error.
snapadm_run() {
	echo "\$ snapadm $*"
	out=$(snapadm "$@" 2>&1) || fail "snapadm $*: $out"
	[ -n "$out" ] && echo "$out" | sed 's/^/  /'
	return 0
}

# ---- data-path helpers (test_sim_03 to test_sim_05) ----

# The test-only PCI driver that plays the host of an emulated function.
SNAP_TESTHOST_KO=/snap/snap_testhost.ko

# The stock nvme driver must not claim the functions these tests drive.
# A module is unloaded; a built-in one (the debug kernel's) probes the
# PFs as the module loads them, so snap_load then takes them back.
snap_no_nvme() {
	if grep -q '^nvme ' /proc/modules; then
		rmmod nvme || fail "cannot unload the nvme driver"
	elif [ -d /sys/bus/pci/drivers/nvme ]; then
		SNAP_UNBIND_NVME=1
	fi
	return 0
}

# After a load under snap_no_nvme with a built-in nvme: unbind it from
# every emulated function until none has been bound for 3 s (its probe
# runs asynchronously and may bind a function after the load returned).
snap_unbind_builtin_nvme() {
	_quiet=0 _n=0
	while [ $_quiet -lt 3 ] && [ $_n -lt 90 ]; do
		_bound=""
		for _f in /sys/class/snap/sim0/functions/*; do
			_b=$(cat "$_f/bdf" 2>/dev/null)
			[ -n "$_b" ] && [ -e "/sys/bus/pci/drivers/nvme/$_b" ] && _bound="$_bound $_b"
		done
		if [ -n "$_bound" ]; then
			for _b in $_bound; do
				echo "$_b" >/sys/bus/pci/drivers/nvme/unbind 2>/dev/null
			done
			_quiet=0
		else
			_quiet=$((_quiet + 1))
		fi
		sleep 1
		_n=$((_n + 1))
	done
}

# snap_testhost_bind BDF: hand the function to snap_testhost. It has no id
# table: driver_override is the only way in, and keeps other drivers out.
snap_testhost_bind() {
	_d=/sys/bus/pci/devices/$1
	grep -q '^snap_testhost ' /proc/modules || insmod $SNAP_TESTHOST_KO ||
		fail "insmod snap_testhost.ko"
	echo snap_testhost >"$_d/driver_override" || fail "driver_override of $1"
	if [ -e "$_d/driver" ]; then
		_cur=$(basename "$(readlink "$_d/driver")")
		[ "$_cur" = snap_testhost ] && return 0
		echo "$1" >"$_d/driver/unbind" || fail "cannot unbind $1 from $_cur"
	fi
	echo "$1" >/sys/bus/pci/drivers/snap_testhost/bind || fail "bind $1 to snap_testhost"
	[ -c /dev/snap_testhost ] || fail "no /dev/snap_testhost after binding $1"
}

# snap_testhost_unbind BDF: undo snap_testhost_bind (safe in cleanups).
snap_testhost_unbind() {
	_d=/sys/bus/pci/devices/$1
	[ -e "$_d/driver" ] && echo "$1" >"$_d/driver/unbind"
	[ -e "$_d/driver_override" ] && echo >"$_d/driver_override"
	grep -q '^snap_testhost ' /proc/modules && rmmod snap_testhost
	return 0
}

# The data-path tests' start: PF 0 of two NVMe PFs (4 MSI-X) with an NVMe
# controller (snapadm nvme_controller_create extra args in "$@"), handed to
# snap_testhost. Sets NQN, VUID, bdf and fid (the function id); pair with
# "trap snap_dp_cleanup EXIT".
snap_dp_setup() {
	NQN=nqn.2023-05.io.nvda.nvme:dp
	VUID=SNAPSIM00000NVMES1D0F0
	bdf=""
	grep -q 1af41110 /proc/bus/pci/devices || skip "no ivshmem-plain device for BAR memory"
	[ -f $SNAP_TESTHOST_KO ] || skip "snap_testhost.ko is not in the guest"
	command -v snap_dptest >/dev/null || skip "snap_dptest is not built"
	_missing=$(snapadm_missing nvme_subsystem_create nvme_controller_create \
		nvme_controller_resume nvme_controller_destroy nvme_subsystem_destroy)
	[ -z "$_missing" ] || skip "snapadm lacks: $_missing"

	snap_no_nvme
	snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
		nvme_emulation_num_msix=4 mempool_size_mb=64
	bdf=$(cat $SNAP_SYSFS/functions/$VUID/bdf)
	fid=$(cat $SNAP_SYSFS/functions/$VUID/vhca_id)
	[ -n "$bdf" ] && [ -n "$fid" ] || fail "$VUID: no bdf or function id in sysfs"
	log "$VUID is $bdf, function id $fid"

	snapadm_run nvme_subsystem_create --nqn $NQN
	snapadm_run nvme_controller_create --nqn $NQN --pf_id 0 --ctrl NVMeCtrl0 "$@"
	snap_testhost_bind "$bdf"
}

snap_dp_cleanup() {
	[ -n "$bdf" ] && snap_testhost_unbind "$bdf"
	if snap_loaded; then
		snapadm nvme_controller_destroy --ctrl NVMeCtrl0 >/dev/null 2>&1
		snapadm nvme_subsystem_destroy --nqn $NQN >/dev/null 2>&1
	fi
	snap_cleanup
}

# tap_summary FILE: "N of M checks failed" for a helper's TAP output.
tap_summary() {
	echo "$(grep -c '^not ok ' "$1") of $(grep -cE '^(not )?ok ' "$1") checks failed"
}

# ---- snap_service helpers (test_nvme_*) ----

# snap_svc_start [ARGS]: snap_service in the background, attached; $SVC_PID.
# SNAP_ATTACH_WAIT: seconds to wait (10; the first attach allocates the
# module's DMA pool, which takes seconds per GiB in a busy TCG guest).
snap_svc_start() {
	SNAP_MEMPOOL_SIZE_MB=${SNAP_MEMPOOL_SIZE_MB:-64} snap_service -l 4 "$@" \
		>>/tmp/svc.log 2>&1 &
	SVC_PID=$!
	wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" "${SNAP_ATTACH_WAIT:-10}" ||
		fail "snap_service did not attach: $(cat /tmp/svc.log)"
}

# snap_scale_batches N TAG CREATE DESTROY: snapadm -b files creating N null
# bdevs TAG<i>, subsystems nqn.2023-05.io.snap:TAG<i> and a namespace each,
# and destroying them in reverse dependency order.
snap_scale_batches() {
	: >"$3"
	: >"$4"
	_i=0
	while [ $_i -lt "$1" ]; do
		_nqn=nqn.2023-05.io.snap:$2$_i
		echo "bdev_null_create $2$_i 1 512" >>"$3"
		echo "nvme_subsystem_create --nqn $_nqn" >>"$3"
		echo "nvme_namespace_create --nqn $_nqn --bdev_name $2$_i --nsid 1" >>"$3"
		echo "nvme_namespace_destroy --nqn $_nqn --nsid 1" >>"$4"
		echo "nvme_subsystem_destroy --nqn $_nqn" >>"$4"
		echo "bdev_null_delete $2$_i" >>"$4"
		_i=$((_i + 1))
	done
}

# jfield FILE NAME: a number from nvme-cli's JSON output.
jfield() {
	grep -o "\"$2\" *: *\"\?[0-9]*" "$1" | head -1 | sed 's/.*: *"\?//'
}

# snap_nvme_ctrl NQN CTRL PF BDEV...: the seed's sequence, one namespace per
# bdev (nsid 1, 2, ...), controller created suspended and then resumed.
snap_nvme_ctrl() {
	_nqn=$1 _ctrl=$2 _pf=$3
	shift 3
	snapadm nvme_subsystem_list 2>/dev/null | grep -q "$_nqn" ||
		snapadm_run nvme_subsystem_create --nqn "$_nqn"
	snapadm_run nvme_controller_create --nqn "$_nqn" --pf_id "$_pf" --ctrl "$_ctrl" --suspended
	_nsid=1
	for _b in "$@"; do
		snapadm_run nvme_namespace_create --nqn "$_nqn" --bdev_name "$_b" --nsid $_nsid
		snapadm_run nvme_controller_attach_ns --ctrl "$_ctrl" --nsid $_nsid
		_nsid=$((_nsid + 1))
	done
	snapadm_run nvme_controller_resume --ctrl "$_ctrl"
}

# nvme_ns_dev CTRL NSID: the block device (nvme0n2) of namespace NSID of
# controller CTRL. The driver names namespaces in the order it finds
# them, and 6.12's scans them in parallel: nvme0n2 need not be nsid 2.
# With native multipath (every Debian kernel) they are named after their
# subsystem: a second controller of a subsystem (a VF's) has nvme0n2 as
# well, so look among the controller's children.
nvme_ns_dev() {
	for _d in /sys/class/nvme/$1/nvme*n*; do
		[ -e "/sys/block/${_d##*/}" ] || continue
		[ "$(cat "$_d/nsid" 2>/dev/null)" = "$2" ] && { echo "${_d##*/}"; return 0; }
	done
	return 1
}

# nvme_ns_wait CTRL NSID: nvme_ns_dev, waiting up to 10 s: the driver
# adds namespaces one by one after the first, and 6.12's in parallel, so
# a bind that saw namespace 1 may not have the others yet.
nvme_ns_wait() {
	_w=100
	until nvme_ns_dev "$1" "$2"; do
		[ $_w -gt 0 ] || return 1
		usleep 100000
		_w=$((_w - 1))
	done
}

# snap_nvme_bind PF: bind the stock nvme driver to NVMe PF PF and wait for
# its namespace 1; NVME_CTRL (nvme0) and NVME_NS (/dev/nvme0n1) tell which.
snap_nvme_bind() {
	_bdf=$(sysfs_read /sys/class/snap/sim0/functions/SNAPSIM00000NVMES1D${1}F0/bdf 2>/dev/null)
	[ -n "$_bdf" ] || fail "NVMe PF $1 has no BDF"
	modprobe nvme 2>/dev/null
	# A built-in nvme (the debug kernel's) probed the function at load and
	# may still be waiting for CSTS.RDY: then it is bound already.
	[ -e "/sys/bus/pci/drivers/nvme/$_bdf" ] ||
		echo "$_bdf" >/sys/bus/pci/drivers/nvme/bind || fail "binding $_bdf to nvme"
	snap_nvme_wait_ns "$_bdf" 30 ||
		{ dmesg | tail -20; tail -20 /tmp/svc.log; fail "no namespace after binding $_bdf"; }
	NVME_BDFS="$NVME_BDFS $_bdf"
}

# snap_nvme_wait_ns BDF SECONDS: until the nvme driver bound to BDF shows
# its first namespace; NVME_CTRL and NVME_NS tell which. Fails (1) after
# SECONDS.
snap_nvme_wait_ns() {
	_n=$(($2 * 10))
	while [ $_n -gt 0 ]; do
		NVME_CTRL=$(ls "/sys/bus/pci/devices/$1/nvme" 2>/dev/null | head -1)
		NVME_NS=/dev/$(nvme_ns_dev "$NVME_CTRL" 1)
		[ -n "$NVME_CTRL" ] && [ -b "$NVME_NS" ] && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}

# snap_fio_verify DEV NAME: a short random-write fio verify on DEV.
snap_fio_verify() {
	fio --name="$2" --filename="$1" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=4k --iodepth=8 --size=4M --verify=crc32c \
		--verify_fatal=1 --output="/tmp/fio.$2" ||
		{ cat "/tmp/fio.$2"; tail -20 /tmp/svc.log; fail "fio verify on $1"; }
	grep -q "err= 0" "/tmp/fio.$2" || { cat "/tmp/fio.$2"; fail "fio reported errors on $1"; }
	log "fio verify on $1: $(grep -o 'IOPS=[^,]*' "/tmp/fio.$2" | tr '\n' ' ')"
}

# ---- hot-plug helpers (test_sim_hotplug_*) ----

# pciehp's own lock order on every hot-add makes lockdep report, and then
# switch itself off for the rest of the run, on any kernel: pciehp's irq
# thread holds the slot's reset_lock and takes the rescan lock, and
# pciehp_configure_device() takes reset_lock again under the rescan lock
# (linux-pci, "lockdep warning in pciehp", 2024-11-11, on 6.12-rc6). A
# test that hot-adds devices turns lockdep's dependency checking off
# while it runs (snap_hotplug_lockdep_off, and _on in its exit trap);
# KASAN, kmemleak and the other debug checks stay on.
SNAP_PROVE_LOCKING=/sys/module/lockdep/parameters/prove_locking

snap_hotplug_lockdep_off() {
	[ -w $SNAP_PROVE_LOCKING ] || return 0
	echo 0 >$SNAP_PROVE_LOCKING
	log "lockdep's dependency checking is off while this test hot-adds devices (pciehp's own report)"
}

snap_hotplug_lockdep_on() {
	[ -w $SNAP_PROVE_LOCKING ] && echo 1 >$SNAP_PROVE_LOCKING
	return 0
}


# json_str TEXT NAME, json_num TEXT NAME: a field of snapadm's JSON output.
json_str() {
	echo "$1" | sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" | head -1
}

json_num() {
	echo "$1" | sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" | head -1
}

# hp_attr VUID ATTR: an attribute of function VUID as func-get returns it
# (hotplug-state: 0 unplugged, 1 plugged, 2 unplug requested, 3 released;
# port; pci-bdf while the host has the device).
hp_attr() {
	snap_nlraw req func-get vuid="$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

# hp_wait VUID ATTR ERE SECONDS: until hp_attr VUID ATTR matches ERE.
hp_wait() {
	_n=$(($4 * 10))
	until hp_attr "$1" "$2" | grep -qE -- "$3"; do
		[ $_n -gt 0 ] || return 1
		usleep 100000
		_n=$((_n - 1))
	done
}

# ---- SR-IOV helpers (test_sim_sriov_*) ----

# snap_sriov_start TYPE NUM_VF VF_MSIX: the module with one PF of TYPE
# (nvme or virtio_blk, 4 MSI-X vectors) carrying NUM_VF VFs of VF_MSIX
# vectors each, and snap_service attached; pair with
# "trap snap_sriov_teardown EXIT".
snap_sriov_start() {
	snap_load internal_cpu_model=1 sriov_en=1 ${1}_emulation_enable=1 \
		${1}_emulation_num_pf=1 ${1}_emulation_num_msix=4 \
		${1}_emulation_num_vf=$2 ${1}_emulation_num_vf_msix=$3 mempool_size_mb=64
	snap_need_family
	snap_svc_start
}

# snap_sriov_pf VUID TOTAL: SRIOV_PF, the sysfs folder of the PF with that
# VUID, whose VFs snap_sriov_teardown disables; fails unless it offers
# TOTAL VFs.
snap_sriov_pf() {
	_bdf=$(sysfs_read $SNAP_SYSFS/functions/$1/bdf)
	SRIOV_PF=/sys/bus/pci/devices/$_bdf
	[ "$(sysfs_read $SRIOV_PF/sriov_totalvfs)" = "$2" ] ||
		fail "$_bdf: sriov_totalvfs reads $(sysfs_read $SRIOV_PF/sriov_totalvfs), want $2"
}

# The VFs go first, while the daemon still serves their controllers'
# shutdown; then what snap_nvme_teardown and snap_vblk_unbind_all undo.
snap_sriov_teardown() {
	[ -n "$SRIOV_PF" ] && echo 0 >"$SRIOV_PF/sriov_numvfs" 2>/dev/null
	SRIOV_PF=""
	snap_vblk_unbind_all
	snap_nvme_teardown
}

# snap_nvme_start PFS [SVC_ARGS...]: the module with PFS NVMe PFs of 4 MSI-X
# vectors and a 64 MiB pool, and snap_service SVC_ARGS attached; pair with
# "trap snap_nvme_teardown EXIT".
snap_nvme_start() {
	snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=$1 \
		nvme_emulation_num_msix=4 mempool_size_mb=64
	shift
	snap_need_family
	snap_svc_start "$@"
}

snap_nvme_teardown() {
	snap_nvme_cleanup
	snap_cleanup
}

# Unbind what snap_nvme_bind bound and stop the daemon (for cleanups).
snap_nvme_cleanup() {
	# A host driver bound with no daemon attached (a test that ended by
	# stopping it) may have sent a command nothing will serve: its
	# unbind would then wait for the driver's timeout and reset, whose
	# path in the stock 6.1 driver makes lockdep report the driver's own
	# lock order. A daemon serves it and the unbind's queue deletions.
	if [ -n "$NVME_BDFS" ] && [ -z "$SVC_PID" ] &&
	   [ "$(cat /sys/class/snap/sim0/daemon_pid 2>/dev/null)" = 0 ]; then
		SNAP_MEMPOOL_SIZE_MB=${SNAP_MEMPOOL_SIZE_MB:-64} snap_service -l 4 \
			>>/tmp/svc.log 2>&1 &
		SVC_PID=$!
		wait_for /sys/class/snap/sim0/daemon_pid "^$SVC_PID\$" 10
	fi
	for _b in $NVME_BDFS; do
		[ -e "/sys/bus/pci/drivers/nvme/$_b" ] && echo "$_b" >/sys/bus/pci/drivers/nvme/unbind
	done
	NVME_BDFS=""
	[ -n "$SVC_PID" ] && kill "$SVC_PID" 2>/dev/null
	wait 2>/dev/null
	SVC_PID=""
	# The module may be unloaded once the daemon has let go of /dev/snap.
	[ -e /sys/class/snap/sim0/daemon_pid ] &&
		wait_for /sys/class/snap/sim0/daemon_pid '^0$' 10
	return 0
}
