/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * A pass over the raw HTML before gumbo sees it.  Written by hand because
 * gumbo 0.10 (Debian 12) has no depth limit: it scans its stack of open
 * elements for every tag (1 MiB of "<div>" takes minutes) and frees its tree
 * recursively (1 MiB of "<b>" overflows the stack).  So we tokenise the
 * input the way the HTML tokenizer does and simulate the stack of open
 * elements, erring towards a deeper estimate, and refuse deep input.
 *
 * The tokenizer's state depends on the tree only through raw-text elements
 * (modelled here), foreign content (svg, math), select and template.  To
 * keep the simulation exact without modelling those, their tags are
 * renamed to an unknown element that the sanitiser drops with its content:
 * they are dropped anyway, and their content is then parsed as HTML, which
 * is safe because the sanitiser's output never depends on how a browser
 * would have parsed the input.  noscript is renamed too, since browsers
 * parse it as raw text and gumbo does not.
 *
 * The simulated stack only pops on an end tag that certainly closes the
 * element in the real parser, so the estimate is an upper bound; sloppy
 * but harmless markup (unclosed cells, mis-nested formatting) is counted
 * as deeper than it is.  The sanitiser checks the real depth again.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "../core/internal.h"
#include "internal.h"

struct open_el {
	GumboTag tag;
	const char *name; /* into the input, for unknown tags */
	size_t len;
};

struct scan {
	const char *s;
	size_t len, pos;
	struct wvl_buf *out;
	size_t copied; /* input bytes already copied to out */
	struct open_el *stack;
	size_t depth, max_depth;
};

enum raw_kind { RAW_NONE, RAW_TEXT, RAW_SCRIPT, RAW_PLAINTEXT };

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool at(const struct scan *sc, size_t i, char c)
{
	return i < sc->len && sc->s[i] == c;
}

/* ---- token skipping ---- */

/* Comment states of the tokenizer, from just after "<!--". */
static void skip_comment(struct scan *sc)
{
	const char *s = sc->s;
	size_t i = sc->pos;
	if (at(sc, i, '>'))
		goto done;                      /* <!--> */
	if (at(sc, i, '-') && at(sc, i + 1, '>')) {
		i++;
		goto done;                      /* <!---> */
	}
	for (; i < sc->len; i++) {
		if (s[i] != '-' || !at(sc, i + 1, '-'))
			continue;
		size_t j = i + 2;
		while (at(sc, j, '-'))
			j++;
		if (at(sc, j, '>') || (at(sc, j, '!') && at(sc, j + 1, '>'))) {
			i = at(sc, j, '>') ? j : j + 1;
			goto done;
		}
		i = j - 1;
	}
	sc->pos = sc->len;
	return;
done:
	sc->pos = i + 1;
}

/* Bogus comments and doctypes end at the first '>'. */
static void skip_to_gt(struct scan *sc)
{
	const char *gt = memchr(sc->s + sc->pos, '>', sc->len - sc->pos);
	sc->pos = gt ? (size_t)(gt - sc->s) + 1 : sc->len;
}

/* The attributes of a tag, from just after its name.  False when the input
 * ends inside the tag (the tokenizer then drops it). */
