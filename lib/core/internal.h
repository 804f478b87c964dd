/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_INTERNAL_H
#define WVL_CORE_INTERNAL_H

/* Internal to libwavelaunch: shared by the core's files and the modules.
 * Never installed. */

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "wavelaunch/core.h"

struct wvl_pg_pool;
struct wvl_redis_pool;
struct wvl_ratelimit_state;
struct wvl_session_cache;

struct wvl_ctx {
	wvl_config *cfg;
	wvl_log_fn log_fn;
	void *log_payload;
	wvl_log_level log_level;
	wvl_clock_fn clock_fn;
	void *clock_payload;
	struct wvl_pg_pool *pg;
	struct wvl_redis_pool *redis;
	unsigned int pool_wait_ms;
	unsigned char master_key[32]; /* from WL_SECRET_KEY; see keys.c */
	void *auth_cache;             /* lib/auth: dummy hash for equal timing */
	struct wvl_session_cache *sessions; /* lib/auth/session_cache.c */
	pthread_mutex_t auth_lock;
	struct wvl_ratelimit_state *ratelimit; /* built on first use (lib/ratelimit) */
};

/* ---- errors (error.c) ---- */

/* Records the thread's last error and returns `code`, so a failure path
 * reads `return wvl_err__set(WVL_EINVAL, NULL, "...")`.  A NULL slug takes
 * the code's default. */
int wvl_err__set(int code, const char *slug, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with field errors as JSON text (copied). */
int wvl_err__set_fields(const char *fields_json, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wvl_err__set_retry_after(int seconds);

/* ---- roles (util.c) ---- */

/* Admins, staff and the system act for the agency. */
bool wvl_actor__is_team(const wvl_actor *a);
/* 0 for the team; WVL_EUNAUTHENTICATED for anonymous, else WVL_EFORBIDDEN. */
int wvl_actor__need_team(const wvl_actor *a);
/* WVL_ENOTFOUND with the usual message; returns the code. */
int wvl_err__not_found(void);

/* ---- strings (util.c) ---- */

char *wvl_str__dup(const char *s);
char *wvl_str__printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RFC 3339 UTC with microseconds, into buf of at least 32 bytes. */
void wvl_time__rfc3339(char *buf, size_t len, int64_t usec);

/* ---- configuration (config.c) ---- */
int wvl_config__clone(wvl_config **out, const wvl_config *src);
/* An unsigned key in [1, max), or def when unset or malformed. */
unsigned long wvl_config__uint(const wvl_config *cfg, const char *key,
			       unsigned long def, unsigned long max);

/* ---- keys and tokens (keys.c) ---- */

/* One subkey per purpose, so a signature made for one use never verifies
 * for another. */
enum wvl_key_purpose {
	WVL_KEY_LINKS = 1,
	WVL_KEY_DEVICE = 2,
	WVL_KEY_SEAL = 3,
	WVL_KEY_UNSUBSCRIBE = 4,
	WVL_KEY_CURSOR = 5,
};

/* Loads the master key from WL_SECRET_KEY, or a random one when it is
 * empty (development only: links then die with the process). */
int wvl_keys__init(wvl_ctx *ctx);
void wvl_keys__subkey(const wvl_ctx *ctx, enum wvl_key_purpose p, unsigned char out[32]);
/* `nbytes` random bytes as unpadded base64url into out (>= 2*nbytes). */
void wvl_token__random(char *out, size_t outlen, size_t nbytes);
/* SHA-256 of a NUL-terminated token. */
void wvl_token__hash(unsigned char out[32], const char *token);
/* HMAC-SHA-256 of msg under the purpose's key, unpadded base64url (44 bytes). */
void wvl_keys__sign(const wvl_ctx *ctx, enum wvl_key_purpose p, const char *msg,
		    char out[48]);
/* Constant-time check of a signature made by wvl_keys__sign. */
bool wvl_keys__verify(const wvl_ctx *ctx, enum wvl_key_purpose p, const char *msg,
		      const char *sig);
/* Authenticated encryption for secrets that must rest in the database for
 * a while (e.g. a reset token waiting in an email job).  Malloc'd base64url. */
char *wvl_keys__seal(const wvl_ctx *ctx, const char *plain);
/* NULL when tampered or not ours. */
char *wvl_keys__unseal(const wvl_ctx *ctx, const char *sealed);

/* ---- logging (log.c) ---- */
void wvl_log__v(const wvl_ctx *ctx, wvl_log_level level, const char *fmt,
		va_list ap) __attribute__((format(printf, 3, 0)));

/* ---- remembered sessions (lib/auth/session_cache.c) ---- */
void wvl_auth__sessions_free(struct wvl_session_cache *c);

/* ---- rate limits (lib/ratelimit) ---- */
void wvl_ratelimit__state_free(struct wvl_ratelimit_state *st);
/* Checks the WL_RATELIMIT_*, WL_TRUSTED_PROXIES and WL_REDIS_PREFIX keys. */
int wvl_ratelimit__validate_config(const wvl_config *cfg);

#endif
