/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* lib/pdf's documents at their edges, read back with poppler-utils:
 * metadata cleaned and defaulted, a paragraph taller than a page split
 * line by line (and stopped by the page limit half-way), links that wrap
 * or carry quotes, the block calls' refusals and no-ops, finishing twice
 * or with a table open, and markdown's task lists, ordered starts, deep
 * nesting, over-wide tables and refusals. */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/buf.h"
#include "pdf/internal.h"
#include "pdf/pdf.h"
#include "pdfcheck.h"
#include "wavelaunch/sanitize.h"

static wvl_ctx *ctx;

static void setup(void)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0, "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	ctx = NULL;
	pdfcheck_remove();
}

TestSuite(cov_pdf, .init = setup, .fini = teardown, .timeout = 300.0);

/* The finished document `d` saved; its path. */
static const char *finish(struct wvl_pdf *d)
{
	char *pdf = NULL;
	size_t len = 0;
	cr_assert_eq(wvl_pdf__finish(d, &pdf, &len), 0, "%s", wvl_error_last()->message);
	const char *path = pdfcheck_save("covpdf", pdf, len);
	wvl_free(pdf);
	return path;
}

/* pdfinfo's value for `key` (malloc'd), NULL when absent. */
static char *info_value(const char *path, const char *key)
{
	char *out = NULL, *info = pdfcheck_run("pdfinfo '%s'", path);
	char k[64];
	snprintf(k, sizeof(k), "%s:", key);
	/* A line's start: the first one, or one after a newline. */
	char *p = info;
	while (p && strncmp(p, k, strlen(k)))
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p) {
		p += strlen(k);
		p += strspn(p, " ");
		out = strndup(p, strcspn(p, "\n"));
	}
	free(info);
	return out;
}

static char *words(int n)
{
	struct wvl_buf b = WVL_BUF_INIT;
	for (int i = 0; i < n; i++) {
		char w[32];
		snprintf(w, sizeof(w), "%sword%04d", i ? " " : "", i);
		wvl_buf__puts(&b, w);
	}
	wvl_buf__reserve(&b, 1);
	return wvl_buf__take(&b);
}

Test(cov_pdf, metadata_are_one_clean_line_with_defaults)
{
	char title[400];
	memset(title, 'T', sizeof(title));
	memcpy(title, "A\tB\nC\x7f", 6);
	title[sizeof(title) - 1] = 0;
	struct wvl_pdf_info info = {.title = title, .author = "Ana Author"};
	struct wvl_pdf *d = NULL;
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	const char *path = finish(d);
	wvl_pdf__free(d);
	char *t = info_value(path, "Title");
	cr_assert_not_null(t);
	cr_expect_eq(strlen(t), 200, "cut at 200 characters: %zu", strlen(t));
	cr_expect(!strncmp(t, "A B C TTT", 9), "controls became spaces: %.12s", t);
	free(t);
	char *a = info_value(path, "Author");
	cr_expect_str_eq(a, "Ana Author");
	free(a);
	cr_expect_null(info_value(path, "Subject"), "no subject given, none written");

	/* None given: WL_AGENCY_NAME (its default here) is the author. */
	struct wvl_pdf_info plain = {.title = "Plain", .subject = "About\nit"};
	cr_assert_eq(wvl_pdf__new(&d, ctx, &plain), 0);
	path = finish(d);
	wvl_pdf__free(d);
	a = info_value(path, "Author");
	cr_expect_str_eq(a, "Wavelaunch Studio");
	free(a);
	char *s = info_value(path, "Subject");
	cr_expect_str_eq(s, "About it");
	free(s);
}

Test(cov_pdf, a_paragraph_taller_than_a_page_flows_over_pages)
{
	struct wvl_pdf_info info = {.title = "Long"};
	struct wvl_pdf *d = NULL;
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_assert_eq(wvl_pdf__paragraph(d, "Before.", 0), 0);
	char *w = words(3000);
	cr_assert_eq(wvl_pdf__paragraph(d, w, 0), 0);
	free(w);
	cr_assert_eq(wvl_pdf__paragraph(d, "After.", 0), 0);
	const char *path = finish(d);
	int pages = wvl_pdf__pages(d);
	wvl_pdf__free(d);
	cr_expect_geq(pages, 3);
	cr_expect_eq(pdfcheck_pages(path), pages);
	char *all = pdfcheck_run("pdftotext -q '%s' -", path);
	cr_expect(strstr(all, "word0000") && strstr(all, "word1500") && strstr(all, "word2999"),
		  "every line of it is there");
	cr_expect(strstr(all, "Before.") < strstr(all, "word0000") &&
			  strstr(all, "word2999") < strstr(all, "After."),
		  "in order");
	free(all);
	char *last = pdfcheck_run("pdftotext -q -f %d -l %d '%s' -", pages, pages, path);
	cr_expect(strstr(last, "After.") != NULL);
	free(last);
}

