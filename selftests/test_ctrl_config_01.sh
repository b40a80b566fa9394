#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snapadm config query shows each parameter's default, current (loaded) and next (modprobe.d) value, config set changes only the next one, takes values as the kernel reads them (0x hex) and refuses what the module would, and a reload makes next current.
. ./lib.sh
trap snap_cleanup EXIT

snapadm_has config || skip "snapadm has no 'config' command"
export SNAP_KO=$SNAP_KO SNAP_MODPROBE_D=/tmp/snap-modprobe.d
rm -rf $SNAP_MODPROBE_D
mkdir -p $SNAP_MODPROBE_D

q() {	# q FILE: snapadm -j config query into FILE
	snapadm -j config query >"$1" 2>&1 || fail "snapadm -j config query: $(cat "$1")"
}
expect() {	# expect FILE PARAM FIELD VALUE
	v=$(json_param "$1" "$2" "$3")
	[ "$v" = "$4" ] || fail "config query: $2 $3 is '$v', expected '$4'"
}

# Not loaded: defaults from modinfo, no current value.
q /tmp/cfg.0
expect /tmp/cfg.0 mempool_size_mb default 1024
expect /tmp/cfg.0 nvme_emulation_num_msix default 0
expect /tmp/cfg.0 nvme_emulation_num_msix next 0
cur=$(json_param /tmp/cfg.0 nvme_emulation_num_msix current)
[ "$cur" = null ] || [ -z "$cur" ] || fail "config query: current '$cur' with the module not loaded"
n=$(json_count /tmp/cfg.0 name)
[ "$n" = 19 ] ||
	fail "config query lists $n parameters, expected 19 (16 firmware, 2 sim window, rpc_log)"
expect /tmp/cfg.0 rpc_log default 0

snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 nvme_emulation_num_msix=8
q /tmp/cfg.1
expect /tmp/cfg.1 nvme_emulation_num_msix default 0
expect /tmp/cfg.1 nvme_emulation_num_msix current 8
expect /tmp/cfg.1 nvme_emulation_num_msix next 0
expect /tmp/cfg.1 internal_cpu_model current 1
expect /tmp/cfg.1 mempool_size_mb current 1024
log "loaded: nvme_emulation_num_msix default 0 current 8 next 0"

# set writes the next configuration only.
for kv in internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=2 nvme_emulation_num_msix=16; do
	out=$(snapadm config set $kv 2>&1) || fail "snapadm config set $kv: $out"
done
q /tmp/cfg.2
expect /tmp/cfg.2 nvme_emulation_num_msix default 0
expect /tmp/cfg.2 nvme_emulation_num_msix current 8
expect /tmp/cfg.2 nvme_emulation_num_msix next 16
expect /tmp/cfg.2 nvme_emulation_num_pf current 1
expect /tmp/cfg.2 nvme_emulation_num_pf next 2
expect /tmp/cfg.2 mempool_size_mb next 1024
[ "$(cat /sys/module/snap/parameters/nvme_emulation_num_msix)" = 8 ] || fail "config set changed the loaded module"
grep -h '^options snap ' $SNAP_MODPROBE_D/*.conf | grep -q 'nvme_emulation_num_msix=16' ||
	fail "no 'options snap ... nvme_emulation_num_msix=16' in $SNAP_MODPROBE_D: $(cat $SNAP_MODPROBE_D/* 2>/dev/null)"
log "after set: nvme_emulation_num_msix default 0 current 8 next 16"

# What the module would refuse is refused here, and next stays.
for kv in nvme_emulation_num_msix=64 nvme_emulation_num_pf=3 pci_switch_emulation_num_port=1 \
	mempool_size_mb=63 no_such_param=1 nvme_emulation_num_msix=abc; do
	out=$(snapadm config set $kv 2>&1) && fail "snapadm config set $kv was accepted"
	log "refused: config set $kv: $out"
done
q /tmp/cfg.3
expect /tmp/cfg.3 nvme_emulation_num_msix next 16
expect /tmp/cfg.3 nvme_emulation_num_pf next 2

# Values as the kernel reads them (base 0): 0x10 is written as given, is
# 16 to the query and, after the reload below, to the module. Past a
# range in hex is refused as in decimal; a ulong parameter (modinfo
# parmtype) takes 64 bits, as sim_mem_start above 4 GiB needs.
out=$(snapadm config set nvme_emulation_num_msix=0x10 2>&1) ||
	fail "snapadm config set nvme_emulation_num_msix=0x10: $out"
grep -h '^options snap ' $SNAP_MODPROBE_D/*.conf | grep -q 'nvme_emulation_num_msix=0x10' ||
	fail "no 'nvme_emulation_num_msix=0x10' in $SNAP_MODPROBE_D: $(cat $SNAP_MODPROBE_D/*)"
q /tmp/cfg.hex
expect /tmp/cfg.hex nvme_emulation_num_msix next 16
for kv in nvme_emulation_num_msix=0x40 nvme_emulation_num_pf=0x3 nvme_emulation_num_msix=0x \
	internal_cpu_model=0x1g; do
	out=$(snapadm config set $kv 2>&1) && fail "snapadm config set $kv was accepted"
	log "refused: config set $kv: $out"
done
mkdir -p /tmp/snap-modprobe-hex.d
out=$(SNAP_MODPROBE_D=/tmp/snap-modprobe-hex.d snapadm config set \
	sim_mem_start=0x170000000 sim_mem_size=0x4000000 2>&1) ||
	fail "snapadm config set sim_mem_start=0x170000000 sim_mem_size=0x4000000: $out"
grep -qx 'options snap sim_mem_start=0x170000000 sim_mem_size=0x4000000' \
	/tmp/snap-modprobe-hex.d/snap.conf || fail "hex sim window not written: $(cat /tmp/snap-modprobe-hex.d/snap.conf)"
log "hex: nvme_emulation_num_msix=0x10 next 16, sim_mem_start=0x170000000 accepted"

# The power cycle: reload with what modprobe.d gives.
snap_unload
opts=$(sed -n 's/^options snap //p' $SNAP_MODPROBE_D/*.conf | tr '\n' ' ')
log "reload with: $opts"
snap_load $opts
q /tmp/cfg.4
expect /tmp/cfg.4 nvme_emulation_num_msix current 16  # loaded from 0x10
expect /tmp/cfg.4 nvme_emulation_num_msix next 16
expect /tmp/cfg.4 nvme_emulation_num_pf current 2
expect /tmp/cfg.4 nvme_emulation_num_msix default 0
snapadm config query >/tmp/cfg.txt 2>&1 || fail "snapadm config query (text): $(cat /tmp/cfg.txt)"
grep -q nvme_emulation_num_msix /tmp/cfg.txt || fail "config query text does not list nvme_emulation_num_msix"
log "after reload: nvme_emulation_num_msix current 16 next 16"
snap_unload
exit $KSFT_PASS
