/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The analytics report as a PDF (lib/pdf's blocks): the figures of the
 * CSV and XLSX exports, laid out for A4.  The months' 21 figures do not
 * fit one table across a page, so they come as three tables of the same
 * months (MRR movements; clients and churn; revenue, AI and tickets)
 * after a line chart of MRR and revenue, then the funnel and time to
 * deliverable, each a table followed by its bar chart.  Money
 * figures are in the report's currency (the JSON's cents / 100). */

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../analytics/analytics.h"
#include "../pdf/pdf.h"
#include "export.h"

/* A column of a table and where its value is in a row ("a.b": a member
 * of a member). */
struct pdf_field {
	struct wvl_pdf_column col;
	const char *path;
};

#define MONEY WVL_PDF_COL_MONEY
#define INT WVL_PDF_COL_INT
#define PCT WVL_PDF_COL_PERCENT
#define NUM WVL_PDF_COL_NUMBER

static const struct pdf_field mrr_fields[] = {
	{{"Month", WVL_PDF_COL_TEXT, 0, 0.9}, "month"},
	{{"MRR", MONEY, 0, 1.1}, "mrr_cents"},
	{{"Active clients", INT, 0, 0.9}, "active_clients"},
	{{"New", MONEY, 0, 1}, "new_mrr_cents"},
	{{"Expansion", MONEY, 0, 1.1}, "expansion_mrr_cents"},
	{{"Contraction", MONEY, 0, 1.3}, "contraction_mrr_cents"},
	{{"Reactivation", MONEY, 0, 1.4}, "reactivation_mrr_cents"},
	{{"Churned", MONEY, 0, 1}, "churned_mrr_cents"},
};
static const struct pdf_field churn_fields[] = {
	{{"Month", WVL_PDF_COL_TEXT, 0, 1}, "month"},
	{{"New clients", INT, 0, 1}, "new_clients"},
	{{"Reactivated clients", INT, 0, 1}, "reactivated_clients"},
	{{"Churned clients", INT, 0, 1}, "churned_clients"},
	{{"Logo churn", PCT, 0, 1}, "logo_churn"},
	{{"Gross MRR churn", PCT, 0, 1}, "gross_mrr_churn"},
	{{"Net MRR churn", PCT, 0, 1}, "net_mrr_churn"},
};
static const struct pdf_field revenue_fields[] = {
	{{"Month", WVL_PDF_COL_TEXT, 0, 1}, "month"},
	{{"Revenue", MONEY, 0, 1.1}, "revenue_cents"},
	{{"Payments", INT, 0, 1.1}, "payments"},
	{{"Refunded", MONEY, 0, 1.1}, "refunded_cents"},
	{{"AI calls", INT, 0, 0.9}, "ai.calls"},
	{{"AI cost", MONEY, 0, 0.9}, "ai.cost_cents"},
	{{"Tickets opened", INT, 0, 0.9}, "tickets.opened"},
	{{"First response met", PCT, 0, 1.1}, "tickets.first_response_met"},
	{{"Resolution met", PCT, 0, 1.3}, "tickets.resolution_met"},
};
static const struct pdf_field funnel_fields[] = {
	{{"Step", WVL_PDF_COL_TEXT, 0, 2}, "step"},
	{{"Clients", INT, 0, 1}, "clients"},
	{{"Conversion from the step before", PCT, 0, 1.5}, "conversion"},
};
static const struct pdf_field ttd_fields[] = {
	{{"Milestone", INT, WVL_PDF_ALIGN_LEFT, 1}, "milestone"},
	{{"Delivered", INT, 0, 1}, "delivered"},
	{{"Median days", NUM, 0, 1}, "median_days"},
	{{"P90 days", NUM, 0, 1}, "p90_days"},
};

#define NF(a) (sizeof(a) / sizeof(a[0]))
#define MAX_FIELDS 12


