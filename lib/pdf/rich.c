/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Rich text (pdf.h): a handful of tags turned into pango attributes.
 * Hand-written rather than pango's markup parser because that one refuses
 * a whole paragraph over one stray '<' and knows no links: here anything
 * that is not one of our tags is text, and links keep their byte ranges
 * so the layout can place PDF link annotations over them. */

#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_OPEN 64

enum tag { T_B, T_I, T_TT, T_S, T_U, T_A, T_NONE };
static const char *const tag_names[] = {"b", "i", "tt", "s", "u", "a"};

struct open_tag {
	enum tag t;
	size_t start;
	char *uri; /* T_A with a usable address */
};

bool wvl_pdf__uri_ok(const char *uri)
{
	if (!uri || strlen(uri) > 2000)
		return false;
	if (strncmp(uri, "https://", 8) && strncmp(uri, "http://", 7) && strncmp(uri, "mailto:", 7))
		return false;
	for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The entity at `s` (after '&') appended to `b`; returns the bytes
 * consumed after '&', 0 when it is not one of ours. */
static size_t entity(struct wvl_buf *b, const char *s)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"#39;", '\''}};
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		size_t n = strlen(ents[i].name);
		if (!strncmp(s, ents[i].name, n)) {
			wvl_buf__putc(b, ents[i].c);
			return n;
		}
	}
	return 0;
}

/* `<a href="...">`: the decoded address, malloc'd, or NULL; *len the
 * bytes of the tag.  Only this exact shape is a link tag. */
static char *parse_a(const char *s, size_t *len)
{
	if (strncmp(s, "<a href=\"", 9))
		return NULL;
	const char *q = strchr(s + 9, '"');
	if (!q || q[1] != '>')
		return NULL;
	struct wvl_buf u = WVL_BUF_INIT;
	for (const char *p = s + 9; p < q;) {
		size_t n = *p == '&' ? entity(&u, p + 1) : 0;
		if (n)
			p += n + 1;
		else
			wvl_buf__putc(&u, *p++);
	}
	*len = (size_t)(q + 2 - s);
	char *uri = wvl_buf__take(&u);
	return uri ? uri : wvl_str__dup("");
}

/* Which tag `s` opens or closes ("<b>", "</b>"), with its length. */
static enum tag simple_tag(const char *s, bool *closing, size_t *len)
{
	*closing = s[1] == '/';
	const char *name = s + (*closing ? 2 : 1);
	for (int t = 0; t < (int)T_NONE; t++) {
		size_t n = strlen(tag_names[t]);
		if (!strncmp(name, tag_names[t], n) && name[n] == '>' &&
		    (t != T_A || *closing)) {
			*len = (size_t)(name + n + 1 - s);
			return (enum tag)t;
		}
	}
	return T_NONE;
}

static void add_attr(PangoAttrList *l, PangoAttribute *a, size_t start, size_t end)
{
	a->start_index = (guint)start;
	a->end_index = (guint)end;
	pango_attr_list_insert(l, a);
}

static bool close_tag(struct pdf_rich *r, struct open_tag *o, size_t end)
{
	if (end > o->start) {
		switch (o->t) {
		case T_B:
			add_attr(r->attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD), o->start, end);
			break;
		case T_I:
			add_attr(r->attrs, pango_attr_style_new(PANGO_STYLE_ITALIC), o->start, end);
			break;
		case T_TT:
			add_attr(r->attrs, pango_attr_family_new(PDF_MONO), o->start, end);
			add_attr(r->attrs, pango_attr_background_new(0xeeee, 0xeeee, 0xeeee),
				 o->start, end);
			break;
		case T_S:
			add_attr(r->attrs, pango_attr_strikethrough_new(TRUE), o->start, end);
			break;
		case T_U:
			add_attr(r->attrs, pango_attr_underline_new(PANGO_UNDERLINE_SINGLE), o->start,
				 end);
			break;
		case T_A:
		case T_NONE:
			break;
		}
	}
	if (o->t == T_A && o->uri) {
		if (end > o->start) {
			add_attr(r->attrs, pango_attr_foreground_new(0x1a1a, 0x5656, 0xdbdb), o->start,
				 end);
			add_attr(r->attrs, pango_attr_underline_new(PANGO_UNDERLINE_SINGLE), o->start,
				 end);
			if (r->nlinks == r->caplinks) {
				size_t cap = r->caplinks ? r->caplinks * 2 : 4;
				struct pdf_link *nl = realloc(r->links, cap * sizeof(*nl));
				if (!nl)
					return false;
				r->links = nl;
				r->caplinks = cap;
			}
			r->links[r->nlinks++] = (struct pdf_link){o->start, end, o->uri};
			o->uri = NULL;
		}
		free(o->uri);
		o->uri = NULL;
	}
	return true;
}

