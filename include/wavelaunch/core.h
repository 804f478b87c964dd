/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_CORE_H
#define WAVELAUNCH_CORE_H

/*
 * Core of libwavelaunch: error model, memory ownership, configuration,
 * the context (pools, clock, logger) and the actor every domain call takes.
 *
 * Thread-safety: a wvl_ctx is safe to share between threads once built;
 * its pools are internally synchronised (wvl_ctx_set_clock and
 * wvl_ctx_free are the exceptions, see there).  A wvl_config is used by
 * one thread at a time; a wvl_config nobody modifies any more may be read
 * (wvl_config_get, wvl_config_validate) from several threads.
 * wvl_error_last() and the bound request id are per thread.  The functions
 * without an object (wvl_strerror, wvl_status_*, wvl_role_name,
 * wvl_uuid_valid, wvl_email_normalize, wvl_log_redact, wvl_config_known_*)
 * are thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(WVL_BUILDING_LIBRARY)
#define WVL_EXTERN __attribute__((visibility("default")))
#else
#define WVL_EXTERN
#endif

#if defined(__GNUC__)
#define WVL_WARN_UNUSED __attribute__((warn_unused_result))
#define WVL_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define WVL_WARN_UNUSED
#define WVL_NONNULL(...)
#endif

/* ---- errors ------------------------------------------------------------ */

/** Return codes: 0 is success, every failure is one of these negatives. */
enum wvl_status {
	WVL_OK = 0,
	WVL_EINVAL = -1,          /**< bad argument or malformed input (HTTP 400) */
	WVL_ENOTFOUND = -2,       /**< no such row, or not the actor's (404) */
	WVL_EFORBIDDEN = -3,      /**< the role may never do this (403) */
	WVL_EUNAUTHENTICATED = -4,/**< no valid credentials (401) */
	WVL_ECONFLICT = -5,       /**< state or uniqueness conflict (409) */
	WVL_ELOCKED = -6,         /**< account locked (423) */
	WVL_ERATELIMITED = -7,    /**< too many requests (429) */
	WVL_ETOOLARGE = -8,       /**< input over a size limit (413) */
	WVL_EUNSUPPORTED = -9,    /**< unsupported media or operation (415) */
	WVL_EUNAVAILABLE = -10,   /**< a dependency is down (503) */
	WVL_EINTERNAL = -11,      /**< a bug or unexpected failure (500) */
	WVL_EGONE = -12,          /**< expired link or token (410) */
	WVL_EVALIDATION = -13     /**< well-formed input whose content is refused:
				       field errors, an infected file (422) */
};

/** The details of the calling thread's last failure.  Filled by the
 *  library: `version` says which fields it has (WVL_ERROR_VERSION). */
typedef struct wvl_error {
	unsigned int version;
	int code;                /**< one of enum wvl_status */
	const char *slug;        /**< API problem code, e.g. "not_found" */
	const char *message;     /**< text safe to show a user; never SQL */
	const char *fields_json; /**< {"field":"message"} or NULL */
	int retry_after;         /**< seconds, for ELOCKED/ERATELIMITED; else 0 */
} wvl_error;

#define WVL_ERROR_VERSION 1

/**
 * Returns the calling thread's last error.  Never NULL: before any failure
 * (or after wvl_error_clear) it reports WVL_OK.  A successful call does not
 * reset it.  The struct and its strings are thread-local and owned by the
 * library: do not free them; they are valid until the next library call on
 * this thread (copy what you keep).
 */
WVL_EXTERN const wvl_error *wvl_error_last(void);

/** Resets the calling thread's last error to WVL_OK (frees its fields_json). */
WVL_EXTERN void wvl_error_clear(void);

/**
 * Returns static English text for a status code (an unknown code gets the
 * text of WVL_EINTERNAL); never NULL, never to be freed.
 */
WVL_EXTERN const char *wvl_strerror(int code);

/**
 * Returns the default API slug for a status code ("validation_failed",
 * ...; an unknown code gets "internal").  A static string: never NULL,
 * never to be freed.
 */
WVL_EXTERN const char *wvl_status_slug(int code);

