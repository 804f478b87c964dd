#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The C examples do their real work against a database of their own:
custom_worker runs the job enqueue_and_wait commits in its own transaction
(and a rolled-back one leaves no job); client_report pages through the demo
clients wl-migrate seeds and its totals match the database's.

Usage: run_examples.py EXAMPLES_DIR WL_MIGRATE (scripts/test's services)."""
import base64
import os
import secrets
import subprocess
import sys
import time


def env(name):
    v = os.environ.get(name)
    if not v:
        sys.exit('%s is not set: run through scripts/test' % name)
    return v


def psql(db, sql):
    """As the owner, whom row-level security binds too: as the system."""
    if db != 'postgres':
        sql = "SET wvl.actor_role = 'system'; " + sql
    return subprocess.run(
        ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1',
         '-p', env('WL_TEST_PG_PORT'), '-U', 'wavelaunch_owner', '-d', db, '-c', sql],
        env={**os.environ, 'PGPASSWORD': env('WL_TEST_PG_OWNER_PASSWORD')},
        check=True, capture_output=True, text=True).stdout.strip()


def main():
    examples, migrate = sys.argv[1], sys.argv[2]
    db = 't_examples_%s_%d' % (secrets.token_hex(4), os.getpid())
    for i in range(20):  # the template is briefly busy while another clone starts
        try:
            psql('postgres', 'CREATE DATABASE %s TEMPLATE wl_template' % db)
            break
        except subprocess.CalledProcessError:
            if i == 19:
                raise
            time.sleep(0.1)
    port = env('WL_TEST_PG_PORT')
    run_env = {
        **os.environ,
        'WL_ENV_FILE': '/nonexistent',
        'WL_DATABASE_URL': 'postgresql://wavelaunch_app:%s@127.0.0.1:%s/%s'
                           % (env('WL_TEST_PG_APP_PASSWORD'), port, db),
        'WL_MIGRATE_DATABASE_URL': 'postgresql://wavelaunch_owner:%s@127.0.0.1:%s/%s'
                                   % (env('WL_TEST_PG_OWNER_PASSWORD'), port, db),
        'WL_REDIS_URL': 'redis://127.0.0.1:%s/0' % env('WL_TEST_REDIS_PORT'),
        'WL_REDIS_PREFIX': 'examples%d:' % os.getpid(),
        'WL_SECRET_KEY': base64.b64encode(secrets.token_bytes(32)).decode(),
    }
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
        psql('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % db)
    for f in faults:
        print('FAIL:', f)
    print('%d faults' % len(faults))
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main())
