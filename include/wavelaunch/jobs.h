/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_JOBS_H
#define WAVELAUNCH_JOBS_H

/*
 * The durable job queue: jobs are rows in PostgreSQL.
 *
 * Life of a job: enqueued as `available` (or `scheduled` with a future
 * run_at); a worker claims it (`running`, attempt + 1, a fresh lease id);
 * the worker completes it (`completed`) or fails it (`retryable` with
 * exponential backoff and jitter, or `failed` after its last attempt).  A
 * running job whose heartbeat goes stale is rescued back to `retryable`.
 * An admin may cancel or retry a job.
 *
 * Fencing: every call that changes a running job (complete, fail,
 * heartbeat, progress, release) names the claim it comes from by the
 * job's attempt and lease id.  Once a job was rescued, cancelled or claimed
 * again, a late call from the old claim changes nothing and reports
 * WVL_ECONFLICT, so a worker that stalled cannot complete a job twice.
 *
 * Worker-side calls (claim ... prune) act as the system and take no actor:
 * only the worker process should link them.  Admin calls take an actor
 * and require an admin (or the system).
 *
 * Arguments are checked at run time (bindings may pass NULL), hence no
 * nonnull attributes.  Times are microseconds since the Unix epoch; "now" is the context's
 * clock.  Calls that reach PostgreSQL may also return WVL_EINTERNAL for an
 * unexpected failure; out-pointers are NULL (or 0) on failure.
 *
 * Thread-safety: every call may be made from any thread with a shared
 * context; a wvl_jobs_listener is used by one thread at a time, except
 * wvl_jobs_listener_wake, which any thread (or a signal handler) may call.
 * What `out_json` returns is the caller's (wvl_free); claimed job arrays
 * are the caller's (wvl_jobs_free).
 */

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WVL_JOBS_PRIORITY_MIN (-100)
#define WVL_JOBS_PRIORITY_MAX 100
#define WVL_JOBS_MAX_ATTEMPTS_LIMIT 100
#define WVL_JOBS_DEFAULT_MAX_ATTEMPTS 3

/** Options of wvl_jobs_enqueue.  NULL means every default. */
typedef struct wvl_job_options {
	unsigned int version;
	const char *queue;      /**< NULL: "default"; [a-z0-9_.-], 1-63 chars */
	int priority;           /**< smaller runs first; PRIORITY_MIN..MAX, default 0 */
	int64_t run_at;         /**< not before this time; 0: now */
	int max_attempts;       /**< attempts in total; 0: 3; at most 100 */
	const char *unique_key; /**< NULL: none; no two live jobs share one (1-255 bytes) */
	const char *client_id;  /**< uuid of the client the job works for, or NULL */
} wvl_job_options;

#define WVL_JOB_OPTIONS_VERSION 1
#define WVL_JOB_OPTIONS_INIT {WVL_JOB_OPTIONS_VERSION, NULL, 0, 0, 0, NULL, NULL}

/**
 * Enqueues a job of `kind` ([a-z0-9_.], 1-63 chars, starting with a letter)
 * with `args_json` (a JSON object, at most 256 KiB; NULL: {}) in a
 * transaction of its own.  The actor must be admin, staff or system.
 *
 * `out_id` (37 bytes, may be NULL) receives the job's id; `out_created`
 * (may be NULL) 1 for a new job, 0 when a live job with the same
 * unique_key already existed (its id is returned; that is not an error).
 *
 * Other modules enqueue inside their own transaction through the internal
 * wvl_jobs__enqueue_tx, so a rolled-back change enqueues nothing.
 *
 * Returns 0, WVL_EINVAL (NULL ctx or kind, options of another version),
 * WVL_EVALIDATION (field errors: a bad kind, args that are not a JSON
 * object of at most 256 KiB, a queue, priority, max_attempts, run_at,
 * unique_key or client_id out of range or malformed), WVL_EFORBIDDEN (not admin, staff or system;
 * NULL included), WVL_ENOTFOUND (no such client), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_enqueue(char *out_id, int *out_created, wvl_ctx *ctx,
				const wvl_actor *actor, const char *kind,
				const char *args_json, const wvl_job_options *opts)
	WVL_WARN_UNUSED;

/**
 * A claimed job, filled by the library (wvl_jobs_claim): `version` is the
 * library's WVL_JOB_VERSION, fields are only ever appended, and callers get
 * pointers to jobs, never an array of them to index with their own
 * sizeof, so a newer library's larger struct reaches an older program
 * safely.  Free the array with wvl_jobs_free.
 */
