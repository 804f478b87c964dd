/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Markdown laid out as PDF blocks: a walk over cmark-gfm's tree (the same
 * parser and extensions as the sanitiser's HTML), turning inlines into
 * rich text and blocks into the document's calls.  Hand-written because
 * cmark renders HTML, LaTeX, man and XML, not a layout: this is the
 * adapter, not a markdown parser.  The walk is iterative (cmark_iter), so
 * nesting depth costs no stack; indentation stops at PDF_MAX_INDENT. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "../sanitize/internal.h"
#include "internal.h"
#include "wavelaunch/sanitize.h"

#define MAX_LISTS 64

struct md_list {
	bool ordered;
	int next;
};

struct md {
	struct wvl_pdf *d;
	struct wvl_buf rich, plain; /* the inlines being collected */
	int quote;                  /* block quote depth */
	struct md_list lists[MAX_LISTS];
	int nlists;                 /* depth, may exceed MAX_LISTS */
	bool item_pending;          /* an item whose marker is not drawn yet */
	char marker[32];
	/* the table being read */
	bool in_table, header_done;
	size_t ncols;
	uint8_t aligns[WVL_PDF_MAX_COLUMNS];
	char *cells[WVL_PDF_MAX_COLUMNS];
	char *titles[WVL_PDF_MAX_COLUMNS];
	size_t ncell;
};

static int indent(const struct md *m)
{
	int n = m->quote + m->nlists;
	return n > PDF_MAX_INDENT ? PDF_MAX_INDENT : n;
}

static void put_esc(struct md *m, const char *s)
{
	char *e = wvl_pdf__escape(s ? s : "");
	if (!e) {
		m->rich.ok = false;
		return;
	}
	wvl_buf__puts(&m->rich, e);
	wvl_buf__puts(&m->plain, s ? s : "");
	free(e);
}

/* The collected inlines as a string (never NULL unless out of memory);
 * the buffers start over. */
static char *take(struct wvl_buf *b)
{
	wvl_buf__reserve(b, 1);
	char *s = wvl_buf__take(b);
	*b = (struct wvl_buf)WVL_BUF_INIT;
	return s;
}

/* Draws a pending item's marker with `rich` (may be "") as its text. */
static void flush_item(struct md *m, const char *rich)
{
	if (!m->item_pending)
		return;
	m->item_pending = false;
	int depth = m->quote + m->nlists - 1;
	wvl_pdf__list_item(m->d, depth < 0 ? 0 : depth, m->marker, rich);
}

static void enter_item(struct md *m, cmark_node *n)
{
	flush_item(m, "");
	m->item_pending = true;
	struct md_list *l = m->nlists > 0 && m->nlists <= MAX_LISTS ? &m->lists[m->nlists - 1] : NULL;
	if (!strcmp(cmark_node_get_type_string(n), "tasklist"))
		snprintf(m->marker, sizeof(m->marker), "%s",
			 cmark_gfm_extensions_get_tasklist_item_checked(n) ? "\u2611" : "\u2610");
	else if (l && l->ordered)
		snprintf(m->marker, sizeof(m->marker), "%d.", l->next++);
	else
		snprintf(m->marker, sizeof(m->marker), "%s",
			 (m->nlists - 1) % 3 == 0 ? "\u2022" : (m->nlists - 1) % 3 == 1 ? "\u25e6"
										: "\u25aa");
}

static void enter_list(struct md *m, cmark_node *n)
{
	flush_item(m, "");
	if (m->nlists < MAX_LISTS)
		m->lists[m->nlists] = (struct md_list){
			cmark_node_get_list_type(n) == CMARK_ORDERED_LIST,
			cmark_node_get_list_start(n)};
	m->nlists++;
}

static void end_paragraph(struct md *m)
{
	char *rich = take(&m->rich);
	wvl_buf__free(&m->plain);
	m->plain = (struct wvl_buf)WVL_BUF_INIT;
	if (!rich) {
		wvl_pdf__fail(m->d, WVL_EINTERNAL, "out of memory");
		return;
	}
	if (m->item_pending)
		flush_item(m, rich);
	else
		wvl_pdf__paragraph(m->d, rich, indent(m));
	free(rich);
}

