/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_AUTH_H
#define WAVELAUNCH_AUTH_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Passwords and accounts.
 *
 * Password hashes are Argon2id (libsodium) with parameters from
 * WL_ARGON2_MEMORY_KIB (default 19456, OWASP's minimum) and
 * WL_ARGON2_ITERATIONS (default 2).  Passwords are never truncated.
 */

/** Longest password accepted, in Unicode code points. */
#define WVL_AUTH_PASSWORD_MAX_CHARS 128
WVL_EXTERN size_t wvl_auth_password_max_chars(void);

/**
 * Checks a new password against the policy: 8..128 code points of valid
 * UTF-8, an upper-case letter, a digit and a symbol, not equal to nor
 * containing the local part of `email` (may be NULL), and not a common or
 * easily guessed password.  Returns 0, or WVL_EVALIDATION with field errors
 * {"password":"what to fix"} in wvl_error_last().
 */
WVL_EXTERN int wvl_auth_password_check(const char *password, const char *email)
	WVL_WARN_UNUSED;

/** Hashes a password (no policy check).  `*out_hash` is the caller's (wvl_free). */
WVL_EXTERN int wvl_auth_password_hash(char **out_hash, wvl_ctx *ctx,
				 const char *password) WVL_WARN_UNUSED;

/** `*out_match` is 1 when `password` matches `hash`, else 0.  Returns 0 or WVL_EINVAL. */
WVL_EXTERN int wvl_auth_password_verify(int *out_match, wvl_ctx *ctx,
				   const char *password, const char *hash)
	WVL_WARN_UNUSED;

/**
 * Creates the first admin.  When `password` is NULL a strong one is
 * generated and returned in `*out_password` (wvl_free; NULL otherwise).
 * A given password must pass wvl_auth_password_check.  If a user with that email
 * already exists nothing changes and `*out_created` is 0.
 */
WVL_EXTERN int wvl_auth_bootstrap_admin(int *out_created, char **out_password,
					wvl_ctx *ctx, const char *email,
					const char *password) WVL_WARN_UNUSED;

/* ---- login, sessions, tokens ---------------------------------------- */

/** A login attempt: the credentials and where they come from. */
typedef struct wvl_auth_login_request {
	unsigned int version;
	const char *email;
	const char *password;
	const char *ip;            /**< client address (for the attempt log) */
	const char *user_agent;    /**< may be NULL */
	const char *device_cookie; /**< the wl_device cookie, or NULL */
	/** Instead of email and password: the request body, exactly
	 *  {"email":"...","password":"..."} (anything else is
	 *  WVL_EVALIDATION), as an HTTP server receives it. */
	const char *body_json;
} wvl_auth_login_request;

#define WVL_AUTH_LOGIN_REQUEST_VERSION 1
#define WVL_AUTH_LOGIN_REQUEST_INIT                                                        \
	{WVL_AUTH_LOGIN_REQUEST_VERSION, NULL, NULL, NULL, NULL, NULL, NULL}

/** A granted session.  Free with wvl_auth_login_result_free. */
typedef struct wvl_auth_login_result {
	char *session_token; /**< wl_session cookie value (shown once) */
	char *csrf_token;    /**< wl_csrf cookie value and X-CSRF-Token */
	char *device_cookie; /**< wl_device cookie value to (re)set */
	char *user_json;     /**< the user resource */
	int session_max_age; /**< seconds until the absolute expiry */
	int device_max_age;  /**< seconds the device cookie lives */
} wvl_auth_login_result;

/**
 * Logs in.  Every attempt is recorded (email, ip, user agent, outcome,
 * reason).  Failures: WVL_EUNAUTHENTICATED with slug "invalid_credentials"
 * (wrong password, unknown email and inactive user alike, in body and in
 * timing), WVL_ELOCKED with retry_after when the address is locked (5
 * failures in 15 minutes lock it for 15 minutes; a browser with a valid
 * device cookie of that user is counted on its own), WVL_EINVAL for a
 * malformed request.  A new session token is issued at every login.
 */
WVL_EXTERN int wvl_auth_login(wvl_auth_login_result **out, wvl_ctx *ctx,
			      const wvl_auth_login_request *req) WVL_WARN_UNUSED;
WVL_EXTERN void wvl_auth_login_result_free(wvl_auth_login_result *r);

/**
 * Records a login attempt that never reached wvl_auth_login because the
 * request rate limit refused it (outcome "rate_limited"), so the attempt
 * log holds every attempt.  `req->password` is ignored; a request without
 * an email or an address records nothing.  At most a login rate limit's
 * worth of these rows is written per address and window
 * (WL_RATELIMIT_LOGIN), so a flood of refusals is not a flood of inserts.
 */
WVL_EXTERN int wvl_auth_login_refused(wvl_ctx *ctx, const wvl_auth_login_request *req)
	WVL_WARN_UNUSED;

/** Session facts the server needs for CSRF. */
typedef struct wvl_auth_session_info {
	char session_id[37];
	char csrf_token[64];
} wvl_auth_session_info;

/**
 * Resolves a session cookie into an actor.  Sessions end 24 hours after
 * their last activity (WL_SESSION_IDLE_SECONDS) and at their absolute
 * expiry (WL_SESSION_MAX_SECONDS, default 30 days); last_seen_at is written
 * at most once a minute.  WVL_EUNAUTHENTICATED when not valid.
 */
WVL_EXTERN int wvl_auth_session(wvl_actor *out_actor, wvl_auth_session_info *out_info,
				wvl_ctx *ctx, const char *session_token) WVL_WARN_UNUSED;

/**
 * wvl_auth_session for read-only requests: may answer from sessions this
 * context resolved in the last WL_SESSION_CACHE_SECONDS (default 60; 0:
 * never) without a round trip.  Such an actor carries the session's digest
 * in `session_check`, and the library checks the session again in the
 * round trip of the actor's first statement (a statement as a session that
 * has ended fails with WVL_EUNAUTHENTICATED and its result is dropped).
 * Before answering, call wvl_auth_session_confirm.  Not for requests that
 * change anything outside the database.
 */
WVL_EXTERN int wvl_auth_session_cached(wvl_actor *out_actor, wvl_auth_session_info *out_info,
				       wvl_ctx *ctx, const char *session_token) WVL_WARN_UNUSED;

/**
 * 0 when `actor` needs no check (it was not remembered) or this thread has
 * already checked its session as part of a statement since
 * wvl_auth_session_cached; otherwise checks the session now (one round
 * trip).  Call it on the thread that called wvl_auth_session_cached and
 * ran the request's statements: what was checked is remembered per thread.  WVL_EUNAUTHENTICATED when it has ended: the request must then be
 * refused, whatever its handler produced.
 */
WVL_EXTERN int wvl_auth_session_confirm(wvl_ctx *ctx, const wvl_actor *actor) WVL_WARN_UNUSED;

/** Resolves a personal API token (Authorization: Bearer).  WVL_EUNAUTHENTICATED when not valid. */
WVL_EXTERN int wvl_auth_bearer(wvl_actor *out_actor, wvl_ctx *ctx, const char *token)
	WVL_WARN_UNUSED;

/** Constant-time comparison of the session's CSRF token with a header value: 1 when equal. */
WVL_EXTERN int wvl_auth_csrf_matches(const wvl_auth_session_info *info, const char *header_value);

/** Revokes the session.  Unknown or revoked tokens are not an error. */
WVL_EXTERN int wvl_auth_logout(wvl_ctx *ctx, const char *session_token) WVL_WARN_UNUSED;

/** The acting user as JSON. WVL_EUNAUTHENTICATED for anonymous actors. */
WVL_EXTERN int wvl_auth_me(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * Changes the actor's password: body {"current_password","new_password"}.
 * Revokes every other session and API token of the user; the session named
 * by `keep_session_token` (may be NULL) stays.  WVL_EUNAUTHENTICATED
 * ("invalid_credentials") when the current password is wrong; WVL_EVALIDATION
 * with field errors when the new one fails the policy.
 */
WVL_EXTERN int wvl_auth_password_change(wvl_ctx *ctx, const wvl_actor *actor,
					const char *keep_session_token, const char *body_json)
	WVL_WARN_UNUSED;

/**
 * Starts a password reset: body {"email"}.  Always 0 for a well-formed
 * request, whether or not the address has an account, and the same work
 * either way: one password_reset_request job carrying the normalised
 * address (nothing for a malformed address).  The worker then looks the
 * account up and, when there is one, creates a single-use token (stored
 * hashed, valid WL_RESET_TOKEN_SECONDS) and queues the email in the same
 * transaction (worker.h).  WVL_EINVAL / WVL_EVALIDATION for a malformed
 * body, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_auth_password_forgot(wvl_ctx *ctx, const char *body_json, const char *ip)
	WVL_WARN_UNUSED;

/**
 * Finishes a reset: body {"token","password"}.  Revokes every session and
 * lifts any lockout of the address.  WVL_EVALIDATION with a "token" field error
 * when the token is unknown, used or expired.
 */
WVL_EXTERN int wvl_auth_password_reset(wvl_ctx *ctx, const char *body_json) WVL_WARN_UNUSED;

/**
 * The self-unlock link emailed when an address locks: body {"token"}.
 * Single use; expires with the lock.
 */
WVL_EXTERN int wvl_auth_unlock_self(wvl_ctx *ctx, const char *body_json) WVL_WARN_UNUSED;

/** Creates a personal API token: body {"name"}; JSON with "token" shown once. */
WVL_EXTERN int wvl_auth_tokens_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				      const char *body_json) WVL_WARN_UNUSED;
/**
 * The actor's live tokens, newest first: items {"id","name","created_at",
 * "last_used_at"}; a top-level list (`scope_id` NULL; the rules of
 * query.h, no filters).
 */
WVL_EXTERN int wvl_auth_tokens_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				    const char *scope_id, const wvl_query *query)
	WVL_WARN_UNUSED;
/** Revokes one of the actor's tokens.  WVL_ENOTFOUND when not theirs. */
WVL_EXTERN int wvl_auth_tokens_revoke(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
