#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The version script is the ABI's record: one node per release, each an
explicit list, and a released node (tests/abi/NODE.sym) never changes.

Usage: check_symbol_map.py MAP INCLUDE_DIR ABI_DIR [LIBRARY]

Fails when a declared function is in no node or in two, when a node lists a
function no header declares, when a node does not inherit the one before it,
when a released node differs from its frozen list (a symbol added, removed or
moved between nodes), and, given the built LIBRARY, when a symbol is exported
under another node than the map gives it."""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_exports import declared  # noqa: E402

NODE = re.compile(r'(WAVELAUNCH_[0-9.]+)\s*\{(.*?)\}\s*(WAVELAUNCH_[0-9.]+)?\s*;', re.S)


def parse_map(path):
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    nodes = []
    for m in NODE.finditer(text):
        name, body, parent = m.group(1), m.group(2), m.group(3)
        glob_part = body.split('local:')[0].replace('global:', '')
        syms = [s.strip() for s in glob_part.split(';') if s.strip()]
        nodes.append((name, syms, parent))
    return nodes


def frozen(abi_dir):
    out = {}
    for p in glob.glob(os.path.join(abi_dir, '*.sym')):
        node = os.path.basename(p)[:-len('.sym')]
        out[node] = [line.strip() for line in open(p)
                     if line.strip() and not line.startswith('#')]
    return out


def exported_versions(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', '--with-symbol-versions', lib],
                         check=True, capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in 'TDBRtdbrWV' and '@' in parts[2]:
            name, _, ver = parts[2].partition('@')
            got[name] = ver.lstrip('@')
    return got


def file_name_faults(lib):
    """The file is libwavelaunch.so.SONAME.MINOR.PATCH, SONAME its soname's."""
    real = os.path.basename(os.path.realpath(lib))
    m = re.fullmatch(r'libwavelaunch\.so\.(\d+)\.(\d+)\.(\d+)', real)
    if not m:
        return ['the library file %s is not libwavelaunch.so.SONAME.MINOR.PATCH' % real]
    dyn = subprocess.run(['readelf', '-d', lib], check=True, capture_output=True,
                         text=True).stdout
    soname = re.search(r'\(SONAME\).*\[(.*)\]', dyn)
    want = 'libwavelaunch.so.' + m.group(1)
    if not soname or soname.group(1) != want:
        return ['the soname is %s, the file name %s says %s'
                % (soname.group(1) if soname else 'missing', real, want)]
    return []


def main():
    map_path, include_dir, abi_dir = sys.argv[1:4]
    lib = sys.argv[4] if len(sys.argv) > 4 else None
    faults = []
    nodes = parse_map(map_path)
    if not nodes:
        faults.append('no version node in %s' % map_path)
    where = {}
    pattern_node = None
    for i, (name, syms, parent) in enumerate(nodes):
        want_parent = nodes[i - 1][0] if i else None
        if parent != want_parent:
            faults.append('%s inherits %s, not the node before it (%s)'
                          % (name, parent, want_parent))
        patterns = [s for s in syms if '*' in s]
        if patterns and (i != len(nodes) - 1 or name in frozen(abi_dir)):
            faults.append('%s exports by pattern; only the newest, unreleased node may'
                          % name)
        if patterns:
            pattern_node = name
        for s in syms:
            if '*' in s:
                continue
            if s in where:
                faults.append('%s is in %s and in %s' % (s, where[s], name))
            where[s] = name
    decl = declared(include_dir)
    if pattern_node:
        for s in decl - set(where):
            where[s] = pattern_node
    for s in sorted(decl - set(where)):
        faults.append('%s is declared but in no node (add it to the newest node)' % s)
    for s in sorted(set(where) - decl):
        faults.append('%s (node %s) is declared by no public header' % (s, where[s]))
    released = frozen(abi_dir)
    node_syms = {name: set(syms) for name, syms, _ in nodes}
    for node, syms in sorted(released.items()):
        if node not in node_syms:
            faults.append('released node %s is gone from the map' % node)
            continue
        for s in sorted(set(syms) - node_syms[node]):
            faults.append('%s left released node %s' % (s, node))
        for s in sorted(node_syms[node] - set(syms)):
            faults.append('%s was added to released node %s (add it to the newest node)'
                          % (s, node))
    if lib:
        faults += file_name_faults(lib)
        m = re.fullmatch(r'libwavelaunch\.so\.(\d+)\..*', os.path.basename(os.path.realpath(lib)))
        for name, _, _ in nodes:
            if m and not name.startswith('WAVELAUNCH_%s.' % m.group(1)):
                faults.append('node %s is not of soname %s (WAVELAUNCH_%s.N)'
                              % (name, m.group(1), m.group(1)))
        got = exported_versions(lib)
        for s, node in sorted(where.items()):
            if got.get(s) != node:
                faults.append('%s is exported as %s, the map says %s'
                              % (s, got.get(s, 'nothing'), node))
    for f in faults:
        print(f)
    print('%d nodes, %d functions, %d released nodes checked'
          % (len(nodes), len(where), len(released)))
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main())
