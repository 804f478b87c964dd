/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_JOBS_INTERNAL_H
#define WVL_JOBS_INTERNAL_H

/* Internal to libwavelaunch: the queue's entry points for other modules and
 * the helpers the jobs files share.  Never installed. */

#include <stdbool.h>

#include "../core/pg.h"
#include "wavelaunch/jobs.h"
#include "wavelaunch/scheduler.h"
#include "wavelaunch/worker.h"

/* Enqueues inside the caller's open transaction on `conn` (transactional
 * outbox: the job exists exactly when the caller's change commits).  The
 * row is written as 'system' and the transaction's actor is restored
 * afterwards.  Same arguments and results as wvl_jobs_enqueue.  A failure
 * leaves the caller's transaction aborted; the caller rolls back. */
int wvl_jobs__enqueue_tx(char *out_id, int *out_created, wvl_ctx *ctx, PGconn *conn,
			 const char *kind, const char *args_json,
			 const wvl_job_options *opts);

/* Runs one statement as the system in its own transaction, in a single
 * round trip (pipeline: settings + statement + sync).  `sync_commit` false
 * commits asynchronously, for writes whose loss after a crash only delays
 * work.  `retry` repeats once on a connection found dead (for idempotent
 * statements), so a PostgreSQL restart costs no call.  NULL with the
 * thread's error set on failure. */
PGresult *wvl_jobs__sys_exec(wvl_ctx *ctx, const char *sql, int nparams,
			     const char *const *params, bool sync_commit, bool retry);

/* wvl_scheduler_define's work (checks included, not the actor's) inside
 * the caller's open transaction on `conn`, so a schedule exists exactly
 * when what it belongs to (an automation rule) commits. */
int wvl_jobs__schedule_define_tx(wvl_ctx *ctx, PGconn *conn, const wvl_scheduler_def *def);

/* [a-z][a-z0-9_.]{0,62} (kinds) or [a-z0-9][a-z0-9_.-]{0,62} (queues). */
bool wvl_jobs__valid_kind(const char *s);
bool wvl_jobs__valid_queue(const char *s);
/* A JSON object of at most 256 KiB. */
bool wvl_jobs__valid_args(const char *json);

/* For a worker in an event loop (worker_step.c): the listener's socket, -1
 * while unconnected, and a count that changes with every new connection
 * (a new socket may reuse the old one's number). */
int wvl_jobs__listener_socket(const wvl_jobs_listener *l, unsigned *out_generation);
/* Without waiting: connects when unconnected (at most once a second),
 * reads the socket when `readable`, and takes the notifications libpq has
 * (including those read during the session's own statements); forgets the
 * hints of the previous call.  True when something arrived (or the
 * connection was made or lost: the queue may have moved meanwhile). */
bool wvl_jobs__listener_consume(wvl_jobs_listener *l, bool readable);

/* The listener's payloads (listener.c), internal rather than static so
 * they are fuzzed without a database (tests/fuzz/fuzz_notify.c).  Any
 * session of the database may NOTIFY, so both are as strict as a claimed
 * row.  parse_hint: "<queue> <id>" on wvl_jobs into queue and id; false
 * otherwise (a bare queue names no job).  parse_push: "id lease attempt
 * max_attempts priority run_at_us queue kind client|- args" into `j`
 * (j->args_json is then the caller's); `payload` is cut up in place. */
bool wvl_jobs__parse_hint(char queue[64], char id[37], const char *payload);
bool wvl_jobs__parse_push(wvl_job *j, char *payload, int64_t now);
/* An array of `n` (>= 1) zeroed jobs of this library's version, as
 * wvl_jobs_claim hands them out: one block holding `n` pointers and then
 * the `n` jobs they point to, in order, so the library's own callers may
 * also walk the jobs as a flat array from jobs[0].  Freed with
 * wvl_jobs_free.  NULL when out of memory. */
