/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The context: configuration copy, pools, clock, log handler, and the
 * state of the modules it carries (struct wvl_module). */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "pg.h"
#include "redis.h"

static int64_t system_clock(void *payload)
{
	(void)payload;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Builds each module's state, in order; a failure leaves the ones built
 * for wvl_ctx_free. */
static int modules_start(wvl_ctx *ctx, const struct wvl_module *const *modules, size_t n)
{
	if (n > WVL_MODULES_MAX)
		return wvl_err__set(WVL_EINTERNAL, NULL, "too many modules");
	for (size_t i = 0; i < n; i++) {
		ctx->modules[i] = modules[i];
		ctx->nmodules = i + 1;
		if (!ctx->guard && modules[i]->guard)
			ctx->guard = modules[i]->guard;
		int rc = modules[i]->state_new ? modules[i]->state_new(&ctx->states[i], ctx) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

static void apply_options(wvl_ctx *ctx, const wvl_ctx_options *opts, unsigned *pg_size,
			  unsigned *redis_size)
{
	ctx->log_fn = opts->log_fn;
	ctx->log_payload = opts->log_payload;
	ctx->log_level = (int)opts->log_level;
	if (opts->pg_pool_size)
		*pg_size = opts->pg_pool_size;
	if (opts->redis_pool_size)
		*redis_size = opts->redis_pool_size;
	if (opts->pool_wait_ms)
		ctx->pool_wait_ms = opts->pool_wait_ms;
}

int wvl_ctx__new(wvl_ctx **out, const wvl_config *cfg, const wvl_ctx_options *opts,
		 const struct wvl_module *const *modules, size_t nmodules)
{
	if (!out || !cfg)
		return wvl_err__set(WVL_EINVAL, NULL, "out and cfg are required");
	*out = NULL;
	if (opts && opts->version != WVL_CTX_OPTIONS_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_ctx_options version");
	if (sodium_init() < 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "libsodium failed to initialise");
	int rc = wvl_config__validate(cfg, modules, nmodules);
	if (rc)
		return rc;
	wvl_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if ((rc = wvl_config__clone(&ctx->cfg, cfg)) != 0) {
		wvl_ctx_free(ctx);
		return rc;
	}
	ctx->clock_fn = system_clock;
	ctx->log_level = WVL_LOG_INFO;
	ctx->pool_wait_ms = 5000;
	unsigned pg_size = (unsigned)wvl_config__uint(cfg, "WL_PG_POOL_SIZE", 16, 1000);
	unsigned redis_size = (unsigned)wvl_config__uint(cfg, "WL_REDIS_POOL_SIZE", 8, 1000);
	if (opts)
		apply_options(ctx, opts, &pg_size, &redis_size);
	if ((rc = wvl_keys__init(ctx)) != 0) {
		wvl_ctx_free(ctx);
		return rc;
	}
	ctx->pg = wvl_pg__pool_new(wvl_config_get(cfg, "WL_DATABASE_URL"), pg_size);
	ctx->redis = wvl_redis__pool_new(cfg, redis_size);
	if (!ctx->pg || !ctx->redis) {
		wvl_ctx_free(ctx);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	if ((rc = modules_start(ctx, modules, nmodules)) != 0) {
		wvl_ctx_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

void *wvl_ctx__state(const wvl_ctx *ctx, const struct wvl_module *m)
{
	for (size_t i = 0; i < ctx->nmodules; i++)
		if (ctx->modules[i] == m)
			return ctx->states[i];
	return NULL;
}

void wvl_ctx_free(wvl_ctx *ctx)
{
	if (!ctx)
		return;
	/* Modules go first, in reverse: their state may use the pools. */
	for (size_t i = ctx->nmodules; i-- > 0;)
		if (ctx->states[i] && ctx->modules[i]->state_free)
			ctx->modules[i]->state_free(ctx->states[i]);
	wvl_pg__pool_free(ctx->pg);
	sodium_memzero(ctx->master_key, sizeof(ctx->master_key));
	wvl_redis__pool_free(ctx->redis);
	wvl_config_free(ctx->cfg);
	free(ctx);
}

const wvl_config *wvl_ctx_config(const wvl_ctx *ctx) { return ctx ? ctx->cfg : NULL; }

void wvl_ctx_set_clock(wvl_ctx *ctx, wvl_clock_fn fn, void *payload)
{
	if (!ctx)
		return;
	ctx->clock_fn = fn ? fn : system_clock;
	ctx->clock_payload = fn ? payload : NULL;
}

int64_t wvl_now(const wvl_ctx *ctx)
{
	return ctx ? ctx->clock_fn(ctx->clock_payload) : system_clock(NULL);
}

/* A void call cannot report a struct of an unknown version: it leaves it. */
static bool stats_known(const wvl_pool_stats *out)
{
	return out && out->version >= 1 && out->version <= WVL_POOL_STATS_VERSION;
}

void wvl_ctx_pg_stats(const wvl_ctx *ctx, wvl_pool_stats *out)
{
	if (stats_known(out))
		wvl_pg__pool_stats(ctx ? ctx->pg : NULL, out);
}

void wvl_ctx_redis_stats(const wvl_ctx *ctx, wvl_pool_stats *out)
{
	if (stats_known(out))
		wvl_redis__pool_stats(ctx ? ctx->redis : NULL, out);
}

void wvl_ctx_set_log_level(wvl_ctx *ctx, wvl_log_level level)
{
	if (ctx && level >= WVL_LOG_DEBUG && level <= WVL_LOG_ERROR)
		__atomic_store_n(&ctx->log_level, (int)level, __ATOMIC_RELAXED);
}
