/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* lib/pdf, read back with poppler's pdfinfo and pdftotext: metadata,
 * pages, text order, repeated table headers, non-Latin text, links, the
 * report renderer, and hostile markdown that must end (with bounded
 * memory) instead of hanging or exhausting the machine. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/buf.h"
#include "pdf/internal.h"
#include "pdf/pdf.h"
#include "pdfcheck.h"
#include "wavelaunch/sanitize.h"

/* 2026-03-01T00:00:00Z */
#define T0 INT64_C(1772323200000000)

static wvl_ctx *ctx;

static int64_t fixed_clock(void *payload)
{
	(void)payload;
	return T0;
}

static void setup(void)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_AGENCY_NAME", "Ωmega Agency"), 0);
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0, "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
	wvl_ctx_set_clock(ctx, fixed_clock, NULL);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	ctx = NULL;
	pdfcheck_remove();
}

TestSuite(pdf, .init = setup, .fini = teardown, .timeout = 600.0);

static char *page_text(const char *path, int page)
{
	return pdfcheck_run("pdftotext -q -f %d -l %d '%s' -", page, page, path);
}

/* Counts the occurrences of `needle` in `hay`. */
static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* pdfinfo's line "Key:   value" (the padding varies by version). */
static void expect_info(const char *info, const char *key, const char *value)
{
	char k[64];
	snprintf(k, sizeof(k), "\n%s:", key);
	const char *p = strstr(info, k);
	cr_assert_not_null(p, "%s missing: %s", key, info);
	p += strlen(k);
	p += strspn(p, " ");
	cr_expect(!strncmp(p, value, strlen(value)), "%s: %.40s, not %s", key, p, value);
}

Test(pdf, metadata_come_from_the_info_and_the_context_clock)
{
	struct wvl_pdf *d = NULL;
	struct wvl_pdf_info info = {.title = "Plan for Nova", .author = "Ann Admin",
				    .subject = "Business plan"};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_assert_eq(wvl_pdf__heading(d, 1, "Hello"), 0);
	cr_assert_eq(wvl_pdf__paragraph(d, "A <b>bold</b> and <i>italic</i> word.", 0), 0);
	char *pdf = NULL;
	size_t len = 0;
	cr_assert_eq(wvl_pdf__finish(d, &pdf, &len), 0, "%s", wvl_error_last()->message);
	wvl_pdf__free(d);
	cr_assert(len > 1000 && !memcmp(pdf, "%PDF-", 5));
	const char *path = pdfcheck_save("pdf", pdf, len);
	char *info_out = pdfcheck_run("printf '\\n'; pdfinfo -isodates '%s'", path);
	expect_info(info_out, "Title", "Plan for Nova");
	expect_info(info_out, "Author", "Ann Admin");
	expect_info(info_out, "Subject", "Business plan");
	expect_info(info_out, "Creator", "WavelaunchOS");
	expect_info(info_out, "CreationDate", "2026-03-01T00:00:00");
	expect_info(info_out, "Pages", "1");
	cr_expect_not_null(strstr(info_out, "595.28 x 841.89 pts (A4)"), "%s", info_out);
	char *text = page_text(path, 1);
	cr_expect_not_null(strstr(text, "A bold and italic word."), "%s", text);
	cr_expect_not_null(strstr(text, "Ωmega Agency"), "the agency's name: %s", text);
	cr_expect_not_null(strstr(text, "Page 1"), "%s", text);
	free(text);
	char *fonts = pdfcheck_run("pdffonts '%s'", path);
	cr_expect_not_null(strstr(fonts, "DejaVuSans-Bold"), "%s", fonts);
	cr_expect_not_null(strstr(fonts, "DejaVuSans-Oblique"), "%s", fonts);
	free(fonts);
	free(info_out);
	unlink(path);

	/* The same calls give the same bytes. */
	struct wvl_pdf *d2 = NULL;
	cr_assert_eq(wvl_pdf__new(&d2, ctx, &info), 0);
	wvl_pdf__heading(d2, 1, "Hello");
	wvl_pdf__paragraph(d2, "A <b>bold</b> and <i>italic</i> word.", 0);
	char *pdf2 = NULL;
	size_t len2 = 0;
	cr_assert_eq(wvl_pdf__finish(d2, &pdf2, &len2), 0);
	wvl_pdf__free(d2);
	cr_expect(len == len2 && !memcmp(pdf, pdf2, len), "two renders differ");
	wvl_free(pdf);
	wvl_free(pdf2);
}

