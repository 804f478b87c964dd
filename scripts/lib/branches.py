#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Branch coverage of lib/ with UBSan's checks set aside.

The test command measures coverage in its ASan + UBSan build (no extra
run).  gcc adds UBSan's checks before it instruments for gcov, so every
check is a branch there: `if (p == NULL) __ubsan_handle_nonnull_arg()` for
each pointer passed to a nonnull function (memcpy, strlen...), and a few
more for null, bool and object-size checks.  In lib/ they are a fifth of
the branches gcov counts, and one arc of each is never taken by a run that
passes (any report stops the run), so the raw figure reads low.

This script reads the run's counts (.gcda of the sanitizer build) and the
branch layout of the same sources compiled without sanitizers (.gcno of a
plain build that is compiled, never run).  Per source line:
  - same number of branches in both builds: no UBSan check there, the
    run's counts are the plain build's;
  - the line never ran: none of its plain branches were taken;
  - otherwise the line has k = (U - P) / 2 checks.  A check's passing arc
    is taken when the check runs, its failing arc never: the checks
    account for at most k of the arcs the run took, so at least
    `taken - k` of the line's P plain branches were taken.
So the figure printed is a lower bound of what a plain build's run would
have shown (a check's two arcs taken would make it an overestimate; the
checks gcc emits here test one condition each, whose failing arc a
passing run never takes).  `--exact` reads a plain build's own run
instead, to compare.

  branches.py --asan BUILD --plain BUILD [--root DIR] [--fail-under PCT]
              [--exact] [--worst N]
"""

import argparse
import glob
import json
import os
import subprocess
import sys


def lib_objects(build):
    """Object folders of the library's targets (shared and internal)."""
    return sorted(glob.glob(os.path.join(os.path.abspath(build), "lib", "libwavelaunch*.p")))


def gcov_lines(build, data_file):
    """{source: {line: [count, [branch counts]]}} for files under lib/."""
    res = subprocess.run(["gcov", "-j", "-t", "-b", data_file], cwd=build,
                         capture_output=True, text=True, check=False)
    text = res.stdout
    start = text.find("{")
    out = {}
    if start < 0:
        return out
    doc = json.JSONDecoder().raw_decode(text[start:])[0]
    for f in doc.get("files", []):
        name = os.path.normpath(os.path.join(os.path.abspath(build), f["file"]))
        lines = out.setdefault(name, {})
        for line in f["lines"]:
            counts = [b["count"] for b in line["branches"]]
            prev = lines.get(line["line_number"])
            if prev is None:
                lines[line["line_number"]] = [line["count"], counts]
            else:  # a line in two functions (a macro, an inline helper)
                prev[0] += line["count"]
                prev[1] += counts
    return out


def merge(into, more):
    """Adds a second target's counts of the same compiled sources."""
    for src, lines in more.items():
        mine = into.setdefault(src, {})
        for n, (count, branches) in lines.items():
            if n not in mine:
                mine[n] = [count, list(branches)]
            elif len(mine[n][1]) == len(branches):
                mine[n][0] += count
                mine[n][1] = [a + b for a, b in zip(mine[n][1], branches)]


def collect(build, ext):
    """Per source, merged over the library's targets."""
    total = {}
    for folder in lib_objects(build):
        for data in sorted(glob.glob(os.path.join(folder, "*" + ext))):
            merge(total, gcov_lines(build, data))
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--asan", required=True, help="the sanitizer build that ran")
    ap.add_argument("--plain", required=True, help="the same sources without sanitizers")
    ap.add_argument("--root", default=os.getcwd(), help="the source tree")
    ap.add_argument("--fail-under", type=float, default=None)
    ap.add_argument("--exact", action="store_true",
                    help="also read the plain build's own run (.gcda)")
    ap.add_argument("--worst", type=int, default=0, help="list the N files most short")
    a = ap.parse_args()
    lib = os.path.join(os.path.abspath(a.root), "lib") + os.sep

    ran = collect(a.asan, ".gcda")
    layout = collect(a.plain, ".gcno")
    exact = collect(a.plain, ".gcda") if a.exact else None
    if not ran or not layout:
        print("branches: no coverage data (was the sanitizer build run, the plain one built?)",
              file=sys.stderr)
        return 1

    raw_taken = raw_total = taken = total = checks = 0
    ex_taken = ex_total = 0
    per_file = {}
    for src in sorted(s for s in ran if s.startswith(lib)):
        plain_lines = layout.get(src, {})
        f_taken = f_total = 0
        for n, (count, branches) in ran[src].items():
            u = len(branches)
            hit = sum(1 for c in branches if c > 0)
            p = len(plain_lines.get(n, (0, []))[1])
            raw_total += u
            raw_taken += hit
            if u == p:
                est = hit
            elif count == 0 or u < p:
                est = 0 if count == 0 else min(hit, p)
            else:
                k = (u - p) // 2
                checks += k
                est = min(p, max(0, hit - k))
            f_taken += est
            f_total += p
        # plain lines the sanitizer build has no record of (none expected)
        for n, (_, branches) in plain_lines.items():
            if n not in ran[src]:
                f_total += len(branches)
        taken += f_taken
        total += f_total
        per_file[src] = (f_taken, f_total)
        if exact is not None:
            for n, (_, branches) in exact.get(src, {}).items():
                ex_total += len(branches)
                ex_taken += sum(1 for c in branches if c > 0)

    pct = 100.0 * taken / total if total else 100.0
    print(f"branches of lib/ in the sanitizer build: {raw_taken} of {raw_total} "
          f"({100.0 * raw_taken / raw_total:.1f} %)")
    print(f"branches of lib/ without UBSan's checks ({checks} of them on lines that ran): "
          f"at least {taken} of {total} ({pct:.1f} %)")
    if exact is not None and ex_total:
        print(f"branches of lib/ in the plain build's own run: {ex_taken} of {ex_total} "
              f"({100.0 * ex_taken / ex_total:.1f} %)")
    if a.worst:
        short = sorted(per_file.items(), key=lambda kv: kv[1][0] - kv[1][1])[: a.worst]
        for src, (t, n) in short:
            print(f"  {os.path.relpath(src, a.root)}: {t} of {n}, {n - t} not taken")
    if a.fail_under is not None and pct < a.fail_under:
        print(f"branches: {pct:.1f} % is under the gate of {a.fail_under:g} %", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