static void table_enter(struct md *m, cmark_node *n)
{
	flush_item(m, "");
	m->in_table = true;
	m->header_done = false;
	m->ncols = cmark_gfm_extensions_get_table_columns(n);
	if (m->ncols > WVL_PDF_MAX_COLUMNS)
		m->ncols = WVL_PDF_MAX_COLUMNS;
	if (m->ncols == 0)
		m->ncols = 1;
	uint8_t *al = cmark_gfm_extensions_get_table_alignments(n);
	for (size_t i = 0; i < m->ncols; i++)
		m->aligns[i] = al ? al[i] : 0;
}

static void free_cells(struct md *m)
{
	for (size_t i = 0; i < WVL_PDF_MAX_COLUMNS; i++) {
		free(m->cells[i]);
		free(m->titles[i]);
		m->cells[i] = m->titles[i] = NULL;
	}
	m->ncell = 0;
}

static void table_cell_exit(struct md *m)
{
	char *rich = take(&m->rich);
	char *plain = take(&m->plain);
	if (!rich || !plain)
		wvl_pdf__fail(m->d, WVL_EINTERNAL, "out of memory");
	/* Cells past the column count (cmark keeps them when a row is
	 * longer than the header) are dropped, as GitHub does. */
	if (m->ncell < m->ncols) {
		m->cells[m->ncell] = rich;
		m->titles[m->ncell] = plain;
		m->ncell++;
	} else {
		free(rich);
		free(plain);
	}
}

static void table_row_exit(struct md *m)
{
	if (!m->header_done) {
		struct wvl_pdf_column cols[WVL_PDF_MAX_COLUMNS];
		memset(cols, 0, sizeof(cols));
		for (size_t i = 0; i < m->ncols; i++) {
			cols[i].title = m->titles[i] ? m->titles[i] : "";
			cols[i].align = m->aligns[i] == 'r'   ? WVL_PDF_ALIGN_RIGHT
					: m->aligns[i] == 'c' ? WVL_PDF_ALIGN_CENTER
							      : WVL_PDF_ALIGN_LEFT;
		}
		wvl_pdf__table_begin(m->d, cols, m->ncols);
		m->header_done = true;
	} else {
		wvl_pdf__table_row(m->d, (const char *const *)m->cells, m->ncols);
	}
	free_cells(m);
}

static void table_exit(struct md *m)
{
	if (m->header_done)
		wvl_pdf__table_end(m->d);
	m->in_table = false;
	free_cells(m);
}

static void link_enter(struct md *m, cmark_node *n, bool image)
{
	const char *url = cmark_node_get_url(n);
	if (image) {
		wvl_buf__puts(&m->rich, "[image: ");
		return;
	}
	if (!wvl_pdf__uri_ok(url))
		return;
	char *e = wvl_pdf__escape(url);
	wvl_buf__puts(&m->rich, "<a href=\"");
	wvl_buf__puts(&m->rich, e ? e : "");
	wvl_buf__puts(&m->rich, "\">");
	free(e);
}

static void link_exit(struct md *m, cmark_node *n, bool image)
{
	const char *url = cmark_node_get_url(n);
	if (image) {
		wvl_buf__puts(&m->rich, " (");
		put_esc(m, url ? url : "");
		wvl_buf__puts(&m->rich, ")]");
	} else if (wvl_pdf__uri_ok(url)) {
		wvl_buf__puts(&m->rich, "</a>");
	}
}

static void block_literal(struct md *m, cmark_node *n)
{
	flush_item(m, "");
	wvl_pdf__code_block(m->d, cmark_node_get_literal(n), indent(m));
}