typedef struct wvl_job {
	unsigned int version;
	char id[WVL_ID_SIZE];
	char lease_id[WVL_ID_SIZE];   /**< with attempt: the fencing token of this claim */
	int attempt;         /**< 1 for the first run */
	int max_attempts;
	int priority;
	char kind[WVL_NAME_SIZE];
	char queue[WVL_NAME_SIZE];
	char client_id[WVL_ID_SIZE];  /**< empty when the job works for no client */
	char *args_json;     /**< the job's args, a JSON object (owned by the array) */
	int64_t run_at;
	int64_t claimed_at;
} wvl_job;

#define WVL_JOB_VERSION 1

/** Options of wvl_jobs_claim.  NULL means every default. */
typedef struct wvl_jobs_claim_options {
	unsigned int version;
	const char *queue;          /**< NULL: "default" */
	const char *worker_id;      /**< recorded as claimed_by; NULL: none */
	const char *const *kinds;   /**< claim only these kinds (the handlers the
				     * worker has); NULL: every kind */
	size_t nkinds;
} wvl_jobs_claim_options;

#define WVL_JOBS_CLAIM_OPTIONS_VERSION 1
#define WVL_JOBS_CLAIM_OPTIONS_INIT {WVL_JOBS_CLAIM_OPTIONS_VERSION, NULL, NULL, NULL, 0}

/**
 * Claims up to `limit` (1-1000) runnable jobs (available, or scheduled /
 * retryable whose run_at has come) with FOR UPDATE SKIP LOCKED, so
 * concurrent workers never receive the same job.  Order: priority first;
 * within a priority, round-robin over clients (the first job of every
 * client before the second of any), so one client with thousands of jobs
 * cannot starve the others; then run_at.
 *
 * `*out_jobs` is an array of `*out_count` pointers to the claimed jobs, or
 * NULL when nothing was claimed; the caller owns it (array and jobs) and
 * frees it with wvl_jobs_free(*out_jobs, *out_count).  Returns 0,
 * WVL_EINVAL (a NULL argument, `limit` out of range, bad options),
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_claim(wvl_job ***out_jobs, size_t *out_count, wvl_ctx *ctx,
			      size_t limit, const wvl_jobs_claim_options *opts)
	WVL_WARN_UNUSED;

/**
 * Claims those of the jobs `ids` (uuids, at most 1000) that are runnable
 * now in the options' queue and kinds, up to `limit` (1-1000), with FOR
 * UPDATE SKIP LOCKED, by primary key: no search of the queue and no
 * fairness.  For the jobs a worker's listener was just told about
 * (wvl_jobs_listener_ids) while the worker had nothing else to do; ids
 * already claimed, finished or gone are skipped.  Returns what
 * wvl_jobs_claim returns (0, WVL_EINVAL also for an id that is not a uuid
 * or more than 1000 ids, WVL_EUNAVAILABLE), and `*out_jobs` is likewise
 * the caller's, freed with wvl_jobs_free.  No ids: 0 and nothing claimed.
 */
WVL_EXTERN int wvl_jobs_claim_ids(wvl_job ***out_jobs, size_t *out_count, wvl_ctx *ctx,
				  const char *const *ids, size_t nids, size_t limit,
				  const wvl_jobs_claim_options *opts) WVL_WARN_UNUSED;

/** Frees an array from wvl_jobs_claim (the pointers and the jobs they point
 *  to).  Accepts NULL.  Returns nothing. */
WVL_EXTERN void wvl_jobs_free(wvl_job **jobs, size_t count);

/**
 * Marks the claimed jobs completed in one transaction (a synchronous
 * commit: a lost completion would run the job again).  `out_ok` (n bytes,
 * may be NULL) receives 1 for each job completed and 0 for each whose
 * claim was fenced off.  `jobs` may be the array from wvl_jobs_claim as it
 * is (in C, `(const wvl_job *const *)jobs`).  Returns 0 when every job was
 * completed, WVL_ECONFLICT when at least one was fenced off, WVL_EINVAL (also
 * for a job of a version this library did not hand out), WVL_EUNAVAILABLE
 * (nothing was completed).
 */
WVL_EXTERN int wvl_jobs_complete(unsigned char *out_ok, wvl_ctx *ctx,
				 const wvl_job *const *jobs, size_t n)
	WVL_WARN_UNUSED;