/**
 * Returns the HTTP status number the API uses for a status code (200 for
 * WVL_OK, 422 for WVL_EVALIDATION, ..., 500 for WVL_EINTERNAL and for an
 * unknown code).  The one mapping: a slug never changes the status.
 */
WVL_EXTERN int wvl_status_http(int code);

/**
 * Releases a string or buffer the library allocated and handed to the
 * caller (every `char **out_json` and the like).  Accepts NULL.
 */
WVL_EXTERN void wvl_free(void *ptr);

/* ---- logging ------------------------------------------------------------ */

typedef enum wvl_log_level {
	WVL_LOG_DEBUG = 0,
	WVL_LOG_INFO = 1,
	WVL_LOG_WARN = 2,
	WVL_LOG_ERROR = 3
} wvl_log_level;

/**
 * A log handler.  `request_id` is the id bound to the calling thread by
 * wvl_log_bind_request() or NULL; `message` is already scrubbed of
 * anything that looks like a secret.  Called from any thread.
 */
typedef void (*wvl_log_fn)(wvl_log_level level, const char *request_id,
			   const char *message, void *payload);

/**
 * Binds a request id to the calling thread so log lines the library emits
 * while serving that request carry it.  NULL unbinds.  The string is copied
 * (longer than 64 bytes it is cut to 64).  Affects the calling thread only.
 */
WVL_EXTERN void wvl_log_bind_request(const char *request_id);

/**
 * Returns the request id bound to the calling thread, or NULL when none is.
 * The string is thread-local storage owned by the library: valid until the
 * thread binds another id or ends; do not free it.
 */
WVL_EXTERN const char *wvl_log_request_id(void);

/**
 * Parses "debug", "info", "warn" or "error" (any case) into *out.  Returns
 * 0; WVL_EINVAL for a NULL argument or any other name (*out untouched).
 */
WVL_EXTERN int wvl_log_level_parse(wvl_log_level *out, const char *name)
	WVL_WARN_UNUSED;

/**
 * Copies `in` into `out` (size `outlen`, always NUL-terminated, cut when
 * it does not fit) with the values of secret-looking keys and URL
 * passwords replaced by "[redacted]".  A key is secret-looking when its
 * name contains, in any case, password, passwd, token, secret, cookie,
 * authorization, api_key, apikey, session or csrf ("key=value",
 * "key: value", a JSON "key": value, an optional "Bearer ").  NULL `in`
 * is the empty string.  Returns the number of bytes written before the NUL (0
 * when `out` is NULL or `outlen` is 0).
 */
WVL_EXTERN size_t wvl_log_redact(char *out, size_t outlen, const char *in);

/* ---- configuration ------------------------------------------------------ */

/** Opaque configuration: a set of WL_* keys with defaults. */
typedef struct wvl_config wvl_config;

/**
 * Makes a new configuration holding every documented key's default.
 * Returns 0 with *out owned by the caller (free with wvl_config_free);
 * WVL_EINVAL for a NULL `out`; WVL_EINTERNAL when memory runs out (*out is
 * then NULL).
 */
WVL_EXTERN int wvl_config_new(wvl_config **out) WVL_WARN_UNUSED;

/**
 * Frees a configuration and every value it holds (values are wiped first:
 * they may be secrets).  Accepts NULL.  Strings wvl_config_get returned
 * for it are invalid afterwards.
 */
WVL_EXTERN void wvl_config_free(wvl_config *cfg);

/**
 * Sets one key (e.g. "WL_LISTEN"), replacing its value.  Unknown keys that
 * start with "WL_" are kept too (modules may read them).  The value is
 * copied; nothing is checked until wvl_config_validate.  Returns 0;
 * WVL_EINVAL for a NULL argument or a key that is not "WL_" followed by
 * upper-case letters, digits or '_' (at most 64 bytes); WVL_EINTERNAL when
 * memory runs out.
 */
WVL_EXTERN int wvl_config_set(wvl_config *cfg, const char *key,
			      const char *value) WVL_WARN_UNUSED;

/**
 * Returns the value of a key, or NULL when it is not set (or an argument
 * is NULL).  The string belongs to the configuration: valid until the key
 * is set again or the configuration is freed.
 */
WVL_EXTERN const char *wvl_config_get(const wvl_config *cfg, const char *key);

