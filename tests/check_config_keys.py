#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Every WL_* key .env.example sets is read by something: a C source of
lib/ or apps/ other than the declarations (config_keys.c) names it, or it is
declared WVL_CFG_RESERVED and .env.example's comment above it says
"Reserved for" the feature.  A reserved key that something reads has
outgrown the mark.  Usage: check_config_keys.py SOURCE_ROOT"""
import glob
import os
import re
import sys


def main():
    root = sys.argv[1]
    lines = open(os.path.join(root, '.env.example')).read().splitlines()
    keys = {}
    comment = []
    for line in lines:
        if line.startswith('#'):
            comment.append(line)
            continue
        m = re.match(r'(WL_[A-Z0-9_]+)=', line)
        if m:
            keys[m.group(1)] = ' '.join(comment)
        else:
            comment = []
    sources = {}
    declared_reserved = set()
    for path in glob.glob(os.path.join(root, 'lib', '**', '*.c'), recursive=True) + \
            glob.glob(os.path.join(root, 'apps', '**', '*.c'), recursive=True):
        text = open(path, encoding='utf-8').read()
        if os.path.basename(path) == 'config_keys.c':
            for m in re.finditer(r'\{"(WL_[A-Z0-9_]+)",\s*WVL_CFG_RESERVED', text):
                declared_reserved.add(m.group(1))
            continue
        sources[path] = text
    problems = []
    for key, above in sorted(keys.items()):
        readers = [p for p, t in sources.items() if '"%s"' % key in t]
        marked = 'reserved for' in above.lower()
        if key in declared_reserved:
            if readers:
                problems.append('%s is declared reserved but %s reads it' % (key, readers[0]))
            if not marked:
                problems.append('%s is reserved but .env.example does not say so' % key)
        elif not readers:
            problems.append('%s is in .env.example but nothing reads it' % key)
    for key in declared_reserved - set(keys):
        problems.append('%s is declared but not in .env.example' % key)
    for p in problems:
        print(p)
    print('%d keys checked, %d reserved' % (len(keys), len(declared_reserved)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
