/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The analytics report as a file: its JSON (wvl_analytics_get's) laid out
 * as sheets. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../analytics/analytics.h"
#include "../core/json.h"
#include "export.h"

/* A column of a sheet and where its value is in a row object ("a.b" for
 * a member of a member). */
struct field {
	struct wvl_col col;
	const char *path;
};

static const struct field month_fields[] = {
	{{"month", WVL_COL_MONTH, 10}, "month"},
	{{"mrr_cents", WVL_COL_INT, 14}, "mrr_cents"},
	{{"active_clients", WVL_COL_INT, 10}, "active_clients"},
	{{"new_mrr_cents", WVL_COL_INT, 14}, "new_mrr_cents"},
	{{"expansion_mrr_cents", WVL_COL_INT, 14}, "expansion_mrr_cents"},
	{{"contraction_mrr_cents", WVL_COL_INT, 14}, "contraction_mrr_cents"},
	{{"reactivation_mrr_cents", WVL_COL_INT, 14}, "reactivation_mrr_cents"},
	{{"churned_mrr_cents", WVL_COL_INT, 14}, "churned_mrr_cents"},
	{{"new_clients", WVL_COL_INT, 10}, "new_clients"},
	{{"reactivated_clients", WVL_COL_INT, 10}, "reactivated_clients"},
	{{"churned_clients", WVL_COL_INT, 10}, "churned_clients"},
	{{"logo_churn", WVL_COL_RATIO, 10}, "logo_churn"},
	{{"gross_mrr_churn", WVL_COL_RATIO, 10}, "gross_mrr_churn"},
	{{"net_mrr_churn", WVL_COL_RATIO, 10}, "net_mrr_churn"},
	{{"revenue_cents", WVL_COL_INT, 14}, "revenue_cents"},
	{{"payments", WVL_COL_INT, 10}, "payments"},
	{{"refunded_cents", WVL_COL_INT, 14}, "refunded_cents"},
	{{"ai_calls", WVL_COL_INT, 10}, "ai.calls"},
	{{"ai_cost_cents", WVL_COL_NUMBER, 12}, "ai.cost_cents"},
	{{"tickets_opened", WVL_COL_INT, 10}, "tickets.opened"},
	{{"first_response_met", WVL_COL_RATIO, 10}, "tickets.first_response_met"},
	{{"resolution_met", WVL_COL_RATIO, 10}, "tickets.resolution_met"},
};
static const struct field funnel_fields[] = {
	{{"step", WVL_COL_TEXT, 20}, "step"},
	{{"clients", WVL_COL_INT, 10}, "clients"},
	{{"conversion", WVL_COL_RATIO, 12}, "conversion"},
};
static const struct field ttd_fields[] = {
	{{"milestone", WVL_COL_INT, 10}, "milestone"},
	{{"delivered", WVL_COL_INT, 10}, "delivered"},
	{{"median_days", WVL_COL_NUMBER, 12}, "median_days"},
	{{"p90_days", WVL_COL_NUMBER, 12}, "p90_days"},
};

#define MAX_COLS 24

json_t *wvl_export__at(json_t *o, const char *path)
{
	const char *dot = strchr(path, '.');
	if (!dot)
		return json_object_get(o, path);
	char head[32];
	snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(o, head), dot + 1);
}

/* A JSON scalar as text into buf; NULL for null or missing. */
const char *wvl_export__text_of(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.10g", json_real_value(v));
	else
		return NULL;
	return buf;
}

static int sheet(struct wvl_table *t, const char *name, const struct field *fields, int n,
		 json_t *rows, const struct wvl_chart_spec *chart, struct wvl_col *cols)
{
	for (int i = 0; i < n; i++)
		cols[i] = fields[i].col;
	int rc = wvl_table__sheet(t, name, cols, n, chart);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		if (rc)
			break;
		char bufs[MAX_COLS][48];
		const char *v[MAX_COLS];
		for (int j = 0; j < n; j++)
			v[j] = wvl_export__text_of(wvl_export__at(row, fields[j].path), bufs[j], sizeof(bufs[j]));
		rc = wvl_table__row(t, v);
	}
	return rc;
}

#define NF(a) ((int)(sizeof(a) / sizeof(a[0])))

