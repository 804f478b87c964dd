/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Automation rules and history, admin only.  Input is checked with
 * jansson; the JSON that goes out is built by PostgreSQL. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/list.h"
#include "../jobs/jobs.h"
#include "automation.h"
#include "wavelaunch/automation.h"
#include "wavelaunch/cron.h"

static bool is_admin(const wvl_actor *a)
{
	return a && (a->role == WVL_ROLE_ADMIN || a->role == WVL_ROLE_SYSTEM);
}

static bool is_date(const json_t *v)
{
	const char *s = json_string_value(v);
	int y, m, d;
	char extra;
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
	    y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1)
		return false;
	/* A calendar date: 2026-02-30 would pass a day-up-to-31 check and
	 * fail PostgreSQL's ::date when the journey reads it. */
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= (m == 2 && !leap ? 28 : days[m - 1]);
}

/* The journey's config keys; other rules' configs are free-form objects. */
static const char *check_journey_config(const json_t *cfg)
{
	const json_t *days = json_object_get(cfg, "reminder_days");
	if (days && (!json_is_integer(days) || json_integer_value(days) < 0 ||
		     json_integer_value(days) > 60))
		return "{\"config.reminder_days\":\"an integer from 0 to 60\"}";
	const json_t *start = json_object_get(cfg, "start");
	if (start && !is_date(start))
		return "{\"config.start\":\"a date YYYY-MM-DD\"}";
	const json_t *ms = json_object_get(cfg, "milestones");
	if (ms && !json_is_object(ms))
		return "{\"config.milestones\":\"an object of milestone: date\"}";
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)ms, key, v) {
		if (strlen(key) != 1 || key[0] < '1' || key[0] > '8' || !is_date(v))
			return "{\"config.milestones\":\"keys 1-8, dates YYYY-MM-DD\"}";
	}
	return NULL;
}

static const char *check_rule(const json_t *rule)
{
	static const char *const triggers[] = {"client.onboarded", "deliverable.ready", "schedule"};
	const char *name = json_string_value(json_object_get(rule, "name"));
	const char *trigger = json_string_value(json_object_get(rule, "trigger"));
	const char *action = json_string_value(json_object_get(rule, "action_kind"));
	const json_t *client = json_object_get(rule, "client_id");
	const json_t *schedule = json_object_get(rule, "schedule");
	const json_t *cfg = json_object_get(rule, "config");
	const json_t *enabled = json_object_get(rule, "enabled");
	if (!name || !*name || strlen(name) > 100)
		return "{\"name\":\"1 to 100 characters\"}";
	bool known = false;
	for (size_t i = 0; trigger && i < 3; i++)
		known = known || strcmp(trigger, triggers[i]) == 0;
	if (!known)
		return "{\"trigger\":\"client.onboarded, deliverable.ready or schedule\"}";
	if (!action || !wvl_jobs__valid_kind(action))
		return "{\"action_kind\":\"a job kind\"}";
	if (client && !json_is_null(client) && !wvl_uuid_valid(json_string_value(client)))
		return "{\"client_id\":\"a uuid\"}";
	wvl_cron *c = NULL;
	if (schedule && !json_is_null(schedule) &&
	    (!json_is_string(schedule) || wvl_cron_parse(&c, json_string_value(schedule)) != 0))
		return "{\"schedule\":\"a cron expression\"}";
	wvl_cron_free(c);
	if (cfg && !json_is_object(cfg))
		return "{\"config\":\"an object\"}";
	if (enabled && !json_is_boolean(enabled))
		return "{\"enabled\":\"true or false\"}";
	if (strcmp(trigger, "schedule") == 0 && (!schedule || json_is_null(schedule)))
		return "{\"schedule\":\"a cron expression, required for the schedule trigger\"}";
	if (strcmp(name, "client_journey") == 0 && cfg)
		return check_journey_config(cfg);
	return wvl_automation__check_action(name, trigger, action, cfg);
}

#define RULE_JSON                                                                         \
	"json_build_object('id', id, 'client_id', client_id, 'name', name, 'trigger', trigger," \
	" 'schedule', schedule, 'action_kind', action_kind, 'config', config,"              \
	" 'enabled', enabled, 'updated_at', to_char(updated_at AT TIME ZONE 'UTC',"          \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"

static const char upsert_sql[] =
	"INSERT INTO automation_rules (client_id, name, trigger, schedule, action_kind, config, enabled)"
	" VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7::boolean)"
	" ON CONFLICT ((coalesce(client_id, '00000000-0000-0000-0000-000000000000'::uuid)),"
	"   trigger, name) DO UPDATE SET schedule = EXCLUDED.schedule,"
	"   action_kind = EXCLUDED.action_kind, config = EXCLUDED.config, enabled = EXCLUDED.enabled"
	" RETURNING id, " RULE_JSON "::text";

struct rule_arg {
	json_t *rule;
	const char *params[7];
};

/* A schedule rule's schedule, "automation:<rule id>", follows the rule
 * (enabled with it) and fires the automation_run job. */
