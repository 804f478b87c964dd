/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-worker: runs the library's job kinds and, when it holds the scheduler
 * lock, fires the cron schedules.  Thin: the runtime (claims, push
 * dispatch, heartbeats, rescue, drain, scheduler) and every kind's handler
 * live in libwavelaunch (wavelaunch/worker.h); this program reads the
 * configuration, handles signals and writes the log. */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/app.h"
#include "status.h"

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static wvl_worker *running;
static volatile int stop_requested;
static wvl_ctx *app_ctx;

/* SIGTERM, SIGINT and SIGHUP are blocked in every thread and taken here:
 * a stop drains the worker, a hang-up reopens the log and applies
 * WL_LOG_LEVEL again. */
static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	for (int sig; (sig = app_wait_signal(set)) > 0;) {
		if (sig == SIGHUP) {
			app_notify("RELOADING=1");
			app_reload(app_ctx);
			app_notify("READY=1");
			continue;
		}
		app_notify("STOPPING=1\nSTATUS=draining");
		pthread_mutex_lock(&run_lock);
		stop_requested = 1;
		if (running)
			wvl_worker_stop(running);
		pthread_mutex_unlock(&run_lock);
	}
	return NULL;
}

static void on_signals(void)
{
	static sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_t t;
	if (pthread_create(&t, NULL, signal_thread, &set) == 0)
		pthread_detach(t);
}

static unsigned config_uint(const wvl_config *cfg, const char *key)
{
	return (unsigned)wvl_config_get_uint(cfg, key);
}

/* One JSON line per finished job at level info (failures at warn). */
static void log_job(const wvl_job *job, const char *outcome, int64_t duration_ms,
		    const char *error, void *payload)
{
	(void)payload;
	status_observe(job->kind, outcome, duration_ms);
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
	o->concurrency = config_uint(cfg, "WL_WORKER_CONCURRENCY");
	o->prefetch = config_uint(cfg, "WL_WORKER_PREFETCH");
	o->poll_ms = config_uint(cfg, "WL_WORKER_POLL_MS");
	o->heartbeat_s = config_uint(cfg, "WL_JOBS_HEARTBEAT_INTERVAL");
	o->grace_s = config_uint(cfg, "WL_WORKER_SHUTDOWN_GRACE");
	o->queues = wvl_config_get(cfg, "WL_WORKER_QUEUES");
	o->on_job = log_job;
}

static int serve(wvl_ctx *ctx, const wvl_config *cfg)
{
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	options_from(&o, cfg);
	if (app_wait_for_services(ctx, &stop_requested) != 0) {
		app_log_json(WVL_LOG_INFO, NULL, "stopped before PostgreSQL came up", NULL);
		return 0;
	}
	wvl_worker *w = NULL;
	if (wvl_worker_new(&w, ctx, &o) != 0 || wvl_worker_register_builtin(w) != 0) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "cannot start the worker: %s", wvl_error_last()->message);
		app_log_json(WVL_LOG_ERROR, NULL, msg, NULL);
		wvl_worker_free(w);
		return 1;
	}
	pthread_mutex_lock(&run_lock);
	running = w;
	if (stop_requested)
		wvl_worker_stop(w);
	pthread_mutex_unlock(&run_lock);
	status_set_worker(w, "running");
	char extra[320];
	snprintf(extra, sizeof(extra), "\"worker_id\":\"%s\",\"concurrency\":%u", wvl_worker_id(w),
		 o.concurrency);
	app_log_json(WVL_LOG_INFO, NULL, "wl-worker started", extra);
	app_notify("READY=1\nSTATUS=running jobs");
	if (wvl_worker_run(w) != 0) {
		app_log_json(WVL_LOG_ERROR, NULL, wvl_error_last()->message, NULL);
		status_set_worker(NULL, "stopped");
		pthread_mutex_lock(&run_lock);
		running = NULL;
		pthread_mutex_unlock(&run_lock);
		wvl_worker_free(w);
		return 1;
	}
	status_set_worker(NULL, "stopped");
	if (wvl_worker_abandoned(w) > 0) {
		/* Handler threads are still inside jobs that were released:
		 * leave without waiting for them. */
		app_log_json(WVL_LOG_INFO, NULL, "wl-worker stopped; jobs released", extra);
		_exit(1);
	}
	app_log_json(WVL_LOG_INFO, NULL, "wl-worker stopped", extra);
	pthread_mutex_lock(&run_lock);
	running = NULL;
	pthread_mutex_unlock(&run_lock);
	wvl_worker_free(w);
	return 0;
}

static const char usage[] =
	"usage: wl-worker [--help | --version]\n"
	"  Runs the library's jobs and, while it holds the scheduler lock, the cron\n"
	"  schedules, until SIGTERM (running jobs get WL_WORKER_SHUTDOWN_GRACE\n"
	"  seconds); SIGHUP reopens WL_LOG_FILE and applies WL_LOG_LEVEL again.\n"
	"  Configured by WL_* variables from the environment and .env (or\n"
	"  WL_ENV_FILE); see .env.example and wl-worker(8).\n"
	"  --help     print this help and exit\n"
	"  --version  print the version and exit\n";

int main(int argc, char **argv)
{
	app_set_program("wl-worker");
	if (argc > 2)
		return app_usage_error(usage, "unexpected argument", argv[2]);
	if (argc == 2)
		return app_std_option(argv[1], usage) == 0
			       ? 0
			       : app_usage_error(usage, "unknown option", argv[1]);
	wvl_config *cfg = NULL;
	wvl_ctx *ctx = NULL;
	int rc = app_load_config(&cfg);
	if (rc)
		return rc;
	if (app_ctx_new(&ctx, cfg)) {
		wvl_config_free(cfg);
		return 1;
	}
	app_ctx = ctx;
	on_signals();
	if (status_start(ctx, wvl_config_get(cfg, "WL_WORKER_LISTEN")) != 0) {
		wvl_ctx_free(ctx);
		wvl_config_free(cfg);
		return 1;
	}
	rc = serve(ctx, cfg);
	status_stop();
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
	return rc;
}
