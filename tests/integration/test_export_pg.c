/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Exports: CSV quoting and the formula-injection defence, XLSX read back
 * with Python's zipfile and xml (tests/common/xlsx_summary.py), the job of
 * a big export, and a 100,000-row export within a memory bound. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "analytics_fixture.h"
#include "export/export.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_T0);
	test_team(&admin, &staff, &db);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(export, .init = setup, .fini = teardown, .timeout = 300);

/* ---- CSV cells ---- */

static char *cell(const char *s, size_t len, bool number)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (number)
		wvl_csv__number(f, s);
	else
		wvl_csv__text(f, s, len);
	fclose(f);
	return buf;
}

Test(export, csv_cells_are_quoted_and_defused)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
		size_t out_len;
	} cases[] = {
		{"=1+1", 4, "'=1+1", 5},
		{"+41 555 0100", 12, "'+41 555 0100", 13},
		{"-2", 2, "'-2", 3},
		{"@SUM(A1:A9)", 11, "'@SUM(A1:A9)", 12},
		{"\tcmd", 4, "'\tcmd", 5},
		{"\rcmd", 4, "\"'\rcmd\"", 7},
		{"\0cmd", 4, "'\0cmd", 5},
		{"=HYPERLINK(\"http://x\",\"a,b\")", 28,
		 "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\"", 35},
		{"a,b", 3, "\"a,b\"", 5},
		{"say \"hi\"", 8, "\"say \"\"hi\"\"\"", 12},
		{"two\nlines", 9, "\"two\nlines\"", 11},
		{"x=1", 3, "x=1", 3},
		{"", 0, "", 0},
		{"Зоя 李", 10, "Зоя 李", 10},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = cell(cases[i].in, cases[i].len, false);
		cr_expect(memcmp(got, cases[i].out, cases[i].out_len) == 0 &&
			  got[cases[i].out_len] == '\0', "case %zu: got [%s]", i, got);
		free(got);
	}
	/* Numeric columns: plain numbers stay numbers, anything else is text. */
	static const char *const num_in[] = {"-0.2857", "4500", "-1+1", "=2", "1.", "12abc"};
	static const char *const num_out[] = {"-0.2857", "4500", "'-1+1", "'=2", "1.", "12abc"};
	for (size_t i = 0; i < 6; i++) {
		char *got = cell(num_in[i], 0, true);
		cr_expect_str_eq(got, num_out[i]);
		free(got);
	}
}

/* ---- files ---- */

static char *slurp(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	lseek(fd, 0, SEEK_SET);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static json_t *xlsx_summary(int fd, int rows)
{
	char dir[512], path[600], cmd[2048];
	test_mkdtemp(dir, sizeof(dir), "xlsx");
	snprintf(path, sizeof(path), "%s/x.xlsx", dir);
	size_t len;
	char *data = slurp(fd, &len);
	FILE *f = fopen(path, "wb");
	cr_assert(f);
	fwrite(data, 1, len, f);
	fclose(f);
	free(data);
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/common/xlsx_summary.py %s %d",
		 testenv("WL_TEST_SOURCE_DIR"), path, rows);
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	json_error_t err;
	json_t *j = json_loadf(p, 0, &err);
	cr_assert_eq(pclose(p), 0, "the summary script ran");
	cr_assert(j, "the summary is JSON: %s", err.text);
	test_rm_rf(dir);
	return j;
}

static const char hostile_sql[] =
	"INSERT INTO clients (name, brand_name, email, status, monthly_fee_cents, start_date,"
	" created_at) VALUES"
	" ('=HYPERLINK(\"http://evil\",\"x\")', '+cmd', 'a@example.com', 'active', 250000,"
	"  '2026-01-15', '2026-01-01T10:00:00Z'),"
	" ('Зоя 李, \"Q\"', '@brand', NULL, 'lead', 0, NULL, '2026-01-02T10:00:00Z'),"
	" ('Archived one', NULL, NULL, 'archived', 0, NULL, '2026-01-03T10:00:00Z');"
	"SELECT 'ok'";