/**
 * Loads `dotenv_path` (when not NULL and the file exists; "KEY=value" lines,
 * an optional "export " prefix, '#' comments, optional single or double
 * quotes, double quotes taking \n \" \\ escapes), then every WL_*
 * variable of the process environment, which wins over the file.
 *
 * Returns 0; WVL_EINVAL for a NULL `cfg`, a file that exists but cannot be
 * read, or a malformed line (no '=', a key that is not WL_[A-Z0-9_]+, an
 * unterminated quote, a line over 8 KiB), with the path and line number in
 * the error message; WVL_EINTERNAL when memory runs out.  Keys loaded before
 * the failure stay set.  Reads `environ`: not safe against a concurrent
 * setenv() in another thread.
 */
WVL_EXTERN int wvl_config_load_env(wvl_config *cfg, const char *dotenv_path)
	WVL_WARN_UNUSED;

/**
 * Checks the configuration: WL_ENV is development or production, listen
 * address is host:port, WL_REDIS_URL parses, WL_LOG_LEVEL is a level, every
 * numeric and boolean key the modules read is in range, the email transport
 * has what it needs; and in production WL_SECRET_KEY is base64 of at least
 * 32 bytes, not a known example value, and WL_CLAMD is set (uploads must be
 * virus-scanned).  Returns 0, or WVL_EINVAL (also for a NULL `cfg`) at the
 * first problem, with a message naming the key and what to do.
 */
WVL_EXTERN int wvl_config_validate(const wvl_config *cfg) WVL_WARN_UNUSED;

/** Returns the number of keys the library documents (indexes 0..n-1 below). */
WVL_EXTERN size_t wvl_config_known_count(void);

/**
 * Returns the name of documented key `i` ("WL_LISTEN", ...), or NULL when
 * `i` is out of range.  A static string: never freed, valid for ever.
 */
WVL_EXTERN const char *wvl_config_known_key(size_t i);

/**
 * Returns the default value of documented key `i` (possibly ""), or NULL
 * when `i` is out of range.  A static string: never freed.
 */
WVL_EXTERN const char *wvl_config_known_default(size_t i);

/**
 * Returns the one-line help text of documented key `i`, or NULL when `i`
 * is out of range.  A static string: never freed.
 */
WVL_EXTERN const char *wvl_config_known_help(size_t i);
/**
 * Returns the feature the i-th key is reserved for (a key declared for a
 * feature not built yet, read by nothing), or NULL when the key is in use
 * or i is out of range.  A static string: never freed.  Thread-safe.
 */
WVL_EXTERN const char *wvl_config_known_reserved(size_t i);

/** Called with a key and a second static or cfg-owned string (see below). */
typedef void (*wvl_config_key_fn)(const char *key, const char *other, void *payload);

/**
 * Calls fn(key, nearest, payload) for each WL_* key set in cfg that the
 * library does not declare (a typo such as WL_DATABSE_URL), `nearest`
 * being the declared key closest to it by edit distance; keys starting
 * with WL_TEST_ (the test harness's) are skipped.  Returns how many; fn
 * may be NULL.  The strings are valid during the call only.  Not
 * thread-safe with writers of cfg.
 */
WVL_EXTERN size_t wvl_config_unknown(const wvl_config *cfg, wvl_config_key_fn fn,
				     void *payload);

/**
 * Calls fn(key, feature, payload) for each key reserved for a feature not
 * built yet that cfg sets to something other than its default (the value
 * is ignored; the apps warn).  Returns how many; fn may be NULL.  Not
 * thread-safe with writers of cfg.
 */
WVL_EXTERN size_t wvl_config_reserved_set(const wvl_config *cfg, wvl_config_key_fn fn,
					  void *payload);

/**
 * Returns the value of a declared whole-number key (its default when
 * unset or empty), as wvl_config_validate checked it; 0 when the key is
 * not a declared number or its value is invalid (validate first).
 * Thread-safe with readers of cfg.
 */
WVL_EXTERN unsigned long wvl_config_get_uint(const wvl_config *cfg, const char *key);

/**
 * Returns true when a declared boolean key is "true"; false when unset,
 * "false", invalid or not a declared boolean.  Thread-safe with readers of
 * cfg.
 */
