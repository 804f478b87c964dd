/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Business plans: versions, review, approval. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../activity/activity.h"
#include "../automation/automation.h"
#include "../core/json.h"
#include "../core/pg.h"
#include "../core/list.h"
#include "wavelaunch/plans.h"
#include "wavelaunch/sanitize.h"

#define PLAN_JSON                                                                            \
	"json_build_object('id', p.id, 'client_id', p.client_id, 'version', p.version,"      \
	" 'status', p.status, 'title', p.title, 'content_markdown', p.content_markdown,"     \
	" 'content_html', p.content_html, 'approved_by', p.approved_by, 'approved_at',"      \
	" p.approved_at, 'created_by', p.created_by, 'created_at', p.created_at,"            \
	" 'updated_at', p.updated_at)"

#define MAX_MARKDOWN (512 * 1024)

static const struct wvl_field plan_fields[] = {
	{"title", WVL_F_STRING, false, 300},
	{"content_markdown", WVL_F_TEXT, false, MAX_MARKDOWN},
	{"status", WVL_F_STRING, false, 20},
};

struct plan_arg {
	json_t *body;
	const char *id;        /* plan id, or client id for create */
	char *html;            /* rendered content, when the body has markdown */
};

static int parse(json_t **out, struct plan_arg *a, const char *body_json)
{
	*out = wvl_json__parse_body(body_json, plan_fields, 3);
	if (!*out)
		return wvl_error_last()->code;
	json_t *st = json_object_get(*out, "status");
	if (st && strcmp(json_string_value(st), "draft") != 0 &&
	    strcmp(json_string_value(st), "in_review") != 0)
		return wvl_json__field_error("status", "must be draft or in_review (approve to approve)");
	const char *md = json_string_value(json_object_get(*out, "content_markdown"));
	if (md && wvl_sanitize_markdown(&a->html, md, strlen(md)) != 0)
		return wvl_error_last()->code;
	a->body = *out;
	return 0;
}

static const char insert_sql[] =
	"INSERT INTO business_plans AS p (client_id, version, status, title, content_markdown,"
	" content_html, created_by, created_at, updated_at)"
	" SELECT $1::uuid, coalesce(max(version), 0) + 1, coalesce($2, 'draft'), coalesce($3, ''),"
	"   coalesce($4, ''), coalesce($5, ''), NULLIF($6, '')::uuid, $7::timestamptz,"
	"   $7::timestamptz"
	" FROM business_plans WHERE client_id = $1::uuid"
	" RETURNING p.id, " PLAN_JSON;

/* Serialises version numbering per client. */
static int lock_client(wvl_ctx *ctx, PGconn *c, const char *client_id)
{
	const char *p[] = {client_id};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT 1 FROM clients WHERE id = $1::uuid FOR UPDATE", 1, p);
	if (!r)
		return wvl_error_last()->code;
	int found = PQntuples(r);
	PQclear(r);
	return found ? 0 : wvl_err__not_found();
}

static int insert_version(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
			  const char *client_id, const char *title, const char *md,
			  const char *html, const char *status)
{
	int rc = lock_client(ctx, c, client_id);
	if (rc)
		return rc;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {client_id, status, title, md, html, actor->user_id, now};
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 7, p);
	if (!r)
		return wvl_error_last()->code;
	char id[37], summary[400];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	free(*out);
	*out = wvl_str__dup(PQgetvalue(r, 0, 1));
	PQclear(r);
	snprintf(summary, sizeof(summary), "Business plan version created: %.300s", title ? title : "");
	return wvl_activity__record(ctx, c, actor, client_id, "business_plan", id, "created", summary);
}

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct plan_arg *a = arg;
	return insert_version(out, ctx, actor, c, a->id,
			      json_string_value(json_object_get(a->body, "title")),
			      json_string_value(json_object_get(a->body, "content_markdown")), a->html,
			      json_string_value(json_object_get(a->body, "status")));
}

int wvl_plans_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		     const char *client_id, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(client_id))
		return wvl_err__not_found();
	struct plan_arg a = {NULL, client_id, NULL};
	json_t *b = NULL;
	rc = parse(&b, &a, body_json);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &a);
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_PLANS));
	free(a.html);
	json_decref(b);
	return rc;
}

static const char list_sql[] =
	"SELECT " PLAN_JSON ", lpad(p.version::text, 10, '0'), p.id FROM business_plans p"
	" WHERE p.client_id = $1::uuid AND ($2::text IS NULL OR lpad(p.version::text, 10, '0') < $2)"
	" ORDER BY p.version DESC LIMIT $3::int";

/* Newest version first, one fixed order, no filters. */
static const struct wvl_list_spec list_spec = {"business_plans", NULL, 0, NULL, 0, NULL, 0};