/* The page limit reached in the middle of a long paragraph stops it. */
Test(cov_pdf, the_page_limit_stops_a_long_paragraph_half_way)
{
	struct wvl_pdf_info info = {.title = "Limit"};
	struct wvl_pdf *d = NULL;
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	for (int i = 0; i < WVL_PDF_MAX_PAGES - 1; i++) {
		cr_assert_eq(wvl_pdf__rule(d), 0);
		cr_assert_eq(wvl_pdf__page_break(d), 0);
	}
	char *w = words(3000);
	cr_expect_eq(wvl_pdf__paragraph(d, w, 0), WVL_ETOOLARGE);
	free(w);
	cr_expect_eq(wvl_pdf__pages(d), WVL_PDF_MAX_PAGES);
	cr_expect_eq(wvl_pdf__rule(d), WVL_ETOOLARGE, "sticky");
	wvl_pdf__free(d);
}

Test(cov_pdf, links_wrap_over_lines_and_keep_their_quotes)
{
	struct wvl_pdf_info info = {.title = "Links"};
	struct wvl_pdf *d = NULL;
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	char *w = words(60);
	char *para = NULL;
	cr_assert_geq(asprintf(&para,
			       "Start %s <a href=\"https://example.com/it&#39;s\">%s</a> end"
			       " <a href=\"https://example.org/b\">short</a>",
			       w, w),
		      0);
	free(w);
	cr_assert_eq(wvl_pdf__paragraph(d, para, 0), 0);
	free(para);
	const char *path = finish(d);
	wvl_pdf__free(d);
	char *urls = pdfcheck_run("pdfinfo -url '%s'", path);
	cr_expect(strstr(urls, "https://example.com/it's") != NULL, "%s", urls);
	cr_expect(strstr(urls, "https://example.org/b") != NULL, "%s", urls);
	/* One annotation per line the wrapped link covers. */
	int n = 0;
	for (const char *p = urls; (p = strstr(p, "example.com/it")) != NULL; p++)
		n++;
	cr_expect_geq(n, 2, "a wrapped link is clickable on each of its lines: %s", urls);
	free(urls);
}

Test(cov_pdf, block_calls_refuse_and_skip_as_documented)
{
	struct wvl_pdf_info info = {.title = "Blocks"};
	struct wvl_pdf *d = NULL;
	char *pdf = NULL;
	size_t len = 0;
	/* An empty document is one blank page; a page break on an empty page
	 * and space on it do nothing. */
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__page_break(d), 0);
	cr_expect_eq(wvl_pdf__space(d, 50), 0);
	const char *path = finish(d);
	cr_expect_eq(pdfcheck_pages(path), 1);
	/* Finished: again is refused, and so are missing arguments. */
	cr_expect_eq(wvl_pdf__finish(d, &pdf, &len), WVL_EINVAL);
	cr_expect_null(pdf);
	cr_expect_eq(wvl_pdf__finish(d, NULL, &len), WVL_EINVAL);
	cr_expect_eq(wvl_pdf__finish(NULL, &pdf, &len), WVL_EINVAL);
	cr_expect_eq(wvl_pdf__rule(NULL), WVL_EINVAL);
	wvl_pdf__free(d);

	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__space(d, NAN), WVL_EINVAL, "NaN is no distance");
	wvl_pdf__free(d);
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__space(d, 201), WVL_EINVAL);
	wvl_pdf__free(d);

	/* Each block after content; a code block's trailing newlines are no
	 * lines; a list item with the default marker; a table left open is
	 * closed by finish, its rows kept. */
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_assert_eq(wvl_pdf__heading(d, 9, "Deep heading"), 0);
	cr_assert_eq(wvl_pdf__paragraph(d, "Para", 99), 0);
	cr_assert_eq(wvl_pdf__space(d, 10), 0);
	cr_assert_eq(wvl_pdf__code_block(d, "int x;\n\n\n", -3), 0);
	cr_assert_eq(wvl_pdf__list_item(d, 0, NULL, "Item one"), 0);
	cr_assert_eq(wvl_pdf__list_item(d, 20, "7.", "Item deep"), 0);
	cr_assert_eq(wvl_pdf__rule(d), 0);
	struct wvl_pdf_column cols[] = {{"Col", 0, 0, 0}};
	cr_assert_eq(wvl_pdf__table_begin(d, cols, 1), 0);
	cr_assert_eq(wvl_pdf__table_row(d, (const char *[]){"cell-open"}, 1), 0);
	path = finish(d);
	wvl_pdf__free(d);
	char *all = pdfcheck_run("pdftotext -q -layout '%s' -", path);
	cr_expect(strstr(all, "Deep heading") && strstr(all, "int x;") && strstr(all, "\u2022") &&
			  strstr(all, "7.") && strstr(all, "cell-open"),
		  "%s", all);
	const char *code = strstr(all, "int x;");
	const char *item = strstr(all, "Item one");
	cr_expect(code && item && code < item);
	free(all);
}

