/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Prometheus exposition (text format 0.0.4).  Every family has HELP and
 * TYPE and its samples together; label values are escaped; every label set
 * is bounded (routes are the route table's patterns or "unmatched",
 * methods a fixed list else OTHER, statuses 100..599), so no request can
 * fill the series table or break the scrape. */

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../common/prom.h"
#include "metrics.h"

/* Routes x methods x statuses actually seen stay far below this; a series
 * past it is counted in wl_http_requests_dropped_total, not lost silently. */
#define MAX_SERIES 1024

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH",
				      "DELETE", "OPTIONS"};

struct series {
	const char *route; /* static: a route pattern or "unmatched" */
	const char *method; /* static: one of methods[] or "OTHER" */
	unsigned int status;
	uint64_t count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static size_t nseries;
static uint64_t dropped;
static uint64_t bucket_counts[NBUCKETS];
static uint64_t latency_count;
static double latency_sum;

const char *wl_metrics_method(const char *method)
{
	for (size_t i = 0; method && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i], method) == 0)
			return methods[i];
	return "OTHER";
}

void wl_metrics_observe(const char *route, const char *method, unsigned int status,
			double seconds)
{
	const char *m = wl_metrics_method(method);
	if (status < 100 || status > 599)
		status = 0;
	pthread_mutex_lock(&lock);
	size_t i = 0;
	while (i < nseries && !(series[i].route == route && series[i].status == status &&
				series[i].method == m))
		i++;
	if (i == nseries && nseries < MAX_SERIES) {
		series[i].route = route;
		series[i].method = m;
		series[i].status = status;
		nseries++;
	}
	if (i < nseries)
		series[i].count++;
	else
		dropped++;
	for (size_t b = 0; b < NBUCKETS; b++)
		if (seconds <= buckets[b])
			bucket_counts[b]++;
	latency_count++;
	latency_sum += seconds;
	pthread_mutex_unlock(&lock);
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
	app_prom_build_info(f, "wl-server");
	pthread_mutex_lock(&lock);
	app_prom_family(f, "wl_http_requests_total", "counter", "HTTP requests by route, method and status.");
	for (size_t i = 0; i < nseries; i++) {
		fputs("wl_http_requests_total{route=\"", f);
		app_prom_label(f, series[i].route);
		fputs("\",method=\"", f);
		app_prom_label(f, series[i].method);
		fprintf(f, "\",status=\"%u\"} %llu\n", series[i].status,
			(unsigned long long)series[i].count);
	}
	app_prom_family(f, "wl_http_requests_dropped_total", "counter",
	       "Requests not counted by route because the series table was full.");
	fprintf(f, "wl_http_requests_dropped_total %llu\n", (unsigned long long)dropped);
	app_prom_family(f, "wl_http_request_duration_seconds", "histogram", "Time from request to response.");
	for (size_t b = 0; b < NBUCKETS; b++)
		fprintf(f, "wl_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
			(unsigned long long)bucket_counts[b]);
	fprintf(f, "wl_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)latency_count);
	fprintf(f, "wl_http_request_duration_seconds_sum %.6f\n", latency_sum);
	fprintf(f, "wl_http_request_duration_seconds_count %llu\n",
		(unsigned long long)latency_count);
	pthread_mutex_unlock(&lock);
	app_prom_family(f, "wl_http_requests_in_flight", "gauge", "Requests being served now.");
	fprintf(f, "wl_http_requests_in_flight %lu\n", in_flight);
	app_prom_pools(f, ctx);
	app_prom_process(f);
	cache_lines(f, ctx);
	fclose(f);
	return buf;
}
