/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Reading and marking the actor's own notifications (notify.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "../core/pg.h"
#include "notify.h"

#define NOTIFICATION_JSON                                                                   \
	"json_build_object('id', n.id, 'type', n.type, 'title', n.title, 'message', n.message," \
	" 'link', n.link, 'read', n.read, 'client_id', n.client_id, 'created_at', n.created_at)"

static int need_user(const wvl_actor *actor)
{
	return actor && actor->user_id[0]
		       ? 0
		       : wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
}

static const char list_sql[] =
	"SELECT " NOTIFICATION_JSON ", to_char(n.created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), n.id FROM notifications n"
	" WHERE n.user_id = $1::uuid"
	"   AND ($2::boolean IS NULL OR n.read = NOT $2::boolean)"
	"   AND ($3::text IS NULL OR n.type = $3)"
	"   AND ($4::timestamptz IS NULL OR (n.created_at, n.id) < ($4::timestamptz, $5::uuid))"
	" ORDER BY n.created_at DESC, n.id DESC LIMIT $6::int";

static const struct wvl_list_filter list_filters[] = {
	{"unread", WVL_PARAM_BOOL, NULL, 0},
	{"type", WVL_PARAM_TEXT, NULL, 64},
};
/* Newest first, one fixed order. */
static const struct wvl_list_spec list_spec = {"notifications", list_filters, 2,
					       NULL, 0, NULL, 0};

int wvl_notify_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		    const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	struct wvl_list_query q;
	int rc = need_user(actor);
	if (!rc)
		rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {actor->user_id, wvl_list__get(&q, "unread"), wvl_list__get(&q, "type"),
			   q.has_cursor ? q.cursor_key : NULL, q.has_cursor ? q.cursor_id : NULL,
			   limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 6, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

int wvl_notify_unread_count(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_user(actor);
	const char *p[] = {actor ? actor->user_id : NULL};
	return rc ? rc
		  : wvl_pg__read_one(out_json, ctx, actor,
				     "SELECT json_build_object('count', count(*)) FROM notifications"
				     " WHERE user_id = $1::uuid AND NOT read",
				     1, p);
}

int wvl_notify_mark_read(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	int rc = need_user(actor);
	if (rc)
		return rc;
	if (!id || !wvl_uuid_valid(id))
		return wvl_err__not_found();
	char now[40], *json = NULL;
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {id, actor->user_id, now};
	/* Read already: found, nothing to change (idempotent). */
	rc = wvl_pg__write_one(&json, ctx, actor,
			       "UPDATE notifications SET read = true,"
			       " read_at = coalesce(read_at, $3::timestamptz)"
			       " WHERE id = $1::uuid AND user_id = $2::uuid RETURNING 'null'",
			       3, p);
	free(json);
	return rc;
}

int wvl_notify_mark_all_read(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_user(actor);
	if (rc)
		return rc;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {actor->user_id, now};
	return wvl_pg__write_one(out_json, ctx, actor,
				 "WITH u AS (UPDATE notifications SET read = true, read_at = $2::timestamptz"
				 "  WHERE user_id = $1::uuid AND NOT read RETURNING 1)"
				 " SELECT json_build_object('marked', count(*)) FROM u",
				 2, p);
}

/* NULL (not found) when `last_id` is not one of the user's. */
static const char since_sql[] =
	"SELECT CASE WHEN EXISTS (SELECT 1 FROM notifications"
	"                          WHERE id = $2::uuid AND user_id = $1::uuid)"
	"  THEN json_build_object('data', coalesce(json_agg(x.j ORDER BY x.created_at, x.id),"
	"       '[]'::json)) END"
	" FROM (SELECT " NOTIFICATION_JSON " AS j, n.created_at, n.id"
	"  FROM notifications n, notifications l"
	"  WHERE l.id = $2::uuid AND l.user_id = $1::uuid AND n.user_id = $1::uuid"
	"    AND (n.created_at, n.id) > (l.created_at, l.id)"
	"  ORDER BY n.created_at, n.id LIMIT 100) x";

int wvl_notify_since(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *last_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_user(actor);
	if (rc)
		return rc;
	if (!last_id || !wvl_uuid_valid(last_id))
		return wvl_err__not_found();
	const char *p[] = {actor->user_id, last_id};
	return wvl_pg__read_one(out_json, ctx, actor, since_sql, 2, p);
}
