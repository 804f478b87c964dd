/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_AUTOMATION_H
#define WAVELAUNCH_AUTOMATION_H

/*
 * Automation of the client journey, from onboarding to the last milestone:
 *
 *   onboarded -> business plan generated -> plan approved -> M1 generated at
 *   once, M2..M8 on the timeline -> a reminder before each -> ready -> the
 *   client emailed and notified.
 *
 * A client is onboarded when its status becomes onboarding or active
 * (clients.h, on create or update) or when a client user finishes the
 * onboarding wizard (onboarding.h); that queues "business_plan_generate"
 * {client_id} unless a plan version exists already.  Approving a plan
 * (plans.h) queues "deliverable_generate" {client_id, milestone} for M1 at
 * once and for M2..M8 on the client's timeline (milestone k at k-1 months
 * after the start date; overdue ones at once), and "email_send"
 * {template:"milestone_reminder", client_id, milestone, due_date}
 * `reminder_days` before each (not for M1, not when already past).  Every
 * job has the unique key "journey:<client>:plan:generate" or
 * "journey:<client>:m<k>:generate|reminder", so planning twice never
 * doubles work; a milestone already generated (its deliverable past
 * planned, or its job completed) is skipped.  Marking a deliverable ready
 * (deliverables.h) emails and notifies the client's users.  All of it
 * happens in the transaction of the change that caused it, and every step
 * writes an automation_logs row (action client_journey, plan_approved,
 * pause, resume, replan, deliverable_ready, or a rule's action kind).
 *
 * Pausing (here, or POST /api/clients/{id}/automation/pause) cancels the
 * client's queued journey jobs; resuming plans again from now without the
 * steps already done.
 *
 * Rules (automation_rules) tune it and add actions.  The rule named
 * "client_journey" on trigger "client.onboarded" is the journey itself:
 * the global one (client_id absent) applies to everyone, a client's own
 * overrides it; its config: {"reminder_days": 0-60, "start": "YYYY-MM-DD",
 * "milestones": {"3": "YYYY-MM-DD", ...}}; "enabled": false turns the
 * journey off.  Saving it re-plans the queued journey jobs of the clients
 * it covers (cancelled and planned again under the new rule).
 *
 * Every other rule is an action run when its trigger fires for a client:
 * "client.onboarded", "deliverable.ready" (the deliverable's id and
 * milestone join the job's args) or "schedule" (its "schedule", a cron
 * expression in UTC, fires the "automation_run" job, which runs it for the
 * rule's client or for every onboarding or active client).  A client's
 * own rule of a name overrides (or, disabled, silences) the global rule of
 * that name; paused, archived and churned clients run none.  The action
 * kinds:
 *   - "email_send": config {"template": "automation_message" (with
 *     "subject", 1-200 bytes on one line, and "message", 1-5000 bytes),
 *     "weekly_summary", or "deliverable_ready" (deliverable.ready only)},
 *     mailed to the client's portal users under their preferences;
 *   - "notification_create": config {"title": 1-140 bytes on one line,
 *     "message": up to 1000 bytes, "audience": "client" (default), "team"
 *     or "admins"}, an in-app notification of type "automation".
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
 * Starts (or continues) the journey of a client as if it were onboarded
 * now, in a transaction of its own (other modules do it inside theirs
 * through the internal wvl_automation__client_onboarded_tx): the plan's
 * generation unless a version exists, the milestones when a plan is
 * approved, the client.onboarded rules (each once per client: calling
 * again for a client already onboarded enqueues nothing twice and runs no
 * rule again).  `*out_json` (may be NULL):
 * {"status":"success"|"skipped","enqueued":n}, the caller's (wvl_free); a
 * paused, archived or churned client or a disabled journey rule is
 * "skipped".  A failed run other than ENOTFOUND/EUNAVAILABLE leaves a
 * "failure" row in automation_logs.
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
 * the plan's generation only when no version exists, milestones already
 * generated are skipped, overdue ones are generated at once, reminders
 * already past are dropped; a log row.  `*out_json` (may be NULL) is as
 * for wvl_automation_client_onboarded, the caller's (wvl_free).  Returns
 * what that returns: 0, WVL_EINVAL, WVL_EFORBIDDEN, WVL_ENOTFOUND,
 * WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_automation_resume(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				     const char *client_id) WVL_WARN_UNUSED;

/**
 * Creates or replaces a rule (by client, trigger and name) from JSON:
 * {"name", "trigger", "action_kind", "client_id" (optional), "schedule"
 * (cron, required for "schedule"), "config" (object), "enabled" (default
 * true)}, checked as described above.  In the same transaction a schedule
 * rule's schedule is defined, and a journey rule re-plans the queued
 * journey jobs.  `*out_json` is the stored rule, the caller's (wvl_free).
 * Returns 0, WVL_EVALIDATION (field errors), WVL_EINVAL (a NULL argument,
 * or text that is not a JSON object of at most 64 KiB), WVL_EFORBIDDEN,
 * WVL_ENOTFOUND (no such client), WVL_EUNAVAILABLE.
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