static double number_of(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A heading and a table of `rows` (a JSON array) by `fields`; text cells
 * are escaped (rich text), typed ones go as they are. */
static void table(struct wvl_pdf *d, const char *heading, const struct pdf_field *fields,
		  size_t n, json_t *rows)
{
	struct wvl_pdf_column cols[MAX_FIELDS];
	for (size_t i = 0; i < n; i++)
		cols[i] = fields[i].col;
	if (heading)
		wvl_pdf__heading(d, 2, heading);
	if (wvl_pdf__table_begin(d, cols, n) != 0)
		return;
	size_t r;
	json_t *row;
	json_array_foreach(rows, r, row)
	{
		char bufs[MAX_FIELDS][48];
		char *esc[MAX_FIELDS] = {0};
		const char *v[MAX_FIELDS];
		for (size_t j = 0; j < n; j++) {
			v[j] = wvl_export__text_of(wvl_export__at(row, fields[j].path), bufs[j], sizeof(bufs[j]));
			if (v[j] && fields[j].col.type == WVL_PDF_COL_TEXT)
				v[j] = esc[j] = wvl_pdf__escape(v[j]);
		}
		int rc = wvl_pdf__table_row(d, v, n);
		for (size_t j = 0; j < n; j++)
			free(esc[j]);
		if (rc)
			return;
	}
	wvl_pdf__table_end(d);
}

/* A chart of `rows`: labels from `label`, a series per path. */
static int chart(struct wvl_pdf *d, enum wvl_pdf_chart_kind kind, const char *title,
		  enum wvl_pdf_col_type type, json_t *rows, const char *label,
		  const char *const *names, const char *const *paths, size_t nseries)
{
	size_t n = json_array_size(rows);
	if (n == 0 || n > WVL_PDF_MAX_POINTS || nseries > 2)
		return 0; /* nothing to draw (the range is at most 120 months) */
	const char **labels = calloc(n, sizeof(*labels));
	char(*lbufs)[48] = calloc(n, sizeof(*lbufs));
	double *vals = calloc(n * nseries, sizeof(*vals));
	if (!labels || !lbufs || !vals) {
		free(labels);
		free(lbufs);
		free(vals);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_array_get(rows, i);
		labels[i] = wvl_export__text_of(json_object_get(row, label), lbufs[i], sizeof(lbufs[i]));
		if (!labels[i])
			labels[i] = "";
		for (size_t s = 0; s < nseries; s++) {
			double v = number_of(wvl_export__at(row, paths[s]));
			/* Money is drawn in units, as the tables show it. */
			vals[s * n + i] = type == MONEY ? v / 100 : v;
		}
	}
	struct wvl_pdf_series series[2];
	for (size_t s = 0; s < nseries; s++)
		series[s] = (struct wvl_pdf_series){names[s], vals + s * n};
	struct wvl_pdf_chart c = {kind, title, labels, n, series, nseries,
				  type == MONEY ? NUM : type};
	wvl_pdf__chart(d, &c);
	free(labels);
	free(lbufs);
	free(vals);
	return 0;
}

static int paragraph(struct wvl_pdf *d, const char *text)
{
	char *e = wvl_pdf__escape(text);
	if (!e)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_pdf__paragraph(d, e, 0);
	free(e);
	return 0;
}

/* Returns 0 or WVL_EINTERNAL (out of memory); the document keeps its own
 * errors (wvl_pdf__finish reports them). */
static int lay_out(struct wvl_pdf *d, json_t *j, const struct wvl_analytics_range *r)
{
	json_t *months = json_object_get(j, "months"), *funnel = json_object_get(j, "funnel"),
	       *ttd = json_object_get(j, "time_to_deliverable");
	char line[160], mrr_title[64];
	wvl_pdf__heading(d, 1, "Analytics");
	snprintf(line, sizeof(line), "%.7s to %.7s. Money in %s; docs/ANALYTICS.md defines every figure.",
		 r->from, r->to, r->currency);
	int rc = paragraph(d, line);

	static const char *const mrr_names[] = {"MRR", "Revenue"};
	static const char *const mrr_paths[] = {"mrr_cents", "revenue_cents"};
	snprintf(mrr_title, sizeof(mrr_title), "MRR and revenue (%s)", r->currency);
	if (!rc)
		rc = chart(d, WVL_PDF_CHART_LINE, mrr_title, MONEY, months, "month", mrr_names, mrr_paths, 2);
	snprintf(line, sizeof(line), "MRR and its movements (%s)", r->currency);
	table(d, line, mrr_fields, NF(mrr_fields), months);
	table(d, "Clients and churn", churn_fields, NF(churn_fields), months);
	snprintf(line, sizeof(line), "Revenue, AI and tickets (%s)", r->currency);
	table(d, line, revenue_fields, NF(revenue_fields), months);

	/* Each section's table under its heading, then its chart: a heading
	 * never ends a page alone when the chart (kept whole) moves on. */
	table(d, "Client funnel", funnel_fields, NF(funnel_fields), funnel);
	static const char *const fun_names[] = {"Clients"};
	static const char *const fun_paths[] = {"clients"};
	if (!rc)
		rc = chart(d, WVL_PDF_CHART_BAR, "Clients per step", INT, funnel, "step", fun_names, fun_paths, 1);

	table(d, "Time to deliverable", ttd_fields, NF(ttd_fields), ttd);
	static const char *const ttd_names[] = {"Median days", "P90 days"};
	static const char *const ttd_paths[] = {"median_days", "p90_days"};
	if (!rc)
		rc = chart(d, WVL_PDF_CHART_BAR, "Days to deliverable by milestone", NUM, ttd, "milestone", ttd_names, ttd_paths, 2);
	return rc;
}

/* The bytes into a new unnamed temporary file under `tmpdir`. */
static int to_file(int *out_fd, const char *tmpdir, const char *bytes, size_t len)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/wl-export-XXXXXX", tmpdir);
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "export: cannot create a temporary file");
	unlink(path);
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, bytes + done, len - done);
		if (w <= 0) {
			close(fd);
			return wvl_err__set(WVL_EINTERNAL, NULL, "export: cannot write the file");
		}
		done += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return wvl_err__set(WVL_EINTERNAL, NULL, "export: cannot read the file back");
	}
	*out_fd = fd;
	return 0;
}

int wvl_export__analytics_pdf(int *out_fd, uint64_t *out_size, wvl_ctx *ctx, json_t *report,
			      const struct wvl_analytics_range *r, const char *tmpdir)
{
	*out_fd = -1;
	*out_size = 0;
	char title[64];
	snprintf(title, sizeof(title), "Analytics %.7s to %.7s", r->from, r->to);
	struct wvl_pdf_info info = {.title = title, .subject = "Analytics report"};
	struct wvl_pdf *d = NULL;
	int rc = wvl_pdf__new(&d, ctx, &info);
	if (rc)
		return rc;
	char *bytes = NULL;
	size_t len = 0;
	rc = lay_out(d, report, r);
	if (!rc)
		rc = wvl_pdf__finish(d, &bytes, &len);
	wvl_pdf__free(d);
	if (!rc)
		rc = to_file(out_fd, tmpdir, bytes, len);
	wvl_free(bytes);
	if (!rc)
		*out_size = len;
	return rc;
}
