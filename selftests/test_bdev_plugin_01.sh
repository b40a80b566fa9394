#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The seed's custom-bdev sequence with snapadm in place of the rpc scripts: the passthru plugin (SNAP_PLUGINS, as SNAP_LD_PRELOAD) stacks TestPT on Malloc0, an NVMe namespace on TestPT passes fio verify, the data lands in Malloc0, a killed daemon reopens TestPT by itself, broken plugins are refused with their reason while the daemon keeps serving, and a daemon without the plugin reports why TestPT is not ready.
. ./lib.sh

trap snap_nvme_teardown EXIT

NQN=nqn.2023-05.io.nvda.nvme:0
TP=/usr/lib/snap/test-plugins
[ -f /usr/lib/snap/plugins/passthru.so ] || skip "no passthru plugin in the image"

# The daemon loads passthru by name from the environment; the broken
# plugins on its command line are refused and cost nothing else.
export SNAP_PLUGINS=passthru
snap_nvme_start 1 --plugin $TP/bad_abi.so \
	--plugin $TP/undefined_symbol.so --plugin $TP/no_entry.so
grep -q "plugin passthru 1.0 from /usr/lib/snap/plugins/passthru.so, bdev types: ext_passthru" \
	/tmp/svc.log || fail "passthru not loaded: $(cat /tmp/svc.log)"
for why in "plugin ABI version 2, this program speaks 1" \
	"undefined symbol: snap_test_symbol_nobody_defines" "no snap_plugin_entry symbol"; do
	grep -q "$why.*not loaded" /tmp/svc.log || fail "daemon log lacks '$why': $(cat /tmp/svc.log)"
done
log "daemon: passthru loaded; bad ABI, undefined symbol and no entry refused"

# snapadm refuses a broken plugin with its reason and exit status 1.
unset SNAP_PLUGINS
out=$(snapadm --plugin $TP/bad_abi.so bdev_list 2>&1)
[ $? -eq 1 ] || fail "snapadm --plugin bad_abi.so: exit status not 1: $out"
echo "$out" | grep -q "plugin ABI version 2" || fail "snapadm --plugin bad_abi.so: '$out'"
# Without the plugin snapadm has no such command.
snapadm construct_ext_passthru_bdev -b Malloc0 -p TestPT >/dev/null 2>&1 &&
	fail "construct_ext_passthru_bdev ran without the plugin"

# The seed's sequence (SNAP's appendix, "custom bdev") as
# Documentation/plugins.md gives it, SNAP_PLUGINS playing SPDK_RPC_PLUGIN.
doc_block /snap/doc/Documentation/plugins.md plugin-seed >/tmp/plugin-seed.sh ||
	fail "Documentation/plugins.md has no block plugin-seed"
sh -ex /tmp/plugin-seed.sh || fail "the documented sequence failed"
export SNAP_PLUGINS=passthru
snapadm -j bdev_list -b TestPT >/tmp/pt.json || fail "bdev_list -b TestPT"
[ "$(json_param /tmp/pt.json TestPT type)" = plugin ] || fail "TestPT type: $(cat /tmp/pt.json)"
[ "$(json_param /tmp/pt.json TestPT bdev_args)" = "ext_passthru base=Malloc0" ] ||
	fail "TestPT definition: $(cat /tmp/pt.json)"
[ "$(json_param /tmp/pt.json TestPT block_size)" = 4096 ] &&
	[ "$(json_param /tmp/pt.json TestPT num_blocks)" = 8192 ] ||
	fail "TestPT does not take Malloc0's geometry: $(cat /tmp/pt.json)"
wait_for_ready() {
	_n=50
	while [ $_n -gt 0 ]; do
		snapadm -j bdev_list -b TestPT >/tmp/pt.json 2>&1
		[ "$(json_param /tmp/pt.json TestPT ready)" = true ] && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	fail "TestPT not ready: $(cat /tmp/pt.json) $(tail -5 /tmp/svc.log)"
}
wait_for_ready
log "TestPT: plugin bdev 'ext_passthru base=Malloc0', 8192 blocks of 4096, ready"

