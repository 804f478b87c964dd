/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The AI module as the core sees it (struct wvl_module): its settings,
 * checked at start, and the per-context sleep hook the retries wait on. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "ai.h"

struct ai_state {
	wvl_ai_sleep_fn sleep_fn;
	void *sleep_payload;
};

static int refuse(const char *key, const char *why)
{
	return wvl_err__set(WVL_EINVAL, NULL, "%s %s", key, why);
}

static bool printable(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* http(s)://host[:port][/path] without blanks, controls, a query or a
 * fragment: the client appends /v1/messages. */
static bool base_url_ok(const char *v, bool https_only)
{
	size_t skip = !strncasecmp(v, "https://", 8) ? 8
		      : !https_only && !strncasecmp(v, "http://", 7) ? 7
								       : 0;
	if (!skip || !v[skip] || v[skip] == '/' || v[skip] == ':' || strlen(v) > 1000)
		return false;
	return printable(v) && !strpbrk(v, "?#");
}

bool wvl_ai__parse_prices(const char *v, double out[4])
{
	const char *p = v;
	for (int i = 0; i < 4; i++) {
		char *end = NULL;
		if (*p < '0' || *p > '9')
			return false;
		double d = strtod(p, &end);
		if (end == p || !isfinite(d) || d < 0 || d > 1e9)
			return false;
		out[i] = d;
		p = end;
		if (i < 3 && *p++ != ',')
			return false;
	}
	return *p == '\0';
}

static int validate_config(const wvl_config *cfg)
{
	const char *key = wvl_config_get(cfg, "WL_ANTHROPIC_API_KEY");
	const char *base = wvl_config_get(cfg, "WL_ANTHROPIC_BASE_URL");
	const char *model = wvl_config_get(cfg, "WL_AI_MODEL");
	const char *prices = wvl_config_get(cfg, "WL_AI_PRICES");
	bool production = wvl_config__production(cfg);
	double p[4];
	if (key && *key && (!printable(key) || strlen(key) > 400))
		return refuse("WL_ANTHROPIC_API_KEY", "holds characters an API key cannot have");
	/* The key travels in every request: only over TLS in production. */
	if (key && *key && (!base || !base_url_ok(base, production)))
		return refuse("WL_ANTHROPIC_BASE_URL", production
							? "must be an https:// URL in production"
							: "must be an http(s):// URL without query");
	if (!model || !*model || strlen(model) > 100 || strspn(model,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:@") != strlen(model))
		return refuse("WL_AI_MODEL", "must be a model name ([A-Za-z0-9.-_:@], at most 100)");
	if (prices && !wvl_ai__parse_prices(prices, p))
		return refuse("WL_AI_PRICES", "must be four numbers: input,output,cache_write,cache_read"
					      " (cents per million tokens)");
	return 0;
}

static int state_new(void **out, wvl_ctx *ctx)
{
	(void)ctx;
	struct ai_state *s = calloc(1, sizeof(*s));
	if (!s || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(s);
		return wvl_err__set(WVL_EINTERNAL, NULL, "the AI module could not start");
	}
	*out = s;
	return 0;
}

static void state_free(void *state)
{
	free(state);
	curl_global_cleanup();
}

const struct wvl_module wvl_ai__module = {
	.name = "ai",
	.keys = &wvl_ai__keys,
	.validate_config = validate_config,
	.state_new = state_new,
	.state_free = state_free,
};

const char *wvl_ai_provider(const wvl_ctx *ctx)
{
	const char *key = ctx ? wvl_config_get(ctx->cfg, "WL_ANTHROPIC_API_KEY") : NULL;
	return key && *key ? "anthropic" : "offline";
}

void wvl_ai_set_sleep(wvl_ctx *ctx, wvl_ai_sleep_fn fn, void *payload)
{
	struct ai_state *s = ctx ? wvl_ctx__state(ctx, &wvl_ai__module) : NULL;
	if (s) {
		s->sleep_fn = fn;
		s->sleep_payload = payload;
	}
}

void wvl_ai__sleep(wvl_ctx *ctx, int64_t usec)
{
	struct ai_state *s = wvl_ctx__state(ctx, &wvl_ai__module);
	if (s && s->sleep_fn) {
		s->sleep_fn(usec, s->sleep_payload);
		return;
	}
	struct timespec ts = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

double wvl_ai__jitter(void)
{
	return 1.0 - 0.25 * ((double)randombytes_uniform(1000001) / 1000000.0);
}

const char *wvl_ai__model(const wvl_ctx *ctx)
{
	const char *m = wvl_config_get(ctx->cfg, "WL_AI_MODEL");
	return m && *m ? m : "claude-sonnet-4-5";
}

void wvl_ai__prices(const wvl_ctx *ctx, double out[4])
{
	const char *v = wvl_config_get(ctx->cfg, "WL_AI_PRICES");
	if (!v || !wvl_ai__parse_prices(v, out)) {
		/* Claude Sonnet 4.5's list prices, in cents per million tokens. */
		out[0] = 300, out[1] = 1500, out[2] = 375, out[3] = 30;
	}
}