static void load(const char *sql)
{
	char *ok = test_sys_value(&db, sql);
	cr_assert(ok && !strcmp(ok, "ok"), "fixture loads");
	free(ok);
}

static int export_clients(wvl_export_file *f, const wvl_actor *a, const char *qs)
{
	return wvl_export_clients(f, ctx, a, test_query("%s", qs));
}

Test(export, clients_csv_is_rfc4180_with_bom_and_defused_cells)
{
	load(hostile_sql);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(export_clients(&f, &staff, "format=csv&bom=true"), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_str_eq(f.content_type, "text/csv; charset=utf-8");
	cr_expect_str_eq(f.filename, "clients-2026-03-01.csv");
	cr_assert_geq(f.fd, 0);
	cr_expect_null(f.job_json);
	size_t len;
	char *csv = slurp(f.fd, &len);
	cr_expect_eq((uint64_t)len, f.size);
	cr_expect(memcmp(csv, "\xEF\xBB\xBF" "id,name,brand_name,email,niche,status,start_date,"
			      "onboarded_at,monthly_fee_cents,currency,created_at,updated_at\r\n",
			 3 + 110) == 0, "BOM and header: %.120s", csv);
	/* Newest first, as the list; the archived client is left out as the
	 * list leaves it out. */
	char *second = strstr(csv, "\r\n") + 2;
	cr_expect(strstr(second, ",\"Зоя 李, \"\"Q\"\"\",'@brand,,,lead,,,0,USD,2026-01-02 10:00:00,") ==
		  strchr(second, ','), "row 1: %.200s", second);
	cr_expect_not_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'+cmd,"
				       "a@example.com,,active,2026-01-15,"));
	cr_expect_not_null(strstr(csv, ",250000,USD,2026-01-01 10:00:00,"));
	cr_expect_null(strstr(csv, "Archived one"));
	int lines = 0;
	for (char *p = csv; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	cr_expect_eq(lines, 3, "header and two rows");
	free(csv);
	wvl_export_file_close(&f);

	/* The list's filters apply; without bom=true no BOM. */
	cr_assert_eq(export_clients(&f, &admin, "format=csv&status=archived"), 0);
	csv = slurp(f.fd, &len);
	cr_expect(strncmp(csv, "id,", 3) == 0);
	cr_expect_not_null(strstr(csv, "Archived one"));
	cr_expect_null(strstr(csv, "HYPERLINK"));
	free(csv);
	wvl_export_file_close(&f);
	cr_assert_eq(export_clients(&f, &admin, "format=csv&q=%3Dhyper"), 0);
	csv = slurp(f.fd, &len);
	cr_expect_not_null(strstr(csv, "HYPERLINK"));
	cr_expect_null(strstr(csv, "Зоя"));
	free(csv);
	wvl_export_file_close(&f);
}

static json_t *sheet(json_t *s, int i) { return json_array_get(json_object_get(s, "sheets"), i); }

static void expect_cell(json_t *sh, const char *ref, const char *t, const char *v, const char *fmt)
{
	json_t *c = json_object_get(json_object_get(sh, "cells"), ref);
	cr_assert(c, "cell %s is there", ref);
	cr_expect_str_eq(json_string_value(json_object_get(c, "t")), t, "%s type", ref);
	if (v)
		cr_expect_str_eq(json_string_value(json_object_get(c, "v")), v, "%s value", ref);
	if (fmt)
		cr_expect_str_eq(json_string_value(json_object_get(c, "fmt")), fmt, "%s format", ref);
}

