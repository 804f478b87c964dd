/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_ACTIVITY_H
#define WAVELAUNCH_ACTIVITY_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The activity trail: one row per change, written by the module making the
 * change in the same transaction.  Entry:
 * {"id","client_id","actor_id","entity_type","entity_id","action","summary",
 *  "created_at"}.
 *
 * Thread-safety: may be called from any thread with a shared context.  The
 * page returned through `out_json` is the caller's (wvl_free).
 */

/**
 * Lists activity, newest first (the rules of query.h; no filters or
 * sorts).  The scope `client_id`: that client's trail; NULL: the global
 * feed (team only).  A client user sees only its own client's trail, and
 * of it only the client record's own changes, files, the approved plan and
 * deliverables once ready or delivered, without actor_id.
 *
 * Returns 0 with a page in *out_json; WVL_EINVAL for a NULL out_json, ctx
 * or actor, or (slug "bad_request") a query the list does not take;
 * WVL_EUNAUTHENTICATED for an anonymous actor; WVL_EFORBIDDEN for a client
 * user asking for the global feed; WVL_ENOTFOUND for a scope that is not a
 * uuid or, for a client user, another client's; WVL_EUNAVAILABLE when
 * PostgreSQL cannot be reached.  On failure *out_json is NULL.
 */
WVL_EXTERN int wvl_activity_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
