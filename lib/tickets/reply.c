/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Replies and internal notes, with attachments from the files module. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../core/json.h"
#include "tickets.h"

static const struct wvl_field fields[] = {
	{"message", WVL_F_TEXT, true, 50000},
	{"internal", WVL_F_BOOL, false, 0},
	{"file_ids", WVL_F_UUID_LIST, false, 10},
};

struct reply_arg {
	const char *id;
	json_t *body;
	const char *html;
	char *files; /* the ids as a PostgreSQL array literal, or NULL */
};

/* {"a","b"} from a list of uuids (checked by the body's parser). */
static char *array_literal(json_t *ids)
{
	size_t n = json_array_size(ids);
	if (!n)
		return NULL;
	char *out = malloc(n * 39 + 3), *w = out;
	if (!out)
		return NULL;
	*w++ = '{';
	for (size_t i = 0; i < n; i++)
		w += sprintf(w, "%s%s", i ? "," : "", json_string_value(json_array_get(ids, i)));
	strcpy(w, "}");
	return out;
}

static const char files_sql[] =
	"SELECT count(*) = cardinality($1::uuid[]) FROM files"
	" WHERE id = ANY($1::uuid[]) AND client_id = $2::uuid AND deleted_at IS NULL";

/* Every file must be a live one of the ticket's client (an internal
 * ticket has no client, so no files).  One message for every failure: it
 * tells nothing about other clients' files. */
static int check_files(wvl_ctx *ctx, PGconn *c, const struct wvl_ticket *t, const char *files)
{
	if (!files)
		return 0;
	if (!t->client_id[0])
		return wvl_json__field_error("file_ids", "must be files of the ticket's client");
	const char *p[] = {files, t->client_id};
	PGresult *r = wvl_pg__exec(ctx, c, files_sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	bool all = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return all ? 0 : wvl_json__field_error("file_ids", "must be files of the ticket's client");
}

static const char insert_sql[] =
	"INSERT INTO ticket_messages (ticket_id, author_id, message, html, is_admin_reply,"
	" internal, created_at) VALUES ($1::uuid, NULLIF($2, '')::uuid, $3, $4, $5::boolean,"
	" $6::boolean, $7::timestamptz) RETURNING id";

/* A statement of its own: the links' policy looks the message up, and a
 * row written earlier in the same statement would not be seen. */
static const char attach_sql[] =
	"INSERT INTO ticket_message_files (message_id, file_id)"
	" SELECT $1::uuid, unnest($2::uuid[])";

static int insert(char id[37], wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		  const struct wvl_ticket *t, const struct reply_arg *a, const char *now)
{
	bool internal = json_is_true(json_object_get(a->body, "internal"));
	const char *p[] = {t->id, actor->user_id, wvl_tickets__str(a->body, "message"), a->html,
			   wvl_tickets__is_client(actor) ? "false" : "true",
			   internal ? "true" : "false", now};
	PGresult *r = wvl_pg__exec_one(ctx, c, insert_sql, 7, p);
	if (!r)
		return wvl_error_last()->code;
	snprintf(id, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!a->files)
		return 0;
	const char *pf[] = {id, a->files};
	r = wvl_pg__exec(ctx, c, attach_sql, 2, pf);
	int rc = r ? 0 : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

/* The team's first public answer stops the first-response clock (net of
 * pauses up to now) and the resolution deadline takes over. */
static const char answered_sql[] =
	"UPDATE support_tickets AS t SET first_response_at = coalesce(t.first_response_at,"
	" $2::timestamptz), first_response_time = coalesce(t.first_response_time,"
	" $2::timestamptz - t.created_at - wvl_ticket_paused(t, $2::timestamptz)),"
	" sla_due_at = CASE WHEN t.sla_due_at IS NULL THEN NULL"
	"   ELSE wvl_ticket_sla_due(t.created_at, t.priority, true, t.sla_paused) END,"
	" updated_at = $2::timestamptz WHERE t.id = $1::uuid";

static const char touch_sql[] =
	"UPDATE support_tickets SET updated_at = $2::timestamptz WHERE id = $1::uuid";

/* What a reply does to its ticket.  An internal note touches nothing a
 * client could see, not even updated_at. */
static int touch_ticket(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor, struct wvl_ticket *t,
			bool internal, const char *now)
{
	if (internal)
		return 0;
	bool client = wvl_tickets__is_client(actor);
	/* A client's answer hands the ticket back to the team. */
	if (client && (!strcmp(t->status, "waiting_on_client") || !strcmp(t->status, "resolved")))
		return wvl_tickets__transition(ctx, c, actor, t, "open", now);
	const char *p[] = {t->id, now};
	PGresult *r = wvl_pg__exec(ctx, c, client ? touch_sql : answered_sql, 2, p);
	int rc = r ? 0 : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

static int events(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor, const struct wvl_ticket *t,
		  bool internal, const char *message_id)
{
	bool client = wvl_tickets__is_client(actor);
	char summary[120];
	snprintf(summary, sizeof(summary), "%s on ticket #%s",
		 internal ? "Internal note" : client ? "Client reply" : "Team reply", t->number);
	int rc = 0;
	if (!internal && (client || t->client_id[0]))
		rc = wvl_tickets__notify(ctx, c, t, "ticket_replied", client ? "team" : "client",
					 message_id, false);
	return rc ? rc : wvl_tickets__record(ctx, c, actor, t, internal ? "noted" : "replied",
					     summary);
}

static const char message_sql[] =
	"SELECT " WVL_TICKETS_MESSAGE_JSON("$2::boolean") " FROM ticket_messages m"
	" WHERE m.id = $1::uuid";

static int reply_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct reply_arg *a = arg;
	struct wvl_ticket t;
	bool internal = json_is_true(json_object_get(a->body, "internal"));
	char now[40], id[37];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	int rc = wvl_tickets__lock(&t, ctx, c, actor, a->id);
	if (!rc && !internal && !strcmp(t.status, "closed"))
		rc = wvl_err__set(WVL_ECONFLICT, NULL, "the ticket is closed");
	if (!rc)
		rc = check_files(ctx, c, &t, a->files);
	if (!rc)
		rc = insert(id, ctx, c, actor, &t, a, now);
	if (!rc)
		rc = touch_ticket(ctx, c, actor, &t, internal, now);
	if (!rc)
		rc = events(ctx, c, actor, &t, internal, id);
	const char *p[] = {id, wvl_tickets__is_client(actor) ? "true" : "false"};
	return rc ? rc : wvl_pg__json_row(out, ctx, c, message_sql, 2, p);
}

int wvl_tickets_reply(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		      const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	json_t *b = wvl_tickets__begin_body(out_json, ctx, actor, body_json, fields,
					    sizeof(fields) / sizeof(fields[0]));
	if (!b)
		return wvl_error_last()->code;
	int rc;
	struct reply_arg a = {id, b, NULL, array_literal(json_object_get(b, "file_ids"))};
	char *html = NULL;
	if (wvl_tickets__is_client(actor) && json_is_true(json_object_get(b, "internal")))
		rc = wvl_err__set(WVL_EFORBIDDEN, NULL, "internal notes are for the team");
	else if (json_array_size(json_object_get(b, "file_ids")) && !a.files)
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	else
		rc = wvl_tickets__render(&html, "message", wvl_tickets__str(b, "message"));
	a.html = html;
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, reply_step, &a);
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_ANALYTICS));
	wvl_free(html);
	free(a.files);
	json_decref(b);
	return rc;
}
