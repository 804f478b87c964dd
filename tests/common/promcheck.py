#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A strict checker of the Prometheus text exposition format 0.0.4.

check(text) returns {family: {"type", "help", "samples": [(name, labels,
value)]}} or raises ValueError naming the line.  Stricter than Prometheus'
own parser where the format says "must": every family has HELP and TYPE
before its samples, a family's samples are contiguous, names and label
names match the grammar, label values use only the escapes \\\\ \\" \\n,
no label repeats, values are floats (or +Inf/-Inf/NaN), sample names fit
the family's type (_bucket/_sum/_count for histograms), a histogram's
buckets are cumulative with an le="+Inf" bucket equal to _count, and no
series appears twice."""
import math
import re

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*$')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


def parse_value(s, where):
    if s in ('+Inf', 'Inf'):
        return math.inf
    if s == '-Inf':
        return -math.inf
    if s == 'NaN':
        return math.nan
    if not re.match(r'[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)$', s):
        raise ValueError('%s: bad value %r' % (where, s))
    return float(s)


def parse_labels(s, i, where):
    """s[i] is '{'; returns (labels, index after '}')."""
    labels = {}
    i += 1
    while True:
        if s[i] == '}':
            return labels, i + 1
        m = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*').match(s, i)
        if not m:
            raise ValueError('%s: bad label name at %d' % (where, i))
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ValueError('%s: expected =" after %s' % (where, name))
        i += 2
        out = []
        while True:
            if i >= len(s):
                raise ValueError('%s: unterminated label value' % where)
            c = s[i]
            if c == '\\':
                nxt = s[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise ValueError('%s: bad escape \\%s' % (where, nxt))
                out.append('\n' if nxt == 'n' else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == '\n':
                raise ValueError('%s: raw newline in label value' % where)
            else:
                out.append(c)
                i += 1
        if name in labels:
            raise ValueError('%s: label %s repeated' % (where, name))
        labels[name] = ''.join(out)
        if s[i] == ',':
            i += 1
        elif s[i] != '}':
            raise ValueError('%s: expected , or } at %d' % (where, i))


def family_of(name, families):
    for suffix in ('_bucket', '_sum', '_count', ''):
        if suffix and name.endswith(suffix) and name[:-len(suffix)] in families:
            base = name[:-len(suffix)]
            if families[base]['type'] in ('histogram', 'summary'):
                return base
    return name


def check(text):
    if not text.endswith('\n'):
        raise ValueError('the exposition must end with a newline')
    families = {}
    done = set()
    current = None
    seen = set()
    for no, line in enumerate(text.split('\n')[:-1], 1):
        where = 'line %d (%r)' % (no, line[:120])
        if line == '':
            continue
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) >= 3 and parts[1] in ('HELP', 'TYPE'):
                name = parts[2]
                if not NAME.match(name):
                    raise ValueError('%s: bad metric name' % where)
                fam = families.setdefault(name, {'type': None, 'help': None, 'samples': []})
                if name in done or (current and current != name and fam['samples']):
                    raise ValueError('%s: family %s is not contiguous' % (where, name))
                if current and current != name:
                    done.add(current)
                current = name
                if fam['samples']:
                    raise ValueError('%s: %s after samples' % (where, parts[1]))
                key = parts[1].lower()
                if fam[key] is not None:
                    raise ValueError('%s: second %s for %s' % (where, parts[1], name))
                value = parts[3] if len(parts) > 3 else ''
                if key == 'type' and value not in TYPES:
                    raise ValueError('%s: unknown type %r' % (where, value))
                fam[key] = value
            continue
        m = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*').match(line)
        if not m:
            raise ValueError('%s: bad sample name' % where)
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == '{':
            labels, i = parse_labels(line, i, where)
        rest = line[i:]
        if not rest.startswith(' '):
            raise ValueError('%s: expected a space before the value' % where)
        fields = rest[1:].split(' ')
        if len(fields) not in (1, 2):
            raise ValueError('%s: trailing text' % where)
        value = parse_value(fields[0], where)
        base = family_of(name, families)
        fam = families.get(base)
        if not fam or fam['type'] is None or fam['help'] is None:
            raise ValueError('%s: %s has no HELP and TYPE before it' % (where, base))
        if base != current:
            raise ValueError('%s: family %s is not contiguous' % (where, base))
        t = fam['type']
        if t == 'histogram' and name == base:
            raise ValueError('%s: a histogram sample needs _bucket, _sum or _count' % where)
        if t == 'histogram' and name.endswith('_bucket') and 'le' not in labels:
            raise ValueError('%s: bucket without le' % where)
        if t == 'counter' and value < 0:
            raise ValueError('%s: negative counter' % where)
        series = (name, tuple(sorted(labels.items())))
        if series in seen:
            raise ValueError('%s: series repeated' % where)
        seen.add(series)
        fam['samples'].append((name, labels, value))
    for base, fam in families.items():
        if fam['type'] is None or fam['help'] is None:
            raise ValueError('family %s lacks HELP or TYPE' % base)
        if fam['type'] == 'histogram':
            check_histogram(base, fam)
    return families


def check_histogram(base, fam):
    groups = {}
    for name, labels, value in fam['samples']:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != 'le'))
        g = groups.setdefault(rest, {'buckets': [], 'count': None})
        if name == base + '_bucket':
            g['buckets'].append((parse_value(labels['le'], base), value))
        elif name == base + '_count':
            g['count'] = value
    for rest, g in groups.items():
        b = g['buckets']
        if not b or b[-1][0] != math.inf:
            raise ValueError('%s: no le="+Inf" bucket last' % base)
        if [x[0] for x in b] != sorted(x[0] for x in b):
            raise ValueError('%s: buckets out of order' % base)
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            raise ValueError('%s: buckets not cumulative' % base)
        if g['count'] != b[-1][1]:
            raise ValueError('%s: _count differs from the +Inf bucket' % base)
