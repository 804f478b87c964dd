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

void wl_metrics_label(FILE *f, const char *v)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '"')
			fputs("\\\"", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void pool_family(FILE *f, const char *name, const char *type, const char *help,
			const wvl_pool_stats *pg, const wvl_pool_stats *redis,
			unsigned long long (*get)(const wvl_pool_stats *), const char *extra)
{
	family(f, name, type, help);
	fprintf(f, "%s{pool=\"postgresql\"%s} %llu\n", name, extra, get(pg));
	fprintf(f, "%s{pool=\"redis\"%s} %llu\n", name, extra, get(redis));
}

static unsigned long long size_of(const wvl_pool_stats *s) { return s->size; }
static unsigned long long waits_of(const wvl_pool_stats *s) { return s->waits; }
static unsigned long long timeouts_of(const wvl_pool_stats *s) { return s->timeouts; }
static unsigned long long reconnects_of(const wvl_pool_stats *s) { return s->reconnects; }

static void pool_metrics(FILE *f, const wvl_ctx *ctx)
{
	wvl_pool_stats pg, redis;
	wvl_ctx_pg_stats(ctx, &pg);
	wvl_ctx_redis_stats(ctx, &redis);
	family(f, "wl_pool_connections", "gauge",
	       "Connections of the pool by state: open (idle or lent) and in_use (lent).");
	fprintf(f, "wl_pool_connections{pool=\"postgresql\",state=\"open\"} %u\n", pg.open);
	fprintf(f, "wl_pool_connections{pool=\"postgresql\",state=\"in_use\"} %u\n", pg.in_use);
	fprintf(f, "wl_pool_connections{pool=\"redis\",state=\"open\"} %u\n", redis.open);
	fprintf(f, "wl_pool_connections{pool=\"redis\",state=\"in_use\"} %u\n", redis.in_use);
	pool_family(f, "wl_pool_size", "gauge", "Most connections the pool opens.", &pg, &redis,
		    size_of, "");
	pool_family(f, "wl_pool_waits_total", "counter",
		    "Times a caller waited for a free connection.", &pg, &redis, waits_of, "");
	pool_family(f, "wl_pool_timeouts_total", "counter",
		    "Times a caller gave up waiting for a connection.", &pg, &redis, timeouts_of, "");
	pool_family(f, "wl_pool_reconnects_total", "counter",
		    "Connections opened again after a failure.", &pg, &redis, reconnects_of, "");
}

/* process_* as the Prometheus client libraries name them. */
void wl_metrics_process(FILE *f)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	family(f, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
	fprintf(f, "process_cpu_seconds_total %.6f\n", cpu);
	long rss_pages = 0, start_ticks = 0;
	FILE *st = fopen("/proc/self/statm", "r");
	if (st) {
		long size = 0;
		if (fscanf(st, "%ld %ld", &size, &rss_pages) != 2)
			rss_pages = 0;
		fclose(st);
	}
	family(f, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
	fprintf(f, "process_resident_memory_bytes %lld\n",
		(long long)rss_pages * (long long)sysconf(_SC_PAGESIZE));
	long fds = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		for (struct dirent *e; (e = readdir(d));)
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		fds--; /* the directory's own descriptor */
	}
	family(f, "process_open_fds", "gauge", "Number of open file descriptors.");
	fprintf(f, "process_open_fds %ld\n", fds);
	struct rlimit rl;
	family(f, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
	fprintf(f, "process_max_fds %lld\n",
		getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long long)rl.rlim_cur : -1LL);
	/* Field 22 of /proc/self/stat: start time in clock ticks after boot. */
	FILE *ps = fopen("/proc/self/stat", "r");
	char line[1024];
	if (ps && fgets(line, sizeof(line), ps)) {
		const char *p = strrchr(line, ')');
		for (int field = 2; p && *p && field < 22; p++)
			if (*p == ' ')
				field++;
		start_ticks = p ? strtol(p, NULL, 10) : 0;
	}
	if (ps)
		fclose(ps);
	double boot = 0;
	FILE *sf = fopen("/proc/stat", "r");
	while (sf && fgets(line, sizeof(line), sf))
		if (strncmp(line, "btime ", 6) == 0)
			boot = strtod(line + 6, NULL);
	if (sf)
		fclose(sf);
	family(f, "process_start_time_seconds", "gauge",
	       "Start time of the process since unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.2f\n",
		boot + (double)start_ticks / (double)sysconf(_SC_CLK_TCK));
}

void wl_metrics_build_info(FILE *f, const char *program)
{
	family(f, "wl_build_info", "gauge", "Always 1; the labels name the build.");
	fputs("wl_build_info{program=\"", f);
	wl_metrics_label(f, program);
	fputs("\",version=\"", f);
	wl_metrics_label(f, wvl_version());
	fputs("\"} 1\n", f);
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
	wl_metrics_build_info(f, "wl-server");
	pthread_mutex_lock(&lock);
	family(f, "wl_http_requests_total", "counter", "HTTP requests by route, method and status.");
	for (size_t i = 0; i < nseries; i++) {
		fputs("wl_http_requests_total{route=\"", f);
		wl_metrics_label(f, series[i].route);
		fputs("\",method=\"", f);
		wl_metrics_label(f, series[i].method);
		fprintf(f, "\",status=\"%u\"} %llu\n", series[i].status,
			(unsigned long long)series[i].count);
	}
	family(f, "wl_http_requests_dropped_total", "counter",
	       "Requests not counted by route because the series table was full.");
	fprintf(f, "wl_http_requests_dropped_total %llu\n", (unsigned long long)dropped);
	family(f, "wl_http_request_duration_seconds", "histogram", "Time from request to response.");
	for (size_t b = 0; b < NBUCKETS; b++)
		fprintf(f, "wl_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
			(unsigned long long)bucket_counts[b]);
	fprintf(f, "wl_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)latency_count);
	fprintf(f, "wl_http_request_duration_seconds_sum %.6f\n", latency_sum);
	fprintf(f, "wl_http_request_duration_seconds_count %llu\n",
		(unsigned long long)latency_count);
	pthread_mutex_unlock(&lock);
	family(f, "wl_http_requests_in_flight", "gauge", "Requests being served now.");
	fprintf(f, "wl_http_requests_in_flight %lu\n", in_flight);
	pool_metrics(f, ctx);
	wl_metrics_process(f);
	cache_lines(f, ctx);
	fclose(f);
	return buf;
}
