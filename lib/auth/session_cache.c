/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Sessions remembered per context, so a read request can skip the round
 * trip of its session lookup (wvl_auth_session_cached).
 *
 * What a remembered session is trusted for: only to know, before any
 * statement runs, who the actor claims to be (role, user, client, CSRF
 * token) — enough to choose the query and the rate-limit key.  It is never
 * trusted for access: the actor carries the session's digest and the
 * library checks the session again in the same round trip as the actor's
 * first statement (lib/core/pg.c); a request that ran no statement is
 * checked before it is answered (wvl_auth_session_confirm).  So a logout,
 * a revocation, a deactivation or a role change takes effect on the next
 * request, exactly as without the cache.
 *
 * A direct-mapped table (1,024 slots, 16 lock stripes) keyed by the
 * token's SHA-256; an entry lives WL_SESSION_CACHE_SECONDS (default 60,
 * 0 turns the cache off), after which the full lookup runs again — which
 * is also what records the session's activity once a minute. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

#define SLOTS 1024
#define STRIPES 16

struct entry {
	unsigned char hash[32];
	int64_t until_usec; /* 0: empty */
	wvl_actor actor;
	wvl_auth_session_info info;
};

struct wvl_session_cache {
	pthread_mutex_t locks[STRIPES];
	struct entry slots[SLOTS];
};

/* Built on first use; readers after that take no lock (the pointer is
 * published once, with release order). */
static struct wvl_session_cache *cache_of(wvl_ctx *ctx)
{
	struct wvl_auth_state *st = wvl_auth__state(ctx);
	struct wvl_session_cache *c = __atomic_load_n(&st->sessions, __ATOMIC_ACQUIRE);
	if (c)
		return c;
	pthread_mutex_lock(&st->lock);
	c = st->sessions;
	if (!c && (c = calloc(1, sizeof(*c))) != NULL) {
		for (int i = 0; i < STRIPES; i++)
			pthread_mutex_init(&c->locks[i], NULL);
		__atomic_store_n(&st->sessions, c, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&st->lock);
	return c;
}

void wvl_auth__sessions_free(struct wvl_session_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	sodium_memzero(c->slots, sizeof(c->slots));
	free(c);
}

static unsigned slot_of(const unsigned char hash[32])
{
	return ((unsigned)hash[0] | (unsigned)hash[1] << 8) % SLOTS;
}

static bool get(wvl_ctx *ctx, const unsigned char hash[32], int64_t now, wvl_actor *actor,
		wvl_auth_session_info *info)
{
	struct wvl_session_cache *c = cache_of(ctx);
	if (!c)
		return false;
	unsigned i = slot_of(hash);
	pthread_mutex_lock(&c->locks[i % STRIPES]);
	struct entry *e = &c->slots[i];
	bool hit = e->until_usec > now && sodium_memcmp(e->hash, hash, 32) == 0;
	if (hit) {
		*actor = e->actor;
		*info = e->info;
	}
	pthread_mutex_unlock(&c->locks[i % STRIPES]);
	return hit;
}

static void put(wvl_ctx *ctx, const unsigned char hash[32], int64_t until,
		const wvl_actor *actor, const wvl_auth_session_info *info)
{
	struct wvl_session_cache *c = cache_of(ctx);
	if (!c)
		return;
	unsigned i = slot_of(hash);
	pthread_mutex_lock(&c->locks[i % STRIPES]);
	struct entry *e = &c->slots[i];
	memcpy(e->hash, hash, 32);
	e->until_usec = until;
	e->actor = *actor;
	e->actor.session_check[0] = '\0';
	e->info = *info;
	pthread_mutex_unlock(&c->locks[i % STRIPES]);
}

void wvl_auth__sessions_forget(wvl_ctx *ctx, const unsigned char hash[32])
{
	struct wvl_session_cache *c = __atomic_load_n(&wvl_auth__state(ctx)->sessions,
						       __ATOMIC_ACQUIRE);
	if (!c)
		return;
	unsigned i = slot_of(hash);
	pthread_mutex_lock(&c->locks[i % STRIPES]);
	if (sodium_memcmp(c->slots[i].hash, hash, 32) == 0)
		memset(&c->slots[i], 0, sizeof(c->slots[i]));
	pthread_mutex_unlock(&c->locks[i % STRIPES]);
}

/* WL_SESSION_CACHE_SECONDS: 0 turns the cache off.  Never more than a
 * quarter of the idle limit: the full lookup a lapsed entry leads to is
 * what records the session's activity, so a short idle limit (say ASVS's
 * 30 minutes, or less) still sees a reader as active. */
static unsigned long ttl_seconds(const wvl_ctx *ctx)
{
	const char *v = wvl_config_get(ctx->cfg, "WL_SESSION_CACHE_SECONDS");
	if (v && strcmp(v, "0") == 0)
		return 0;
	unsigned long ttl = wvl_config__uint(ctx->cfg, "WL_SESSION_CACHE_SECONDS", 60, 3601);
	unsigned long idle = wvl_auth__seconds(ctx, "WL_SESSION_IDLE_SECONDS", 86400);
	return ttl > idle / 4 ? idle / 4 : ttl;
}

int wvl_auth_session_cached(wvl_actor *out_actor, wvl_auth_session_info *out_info, wvl_ctx *ctx,
			    const char *session_token)
{
	if (!out_actor || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_actor and ctx are required");
	if (wvl_auth__out_known(out_actor, out_info))
		return WVL_EINVAL;
	wvl_pg__check_unconfirm();
	unsigned long ttl = ttl_seconds(ctx);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	if (ttl == 0 || !wvl_auth__token_shape_ok(session_token, 40, 64))
		return wvl_auth_session(out_actor, out_info, ctx, session_token);
	unsigned char hash[32];
	wvl_token__hash(hash, session_token);
	int64_t now = wvl_now(ctx);
	if (get(ctx, hash, now, out_actor, &info)) {
		wvl_auth__bytea_hex(out_actor->session_check, hash);
	} else {
		int rc = wvl_auth_session(out_actor, &info, ctx, session_token);
		if (rc)
			return rc;
		put(ctx, hash, now + (int64_t)ttl * 1000000, out_actor, &info);
	}
	if (out_info)
		*out_info = info;
	return 0;
}

int wvl_auth_session_confirm(wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	if (wvl_actor__check(actor))
		return WVL_EINVAL;
	if (!actor->session_check[0] || wvl_pg__check_confirmed(actor))
		return 0;
	/* No statement ran as this actor: check the session on its own (an
	 * empty read as the actor does exactly that). */
	PGresult *r = wvl_pg__read(ctx, actor, "SELECT 1 WHERE false", 0, NULL);
	int rc = r ? 0 : wvl_error_last()->code;
	PQclear(r);
	if (rc == WVL_EUNAUTHENTICATED) {
		unsigned char hash[32];
		if (sodium_hex2bin(hash, sizeof(hash), actor->session_check + 2, 64, NULL, NULL,
				   NULL) == 0)
			wvl_auth__sessions_forget(ctx, hash);
	}
	return rc;
}
