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
 *
 * The calls on notifications return WVL_EINVAL for a NULL out_json or
 * ctx, WVL_EUNAUTHENTICATED for an actor without a user (NULL, anonymous,
 * system), WVL_EUNAVAILABLE when PostgreSQL cannot be reached and
 * WVL_EINTERNAL for an unexpected failure; on failure *out_json is NULL.
 *
 * Thread-safety: the calls on notifications may run on any thread with a
 * shared context; what they return through `out_json` is the caller's
 * (wvl_free).  A wvl_notify_listener is used by one thread at a time.
 */

/**
 * The actor's notifications, newest first (a top-level list: `scope_id`
 * NULL; the rules of query.h).  Filters: unread ("true": only unread,
 * "false": only read), type.  Returns 0 with a page, the caller's
 * (wvl_free); WVL_EINVAL for a scope or a query the list does not take;
 * the errors above.
 */
WVL_EXTERN int wvl_notify_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Counts the actor's unread notifications.  Returns 0 with {"count":N},
 * the caller's (wvl_free); the errors above.
 */
WVL_EXTERN int wvl_notify_unread_count(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * Marks one of the actor's notifications read.  Returns 0, also again
 * for one already read (idempotent); WVL_ENOTFOUND for someone else's, an
 * unknown one or an `id` that is not a uuid; WVL_EINVAL for a NULL ctx;
 * WVL_EUNAUTHENTICATED; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_notify_mark_read(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/**
 * Marks every one of the actor's notifications read.  Returns 0 with
 * {"marked":N} (the number that were unread), the caller's (wvl_free);
 * the errors above.
 */
WVL_EXTERN int wvl_notify_mark_all_read(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * The actor's notifications created after the one with id `last_id`
 * (a stream's Last-Event-ID), oldest first, at most 100:
 * {"data":[...]}.  Returns 0 with that, the caller's (wvl_free);
 * WVL_ENOTFOUND for an id that is not the actor's (or not a uuid, or
 * NULL): the client starts afresh; the errors above.
 */
WVL_EXTERN int wvl_notify_since(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *last_id) WVL_WARN_UNUSED;

/* ---- live ------------------------------------------------------------------ */

/**
 * A LISTEN connection to the announcements of new notifications.  It
 * offers its socket to the host's event loop (wvl_notify_listener_fd) and
 * a step that does not block on reading, as libpq does; or
 * wvl_notify_listener_wait.  Connecting is the exception: a step that
 * (re)connects blocks for the connection (up to 5 s).  One thread at a
 * time; it owns its own PostgreSQL connection, outside the pool.
 */
typedef struct wvl_notify_listener wvl_notify_listener;

/**
 * One announcement: the recipient's user id and the notification as JSON
 * (its message cut at 1,000 characters; the list has it whole).  A call
 * with both NULL says the connection is up after a time without one (the
 * first connection, or one after a loss): announcements made before it
 * were not heard, so whoever streams them should end the streams opened
 * before (clients reconnect with Last-Event-ID and miss nothing).
 * Called on the thread that steps the listener; both strings are borrowed,
 * valid only during the call.
 */
typedef void (*wvl_notify_fn)(const char *user_id, const char *notification_json,
			      void *payload);

/**
 * Makes a listener; it connects on the first step (or wait).  `ctx` must
 * outlive it.  Returns 0 with *out owned by the caller (free with
 * wvl_notify_listener_free); WVL_EINVAL for a NULL argument; WVL_EINTERNAL
 * when memory runs out.
 */
WVL_EXTERN int wvl_notify_listener_new(wvl_notify_listener **out, wvl_ctx *ctx)
	WVL_WARN_UNUSED;

/** Closes the listener's connection and frees it.  Accepts NULL. */
WVL_EXTERN void wvl_notify_listener_free(wvl_notify_listener *l);

/**
 * Returns the number of the socket to poll for reading, or -1 while not
 * connected (or for NULL).  The descriptor stays the listener's: do not close it; it
 * changes after a reconnect.
 */
WVL_EXTERN int wvl_notify_listener_fd(const wvl_notify_listener *l);

/**
 * Connects when not connected (at most once a second), reads what the
 * socket holds and calls `fn` for each announcement (and once with both
 * NULL after (re)connecting, see wvl_notify_fn).  Returns 0;
 * WVL_EUNAVAILABLE while PostgreSQL cannot be reached or when the
 * connection was just lost; WVL_EINVAL for a NULL `l` or `fn`.
 */
WVL_EXTERN int wvl_notify_listener_step(wvl_notify_listener *l, wvl_notify_fn fn, void *payload)
	WVL_WARN_UNUSED;

/**
 * Waits up to `timeout_ms` for the socket (while not connected, up to
 * 200 ms before trying again), then steps.  Returns what the step returns;
 * 0 when a signal interrupted the wait; WVL_EINVAL for a NULL `l` or `fn`.
 */
WVL_EXTERN int wvl_notify_listener_wait(wvl_notify_listener *l, int timeout_ms, wvl_notify_fn fn,
					void *payload) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
