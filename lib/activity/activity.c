/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "activity.h"
#include "wavelaunch/activity.h"

static const char record_sql[] =
	"INSERT INTO activities (client_id, actor_id, entity_type, entity_id, action, summary,"
	" created_at) VALUES ($1::uuid, NULLIF($2, '')::uuid, $3, $4::uuid, $5, $6,"
	" $7::timestamptz)";

/* Summaries are cut to a byte length (here and by callers that format
 * user text into a fixed buffer); a cut inside a character would leave
 * invalid UTF-8, which PostgreSQL refuses, failing the whole change.  Drops
 * an incomplete sequence at the end of `s`. */
static void drop_partial_utf8(char *s)
{
	size_t n = strlen(s), lead = n, k = 0;
	while (lead > 0 && k < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80) {
		lead--;
		k++;
	}
	if (lead == 0)
		return;
	unsigned char c = (unsigned char)s[lead - 1];
	size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (c >= 0x80 && n - (lead - 1) < need)
		s[lead - 1] = '\0';
}

int wvl_activity__record(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
			 const char *client_id, const char *entity_type, const char *entity_id,
			 const char *action, const char *summary)
{
	char now[40], sum[301];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(sum, sizeof(sum), "%s", summary ? summary : "");
	drop_partial_utf8(sum);
	const char *p[] = {client_id, actor ? actor->user_id : "", entity_type, entity_id, action,
			   sum, now};
	PGresult *r = wvl_pg__exec(ctx, c, record_sql, 7, p);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

#define ACTIVITY_JSON                                                                       \
	"json_build_object('id', a.id, 'client_id', a.client_id, 'actor_id', a.actor_id,"   \
	" 'entity_type', a.entity_type, 'entity_id', a.entity_id, 'action', a.action,"      \
	" 'summary', a.summary, 'created_at', a.created_at)"

/* What a client user sees of its trail (migration 0013 says the same):
 * the client record's own changes (not automation switched on or off),
 * files, the approved plan, deliverables once ready or delivered; never
 * the team's user ids. */
#define CLIENT_VISIBLE                                                                      \
	"((a.entity_type = 'client' AND a.action IN ('created', 'updated', 'archived'))"  \
	" OR a.entity_type = 'file'"                                                        \
	" OR (a.entity_type = 'business_plan' AND a.action = 'approved')"                   \
	" OR (a.entity_type = 'deliverable' AND a.action IN ('ready', 'delivered')))"

static const char list_sql[] =
	"SELECT CASE WHEN $5 THEN " ACTIVITY_JSON "::jsonb - 'actor_id' ELSE " ACTIVITY_JSON
	"::jsonb END, to_char(a.created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), a.id FROM activities a"
	" WHERE ($1::uuid IS NULL OR a.client_id = $1::uuid)"
	"   AND (NOT $5 OR " CLIENT_VISIBLE ")"
	"   AND ($2::timestamptz IS NULL OR (a.created_at, a.id) < ($2::timestamptz, $3::uuid))"
	" ORDER BY a.created_at DESC, a.id DESC LIMIT $4::int";
/* $5: the caller is a client user (boolean text). */

/* Newest first, one fixed order, no filters. */
static const struct wvl_list_spec list_spec = {"activity", NULL, 0, NULL, 0, NULL, 0};

int wvl_activity_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		      const char *client_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (client_id && !wvl_uuid_valid(client_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
	if (actor->role == WVL_ROLE_CLIENT) {
		if (!client_id)
			return wvl_err__set(WVL_EFORBIDDEN, NULL, "the global feed is for the team");
		if (strcmp(client_id, actor->client_id) != 0)
			return wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
	}
	struct wvl_list_query q;
	int rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {client_id, q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit,
			   actor->role == WVL_ROLE_CLIENT ? "true" : "false"};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 5, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