/* Closes the innermost open `t` and everything opened inside it. */
static bool close_to(struct pdf_rich *r, struct open_tag *stack, size_t *depth, enum tag t)
{
	size_t i = *depth;
	while (i > 0 && stack[i - 1].t != t)
		i--;
	if (i == 0)
		return true; /* nothing to close: the stray end tag is dropped */
	bool ok = true;
	while (*depth >= i) {
		ok = close_tag(r, &stack[*depth - 1], r->text.len) && ok;
		(*depth)--;
	}
	return ok;
}

bool wvl_pdf__rich_parse(struct pdf_rich *r, const char *rich)
{
	memset(r, 0, sizeof(*r));
	r->text = (struct wvl_buf)WVL_BUF_INIT;
	r->attrs = pango_attr_list_new();
	gchar *valid = g_utf8_make_valid(rich ? rich : "", -1);
	struct open_tag stack[MAX_OPEN];
	size_t depth = 0;
	bool ok = true;
	for (const char *p = valid; *p && ok;) {
		bool closing;
		size_t len = 0;
		enum tag t = *p == '<' ? simple_tag(p, &closing, &len) : T_NONE;
		char *uri = NULL;
		if (t == T_NONE && *p == '<' && (uri = parse_a(p, &len)) != NULL) {
			t = T_A;
			closing = false;
		}
		if (t == T_NONE) {
			size_t n = *p == '&' ? entity(&r->text, p + 1) : 0;
			if (n) {
				p += n + 1;
			} else {
				wvl_buf__putc(&r->text, *p++);
			}
			continue;
		}
		p += len;
		if (closing) {
			ok = close_to(r, stack, &depth, t);
		} else if (depth < MAX_OPEN) {
			stack[depth++] = (struct open_tag){t, r->text.len,
							   wvl_pdf__uri_ok(uri) ? uri : NULL};
			if (!wvl_pdf__uri_ok(uri))
				free(uri);
		} else {
			free(uri);
		}
	}
	while (depth > 0) {
		ok = close_tag(r, &stack[depth - 1], r->text.len) && ok;
		depth--;
	}
	g_free(valid);
	wvl_buf__reserve(&r->text, 1);
	if (r->text.ok)
		r->text.data[r->text.len] = '\0';
	return ok && r->text.ok && r->attrs;
}

void wvl_pdf__rich_free(struct pdf_rich *r)
{
	wvl_buf__free(&r->text);
	if (r->attrs)
		pango_attr_list_unref(r->attrs);
	for (size_t i = 0; i < r->nlinks; i++)
		free(r->links[i].uri);
	free(r->links);
	memset(r, 0, sizeof(*r));
}

char *wvl_pdf__escape(const char *text)
{
	struct wvl_buf b = WVL_BUF_INIT;
	wvl_buf__reserve(&b, 1);
	for (const char *p = text ? text : ""; *p; p++) {
		switch (*p) {
		case '&': wvl_buf__puts(&b, "&amp;"); break;
		case '<': wvl_buf__puts(&b, "&lt;"); break;
		case '>': wvl_buf__puts(&b, "&gt;"); break;
		case '"': wvl_buf__puts(&b, "&quot;"); break;
		case '\'': wvl_buf__puts(&b, "&#39;"); break;
		default: wvl_buf__putc(&b, *p);
		}
	}
	return wvl_buf__take(&b);
}
