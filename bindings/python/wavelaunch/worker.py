# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Running job kinds written in Python with the library's worker (worker.h).

Handlers run on the worker's handler threads (ctypes takes the GIL for
each call); a handler receives a Task and returns an optional dict, which
is recorded as the job's last log message (its result), or raises to fail
the attempt (retried with backoff until the job's last attempt)."""
from __future__ import annotations

import ctypes
import json
import select
import threading
from typing import Any, Callable, Dict, List, Optional

from . import _native
from .context import Context
from .errors import raise_last

STOPPED = 1


class Task:
    """The job a handler runs: id, kind, queue, attempt, args (a dict)."""

    def __init__(self, ptr: int):
        self._ptr = ptr
        job = _native.lib.wvl_worker_task_job(ptr).contents
        self.id = job.id.decode()
        self.kind = job.kind.decode()
        self.queue = job.queue.decode()
        self.attempt = job.attempt
        self.client_id = job.client_id.decode() or None
        self.args: Dict[str, Any] = json.loads(job.args_json.decode() if job.args_json
                                               else "{}")

    @property
    def lost(self) -> bool:
        """True once the job was taken away (rescued, cancelled): stop."""
        return bool(_native.lib.wvl_worker_task_lost(self._ptr))

    def progress(self, percent: int, message: str = "") -> None:
        """Sets the job's progress and adds `message` to its log."""
        if _native.lib.wvl_worker_task_progress(self._ptr, percent, message.encode()) != 0:
            raise_last()


Handler = Callable[[Task], Optional[Dict[str, Any]]]


class Worker:
    """A worker over `ctx` claiming `queues` (comma-separated).

    register() the kinds, then run() (blocks; stop() from another thread
    or a signal handler ends it after a drain), or run(max_jobs=N) to
    return after N jobs completed."""

    def __init__(self, ctx: Context, queues: str = "default", concurrency: int = 4,
                 run_scheduler: bool = False):
        self._ctx = ctx
        self._handlers: List[Any] = []  # keep the C callbacks alive
        self.completed = 0
        self.outcomes: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._event = _native.EVENT(self._on_job)
        o = _native.WorkerOptions(1, concurrency, 10, 1000, 5, 25, queues.encode(), None,
                                  1 if run_scheduler else 0, self._event, None)
        self._ptr = ctypes.c_void_p()
        if _native.lib.wvl_worker_new(ctypes.byref(self._ptr), ctx._ptr, ctypes.byref(o)) != 0:
            raise_last()

    def _on_job(self, job: Any, outcome: bytes, ms: int, error: Optional[bytes],
                payload: Any) -> None:
        with self._lock:
            if outcome == b"completed":
                self.completed += 1
            self.outcomes.append({"id": job.contents.id.decode(),
                                  "kind": job.contents.kind.decode(),
                                  "outcome": outcome.decode(), "duration_ms": ms,
                                  "error": error.decode() if error else None})

    def register(self, kind: str, handler: Handler) -> None:
        """Runs `handler` for every job of `kind`."""
        def call(out_error: Any, task: int, payload: Any) -> int:
            try:
                result = handler(Task(task))
                if result is not None:
                    Task(task).progress(100, json.dumps(result))
                return 0
            except Exception as e:  # the attempt fails; the worker stores why
                out_error[0] = ctypes.cast(_native.libc.strdup(
                    ("%s: %s" % (type(e).__name__, e)).encode()), ctypes.c_char_p)
                return 1
        cb = _native.HANDLER(call)
        self._handlers.append(cb)
        if _native.lib.wvl_worker_register(self._ptr, kind.encode(), cb, None) != 0:
            raise_last()

    def register_builtin(self) -> None:
        """Also runs the library's own kinds (email, notifications...)."""
        if _native.lib.wvl_worker_register_builtin(self._ptr) != 0:
            raise_last()

    @property
    def id(self) -> str:
        return _native.lib.wvl_worker_id(self._ptr).decode()

    def stop(self) -> None:
        """Asks the worker to drain and stop (any thread)."""
        _native.lib.wvl_worker_stop(self._ptr)

    def run(self, max_jobs: Optional[int] = None) -> None:
        """Claims and runs jobs until stop(), or until `max_jobs` completed."""
        if _native.lib.wvl_worker_start(self._ptr) != 0:
            raise_last()
        fd = _native.lib.wvl_worker_fd(self._ptr)
        timeout = ctypes.c_int(0)
        while True:
            rc = _native.lib.wvl_worker_step(ctypes.byref(timeout), self._ptr)
            if rc == STOPPED:
                return
            if rc != 0:
                raise_last()
            if max_jobs is not None and self.completed >= max_jobs:
                self.stop()
            select.select([fd], [], [], timeout.value / 1000.0)

    def close(self) -> None:
        if self._ptr:
            _native.lib.wvl_worker_free(self._ptr)
            self._ptr = ctypes.c_void_p()

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