Test(export, clients_xlsx_has_types_formats_frozen_header_filter_and_chart)
{
	load(hostile_sql);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(export_clients(&f, &staff, "format=xlsx"), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(f.filename, "clients-2026-03-01.xlsx");
	cr_expect_str_eq(f.content_type,
			 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	json_t *s = xlsx_summary(f.fd, 5);
	wvl_export_file_close(&f);
	json_t *clients = sheet(s, 0), *by = sheet(s, 1);
	cr_expect_str_eq(json_string_value(json_object_get(clients, "name")), "Clients");
	cr_expect(json_is_true(json_object_get(clients, "frozen")));
	cr_expect_str_eq(json_string_value(json_object_get(clients, "autofilter")), "A1:L3");
	cr_expect_eq(json_integer_value(json_object_get(clients, "rows")), 3);
	expect_cell(clients, "A1", "inlineStr", "id", NULL);
	/* The formula-looking name is a string cell: never evaluated. */
	expect_cell(clients, "B3", "inlineStr", "=HYPERLINK(\"http://evil\",\"x\")", NULL);
	expect_cell(clients, "B2", "inlineStr", "Зоя 李, \"Q\"", NULL);
	expect_cell(clients, "I3", "n", "250000", "#,##0");
	expect_cell(clients, "G3", "n", NULL, "yyyy-mm-dd");
	expect_cell(clients, "K2", "n", NULL, "yyyy-mm-dd hh:mm:ss");
	/* 2026-01-15 is day 46037 of Excel's calendar. */
	expect_cell(clients, "G3", "n", "46037", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(by, "name")), "By status");
	cr_expect(json_is_true(json_object_get(by, "drawing")));
	expect_cell(by, "A2", "inlineStr", "active", NULL);
	expect_cell(by, "B2", "n", "1", "#,##0");
	cr_expect_eq(json_array_size(json_object_get(s, "charts")), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(s, "chart_types"), 0)),
			 "barChart");
	json_decref(s);
}

Test(export, analytics_csv_and_xlsx)
{
	load(analytics_fixture_sql);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(wvl_export_analytics(&f, ctx, &admin,
					  test_query("format=csv&from=2025-11&to=2026-06")), 0,
		     "%s", wvl_error_last()->message);
	cr_expect_str_eq(f.filename, "analytics-2025-11-to-2026-06.csv");
	size_t len;
	char *csv = slurp(f.fd, &len);
	wvl_export_file_close(&f);
	cr_expect(strncmp(csv, "month,mrr_cents,active_clients,", 31) == 0);
	cr_expect_not_null(strstr(csv, "\r\n2026-03,4500,3,0,1000,0,0,0,0,0,0,0,0,-0.2857,0,0,0,1,"
				       "0.0125,0,,\r\n"), "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\n2026-04,1500,2,0,0,0,0,3000,0,0,1,0.3333,0.6667,0.6667,"));
	free(csv);

	cr_assert_eq(wvl_export_analytics(&f, ctx, &admin,
					  test_query("format=xlsx&from=2025-11&to=2026-06")), 0);
	json_t *s = xlsx_summary(f.fd, 3);
	wvl_export_file_close(&f);
	cr_expect_eq(json_array_size(json_object_get(s, "sheets")), 3);
	json_t *months = sheet(s, 0);
	cr_expect_str_eq(json_string_value(json_object_get(months, "autofilter")), "A1:V9");
	cr_expect(json_is_true(json_object_get(months, "frozen")));
	expect_cell(months, "A2", "n", NULL, "yyyy-mm");
	expect_cell(months, "B3", "n", "1000", "#,##0");
	expect_cell(sheet(s, 1), "C3", "n", "0.8333", "0.00%");
	json_t *kinds = json_object_get(s, "chart_types");
	cr_assert_eq(json_array_size(kinds), 3);
	cr_expect_str_eq(json_string_value(json_array_get(kinds, 0)), "lineChart");
	json_decref(s);
}

/* ---- the analytics PDF ---- */

