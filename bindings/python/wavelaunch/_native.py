# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The shared library and the C prototypes the package calls (ctypes).

WAVELAUNCH_LIB names the library file; otherwise the loader finds
libwavelaunch.so.3 (the soname this package is written against)."""
from __future__ import annotations

import ctypes
import os

SONAME = "libwavelaunch.so.3"

lib = ctypes.CDLL(os.environ.get("WAVELAUNCH_LIB", SONAME))
libc = ctypes.CDLL(None)

ID_SIZE = 37
SESSION_CHECK_SIZE = 68
NAME_SIZE = 64

c_char_pp = ctypes.POINTER(ctypes.c_char_p)


# The versions of the structs below (each starts with `version`, as in C).
ACTOR_VERSION = 1
JOB_VERSION = 1


class Error(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("code", ctypes.c_int), ("slug", ctypes.c_char_p),
                ("message", ctypes.c_char_p), ("fields_json", ctypes.c_char_p),
                ("retry_after", ctypes.c_int)]


class Actor(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("role", ctypes.c_int), ("user_id", ctypes.c_char * ID_SIZE),
                ("client_id", ctypes.c_char * ID_SIZE),
                ("session_check", ctypes.c_char * SESSION_CHECK_SIZE)]


class Job(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("id", ctypes.c_char * ID_SIZE), ("lease_id", ctypes.c_char * ID_SIZE),
                ("attempt", ctypes.c_int), ("max_attempts", ctypes.c_int),
                ("priority", ctypes.c_int), ("kind", ctypes.c_char * NAME_SIZE),
                ("queue", ctypes.c_char * NAME_SIZE), ("client_id", ctypes.c_char * ID_SIZE),
                ("args_json", ctypes.c_char_p), ("run_at", ctypes.c_int64),
                ("claimed_at", ctypes.c_int64)]


class JobOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("queue", ctypes.c_char_p),
                ("priority", ctypes.c_int), ("run_at", ctypes.c_int64),
                ("max_attempts", ctypes.c_int), ("unique_key", ctypes.c_char_p),
                ("client_id", ctypes.c_char_p)]


HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, c_char_pp, ctypes.c_void_p, ctypes.c_void_p)
EVENT = ctypes.CFUNCTYPE(None, ctypes.POINTER(Job), ctypes.c_char_p, ctypes.c_int64,
                         ctypes.c_char_p, ctypes.c_void_p)


class WorkerOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("concurrency", ctypes.c_uint),
                ("prefetch", ctypes.c_uint), ("poll_ms", ctypes.c_uint),
                ("heartbeat_s", ctypes.c_uint), ("grace_s", ctypes.c_uint),
                ("queues", ctypes.c_char_p), ("worker_id", ctypes.c_char_p),
                ("run_scheduler", ctypes.c_int), ("on_job", EVENT),
                ("on_job_payload", ctypes.c_void_p)]


P = ctypes.c_void_p
S = ctypes.c_char_p
I = ctypes.c_int  # noqa: E741


def _proto(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_proto("wvl_version", S)
_proto("wvl_error_last", ctypes.POINTER(Error))
_proto("wvl_free", None, P)
_proto("wvl_status_http", I, I)
_proto("wvl_auth_password_check", I, S, S)
_proto("wvl_email_normalize", I, S, ctypes.c_size_t, S)
_proto("wvl_config_new", I, ctypes.POINTER(P))
_proto("wvl_config_free", None, P)
_proto("wvl_config_set", I, P, S, S)
_proto("wvl_config_get", S, P, S)
_proto("wvl_config_load_env", I, P, S)
_proto("wvl_config_validate", I, P)
_proto("wvl_ctx_new", I, ctypes.POINTER(P), P, P)
_proto("wvl_ctx_free", None, P)
_proto("wvl_query_new", I, ctypes.POINTER(P))
_proto("wvl_query_add", I, P, S, S)
_proto("wvl_query_free", None, P)
for _name in ("clients_get", "clients_archive", "clients_pause", "clients_resume",
              "plans_get", "plans_approve", "deliverables_get", "deliverables_mark_ready",
              "files_get", "files_download_link", "jobs_get", "tickets_get", "tickets_close",
              "email_get", "auth_me"):
    _proto("wvl_" + _name, I, c_char_pp, P, ctypes.POINTER(Actor),
           *([S] if _name != "auth_me" else []))
for _name in ("clients_create", "email_enqueue", "tickets_create"):
    _proto("wvl_" + _name, I, c_char_pp, P, ctypes.POINTER(Actor), S)
for _name in ("clients_update", "plans_create", "plans_update", "deliverables_update",
              "notes_create", "tickets_update", "tickets_reply"):
    _proto("wvl_" + _name, I, c_char_pp, P, ctypes.POINTER(Actor), S, S)
for _name in ("clients_list", "plans_list", "deliverables_list", "notes_list", "files_list",
              "jobs_list", "tickets_list", "tickets_messages_list", "email_list"):
    _proto("wvl_" + _name, I, c_char_pp, P, ctypes.POINTER(Actor), S, P)
for _name in ("notes_delete", "files_delete", "jobs_cancel", "jobs_retry"):
    _proto("wvl_" + _name, I, P, ctypes.POINTER(Actor), S)
_proto("wvl_jobs_enqueue", I, S, ctypes.POINTER(I), P, ctypes.POINTER(Actor), S, S,
       ctypes.POINTER(JobOptions))
_proto("wvl_jobs_wait", I, c_char_pp, ctypes.POINTER(I), P, ctypes.POINTER(Actor), S, I)
_proto("wvl_files_upload_begin", I, ctypes.POINTER(P), P, ctypes.POINTER(Actor), S, S,
       ctypes.c_int64, P)
_proto("wvl_files_upload_write", I, P, ctypes.c_char_p, ctypes.c_size_t)
_proto("wvl_files_upload_finish", I, c_char_pp, P)
_proto("wvl_files_upload_abort", None, P)
_proto("wvl_worker_new", I, ctypes.POINTER(P), P, ctypes.POINTER(WorkerOptions))
_proto("wvl_worker_register", I, P, S, HANDLER, P)
_proto("wvl_worker_register_builtin", I, P)
_proto("wvl_worker_start", I, P)
_proto("wvl_worker_step", I, ctypes.POINTER(I), P)
_proto("wvl_worker_fd", I, P)
_proto("wvl_worker_stop", None, P)
_proto("wvl_worker_free", None, P)
_proto("wvl_worker_id", S, P)
_proto("wvl_worker_task_job", ctypes.POINTER(Job), P)
_proto("wvl_worker_task_lost", I, P)
_proto("wvl_worker_task_progress", I, P, I, S)
libc.strdup.restype = P
libc.strdup.argtypes = [S]
