#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed inputs for fuzz_virtio_chain: well-formed virtio-blk requests of
every type, direct and indirect (see the input layout at the top of
fuzz_virtio_chain.c), so that fuzzing starts from chains that reach every
request handler. Usage: fuzz_virtio_chain_seeds.py DIR"""
import os
import struct
import sys

NEXT, WRITE, INDIRECT = 1, 2, 4
HDR, STATUS, RANGES, ITAB, DATA = 0x400, 0x410, 0x420, 0x300, 0x1000
MEM = 0x500                     # bytes of host memory in each seed

RING_INDIRECT, RING_EVENT_IDX, RING_LEGACY, FAIL_IO = 1, 2, 4, 8
BLK_SIZE_MAX, BLK_DISCARD, BLK_WZ, BLK_RO, BLK_4K = 1, 2, 4, 8, 16


def params(qs_log2=4, ring=RING_INDIRECT, blk=BLK_DISCARD | BLK_WZ,
           seg_max=8, head=0, size_max=0x1000):
    return struct.pack('<BBBBBHBHHHB', qs_log2, ring, blk, seg_max - 1, 0,
                       size_max, 0x33, 0, 0, head, 0) + b'\0'


def descs(chain):
    """chain: (addr, len, flags) linked in order from entry 0."""
    out = b''
    for i, (addr, length, flags) in enumerate(chain):
        nxt = NEXT if i + 1 < len(chain) else 0
        out += struct.pack('<QIHH', addr, length, flags | nxt, i + 1)
    return out


def hdr(typ, sector=0):
    return struct.pack('<IIQ', typ, 0, sector)


def mem(table, extra):
    m = bytearray(MEM)
    m[0:len(table)] = table
    for off, blob in extra:
        m[off:off + len(blob)] = blob
    return bytes(m)


def req(typ, data_flags, data_len=512, sector=0, ring=RING_INDIRECT,
        blk=BLK_DISCARD | BLK_WZ, ranges=b''):
    chain = [(HDR, 16, 0)]
    if ranges:
        chain.append((RANGES, len(ranges), 0))
    elif data_len:
        chain.append((DATA, data_len, data_flags))
    chain.append((STATUS, 1, WRITE))
    return params(ring=ring, blk=blk) + mem(
        descs(chain), [(HDR, hdr(typ, sector)), (RANGES, ranges)])


def rng(sector, n, flags=0):
    return struct.pack('<QII', sector, n, flags)


indirect_table = descs([(HDR, 16, 0), (DATA, 4096, WRITE), (STATUS, 1, WRITE)])
seeds = {
    'read': req(0, WRITE, 4096, 8),
    'write': req(1, 0, 1024, 16),
    'flush': req(4, 0, 0),
    'get_id': req(8, WRITE, 20),
    'get_id_short': req(8, WRITE, 7),
    'discard': req(11, 0, ranges=rng(0, 8) + rng(64, 8)),
    'write_zeroes': req(13, 0, ranges=rng(8, 8, 1) + rng(128, 16)),
    'unsupported': req(14, 0, 0),
    'read_only_write': req(1, 0, 512, blk=BLK_RO),
    'legacy_event_idx': req(0, WRITE, 512, ring=RING_EVENT_IDX | RING_LEGACY),
    'read_4k_blocks': req(0, WRITE, 4096, 8, blk=BLK_4K),
    'indirect': params() + mem(struct.pack('<QIHH', ITAB, 48, INDIRECT, 0),
                               [(ITAB, indirect_table), (HDR, hdr(0, 8))]),
    'direct_then_indirect': params() + mem(
        descs([(HDR, 16, 0), (ITAB, 32, INDIRECT)]),
        [(ITAB, descs([(DATA, 512, WRITE), (STATUS, 1, WRITE)])),
         (HDR, hdr(0, 0))]),
    'any_layout': params() + mem(
        descs([(HDR, 16 + 512, 0), (STATUS, 1, WRITE)]), [(HDR, hdr(1, 0))]),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'seed-' + name), 'wb') as f:
        f.write(data)
