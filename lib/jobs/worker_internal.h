/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_JOBS_WORKER_INTERNAL_H
#define WVL_JOBS_WORKER_INTERNAL_H

/* Internal to the worker runtime (worker.c, worker_pool.c, worker_step.c,
 * worker_keep.c).  Never installed.
 *
 * Who touches what: the slots, `done` and `draining` under `mu`; the rest
 * of the struct only from the thread that runs or steps the worker (the
 * dispatcher), except `stop` (atomic) and the eventfd. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "jobs.h"
#include "wavelaunch/cron.h"
#include "wavelaunch/scheduler.h"
#include "wavelaunch/worker.h"

#define WVL_WORKER_DONE_MAX 1024 /* at most one completion statement's worth */

struct wvl_worker_task {
	wvl_worker *w;
	wvl_job job; /* owns args_json while the slot holds the job */
	atomic_int lost;
};

enum wvl_slot_state { WVL_SLOT_FREE, WVL_SLOT_QUEUED, WVL_SLOT_RUNNING };

struct wvl_slot {
	enum wvl_slot_state state;
	/* Running, its handler returned and this slot records the result:
	 * the drain no longer takes it back (set and read with mu held). */
	bool recording;
	struct wvl_worker_task run;
	int64_t started_ms; /* monotonic: for the durations reported */
};

/* A job whose handler succeeded, until its completion is committed: it is
 * still `running` in PostgreSQL, so it is heartbeaten too. */
struct wvl_done_job {
	wvl_job job; /* args_json already freed */
	int64_t started_ms;
};

struct wvl_kind_entry {
	char name[64];
	wvl_worker_handler_fn fn;
	void *payload;
};

/* What wvl_worker_counts reports, per kind and queue. */
enum wvl_worker_tally { WVL_TALLY_CLAIMED, WVL_TALLY_COMPLETED, WVL_TALLY_RETRIED,
			WVL_TALLY_FAILED, WVL_TALLY_LEASE_LOST, WVL_TALLY_UNRECORDED,
			WVL_TALLY_RELEASED, WVL_TALLY_HELD, WVL_TALLY_N };

struct wvl_worker_cell {
	atomic_uint_least64_t n[WVL_TALLY_N];
};

enum wvl_worker_phase { WVL_PHASE_NEW, WVL_PHASE_RUNNING, WVL_PHASE_DRAINING, WVL_PHASE_STOPPED };

struct wvl_worker {
	wvl_ctx *ctx;
	wvl_worker_options o;
	char *queues_str, *id;
	struct wvl_kind_entry *kinds;
	const char **kind_names;
	size_t nkinds;
	char **queues;
	bool *drained; /* per queue: its last claim came back short */
	size_t nqueues;
	wvl_jobs_listener *listener;
	wvl_scheduler *sched;
	int leading;
	struct wvl_slot *slots; /* the running jobs and those claimed ahead */
	size_t nslots;
	struct wvl_done_job *done; /* WVL_WORKER_DONE_MAX entries; [0, ndone) waiting */
	size_t ndone;
	pthread_t *threads;
	size_t nthreads;
	bool joined;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a slot became QUEUED, or draining */
	pthread_cond_t idle; /* a slot became FREE, or completions were written */
	bool flushing;
	bool draining; /* handler threads exit once nothing is queued */
	atomic_int stop;
	enum wvl_worker_phase phase;
	int epfd, wakefd, timerfd, sockfd;
	unsigned sock_gen;
	/* Deadlines on the context's clock, microseconds. */
	int64_t next_poll, next_keep, next_prune, next_tick, drain_until;
	int64_t armed_ms; /* monotonic deadline the timerfd is set for; 0: none */
	unsigned abandoned;
	/* Read by any thread (wvl_worker_stats, wvl_worker_counts): the
	 * cells (nkinds x nqueues, kind-major) are published by start, once
	 * the registry is closed. */
	_Atomic(struct wvl_worker_cell *) cells;
	atomic_uint_least64_t rescued;
	atomic_int leading_now;
};

/* ---- worker.c ---- */
/* Registers `fn` for `kind` unless the host registered that kind already. */
int wvl_worker__register_missing(wvl_worker *w, const char *kind, wvl_worker_handler_fn fn);

/* ---- worker_pool.c: handler threads, completions, slots ---- */
void *wvl_worker__thread(void *arg);
/* Wakes the dispatcher (the eventfd). */
void wvl_worker__wake(wvl_worker *w);
/* Called with mu held; writes every waiting completion. */
void wvl_worker__flush(wvl_worker *w);
/* Puts claimed jobs in free slots (taking over their args); how many fit. */
size_t wvl_worker__place(wvl_worker *w, wvl_job *jobs, size_t n);
size_t wvl_worker__count(wvl_worker *w, enum wvl_slot_state state);
/* Hands jobs back unstarted, telling on_job ("released" or "held"). */
void wvl_worker__release(wvl_worker *w, const wvl_job *jobs, size_t n, int64_t started_ms,
			 const char *why);
void wvl_worker__event(wvl_worker *w, const wvl_job *job, int64_t started_ms,
		       const char *outcome, const char *error);
int64_t wvl_worker__mono_ms(void);
/* Counts jobs that came to this worker (claimed or pushed). */
void wvl_worker__tally_claimed(wvl_worker *w, const wvl_job *jobs, size_t n);

/* ---- worker_step.c: the dispatcher ---- */
/* One round; `sock_ready`: the listener's socket is readable.  Sets the
 * timeout; returns 0 or WVL_WORKER_STOPPED. */
int wvl_worker__round(wvl_worker *w, bool sock_ready, int *out_timeout_ms);
/* Waits on the descriptors at most `timeout_ms` and runs a round. */
int wvl_worker__poll_round(wvl_worker *w, int timeout_ms, int *out_timeout_ms);

/* ---- worker_keep.c: heartbeats, rescue, prune, scheduler, drain ---- */
/* Does the periodic work that is due; returns microseconds until the next. */
int64_t wvl_worker__keep(wvl_worker *w, int64_t now);
void wvl_worker__begin_drain(wvl_worker *w, int64_t now);
/* One round of the drain; returns WVL_WORKER_STOPPED once done. */
int wvl_worker__drain(wvl_worker *w, int64_t now, int64_t *out_wait_us);
/* Takes the jobs pushed to this worker: started, or released while draining. */
size_t wvl_worker__take_pushed(wvl_worker *w);

#endif