static bool skip_attributes(struct scan *sc)
{
	const char *s = sc->s;
	size_t n = sc->len, i = sc->pos;
	for (;;) {
		while (i < n && (is_ws(s[i]) || s[i] == '/'))
			i++;
		if (i >= n)
			return false;
		if (s[i] == '>')
			break;
		i++; /* the name's first character may be anything, even '=' */
		while (i < n && !is_ws(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=')
			i++;
		while (i < n && is_ws(s[i]))
			i++;
		if (i >= n || s[i] != '=')
			continue;
		for (i++; i < n && is_ws(s[i]); i++)
			;
		if (i >= n)
			return false;
		if (s[i] == '"' || s[i] == '\'') {
			const char *q = memchr(s + i + 1, s[i], n - i - 1);
			if (!q)
				return false;
			i = (size_t)(q - s) + 1;
		} else {
			while (i < n && !is_ws(s[i]) && s[i] != '>')
				i++;
		}
	}
	sc->pos = i + 1;
	return true;
}

/* Does "<" + optional "/" + `name` + (space | "/" | ">") start at i? */
static bool tag_at(const struct scan *sc, size_t i, bool end, const char *name)
{
	size_t nl = strlen(name);
	if (!at(sc, i, '<'))
		return false;
	i++;
	if (end && !at(sc, i++, '/'))
		return false;
	if (i + nl >= sc->len || strncasecmp(sc->s + i, name, nl) != 0)
		return false;
	char c = sc->s[i + nl];
	return is_ws(c) || c == '/' || c == '>';
}

/* Raw text and RCDATA end at the first matching end tag. */
static void skip_raw_text(struct scan *sc, const char *name)
{
	const char *lt;
	for (size_t i = sc->pos; (lt = memchr(sc->s + i, '<', sc->len - i)); i++) {
		i = (size_t)(lt - sc->s);
		if (tag_at(sc, i, true, name)) {
			sc->pos = i;
			return;
		}
	}
	sc->pos = sc->len;
}

/* Script data, with its escaped ("<!--") and double-escaped ("<!--<script>")
 * states, which a plain search for "</script" would get wrong. */
static void skip_script(struct scan *sc)
{
	enum { DATA, ESCAPED, DOUBLE } st = DATA;
	const char *s = sc->s;
	for (size_t i = sc->pos; i < sc->len; i++) {
		if (st != DOUBLE && tag_at(sc, i, true, "script")) {
			sc->pos = i;
			return;
		}
		if (st == DATA && s[i] == '<' && at(sc, i + 1, '!') && at(sc, i + 2, '-') &&
		    at(sc, i + 3, '-')) {
			st = ESCAPED;
			i += 3;
			while (at(sc, i + 1, '-'))
				i++;
			if (at(sc, i + 1, '>'))
				st = DATA, i++;
		} else if (st == ESCAPED && tag_at(sc, i, false, "script")) {
			st = DOUBLE;
			i += 7;
		} else if (st == DOUBLE && tag_at(sc, i, true, "script")) {
			st = ESCAPED;
			i += 8;
		} else if (st != DATA && s[i] == '-' && at(sc, i + 1, '-')) {
			while (at(sc, i + 1, '-'))
				i++;
			if (at(sc, i + 1, '>'))
				st = DATA, i++;
		}
	}
	sc->pos = sc->len;
}

/* ---- element classes (a subset of what the tree builder does) ---- */

static bool is_void(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BASEFONT:
	case GUMBO_TAG_BGSOUND: case GUMBO_TAG_BR: case GUMBO_TAG_COL:
	case GUMBO_TAG_EMBED: case GUMBO_TAG_FRAME: case GUMBO_TAG_HR:
	case GUMBO_TAG_IMAGE: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT:
	case GUMBO_TAG_KEYGEN: case GUMBO_TAG_LINK: case GUMBO_TAG_META:
	case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE: case GUMBO_TAG_TRACK:
	case GUMBO_TAG_WBR:
		return true;
	default:
		return false;
	}
}

static enum raw_kind raw_kind(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_STYLE: case GUMBO_TAG_XMP: case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_TITLE:
	case GUMBO_TAG_TEXTAREA:
		return RAW_TEXT;
	case GUMBO_TAG_SCRIPT:
		return RAW_SCRIPT;
	case GUMBO_TAG_PLAINTEXT:
		return RAW_PLAINTEXT;
	default:
		return RAW_NONE;
	}
}

static bool is_renamed(GumboTag t)
{
	return t == GUMBO_TAG_SVG || t == GUMBO_TAG_MATH || t == GUMBO_TAG_SELECT ||
	       t == GUMBO_TAG_TEMPLATE || t == GUMBO_TAG_NOSCRIPT;
}

/* Elements whose end tag is implied when an ancestor's end tag arrives; none
 * of them bounds a scope, so that end tag closes them for certain. */
static bool is_closable(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_P: case GUMBO_TAG_LI: case GUMBO_TAG_DT: case GUMBO_TAG_DD:
	case GUMBO_TAG_OPTION: case GUMBO_TAG_TR: case GUMBO_TAG_TBODY:
	case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
		return true;
	default:
		return false;
	}
}

/* End tags the tree builder handles by "generate implied end tags, pop
 * until the element" (as opposed to the adoption agency for formatting
 * elements, or "any other end tag", which stops at special elements). */
