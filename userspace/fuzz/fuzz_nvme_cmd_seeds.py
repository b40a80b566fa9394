#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed inputs for fuzz_nvme_cmd: short programs of valid commands (see the
step encoding at the top of fuzz_nvme_cmd.c), so that fuzzing starts from
inputs that reach every command handler. Usage: fuzz_nvme_cmd_seeds.py DIR"""
import os
import struct
import sys

DATA = 0x8000          # host memory offset past the queue rings
LIST = 0x20000


def sqe(opc, nsid=0, prp1=DATA, prp2=0, cdw10=0, cdw11=0, cdw12=0,
        cdw13=0, cdw14=0, flags=0, cid=1):
    return struct.pack('<BBHIIIQQQIIIIII', opc, flags, cid, nsid, 0, 0, 0,
                       prp1, prp2, cdw10, cdw11, cdw12, cdw13, cdw14, 0)


def admin(*a, **k):
    return bytes([2]) + sqe(*a, **k)


def io(*a, **k):
    return bytes([3]) + sqe(*a, **k)


def poke(off, data):
    data = data.ljust(64, b'\0')[:64]
    return bytes([5]) + struct.pack('<I', off)[:3] + data


REAP = bytes([4])


def ctrl(v):
    return bytes([6, v])


def backend(v):
    return bytes([7, v])


def sgl(addr, length, typ):
    return struct.pack('<QI3xB', addr, length, typ << 4)


seeds = {
    'identify': b''.join(admin(6, nsid=n, cdw10=c, cdw11=csi << 24)
                         for c, n, csi in [(0, 1, 0), (1, 0, 0), (2, 0, 0),
                                           (3, 1, 0), (5, 1, 0), (6, 0, 0),
                                           (7, 0, 0), (8, 1, 0), (5, 1, 2)]) + REAP,
    'logs': b''.join(admin(2, nsid=0xffffffff, cdw10=lid | (127 << 16))
                     for lid in (1, 2, 3, 4, 5, 9)) + REAP,
    'features': b''.join(admin(op, cdw10=fid, cdw11=v)
                         for op in (9, 10)
                         for fid, v in [(1, 5), (2, 0), (4, 300), (6, 1), (7, 0x30003),
                                        (8, 0x101), (9, 1), (0xa, 1), (0xb, 0x1ff),
                                        (0xf, 100), (0x16, 0)]) + REAP,
    'queues': admin(5, prp1=0x10000, cdw10=2 | (15 << 16), cdw11=3 | (2 << 16)) +
              admin(1, prp1=0x11000, cdw10=2 | (15 << 16), cdw11=1 | (2 << 16)) +
              admin(4, cdw10=2) + admin(0, cdw10=2) + admin(4, cdw10=2) + REAP,
    'aer': admin(0xc) + admin(0xc) + ctrl(0x17) + ctrl(0x16) + admin(0x8) +
           admin(0x18) + REAP,
    'rw': io(1, nsid=1, cdw12=7) + io(2, nsid=1, cdw12=7) + io(5, nsid=1, cdw12=7) +
          io(0, nsid=1) + io(0, nsid=0xffffffff) + io(8, nsid=1, cdw10=8, cdw12=3) + REAP,
    'prp_list': poke(LIST, struct.pack('<QQQ', 0x9000, 0xa000, 0xb000)) +
                io(1, nsid=1, prp1=DATA + 512, prp2=LIST, cdw12=31) +
                io(2, nsid=1, prp1=DATA, prp2=LIST, cdw12=31) + REAP,
    'sgl': poke(LIST, sgl(0x100008000, 2048, 0) + sgl(0, 1024, 1) +
                sgl(0x100009000, 1024, 0)) +
           bytes([1]) + sqe(2, nsid=1, flags=1 << 6, prp1=0x100000000 + LIST,
                            prp2=struct.unpack('<Q', struct.pack('<I3xB', 48, 3 << 4))[0],
                            cdw12=7) + REAP,
    'dsm': poke(LIST, struct.pack('<IIQ', 0, 8, 0) + struct.pack('<IIQ', 0, 4, 100)) +
           io(9, nsid=1, prp1=LIST, cdw10=1, cdw11=4) + REAP,
    'reset': io(1, nsid=1, cdw12=7) + backend(0) + io(2, nsid=1, cdw12=7) + ctrl(0) +
             ctrl(1) + io(2, nsid=2, cdw12=0) + ctrl(2) + ctrl(0) + ctrl(1) + ctrl(3) +
             ctrl(1) + REAP,
    'suspend': ctrl(4) + io(2, nsid=1) + ctrl(5) + backend(2 | (1 << 3) | (0 << 5)) +
               io(2, nsid=1) + backend(6) + REAP,
    'cq_full': b''.join(io(2, nsid=2, cid=i) for i in range(20)) + REAP + REAP,
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'seed-' + name), 'wb') as f:
        f.write(data)
