# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A database of its own for each test module, cloned from scripts/test's
migrated template, and a Context over it."""
import base64
import os
import secrets
import subprocess
import tempfile
import time

import pytest

import wavelaunch


def _env(name):
    v = os.environ.get(name)
    if not v:
        pytest.fail("%s is not set: run through scripts/test" % name)
    return v


def psql(db, sql):
    """As the owner, as the system (row-level security binds the owner)."""
    if db != "postgres":
        sql = "SET wvl.actor_role = 'system'; " + sql
    return subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
         "-p", _env("WL_TEST_PG_PORT"), "-U", "wavelaunch_owner", "-d", db, "-c", sql],
        env={**os.environ, "PGPASSWORD": _env("WL_TEST_PG_OWNER_PASSWORD")},
        check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def database():
    name = "t_py_%s_%d" % (secrets.token_hex(4), os.getpid())
    for i in range(20):
        try:
            psql("postgres", "CREATE DATABASE %s TEMPLATE wl_template" % name)
            break
        except subprocess.CalledProcessError:
            if i == 19:
                raise
            time.sleep(0.1)
    yield name
    psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


@pytest.fixture(scope="module")
def settings(database):
    port = _env("WL_TEST_PG_PORT")
    state = tempfile.mkdtemp(prefix="wl-py-")
    settings = {
        "WL_DATABASE_URL": "postgresql://wavelaunch_app:%s@127.0.0.1:%s/%s"
                           % (_env("WL_TEST_PG_APP_PASSWORD"), port, database),
        "WL_MIGRATE_DATABASE_URL": "postgresql://wavelaunch_owner:%s@127.0.0.1:%s/%s"
                                   % (_env("WL_TEST_PG_OWNER_PASSWORD"), port, database),
        "WL_REDIS_URL": "redis://127.0.0.1:%s/0" % _env("WL_TEST_REDIS_PORT"),
        "WL_REDIS_PREFIX": "py%d:" % os.getpid(),
        "WL_SECRET_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "WL_CLAMD": _env("WL_TEST_CLAMD"),
        "WL_STORAGE_DIR": os.path.join(state, "storage"),
        "WL_MAILBOX_DIR": os.path.join(state, "mailbox"),
        "WL_PUBLIC_URL": "https://app.wavelaunch.test",
    }
    return settings


@pytest.fixture(scope="module")
def ctx(database, settings):
    with wavelaunch.Context(settings, env_file=None) as c:
        c.db = database
        yield c
