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
 *
 * Calls that reach PostgreSQL may also return WVL_EUNAVAILABLE when it
 * cannot be reached and WVL_EINTERNAL for an unexpected failure; a failed
 * call writes nothing (attempt-log rows of wvl_auth_login aside) and leaves
 * its out-pointers NULL.  A body that is not a JSON object is WVL_EINVAL
 * with slug "bad_request"; a missing, unknown or mistyped field is
 * WVL_EVALIDATION with field errors.
 *
 * Thread-safety: every call may run on any thread with a shared context
 * (wvl_auth_session_confirm has a per-thread rule, see there).  Strings
 * and results handed out are the caller's: strings are freed with
 * wvl_free, login results with wvl_auth_login_result_free.
 */

/** Longest password accepted, in Unicode code points. */
#define WVL_AUTH_PASSWORD_MAX_CHARS 128

/** Returns WVL_AUTH_PASSWORD_MAX_CHARS, for bindings that cannot read macros. */
WVL_EXTERN size_t wvl_auth_password_max_chars(void);

/**
 * Checks a new password against the policy: 8..128 code points of valid
 * UTF-8, an upper-case letter, a digit and a symbol, not equal to nor
 * containing the local part of `email` (may be NULL), and not a common or
 * easily guessed password (zxcvbn).  Needs no context or database.
 * Returns 0, or WVL_EVALIDATION with field errors {"password":"what to
 * fix"} in wvl_error_last() (also for a NULL password).
 */
WVL_EXTERN int wvl_auth_password_check(const char *password, const char *email)
	WVL_WARN_UNUSED;

/**
 * Hashes a password (no policy check; Argon2id with the context's
 * parameters: slow on purpose).  Returns 0 with `*out_hash`, an encoded
 * hash string owned by the caller (free with wvl_free); WVL_EINVAL for a
 * NULL argument or a password over 4 * WVL_AUTH_PASSWORD_MAX_CHARS bytes;
 * WVL_EINTERNAL when memory runs out or hashing fails.
 */
WVL_EXTERN int wvl_auth_password_hash(char **out_hash, wvl_ctx *ctx,
				 const char *password) WVL_WARN_UNUSED;

/**
 * Compares `password` with an encoded `hash` (`ctx` is not used and may be
 * NULL).  Returns 0 with `*out_match` 1 when it matches, else 0 (also for
 * a malformed hash or a password over 4 * WVL_AUTH_PASSWORD_MAX_CHARS
 * bytes); WVL_EINVAL for a NULL out_match, password or hash.
 */
WVL_EXTERN int wvl_auth_password_verify(int *out_match, wvl_ctx *ctx,
				   const char *password, const char *hash)
	WVL_WARN_UNUSED;

/**
 * Creates the first admin (as the system).  When `password` is NULL a
 * strong one is generated and, if the admin was created, returned in
 * `*out_password`, which the caller owns and frees with wvl_free (NULL
 * otherwise).  A given password must pass wvl_auth_password_check.  If a
 * user with that email already exists nothing changes and `*out_created`
 * is 0.
 *
 * Returns 0 (`*out_created` 1 or 0); WVL_EINVAL for a NULL argument (all
 * but `password` are required) or an email wvl_email_normalize refuses;
 * WVL_EVALIDATION for a given password the policy refuses;
 * WVL_EUNAVAILABLE; WVL_EINTERNAL.
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

/** A granted session, filled by the library (`version`: its
 *  WVL_AUTH_LOGIN_RESULT_VERSION) and owned by the caller.  Free with
 *  wvl_auth_login_result_free. */
typedef struct wvl_auth_login_result {
	unsigned int version;
	char *session_token; /**< wl_session cookie value (shown once) */
	char *csrf_token;    /**< wl_csrf cookie value and X-CSRF-Token */
	char *device_cookie; /**< wl_device cookie value to (re)set */
	char *user_json;     /**< the user resource */
	int session_max_age; /**< seconds until the absolute expiry */
	int device_max_age;  /**< seconds the device cookie lives */
} wvl_auth_login_result;

#define WVL_AUTH_LOGIN_RESULT_VERSION 1

/**
 * Logs in.  Every attempt is recorded (email, ip, user agent, outcome,
 * reason).  Failures: WVL_EUNAUTHENTICATED with slug "invalid_credentials"
 * (wrong password, unknown email and inactive user alike, in body and in
 * timing), WVL_ELOCKED with retry_after when the address is locked (5
 * failures in 15 minutes lock it for 15 minutes; a browser with a valid
 * device cookie of that user is counted on its own), WVL_EINVAL for a
 * NULL argument or a request of another version, WVL_EVALIDATION for a
 * missing email or password or a body_json that is not exactly the two
 * strings, WVL_EUNAVAILABLE.  A new session token is issued at every
 * login.
 *
 * Returns 0 with `*out`, a session the caller owns (free with
 * wvl_auth_login_result_free); on failure *out is NULL.
 */
