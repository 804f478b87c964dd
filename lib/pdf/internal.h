/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_PDF_PRIV_H
#define WVL_PDF_PRIV_H

/* Shared by the files of lib/pdf only: the document's state and the
 * layout primitives the blocks, tables and charts are made of. */

#include <cairo.h>
#include <pango/pangocairo.h>

#include "../core/buf.h"
#include "../core/internal.h"
#include "pdf.h"

#define PDF_W 595.28
#define PDF_H 841.89
#define PDF_MARGIN_X 56.0
#define PDF_TOP 72.0
#define PDF_BOTTOM (PDF_H - 64.0)
#define PDF_TEXT_W (PDF_W - 2 * PDF_MARGIN_X)
#define PDF_INDENT 18.0
#define PDF_MAX_INDENT 8

/* Pango family lists: DejaVu for Latin, Greek and Cyrillic, then
 * WenQuanYi Micro Hei (fonts-wqy-microhei: Chinese, Japanese kana,
 * Korean Hangul) for what DejaVu lacks, named so the CJK fallback is
 * that font whatever else fontconfig finds installed. */
#define PDF_FONT "DejaVu Sans, WenQuanYi Micro Hei"
#define PDF_MONO "DejaVu Sans Mono, WenQuanYi Micro Hei Mono"
#define PDF_BODY_PT 10.0

struct pdf_table {
	struct wvl_pdf_column cols[WVL_PDF_MAX_COLUMNS];
	char *titles[WVL_PDF_MAX_COLUMNS];
	double x[WVL_PDF_MAX_COLUMNS + 1]; /* column edges */
	size_t n;
	size_t rows_on_page;
	bool open;
};

struct wvl_pdf {
	wvl_ctx *ctx;
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoContext *pango;
	struct wvl_buf out;
	char *title, *agency;
	int err;          /* the first error (sticky) */
	int page;         /* pages begun */
	bool page_open;
	bool page_empty;  /* nothing drawn on the open page yet */
	double y;         /* the next block's top on the open page */
	struct pdf_table table;
	bool finished;
};

/* A piece of rich text made ready for pango: the text, its attributes
 * and its links as byte ranges of the text. */
struct pdf_link {
	size_t start, end;
	char *uri;
};
struct pdf_rich {
	struct wvl_buf text;
	PangoAttrList *attrs;
	struct pdf_link *links;
	size_t nlinks, caplinks;
};

/* rich.c: parses rich text (pdf.h) into `r` (free with pdf_rich_free).
 * Never fails on content; false only when out of memory. */
bool wvl_pdf__rich_parse(struct pdf_rich *r, const char *rich);
void wvl_pdf__rich_free(struct pdf_rich *r);
/* Whether `uri` may become a link (http, https, mailto; no controls). */
bool wvl_pdf__uri_ok(const char *uri);

/* doc.c */
/* Records `code` as the document's error unless one is kept; returns the
 * kept one (sets the thread's error message too). */
int wvl_pdf__fail(struct wvl_pdf *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Makes sure a page is open and `h` points fit under the cursor, starting
 * a new page when they do not (unless the open page is empty).  Returns
 * the document's error state. */
int wvl_pdf__need(struct wvl_pdf *d, double h);
/* A layout of rich text in `font` at `pt` points, `width` wide, with the
 * links' ranges in `links` (freed by the caller's pdf_rich). */
PangoLayout *wvl_pdf__layout(struct wvl_pdf *d, struct pdf_rich *r, const char *rich,
			     const char *font, double pt, bool bold, double width);
/* Draws `lay` at (x, y) with its links, lines split over pages as needed
 * (when `split`), advancing the cursor. */
int wvl_pdf__draw_layout(struct wvl_pdf *d, PangoLayout *lay, const struct pdf_rich *r,
			 double x, bool split);
/* Draws the links of `r` laid out in `lay` at (x, y) (clip to [ytop, ybot)). */
void wvl_pdf__draw_links(struct wvl_pdf *d, PangoLayout *lay, const struct pdf_rich *r,
			 double x, double y);
/* Ends the open page (footer, show page). */
void wvl_pdf__end_page(struct wvl_pdf *d);
/* Height in points of a layout. */
double wvl_pdf__layout_h(PangoLayout *lay);

/* table.c: the header row again on a new page (doc.c calls it). */
void wvl_pdf__table_header(struct wvl_pdf *d);

/* report.c: a typed value formatted for display into `out` (len >= 64);
 * false when it does not parse as its type. */
bool wvl_pdf__format_value(char *out, size_t len, const char *v, enum wvl_pdf_col_type t);

#endif
