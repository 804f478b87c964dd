/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_PDF_INTERNAL_H
#define WVL_PDF_INTERNAL_H

/*
 * Internal to libwavelaunch: PDF documents laid out with pango on cairo's
 * PDF surface.  Never installed; the modules that produce PDFs (business
 * plans, deliverables, the analytics export) call it.
 *
 * Pages are A4 (595.28 x 841.89 pt) with 56 pt margins.  Every page
 * carries the agency's name (WL_AGENCY_NAME unless the info says
 * otherwise) and the document's title in its header, and "Page n of N" in
 * its footer.  Text is DejaVu Sans (serif headings are not used: one
 * family renders Latin, Greek and Cyrillic); Chinese, Japanese and Korean
 * text falls back to WenQuanYi Micro Hei (fonts-wqy-microhei, embedded
 * as a subset like DejaVu), and fontconfig to any installed font for
 * scripts neither has.
 *
 * Output is reproducible: the creation date comes from the info or the
 * context's clock, never the wall clock, and the same calls give the same
 * bytes.
 *
 * A document is built by appending blocks in reading order; the layout
 * breaks pages as it goes.  Errors are sticky: the first failure is kept,
 * every later call is a no-op returning it, and wvl_pdf__finish reports
 * it, so a caller may check once at the end.
 *
 * Thread-safety: a wvl_pdf is used by one thread at a time; different
 * documents may be built on different threads at once (pango's cairo font
 * map is per thread).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wavelaunch/core.h"
#include "wavelaunch/worker.h"

/* A document may have at most this many pages: more is WVL_ETOOLARGE, so
 * hostile input cannot make the output (or the time) grow without bound. */
#define WVL_PDF_MAX_PAGES 2000

struct wvl_pdf;
struct wvl_module;

struct wvl_pdf_info {
	const char *title;   /* required: metadata and every page's header */
	const char *author;  /* metadata; NULL: the agency */
	const char *subject; /* metadata; NULL: none */
	const char *agency;  /* the header's name; NULL: WL_AGENCY_NAME */
	int64_t created_us;  /* creation date; 0: the context's clock */
};

/* A new, empty document (no page yet).  `info` is copied.
 * Returns 0, WVL_EINVAL (no title), WVL_EINTERNAL (cairo failed). */
int wvl_pdf__new(struct wvl_pdf **out, wvl_ctx *ctx, const struct wvl_pdf_info *info);

/* Frees a document, finished or not.  Accepts NULL. */
void wvl_pdf__free(struct wvl_pdf *d);

/* Ends the layout and hands the PDF bytes over: *out (malloc'd, free with
 * wvl_free) and *out_len.  The document is spent afterwards (free it).
 * Returns 0 or the first error of the build. */
int wvl_pdf__finish(struct wvl_pdf *d, char **out, size_t *out_len);

/* The pages laid out so far (the current one included). */
int wvl_pdf__pages(const struct wvl_pdf *d);

/* ---- blocks ----
 * Text arguments are UTF-8 (invalid sequences are replaced).  "Rich" text
 * is a small markup of our own (not pango's, so hostile text cannot reach
 * pango's parser): <b>, <i>, <tt>, <s>, <u>, <a href="...">...</a> (http,
 * https and mailto addresses become clickable PDF links; others stay
 * plain text) and the entities &amp; &lt; &gt; &quot; &#39;.  Anything
 * else is shown as the text it is; unbalanced tags are closed at the end.
 * wvl_pdf__escape makes plain text safe to put into it. */

/* A heading (rich text) of level 1..6 (deeper levels render as 6).  Kept
 * with what follows: it starts a new page when fewer than three lines of
 * text would fit under it. */
int wvl_pdf__heading(struct wvl_pdf *d, int level, const char *rich);

/* A paragraph of rich text.  `indent` (0..8) indents it by that many
 * steps (list continuations, block quotes). */
int wvl_pdf__paragraph(struct wvl_pdf *d, const char *rich, int indent);

/* Preformatted text in the monospace font, lines kept (long lines wrap). */
int wvl_pdf__code_block(struct wvl_pdf *d, const char *text, int indent);

