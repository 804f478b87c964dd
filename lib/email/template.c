/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A small logic-less template engine, a subset of mustache: {{name}}
 * (HTML-escaped in HTML mode), {{{name}}} and {{& name}} (as they are),
 * {{#section}}…{{/section}} (skipped for false, null, "", 0 items or a
 * missing name; repeated for each item of an array; entered for an
 * object), {{^inverted}}…{{/inverted}}, {{> partial}}, {{! comment}},
 * dotted names, and mustache's standalone-line rule (a line holding only a
 * section, comment or partial tag leaves no blank line behind).  No
 * delimiter changes and no lambdas.
 *
 * Hand-written because no Debian package ships a C mustache library; the
 * email module needs only this much, over jansson values it already has. */

#include <stdio.h>
#include <string.h>

#include "email.h"

#define STACK_MAX 16
#define PARTIAL_DEPTH_MAX 4

struct tctx {
	const struct wvl_tmpl_env *env;
	struct wvl_buf *out;
	json_t *stack[STACK_MAX];
	int depth;
	int sections; /* sections being rendered, pushed or not */
	int partials;
	char err[160];
};

/* A tag found at `at`: its kind ('\0' for a variable), name and extent,
 * and the whole line when the tag stands alone on it. */
struct tag {
	char kind;
	const char *name;
	size_t name_len;
	size_t start, end;        /* the tag itself: "{{" .. "}}" */
	bool standalone;
	size_t line_start, line_end; /* when standalone: the line, its newline included */
};

static int fail(struct tctx *t, const char *msg)
{
	if (!t->err[0])
		snprintf(t->err, sizeof(t->err), "%s", msg);
	return -1;
}

static bool blank(char c) { return c == ' ' || c == '\t'; }

/* Parses the tag opening at s[at] ("{{").  -1 when it never closes. */
static int parse_tag(struct tag *tg, const char *s, size_t n, size_t at)
{
	size_t p = at + 2;
	bool triple = p < n && s[p] == '{';
	memset(tg, 0, sizeof(*tg));
	tg->start = at;
	if (triple)
		p++;
	if (p < n && strchr("#^/>!&", s[p]))
		tg->kind = s[p++];
	else if (triple)
		tg->kind = '&';
	const char *close = triple ? "}}}" : "}}";
	const char *e = NULL;
	for (size_t i = p; i + strlen(close) <= n; i++)
		if (!strncmp(s + i, close, strlen(close))) {
			e = s + i;
			break;
		}
	if (!e)
		return -1;
	tg->end = (size_t)(e - s) + strlen(close);
	while (p < (size_t)(e - s) && blank(s[p]))
		p++;
	size_t q = (size_t)(e - s);
	while (q > p && blank(s[q - 1]))
		q--;
	tg->name = s + p;
	tg->name_len = q - p;
	if (tg->kind && tg->kind != '&') {
		size_t ls = at, le = tg->end;
		while (ls > 0 && blank(s[ls - 1]))
			ls--;
		while (le < n && blank(s[le]))
			le++;
		bool starts = ls == 0 || s[ls - 1] == '\n';
		bool ends = le == n || s[le] == '\n' || (s[le] == '\r' && le + 1 < n && s[le + 1] == '\n');
		if (starts && ends) {
			tg->standalone = true;
			tg->line_start = ls;
			tg->line_end = le == n ? n : le + (s[le] == '\r' ? 2 : 1);
		}
	}
	return 0;
}

/* Where the tag's effect begins and ends in the text around it. */
static size_t before(const struct tag *tg) { return tg->standalone ? tg->line_start : tg->start; }
static size_t after(const struct tag *tg) { return tg->standalone ? tg->line_end : tg->end; }

static bool name_is(const struct tag *tg, const char *name, size_t len)
{
	return tg->name_len == len && !strncmp(tg->name, name, len);
}

/* The value a (dotted) name denotes: the first context from the top of
 * the stack that has its first part, then down its members. */
static json_t *lookup(struct tctx *t, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return t->depth ? t->stack[t->depth - 1] : NULL;
	size_t first = 0;
	while (first < len && name[first] != '.')
		first++;
	char key[128];
	if (first >= sizeof(key))
		return NULL;
	memcpy(key, name, first);
	key[first] = '\0';
	json_t *v = NULL;
	for (int i = t->depth - 1; i >= 0 && !v; i--)
		if (json_is_object(t->stack[i]))
			v = json_object_get(t->stack[i], key);
	for (size_t p = first; v && p < len;) {
		size_t q = ++p;
		while (q < len && name[q] != '.')
			q++;
		if (q - p >= sizeof(key))
			return NULL;
		memcpy(key, name + p, q - p);
		key[q - p] = '\0';
		v = json_object_get(v, key);
		p = q;
	}
	return v;
}

void wvl_tmpl__escape_html(struct wvl_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': wvl_buf__puts(b, "&amp;"); break;
		case '<': wvl_buf__puts(b, "&lt;"); break;
		case '>': wvl_buf__puts(b, "&gt;"); break;
		case '"': wvl_buf__puts(b, "&quot;"); break;
		case '\'': wvl_buf__puts(b, "&#39;"); break;
		default: wvl_buf__putc(b, s[i]);
		}
	}
}

