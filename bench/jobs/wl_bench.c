/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The wl-worker side of bench/jobs/run.sh.  Runs the library's worker
 * (wavelaunch/worker.h: batched claims, push dispatch, handler threads,
 * batched completions, heartbeats), the runtime wl-worker runs, with one
 * handler of its own for `noop` that does what the built-in noop does
 * (parse the args) and records when it started, so the enqueue -> start
 * latency is measured at the handler like the node peers.
 *
 *   wl_bench drain N        N noop jobs are already queued: run until all
 *                           have completed (asked of PostgreSQL once every
 *                           handler started); jobs/s and queue wait.
 *   wl_bench latency M GAP  worker idle; enqueue M jobs one at a time,
 *                           GAP µs apart; enqueue -> start p50/p99.
 *   wl_bench watch          runs no worker: waits (polling every 20 ms)
 *                           until no noop job is unfinished and prints the
 *                           time it took; times the real wl-worker binary.
 *
 * Prints one JSON line.  Configured by the WL_* environment like wl-worker
 * (concurrency WL_WORKER_CONCURRENCY, default 10).  Stops by itself: every
 * phase has a deadline. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "../../apps/common/app.h"

#define DEADLINE_S 120

static int64_t *lat_us;     /* one per job, in the order handlers started */
static size_t cap;
static atomic_size_t started;

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int run_noop(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)out_error;
	(void)payload;
	int64_t now = wall_us();
	json_t *args = json_loads(wvl_worker_task_job(run)->args_json, 0, NULL);
	json_t *t = args ? json_object_get(args, "t") : NULL;
	int64_t at = json_is_integer(t) ? (int64_t)json_integer_value(t) : now;
	json_decref(args);
	size_t i = atomic_fetch_add(&started, 1);
	if (i < cap)
		lat_us[i] = now - at;
	return 0;
}

struct runner {
	wvl_worker *w;
	int rc;
};

static void *run_worker(void *arg)
{
	struct runner *r = arg;
	r->rc = wvl_worker_run(r->w);
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return n ? (double)v[i] / 1000.0 : 0.0;
}

/* True once no noop job is left unfinished, asked of PostgreSQL on a
 * connection of its own (only at the tail, after every handler started,
 * so the polling costs the worker nothing while it drains). */
static bool all_finished(PGconn *pg)
{
	PGresult *r = PQexec(pg, "SELECT NOT EXISTS (SELECT 1 FROM jobs WHERE kind = 'noop'"
				 " AND state IN ('available', 'running', 'retryable', 'scheduled'))");
	bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return yes;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

static int watch(void)
{
	PGconn *pg = PQconnectdb(getenv("WL_MIGRATE_DATABASE_URL"));
	PQclear(PQexec(pg, "SET wvl.actor_role = 'system'"));
	if (PQstatus(pg) != CONNECTION_OK)
		return 1;
	int64_t t0 = wall_us(), deadline = t0 + (int64_t)DEADLINE_S * 1000000;
	bool done;
	while (!(done = all_finished(pg)) && wall_us() < deadline)
		sleep_us(20000);
	printf("{\"system\":\"wl-worker binary\",\"mode\":\"watch\",\"seconds\":%.3f}\n",
	       (double)(wall_us() - t0) / 1e6);
	PQfinish(pg);
	return done ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "watch") == 0)
		return watch();
	if (argc < 3 || (strcmp(argv[1], "drain") && strcmp(argv[1], "latency"))) {
		fputs("usage: wl_bench drain N | latency M GAP_US | watch\n", stderr);
		return 2;
	}
	bool drain = strcmp(argv[1], "drain") == 0;
	cap = (size_t)strtoul(argv[2], NULL, 10);
	int64_t gap = argc > 3 ? strtoll(argv[3], NULL, 10) : 5000;
	lat_us = calloc(cap ? cap : 1, sizeof(*lat_us));
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	app_set_program("wl_bench");
	if (!lat_us || app_load_config(&cfg) || app_ctx_new(&ctx, cfg))
		return 1;
	const char *conc = wvl_config_get(cfg, "WL_WORKER_CONCURRENCY");
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.concurrency = conc && *conc ? (unsigned)atoi(conc) : 10;
	o.grace_s = 5;
	o.worker_id = "wl_bench";
	o.run_scheduler = 0;
	struct runner r = {NULL, 0};
	if (wvl_worker_new(&r.w, ctx, &o) != 0 || wvl_worker_register(r.w, "noop", run_noop, NULL) != 0)
		return 1;
	PGconn *pg = PQconnectdb(wvl_config_get(cfg, "WL_MIGRATE_DATABASE_URL"));
	PQclear(PQexec(pg, "SET wvl.actor_role = 'system'"));
	if (PQstatus(pg) != CONNECTION_OK)
		return 1;
	pthread_t t;
	int64_t t0 = wall_us();
	pthread_create(&t, NULL, run_worker, &r);
	int64_t deadline = t0 + (int64_t)DEADLINE_S * 1000000;
	const wvl_actor system_actor = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	if (!drain) {
		for (size_t i = 0; i < cap && wall_us() < deadline; i++) {
			char args[64];
			snprintf(args, sizeof(args), "{\"t\":%lld}", (long long)wall_us());
			if (wvl_jobs_enqueue(NULL, NULL, ctx, &system_actor, "noop", args, NULL) != 0) {
				fprintf(stderr, "wl_bench: enqueue: %s\n", wvl_error_last()->message);
				break;
			}
			sleep_us(gap);
		}
	}
	while (atomic_load(&started) < cap && wall_us() < deadline)
		sleep_us(200);
	int64_t t1 = wall_us();
	while (!all_finished(pg) && wall_us() < deadline)
		sleep_us(500);
	int64_t t2 = wall_us(); /* every completion committed */
	wvl_worker_stop(r.w);
	pthread_join(t, NULL);
	PQfinish(pg);
	size_t n = atomic_load(&started) < cap ? atomic_load(&started) : cap;
	qsort(lat_us, n, sizeof(*lat_us), cmp64);
	double secs = (double)(t2 - t0) / 1e6;
	printf("{\"system\":\"wl-worker\",\"mode\":\"%s\",\"jobs\":%zu,\"seconds\":%.3f,"
	       "\"jobs_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
	       "\"all_started_s\":%.3f}\n",
	       argv[1], n, secs, drain ? (double)n / secs : 0.0, pct_ms(lat_us, n, 0.50),
	       pct_ms(lat_us, n, 0.99), n ? (double)lat_us[n - 1] / 1000.0 : 0.0,
	       (double)(t1 - t0) / 1e6);
	wvl_worker_free(r.w);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
	free(lat_us);
	return n == cap && r.rc == 0 ? 0 : 1;
}