static void md_enter(struct md *m, cmark_node *n)
{
	const char *ts = cmark_node_get_type_string(n);
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_TEXT: put_esc(m, cmark_node_get_literal(n)); return;
	case CMARK_NODE_HTML_INLINE: put_esc(m, cmark_node_get_literal(n)); return;
	case CMARK_NODE_CODE:
		wvl_buf__puts(&m->rich, "<tt>");
		put_esc(m, cmark_node_get_literal(n));
		wvl_buf__puts(&m->rich, "</tt>");
		return;
	case CMARK_NODE_SOFTBREAK: put_esc(m, " "); return;
	case CMARK_NODE_LINEBREAK: put_esc(m, "\n"); return;
	case CMARK_NODE_EMPH: wvl_buf__puts(&m->rich, "<i>"); return;
	case CMARK_NODE_STRONG: wvl_buf__puts(&m->rich, "<b>"); return;
	case CMARK_NODE_LINK: link_enter(m, n, false); return;
	case CMARK_NODE_IMAGE: link_enter(m, n, true); return;
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_HTML_BLOCK: block_literal(m, n); return;
	case CMARK_NODE_THEMATIC_BREAK:
		flush_item(m, "");
		wvl_pdf__rule(m->d);
		return;
	case CMARK_NODE_BLOCK_QUOTE:
		flush_item(m, "");
		m->quote++;
		return;
	case CMARK_NODE_LIST: enter_list(m, n); return;
	case CMARK_NODE_ITEM: enter_item(m, n); return;
	case CMARK_NODE_HEADING: flush_item(m, ""); return;
	default: break;
	}
	if (!strcmp(ts, "strikethrough"))
		wvl_buf__puts(&m->rich, "<s>");
	else if (!strcmp(ts, "table"))
		table_enter(m, n);
}

static void md_exit(struct md *m, cmark_node *n)
{
	const char *ts = cmark_node_get_type_string(n);
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_EMPH: wvl_buf__puts(&m->rich, "</i>"); return;
	case CMARK_NODE_STRONG: wvl_buf__puts(&m->rich, "</b>"); return;
	case CMARK_NODE_LINK: link_exit(m, n, false); return;
	case CMARK_NODE_IMAGE: link_exit(m, n, true); return;
	case CMARK_NODE_PARAGRAPH: end_paragraph(m); return;
	case CMARK_NODE_HEADING: {
		char *rich = take(&m->rich);
		wvl_buf__free(&m->plain);
		m->plain = (struct wvl_buf)WVL_BUF_INIT;
		wvl_pdf__heading(m->d, cmark_node_get_heading_level(n), rich ? rich : "");
		free(rich);
		return;
	}
	case CMARK_NODE_BLOCK_QUOTE: m->quote--; return;
	case CMARK_NODE_LIST: m->nlists--; return;
	case CMARK_NODE_ITEM: flush_item(m, ""); return;
	default: break;
	}
	if (!strcmp(ts, "strikethrough"))
		wvl_buf__puts(&m->rich, "</s>");
	else if (!strcmp(ts, "table_cell"))
		table_cell_exit(m);
	else if (!strcmp(ts, "table_row") || !strcmp(ts, "table_header"))
		table_row_exit(m);
	else if (!strcmp(ts, "table"))
		table_exit(m);
}

int wvl_pdf__markdown(struct wvl_pdf *d, const char *markdown, size_t len)
{
	if (!d || (!markdown && len > 0))
		return wvl_err__set(WVL_EINVAL, NULL, "missing argument");
	if (d->err)
		return d->err;
	if (d->table.open)
		return wvl_pdf__fail(d, WVL_EINVAL, "markdown inside a table");
	if (len > WVL_SANITIZE_MAX_INPUT)
		return wvl_pdf__fail(d, WVL_ETOOLARGE, "markdown is over %zu bytes",
				     WVL_SANITIZE_MAX_INPUT);
	wvl_sanitize__cmark_init();
	int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
	cmark_parser *parser = cmark_parser_new(opts);
	if (!parser)
		return wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
	static const char *const exts[] = {"table", "strikethrough", "autolink", "tasklist"};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(exts[i]);
		if (ext)
			cmark_parser_attach_syntax_extension(parser, ext);
	}
	cmark_parser_feed(parser, markdown ? markdown : "", len);
	cmark_node *doc = cmark_parser_finish(parser);
	if (!doc) {
		cmark_parser_free(parser);
		return wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
	}
	struct md m = {.d = d, .rich = WVL_BUF_INIT, .plain = WVL_BUF_INIT};
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while (!d->err && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER)
			md_enter(&m, n);
		else if (ev == CMARK_EVENT_EXIT)
			md_exit(&m, n);
		if (!m.rich.ok || !m.plain.ok)
			wvl_pdf__fail(d, WVL_EINTERNAL, "out of memory");
	}
	cmark_iter_free(it);
	if (d->table.open && !d->err)
		wvl_pdf__table_end(d);
	free_cells(&m);
	wvl_buf__free(&m.rich);
	wvl_buf__free(&m.plain);
	cmark_node_free(doc);
	cmark_parser_free(parser);
	return d->err;
}