static int write_report(struct wvl_table *t, json_t *j)
{
	static struct wvl_col months[MAX_COLS], funnel[4], ttd[4];
	const struct wvl_chart_spec mrr = {WVL_CHART_LINE, "MRR and revenue (cents)", 0, {1, 14}, 2};
	const struct wvl_chart_spec fun = {WVL_CHART_COLUMN, "Client funnel", 0, {1}, 1};
	const struct wvl_chart_spec days = {WVL_CHART_COLUMN, "Days to deliverable", 0, {2, 3}, 2};
	int rc = sheet(t, "Months", month_fields, NF(month_fields), json_object_get(j, "months"),
		       &mrr, months);
	if (!rc)
		rc = sheet(t, "Funnel", funnel_fields, NF(funnel_fields), json_object_get(j, "funnel"),
			   &fun, funnel);
	if (!rc)
		rc = sheet(t, "Time to deliverable", ttd_fields, NF(ttd_fields),
			   json_object_get(j, "time_to_deliverable"), &days, ttd);
	return rc;
}

static const char *tmpdir(void)
{
	const char *d = secure_getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

int wvl_export__analytics_file(int *out_fd, uint64_t *out_size, wvl_ctx *ctx,
			       const wvl_actor *actor, const struct wvl_analytics_range *r,
			       const char *format, bool bom)
{
	*out_fd = -1;
	*out_size = 0;
	char *txt = NULL;
	int rc = wvl_analytics__report(&txt, ctx, actor, r);
	if (rc)
		return rc;
	json_t *j = json_loads(txt, 0, NULL);
	wvl_free(txt);
	if (!j)
		return wvl_err__set(WVL_EINTERNAL, NULL, "analytics: unreadable report");
	if (strcmp(format, "pdf") == 0) {
		rc = wvl_export__analytics_pdf(out_fd, out_size, ctx, j, r, tmpdir());
		json_decref(j);
		return rc;
	}
	struct wvl_table *t = NULL;
	rc = wvl_table__open(&t, format, tmpdir(), bom);
	if (!rc && (rc = write_report(t, j)) != 0)
		wvl_table__free(t);
	else if (!rc)
		rc = wvl_table__finish(t, out_fd, out_size);
	json_decref(j);
	return rc;
}

static int months_of(const struct wvl_analytics_range *r)
{
	return (atoi(r->to) * 12 + atoi(r->to + 5)) - (atoi(r->from) * 12 + atoi(r->from + 5)) + 1;
}

int wvl_export_analytics(wvl_export_file *out, wvl_ctx *ctx, const wvl_actor *actor,
			 const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out, ctx and actor are required");
	int rc = wvl_export__out_reset(out);
	if (!rc)
		rc = wvl_analytics__need_admin(actor);
	if (rc)
		return rc;
	static const char *const extra[] = {"format", "bom", NULL};
	struct wvl_analytics_range r;
	if ((rc = wvl_analytics__range(&r, ctx, query, extra)) != 0)
		return rc;
	const char *f = wvl_query_get(query, "format"), *bom = wvl_query_get(query, "bom");
	if (!f || (strcmp(f, "csv") != 0 && strcmp(f, "xlsx") != 0 && strcmp(f, "pdf") != 0))
		return wvl_json__field_error("format", "must be csv, xlsx or pdf");
	if (bom && strcmp(bom, "true") != 0 && strcmp(bom, "false") != 0)
		return wvl_json__field_error("bom", "must be true or false");
	snprintf(out->content_type, sizeof(out->content_type), "%s",
		 wvl_export__content_type(f, false));
	snprintf(out->filename, sizeof(out->filename), "analytics-%.7s-to-%.7s.%s", r.from, r.to, f);
	bool with_bom = bom && !strcmp(bom, "true");
	if (strcmp(f, "pdf") == 0 && months_of(&r) > WVL_EXPORT_SYNC_PDF_MONTHS) {
		json_t *args = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "report", "analytics",
					 "format", f, "from", r.from, "to", r.to, "currency",
					 r.currency, "role", wvl_role_name(actor->role), "user_id",
					 actor->user_id);
		return wvl_export__enqueue(out, ctx, args);
	}
	return wvl_export__analytics_file(&out->fd, &out->size, ctx, actor, &r, f, with_bom);
}
