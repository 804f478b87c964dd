/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_USERS_H
#define WAVELAUNCH_USERS_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Team and portal users.  Admins manage every user; everyone reads and
 * updates their own profile.  The user resource is
 * {"id","email","name","role","client_id","active","locked_until",
 *  "last_login_at","created_at","updated_at"}.
 *
 * "Admin only" means the admin role: any other actor, the system and
 * anonymous included, gets WVL_EFORBIDDEN.  Every call may also return
 * WVL_EINVAL for a NULL out_json, ctx or actor (and, slug "bad_request",
 * for a body that is not a JSON object), WVL_EUNAVAILABLE when PostgreSQL
 * cannot be reached and WVL_EINTERNAL for an unexpected failure; on any
 * failure *out_json is NULL and nothing is written.
 *
 * Thread-safety: every call may run on any thread with a shared context.
 * Strings returned through `out_json` are the caller's (wvl_free).
 */

/**
 * Creates a user (admin only): body {"email","name","role","password",
 * "client_id"}; a client user needs the client_id of an existing client,
 * team users must not have one.  The password must pass
 * wvl_auth_password_check.  Returns 0 with the user (the caller's);
 * WVL_EFORBIDDEN for non-admins; WVL_EVALIDATION with field errors (a
 * missing or bad field, the password policy, a role or client_id that do
 * not go together, no such client, and an email another user has: a
 * field error on "email", not WVL_ECONFLICT).
 */
WVL_EXTERN int wvl_users_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json) WVL_WARN_UNUSED;

/**
 * Lists users (admin only), newest first: a top-level list (`scope_id`
 * NULL; the rules of query.h).  Filters: role, active ("true"/"false"), q
 * (email or name contains).  Returns 0 with a page (the caller's);
 * WVL_EFORBIDDEN for non-admins; WVL_EINVAL for a scope or a query the
 * list does not take.
 */
WVL_EXTERN int wvl_users_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * One user: admins any, others only themselves.  Returns 0 with the user
 * (the caller's); WVL_ENOTFOUND for anyone else, no such user, or an `id`
 * that is not a uuid (also for an anonymous actor).
 */
WVL_EXTERN int wvl_users_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Updates a user.  Admins may change name, email, role, client_id and
 * active; a user updating themselves may change name only (other fields
 * are refused, not ignored).  Deactivating revokes sessions and tokens,
 * in the same transaction.  Returns 0 with the user (the caller's);
 * WVL_ENOTFOUND as for wvl_users_get; WVL_EVALIDATION with field errors
 * (a field the actor may not change, bad values, role and client_id that
 * do not go together, an email another user has); WVL_ECONFLICT when an
 * admin would demote or deactivate themselves.
 */
WVL_EXTERN int wvl_users_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Deactivates a user (admin only; not oneself): wvl_users_update with
 * {"active":false}, so sessions and tokens are revoked.  Returns 0;
 * WVL_EFORBIDDEN for non-admins; WVL_ENOTFOUND (no such user, or not a
 * uuid); WVL_ECONFLICT for oneself.
 */
WVL_EXTERN int wvl_users_deactivate(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/**
 * Lifts the lockout of the user's address on every device (admin only):
 * resets the failure count and deletes the address's lockouts.  Returns 0;
 * WVL_EFORBIDDEN for non-admins; WVL_ENOTFOUND (no such user, or not a
 * uuid).
 */
WVL_EXTERN int wvl_users_unlock(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
