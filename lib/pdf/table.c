/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Tables: rows laid out one at a time (memory stays with one row), never
 * split across pages, the header row repeated on every page. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CELL_PAD 4.0
/* A cell is cut (with an ellipsis) at this height, so every row fits on a
 * page under the header. */
#define CELL_MAX_H ((PDF_BOTTOM - PDF_TOP) / 2)

static PangoAlignment col_align(const struct wvl_pdf_column *c)
{
	switch (c->align) {
	case WVL_PDF_ALIGN_LEFT: return PANGO_ALIGN_LEFT;
	case WVL_PDF_ALIGN_CENTER: return PANGO_ALIGN_CENTER;
	case WVL_PDF_ALIGN_RIGHT: return PANGO_ALIGN_RIGHT;
	case WVL_PDF_ALIGN_DEFAULT: break;
	}
	return c->type == WVL_PDF_COL_TEXT || c->type == WVL_PDF_COL_DATE ? PANGO_ALIGN_LEFT
									 : PANGO_ALIGN_RIGHT;
}

/* The layouts of one row's cells (rich text each) and the row's height. */
static double lay_row(struct wvl_pdf *d, PangoLayout **lays, struct pdf_rich *rs,
		      const char *const *rich, bool bold)
{
	struct pdf_table *t = &d->table;
	double h = 0;
	for (size_t i = 0; i < t->n; i++) {
		double w = t->x[i + 1] - t->x[i] - 2 * CELL_PAD;
		lays[i] = wvl_pdf__layout(d, &rs[i], rich[i] ? rich[i] : "", PDF_FONT,
					  PDF_BODY_PT - 1, bold, w > 4 ? w : 4);
		if (!lays[i])
			continue;
		pango_layout_set_alignment(lays[i], col_align(&t->cols[i]));
		pango_layout_set_height(lays[i], (int)(CELL_MAX_H * PANGO_SCALE));
		pango_layout_set_ellipsize(lays[i], PANGO_ELLIPSIZE_END);
		double ch = wvl_pdf__layout_h(lays[i]);
		if (ch > h)
			h = ch;
	}
	return h + 2 * CELL_PAD;
}

static void draw_row(struct wvl_pdf *d, PangoLayout **lays, struct pdf_rich *rs, double h,
		     bool header)
{
	struct pdf_table *t = &d->table;
	double x0 = t->x[0], x1 = t->x[t->n];
	if (header || t->rows_on_page % 2 == 1) {
		if (header)
			cairo_set_source_rgb(d->cr, 0.87, 0.89, 0.93);
		else
			cairo_set_source_rgb(d->cr, 0.965, 0.97, 0.98);
		cairo_rectangle(d->cr, x0, d->y, x1 - x0, h);
		cairo_fill(d->cr);
	}
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	for (size_t i = 0; i < t->n; i++) {
		if (!lays[i])
			continue;
		cairo_move_to(d->cr, t->x[i] + CELL_PAD, d->y + CELL_PAD);
		pango_cairo_show_layout(d->cr, lays[i]);
		wvl_pdf__draw_links(d, lays[i], &rs[i], t->x[i] + CELL_PAD, d->y + CELL_PAD);
	}
	cairo_set_source_rgb(d->cr, 0.75, 0.76, 0.8);
	cairo_set_line_width(d->cr, header ? 0.8 : 0.3);
	cairo_move_to(d->cr, x0, d->y + h);
	cairo_line_to(d->cr, x1, d->y + h);
	cairo_stroke(d->cr);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	d->y += h;
	d->page_empty = false;
}

static void free_row(struct wvl_pdf *d, PangoLayout **lays, struct pdf_rich *rs)
{
	for (size_t i = 0; i < d->table.n; i++) {
		if (lays[i])
			g_object_unref(lays[i]);
		wvl_pdf__rich_free(&rs[i]);
	}
}

