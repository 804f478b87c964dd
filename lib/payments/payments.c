/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Payments: the admin records what clients paid; revenue analytics read
 * them (lib/analytics). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../activity/activity.h"
#include "../analytics/analytics.h"
#include "../core/json.h"
#include "../core/list.h"
#include "../core/pg.h"
#include "wavelaunch/payments.h"

#define PAYMENT_JSON                                                                         \
	"json_build_object('id', p.id, 'client_id', p.client_id, 'amount_cents',"           \
	" p.amount_cents, 'currency', p.currency, 'status', p.status, 'paid_at', p.paid_at," \
	" 'period', p.period, 'description', p.description, 'recorded_by', p.recorded_by,"  \
	" 'created_at', p.created_at, 'updated_at', p.updated_at)::text"

static const char *const statuses[] = {"pending", "paid", "failed", "refunded", "cancelled",
				       NULL};

static const struct wvl_field create_fields[] = {
	{"client_id", WVL_F_UUID, true, 0},
	{"amount_cents", WVL_F_INT, true, 0},
	{"currency", WVL_F_STRING, false, 3},
	{"status", WVL_F_STRING, false, 20},
	{"paid_at", WVL_F_STRING, false, 40},
	{"period", WVL_F_STRING, false, 10},
	{"description", WVL_F_TEXT, false, 500},
};
#define NCREATE (sizeof(create_fields) / sizeof(create_fields[0]))

static const struct wvl_field update_fields[] = {
	{"status", WVL_F_STRING, false, 20},
	{"paid_at", WVL_F_STRING, false, 40},
	{"description", WVL_F_TEXT, false, 500},
};
#define NUPDATE (sizeof(update_fields) / sizeof(update_fields[0]))

static bool one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool valid_ymd(const char *s)
{
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
		return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= (m == 2 && !leap ? 28 : days[m - 1]);
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). */
static bool valid_timestamp(const char *s)
{
	size_t n = strlen(s);
	if (n < 20 || !valid_ymd(s) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	if (atoi(s + 11) > 23 || atoi(s + 14) > 59 || atoi(s + 17) > 59)
		return false;
	const char *z = s + 19;
	if (*z == '.') {
		size_t f = strspn(z + 1, "0123456789");
		if (f == 0 || f > 6)
			return false;
		z += 1 + f;
	}
	if ((z[0] == 'Z' || z[0] == 'z') && z[1] == '\0')
		return true;
	return (z[0] == '+' || z[0] == '-') && strlen(z) == 6 && digits(z + 1, 2) && z[3] == ':' &&
	       digits(z + 4, 2) && atoi(z + 1) <= 23 && atoi(z + 4) <= 59;
}

/* The period as the month's first day, into out[11]; false when bad. */
static bool period_of(const char *s, char out[11])
{
	char buf[11];
	size_t n = strlen(s);
	if (n == 7) {
		snprintf(buf, sizeof(buf), "%s-01", s);
	} else if (n == 10) {
		if (strcmp(s + 7, "-01") != 0)
			return false;
		snprintf(buf, sizeof(buf), "%s", s);
	} else {
		return false;
	}
	if (!valid_ymd(buf))
		return false;
	memcpy(out, buf, 11);
	return true;
}

static const char *str(json_t *b, const char *k)
{
	return json_string_value(json_object_get(b, k));
}

/* Checks what the types did not; returns 0 or a field error. */
static int check_values(json_t *b, char period[11])
{
	json_t *v;
	if ((v = json_object_get(b, "amount_cents")) &&
	    (json_integer_value(v) < 0 || json_integer_value(v) > 100000000000LL))
		return wvl_json__field_error("amount_cents", "must be between 0 and 100000000000");
	const char *c = str(b, "currency");
	if (c && (strlen(c) != 3 || !isupper((unsigned char)c[0]) ||
		  !isupper((unsigned char)c[1]) || !isupper((unsigned char)c[2])))
		return wvl_json__field_error("currency", "must be an ISO 4217 code such as USD");
	if (json_object_get(b, "status") && !one_of(str(b, "status"), statuses))
		return wvl_json__field_error("status", "must be pending, paid, failed, refunded or "
						       "cancelled");
	if (json_object_get(b, "paid_at") && !valid_timestamp(str(b, "paid_at")))
		return wvl_json__field_error("paid_at", "must be an RFC 3339 date-time");
	period[0] = '\0';
	if (json_object_get(b, "period") && !period_of(str(b, "period"), period))
		return wvl_json__field_error("period", "must be a month as YYYY-MM or YYYY-MM-01");
	return 0;
}

struct step_arg {
	json_t *body;
	const char *id;
	const char *period;
};

static const char insert_sql[] =
	"INSERT INTO payments AS p (client_id, amount_cents, currency, status, paid_at, period,"
	" description, recorded_by, created_at, updated_at)"
	" SELECT c.id, $2::bigint, coalesce($3, c.currency), coalesce($4, 'paid'),"
	"   CASE WHEN coalesce($4, 'paid') = 'paid' THEN coalesce($5::timestamptz, $8::timestamptz)"
	"        ELSE $5::timestamptz END,"
	"   $6::date, $7, nullif($9, '')::uuid, $8::timestamptz, $8::timestamptz"
	" FROM clients c WHERE c.id = $1::uuid"
	" RETURNING p.id, " PAYMENT_JSON;

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct step_arg *a = arg;
	json_t *b = a->body;
	char now[40], amount[32];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(amount, sizeof(amount), "%lld",
		 (long long)json_integer_value(json_object_get(b, "amount_cents")));
	const char *p[] = {str(b, "client_id"), amount, str(b, "currency"), str(b, "status"),
			   str(b, "paid_at"), a->period[0] ? a->period : NULL,
			   str(b, "description"), now, actor->user_id};
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 9, p);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return wvl_json__field_error("client_id", "does not name a client");
	}
	char id[37], summary[96];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	*out = wvl_str__dup(PQgetvalue(r, 0, 1));
	PQclear(r);
	snprintf(summary, sizeof(summary), "Payment of %s cents recorded", amount);
	return wvl_activity__record(ctx, c, actor, str(b, "client_id"), "payment", id, "recorded",
				    summary);
}

