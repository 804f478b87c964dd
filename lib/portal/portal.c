/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The client portal's reads: always the actor's own client, and only what
 * is meant for clients (no notes, no internal activity). */

#include <stdlib.h>
#include <string.h>

#include "../core/pg.h"
#include "wavelaunch/portal.h"

static int need_client(const wvl_actor *a)
{
	if (!a || a->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (a->role != WVL_ROLE_CLIENT || !wvl_uuid_valid(a->client_id))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "the portal is for client users");
	return 0;
}

/* Activity a client may read: about its client, plans once approved,
 * deliverables once ready, files. */
static const char dashboard_sql[] =
	"SELECT json_build_object("
	" 'client', (SELECT json_build_object('id', c.id, 'name', c.name, 'brand_name',"
	"   c.brand_name, 'status', c.status) FROM clients c WHERE c.id = $1::uuid),"
	" 'progress', (SELECT json_build_object('delivered', count(*) FILTER (WHERE status = 'delivered'),"
	"   'ready', count(*) FILTER (WHERE status = 'ready'), 'total', count(*),"
	"   'percent', CASE WHEN count(*) = 0 THEN 0 ELSE round(100.0 * count(*) FILTER"
	"     (WHERE status = 'delivered') / count(*)) END)"
	"   FROM deliverables WHERE client_id = $1::uuid),"
	" 'next_steps', (SELECT coalesce(json_agg(json_build_object('milestone', milestone,"
	"   'title', title, 'status', status, 'due_date', due_date) ORDER BY milestone), '[]')"
	"   FROM (SELECT * FROM deliverables WHERE client_id = $1::uuid AND status <> 'delivered'"
	"   ORDER BY milestone LIMIT 3) d),"
	" 'recent_activity', (SELECT coalesce(json_agg(json_build_object('summary', summary,"
	"   'created_at', created_at) ORDER BY created_at DESC, id DESC), '[]')"
	"   FROM (SELECT * FROM activities a WHERE a.client_id = $1::uuid AND ("
	"     (a.entity_type = 'business_plan' AND a.action = 'approved')"
	"     OR (a.entity_type = 'deliverable' AND a.action IN ('ready', 'delivered'))"
	"     OR (a.entity_type = 'file'))"
	"   ORDER BY created_at DESC, id DESC LIMIT 10) a))";

static int one(char **out, wvl_ctx *ctx, const wvl_actor *actor, const char *sql)
{
	*out = NULL;
	int rc = need_client(actor);
	if (rc)
		return rc;
	const char *p[] = {actor->client_id};
	return wvl_pg__read_one(out, ctx, actor, sql, 1, p);
}

int wvl_portal_dashboard(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	return one(out_json, ctx, actor, dashboard_sql);
}

int wvl_portal_plan(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	return one(out_json, ctx, actor,
		   "SELECT json_build_object('id', p.id, 'version', p.version, 'title', p.title,"
		   " 'content_html', p.content_html, 'approved_at', p.approved_at)"
		   " FROM business_plans p WHERE p.client_id = $1::uuid AND p.status = 'approved'");
}

int wvl_portal_deliverables(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	return one(out_json, ctx, actor,
		   "SELECT json_build_object('data', coalesce(json_agg(json_build_object('id', d.id,"
		   " 'milestone', d.milestone, 'title', d.title, 'status', d.status, 'due_date',"
		   " d.due_date, 'content_html', d.content_html, 'ready_at', d.ready_at,"
		   " 'delivered_at', d.delivered_at) ORDER BY d.milestone), '[]'), 'next_cursor', null)"
		   " FROM deliverables d WHERE d.client_id = $1::uuid"
		   " AND d.status IN ('ready', 'delivered')");
}
