/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-worker: runs the library's job kinds and, when it holds the scheduler
 * lock, fires the cron schedules.  Thin: the runtime (claims, push
 * dispatch, heartbeats, rescue, drain, scheduler) and every kind's handler
 * live in libwavelaunch (wavelaunch/worker.h); this program reads the
 * configuration, handles signals and writes the log. */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/app.h"

static wvl_worker *running;

static void on_signal(int sig)
{
	(void)sig;
	wvl_worker_stop(running);
}

static unsigned config_uint(const wvl_config *cfg, const char *key, unsigned def)
{
	const char *v = wvl_config_get(cfg, key);
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : 0;
	return (end && !*end && n > 0 && n < 1000000) ? (unsigned)n : def;
}

/* One JSON line per finished job at level info (failures at warn). */
static void log_job(const wvl_job *job, const char *outcome, int64_t duration_ms,
		    const char *error, void *payload)
{
	(void)payload;
	if (!error && !app_log_enabled(WVL_LOG_INFO))
		return;
	char *extra = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&extra, &len);
	if (!f)
		return;
	fprintf(f, "\"job_id\":\"%s\",\"kind\":\"%s\",\"queue\":\"%s\",\"attempt\":%d,"
		   "\"outcome\":\"%s\",\"duration_ms\":%lld",
		job->id, job->kind, job->queue, job->attempt, outcome, (long long)duration_ms);
	if (error) {
		fputs(",\"error\":\"", f);
		app_json_escape(f, error);
		fputc('"', f);
	}
	fclose(f);
	app_log_json(error ? WVL_LOG_WARN : WVL_LOG_INFO, NULL, "job", extra);
	free(extra);
}

static void options_from(wvl_worker_options *o, const wvl_config *cfg)
{
	o->concurrency = config_uint(cfg, "WL_WORKER_CONCURRENCY", o->concurrency);
	o->prefetch = config_uint(cfg, "WL_WORKER_PREFETCH", o->prefetch);
	o->poll_ms = config_uint(cfg, "WL_WORKER_POLL_MS", o->poll_ms);
	o->heartbeat_s = config_uint(cfg, "WL_JOBS_HEARTBEAT_INTERVAL", o->heartbeat_s);
	o->grace_s = config_uint(cfg, "WL_WORKER_SHUTDOWN_GRACE", o->grace_s);
	o->queues = wvl_config_get(cfg, "WL_WORKER_QUEUES");
	o->on_job = log_job;
}

static void on_signals(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int serve(wvl_ctx *ctx, const wvl_config *cfg)
{
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	options_from(&o, cfg);
	wvl_worker *w = NULL;
	if (wvl_worker_new(&w, ctx, &o) != 0 || wvl_worker_register_builtin(w) != 0) {
		fprintf(stderr, "wl-worker: cannot start the worker: %s\n", wvl_error_last()->message);
		wvl_worker_free(w);
		return 1;
	}
	running = w;
	on_signals();
	char extra[320];
	snprintf(extra, sizeof(extra), "\"worker_id\":\"%s\",\"concurrency\":%u", wvl_worker_id(w),
		 o.concurrency);
	app_log_json(WVL_LOG_INFO, NULL, "wl-worker started", extra);
	if (wvl_worker_run(w) != 0) {
		fprintf(stderr, "wl-worker: %s\n", wvl_error_last()->message);
		wvl_worker_free(w);
		return 1;
	}
	if (wvl_worker_abandoned(w) > 0) {
		/* Handler threads are still inside jobs that were released:
		 * leave without waiting for them. */
		app_log_json(WVL_LOG_INFO, NULL, "wl-worker stopped; jobs released", extra);
		_exit(1);
	}
	app_log_json(WVL_LOG_INFO, NULL, "wl-worker stopped", extra);
	wvl_worker_free(w);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		fputs("usage: wl-worker\n"
		      "  runs jobs until SIGTERM; configured by WL_* variables (see .env.example)\n",
		      strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	if (app_load_config(&cfg, "wl-worker") || app_ctx_new(&ctx, cfg, "wl-worker")) {
		wvl_config_free(cfg);
		return 1;
	}
	int rc = serve(ctx, cfg);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
	return rc;
}
