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

/* ---- logging (log.c) ---- */
void wvl_log__v(const wvl_ctx *ctx, wvl_log_level level, const char *fmt,
		va_list ap) __attribute__((format(printf, 3, 0)));

/* ---- rate limits (lib/ratelimit) ---- */
void wvl_ratelimit__state_free(struct wvl_ratelimit_state *st);
/* Checks the WL_RATELIMIT_*, WL_TRUSTED_PROXIES and WL_REDIS_PREFIX keys. */
int wvl_ratelimit__validate_config(const wvl_config *cfg);

#endif
