/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A ticket's thread, oldest first; a client user never gets the internal
 * notes (and row-level security hides them again). */

#include <stdio.h>

#include "tickets.h"

static const char list_sql[] =
	"SELECT " WVL_TICKETS_MESSAGE_JSON("$2::boolean") ", to_char(m.created_at AT TIME ZONE"
	" 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), m.id FROM ticket_messages m"
	" WHERE m.ticket_id = $1::uuid AND NOT ($2::boolean AND m.internal)"
	"   AND ($3::timestamptz IS NULL OR (m.created_at, m.id) > ($3::timestamptz, $4::uuid))"
	" ORDER BY m.created_at, m.id LIMIT $5::int";

/* Oldest first, one fixed order, no filters. */
static const struct wvl_list_spec list_spec = {"ticket_messages", NULL, 0, NULL, 0, NULL, 0};

int wvl_tickets_messages_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *ticket_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	int rc = wvl_tickets__begin_call(out_json, ctx, actor);
	struct wvl_list_query q;
	struct wvl_ticket t;
	if (!rc)
		rc = ticket_id ? 0 : wvl_err__set(WVL_EINVAL, NULL, "this list needs the ticket");
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (!rc)
		rc = wvl_tickets__find(&t, ctx, actor, ticket_id);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {t.id, wvl_tickets__is_client(actor) ? "true" : "false",
			   q.has_cursor ? q.cursor_key : NULL, q.has_cursor ? q.cursor_id : NULL,
			   limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 5, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
