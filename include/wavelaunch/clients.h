/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_CLIENTS_H
#define WAVELAUNCH_CLIENTS_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Clients: the creators the agency launches.  The client resource is
 * {"id","name","brand_name","email","niche","status","start_date",
 *  "onboarded_at","monthly_fee_cents","currency","social_handles","intake",
 *  "automation_paused","created_at","updated_at","archived_at"}.
 * Team users (admin, staff, system) reach every client; a client user only
 * its own (others are WVL_ENOTFOUND); "team only" calls are WVL_EFORBIDDEN
 * for a client user on its own client, and an anonymous actor gets
 * WVL_ENOTFOUND for a client id, WVL_EUNAUTHENTICATED otherwise.  Every
 * change writes an activity row in the same transaction.
 *
 * Every call may also return WVL_EINVAL for a NULL out_json, ctx or actor
 * (and, slug "bad_request", for a body that is not a JSON object or a
 * query a list does not take), WVL_EUNAVAILABLE when PostgreSQL cannot be
 * reached and WVL_EINTERNAL for an unexpected failure; on failure
 * *out_json is NULL and nothing is written.
 *
 * Thread-safety: every call may run on any thread with a shared context.
 * Strings returned through `out_json` are the caller's (wvl_free).
 */

/**
 * Creates a client (team only) with its eight milestones M1..M8 planned
 * month by month from start_date.  Body: {"name"} required; "brand_name",
 * "email", "niche", "status" (lead, onboarding, active, paused, completed,
 * churned), "start_date" (YYYY-MM-DD), "monthly_fee_cents", "currency",
 * "social_handles" and "intake" (objects, at most 64 KiB each) optional.
 * Unknown fields are refused.  Returns 0 with the client, the caller's;
 * WVL_EVALIDATION with field errors; WVL_ECONFLICT when the row conflicts
 * with another; WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_clients_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *body_json) WVL_WARN_UNUSED;

/**
 * One client.  Returns 0 with it, the caller's; WVL_ENOTFOUND when it is
 * out of reach, unknown, or `id` is not a uuid.
 */
WVL_EXTERN int wvl_clients_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *id) WVL_WARN_UNUSED;

/**
 * Partial update (team only); the same fields as create, at least one.
 * The first move to onboarding or active sets onboarded_at.  Returns 0
 * with the client, the caller's; WVL_EINVAL for an empty body;
 * WVL_EVALIDATION with field errors; WVL_ENOTFOUND (out of reach, unknown,
 * or archived); WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_clients_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Archives a client (team only): status "archived", archived_at set.
 * Returns 0 with the client, the caller's; WVL_ENOTFOUND when out of
 * reach, unknown or already archived; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_clients_archive(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				   const char *id) WVL_WARN_UNUSED;

/**
 * Lists clients (a top-level list: `scope_id` must be NULL; the rules of
 * query.h).  Filters: status (archived ones only when asked for), q
 * (name, brand or email contains; up to 200 characters), client_id
 * (ignored for client users, who only ever see their own client).  Sort:
 * created_at (default, newest first), updated_at, name.  Fields: any of
 * the resource's; id is always included.  Returns 0 with a page, the
 * caller's; WVL_EINVAL for a scope or a query the list does not take;
 * WVL_EUNAUTHENTICATED for an anonymous actor.
 */
WVL_EXTERN int wvl_clients_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Pauses the client's automation (team only; archived clients too).
 * Returns 0 with the client, the caller's; WVL_ENOTFOUND; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_clients_pause(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *id) WVL_WARN_UNUSED;

/**
 * Resumes the client's automation (team only).  Returns 0 with the client,
 * the caller's; WVL_ENOTFOUND; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_clients_resume(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
