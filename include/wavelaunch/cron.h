/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_CRON_H
#define WAVELAUNCH_CRON_H

/*
 * Cron expressions, the schedules table and the scheduler.
 *
 * Expressions have the five classic fields — minute (0-59), hour (0-23),
 * day of month (1-31), month (1-12 or jan-dec), day of week (0-7 or
 * sun-sat, 0 and 7 both Sunday) — each `*`, a value, a range `a-b`, a step
 * `*` / `a-b` / `a` followed by `/n`, or a comma list of those; or one of
 * @yearly @annually @monthly @weekly @daily @midnight @hourly.  As in
 * Vixie cron, when both day fields are restricted a day matches either.
 *
 * Time zones are IANA names read from the system's zoneinfo ("UTC" when
 * NULL or empty).  A wall-clock time that a DST change skips fires shifted
 * later by the length of the gap (02:30 becomes 03:30); one that occurs
 * twice fires at its first occurrence only.
 *
 * A wvl_cron is immutable once parsed and may be shared between threads.
 * A wvl_scheduler is used by one thread at a time.
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wvl_cron wvl_cron;

/**
 * Parses an expression (at most 255 bytes).  WVL_EINVAL with a message
 * naming the field that is wrong.
 */
WVL_EXTERN int wvl_cron_parse(wvl_cron **out, const char *expr) WVL_WARN_UNUSED;
WVL_EXTERN void wvl_cron_free(wvl_cron *cron);

/**
 * The first firing strictly after `after` (microseconds since the epoch),
 * in microseconds, in time zone `tz`.  WVL_ENOTFOUND when there is none
 * within 8 years (e.g. "0 0 30 2 *"), WVL_EINVAL for an unknown zone or an
 * `after` outside the years 1 to 9999.
 */
WVL_EXTERN int wvl_cron_next(int64_t *out, const wvl_cron *cron, const char *tz,
			     int64_t after) WVL_WARN_UNUSED;

/** A schedule: fires a job of `job_kind` with `args_json` on `cron`. */
typedef struct wvl_schedule_def {
	unsigned int version;
	const char *name;          /**< unique, 1-100 bytes */
	const char *cron;
	const char *timezone;      /**< NULL: "UTC" */
	const char *job_kind;
	const char *args_json;     /**< NULL: {} */
	const char *missed_policy; /**< "skip" (NULL) or "run_once" */
	int enabled;
} wvl_schedule_def;

#define WVL_SCHEDULE_DEF_VERSION 1
#define WVL_SCHEDULE_DEF_INIT {WVL_SCHEDULE_DEF_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 1}

/**
 * Creates or replaces the schedule named def->name (admin or system).  The
 * next firing is computed from now.  Returns 0, WVL_EVALIDATION (with field
 * errors), WVL_EFORBIDDEN, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_schedule_define(wvl_ctx *ctx, const wvl_actor *actor,
				   const wvl_schedule_def *def) WVL_WARN_UNUSED;

typedef struct wvl_scheduler wvl_scheduler;

/**
 * A scheduler candidate.  `owner` names it in logs and in
 * pg_stat_activity (application_name "wvl-scheduler:<owner>").  Makes no
 * connection yet.
 */
WVL_EXTERN int wvl_scheduler_new(wvl_scheduler **out, wvl_ctx *ctx, const char *owner)
	WVL_WARN_UNUSED;

/** Gives up leadership (closes its connection) and frees.  Accepts NULL. */
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
 * NULL) the number of jobs enqueued.  Losing the connection loses the
 * leadership; the next round tries again.
 */
WVL_EXTERN int wvl_scheduler_tick(int *out_leader, int *out_fired, wvl_scheduler *s)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
