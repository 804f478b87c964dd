/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Markdown with cmark-gfm.  cmark's safe mode (raw HTML and javascript:
 * links suppressed) is kept as a first layer, but the sanitiser is the
 * boundary: everything cmark writes goes through it.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "wavelaunch/sanitize.h"

#include "../core/internal.h"
#include "internal.h"

/* Rendered HTML is larger than its markdown (a table row of two bytes
 * becomes twenty), so the sanitiser gets a larger limit here. */
#define MAX_RENDERED ((size_t)8 << 20)

static const char *const extensions[] = {"table", "strikethrough", "autolink", "tasklist"};

static pthread_once_t registered = PTHREAD_ONCE_INIT;

/* cmark's extension registry is a global list, not safe to build from two
 * threads at once. */
static void register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

/* The sanitiser removes <input>, so a task item's checkbox becomes a
 * ballot-box character at the start of its text. */
static void mark_task(cmark_node *item)
{
	cmark_node *box = cmark_node_new(CMARK_NODE_TEXT);
	if (!box)
		return;
	bool done = cmark_gfm_extensions_get_tasklist_item_checked(item);
	cmark_node_set_literal(box, done ? "\u2611 " : "\u2610 ");
	cmark_node *first = cmark_node_first_child(item);
	if (first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH)
		cmark_node_prepend_child(first, box);
	else
		cmark_node_prepend_child(item, box);
}

static void mark_tasks(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	/* cmark allows changing a node's subtree once its EXIT event passed. */
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_EXIT && cmark_node_get_type(n) == CMARK_NODE_ITEM &&
		    !strcmp(cmark_node_get_type_string(n), "tasklist"))
			mark_task(n);
	}
	cmark_iter_free(it);
}

/* The document tree of `markdown` with the extensions attached and task
 * items marked; NULL when out of memory.  *parser must be freed after the
 * tree (the renderers need its extension list). */
void wvl_sanitize__cmark_init(void)
{
	pthread_once(&registered, register_extensions);
}

static cmark_node *parse(cmark_parser **parser, const char *markdown, size_t len, int opts)
{
	wvl_sanitize__cmark_init();
	*parser = cmark_parser_new(opts);
	if (!*parser)
		return NULL;
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		cmark_syntax_extension *ext = cmark_find_syntax_extension(extensions[i]);
		if (ext)
			cmark_parser_attach_syntax_extension(*parser, ext);
	}
	cmark_parser_feed(*parser, markdown, len);
	cmark_node *doc = cmark_parser_finish(*parser);
	if (doc)
		mark_tasks(doc);
	return doc;
}

/* The words of the tree as a reader reads them: text, code and code
 * blocks, a space for a soft break, a newline after each block.  Raw HTML
 * is left out, and so are what cmark's own plain-text renderer keeps and
 * no reader sees: list markers, task boxes as "[x]", link targets.
 * Hand-written: it is a walk over cmark's tree, not a renderer of its own. */
static void collect_text(struct wvl_buf *b, cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (ev == CMARK_EVENT_ENTER &&
		    (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE || t == CMARK_NODE_CODE_BLOCK))
			wvl_buf__puts(b, cmark_node_get_literal(n));
		else if (ev == CMARK_EVENT_ENTER && t == CMARK_NODE_SOFTBREAK)
			wvl_buf__putc(b, ' ');
		else if ((ev == CMARK_EVENT_ENTER && t == CMARK_NODE_LINEBREAK) ||
			 (ev == CMARK_EVENT_EXIT && (t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK))
			wvl_buf__putc(b, '\n');
	}
	cmark_iter_free(it);
}

/* cmark's rendering of `markdown` as HTML (plain: false, free() it:
 * cmark's default allocator is malloc's) or its words (plain: true). */
static char *render(const char *markdown, size_t len, bool plain)
{
	int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
	cmark_parser *parser = NULL;
	cmark_node *doc = parse(&parser, markdown, len, opts);
	char *out = NULL;
	if (doc && plain) {
		struct wvl_buf b = WVL_BUF_INIT;
		collect_text(&b, doc);
		out = wvl_buf__take(&b);
	} else if (doc) {
		cmark_llist *exts = cmark_parser_get_syntax_extensions(parser);
		out = cmark_render_html(doc, opts, exts);
	}
	if (doc)
		cmark_node_free(doc);
	if (parser)
		cmark_parser_free(parser);
	return out;
}

int wvl_sanitize_markdown(char **out_html, const char *markdown, size_t len)
{
	if (!out_html || (!markdown && len > 0))
		return wvl_err__set(WVL_EINVAL, NULL, "missing argument");
	*out_html = NULL;
	if (len > WVL_SANITIZE_MAX_INPUT)
		return wvl_err__set(WVL_ETOOLARGE, NULL, "markdown is over %zu bytes",
				    WVL_SANITIZE_MAX_INPUT);
	char *html = render(markdown ? markdown : "", len, false);
	if (!html)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = wvl_sanitize__html(out_html, html, strlen(html), MAX_RENDERED);
	free(html);
	return rc;
}

int wvl_sanitize__markdown_text(char **out_text, const char *markdown, size_t len)
{
	if (!out_text || (!markdown && len > 0))
		return wvl_err__set(WVL_EINVAL, NULL, "missing argument");
	*out_text = NULL;
	if (len > WVL_SANITIZE_MAX_INPUT)
		return wvl_err__set(WVL_ETOOLARGE, NULL, "markdown is over %zu bytes",
				    WVL_SANITIZE_MAX_INPUT);
	*out_text = render(markdown ? markdown : "", len, true);
	return *out_text ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}