/* The file behind `fd` saved under `dir` as x.pdf; returns its path. */
static char *save_pdf(const char *dir, int fd)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/x.pdf", dir) > 0);
	size_t len;
	char *data = slurp(fd, &len);
	cr_assert(len > 5 && memcmp(data, "%PDF-", 5) == 0, "a PDF");
	FILE *f = fopen(path, "wb");
	cr_assert(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	return path;
}

/* A command's standard output (malloc'd); it must exit 0. */
static char *cmd_out(const char *fmt, const char *path, int page)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), fmt, page, page, path);
	FILE *p = popen(cmd, "r");
	cr_assert(p, "%s", cmd);
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, got, m);
	fclose(m);
	cr_assert_eq(pclose(p), 0, "%s", cmd);
	return buf;
}

static int pdf_pages(const char *path)
{
	char *info = cmd_out("pdfinfo %.0d%.0d'%s'", path, 0);
	const char *p = strstr(info, "Pages:");
	cr_assert_not_null(p, "%s", info);
	int n = atoi(p + 6);
	free(info);
	return n;
}

static char *pdf_page(const char *path, int page)
{
	return cmd_out("pdftotext -q -layout -f %d -l %d '%s' -", path, page);
}

static char *pdf_all(const char *path)
{
	return cmd_out("pdftotext -q -layout %.0d%.0d'%s' -", path, 0);
}

/* The line of `text` that starts (after blanks) with `lead`, or NULL. */
static char *line_of(const char *text, const char *lead)
{
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		const char *s = l;
		while (s < l + n && *s == ' ')
			s++;
		if (strncmp(s, lead, strlen(lead)) == 0)
			return strndup(s, n - (size_t)(s - l));
		l = e ? e + 1 : NULL;
	}
	return NULL;
}