static bool ends_block(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BUTTON: case GUMBO_TAG_CENTER:
	case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIR: case GUMBO_TAG_DIV:
	case GUMBO_TAG_DL: case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION:
	case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_HEADER:
	case GUMBO_TAG_HGROUP: case GUMBO_TAG_LISTING: case GUMBO_TAG_MAIN:
	case GUMBO_TAG_MENU: case GUMBO_TAG_NAV: case GUMBO_TAG_OL: case GUMBO_TAG_PRE:
	case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_UL:
	case GUMBO_TAG_LI: case GUMBO_TAG_DD: case GUMBO_TAG_DT: case GUMBO_TAG_P:
	case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
	case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_TABLE:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TR: case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_APPLET: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_OBJECT:
		return true;
	default:
		return false;
	}
}

/* Start tags that close an open <p> (when it is the current node). */
static bool closes_p(GumboTag t)
{
	return ends_block(t) && t != GUMBO_TAG_BUTTON && t != GUMBO_TAG_APPLET &&
	       t != GUMBO_TAG_MARQUEE && t != GUMBO_TAG_OBJECT && t != GUMBO_TAG_TD &&
	       t != GUMBO_TAG_TH && t != GUMBO_TAG_TR && t != GUMBO_TAG_TBODY &&
	       t != GUMBO_TAG_THEAD && t != GUMBO_TAG_TFOOT && t != GUMBO_TAG_CAPTION;
}

/* Pairs where a start tag closes the current node of the same kind. */
static bool replaces(GumboTag top, GumboTag t)
{
	if (top == t)
		return t == GUMBO_TAG_P || t == GUMBO_TAG_LI || t == GUMBO_TAG_OPTION ||
		       t == GUMBO_TAG_TR || t == GUMBO_TAG_DD || t == GUMBO_TAG_DT ||
		       t == GUMBO_TAG_TD || t == GUMBO_TAG_TH;
	return ((top == GUMBO_TAG_DD || top == GUMBO_TAG_DT) &&
		(t == GUMBO_TAG_DD || t == GUMBO_TAG_DT)) ||
	       ((top == GUMBO_TAG_TD || top == GUMBO_TAG_TH) &&
		(t == GUMBO_TAG_TD || t == GUMBO_TAG_TH));
}

/* ---- the simulated stack ---- */

static bool same_element(const struct open_el *e, GumboTag t, const char *name, size_t len)
{
	if (e->tag != t)
		return false;
	return t != GUMBO_TAG_UNKNOWN || (e->len == len && strncasecmp(e->name, name, len) == 0);
}

static GumboTag top_tag(const struct scan *sc)
{
	return sc->depth ? sc->stack[sc->depth - 1].tag : GUMBO_TAG_LAST;
}

static int push(struct scan *sc, GumboTag t, const char *name, size_t len);

static bool table_part(GumboTag t)
{
	return t == GUMBO_TAG_TABLE || t == GUMBO_TAG_TBODY || t == GUMBO_TAG_THEAD ||
	       t == GUMBO_TAG_TFOOT || t == GUMBO_TAG_TR || t == GUMBO_TAG_TD ||
	       t == GUMBO_TAG_TH || t == GUMBO_TAG_CAPTION || t == GUMBO_TAG_COLGROUP;
}

/* The nearest table part on the stack: what is above it came in by foster
 * parenting ("<table><i>"), which keeps the table's insertion mode. */
static GumboTag table_context(const struct scan *sc)
{
	for (size_t i = sc->depth; i > 0; i--)
		if (table_part(sc->stack[i - 1].tag))
			return sc->stack[i - 1].tag;
	return GUMBO_TAG_LAST;
}

/* Rows and cells put straight into a table get an implied tbody and tr,
 * also when foster-parented elements are open above the table.  The tree
 * builder first pops those ("clear the stack back to a table context");
 * the simulation keeps them, since a pop it got wrong would turn the
 * bound into an underestimate (its table may be one the parser closed).
 * "<table><i>x<td>" nested is counted five a level, against gumbo's four;
 * it was three, without the implied pair. */
static int push_implied(struct scan *sc, GumboTag t)
{
	bool cell = t == GUMBO_TAG_TD || t == GUMBO_TAG_TH;
	if (!cell && t != GUMBO_TAG_TR)
		return 0;
	int rc = 0;
	if (table_context(sc) == GUMBO_TAG_TABLE)
		rc = push(sc, GUMBO_TAG_TBODY, NULL, 0);
	GumboTag ctx = table_context(sc);
	if (rc == 0 && cell &&
	    (ctx == GUMBO_TAG_TBODY || ctx == GUMBO_TAG_THEAD || ctx == GUMBO_TAG_TFOOT))
		rc = push(sc, GUMBO_TAG_TR, NULL, 0);
	return rc;
}

