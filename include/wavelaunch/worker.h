/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_WORKER_H
#define WAVELAUNCH_WORKER_H

/*
 * The job runtime: a host registers job kinds with handler callbacks and
 * runs a worker, which claims jobs from the PostgreSQL queue (jobs.h) in
 * batches, takes jobs pushed to it while idle, runs them on its own handler
 * threads, records completions and failures, heartbeats what it holds
 * (a fenced lease: a handler whose job was rescued or cancelled is told so),
 * rescues the stale jobs of dead workers, prunes old ones, optionally
 * competes for the cron scheduler's leadership (cron.h), and on a stop hands
 * back what it has not started and gives running jobs a grace period.
 *
 * Two ways to drive it:
 *  - wvl_worker_run(): the calling thread dispatches until
 *    wvl_worker_stop() (from a signal handler, say) and the drain are done;
 *  - the host's event loop: wvl_worker_start(), then poll wvl_worker_fd()
 *    for readability with the timeout wvl_worker_step() returned, and call
 *    wvl_worker_step() whenever the fd is readable or the timeout passed
 *    (as libpq's PQsocket/PQconsumeInput or sd-event's fd allow).
 * Handlers always run on the worker's handler threads.
 *
 * Time: every period (polling, heartbeats, rescue, pruning, the
 * scheduler's rounds, the shutdown grace) is measured on the context's
 * clock (wvl_ctx_set_clock), so a test moves time instead of sleeping.  A
 * clock that goes backwards makes the periods due at once.
 *
 * Thread-safety: a wvl_worker is used by one thread at a time (the one
 * that runs or steps it), except wvl_worker_stop, which any thread or a
 * signal handler may call, and wvl_worker_stats / wvl_worker_counts,
 * which any thread may read.  A wvl_worker_task belongs to the handler call that
 * received it; wvl_worker_task_lost may be read from any thread.  The context
 * must outlive the worker.
 */

#include "core.h"
#include "jobs.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A job runtime.  Create with wvl_worker_new, free with wvl_worker_free. */
typedef struct wvl_worker wvl_worker;

/** What a handler receives: its job, the context, and whether it lost it. */
typedef struct wvl_worker_task wvl_worker_task;

/**
 * Runs one job.  Returns 0 on success: the job is completed.  Any other
 * value fails this attempt (retried with backoff until its last attempt,
 * see wvl_jobs_fail); `*out_error` may then receive a message allocated
 * with malloc (the worker stores it with the attempt and frees it; left
 * NULL, "handler failed" is stored).  Called on a handler thread, several
 * at once for different jobs: the handler must be thread-safe.  A long
 * handler checks wvl_worker_task_lost() now and then and gives up once it
 * returns non-zero, since its result will be refused.
 */
typedef int (*wvl_worker_handler_fn)(char **out_error, wvl_worker_task *run, void *payload);

/**
 * Told about every job the worker is done with: `outcome` is "completed",
 * "retryable" or "failed" (the attempt failed; `error` says why),
 * "lease_lost" (the result was refused: the job was rescued or cancelled
 * meanwhile; or not written, because the handler returned after its job
 * was taken back, see wvl_worker_task_lost), "fail_unrecorded" (PostgreSQL refused the failure; the job
 * will be rescued), "released" (handed back unstarted, or at the end of the
 * shutdown grace) or "held" (could not be handed back; it will be rescued).
 * `duration_ms` counts from the handler's start (or the claim, for a job
 * never started).  Called from handler threads and from the thread that
 * runs or steps the worker, without the worker's lock: it must be
 * thread-safe and must not call wvl_worker functions.
 */
typedef void (*wvl_worker_event_fn)(const wvl_job *job, const char *outcome,
				    int64_t duration_ms, const char *error, void *payload);

