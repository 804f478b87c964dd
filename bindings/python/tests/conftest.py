# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A database of its own for each test module, cloned from scripts/test's
migrated template, and a Context over it."""
import os
import sys
import tempfile

import pytest

import wavelaunch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "tests", "common"))
from testpg import create_database, drop_database, env, psql, settings  # noqa: E402,F401


@pytest.fixture(scope="module")
def database():
    name = create_database("t_py")
    yield name
    drop_database(name)


@pytest.fixture(scope="module")
def settings_of(database):
    state = tempfile.mkdtemp(prefix="wl-py-")
    out = settings(database,
                   WL_CLAMD=env("WL_TEST_CLAMD"),
                   WL_STORAGE_DIR=os.path.join(state, "storage"),
                   WL_MAILBOX_DIR=os.path.join(state, "mailbox"),
                   WL_PUBLIC_URL="https://app.wavelaunch.test")
    del out["WL_ENV_FILE"]  # the package is told env_file=None instead
    return out


@pytest.fixture(scope="module")
def ctx(database, settings_of):
    with wavelaunch.Context(settings_of, env_file=None) as c:
        c.db = database
        yield c
