/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_INVITES_H
#define WAVELAUNCH_INVITES_H

/*
 * Portal invites: how a client's people get into the portal without an
 * admin typing a password for them.
 *
 * An invite is {id, client_id, email, expires_at, accepted_at, revoked_at,
 * created_at}.  Its token is 256 random bits, mailed once (template
 * portal_invite, a link to {WL_PUBLIC_URL}/invite?token=T) and stored only
 * as its SHA-256; it works once, for 7 days.  A new invite for the same
 * client and address revokes the one before it.
 *
 * Every call below may also return WVL_EINVAL for a NULL out, ctx or actor
 * (or req), WVL_EUNAVAILABLE when PostgreSQL cannot be reached, and
 * WVL_EINTERNAL for an unexpected failure; on any failure nothing is
 * written and the out-pointer is NULL.  "The team" is admin, staff and the
 * system actor; an anonymous actor is WVL_EUNAUTHENTICATED, a client user
 * WVL_EFORBIDDEN.
 *
 * Thread-safety: every call may be made from any thread with a shared
 * context.  What `out_json` or `out` receives is the caller's (free with
 * wvl_free, or wvl_auth_login_result_free for a login result).
 */

#include "auth.h"
#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Invites `email` to the portal of `client_id`: body {"client_id",
 * "email"} (both required).  The team only.  Earlier open invites for the
 * same client and address are revoked, and the invite email is queued, in
 * the same transaction.  `*out_json` receives the invite (the caller's,
 * wvl_free).
 *
 * Returns 0; WVL_EINVAL (slug "bad_request") for a body that is not a JSON
 * object; WVL_EVALIDATION with field errors (a missing field, a client_id
 * that is not a uuid, a bad address, an unknown field); WVL_ENOTFOUND (no
 * such client, or it is archived); WVL_ECONFLICT (an account already has
 * the address); WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_invites_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *body_json) WVL_WARN_UNUSED;

/** An invite's acceptance as an HTTP server receives it. */
typedef struct wvl_invite_accept_request {
	unsigned int version;
	/** {"token": "...", "password": "...", "name": "..." (optional)} */
	const char *body_json;
	const char *ip;         /**< client address (for the session), may be NULL */
	const char *user_agent; /**< may be NULL */
} wvl_invite_accept_request;

#define WVL_INVITE_ACCEPT_REQUEST_VERSION 1
#define WVL_INVITE_ACCEPT_REQUEST_INIT {WVL_INVITE_ACCEPT_REQUEST_VERSION, NULL, NULL, NULL}

/**
 * Accepts an invite: creates the client user with the invite's address
 * and the chosen password (the password policy applies), voids the
 * token, and signs the user in: `*out` is a session as wvl_auth_login
 * grants one (device_cookie NULL); the caller owns it and frees it with
 * wvl_auth_login_result_free.  Runs as the system; no actor is needed.
 *
 * Returns 0; WVL_EINVAL for a NULL argument, a request of another version
 * or (slug "bad_request") a body that is not a JSON object;
 * WVL_EVALIDATION with field errors (token or password missing, an
 * unknown field, a password the policy refuses); WVL_EFORBIDDEN with slug
 * "link_invalid" (not a token of ours); WVL_EGONE "link_expired"
 * (expired, already used or revoked, or the client was archived);
 * WVL_ECONFLICT (an account took the address meanwhile);
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_invites_accept(wvl_auth_login_result **out, wvl_ctx *ctx,
				  const wvl_invite_accept_request *req) WVL_WARN_UNUSED;

/**
 * Revokes an invite not yet accepted.  The team only.
 * Returns 0; WVL_ENOTFOUND (no such invite, or `id` is not a uuid);
 * WVL_ECONFLICT (accepted or revoked already); WVL_EUNAUTHENTICATED;
 * WVL_EFORBIDDEN; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_invites_revoke(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/**
 * The invites of client `scope_id`, newest first ({"data":[...],
 * "next_cursor":...}, query.h; no filters or sorts).  The team only.
 * Returns 0 with the page in *out_json (the caller's, wvl_free; an
 * unknown client gives an empty page); WVL_EINVAL for a NULL scope or
 * (slug "bad_request") a query the list does not take; WVL_ENOTFOUND for a
 * scope that is not a uuid; WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN;
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_invites_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
