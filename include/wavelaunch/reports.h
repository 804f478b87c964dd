/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_REPORTS_H
#define WAVELAUNCH_REPORTS_H

/*
 * Scheduled reports: an admin's analytics report (analytics.h, export.h)
 * mailed as attachments on a cron schedule (cron.h).  Each schedule is
 * fired by the scheduler (scheduler.h; its cron_schedules row is named
 * "report:<id>") as a "report_send" job, which builds the export of each
 * format as the schedule's owner, stores it as a generated file (files.h)
 * and queues one email per recipient (template analytics_report,
 * transactional: an admin chose the recipients and stops it by editing the
 * schedule) carrying the files.
 *
 * A schedule is a JSON object: id, name, cron (five fields or @nickname),
 * timezone (IANA), period (current_month, previous_month, last_3_months,
 * last_12_months or year_to_date: months of the firing's date in the
 * schedule's zone), formats (csv, xlsx; pdf is refused until the
 * analytics PDF export lands), recipients (1 to 20 addresses), active,
 * user_id (the admin who owns it, as whom the report is built), next_run_at
 * (null when inactive), last_run_at, created_at, updated_at.
 *
 * Admins only (and the system actor, which can read but, owning nothing,
 * not create): staff and client users get WVL_EFORBIDDEN, anonymous ones
 * WVL_EUNAUTHENTICATED.  Every call may also return WVL_EINVAL for a NULL
 * out_json, ctx or actor, WVL_EUNAVAILABLE when PostgreSQL cannot be
 * reached and WVL_EINTERNAL for an unexpected failure; on failure
 * *out_json is NULL and nothing changed.
 *
 * Thread-safety: every call may be made from any thread with a shared
 * context.  Strings returned through out_json are the caller's, freed with
 * wvl_free.
 */

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Creates a schedule owned by the calling admin from `body_json`:
 * {"name" (1-200 characters, default "Analytics report"), "cron"
 * (required), "timezone" (default "UTC"), "period" (default
 * "previous_month"), "formats" (default ["xlsx"]), "recipients"
 * (required), "active" (default true)}.  `*out_json` receives the
 * schedule (the caller's, wvl_free).  Returns 0; WVL_EVALIDATION naming the field (a cron
 * expression that does not parse or never fires, an unknown zone, a bad
 * or repeated address, an unknown or unavailable format, an unknown
 * period, an unknown field); WVL_EINVAL for malformed JSON;
 * WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_reports_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *body_json) WVL_WARN_UNUSED;

/**
 * The schedules, newest first, as {"data":[schedule...],"next_cursor":...}
 * (query.h; filter "active": true or false).  A top-level list: `scope_id`
 * must be NULL.  Returns 0 with the page (the caller's, wvl_free); WVL_EINVAL
 * for a scope or (slug "bad_request") a query the list does not take;
 * WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_reports_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * One schedule.  Returns 0 with it (the caller's, wvl_free); WVL_ENOTFOUND
 * for an unknown id (or one that is not a uuid); WVL_EFORBIDDEN;
 * WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_reports_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *id) WVL_WARN_UNUSED;

/**
 * Changes the fields `body_json` holds (those of wvl_reports_create, none
 * required, at least one); the next firing is computed again from now.
 * Returns 0 with the schedule (the caller's, wvl_free); the errors of
 * wvl_reports_create; WVL_ENOTFOUND for an unknown id.
 */
WVL_EXTERN int wvl_reports_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Deletes a schedule and its firing (a report already being built still
 * goes out).  Returns 0; WVL_ENOTFOUND; WVL_EFORBIDDEN;
 * WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_reports_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
