/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Internal notes: the team's own rich text, sanitised on write. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../activity/activity.h"
#include "../core/json.h"
#include "../core/pg.h"
#include "../core/list.h"
#include "wavelaunch/notes.h"
#include "wavelaunch/sanitize.h"

#define NOTE_JSON                                                                           \
	"json_build_object('id', n.id, 'client_id', n.client_id, 'author_id', n.author_id," \
	" 'body', n.body, 'created_at', n.created_at, 'updated_at', n.updated_at)"

static const struct wvl_field note_fields[] = {{"body", WVL_F_TEXT, true, 100 * 1024}};

/* Client users may never see notes, not even that they exist. */
static int check(const wvl_actor *actor, const char *id)
{
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	return wvl_uuid_valid(id) ? 0 : wvl_err__not_found();
}

static const char list_sql[] =
	"SELECT " NOTE_JSON ", to_char(n.created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), n.id FROM notes n"
	" WHERE n.client_id = $1::uuid"
	"   AND ($2::timestamptz IS NULL OR (n.created_at, n.id) < ($2::timestamptz, $3::uuid))"
	" ORDER BY n.created_at DESC, n.id DESC LIMIT $4::int";

/* Newest first, one fixed order, no filters. */
static const struct wvl_list_spec list_spec = {"notes", NULL, 0, NULL, 0, NULL, 0};

int wvl_notes_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *client_id,
		   const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = check(actor, client_id);
	if (rc)
		return rc;
	struct wvl_list_query q;
	if ((rc = wvl_list__parse(&q, ctx, query, &list_spec)) != 0)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {client_id, q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 4, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

struct note_arg {
	const char *client_id;
	const char *html;
};

static const char insert_sql[] =
	"INSERT INTO notes AS n (client_id, author_id, body, created_at, updated_at)"
	" SELECT c.id, NULLIF($2, '')::uuid, $3, $4::timestamptz, $4::timestamptz"
	" FROM clients c WHERE c.id = $1::uuid RETURNING n.id, " NOTE_JSON;

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct note_arg *a = arg;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {a->client_id, actor->user_id, a->html, now};
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 4, p);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return wvl_err__not_found();
	}
	char id[37];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	*out = wvl_str__dup(PQgetvalue(r, 0, 1));
	PQclear(r);
	return wvl_activity__record(ctx, c, actor, a->client_id, "note", id, "created", "Note added");
}

int wvl_notes_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		     const char *client_id, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = check(actor, client_id);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, note_fields, 1);
	if (!b)
		return wvl_error_last()->code;
	const char *raw = json_string_value(json_object_get(b, "body"));
	char *html = NULL;
	rc = wvl_sanitize_html(&html, raw, strlen(raw));
	if (!rc && !html[strspn(html, " \t\r\n")])
		rc = wvl_json__field_error("body", "must not be empty");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &(struct note_arg){client_id, html});
	wvl_free(html);
	json_decref(b);
	return rc;
}

static int delete_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	const char *p[] = {arg};
	PGresult *r = wvl_pg__exec(ctx, c, "DELETE FROM notes WHERE id = $1::uuid RETURNING client_id", 1, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	char client_id[37] = "";
	if (!rc)
		snprintf(client_id, sizeof(client_id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	(void)out;
	return rc ? rc : wvl_activity__record(ctx, c, actor, client_id, "note", arg, "deleted",
					       "Note deleted");
}

int wvl_notes_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	int rc = check(actor, id);
	char *out = NULL;
	return rc ? rc : wvl_pg__in_tx(&out, ctx, actor, delete_step, (void *)id);
}