static int define_schedule(wvl_ctx *ctx, PGconn *c, const char *id, json_t *rule, bool enabled)
{
	char name[64], args[80];
	snprintf(name, sizeof(name), "automation:%s", id);
	snprintf(args, sizeof(args), "{\"rule_id\":\"%s\"}", id);
	wvl_scheduler_def def = WVL_SCHEDULER_DEF_INIT;
	def.name = name;
	def.cron = json_string_value(json_object_get(rule, "schedule"));
	def.job_kind = "automation_run";
	def.args_json = args;
	def.enabled = enabled;
	return wvl_jobs__schedule_define_tx(ctx, c, &def);
}

/* Stores the rule, then what follows from it in the same transaction: a
 * schedule rule's schedule, and the journey's queued jobs planned again
 * under a changed journey rule. */
static int rule_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	struct rule_arg *a = arg;
	PGresult *r = wvl_pg__exec(ctx, c, upsert_sql, 7, a->params);
	if (!r)
		return wvl_error_last()->code;
	char id[37];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	*out = wvl_str__dup(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (!*out)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *trigger = a->params[2], *name = a->params[1];
	bool enabled = a->params[6][0] == 't';
	if (!strcmp(trigger, "schedule"))
		return define_schedule(ctx, c, id, a->rule, enabled);
	if (!strcmp(trigger, "client.onboarded") && !strcmp(name, "client_journey"))
		return wvl_automation__replan_tx(NULL, ctx, c, a->params[0]);
	return 0;
}

int wvl_automation_rule_set(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			    const char *rule_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !rule_json)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and rule_json are required");
	*out_json = NULL;
	if (!is_admin(actor))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins manage automation rules");
	json_t *rule = strlen(rule_json) <= 65536 ? json_loads(rule_json, JSON_REJECT_DUPLICATES, NULL)
						  : NULL;
	if (!json_is_object(rule)) {
		json_decref(rule);
		return wvl_err__set(WVL_EINVAL, NULL, "the rule must be a JSON object");
	}
	const char *bad = check_rule(rule);
	if (bad) {
		json_decref(rule);
		return wvl_err__set_fields(bad, "invalid automation rule");
	}
	const json_t *cfg = json_object_get(rule, "config");
	char *cfg_text = cfg ? json_dumps(cfg, JSON_COMPACT) : NULL;
	const json_t *enabled = json_object_get(rule, "enabled");
	struct rule_arg a = {rule,
			     {json_string_value(json_object_get(rule, "client_id")),
			      json_string_value(json_object_get(rule, "name")),
			      json_string_value(json_object_get(rule, "trigger")),
			      json_string_value(json_object_get(rule, "schedule")),
			      json_string_value(json_object_get(rule, "action_kind")),
			      cfg_text ? cfg_text : "{}",
			      enabled && json_is_false(enabled) ? "false" : "true"}};
	int rc = wvl_pg__in_tx(out_json, ctx, actor, rule_step, &a);
	free(cfg_text);
	json_decref(rule);
	return rc;
}

/* Global rules first, then by client, each by name: the key is that
 * order's text ("C" collation: byte order, whatever the database's). */
#define RULE_KEY "((coalesce(client_id::text, '') || '/' || name) COLLATE \"C\")"

static const char rules_sql[] =
	"SELECT " RULE_JSON "::text, " RULE_KEY ", id FROM automation_rules"
	" WHERE ($1::uuid IS NULL OR client_id = $1::uuid OR client_id IS NULL)"
	"   AND ($2::text IS NULL OR (" RULE_KEY ", id) > ($2::text COLLATE \"C\", $3::uuid))"
	" ORDER BY " RULE_KEY ", id LIMIT $4::int";

static const struct wvl_list_filter client_filter[] = {
	{"client_id", WVL_PARAM_UUID, NULL, 0},
};
static const struct wvl_list_spec rules_spec = {"automation_rules", client_filter, 1,
						NULL, 0, NULL, 0};
/* Newest first. */
static const struct wvl_list_spec logs_spec = {"automation_logs", client_filter, 1,
					       NULL, 0, NULL, 0};

/* An admin's list of `spec` (no scope): its query checked, the statement
 * run with (client_id, cursor key, cursor id, limit + 1) and paged. */
static int admin_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		      const char *scope_id, const wvl_query *query,
		      const struct wvl_list_spec *spec, const char *sql)
{
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	if (!is_admin(actor))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins see automation");
	struct wvl_list_query q;
	int rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *params[] = {wvl_list__get(&q, "client_id"), q.has_cursor ? q.cursor_key : NULL,
				q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, sql, 4, params);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

int wvl_automation_rules_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *scope_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	return admin_list(out_json, ctx, actor, scope_id, query, &rules_spec, rules_sql);
}

static const char logs_sql[] =
	"SELECT json_build_object('id', id, 'rule_id', rule_id, 'client_id', client_id,"
	"   'job_id', job_id, 'action', action, 'status', status, 'error', error,"
	"   'duration_ms', duration_ms, 'detail', detail, 'created_at',"
	"   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))::text,"
	"  (extract(epoch FROM created_at) * 1000000)::int8::text, id"
	" FROM automation_logs WHERE ($1::uuid IS NULL OR client_id = $1::uuid)"
	"   AND ($2::int8 IS NULL OR (created_at, id) <"
	"        ('epoch'::timestamptz + $2::int8 * interval '1 microsecond', $3::uuid))"
	" ORDER BY created_at DESC, id DESC LIMIT $4::int";

int wvl_automation_logs_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *scope_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	return admin_list(out_json, ctx, actor, scope_id, query, &logs_spec, logs_sql);
}
