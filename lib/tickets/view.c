/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The ticket resource: its fields and the SQL producing them, the list's
 * filters and sorts, and how a ticket is named (uuid or number, merges
 * followed) for a read or a locked change. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/rowjson.h"
#include "tickets.h"

static const char *const sla_states[] = {"on_track", "breached", "paused", "met", "missed",
					 NULL};

/* The fields, alias t.  The team's own (who is assigned, who opened it,
 * the SLA) come last: a client user's view is the same list cut short. */
static const struct wvl_list_field columns[] = {
	{"id", "t.id"},
	{"number", "t.number"},
	{"subject", "t.subject"},
	{"description", "t.description"},
	{"description_html", "t.description_html"},
	{"status", "t.status"},
	{"priority", "t.priority"},
	{"category", "t.category"},
	{"client_id", "t.client_id"},
	{"merged_into_id", "t.merged_into_id"},
	/* Internal notes are not counted for a client (RLS hides them too). */
	{"message_count", "(SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id"
			  " AND NOT (clock.client AND m.internal)) AS message_count"},
	{"first_response_at", "t.first_response_at"},
	{"resolved_at", "t.resolved_at"},
	{"closed_at", "t.closed_at"},
	{"created_at", "t.created_at"},
	{"updated_at", "t.updated_at"},
	{"assigned_to_id", "t.assigned_to_id"},
	{"created_by", "t.created_by"},
	{"sla", "wvl_ticket_sla_json(t, clock.at) AS sla"},
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))
#define NTEAM_ONLY 3

static const struct wvl_list_filter filters[] = {
	{"status", WVL_PARAM_ENUM, wvl_tickets__statuses, 0},
	{"priority", WVL_PARAM_ENUM, wvl_tickets__priorities, 0},
	{"category", WVL_PARAM_ENUM, wvl_tickets__categories, 0},
	{"assigned_to_id", WVL_PARAM_UUID, NULL, 0},
	{"client_id", WVL_PARAM_UUID, NULL, 0},
	{"sla", WVL_PARAM_ENUM, sla_states, 0},
	{"q", WVL_PARAM_TEXT, NULL, 200},
};

/* Newest first by default; priority urgent first; sla soonest deadline
 * first, tickets without one (paused, finished) last.  Those two keys are
 * integers (list.c checks a cursor's key against its cast). */
static const struct wvl_list_sort sorts[] = {
	{"created_at", "t.created_at", "::timestamptz", true},
	{"updated_at", "t.updated_at", "::timestamptz", true},
	{"number", "t.number", "::bigint", true},
	{"priority", "array_position(ARRAY['urgent', 'high', 'medium', 'low'], t.priority)",
	 "::int", false},
	{"sla", "coalesce((extract(epoch FROM t.sla_due_at) * 1000000)::bigint,"
		" 9223372036854775807)", "::bigint", false},
};

#define NFILTERS (sizeof(filters) / sizeof(filters[0]))
#define NSORTS (sizeof(sorts) / sizeof(sorts[0]))

static const struct wvl_list_spec team_spec = {"tickets", filters, NFILTERS, sorts, NSORTS,
					       columns, NCOLUMNS};
static const struct wvl_list_spec client_spec = {"tickets", filters, NFILTERS, sorts, NSORTS,
						 columns, NCOLUMNS - NTEAM_ONLY};

const struct wvl_list_spec *wvl_tickets__spec(const wvl_actor *actor)
{
	return wvl_tickets__is_client(actor) ? &client_spec : &team_spec;
}

bool wvl_tickets__ref(const char *ref, bool *number_form, char param[37])
{
	if (!ref)
		return false;
	if (wvl_uuid_valid(ref)) {
		*number_form = false;
		snprintf(param, 37, "%s", ref);
		return true;
	}
	ref += ref[0] == '#';
	size_t n = strlen(ref);
	/* 18 digits always fit a bigint. */
	if (n == 0 || n > 18 || strspn(ref, "0123456789") != n)
		return false;
	*number_form = true;
	snprintf(param, 37, "%s", ref);
	return true;
}

/* ---- one ticket as the actor's view ---- */

/* s is the ticket as named, t where it lives (itself unless merged). */
#define RESOLVED                                                                             \
	" FROM support_tickets s"                                                             \
	" JOIN support_tickets t ON t.id = coalesce(s.merged_into_id, s.id)"

