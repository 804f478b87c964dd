#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The job kinds the library's own code enqueues, found in its sources, one
per line: string literals among the arguments of every enqueue call
(wvl_jobs_enqueue, wvl_jobs__enqueue_tx and the modules' enqueue helpers),
in the (kind, queue) tables modules loop over, in the scheduler's
built-in schedules, and in the schedules the library defines (job_kind).  A kind has an underscore (email_send, file_rescan);
other literals in those places (a rule's step name) do not.

   job_kinds.py SOURCE_ROOT"""
import os
import re
import sys

QUEUES = ('default', 'email', 'notifications', 'automation', 'files')
KIND = re.compile(r'^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$')


def calls(text):
    """The argument text of every call of a function whose name has
    "enqueue" in it (definitions too: they hold no literals), except the
    ones that queue an email by its template (their kind is email_send)."""
    for m in re.finditer(r'\b(?!\w*enqueue_email)\w*enqueue\w*\s*\(', text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {'(': 1, ')': -1}.get(text[i], 0)
            i += 1
        yield text[m.end():i - 1]


def main():
    root = os.path.join(sys.argv[1], 'lib')
    kinds = set()
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith('.c'):
                continue
            text = open(os.path.join(folder, name), encoding='utf-8').read()
            for args in calls(text):
                kinds.update(k for k in re.findall(r'"([^"\\]*)"', args) if KIND.match(k))
            for k, q in re.findall(r'\{\s*"([a-z0-9_]+)"\s*,\s*"([a-z]+)"\s*\}', text):
                if q in QUEUES and KIND.match(k):
                    kinds.add(k)
            # The built-in schedules: (name, cron, time zone, kind, ...).
            kinds.update(re.findall(r"'UTC', '([a-z0-9_]+)'", text))
            # Schedules the library defines (wvl_scheduler_def.job_kind).
            kinds.update(k for k in re.findall(r'\bjob_kind\s*=\s*"([a-z0-9_]+)"', text)
                         if KIND.match(k))
    print('\n'.join(sorted(kinds)))


if __name__ == '__main__':
    main()