static char *render_md(const char *md, const char *title)
{
	struct wvl_pdf_info info = {.title = title};
	char *pdf = NULL;
	size_t len = 0;
	int rc = wvl_pdf__markdown_document(&pdf, &len, ctx, &info, "Version 2", md, strlen(md));
	cr_assert_eq(rc, 0, "%s", wvl_error_last()->message);
	const char *path = pdfcheck_save("pdf", pdf, len);
	wvl_free(pdf);
	return strdup(path);
}

Test(pdf, non_latin_text_renders_and_extracts)
{
	const char *md = "# Πελάτης: Αθηνά Παπαδοπούλου\n\n"
			 "Клиент **Дмитрий Иванов** из Москвы.\n\n"
			 "- Ελληνικά\n- Русский\n- Français: déjà vu\n";
	char *path = render_md(md, "Σχέδιο — План");
	char *text = page_text(path, 1);
	cr_expect_not_null(strstr(text, "Πελάτης: Αθηνά Παπαδοπούλου"), "%s", text);
	cr_expect_not_null(strstr(text, "Клиент Дмитрий Иванов из Москвы."), "%s", text);
	cr_expect_not_null(strstr(text, "Français: déjà vu"), "%s", text);
	cr_expect_not_null(strstr(text, "Σχέδιο — План"), "title in the header: %s", text);
	/* In reading order. */
	const char *a = strstr(text, "Ελληνικά"), *b = strstr(text, "Русский");
	cr_expect(a && b && a < b, "%s", text);
	free(text);
	unlink(path);
	free(path);
}

Test(pdf, cjk_text_falls_back_to_wenquanyi_and_extracts)
{
	const char *md = "# 事業計画：李小龍の店\n\n"
			 "本計画は**東京**と北京で展開します。ひらがな、カタカナ、한국어。\n\n"
			 "| 項目 | 費用 |\n|---|---:|\n| 市場調査 | 1,200 |\n\n"
			 "- 第一段階：调研\n- `代码` in mono\n";
	char *path = render_md(md, "计划 — 李 Ltd");
	char *fonts = pdfcheck_run("pdffonts '%s'", path);
	/* DejaVu for the Latin text, WenQuanYi for the CJK, both embedded. */
	cr_expect_not_null(strstr(fonts, "WenQuanYiMicroHei"), "%s", fonts);
	cr_expect_not_null(strstr(fonts, "DejaVuSans"), "%s", fonts);
	for (const char *l = strchr(fonts, '\n'); l && *++l; l = strchr(l, '\n')) {
		if (strncmp(l, "----", 4) == 0)
			continue;
		char name[128], type[32], emb[8];
		/* name type [type] encoding emb sub uni object ID */
		if (sscanf(l, "%127s %31s", name, type) == 2 && strstr(name, "WenQuanYi")) {
			const char *yes = strstr(l, " yes ");
			snprintf(emb, sizeof(emb), "%s", yes ? "yes" : "no");
			cr_expect_str_eq(emb, "yes", "embedded: %s", l);
		}
	}
	free(fonts);
	char *text = page_text(path, 1);
	cr_expect_not_null(strstr(text, "事業計画：李小龍の店"), "%s", text);
	cr_expect_not_null(strstr(text, "東京"), "%s", text);
	cr_expect_not_null(strstr(text, "ひらがな、カタカナ、한국어"), "%s", text);
	cr_expect_not_null(strstr(text, "市場調査"), "a table cell: %s", text);
	cr_expect_not_null(strstr(text, "第一段階：调研"), "%s", text);
	cr_expect_not_null(strstr(text, "代码"), "mono text: %s", text);
	cr_expect_not_null(strstr(text, "计划 — 李 Ltd"), "the header: %s", text);
	free(text);
	unlink(path);
	free(path);
}

