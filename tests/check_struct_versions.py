#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Every struct a public header defines crosses the library's boundary, so
it starts with `unsigned int version` and its header defines NAME_VERSION
(the version this header describes), and NAME_INIT unless the library
fills it (LIBRARY_FILLS); every initialiser is in tests/headers/inits.h,
which compiles them as C99 and C++.  That is what lets a struct grow within a soname (core.h, at
wvl_actor).  And every public call that takes an actor refuses one of an
unknown version first: its definition in LIB_DIR starts with
WVL_ACTOR_GUARD(actor) (lib/core/internal.h).

Usage: check_struct_versions.py INCLUDE_DIR LIB_DIR"""
import glob
import os
import re
import sys

DECL = re.compile(r'WVL_EXTERN\s+[\w\s*]+?\b(wvl_\w+)\s*\(([^;]*?)\)\s*(?:WVL_WARN_UNUSED)?\s*;',
                  re.S)
LIBRARY_FILLS = {'wvl_job', 'wvl_error', 'wvl_auth_login_result'}
STRUCT = re.compile(r'typedef struct (wvl_\w+) \{(.*?)\} \1;', re.S)


def first_member(body):
    body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
    body = re.sub(r'//[^\n]*', '', body)
    return body.strip().split(';')[0].split()


def unguarded(headers, lib_dir):
    """The public calls taking an actor whose definition does not start
    with WVL_ACTOR_GUARD(actor)."""
    calls = [m.group(1) for t in headers.values() for m in DECL.finditer(t)
             if re.search(r'const wvl_actor \*actor\b', m.group(2))]
    sources = '\n'.join(open(p).read() for p in
                        glob.glob(os.path.join(lib_dir, '**', '*.c'), recursive=True))
    faults = []
    for name in calls:
        m = re.search(r'^int\s+%s\s*\([^{;]*?\)\s*\n\{\n(.*)' % re.escape(name), sources,
                      re.M | re.S)
        if not m:
            faults.append('%s: no definition found in %s' % (name, lib_dir))
        elif not m.group(1).startswith('\tWVL_ACTOR_GUARD(actor);'):
            faults.append('%s does not start with WVL_ACTOR_GUARD(actor)' % name)
    if len(calls) < 50:
        faults.append('only %d calls take an actor: the pattern no longer matches' % len(calls))
    return faults


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
            if name not in LIBRARY_FILLS and '#define %s_INIT' % name.upper() not in every:
                faults.append('%s: the caller fills it, and there is no %s_INIT'
                              % (where, name.upper()))
    if seen < 10:
        faults.append('only %d public structs found: the pattern no longer matches' % seen)
    faults += unguarded(texts, sys.argv[2])
    inits = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'headers',
                              'inits.h')).read()
    for init in re.findall(r'#define (WVL_\w+_INIT)\b', every):
        if not re.search(r'\b%s\b' % init, inits):
            faults.append('%s is not in tests/headers/inits.h' % init)
    for f in faults:
        print(f)
    sys.exit(1 if faults else 0)


if __name__ == '__main__':
    main()
