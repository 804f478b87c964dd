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
 * "author_id","body","created_at","updated_at"}.
 */

WVL_EXTERN int wvl_notes_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

/** Body {"body": "<p>html</p>"} (at most 100 KiB). */
WVL_EXTERN int wvl_notes_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *client_id, const char *body_json) WVL_WARN_UNUSED;

WVL_EXTERN int wvl_notes_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