/* The words of a table row, blanks squeezed to one space. */
static char *squeeze(const char *s)
{
	char *out = strdup(s), *o = out;
	for (const char *p = s; *p; p++)
		if (*p != ' ' || (o > out && o[-1] != ' '))
			*o++ = *p;
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

static void expect_row(const char *text, const char *lead, const char *want)
{
	char *l = line_of(text, lead);
	cr_assert_not_null(l, "a row starting with %s in:\n%s", lead, text);
	char *sq = squeeze(l);
	cr_expect_str_eq(sq, want);
	free(sq);
	free(l);
}

Test(export, analytics_pdf_holds_the_figures_in_tables_and_charts)
{
	load(analytics_fixture_sql);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(wvl_export_analytics(&f, ctx, &admin,
					  test_query("format=pdf&from=2025-11&to=2026-06")), 0,
		     "%s", wvl_error_last()->message);
	cr_expect_str_eq(f.filename, "analytics-2025-11-to-2026-06.pdf");
	cr_expect_str_eq(f.content_type, "application/pdf");
	cr_expect_null(f.job_json);
	cr_expect_gt(f.size, 1000);
	char dir[512];
	test_mkdtemp(dir, sizeof(dir), "apdf");
	char *path = save_pdf(dir, f.fd);
	wvl_export_file_close(&f);
	char *info = cmd_out("pdfinfo %.0d%.0d'%s'", path, 0);
	cr_expect_not_null(strstr(info, "Analytics 2025-11 to 2026-06"), "%s", info);
	free(info);
	int pages = pdf_pages(path);
	cr_expect_geq(pages, 2, "charts and five tables do not fit one page");
	cr_expect_leq(pages, 6);
	char *all = pdf_all(path);
	/* The CSV's 2026-03 and 2026-04 rows (analytics_csv_and_xlsx), in the
	 * currency's units: MRR 4500 cents, 3 active, expansion 1000; then
	 * 1500, 2 active, churned 3000; the churn table's ratios. */
	expect_row(all, "2026-03 ", "2026-03 45.00 3 0.00 10.00 0.00 0.00 0.00");
	expect_row(all, "2026-04 ", "2026-04 15.00 2 0.00 0.00 0.00 0.00 30.00");
	cr_expect_not_null(strstr(all, "33.3 %"), "logo churn of 2026-04");
	cr_expect_not_null(strstr(all, "66.7 %"), "gross and net MRR churn of 2026-04");
	cr_expect_not_null(strstr(all, "-28.6 %"), "net MRR churn of 2026-03");
	cr_expect_not_null(strstr(all, "MRR and its movements (USD)"));
	cr_expect_not_null(strstr(all, "Clients and churn"));
	cr_expect_not_null(strstr(all, "Revenue, AI and tickets (USD)"));
	cr_expect_not_null(strstr(all, "MRR and revenue (USD)"), "the line chart's title");
	cr_expect_not_null(strstr(all, "Client funnel"));
	cr_expect_not_null(strstr(all, "83.3 %"), "the funnel's conversion (XLSX sheet Funnel C3)");
	cr_expect_not_null(strstr(all, "Time to deliverable"));
	cr_expect_not_null(strstr(all, "onboarding_done"));
	/* Every month of the range, in order, in each of the three tables. */
	const char *p = all;
	for (int t = 0; t < 3; t++)
		for (int m = 0; m < 8; m++) {
			char month[16];
			snprintf(month, sizeof(month), "%04d-%02d", m < 2 ? 2025 : 2026,
				 m < 2 ? 11 + m : m - 1);
			p = strstr(p, month);
			cr_assert_not_null(p, "table %d month %s in order", t, month);
		}
	free(all);
	test_rm_rf(dir);
	free(path);
}

Test(export, analytics_pdf_headers_repeat_on_every_page)
{
	load(analytics_fixture_sql);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	/* Two years: the longest range laid out in the request. */
	cr_assert_eq(wvl_export_analytics(&f, ctx, &admin,
					  test_query("format=pdf&from=2024-07&to=2026-06&currency=EUR")),
		     0, "%s", wvl_error_last()->message);
	cr_assert_null(f.job_json);
	char dir[512];
	test_mkdtemp(dir, sizeof(dir), "apdf");
	char *path = save_pdf(dir, f.fd);
	wvl_export_file_close(&f);
	int pages = pdf_pages(path);
	cr_expect_geq(pages, 4, "three tables of 24 months run over pages");
	int with_rows = 0;
	for (int i = 1; i <= pages; i++) {
		char *t = pdf_page(path, i);
		cr_expect_not_null(strstr(t, "Page "), "page %d has its footer", i);
		cr_expect_not_null(strstr(t, "Analytics 2024-07 to 2026-06"), "page %d header", i);
		/* A page with month rows shows its table's header row. */
		char *row = line_of(t, "2025-");
		if (row) {
			with_rows++;
			char *head = line_of(t, "Month ");
			cr_expect_not_null(head, "page %d repeats the header:\n%s", i, t);
			free(head);
		}
		free(row);
		free(t);
	}
	cr_expect_geq(with_rows, 3);
	char *all = pdf_all(path);
	cr_expect_not_null(strstr(all, "MRR and its movements (EUR)"));
	free(all);
	test_rm_rf(dir);
	free(path);
}

Test(export, a_long_analytics_pdf_is_made_by_a_job)
{
	load(analytics_fixture_sql);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	char qs[128];
	snprintf(qs, sizeof(qs), "format=pdf&from=2024-01&to=2026-06");
	cr_assert_eq(wvl_export_analytics(&f, ctx, &admin, test_query("%s", qs)), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(f.fd, -1);
	cr_assert_not_null(f.job_json, "30 months > WVL_EXPORT_SYNC_PDF_MONTHS");
	json_t *j = json_loads(f.job_json, 0, NULL);
	json_t *job = json_object_get(j, "job");
	cr_expect_str_eq(json_string_value(json_object_get(job, "kind")), "export_file");
	char id[37];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(job, "id")));
	json_decref(j);
	wvl_export_file_close(&f);
	cr_assert_geq(test_run_jobs(&db, ctx, 120), 1);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT state || ' ' || progress FROM jobs WHERE id = '%s'", id);
	char *v = test_sys_value(&db, sql);
	cr_expect_str_eq(v, "completed 100");
	free(v);
	char *fid = test_sys_value(&db, "SELECT id FROM files WHERE client_id IS NULL"
					" AND name = 'analytics-2024-01-to-2026-06.pdf'"
					" AND content_type = 'application/pdf' AND scan_status = 'clean'"
					" AND uploaded_by = '11111111-1111-4111-8111-111111111111'");
	cr_assert_not_null(fid, "the PDF landed in the files module, the admin's");
	char *link = NULL;
	cr_assert_eq(wvl_files_download_link(&link, ctx, &admin, fid), 0);
	char *url = test_json_string(link, "url");
	char *q = strchr(url, '?'), expires[32], sig[128];
	cr_assert(q && sscanf(q, "?expires=%31[0-9]&signature=%127s", expires, sig) == 2);
	int fd = -1;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	cr_assert_eq(wvl_files_open_signed(&fd, &meta, ctx, fid, expires, sig), 0);
	char dir[512];
	test_mkdtemp(dir, sizeof(dir), "apdf");
	char *path = save_pdf(dir, fd);
	close(fd);
	cr_expect_geq(pdf_pages(path), 4, "three tables of 30 months run over pages");
	char *all = pdf_all(path);
	expect_row(all, "2026-03 ", "2026-03 45.00 3 0.00 10.00 0.00 0.00 0.00");
	cr_expect_not_null(strstr(all, "2024-01"));
	free(all);
	test_rm_rf(dir);
	free(path);
	free(url);
	wvl_free(link);
	free(fid);
	/* A job whose args were not written by the library is refused. */
	static const char *const bad[] = {
		"{\"report\":\"analytics\",\"format\":\"pdf\",\"role\":\"staff\","
		"\"from\":\"2026-01-01\",\"to\":\"2026-02-01\",\"currency\":\"USD\"}",
		"{\"report\":\"analytics\",\"format\":\"pdf\",\"role\":\"admin\"}",
		"{\"report\":\"analytics\",\"format\":\"pdf\",\"role\":\"admin\","
		"\"from\":\"2026-01-01\",\"to\":\"2016-02-01\",\"currency\":\"USD\"}",
		"{\"report\":\"clients\",\"format\":\"pdf\",\"role\":\"admin\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *ins = NULL;
		cr_assert(asprintf(&ins, "INSERT INTO jobs (kind, args, run_at, max_attempts)"
				   " VALUES ('export_file', '%s', '2026-01-01T00:00:00Z', 1)"
				   " RETURNING id", bad[i]) > 0);
		char *jid = test_sys_value(&db, ins);
		free(ins);
		cr_assert_not_null(jid);
		test_run_jobs(&db, ctx, 120);
		snprintf(sql, sizeof(sql), "SELECT state FROM jobs WHERE id = '%s'", jid);
		v = test_sys_value(&db, sql);
		cr_expect(v && strcmp(v, "completed") != 0, "bad args %zu: %s", i, v);
		free(v);
		free(jid);
	}
}

