#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Memory the module pins is bounded by RAM: malloc bdevs together may take at most half of it (a bigger one is refused by bdev_malloc_create with a message, a smaller one still works), and the DMA pool, loaded larger than RAM, stops growing at half of RAM with ENOMEM.
. ./lib.sh

trap snap_cleanup EXIT
command -v snap_dptest >/dev/null || skip "snap_dptest is not built"

ram_mb=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))
snap_load internal_cpu_model=1 nvme_emulation_enable=1 nvme_emulation_num_pf=1 \
	mempool_size_mb=$((ram_mb * 2))
snap_need_family

half=$((ram_mb / 2))
out=$(snapadm bdev_malloc_create $((half + 16)) 4096 -b Big0 2>&1) &&
	fail "a $((half + 16)) MiB malloc bdev in $ram_mb MiB of RAM was accepted"
echo "$out" | grep -q "at most half of RAM" || fail "refusal without the reason: $out"
log "refused: $out"
snapadm_run bdev_malloc_create $((half / 2)) 4096 -b Half0
out=$(snapadm bdev_malloc_create $((half / 2 + 16)) 4096 -b Half1 2>&1) &&
	fail "malloc bdevs of $((half + 16)) MiB together were accepted"
log "refused: $out"
snapadm_run bdev_malloc_delete Half0
snapadm_run bdev_malloc_create $((half / 2 + 16)) 4096 -b Half1

snap_dptest pool-limit >/tmp/pool_limit.tap 2>&1
rc=$?
cat /tmp/pool_limit.tap
[ "$rc" -eq 0 ] || fail "snap_dptest pool-limit: $(tap_summary /tmp/pool_limit.tap)"
snapadm_run bdev_malloc_delete Half1
snap_unload
exit 0