wvl_job **wvl_jobs__array(size_t n);
/* A job as the library hands them out: of a version it knows, with a
 * uuid id and lease (what every fenced update checks first). */
bool wvl_jobs__claimed(const wvl_job *j);
/* Frees a flat array of jobs (the listener's pushed jobs) and their args. */
void wvl_jobs__free_flat(wvl_job *jobs, size_t count);

/* ---- built-in job kinds (builtin.c) ---- */

/* Integer member `key` of the job's args when it is one within [lo, hi];
 * `def` otherwise (missing, another type, out of range, unreadable args). */
long long wvl_jobs__arg_int(const wvl_job *job, const char *key, long long lo, long long hi,
			    long long def);
/* Ends a built-in handler whose library call returned `rc` with a report
 * (JSON text, may be NULL; freed here): the report goes to the job's log;
 * a failure's message is the thread's last error. */
int wvl_jobs__report(char **out_error, wvl_worker_task *run, int rc, char *report);

/* Default backoff before attempt `attempt` + 1, in microseconds. */
int64_t wvl_jobs__backoff(const wvl_ctx *ctx, int attempt);

/* ---- backups (maint.c, backup_run.c) ---- */

/* wvl_maint_backup_database's work.  `job_id` (NULL: none) is the
 * backup_database job running it: when an earlier attempt of that job
 * made a dump whose post-backup command failed (its .post-failed marker
 * names the job), this attempt runs the command again on that dump
 * instead of making another one. */
int wvl_maint__backup(char **out_json, wvl_ctx *ctx, const char *job_id);

#define WVL_RUN_TAIL 513 /* bytes of stdout / stderr kept, plus the NUL */

/* What a bounded program (pg_dump, WL_BACKUP_POST_COMMAND) did. */
struct wvl_run_result {
	bool ran;		     /* the key is set: it was run (or tried) */
	bool ok;		     /* it exited with status 0 in time */
	char status[160];	     /* "exited with status 3", "did not finish ..." */
	char out_tail[WVL_RUN_TAIL + 3]; /* the end of its stdout, one line */
	char err_tail[WVL_RUN_TAIL + 3]; /* likewise stderr */
};

/* Runs WL_BACKUP_POST_COMMAND (unset or empty: nothing, `res->ran`
 * false) as /bin/sh -c COMMAND wl-backup-post DUMP SUM, with
 * WL_BACKUP_FILE=DUMP and WL_BACKUP_CHECKSUM_FILE=SUM in its environment,
 * stdin /dev/null, in its own process group; stopped (SIGTERM to the
 * group, SIGKILL 5 s later) once WL_BACKUP_POST_TIMEOUT seconds have
 * passed, both measured on the context's clock.  0 when it exited with status 0 (or did
 * not run); WVL_EUNAVAILABLE otherwise, `res` saying how. */
int wvl_maint__post_command(struct wvl_run_result *res, wvl_ctx *ctx, const char *dump,
			    const char *sum);

/* Our environment with `vars` ("NAME=value", NULL-terminated) set,
 * whatever those names were; the array (not its strings) is malloc'd. */
char **wvl_maint__env_with(char *const vars[]);

/* Runs `argv` (argv[0] looked up in PATH unless it has a '/') with `vars`
 * ("NAME=value", NULL-terminated) added to the environment, in its own
 * process group with stdin from /dev/null, and stops it (SIGTERM, SIGKILL
 * 5 s later) once `bound` seconds of the context's clock have passed,
 * `bound_key` naming the setting in the status.  0 when it exited with
 * status 0; -1 otherwise, `res` saying how (no error is set). */
int wvl_maint__run_bounded(struct wvl_run_result *res, wvl_ctx *ctx, char *const argv[],
			   char *const vars[], const char *bound_key, int64_t bound);

/* The jobs runtime's keys (config_keys.c). */
extern const struct wvl_config_keyset wvl_jobs__keys;
extern const struct wvl_module wvl_jobs__module;

#endif
