#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every module parameter at its range edges loads (the maximum set makes 8518 functions); each value just outside its range, and each broken rule between parameters, refuses the load with its own log line.
. ./lib.sh
trap snap_cleanup EXIT

MIN="internal_cpu_model=0 sriov_en=0 pci_switch_emulation_enable=0 \
pci_switch_emulation_num_port=0 nvme_emulation_enable=0 nvme_emulation_num_pf=0 \
nvme_emulation_num_msix=0 nvme_emulation_num_vf_msix=0 nvme_emulation_num_vf=0 \
nvme_emulation_max_queue_depth=0 virtio_blk_emulation_enable=0 \
virtio_blk_emulation_num_pf=0 virtio_blk_emulation_num_msix=0 \
virtio_blk_emulation_num_vf_msix=0 virtio_blk_emulation_num_vf=0 mempool_size_mb=64"
MAX="internal_cpu_model=1 sriov_en=1 pci_switch_emulation_enable=1 \
pci_switch_emulation_num_port=32 nvme_emulation_enable=1 nvme_emulation_num_pf=2 \
nvme_emulation_num_msix=63 nvme_emulation_num_vf_msix=4095 nvme_emulation_num_vf=256 \
nvme_emulation_max_queue_depth=12 virtio_blk_emulation_enable=1 \
virtio_blk_emulation_num_pf=4 virtio_blk_emulation_num_msix=63 \
virtio_blk_emulation_num_vf_msix=4095 virtio_blk_emulation_num_vf=2000 \
mempool_size_mb=1048576"

# Every parameter reads back as given.
check_params() {
	for kv in $1; do
		v=$(cat /sys/module/snap/parameters/${kv%%=*} 2>/dev/null)
		[ "$v" = "${kv#*=}" ] || fail "$2: ${kv%%=*} reads '$v', loaded with ${kv#*=}"
	done
}

# The minimum of every parameter.
snap_load $MIN
check_params "$MIN" "minimum set"
if [ -d $SNAP_SYSFS ]; then
	[ "$(sysfs_read $SNAP_SYSFS/num_functions)" = 0 ] ||
		fail "minimum set: $(sysfs_read $SNAP_SYSFS/num_functions) functions, expected 0"
fi
snap_unload
log "minimum set: loaded, parameters read back, no functions"

# The maximum of every parameter: 2 + 4 PFs, 2*256 + 4*2000 = 8512 VFs.
t0=$(uptime_s)
snap_load $MAX
log "# maximum set loaded in $(elapsed "$t0") s"
check_params "$MAX" "maximum set"
[ -d $SNAP_SYSFS ] || fail "maximum set: no $SNAP_SYSFS"
n=$(sysfs_read $SNAP_SYSFS/num_functions)
[ "$n" = 8518 ] || fail "maximum set: num_functions is '$n', expected 8518 (6 PFs + 8512 VFs)"
n=$(ls $SNAP_SYSFS/functions | wc -l)
[ "$n" = 8518 ] || fail "maximum set: $n folders in functions/, expected 8518"
snap_nlraw snapshot >/tmp/params.snap || fail "maximum set: snapshot failed"
n=$(grep -c '^func ' /tmp/params.snap)
[ "$n" = 8518 ] || fail "maximum set: func-get dump lists $n functions, expected 8518"
nvf=$(grep '^func ' /tmp/params.snap | grep -c ' vf-id=')
[ "$nvf" = 8512 ] || fail "maximum set: $nvf VFs in the dump, expected 8512"
for v in SNAPSIM00000NVMES1D1F256 SNAPSIM00000VBLKS1D3F2000 SNAPSIM00000VBLKS1D0F0; do
	[ -d $SNAP_SYSFS/functions/$v ] || fail "maximum set: no function $v"
done
[ "$(cat $SNAP_SYSFS/functions/SNAPSIM00000NVMES1D1F256/num_msix)" = 4095 ] ||
	fail "maximum set: NVMe VF num_msix is not 4095"
grep -q '^emu .* max-queue-size=4096\( \|$\)' /tmp/params.snap ||
	fail "maximum set: emu max-queue-size is not 4096 (2^12): $(grep '^emu' /tmp/params.snap)"
if snapadm_has emulation_function_list; then
	# As in SNAP-4: the PFs, and with --all their VFs too.
	snapadm -j emulation_function_list >/tmp/params.efl 2>&1 ||
		fail "maximum set: snapadm emulation_function_list failed: $(head -c 300 /tmp/params.efl)"
	n=$(json_count /tmp/params.efl vuid)
	[ "$n" = 6 ] || fail "maximum set: snapadm -j emulation_function_list shows $n vuids, expected the 6 PFs"
	snapadm -j emulation_function_list --all >/tmp/params.efl 2>&1 ||
		fail "maximum set: snapadm emulation_function_list --all failed: $(head -c 300 /tmp/params.efl)"
	n=$(json_count /tmp/params.efl vuid)
	[ "$n" = 8518 ] || fail "maximum set: snapadm -j emulation_function_list --all shows $n vuids, expected 8518"
	log "snapadm -j emulation_function_list: 6 PFs, with --all 8518 functions"
else
	log "snapadm lacks emulation_function_list: its count is not checked"
