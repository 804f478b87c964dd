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
struct wvl_module;
struct wvl_actor_guard;

#define WVL_MODULES_MAX 16

struct wvl_ctx {
	wvl_config *cfg;
	wvl_log_fn log_fn;
	void *log_payload;
	int log_level; /* a wvl_log_level; atomic (wvl_ctx_set_log_level) */
	wvl_clock_fn clock_fn;
	void *clock_payload;
	struct wvl_pg_pool *pg;
	struct wvl_redis_pool *redis;
	unsigned int pool_wait_ms;
	unsigned char master_key[32]; /* from WL_SECRET_KEY; see keys.c */
	/* The modules this context carries and the state each built. */
	const struct wvl_module *modules[WVL_MODULES_MAX];
	void *states[WVL_MODULES_MAX];
	size_t nmodules;
	/* The first module's guard, if any (see struct wvl_actor_guard). */
	const struct wvl_actor_guard *guard;
	/* Told of every error-level log line, already redacted (lib/report
	 * sends them to Sentry); NULL: nobody. */
	void (*on_error)(void *state, const char *request_id, const char *message);
	void *on_error_state;
};

/* ---- modules (ctx.c) ----
 * The core knows no domain.  A module that checks its own configuration
 * keys, keeps state per context, or guards actors describes itself with
 * one of these, and lib/library.c lists the modules a context carries; the
 * core calls the hooks without knowing what they are for. */
/* ---- configuration keys (config.c, config_parse.c) ----
 * Every WL_* key is declared once, by the module that reads it, in a
 * config_keys.c of its own folder: its value type picks the one checked
 * parser every value of that type goes through (an invalid value stops the
 * app with one line naming the key, the problem and the expected form),
 * and the declarations are the known-keys list (defaults, help, the
 * nearest-key suggestion for an unknown WL_* key). */
enum wvl_cfg_type {
	WVL_CFG_STRING,	    /* any text; max: longest length in bytes (0: any) */
	WVL_CFG_UINT,	    /* a whole number in [min, max] */
	WVL_CFG_BOOL,	    /* true or false */
	WVL_CFG_ENUM,	    /* one of `choices` ("a|b|c") */
	WVL_CFG_PG_URL,	    /* a libpq connection string or URI (PQconninfoParse) */
	WVL_CFG_REDIS_URL,  /* redis:// or rediss:// (curl_url) */
	WVL_CFG_HTTP_URL,   /* http:// or https:// with a host (curl_url) */
	WVL_CFG_LISTEN,	    /* host:port or [v6]:port, port 0..65535 */
	WVL_CFG_RESERVED,   /* for a feature not built yet: `choices` names it */
};

/* The value may be empty (meaning: off, or "use the fallback" the help
 * names); the value is secret (never repeated in an error message). */
#define WVL_CFG_EMPTY_OK 1u
#define WVL_CFG_SECRET 2u

struct wvl_config_key {
	const char *key;
	enum wvl_cfg_type type;
	const char *def;
	unsigned long min, max;
	const char *choices;
	unsigned flags;
	const char *help;
};

/* A module's declarations (in its config_keys.c). */
struct wvl_config_keyset {
	const struct wvl_config_key *keys;
	size_t n;
};

struct wvl_module {
	const char *name;
	/* The WL_* keys the module reads (see struct wvl_config_key); NULL: none. */
	const struct wvl_config_keyset *keys;
	/* Checks the module's WL_* keys: WVL_EINVAL with a message naming the
	 * key.  NULL: nothing to check. */
	int (*validate_config)(const wvl_config *cfg);
	/* Builds the module's state for a new context (after the pools, keys
	 * and clock exist).  NULL: the module keeps no state. */
	int (*state_new)(void **out, wvl_ctx *ctx);
	/* Frees that state; called with NULL never. */
	void (*state_free)(void *state);
	/* How a remembered actor is checked again; NULL: none. */
	const struct wvl_actor_guard *guard;
};

