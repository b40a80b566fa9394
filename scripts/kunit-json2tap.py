#!/usr/bin/env python3
"""Flatten kunit.py's --json result into plain TAP: one line per test case,
named suite.case, so `make check` can count KUnit cases beside the others.
Exit 1 when any case failed or none ran."""
import json
import sys


def cases(group, prefix=""):
    name = group.get("name", "")
    top_level = name in ("", "main", "KUnit Test Group")
    path = prefix if top_level else f"{prefix}{name}."
    for case in group.get("test_cases", []):
        yield path + case["name"], case["status"]
    for sub in group.get("sub_groups", []):
        yield from cases(sub, path)


def main():
    results = list(cases(json.load(sys.stdin)))
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, status) in enumerate(results, 1):
        if status == "PASS":
            print(f"ok {i} {name}")
        elif status == "SKIP":
            print(f"ok {i} {name} # SKIP")
        else:
            failed += 1
            print(f"not ok {i} {name} # {status}")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