WVL_EXTERN bool wvl_config_get_bool(const wvl_config *cfg, const char *key);

/* ---- context -------------------------------------------------------------- */

typedef struct wvl_ctx wvl_ctx;

/** Returns the current time in microseconds since the Unix epoch. */
typedef int64_t (*wvl_clock_fn)(void *payload);

typedef struct wvl_ctx_options {
	unsigned int version;
	wvl_log_fn log_fn;          /**< NULL: the library stays silent */
	void *log_payload;
	wvl_log_level log_level;    /**< lowest level passed to log_fn */
	unsigned int pg_pool_size;  /**< 0: default 16 */
	unsigned int redis_pool_size; /**< 0: default 8 */
	unsigned int pool_wait_ms;  /**< wait for a free connection; 0: 5000 */
} wvl_ctx_options;

#define WVL_CTX_OPTIONS_VERSION 1
#define WVL_CTX_OPTIONS_INIT {WVL_CTX_OPTIONS_VERSION, NULL, NULL, WVL_LOG_INFO, 0, 0, 0}

/**
 * Builds a context from a configuration, which it validates first
 * (wvl_config_validate) and then copies: the caller keeps `cfg`.
 * Connections are made lazily, so a context can be built while PostgreSQL
 * or Redis is down.  `opts` may be NULL (defaults; WL_PG_POOL_SIZE and
 * WL_REDIS_POOL_SIZE size the pools unless `opts` does).
 *
 * Returns 0 with *out owned by the caller (free with wvl_ctx_free);
 * WVL_EINVAL for a NULL `out` or `cfg`, an `opts` of another version, or a
 * configuration wvl_config_validate refuses; WVL_EINTERNAL when memory runs
 * out or libsodium or libcurl cannot start.  On failure *out is NULL.
 */
WVL_EXTERN int wvl_ctx_new(wvl_ctx **out, const wvl_config *cfg,
			   const wvl_ctx_options *opts) WVL_WARN_UNUSED;

/**
 * Writes what is still batched (help view counts), closes every connection
 * and frees the context and what it owns (its configuration copy too:
 * pointers from wvl_ctx_config die with it).  Accepts NULL.  Not
 * thread-safe: no other thread may be using the context, and workers
 * built on it must be freed first.
 */
WVL_EXTERN void wvl_ctx_free(wvl_ctx *ctx);

/**
 * Returns the context's own copy of the configuration (read-only), or NULL
 * for a NULL `ctx`.  Owned by the context: valid until wvl_ctx_free.
 */
WVL_EXTERN const wvl_config *wvl_ctx_config(const wvl_ctx *ctx);

/**
 * Replaces the clock (NULL restores the system clock).  Not thread-safe
 * with concurrent calls on the same context: set it before sharing.
 */
WVL_EXTERN void wvl_ctx_set_clock(wvl_ctx *ctx, wvl_clock_fn fn, void *payload);

/**
 * Changes the lowest level passed to the context's log handler (the apps
 * re-read WL_LOG_LEVEL on SIGHUP).  Out-of-range levels are ignored.
 * Returns nothing; thread-safe (an atomic store).
 */
WVL_EXTERN void wvl_ctx_set_log_level(wvl_ctx *ctx, wvl_log_level level);

/**
 * Returns "now" from the context's clock, in microseconds since the epoch
 * (the system clock when `ctx` is NULL).
 */
WVL_EXTERN int64_t wvl_now(const wvl_ctx *ctx);

/**
 * Emits a log line through the context's handler, formatted (at most 2 KiB)
 * and scrubbed with wvl_log_redact first; nothing happens without a handler
 * or below the context's level.  The handler runs on the calling thread.
 */
