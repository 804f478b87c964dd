/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_RATELIMIT_H
#define WAVELAUNCH_RATELIMIT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Request rate limits (API.md, "Rate limits").
 *
 * Algorithm: GCRA (the generic cell rate algorithm, a token bucket kept as
 * one timestamp per key).  A policy of N per window allows a burst of N,
 * then one more request every window/N; after a whole window without
 * requests the full N is back.  Over time that is exactly N per window.
 * (Within one window a key can see up to 2N-1 requests: the burst, plus
 * what trickles back.  The per-email lockout, counted exactly in
 * PostgreSQL, is the control for password guessing; this one is for
 * volume.)
 *
 * Counters live in Redis, so every server instance shares them: each check
 * is one EVALSHA of a Lua script, atomic on the server.  "Now" comes from
 * the context's clock (wvl_now), never from Redis, so tests move time.
 * When Redis cannot be used the context falls back to an in-process
 * limiter of bounded memory (WL_RATELIMIT_FALLBACK_SIZE keys): every policy,
 * including login and password reset, stays enforced, per instance.  The
 * outage is logged once, and wvl_ratelimit_degraded() reports it.
 *
 * Configuration: WL_RATELIMIT_LOGIN (default "5/15m"), WL_RATELIMIT_PASSWORD
 * ("3/1h"), WL_RATELIMIT_WRITE ("100/15m"), WL_RATELIMIT_READ ("300/15m"):
 * "<requests>/<window>" with the window in seconds or with an s, m, h or d
 * suffix.  WL_REDIS_PREFIX ("wl:") starts every Redis key.
 * WL_TRUSTED_PROXIES lists addresses or CIDR ranges whose X-Forwarded-For is
 * believed.
 *
 * Thread-safety: every call here is safe on a shared context and from any
 * thread; the result structs and output buffers are the caller's.  The host
 * must ignore SIGPIPE (wl-server does): a Redis that dies between two
 * checks would otherwise kill the process on the next write.
 */

/** Which limit applies to a request (API.md's table). */
typedef enum wvl_ratelimit_policy {
	WVL_RATELIMIT_NONE = 0,     /**< not limited: outside /api, or OPTIONS */
	WVL_RATELIMIT_LOGIN = 1,    /**< POST /api/auth/login; key: IP */
	WVL_RATELIMIT_PASSWORD = 2, /**< POST /api/auth/password/{forgot,reset}; key: IP */
	WVL_RATELIMIT_WRITE = 3,    /**< other unsafe methods under /api; key: user or IP */
	WVL_RATELIMIT_READ = 4      /**< GET and HEAD under /api; key: user or IP */
} wvl_ratelimit_policy;

/** The decision for one request: what the RateLimit-* headers carry.
 *  The caller's struct: set `version` (WVL_RATELIMIT_RESULT_INIT). */
typedef struct wvl_ratelimit_result {
	unsigned int version;
	int allowed;              /**< 1: serve it; 0: answer 429 rate_limited */
	unsigned int limit;       /**< RateLimit-Limit: requests per window */
	unsigned int remaining;   /**< RateLimit-Remaining, after this request */
	unsigned int reset;       /**< RateLimit-Reset: seconds until the full limit is back */
	unsigned int retry_after; /**< Retry-After seconds (>= 1) when refused; else 0 */
	unsigned int window;      /**< the policy's window in seconds */
	int degraded;             /**< 1: decided in-process because Redis was down */
} wvl_ratelimit_result;

#define WVL_RATELIMIT_RESULT_VERSION 1
#define WVL_RATELIMIT_RESULT_INIT {WVL_RATELIMIT_RESULT_VERSION, 0, 0, 0, 0, 0, 0, 0}

/**
 * Returns the policy for a request.  `method` is the request method as sent
 * (methods are case-sensitive); `path` is the decoded path the router
 * matches (a query string, repeated and trailing slashes are ignored, as
 * the router ignores them).  GET and HEAD are READ, except GET
 * /api/health, which is NONE (monitors poll it; it is cheap); OPTIONS is
 * NONE; every other method under /api (including unknown ones) is WRITE.
 * NULL arguments give WVL_RATELIMIT_NONE.
 */
WVL_EXTERN wvl_ratelimit_policy wvl_ratelimit_policy_for(const char *method,
							  const char *path);

