/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_AUTH_INTERNAL_H
#define WVL_AUTH_INTERNAL_H

/* Internal to lib/auth and lib/users. */

#include "../core/json.h"
#include "../core/pg.h"
#include "wavelaunch/auth.h"
#include "wavelaunch/worker.h"

/* The user resource, built by PostgreSQL from users alias u. */
#define WVL_USER_JSON_SQL                                                                  \
	"json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,"  \
	" 'client_id', u.client_id, 'active', u.active, 'locked_until', u.locked_until,"   \
	" 'last_login_at', u.last_login_at, 'created_at', u.created_at,"                   \
	" 'updated_at', u.updated_at)"

/* The condition of a valid session `s` of an active user `u`: its token
 * hash is parameter `tok`, and at `now` it has neither ended nor been idle
 * for `idle` seconds.  Written once for the lookup (session.c) and the
 * guard (module.c). */
#define WVL_SESSION_VALID_SQL(tok, now, idle)                                            \
	" s.token_hash = " tok "::bytea AND s.revoked_at IS NULL AND u.active"          \
	" AND s.expires_at > " now "::timestamptz"                                      \
	" AND s.last_seen_at > " now "::timestamptz - make_interval(secs => " idle "::int)"

struct wvl_session_cache;

/* Per-context state (module.c). */
struct wvl_auth_state {
	pthread_mutex_t lock;               /* guards the lazily built members */
	char *dummy_hash;                   /* login.c: unknown emails cost a verify */
	struct wvl_session_cache *sessions; /* session_cache.c, built on first use */
};

extern const struct wvl_module wvl_auth__module;
extern const struct wvl_config_keyset wvl_auth__keys;
struct wvl_auth_state *wvl_auth__state(const wvl_ctx *ctx);
void wvl_auth__sessions_free(struct wvl_session_cache *c);

/* Seconds from a WL_* key with a default, bounded to a sane range. */
unsigned long wvl_auth__seconds(const wvl_ctx *ctx, const char *key, unsigned long def);

/* "now" from the context clock as RFC 3339 text for SQL parameters. */
void wvl_auth__now(const wvl_ctx *ctx, char buf[40]);

/* Whether a stored hash should be replaced at the next successful login: a
 * v1 bcrypt hash, or Argon2id with other settings than the context's. */
bool wvl_auth__password_needs_upgrade(wvl_ctx *ctx, const char *hash);

/* A bcrypt hash as v1 stored it: $2a$, $2b$ or $2y$, a two-digit cost, 53
 * characters of salt and digest (the v1 import keeps these). */
bool wvl_auth__hash_is_bcrypt(const char *hash);

/* Hex of a 32-byte hash for a bytea parameter ("\\x..."). */
void wvl_auth__bytea_hex(char out[68], const unsigned char hash[32]);

/* Revokes every session of a user except the one whose token hash is
 * `keep_hex` (may be NULL), and with `tokens_too` their API tokens. */
int wvl_auth__revoke_all(wvl_ctx *ctx, PGconn *c, const char *user_id, const char *keep_hex,
			 const char *now, bool tokens_too);

/* Queues an email to the user in the caller's transaction (lib/email).
 * `secret` (a raw token for a link) is sealed before it rests in the
 * email log; `key` (NULL: a fresh one) makes a repeat queue nothing. */
int wvl_auth__enqueue_email(wvl_ctx *ctx, PGconn *c, const char *template_name,
			    const char *user_id, const char *secret, const char *key);

/* The password_reset_request job kind (lib/jobs/builtin.c lists it). */
int wvl_auth__job_reset_request(char **out_error, wvl_worker_task *run, void *payload);

/* A new session of `user_id` into res (session token, CSRF token, max
 * age), in the transaction on `c`; `ip` "" or NULL when unknown. */
int wvl_auth__session_open(wvl_auth_login_result *res, wvl_ctx *ctx, PGconn *c,
			   const char *user_id, const char *ip, const char *user_agent,
			   const char *now);

/* Whether a token has the shape of ours (base64url, min..max long). */
bool wvl_auth__token_shape_ok(const char *t, size_t min, size_t max);
/* 0 when the caller's out-structs of wvl_auth_session are of a version
 * this library can fill (out_info may be NULL); else WVL_EINVAL. */
int wvl_auth__out_known(const wvl_actor *out_actor, const wvl_auth_session_info *out_info);

/* Device cookies, "v1.<device id>.<hmac(v1.<id>.<email>)>" (login.c).
 * make: the cookie for this email and device (wvl_free).  check: fills
 * device_id when `cookie` (a client's, may be NULL) is ours and was issued
 * for this email, else leaves it "".  Internal rather than static so the
 * check is fuzzed on its own (tests/fuzz/fuzz_cookies.c). */
char *wvl_auth__device_cookie_make(const wvl_ctx *ctx, const char *email, const char *device_id);
void wvl_auth__device_cookie_check(const wvl_ctx *ctx, const char *cookie, const char *email,
				  char device_id[40]);

/* Drops a remembered session (session_cache.c). */
void wvl_auth__sessions_forget(wvl_ctx *ctx, const unsigned char hash[32]);

/* Runs one statement expected to succeed; returns its status. */
int wvl_auth__exec(wvl_ctx *ctx, PGconn *c, const char *sql, int n, const char *const *params);


#endif