WVL_EXTERN int wvl_auth_login(wvl_auth_login_result **out, wvl_ctx *ctx,
			      const wvl_auth_login_request *req) WVL_WARN_UNUSED;

/** Frees a login result (the session token is wiped first).  Accepts NULL. */
WVL_EXTERN void wvl_auth_login_result_free(wvl_auth_login_result *r);

/**
 * Records a login attempt that never reached wvl_auth_login because the
 * request rate limit refused it (outcome "rate_limited"), so the attempt
 * log holds every attempt.  `req->password` is ignored; a request without
 * an email or an address records nothing.  At most a login rate limit's
 * worth of these rows is written per address and window
 * (WL_RATELIMIT_LOGIN), so a flood of refusals is not a flood of inserts.
 *
 * Returns 0 (also when nothing was recorded: no email, no or a bad
 * address, a malformed body, the cap reached); WVL_EINVAL for a NULL
 * argument or a request of another version; WVL_EVALIDATION for an email
 * that is the empty string; WVL_EUNAVAILABLE or WVL_EINTERNAL when the row
 * cannot be written.
 */
WVL_EXTERN int wvl_auth_login_refused(wvl_ctx *ctx, const wvl_auth_login_request *req)
	WVL_WARN_UNUSED;

/** Session facts the server needs for CSRF.  The caller's struct: set
 *  `version` (WVL_AUTH_SESSION_INFO_INIT) before passing it. */
typedef struct wvl_auth_session_info {
	unsigned int version;
	char session_id[WVL_ID_SIZE];
	char csrf_token[WVL_CSRF_TOKEN_SIZE];
} wvl_auth_session_info;

#define WVL_AUTH_SESSION_INFO_VERSION 1
#define WVL_AUTH_SESSION_INFO_INIT {WVL_AUTH_SESSION_INFO_VERSION, "", ""}

/**
 * Resolves a session cookie into an actor.  Sessions end 24 hours after
 * their last activity (WL_SESSION_IDLE_SECONDS) and at their absolute
 * expiry (WL_SESSION_MAX_SECONDS, default 30 days); last_seen_at is written
 * at most once a minute.  Fills the caller's *out_actor (zeroed first,
 * keeping its version) and, when not NULL, *out_info.  Both must carry a
 * version this library knows (WVL_ACTOR_INIT, WVL_AUTH_SESSION_INFO_INIT).
 *
 * Returns 0; WVL_EINVAL for a NULL out_actor or ctx or a struct of an
 * unknown version (nothing is written then); WVL_EUNAUTHENTICATED
 * when the token is malformed, unknown, revoked, expired or its user
 * inactive; WVL_EUNAVAILABLE.
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
 * change anything outside the database.  Returns what wvl_auth_session
 * returns (0, WVL_EINVAL, WVL_EUNAUTHENTICATED, WVL_EUNAVAILABLE).  Also
 * forgets, for the calling thread, which session was last confirmed.
 */
WVL_EXTERN int wvl_auth_session_cached(wvl_actor *out_actor, wvl_auth_session_info *out_info,
				       wvl_ctx *ctx, const char *session_token) WVL_WARN_UNUSED;

/**
 * Returns 0 when `actor` needs no check (it was not remembered) or this
 * thread has already checked its session as part of a statement since
 * wvl_auth_session_cached; otherwise checks the session now (one round
 * trip).  Call it on the thread that called wvl_auth_session_cached and
 * ran the request's statements: what was checked is remembered per
 * thread.  WVL_EUNAUTHENTICATED when it has ended (the context forgets it
 * too): the request must then be refused, whatever its handler produced;
 * WVL_EINVAL for a NULL ctx or actor; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_auth_session_confirm(wvl_ctx *ctx, const wvl_actor *actor) WVL_WARN_UNUSED;

/**
 * Resolves a personal API token (Authorization: Bearer; "wl_pat_..." as
 * wvl_auth_tokens_create made it) into the caller's *out_actor (zeroed
 * first, keeping its version).  Returns 0; WVL_EINVAL for a NULL out_actor
 * or ctx or an actor of an unknown version (see wvl_auth_session);
 * WVL_EUNAUTHENTICATED when the token is malformed, unknown, revoked or
 * its user inactive; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_auth_bearer(wvl_actor *out_actor, wvl_ctx *ctx, const char *token)
	WVL_WARN_UNUSED;

/**
 * Constant-time comparison of the session's CSRF token with a header
 * value.  Returns 1 when equal, 0 otherwise (also for a NULL argument, an
 * empty token or an `info` of an unknown version).  Reads only its arguments.
 */