/** Options of wvl_worker_new.  NULL means every default. */
typedef struct wvl_worker_options {
	unsigned int version;
	unsigned int concurrency; /**< handler threads, 1-1024; default 10 */
	unsigned int prefetch;    /**< jobs held per handler thread (claimed ahead), 1-100;
				   *   default 10; at most 1,024 in all */
	unsigned int poll_ms;     /**< claim at least this often besides LISTEN/NOTIFY,
				   *   1-3,600,000 ms; default 1000 */
	unsigned int heartbeat_s; /**< heartbeat and rescue period, 1-3600 s; default 5 */
	unsigned int grace_s;     /**< after a stop, how long running jobs may finish,
				   *   0-3600 s; default 25 */
	const char *queues;       /**< comma-separated queue names, claimed in this order;
				   *   NULL or "": "default" */
	const char *worker_id;    /**< recorded as the jobs' claimed_by, at most 200 bytes;
				   *   NULL: "<hostname>:<pid>" */
	int run_scheduler;        /**< non-zero: a candidate for the cron scheduler's
				   *   leadership (one round a second); default 1 */
	wvl_worker_event_fn on_job; /**< NULL: not told */
	void *on_job_payload;
} wvl_worker_options;

#define WVL_WORKER_OPTIONS_VERSION 1
#define WVL_WORKER_OPTIONS_INIT \
	{WVL_WORKER_OPTIONS_VERSION, 10, 10, 1000, 5, 25, NULL, NULL, 1, NULL, NULL}

/**
 * Every queue the library itself enqueues to (the built-in kinds' jobs,
 * email, in-app notifications, the client journey, file scans): a host
 * that runs the built-in kinds should claim them all.  wl-worker's
 * default WL_WORKER_QUEUES.
 */
#define WVL_WORKER_LIBRARY_QUEUES "default,email,notifications,automation,files"

/** wvl_worker_step's result once the worker has stopped and drained. */
#define WVL_WORKER_STOPPED 1

/**
 * Creates a worker over `ctx` (copies the options' strings).  It opens its
 * descriptors (wvl_worker_fd) but no connection and no thread yet.
 * Returns 0 with `*out` owned by the caller (free with wvl_worker_free),
 * WVL_EINVAL (a NULL out or ctx, an option out of range, a bad queue name,
 * an unknown options version), WVL_EINTERNAL (out of memory or
 * descriptors).
 */
WVL_EXTERN int wvl_worker_new(wvl_worker **out, wvl_ctx *ctx, const wvl_worker_options *opts)
	WVL_WARN_UNUSED;

/**
 * Registers the handler of job `kind` ([a-z][a-z0-9_.]{0,62}) with
 * `payload` passed to every call.  The worker claims only the kinds it has
 * handlers for.  Before wvl_worker_start / wvl_worker_run only.
 * Returns 0, or WVL_EINVAL (a bad name, NULL fn, a kind already
 * registered, or the worker already started).
 */
WVL_EXTERN int wvl_worker_register(wvl_worker *w, const char *kind, wvl_worker_handler_fn fn,
				   void *payload) WVL_WARN_UNUSED;

/**
 * Registers the handlers of every kind the library itself enqueues or
 * schedules, so any host runs them the same way; a kind the host has
 * already registered keeps the host's handler.  The kinds, and how their
 * arguments (a JSON object) are read (a member missing, not an integer or
 * out of range takes its default):
 *  - file_rescan {max_files: 1-10000, default 200}: scans files kept in
 *    quarantine while clamd was away (wvl_files_rescan_pending); with no
 *    WL_CLAMD it completes with nothing to do; clamd still away fails it.
 *  - file_cleanup {older_than_days: 1-36499, default 7}: wvl_files_cleanup.
 *  - backup_database {}: wvl_maint_backup_database.  When the post-backup
 *    command fails the attempt fails and the dump is kept; a retry of the
 *    same job runs the command again on that dump instead of dumping anew.
 *  - token_budget_alert {budget_cents: >= 1, default WL_TOKEN_BUDGET_CENTS}:
 *    wvl_maint_token_budget_alert.
 *  - noop {sleep_ms: 0-3600000, default 0}: does nothing, for that long
 *    (stopping early when the job is lost).  Built in because it is how an
 *    operator, a test or a benchmark checks a worker end to end: it has no
 *    effect and only the team may enqueue it.
 *  - email_send {email_id} or {template, ...}: sends one queued email, or
 *    queues a template's emails for its recipients (email.h).
 *  - password_reset_request {email}: mails a reset link to the account
 *    with that address, if there is one (auth.h, wvl_auth_password_forgot).
 *  - notification_create {type, client_id, audience ("client", "team" or
 *    "admins"; default by type), and the type's number and id members}:
 *    writes one in-app notification per recipient whose in-app
 *    preference for the type's category is on (notify.h); type
 *    "automation" takes its "title" and "message" from the args.
 *  - automation_run {rule_id}: what a schedule rule's schedule fires: runs
 *    the rule's action for its client or every onboarding or active one
 *    (automation.h).
 *  - business_plan_generate {client_id}: drafts a new business plan
 *    version from the client's intake (ai.h, wvl_ai_generate_plan).
 *  - deliverable_generate {client_id, milestone} or {deliverable_id}:
 *    drafts a milestone (generating -> draft; a failure puts it back),
 *    ai.h, wvl_ai_generate_deliverable.
 * Each writes its JSON report to the job's log (wvl_jobs_progress, 100 %).
 * Returns 0, WVL_EINVAL (the worker already started), WVL_EINTERNAL.
 */
