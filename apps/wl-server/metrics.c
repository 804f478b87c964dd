/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MAX_SERIES 256

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct series {
	const char *route; /* static: a route pattern or "unmatched" */
	char method[8];
	unsigned int status;
	uint64_t count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static size_t nseries;
static uint64_t bucket_counts[NBUCKETS];
static uint64_t latency_count;
static double latency_sum;

void wl_metrics_observe(const char *route, const char *method, unsigned int status,
			double seconds)
{
	pthread_mutex_lock(&lock);
	size_t i = 0;
	while (i < nseries && !(series[i].route == route && series[i].status == status &&
				strcmp(series[i].method, method) == 0))
		i++;
	if (i == nseries && nseries < MAX_SERIES) {
		series[i].route = route;
		snprintf(series[i].method, sizeof(series[i].method), "%s", method);
		series[i].status = status;
		nseries++;
	}
	if (i < nseries)
		series[i].count++;
	for (size_t b = 0; b < NBUCKETS; b++)
		if (seconds <= buckets[b])
			bucket_counts[b]++;
	latency_count++;
	latency_sum += seconds;
	pthread_mutex_unlock(&lock);
}

static void pool_lines(FILE *f, const char *name, const wvl_pool_stats *s)
{
	fprintf(f, "wl_pool_connections{pool=\"%s\",state=\"max\"} %u\n", name, s->size);
	fprintf(f, "wl_pool_connections{pool=\"%s\",state=\"open\"} %u\n", name, s->open);
	fprintf(f, "wl_pool_connections{pool=\"%s\",state=\"in_use\"} %u\n", name, s->in_use);
	fprintf(f, "wl_pool_waits_total{pool=\"%s\"} %llu\n", name, (unsigned long long)s->waits);
	fprintf(f, "wl_pool_timeouts_total{pool=\"%s\"} %llu\n", name,
		(unsigned long long)s->timeouts);
	fprintf(f, "wl_pool_reconnects_total{pool=\"%s\"} %llu\n", name,
		(unsigned long long)s->reconnects);
}

/* The response cache's hits and misses, by cache. */
static void cache_lines(FILE *f, const wvl_ctx *ctx)
{
	const char *name;
	uint64_t hits, misses;
	fputs("# HELP wl_cache_hits_total Reads answered from the response cache.\n"
	      "# TYPE wl_cache_hits_total counter\n", f);
	for (size_t i = 0; wvl_cache_stats(&name, &hits, &misses, ctx, i) == 0; i++)
		fprintf(f, "wl_cache_hits_total{cache=\"%s\"} %llu\n", name, (unsigned long long)hits);
	fputs("# HELP wl_cache_misses_total Reads the response cache had to compute.\n"
	      "# TYPE wl_cache_misses_total counter\n", f);
	for (size_t i = 0; wvl_cache_stats(&name, &hits, &misses, ctx, i) == 0; i++)
		fprintf(f, "wl_cache_misses_total{cache=\"%s\"} %llu\n", name,
			(unsigned long long)misses);
	wvl_error_clear();
}

char *wl_metrics_render(const wvl_ctx *ctx, unsigned long in_flight, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&lock);
	fputs("# HELP wl_http_requests_total HTTP requests by route, method and status.\n"
	      "# TYPE wl_http_requests_total counter\n", f);
	for (size_t i = 0; i < nseries; i++)
		fprintf(f, "wl_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
			series[i].route, series[i].method, series[i].status,
			(unsigned long long)series[i].count);
	fputs("# HELP wl_http_request_duration_seconds Time from request to response.\n"
	      "# TYPE wl_http_request_duration_seconds histogram\n", f);
	for (size_t b = 0; b < NBUCKETS; b++)
		fprintf(f, "wl_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
			(unsigned long long)bucket_counts[b]);
	fprintf(f, "wl_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)latency_count);
	fprintf(f, "wl_http_request_duration_seconds_sum %.6f\n", latency_sum);
	fprintf(f, "wl_http_request_duration_seconds_count %llu\n",
		(unsigned long long)latency_count);
	pthread_mutex_unlock(&lock);
	fprintf(f, "# HELP wl_http_requests_in_flight Requests being served now.\n"
		   "# TYPE wl_http_requests_in_flight gauge\nwl_http_requests_in_flight %lu\n",
		in_flight);
	wvl_pool_stats s;
	fputs("# HELP wl_pool_connections Connection pool usage.\n"
	      "# TYPE wl_pool_connections gauge\n", f);
	wvl_ctx_pg_stats(ctx, &s);
	pool_lines(f, "postgresql", &s);
	wvl_ctx_redis_stats(ctx, &s);
	pool_lines(f, "redis", &s);
	cache_lines(f, ctx);
	fclose(f);
	return buf;
}
