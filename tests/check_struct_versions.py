#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Every struct a public header defines crosses the library's boundary, so
it starts with `unsigned int version` and its header defines NAME_VERSION
(the version this header describes), and NAME_INIT for a struct the caller
fills.  That is what lets a struct grow within a soname (core.h, at
wvl_actor).

Usage: check_struct_versions.py INCLUDE_DIR"""
import glob
import os
import re
import sys

STRUCT = re.compile(r'typedef struct (wvl_\w+) \{(.*?)\} \1;', re.S)


def first_member(body):
    body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
    body = re.sub(r'//[^\n]*', '', body)
    return body.strip().split(';')[0].split()


def main():
    faults = []
    texts = {p: open(p).read() for p in glob.glob(os.path.join(sys.argv[1], 'wavelaunch', '*.h'))}
    every = '\n'.join(texts.values())
    seen = 0
    for path, text in sorted(texts.items()):
        for m in STRUCT.finditer(text):
            seen += 1
            name = m.group(1)
            where = '%s (%s)' % (name, os.path.basename(path))
            if first_member(m.group(2)) != ['unsigned', 'int', 'version']:
                faults.append('%s does not start with unsigned int version' % where)
            if not re.search(r'#define %s_VERSION \d+' % name.upper(), every):
                faults.append('%s: no #define %s_VERSION' % (where, name.upper()))
    if seen < 10:
        faults.append('only %d public structs found: the pattern no longer matches' % seen)
    for f in faults:
        print(f)
    sys.exit(1 if faults else 0)


if __name__ == '__main__':
    main()