Test(pdf, markdown_blocks_in_order_with_links)
{
	const char *md = "# Heading one\n\nIntro with `code`, ~~old~~ and a "
			 "[link](https://example.com/a?b=1&c='2') plus [bad](javascript:alert(1)).\n\n"
			 "## Heading two\n\n"
			 "1. first\n2. second\n   - nested bullet\n     - deeper\n3. third\n\n"
			 "- [x] done task\n- [ ] open task\n\n"
			 "> quoted words\n\n"
			 "```\nint main(void) { return 0; }\n```\n\n"
			 "---\n\n"
			 "<script>alert('x')</script>\n\n"
			 "Inline <b>html</b> stays text.\n\n"
			 "![logo](https://example.com/logo.png)\n\n"
			 "| Name | Amount |\n|:-----|-------:|\n| Ann | 10 |\n| Bob | 20 |\n";
	char *path = render_md(md, "Blocks");
	char *text = page_text(path, 1);
	const char *order[] = {"Heading one", "Intro with code, old and a link plus bad.",
			       "Heading two", "1.", "first", "2.", "second", "nested bullet",
			       "deeper", "3.", "third", "done task", "open task", "quoted words",
			       "int main(void) { return 0; }", "<script>alert('x')</script>",
			       "Inline <b>html</b> stays text.",
			       "[image: logo (https://example.com/logo.png)]", "Name", "Amount",
			       "Ann", "10", "Bob", "20"};
	const char *at = text;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *p = strstr(at, order[i]);
		cr_expect_not_null(p, "\"%s\" missing or out of order in:\n%s", order[i], text);
		if (p)
			at = p + strlen(order[i]);
	}
	free(text);
	/* One link annotation, to the http address only. */
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	char *raw = calloc(1, 1 << 20);
	size_t n = fread(raw, 1, (1 << 20) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (!raw[i])
			raw[i] = ' ';
	cr_expect_not_null(strstr(raw, "/URI (https://example.com/a?b=1&c='2')"), "no link");
	cr_expect_null(strstr(raw, "javascript"), "a javascript: link was made");
	free(raw);
	unlink(path);
	free(path);
}

/* ---- tables ---- */

Test(pdf, tables_paginate_and_repeat_their_header_on_every_page)
{
	struct wvl_pdf *d = NULL;
	struct wvl_pdf_info info = {.title = "Ledger"};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	struct wvl_pdf_column cols[] = {
		{"Row", WVL_PDF_COL_INT, 0, 0.5}, {"Client name", WVL_PDF_COL_TEXT, 0, 2},
		{"Fee", WVL_PDF_COL_MONEY, 0, 1}, {"Share", WVL_PDF_COL_PERCENT, 0, 1},
		{"Since", WVL_PDF_COL_DATE, 0, 1}};
	cr_assert_eq(wvl_pdf__table_begin(d, cols, 5), 0);
	for (int i = 1; i <= 300; i++) {
		char row[16], name[32];
		snprintf(row, sizeof(row), "%d", i);
		snprintf(name, sizeof(name), "Client-%04d", i);
		const char *cells[] = {row, name, "123456", "0.125", "2026-02-03T10:00:00Z"};
		cr_assert_eq(wvl_pdf__table_row(d, cells, 5), 0);
	}
	cr_assert_eq(wvl_pdf__table_end(d), 0);
	int pages = wvl_pdf__pages(d);
	char *pdf = NULL;
	size_t len = 0;
	cr_assert_eq(wvl_pdf__finish(d, &pdf, &len), 0);
	wvl_pdf__free(d);
	const char *path = pdfcheck_save("pdf", pdf, len);
	wvl_free(pdf);
	int n = pdfcheck_pages(path);
	cr_expect_eq(n, pages);
	cr_expect(n >= 5, "300 rows on %d pages", n);
	int last = 0;
	for (int p = 1; p <= n; p++) {
		char *t = page_text(path, p);
		cr_expect_eq(count(t, "Client name"), 1, "page %d header:\n%s", p, t);
		char pg[32];
		snprintf(pg, sizeof(pg), "Page %d", p);
		cr_expect_not_null(strstr(t, pg), "page %d number", p);
		/* Rows continue in order, none lost or repeated. */
		for (const char *q = t; (q = strstr(q, "Client-")) != NULL; q += 7) {
			int r = atoi(q + 7);
			cr_expect_eq(r, last + 1, "row %d after %d on page %d", r, last, p);
			last = r;
		}
		if (p == 1) {
			cr_expect_not_null(strstr(t, "1,234.56"), "money formatted: %s", t);
			cr_expect_not_null(strstr(t, "12.5 %"), "percent formatted");
			cr_expect_not_null(strstr(t, "2026-02-03"), "date formatted");
			cr_expect_null(strstr(t, "T10:00"), "date cut");
		}
		free(t);
	}
	cr_expect_eq(last, 300);
	unlink(path);
}