#define NAMED(where)                                                                         \
	RESOLVED " CROSS JOIN " WVL_TICKETS_CLOCK " WHERE " where                             \
		 " AND ($4 = '' OR t.client_id = NULLIF($4, '')::uuid)"

static const char by_id[] = NAMED("s.id = $3::uuid");
static const char by_number[] = NAMED("s.number = $3::bigint");

static PGresult *run(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor, const char *sql, int n,
		     const char *const *p)
{
	return c ? wvl_pg__exec(ctx, c, sql, n, p) : wvl_pg__read(ctx, actor, sql, n, p);
}

int wvl_tickets__view(char **out, wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		      const char *ref)
{
	char param[37], proj[2048], sql[4096], now[40];
	bool number_form;
	if (!wvl_tickets__ref(ref, &number_form, param))
		return wvl_err__not_found();
	int ncols, key_col;
	int rc = wvl_list__select(proj, sizeof(proj), &ncols, &key_col, wvl_tickets__spec(actor),
				  NULL, NULL);
	if (rc)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT %s%s", proj, number_form ? by_number : by_id);
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {now, wvl_tickets__is_client(actor) ? "true" : "false", param,
			   wvl_tickets__scope_of(actor)};
	PGresult *r = run(ctx, c, actor, sql, 4, p);
	if (!r)
		return wvl_error_last()->code;
	rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	struct wvl_buf b = WVL_BUF_INIT;
	if (!rc)
		wvl_rowjson__object(&b, r, 0, 0, ncols);
	PQclear(r);
	if (!rc && !(*out = wvl_buf__take(&b)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return rc;
}

/* ---- resolving and locking for a change ---- */

#define FIND(where, lock)                                                                    \
	"SELECT " WVL_TICKETS_ROW RESOLVED " WHERE " where                                    \
	" AND ($2 = '' OR t.client_id = NULLIF($2, '')::uuid)" lock
#define LOCKED " FOR UPDATE OF t"

static const char *const find_sql[2][2] = {
	{FIND("s.id = $1::uuid", ""), FIND("s.number = $1::bigint", "")},
	{FIND("s.id = $1::uuid", LOCKED), FIND("s.number = $1::bigint", LOCKED)},
};

/* Locked on `c`, or (c NULL) read on its own. */
static int find(struct wvl_ticket *t, wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		const char *ref)
{
	char param[37];
	bool number_form;
	if (!wvl_tickets__ref(ref, &number_form, param))
		return wvl_err__not_found();
	const char *p[] = {param, wvl_tickets__scope_of(actor)};
	const char *sql = find_sql[c != NULL][number_form];
	PGresult *r = c ? wvl_pg__exec_one(ctx, c, sql, 2, p) : wvl_pg__read(ctx, actor, sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	if (!rc)
		wvl_tickets__from_row(t, r);
	PQclear(r);
	return rc;
}

void wvl_tickets__from_row(struct wvl_ticket *t, const PGresult *r)
{
	snprintf(t->id, sizeof(t->id), "%s", PQgetvalue(r, 0, 0));
	snprintf(t->client_id, sizeof(t->client_id), "%s", PQgetvalue(r, 0, 1));
	snprintf(t->status, sizeof(t->status), "%s", PQgetvalue(r, 0, 2));
	snprintf(t->number, sizeof(t->number), "%s", PQgetvalue(r, 0, 3));
	snprintf(t->priority, sizeof(t->priority), "%s", PQgetvalue(r, 0, 4));
	snprintf(t->category, sizeof(t->category), "%s", PQgetvalue(r, 0, 5));
	snprintf(t->assignee, sizeof(t->assignee), "%s", PQgetvalue(r, 0, 6));
}

int wvl_tickets__lock(struct wvl_ticket *t, wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
		      const char *ref)
{
	return find(t, ctx, c, actor, ref);
}

int wvl_tickets__find(struct wvl_ticket *t, wvl_ctx *ctx, const wvl_actor *actor,
		      const char *ref)
{
	return find(t, ctx, NULL, actor, ref);
}

int wvl_tickets_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	int rc = wvl_tickets__begin_call(out_json, ctx, actor);
	return rc ? rc : wvl_tickets__view(out_json, ctx, NULL, actor, id);
}
