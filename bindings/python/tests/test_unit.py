# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""What needs no database: versions, the password policy, emails, errors."""
import os
import re

import pytest

import wavelaunch
from wavelaunch._version import VERSION


def test_version_is_the_projects():
    assert re.fullmatch(r"\d+\.\d+\.\d+", wavelaunch.version())
    assert wavelaunch.version() == VERSION == os.environ["WL_PROJECT_VERSION"]


def test_the_ctypes_structs_have_the_c_layout():
    """The mirrors in _native.py against the offsets abi_layout.c pins for
    the C structs (LP64): a field moved on either side fails here."""
    import ctypes

    from wavelaunch import _native
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("abi_layout.c pins LP64")
    text = open(os.environ["WL_ABI_LAYOUT"], encoding="utf-8").read()
    mirrors = {"wvl_actor": _native.Actor, "wvl_job": _native.Job, "wvl_error": _native.Error}
    checked = 0
    for struct, field, offset in re.findall(r"FIXED\(offsetof\((\w+), (\w+)\), (\d+)\)", text):
        if struct in mirrors:
            assert getattr(mirrors[struct], field).offset == int(offset), (struct, field)
            checked += 1
    for struct, size in re.findall(r"AT_LEAST\(sizeof\((\w+)\), (\d+)\)", text):
        if struct in mirrors:
            assert ctypes.sizeof(mirrors[struct]) == int(size), struct
    assert checked == len(_native.Actor._fields_) + len(_native.Job._fields_) + \
        len(_native.Error._fields_)
    assert _native.Actor.version.offset == 0 and _native.ACTOR_VERSION == 1


def test_password_policy_errors_carry_fields_as_a_dict():
    wavelaunch.check_password("Lantern-Orchard-58!", "ana@example.com")
    with pytest.raises(wavelaunch.ValidationError) as e:
        wavelaunch.check_password("Password1!")
    assert e.value.slug == "validation_failed"
    assert "password" in e.value.fields and isinstance(e.value.fields["password"], str)
    assert e.value.http_status == 422
    assert isinstance(e.value, wavelaunch.WavelaunchError)


@pytest.mark.parametrize("bad", ["", "no-at", "a@b", "x@example.com\r\nBcc: y@z.q"])
def test_bad_emails_raise(bad):
    with pytest.raises(wavelaunch.WavelaunchError):
        wavelaunch.normalize_email(bad)


def test_email_normalized():
    assert wavelaunch.normalize_email(" Ana@Example.COM ") == "ana@example.com"


def test_a_bad_setting_names_its_key():
    with pytest.raises(wavelaunch.WavelaunchError) as e:
        wavelaunch.Context({"WL_DATABASE_URL": "postgresql://x", "WL_LISTEN": "nowhere"},
                           env_file=None)
    assert "WL_LISTEN" in e.value.message
