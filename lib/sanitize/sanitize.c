/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * The allow-list HTML sanitiser (rules in include/wavelaunch/sanitize.h).
 *
 * gumbo parses the input as a fragment inside a <div>; we walk the tree
 * and write the output ourselves, so the output only ever holds tags we
 * chose, attributes we checked, and escaped text.  Its safety therefore
 * does not depend on parsing the input exactly as a browser would: a
 * browser re-parsing it sees only allowed tokens.
 *
 * Dropping and unwrapping elements can leave a tree that a parser would
 * not build (a block unwrapped into a <p>, say), which would re-parse
 * differently.  Rather than chase every such case, we sanitise the output
 * again until it no longer changes; with the rules below this takes one
 * extra pass for all but contrived input.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "wavelaunch/sanitize.h"

#include "../core/internal.h"
#include "internal.h"

/* The real tree may be a little deeper than the pre-scan's estimate
 * (implied tbody, reconstructed formatting elements). */
#define MAX_TREE_DEPTH (2 * WVL_SANITIZE__MAX_DEPTH)
#define MAX_PASSES 4

/* ---- gumbo's memory: an arena ----
 * gumbo frees its tree recursively, which overflows the stack on deep
 * trees; an arena is released in one go instead. */

struct chunk {
	struct chunk *next;
	size_t cap, used;
	max_align_t data[];
};

static void *arena_alloc(void *userdata, size_t size)
{
	struct chunk **head = userdata;
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct chunk *c = *head;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > 65536 ? size : 65536;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			abort(); /* gumbo cannot report allocation failure */
		*c = (struct chunk){.next = *head, .cap = cap};
		*head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

static void arena_free(void *userdata, void *ptr)
{
	(void)userdata;
	(void)ptr; /* released with the whole arena */
}

static void arena_release(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* ---- the allow-list ---- */

enum action { DROP, KEEP, UNWRAP };

/* Removed with their content: active content, forms, foreign content,
 * document metadata, and fallback content for any of those. */
static bool is_dropped(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_FRAME: case GUMBO_TAG_FRAMESET: case GUMBO_TAG_OBJECT:
	case GUMBO_TAG_EMBED: case GUMBO_TAG_APPLET: case GUMBO_TAG_PARAM:
	case GUMBO_TAG_FORM: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON:
	case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_SELECT: case GUMBO_TAG_OPTION:
	case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_DATALIST: case GUMBO_TAG_KEYGEN:
	case GUMBO_TAG_ISINDEX: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
	case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_NOEMBED:
	case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_BASE: case GUMBO_TAG_META:
	case GUMBO_TAG_LINK: case GUMBO_TAG_TITLE: case GUMBO_TAG_HEAD:
	case GUMBO_TAG_MARQUEE: /* a scope boundary: unwrapping it re-parses differently */
		return true;
	default:
		return false;
	}
}

static const char *const no_attrs[] = {NULL};
static const char *const a_attrs[] = {"href", "title", NULL};
static const char *const img_attrs[] = {"src", "alt", "title", "width", "height", NULL};
static const char *const cell_attrs[] = {"colspan", "rowspan", "align", NULL};
static const char *const ol_attrs[] = {"start", NULL};
static const char *const code_attrs[] = {"class", NULL};

/* The attributes an allowed element keeps, in output order; NULL when the
 * element is not allowed. */
static const char *const *allowed_attrs(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_P: case GUMBO_TAG_BR: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
	case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
	case GUMBO_TAG_UL: case GUMBO_TAG_LI: case GUMBO_TAG_STRONG: case GUMBO_TAG_B:
	case GUMBO_TAG_EM: case GUMBO_TAG_I: case GUMBO_TAG_U: case GUMBO_TAG_S:
	case GUMBO_TAG_DEL: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE:
	case GUMBO_TAG_HR: case GUMBO_TAG_SPAN: case GUMBO_TAG_DIV: case GUMBO_TAG_SUB:
	case GUMBO_TAG_SUP: case GUMBO_TAG_TABLE: case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_THEAD: case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TR:
		return no_attrs;
	case GUMBO_TAG_TH: case GUMBO_TAG_TD:
		return cell_attrs;
	case GUMBO_TAG_OL:
		return ol_attrs;
	case GUMBO_TAG_CODE:
		return code_attrs;
	case GUMBO_TAG_A:
		return a_attrs;
	case GUMBO_TAG_IMG:
		return img_attrs;
	default:
		return NULL;
	}
}

static bool is_void(GumboTag t)
{
	return t == GUMBO_TAG_BR || t == GUMBO_TAG_HR || t == GUMBO_TAG_IMG;
}

/* The pre-scan renames elements it wants dropped (see prescan.c). */
static bool is_drop_marker(const GumboElement *el)
{
	GumboStringPiece name = el->original_tag;
	if (el->tag != GUMBO_TAG_UNKNOWN || name.length == 0)
		return false;
	gumbo_tag_from_original_text(&name);
	size_t n = strlen(WVL_SANITIZE__DROP_TAG);
	return name.length == n && strncasecmp(name.data, WVL_SANITIZE__DROP_TAG, n) == 0;
}