static void put_value(struct tctx *t, json_t *v, bool escape)
{
	char num[40];
	const char *s = NULL;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v))
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)), s = num;
	else if (json_is_real(v))
		snprintf(num, sizeof(num), "%.15g", json_real_value(v)), s = num;
	else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	if (!s)
		return;
	if (escape && t->env->html)
		wvl_tmpl__escape_html(t->out, s, strlen(s));
	else
		wvl_buf__puts(t->out, s);
}

static bool truthy(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

static int render(struct tctx *t, const char *s, size_t n);

/* The tag closing the section opened by `open`: nested sections of the
 * same name are counted.  -1 when it is missing. */
static int find_close(struct tag *close, const char *s, size_t n, const struct tag *open)
{
	int nest = 0;
	for (size_t p = open->end; p + 1 < n; p++) {
		if (s[p] != '{' || s[p + 1] != '{')
			continue;
		struct tag tg;
		if (parse_tag(&tg, s, n, p))
			return -1;
		if ((tg.kind == '#' || tg.kind == '^') && name_is(&tg, open->name, open->name_len))
			nest++;
		else if (tg.kind == '/' && name_is(&tg, open->name, open->name_len) && nest-- == 0) {
			*close = tg;
			return 0;
		}
		p = tg.end - 1;
	}
	return -1;
}

static int push(struct tctx *t, json_t *v)
{
	if (t->depth == STACK_MAX)
		return fail(t, "sections nest too deep");
	t->stack[t->depth++] = v;
	return 0;
}

static int section_in(struct tctx *t, const struct tag *open, const char *body, size_t len);

/* Nesting is bounded whatever the values are (a section over a number
 * pushes nothing but still recurses). */
static int section(struct tctx *t, const struct tag *open, const char *body, size_t len)
{
	if (t->sections == STACK_MAX)
		return fail(t, "sections nest too deep");
	t->sections++;
	int rc = section_in(t, open, body, len);
	t->sections--;
	return rc;
}

static int section_in(struct tctx *t, const struct tag *open, const char *body, size_t len)
{
	json_t *v = lookup(t, open->name, open->name_len);
	if (open->kind == '^')
		return truthy(v) ? 0 : render(t, body, len);
	if (!truthy(v))
		return 0;
	if (!json_is_array(v)) {
		int rc = json_is_object(v) ? push(t, v) : 0;
		if (!rc)
			rc = render(t, body, len);
		if (json_is_object(v))
			t->depth--;
		return rc;
	}
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		int rc = push(t, item);
		if (!rc)
			rc = render(t, body, len);
		t->depth--;
		if (rc)
			return rc;
	}
	return 0;
}

static int partial(struct tctx *t, const struct tag *tg)
{
	char name[64];
	if (tg->name_len >= sizeof(name))
		return fail(t, "partial name too long");
	memcpy(name, tg->name, tg->name_len);
	name[tg->name_len] = '\0';
	const char *text = t->env->partial ? t->env->partial(t->env->payload, name) : NULL;
	if (!text)
		return fail(t, "unknown partial");
	if (t->partials == PARTIAL_DEPTH_MAX)
		return fail(t, "partials nest too deep");
	t->partials++;
	int rc = render(t, text, strlen(text));
	t->partials--;
	return rc;
}

static int render(struct tctx *t, const char *s, size_t n)
{
	size_t pos = 0;
	while (pos < n) {
		const char *o = memmem(s + pos, n - pos, "{{", 2);
		if (!o) {
			wvl_buf__put(t->out, s + pos, n - pos);
			break;
		}
		struct tag tg;
		if (parse_tag(&tg, s, n, (size_t)(o - s)))
			return fail(t, "a tag is not closed");
		wvl_buf__put(t->out, s + pos, before(&tg) - pos);
		int rc = 0;
		switch (tg.kind) {
		case '!':
			break;
		case '/':
			return fail(t, "a section is closed that was not opened");
		case '>':
			rc = partial(t, &tg);
			break;
		case '#':
		case '^': {
			struct tag close;
			if (find_close(&close, s, n, &tg))
				return fail(t, "a section is not closed");
			rc = section(t, &tg, s + after(&tg), before(&close) - after(&tg));
			pos = after(&close);
			if (rc)
				return rc;
			continue;
		}
		default:
			put_value(t, lookup(t, tg.name, tg.name_len), tg.kind != '&');
		}
		if (rc)
			return rc;
		pos = after(&tg);
	}
	return 0;
}

int wvl_tmpl__render(struct wvl_buf *out, const char *tmpl, json_t *data,
		     const struct wvl_tmpl_env *env)
{
	struct tctx t = {.env = env, .out = out};
	if (data)
		t.stack[t.depth++] = data;
	if (render(&t, tmpl, strlen(tmpl)) != 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "template: %s", t.err);
	return out->ok ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}
