/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_PORTAL_H
#define WAVELAUNCH_PORTAL_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What a client user sees of its own client: never internal notes, other
 * clients, jobs or team data.
 *
 * Every call returns 0 with a JSON document in *out_json, which the caller
 * owns (wvl_free); WVL_EINVAL for a NULL out_json or ctx;
 * WVL_EUNAUTHENTICATED for a NULL or anonymous actor; WVL_EFORBIDDEN for
 * any role but a client user (and for a client user without a client);
 * WVL_EUNAVAILABLE when PostgreSQL cannot be reached.  On failure
 * *out_json is NULL.
 *
 * Thread-safety: every call may run on any thread with a shared context.
 */

/**
 * The dashboard.  Returns 0 with, for the caller to free,
 * {"client":{"id","name","brand_name","status"},
 *  "progress":{"delivered","ready","total","percent"},
 *  "next_steps":[{"milestone","title","status","due_date"}],
 *  "recent_activity":[{"summary","created_at"}]}
 * (the first three deliverables not yet delivered; the last ten approvals,
 * ready or delivered deliverables and files); the errors above.
 */
WVL_EXTERN int wvl_portal_dashboard(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * The approved business plan.  Returns 0 with (the caller's) {"id","version","title",
 * "content_html","approved_at"}; WVL_ENOTFOUND before one is approved;
 * the errors above.
 */
WVL_EXTERN int wvl_portal_plan(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * The ready and delivered deliverables, by milestone.  Returns 0 with,
 * for the caller to free,
 * {"data":[{"id","milestone","title","status","due_date","content_html",
 * "ready_at","delivered_at"}],"next_cursor":null} (one page, all of them);
 * the errors above.
 */
WVL_EXTERN int wvl_portal_deliverables(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
