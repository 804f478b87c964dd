/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Rate-limit checks: one EVALSHA per check against Redis, shared by every
 * server instance, and the in-process table when Redis cannot answer.
 * The clock is the context's (passed into the script), so tests move time
 * and instances agree on "now" only as well as their clocks do. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "../core/redis.h"
#include "ratelimit_int.h"

/* GCRA, mirroring wvl_ratelimit__gcra, for up to ARGV[4] admissions at
 * once (a lease, lease.c; 1 for a single request).  ARGV: now, interval,
 * tolerance in microseconds (doubles hold them exactly: < 2^53), wanted,
 * and refund: admissions an earlier lease of this key took and never
 * used, given back first (the TAT moves back by them, never before now).
 * Grants as many as fit (an admission fits while TAT + interval stays
 * within tolerance of now).  The key expires when its TAT is reached,
 * since an absent key means the same thing.  Returns {granted, tat}. */
static const char script[] =
	"local now = tonumber(ARGV[1])\n"
	"local interval = tonumber(ARGV[2])\n"
	"local tolerance = tonumber(ARGV[3])\n"
	"local want = tonumber(ARGV[4]) or 1\n"
	"local refund = tonumber(ARGV[5]) or 0\n"
	"local tat = tonumber(redis.call('GET', KEYS[1])) or now\n"
	"tat = tat - refund * interval\n"
	"if tat < now then tat = now end\n"
	"local fit = math.floor((tolerance - (tat - now)) / interval)\n"
	"if fit > want then fit = want end\n"
	"if fit < 0 then fit = 0 end\n"
	"local new_tat = tat + fit * interval\n"
	"if fit > 0 or refund > 0 then\n"
	"  if new_tat > now then\n"
	"    redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',\n"
	"      string.format('%.0f', math.ceil((new_tat - now) / 1000)))\n"
	"  else\n"
	"    redis.call('DEL', KEYS[1])\n"
	"  end\n"
	"end\n"
	"return {fit, new_tat}\n";

/* While Redis is down only one thread at a time, at most this often, tries
 * it again; every other check goes straight to the table, so an outage
 * (even a black-holed host with its connect timeout) costs requests
 * nothing, and a struggling Redis is not hammered with reconnects.  Once a
 * second notices recovery soon enough for a limiter. */
#define PROBE_INTERVAL_US 1000000
/* Keys this short and plain are stored as given, so an operator can find
 * or delete one (wl:rl:login:ip:192.0.2.1); others are hashed. */
#define PLAIN_KEY_MAX 96

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- state -------------------------------------------------------------- */

void wvl_ratelimit__state_free(struct wvl_ratelimit_state *st)
{
	if (!st)
		return;
	wvl_ratelimit__table_free(st->fallback);
	wvl_ratelimit__leases_free(st->leases);
	free(st->proxies);
	pthread_mutex_destroy(&st->sha_lock);
	free(st);
}

static struct wvl_ratelimit_state *state_new(const wvl_config *cfg)
{
	struct wvl_ratelimit_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	pthread_mutex_init(&st->sha_lock, NULL);
	size_t entries = 0;
	bool ok = wvl_ratelimit__fallback_size(&entries, cfg) == 0 &&
		  wvl_ratelimit__nets_parse(&st->proxies, &st->nproxies,
					    wvl_config_get(cfg, "WL_TRUSTED_PROXIES")) == 0;
	for (unsigned p = 1; ok && p < WVL_RL_POLICIES; p++)
		ok = wvl_ratelimit__rule_from_config(&st->rules[p], cfg,
						     (wvl_ratelimit_policy)p) == 0;
	const char *prefix = wvl_config_get(cfg, "WL_REDIS_PREFIX");
	snprintf(st->prefix, sizeof(st->prefix), "%s", prefix ? prefix : "wl:");
	/* wvl_ctx_new validated the configuration; failing here is memory. */
	/* Leases only for reads: logins and writes ask Redis every time. */
	for (unsigned p = 0; p < WVL_RL_POLICIES; p++)
		st->lease_max[p] = 1;
	st->lease_max[WVL_RATELIMIT_READ] =
		(unsigned int)wvl_config__uint(cfg, "WL_RATELIMIT_LEASE", 32, 1025);
	if (ok)
		st->fallback = wvl_ratelimit__table_new(entries);
	if (ok)
		st->leases = wvl_ratelimit__leases_new();
	if (!ok || !st->fallback || !st->leases) {
		wvl_ratelimit__state_free(st);
		return NULL;
	}
	return st;
}