/**
 * Records a failed attempt: `error` (text, kept per attempt in the job's
 * errors; truncated to 2000 bytes) and either `retryable` with backoff —
 * `retry_in` microseconds, or when negative the default: base
 * (WL_JOBS_BACKOFF_BASE seconds) * 4^(attempt-1), capped at a day, +/-20%
 * jitter — or `failed` when this was the last attempt.  `*out_failed`
 * (may be NULL) is 1 when the job is now failed for good.
 * Returns 0, WVL_ECONFLICT (fenced off), WVL_EINVAL, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_fail(int *out_failed, wvl_ctx *ctx, const wvl_job *job,
			     const char *error, int64_t retry_in)
	WVL_WARN_UNUSED;

/**
 * Renews the heartbeat of claimed jobs in one statement (an asynchronous
 * commit: a lost heartbeat costs at most a needless rescue).  `out_ok` as in
 * wvl_jobs_complete; a job fenced off should be abandoned by its handler.
 * Returns 0, WVL_ECONFLICT (some fenced off), WVL_EINVAL, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_heartbeat(unsigned char *out_ok, wvl_ctx *ctx,
				  const wvl_job *const *jobs, size_t n)
	WVL_WARN_UNUSED;

/**
 * Sets a running job's progress (0-100; negative leaves it) and appends
 * `message` (NULL: none; truncated to 500 bytes) to its log, which keeps
 * the last 100 entries across attempts.  Also renews the heartbeat.
 * Returns 0, WVL_ECONFLICT (fenced off), WVL_EINVAL, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_progress(wvl_ctx *ctx, const wvl_job *job, int percent,
				 const char *message) WVL_WARN_UNUSED;

/**
 * Gives a claimed job back unstarted (graceful shutdown): available again
 * at once, and the attempt it was given is not counted.
 * Returns 0, WVL_ECONFLICT (fenced off), WVL_EINVAL (NULL ctx or job),
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_release(wvl_ctx *ctx, const wvl_job *job)
	WVL_WARN_UNUSED;

/**
 * Returns running jobs whose heartbeat is older than `stale_after`
 * microseconds (0: WL_JOBS_RESCUE_AFTER seconds) to `retryable` (or
 * `failed` after their last attempt), counts the rescue and records it in
 * the job's errors.  Their old lease is void from then on.
 * `*out_rescued` (may be NULL) is the number of jobs rescued.  A job
 * failed for good this way notifies the admins like wvl_jobs_fail.
 * Returns 0, WVL_EINVAL (NULL ctx, negative `stale_after`),
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_rescue(int *out_rescued, wvl_ctx *ctx, int64_t stale_after)
	WVL_WARN_UNUSED;

/**
 * Deletes completed, failed and cancelled jobs that finished more than
 * `older_than` microseconds ago (0: WL_JOBS_RETENTION_DAYS days), at most
 * 10,000 per call.  `*out_deleted` (may be NULL) is how many went.
 * Returns 0, WVL_EINVAL (NULL ctx, negative `older_than`),
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_prune(int *out_deleted, wvl_ctx *ctx, int64_t older_than)
	WVL_WARN_UNUSED;

/* ---- admin ------------------------------------------------------------- */

/**
 * One job as JSON: id, kind, queue, state, attempt, max_attempts, priority,
 * progress, run_at, args, client_id, unique_key, errors (one entry per
 * failed attempt: attempt, at, error), log (at, attempt, message),
 * rescue_count, claimed_by and timestamps, in `*out_json`, which the
 * caller frees with wvl_free.  Admin or system: any job.  Staff: the jobs
 * their own requests answer with 202, so they can follow them — drafts and
 * PDFs of a client's work (business_plan_generate, deliverable_generate,
 * pdf_generate) and the export_file jobs they asked for; any other job is
 * WVL_ENOTFOUND to them.  Returns 0, WVL_EINVAL (a NULL out_json, ctx or
 * job_id), WVL_EFORBIDDEN (a client user, anonymous, NULL), WVL_ENOTFOUND
 * (unknown, not a uuid, or not one staff may follow), WVL_EUNAVAILABLE.
 * Thread-safe with a shared context.
 */
WVL_EXTERN int wvl_jobs_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			    const char *job_id) WVL_WARN_UNUSED;

