#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Writes wavelaunch.conf(5)'s scdoc source: the hand-written page IN with
@KEYS@ replaced by every WL_* key of the configuration tables
(every `struct wvl_config_key` table under lib/), grouped by module, with its type, default, range
and help text as the tables declare them (so the page cannot fall behind
the code).  Usage: config_keys_man.py SOURCE_ROOT IN OUT"""
import glob
import os
import re
import sys

ENTRY = re.compile(r'\{\s*"(WL_[A-Z0-9_]+)"\s*,\s*(WVL_CFG_[A-Z_]+)\s*,\s*(.*?)\}\s*,', re.S)
TYPES = {'WVL_CFG_STRING': 'text', 'WVL_CFG_UINT': 'whole number', 'WVL_CFG_BOOL': 'true or false',
         'WVL_CFG_ENUM': 'one of', 'WVL_CFG_PG_URL': 'libpq connection string or URI',
         'WVL_CFG_REDIS_URL': 'redis:// or rediss:// URL', 'WVL_CFG_HTTP_URL': 'http(s) URL',
         'WVL_CFG_LISTEN': 'host:port', 'WVL_CFG_RESERVED': 'reserved'}
MACROS = {'WVL_WEB_DIR': '(the installed web UI folder)'}


def split_fields(body):
    """The remaining fields: default, min, max, choices, flags, help."""
    fields, cur, depth, i = [], '', 0, 0
    while i < len(body):
        c = body[i]
        if c == '"':
            j = i + 1
            while body[j] != '"':
                j += 2 if body[j] == '\\' else 1
            cur += body[i:j + 1]
            i = j + 1
            continue
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
        if c == ',' and depth == 0:
            fields.append(cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    fields.append(cur.strip())
    return fields


def c_string(expr):
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', expr)
    if not parts:
        return MACROS.get(expr.strip(), expr.strip())
    return ''.join(parts).replace('\\"', '"').replace('\\\\', '\\')


def keys(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, 'lib', '*', '*.c'))):
        module = os.path.basename(os.path.dirname(path))
        text = re.sub(r'/\*.*?\*/', '', open(path, encoding='utf-8').read(), flags=re.S)
        # The tables: "struct wvl_config_key NAME[] = { ... };"
        for table in re.finditer(r'struct wvl_config_key \w+\[\]\s*=\s*\{(.*?)\n\};', text, re.S):
            for m in ENTRY.finditer(table.group(1)):
                f = split_fields(m.group(3))
                out.append({'module': module, 'key': m.group(1), 'type': m.group(2),
                            'default': c_string(f[0]), 'min': f[1], 'max': f[2],
                            'choices': None if f[3] == 'NULL' else c_string(f[3]),
                            'secret': 'WVL_CFG_SECRET' in f[4], 'help': c_string(f[5])})
    out.sort(key=lambda k: k['module'])
    return out


def esc(s):
    # scdoc: * and _ start emphasis; \\ escapes them.
    return s.replace('\\', '\\\\').replace('*', '\\*').replace('_', '\\_')


def render(ks):
    lines = []
    module = None
    for k in ks:
        if k['module'] != module:
            module = k['module']
            lines += ['## %s' % module.upper(), '']
        t = TYPES[k['type']]
        if k['type'] == 'WVL_CFG_ENUM':
            t = 'one of %s' % ' '.join(k['choices'].split('|'))
        elif k['type'] == 'WVL_CFG_UINT':
            t = 'whole number, %s to %s' % (k['min'], k['max'])
        elif k['type'] == 'WVL_CFG_RESERVED':
            t = 'reserved for %s (not read yet; a value is warned about)' % k['choices']
        default = k['default'] if k['default'] != '' else '(empty)'
        lines.append('*%s*=' % esc(k['key']))
        text = '%s. Type: %s. Default: %s.' % (k['help'][:1].upper() + k['help'][1:], t, default)
        if k['secret']:
            text += ' A secret: never logged.'
        lines.append('\t' + esc(text))
        lines.append('')
    return '\n'.join(lines)


def main():
    root, src, dst = sys.argv[1:4]
    text = open(src, encoding='utf-8').read().replace('@KEYS@', render(keys(root)))
    with open(dst, 'w', encoding='utf-8') as f:
        f.write(text)


if __name__ == '__main__':
    main()