static int module_state_new(void **out, wvl_ctx *ctx)
{
	*out = state_new(ctx->cfg);
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static void module_state_free(void *state) { wvl_ratelimit__state_free(state); }

const struct wvl_module wvl_ratelimit__module = {
	.name = "ratelimit",
	.keys = &wvl_ratelimit__keys,
	.validate_config = wvl_ratelimit__validate_config,
	.state_new = module_state_new,
	.state_free = module_state_free,
};

struct wvl_ratelimit_state *wvl_ratelimit__state(const wvl_ctx *ctx)
{
	return wvl_ctx__state(ctx, &wvl_ratelimit__module);
}

int wvl_ratelimit_degraded(const wvl_ctx *ctx)
{
	if (!ctx)
		return 0;
	struct wvl_ratelimit_state *st = wvl_ratelimit__state(ctx);
	return st ? __atomic_load_n(&st->degraded, __ATOMIC_ACQUIRE) : 0;
}

/* ---- outage bookkeeping ---------------------------------------------------- */

/* Both helpers read before they write, so the common case (state
 * unchanged) leaves the shared cache line clean for the other threads. */
static void went_down(wvl_ctx *ctx, struct wvl_ratelimit_state *st, const char *why)
{
	__atomic_store_n(&st->next_probe, mono_us() + PROBE_INTERVAL_US, __ATOMIC_RELEASE);
	if (!__atomic_load_n(&st->degraded, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&st->degraded, 1, __ATOMIC_ACQ_REL))
		wvl_log(ctx, WVL_LOG_WARN,
			"rate limiter degraded: redis %s; enforcing limits per process until "
			"it answers again", why);
}

static void came_back(wvl_ctx *ctx, struct wvl_ratelimit_state *st)
{
	if (__atomic_load_n(&st->degraded, __ATOMIC_ACQUIRE) &&
	    __atomic_exchange_n(&st->degraded, 0, __ATOMIC_ACQ_REL))
		wvl_log(ctx, WVL_LOG_INFO, "rate limiter recovered: redis answers, limits are "
					   "shared again");
}

/* 0: do not try Redis now; 1: try; 2: try, as the one probing thread. */
static int may_try(struct wvl_ratelimit_state *st)
{
	if (!__atomic_load_n(&st->degraded, __ATOMIC_ACQUIRE))
		return 1;
	if (mono_us() < __atomic_load_n(&st->next_probe, __ATOMIC_ACQUIRE))
		return 0;
	int idle = 0;
	return __atomic_compare_exchange_n(&st->probing, &idle, 1, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE)
		       ? 2
		       : 0;
}

/* ---- Redis ------------------------------------------------------------------ */

static void redis_key(char *out, size_t outlen, const struct wvl_ratelimit_state *st,
		      wvl_ratelimit_policy policy, const char *key)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789.:_-/@";
	const char *name = wvl_ratelimit_policy_name(policy);
	size_t len = strlen(key);
	if (len <= PLAIN_KEY_MAX && strspn(key, plain) == len) {
		snprintf(out, outlen, "%srl:%s:%s", st->prefix, name, key);
		return;
	}
	/* '#' is not in the plain set, so a hashed key never equals a plain one. */
	unsigned char h[16];
	char hex[33];
	crypto_generichash(h, sizeof(h), (const unsigned char *)key, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, outlen, "%srl:%s:#%s", st->prefix, name, hex);
}

static void describe(char *why, size_t len, const redisReply *r)
{
	if (!r)
		snprintf(why, len, "is unreachable");
	else if (r->type == REDIS_REPLY_ERROR)
		snprintf(why, len, "replied %.80s", r->str);
	else
		snprintf(why, len, "sent an unexpected reply (type %d)", r->type);
}

/* The script's SHA1, asked of Redis once (SCRIPT LOAD) rather than computed
 * here; it never changes afterwards, so readers need no lock. */
static const char *script_sha(wvl_ctx *ctx, struct wvl_ratelimit_state *st, char *why,
			      size_t whylen)
{
	if (__atomic_load_n(&st->sha_ready, __ATOMIC_ACQUIRE))
		return st->sha;
	const char *argv[] = {"SCRIPT", "LOAD", script};
	redisReply *r = wvl_redis__command(ctx, 3, argv, NULL);
	bool ok = r && r->type == REDIS_REPLY_STRING && r->len == 40;
	if (ok) {
		pthread_mutex_lock(&st->sha_lock);
		if (!st->sha_ready) {
			memcpy(st->sha, r->str, 40);
			st->sha[40] = '\0';
			__atomic_store_n(&st->sha_ready, 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&st->sha_lock);
	} else {
		describe(why, whylen, r);
	}
	freeReplyObject(r);
	return ok ? st->sha : NULL;
}

static int parse_reply(unsigned int *granted, int64_t *tat, unsigned int asked,
		       const redisReply *r)
{
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER || r->element[0]->integer < 0 ||
	    r->element[0]->integer > asked)
		return -1;
	*granted = (unsigned int)r->element[0]->integer;
	*tat = (int64_t)r->element[1]->integer;
	return 0;
}