Test(pdf, values_format_by_type)
{
	char out[96];
	cr_assert(wvl_pdf__format_value(out, sizeof(out), "1234567", WVL_PDF_COL_INT));
	cr_expect_str_eq(out, "1,234,567");
	cr_assert(wvl_pdf__format_value(out, sizeof(out), "-1234.5", WVL_PDF_COL_NUMBER));
	cr_expect_str_eq(out, "-1,234.50");
	cr_assert(wvl_pdf__format_value(out, sizeof(out), "-1", WVL_PDF_COL_MONEY));
	cr_expect_str_eq(out, "-0.01");
	cr_assert(wvl_pdf__format_value(out, sizeof(out), "-0.001", WVL_PDF_COL_NUMBER));
	cr_expect_str_eq(out, "0.00");
	cr_assert(wvl_pdf__format_value(out, sizeof(out), "1", WVL_PDF_COL_PERCENT));
	cr_expect_str_eq(out, "100.0 %");
	cr_assert(wvl_pdf__format_value(out, sizeof(out), "999", WVL_PDF_COL_INT));
	cr_expect_str_eq(out, "999");
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), "12abc", WVL_PDF_COL_INT));
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), " 12", WVL_PDF_COL_INT));
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), "nan", WVL_PDF_COL_NUMBER));
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), "1e300", WVL_PDF_COL_NUMBER));
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), "", WVL_PDF_COL_MONEY));
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), "March", WVL_PDF_COL_DATE));
	cr_expect_not(wvl_pdf__format_value(out, sizeof(out), "x", WVL_PDF_COL_TEXT));
}

/* ---- the report ---- */

struct rows {
	int n, fail_at;
	char num[16], name[32];
};

static int next_row(const char **out, size_t i, void *payload)
{
	struct rows *r = payload;
	if ((int)i == r->fail_at)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database went away");
	if ((int)i >= r->n)
		return 0;
	snprintf(r->num, sizeof(r->num), "%zu", i * 1000);
	snprintf(r->name, sizeof(r->name), "Μήνας %zu", i + 1);
	out[0] = r->name;
	out[1] = r->num;
	out[2] = NULL;
	return 1;
}

