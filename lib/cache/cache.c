/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The response cache.  Invalidation is by generation: each cache has a
 * counter in Redis that is part of every entry's key, and a write bumps it
 * after its commit.  A reader that computed from a snapshot older than the
 * commit can only store under the generation it read before the bump, a
 * key no later reader asks for; so a read that starts after a write has
 * returned never sees what the write replaced, whatever runs beside it.
 * Orphaned entries go by their TTL. */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../core/redis.h"
#include "cache.h"

static const struct {
	const char *name;
	const char *ttl; /* seconds */
} kinds[WVL_CACHE_NKINDS] = {
	[WVL_CACHE_ANALYTICS] = {"analytics", "3600"},
	[WVL_CACHE_CLIENTS] = {"clients", "300"},
	[WVL_CACHE_DELIVERABLES] = {"deliverables", "300"},
	[WVL_CACHE_PLANS] = {"business_plans", "1800"},
};

struct counters {
	_Atomic uint64_t hits[WVL_CACHE_NKINDS];
	_Atomic uint64_t misses[WVL_CACHE_NKINDS];
	/* The database's mark in every key: deployments (and test databases)
	 * sharing one Redis never read each other's entries. */
	char ns[17];
};

static int state_new(void **out, wvl_ctx *ctx)
{
	struct counters *c = calloc(1, sizeof(*c));
	if (!c)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *db = wvl_config_get(ctx->cfg, "WL_DATABASE_URL");
	unsigned char d[8];
	crypto_generichash(d, sizeof(d), (const unsigned char *)(db ? db : ""), db ? strlen(db) : 0,
			   NULL, 0);
	sodium_bin2hex(c->ns, sizeof(c->ns), d, sizeof(d));
	*out = c;
	return 0;
}

static const char *ns_of(const wvl_ctx *ctx)
{
	const struct counters *c = wvl_ctx__state(ctx, &wvl_cache__module);
	return c ? c->ns : "";
}

const struct wvl_module wvl_cache__module = {
	.name = "cache",
	.state_new = state_new,
	.state_free = free,
};

int wvl_cache_stats(const char **out_name, uint64_t *out_hits, uint64_t *out_misses,
		    const wvl_ctx *ctx, size_t i)
{
	if (!out_name || !out_hits || !out_misses || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out pointers and ctx are required");
	if (i >= WVL_CACHE_NKINDS)
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such cache");
	const struct counters *c = wvl_ctx__state(ctx, &wvl_cache__module);
	*out_name = kinds[i].name;
	*out_hits = c ? atomic_load(&c->hits[i]) : 0;
	*out_misses = c ? atomic_load(&c->misses[i]) : 0;
	return 0;
}

static void count(wvl_ctx *ctx, enum wvl_cache_kind k, bool hit)
{
	struct counters *c = wvl_ctx__state(ctx, &wvl_cache__module);
	if (c)
		atomic_fetch_add(hit ? &c->hits[k] : &c->misses[k], 1);
}

/* A string reply's text (copied), or NULL for nil, errors and failures. */
static char *get(wvl_ctx *ctx, const char *key, size_t *len)
{
	const char *argv[] = {"GET", key};
	redisReply *r = wvl_redis__command(ctx, 2, argv, NULL);
	char *out = NULL;
	if (r && r->type == REDIS_REPLY_STRING && (out = malloc(r->len + 1)) != NULL) {
		memcpy(out, r->str, r->len);
		out[r->len] = '\0';
		*len = r->len;
	}
	if (r)
		freeReplyObject(r);
	return out;
}

/* Hashes who asks and what into the entry's name: the actor's role, user
 * and client are in it, so views never cross between people. */
static void entry_key(char *out, size_t len, const char *ns, enum wvl_cache_kind k, const char *gen,
		      const wvl_actor *a, const char *scope, const char *what, const wvl_query *q)
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	char head[160];
	int n = snprintf(head, sizeof(head), "%d|%s|%s|", (int)a->role, a->user_id, a->client_id);
	crypto_generichash_update(&h, (const unsigned char *)head, (size_t)n);
	const char *parts[] = {scope ? scope : "", what ? what : ""};
	for (int i = 0; i < 2; i++) {
		unsigned long long l = strlen(parts[i]);
		crypto_generichash_update(&h, (const unsigned char *)&l, sizeof(l));
		crypto_generichash_update(&h, (const unsigned char *)parts[i], l);
	}
	for (size_t i = 0; q && i < wvl_query_count(q); i++) {
		const char *kv[] = {wvl_query_key(q, i), wvl_query_value(q, i)};
		for (int j = 0; j < 2; j++) {
			unsigned long long l = strlen(kv[j]);
			crypto_generichash_update(&h, (const unsigned char *)&l, sizeof(l));
			crypto_generichash_update(&h, (const unsigned char *)kv[j], l);
		}
	}
	unsigned char d[32];
	char hex[65];
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	snprintf(out, len, "wl:cache:%s:%s:%s:%s", ns, kinds[k].name, gen, hex);
}

