/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The email log for admins: one entry, the list (newest first, filters,
 * keyset pages) and sending a failed email again. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "email.h"

#define EMAIL_JSON                                                                           \
	"json_build_object('id', e.id, 'to', e.to_address, 'name', e.to_name,"              \
	" 'subject', e.subject, 'template', e.template, 'category', e.category,"            \
	" 'status', e.status, 'provider_id', e.provider_id, 'error', e.error,"              \
	" 'attempts', e.attempts, 'resends', e.resends, 'client_id', e.client_id,"          \
	" 'user_id', e.user_id, 'sent_at', e.sent_at, 'created_at', e.created_at,"          \
	" 'updated_at', e.updated_at, 'attachments', e.attachments)::text"

/* Email logs are admin business (API.md). */
static int need_admin(const wvl_actor *a)
{
	if (a->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (a->role != WVL_ROLE_ADMIN && a->role != WVL_ROLE_SYSTEM)
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins may read the email log");
	return 0;
}

static const char get_sql[] = "SELECT " EMAIL_JSON " FROM email_log e WHERE e.id = $1::uuid";

int wvl_email__get_tx(char **out, wvl_ctx *ctx, PGconn *c, const char *id)
{
	const char *p[] = {id};
	return wvl_pg__json_row(out, ctx, c, get_sql, 1, p);
}

int wvl_email_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = need_admin(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	const char *p[] = {id};
	return wvl_pg__read_one(out_json, ctx, actor, get_sql, 1, p);
}

/* ---- list ---- */

static const char *const statuses[] = {"queued",  "sent",       "delivered", "delayed",
				       "opened",  "clicked",    "bounced",   "complained",
				       "failed",  "suppressed", NULL};

static const struct wvl_list_filter filters[] = {
	{"status", WVL_PARAM_ENUM, statuses, 0},
	{"template", WVL_PARAM_TEXT, NULL, 64},
	{"client_id", WVL_PARAM_UUID, NULL, 0},
	{"to", WVL_PARAM_TEXT, NULL, 254},
};

static const struct wvl_list_sort sorts[] = {
	{"created_at", "e.created_at", "::timestamptz", true},
};

static const struct wvl_list_spec spec = {"emails", filters, 4, sorts, 1, NULL, 0};

/* Appends " AND <cond>" with the filter's value as the next parameter. */
static void filter(char *sql, size_t len, size_t *pos, const char **p, int *np, const char *value,
		   const char *cond)
{
	if (!value)
		return;
	p[(*np)++] = value;
	char c[128];
	snprintf(c, sizeof(c), cond, *np);
	*pos += (size_t)snprintf(sql + *pos, len - *pos, " AND %s", c);
}

int wvl_email_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		   const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	struct wvl_list_query q;
	int rc = need_admin(actor);
	if (!rc)
		rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &spec);
	if (rc)
		return rc;
	char sql[2048], limit[16];
	const char *p[8];
	int np = 0;
	/* Only the conditions in force, so each shape gets a good plan. */
	size_t pos = (size_t)snprintf(sql, sizeof(sql),
				      "SELECT " EMAIL_JSON ", e.created_at::text, e.id"
				      " FROM email_log e WHERE true");
	filter(sql, sizeof(sql), &pos, p, &np, wvl_list__get(&q, "status"), "e.status = $%d");
	filter(sql, sizeof(sql), &pos, p, &np, wvl_list__get(&q, "template"), "e.template = $%d");
	filter(sql, sizeof(sql), &pos, p, &np, wvl_list__get(&q, "client_id"),
	       "e.client_id = $%d::uuid");
	filter(sql, sizeof(sql), &pos, p, &np, wvl_list__get(&q, "to"),
	       "lower(e.to_address) = lower($%d)");
	if (q.has_cursor) {
		p[np++] = q.cursor_key;
		p[np++] = q.cursor_id;
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos,
					" AND (e.created_at, e.id) %s ($%d::timestamptz, $%d::uuid)",
					q.desc ? "<" : ">", np - 1, np);
	}
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	p[np++] = limit;
	snprintf(sql + pos, sizeof(sql) - pos, " ORDER BY e.created_at %s, e.id %s LIMIT $%d::int",
		 q.desc ? "DESC" : "ASC", q.desc ? "DESC" : "ASC", np);
	PGresult *r = wvl_pg__read(ctx, actor, sql, np, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

/* ---- resend ---- */

/* Queued again under a new idempotency key (its resend count), so the
 * provider takes it as the new email it is. */
static const char requeue_sql[] =
	"UPDATE email_log e SET status = 'queued', error = NULL, provider_id = NULL,"
	" resends = e.resends + 1, updated_at = $2::timestamptz"
	" WHERE e.id = $1::uuid AND e.status = 'failed' RETURNING e.client_id";

static int resend_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	const char *id = arg;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {id, now};
	PGresult *r = wvl_pg__exec(ctx, c, requeue_sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0;
	if (PQntuples(r) == 1) {
		rc = wvl_email__enqueue_send(ctx, c, id, PQgetvalue(r, 0, 0), 0);
	} else {
		char *cur = NULL;
		rc = wvl_email__get_tx(&cur, ctx, c, id);
		free(cur);
		if (!rc)
			rc = wvl_err__set(WVL_ECONFLICT, NULL, "only a failed email can be sent again");
	}
	PQclear(r);
	return rc ? rc : wvl_email__get_tx(out, ctx, c, id);
}

int wvl_email_resend(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = need_admin(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	return wvl_pg__in_tx(out_json, ctx, actor, resend_step, (void *)id);
}