fi
t0=$(uptime_s)
snap_unload
log "# maximum set unloaded in $(elapsed "$t0") s"
[ -e /sys/class/snap ] && fail "maximum set: /sys/class/snap still there after rmmod"

# refused WHAT MESSAGE PARAMS...: insmod fails and logs exactly that line.
refused() {
	what=$1 msg=$2
	shift 2
	dmesg -c >/dev/null
	insmod $SNAP_KO "$@" 2>/dev/null && fail "$what: accepted ($*)"
	snap_loaded && fail "$what: snap loaded after a refused insmod"
	dmesg | grep -qF "snap: refusing to load: $msg" ||
		fail "$what: no line 'snap: refusing to load: $msg' in: $(dmesg | grep snap | tail -n 3)"
	# One line per load attempt; busybox insmod makes two (finit_module,
	# then init_module), so count the distinct lines.
	[ "$(dmesg | grep 'snap: refusing to load' | sed 's/^\[[^]]*\] //' | sort -u | wc -l)" = 1 ] ||
		fail "$what: more than one distinct refusal line: $(dmesg | grep 'snap: refusing')"
	log "refused: $msg"
}

# The maximum set with one parameter just past its edge.
with() {	# with PARAM=VALUE: $MAX with PARAM replaced
	echo " $MAX " | sed "s/ ${1%%=*}=[0-9]* / $1 /"
}
for case in "internal_cpu_model=2 [0-1]" "sriov_en=2 [0-1]" \
	"pci_switch_emulation_enable=2 [0-1]" \
	"pci_switch_emulation_num_port=33 [0,2-32]" "pci_switch_emulation_num_port=1 [0,2-32]" \
	"nvme_emulation_enable=2 [0-1]" "nvme_emulation_num_pf=3 [0-2]" \
	"nvme_emulation_num_msix=64 [0-63]" "nvme_emulation_num_vf_msix=4096 [0-4095]" \
	"nvme_emulation_num_vf=257 [0-256]" "nvme_emulation_max_queue_depth=13 [0-12]" \
	"virtio_blk_emulation_enable=2 [0-1]" "virtio_blk_emulation_num_pf=5 [0-4]" \
	"virtio_blk_emulation_num_msix=64 [0-63]" \
	"virtio_blk_emulation_num_vf_msix=4096 [0-4095]" \
	"virtio_blk_emulation_num_vf=2001 [0-2000]" \
	"mempool_size_mb=63 [64-1048576]" "mempool_size_mb=1048577 [64-1048576]"; do
	kv=${case% *} range=${case#* }
	refused "$kv" "$kv out of range $range" $(with "$kv")
done

# Rules between parameters, each broken with the others valid.
refused "NVMe VFs without SR-IOV" "nvme_emulation_num_vf=4 requires sriov_en=1" \
	internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 nvme_emulation_num_vf=4
refused "virtio-blk VFs without SR-IOV" "virtio_blk_emulation_num_vf=4 requires sriov_en=1" \
	internal_cpu_model=1 virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=1 \
	virtio_blk_emulation_num_vf=4
refused "NVMe without internal_cpu_model" "nvme_emulation_enable=1 requires internal_cpu_model=1" \
	nvme_emulation_enable=1 nvme_emulation_num_pf=1
refused "virtio-blk without internal_cpu_model" \
	"virtio_blk_emulation_enable=1 requires internal_cpu_model=1" \
	virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=1
refused "PCIe switch without internal_cpu_model" \
	"pci_switch_emulation_enable=1 requires internal_cpu_model=1" \
	pci_switch_emulation_enable=1 pci_switch_emulation_num_port=4
refused "switch ports without the switch" \
	"pci_switch_emulation_num_port=4 requires pci_switch_emulation_enable=1" \
	internal_cpu_model=1 pci_switch_emulation_num_port=4
refused "NVMe PFs without NVMe" "nvme_emulation_num_pf=1 requires nvme_emulation_enable=1" \
	internal_cpu_model=1 nvme_emulation_num_pf=1
refused "virtio-blk PFs without virtio-blk" \
	"virtio_blk_emulation_num_pf=2 requires virtio_blk_emulation_enable=1" \
	internal_cpu_model=1 virtio_blk_emulation_num_pf=2
refused "NVMe VFs without NVMe" "nvme_emulation_num_vf=2 requires nvme_emulation_enable=1" \
	internal_cpu_model=1 sriov_en=1 nvme_emulation_num_vf=2
refused "virtio-blk VFs without virtio-blk" \
	"virtio_blk_emulation_num_vf=2 requires virtio_blk_emulation_enable=1" \
	internal_cpu_model=1 sriov_en=1 virtio_blk_emulation_num_vf=2

# Values the kernel cannot parse as unsigned: refused by the module loader.
for kv in nvme_emulation_num_pf=abc nvme_emulation_num_pf=-1 mempool_size_mb=4294967296; do
	dmesg -c >/dev/null
	insmod $SNAP_KO "$kv" 2>/dev/null && fail "$kv: accepted"
	snap_loaded && fail "$kv: snap loaded"
	log "refused: $kv ($(dmesg | grep -m1 snap))"
done
exit $KSFT_PASS
