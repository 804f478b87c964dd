#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""lib/core knows no domain: its objects call no library function they do
not define themselves (only libc, libpq, hiredis, jansson, libsodium ...),
and its sources include no module's header.  Modules reach the core through
the hooks of struct wvl_module (lib/core/internal.h)."""
import glob
import os
import re
import subprocess
import sys


def symbols(archive, flag):
    out = subprocess.run(['nm', flag, archive], check=True, capture_output=True,
                         text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if not parts or line.endswith(':'):
            continue
        name = parts[-1]
        if flag == '--undefined-only' or (len(parts) >= 3 and parts[1] in 'TDBRWV'):
            names.add(name)
    return names


def main():
    archive, core_dir = sys.argv[1], sys.argv[2]
    defined = symbols(archive, '--defined-only')
    undefined = symbols(archive, '--undefined-only')
    foreign = sorted(n for n in undefined if n.startswith(('wvl_', 'WVL_')) and n not in defined)
    bad_includes = []
    for path in sorted(glob.glob(os.path.join(core_dir, '*.[ch]'))):
        for no, line in enumerate(open(path), 1):
            m = re.match(r'\s*#\s*include\s*"([^"]+)"', line)
            if not m:
                continue
            inc = m.group(1)
            if inc.startswith('..') or (inc.startswith('wavelaunch/') and
                                        inc not in ('wavelaunch/core.h', 'wavelaunch/query.h',
                                                    'wavelaunch/version.h')):
                bad_includes.append(f'{os.path.basename(path)}:{no}: {inc}')
    for n in foreign:
        print(f'core calls outside the core: {n}')
    for b in bad_includes:
        print(f'core includes a module header: {b}')
    if not defined:
        print('no symbols read from', archive)
        return 1
    return 1 if foreign or bad_includes else 0


if __name__ == '__main__':
    sys.exit(main())
