/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What each model call cost, and the monthly budget per client: the
 * usage row, the alerts at 50, 80 and 100 % (one each per client and
 * month: token_budget_alerts' key), and the optional hard stop. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/json.h"
#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "../notify/notify.h"
#include "ai.h"

static int64_t budget_cents(const wvl_ctx *ctx)
{
	const char *v = wvl_config_get(ctx->cfg, "WL_TOKEN_BUDGET_CENTS");
	return v && *v ? strtoll(v, NULL, 10) : 0;
}

static bool hard_stop(const wvl_ctx *ctx)
{
	const char *v = wvl_config_get(ctx->cfg, "WL_AI_BUDGET_HARD_STOP");
	return v && !strcmp(v, "true");
}

#define MONTH_START "date_trunc('month', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"

static const char insert_sql[] =
	"INSERT INTO token_usage (client_id, user_id, purpose, model, input_tokens, output_tokens,"
	" cache_read_tokens, cache_write_tokens, cost_cents, request_id, outcome, created_at)"
	" VALUES (NULLIF($1, '')::uuid, NULLIF($3, '')::uuid, $4, $5, $6::int, $7::int, $8::int,"
	" $9::int, $10::numeric, NULLIF($11, ''), $12, $2::timestamptz)";

/* The thresholds the client's month has newly reached: the highest one,
 * with the spend, or no row. */
static const char cross_sql[] =
	"WITH spent AS (SELECT coalesce(sum(cost_cents), 0) AS s FROM token_usage"
	"   WHERE client_id = $1::uuid AND created_at >= " MONTH_START
	"     AND created_at <= $2::timestamptz),"
	" ins AS (INSERT INTO token_budget_alerts (client_id, month, percent, spent_cents, created_at)"
	"   SELECT $1::uuid, (" MONTH_START ")::date, p, spent.s, $2::timestamptz"
	"   FROM spent, unnest(ARRAY[50, 80, 100]::smallint[]) p WHERE spent.s * 100 >= p * $3::numeric"
	"   ON CONFLICT DO NOTHING RETURNING percent)"
	" SELECT max(ins.percent), (SELECT s FROM spent),"
	"   to_char(" MONTH_START ", 'YYYY-MM') FROM ins HAVING count(*) > 0";

/* The admins hear of it in the app and by email, in the recording
 * transaction: the alert row, the notifications and the email request
 * commit together. */
static int alert(wvl_ctx *ctx, PGconn *c, const char *client_id, const char *percent,
		 const char *spent, const char *month, int64_t budget)
{
	char title[80], message[200], link[120], key[160];
	snprintf(title, sizeof(title), "AI budget at %s %%", percent);
	snprintf(message, sizeof(message), "This client's AI spend in %s reached %s %% of the"
		 " monthly budget (%s of %lld cents).", month, percent, spent, (long long)budget);
	snprintf(link, sizeof(link), "/clients/%s?budget=%s", client_id, month);
	snprintf(key, sizeof(key), "token_budget:%s:%s:%s", client_id, month, percent);
	struct wvl_notify_to to = {"admins", client_id, NULL, "updates"};
	int rc = wvl_notify__fanout_tx(NULL, ctx, c, &to, "token_budget", title, message, link, key);
	if (rc)
		return rc;
	json_t *args = json_pack("{s:s,s:s,s:s,s:I,s:i,s:s,s:s}", "template",
				 "token_budget_threshold", "client_id", client_id, "spent_cents",
				 spent, "budget_cents", (json_int_t)budget, "percent", atoi(percent),
				 "month", month, "key", key);
	char *txt = args ? wvl_json__dump(args) : NULL;
	json_decref(args);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	o.unique_key = key;
	o.client_id = client_id;
	rc = txt ? wvl_jobs__enqueue_tx(NULL, NULL, ctx, c, "email_send", txt, &o)
		 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(txt);
	return rc;
}

static int record_tx(wvl_ctx *ctx, PGconn *c, const char *const p[12], int64_t budget)
{
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 12, p);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	if (!p[0][0] || budget <= 0)
		return 0;
	char b[24];
	snprintf(b, sizeof(b), "%lld", (long long)budget);
	const char *q[] = {p[0], p[1], b};
	r = wvl_pg__exec(ctx, c, cross_sql, 3, q);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) ? alert(ctx, c, p[0], PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
				      PQgetvalue(r, 0, 2), budget)
			      : 0;
	PQclear(r);
	return rc;
}