Test(cov_pdf, markdown_lists_tables_and_refusals)
{
	struct wvl_pdf_info info = {.title = "Markdown"};
	struct wvl_pdf *d = NULL;
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	struct wvl_buf md = WVL_BUF_INIT;
	wvl_buf__puts(&md, "- [x] done task\n- [ ] open task\n\n"
			   "3. third\n4. fourth\n\n"
			   "![logo](https://example.com/logo.png) and ~~gone~~\n\n");
	/* Lists nested deeper than the converter tracks (64). */
	for (int i = 0; i < 70; i++) {
		for (int k = 0; k < i * 2; k++)
			wvl_buf__putc(&md, ' ');
		char line[32];
		snprintf(line, sizeof(line), "- level%02d\n", i);
		wvl_buf__puts(&md, line);
	}
	wvl_buf__puts(&md, "\n\n");
	/* 40 columns: the table keeps WVL_PDF_MAX_COLUMNS; a row longer
	 * than its header loses the extra cells. */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < 40; i++) {
			char cell[24];
			snprintf(cell, sizeof(cell), "|%s%02d",
				 pass == 0 ? "h" : pass == 1 ? "---" : "v", i);
			wvl_buf__puts(&md, pass == 1 ? "|---" : cell);
		}
		wvl_buf__puts(&md, "|\n");
	}
	wvl_buf__puts(&md, "\n| a | b |\n|:-:|--:|\n| one | two | three-extra |\n");
	wvl_buf__reserve(&md, 1);
	cr_assert_eq(wvl_pdf__markdown(d, md.data, md.len), 0, "%s", wvl_error_last()->message);
	wvl_buf__free(&md);
	const char *path = finish(d);
	wvl_pdf__free(d);
	char *all = pdfcheck_run("pdftotext -q '%s' -", path);
	cr_expect(strstr(all, "\u2611") && strstr(all, "\u2610"), "task boxes");
	cr_expect(strstr(all, "3.") && strstr(all, "4.") && !strstr(all, "1. third"),
		  "ordered from 3");
	cr_expect(strstr(all, "[image: ") != NULL);
	cr_expect(strstr(all, "level00") && strstr(all, "level69"), "every level shown");
	/* The narrow header cells wrap one character a line: the first line
	 * of the header holds one "h" per column. */
	const char *hl = strstr(all, "\nh h ");
	cr_assert_not_null(hl, "%s", all);
	size_t hn = 0;
	for (const char *p = hl + 1; *p && *p != '\n'; p++)
		hn += *p == 'h';
	cr_expect_eq(hn, WVL_PDF_MAX_COLUMNS, "the columns past the limit are left out: %zu", hn);
	cr_expect(strstr(all, "two") != NULL && strstr(all, "three-extra") == NULL,
		  "the cell past the header's is dropped");
	free(all);

	/* Refusals. */
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	cr_expect_eq(wvl_pdf__markdown(NULL, "x", 1), WVL_EINVAL);
	cr_expect_eq(wvl_pdf__markdown(d, NULL, 1), WVL_EINVAL);
	cr_expect_eq(wvl_pdf__markdown(d, NULL, 0), 0, "nothing is fine");
	struct wvl_pdf_column cols[] = {{"Col", 0, 0, 0}};
	cr_assert_eq(wvl_pdf__table_begin(d, cols, 1), 0);
	cr_expect_eq(wvl_pdf__markdown(d, "x", 1), WVL_EINVAL, "not inside a table");
	cr_expect_eq(wvl_pdf__markdown(d, "x", 1), WVL_EINVAL, "sticky");
	wvl_pdf__free(d);
	cr_assert_eq(wvl_pdf__new(&d, ctx, &info), 0);
	size_t big = WVL_SANITIZE_MAX_INPUT + 1;
	char *text = malloc(big);
	memset(text, 'a', big);
	cr_expect_eq(wvl_pdf__markdown(d, text, big), WVL_ETOOLARGE);
	free(text);
	wvl_pdf__free(d);
}