int wvl_payments_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_analytics__need_admin(actor);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, create_fields, NCREATE);
	if (!b)
		return wvl_error_last()->code;
	char period[11];
	rc = check_values(b, period);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step,
				   &(struct step_arg){b, NULL, period});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}

int wvl_payments_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_analytics__need_admin(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	const char *p[] = {id};
	return wvl_pg__read_one(out_json, ctx, actor,
				"SELECT " PAYMENT_JSON " FROM payments p WHERE p.id = $1::uuid", 1, p);
}

static const char update_sql[] =
	"UPDATE payments AS p SET status = coalesce($2, p.status),"
	" paid_at = CASE WHEN $3::timestamptz IS NOT NULL THEN $3::timestamptz"
	"   WHEN $2 = 'paid' THEN coalesce(p.paid_at, $5::timestamptz) ELSE p.paid_at END,"
	" description = CASE WHEN $6 THEN $4 ELSE p.description END"
	" WHERE p.id = $1::uuid RETURNING p.client_id, p.status, " PAYMENT_JSON;

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct step_arg *a = arg;
	json_t *b = a->body;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {a->id, str(b, "status"), str(b, "paid_at"), str(b, "description"), now,
			   json_object_get(b, "description") ? "true" : "false"};
	PGresult *r = wvl_pg__exec(ctx, c, update_sql, 6, p);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return wvl_err__not_found();
	}
	char client[37], summary[64];
	snprintf(client, sizeof(client), "%s", PQgetvalue(r, 0, 0));
	snprintf(summary, sizeof(summary), "Payment %s", PQgetvalue(r, 0, 1));
	*out = wvl_str__dup(PQgetvalue(r, 0, 2));
	PQclear(r);
	return wvl_activity__record(ctx, c, actor, client, "payment", a->id, "updated", summary);
}

int wvl_payments_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
			const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_analytics__need_admin(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	json_t *b = wvl_json__parse_body(body_json, update_fields, NUPDATE);
	if (!b)
		return wvl_error_last()->code;
	char period[11];
	rc = check_values(b, period);
	if (!rc && json_object_size(b) == 0)
		rc = wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &(struct step_arg){b, id, NULL});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}

static const struct wvl_list_filter list_filters[] = {
	{"status", WVL_PARAM_ENUM, statuses, 0},
	{"client_id", WVL_PARAM_UUID, NULL, 0},
};
static const struct wvl_list_spec list_spec = {"payments", list_filters, 2, NULL, 0, NULL, 0};

static const char list_sql[] =
	"SELECT " PAYMENT_JSON ", to_char(p.created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), p.id FROM payments p"
	" WHERE ($1::uuid IS NULL OR p.client_id = $1::uuid)"
	"   AND ($2::text IS NULL OR p.status = $2)"
	"   AND ($3::timestamptz IS NULL OR (p.created_at, p.id) < ($3::timestamptz, $4::uuid))"
	" ORDER BY p.created_at DESC, p.id DESC LIMIT $5::int";

int wvl_payments_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		      const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_analytics__need_admin(actor);
	if (rc)
		return rc;
	if (scope_id && !wvl_uuid_valid(scope_id))
		return wvl_err__not_found();
	struct wvl_list_query q;
	rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *client = scope_id ? scope_id : wvl_list__get(&q, "client_id");
	const char *p[] = {client, wvl_list__get(&q, "status"), q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 5, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