Test(pdf, report_has_title_period_chart_and_typed_table)
{
	const char *labels[] = {"Jan", "Feb", "Mar", "Apr"};
	double mrr[] = {100000, 150000, NAN, 175000}, churn[] = {0, 10000, 5000, -2000};
	struct wvl_pdf_series series[] = {{"MRR", mrr}, {"Churned", churn}};
	struct wvl_pdf_chart chart = {WVL_PDF_CHART_LINE, "MRR by month", labels, 4, series, 2,
				      WVL_PDF_COL_MONEY};
	struct wvl_pdf_column cols[] = {{"Month", WVL_PDF_COL_TEXT, 0, 2},
					{"MRR", WVL_PDF_COL_MONEY, 0, 1},
					{"Note", WVL_PDF_COL_TEXT, WVL_PDF_ALIGN_CENTER, 1}};
	struct rows rows = {.n = 120, .fail_at = -1};
	struct wvl_pdf_report r = {.title = "Revenue report", .period = "2026-01-01 to 2026-04-30",
				   .intro = "Figures <unescaped> & exact.", .columns = cols,
				   .ncolumns = 3, .row = next_row, .payload = &rows,
				   .chart = &chart};
	char *pdf = NULL;
	size_t len = 0;
	cr_assert_eq(wvl_pdf__report(&pdf, &len, ctx, &r), 0, "%s", wvl_error_last()->message);
	const char *path = pdfcheck_save("pdf", pdf, len);
	wvl_free(pdf);
	char *t = page_text(path, 1);
	const char *order[] = {"Revenue report", "Period: 2026-01-01 to 2026-04-30",
			       "Figures <unescaped> & exact.", "MRR by month", "Jan", "Apr",
			       "Churned", "Month", "Μήνας 1", "0.00", "Μήνας 2", "10.00"};
	const char *at = t;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *p = strstr(at, order[i]);
		cr_expect_not_null(p, "\"%s\" missing or out of order in:\n%s", order[i], t);
		if (p)
			at = p + strlen(order[i]);
	}
	free(t);
	int pages = pdfcheck_pages(path);
	cr_expect(pages >= 3, "%d pages", pages);
	char *last = page_text(path, pages);
	cr_expect_not_null(strstr(last, "Μήνας 120"), "%s", last);
	cr_expect_not_null(strstr(last, "1,190.00"), "%s", last);
	cr_expect_eq(count(last, "Month"), 1, "header repeated on the last page");
	free(last);
	unlink(path);

	/* The row source's failure is the report's. */
	rows.fail_at = 50;
	cr_expect_eq(wvl_pdf__report(&pdf, &len, ctx, &r), WVL_EUNAVAILABLE);
	cr_expect_null(pdf);
	cr_expect_not_null(strstr(wvl_error_last()->message, "the database went away"));

	/* Rows from an array instead; a bar chart. */
	const char *cells[] = {"Ann", "100", "a", "Bob", "x", NULL};
	chart.kind = WVL_PDF_CHART_BAR;
	r.row = NULL;
	r.cells = cells;
	r.nrows = 2;
	cr_assert_eq(wvl_pdf__report(&pdf, &len, ctx, &r), 0, "%s", wvl_error_last()->message);
	path = pdfcheck_save("pdf", pdf, len);
	wvl_free(pdf);
	t = page_text(path, 1);
	cr_expect_not_null(strstr(t, "1.00"), "%s", t);
	cr_expect_not_null(strstr(t, "Bob"), "%s", t);
	free(t);
	unlink(path);
}

Test(pdf, bad_calls_are_refused)
{
	char *pdf = NULL;
	size_t len = 0;
	struct wvl_pdf_report r = {.title = "x"};
	cr_expect_eq(wvl_pdf__report(&pdf, &len, ctx, &r), WVL_EINVAL, "no columns");
	r.title = NULL;
	cr_expect_eq(wvl_pdf__report(&pdf, &len, ctx, &r), WVL_EINVAL, "no title");
	struct wvl_pdf *d = NULL;
	struct wvl_pdf_info none = {0};
	cr_expect_eq(wvl_pdf__new(&d, ctx, &none), WVL_EINVAL);

	struct wvl_pdf_info info = {.title = "t"};
	struct wvl_pdf_column cols[] = {{"A", 0, 0, 0}, {"B", 0, 0, 0}};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__table_row(d, (const char *[]){"a", "b"}, 2), WVL_EINVAL,
		     "a row outside a table");
	/* Sticky: every later call says the same. */
	cr_expect_eq(wvl_pdf__paragraph(d, "x", 0), WVL_EINVAL);
	cr_expect_eq(wvl_pdf__finish(d, &pdf, &len), WVL_EINVAL);
	wvl_pdf__free(d);

	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_assert_eq(wvl_pdf__table_begin(d, cols, 2), 0);
	cr_expect_eq(wvl_pdf__heading(d, 2, "inside"), WVL_EINVAL);
	wvl_pdf__free(d);

	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_assert_eq(wvl_pdf__table_begin(d, cols, 2), 0);
	cr_expect_eq(wvl_pdf__table_row(d, (const char *[]){"a"}, 1), WVL_EINVAL);
	wvl_pdf__free(d);

	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__table_begin(d, cols, 0), WVL_EINVAL);
	wvl_pdf__free(d);

	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__space(d, -1), WVL_EINVAL);
	wvl_pdf__free(d);

	double v[WVL_PDF_MAX_POINTS + 1] = {0};
	const char *labels[WVL_PDF_MAX_POINTS + 1] = {0};
	struct wvl_pdf_series s = {"s", v};
	struct wvl_pdf_chart big = {WVL_PDF_CHART_BAR, NULL, labels, WVL_PDF_MAX_POINTS + 1, &s, 1,
				    0};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__chart(d, &big), WVL_EINVAL);
	wvl_pdf__free(d);
	struct wvl_pdf_series nos = {"s", NULL};
	struct wvl_pdf_chart novals = {WVL_PDF_CHART_BAR, NULL, labels, 3, &nos, 1, 0};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__chart(d, &novals), WVL_EINVAL);
	wvl_pdf__free(d);

	/* A finished document takes nothing more. */
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_assert_eq(wvl_pdf__finish(d, &pdf, &len), 0);
	wvl_free(pdf);
	cr_expect_eq(wvl_pdf__paragraph(d, "late", 0), WVL_EINVAL);
	wvl_pdf__free(d);
}

