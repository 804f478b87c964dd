/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Merging a duplicate into another ticket of the same client: the thread
 * moves, the duplicate closes and points at the other for good. */

#include <stdio.h>
#include <string.h>

#include "../cache/cache.h"
#include "../core/json.h"
#include "tickets.h"

static const struct wvl_field fields[] = {{"into", WVL_F_STRING, true, 40}};

/* The duplicate as named, not followed: one merged already is refused. */
#define SOURCE(where)                                                                        \
	"SELECT " WVL_TICKETS_ROW ", t.merged_into_id IS NOT NULL FROM support_tickets t"     \
	" WHERE " where " FOR UPDATE"
static const char *const source_sql[2] = {SOURCE("t.id = $1::uuid"),
					  SOURCE("t.number = $1::bigint")};

static int lock_source(struct wvl_ticket *s, wvl_ctx *ctx, PGconn *c, const char *ref)
{
	char param[37];
	bool number_form;
	if (!wvl_tickets__ref(ref, &number_form, param))
		return wvl_err__not_found();
	const char *p[] = {param};
	PGresult *r = wvl_pg__exec_one(ctx, c, source_sql[number_form], 1, p);
	if (!r)
		return wvl_error_last()->code;
	wvl_tickets__from_row(s, r);
	bool merged = PQgetvalue(r, 0, 7)[0] == 't';
	PQclear(r);
	return merged ? wvl_err__set(WVL_ECONFLICT, NULL, "the ticket was merged already") : 0;
}

static int check_pair(const struct wvl_ticket *s, const struct wvl_ticket *d)
{
	if (!strcmp(s->id, d->id))
		return wvl_json__field_error("into", "is this ticket");
	if (strcmp(s->client_id, d->client_id))
		return wvl_json__field_error("into", "must be a ticket of the same client");
	if (!strcmp(d->status, "closed"))
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "a ticket cannot be merged into a closed one");
	return 0;
}

/* $1 the duplicate, $2 the ticket it goes into, $3 now (the last
 * statement only).  The description becomes a message dated when it was
 * written; tickets merged into the duplicate before now point at the new
 * home too (one hop resolves any number). */
static const struct {
	const char *sql;
	int nparams;
} move_sql[] = {
	{"INSERT INTO ticket_messages (ticket_id, author_id, message, html, is_admin_reply,"
	 " internal, created_at) SELECT $2::uuid, s.created_by, s.description, s.description_html,"
	 " coalesce(u.role <> 'client', true), false, s.created_at"
	 " FROM support_tickets s LEFT JOIN users u ON u.id = s.created_by"
	 " WHERE s.id = $1::uuid AND btrim(s.description, E' \\t\\r\\n') <> ''", 2},
	{"UPDATE ticket_messages SET ticket_id = $2::uuid WHERE ticket_id = $1::uuid", 2},
	{"UPDATE support_tickets SET merged_into_id = $2::uuid WHERE merged_into_id = $1::uuid", 2},
	{"UPDATE support_tickets SET updated_at = $3::timestamptz, merged_into_id = CASE"
	 " WHEN id = $1::uuid THEN $2::uuid ELSE merged_into_id END"
	 " WHERE id IN ($1::uuid, $2::uuid)",
	 3},
};

static int move(wvl_ctx *ctx, PGconn *c, const struct wvl_ticket *s, const struct wvl_ticket *d,
		const char *now)
{
	bool open = strcmp(s->status, "closed") != 0;
	int rc = open ? wvl_tickets__apply_status(ctx, c, s->id, "closed", now) : 0;
	const char *p[] = {s->id, d->id, now};
	for (size_t i = 0; !rc && i < sizeof(move_sql) / sizeof(move_sql[0]); i++) {
		PGresult *r = wvl_pg__exec(ctx, c, move_sql[i].sql, move_sql[i].nparams, p);
		rc = r ? 0 : wvl_error_last()->code;
		PQclear(r);
	}
	return rc;
}

struct merge_arg {
	const char *id;
	const char *into;
};

static int merge_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct merge_arg *a = arg;
	struct wvl_ticket s, d;
	char now[40], summary[120];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	int rc = lock_source(&s, ctx, c, a->id);
	if (!rc && (rc = wvl_tickets__lock(&d, ctx, c, actor, a->into)) == WVL_ENOTFOUND)
		rc = wvl_json__field_error("into", "no such ticket");
	if (!rc)
		rc = check_pair(&s, &d);
	if (!rc)
		rc = move(ctx, c, &s, &d, now);
	if (rc)
		return rc;
	snprintf(summary, sizeof(summary), "Ticket #%s merged into #%s", s.number, d.number);
	rc = wvl_tickets__record(ctx, c, actor, &d, "merged", summary);
	return rc ? rc : wvl_tickets__view(out, ctx, c, actor, d.id);
}

int wvl_tickets_merge(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		      const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	json_t *b = wvl_tickets__begin_body(out_json, ctx, actor, body_json, fields, 1);
	if (!b)
		return wvl_error_last()->code;
	struct merge_arg a = {id, wvl_tickets__str(b, "into")};
	int rc = wvl_actor__need_team(actor);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, merge_step, &a);
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}
