#!/usr/bin/env python3
"""Prints "N passed, N failed, N skipped" from meson's testlog.json.

Counts TAP points of TAP tests (so a test binary with 40 checks counts 40)
and whole tests otherwise.  Exits 1 if anything failed or nothing ran.
"""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = t.get("stdout") or ""
        points = re.findall(r"^(ok|not ok)\b[^\n]*", out, re.M)
        if t.get("protocol") == "tap" or points:
            for p in points:
                if p.startswith("not ok"):
                    failed += 1
                elif "# SKIP" in p:
                    skipped += 1
                else:
                    passed += 1
            # A TAP test that bailed out or crashed without failing a point.
            if t["result"] in ("FAIL", "TIMEOUT", "ERROR") and not any(p.startswith("not ok") for p in points):
                failed += 1
            if t["result"] == "SKIP" and not points:
                skipped += 1
        elif t["result"] in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif t["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
