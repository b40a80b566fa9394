#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Malformed commands from the host through nvme-cli's passthru get the NVMe status the spec asks for (invalid opcode, invalid namespace, LBA out of range, invalid field, PRPs pointing at no RAM), and the daemon keeps serving.
. ./lib.sh

trap snap_nvme_teardown EXIT

snap_nvme_start 1
snapadm_run bdev_malloc_create 16 4096 -b Malloc0
snap_nvme_ctrl nqn.2023-05.io.nvda.nvme:0 NVMeCtrl0 0 Malloc0
snap_nvme_bind 0
C=/dev/$NVME_CTRL

# expect_status WHAT HEX CMD...: CMD must fail with NVMe status HEX (DNR included).
expect_status() {
	_what=$1 _want=$2
	shift 2
	"$@" >/tmp/pt 2>&1 && fail "$_what: succeeded: $(cat /tmp/pt)"
	grep -qi "($_want)" /tmp/pt || fail "$_what: want status $_want, got: $(cat /tmp/pt)"
	log "$_what: $(grep -io 'NVMe status: [^:]*' /tmp/pt | head -1) ($_want)"
}

expect_status "admin opcode 0xff" 0x4001 \
	nvme admin-passthru "$C" --opcode=0xff
expect_status "I/O opcode 0x7f" 0x4001 \
	nvme io-passthru "$C" --opcode=0x7f --namespace-id=1
# (The host driver refuses I/O passthru naming another namespace itself.)
expect_status "identify namespace 0x12345" 0x400b \
	nvme admin-passthru "$C" --opcode=0x06 --namespace-id=0x12345 --cdw10=0 \
	--data-len=4096 --read
expect_status "read past the end" 0x4080 \
	nvme io-passthru "$C" --opcode=0x02 --namespace-id=1 --data-len=4096 --read \
	--cdw10=4096
expect_status "read of 2 blocks from the last one" 0x4080 \
	nvme io-passthru "$C" --opcode=0x02 --namespace-id=1 --data-len=8192 --read \
	--cdw10=4095 --cdw12=1
expect_status "identify with reserved CNS 0xff" 0x4002 \
	nvme admin-passthru "$C" --opcode=0x06 --cdw10=0xff --data-len=4096 --read
expect_status "get log page 0xbf" 0x4109 \
	nvme admin-passthru "$C" --opcode=0x02 --cdw10=0x00ff00bf --data-len=1024 --read
# PRPs the driver did not build: passthru without a data buffer leaves
# PRP1 = PRP2 = 0, and page 0 is no RAM the function may reach, so the
# transfer fails (Data Transfer Error, retryable) and nothing else does.
grep -q '^00000000-00000fff : Reserved' /proc/iomem ||
	fail "page 0 is not reserved here: $(head -3 /proc/iomem)"
expect_status "read of 1 block into PRP1 = 0" 0x4 \
	nvme io-passthru "$C" --opcode=0x02 --namespace-id=1 --cdw10=5 --read
expect_status "write of 1 block from PRP1 = 0" 0x4 \
	nvme io-passthru "$C" --opcode=0x01 --namespace-id=1 --cdw10=5 --write
expect_status "read of 4 blocks through a PRP list at 0" 0x4 \
	nvme io-passthru "$C" --opcode=0x02 --namespace-id=1 --cdw10=5 --cdw12=3 --read

# Still serving: data goes in and comes back.
dd if=/dev/urandom of=/tmp/p bs=4096 count=8 2>/dev/null
dd if=/tmp/p of="$NVME_NS" bs=4096 seek=3 oflag=direct 2>/dev/null || fail "write after the bad commands"
dd if="$NVME_NS" of=/tmp/b bs=4096 skip=3 count=8 iflag=direct 2>/dev/null
cmp /tmp/p /tmp/b || fail "read back after the bad commands differs"
kill -0 "$SVC_PID" || fail "snap_service died"
dmesg | grep -q "nvme nvme0: resetting" && fail "the host reset the controller"
exit 0
