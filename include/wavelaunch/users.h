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
 */

/**
 * Creates a user (admin only): body {"email","name","role","password",
 * "client_id"}; a client user needs the client_id of an existing client,
 * team users must not have one.  WVL_EFORBIDDEN for non-admins,
 * WVL_ECONFLICT when the email is taken, WVL_EVALIDATION with field errors.
 */
WVL_EXTERN int wvl_users_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json) WVL_WARN_UNUSED;

/**
 * Lists users (admin only), newest first: a top-level list (`scope_id`
 * NULL; the rules of query.h).  Filters: role, active ("true"/"false"), q
 * (email or name contains).
 */
WVL_EXTERN int wvl_users_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/** One user: admins any, others only themselves (else WVL_ENOTFOUND). */
WVL_EXTERN int wvl_users_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Updates a user.  Admins may change name, email, role, client_id and
 * active; a user updating themselves may change name only (other fields
 * are refused, not ignored).  Deactivating revokes sessions and tokens.
 */
WVL_EXTERN int wvl_users_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id, const char *body_json) WVL_WARN_UNUSED;

/** Deactivates a user (admin only; not oneself): sessions and tokens are revoked. */
WVL_EXTERN int wvl_users_deactivate(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/** Lifts the lockout of the user's address on every device (admin only). */
WVL_EXTERN int wvl_users_unlock(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
