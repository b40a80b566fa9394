#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The profiles of a bench-vm run (BENCH_PROFILE): for each job the guest
sampled with perf, its folded stacks (perf-<path>-<job>.folded), a flame
graph (flame-<path>-<job>.svg) and, in profile.txt, where the samples fell:
by process, and the symbols with the most samples of their own and in all.

    scripts/bench-profile.py DIR      (DIR/guest.log from scripts/bench-vm)
"""
import base64
import collections
import gzip
import html
import os
import sys
import zlib

TOP = 20
WIDTH, ROW, FONT_PX = 1200, 16, 11


def read_profiles(out):
    """{(path, job): Counter(folded stack -> samples)} from guest.log."""
    profiles = {}
    with open(os.path.join(out, "guest.log"), errors="replace") as f:
        for line in f:
            if not line.startswith("# BENCH-PERF "):
                continue
            fields = line.split()
            if len(fields) < 5:
                continue
            path, job, blob = fields[2], fields[3], fields[4]
            stacks = collections.Counter()
            for row in gzip.decompress(base64.b64decode(blob)).decode(errors="replace").splitlines():
                stack, _, n = row.rpartition(" ")
                if stack and n.isdigit():
                    stacks[stack] += int(n)
            profiles[(path, job)] = stacks
    return profiles


def process_of(comm):
    """Processes grouped as the data path's parts, the rest by kind."""
    for prefix, group in (("snap_service", "snap_service"), ("snap_sim_poll", "sim poller"),
                          ("fio", "fio"), ("swapper", "idle"), ("kworker", "kworkers"),
                          ("ksoftirqd", "softirq threads")):
        if comm.startswith(prefix):
            return group
    return "other"


def summarize(path, job, stacks):
    total = sum(stacks.values())
    lines = [f"{path} {job}: {total} samples"]
    if not total:
        return lines
    procs, own, anywhere = collections.Counter(), collections.Counter(), collections.Counter()
    for stack, n in stacks.items():
        frames = stack.split(";")
        procs[process_of(frames[0])] += n
        if len(frames) > 1:
            own[frames[-1]] += n
        for sym in set(frames[1:]):
            anywhere[sym] += n
    lines.append("  by process:  " + ",  ".join(f"{p} {100 * n / total:.1f}%" for p, n in procs.most_common()))
    lines.append(f"  {'own samples':<48} {'%':>6}    {'in the stack':<48} {'%':>6}")
    a, b = own.most_common(TOP), anywhere.most_common(TOP)
    for i in range(max(len(a), len(b))):
        left = f"{a[i][0][:48]:<48} {100 * a[i][1] / total:6.1f}" if i < len(a) else " " * 55
        right = f"{b[i][0][:48]:<48} {100 * b[i][1] / total:6.1f}" if i < len(b) else ""
        lines.append(f"  {left}    {right}")
    return lines


def tree_of(stacks):
    root = {"n": 0, "kids": {}}
    for stack, n in stacks.items():
        root["n"] += n
        node = root
        for sym in stack.split(";"):
            node = node["kids"].setdefault(sym, {"n": 0, "kids": {}})
            node["n"] += n
    return root


def depth_of(node):
    return 1 + max((depth_of(k) for k in node["kids"].values()), default=0)


def colour(name):
    h = zlib.crc32(name.encode())
    return f"rgb({205 + h % 50},{(h >> 8) % 180 + 40},{(h >> 16) % 55})"


def flame_svg(title, stacks):
    """A flame graph: the root at the bottom, callees above their callers,
    widths in proportion to samples."""
    root = tree_of(stacks)
    rows = depth_of(root)
    height = (rows + 2) * ROW
    scale = (WIDTH - 20) / max(root["n"], 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="monospace" font-size="{FONT_PX}">',
           f'<rect width="100%" height="100%" fill="#f8f8f8"/>',
           f'<text x="10" y="{ROW - 3}">{html.escape(title)} ({root["n"]} samples)</text>']

    def draw(name, node, x, level):
        w = node["n"] * scale
        if w < 0.5:
            return
        y = height - (level + 1) * ROW
        label = f"{name} ({node['n']} samples, {100 * node['n'] / max(root['n'], 1):.1f}%)"
        out.append(f'<g><title>{html.escape(label)}</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW - 1}" fill="{colour(name)}"/>')
        chars = int(w / (FONT_PX * 0.6))
        if chars > 2:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append(f'<text x="{x + 2:.1f}" y="{y + ROW - 4}">{html.escape(text)}</text>')
        out.append("</g>")
        for kid_name, kid in sorted(node["kids"].items()):
            draw(kid_name, kid, x, level + 1)
            x += kid["n"] * scale

    draw("all", root, 10, 0)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-profile.py DIR")
    out = sys.argv[1]
    profiles = read_profiles(out)
    if not profiles:
        print("bench-profile: no profile in the run", file=sys.stderr)
        return
    report = []
    for (path, job), stacks in sorted(profiles.items()):
        base = f"{path}-{job}"
        with open(os.path.join(out, f"perf-{base}.folded"), "w") as f:
            for stack, n in sorted(stacks.items()):
                f.write(f"{stack} {n}\n")
        with open(os.path.join(out, f"flame-{base}.svg"), "w") as f:
            f.write(flame_svg(f"{path} {job}", stacks))
        report += summarize(path, job, stacks) + [""]
    with open(os.path.join(out, "profile.txt"), "w") as f:
        f.write("\n".join(report))
    print("\n".join(report))


if __name__ == "__main__":
    main()
