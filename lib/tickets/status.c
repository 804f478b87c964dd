/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Status changes: the transition table, and the SLA bookkeeping each
 * change does in one statement (pauses while waiting on the client,
 * deadlines, resolution time). */

#include <stdio.h>
#include <string.h>

#include "tickets.h"

/* Where each status may go (wavelaunch/tickets.h lists the same). */
static const struct {
	const char *from;
	const char *to[5];
} transitions[] = {
	{"open", {"in_progress", "waiting_on_client", "resolved", "closed"}},
	{"in_progress", {"open", "waiting_on_client", "resolved", "closed"}},
	{"waiting_on_client", {"open", "in_progress", "resolved", "closed"}},
	{"resolved", {"open", "in_progress", "closed"}},
	{"closed", {"open"}},
};

/* The allowed targets from `from`, or NULL for an unknown status. */
static const char *const *targets(const char *from)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (!strcmp(transitions[i].from, from))
			return transitions[i].to;
	return NULL;
}

static int refuse(const char *from, const char *to, const char *const *allowed)
{
	char list[128] = "";
	for (size_t i = 0, n = 0; i < 5 && allowed && allowed[i]; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      allowed[i]);
	return wvl_err__set(WVL_ECONFLICT, NULL, "a ticket cannot go from %s to %s; allowed: %s",
			    from, to, list);
}

/* x.paused: the paused time once this change is made (an open pause ends
 * unless the ticket stays waiting).  The first-response deadline runs until
 * the team has answered, then the resolution deadline; neither runs while
 * paused or finished.  Reopening clears the resolution. */
static const char status_sql[] =
	"UPDATE support_tickets AS t SET status = $2::text, sla_paused = x.paused,"
	" waiting_since = CASE WHEN $2::text = 'waiting_on_client'"
	"   THEN coalesce(t.waiting_since, $3::timestamptz) END,"
	" sla_due_at = CASE WHEN $2::text IN ('waiting_on_client', 'resolved', 'closed') THEN NULL"
	"   ELSE wvl_ticket_sla_due(t.created_at, t.priority, t.first_response_at IS NOT NULL,"
	"   x.paused) END,"
	" resolved_at = CASE WHEN $2::text = 'resolved' THEN $3::timestamptz"
	"   WHEN $2::text = 'closed' THEN t.resolved_at END,"
	" closed_at = CASE WHEN $2::text = 'closed' THEN $3::timestamptz END,"
	" resolution_time = CASE WHEN $2::text IN ('resolved', 'closed')"
	"   THEN coalesce(t.resolution_time, $3::timestamptz - t.created_at - x.paused) END,"
	" updated_at = $3::timestamptz"
	" FROM (SELECT s.id, CASE WHEN $2::text = 'waiting_on_client' THEN s.sla_paused"
	"   ELSE wvl_ticket_paused(s, $3::timestamptz) END AS paused"
	"   FROM support_tickets s WHERE s.id = $1::uuid) x"
	" WHERE t.id = x.id";

int wvl_tickets__apply_status(wvl_ctx *ctx, PGconn *c, const char *id, const char *to,
			      const char *now)
{
	const char *p[] = {id, to, now};
	PGresult *r = wvl_pg__exec(ctx, c, status_sql, 3, p);
	if (!r)
		return wvl_error_last()->code;
	bool changed = !strcmp(PQcmdTuples(r), "1");
	PQclear(r);
	return changed ? 0 : wvl_err__not_found();
}

int wvl_tickets__transition(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
			    struct wvl_ticket *t, const char *to, const char *now)
{
	if (!strcmp(t->status, to))
		return 0;
	const char *const *allowed = targets(t->status);
	/* Each row of the table leaves at least its last slot NULL. */
	if (!allowed || !wvl_tickets__one_of(allowed, to))
		return refuse(t->status, to, allowed);
	int rc = wvl_tickets__apply_status(ctx, c, t->id, to, now);
	char summary[120], key[80];
	snprintf(summary, sizeof(summary), "Ticket #%s: %s to %s", t->number, t->status, to);
	snprintf(t->status, sizeof(t->status), "%s", to);
	bool closing = !strcmp(to, "closed");
	if (!rc && closing && t->client_id[0]) {
		snprintf(key, sizeof(key), "%s:%s", t->id, now);
		rc = wvl_tickets__notify(ctx, c, t, "ticket_closed", "client", key, true);
	}
	if (!rc)
		rc = wvl_tickets__record(ctx, c, actor, t, closing ? "closed" : "status_changed",
					 summary);
	return rc;
}