/* A list item: `marker` ("•", "3.") hangs in the margin of nesting level
 * `depth` (0..8; deeper renders as 8), `rich` is its first paragraph. */
int wvl_pdf__list_item(struct wvl_pdf *d, int depth, const char *marker, const char *rich);

/* A thin horizontal rule. */
int wvl_pdf__rule(struct wvl_pdf *d);

/* Vertical space in points (0..200). */
int wvl_pdf__space(struct wvl_pdf *d, double points);

/* Starts a new page unless the current one is still empty. */
int wvl_pdf__page_break(struct wvl_pdf *d);

/* ---- tables ---- */

enum wvl_pdf_col_type {
	WVL_PDF_COL_TEXT = 0, /* as given (rich text) */
	WVL_PDF_COL_INT,      /* "1234567" -> "1,234,567" */
	WVL_PDF_COL_NUMBER,   /* "1234.5" -> "1,234.50" (two decimals) */
	WVL_PDF_COL_MONEY,    /* cents: "123456" -> "1,234.56" */
	WVL_PDF_COL_PERCENT,  /* a ratio: "0.125" -> "12.5 %" */
	WVL_PDF_COL_DATE,     /* "2026-03-01..." -> "2026-03-01" */
};
/* Numeric cells that do not parse are shown as given; an empty or NULL
 * cell stays empty.  Numbers and percentages align right by default,
 * text and dates left. */

enum wvl_pdf_align {
	WVL_PDF_ALIGN_DEFAULT = 0, /* by type */
	WVL_PDF_ALIGN_LEFT,
	WVL_PDF_ALIGN_CENTER,
	WVL_PDF_ALIGN_RIGHT,
};

struct wvl_pdf_column {
	const char *title;          /* the header cell (plain text) */
	enum wvl_pdf_col_type type;
	enum wvl_pdf_align align;
	double weight;              /* share of the width; 0 counts as 1 */
};

/* At most this many columns; a table with more is WVL_EINVAL. */
#define WVL_PDF_MAX_COLUMNS 32

/* Starts a table of `n` columns (copied).  Its header row is drawn now
 * and again at the top of every page the table continues on.  A row
 * never splits across pages; a cell taller than a page is cut with an
 * ellipsis.  Between wvl_pdf__table_begin and wvl_pdf__table_end only
 * wvl_pdf__table_row may be called (anything else is WVL_EINVAL). */
int wvl_pdf__table_begin(struct wvl_pdf *d, const struct wvl_pdf_column *cols, size_t n);
/* A row of `n` cells (the table's column count); NULL cells are empty.
 * Text cells are rich text; typed cells are plain values, formatted. */
int wvl_pdf__table_row(struct wvl_pdf *d, const char *const *cells, size_t n);
int wvl_pdf__table_end(struct wvl_pdf *d);

/* ---- charts ---- */

enum wvl_pdf_chart_kind { WVL_PDF_CHART_BAR = 0, WVL_PDF_CHART_LINE };

struct wvl_pdf_series {
	const char *name;     /* the legend */
	const double *values; /* one per label; NaN: no value */
};

/* At most this many series and points; more is WVL_EINVAL. */
#define WVL_PDF_MAX_SERIES 6
#define WVL_PDF_MAX_POINTS 120

struct wvl_pdf_chart {
	enum wvl_pdf_chart_kind kind;
	const char *title;          /* above the chart; NULL: none */
	const char *const *labels;  /* the x axis, `npoints` of them */
	size_t npoints;
	const struct wvl_pdf_series *series;
	size_t nseries;
	enum wvl_pdf_col_type value_type; /* how axis values read (INT, NUMBER,
					    * MONEY or PERCENT; TEXT: NUMBER) */
};

/* A chart the width of the text and 220 pt high (with its title and
 * legend), grouped bars or lines with markers, a y axis from 0 (or the
 * smallest negative value) with "nice" ticks.  Kept on one page. */
int wvl_pdf__chart(struct wvl_pdf *d, const struct wvl_pdf_chart *chart);

