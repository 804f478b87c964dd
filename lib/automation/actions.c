/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What a rule does when its trigger fires: send an email or create an
 * in-app notification, each as a job of the module that owns it, enqueued
 * in the transaction of the event (transactional outbox).  The kinds and
 * their config are checked when the rule is saved (check_action), so a
 * stored rule always makes a job its handler can run. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../jobs/jobs.h"
#include "automation.h"
#include "wavelaunch/automation.h"

/* ---- checking a rule's action -------------------------------------------------- */

/* A string of 1..max bytes; `multiline` allows newlines and tabs, other
 * control characters never. */
static bool text_ok(const json_t *v, size_t max, bool multiline, bool required)
{
	if (!v)
		return !required;
	const char *s = json_string_value(v);
	if (!s || !*s || strlen(s) > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
			return false;
	return true;
}

static const char *check_email(const char *trigger, const json_t *cfg)
{
	const char *t = json_string_value(json_object_get(cfg, "template"));
	if (!t || (strcmp(t, "automation_message") != 0 && strcmp(t, "weekly_summary") != 0 &&
		   (strcmp(t, "deliverable_ready") != 0 || strcmp(trigger, "deliverable.ready") != 0)))
		return "{\"config.template\":\"automation_message, weekly_summary, or deliverable_ready"
		       " on deliverable.ready\"}";
	if (strcmp(t, "automation_message") != 0)
		return NULL;
	if (!text_ok(json_object_get(cfg, "subject"), 200, false, true))
		return "{\"config.subject\":\"1 to 200 bytes on one line\"}";
	if (!text_ok(json_object_get(cfg, "message"), 5000, true, true))
		return "{\"config.message\":\"1 to 5000 bytes\"}";
	return NULL;
}

static const char *check_notification(const json_t *cfg)
{
	if (!text_ok(json_object_get(cfg, "title"), 140, false, true))
		return "{\"config.title\":\"1 to 140 bytes on one line\"}";
	if (!text_ok(json_object_get(cfg, "message"), 1000, true, false))
		return "{\"config.message\":\"1 to 1000 bytes\"}";
	const json_t *a = json_object_get(cfg, "audience");
	const char *s = json_string_value(a);
	if (a && (!s || (strcmp(s, "client") && strcmp(s, "team") && strcmp(s, "admins"))))
		return "{\"config.audience\":\"client, team or admins\"}";
	return NULL;
}

const char *wvl_automation__check_action(const char *name, const char *trigger,
					 const char *action_kind, const json_t *cfg)
{
	if (!strcmp(trigger, "client.onboarded") && !strcmp(name, "client_journey"))
		return NULL; /* the journey itself: its config is checked apart */
	if (!strcmp(action_kind, "email_send"))
		return check_email(trigger, cfg);
	if (!strcmp(action_kind, "notification_create"))
		return check_notification(cfg);
	return "{\"action_kind\":\"email_send or notification_create\"}";
}

/* ---- running the rules of an event --------------------------------------------- */

static const char rules_sql[] =
	"SELECT r.id, r.name, r.action_kind, r.config::text, r.trigger FROM automation_rules r"
	" JOIN clients c ON c.id = $2::uuid AND NOT c.automation_paused"
	"   AND c.status NOT IN ('archived', 'churned')"
	" WHERE r.trigger = $1 AND r.enabled"
	"   AND NOT (r.trigger = 'client.onboarded' AND r.name = 'client_journey')"
	"   AND ($3::uuid IS NULL OR r.id = $3::uuid)"
	/* A client is onboarded once: a client.onboarded rule that ran for it
	 * does not run again. */
	"   AND NOT (r.trigger = 'client.onboarded' AND EXISTS (SELECT 1 FROM automation_logs l"
	"     WHERE l.rule_id = r.id AND l.client_id = c.id AND l.status = 'success'))"
	"   AND (r.client_id = c.id OR (r.client_id IS NULL AND NOT EXISTS (SELECT 1"
	"     FROM automation_rules o WHERE o.client_id = c.id AND o.trigger = r.trigger"
	"       AND o.name = r.name)))"
	" ORDER BY r.client_id NULLS FIRST, r.name, r.id";

/* The job's args: the event's members, the client, and the action's own
 * from the config. */
static json_t *action_args(const char *kind, const json_t *cfg, const char *client_id,
			   const json_t *event)
{
	json_t *a = json_object();
	if (event)
		json_object_update(a, (json_t *)event);
	json_object_set_new(a, "client_id", json_string(client_id));
	static const char *const email_keys[] = {"template", "subject", "message"};
	static const char *const notify_keys[] = {"title", "message", "audience"};
	bool email = !strcmp(kind, "email_send");
	const char *const *keys = email ? email_keys : notify_keys;
	for (int i = 0; i < 3; i++) {
		json_t *v = json_object_get(cfg, keys[i]);
		if (v)
			json_object_set(a, keys[i], v);
	}
	if (!email)
		json_object_set_new(a, "type", json_string("automation"));
	return a;
}

struct rule_run {
	const char *client_id, *event_key;
	const json_t *event;
};

static int run_rule(wvl_ctx *ctx, PGconn *conn, const PGresult *r, int i,
		    const struct rule_run *e)
{
	int64_t started = wvl_now(ctx);
	const char *rule_id = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
	const char *kind = PQgetvalue(r, i, 2), *trigger = PQgetvalue(r, i, 4);
	json_t *cfg = json_loads(PQgetvalue(r, i, 3), 0, NULL);
	json_t *args = action_args(kind, cfg, e->client_id, e->event);
	char *text = wvl_json__dump(args);
	json_t *d = json_pack("{s:s, s:s}", "rule", name, "trigger", trigger);
	char *detail = d ? wvl_json__dump(d) : NULL;
	json_decref(d);
	json_decref(args);
	json_decref(cfg);
	char key[200], job_id[37] = "";
	snprintf(key, sizeof(key), "rule:%s:%s:%s", rule_id, e->client_id, e->event_key);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.unique_key = key;
	o.client_id = e->client_id;
	o.queue = strcmp(kind, "email_send") == 0 ? "email" : "notifications";
	int rc = text && detail ? wvl_jobs__enqueue_tx(job_id, NULL, ctx, conn, kind, text, &o)
				: wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	struct wvl_automation_log l = {rule_id, e->client_id, job_id, kind, "success", NULL,
				       started, detail};
	if (!rc)
		rc = wvl_automation__log(ctx, conn, &l);
	free(text);
	free(detail);
	return rc;
}

int wvl_automation__run_rules_tx(int *out_runs, wvl_ctx *ctx, PGconn *conn, const char *trigger,
				 const char *rule_id, const char *client_id, const json_t *event,
				 const char *event_key)
{
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)wvl_now(ctx));
	struct rule_run e = {client_id, event_key ? event_key : now, event};
	const char *params[] = {trigger, client_id, rule_id};
	PGresult *r = wvl_pg__exec(ctx, conn, rules_sql, 3, params);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0, n = PQntuples(r);
	for (int i = 0; rc == 0 && i < n; i++)
		rc = run_rule(ctx, conn, r, i, &e);
	PQclear(r);
	if (out_runs)
		*out_runs = n;
	return rc;
}

