/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The body of a create or an update: which fields, and what their values
 * may be beyond their JSON types. */

#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json.h"
#include "help.h"

#define MAX_TAGS 20

static const struct wvl_field fields[] = {
	{"title", WVL_F_STRING, false, 200},
	/* Characters; the byte limit is checked apart (the renderer's). */
	{"content", WVL_F_TEXT, false, WVL_HELP_MAX_CONTENT},
	{"excerpt", WVL_F_TEXT, false, 500},
	{"category", WVL_F_STRING, false, 60},
	{"tags", WVL_F_ARRAY, false, 0},
	{"published", WVL_F_BOOL, false, 0},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

bool wvl_help__slug_ok(const char *s)
{
	/* ^[a-z0-9]+(-[a-z0-9]+)*$, at most 200 */
	size_t n = 0;
	bool word = false;
	for (; s[n]; n++) {
		bool alnum = (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9');
		if (!alnum && (s[n] != '-' || !word))
			return false;
		word = alnum;
	}
	return n > 0 && n <= 200 && word;
}

int wvl_help__tags_check(json_t *tags)
{
	if (json_array_size(tags) > MAX_TAGS)
		return wvl_json__field_error("tags", "must hold at most 20 tags");
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));
		if (!t || strlen(t) > 40 || !wvl_help__slug_ok(t))
			return wvl_json__field_error("tags", "each tag must be lower-case letters and "
							     "digits joined by '-', at most 40");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(t, json_string_value(json_array_get(tags, j))))
				return wvl_json__field_error("tags", "must not repeat a tag");
	}
	return 0;
}

char *wvl_help__tags_literal(json_t *tags)
{
	/* Checked tags hold [a-z0-9-] only: quoting is all they need. */
	struct wvl_buf b = WVL_BUF_INIT;
	wvl_buf__putc(&b, '{');
	for (size_t i = 0; i < json_array_size(tags); i++) {
		wvl_buf__puts(&b, i ? ",\"" : "\"");
		wvl_buf__puts(&b, json_string_value(json_array_get(tags, i)));
		wvl_buf__putc(&b, '"');
	}
	wvl_buf__putc(&b, '}');
	return wvl_buf__take(&b);
}

static const char *str(json_t *b, const char *name)
{
	return json_string_value(json_object_get(b, name));
}

static int check(struct wvl_help_edit *e, enum wvl_help_edit_kind kind)
{
	if (kind == WVL_HELP_UPDATE && json_object_size(e->json) == 0)
		return wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	if (kind == WVL_HELP_CREATE && !e->title)
		return wvl_json__field_error("title", "is required");
	if (e->title && !e->title[strspn(e->title, " \t")])
		return wvl_json__field_error("title", "must not be blank");
	if (e->content && strlen(e->content) > WVL_HELP_MAX_CONTENT)
		return wvl_json__field_error("content", "is over 512 KiB");
	if (e->category && (strlen(e->category) > 60 || !wvl_help__slug_ok(e->category)))
		return wvl_json__field_error("category", "must be lower-case letters and digits "
							 "joined by '-'");
	return e->tags ? wvl_help__tags_check(e->tags) : 0;
}

/* The title without the blanks around it (they would make a slug and a
 * search hit of nothing). */
static void trim_title(json_t *b)
{
	const char *t = str(b, "title");
	if (!t)
		return;
	size_t start = strspn(t, " \t"), end = strlen(t);
	while (end > start && (t[end - 1] == ' ' || t[end - 1] == '\t'))
		end--;
	if (start || end < strlen(t))
		json_object_set_new(b, "title", json_stringn(t + start, end - start));
}

int wvl_help__edit_parse(struct wvl_help_edit *e, const char *body_json,
			 enum wvl_help_edit_kind kind)
{
	memset(e, 0, sizeof(*e));
	e->published = -1;
	e->json = wvl_json__parse_body(body_json, fields, NFIELDS);
	if (!e->json)
		return wvl_error_last()->code;
	trim_title(e->json);
	e->title = str(e->json, "title");
	e->content = str(e->json, "content");
	e->excerpt = str(e->json, "excerpt");
	e->category = str(e->json, "category");
	e->tags = json_object_get(e->json, "tags");
	json_t *p = json_object_get(e->json, "published");
	if (p)
		e->published = json_is_true(p);
	return check(e, kind);
}

void wvl_help__edit_free(struct wvl_help_edit *e)
{
	json_decref(e->json);
	e->json = NULL;
}