void wvl_ai__record(wvl_ctx *ctx, const wvl_ai_request *req, const char *model,
		    const wvl_ai_usage *u, const char *request_id, bool ok)
{
	double price[4] = {0, 0, 0, 0};
	if (strcmp(model, "offline") != 0)
		wvl_ai__prices(ctx, price);
	double cost = ((double)u->input_tokens * price[0] + (double)u->output_tokens * price[1] +
		       (double)u->cache_write_tokens * price[2] +
		       (double)u->cache_read_tokens * price[3]) / 1e6;
	char now[40], in[24], out[24], cr[24], cw[24], cents[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(in, sizeof(in), "%lld", (long long)u->input_tokens);
	snprintf(out, sizeof(out), "%lld", (long long)u->output_tokens);
	snprintf(cr, sizeof(cr), "%lld", (long long)u->cache_read_tokens);
	snprintf(cw, sizeof(cw), "%lld", (long long)u->cache_write_tokens);
	snprintf(cents, sizeof(cents), "%.4f", cost);
	const char *p[12] = {req->client_id ? req->client_id : "", now,
			     req->user_id ? req->user_id : "", req->purpose, model, in, out, cr, cw,
			     cents, request_id, ok ? "ok" : "error"};
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	/* The call's own error stays the thread's last one. */
	int saved = wvl_error_last()->code;
	char saved_slug[40], saved_msg[512];
	snprintf(saved_slug, sizeof(saved_slug), "%s", wvl_error_last()->slug ? wvl_error_last()->slug : "");
	snprintf(saved_msg, sizeof(saved_msg), "%s", wvl_error_last()->message ? wvl_error_last()->message : "");
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (!rc && (rc = record_tx(ctx, c, p, budget_cents(ctx))) != 0)
		wvl_pg__rollback(ctx, c);
	else if (!rc)
		rc = wvl_pg__commit(ctx, c);
	if (rc)
		wvl_log(ctx, WVL_LOG_ERROR, "ai: the usage of a %s call was not recorded: %s",
			req->purpose, wvl_error_last()->message);
	if (saved)
		wvl_err__set(saved, saved_slug[0] ? saved_slug : NULL, "%s", saved_msg);
	else
		wvl_error_clear();
}

static const char spent_sql[] =
	"SELECT coalesce(sum(cost_cents), 0) >= $3::numeric FROM token_usage"
	" WHERE client_id = $1::uuid AND created_at >= " MONTH_START
	"   AND created_at <= $2::timestamptz";

int wvl_ai__budget_check(wvl_ctx *ctx, const char *client_id)
{
	int64_t budget = budget_cents(ctx);
	if (!client_id || budget <= 0 || !hard_stop(ctx))
		return 0;
	char now[40], b[24];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(b, sizeof(b), "%lld", (long long)budget);
	const char *p[] = {client_id, now, b};
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGresult *r = wvl_pg__read(ctx, &sys, spent_sql, 3, p);
	if (!r)
		return wvl_error_last()->code;
	bool over = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return over ? wvl_err__set(WVL_ERATELIMITED, NULL,
				   "the client's AI budget for this month is spent"
				   " (WL_TOKEN_BUDGET_CENTS, WL_AI_BUDGET_HARD_STOP)")
		    : 0;
}

static const char budget_sql[] =
	"SELECT json_build_object('client_id', c.id, 'month', to_char(" MONTH_START ", 'YYYY-MM'),"
	" 'spent_cents', coalesce(sum(t.cost_cents), 0), 'budget_cents', $3::bigint,"
	" 'percent', CASE WHEN $3::bigint > 0 THEN round(coalesce(sum(t.cost_cents), 0) * 100"
	"   / $3::bigint, 1) END,"
	" 'hard_stop', $4::boolean, 'calls', count(t.id),"
	" 'input_tokens', coalesce(sum(t.input_tokens), 0),"
	" 'output_tokens', coalesce(sum(t.output_tokens), 0),"
	" 'cache_read_tokens', coalesce(sum(t.cache_read_tokens), 0),"
	" 'cache_write_tokens', coalesce(sum(t.cache_write_tokens), 0))"
	" FROM clients c LEFT JOIN token_usage t ON t.client_id = c.id"
	"   AND t.created_at >= " MONTH_START " AND t.created_at <= $2::timestamptz"
	" WHERE c.id = $1::uuid GROUP BY c.id";

int wvl_ai_budget(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *client_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(client_id))
		return wvl_err__not_found();
	char now[40], b[24];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(b, sizeof(b), "%lld", (long long)budget_cents(ctx));
	const char *p[] = {client_id, now, b, hard_stop(ctx) ? "true" : "false"};
	return wvl_pg__read_one(out_json, ctx, actor, budget_sql, 4, p);
}
