/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The report renderer (title, period, chart, typed table) and the whole
 * markdown document: the two ways other modules make a PDF in one call. */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* `v` with `decimals` decimals and thousands separated by commas. */
static void grouped(char *out, size_t len, double v, int decimals)
{
	char raw[64];
	snprintf(raw, sizeof(raw), "%.*f", decimals, fabs(v));
	const char *dot = strchr(raw, '.');
	size_t ilen = dot ? (size_t)(dot - raw) : strlen(raw);
	size_t o = 0;
	/* "-0.00" reads oddly: a value that rounds to zero has no sign. */
	bool zero = strspn(raw, "0.") == strlen(raw);
	if (v < 0 && !zero && o + 1 < len)
		out[o++] = '-';
	for (size_t i = 0; i < ilen && o + 2 < len; i++) {
		if (i > 0 && (ilen - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	for (const char *p = dot; p && *p && o + 1 < len; p++)
		out[o++] = *p;
	out[o] = '\0';
}

static bool parse_number(double *out, const char *v)
{
	if (!v || !*v || isspace((unsigned char)*v))
		return false;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || *end || !isfinite(d) || fabs(d) > 1e18)
		return false;
	*out = d;
	return true;
}

bool wvl_pdf__format_value(char *out, size_t len, const char *v, enum wvl_pdf_col_type t)
{
	double d;
	switch (t) {
	case WVL_PDF_COL_TEXT:
		return false;
	case WVL_PDF_COL_DATE:
		if (!v || strlen(v) < 10 || !isdigit((unsigned char)v[0]) || v[4] != '-' ||
		    v[7] != '-')
			return false;
		snprintf(out, len, "%.10s", v);
		return true;
	case WVL_PDF_COL_INT:
		if (!parse_number(&d, v))
			return false;
		grouped(out, len, round(d), 0);
		return true;
	case WVL_PDF_COL_NUMBER:
		if (!parse_number(&d, v))
			return false;
		grouped(out, len, d, 2);
		return true;
	case WVL_PDF_COL_MONEY:
		if (!parse_number(&d, v))
			return false;
		grouped(out, len, d / 100, 2);
		return true;
	case WVL_PDF_COL_PERCENT:
		if (!parse_number(&d, v))
			return false;
		grouped(out, len, d * 100, 1);
		size_t n = strlen(out);
		snprintf(out + n, len - n, " %%");
		return true;
	}
	return false;
}

static int report_rows(struct wvl_pdf *d, const struct wvl_pdf_report *r)
{
	const char *row[WVL_PDF_MAX_COLUMNS];
	if (r->cells) {
		for (size_t i = 0; i < r->nrows && !d->err; i++)
			wvl_pdf__table_row(d, r->cells + i * r->ncolumns, r->ncolumns);
		return d->err;
	}
	for (size_t i = 0; r->row && !d->err; i++) {
		memset(row, 0, sizeof(row));
		int got = r->row(row, i, r->payload);
		if (got < 0)
			return wvl_pdf__fail(d, got, "the report's rows failed: %s",
					     wvl_error_last()->message);
		if (got == 0)
			break;
		wvl_pdf__table_row(d, row, r->ncolumns);
	}
	return d->err;
}

int wvl_pdf__report(char **out, size_t *out_len, wvl_ctx *ctx, const struct wvl_pdf_report *r)
{
	if (!out || !out_len || !ctx || !r || !r->title)
		return wvl_err__set(WVL_EINVAL, NULL, "a report needs a title");
	*out = NULL;
	*out_len = 0;
	if (!r->columns || r->ncolumns == 0 || r->ncolumns > WVL_PDF_MAX_COLUMNS)
		return wvl_err__set(WVL_EINVAL, NULL, "a report has 1..%d columns",
				    WVL_PDF_MAX_COLUMNS);
	struct wvl_pdf_info info = {.title = r->title, .author = r->author,
				    .subject = r->period};
	struct wvl_pdf *d = NULL;
	int rc = wvl_pdf__new(&d, ctx, &info);
	if (rc)
		return rc;
	char *t = wvl_pdf__escape(r->title);
	wvl_pdf__heading(d, 1, t ? t : "");
	free(t);
	if (r->period) {
		char *p = wvl_pdf__escape(r->period);
		char *line = wvl_str__printf("<b>Period:</b> %s", p ? p : "");
		wvl_pdf__paragraph(d, line ? line : "", 0);
		free(line);
		free(p);
	}
	if (r->intro) {
		char *p = wvl_pdf__escape(r->intro);
		wvl_pdf__paragraph(d, p ? p : "", 0);
		free(p);
	}
	if (r->chart)
		wvl_pdf__chart(d, r->chart);
	if (!wvl_pdf__table_begin(d, r->columns, r->ncolumns) && !report_rows(d, r))
		wvl_pdf__table_end(d);
	rc = wvl_pdf__finish(d, out, out_len);
	wvl_pdf__free(d);
	return rc;
}

int wvl_pdf__markdown_document(char **out, size_t *out_len, wvl_ctx *ctx,
			       const struct wvl_pdf_info *info, const char *subtitle,
			       const char *markdown, size_t len)
{
	if (!out || !out_len)
		return wvl_err__set(WVL_EINVAL, NULL, "missing argument");
	*out = NULL;
	*out_len = 0;
	struct wvl_pdf *d = NULL;
	int rc = wvl_pdf__new(&d, ctx, info);
	if (rc)
		return rc;
	char *t = wvl_pdf__escape(info->title);
	wvl_pdf__heading(d, 1, t ? t : "");
	free(t);
	if (subtitle && *subtitle) {
		char *s = wvl_pdf__escape(subtitle);
		char *line = wvl_str__printf("<i>%s</i>", s ? s : "");
		wvl_pdf__paragraph(d, line ? line : "", 0);
		free(line);
		free(s);
		wvl_pdf__rule(d);
	}
	rc = wvl_pdf__markdown(d, markdown, len);
	if (!rc)
		rc = wvl_pdf__finish(d, out, out_len);
	wvl_pdf__free(d);
	return rc;
}
