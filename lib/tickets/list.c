/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The ticket list: the conditions in force only (a catch-all
 * "$1 IS NULL OR ..." has no good generic plan), keyset pages, sparse
 * fieldsets, full-text search over what the reader may see. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tickets.h"

#define MAX_PARAMS 16

/* The statement being built and its parameters; $1 and $2 are the clock's
 * (WVL_TICKETS_CLOCK). */
struct stmt {
	char sql[8192];
	size_t len;
	const char *p[MAX_PARAMS];
	int np;
	bool fits;
};

static void put(struct stmt *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = s->len < sizeof(s->sql) ? sizeof(s->sql) - s->len : 0;
	int n = room ? vsnprintf(s->sql + s->len, room, fmt, ap) : 0;
	va_end(ap);
	s->len += n > 0 ? (size_t)n : 0;
	s->fits = s->fits && n >= 0 && s->len < sizeof(s->sql);
}

/* A parameter's number, for the condition that uses it. */
static int param(struct stmt *s, const char *value)
{
	if (s->np == MAX_PARAMS) {
		s->fits = false;
		return MAX_PARAMS;
	}
	s->p[s->np++] = value;
	return s->np;
}

/* " AND <column> = $n<cast>" when `value` is set. */
static void equals(struct stmt *s, const char *column, const char *value, const char *cast)
{
	if (value)
		put(s, " AND %s = $%d%s", column, param(s, value), cast);
}

/* The search's words as a tsquery, once per statement (websearch_to_tsquery
 * takes any text without a syntax error), or NULL (nothing matches) when
 * the text holds no word: to_tsvector is asked first because
 * websearch_to_tsquery raises a NOTICE on such text, which would put a
 * warning in the log for every "!" a visitor searches for. */
static void search_from(struct stmt *s, const char *q)
{
	if (!q || !*q)
		return;
	int k = param(s, q);
	put(s, " CROSS JOIN (SELECT CASE WHEN to_tsvector('english', $%d) = ''::tsvector THEN NULL"
	       " ELSE websearch_to_tsquery('english', $%d) END AS words) search", k, k);
}

/* Those words in subjects, descriptions and the messages the reader may
 * see, or the ticket's number ("42", "#42"). */
static void search_where(struct stmt *s, const char *q)
{
	char number[37];
	bool number_form = false;
	if (!q || !*q)
		return;
	put(s, " AND (t.search @@ search.words OR EXISTS (SELECT 1 FROM ticket_messages m"
	       " WHERE m.ticket_id = t.id AND NOT (clock.client AND m.internal)"
	       " AND m.search @@ search.words)");
	if (wvl_tickets__ref(q, &number_form, number) && number_form)
		put(s, " OR t.number = $%d::bigint", param(s, q + (q[0] == '#')));
	put(s, ")");
}

/* Whose tickets: a client user's own (whatever ?client_id says, and a
 * scope of another client is not found), else the scope and the filter. */
static int scope(struct stmt *s, const wvl_actor *actor, const char *scope_id,
		 const struct wvl_list_query *q)
{
	if (scope_id && !wvl_uuid_valid(scope_id))
		return wvl_err__not_found();
	if (wvl_tickets__is_client(actor)) {
		if (scope_id && strcmp(scope_id, actor->client_id))
			return wvl_err__not_found();
		equals(s, "t.client_id", actor->client_id, "::uuid");
		return 0;
	}
	equals(s, "t.client_id", scope_id, "::uuid");
	equals(s, "t.client_id", wvl_list__get(q, "client_id"), "::uuid");
	equals(s, "t.assigned_to_id", wvl_list__get(q, "assigned_to_id"), "::uuid");
	equals(s, "wvl_ticket_sla_state(t, clock.at)", wvl_list__get(q, "sla"), "");
	return 0;
}

static int build(struct stmt *s, int *ncols, int *key_col, const wvl_actor *actor,
		 const char *scope_id, const struct wvl_list_query *q, char *limit)
{
	char proj[2048];
	int rc = wvl_list__select(proj, sizeof(proj), ncols, key_col, q->spec, q->fields,
				  q->sort->expr);
	if (rc)
		return rc;
	put(s, "SELECT %s FROM support_tickets t CROSS JOIN " WVL_TICKETS_CLOCK, proj);
	search_from(s, wvl_list__get(q, "q"));
	put(s, " WHERE t.merged_into_id IS NULL");
	if ((rc = scope(s, actor, scope_id, q)) != 0)
		return rc;
	equals(s, "t.status", wvl_list__get(q, "status"), "");
	equals(s, "t.priority", wvl_list__get(q, "priority"), "");
	equals(s, "t.category", wvl_list__get(q, "category"), "");
	search_where(s, wvl_list__get(q, "q"));
	const char *op = q->desc ? "<" : ">", *dir = q->desc ? "DESC" : "ASC";
	if (q->has_cursor) {
		int k = param(s, q->cursor_key), i = param(s, q->cursor_id);
		put(s, " AND (%s, t.id) %s ($%d%s, $%d::uuid)", q->sort->expr, op, k, q->sort->cast,
		    i);
	}
	snprintf(limit, 16, "%d", q->limit + 1);
	put(s, " ORDER BY %s %s, t.id %s LIMIT $%d::int", q->sort->expr, dir, dir, param(s, limit));
	return s->fits ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "list statement too long");
}

int wvl_tickets_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		     const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	int rc = wvl_tickets__begin_call(out_json, ctx, actor);
	struct wvl_list_query q;
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, wvl_tickets__spec(actor));
	if (rc)
		return rc;
	struct stmt s = {.fits = true};
	char now[40], limit[16];
	int ncols = 0, key_col = 0;
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	param(&s, now);
	param(&s, wvl_tickets__is_client(actor) ? "true" : "false");
	if ((rc = build(&s, &ncols, &key_col, actor, scope_id, &q, limit)) != 0)
		return rc;
	PGresult *r = wvl_pg__read(ctx, actor, s.sql, s.np, s.p);
	rc = r ? wvl_list__page_cols(out_json, ctx, &q, r, ncols, key_col, 0)
	       : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
