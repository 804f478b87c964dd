/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_SCHEDULER_H
#define WAVELAUNCH_SCHEDULER_H

/*
 * Schedules (the schedules table) and the scheduler that fires them: one
 * leader among every candidate, each firing exactly once.  Schedules are
 * written in cron.h's expressions.
 *
 * Thread-safety: wvl_scheduler_define may run on any thread with a shared
 * context.  A wvl_scheduler is used by one thread at a time (it owns one
 * PostgreSQL connection); several schedulers, in one process or many, may
 * tick concurrently: only the leader fires.
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A schedule: fires a job of `job_kind` with `args_json` on `cron`. */
typedef struct wvl_scheduler_def {
	unsigned int version;
	const char *name;          /**< unique, 1-100 bytes */
	const char *cron;
	const char *timezone;      /**< NULL: "UTC" */
	const char *job_kind;
	const char *args_json;     /**< NULL: {} */
	const char *missed_policy; /**< "skip" (NULL) or "run_once" */
	int enabled;
} wvl_scheduler_def;

#define WVL_SCHEDULER_DEF_VERSION 1
#define WVL_SCHEDULER_DEF_INIT {WVL_SCHEDULER_DEF_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 1}

/**
 * Creates or replaces the schedule named def->name (admin or system).  The
 * next firing is computed from now (the context's clock).  The strings of
 * `def` are only read during the call.
 *
 * Returns 0; WVL_EINVAL for a NULL ctx or def; WVL_EFORBIDDEN for any
 * other actor (NULL, anonymous, client, staff); WVL_EVALIDATION with field
 * errors for a bad name (also reported for a def->version other than
 * WVL_SCHEDULER_DEF_VERSION), job_kind, args (not a JSON object),
 * missed_policy, cron expression or time zone; WVL_ENOTFOUND when the
 * expression never fires within 8 years (wvl_cron_next); WVL_EUNAVAILABLE
 * when PostgreSQL cannot be reached; WVL_ECONFLICT or WVL_EINTERNAL when
 * the write fails.
 */
WVL_EXTERN int wvl_scheduler_define(wvl_ctx *ctx, const wvl_actor *actor,
				    const wvl_scheduler_def *def) WVL_WARN_UNUSED;

typedef struct wvl_scheduler wvl_scheduler;

/**
 * Makes a scheduler candidate.  `owner` (NULL: "scheduler"; copied, kept
 * to its first 40 characters of [A-Za-z0-9:._-]) names it in logs and in
 * pg_stat_activity (application_name "wvl-scheduler:<owner>").  Makes no
 * connection yet.  `ctx` must outlive the scheduler.
 *
 * Returns 0 with *out owned by the caller (free with wvl_scheduler_free);
 * WVL_EINVAL for a NULL out or ctx; WVL_EINTERNAL when memory runs out.
 */
WVL_EXTERN int wvl_scheduler_new(wvl_scheduler **out, wvl_ctx *ctx, const char *owner)
	WVL_WARN_UNUSED;

/**
 * Gives up leadership (unlocks, then closes its connection) and frees.
 * Accepts NULL.  Not to be called while another thread ticks it.
 */
WVL_EXTERN void wvl_scheduler_free(wvl_scheduler *s);

/**
 * One round: becomes the leader when no one else is (a session advisory
 * lock on a connection of its own, so a leader that dies releases it),
 * adds the built-in schedules when missing, then fires every due schedule.
 * Each firing advances the schedule's next_fire_at (compare-and-set) and
 * enqueues its job with the unique key "cron:<name>:<fire time>" in one
 * transaction, so a firing happens exactly once.  Firings older than
 * WL_SCHEDULER_GRACE seconds were missed: "skip" drops them, "run_once"
 * runs one job for the latest.
 * `*out_leader` (may be NULL) is 1 while leading; `*out_fired` (may be
 * NULL) the number of jobs enqueued (both 0 on failure).  A schedule
 * whose expression no longer parses, whose zone is unknown or that never
 * fires again is disabled (and logged).  Losing the connection loses the
 * leadership; the next round tries again.
 *
 * Returns 0 (also when another candidate leads); WVL_EINVAL for a NULL
 * `s`; WVL_EUNAVAILABLE when PostgreSQL cannot be reached or the
 * connection is lost while firing (leadership dropped); WVL_EINTERNAL or
 * WVL_ECONFLICT when taking the lock or adding the built-in schedules
 * fails.  Other failures of a single firing are left for the next round
 * (logged, not returned).
 */
WVL_EXTERN int wvl_scheduler_tick(int *out_leader, int *out_fired, wvl_scheduler *s)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
