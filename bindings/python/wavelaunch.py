# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A ctypes binding of libwavelaunch: the same rules as every other program
linking the library.  Covers the error model, versions, the password policy
and e-mail normalisation; extend it function by function as needed.

Set WAVELAUNCH_LIB to the library's path, or let ctypes find
libwavelaunch.so.2 on the loader path."""
import ctypes
import os


class WavelaunchError(Exception):
    """A failed call: code (negative WVL_E*), slug, message, fields (JSON)."""

    def __init__(self, code, slug, message, fields):
        super().__init__(message)
        self.code, self.slug, self.message, self.fields = code, slug, message, fields


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("slug", ctypes.c_char_p),
                ("message", ctypes.c_char_p), ("fields_json", ctypes.c_char_p),
                ("retry_after", ctypes.c_int)]


_lib = ctypes.CDLL(os.environ.get("WAVELAUNCH_LIB", "libwavelaunch.so.2"))
_lib.wvl_version.restype = ctypes.c_char_p
_lib.wvl_error_last.restype = ctypes.POINTER(_Error)
_lib.wvl_auth_password_check.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_lib.wvl_email_normalize.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
_lib.wvl_status_http.argtypes = [ctypes.c_int]


def _raise():
    # wvl_error_last() is per thread: read it on the thread that failed.
    e = _lib.wvl_error_last().contents
    dec = lambda b: b.decode() if b else None
    raise WavelaunchError(e.code, dec(e.slug), dec(e.message), dec(e.fields_json))


def version():
    return _lib.wvl_version().decode()


def check_password(password, email=None):
    """None when the password passes the policy; raises WavelaunchError."""
    if _lib.wvl_auth_password_check(password.encode(), email.encode() if email else None) != 0:
        _raise()


def normalize_email(email):
    buf = ctypes.create_string_buffer(256)
    if _lib.wvl_email_normalize(buf, len(buf), email.encode()) != 0:
        _raise()
    return buf.value.decode()


def http_status(code):
    return _lib.wvl_status_http(code)
