/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Deliverables M1..M8: edits, and "ready" with its notifications enqueued
 * in the same transaction (transactional outbox). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../activity/activity.h"
#include "../automation/automation.h"
#include "../core/json.h"
#include "../core/list.h"
#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "wavelaunch/deliverables.h"
#include "wavelaunch/sanitize.h"

#define DELIVERABLE_JSON                                                                     \
	"json_build_object('id', d.id, 'client_id', d.client_id, 'milestone', d.milestone,"  \
	" 'title', d.title, 'status', d.status, 'due_date', d.due_date, 'content',"          \
	" d.content_markdown, 'content_html', d.content_html, 'ready_at', d.ready_at,"       \
	" 'delivered_at', d.delivered_at, 'created_at', d.created_at, 'updated_at',"         \
	" d.updated_at)"

/* Client users see only what has been handed to them. */
#define VISIBLE "($2 <> 'client' OR (d.status IN ('ready', 'delivered')" \
		" AND d.client_id = NULLIF($3, '')::uuid))"

static const struct wvl_field fields[] = {
	{"title", WVL_F_STRING, false, 300},
	{"status", WVL_F_STRING, false, 20},
	{"due_date", WVL_F_STRING, false, 10},
	{"content", WVL_F_TEXT, false, 512 * 1024},
};

static bool valid_status(const char *s)
{
	static const char *const ok[] = {"planned", "generating", "draft", "ready", "delivered"};
	for (int i = 0; s && i < 5; i++)
		if (!strcmp(s, ok[i]))
			return true;
	return false;
}

/* A calendar date: "2026-02-30" must be refused here, or PostgreSQL's
 * cast fails the update as an internal error. */
static bool valid_date(const char *s)
{
	int y, m, d;
	char extra;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return false;
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= (m == 2 && !leap ? 28 : days[m - 1]);
}

static const char list_sql[] =
	"SELECT " DELIVERABLE_JSON ", d.milestone::text, d.id"
	" FROM deliverables d WHERE d.client_id = $1::uuid AND " VISIBLE
	"   AND ($4::text IS NULL OR d.status = $4)"
	"   AND ($5::int IS NULL OR (d.milestone, d.id) > ($5::int, $6::uuid))"
	" ORDER BY d.milestone, d.id LIMIT $7::int";

static const char *const list_statuses[] = {"planned", "generating", "draft", "ready",
					    "delivered", NULL};
static const struct wvl_list_filter list_filters[] = {
	{"status", WVL_PARAM_ENUM, list_statuses, 0},
};
/* By milestone, one fixed order. */
static const struct wvl_list_spec list_spec = {"deliverables", list_filters, 1, NULL, 0, NULL, 0};

