# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""What the Python tests share with testenv.c: scripts/test's services, a
database of each test's own cloned from the migrated template, and the
WL_* settings of a program running over it."""
import base64
import os
import secrets
import subprocess
import time


def env(name):
    """A variable scripts/test exports; stops the test when it is missing."""
    v = os.environ.get(name)
    if not v:
        raise SystemExit('%s is not set: run through scripts/test' % name)
    return v


def psql(db, sql):
    """`sql` as the owner; in a test database as the system, since
    row-level security binds the owner too."""
    if db != 'postgres':
        sql = "SET wvl.actor_role = 'system'; " + sql
    return subprocess.run(
        ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1',
         '-p', env('WL_TEST_PG_PORT'), '-U', 'wavelaunch_owner', '-d', db, '-c', sql],
        env={**os.environ, 'PGPASSWORD': env('WL_TEST_PG_OWNER_PASSWORD')},
        check=True, capture_output=True, text=True).stdout.strip()


def create_database(prefix):
    """A new database cloned from wl_template; its name."""
    name = '%s_%s_%d' % (prefix, secrets.token_hex(4), os.getpid())
    for i in range(20):  # the template is briefly busy while another clone starts
        try:
            psql('postgres', 'CREATE DATABASE %s TEMPLATE wl_template' % name)
            return name
        except subprocess.CalledProcessError:
            if i == 19:
                raise
            time.sleep(0.1)


def drop_database(name):
    psql('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


def settings(db, **extra):
    """The WL_* settings of a program over database `db` (no .env file)."""
    port = env('WL_TEST_PG_PORT')
    out = {
        'WL_ENV_FILE': '/nonexistent',
        'WL_DATABASE_URL': 'postgresql://wavelaunch_app:%s@127.0.0.1:%s/%s'
                           % (env('WL_TEST_PG_APP_PASSWORD'), port, db),
        'WL_MIGRATE_DATABASE_URL': 'postgresql://wavelaunch_owner:%s@127.0.0.1:%s/%s'
                                   % (env('WL_TEST_PG_OWNER_PASSWORD'), port, db),
        'WL_REDIS_URL': 'redis://127.0.0.1:%s/0' % env('WL_TEST_REDIS_PORT'),
        'WL_REDIS_PREFIX': '%s:' % db,
        'WL_SECRET_KEY': base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    out.update(extra)
    return out
