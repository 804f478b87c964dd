/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_WORKER_H
#define WL_WORKER_H

/* The job loop of wl-worker: a handler registry by kind, a fixed number of
 * handler threads, batched claims and completions, heartbeats, the
 * rescuer and pruning, and a graceful stop. */

#include <stdatomic.h>
#include <stdbool.h>

#include <wavelaunch.h>

/* What a handler gets: the context, its job, and `lost`, which becomes 1
 * when the job's lease was taken away (rescued or cancelled); a long
 * handler should check it and give up, since its result will be refused. */
struct wk_run {
	wvl_ctx *ctx;
	const wvl_job *job;
	atomic_int lost;
};

/* Returns 0 on success, or non-zero with a malloc'd message in *out_error
 * (may be left NULL) that is stored with the failed attempt. */
typedef int (*wk_handler_fn)(struct wk_run *run, char **out_error);

struct wk_kind {
	const char *kind;
	wk_handler_fn fn;
};

struct wk_options {
	unsigned concurrency;   /* handler threads */
	unsigned prefetch;      /* jobs held per handler thread, claimed ahead; 0: 10 */
	unsigned poll_ms;       /* poll even without a notification */
	unsigned heartbeat_s;   /* heartbeat and rescue period */
	unsigned grace_s;       /* after stop, how long running jobs may finish */
	const char *queues;     /* comma-separated */
	const char *worker_id;  /* recorded as claimed_by */
	bool job_log;           /* one JSON line per job */
};

struct worker;

int worker_new(struct worker **out, wvl_ctx *ctx, const struct wk_options *opts,
	       const struct wk_kind *kinds, size_t nkinds);
/* Runs until worker_stop; returns 0 after a clean stop. */
int worker_run(struct worker *w);
/* Async-signal-safe: asks worker_run to stop claiming and wind down. */
void worker_stop(struct worker *w);
void worker_free(struct worker *w);

#endif