Test(export, an_unwritable_temporary_folder_is_an_internal_error)
{
	setenv("TMPDIR", "/nonexistent/wl-export", 1);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin,
					  test_query("format=pdf&from=2026-01&to=2026-03")),
		     WVL_EINTERNAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "temporary"), "%s",
			   wvl_error_last()->message);
	cr_expect_eq(f.fd, -1);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=csv")), WVL_EINTERNAL);
	cr_expect_eq(f.fd, -1);
	unsetenv("TMPDIR");
}

Test(export, refusals)
{
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	wvl_actor client = test_actor(WVL_ROLE_CLIENT, NULL, "aaaaaaaa-0000-4000-8000-000000000001");
	wvl_actor anon = test_actor(WVL_ROLE_ANONYMOUS, NULL, NULL);
	cr_expect_eq(export_clients(&f, &client, "format=csv"), WVL_EFORBIDDEN);
	cr_expect_eq(export_clients(&f, &anon, "format=csv"), WVL_EUNAUTHENTICATED);
	cr_expect_eq(f.fd, -1);
	static const struct {
		const char *qs;
		int rc;
		const char *field;
	} bad[] = {
		{"", WVL_EVALIDATION, "format"},
		{"format=pdf", WVL_EVALIDATION, "format"},
		{"format=CSV", WVL_EVALIDATION, "format"},
		{"format=csv&bom=1", WVL_EVALIDATION, "bom"},
		{"format=csv&limit=5", WVL_EINVAL, NULL},
		{"format=csv&status=bogus", WVL_EINVAL, NULL},
		{"format=csv&client_id=1", WVL_EINVAL, NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(export_clients(&f, &admin, bad[i].qs), bad[i].rc, "%s", bad[i].qs);
		if (bad[i].field)
			cr_expect_not_null(strstr(wvl_error_last()->fields_json, bad[i].field));
		cr_expect_eq(f.fd, -1);
	}
	cr_expect_eq(wvl_export_analytics(&f, ctx, &staff, test_query("format=csv")), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=PDF")), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "format"));
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=docx")), WVL_EVALIDATION);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &staff, test_query("format=pdf")), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=pdf&from=2010-01")),
		     WVL_EVALIDATION, "more than 120 months is refused before any job");
	cr_expect_null(f.job_json);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=csv&x=1")), WVL_EINVAL);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=csv&from=x")),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_export_analytics(&f, ctx, &admin, test_query("format=csv&bom=yes")),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_export_clients(NULL, ctx, &admin, NULL), WVL_EINVAL);
	wvl_export_file_close(NULL);
}