WVL_EXTERN int wvl_auth_csrf_matches(const wvl_auth_session_info *info, const char *header_value);

/**
 * Revokes the session (and drops it from the context's session cache).
 * Returns 0, also for a malformed, unknown or revoked token; WVL_EINVAL
 * for a NULL ctx; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_auth_logout(wvl_ctx *ctx, const char *session_token) WVL_WARN_UNUSED;

/**
 * The acting user as JSON (the user resource of users.h).  Returns 0 with
 * it in *out_json, the caller's (wvl_free); WVL_EINVAL for a NULL
 * argument; WVL_EUNAUTHENTICATED for an actor without a user (anonymous,
 * system); WVL_ENOTFOUND when the user row is gone.
 */
WVL_EXTERN int wvl_auth_me(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * Changes the actor's password: body {"current_password","new_password"}.
 * Revokes every other session and API token of the user; the session named
 * by `keep_session_token` (may be NULL) stays.  Unused reset and unlock
 * links of the user stop working.  Returns 0; WVL_EINVAL for a NULL ctx
 * or actor or a malformed body; WVL_EUNAUTHENTICATED for an actor without
 * a user, or ("invalid_credentials") when the current password is wrong;
 * WVL_EVALIDATION with field errors when a field is missing, or the new
 * password fails the policy or equals the current one.
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
 * transaction (worker.h).  `ip` is not used.  Returns 0 (also for an
 * address that is not one); WVL_EINVAL for a NULL ctx or a body that is
 * not a JSON object; WVL_EVALIDATION for a missing or unknown field;
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_auth_password_forgot(wvl_ctx *ctx, const char *body_json, const char *ip)
	WVL_WARN_UNUSED;

/**
 * Finishes a reset: body {"token","password"}.  Sets the password, revokes
 * every session and API token of the user, voids its other reset and
 * unlock links and lifts any lockout of the address, in one transaction.
 * Returns 0; WVL_EINVAL for a NULL ctx or a malformed body;
 * WVL_EVALIDATION for missing fields or (field "password") a password the
 * policy refuses; WVL_EFORBIDDEN with slug "link_invalid" for a token
 * that was never issued; WVL_EGONE with slug "link_expired" for one used,
 * expired or of a user no longer active.
 */
WVL_EXTERN int wvl_auth_password_reset(wvl_ctx *ctx, const char *body_json) WVL_WARN_UNUSED;

/**
 * The self-unlock link emailed when an address locks: body {"token"}.
 * Single use; lifts the lockout of the address on every device.  Returns
 * 0; WVL_EINVAL for a NULL ctx or a malformed body; WVL_EVALIDATION for a
 * missing or unknown field; WVL_EFORBIDDEN "link_invalid" for a token
 * never issued; WVL_EGONE "link_expired" for one used, expired or of an
 * inactive user.
 */
WVL_EXTERN int wvl_auth_unlock_self(wvl_ctx *ctx, const char *body_json) WVL_WARN_UNUSED;

/**
 * Creates a personal API token: body {"name"} (1..100 characters, not
 * blank).  Returns 0 with {"id","name","created_at","last_used_at",
 * "token"} in *out_json, the caller's (wvl_free; "token" is shown this
 * once, only its hash is kept); WVL_EUNAUTHENTICATED for an actor without
 * a user; WVL_EINVAL; WVL_EVALIDATION.
 */
WVL_EXTERN int wvl_auth_tokens_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				      const char *body_json) WVL_WARN_UNUSED;
/**
 * The actor's live tokens, newest first: items {"id","name","created_at",
 * "last_used_at"}; a top-level list (`scope_id` NULL; the rules of
 * query.h, no filters).  Returns 0 with a page in *out_json, the
 * caller's (wvl_free); WVL_EUNAUTHENTICATED for an actor without a user;
 * WVL_EINVAL for a scope or a query the list does not take.
 */
WVL_EXTERN int wvl_auth_tokens_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				    const char *scope_id, const wvl_query *query)
	WVL_WARN_UNUSED;
/**
 * Revokes one of the actor's tokens.  Returns 0; WVL_ENOTFOUND when it is
 * not theirs, revoked already, or `id` is not a uuid; WVL_EUNAUTHENTICATED
 * for an actor without a user; WVL_EINVAL for a NULL ctx or actor.
 */
WVL_EXTERN int wvl_auth_tokens_revoke(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
