#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Every exported function is documented the way SQLite documents its API:
the comment right above a WVL_EXTERN declaration says

  - what it returns (any function that is not void), and for a function
    returning int, which codes (WVL_E...) or what the number means;
  - who owns what (a function with an out-pointer parameter `**` or one that
    returns a pointer): "free", "owned", "borrowed", "static", "valid until";
  - whether it is thread-safe: in the comment itself, or once for the whole
    header in its opening comment.

Usage: check_header_docs.py INCLUDE_DIR.  Prints every declaration that
misses a part and exits 1 when there is one."""
import glob
import os
import re
import sys

DECL = re.compile(r'WVL_EXTERN\s+([^;{(]*?)\b(wvl_\w+)\s*\(([^;{]*?)\)\s*'
                  r'(?:WVL_\w+(?:\([^)]*\))?\s*)*;', re.S)
COMMENT_END = re.compile(r'/\*((?:(?!/\*).)*?)\*/\s*$', re.S)
RETURNS = re.compile(r'\breturns?\b|\breturning\b', re.I)
INT_MEANING = re.compile(r'WVL_E[A-Z]+|\btrue\b|\bfalse\b|non-?zero|\bcount\b|'
                         r'\bnumber\b|\bbytes\b|\blength\b|\b0\b', re.I)
OWNERSHIP = re.compile(r'\bfree|\bown(?:s|ed|er)?\b|\bborrow|\bstatic\b|'
                       r'valid until|valid while|belongs?\b|\bcaller\b', re.I)
THREADS = re.compile(r'thread-safe|thread safe|thread safety|any thread|'
                     r'one thread|same thread|threads', re.I)


def header_comment(text):
    """The header's opening comment: the first one after the include guard
    that is not the licence line."""
    for m in re.finditer(r'/\*(.*?)\*/', text, re.S):
        body = m.group(1)
        if 'SPDX-License-Identifier' in body:
            continue
        return body
    return ''


def check(path):
    text = open(path).read()
    faults = []
    whole_header_threads = bool(THREADS.search(header_comment(text)))
    for m in DECL.finditer(text):
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3)
        before = text[:m.start()]
        c = COMMENT_END.search(before)
        if not c:
            faults.append((name, 'no comment right above the declaration'))
            continue
        doc = c.group(1)
        is_void = re.fullmatch(r'(?:static\s+)?void', ret) is not None
        if not is_void and not RETURNS.search(doc):
            faults.append((name, 'does not say what it returns'))
        if re.fullmatch(r'int', ret) and not INT_MEANING.search(doc):
            faults.append((name, 'returns int but names no code (WVL_E...) or meaning'))
        if ('**' in params or ret.endswith('*')) and not OWNERSHIP.search(doc):
            faults.append((name, 'hands out memory but does not say who owns or frees it'))
        if not whole_header_threads and not THREADS.search(doc):
            faults.append((name, 'says nothing about threads (here or in the header\'s opening comment)'))
    return faults


def main():
    include_dir = sys.argv[1]
    paths = [os.path.join(include_dir, 'wavelaunch.h')] + sorted(
        glob.glob(os.path.join(include_dir, 'wavelaunch', '*.h')))
    total = 0
    bad = 0
    for p in paths:
        if not os.path.exists(p):
            continue
        total += len(DECL.findall(open(p).read()))
        for name, why in check(p):
            bad += 1
            print('%s: %s: %s' % (os.path.relpath(p, include_dir), name, why))
    print('%d declarations checked, %d faults' % (total, bad))
    return 1 if bad or not total else 0


if __name__ == '__main__':
    sys.exit(main())