/* ---- the automation_run job: a schedule rule fires ----------------------------- */

/* The rule's clients: its own, or every onboarding or active one. */
static const char targets_sql[] =
	"SELECT c.id FROM automation_rules r JOIN clients c"
	"   ON (r.client_id IS NULL OR c.id = r.client_id)"
	" WHERE r.id = $1::uuid AND r.enabled AND r.trigger = 'schedule'"
	"   AND c.status IN ('onboarding', 'active') AND NOT c.automation_paused"
	" ORDER BY c.id";

struct fire {
	const char *rule_id, *job_id;
	int clients, runs;
};

static int fire_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)out;
	(void)actor;
	struct fire *f = arg;
	const char *params[] = {f->rule_id};
	PGresult *r = wvl_pg__exec(ctx, c, targets_sql, 1, params);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0;
	f->clients = PQntuples(r);
	for (int i = 0; rc == 0 && i < f->clients; i++) {
		int n = 0;
		rc = wvl_automation__run_rules_tx(&n, ctx, c, "schedule", f->rule_id,
						  PQgetvalue(r, i, 0), NULL, f->job_id);
		f->runs += n;
	}
	PQclear(r);
	return rc;
}

int wvl_automation__job_run(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	const wvl_job *job = wvl_worker_task_job(run);
	json_t *args = json_loads(job->args_json ? job->args_json : "{}", 0, NULL);
	const char *rule_id = json_string_value(json_object_get(args, "rule_id"));
	struct fire f = {rule_id, job->id, 0, 0};
	int rc = 0;
	if (!wvl_uuid_valid(rule_id))
		rc = wvl_err__set(WVL_EINVAL, NULL, "automation_run needs a rule_id");
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	char *none = NULL;
	if (!rc)
		rc = wvl_pg__in_tx(&none, wvl_worker_task_ctx(run), &sys, fire_step, &f);
	json_decref(args);
	return wvl_jobs__report(out_error, run, rc,
				rc ? NULL
				   : wvl_str__printf("{\"clients\":%d,\"ran\":%d}", f.clients, f.runs));
}
