/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Per-check latency of wvl_ratelimit_check: with Redis (one EVALSHA round
 * trip) and with the in-process fallback (WL_REDIS_URL empty).  Each thread
 * times every call with CLOCK_MONOTONIC; the percentiles are over all calls.
 *
 *   rl_bench REDIS_URL|"" CHECKS THREADS KEYS
 *
 * Keys cycle through KEYS client addresses under the READ policy with a
 * limit high enough that most checks are admitted, as in normal traffic;
 * WL_RATELIMIT_READ is set so refusals do not change the path measured. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wavelaunch.h>

struct worker {
	wvl_ctx *ctx;
	long checks, keys, offset;
	int64_t *lat_ns;
	long allowed, failed;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	char key[32];
	for (long i = 0; i < w->checks; i++) {
		long k = (w->offset + i) % w->keys;
		snprintf(key, sizeof(key), "ip:10.%ld.%ld.%ld", k >> 16, (k >> 8) & 255, k & 255);
		wvl_ratelimit_result r = WVL_RATELIMIT_RESULT_INIT;
		int64_t t0 = mono_ns();
		int rc = wvl_ratelimit_check(&r, w->ctx, WVL_RATELIMIT_READ, key);
		w->lat_ns[i] = mono_ns() - t0;
		w->failed += rc != 0;
		w->allowed += rc == 0 && r.allowed;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct(const int64_t *v, long n, double p)
{
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

static wvl_ctx *make_ctx(const char *url)
{
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	if (wvl_config_new(&cfg) || wvl_config_set(cfg, "WL_REDIS_URL", url) ||
	    wvl_config_set(cfg, "WL_REDIS_PREFIX", "wl:bench:") ||
	    wvl_config_set(cfg, "WL_RATELIMIT_READ", "1000000/15m") ||
	    /* bench/redis_tls.sh: the CA it made, and leases of 1 so that
	     * every check is a round trip. */
	    (getenv("WL_REDIS_TLS_CA") &&
	     wvl_config_set(cfg, "WL_REDIS_TLS_CA", getenv("WL_REDIS_TLS_CA"))) ||
	    (getenv("WL_RATELIMIT_LEASE") &&
	     wvl_config_set(cfg, "WL_RATELIMIT_LEASE", getenv("WL_RATELIMIT_LEASE"))) ||
	    wvl_ctx_new(&ctx, cfg, NULL)) {
		fprintf(stderr, "setup: %s\n", wvl_error_last()->message);
		exit(1);
	}
	wvl_config_free(cfg);
	return ctx;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s REDIS_URL|\"\" CHECKS THREADS KEYS\n", argv[0]);
		return 2;
	}
	long checks = atol(argv[2]), threads = atol(argv[3]), keys = atol(argv[4]);
	if (checks < 100 || threads < 1 || threads > 64 || keys < 1)
		return 2;
	wvl_ctx *ctx = make_ctx(argv[1]);
	/* Warm-up: connections, SCRIPT LOAD, the fallback table. */
	wvl_ratelimit_result r = WVL_RATELIMIT_RESULT_INIT;
	for (int i = 0; i < 1000; i++)
		if (wvl_ratelimit_check(&r, ctx, WVL_RATELIMIT_READ, "ip:192.0.2.1"))
			return 1;
	long per = checks / threads;
	int64_t *lat = calloc((size_t)(per * threads), sizeof(*lat));
	struct worker *ws = calloc((size_t)threads, sizeof(*ws));
	pthread_t *th = calloc((size_t)threads, sizeof(*th));
	int64_t t0 = mono_ns();
	for (long t = 0; t < threads; t++) {
		ws[t] = (struct worker){ctx, per, keys, t * 7919, lat + t * per, 0, 0};
		pthread_create(&th[t], NULL, run, &ws[t]);
	}
	long allowed = 0, failed = 0;
	for (long t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		allowed += ws[t].allowed;
		failed += ws[t].failed;
	}
	double secs = (double)(mono_ns() - t0) / 1e9;
	long n = per * threads;
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("| %s | %ld | %ld | %.1f | %.1f | %.1f | %.1f | %.0f | %s |\n",
	       strncmp(argv[1], "rediss:", 7) == 0 ? "rediss (TLS)"
	       : argv[1][0]			   ? "redis"
						   : "fallback",
	       threads, n, pct(lat, n, 50), pct(lat, n, 99),
	       pct(lat, n, 99.9), (double)lat[n - 1] / 1000.0, (double)n / secs,
	       wvl_ratelimit_degraded(ctx) ? "degraded" : "shared");
	if (failed || allowed != n)
		fprintf(stderr, "warning: %ld failed, %ld of %ld admitted\n", failed, allowed, n);
	free(lat);
	free(ws);
	free(th);
	wvl_ctx_free(ctx);
	return failed ? 1 : 0;
}
