# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The context (configuration, pools, clock) and the domain calls on it.

Every call acts as an Actor: the library checks what that actor may do,
exactly as for wl-server's requests.  Results are the library's JSON,
decoded into dicts and lists.  A Context may be shared by threads."""
from __future__ import annotations

import ctypes
import json
import os
from typing import IO, Any, Dict, Iterator, Mapping, Optional, Union

from . import _native
from .errors import raise_last

ADMIN, STAFF, CLIENT, SYSTEM, ANONYMOUS = 3, 2, 1, 4, 0

Json = Dict[str, Any]


class Actor:
    """Who acts: role (ADMIN, STAFF, CLIENT, SYSTEM) with the user's and,
    for a client user, the client's uuid."""

    def __init__(self, role: int, user_id: Optional[str] = None,
                 client_id: Optional[str] = None):
        self.role, self.user_id, self.client_id = role, user_id, client_id

    def _c(self) -> _native.Actor:
        a = _native.Actor()
        a.version = _native.ACTOR_VERSION
        a.role = self.role
        a.user_id = (self.user_id or "").encode()
        a.client_id = (self.client_id or "").encode()
        return a

    def __repr__(self) -> str:
        return "Actor(role=%d, user_id=%r, client_id=%r)" % (self.role, self.user_id,
                                                              self.client_id)


SYSTEM_ACTOR = Actor(SYSTEM)


def _b(s: Optional[str]) -> Optional[bytes]:
    return s.encode() if s is not None else None


def _take_json(out: ctypes.c_char_p) -> Any:
    """Decodes and frees a string the library handed out."""
    raw = ctypes.cast(out, ctypes.c_void_p)
    try:
        return json.loads(out.value.decode()) if out.value else None
    finally:
        _native.lib.wvl_free(raw)


class _Query:
    def __init__(self, params: Mapping[str, Any]):
        self.ptr = ctypes.c_void_p()
        if _native.lib.wvl_query_new(ctypes.byref(self.ptr)) != 0:
            raise_last()
        for k, v in params.items():
            if v is None:
                continue
            if _native.lib.wvl_query_add(self.ptr, str(k).encode(), str(v).encode()) != 0:
                _native.lib.wvl_query_free(self.ptr)
                raise_last()

    def __enter__(self) -> ctypes.c_void_p:
        return self.ptr

    def __exit__(self, *exc: Any) -> None:
        _native.lib.wvl_query_free(self.ptr)


class _Resource:
    def __init__(self, ctx: "Context"):
        self._ctx = ctx

    def _call(self, name: str, actor: Optional[Actor], *args: Any) -> Any:
        out = ctypes.c_char_p()
        a = (actor or self._ctx.actor)._c()
        rc = getattr(_native.lib, "wvl_" + name)(ctypes.byref(out), self._ctx._ptr,
                                                ctypes.byref(a), *args)
        if rc != 0:
            raise_last()
        return _take_json(out)

    def _do(self, name: str, actor: Optional[Actor], *args: Any) -> None:
        a = (actor or self._ctx.actor)._c()
        if getattr(_native.lib, "wvl_" + name)(self._ctx._ptr, ctypes.byref(a), *args) != 0:
            raise_last()

    def _list(self, name: str, actor: Optional[Actor], scope: Optional[str],
              params: Mapping[str, Any]) -> Json:
        with _Query(params) as q:
            return self._call(name, actor, _b(scope), q)

    def _all(self, name: str, actor: Optional[Actor], scope: Optional[str],
             params: Mapping[str, Any]) -> Iterator[Json]:
        params = dict(params)
        while True:
            page = self._list(name, actor, scope, params)
            yield from page["data"]
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]


