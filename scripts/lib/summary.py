#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Prints one closing line for the whole run from meson's testlog.json:
every Criterion test counted individually, other meson tests as one each."""
import json
import re
import sys

passed = failed = skipped = 0
for line in open(sys.argv[1]):
    entry = json.loads(line)
    text = (entry.get('stdout') or '') + (entry.get('stderr') or '')
    m = re.findall(r'Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)', text)
    if m:
        tested, ok, fail, crash = map(int, m[-1])
        passed += ok
        failed += fail
        skipped += max(tested - ok - fail, 0)
    elif entry.get('result') in ('OK', 'EXPECTEDFAIL'):
        passed += 1
    elif entry.get('result') == 'SKIP':
        skipped += 1
    else:
        failed += 1
print('tests: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
sys.exit(1 if failed else 0)