/**
 * Jobs newest first: {"data":[job,...],"next_cursor":"..."|null}, each job
 * as wvl_jobs_get gives it but without args and log.  Admin or system
 * only; a top-level list (`scope_id` NULL; the rules of query.h).
 * Filters: state, kind, client_id.  Returns 0 with the page, which the
 * caller frees with wvl_free; WVL_EINVAL for a NULL out_json or ctx, a
 * scope, or (slug "bad_request") a query the list does not take;
 * WVL_EFORBIDDEN; WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Cancels a job that has not finished.  A running job's lease is voided,
 * so its worker's completion is refused.  Admin or system only.
 * Returns 0, WVL_ECONFLICT (already finished), WVL_ENOTFOUND (unknown, or
 * not a uuid), WVL_EFORBIDDEN, WVL_EINVAL (NULL ctx or job_id),
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_cancel(wvl_ctx *ctx, const wvl_actor *actor, const char *job_id)
	WVL_WARN_UNUSED;

/**
 * Runs a failed, cancelled, retryable or completed job again now, with one
 * more attempt allowed when it had used them all.  Admin or system only.
 * Returns 0, WVL_ECONFLICT (running, or a live job holds its unique key),
 * WVL_ENOTFOUND (unknown, or not a uuid), WVL_EFORBIDDEN, WVL_EINVAL (NULL
 * ctx or job_id), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_jobs_retry(wvl_ctx *ctx, const wvl_actor *actor, const char *job_id)
	WVL_WARN_UNUSED;

/* ---- wake-ups ---------------------------------------------------------- */

/** A LISTEN connection that wakes a worker when jobs arrive. */
typedef struct wvl_jobs_listener wvl_jobs_listener;

/**
 * Opens the listener; it connects lazily (its own PostgreSQL connection,
 * outside the pool) and reconnects by itself.  `ctx` must outlive it.
 * Returns 0 with `*out` owned by the caller (free with
 * wvl_jobs_listener_free); WVL_EINVAL for a NULL argument; WVL_EINTERNAL
 * when memory or a pipe cannot be had.
 */
WVL_EXTERN int wvl_jobs_listener_new(wvl_jobs_listener **out, wvl_ctx *ctx)
	WVL_WARN_UNUSED;

/**
 * Closes the listener's connection (its offers go with it), frees pushed
 * jobs not yet handed over, and the listener.  Accepts NULL.  No other
 * thread may be waiting on it or waking it.
 */
WVL_EXTERN void wvl_jobs_listener_free(wvl_jobs_listener *l);

/**
 * Waits up to `timeout_ms` for a notification that jobs arrived, or a wake.
 * `*out_woken` is 1 when woken early (notification or wvl_jobs_listener_wake),
 * 0 on timeout.  While PostgreSQL is down it waits out the timeout (a
 * wake still ends it) and returns 0 with `*out_woken` 0, so callers simply
 * keep polling.  Returns 0; WVL_EINVAL for a NULL argument or a negative
 * timeout; WVL_EINTERNAL when poll() fails (not for EINTR).
 */
WVL_EXTERN int wvl_jobs_listener_wait(int *out_woken, wvl_jobs_listener *l,
				      int timeout_ms) WVL_WARN_UNUSED;

/**
 * The jobs named by the notifications the last wvl_jobs_listener_wait
 * received: a statement that makes a single job available names it.
 * Moves up to `max` ids of jobs in `queue` into `ids` (they are not
 * returned again) and returns how many (0 for a NULL argument).  The
 * caller's array `ids` receives the ids.  Hints only (another worker may
 * have claimed them); jobs enqueued in bulk are not named, so an empty
 * answer says nothing.
 */
WVL_EXTERN size_t wvl_jobs_listener_ids(wvl_jobs_listener *l, const char *queue,
					char (*ids)[WVL_ID_SIZE], size_t max);

/**
 * Push dispatch: offers `n` (1-1024) idle slots of a worker that handles
 * `kinds` (NULL: every kind) in `queues`.  wvl_jobs_enqueue (never an
 * enqueue inside a caller's transaction, whose commit may come long after
 * the job's first heartbeat) takes an offer in its own transaction, writes the job already running under a
 * new lease (claimed_by `worker_id`) and sends it to this listener, so the
 * worker starts it without claiming (wvl_jobs_listener_pushed).  Only jobs
 * that may run at once, have no unique key and whose arguments fit a
 * notification are pushed.  Offers live as long as the listener's
 * connection: a worker that dies or loses its connection gets no more
 * pushes, and a job pushed to it is rescued like any claimed job.  A
 * worker offers only while it has nothing queued to claim (pushed jobs
 * skip the queue's order and fairness).  Returns 0, WVL_EINVAL,
 * WVL_EUNAVAILABLE (not connected).
 */
WVL_EXTERN int wvl_jobs_listener_offer(wvl_jobs_listener *l, const char *const *queues,
				       size_t nqueues, const char *const *kinds, size_t nkinds,
				       const char *worker_id, unsigned n) WVL_WARN_UNUSED;

/**
 * Withdraws the listener's offers, except those an enqueue is taking right
 * now: they stay counted (wvl_jobs_listener_offers) and arrive as pushed
 * jobs, or stay offered if that enqueue rolls back.  Returns 0 (also when
 * not connected or nothing is offered); WVL_EINVAL for a NULL `l`;
 * WVL_EUNAVAILABLE or WVL_EINTERNAL when the statement fails (a lost
 * connection drops the listener's offers with it).
 */
