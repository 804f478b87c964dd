/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_NOTES_H
#define WAVELAUNCH_NOTES_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Internal notes on a client: rich text (HTML), sanitised on write, never
 * visible to client users (WVL_EFORBIDDEN).  Resource: {"id","client_id",
 * "author_id","body","created_at","updated_at"}; author_id is null for
 * notes the system wrote.
 *
 * The team (admin, staff, system) may use every call; a client user gets
 * WVL_EFORBIDDEN, an anonymous actor WVL_EUNAUTHENTICATED.  Every call may
 * also return WVL_EINVAL for a NULL out_json, ctx or actor,
 * WVL_EUNAVAILABLE when PostgreSQL cannot be reached and WVL_EINTERNAL for
 * an unexpected failure; on any failure *out_json is NULL and nothing is
 * written.  Changes write an activity row (entity_type "note") in the same
 * transaction.
 *
 * Thread-safety: every call may run on any thread with a shared context.
 * Strings returned through `out_json` are the caller's (wvl_free).
 */

/**
 * Lists a client's notes, newest first (the rules of query.h; no filters
 * or sorts).  Returns 0 with a page for the caller to free (an unknown
 * client gives an empty one); WVL_ENOTFOUND when `client_id` is not a uuid; WVL_EINVAL (slug
 * "bad_request") for a query the list does not take; the errors above.
 */
WVL_EXTERN int wvl_notes_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Adds a note to client `client_id`: body {"body": "<p>html</p>"}
 * (required, at most 100 KiB), stored sanitised (wvl_sanitize_html).
 * Returns 0 with the note (the caller's); WVL_EINVAL (slug "bad_request") for a body that
 * is not a JSON object; WVL_EVALIDATION with field errors (body missing,
 * too long, not text, empty once sanitised; an unknown field);
 * WVL_ENOTFOUND for no such client (or an id that is not a uuid); the
 * errors above.
 */
WVL_EXTERN int wvl_notes_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *client_id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Deletes a note.  Returns 0; WVL_ENOTFOUND for no such note (or an id
 * that is not a uuid); the errors above.
 */
WVL_EXTERN int wvl_notes_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
