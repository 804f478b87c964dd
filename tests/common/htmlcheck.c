/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Re-parses sanitised HTML the way a browser would see it (as a fragment in
 * a <div>, and as a whole document) and looks for anything executable.
 * Deliberately written differently from the sanitiser: it looks for what is
 * forbidden rather than for what is allowed, and finds URL schemes the way
 * a URL parser does, so one's mistake is not the other's.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "htmlcheck.h"

static char reason[256];

static const char *const forbidden_tags[] = {
	"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
	"param", "form", "input", "button", "textarea", "select", "option", "svg", "math",
	"template", "noscript", "base", "meta", "link", "title", "xmp", "noembed",
	"noframes", "plaintext", "isindex", "keygen", "audio", "video", "source", "track",
	"bgsound", "marquee", "layer", "ilayer", "xml", "listing", NULL};

/* Attributes a browser resolves as URLs somewhere. */
static const char *const url_attrs[] = {
	"href", "src", "action", "formaction", "xlink:href", "data", "srcset",
	"background", "poster", "lowsrc", "dynsrc", "codebase", "cite", "longdesc",
	"usemap", "profile", "manifest", "ping", "icon", "to", "values", "from", "by", NULL};

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(name, *list))
			return true;
	return false;
}

/* The scheme a URL parser would see, lower-cased, or "" for a relative URL. */
static void url_scheme(const char *url, char *out, size_t outlen)
{
	char clean[64];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)url; *p && n + 1 < sizeof(clean); p++)
		if (*p > 0x20 && *p != 0x7f)
			clean[n++] = (char)tolower(*p);
	clean[n] = '\0';
	size_t span = strcspn(clean, ":/?#");
	if (clean[span] != ':') {
		out[0] = '\0';
		return;
	}
	snprintf(out, outlen, "%.*s", (int)span, clean);
}

static const char *check_attr(const char *tag, const GumboAttribute *a)
{
	if (!strncasecmp(a->name, "on", 2) || !strcasecmp(a->name, "style") ||
	    !strcasecmp(a->name, "srcdoc") || !strcasecmp(a->name, "formaction")) {
		snprintf(reason, sizeof(reason), "<%s %s=...>", tag, a->name);
		return reason;
	}
	if (!in_list(a->name, url_attrs))
		return NULL;
	char scheme[64];
	url_scheme(a->value, scheme, sizeof(scheme));
	if (!scheme[0] || !strcmp(scheme, "http") || !strcmp(scheme, "https") ||
	    !strcmp(scheme, "mailto"))
		return NULL;
	snprintf(reason, sizeof(reason), "<%s %s=\"%.80s\"> has scheme %s", tag, a->name,
		 a->value, scheme);
	return reason;
}

static const char *check_node(const GumboNode *n, int depth)
{
	if (depth > 4000)
		return "tree too deep to check";
	if (n->type == GUMBO_NODE_TEMPLATE)
		return "template element";
	if (n->type != GUMBO_NODE_ELEMENT)
		return NULL;
	const GumboElement *el = &n->v.element;
	const char *tag = gumbo_normalized_tagname(el->tag);
	if (el->tag_namespace != GUMBO_NAMESPACE_HTML) {
		snprintf(reason, sizeof(reason), "foreign element <%s>", tag);
		return reason;
	}
	if (in_list(tag, forbidden_tags)) {
		snprintf(reason, sizeof(reason), "forbidden element <%s>", tag);
		return reason;
	}
	for (unsigned int i = 0; i < el->attributes.length; i++) {
		const char *why = check_attr(tag, el->attributes.data[i]);
		if (why)
			return why;
	}
	for (unsigned int i = 0; i < el->children.length; i++) {
		const char *why = check_node(el->children.data[i], depth + 1);
		if (why)
			return why;
	}
	return NULL;
}

static const char *check_parse(const char *html, GumboTag context)
{
	GumboOptions opts = kGumboDefaultOptions;
	opts.fragment_context = context;
	GumboOutput *out = gumbo_parse_with_options(&opts, html, strlen(html));
	const char *why = check_node(out->root, 0);
	gumbo_destroy_output(&opts, out);
	return why;
}

/* Every '<' in the output must open or close a tag a sanitiser may keep:
 * the token stream itself, independent of any tree. */
static const char *check_tokens(const char *html)
{
	static const char *const ok[] = {
		"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong",
		"b", "em", "i", "u", "s", "del", "blockquote", "code", "pre", "hr", "a", "img",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "span", "div",
		"sub", "sup", NULL};
	for (const char *p = html; *p; p++) {
		if (*p != '<')
			continue;
		const char *name = p + 1 + (p[1] == '/');
		size_t n = 0;
		while (n < 16 && ((name[n] >= 'a' && name[n] <= 'z') ||
				  (name[n] >= '0' && name[n] <= '9')))
			n++;
		char buf[17];
		snprintf(buf, sizeof(buf), "%.*s", (int)n, name);
		if (n == 0 || !in_list(buf, ok) || (name[n] != '>' && name[n] != ' ')) {
			snprintf(reason, sizeof(reason), "unexpected markup: %.40s", p);
			return reason;
		}
	}
	return NULL;
}

const char *htmlcheck_unsafe(const char *html)
{
	const char *why = check_tokens(html);
	if (!why)
		why = check_parse(html, GUMBO_TAG_DIV);
	if (!why)
		why = check_parse(html, GUMBO_TAG_LAST);
	return why;
}