/**
 * Returns the policy's name ("login", "password", "write", "read", "none";
 * "none" for any value outside the enum).  A static string: never freed.
 */
WVL_EXTERN const char *wvl_ratelimit_policy_name(wvl_ratelimit_policy policy);

/**
 * Counts one request of `key` against `policy` and returns the decision in
 * `*out` (zeroed first, its version kept, even on failure).  A refusal is a result
 * (out->allowed == 0), not an error; a Redis outage is not an error either
 * (out->degraded == 1).  With WL_RATELIMIT_ENABLED=false every request is
 * allowed and nothing is counted (limit 0).
 *
 * `key` is any NUL-terminated byte string (empty allowed; it is one shared
 * bucket); long or unusual keys are hashed, so their size costs nothing.
 * Build it with wvl_ratelimit_key().
 *
 * Returns 0, or WVL_EINVAL (NULL argument, unknown policy or NONE, an
 * `out` of a version this library does not know: it is left alone),
 * WVL_EINTERNAL (out of memory).
 */
WVL_EXTERN int wvl_ratelimit_check(wvl_ratelimit_result *out, wvl_ctx *ctx,
				   wvl_ratelimit_policy policy, const char *key)
	WVL_WARN_UNUSED;

#define WVL_RATELIMIT_KEY_MAX 64

/**
 * Writes into the caller's `out` the key a request is counted under:
 * "user:<id>" for WRITE and READ when `actor` has a user id, else the
 * client address: "ip:<IPv4>", or "ip6:<first 64 bits>::/64" for IPv6,
 * since one subscriber usually holds a whole /64 and could otherwise
 * rotate addresses.  LOGIN and PASSWORD always
 * use the address.  `actor` may be NULL (anonymous).  `client_ip` is an
 * address as wvl_ratelimit_client_ip() writes it.
 *
 * Returns 0, or WVL_EINVAL (NULL `out` or `client_ip`, a policy other than
 * LOGIN, PASSWORD, WRITE or READ, an unparsable address, or `outlen` below
 * WVL_RATELIMIT_KEY_MAX).
 */
WVL_EXTERN int wvl_ratelimit_key(char *out, size_t outlen, wvl_ratelimit_policy policy,
				 const wvl_actor *actor, const char *client_ip)
	WVL_WARN_UNUSED;

#define WVL_RATELIMIT_IP_MAX 46

/**
 * Writes the client's address into the caller's `out`.  `socket_ip` is the
 * peer address of the connection (IPv4 or IPv6 text).  `x_forwarded_for` is the X-Forwarded-For header
 * (every occurrence joined with ","), or NULL.  The header is believed only
 * when `socket_ip` is in WL_TRUSTED_PROXIES; then the result is its
 * right-most address that is not itself a trusted proxy (entries left of
 * that are the client's to forge).  A malformed entry met before an
 * untrusted one stops the walk at the nearest trusted hop, so garbage never
 * becomes a key.  IPv4-mapped IPv6 addresses are written as IPv4.
 *
 * `out` gets the canonical text (needs WVL_RATELIMIT_IP_MAX bytes).
 * Returns 0, or WVL_EINVAL (NULL argument, `socket_ip` not an address, or
 * `outlen` too small); WVL_EINTERNAL when the context lacks its rate-limit
 * state.
 */
WVL_EXTERN int wvl_ratelimit_client_ip(char *out, size_t outlen, wvl_ctx *ctx,
				       const char *socket_ip,
				       const char *x_forwarded_for) WVL_WARN_UNUSED;

/**
 * Returns 1 when `ip` (an address as text) is in WL_TRUSTED_PROXIES, else 0 (also
 * for NULL or a malformed address).  A proxy speaks for many clients, so
 * per-address connection caps leave it out.  Thread-safe.
 */
WVL_EXTERN int wvl_ratelimit_trusted_proxy(const wvl_ctx *ctx, const char *ip);

/**
 * Returns 1 when the last check fell back to the in-process limiter because Redis
 * was unreachable (or not configured), 0 otherwise: /api/health reports
 * "degraded".  The next check that reaches Redis clears it.  0 for a NULL
 * ctx.
 */
WVL_EXTERN int wvl_ratelimit_degraded(const wvl_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