static int redis_gcra(unsigned int *granted, int64_t *tat, wvl_ctx *ctx,
		      struct wvl_ratelimit_state *st, const char *rkey, int64_t now,
		      const struct wvl_rl_rule *r, unsigned int want, unsigned int refund,
		      char *why, size_t whylen)
{
	char a_now[24], a_int[24], a_tol[24], a_want[12], a_refund[12];
	const char *sha = script_sha(ctx, st, why, whylen);
	if (!sha)
		return -1;
	snprintf(a_now, sizeof(a_now), "%lld", (long long)now);
	snprintf(a_int, sizeof(a_int), "%lld", (long long)r->interval_us);
	snprintf(a_tol, sizeof(a_tol), "%lld", (long long)r->tolerance_us);
	snprintf(a_want, sizeof(a_want), "%u", want);
	snprintf(a_refund, sizeof(a_refund), "%u", refund);
	const char *argv[] = {"EVALSHA", sha, "1", rkey, a_now, a_int, a_tol, a_want, a_refund};
	redisReply *rep = wvl_redis__command(ctx, 9, argv, NULL);
	/* A restarted or failed-over Redis has an empty script cache; EVAL
	 * runs the script and caches it again. */
	if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(rep);
		argv[0] = "EVAL";
		argv[1] = script;
		rep = wvl_redis__command(ctx, 9, argv, NULL);
	}
	int rc = parse_reply(granted, tat, want, rep);
	if (rc)
		describe(why, whylen, rep);
	freeReplyObject(rep);
	return rc;
}

/* 0 with a decision from Redis (or from a lease it granted), or -1:
 * decide in-process.  *spare: admissions the key's lease still holds. */
static int try_redis(bool *allowed, int64_t *tat, unsigned int *spare, wvl_ctx *ctx,
		     struct wvl_ratelimit_state *st, wvl_ratelimit_policy policy,
		     const char *key, int64_t now)
{
	*spare = 0;
	if (!wvl_redis__configured(ctx)) {
		if (!__atomic_load_n(&st->degraded, __ATOMIC_ACQUIRE))
			went_down(ctx, st, "is not configured (WL_REDIS_URL)");
		return -1;
	}
	int mode = may_try(st);
	if (!mode)
		return -1;
	char rkey[256], why[128];
	redis_key(rkey, sizeof(rkey), st, policy, key);
	unsigned int max = st->lease_max[policy], ask = 1, granted = 0, refund = 0;
	uint64_t lk = max > 1 ? wvl_ratelimit__lease_key(st->leases, rkey) : 0;
	/* While degraded (mode 2: probing) the lease table is not consulted:
	 * the probe must reach Redis. */
	if (max > 1 && mode == 1 &&
	    wvl_ratelimit__lease_take(st->leases, lk, now, max, tat, spare, &ask, &refund)) {
		*allowed = true;
		return 0;
	}
	int rc = redis_gcra(&granted, tat, ctx, st, rkey, now, &st->rules[policy], ask, refund,
			    why, sizeof(why));
	if (rc) {
		went_down(ctx, st, why);
	} else {
		came_back(ctx, st);
		*allowed = granted > 0;
		if (max > 1 && granted > 0) {
			wvl_ratelimit__lease_store(st->leases, lk, now, *tat, granted, ask);
			*spare = granted - 1;
		}
	}
	if (mode == 2)
		__atomic_store_n(&st->probing, 0, __ATOMIC_RELEASE);
	return rc;
}

int wvl_ratelimit_check(wvl_ratelimit_result *out, wvl_ctx *ctx,
			wvl_ratelimit_policy policy, const char *key)
{
	if (out && wvl_version__check(out->version, WVL_RATELIMIT_RESULT_VERSION,
				      "wvl_ratelimit_result", "WVL_RATELIMIT_RESULT_INIT"))
		return WVL_EINVAL;
	if (out)
		*out = (wvl_ratelimit_result)WVL_RATELIMIT_RESULT_INIT;
	if (!out || !ctx || !key || policy <= WVL_RATELIMIT_NONE || policy > WVL_RATELIMIT_READ)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "out, ctx, key and a policy other than NONE are required");
	/* An operator whose gateway already limits may switch this off; the
	 * per-email lockout in PostgreSQL stays on regardless. */
	const char *enabled = wvl_config_get(wvl_ctx_config(ctx), "WL_RATELIMIT_ENABLED");
	if (enabled && strcmp(enabled, "false") == 0) {
		out->allowed = 1; /* limit 0: nothing to report in headers */
		return 0;
	}
	struct wvl_ratelimit_state *st = wvl_ratelimit__state(ctx);
	if (!st)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const struct wvl_rl_rule *r = &st->rules[policy];
	int64_t now = wvl_now(ctx), tat = now;
	bool allowed = false;
	unsigned int spare = 0;
	if (try_redis(&allowed, &tat, &spare, ctx, st, policy, key, now) == 0) {
		wvl_ratelimit__fill(out, r, now, tat, allowed);
		/* What the lease holds is this client's too. */
		if (allowed)
			out->remaining += spare;
		return 0;
	}
	allowed = wvl_ratelimit__table_check(st->fallback, &tat, now, r, policy, key);
	wvl_ratelimit__fill(out, r, now, tat, allowed);
	out->degraded = 1;
	wvl_error_clear(); /* the outage is reported through out->degraded, not as an error */
	return 0;
}