static enum action classify(const GumboNode *node)
{
	if (node->type == GUMBO_NODE_TEMPLATE)
		return DROP;
	const GumboElement *el = &node->v.element;
	if (el->tag_namespace != GUMBO_NAMESPACE_HTML || is_dropped(el->tag) ||
	    is_drop_marker(el))
		return DROP;
	return allowed_attrs(el->tag) ? KEEP : UNWRAP;
}

/* ---- attribute values ---- */

static bool has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Browsers ignore leading and trailing C0 controls and spaces and every
 * tab and newline inside a URL ("jav&#x09;ascript:" is "javascript:"), so
 * we check, and write, the URL without them.  Any other control character
 * disqualifies it. */
static bool clean_url(struct wvl_buf *out, const char *v)
{
	size_t n = strlen(v);
	while (n > 0 && (unsigned char)v[n - 1] <= 0x20)
		n--;
	while (n > 0 && (unsigned char)*v <= 0x20)
		v++, n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c < 0x20 || c == 0x7f)
			return false;
		wvl_buf__putc(out, (char)c);
	}
	wvl_buf__putc(out, '\0');
	return out->ok && out->len > 1;
}

/* Only an allow-list of absolute forms: anything else, whatever its
 * scheme or spelling, is refused. */
static bool url_allowed(const char *url, bool image)
{
	if (has_prefix_ci(url, "http://") || has_prefix_ci(url, "https://"))
		return url[url[4] == ':' ? 7 : 8] != '\0';
	if (image)
		return false;
	return url[0] == '#' || (has_prefix_ci(url, "mailto:") && url[7] != '\0');
}

static bool all_digits(const char *v, size_t max)
{
	size_t n = strlen(v);
	return n > 0 && n <= max && strspn(v, "0123456789") == n;
}

static bool language_class(const char *v)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789+#._-";
	size_t n = strlen(v);
	return has_prefix_ci(v, "language-") && n > 9 && n <= 48 && strspn(v, ok) == n;
}

static void put_escaped(struct wvl_buf *b, const char *s, bool attr)
{
	/* A plain loop: strcspn would rescan the rest of a long text under
	 * ASan's strict_string_checks, which the tests turn on. */
	const char *run = s;
	for (const char *p = s; *p; p++) {
		const char *ent = *p == '&' ? "&amp;"
				  : *p == '<' ? "&lt;"
				  : *p == '>' ? "&gt;"
				  : *p == '"' && attr ? "&quot;" : NULL;
		if (!ent)
			continue;
		wvl_buf__put(b, run, (size_t)(p - run));
		wvl_buf__puts(b, ent);
		run = p + 1;
	}
	wvl_buf__puts(b, run);
}

static void put_attr(struct wvl_buf *b, const char *name, const char *value)
{
	wvl_buf__putc(b, ' ');
	wvl_buf__puts(b, name);
	wvl_buf__puts(b, "=\"");
	put_escaped(b, value, true);
	wvl_buf__putc(b, '"');
}

static bool value_ok(const char *name, const char *v)
{
	if (!strcmp(name, "class"))
		return language_class(v);
	if (!strcmp(name, "width") || !strcmp(name, "height"))
		return all_digits(v, 5);
	if (!strcmp(name, "colspan") || !strcmp(name, "rowspan"))
		return all_digits(v, 4);
	if (!strcmp(name, "start"))
		return all_digits(v, 9);
	return true; /* title, alt: any text, escaped */
}

/* Writes one attribute if its value passes; returns whether it did. */
static bool emit_attr(struct wvl_buf *b, const char *name, const char *v)
{
	if (!strcmp(name, "href") || !strcmp(name, "src")) {
		struct wvl_buf url = WVL_BUF_INIT;
		bool ok = clean_url(&url, v) && url_allowed(url.data, name[0] == 's');
		if (ok)
			put_attr(b, name, url.data);
		wvl_buf__free(&url);
		return ok;
	}
	if (!strcmp(name, "align")) {
		static const char *const aligns[] = {"left", "center", "right"};
		for (size_t i = 0; i < 3; i++)
			if (!strcasecmp(v, aligns[i]))
				return put_attr(b, name, aligns[i]), true;
		return false;
	}
	bool ok = value_ok(name, v);
	if (ok)
		put_attr(b, name, v);
	return ok;
}

/* The start tag of an allowed element; false when the element must go
 * after all (an image without an acceptable source). */
static bool emit_start_tag(struct wvl_buf *b, const GumboElement *el)
{
	const char *name = gumbo_normalized_tagname(el->tag);
	size_t mark = b->len;
	wvl_buf__putc(b, '<');
	wvl_buf__puts(b, name);
	bool has_url = false;
	for (const char *const *a = allowed_attrs(el->tag); *a; a++) {
		const GumboAttribute *attr = gumbo_get_attribute(&el->attributes, *a);
		if (attr && emit_attr(b, *a, attr->value))
			has_url |= !strcmp(*a, "href") || !strcmp(*a, "src");
	}
	if (el->tag == GUMBO_TAG_IMG && !has_url) {
		b->len = mark;
		return false;
	}
	if (el->tag == GUMBO_TAG_A && has_url)
		put_attr(b, "rel", "noopener noreferrer nofollow");
	wvl_buf__putc(b, '>');
	return true;
}

