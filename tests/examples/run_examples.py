#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The C examples do their real work against a database of their own:
custom_worker runs the job enqueue_and_wait commits in its own transaction
(and a rolled-back one leaves no job); client_report pages through the demo
clients wl-migrate seeds and its totals match the database's.

Usage: run_examples.py EXAMPLES_DIR WL_MIGRATE (scripts/test's services)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from testpg import create_database, drop_database, psql, settings  # noqa: E402


def main():
    examples, migrate = sys.argv[1], sys.argv[2]
    db = create_database('t_examples')
    run_env = {**os.environ, **settings(db)}
    faults = []

    def run(args, **kw):
        return subprocess.run(args, env=run_env, capture_output=True, text=True,
                              timeout=120, **kw)

    worker = None
    try:
        # A job committed in the caller's transaction, run by the custom worker.
        worker = subprocess.Popen([os.path.join(examples, 'custom_worker'), '--jobs', '1'],
                                  env=run_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        ready = worker.stdout.readline()
        if not ready.startswith('ready'):
            faults.append('custom_worker did not start: %r %s' % (ready, worker.stderr.read()))
        r = run([os.path.join(examples, 'enqueue_and_wait'), 'the quick  brown\tfox'])
        if r.returncode != 0 or 'result: {"words":4}' not in r.stdout:
            faults.append('enqueue_and_wait: rc %d\n%s%s' % (r.returncode, r.stdout, r.stderr))
        out, err = worker.communicate(timeout=60)
        if worker.returncode != 0 or 'stopped after 1 completed jobs' not in out \
                or 'example.word_count' not in out:
            faults.append('custom_worker: rc %d\n%s%s' % (worker.returncode, out, err))
        worker = None

        # A rolled-back transaction leaves no job.
        r = run([os.path.join(examples, 'enqueue_and_wait'), 'nothing', '--rollback'])
        if r.returncode != 0 or 'no such job' not in r.stdout:
            faults.append('enqueue_and_wait --rollback: rc %d\n%s%s'
                          % (r.returncode, r.stdout, r.stderr))
        if psql(db, "SELECT count(*) FROM jobs WHERE kind = 'example.word_count'") != '1':
            faults.append('the rolled-back job exists')

        # The report pages through every client and adds them up right.
        r = run([migrate, 'seed-demo', '--clients', '30'])
        if r.returncode != 0:
            faults.append('seed-demo: %s%s' % (r.stdout, r.stderr))
        count = int(psql(db, "SELECT count(*) FROM clients WHERE status <> 'archived'"))
        cents = int(psql(db, "SELECT coalesce(sum(monthly_fee_cents), 0) FROM clients"
                             " WHERE status <> 'archived'"))
        r = run([os.path.join(examples, 'client_report'), '--page-size', '7'])
        pages = -(-count // 7) + (1 if count % 7 == 0 else 0)
        want_total = '%d clients in ' % count
        want_fees = '%.2f a month' % (cents / 100.0)
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ''
        if r.returncode != 0 or want_total not in r.stdout or want_fees not in last \
                or count < 30:
            faults.append('client_report: rc %d, want %r and %r (about %d pages)\n%s%s'
                          % (r.returncode, want_total, want_fees, pages, r.stdout, r.stderr))
        r = run([os.path.join(examples, 'client_report'), '--page-size', '0'])
        if r.returncode == 0 or 'limit' not in r.stderr:
            faults.append('client_report with a bad page size: rc %d %s'
                          % (r.returncode, r.stderr))
    finally:
        if worker:
            worker.kill()
            worker.wait()
        drop_database(db)
    for f in faults:
        print('FAIL:', f)
    print('%d faults' % len(faults))
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main())
