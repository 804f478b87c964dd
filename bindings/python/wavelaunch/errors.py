# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""One exception class per libwavelaunch error code (core.h's WVL_E*)."""
from __future__ import annotations

import json
from typing import Dict, Optional

from . import _native


class WavelaunchError(Exception):
    """A failed library call.

    code: the negative WVL_E* number; slug: the problem's machine name
    (e.g. "validation_failed"); message: what went wrong, for people;
    fields: field errors as a dict (empty when there are none);
    retry_after: seconds to wait (rate limits, lockouts), or 0;
    http_status: the status wl-server answers with for this code."""

    code = 0

    def __init__(self, code: int, slug: Optional[str], message: str,
                 fields: Dict[str, str], retry_after: int = 0):
        super().__init__(message)
        self.code, self.slug, self.message = code, slug, message
        self.fields, self.retry_after = fields, retry_after
        self.http_status = _native.lib.wvl_status_http(code)

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        return "%s (%s)" % (self.message,
                            "; ".join("%s: %s" % kv for kv in sorted(self.fields.items())))


class InvalidArgument(WavelaunchError):
    """WVL_EINVAL: a bad argument or malformed input."""
    code = -1


class NotFound(WavelaunchError):
    """WVL_ENOTFOUND: no such row, or not the actor's."""
    code = -2


class Forbidden(WavelaunchError):
    """WVL_EFORBIDDEN: the role may never do this."""
    code = -3


class Unauthenticated(WavelaunchError):
    """WVL_EUNAUTHENTICATED: no valid credentials."""
    code = -4


class Conflict(WavelaunchError):
    """WVL_ECONFLICT: a state or uniqueness conflict."""
    code = -5


class Locked(WavelaunchError):
    """WVL_ELOCKED: the account is locked."""
    code = -6


class RateLimited(WavelaunchError):
    """WVL_ERATELIMITED: too many requests (see retry_after)."""
    code = -7


class TooLarge(WavelaunchError):
    """WVL_ETOOLARGE: input over a size limit."""
    code = -8


class Unsupported(WavelaunchError):
    """WVL_EUNSUPPORTED: an unsupported media type or operation."""
    code = -9


class Unavailable(WavelaunchError):
    """WVL_EUNAVAILABLE: a dependency (PostgreSQL, Redis, clamd) is down."""
    code = -10


class InternalError(WavelaunchError):
    """WVL_EINTERNAL: a bug or an unexpected failure."""
    code = -11


class Gone(WavelaunchError):
    """WVL_EGONE: an expired or used link or token."""
    code = -12


class ValidationError(WavelaunchError):
    """WVL_EVALIDATION: well-formed input whose content is refused; the
    reasons per field are in `fields`."""
    code = -13


_BY_CODE = {cls.code: cls for cls in WavelaunchError.__subclasses__()}


def raise_last() -> None:
    """Raises the calling thread's last library error (wvl_error_last is
    per thread, so this must run on the thread whose call failed)."""
    e = _native.lib.wvl_error_last().contents
    dec = lambda b: b.decode("utf-8", "replace") if b else None  # noqa: E731
    fields = {}
    if e.fields_json:
        try:
            fields = json.loads(e.fields_json.decode())
        except ValueError:
            fields = {}
    cls = _BY_CODE.get(e.code, WavelaunchError)
    raise cls(e.code, dec(e.slug), dec(e.message) or "failed", fields, e.retry_after)
