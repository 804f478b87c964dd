/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_AUTOMATION_H
#define WAVELAUNCH_AUTOMATION_H

/*
 * Automation of the client journey.  When a client finishes onboarding,
 * the journey enqueues the generation of deliverable M1 at once and of
 * M2..M8 on the client's timeline (milestone k is due k-1 months after the
 * client's start date), and a reminder email `reminder_days` before each
 * milestone.  The jobs are enqueued by kind — "deliverable_generate"
 * {client_id, milestone} and "email_send" {template:"milestone_reminder",
 * client_id, milestone, due_date} — for the modules that own those kinds.
 * Each has the unique key "journey:<client>:m<k>:<step>", so planning twice
 * never doubles work; milestones already generated are skipped.
 *
 * Rules (automation_rules) tune it: the global rule named "client_journey"
 * on trigger "client.onboarded" (client_id absent) applies to everyone; a
 * rule with the same name and trigger for one client overrides it.  Its
 * config: {"reminder_days": 0-60, "start": "YYYY-MM-DD",
 * "milestones": {"3": "YYYY-MM-DD", ...}}; "enabled": false turns the
 * journey off.  Every run leaves a row in automation_logs (status, error,
 * duration).
 *
 * Journey calls take a team actor (admin, staff or system); rules and logs
 * are admin (or system) only; anyone else (a NULL actor too) gets
 * WVL_EFORBIDDEN.  Every call may also return WVL_EUNAVAILABLE when
 * PostgreSQL cannot be reached and WVL_EINTERNAL for an unexpected
 * failure; on failure *out_json is NULL and nothing is planned.
 *
 * Thread-safety: every call is thread-safe with a shared context.
 * Strings returned through `out_json` are the caller's (wvl_free).
 */

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Plans the journey of a client (in a transaction of its own; other
 * modules plan inside theirs through the internal
 * wvl_automation__client_onboarded_tx).  `*out_json` (may be NULL):
 * {"status":"success"|"skipped","enqueued":n}, the caller's (wvl_free);
 * a paused client or a disabled rule is "skipped".  A failed run other
 * than ENOTFOUND/EUNAVAILABLE leaves a "failure" row in automation_logs.
 * Returns 0, WVL_EINVAL (NULL ctx or client_id), WVL_EFORBIDDEN,
 * WVL_ENOTFOUND (no such client, or not a uuid), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_automation_client_onboarded(char **out_json, wvl_ctx *ctx,
					       const wvl_actor *actor, const char *client_id)
	WVL_WARN_UNUSED;

/**
 * Pauses a client's automation: its pending journey jobs are cancelled and
 * nothing is planned until it resumes; an automation_logs row records how
 * many.  Idempotent.  Returns 0; WVL_EINVAL (NULL ctx or client_id);
 * WVL_EFORBIDDEN; WVL_ENOTFOUND (no such client, or not a uuid);
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_automation_pause(wvl_ctx *ctx, const wvl_actor *actor,
				    const char *client_id) WVL_WARN_UNUSED;

/**
 * Resumes a client's automation and plans its journey again from now:
 * milestones already generated are skipped, overdue ones are generated at
 * once, reminders already past are dropped.  `*out_json` (may be NULL) is
 * as for wvl_automation_client_onboarded, the caller's (wvl_free).
 * Returns what that returns: 0, WVL_EINVAL, WVL_EFORBIDDEN, WVL_ENOTFOUND,
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_automation_resume(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				     const char *client_id) WVL_WARN_UNUSED;

/**
 * Creates or replaces a rule from JSON: {"name", "trigger", "action_kind",
 * "client_id" (optional), "schedule" (optional cron), "config" (object),
 * "enabled" (default true)}.  Triggers: "client.onboarded",
 * "deliverable.ready", "schedule".  `*out_json` is the stored rule, the
 * caller's (wvl_free).  Returns 0, WVL_EVALIDATION (field errors),
 * WVL_EINVAL (a NULL argument, or text that is not a JSON object of at
 * most 64 KiB), WVL_EFORBIDDEN, WVL_ENOTFOUND (no such client).
 */
WVL_EXTERN int wvl_automation_rule_set(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				       const char *rule_json) WVL_WARN_UNUSED;

/**
 * Rules (admin only), the global ones first, then by client and name: a
 * top-level list (`scope_id` NULL; the rules of query.h).  Filter:
 * client_id (that client's rules and the global ones).  Returns 0 with a
 * page, the caller's (wvl_free); WVL_EINVAL for a NULL out_json or ctx, a
 * scope, or (slug "bad_request") a query it does not take;
 * WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_automation_rules_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					 const char *scope_id, const wvl_query *query)
	WVL_WARN_UNUSED;

/**
 * Automation history (admin only), newest first: {id, rule_id, client_id,
 * job_id, action, status, error, duration_ms, detail, created_at} items;
 * a top-level list (`scope_id` NULL; the rules of query.h).  Filter:
 * client_id.  Returns 0 with a page, the caller's (wvl_free); WVL_EINVAL
 * as for wvl_automation_rules_list; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_automation_logs_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					const char *scope_id, const wvl_query *query)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