class Clients(_Resource):
    """Clients (clients.h)."""

    def create(self, body: Json, actor: Optional[Actor] = None) -> Json:
        """Creates a client with its eight milestones; returns it."""
        return self._call("clients_create", actor, json.dumps(body).encode())

    def get(self, client_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("clients_get", actor, _b(client_id))

    def update(self, client_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("clients_update", actor, _b(client_id), json.dumps(body).encode())

    def archive(self, client_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("clients_archive", actor, _b(client_id))

    def list(self, actor: Optional[Actor] = None, **params: Any) -> Json:
        """One page: {"data": [...], "next_cursor": ...}; params are the
        list's query (limit, cursor, sort, status, q, fields...)."""
        return self._list("clients_list", actor, None, params)

    def iterate(self, actor: Optional[Actor] = None, **params: Any) -> Iterator[Json]:
        """Every client, page after page (keyset paging)."""
        return self._all("clients_list", actor, None, params)


class Plans(_Resource):
    """Business plan versions (plans.h)."""

    def create(self, client_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("plans_create", actor, _b(client_id), json.dumps(body).encode())

    def get(self, plan_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("plans_get", actor, _b(plan_id))

    def update(self, plan_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("plans_update", actor, _b(plan_id), json.dumps(body).encode())

    def approve(self, plan_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("plans_approve", actor, _b(plan_id))

    def list(self, client_id: str, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("plans_list", actor, client_id, params)


class Deliverables(_Resource):
    """The M1..M8 deliverables (deliverables.h)."""

    def get(self, deliverable_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("deliverables_get", actor, _b(deliverable_id))

    def update(self, deliverable_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("deliverables_update", actor, _b(deliverable_id),
                          json.dumps(body).encode())

    def mark_ready(self, deliverable_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("deliverables_mark_ready", actor, _b(deliverable_id))

    def list(self, client_id: str, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("deliverables_list", actor, client_id, params)


class Notes(_Resource):
    """Notes on a client (notes.h)."""

    def create(self, client_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("notes_create", actor, _b(client_id), json.dumps(body).encode())

    def delete(self, note_id: str, actor: Optional[Actor] = None) -> None:
        self._do("notes_delete", actor, _b(note_id))

    def list(self, client_id: str, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("notes_list", actor, client_id, params)


class Files(_Resource):
    """Files of a client (files.h): scanned, typed by their bytes."""

    def upload(self, client_id: str, source: Union[str, "os.PathLike[str]", IO[bytes]],
               name: Optional[str] = None, actor: Optional[Actor] = None) -> Json:
        """Uploads a file from a path or a binary file object, in chunks;
        returns the stored file."""
        own = not hasattr(source, "read")
        f: IO[bytes] = open(source, "rb") if own else source  # type: ignore[arg-type]
        if name is None:
            name = os.path.basename(str(source)) if own else getattr(f, "name", "file")
        a = (actor or self._ctx.actor)._c()
        up = ctypes.c_void_p()
        try:
            if _native.lib.wvl_files_upload_begin(ctypes.byref(up), self._ctx._ptr,
                                                  ctypes.byref(a), _b(client_id),
                                                  _b(os.path.basename(str(name))), -1,
                                                  None) != 0:
                raise_last()
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                if _native.lib.wvl_files_upload_write(up, chunk, len(chunk)) != 0:
                    raise_last()  # the finally below aborts the upload
            out = ctypes.c_char_p()
            handle, up = up, None
            if _native.lib.wvl_files_upload_finish(ctypes.byref(out), handle) != 0:
                raise_last()
            return _take_json(out)
        finally:
            if up:
                _native.lib.wvl_files_upload_abort(up)
            if own:
                f.close()

    def get(self, file_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("files_get", actor, _b(file_id))

    def download_link(self, file_id: str, actor: Optional[Actor] = None) -> Json:
        """A signed link, valid for an hour: {"url", "expires_at"}."""
        return self._call("files_download_link", actor, _b(file_id))

    def delete(self, file_id: str, actor: Optional[Actor] = None) -> None:
        self._do("files_delete", actor, _b(file_id))

    def list(self, client_id: str, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("files_list", actor, client_id, params)


class Jobs(_Resource):
    """The durable job queue (jobs.h)."""

    def enqueue(self, kind: str, args: Optional[Json] = None, *, queue: Optional[str] = None,
                priority: int = 0, run_at_us: int = 0, max_attempts: int = 0,
                unique_key: Optional[str] = None, client_id: Optional[str] = None,
                actor: Optional[Actor] = None) -> str:
        """Enqueues a job in a transaction of its own; returns its id."""
        o = _native.JobOptions(1, _b(queue), priority, run_at_us, max_attempts,
                               _b(unique_key), _b(client_id))
        out = ctypes.create_string_buffer(_native.ID_SIZE)
        a = (actor or self._ctx.actor)._c()
        if _native.lib.wvl_jobs_enqueue(out, None, self._ctx._ptr, ctypes.byref(a),
                                        kind.encode(), json.dumps(args or {}).encode(),
                                        ctypes.byref(o)) != 0:
            raise_last()
        return out.value.decode()

    def get(self, job_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("jobs_get", actor, _b(job_id))

    def list(self, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("jobs_list", actor, None, params)

    def retry(self, job_id: str, actor: Optional[Actor] = None) -> None:
        self._do("jobs_retry", actor, _b(job_id))

    def cancel(self, job_id: str, actor: Optional[Actor] = None) -> None:
        self._do("jobs_cancel", actor, _b(job_id))

    def wait(self, job_id: str, timeout: float = 30.0,
             actor: Optional[Actor] = None) -> Json:
        """Waits until the job has finished or `timeout` seconds passed;
        returns the job as it then is (look at its "state")."""
        out = ctypes.c_char_p()
        done = ctypes.c_int()
        a = (actor or self._ctx.actor)._c()
        if _native.lib.wvl_jobs_wait(ctypes.byref(out), ctypes.byref(done), self._ctx._ptr,
                                     ctypes.byref(a), _b(job_id), int(timeout * 1000)) != 0:
            raise_last()
        return _take_json(out)


class Email(_Resource):
    """Email queueing (email.h)."""

    def enqueue(self, template: str, to: Optional[str] = None,
                client_id: Optional[str] = None, data: Optional[Json] = None,
                actor: Optional[Actor] = None) -> Json:
        """Queues one email from a template; returns its log row."""
        body: Json = {"template": template, "data": data or {}}
        if to is not None:
            body["to"] = to
        if client_id is not None:
            body["client_id"] = client_id
        return self._call("email_enqueue", actor, json.dumps(body).encode())

    def get(self, email_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("email_get", actor, _b(email_id))

    def list(self, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("email_list", actor, None, params)


class Tickets(_Resource):
    """Support tickets (tickets.h)."""

    def create(self, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("tickets_create", actor, json.dumps(body).encode())

    def get(self, ticket_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("tickets_get", actor, _b(ticket_id))

    def update(self, ticket_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("tickets_update", actor, _b(ticket_id), json.dumps(body).encode())

    def reply(self, ticket_id: str, body: Json, actor: Optional[Actor] = None) -> Json:
        return self._call("tickets_reply", actor, _b(ticket_id), json.dumps(body).encode())

    def close(self, ticket_id: str, actor: Optional[Actor] = None) -> Json:
        return self._call("tickets_close", actor, _b(ticket_id))

    def list(self, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("tickets_list", actor, None, params)

    def messages(self, ticket_id: str, actor: Optional[Actor] = None, **params: Any) -> Json:
        return self._list("tickets_messages_list", actor, ticket_id, params)


class Context:
    """A libwavelaunch context.

    Settings come, as for the apps, from `env_file` (default ".env" when it
    exists; None for none), then the process's WL_* variables, then
    `settings`, which win.  The configuration is validated: a bad value
    raises with its key named.  Use it as a context manager, or call
    close().  `actor` is who acts when a call names nobody (the system by
    default)."""

    def __init__(self, settings: Optional[Mapping[str, str]] = None,
                 env_file: Optional[str] = ".env", actor: Actor = SYSTEM_ACTOR):
        self.actor = actor
        self._ptr = ctypes.c_void_p()
        cfg = ctypes.c_void_p()
        if _native.lib.wvl_config_new(ctypes.byref(cfg)) != 0:
            raise_last()
        try:
            if _native.lib.wvl_config_load_env(cfg, _b(env_file)) != 0:
                raise_last()
            for k, v in (settings or {}).items():
                if _native.lib.wvl_config_set(cfg, k.encode(), str(v).encode()) != 0:
                    raise_last()
            if _native.lib.wvl_config_validate(cfg) != 0:
                raise_last()
            if _native.lib.wvl_ctx_new(ctypes.byref(self._ptr), cfg, None) != 0:
                raise_last()
        finally:
            _native.lib.wvl_config_free(cfg)
        self.clients = Clients(self)
        self.plans = Plans(self)
        self.deliverables = Deliverables(self)
        self.notes = Notes(self)
        self.files = Files(self)
        self.jobs = Jobs(self)
        self.email = Email(self)
        self.tickets = Tickets(self)

    def close(self) -> None:
        """Frees the context; closes its connections.  Idempotent."""
        if self._ptr:
            _native.lib.wvl_ctx_free(self._ptr)
            self._ptr = ctypes.c_void_p()

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
