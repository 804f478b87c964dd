/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_AUTOMATION_INTERNAL_H
#define WVL_AUTOMATION_INTERNAL_H

/* Internal: the journey inside another module's open transaction, so its
 * jobs and log rows exist exactly when that module's change commits.  Each
 * runs as the system for its own statements (a client user finishing the
 * onboarding wizard starts the journey, yet may not read rules, jobs or
 * logs) and puts the caller's role back before returning.  A failure
 * leaves the caller's transaction aborted; the caller rolls back. */

#include <jansson.h>

#include "../core/pg.h"
#include "wavelaunch/worker.h"

/* One automation_logs row (rule_id and job_id may be NULL or ""). */
struct wvl_automation_log {
	const char *rule_id, *client_id, *job_id, *action, *status, *error;
	int64_t started; /* the run's start (its duration is up to now) */
	const char *detail; /* a JSON object, NULL: {} */
};
int wvl_automation__log(wvl_ctx *ctx, PGconn *conn, const struct wvl_automation_log *l);

/* Runs, as the system already, the actions of the enabled rules of
 * `trigger` in force for the client (its own rule of a name wins over the
 * global one; the journey rule is not an action), only `rule_id`'s when
 * not NULL; nothing for a paused, archived or churned client.  `event`
 * (may be NULL) adds its members to each job's args; `event_key` (NULL:
 * the clock) tells occurrences apart in the jobs' unique keys.  One log
 * row per rule run.  `*out_runs` (may be NULL): how many ran. */
int wvl_automation__run_rules_tx(int *out_runs, wvl_ctx *ctx, PGconn *conn, const char *trigger,
				 const char *rule_id, const char *client_id, const json_t *event,
				 const char *event_key);

/* A client was onboarded (its status became onboarding or active, or it
 * finished the onboarding wizard): the business plan's generation, and the
 * milestones too when a plan is already approved.  `*out_enqueued` (may be
 * NULL) counts the jobs; `*out_skipped` (may be NULL) is 1 when paused,
 * disabled or archived.  The log row (action "client_journey") is written
 * in the same transaction, and the client.onboarded rules run. */
int wvl_automation__client_onboarded_tx(int *out_enqueued, int *out_skipped, wvl_ctx *ctx,
					PGconn *conn, const char *client_id);

/* A business plan of the client was approved: M1 now, M2..M8 on the
 * timeline, reminders (log action "plan_approved"). */
int wvl_automation__plan_approved_tx(int *out_enqueued, wvl_ctx *ctx, PGconn *conn,
				     const char *client_id);

/* Pauses (the flag, pending journey jobs cancelled, log "pause");
 * WVL_ENOTFOUND for no such client. */
int wvl_automation__pause_tx(int *out_cancelled, wvl_ctx *ctx, PGconn *conn,
			     const char *client_id);

/* Resumes (the flag cleared, the journey planned again from now without
 * what is done, log "resume"). */
int wvl_automation__resume_tx(int *out_enqueued, int *out_skipped, wvl_ctx *ctx, PGconn *conn,
			      const char *client_id);

/* Deliverable M`milestone` of the client became ready: a log row
 * ("deliverable_ready") and the deliverable.ready rules' actions. */
int wvl_automation__deliverable_ready_tx(wvl_ctx *ctx, PGconn *conn, const char *client_id,
					 const char *deliverable_id, int milestone);

/* After a journey rule changed: every client with pending journey
 * milestone jobs (only `client_id`'s when not NULL) has them cancelled and
 * planned again under the rule now in force (log "replan").
 * `*out_clients` (may be NULL): how many clients. */
int wvl_automation__replan_tx(int *out_clients, wvl_ctx *ctx, PGconn *conn,
			      const char *client_id);

/* The automation_run job kind: {"rule_id"}, what a schedule rule's
 * schedule fires (rules.c keeps the schedule "automation:<rule id>"). */
int wvl_automation__job_run(char **out_error, wvl_worker_task *run, void *payload);

/* Checks a rule's action against its trigger (rules.c): NULL when fine,
 * else a field error object as text. */
const char *wvl_automation__check_action(const char *name, const char *trigger,
					 const char *action_kind, const json_t *cfg);

#endif
