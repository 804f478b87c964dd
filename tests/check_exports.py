#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The library exports exactly the functions its public headers declare
with WVL_EXTERN: nothing internal leaks, nothing declared is missing."""
import glob
import os
import re
import subprocess
import sys


def declared(include_dir):
    names = set()
    for path in [os.path.join(include_dir, 'wavelaunch.h')] + glob.glob(
            os.path.join(include_dir, 'wavelaunch', '*.h*')):
        text = open(path).read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        for m in re.finditer(r'WVL_EXTERN\s+[^;{]*?\b(wvl_\w+)\s*\(', text):
            names.add(m.group(1))
    return names


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in 'TDBRtdbrWV':
            names.add(parts[2].split('@')[0])
    return names


def main():
    lib, include_dir = sys.argv[1], sys.argv[2]
    want, have = declared(include_dir), exported(lib)
    have = {n for n in have if not n.startswith('WAVELAUNCH_')}
    extra, missing = sorted(have - want), sorted(want - have)
    for n in extra:
        print('exported but not declared:', n)
    for n in missing:
        print('declared but not exported:', n)
    leaked = [n for n in have if not n.startswith('wvl_')]
    for n in leaked:
        print('exported without the wvl_ prefix:', n)
    print('%d symbols checked' % len(want))
    return 1 if (extra or missing or leaked or not want) else 0


if __name__ == '__main__':
    sys.exit(main())