/* A remembered credential (wvl_actor.session_check) is checked again in
 * the round trip of the actor's first statement.  `sql` takes the actor's
 * role, user id and client id as $1..$3, sets them as the plain actor
 * statement does (set_config of wvl.actor_role, wvl.actor_id and
 * wvl.actor_client_id, local to the transaction), and returns exactly one
 * row while the credential is still good and none otherwise. */
#define WVL_GUARD_EXTRA_MAX 4
struct wvl_actor_guard {
	const char *sql;
	int nextra; /* parameters after $3, at most WVL_GUARD_EXTRA_MAX */
	/* Whether `check` has the credential's shape (it comes from a public
	 * struct: a caller's array without a NUL must not be read past its
	 * size, WVL_ACTOR_CHECK_SIZE). */
	bool (*check_ok)(const char *check);
	/* Fills $4.. as text, from the actor's credential and the clock. */
	void (*params)(wvl_ctx *ctx, const wvl_actor *actor, char extra[][80]);
};

#define WVL_ACTOR_CHECK_SIZE sizeof(((wvl_actor *)0)->session_check)

/* Builds a context carrying `modules` (see wvl_ctx_new). */
int wvl_ctx__new(wvl_ctx **out, const wvl_config *cfg, const wvl_ctx_options *opts,
		 const struct wvl_module *const *modules, size_t nmodules);
/* The state `m` built for this context, or NULL. */
void *wvl_ctx__state(const wvl_ctx *ctx, const struct wvl_module *m);

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

/* ---- versioned structs (util.c) ---- */

/* 0 when a caller's struct carries `version` 1..known; else WVL_EINVAL
 * naming the struct `type` and the `init` macro that sets its version. */
int wvl_version__check(unsigned int version, unsigned int known, const char *type,
		       const char *init);
/* 0 for NULL (anonymous) or an actor of a version this library knows;
 * else WVL_EINVAL (wvl_version__check).  Every use of a caller's actor
 * passes here: the database's (wvl_pg__begin, wvl_pg__read) and the
 * role checks below. */
int wvl_actor__check(const wvl_actor *a);
/* The first statement of every public call that takes an actor (the
 * boundary of soname 3; tests/check_struct_versions.py holds every such
 * call to it): an actor of a version this library does not know is refused
 * before anything reads it, and nothing else is touched. */
#define WVL_ACTOR_GUARD(a)                      \
	do {                                    \
		if (wvl_actor__check(a) != 0)   \
			return WVL_EINVAL;      \
	} while (0)

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
/* The core's own keys (config_keys.c). */
extern const struct wvl_config_keyset wvl_core__keys;
/* wvl_config_new with the defaults of the core's and the modules' keys. */
int wvl_config__new(wvl_config **out, const struct wvl_module *const *modules,
		    size_t nmodules);
/* The declaration of `key` among the core's and the modules' keys, or NULL. */
const struct wvl_config_key *wvl_config__find_key(const char *key,
						  const struct wvl_module *const *modules,
						  size_t nmodules);
/* The i-th declared key (core first, then each module's), or NULL. */
const struct wvl_config_key *wvl_config__key_at(size_t i,
						const struct wvl_module *const *modules,
						size_t nmodules);
/* Checks `value` against the declaration: 0, or WVL_EINVAL with the one
 * line "KEY: problem; expected form".  `out` (may be NULL) receives the
 * number of a WVL_CFG_UINT, 1/0 of a WVL_CFG_BOOL. */
int wvl_config__parse(const struct wvl_config_key *k, const char *value,
		      unsigned long *out);
/* Calls `fn` for each key set in cfg that no declaration knows, with the
 * nearest declared key; returns how many. */
size_t wvl_config__unknown(const wvl_config *cfg, const struct wvl_module *const *modules,
			   size_t nmodules,
			   void (*fn)(const char *key, const char *nearest, void *payload),
			   void *payload);
/* wvl_config_validate for a context carrying `modules`: the core's own
 * keys, then each module's. */
int wvl_config__validate(const wvl_config *cfg, const struct wvl_module *const *modules,
			 size_t nmodules);
/* Whether WL_ENV is production. */
bool wvl_config__production(const wvl_config *cfg);
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

#endif
