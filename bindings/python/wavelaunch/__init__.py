# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Python bindings of libwavelaunch, the WavelaunchOS back-office library.

    import wavelaunch
    with wavelaunch.Context() as ctx:          # settings as the apps read them
        client = ctx.clients.create({"name": "Nova"})
        for c in ctx.clients.iterate(status="active"):
            print(c["name"])

Every call goes through the library's own authorization as the Actor it
names (the system by default); failures raise a WavelaunchError subclass
per error code, with field errors as a dict."""
from __future__ import annotations

import ctypes

from . import _native
from .context import (ADMIN, ANONYMOUS, CLIENT, STAFF, SYSTEM, SYSTEM_ACTOR, Actor,
                      Context)
from .errors import (Conflict, Forbidden, Gone, InternalError, InvalidArgument, Locked,
                     NotFound, RateLimited, TooLarge, Unauthenticated, Unavailable,
                     Unsupported, ValidationError, WavelaunchError, raise_last)
from .worker import Task, Worker

__all__ = ["Actor", "Context", "Worker", "Task", "SYSTEM_ACTOR", "ADMIN", "STAFF", "CLIENT",
           "SYSTEM", "ANONYMOUS", "WavelaunchError", "InvalidArgument", "NotFound",
           "Forbidden", "Unauthenticated", "Conflict", "Locked", "RateLimited", "TooLarge",
           "Unsupported", "Unavailable", "InternalError", "Gone", "ValidationError",
           "version", "check_password", "normalize_email", "http_status"]


def version() -> str:
    """The library's version ("MAJOR.MINOR.PATCH")."""
    return _native.lib.wvl_version().decode()


def check_password(password: str, email: "str | None" = None) -> None:
    """Returns when the password passes the house policy; raises
    ValidationError (with a "password" field error) otherwise."""
    if _native.lib.wvl_auth_password_check(password.encode(),
                                           email.encode() if email else None) != 0:
        raise_last()


def normalize_email(email: str) -> str:
    """The address trimmed and lower-cased; InvalidArgument when it is not one."""
    buf = ctypes.create_string_buffer(256)
    if _native.lib.wvl_email_normalize(buf, len(buf), email.encode()) != 0:
        raise_last()
    return buf.value.decode()


def http_status(code: int) -> int:
    """The HTTP status wl-server answers for error code `code`."""
    return _native.lib.wvl_status_http(code)
