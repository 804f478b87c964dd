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
 * Team users (admin, staff) reach every client; a client user only its own
 * (others are WVL_ENOTFOUND).  Every change writes an activity row in the
 * same transaction.
 */

/**
 * Creates a client (team only) with its eight milestones M1..M8 planned
 * month by month from start_date.  Body: {"name"} required; "brand_name",
 * "email", "niche", "status" (lead, onboarding, active, paused, completed,
 * churned), "start_date" (YYYY-MM-DD), "monthly_fee_cents", "currency",
 * "social_handles" and "intake" (objects) optional.  Unknown fields are
 * refused.
 */
WVL_EXTERN int wvl_clients_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *body_json) WVL_WARN_UNUSED;

/** One client. */
WVL_EXTERN int wvl_clients_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *id) WVL_WARN_UNUSED;

/** Partial update (team only); the same fields as create. */
WVL_EXTERN int wvl_clients_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id, const char *body_json) WVL_WARN_UNUSED;

/** Archives a client (team only): status "archived", archived_at set. */
WVL_EXTERN int wvl_clients_archive(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				   const char *id) WVL_WARN_UNUSED;

/**
 * Lists clients (a top-level list: `scope_id` must be NULL; the rules of
 * query.h).  Filters: status (archived ones only when asked for), q
 * (name, brand or email contains; up to 200 characters), client_id
 * (ignored for client users, who only ever see their own client).  Sort:
 * created_at (default, newest first), updated_at, name.  Fields: any of
 * the resource's; id is always included.
 */
WVL_EXTERN int wvl_clients_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/** Pauses the client's automation (team only); the client as JSON. */
WVL_EXTERN int wvl_clients_pause(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *id) WVL_WARN_UNUSED;

/** Resumes the client's automation (team only); the client as JSON. */
WVL_EXTERN int wvl_clients_resume(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