/* ---- markdown ---- */

/* Lays out CommonMark + GFM tables (cmark-gfm's tree) as blocks:
 * headings, paragraphs with bold/italic/code/links/strike-through,
 * bullet, numbered and task lists (nested), block quotes, code blocks,
 * thematic breaks and tables (paginated, header repeated).  Raw HTML is
 * shown as text, never interpreted; images show their alt text and
 * address.  Nesting deeper than 8 levels renders at level 8.  At most
 * WVL_SANITIZE_MAX_INPUT bytes: more is WVL_ETOOLARGE. */
int wvl_pdf__markdown(struct wvl_pdf *d, const char *markdown, size_t len);

/* ---- the report (what the analytics export renders) ---- */

/* A report: a title page block (title, period, optional intro), an
 * optional chart, and a table.  Rows come from `cells` (row-major, nrows
 * x ncolumns, NULL entries empty) or, when `cells` is NULL, from `row`:
 * called with i = 0, 1, ... it fills `out` (ncolumns pointers, valid until
 * the next call) and returns 1 for a row, 0 at the end, or a negative
 * WVL_E* to abort the report with that error. */
struct wvl_pdf_report {
	const char *title;  /* required */
	const char *period; /* e.g. "2026-01-01 to 2026-06-30"; NULL: none */
	const char *intro;  /* a paragraph of plain text; NULL: none */
	const char *author; /* metadata; NULL: the agency */
	const struct wvl_pdf_column *columns;
	size_t ncolumns;    /* 1..WVL_PDF_MAX_COLUMNS */
	const char *const *cells;
	size_t nrows;
	int (*row)(const char **out, size_t i, void *payload);
	void *payload;
	const struct wvl_pdf_chart *chart; /* NULL: none */
};

/* Renders a report into *out (malloc'd PDF bytes, free with wvl_free),
 * *out_len.  Returns 0, WVL_EINVAL (missing title or columns, a chart
 * over its limits), WVL_ETOOLARGE (more than WVL_PDF_MAX_PAGES pages),
 * the row callback's error, WVL_EINTERNAL.  Thread-safe with a shared
 * context. */
int wvl_pdf__report(char **out, size_t *out_len, wvl_ctx *ctx, const struct wvl_pdf_report *r);

/* A whole document from markdown: the title as a level-1 heading, an
 * optional subtitle line, then the markdown.  Same returns as
 * wvl_pdf__markdown plus wvl_pdf__finish's. */
int wvl_pdf__markdown_document(char **out, size_t *out_len, wvl_ctx *ctx,
			       const struct wvl_pdf_info *info, const char *subtitle,
			       const char *markdown, size_t len);

/* ---- documents (documents.c) ---- */

/* Makes sure the document (`kind` "business_plan" or "deliverable", `id`)
 * has a stored PDF of its current content, rendering and storing it as a
 * generated file of its client when not, as the system.  `out_file_id`
 * gets the file's id; `*out_made` whether it was made now.  Returns 0,
 * WVL_EINVAL, WVL_ENOTFOUND, the files module's errors (WVL_ETOOLARGE over
 * the client's quota, WVL_EUNAVAILABLE), WVL_ETOOLARGE (page limit). */
int wvl_pdf__document_generate(char out_file_id[37], bool *out_made, wvl_ctx *ctx,
			       const char *kind, const char *id);

/* pdf_generate {"kind","id"}: wvl_pdf__document_generate. */
int wvl_pdf__job_generate(char **out_error, wvl_worker_task *run, void *payload);

/* ---- the module ---- */

/* Checks WL_AGENCY_NAME (1..200 characters of UTF-8 text, no control
 * characters): WVL_EINVAL naming the key. */
extern const struct wvl_module wvl_pdf__module;
extern const struct wvl_config_keyset wvl_pdf__keys; /* config_keys.c */

/* ---- helpers ---- */

/* `text` escaped for rich text (& < > " '), malloc'd; NULL when out of
 * memory. */
char *wvl_pdf__escape(const char *text);

#endif
