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
 * clients, jobs or team data.  Other roles are WVL_EFORBIDDEN.
 */

/**
 * {"client":{"id","name","brand_name","status"},
 *  "progress":{"delivered","ready","total","percent"},
 *  "next_steps":[{"milestone","title","status","due_date"}],
 *  "recent_activity":[{"summary","created_at"}]}
 */
WVL_EXTERN int wvl_portal_dashboard(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/** The approved business plan (WVL_ENOTFOUND before one is approved). */
WVL_EXTERN int wvl_portal_plan(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/** The ready and delivered deliverables. */
WVL_EXTERN int wvl_portal_deliverables(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