WVL_EXTERN void wvl_log(const wvl_ctx *ctx, wvl_log_level level,
			const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/** Connection pool figures, for metrics.  The caller's struct: set
 *  `version` (WVL_POOL_STATS_INIT) before asking for it. */
typedef struct wvl_pool_stats {
	unsigned int version;
	unsigned int size;     /**< maximum connections */
	unsigned int open;     /**< connections currently open */
	unsigned int in_use;   /**< connections lent out */
	uint64_t waits;        /**< acquisitions that had to wait */
	uint64_t timeouts;     /**< acquisitions that gave up */
	uint64_t reconnects;   /**< broken connections replaced */
} wvl_pool_stats;

#define WVL_POOL_STATS_VERSION 1
#define WVL_POOL_STATS_INIT {WVL_POOL_STATS_VERSION, 0, 0, 0, 0, 0, 0}

/**
 * Fills *out with the PostgreSQL pool's figures (a snapshot taken under
 * the pool's lock; all zero for a NULL `ctx`).  Does nothing when `out` is
 * NULL or its version is not one this library knows (1..WVL_POOL_STATS_VERSION).
 */
WVL_EXTERN void wvl_ctx_pg_stats(const wvl_ctx *ctx, wvl_pool_stats *out);

/** The same for the Redis pool. */
WVL_EXTERN void wvl_ctx_redis_stats(const wvl_ctx *ctx, wvl_pool_stats *out);

/* ---- actor --------------------------------------------------------------- */

typedef enum wvl_role {
	WVL_ROLE_ANONYMOUS = 0,
	WVL_ROLE_CLIENT = 1,
	WVL_ROLE_STAFF = 2,
	WVL_ROLE_ADMIN = 3,
	WVL_ROLE_SYSTEM = 4 /**< the worker and tools acting for the system */
} wvl_role;

/* Sizes of the fixed text fields of public structs, with their NUL. */
#define WVL_ID_SIZE 37            /**< a uuid as 36 characters of text */
#define WVL_SESSION_CHECK_SIZE 68 /**< "\\x" and a SHA-256 in hex */
#define WVL_NAME_SIZE 64          /**< a job kind or queue name (63 characters) */
#define WVL_CSRF_TOKEN_SIZE 64

/**
 * Who is acting: passed to every domain call. Ids are canonical uuid text.
 *
 * Structs that cross the library's boundary start with `unsigned int
 * version`, so they can grow within a soname: a struct the caller fills
 * (an actor, an out-parameter) carries the version the caller was built
 * with, set by its WVL_*_INIT, and the library refuses a version it does
 * not know (WVL_EINVAL naming the struct; 0 is never valid, so an actor
 * that was only zeroed is refused); a struct the library fills carries the
 * version of the library that filled it.  New fields are only appended.
 */
typedef struct wvl_actor {
	unsigned int version;        /**< WVL_ACTOR_VERSION (WVL_ACTOR_INIT) */
	wvl_role role;
	char user_id[WVL_ID_SIZE];   /**< empty for anonymous and system */
	char client_id[WVL_ID_SIZE]; /**< the client of a client user; else empty */
	/** Empty, or the session this actor was remembered from
	 *  (wvl_auth_session_cached): the library then checks that session
	 *  again in the round trip of the actor's first statement, and refuses
	 *  the statement's result (WVL_EUNAUTHENTICATED) when it has ended. */
	char session_check[WVL_SESSION_CHECK_SIZE];
} wvl_actor;

#define WVL_ACTOR_VERSION 1
/** An actor of `role` with no ids: `wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);`
 *  (set user_id and client_id after it for users). */
#define WVL_ACTOR_INIT(role) {WVL_ACTOR_VERSION, (role), "", "", ""}

/**
 * Returns the role's name as PostgreSQL policies see it ("admin", ...;
 * "anonymous" for any value outside the enum).  A static string: never
 * freed.
 */
WVL_EXTERN const char *wvl_role_name(wvl_role role);

/**
 * Returns true (1) when `s` is a 36-character uuid in the 8-4-4-4-12 hex
 * form (either case), false (0) otherwise or for NULL.
 */
WVL_EXTERN int wvl_uuid_valid(const char *s);

/**
 * Normalises an email address (spaces and tabs trimmed, lower-case) into
 * the caller's buffer `out` (size `outlen`; 255 bytes hold any accepted
 * address).  Returns 0; WVL_EINVAL (with a message saying why) for a NULL
 * argument, an address shorter than 3 or longer than 254 bytes or than
 * `out`, control characters, spaces or any of <>",;\, or one that does not
 * look like name@domain.tld.
 */
WVL_EXTERN int wvl_email_normalize(char *out, size_t outlen, const char *email)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
