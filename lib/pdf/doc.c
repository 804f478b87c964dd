/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The document: cairo's PDF surface writing into memory, pages with their
 * header and footer, and the text blocks.  Pages are drawn as the blocks
 * come, so memory stays with the page being drawn (cairo keeps only the
 * fonts' subsets until the end). */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>

#include "internal.h"

int wvl_pdf__fail(struct wvl_pdf *d, int code, const char *fmt, ...)
{
	if (d->err)
		return d->err;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->err = wvl_err__set(code, NULL, "%s", msg);
	return d->err;
}

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
	struct wvl_buf *b = closure;
	wvl_buf__put(b, (const char *)data, len);
	return b->ok ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* ISO 8601 as cairo's metadata wants it. */
static void iso_date(char *out, size_t len, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line of plain text without line breaks or controls (header text). */
static char *one_line(const char *s, size_t max)
{
	gchar *v = g_utf8_make_valid(s ? s : "", -1);
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (g_utf8_strlen(v, -1) > (glong)max)
		*g_utf8_offset_to_pointer(v, (glong)max) = '\0';
	char *out = wvl_str__dup(v);
	g_free(v);
	return out;
}

int wvl_pdf__new(struct wvl_pdf **out, wvl_ctx *ctx, const struct wvl_pdf_info *info)
{
	if (!out || !ctx || !info || !info->title)
		return wvl_err__set(WVL_EINVAL, NULL, "a document needs a context and a title");
	*out = NULL;
	struct wvl_pdf *d = calloc(1, sizeof(*d));
	if (!d)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	d->ctx = ctx;
	d->out = (struct wvl_buf)WVL_BUF_INIT;
	const char *agency = info->agency;
	if (!agency || !*agency)
		agency = wvl_config_get(wvl_ctx_config(ctx), "WL_AGENCY_NAME");
	d->title = one_line(info->title, 200);
	d->agency = one_line(agency && *agency ? agency : "WavelaunchOS", 200);
	d->surface = cairo_pdf_surface_create_for_stream(write_out, &d->out, PDF_W, PDF_H);
	d->cr = cairo_create(d->surface);
	if (!d->title || !d->agency || cairo_status(d->cr) != CAIRO_STATUS_SUCCESS) {
		wvl_pdf__free(d);
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot start a PDF document");
	}
	d->pango = pango_cairo_create_context(d->cr);
	/* Metrics as the font designs them: hinted metrics would make a
	 * layout's widths depend on the device, and PDF has none. */
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(d->pango, fo);
	cairo_font_options_destroy(fo);

	char date[40];
	iso_date(date, sizeof(date), info->created_us ? info->created_us : wvl_now(ctx));
	char *author = one_line(info->author && *info->author ? info->author : d->agency, 200);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, d->title);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_AUTHOR,
				       author ? author : "");
	if (info->subject && *info->subject) {
		char *subject = one_line(info->subject, 400);
		cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_SUBJECT,
					       subject ? subject : "");
		free(subject);
	}
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "WavelaunchOS");
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_MOD_DATE, date);
	free(author);
	*out = d;
	return 0;
}

void wvl_pdf__free(struct wvl_pdf *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->table.n; i++)
		free(d->table.titles[i]);
	if (d->pango)
		g_object_unref(d->pango);
	if (d->cr)
		cairo_destroy(d->cr);
	if (d->surface)
		cairo_surface_destroy(d->surface);
	wvl_buf__free(&d->out);
	free(d->title);
	free(d->agency);
	free(d);
}

int wvl_pdf__pages(const struct wvl_pdf *d)
{
	return d ? d->page : 0;
}

/* ---- layout helpers ---- */

double wvl_pdf__layout_h(PangoLayout *lay)
{
	int w, h;
	pango_layout_get_size(lay, &w, &h);
	return (double)h / PANGO_SCALE;
}