void wvl_pdf__table_header(struct wvl_pdf *d)
{
	PangoLayout *lays[WVL_PDF_MAX_COLUMNS] = {0};
	struct pdf_rich rs[WVL_PDF_MAX_COLUMNS];
	memset(rs, 0, sizeof(rs));
	double h = lay_row(d, lays, rs, (const char *const *)d->table.titles, true);
	d->table.rows_on_page = 0;
	if (!d->err)
		draw_row(d, lays, rs, h, true);
	free_row(d, lays, rs);
}

int wvl_pdf__table_begin(struct wvl_pdf *d, const struct wvl_pdf_column *cols, size_t n)
{
	if (!d)
		return wvl_err__set(WVL_EINVAL, NULL, "no document");
	if (d->err)
		return d->err;
	if (d->table.open || d->finished)
		return wvl_pdf__fail(d, WVL_EINVAL, "a table inside a table");
	if (!cols || n == 0 || n > WVL_PDF_MAX_COLUMNS)
		return wvl_pdf__fail(d, WVL_EINVAL, "a table has 1..%d columns", WVL_PDF_MAX_COLUMNS);
	struct pdf_table *t = &d->table;
	for (size_t i = 0; i < t->n; i++)
		free(t->titles[i]);
	memset(t, 0, sizeof(*t));
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		t->cols[i] = cols[i];
		if (!(t->cols[i].weight > 0 && t->cols[i].weight < 1000))
			t->cols[i].weight = 1;
		total += t->cols[i].weight;
		t->titles[i] = wvl_pdf__escape(cols[i].title ? cols[i].title : "");
		t->n = i + 1;
		if (!t->titles[i])
			return wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
	}
	t->x[0] = PDF_MARGIN_X;
	for (size_t i = 0; i < n; i++)
		t->x[i + 1] = t->x[i] + PDF_TEXT_W * t->cols[i].weight / total;
	if (d->page_open && !d->page_empty)
		d->y += 6;
	/* Room for the header and a row or two, else the table starts on the
	 * next page (need() would draw the header there: not open yet). */
	if (wvl_pdf__need(d, 60))
		return d->err;
	t->open = true;
	wvl_pdf__table_header(d);
	return d->err;
}

int wvl_pdf__table_row(struct wvl_pdf *d, const char *const *cells, size_t n)
{
	if (!d)
		return wvl_err__set(WVL_EINVAL, NULL, "no document");
	if (d->err)
		return d->err;
	struct pdf_table *t = &d->table;
	if (!t->open)
		return wvl_pdf__fail(d, WVL_EINVAL, "a row outside a table");
	if (n != t->n || !cells)
		return wvl_pdf__fail(d, WVL_EINVAL, "a row of %zu cells in a table of %zu columns", n,
				     t->n);
	char *owned[WVL_PDF_MAX_COLUMNS] = {0};
	const char *rich[WVL_PDF_MAX_COLUMNS];
	for (size_t i = 0; i < n; i++) {
		rich[i] = cells[i] ? cells[i] : "";
		if (t->cols[i].type == WVL_PDF_COL_TEXT || !cells[i])
			continue;
		char buf[96];
		bool ok = wvl_pdf__format_value(buf, sizeof(buf), cells[i], t->cols[i].type);
		owned[i] = wvl_pdf__escape(ok ? buf : cells[i]);
		rich[i] = owned[i] ? owned[i] : "";
	}
	PangoLayout *lays[WVL_PDF_MAX_COLUMNS] = {0};
	struct pdf_rich rs[WVL_PDF_MAX_COLUMNS];
	memset(rs, 0, sizeof(rs));
	double h = lay_row(d, lays, rs, rich, false);
	if (!d->err && !wvl_pdf__need(d, h)) {
		draw_row(d, lays, rs, h, false);
		t->rows_on_page++;
	}
	free_row(d, lays, rs);
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	return d->err;
}

int wvl_pdf__table_end(struct wvl_pdf *d)
{
	if (!d)
		return wvl_err__set(WVL_EINVAL, NULL, "no document");
	if (d->err)
		return d->err;
	if (!d->table.open)
		return wvl_pdf__fail(d, WVL_EINVAL, "no table to end");
	d->table.open = false;
	d->y += 8;
	return 0;
}
