/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Prometheus exposition pieces both servers' /metrics share (text format
 * 0.0.4): HELP/TYPE lines, escaped label values, the connection pools,
 * the process_* families and wl_build_info. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "prom.h"

void app_prom_label(FILE *f, const char *v)
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

void app_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void pool_family(FILE *f, const char *name, const char *type, const char *help,
			const wvl_pool_stats *pg, const wvl_pool_stats *redis,
			unsigned long long (*get)(const wvl_pool_stats *), const char *extra)
{
	app_prom_family(f, name, type, help);
	fprintf(f, "%s{pool=\"postgresql\"%s} %llu\n", name, extra, get(pg));
	fprintf(f, "%s{pool=\"redis\"%s} %llu\n", name, extra, get(redis));
}

static unsigned long long size_of(const wvl_pool_stats *s) { return s->size; }
static unsigned long long waits_of(const wvl_pool_stats *s) { return s->waits; }
static unsigned long long timeouts_of(const wvl_pool_stats *s) { return s->timeouts; }
static unsigned long long reconnects_of(const wvl_pool_stats *s) { return s->reconnects; }

void app_prom_pools(FILE *f, const wvl_ctx *ctx)
{
	wvl_pool_stats pg, redis;
	wvl_ctx_pg_stats(ctx, &pg);
	wvl_ctx_redis_stats(ctx, &redis);
	app_prom_family(f, "wl_pool_connections", "gauge",
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
void app_prom_process(FILE *f)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	app_prom_family(f, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
	fprintf(f, "process_cpu_seconds_total %.6f\n", cpu);
	long rss_pages = 0, start_ticks = 0;
	FILE *st = fopen("/proc/self/statm", "r");
	if (st) {
		long size = 0;
		if (fscanf(st, "%ld %ld", &size, &rss_pages) != 2)
			rss_pages = 0;
		fclose(st);
	}
	app_prom_family(f, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
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
	app_prom_family(f, "process_open_fds", "gauge", "Number of open file descriptors.");
	fprintf(f, "process_open_fds %ld\n", fds);
	struct rlimit rl;
	app_prom_family(f, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
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
	app_prom_family(f, "process_start_time_seconds", "gauge",
	       "Start time of the process since unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.2f\n",
		boot + (double)start_ticks / (double)sysconf(_SC_CLK_TCK));
}

void app_prom_build_info(FILE *f, const char *program)
{
	app_prom_family(f, "wl_build_info", "gauge", "Always 1; the labels name the build.");
	fputs("wl_build_info{program=\"", f);
	app_prom_label(f, program);
	fputs("\",version=\"", f);
	app_prom_label(f, wvl_version());
	fputs("\"} 1\n", f);
}