Test(pdf, a_document_over_the_page_limit_is_refused)
{
	struct wvl_pdf *d = NULL;
	struct wvl_pdf_info info = {.title = "Long"};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	int rc = 0;
	for (int i = 0; i <= WVL_PDF_MAX_PAGES && !rc; i++) {
		rc = wvl_pdf__paragraph(d, "x", 0);
		if (!rc)
			rc = wvl_pdf__page_break(d);
	}
	cr_expect_eq(rc, WVL_ETOOLARGE);
	cr_expect_eq(wvl_pdf__pages(d), WVL_PDF_MAX_PAGES);
	char *pdf = NULL;
	size_t len = 0;
	cr_expect_eq(wvl_pdf__finish(d, &pdf, &len), WVL_ETOOLARGE);
	cr_expect_null(pdf);
	wvl_pdf__free(d);
}

/* ---- rich text ---- */

Test(pdf, rich_text_parses_only_its_own_tags)
{
	struct pdf_rich r;
	cr_assert(wvl_pdf__rich_parse(&r, "a < b &amp; <b>c</i> d<x>e</b> &bogus; "
					  "<a href=\"https://x.test/?a=1&amp;b=2\">l</a> "
					  "<a href=\"ftp://x\">f</a><i>open"));
	cr_expect_str_eq(r.text.data, "a < b & c d<x>e &bogus; l fopen");
	cr_expect_eq(r.nlinks, 1);
	cr_expect_str_eq(r.links[0].uri, "https://x.test/?a=1&b=2");
	size_t at = (size_t)(strstr(r.text.data, " l ") + 1 - r.text.data);
	cr_expect_eq(r.links[0].start, at);
	cr_expect_eq(r.links[0].end, at + 1);
	wvl_pdf__rich_free(&r);
	/* Invalid UTF-8 is replaced, never passed on. */
	cr_assert(wvl_pdf__rich_parse(&r, "ok \xff\xfe end"));
	cr_expect(g_utf8_validate(r.text.data, -1, NULL));
	wvl_pdf__rich_free(&r);
	/* Nesting deeper than the parser keeps is dropped, not overflowed. */
	struct wvl_buf deep = WVL_BUF_INIT;
	for (int i = 0; i < 500; i++)
		wvl_buf__puts(&deep, "<b><i>");
	wvl_buf__puts(&deep, "core");
	char *s = wvl_buf__take(&deep);
	cr_assert(wvl_pdf__rich_parse(&r, s));
	cr_expect_str_eq(r.text.data, "core");
	wvl_pdf__rich_free(&r);
	free(s);
	char *e = wvl_pdf__escape("<a href=\"x\">&'");
	cr_expect_str_eq(e, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
	free(e);
	cr_expect_not(wvl_pdf__uri_ok("https://a b"));
	cr_expect(wvl_pdf__uri_ok("mailto:ann@example.com"));
}

/* ---- hostile markdown: it ends, within a memory bound ---- */

/* Renders `md` in a child process and returns its peak RSS in MiB; the
 * child's exit status (0: rendered, 1: refused with `expect`) is checked. */
static long render_in_child(const char *what, const char *md, size_t len, int expect)
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct wvl_pdf_info info = {.title = "Hostile"};
		char *pdf = NULL;
		size_t n = 0;
		int rc = wvl_pdf__markdown_document(&pdf, &n, ctx, &info, NULL, md, len);
		wvl_free(pdf);
		if (rc && rc != expect)
			fprintf(stderr, "rendering failed: %d %s\n", rc, wvl_error_last()->message);
		_exit(rc == 0 ? 0 : rc == expect ? 1 : 2);
	}
	int st = 0;
	struct rusage ru;
	cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
	cr_assert(WIFEXITED(st), "the child died");
	cr_expect_eq(WEXITSTATUS(st), expect ? 1 : 0, "%s: status %d", what, WEXITSTATUS(st));
	return ru.ru_maxrss / 1024;
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
	struct wvl_buf b = WVL_BUF_INIT;
	for (size_t i = 0; i < times; i++)
		wvl_buf__puts(&b, unit);
	wvl_buf__puts(&b, tail);
	return wvl_buf__take(&b);
}