static int push(struct scan *sc, GumboTag t, const char *name, size_t len)
{
	if (replaces(top_tag(sc), t))
		return 0;
	if (top_tag(sc) == GUMBO_TAG_P && closes_p(t))
		sc->depth--;
	int rc = push_implied(sc, t);
	if (rc != 0)
		return rc;
	if (sc->depth >= WVL_SANITIZE__MAX_DEPTH)
		return wvl_err__set(WVL_ETOOLARGE, "too_deep",
				    "markup nests deeper than %u elements",
				    WVL_SANITIZE__MAX_DEPTH);
	sc->stack[sc->depth++] = (struct open_el){t, name, len};
	if (sc->depth > sc->max_depth)
		sc->max_depth = sc->depth;
	return 0;
}

static void pop(struct scan *sc, GumboTag t, const char *name, size_t len)
{
	size_t i = sc->depth;
	if (ends_block(t))
		while (i > 0 && is_closable(sc->stack[i - 1].tag) &&
		       !same_element(&sc->stack[i - 1], t, name, len))
			i--;
	if (i > 0 && same_element(&sc->stack[i - 1], t, name, len))
		sc->depth = i - 1;
}

/* Copies the input up to `from`, then the marker instead of [from, to). */
static void rename_tag(struct scan *sc, size_t from, size_t to)
{
	wvl_buf__put(sc->out, sc->s + sc->copied, from - sc->copied);
	wvl_buf__puts(sc->out, WVL_SANITIZE__DROP_TAG);
	sc->copied = to;
}

/* A start or end tag whose name starts at sc->pos. */
static int on_tag(struct scan *sc, bool end)
{
	size_t start = sc->pos;
	while (sc->pos < sc->len && !is_ws(sc->s[sc->pos]) && sc->s[sc->pos] != '/' &&
	       sc->s[sc->pos] != '>')
		sc->pos++;
	const char *name = sc->s + start;
	size_t len = sc->pos - start;
	GumboTag t = gumbo_tagn_enum(name, (unsigned int)len);
	if (!skip_attributes(sc))
		return 0; /* the tokenizer drops a tag cut off by the end of input */
	if (is_renamed(t)) {
		rename_tag(sc, start, start + len);
		t = GUMBO_TAG_UNKNOWN;
		name = WVL_SANITIZE__DROP_TAG;
		len = strlen(name);
	}
	if (end) {
		pop(sc, t, name, len);
		return 0;
	}
	enum raw_kind raw = raw_kind(t);
	if (raw == RAW_TEXT)
		skip_raw_text(sc, gumbo_normalized_tagname(t));
	else if (raw == RAW_SCRIPT)
		skip_script(sc);
	else if (raw == RAW_PLAINTEXT)
		sc->pos = sc->len;
	if (raw != RAW_NONE || is_void(t))
		return 0;
	return push(sc, t, name, len);
}

/* After a '<' in the data state. */
static int on_markup(struct scan *sc)
{
	char c = sc->s[sc->pos];
	if (c == '!' && at(sc, sc->pos + 1, '-') && at(sc, sc->pos + 2, '-')) {
		sc->pos += 3;
		skip_comment(sc);
	} else if (c == '!' || c == '?') {
		skip_to_gt(sc);
	} else if (c == '/') {
		sc->pos++;
		if (sc->pos < sc->len && is_alpha(sc->s[sc->pos]))
			return on_tag(sc, true);
		if (sc->pos < sc->len)
			skip_to_gt(sc); /* "</>" is ignored, "</ ..." a bogus comment */
	} else if (is_alpha(c)) {
		return on_tag(sc, false);
	}
	return 0;
}

int wvl_sanitize__prescan(struct wvl_buf *out, size_t *depth, const char *in, size_t len)
{
	struct scan sc = {.s = in, .len = len, .out = out};
	sc.stack = malloc(WVL_SANITIZE__MAX_DEPTH * sizeof(*sc.stack));
	if (!sc.stack)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = 0;
	while (rc == 0 && sc.pos < len) {
		const char *lt = memchr(in + sc.pos, '<', len - sc.pos);
		if (!lt || (size_t)(lt - in) + 1 >= len)
			break;
		sc.pos = (size_t)(lt - in) + 1;
		rc = on_markup(&sc);
	}
	free(sc.stack);
	if (depth)
		*depth = sc.max_depth;
	if (rc != 0)
		return rc;
	wvl_buf__put(out, in + sc.copied, len - sc.copied);
	if (!out->ok)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return 0;
}
