#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo shown by `make demo`: each step prints what it runs.
. ./lib.sh
trap snap_cleanup EXIT

run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}

run uname -r
run insmod $SNAP_KO internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	nvme_emulation_num_msix=8 virtio_blk_emulation_enable=1 virtio_blk_emulation_num_pf=1
run sh -c 'grep snap /proc/modules'
run sh -c 'cd /sys/module/snap/parameters && grep . *'
run sh -c 'dmesg | grep "snap:"'
run snapadm version
run snapadm -j version
run nvme version
run sh -c 'fio --version'
run lspci -nn
run rmmod snap
run sh -c 'dmesg | grep "snap:" | tail -n 1'