/* ASan's shadow memory and quarantine inflate every figure; the bound is
 * what a sanitised worker may use, far below what a runaway would take
 * (cmark alone takes ~750 MiB under ASan for 1 MiB of one-cell table rows). */
#define RSS_BOUND_MIB 1024

Test(pdf, hostile_markdown_ends_with_bounded_memory)
{
	struct {
		const char *what;
		char *md;
		int expect;
	} cases[] = {
		{"deep block quotes", repeat(">", 50000, " deep\n"), 0},
		{"deep lists", NULL, 0},
		{"deep emphasis", repeat("*a ", 100000, "end\n"), 0},
		{"a long word", repeat("x", 200000, "\n"), 0},
		{"raw html", repeat("<div><script>alert(1)</script><table>", 5000, "\n"), 0},
		{"a wide table", NULL, 0},
		{"too much input", repeat("a", WVL_SANITIZE_MAX_INPUT + 1, ""), WVL_ETOOLARGE},
	};
	struct wvl_buf lists = WVL_BUF_INIT;
	for (int i = 0; i < 900; i++) {
		for (int j = 0; j < i * 2; j++)
			wvl_buf__putc(&lists, ' ');
		wvl_buf__puts(&lists, "- item\n");
	}
	cases[1].md = wvl_buf__take(&lists);
	struct wvl_buf wide = WVL_BUF_INIT;
	for (int c = 0; c < 200; c++)
		wvl_buf__puts(&wide, "|h");
	wvl_buf__puts(&wide, "|\n");
	for (int c = 0; c < 200; c++)
		wvl_buf__puts(&wide, "|-");
	wvl_buf__puts(&wide, "|\n");
	for (int r = 0; r < 400; r++) {
		for (int c = 0; c < 200; c++)
			wvl_buf__puts(&wide, "|cell");
		wvl_buf__puts(&wide, "|\n");
	}
	cases[5].md = wvl_buf__take(&wide);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_not_null(cases[i].md);
		long mib = render_in_child(cases[i].what, cases[i].md, strlen(cases[i].md), cases[i].expect);
		cr_expect(mib < RSS_BOUND_MIB, "%s: %ld MiB", cases[i].what, mib);
		free(cases[i].md);
	}
}

Test(pdf, a_huge_markdown_table_stops_at_the_page_limit)
{
	/* 1 MiB of rows: far more pages than the limit allows. */
	struct wvl_buf b = WVL_BUF_INIT;
	wvl_buf__puts(&b, "|a|\n|-|\n");
	while (b.len + 4 < WVL_SANITIZE_MAX_INPUT)
		wvl_buf__puts(&b, "|x|\n");
	char *md = wvl_buf__take(&b);
	long mib = render_in_child("a huge table", md, strlen(md), WVL_ETOOLARGE);
	cr_expect(mib < RSS_BOUND_MIB, "%ld MiB", mib);
	free(md);
}

Test(pdf, agency_name_is_checked)
{
	const char *bad[] = {"", "a\nb", "\xff", NULL};
	for (int i = 0; bad[i]; i++) {
		wvl_config *cfg = NULL;
		cr_assert_eq(wvl_config_new(&cfg), 0);
		cr_assert_eq(wvl_config_set(cfg, "WL_AGENCY_NAME", bad[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "case %d", i);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_AGENCY_NAME"));
		wvl_config_free(cfg);
	}
	char longname[260];
	memset(longname, 'a', 201);
	longname[201] = '\0';
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_AGENCY_NAME", longname), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_AGENCY_NAME", "Ωmega Agency"), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
}
