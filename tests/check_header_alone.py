#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""One public header compiles on its own, first in a pedantic C99 translation
unit, then in a C++ one, with nothing included before it.

Usage: check_header_alone.py HEADER CC CXX -I... (the include folders).
CC or CXX may be '-' when that compiler is missing."""
import os
import subprocess
import sys
import tempfile


def compile_alone(compiler, lang, flags, header, includes):
    src = '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' % (header, header)
    if lang == 'c++':
        src = src.replace('(void)', '()')
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'alone.' + ('c' if lang == 'c' else 'cpp'))
        with open(path, 'w') as f:
            f.write(src)
        cmd = compiler.split() + flags + includes + ['-fsyntax-only', path]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print('%s as %s: %s\n%s' % (header, lang, ' '.join(cmd), r.stderr))
            return False
    return True


def main():
    header, cc, cxx = sys.argv[1:4]
    includes = sys.argv[4:]
    ok = True
    if cc != '-':
        ok &= compile_alone(cc, 'c', ['-std=c99', '-pedantic-errors', '-Wall', '-Wextra',
                                      '-Werror', '-Wstrict-prototypes'], header, includes)
    if cxx != '-':
        ok &= compile_alone(cxx, 'c++', ['-std=c++11', '-pedantic-errors', '-Wall', '-Wextra',
                                         '-Werror'], header, includes)
    print('%s: %s' % (header, 'compiles alone' if ok else 'FAILS'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