static int deliverables_list_uncached(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			  const char *client_id, const wvl_query *query)
{
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (!client_id || !wvl_uuid_valid(client_id) ||
	    (actor->role == WVL_ROLE_CLIENT && strcmp(client_id, actor->client_id) != 0))
		return wvl_err__not_found();
	struct wvl_list_query q;
	int rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {client_id, wvl_role_name(actor->role), actor->client_id,
			   wvl_list__get(&q, "status"), q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 7, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

static const char get_sql[] =
	"SELECT " DELIVERABLE_JSON " FROM deliverables d WHERE d.id = $1::uuid AND " VISIBLE;

int wvl_deliverables_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	const char *p[] = {id, wvl_role_name(actor->role), actor->client_id};
	return wvl_pg__read_one(out_json, ctx, actor, get_sql, 3, p);
}

struct step_arg {
	const char *id;
	json_t *body;
	char *html;
};

/* One in-app notification job and one email job for the client's users,
 * in the caller's transaction; unique keys make a repeated "ready" within
 * the same instant harmless. */
static int enqueue_ready(wvl_ctx *ctx, PGconn *c, const char *client_id, const char *id,
			 const char *milestone, const char *now)
{
	static const char *const kinds[][2] = {{"notification_create", "notifications"},
					       {"email_send", "email"}};
	char *args = wvl_str__printf("{\"template\":\"deliverable_ready\",\"type\":"
				     "\"deliverable_ready\",\"client_id\":\"%s\","
				     "\"deliverable_id\":\"%s\",\"milestone\":%s}",
				     client_id, id, milestone);
	int rc = args ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (int i = 0; !rc && i < 2; i++) {
		char key[160];
		snprintf(key, sizeof(key), "%s:deliverable_ready:%s:%s", kinds[i][0], id, now);
		wvl_job_options o = WVL_JOB_OPTIONS_INIT;
		o.queue = kinds[i][1];
		o.unique_key = key;
		o.client_id = client_id;
		rc = wvl_jobs__enqueue_tx(NULL, NULL, ctx, c, kinds[i][0], args, &o);
	}
	free(args);
	return rc;
}

static const char current_sql[] =
	"SELECT client_id, status, milestone FROM deliverables WHERE id = $1::uuid FOR UPDATE";
static const char update_sql[] =
	"UPDATE deliverables AS d SET title = coalesce($2, d.title), status = coalesce($3, d.status),"
	" due_date = coalesce($4::date, d.due_date), content_markdown = coalesce($5, d.content_markdown),"
	" content_html = coalesce($6, d.content_html), updated_at = $7::timestamptz,"
	" ready_at = CASE WHEN $3 = 'ready' AND d.status <> 'ready' THEN $7::timestamptz ELSE d.ready_at END,"
	" delivered_at = CASE WHEN $3 = 'delivered' AND d.status <> 'delivered' THEN $7::timestamptz"
	"   ELSE d.delivered_at END"
	" WHERE d.id = $1::uuid RETURNING " DELIVERABLE_JSON;

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct step_arg *a = arg;
	const char *pid[] = {a->id};
	PGresult *cur = wvl_pg__exec_one(ctx, c, current_sql, 1, pid);
	if (!cur)
		return wvl_error_last()->code;
	char client_id[37], was[20], milestone[4], now[40];
	snprintf(client_id, sizeof(client_id), "%s", PQgetvalue(cur, 0, 0));
	snprintf(was, sizeof(was), "%s", PQgetvalue(cur, 0, 1));
	snprintf(milestone, sizeof(milestone), "%s", PQgetvalue(cur, 0, 2));
	PQclear(cur);
	const char *status = json_string_value(json_object_get(a->body, "status"));
	const char *md = json_string_value(json_object_get(a->body, "content"));
	bool to_ready = status && !strcmp(status, "ready") && strcmp(was, "ready") != 0;
	if (to_ready && !strcmp(was, "delivered"))
		return wvl_err__set(WVL_ECONFLICT, NULL, "the deliverable was already delivered");
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {a->id, json_string_value(json_object_get(a->body, "title")), status,
			   json_string_value(json_object_get(a->body, "due_date")), md,
			   md ? a->html : NULL, now};
	int rc = wvl_pg__json_row(out, ctx, c, update_sql, 7, p);
	if (!rc && to_ready)
		rc = enqueue_ready(ctx, c, client_id, a->id, milestone, now);
	if (!rc && to_ready)
		rc = wvl_automation__deliverable_ready_tx(ctx, c, client_id, a->id, atoi(milestone));
	char summary[100];
	snprintf(summary, sizeof(summary), "M%s %s", milestone,
		 to_ready ? "is ready" : status && strcmp(status, was) ? status : "updated");
	if (!rc)
		rc = wvl_activity__record(ctx, c, actor, client_id, "deliverable", a->id,
					  to_ready ? "ready" : "updated", summary);
	return rc;
}

int wvl_deliverables_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			    const char *id, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, fields, 4);
	if (!b)
		return wvl_error_last()->code;
	struct step_arg a = {id, b, NULL};
	json_t *v;
	if ((v = json_object_get(b, "status")) && !valid_status(json_string_value(v)))
		rc = wvl_json__field_error("status", "must be planned, generating, draft, ready or delivered");
	else if ((v = json_object_get(b, "due_date")) && !valid_date(json_string_value(v)))
		rc = wvl_json__field_error("due_date", "must be a date as YYYY-MM-DD");
	else if (json_object_size(b) == 0)
		rc = wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	else if ((v = json_object_get(b, "content")) &&
		 wvl_sanitize_markdown(&a.html, json_string_value(v), json_string_length(v)) != 0)
		rc = wvl_error_last()->code;
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &a);
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_DELIVERABLES) | (1u << WVL_CACHE_ANALYTICS));
	free(a.html);
	json_decref(b);
	return rc;
}

int wvl_deliverables_mark_ready(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return wvl_deliverables_update(out_json, ctx, actor, id, "{\"status\":\"ready\"}");
}

struct deliverables_list_arg {
	wvl_ctx *ctx;
	const wvl_actor *actor;
	const char *scope;
	const wvl_query *query;
};

static int deliverables_list_fill(char **out, void *arg)
{
	struct deliverables_list_arg *a = arg;
	return deliverables_list_uncached(out, a->ctx, a->actor, a->scope, a->query);
}

int wvl_deliverables_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			  const char *client_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return deliverables_list_uncached(out_json, ctx, actor, client_id, query);
	return wvl_cache__read(out_json, ctx, WVL_CACHE_DELIVERABLES, actor, client_id, NULL, query,
			       deliverables_list_fill, &(struct deliverables_list_arg){ctx, actor, client_id, query});
}