PangoLayout *wvl_pdf__layout(struct wvl_pdf *d, struct pdf_rich *r, const char *rich,
			     const char *font, double pt, bool bold, double width)
{
	if (!wvl_pdf__rich_parse(r, rich)) {
		wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
		return NULL;
	}
	PangoLayout *lay = pango_layout_new(d->pango);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(lay, r->text.data ? r->text.data : "", (int)r->text.len);
	pango_layout_set_attributes(lay, r->attrs);
	return lay;
}

/* A PDF link annotation over `rect` (cairo's tag syntax: strings in single
 * quotes, a quote or backslash escaped). */
static void link_rect(cairo_t *cr, const char *uri, double x, double y, double w, double h)
{
	struct wvl_buf a = WVL_BUF_INIT;
	char rect[128];
	snprintf(rect, sizeof(rect), "rect=[%.2f %.2f %.2f %.2f] uri='", x, y, w, h);
	wvl_buf__puts(&a, rect);
	for (const char *p = uri; *p; p++) {
		if (*p == '\'' || *p == '\\')
			wvl_buf__putc(&a, '\\');
		wvl_buf__putc(&a, *p);
	}
	wvl_buf__putc(&a, '\'');
	char *attr = wvl_buf__take(&a);
	if (attr) {
		cairo_tag_begin(cr, CAIRO_TAG_LINK, attr);
		cairo_tag_end(cr, CAIRO_TAG_LINK);
	}
	free(attr);
}

/* The links of one line (`line`, its extents `ext` in layout units) drawn
 * with the layout's origin at (x, y). */
static void line_links(struct wvl_pdf *d, PangoLayoutLine *line, const PangoRectangle *ext,
		       const struct pdf_rich *r, double x, double y)
{
	size_t ls = (size_t)line->start_index, le = ls + (size_t)line->length;
	for (size_t i = 0; i < r->nlinks; i++) {
		size_t s = r->links[i].start > ls ? r->links[i].start : ls;
		size_t e = r->links[i].end < le ? r->links[i].end : le;
		if (s >= e)
			continue;
		int x0, x1;
		pango_layout_line_index_to_x(line, (int)s, FALSE, &x0);
		pango_layout_line_index_to_x(line, (int)e, FALSE, &x1);
		if (e == le)
			x1 = ext->x + ext->width;
		if (x1 < x0) {
			int t = x0;
			x0 = x1;
			x1 = t;
		}
		link_rect(d->cr, r->links[i].uri, x + (double)x0 / PANGO_SCALE,
			  y + (double)ext->y / PANGO_SCALE, (double)(x1 - x0) / PANGO_SCALE,
			  (double)ext->height / PANGO_SCALE);
	}
}