WVL_EXTERN int wvl_jobs_listener_withdraw(wvl_jobs_listener *l) WVL_WARN_UNUSED;

/**
 * Returns the number of offers made and not yet withdrawn or pushed: slots
 * to keep free for pushes (0 for NULL).
 */
WVL_EXTERN unsigned wvl_jobs_listener_offers(const wvl_jobs_listener *l);

/**
 * Hands over the jobs pushed to this listener (received by
 * wvl_jobs_listener_wait), each claimed for the offering worker as by
 * wvl_jobs_claim.  Returns how many (0 for a NULL argument, *out_jobs
 * then NULL); the array is the caller's, freed with
 * wvl_jobs_free(*out_jobs, count).
 */
WVL_EXTERN size_t wvl_jobs_listener_pushed(wvl_jobs_listener *l, wvl_job ***out_jobs);

/** Interrupts a wait from another thread or a signal handler (async-signal-safe). */
WVL_EXTERN void wvl_jobs_listener_wake(wvl_jobs_listener *l);

/* ---- from another program ---------------------------------------------- */

/* libpq's connection, for callers that hold one of their own. */
struct pg_conn;

/**
 * Enqueues a job as the system on `conn`, a libpq connection the caller
 * owns and has opened a transaction on (BEGIN), so the job commits or rolls
 * back with the caller's own writes: nothing runs unless the caller
 * commits, and a worker may take it the moment the commit is on disk.  The
 * connection must be to the library's database as its app role
 * (WL_DATABASE_URL's), whose row-level security lets the system insert
 * jobs.  The row is written as the system and the transaction's own
 * row-level security setting is put back in the same statement.  It does
 * not commit, roll back or close `conn`, and keeps no
 * reference to it.
 *
 * `actor` must be the system (WVL_ROLE_SYSTEM): a person's enqueue goes
 * through wvl_jobs_enqueue, which checks the person's session.  Kind, args,
 * options, `out_id` and `out_created` as for wvl_jobs_enqueue.
 *
 * Returns 0, WVL_EINVAL (NULL arguments or options out of range, or `conn`
 * not inside a healthy transaction: no BEGIN, or one that already failed),
 * WVL_EVALIDATION (a bad kind or args: field errors), WVL_EFORBIDDEN
 * (not the system), WVL_ENOTFOUND (no such client), WVL_EUNAVAILABLE (the
 * statement failed: the caller's transaction is then aborted and must be
 * rolled back).  Thread-safe with a shared context, as long as `conn` is
 * used by one thread at a time (libpq's rule).
 */
WVL_EXTERN int wvl_jobs_enqueue_on(char *out_id, int *out_created, wvl_ctx *ctx,
				   const wvl_actor *actor, struct pg_conn *conn,
				   const char *kind, const char *args_json,
				   const wvl_job_options *opts) WVL_WARN_UNUSED;

/**
 * Waits until job `job_id` has finished (completed, failed or cancelled)
 * or `timeout_ms` has passed, looking at it every few milliseconds at
 * first and at most every quarter second later on.  `*out_json` receives
 * the job as wvl_jobs_get gives it when the wait ends (free with wvl_free);
 * `*out_done` (may be NULL) is 1 when it has finished, 0 when the time ran
 * out first.  Admin or system only.
 *
 * Returns 0 (finished or not: see `*out_done`), WVL_EINVAL (NULL
 * arguments, a negative timeout), WVL_EFORBIDDEN, WVL_ENOTFOUND (no such
 * job, or a malformed id), WVL_EUNAVAILABLE.  Blocks the calling
 * thread; thread-safe with a shared context.
 */
WVL_EXTERN int wvl_jobs_wait(char **out_json, int *out_done, wvl_ctx *ctx,
			     const wvl_actor *actor, const char *job_id, int timeout_ms)
	WVL_WARN_UNUSED;

/**
 * The queues' depth: jobs not finished, by queue and state, as
 * {"queue":{"available"|"scheduled"|"running"|"retryable":count}} (a
 * queue or state with no job is absent).  Read as the system (every
 * queue); for health checks and metrics, so no actor.  `*out_json` is the
 * caller's (wvl_free).  Returns 0, WVL_EINVAL (NULL arguments),
 * WVL_EUNAVAILABLE (PostgreSQL unreachable).  Thread-safe with a shared
 * context.
 */
WVL_EXTERN int wvl_jobs_depth(char **out_json, wvl_ctx *ctx) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