static void emit_text(struct wvl_buf *b, const char *text)
{
	/* A parser drops a newline right after <pre>; double it to keep it. */
	static const char pre[] = "<pre>";
	if (text[0] == '\n' && b->len >= sizeof(pre) - 1 &&
	    !memcmp(b->data + b->len - (sizeof(pre) - 1), pre, sizeof(pre) - 1))
		wvl_buf__putc(b, '\n');
	put_escaped(b, text, false);
}

/* ---- the walk ----
 * Iterative, with the path from the root on the heap, so tree depth never
 * touches the C stack. */

struct frame {
	const GumboNode *node;
	unsigned int next; /* next child to visit */
	bool kept;         /* write the end tag when done */
};

struct walk {
	struct wvl_buf *out;
	struct frame *path;
	size_t depth;
};

static const GumboVector *children(const GumboNode *n)
{
	return &n->v.element.children;
}

static int enter(struct walk *w, const GumboNode *node, bool kept)
{
	if (w->depth >= MAX_TREE_DEPTH)
		return wvl_err__set(WVL_ETOOLARGE, "too_deep",
				    "markup nests deeper than %u elements",
				    WVL_SANITIZE__MAX_DEPTH);
	w->path[w->depth++] = (struct frame){node, 0, kept};
	return 0;
}

static int visit(struct walk *w, const GumboNode *node)
{
	switch (node->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
		emit_text(w->out, node->v.text.text);
		return 0;
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		break;
	default:
		return 0; /* comments; CDATA only occurs in foreign content */
	}
	enum action act = classify(node);
	if (act == DROP)
		return 0;
	if (act == UNWRAP)
		return enter(w, node, false);
	if (!emit_start_tag(w->out, &node->v.element) || is_void(node->v.element.tag))
		return 0;
	return enter(w, node, true);
}

static int walk_tree(struct wvl_buf *out, const GumboNode *root)
{
	struct walk w = {.out = out};
	w.path = malloc(MAX_TREE_DEPTH * sizeof(*w.path));
	if (!w.path)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = enter(&w, root, false);
	while (rc == 0 && w.depth > 0) {
		struct frame *f = &w.path[w.depth - 1];
		if (f->next < children(f->node)->length) {
			rc = visit(&w, children(f->node)->data[f->next++]);
			continue;
		}
		if (f->kept) {
			wvl_buf__puts(out, "</");
			wvl_buf__puts(out, gumbo_normalized_tagname(f->node->v.element.tag));
			wvl_buf__putc(out, '>');
		}
		w.depth--;
	}
	free(w.path);
	return rc;
}

/* ---- one pass: pre-scan, parse, walk ---- */

static int parse_and_walk(struct wvl_buf *out, const struct wvl_buf *input)
{
	struct chunk *arena = NULL;
	GumboOptions opts = kGumboDefaultOptions;
	opts.allocator = arena_alloc;
	opts.deallocator = arena_free;
	opts.userdata = &arena;
	opts.max_errors = 0;
	opts.fragment_context = GUMBO_TAG_DIV;
	GumboOutput *parsed =
		gumbo_parse_with_options(&opts, input->data ? input->data : "", input->len);
	int rc = walk_tree(out, parsed->root);
	arena_release(arena);
	return rc;
}

static int sanitize_once(char **out_html, const char *html, size_t len)
{
	struct wvl_buf input = WVL_BUF_INIT, out = WVL_BUF_INIT;
	int rc = wvl_sanitize__prescan(&input, NULL, html, len);
	if (rc == 0)
		rc = parse_and_walk(&out, &input);
	if (rc == 0 && !(*out_html = wvl_buf__take(&out)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_buf__free(&input);
	wvl_buf__free(&out);
	return rc;
}

int wvl_sanitize__html(char **out_html, const char *html, size_t len, size_t max_len)
{
	if (!out_html || (!html && len > 0))
		return wvl_err__set(WVL_EINVAL, NULL, "missing argument");
	*out_html = NULL;
	if (len > max_len)
		return wvl_err__set(WVL_ETOOLARGE, NULL, "HTML is over %zu bytes", max_len);
	char *cur = NULL;
	int rc = sanitize_once(&cur, html ? html : "", len);
	for (int pass = 1; rc == 0 && pass < MAX_PASSES; pass++) {
		char *next = NULL;
		rc = sanitize_once(&next, cur, strlen(cur));
		if (rc == 0 && !strcmp(next, cur)) {
			free(next);
			*out_html = cur;
			return 0;
		}
		free(cur);
		cur = next;
	}
	free(cur);
	return rc != 0 ? rc
		       : wvl_err__set(WVL_EINVAL, "unstable_markup",
				      "the markup does not settle into a stable form");
}

int wvl_sanitize_html(char **out_html, const char *html, size_t len)
{
	return wvl_sanitize__html(out_html, html, len, WVL_SANITIZE_MAX_INPUT);
}