void wvl_pdf__draw_links(struct wvl_pdf *d, PangoLayout *lay, const struct pdf_rich *r,
			 double x, double y)
{
	if (!r || r->nlinks == 0)
		return;
	PangoLayoutIter *it = pango_layout_get_iter(lay);
	do {
		PangoRectangle ext;
		pango_layout_iter_get_line_extents(it, NULL, &ext);
		line_links(d, pango_layout_iter_get_line_readonly(it), &ext, r, x, y);
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

int wvl_pdf__draw_layout(struct wvl_pdf *d, PangoLayout *lay, const struct pdf_rich *r,
			 double x, bool split)
{
	double h = wvl_pdf__layout_h(lay);
	if (!split || h <= PDF_BOTTOM - PDF_TOP) {
		if (wvl_pdf__need(d, h))
			return d->err;
		cairo_move_to(d->cr, x, d->y);
		pango_cairo_show_layout(d->cr, lay);
		wvl_pdf__draw_links(d, lay, r, x, d->y);
		d->y += h;
		d->page_empty = false;
		return d->err;
	}
	/* Longer than a page: line by line, each at its own baseline. */
	PangoLayoutIter *it = pango_layout_get_iter(lay);
	do {
		PangoRectangle ext;
		pango_layout_iter_get_line_extents(it, NULL, &ext);
		double lh = (double)ext.height / PANGO_SCALE;
		if (wvl_pdf__need(d, lh))
			break;
		double top = d->y - (double)ext.y / PANGO_SCALE;
		int baseline = pango_layout_iter_get_baseline(it);
		PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
		cairo_move_to(d->cr, x + (double)ext.x / PANGO_SCALE,
			      top + (double)baseline / PANGO_SCALE);
		pango_cairo_show_layout_line(d->cr, line);
		line_links(d, line, &ext, r, x, top);
		d->y += lh;
		d->page_empty = false;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	return d->err;
}

/* A single line of plain text at (x, y) in `pt` points, aligned in
 * [x, x + w] (alignment PANGO_ALIGN_*), grey. */
static void small_text(struct wvl_pdf *d, const char *text, double x, double y, double w,
		       PangoAlignment align, bool bold)
{
	PangoLayout *lay = pango_layout_new(d->pango);
	PangoFontDescription *fd = pango_font_description_from_string(PDF_FONT);
	pango_font_description_set_absolute_size(fd, 8 * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(lay, (int)(w * PANGO_SCALE));
	pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(lay, align);
	pango_layout_set_text(lay, text, -1);
	cairo_set_source_rgb(d->cr, 0.35, 0.35, 0.4);
	cairo_move_to(d->cr, x, y);
	pango_cairo_show_layout(d->cr, lay);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	g_object_unref(lay);
}

static void begin_page(struct wvl_pdf *d)
{
	d->page++;
	d->page_open = true;
	d->page_empty = true;
	d->y = PDF_TOP;
	double half = PDF_TEXT_W / 2;
	small_text(d, d->agency, PDF_MARGIN_X, 36, half - 6, PANGO_ALIGN_LEFT, true);
	small_text(d, d->title, PDF_MARGIN_X + half + 6, 36, half - 6, PANGO_ALIGN_RIGHT, false);
	cairo_set_source_rgb(d->cr, 0.8, 0.8, 0.82);
	cairo_set_line_width(d->cr, 0.5);
	cairo_move_to(d->cr, PDF_MARGIN_X, 52);
	cairo_line_to(d->cr, PDF_W - PDF_MARGIN_X, 52);
	cairo_stroke(d->cr);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
}

void wvl_pdf__end_page(struct wvl_pdf *d)
{
	if (!d->page_open)
		return;
	char num[48];
	snprintf(num, sizeof(num), "Page %d", d->page);
	double half = PDF_TEXT_W / 2;
	cairo_set_source_rgb(d->cr, 0.8, 0.8, 0.82);
	cairo_set_line_width(d->cr, 0.5);
	cairo_move_to(d->cr, PDF_MARGIN_X, PDF_H - 50);
	cairo_line_to(d->cr, PDF_W - PDF_MARGIN_X, PDF_H - 50);
	cairo_stroke(d->cr);
	small_text(d, d->agency, PDF_MARGIN_X, PDF_H - 44, half - 6, PANGO_ALIGN_LEFT, false);
	small_text(d, num, PDF_MARGIN_X + half + 6, PDF_H - 44, half - 6, PANGO_ALIGN_RIGHT,
		   false);
	cairo_show_page(d->cr);
	d->page_open = false;
}

int wvl_pdf__need(struct wvl_pdf *d, double h)
{
	if (d->err)
		return d->err;
	if (d->page_open && (d->page_empty || d->y + h <= PDF_BOTTOM))
		return 0;
	if (d->page >= WVL_PDF_MAX_PAGES)
		return wvl_pdf__fail(d, WVL_ETOOLARGE, "the document is over %d pages",
				     WVL_PDF_MAX_PAGES);
	wvl_pdf__end_page(d);
	begin_page(d);
	if (d->table.open)
		wvl_pdf__table_header(d);
	if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS)
		return wvl_pdf__fail(d, WVL_EINTERNAL, "cairo: %s",
				     cairo_status_to_string(cairo_status(d->cr)));
	return 0;
}

/* ---- blocks ---- */

static int check_open(struct wvl_pdf *d, const char *what)
{
	if (!d)
		return wvl_err__set(WVL_EINVAL, NULL, "no document");
	if (d->err)
		return d->err;
	if (d->finished)
		return wvl_pdf__fail(d, WVL_EINVAL, "the document is finished");
	if (d->table.open)
		return wvl_pdf__fail(d, WVL_EINVAL, "%s inside a table", what);
	return 0;
}

static int clamp_indent(int indent)
{
	return indent < 0 ? 0 : indent > PDF_MAX_INDENT ? PDF_MAX_INDENT : indent;
}

/* A block of rich text: `before` points of space, the text, 4 after. */
static int text_block(struct wvl_pdf *d, const char *rich, const char *font, double pt,
		      bool bold, double x, double before, double keep)
{
	struct pdf_rich r;
	PangoLayout *lay = wvl_pdf__layout(d, &r, rich, font, pt, bold, PDF_W - PDF_MARGIN_X - x);
	if (lay) {
		if (d->page_open && !d->page_empty)
			d->y += before;
		/* A heading asks for room for itself and `keep` more. */
		if (keep > 0)
			wvl_pdf__need(d, wvl_pdf__layout_h(lay) + keep);
		wvl_pdf__draw_layout(d, lay, &r, x, true);
		d->y += 4;
		g_object_unref(lay);
	}
	wvl_pdf__rich_free(&r);
	return d->err;
}

int wvl_pdf__heading(struct wvl_pdf *d, int level, const char *rich)
{
	static const double sizes[] = {20, 16, 13.5, 12, 11, 10};
	int rc = check_open(d, "a heading");
	if (rc)
		return rc;
	level = level < 1 ? 1 : level > 6 ? 6 : level;
	double pt = sizes[level - 1];
	return text_block(d, rich, PDF_FONT, pt, true, PDF_MARGIN_X, pt * 0.9,
			  3 * PDF_BODY_PT * 1.2);
}

int wvl_pdf__paragraph(struct wvl_pdf *d, const char *rich, int indent)
{
	int rc = check_open(d, "a paragraph");
	if (rc)
		return rc;
	return text_block(d, rich, PDF_FONT, PDF_BODY_PT, false,
			  PDF_MARGIN_X + clamp_indent(indent) * PDF_INDENT, 4, 0);
}

int wvl_pdf__code_block(struct wvl_pdf *d, const char *text, int indent)
{
	int rc = check_open(d, "a code block");
	if (rc)
		return rc;
	char *esc = wvl_pdf__escape(text);
	if (!esc)
		return wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
	/* Trailing newlines would be empty lines. */
	size_t n = strlen(esc);
	while (n > 0 && esc[n - 1] == '\n')
		esc[--n] = '\0';
	rc = text_block(d, esc, PDF_MONO, PDF_BODY_PT - 1, false,
			PDF_MARGIN_X + clamp_indent(indent) * PDF_INDENT + 8, 4, 0);
	free(esc);
	return rc;
}

int wvl_pdf__list_item(struct wvl_pdf *d, int depth, const char *marker, const char *rich)
{
	int rc = check_open(d, "a list item");
	if (rc)
		return rc;
	double x = PDF_MARGIN_X + (clamp_indent(depth) + 1) * PDF_INDENT;
	struct pdf_rich r;
	PangoLayout *lay = wvl_pdf__layout(d, &r, rich, PDF_FONT, PDF_BODY_PT, false,
					   PDF_W - PDF_MARGIN_X - x);
	if (lay) {
		if (d->page_open && !d->page_empty)
			d->y += 2;
		PangoLayoutIter *it = pango_layout_get_iter(lay);
		PangoRectangle first;
		pango_layout_iter_get_line_extents(it, NULL, &first);
		pango_layout_iter_free(it);
		/* The marker goes with the first line. */
		if (!wvl_pdf__need(d, (double)first.height / PANGO_SCALE)) {
			struct pdf_rich mr;
			char *esc = wvl_pdf__escape(marker ? marker : "\u2022");
			PangoLayout *ml = wvl_pdf__layout(d, &mr, esc ? esc : "", PDF_FONT,
							  PDF_BODY_PT, false, PDF_INDENT * 2);
			if (ml) {
				pango_layout_set_alignment(ml, PANGO_ALIGN_RIGHT);
				cairo_move_to(d->cr, x - PDF_INDENT * 2 - 4, d->y);
				pango_cairo_show_layout(d->cr, ml);
				g_object_unref(ml);
			}
			wvl_pdf__rich_free(&mr);
			free(esc);
			wvl_pdf__draw_layout(d, lay, &r, x, true);
			d->y += 2;
		}
		g_object_unref(lay);
	}
	wvl_pdf__rich_free(&r);
	return d->err;
}

int wvl_pdf__rule(struct wvl_pdf *d)
{
	int rc = check_open(d, "a rule");
	if (rc || (rc = wvl_pdf__need(d, 12)))
		return rc;
	cairo_set_source_rgb(d->cr, 0.6, 0.6, 0.65);
	cairo_set_line_width(d->cr, 0.75);
	cairo_move_to(d->cr, PDF_MARGIN_X, d->y + 6);
	cairo_line_to(d->cr, PDF_W - PDF_MARGIN_X, d->y + 6);
	cairo_stroke(d->cr);
	cairo_set_source_rgb(d->cr, 0, 0, 0);
	d->y += 12;
	d->page_empty = false;
	return 0;
}

int wvl_pdf__space(struct wvl_pdf *d, double points)
{
	int rc = check_open(d, "space");
	if (rc)
		return rc;
	if (!(points >= 0 && points <= 200))
		return wvl_pdf__fail(d, WVL_EINVAL, "space must be 0..200 points");
	if (d->page_open && !d->page_empty)
		d->y += points;
	return 0;
}

int wvl_pdf__page_break(struct wvl_pdf *d)
{
	int rc = check_open(d, "a page break");
	if (rc)
		return rc;
	if (d->page_open && !d->page_empty)
		d->y = PDF_BOTTOM + 1;
	return 0;
}

int wvl_pdf__finish(struct wvl_pdf *d, char **out, size_t *out_len)
{
	if (!d || !out || !out_len)
		return wvl_err__set(WVL_EINVAL, NULL, "missing argument");
	*out = NULL;
	*out_len = 0;
	if (d->err)
		return d->err;
	if (d->finished)
		return wvl_pdf__fail(d, WVL_EINVAL, "the document is finished");
	if (d->table.open)
		wvl_pdf__table_end(d);
	/* An empty document still has one page. */
	if (!d->page_open && d->page == 0)
		wvl_pdf__need(d, 0);
	if (d->err)
		return d->err;
	wvl_pdf__end_page(d);
	d->finished = true;
	g_object_unref(d->pango);
	d->pango = NULL;
	cairo_destroy(d->cr);
	d->cr = NULL;
	cairo_surface_finish(d->surface);
	cairo_status_t st = cairo_surface_status(d->surface);
	if (st != CAIRO_STATUS_SUCCESS || !d->out.ok)
		return wvl_pdf__fail(d, WVL_EINTERNAL, "cairo: %s", cairo_status_to_string(st));
	*out_len = d->out.len;
	*out = wvl_buf__take(&d->out);
	if (!*out)
		return wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
	return 0;
}

/* ---- the module: WL_AGENCY_NAME ---- */

static int validate_config(const wvl_config *cfg)
{
	const char *v = wvl_config_get(cfg, "WL_AGENCY_NAME");
	if (!v)
		return 0;
	if (!*v || !g_utf8_validate(v, -1, NULL) || g_utf8_strlen(v, -1) > 200)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_AGENCY_NAME must be 1..200 characters of UTF-8 text");
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return wvl_err__set(WVL_EINVAL, NULL,
					    "WL_AGENCY_NAME must not hold control characters");
	return 0;
}

const struct wvl_module wvl_pdf__module = {
	.name = "pdf",
	.validate_config = validate_config,
};