static void many_clients(int n)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO clients (name, email, status, monthly_fee_cents, created_at)"
		 " SELECT 'Client ' || i, 'c' || i || '@example.com', 'active', i,"
		 " '2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => i)"
		 " FROM generate_series(1, %d) AS i; SELECT 'ok'", n);
	load(sql);
}

Test(export, beyond_ten_thousand_rows_a_job_makes_the_file)
{
	many_clients(WVL_EXPORT_SYNC_ROWS + 1);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(export_clients(&f, &staff, "format=csv"), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(f.fd, -1);
	cr_assert_not_null(f.job_json);
	json_t *j = json_loads(f.job_json, 0, NULL);
	json_t *job = json_object_get(j, "job");
	cr_expect_str_eq(json_string_value(json_object_get(job, "kind")), "export_file");
	char id[37];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(job, "id")));
	json_decref(j);
	wvl_export_file_close(&f);
	/* The staff member who asked follows the job (the web UI does, through
	 * GET /api/jobs/{id}); another staff member and a client user do not. */
	load("INSERT INTO users (id, email, name, role) VALUES"
	     " ('33333333-3333-4333-8333-333333333333', 'st2@example.com', 'St2', 'staff');"
	     " SELECT 'ok'");
	wvl_actor other = test_actor(WVL_ROLE_STAFF, "33333333-3333-4333-8333-333333333333", NULL);
	wvl_actor client_user = test_actor(WVL_ROLE_CLIENT, "44444444-4444-4444-8444-444444444444",
					   "55555555-5555-4555-8555-555555555555");
	char *seen = NULL;
	cr_assert_eq(wvl_jobs_get(&seen, ctx, &staff, id), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(seen, "\"state\": \"available\""), "%s", seen);
	wvl_free(seen);
	seen = NULL;
	cr_expect_eq(wvl_jobs_get(&seen, ctx, &other, id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_jobs_get(&seen, ctx, &client_user, id), WVL_EFORBIDDEN);
	cr_expect_null(seen);
	cr_assert_geq(test_run_jobs(&db, ctx, 120), 1);
	cr_assert_eq(wvl_jobs_get(&seen, ctx, &staff, id), 0);
	cr_expect_not_null(strstr(seen, "\"state\": \"completed\""), "%s", seen);
	cr_expect_not_null(strstr(seen, "\"progress\": 100"), "%s", seen);
	wvl_free(seen);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT state || ' ' || progress FROM jobs WHERE id = '%s'", id);
	char *v = test_sys_value(&db, sql);
	cr_expect_str_eq(v, "completed 100");
	free(v);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM jobs WHERE id = '%s' AND log::text LIKE '%%of 10001 rows%%'", id);
	cr_expect_geq(test_sys_int(&db, sql), 1, "progress is reported as rows go");
	char *fid = test_sys_value(&db, "SELECT id FROM files WHERE client_id IS NULL"
					" AND name = 'clients-2026-03-01.csv' AND scan_status = 'clean'"
					" AND uploaded_by = '22222222-2222-4222-8222-222222222222'");
	cr_assert_not_null(fid, "the file landed in the files module, the staff member's");
	/* It downloads through a signed link like any file, and holds every row. */
	char *link = NULL;
	cr_assert_eq(wvl_files_download_link(&link, ctx, &staff, fid), 0);
	char *url = test_json_string(link, "url");
	char *q = strchr(url, '?'), expires[32], sig[128];
	cr_assert(q && sscanf(q, "?expires=%31[0-9]&signature=%127s", expires, sig) == 2);
	int fd = -1;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	cr_assert_eq(wvl_files_open_signed(&fd, &meta, ctx, fid, expires, sig), 0);
	size_t len;
	char *csv = slurp(fd, &len);
	close(fd);
	int lines = 0;
	for (char *p = csv; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	cr_expect_eq(lines, WVL_EXPORT_SYNC_ROWS + 2);
	cr_expect_not_null(strstr(csv, ",Client 10001,,c10001@example.com,"), "%.300s", csv);
	free(csv);
	free(url);
	wvl_free(link);
	free(fid);
	/* A client user can never reach it. */
	wvl_actor client = test_actor(WVL_ROLE_CLIENT, NULL, "aaaaaaaa-0000-4000-8000-000000000001");
	char *out = NULL;
	cr_expect_eq(wvl_files_get(&out, ctx, &client, meta.id), WVL_ENOTFOUND);
}

/* The process's peak resident size since the last reset, in kB. */
static long peak_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "5", 1), 1);
	close(fd);
}

