/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_CLIENTS_H
#define WAVELAUNCH_CLIENTS_H

#include "core.h"

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
 * Lists clients.  Query (JSON object of strings): limit (1..100, default
 * 50), cursor, status, q (name, brand or email contains), sort (created_at
 * [default, newest first], name, updated_at; "-name" etc. reverses),
 * fields (comma-separated subset of the resource's fields; id is always
 * included), client_id (ignored for client users, who only ever see their
 * own client).  Unknown keys are WVL_EINVAL "bad_request".
 */
WVL_EXTERN int wvl_clients_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *query_json) WVL_WARN_UNUSED;

/** Pauses (1) or resumes (0) the client's automation (team only). */
WVL_EXTERN int wvl_clients_set_automation(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					  const char *id, int paused) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
