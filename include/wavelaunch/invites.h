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
 * Thread-safety: every call may be made from any thread with a shared
 * context.
 */

#include "auth.h"
#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Invites `email` to the portal of `client_id`: body {"client_id",
 * "email"}.  Admins and staff only.  The invite email is queued in the
 * same transaction.  `*out_json` receives the invite.
 * Returns 0, WVL_EVALIDATION (a bad address), WVL_ENOTFOUND (no such
 * client, or it is archived), WVL_ECONFLICT (an account already has the
 * address), WVL_EINVAL, WVL_EUNAUTHENTICATED, WVL_EFORBIDDEN,
 * WVL_EUNAVAILABLE.
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
 * grants one (device_cookie NULL); free it with wvl_auth_login_result_free.
 * Returns 0, WVL_EFORBIDDEN with slug "link_invalid" (not a token of
 * ours), WVL_EGONE "link_expired" (expired, already used or revoked),
 * WVL_EVALIDATION (the password), WVL_ECONFLICT (an account took the
 * address meanwhile), WVL_EINVAL, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_invites_accept(wvl_auth_login_result **out, wvl_ctx *ctx,
				  const wvl_invite_accept_request *req) WVL_WARN_UNUSED;

/**
 * Revokes an invite not yet accepted.  Admins and staff only.
 * Returns 0, WVL_ENOTFOUND, WVL_ECONFLICT (accepted or revoked already),
 * WVL_EFORBIDDEN, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_invites_revoke(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/**
 * The invites of client `scope_id`, newest first ({"data":[...],
 * "next_cursor":...}, query.h; no filters).  Admins and staff only.
 */
WVL_EXTERN int wvl_invites_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