/* The bound: what one batch of rows and the writers' buffers need, far
 * below the ~40 MB the 100,000 rows' text alone would take in memory. */
#define BOUND_KB (24 * 1024)

Test(export, a_hundred_thousand_rows_within_a_memory_bound)
{
	many_clients(100000);
	static const char *const formats[] = {"csv", "xlsx"};
	struct wvl_export_filters none = {0};
	for (int i = 0; i < 2; i++) {
		/* Warm up the connection and the allocator on a small export. */
		int fd;
		uint64_t size;
		struct wvl_export_filters one = {.q = "Client 1"};
		cr_assert_eq(wvl_export__write_clients(&fd, &size, ctx, &staff, &one, formats[i], false,
						       NULL), 0, "%s", wvl_error_last()->message);
		close(fd);
		long base = rss_kb();
		reset_peak();
		cr_assert_eq(wvl_export__write_clients(&fd, &size, ctx, &staff, &none, formats[i],
						       false, NULL), 0, "%s", wvl_error_last()->message);
		long grew = peak_kb() - base;
		cr_expect_lt(grew, BOUND_KB, "%s: the peak grew by %ld kB", formats[i], grew);
		cr_expect_gt(size, 100000 * 30, "%s: %llu bytes", formats[i], (unsigned long long)size);
		close(fd);
	}
}
