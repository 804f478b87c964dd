/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Bar and line charts drawn with cairo: an axis from zero (or the lowest
 * negative value) to a "nice" maximum, grouped bars or lines with
 * markers, labels under the x axis, a legend. */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define CHART_H 220.0
#define PLOT_LEFT 56.0 /* room for the y labels */
#define PLOT_BOTTOM 34.0 /* room for the x labels */

static const double palette[WVL_PDF_MAX_SERIES][3] = {
	{0.16, 0.38, 0.80}, {0.93, 0.49, 0.19}, {0.20, 0.63, 0.35},
	{0.80, 0.22, 0.27}, {0.52, 0.36, 0.75}, {0.45, 0.45, 0.48},
};

/* A step of 1, 2 or 5 times a power of ten giving about five ticks. */
static double nice_step(double span)
{
	if (!(span > 0))
		return 1;
	double raw = span / 5, mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void label(struct wvl_pdf *d, const char *text, double x, double y, double w,
		  PangoAlignment align, double pt)
{
	PangoLayout *lay = pango_layout_new(d->pango);
	PangoFontDescription *fd = pango_font_description_from_string(PDF_FONT);
	pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(lay, (int)(w * PANGO_SCALE));
	pango_layout_set_alignment(lay, align);
	pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
	gchar *v = g_utf8_make_valid(text ? text : "", -1);
	pango_layout_set_text(lay, v, -1);
	g_free(v);
	cairo_move_to(d->cr, x, y);
	pango_cairo_show_layout(d->cr, lay);
	g_object_unref(lay);
}

static int check_chart(struct wvl_pdf *d, const struct wvl_pdf_chart *c)
{
	if (!c || !c->labels || !c->series || c->npoints == 0 || c->nseries == 0)
		return wvl_pdf__fail(d, WVL_EINVAL, "a chart needs labels and a series");
	if (c->npoints > WVL_PDF_MAX_POINTS || c->nseries > WVL_PDF_MAX_SERIES)
		return wvl_pdf__fail(d, WVL_EINVAL, "a chart has at most %d points and %d series",
				     WVL_PDF_MAX_POINTS, WVL_PDF_MAX_SERIES);
	for (size_t s = 0; s < c->nseries; s++)
		if (!c->series[s].values)
			return wvl_pdf__fail(d, WVL_EINVAL, "series %zu has no values", s);
	return 0;
}

static void value_range(const struct wvl_pdf_chart *c, double *lo, double *hi)
{
	*lo = 0;
	*hi = 0;
	for (size_t s = 0; s < c->nseries; s++)
		for (size_t i = 0; i < c->npoints; i++) {
			double v = c->series[s].values[i];
			if (!isfinite(v))
				continue;
			*lo = v < *lo ? v : *lo;
			*hi = v > *hi ? v : *hi;
		}
	if (*hi == *lo)
		*hi = *lo + 1;
}

static void axis(struct wvl_pdf *d, const struct wvl_pdf_chart *c, double px, double py,
		 double pw, double ph, double lo, double hi, double step)
{
	enum wvl_pdf_col_type vt = c->value_type == WVL_PDF_COL_TEXT ||
						   c->value_type == WVL_PDF_COL_DATE
					   ? WVL_PDF_COL_NUMBER
					   : c->value_type;
	cairo_set_line_width(d->cr, 0.4);
	for (double v = lo; v <= hi + step / 1000; v += step) {
		double y = py + ph - (v - lo) / (hi - lo) * ph;
		cairo_set_source_rgb(d->cr, 0.85, 0.85, 0.88);
		cairo_move_to(d->cr, px, y);
		cairo_line_to(d->cr, px + pw, y);
		cairo_stroke(d->cr);
		char num[64], txt[96];
		snprintf(num, sizeof(num), "%.10g", v);
		if (!wvl_pdf__format_value(txt, sizeof(txt), num, vt))
			snprintf(txt, sizeof(txt), "%s", num);
		cairo_set_source_rgb(d->cr, 0.3, 0.3, 0.35);
		label(d, txt, px - PLOT_LEFT, y - 5, PLOT_LEFT - 4, PANGO_ALIGN_RIGHT, 7);
	}
	size_t every = c->npoints > 12 ? (c->npoints + 11) / 12 : 1;
	double slot = pw / (double)c->npoints;
	for (size_t i = 0; i < c->npoints; i += every)
		label(d, c->labels[i], px + slot * (double)i - (slot * every - slot) / 2, py + ph + 4,
		      slot * (double)every, PANGO_ALIGN_CENTER, 7);
	cairo_set_source_rgb(d->cr, 0.2, 0.2, 0.25);
	cairo_set_line_width(d->cr, 0.8);
	double zero = py + ph - (0 - lo) / (hi - lo) * ph;
	cairo_move_to(d->cr, px, zero);
	cairo_line_to(d->cr, px + pw, zero);
	cairo_stroke(d->cr);
}

static void plot(struct wvl_pdf *d, const struct wvl_pdf_chart *c, double px, double py,
		 double pw, double ph, double lo, double hi)
{
	double slot = pw / (double)c->npoints;
	double zero = py + ph - (0 - lo) / (hi - lo) * ph;
	for (size_t s = 0; s < c->nseries; s++) {
		const double *col = palette[s];
		cairo_set_source_rgb(d->cr, col[0], col[1], col[2]);
		bool pen = false;
		for (size_t i = 0; i < c->npoints; i++) {
			double v = c->series[s].values[i];
			if (!isfinite(v)) {
				pen = false;
				continue;
			}
			double y = py + ph - (v - lo) / (hi - lo) * ph;
			if (c->kind == WVL_PDF_CHART_BAR) {
				double bw = slot * 0.8 / (double)c->nseries;
				double x = px + slot * (double)i + slot * 0.1 + bw * (double)s;
				cairo_rectangle(d->cr, x, fmin(y, zero), bw, fabs(zero - y));
				cairo_fill(d->cr);
			} else {
				double x = px + slot * ((double)i + 0.5);
				if (pen)
					cairo_line_to(d->cr, x, y);
				else
					cairo_move_to(d->cr, x, y);
				pen = true;
			}
		}
		if (c->kind == WVL_PDF_CHART_LINE) {
			cairo_set_line_width(d->cr, 1.6);
			cairo_stroke(d->cr);
			for (size_t i = 0; i < c->npoints; i++) {
				double v = c->series[s].values[i];
				if (!isfinite(v))
					continue;
				double y = py + ph - (v - lo) / (hi - lo) * ph;
				cairo_arc(d->cr, px + slot * ((double)i + 0.5), y, 2.2, 0, 2 * M_PI);
				cairo_fill(d->cr);
			}
		}
	}
}

static void legend(struct wvl_pdf *d, const struct wvl_pdf_chart *c, double y)
{
	double x = PDF_MARGIN_X + PLOT_LEFT, w = (PDF_TEXT_W - PLOT_LEFT) / (double)c->nseries;
	for (size_t s = 0; s < c->nseries; s++) {
		cairo_set_source_rgb(d->cr, palette[s][0], palette[s][1], palette[s][2]);
		cairo_rectangle(d->cr, x + w * (double)s, y + 2, 8, 8);
		cairo_fill(d->cr);
		cairo_set_source_rgb(d->cr, 0.2, 0.2, 0.25);
		label(d, c->series[s].name, x + w * (double)s + 12, y, w - 16, PANGO_ALIGN_LEFT, 8);
	}
}

int wvl_pdf__chart(struct wvl_pdf *d, const struct wvl_pdf_chart *c)
{
	if (!d)
		return wvl_err__set(WVL_EINVAL, NULL, "no document");
	if (d->err)
		return d->err;
	if (d->table.open || d->finished)
		return wvl_pdf__fail(d, WVL_EINVAL, "a chart inside a table");
	if (check_chart(d, c))
		return d->err;
	double title_h = c->title ? 18 : 0;
	if (d->page_open && !d->page_empty)
		d->y += 8;
	if (wvl_pdf__need(d, CHART_H + title_h))
		return d->err;
	double top = d->y;
	if (c->title) {
		cairo_set_source_rgb(d->cr, 0, 0, 0);
		label(d, c->title, PDF_MARGIN_X, top, PDF_TEXT_W, PANGO_ALIGN_LEFT, 11);
	}
	double lo, hi;
	value_range(c, &lo, &hi);
	double step = nice_step(hi - lo);
	lo = floor(lo / step) * step;
	hi = ceil(hi / step) * step;
	double px = PDF_MARGIN_X + PLOT_LEFT, py = top + title_h + 6;
	double pw = PDF_TEXT_W - PLOT_LEFT, ph = CHART_H - PLOT_BOTTOM - 24;
	axis(d, c, px, py, pw, ph, lo, hi, step);
	plot(d, c, px, py, pw, ph, lo, hi);
	legend(d, c, py + ph + PLOT_BOTTOM - 8);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	d->y = top + title_h + CHART_H + 4;
	d->page_empty = false;
	return d->err;
}
