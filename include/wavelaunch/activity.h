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
 */

/**
 * Lists activity, newest first (the rules of query.h; no filters).  The
 * scope `client_id`: that client's trail; NULL: the global feed (team
 * only).  A client user sees only its own client's trail.
 */
WVL_EXTERN int wvl_activity_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
