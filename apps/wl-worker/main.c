/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-worker: runs jobs and, when it holds the scheduler lock, fires the
 * cron schedules.  Thin: the queue, the scheduler and the work itself
 * live in libwavelaunch. */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/app.h"
#include "handlers.h"
#include "scheduler.h"
#include "worker.h"

static struct worker *running;

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		worker_stop(running);
}

static unsigned config_uint(const wvl_config *cfg, const char *key, unsigned def)
{
	const char *v = wvl_config_get(cfg, key);
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : 0;
	return (end && !*end && n > 0 && n < 1000000) ? (unsigned)n : def;
}

static void options_from(struct wk_options *o, const wvl_config *cfg, char *id, size_t idlen)
{
	char host[64] = "worker";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(id, idlen, "%s:%d", host, (int)getpid());
	wvl_log_level level = WVL_LOG_INFO;
	if (wvl_log_level_parse(&level, wvl_config_get(cfg, "WL_LOG_LEVEL")) != 0)
		level = WVL_LOG_INFO;
	o->concurrency = config_uint(cfg, "WL_WORKER_CONCURRENCY", 10);
	o->prefetch = config_uint(cfg, "WL_WORKER_PREFETCH", 10);
	o->poll_ms = config_uint(cfg, "WL_WORKER_POLL_MS", 1000);
	o->heartbeat_s = config_uint(cfg, "WL_JOBS_HEARTBEAT_INTERVAL", 5);
	o->grace_s = config_uint(cfg, "WL_WORKER_SHUTDOWN_GRACE", 25);
	o->queues = wvl_config_get(cfg, "WL_WORKER_QUEUES");
	o->worker_id = id;
	o->job_log = level <= WVL_LOG_INFO;
}

static int serve(wvl_ctx *ctx, const wvl_config *cfg)
{
	char id[128];
	struct wk_options o;
	options_from(&o, cfg, id, sizeof(id));
	struct worker *w = NULL;
	if (worker_new(&w, ctx, &o, wl_handlers, wl_nhandlers) != 0) {
		fputs("wl-worker: cannot start the worker\n", stderr);
		return 1;
	}
	struct sched_thread *sched = NULL;
	if (sched_thread_start(&sched, ctx, id) != 0) {
		worker_free(w);
		fputs("wl-worker: cannot start the scheduler\n", stderr);
		return 1;
	}
	running = w;
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char extra[256];
	snprintf(extra, sizeof(extra), "\"worker_id\":\"%s\",\"concurrency\":%u", id, o.concurrency);
	app_log_json(WVL_LOG_INFO, NULL, "wl-worker started", extra);
	int rc = worker_run(w);
	sched_thread_stop(sched);
	app_log_json(WVL_LOG_INFO, NULL, rc ? "wl-worker stopped; jobs released" : "wl-worker stopped",
		     extra);
	if (rc) {
		/* Handler threads are still inside jobs that were released: leave
		 * without touching what they use. */
		_exit(1);
	}
	running = NULL;
	worker_free(w);
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
