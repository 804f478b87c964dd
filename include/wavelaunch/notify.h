/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_NOTIFY_H
#define WAVELAUNCH_NOTIFY_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * In-app notifications.  Each user sees only their own — the team too —
 * in the library and in row-level security.  The resource:
 * {"id","type","title","message","link","read","client_id","created_at"}.
 *
 * They are written by the library where things happen (a deliverable
 * ready, a ticket, a job that failed for good, an AI budget passed),
 * through the `notification_create` job kind or in the change's own
 * transaction, to the users whose in-app preference for the category is
 * on (prefs.h).  Every new one is announced after commit for live
 * streams: see wvl_notify_listener below.
 */

/**
 * The actor's notifications, newest first (a top-level list: `scope_id`
 * NULL; the rules of query.h).  Filters: unread ("true": only unread,
 * "false": only read), type.
 */
WVL_EXTERN int wvl_notify_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/** {"count":N}: the actor's unread notifications. */
WVL_EXTERN int wvl_notify_unread_count(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * Marks one of the actor's notifications read.  Idempotent (0 again for
 * one already read); someone else's is WVL_ENOTFOUND.
 */
WVL_EXTERN int wvl_notify_mark_read(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/** Marks every one of the actor's notifications read: {"marked":N}. */
WVL_EXTERN int wvl_notify_mark_all_read(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * The actor's notifications created after the one with id `last_id`
 * (a stream's Last-Event-ID), oldest first, at most 100:
 * {"data":[...]}.  An id that is not the actor's is WVL_ENOTFOUND (the
 * client starts afresh).
 */
WVL_EXTERN int wvl_notify_since(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *last_id) WVL_WARN_UNUSED;

/* ---- live ------------------------------------------------------------------ */

/**
 * A LISTEN connection to the announcements of new notifications.  It
 * offers its socket to the host's event loop (wvl_notify_listener_fd) and
 * a step that never blocks, as libpq does; or wvl_notify_listener_wait.
 * One thread at a time.
 */
typedef struct wvl_notify_listener wvl_notify_listener;

/**
 * One announcement: the recipient's user id and the notification as JSON
 * (its message cut at 1,000 characters; the list has it whole).  A call
 * with both NULL says the connection is up after a time without one (the
 * first connection, or one after a loss): announcements made before it
 * were not heard, so whoever streams them should end the streams opened
 * before (clients reconnect with Last-Event-ID and miss nothing).
 */
typedef void (*wvl_notify_fn)(const char *user_id, const char *notification_json,
			      void *payload);

/** A listener; it connects on the first step (or wait).  Free with wvl_notify_listener_free. */
WVL_EXTERN int wvl_notify_listener_new(wvl_notify_listener **out, wvl_ctx *ctx)
	WVL_WARN_UNUSED;
WVL_EXTERN void wvl_notify_listener_free(wvl_notify_listener *l);

/** The socket to poll for reading, or -1 while not connected. */
WVL_EXTERN int wvl_notify_listener_fd(const wvl_notify_listener *l);

/**
 * Connects when not connected (at most once a second), reads what the
 * socket holds and calls `fn` for each announcement.  Returns 0, or
 * WVL_EUNAVAILABLE while PostgreSQL cannot be reached.
 */
WVL_EXTERN int wvl_notify_listener_step(wvl_notify_listener *l, wvl_notify_fn fn, void *payload)
	WVL_WARN_UNUSED;

/** Waits up to `timeout_ms` for the socket, then steps. */
WVL_EXTERN int wvl_notify_listener_wait(wvl_notify_listener *l, int timeout_ms, wvl_notify_fn fn,
					void *payload) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
