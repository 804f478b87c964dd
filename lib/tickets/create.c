/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Opening a ticket: the team for a client (or for itself), a client user
 * from the portal for its own client. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../core/json.h"
#include "tickets.h"

/* A client user's fields are the first three. */
static const struct wvl_field fields[] = {
	{"subject", WVL_F_STRING, true, 300},
	{"description", WVL_F_TEXT, false, 50000},
	{"category", WVL_F_STRING, false, 20},
	{"priority", WVL_F_STRING, false, 10},
	{"client_id", WVL_F_NULLABLE_UUID, false, 0},
	{"assigned_to_id", WVL_F_NULLABLE_UUID, false, 0},
};
#define NCLIENT_FIELDS 3

#define str wvl_tickets__str

static int check_body(json_t *b)
{
	const char *subject = str(b, "subject");
	if (!subject[strspn(subject, " \t")])
		return wvl_json__field_error("subject", "must not be blank");
	return wvl_tickets__check_enums(b);
}

struct create_arg {
	json_t *body;
	const char *html;
};

static const char insert_sql[] =
	"INSERT INTO support_tickets AS t (subject, description, description_html, priority,"
	" category, client_id, assigned_to_id, created_by, sla_due_at, created_at, updated_at)"
	" VALUES ($1, coalesce($2, ''), $3, coalesce($4, 'medium'), coalesce($5, 'general'),"
	" $6::uuid, $7::uuid, NULLIF($8, '')::uuid,"
	" wvl_ticket_sla_due($9::timestamptz, coalesce($4, 'medium'), false, interval '0'),"
	" $9::timestamptz, $9::timestamptz)"
	" RETURNING " WVL_TICKETS_ROW;

static int insert(struct wvl_ticket *t, wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		  const struct create_arg *a, const char *now)
{
	json_t *b = a->body;
	const char *client = wvl_tickets__is_client(actor) ? actor->client_id : str(b, "client_id");
	const char *assignee = str(b, "assigned_to_id");
	int rc = wvl_tickets__exists(ctx, c, "SELECT 1 FROM clients WHERE id = $1::uuid", client,
				     "client_id", "no such client");
	if (!rc)
		rc = wvl_tickets__check_assignee(ctx, c, assignee);
	if (rc)
		return rc;
	const char *p[] = {str(b, "subject"), str(b, "description"), a->html, str(b, "priority"),
			   str(b, "category"), client, assignee, actor->user_id, now};
	PGresult *r = wvl_pg__exec_one(ctx, c, insert_sql, 9, p);
	if (!r)
		return wvl_error_last()->code;
	wvl_tickets__from_row(t, r);
	PQclear(r);
	return 0;
}

/* The jobs first, then the activity: a failure after the enqueue must take
 * the jobs with it (tested by making the activity insert fail). */
static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct wvl_ticket t;
	char now[40], summary[300];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	int rc = insert(&t, ctx, c, actor, arg, now);
	if (rc)
		return rc;
	rc = wvl_tickets__notify(ctx, c, &t, "ticket_created", "team", t.id, false);
	snprintf(summary, sizeof(summary), "Ticket #%s opened: %s", t.number,
		 str(((struct create_arg *)arg)->body, "subject"));
	if (!rc)
		rc = wvl_tickets__record(ctx, c, actor, &t, "created", summary);
	return rc ? rc : wvl_tickets__view(out, ctx, c, actor, t.id);
}

int wvl_tickets_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		       const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	size_t n = actor && wvl_tickets__is_client(actor) ? NCLIENT_FIELDS
							   : sizeof(fields) / sizeof(fields[0]);
	json_t *b = wvl_tickets__begin_body(out_json, ctx, actor, body_json, fields, n);
	if (!b)
		return wvl_error_last()->code;
	char *html = NULL;
	const char *description = str(b, "description");
	int rc = check_body(b);
	if (!rc)
		rc = wvl_tickets__render(&html, NULL, description ? description : "");
	struct create_arg a = {b, html};
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &a);
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_ANALYTICS));
	wvl_free(html);
	json_decref(b);
	return rc;
}