int wvl_cache__read(char **out_json, wvl_ctx *ctx, enum wvl_cache_kind kind,
		    const wvl_actor *actor, const char *scope, const char *what,
		    const wvl_query *query, wvl_cache_fill fill, void *arg)
{
	*out_json = NULL;
	if (!wvl_redis__configured(ctx)) {
		count(ctx, kind, false);
		return fill(out_json, arg);
	}
	char gen_key[64], key[200];
	size_t len = 0;
	snprintf(gen_key, sizeof(gen_key), "wl:cache:%s:%s:gen", ns_of(ctx), kinds[kind].name);
	wvl_error_clear();
	char *gen = get(ctx, gen_key, &len);
	/* No counter yet reads as generation 0; Redis away, as no cache. */
	bool up = gen || wvl_error_last()->code != WVL_EUNAVAILABLE;
	entry_key(key, sizeof(key), ns_of(ctx), kind, gen ? gen : "0", actor, scope, what, query);
	free(gen);
	char *hit = up ? get(ctx, key, &len) : NULL;
	if (hit) {
		count(ctx, kind, true);
		*out_json = hit;
		return 0;
	}
	count(ctx, kind, false);
	int rc = fill(out_json, arg);
	if (rc || !up || !*out_json)
		return rc;
	const char *argv[] = {"SET", key, *out_json, "EX", kinds[kind].ttl};
	size_t lens[] = {3, strlen(key), strlen(*out_json), 2, strlen(kinds[kind].ttl)};
	redisReply *r = wvl_redis__command(ctx, 5, argv, lens);
	if (r)
		freeReplyObject(r);
	else
		wvl_error_clear(); /* the answer stands without its copy */
	return 0;
}

void wvl_cache__invalidate(wvl_ctx *ctx, enum wvl_cache_kind kind)
{
	if (!wvl_redis__configured(ctx))
		return;
	char gen_key[64];
	snprintf(gen_key, sizeof(gen_key), "wl:cache:%s:%s:gen", ns_of(ctx), kinds[kind].name);
	const char *argv[] = {"INCR", gen_key};
	redisReply *r = wvl_redis__command(ctx, 2, argv, NULL);
	if (r && r->type == REDIS_REPLY_INTEGER) {
		freeReplyObject(r);
		return;
	}
	if (r)
		freeReplyObject(r);
	wvl_log(ctx, WVL_LOG_WARN, "cache %s: cannot invalidate (Redis unavailable); its entries"
				   " expire by their TTL", kinds[kind].name);
	wvl_error_clear();
}

void wvl_cache__written(wvl_ctx *ctx, int rc, unsigned int mask)
{
	if (rc != 0)
		return;
	/* Keep the call's (empty) error state whatever Redis says. */
	for (int k = 0; k < WVL_CACHE_NKINDS; k++)
		if (mask & (1u << k))
			wvl_cache__invalidate(ctx, (enum wvl_cache_kind)k);
}
