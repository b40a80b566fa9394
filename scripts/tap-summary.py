#!/usr/bin/env python3
"""Count test points over TAP files and print the one summary line of
`make check`: "N passed, N failed, N skipped". A file whose plan and count
disagree had a crash mid-run: the missing points count as failed.
Each failed point is named above the summary with the last diagnostic
lines it printed, so the last lines of a long log (all a CI page may show)
say what failed and why.
Exit 1 when anything failed or nothing ran."""
import collections
import re
import sys

LINE = re.compile(r"^(not )?ok\b(.*)$")
PLAN = re.compile(r"^1\.\.(\d+)")
# Diagnostic lines kept from before each failed point: a test's fail()
# message and the output it shows just before.
CONTEXT = 12


def count(path):
    passed = failed = skipped = 0
    planned = None
    notes = collections.deque(maxlen=CONTEXT)
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            m = PLAN.match(line)
            if m and planned is None:
                planned = int(m.group(1))
                continue
            m = LINE.match(line)
            if not m:
                if line.lstrip().startswith("#"):
                    notes.append(line)
                continue
            if m.group(1):
                failed += 1
                print(f"{path}: not ok{m.group(2)}", file=sys.stderr)
                for note in notes:
                    print(f"    {note}", file=sys.stderr)
            elif re.search(r"#\s*SKIP", m.group(2), re.I):
                skipped += 1
            else:
                passed += 1
            notes.clear()
    seen = passed + failed + skipped
    if planned is None or seen < planned:
        missing = (planned or 1) - seen
        print(f"{path}: {max(missing, 1)} planned test(s) never reported", file=sys.stderr)
        failed += max(missing, 1)
    return passed, failed, skipped


def main(paths):
    totals = [0, 0, 0]
    for p in paths:
        for i, n in enumerate(count(p)):
            totals[i] += n
    passed, failed, skipped = totals
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
