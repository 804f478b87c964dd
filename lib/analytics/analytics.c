/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Analytics: MRR and its movements, churn, cohorts, the funnel, time to
 * deliverable, ticket SLA figures and AI spend, one statement per report
 * (docs/ANALYTICS.md defines each figure). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cache/cache.h"
#include "../core/json.h"
#include "../core/pg.h"
#include "analytics.h"

#define MAX_MONTHS 120

int wvl_analytics__need_admin(const wvl_actor *a)
{
	if (a->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (a->role != WVL_ROLE_ADMIN && a->role != WVL_ROLE_SYSTEM)
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins may read analytics");
	return 0;
}

/* "YYYY-MM" or a valid "YYYY-MM-DD" into year and month. */
static bool parse_month(const char *s, int *y, int *m)
{
	size_t n = strlen(s);
	if (n != 7 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	*y = atoi(s);
	*m = atoi(s + 5);
	if (*y < 1900 || *y > 2999 || *m < 1 || *m > 12)
		return false;
	if (n == 10) {
		static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
		int d = atoi(s + 8);
		if (d < 1 || d > (*m == 2 && !leap ? 28 : days[*m - 1]))
			return false;
	}
	return true;
}

static bool is_extra(const char *k, const char *const *extra)
{
	for (size_t i = 0; extra && extra[i]; i++)
		if (strcmp(k, extra[i]) == 0)
			return true;
	return false;
}

static bool valid_currency(const char *c)
{
	return strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
	       isupper((unsigned char)c[2]);
}

int wvl_analytics__range(struct wvl_analytics_range *out, wvl_ctx *ctx, const wvl_query *q,
			 const char *const *extra)
{
	const char *from = NULL, *to = NULL, *cur = NULL;
	for (size_t i = 0; q && i < wvl_query_count(q); i++) {
		const char *k = wvl_query_key(q, i), *v = wvl_query_value(q, i);
		if (!strcmp(k, "from"))
			from = v;
		else if (!strcmp(k, "to"))
			to = v;
		else if (!strcmp(k, "currency"))
			cur = v;
		else if (!is_extra(k, extra))
			return wvl_err__set(WVL_EINVAL, "bad_request", "unknown query parameter: %s", k);
	}
	int fy, fm, ty, tm;
	if (to) {
		if (!parse_month(to, &ty, &tm))
			return wvl_json__field_error("to", "must be a month as YYYY-MM or a date as YYYY-MM-DD");
	} else {
		time_t secs = (time_t)(wvl_now(ctx) / 1000000);
		struct tm now;
		gmtime_r(&secs, &now);
		ty = now.tm_year + 1900;
		tm = now.tm_mon + 1;
	}
	if (from) {
		if (!parse_month(from, &fy, &fm))
			return wvl_json__field_error("from", "must be a month as YYYY-MM or a date as YYYY-MM-DD");
	} else {
		int idx = ty * 12 + (tm - 1) - 11;
		fy = idx / 12;
		fm = idx % 12 + 1;
	}
	int span = (ty * 12 + tm) - (fy * 12 + fm);
	if (span < 0)
		return wvl_json__field_error("from", "must not be after to");
	if (span >= MAX_MONTHS)
		return wvl_json__field_error("to", "must be at most 120 months after from");
	if (cur && !valid_currency(cur))
		return wvl_json__field_error("currency", "must be an ISO 4217 code such as USD");
	snprintf(out->from, sizeof(out->from), "%04d-%02d-01", fy, fm);
	snprintf(out->to, sizeof(out->to), "%04d-%02d-01", ty, tm);
	snprintf(out->currency, sizeof(out->currency), "%s", cur ? cur : "USD");
	return 0;
}

/* One statement, one round trip.  Every timestamp is read in UTC
 * (AT TIME ZONE 'UTC' gives the UTC wall time), so months do not move with
 * the session's time zone.  $1 first month, $2 last month (first days),
 * $3 currency. */
static const char report_sql[] =
	"WITH b AS (SELECT $1::date::timestamp AS f, $2::date::timestamp AS t, $3::text AS cur,"
	"   ($2::date::timestamp + interval '1 month') AS e),"
	/* The months of the report. */
	" months AS (SELECT m FROM b, generate_series(b.f, b.t, interval '1 month') AS m),"
	/* Each state a client of the currency held, as [vf, vt). */
	" h AS (SELECT x.client_id, x.status, x.monthly_fee_cents AS fee,"
	"   x.valid_from AT TIME ZONE 'UTC' AS vf,"
	"   lead(x.valid_from AT TIME ZONE 'UTC') OVER (PARTITION BY x.client_id"
	"     ORDER BY x.valid_from, x.id) AS vt"
	"   FROM client_status_history x JOIN clients c ON c.id = x.client_id, b"
	"   WHERE c.currency = b.cur AND x.valid_from < b.e AT TIME ZONE 'UTC'),"
	/* Active at the end of month m: the state in force at m + 1 month,
	 * i.e. vf < m + 1 month <= vt. */
	" snap AS (SELECT h.client_id, s.m, h.fee FROM h, b, generate_series("
	"   date_trunc('month', h.vf),"
	"   least(b.t, date_trunc('month', coalesce(h.vt, b.e) - interval '1 month')),"
	"   interval '1 month') AS s(m) WHERE h.status = 'active'),"
	" first_active AS (SELECT client_id, min(m) AS fm FROM snap GROUP BY client_id),"
	/* Per month and client: this month's and last month's fee when active. */
	" mo AS (SELECT months.m, x.client_id,"
	"   max(x.fee) FILTER (WHERE x.m = months.m) AS fee,"
	"   max(x.fee) FILTER (WHERE x.m < months.m) AS prev_fee"
	"   FROM months JOIN snap x ON x.m IN (months.m, months.m - interval '1 month')"
	"   GROUP BY months.m, x.client_id),"
	" mrr AS (SELECT mo.m,"
	"   coalesce(sum(fee), 0) AS mrr, count(fee) AS active,"
	"   coalesce(sum(prev_fee), 0) AS start_mrr, count(prev_fee) AS start_active,"
	"   coalesce(sum(fee) FILTER (WHERE prev_fee IS NULL AND fa.fm = mo.m), 0) AS new_mrr,"
	"   count(*) FILTER (WHERE prev_fee IS NULL AND fa.fm = mo.m) AS new_clients,"
	"   coalesce(sum(fee) FILTER (WHERE prev_fee IS NULL AND fa.fm < mo.m), 0) AS react_mrr,"
	"   count(*) FILTER (WHERE prev_fee IS NULL AND fa.fm < mo.m) AS react_clients,"
	"   coalesce(sum(fee - prev_fee) FILTER (WHERE fee > prev_fee), 0) AS exp_mrr,"
	"   coalesce(sum(prev_fee - fee) FILTER (WHERE fee < prev_fee), 0) AS con_mrr,"
	"   coalesce(sum(prev_fee) FILTER (WHERE fee IS NULL), 0) AS churn_mrr,"
	"   count(*) FILTER (WHERE fee IS NULL) AS churn_clients"
	"   FROM mo JOIN first_active fa USING (client_id) GROUP BY mo.m),"
	" pay AS (SELECT date_trunc('month', p.paid_at AT TIME ZONE 'UTC') AS m,"
	"   coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'paid'), 0) AS revenue,"
	"   count(*) FILTER (WHERE p.status = 'paid') AS n,"
	"   coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'refunded'), 0) AS refunded"
	"   FROM payments p, b WHERE p.currency = b.cur AND p.paid_at >= b.f AT TIME ZONE 'UTC'"
	"   AND p.paid_at < b.e AT TIME ZONE 'UTC' GROUP BY 1),"
	" tok AS (SELECT date_trunc('month', u.created_at AT TIME ZONE 'UTC') AS m,"
	"   count(*) AS calls, sum(u.input_tokens) AS inp, sum(u.output_tokens) AS outp,"
	"   sum(u.cost_cents) AS cost FROM token_usage u, b"
	"   WHERE u.created_at >= b.f AT TIME ZONE 'UTC' AND u.created_at < b.e AT TIME ZONE 'UTC'"
	"   GROUP BY 1),"
	" tix AS (SELECT date_trunc('month', k.created_at AT TIME ZONE 'UTC') AS m,"
	"   count(*) AS opened, count(k.first_response_time) AS responded,"
	"   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.first_response_time))"
	"     AS frt,"
	"   count(*) FILTER (WHERE k.first_response_time <= wvl_ticket_sla_target(k.priority, true))"
	"     AS frt_met,"
	"   count(k.resolution_time) AS resolved,"
	"   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.resolution_time)) AS res,"
	"   count(*) FILTER (WHERE k.resolution_time <= wvl_ticket_sla_target(k.priority, false))"
	"     AS res_met"
	"   FROM support_tickets k, b WHERE k.merged_into_id IS NULL"
	"   AND k.created_at >= b.f AT TIME ZONE 'UTC' AND k.created_at < b.e AT TIME ZONE 'UTC'"
	"   GROUP BY 1),"
	" month_rows AS (SELECT months.m, json_build_object("
	"   'month', to_char(months.m, 'YYYY-MM'),"
	"   'mrr_cents', coalesce(r.mrr, 0), 'active_clients', coalesce(r.active, 0),"
	"   'new_mrr_cents', coalesce(r.new_mrr, 0),"
	"   'expansion_mrr_cents', coalesce(r.exp_mrr, 0),"
	"   'contraction_mrr_cents', coalesce(r.con_mrr, 0),"
	"   'reactivation_mrr_cents', coalesce(r.react_mrr, 0),"
	"   'churned_mrr_cents', coalesce(r.churn_mrr, 0),"
	"   'new_clients', coalesce(r.new_clients, 0),"
	"   'reactivated_clients', coalesce(r.react_clients, 0),"
	"   'churned_clients', coalesce(r.churn_clients, 0),"
	"   'logo_churn', round(r.churn_clients::numeric / nullif(r.start_active, 0), 4),"
	"   'gross_mrr_churn', round((r.churn_mrr + r.con_mrr)::numeric / nullif(r.start_mrr, 0), 4),"
	"   'net_mrr_churn', round((r.churn_mrr + r.con_mrr - r.exp_mrr)::numeric"
	"     / nullif(r.start_mrr, 0), 4),"
	"   'revenue_cents', coalesce(p.revenue, 0), 'payments', coalesce(p.n, 0),"
	"   'refunded_cents', coalesce(p.refunded, 0),"
	"   'ai', json_build_object('calls', coalesce(t.calls, 0), 'input_tokens', coalesce(t.inp, 0),"
	"     'output_tokens', coalesce(t.outp, 0), 'cost_cents', coalesce(t.cost, 0)),"
	"   'tickets', json_build_object('opened', coalesce(k.opened, 0),"
	"     'responded', coalesce(k.responded, 0),"
	"     'first_response_median_seconds', round(k.frt::numeric),"
	"     'first_response_met', round(k.frt_met::numeric / nullif(k.responded, 0), 4),"
	"     'resolved', coalesce(k.resolved, 0),"
	"     'resolution_median_seconds', round(k.res::numeric),"
	"     'resolution_met', round(k.res_met::numeric / nullif(k.resolved, 0), 4))) AS j,"
	"   r.new_mrr, r.churn_mrr, p.revenue, p.n, t.cost, k.opened"
	"   FROM months LEFT JOIN mrr r ON r.m = months.m LEFT JOIN pay p ON p.m = months.m"
	"   LEFT JOIN tok t ON t.m = months.m LEFT JOIN tix k ON k.m = months.m),"
	/* Cohorts: clients by the month they were first active (in range). */
	" coh AS (SELECT fa.fm, k.k, count(s.client_id) AS n FROM first_active fa CROSS JOIN b"
	"   CROSS JOIN LATERAL generate_series(0, ((extract(year FROM b.t) - extract(year FROM fa.fm)) * 12"
	"     + extract(month FROM b.t) - extract(month FROM fa.fm))::int) AS k(k)"
	"   LEFT JOIN snap s ON s.client_id = fa.client_id AND s.m = fa.fm + make_interval(months => k.k)"
	"   WHERE fa.fm >= b.f GROUP BY fa.fm, k.k),"
	" coh2 AS (SELECT fm, k, n, first_value(n) OVER (PARTITION BY fm ORDER BY k) AS size"
	"   FROM coh),"
	" cohorts AS (SELECT fm, json_build_object('cohort', to_char(fm, 'YYYY-MM'),"
	"   'size', max(size), 'active', json_agg(n ORDER BY k),"
	"   'retention', json_agg(round(n::numeric / nullif(size, 0), 4) ORDER BY k)) AS j"
	"   FROM coh2 GROUP BY fm),"
	/* The funnel of the clients created in range, each step counting those
	 * that reached it and every step before it by the range's end. */
	" fun AS (SELECT"
	"   EXISTS (SELECT 1 FROM client_status_history x WHERE x.client_id = c.id"
	"     AND x.status IN ('onboarding', 'active', 'paused', 'completed', 'churned')"
	"     AND x.valid_from < b.e AT TIME ZONE 'UTC') AS signed,"
	"   coalesce(o.completed_at < b.e AT TIME ZONE 'UTC', false) AS onboarded,"
	"   EXISTS (SELECT 1 FROM deliverables d WHERE d.client_id = c.id"
	"     AND d.delivered_at < b.e AT TIME ZONE 'UTC') AS delivered,"
	"   EXISTS (SELECT 1 FROM client_status_history x WHERE x.client_id = c.id"
	"     AND x.status = 'active' AND x.valid_from < b.e AT TIME ZONE 'UTC') AS active"
	"   FROM clients c LEFT JOIN onboarding_progress o ON o.client_id = c.id, b"
	"   WHERE c.created_at >= b.f AT TIME ZONE 'UTC' AND c.created_at < b.e AT TIME ZONE 'UTC'),"
	" steps AS (SELECT count(*) AS s0, count(*) FILTER (WHERE signed) AS s1,"
	"   count(*) FILTER (WHERE signed AND onboarded) AS s2,"
	"   count(*) FILTER (WHERE signed AND onboarded AND delivered) AS s3,"
	"   count(*) FILTER (WHERE signed AND onboarded AND delivered AND active) AS s4 FROM fun),"
	/* Days from the client's start to each milestone delivered in range. */
	" ttd AS (SELECT d.milestone, count(*) AS n,"
	"   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at"
	"     - coalesce(c.start_date::timestamp AT TIME ZONE 'UTC', c.onboarded_at, c.created_at))"
	"     / 86400) AS med,"
	"   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at"
	"     - coalesce(c.start_date::timestamp AT TIME ZONE 'UTC', c.onboarded_at, c.created_at))"
	"     / 86400) AS p90"
	"   FROM deliverables d JOIN clients c ON c.id = d.client_id, b"
	"   WHERE d.delivered_at >= b.f AT TIME ZONE 'UTC' AND d.delivered_at < b.e AT TIME ZONE 'UTC'"
	"   GROUP BY d.milestone),"
	" purposes AS (SELECT coalesce(u.purpose, 'other') AS purpose, count(*) AS calls,"
	"   sum(u.input_tokens) AS inp, sum(u.output_tokens) AS outp, sum(u.cost_cents) AS cost"
	"   FROM token_usage u, b WHERE u.created_at >= b.f AT TIME ZONE 'UTC'"
	"   AND u.created_at < b.e AT TIME ZONE 'UTC' GROUP BY 1)"
	" SELECT json_build_object("
	"  'from', to_char(b.f, 'YYYY-MM-DD'),"
	"  'to', to_char(b.e - interval '1 day', 'YYYY-MM-DD'), 'currency', b.cur,"
	"  'months', (SELECT json_agg(j ORDER BY m) FROM month_rows),"
	"  'cohorts', coalesce((SELECT json_agg(j ORDER BY fm) FROM cohorts), '[]'),"
	"  'funnel', (SELECT json_build_array("
	"    json_build_object('step', 'lead', 'clients', s0, 'conversion', NULL),"
	"    json_build_object('step', 'signed', 'clients', s1,"
	"      'conversion', round(s1::numeric / nullif(s0, 0), 4)),"
	"    json_build_object('step', 'onboarding_done', 'clients', s2,"
	"      'conversion', round(s2::numeric / nullif(s1, 0), 4)),"
	"    json_build_object('step', 'first_deliverable', 'clients', s3,"
	"      'conversion', round(s3::numeric / nullif(s2, 0), 4)),"
	"    json_build_object('step', 'active', 'clients', s4,"
	"      'conversion', round(s4::numeric / nullif(s3, 0), 4))) FROM steps),"
	"  'time_to_deliverable', (SELECT json_agg(json_build_object('milestone', ms,"
	"    'delivered', coalesce(ttd.n, 0), 'median_days', round(ttd.med::numeric, 1),"
	"    'p90_days', round(ttd.p90::numeric, 1)) ORDER BY ms)"
	"    FROM generate_series(1, 8) AS ms LEFT JOIN ttd ON ttd.milestone = ms),"
	"  'ai_by_purpose', coalesce((SELECT json_agg(json_build_object('purpose', purpose,"
	"    'calls', calls, 'input_tokens', inp, 'output_tokens', outp, 'cost_cents', cost)"
	"    ORDER BY cost DESC, purpose) FROM purposes), '[]'),"
	"  'totals', (SELECT json_build_object("
	"    'new_mrr_cents', coalesce(sum(new_mrr), 0),"
	"    'churned_mrr_cents', coalesce(sum(churn_mrr), 0),"
	"    'revenue_cents', coalesce(sum(revenue), 0), 'payments', coalesce(sum(n), 0),"
	"    'ai_cost_cents', coalesce(sum(cost), 0), 'tickets_opened', coalesce(sum(opened), 0))"
	"    FROM month_rows))::text"
	" FROM b";

int wvl_analytics__compute(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			   const struct wvl_analytics_range *r)
{
	const char *p[] = {r->from, r->to, r->currency};
	return wvl_pg__read_one(out_json, ctx, actor, report_sql, 3, p);
}

struct fill_arg {
	wvl_ctx *ctx;
	const wvl_actor *actor;
	const struct wvl_analytics_range *r;
};

static int fill(char **out, void *arg)
{
	struct fill_arg *a = arg;
	return wvl_analytics__compute(out, a->ctx, a->actor, a->r);
}

int wvl_analytics__report(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			  const struct wvl_analytics_range *r)
{
	char what[40];
	snprintf(what, sizeof(what), "%s|%s|%s", r->from, r->to, r->currency);
	return wvl_cache__read(out_json, ctx, WVL_CACHE_ANALYTICS, actor, NULL, what, NULL, fill,
			       &(struct fill_arg){ctx, actor, r});
}

int wvl_analytics_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		      const char *scope_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_analytics__need_admin(actor);
	if (rc)
		return rc;
	if (scope_id)
		return wvl_err__set(WVL_EINVAL, "bad_request", "analytics take no scope");
	struct wvl_analytics_range r;
	rc = wvl_analytics__range(&r, ctx, query, NULL);
	return rc ? rc : wvl_analytics__report(out_json, ctx, actor, &r);
}