# The plugin's delete takes only its own bdevs.
out=$(snapadm delete_ext_passthru_bdev Malloc0 2>&1) && fail "delete_ext_passthru_bdev Malloc0 ran"
echo "$out" | grep -q "Malloc0 is a malloc bdev, not a plugin bdev" ||
	fail "delete_ext_passthru_bdev Malloc0: '$out'"

snap_nvme_bind 0
snap_fio_verify "$NVME_NS" plugin
grep -q "ext_passthru TestPT on Malloc0" /tmp/svc.log || fail "the daemon did not open TestPT"

# A marker through TestPT at 8 MiB (past fio's 4 MiB), read back after a
# kill -9: the new
# daemon reopens TestPT from the module's definition by itself.
dd if=/dev/urandom of=/tmp/marker bs=4096 count=4 2>/dev/null
dd if=/tmp/marker of="$NVME_NS" bs=4096 seek=2048 count=4 oflag=direct 2>/dev/null ||
	fail "writing the marker"
kill -9 "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
snap_svc_start
wait_for_ready
dd if="$NVME_NS" of=/tmp/marker.back bs=4096 skip=2048 count=4 iflag=direct 2>/dev/null ||
	fail "reading the marker after the restart"
cmp -s /tmp/marker /tmp/marker.back || fail "the marker changed across the restart"
snap_fio_verify "$NVME_NS" plugin-after-kill
log "kill -9: a new daemon reopened TestPT, the marker read back, fio verify passed"

# A daemon without the plugin keeps serving and says why TestPT is not.
echo "$NVME_BDFS" | tr ' ' '\n' | while read -r b; do
	[ -n "$b" ] && echo "$b" >/sys/bus/pci/drivers/nvme/unbind
done
NVME_BDFS=""
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
unset SNAP_PLUGINS
snap_svc_start
snapadm_run bdev_null_create Null1 8 512
_n=50
while [ $_n -gt 0 ]; do
	snapadm -j bdev_list >/tmp/all.json 2>&1
	[ "$(json_param /tmp/all.json Null1 ready)" = true ] &&
		json_param /tmp/all.json TestPT error | grep -q "no loaded plugin" && break
	usleep 100000
	_n=$((_n - 1))
done
json_param /tmp/all.json TestPT error |
	grep -q "no loaded plugin provides bdev type ext_passthru" ||
	fail "TestPT's error without the plugin: $(cat /tmp/all.json)"
[ "$(json_param /tmp/all.json TestPT ready)" = false ] || fail "TestPT ready without its plugin"
[ "$(json_param /tmp/all.json Null1 ready)" = true ] ||
	fail "the daemon stopped serving: $(cat /tmp/all.json)"
kill -0 "$SVC_PID" || fail "the daemon died"
log "without the plugin: TestPT not ready ('no loaded plugin provides bdev type ext_passthru'), Null1 served"

# The data went to Malloc0: the marker is there with TestPT gone.
snapadm_run nvme_controller_suspend --ctrl NVMeCtrl0
snapadm_run nvme_controller_detach_ns --ctrl NVMeCtrl0 --nsid 1
snapadm_run nvme_namespace_destroy --nqn $NQN --nsid 1
snapadm_run --plugin passthru delete_ext_passthru_bdev TestPT
snapadm_run nvme_namespace_create --nqn $NQN --bdev_name Malloc0 --nsid 1
snapadm_run nvme_controller_attach_ns --ctrl NVMeCtrl0 --nsid 1
snapadm_run nvme_controller_resume --ctrl NVMeCtrl0
snap_nvme_bind 0
dd if="$NVME_NS" of=/tmp/marker.malloc bs=4096 skip=2048 count=4 iflag=direct 2>/dev/null ||
	fail "reading the marker from Malloc0"
cmp -s /tmp/marker /tmp/marker.malloc || fail "the marker written through TestPT is not in Malloc0"
log "the marker written through TestPT reads back from Malloc0 itself"
exit 0