int wvl_plans_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *client_id,
		   const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(client_id))
		return wvl_err__not_found();
	struct wvl_list_query q;
	if ((rc = wvl_list__parse(&q, ctx, query, &list_spec)) != 0)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {client_id, q.has_cursor ? q.cursor_key : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 3, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

/* A client user reaches only the approved plan of its own client. */
static const char get_sql[] =
	"SELECT " PLAN_JSON " FROM business_plans p WHERE p.id = $1::uuid"
	" AND ($2 <> 'client' OR (p.status = 'approved' AND p.client_id = NULLIF($3, '')::uuid))";

static int plans_get_uncached(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
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

static const char current_sql[] =
	"SELECT client_id, status, title, content_markdown, content_html FROM business_plans"
	" WHERE id = $1::uuid FOR UPDATE";

static const char update_sql[] =
	"UPDATE business_plans AS p SET title = coalesce($2, p.title),"
	" content_markdown = coalesce($3, p.content_markdown),"
	" content_html = coalesce($4, p.content_html), status = coalesce($5, p.status),"
	" updated_at = $6::timestamptz WHERE p.id = $1::uuid RETURNING " PLAN_JSON;

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct plan_arg *a = arg;
	const char *pid[] = {a->id};
	PGresult *cur = wvl_pg__exec_one(ctx, c, current_sql, 1, pid);
	if (!cur)
		return wvl_error_last()->code;
	const char *title = json_string_value(json_object_get(a->body, "title"));
	const char *md = json_string_value(json_object_get(a->body, "content_markdown"));
	const char *status = json_string_value(json_object_get(a->body, "status"));
	const char *state = PQgetvalue(cur, 0, 1);
	int rc = 0;
	char client_id[37];
	snprintf(client_id, sizeof(client_id), "%s", PQgetvalue(cur, 0, 0));
	if (strcmp(state, "superseded") == 0) {
		rc = wvl_err__set(WVL_ECONFLICT, NULL, "a superseded plan cannot change");
	} else if (strcmp(state, "approved") == 0) {
		/* The approved text stays as it was approved: edits start a new draft. */
		rc = insert_version(out, ctx, actor, c, client_id, title ? title : PQgetvalue(cur, 0, 2),
				    md ? md : PQgetvalue(cur, 0, 3), md ? a->html : PQgetvalue(cur, 0, 4),
				    status);
	} else {
		char now[40];
		wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
		const char *p[] = {a->id, title, md, md ? a->html : NULL, status, now};
		rc = wvl_pg__json_row(out, ctx, c, update_sql, 6, p);
		if (!rc)
			rc = wvl_activity__record(ctx, c, actor, client_id, "business_plan", a->id,
						  status && !strcmp(status, "in_review") ? "submitted"
											 : "updated",
						  "Business plan updated");
	}
	PQclear(cur);
	return rc;
}

int wvl_plans_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		     const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_CLIENT || !wvl_uuid_valid(id))
		return actor->role == WVL_ROLE_CLIENT && wvl_uuid_valid(id)
			       ? wvl_err__set(WVL_EFORBIDDEN, NULL, "only the team edits plans")
			       : wvl_err__not_found();
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	struct plan_arg a = {NULL, id, NULL};
	json_t *b = NULL;
	rc = parse(&b, &a, body_json);
	if (!rc && json_object_size(b) == 0)
		rc = wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &a);
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_PLANS));
	free(a.html);
	json_decref(b);
	return rc;
}

static const char supersede_sql[] =
	"UPDATE business_plans SET status = 'superseded' WHERE client_id = $1::uuid"
	" AND status = 'approved' AND id <> $2::uuid";
static const char approve_sql[] =
	"UPDATE business_plans AS p SET status = 'approved', approved_by = NULLIF($2, '')::uuid,"
	" approved_at = $3::timestamptz WHERE p.id = $1::uuid RETURNING " PLAN_JSON;

static int approve_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct plan_arg *a = arg;
	const char *pid[] = {a->id};
	PGresult *cur = wvl_pg__exec_one(ctx, c, current_sql, 1, pid);
	if (!cur)
		return wvl_error_last()->code;
	char client_id[37], state[20];
	snprintf(client_id, sizeof(client_id), "%s", PQgetvalue(cur, 0, 0));
	snprintf(state, sizeof(state), "%s", PQgetvalue(cur, 0, 1));
	PQclear(cur);
	if (strcmp(state, "draft") != 0 && strcmp(state, "in_review") != 0)
		return wvl_err__set(WVL_ECONFLICT, NULL, "only a draft or a plan in review can be approved");
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *sp[] = {client_id, a->id};
	PGresult *r = wvl_pg__exec(ctx, c, supersede_sql, 2, sp);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	const char *p[] = {a->id, actor->user_id, now};
	int rc = wvl_pg__json_row(out, ctx, c, approve_sql, 3, p);
	if (!rc)
		rc = wvl_activity__record(ctx, c, actor, client_id, "business_plan", a->id,
					  "approved", "Business plan approved");
	/* The journey goes on: M1 now, M2..M8 on the timeline. */
	return rc ? rc : wvl_automation__plan_approved_tx(NULL, ctx, c, client_id);
}

int wvl_plans_approve(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
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
	struct plan_arg a = {NULL, id, NULL};
	int rc2 = wvl_pg__in_tx(out_json, ctx, actor, approve_step, &a);
	wvl_cache__written(ctx, rc2, (1u << WVL_CACHE_PLANS));
	return rc2;
}

struct plans_get_arg {
	wvl_ctx *ctx;
	const wvl_actor *actor;
	const char *scope;
	const wvl_query *query;
};

static int plans_get_fill(char **out, void *arg)
{
	struct plans_get_arg *a = arg;
	return plans_get_uncached(out, a->ctx, a->actor, a->scope);
}

int wvl_plans_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return plans_get_uncached(out_json, ctx, actor, id);
	return wvl_cache__read(out_json, ctx, WVL_CACHE_PLANS, actor, id, NULL, NULL,
			       plans_get_fill, &(struct plans_get_arg){ctx, actor, id, NULL});
}
