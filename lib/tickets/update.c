/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* PATCH of a ticket: the team's priority, category and assignee, and a
 * status change (the only change a client user may make: closing). */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../cache/cache.h"
#include "../core/json.h"
#include "tickets.h"

static const struct wvl_field fields[] = {
	{"status", WVL_F_STRING, false, 20},
	{"priority", WVL_F_STRING, false, 10},
	{"category", WVL_F_STRING, false, 20},
	{"assigned_to_id", WVL_F_NULLABLE_UUID, false, 0},
};

#define str wvl_tickets__str

/* Values beyond their JSON types. */
static int check_body(json_t *b)
{
	if (json_object_size(b) == 0)
		return wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	return wvl_tickets__check_enums(b);
}

static const char team_member_sql[] =
	"SELECT 1 FROM users WHERE id = $1::uuid AND role IN ('admin', 'staff') AND active";

int wvl_tickets__check_assignee(wvl_ctx *ctx, PGconn *c, const char *user_id)
{
	return wvl_tickets__exists(ctx, c, team_member_sql, user_id, "assigned_to_id",
				   "must be an active team member");
}

/* The deadline follows a new priority unless the clock is stopped. */
static const char fields_sql[] =
	"UPDATE support_tickets AS t SET priority = $2, category = $3,"
	" assigned_to_id = NULLIF($4, '')::uuid,"
	" sla_due_at = CASE WHEN t.sla_due_at IS NULL THEN NULL"
	"   ELSE wvl_ticket_sla_due(t.created_at, $2, t.first_response_at IS NOT NULL,"
	"   t.sla_paused) END, updated_at = $5::timestamptz WHERE t.id = $1::uuid";

/* Priority, category and assignee as the body sets them (the rest kept),
 * with one activity row naming what changed. */
static int set_fields(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor, struct wvl_ticket *t,
		      json_t *b, const char *now)
{
	json_t *who = json_object_get(b, "assigned_to_id");
	const char *prio = str(b, "priority") ? str(b, "priority") : t->priority;
	const char *cat = str(b, "category") ? str(b, "category") : t->category;
	const char *assignee = !who ? t->assignee : json_is_null(who) ? "" : json_string_value(who);
	char what[80] = "";
	size_t n = 0;
	if (strcmp(prio, t->priority))
		n += (size_t)snprintf(what + n, sizeof(what) - n, ", priority %s", prio);
	if (strcmp(cat, t->category))
		n += (size_t)snprintf(what + n, sizeof(what) - n, ", category %s", cat);
	if (strcasecmp(assignee, t->assignee))
		snprintf(what + n, sizeof(what) - n, ", %s", *assignee ? "assigned" : "unassigned");
	if (!what[0])
		return 0;
	int rc = wvl_tickets__check_assignee(ctx, c, *assignee ? assignee : NULL);
	if (rc)
		return rc;
	const char *p[] = {t->id, prio, cat, assignee, now};
	PGresult *r = wvl_pg__exec(ctx, c, fields_sql, 5, p);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	char summary[120];
	snprintf(summary, sizeof(summary), "Ticket #%s:%s", t->number, what + 1);
	return wvl_tickets__record(ctx, c, actor, t, "updated", summary);
}

struct update_arg {
	const char *id;
	json_t *body;
};

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct update_arg *a = arg;
	struct wvl_ticket t;
	int rc = wvl_tickets__lock(&t, ctx, c, actor, a->id);
	if (rc)
		return rc;
	const char *status = str(a->body, "status");
	if (wvl_tickets__is_client(actor) &&
	    (json_object_size(a->body) != 1 || !status || strcmp(status, "closed")))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "a client may only close a ticket");
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	rc = set_fields(ctx, c, actor, &t, a->body, now);
	if (!rc && status)
		rc = wvl_tickets__transition(ctx, c, actor, &t, status, now);
	return rc ? rc : wvl_tickets__view(out, ctx, c, actor, t.id);
}

int wvl_tickets_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		       const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	json_t *b = wvl_tickets__begin_body(out_json, ctx, actor, body_json, fields,
					    sizeof(fields) / sizeof(fields[0]));
	if (!b)
		return wvl_error_last()->code;
	int rc = check_body(b);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &(struct update_arg){id, b});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}

int wvl_tickets_close(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return wvl_tickets_update(out_json, ctx, actor, id, "{\"status\":\"closed\"}");
}
