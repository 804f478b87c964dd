/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The client journey and its rules.  Planning is a pure function of the
 * client's timeline, its rule and what is already done, and every job it
 * enqueues carries a unique key: planning again (after a resume, a retry,
 * a second onboarding event) adds only what is missing. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../jobs/jobs.h"
#include "automation.h"
#include "wavelaunch/automation.h"

#define DAY INT64_C(86400000000)

/* ---- the system's role inside the caller's transaction ---------------------- */

/* Runs as the system from here, remembering the caller's role. */
static int as_system(char prev[16], wvl_ctx *ctx, PGconn *conn)
{
	PGresult *r = wvl_pg__exec(ctx, conn,
				   "SELECT coalesce(current_setting('wvl.actor_role', true), ''),"
				   " set_config('wvl.actor_role', 'system', true)", 0, NULL);
	if (!r)
		return wvl_error_last()->code;
	snprintf(prev, 16, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* Puts the caller's role back; `rc` is what the work returned. */
static int as_caller(int rc, wvl_ctx *ctx, PGconn *conn, const char prev[16])
{
	if (rc)
		return rc;
	const char *p[] = {prev};
	PGresult *r = wvl_pg__exec(ctx, conn, "SELECT set_config('wvl.actor_role', $1, true)", 1, p);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

/* ---- planning ----------------------------------------------------------------- */

/* When milestone `k` is due (a SQL expression over c, r and k): the
 * rule's date for it, else wvl_milestone_due (0022) from the rule's start,
 * else the deliverable's own due_date (made by the same function from the
 * client's start, or moved by the team), else the function from the
 * client's start.  Milestone 0 is the start. */
#define DUE(k)                                                                               \
	"coalesce((r.config->'milestones'->>(" k ")::text)::date,"                           \
	" wvl_milestone_due((r.config->>'start')::date, " k "),"                             \
	" (SELECT d.due_date FROM deliverables d WHERE d.client_id = c.id"                   \
	"   AND d.milestone = " k "), wvl_milestone_due(c.start, " k "))"

/* One row per milestone: off (paused or gone), enabled, rule id, reminder
 * days, k, due date, done, whether a plan is approved, whether the plan's
 * generation is done (a version exists or its job completed), whether the
 * client is still a lead, and the previous milestone's due date (when
 * this one's draft is written).  The client's override rule wins over the
 * global one. */
static const char plan_sql[] =
	"WITH c AS (SELECT id, automation_paused OR status IN ('archived', 'churned') AS off,"
	"   status = 'lead' AS lead,"
	"   coalesce(start_date, (created_at AT TIME ZONE 'UTC')::date) AS start"
	"   FROM clients WHERE id = $1::uuid),"
	" r AS (SELECT id, config, enabled FROM automation_rules"
	"   WHERE trigger = 'client.onboarded' AND name = 'client_journey'"
	"     AND (client_id = $1::uuid OR client_id IS NULL)"
	"   ORDER BY client_id NULLS LAST LIMIT 1),"
	" p AS (SELECT coalesce(bool_or(status = 'approved'), false) AS approved, count(*) > 0 AS any"
	"   FROM business_plans WHERE client_id = $1::uuid)"
	" SELECT c.off, coalesce(r.enabled, true), r.id,"
	"   coalesce((r.config->>'reminder_days')::int, $2::int), k,"
	"   to_char(" DUE("k") ", 'YYYY-MM-DD'),"
	"   EXISTS (SELECT 1 FROM deliverables d WHERE d.client_id = c.id AND d.milestone = k"
	"            AND d.status <> 'planned')"
	"   OR EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'completed'"
	"            AND j.unique_key = 'journey:' || c.id || ':m' || k || ':generate'),"
	"   p.approved, p.any OR EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'completed'"
	"            AND j.unique_key = 'journey:' || c.id || ':plan:generate'), c.lead,"
	"   to_char(" DUE("k - 1") ", 'YYYY-MM-DD')"
	" FROM c CROSS JOIN p LEFT JOIN r ON true CROSS JOIN generate_series(1, 8) k ORDER BY k";

static int64_t date_usec(const char *ymd)
{
	struct tm tm = {0};
	if (sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000;
}

/* Enqueues one step of the journey under the key "journey:<client>:<step>". */
static int enqueue_step(int *count, wvl_ctx *ctx, PGconn *conn, const char *client_id,
			const char *step, const char *kind, const char *args, int64_t run_at)
{
	char key[128];
	snprintf(key, sizeof(key), "journey:%s:%s", client_id, step);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.unique_key = key;
	o.client_id = client_id;
	o.run_at = run_at;
	o.queue = "automation";
	int created = 0;
	int rc = wvl_jobs__enqueue_tx(NULL, &created, ctx, conn, kind, args, &o);
	*count += rc == 0 && created;
	return rc;
}

/* Milestone k: its draft written when the previous one is due (M1, and
 * any whose moment has passed, now), and its reminder `days` before its
 * own due date, unless that moment has passed. */
static int plan_milestone(int *count, wvl_ctx *ctx, PGconn *conn, const char *client_id,
			  int k, const char *due, const char *opens, int days)
{
	int64_t now = wvl_now(ctx), draft = date_usec(opens);
	char args[256], step[32];
	snprintf(args, sizeof(args), "{\"client_id\":\"%s\",\"milestone\":%d}", client_id, k);
	snprintf(step, sizeof(step), "m%d:generate", k);
	int rc = enqueue_step(count, ctx, conn, client_id, step, "deliverable_generate", args,
			      k == 1 || draft < now ? now : draft);
	int64_t remind = date_usec(due) - days * DAY;
	if (rc || remind <= now)
		return rc;
	snprintf(args, sizeof(args),
		 "{\"template\":\"milestone_reminder\",\"client_id\":\"%s\",\"milestone\":%d,"
		 "\"due_date\":\"%s\"}", client_id, k, due);
	snprintf(step, sizeof(step), "m%d:reminder", k);
	return enqueue_step(count, ctx, conn, client_id, step, "email_send", args, remind);
}

static const char log_sql[] =
	"INSERT INTO automation_logs (rule_id, client_id, job_id, action, status, error,"
	"                             duration_ms, detail, created_at)"
	" VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7::int, $8::jsonb, $9::timestamptz)";

int wvl_automation__log(wvl_ctx *ctx, PGconn *conn, const struct wvl_automation_log *l)
{
	char now[40], ms[24];
	int64_t t = wvl_now(ctx), d = (t - l->started) / 1000;
	wvl_time__rfc3339(now, sizeof(now), t);
	snprintf(ms, sizeof(ms), "%lld", (long long)(d > 0 ? d : 0));
	const char *params[] = {l->rule_id && *l->rule_id ? l->rule_id : NULL, l->client_id,
				l->job_id && *l->job_id ? l->job_id : NULL, l->action, l->status,
				l->error, ms, l->detail ? l->detail : "{}", now};
	PGresult *r = wvl_pg__exec(ctx, conn, log_sql, 9, params);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

/* What to plan: the whole journey (the plan's generation unless done, the
 * milestones once a plan is approved) or the milestones only. */
enum plan_what { PLAN_JOURNEY, PLAN_MILESTONES };

static int run_plan(int *count, int *skipped, char *rule_id, wvl_ctx *ctx, PGconn *conn,
		    const char *client_id, enum plan_what what)
{
	char days[16];
	snprintf(days, sizeof(days), "%lu",
		 wvl_config__uint(ctx->cfg, "WL_AUTOMATION_REMINDER_DAYS", 3, 61));
	const char *params[] = {client_id, days};
	PGresult *r = wvl_pg__exec(ctx, conn, plan_sql, 2, params);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0;
	bool approved = false;
	if (PQntuples(r) == 0)
		rc = wvl_err__set(WVL_ENOTFOUND, NULL, "no such client");
	else {
		snprintf(rule_id, 37, "%s", PQgetvalue(r, 0, 2));
		/* A lead's approved plan waits for its onboarding, which plans
		 * the milestones then. */
		*skipped = PQgetvalue(r, 0, 0)[0] == 't' || PQgetvalue(r, 0, 1)[0] != 't' ||
			   (what == PLAN_MILESTONES && PQgetvalue(r, 0, 9)[0] == 't');
		approved = PQgetvalue(r, 0, 7)[0] == 't';
	}
	if (rc == 0 && !*skipped && what == PLAN_JOURNEY && PQgetvalue(r, 0, 8)[0] != 't') {
		char args[96];
		snprintf(args, sizeof(args), "{\"client_id\":\"%s\"}", client_id);
		rc = enqueue_step(count, ctx, conn, client_id, "plan:generate",
				  "business_plan_generate", args, wvl_now(ctx));
	}
	for (int i = 0; rc == 0 && !*skipped && approved && i < PQntuples(r); i++)
		if (PQgetvalue(r, i, 6)[0] != 't')
			rc = plan_milestone(count, ctx, conn, client_id, atoi(PQgetvalue(r, i, 4)),
					    PQgetvalue(r, i, 5), PQgetvalue(r, i, 10),
					    atoi(PQgetvalue(r, i, 3)));
	PQclear(r);
	return rc;
}

static int plan_tx(int *out_enqueued, int *out_skipped, wvl_ctx *ctx, PGconn *conn,
		   const char *client_id, const char *action, enum plan_what what)
{
	if (!wvl_uuid_valid(client_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such client");
	int64_t started = wvl_now(ctx);
	int count = 0, skipped = 0;
	char rule_id[37] = "";
	int rc = run_plan(&count, &skipped, rule_id, ctx, conn, client_id, what);
	if (rc)
		return rc;
	char detail[64];
	snprintf(detail, sizeof(detail), "{\"enqueued\":%d}", count);
	struct wvl_automation_log l = {rule_id, client_id, NULL, action,
				       skipped ? "skipped" : "success", NULL, started, detail};
	rc = wvl_automation__log(ctx, conn, &l);
	if (out_enqueued)
		*out_enqueued = count;
	if (out_skipped)
		*out_skipped = skipped;
	return rc;
}

int wvl_automation__client_onboarded_tx(int *out_enqueued, int *out_skipped, wvl_ctx *ctx,
					PGconn *conn, const char *client_id)
{
	char prev[16];
	int skipped = 0, rc = as_system(prev, ctx, conn);
	if (!rc)
		rc = plan_tx(out_enqueued, &skipped, ctx, conn, client_id, "client_journey",
			     PLAN_JOURNEY);
	if (!rc && !skipped)
		rc = wvl_automation__run_rules_tx(NULL, ctx, conn, "client.onboarded", NULL, client_id,
						  NULL, "onboarded");
	if (out_skipped)
		*out_skipped = skipped;
	return as_caller(rc, ctx, conn, prev);
}

int wvl_automation__plan_approved_tx(int *out_enqueued, wvl_ctx *ctx, PGconn *conn,
				     const char *client_id)
{
	char prev[16];
	int rc = as_system(prev, ctx, conn);
	if (!rc)
		rc = plan_tx(out_enqueued, NULL, ctx, conn, client_id, "plan_approved",
			     PLAN_MILESTONES);
	return as_caller(rc, ctx, conn, prev);
}

int wvl_automation__resume_tx(int *out_enqueued, int *out_skipped, wvl_ctx *ctx, PGconn *conn,
			      const char *client_id)
{
	if (!wvl_uuid_valid(client_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such client");
	char prev[16];
	int rc = as_system(prev, ctx, conn);
	const char *params[] = {client_id};
	PGresult *r = rc ? NULL : wvl_pg__exec(ctx, conn, "UPDATE clients SET automation_paused ="
							 " false WHERE id = $1::uuid", 1, params);
	if (!rc && !r)
		rc = wvl_error_last()->code;
	PQclear(r);
	if (!rc)
		rc = plan_tx(out_enqueued, out_skipped, ctx, conn, client_id, "resume", PLAN_JOURNEY);
	return as_caller(rc, ctx, conn, prev);
}

static void commit_or_warn(wvl_ctx *ctx, PGconn *c)
{
	if (wvl_pg__commit(ctx, c) != 0)
		wvl_log(ctx, WVL_LOG_WARN, "automation: the failure log was lost");
}

/* Records a failed run in a transaction of its own, since the run's own
 * transaction was rolled back. */
static void log_failure(wvl_ctx *ctx, const char *client_id, const char *action, int64_t started)
{
	wvl_error saved = *wvl_error_last();
	char msg[256];
	snprintf(msg, sizeof(msg), "%s", saved.message);
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	if (wvl_pg__begin(ctx, &sys, &c) != 0)
		return;
	struct wvl_automation_log l = {NULL, wvl_uuid_valid(client_id) ? client_id : NULL, NULL,
				       action, "failure", msg, started, "{}"};
	if (wvl_automation__log(ctx, c, &l) == 0)
		commit_or_warn(ctx, c);
	else
		wvl_pg__rollback(ctx, c);
	wvl_err__set(saved.code, saved.slug, "%s", msg);
}

static int plan_in_own_tx(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			  const char *client_id, const char *action)
{
	int64_t started = wvl_now(ctx);
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	int count = 0, skipped = 0;
	if (strcmp(action, "resume") == 0)
		rc = wvl_automation__resume_tx(&count, &skipped, ctx, c, client_id);
	else
		rc = wvl_automation__client_onboarded_tx(&count, &skipped, ctx, c, client_id);
	if (rc) {
		wvl_pg__rollback(ctx, c);
		if (rc != WVL_ENOTFOUND && rc != WVL_EUNAVAILABLE)
			log_failure(ctx, client_id, action, started);
		return rc;
	}
	if ((rc = wvl_pg__commit(ctx, c)) != 0)
		return rc;
	if (out_json && !(*out_json = wvl_str__printf("{\"status\":\"%s\",\"enqueued\":%d}",
						    skipped ? "skipped" : "success", count)))
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return 0;
}

/* What every journey entry point checks first. */
static int journey_args_ok(wvl_ctx *ctx, const wvl_actor *actor, const char *client_id)
{
	if (!ctx || !client_id)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and client_id are required");
	if (!wvl_actor__is_team(actor))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only the team runs automation");
	if (!wvl_uuid_valid(client_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such client");
	return 0;
}

int wvl_automation_client_onboarded(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				    const char *client_id)
{
	WVL_ACTOR_GUARD(actor);
	if (out_json)
		*out_json = NULL;
	int rc = journey_args_ok(ctx, actor, client_id);
	if (rc)
		return rc;
	return plan_in_own_tx(out_json, ctx, actor, client_id, "client_journey");
}

int wvl_automation_resume(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			  const char *client_id)
{
	WVL_ACTOR_GUARD(actor);
	if (out_json)
		*out_json = NULL;
	int rc = journey_args_ok(ctx, actor, client_id);
	if (rc)
		return rc;
	return plan_in_own_tx(out_json, ctx, actor, client_id, "resume");
}

/* Pausing cancels the journey's pending jobs and keeps the count for the
 * log. */
static const char pause_sql[] =
	"WITH p AS (UPDATE clients SET automation_paused = true WHERE id = $1::uuid RETURNING id),"
	" c AS (UPDATE jobs SET state = 'cancelled', cancelled_at = $2::timestamptz,"
	"        lease_id = NULL, heartbeat_at = NULL"
	"   WHERE client_id IN (SELECT id FROM p) AND unique_key LIKE 'journey:' || $1 || ':%'"
	"     AND state IN ('scheduled', 'available', 'retryable') RETURNING 1)"
	" SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM c)";

static int pause_as_system(int *out_cancelled, wvl_ctx *ctx, PGconn *conn, const char *client_id)
{
	int64_t started = wvl_now(ctx);
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), started);
	const char *params[] = {client_id, now};
	PGresult *r = wvl_pg__exec(ctx, conn, pause_sql, 2, params);
	if (!r)
		return wvl_error_last()->code;
	bool found = atoi(PQgetvalue(r, 0, 0)) == 1;
	int cancelled = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (!found)
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such client");
	char detail[64];
	snprintf(detail, sizeof(detail), "{\"cancelled\":%d}", cancelled);
	if (out_cancelled)
		*out_cancelled = cancelled;
	struct wvl_automation_log l = {NULL, client_id, NULL, "pause", "success", NULL, started,
				       detail};
	return wvl_automation__log(ctx, conn, &l);
}

int wvl_automation__pause_tx(int *out_cancelled, wvl_ctx *ctx, PGconn *conn,
			     const char *client_id)
{
	if (!wvl_uuid_valid(client_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such client");
	char prev[16];
	int rc = as_system(prev, ctx, conn);
	if (!rc)
		rc = pause_as_system(out_cancelled, ctx, conn, client_id);
	return as_caller(rc, ctx, conn, prev);
}

int wvl_automation_pause(wvl_ctx *ctx, const wvl_actor *actor, const char *client_id)
{
	WVL_ACTOR_GUARD(actor);
	int rc = journey_args_ok(ctx, actor, client_id);
	if (rc)
		return rc;
	PGconn *c;
	if ((rc = wvl_pg__begin(ctx, actor, &c)) != 0)
		return rc;
	if ((rc = wvl_automation__pause_tx(NULL, ctx, c, client_id)) != 0) {
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	return wvl_pg__commit(ctx, c);
}

/* ---- re-planning after a rule changed ------------------------------------------ */

static const char pending_clients_sql[] =
	"SELECT DISTINCT client_id FROM jobs WHERE queue = 'automation'"
	"   AND unique_key LIKE 'journey:%:m%' AND state IN ('scheduled', 'available', 'retryable')"
	"   AND client_id IS NOT NULL AND ($1::uuid IS NULL OR client_id = $1::uuid)";

static const char cancel_milestones_sql[] =
	"UPDATE jobs SET state = 'cancelled', cancelled_at = $2::timestamptz,"
	"   lease_id = NULL, heartbeat_at = NULL"
	" WHERE client_id = $1::uuid AND unique_key LIKE 'journey:' || $1 || ':m%'"
	"   AND state IN ('scheduled', 'available', 'retryable')";

static int replan_one(wvl_ctx *ctx, PGconn *conn, const char *client_id)
{
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *params[] = {client_id, now};
	PGresult *r = wvl_pg__exec(ctx, conn, cancel_milestones_sql, 2, params);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return plan_tx(NULL, NULL, ctx, conn, client_id, "replan", PLAN_MILESTONES);
}

int wvl_automation__replan_tx(int *out_clients, wvl_ctx *ctx, PGconn *conn,
			      const char *client_id)
{
	char prev[16];
	int rc = as_system(prev, ctx, conn);
	const char *params[] = {client_id};
	PGresult *r = rc ? NULL : wvl_pg__exec(ctx, conn, pending_clients_sql, 1, params);
	if (!rc && !r)
		rc = wvl_error_last()->code;
	int n = r ? PQntuples(r) : 0;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = replan_one(ctx, conn, PQgetvalue(r, i, 0));
	PQclear(r);
	if (out_clients)
		*out_clients = n;
	return as_caller(rc, ctx, conn, prev);
}

/* ---- a deliverable became ready ------------------------------------------------ */

int wvl_automation__deliverable_ready_tx(wvl_ctx *ctx, PGconn *conn, const char *client_id,
					 const char *deliverable_id, int milestone)
{
	char prev[16];
	int64_t started = wvl_now(ctx);
	int rc = as_system(prev, ctx, conn), runs = 0;
	json_t *event = json_pack("{s:s, s:i}", "deliverable_id", deliverable_id, "milestone",
				  milestone);
	if (!event && !rc)
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (!rc)
		rc = wvl_automation__run_rules_tx(&runs, ctx, conn, "deliverable.ready", NULL,
						  client_id, event, NULL);
	json_decref(event);
	char detail[160];
	snprintf(detail, sizeof(detail),
		 "{\"milestone\":%d,\"deliverable_id\":\"%s\",\"emailed\":true,\"notified\":true,"
		 "\"rules\":%d}", milestone, deliverable_id, runs);
	struct wvl_automation_log l = {NULL, client_id, NULL, "deliverable_ready", "success",
				       NULL, started, detail};
	if (!rc)
		rc = wvl_automation__log(ctx, conn, &l);
	return as_caller(rc, ctx, conn, prev);
}