WVL_EXTERN int wvl_worker_register_builtin(wvl_worker *w) WVL_WARN_UNUSED;

/**
 * Runs the worker on the calling thread until wvl_worker_stop and the
 * drain: no new claims, jobs not started are handed back, running ones get
 * the grace period and are then released (wvl_worker_abandoned).  Starts
 * the worker itself; call it once, instead of wvl_worker_start.
 * Returns 0 after the stop, WVL_EINVAL (already started, or no kind
 * registered: it would claim every kind), WVL_EINTERNAL (could not start
 * its threads).
 */
WVL_EXTERN int wvl_worker_run(wvl_worker *w) WVL_WARN_UNUSED;

/**
 * Asks the worker to stop: it claims no more and drains, within the next
 * wvl_worker_run round or wvl_worker_step.  Async-signal-safe; any thread.
 */
WVL_EXTERN void wvl_worker_stop(wvl_worker *w);

/**
 * Event-loop mode: starts the handler threads.  Then call wvl_worker_step
 * (at once: it makes the first claim).  Returns 0, WVL_EINVAL (already
 * started, or no kind registered), WVL_EINTERNAL (could not start its
 * threads).
 */
WVL_EXTERN int wvl_worker_start(wvl_worker *w) WVL_WARN_UNUSED;

/**
 * One descriptor for the host to poll for readability (POLLIN / EPOLLIN):
 * it becomes readable when a notification arrives, a handler finishes,
 * wvl_worker_stop is called or a deadline passes.  It stays the same for
 * the worker's life (an epoll descriptor; the database connection behind
 * it may change).  Returns the descriptor's number, or -1 when `w` is
 * NULL; the descriptor is the worker's (do not close it).
 */
WVL_EXTERN int wvl_worker_fd(const wvl_worker *w);

/**
 * Does what is due without waiting for anything: takes pushed jobs and
 * notifications, claims for free slots, offers idle slots, heartbeats,
 * rescues, prunes, runs a scheduler round; once stopped, drains.  It does
 * make short database round trips (claims, heartbeats), and while
 * PostgreSQL is unreachable a reconnection attempt (at most one a second)
 * may take up to its connect timeout.  `*out_timeout_ms` receives how long
 * the host may wait on wvl_worker_fd before stepping again (0: step again
 * at once).  A host that stops stepping stops heartbeating: after
 * WL_JOBS_RESCUE_AFTER its jobs are rescued by other workers.
 * Returns 0 while running, WVL_WORKER_STOPPED once stopped and drained
 * (then wvl_worker_free), WVL_EINVAL (not started).
 */
WVL_EXTERN int wvl_worker_step(int *out_timeout_ms, wvl_worker *w) WVL_WARN_UNUSED;

/**
 * After the stop, returns how many jobs were still running (or finished with their
 * completion unrecorded) when the grace period ended.  They were released
 * back to the queue and their handlers see wvl_worker_task_lost() != 0; their
 * threads may still be inside the handlers, so wvl_worker_free would wait
 * for them (a process may exit instead).  0 for NULL or before the end of
 * the grace period.
 */
WVL_EXTERN unsigned int wvl_worker_abandoned(const wvl_worker *w);

/**
 * Returns the worker's id as recorded in claimed_by (NULL for NULL).  The
 * string is owned by the worker: valid until wvl_worker_free.
 */
WVL_EXTERN const char *wvl_worker_id(const wvl_worker *w);

/** What wvl_worker_stats reports: the worker now, and since it started.
 *  The caller's struct: set `version` (WVL_WORKER_STATS_INFO_INIT). */
typedef struct wvl_worker_stats_info {
	unsigned int version;
	unsigned int running;     /**< handlers running a job now */
	unsigned int queued;      /**< jobs claimed ahead, not started yet */
	unsigned int concurrency; /**< handler threads */
	int leading;              /**< 1 while it holds the cron scheduler's leadership */
	uint64_t rescued;         /**< stale jobs of dead workers it put back in the queue */
} wvl_worker_stats_info;

#define WVL_WORKER_STATS_INFO_VERSION 1
#define WVL_WORKER_STATS_INFO_INIT {WVL_WORKER_STATS_INFO_VERSION, 0, 0, 0, 0, 0}

/**
 * Fills `*out` with the worker's figures.  Returns 0, or WVL_EINVAL (NULL
 * out or w, an `out` of an unknown version).  Thread-safe: any thread may
 * call it while another runs or
 * steps the worker (until wvl_worker_free).
 */
WVL_EXTERN int wvl_worker_stats(wvl_worker_stats_info *out, wvl_worker *w) WVL_WARN_UNUSED;

/** One kind in one queue, as wvl_worker_counts reports it: jobs since
 *  start.  The caller's struct: set `version` (WVL_WORKER_COUNTS_INFO_INIT). */
typedef struct wvl_worker_counts_info {
	unsigned int version;
	const char *kind;    /**< the registered kind (the worker's; valid until wvl_worker_free) */
	const char *queue;   /**< one of the worker's queues (likewise the worker's) */
	uint64_t claimed;    /**< claimed or pushed to this worker */
	uint64_t completed;  /**< handler succeeded, completion recorded */
	uint64_t retried;    /**< attempt failed, the job will be retried ("retryable") */
	uint64_t failed;     /**< attempt failed for good (its last attempt) */
	uint64_t lease_lost; /**< result refused: rescued or cancelled meanwhile */
	uint64_t unrecorded; /**< failure PostgreSQL did not take ("fail_unrecorded") */
	uint64_t released;   /**< handed back unstarted, or at the end of the grace */
	uint64_t held;       /**< could not be handed back (it will be rescued) */
} wvl_worker_counts_info;

#define WVL_WORKER_COUNTS_INFO_VERSION 1
#define WVL_WORKER_COUNTS_INFO_INIT \
	{WVL_WORKER_COUNTS_INFO_VERSION, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0}

/**
 * The counts of pair number `i` (0, 1, ...: every registered kind times
 * every queue, in a fixed order), the outcomes as on_job names them.
 * Returns 0, WVL_ENOTFOUND past the last pair (and for every `i` before
 * the worker has started: the kinds are not closed yet), WVL_EINVAL (NULL
 * out or w, an `out` of an unknown version).  Thread-safe (atomic counters), like wvl_worker_stats.
 */
WVL_EXTERN int wvl_worker_counts(wvl_worker_counts_info *out, const wvl_worker *w, size_t i)
	WVL_WARN_UNUSED;

/**
 * Frees the worker.  A worker still running is stopped and drained first
 * (up to the grace period); then it waits for every handler thread to
 * return.  Accepts NULL.
 */
WVL_EXTERN void wvl_worker_free(wvl_worker *w);

/* ---- inside a handler --------------------------------------------------- */

/**
 * Returns the job being run: its id, kind, queue, attempt and args_json
 * (NULL for NULL).  Owned by the worker and valid during the handler call
 * only: copy what outlives it.
 */
WVL_EXTERN const wvl_job *wvl_worker_task_job(const wvl_worker_task *run);

/**
 * Returns the worker's context, for the library calls the handler makes
 * (NULL for NULL).  Borrowed: it belongs to the host, never freed here.
 */
WVL_EXTERN wvl_ctx *wvl_worker_task_ctx(const wvl_worker_task *run);

/**
 * Returns non-zero once the job's lease was taken away (rescued,
 * cancelled, or released at the end of the shutdown grace): its result
 * will be refused, so the handler should stop; 0 while it holds the lease
 * (and non-zero for NULL).  Any thread.
 */
WVL_EXTERN int wvl_worker_task_lost(const wvl_worker_task *run);

/**
 * Sets the job's progress and appends `message` to its log, as
 * wvl_jobs_progress (which also renews the heartbeat).  WVL_ECONFLICT means
 * the lease is lost (wvl_worker_task_lost turns non-zero).  Returns 0,
 * WVL_ECONFLICT, WVL_EINVAL, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_worker_task_progress(wvl_worker_task *run, int percent, const char *message)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
