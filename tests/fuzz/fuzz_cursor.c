/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the signed list cursor: decode_cursor behind wvl_list__parse, and
 * the encoder behind wvl_list__page_array that makes next_cursor.
 *
 * Input: a mode byte, then fields separated by '\n'.
 *  0  sort, cursor: a cursor as a stranger sends it.  It is never taken
 *     (nothing here signed it) and is refused with 400 bad_request.
 *  1  sort, key, id: the library signs a cursor for (key, id) as it ends
 *     a page, and only when the id is a uuid (the one cursor a campaign
 *     found taken wrongly: key "Acm " and id "|<uuid>" signed
 *     "Acm ||<uuid>", read back as "Acm |" and the uuid); given back with
 *     the same sort it is taken exactly when the key has its sort's shape
 *     (timestamp, integer, any text), and then reads back as the same key
 *     and id.
 *  2  sort, key, id, position, byte: the same cursor with one byte
 *     changed, or given with another sort or to another list: always
 *     refused.
 * For every input, no crash or sanitizer report.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/list.h"
#include "fuzz.h"

static const struct wvl_list_sort sorts[] = {
	{"created_at", "t.created_at", "::timestamptz", true},
	{"name", "t.name", "::text", false},
	{"size", "t.size", "::bigint", false},
};
static const struct wvl_list_spec things = {"things", NULL, 0, sorts, 3, NULL, 0};
static const struct wvl_list_spec others = {"others", NULL, 0, sorts, 3, NULL, 0};

/* Parses {sort?, cursor} against `spec`; rc, and lq filled. */
static int parse(struct wvl_list_query *lq, const struct wvl_list_spec *spec, const char *sort,
		 const char *cursor)
{
	wvl_query *q = NULL;
	if (wvl_query_new(&q) != 0)
		abort();
	/* wvl_query_add refuses what a query cannot hold (control
	 * characters, bad UTF-8): such a cursor never reaches the list. */
	int rc = (*sort && wvl_query_add(q, "sort", sort)) || wvl_query_add(q, "cursor", cursor);
	if (rc == 0)
		rc = wvl_list__parse(lq, fuzz_ctx(), q, spec);
	else
		rc = WVL_EINVAL;
	if (rc == 0) {
		/* lq points into q: keep what the checks read. */
		static char sort_copy[WVL_QUERY_MAX_VALUE + 1];
		snprintf(sort_copy, sizeof(sort_copy), "%s", lq->sort_param ? lq->sort_param : "");
		lq->sort_param = lq->sort_param ? sort_copy : NULL;
	}
	wvl_query_free(q);
	return rc;
}

static void expect_refused(int rc, const char *what)
{
	FUZZ_CHECK(rc != 0, "cursor: %s was taken", what);
	FUZZ_CHECK(rc == WVL_EINVAL && (!strcmp(wvl_error_last()->slug, "bad_request")),
		   "cursor: %s refused with %d %s", what, rc, wvl_error_last()->slug);
}

/* The cursor the library writes after a page whose last row is (key,
 * id), for `spec` in `sort`; NULL when it makes none (a key too long). */
static char *sign(const struct wvl_list_spec *spec, const char *sort, const char *key,
		  const char *id)
{
	struct wvl_list_query lq;
	if (parse(&lq, spec, sort, "") != 0)
		return NULL; /* not a sort of the list */
	char *json = NULL;
	if (wvl_list__page_array(&json, fuzz_ctx(), &lq, "[]", key, id) != 0)
		return NULL;
	json_t *doc = json_loads(json, 0, NULL);
	json_t *c = json_object_get(doc, "next_cursor");
	FUZZ_CHECK(json_is_string(c), "cursor: page without next_cursor: %s", json);
	char *out = strdup(json_string_value(c));
	json_decref(doc);
	free(json);
	return out;
}

static bool timestamp_shape(const char *k)
{
	/* "YYYY-MM-DD HH:MM:SS[.f*]+HH[:MM]" as PostgreSQL writes a timestamptz. */
	const char *shape = "dddd-dd-dd dd:dd:dd";
	size_t i = 0;
	for (; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)k[i]) : k[i] != shape[i])
			return false;
	if (k[i] == '.')
		while (isdigit((unsigned char)k[++i]))
			;
	if ((k[i] != '+' && k[i] != '-') || !isdigit((unsigned char)k[i + 1]) ||
	    !isdigit((unsigned char)k[i + 2]))
		return false;
	i += 3;
	if (k[i] == ':' && isdigit((unsigned char)k[i + 1]) && isdigit((unsigned char)k[i + 2]))
		i += 3;
	return k[i] == '\0';
}

static bool key_shape(const char *key, const struct wvl_list_sort *s)
{
	if (!strcmp(s->cast, "::text"))
		return true;
	if (!strcmp(s->cast, "::timestamptz"))
		return timestamp_shape(key);
	const char *d = key + (key[0] == '-');
	return *d && strlen(key) <= 20 && strspn(d, "0123456789") == strlen(d);
}

static bool uuid_shape(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void round_trip(const char *sort, const char *key, const char *id)
{
	char *c = sign(&things, sort, key, id);
	if (!c) {
		FUZZ_CHECK(strlen(key) >= 1024 || !uuid_shape(id) ||
				   parse(&(struct wvl_list_query){0}, &things, sort, "") != 0,
			   "cursor: no cursor made for a key of %zu bytes and id %.40s", strlen(key),
			   id);
		return;
	}
	/* sign() made it, so `sort` is one of the list's. */
	const struct wvl_list_sort *s = &sorts[0];
	for (size_t i = 0; *sort && i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (!strcmp(sorts[i].name, sort + (sort[0] == '-')))
			s = &sorts[i];
	struct wvl_list_query lq;
	int rc = parse(&lq, &things, sort, c);
	bool want = key_shape(key, s) && uuid_shape(id);
	if (!want) {
		expect_refused(rc, "a signed cursor of the wrong shape");
	} else {
		FUZZ_CHECK(rc == 0, "cursor: our own cursor for \"%.100s\" refused: %s", key,
			   wvl_error_last()->message);
		FUZZ_CHECK(lq.has_cursor && !strcmp(lq.cursor_key, key) && !strcmp(lq.cursor_id, id),
			   "cursor: \"%.100s\"|%s read back as \"%.100s\"|%s", key, id, lq.cursor_key,
			   lq.cursor_id);
	}
	free(c);
}

static void tampered(const char *sort, const char *key, const char *id, size_t pos, char byte)
{
	char *c = sign(&things, sort, key, id);
	if (!c)
		return;
	struct wvl_list_query lq;
	size_t n = strlen(c);
	if (byte && c[pos % n] != byte) {
		c[pos % n] = byte;
		expect_refused(parse(&lq, &things, sort, c), "a changed cursor");
		free(c);
		return;
	}
	/* The untouched cursor: not for another list, nor another order. */
	expect_refused(parse(&lq, &others, sort, c), "a cursor of another list");
	static const char *const other_sorts[] = {"", "name", "-name", "created_at", "-size"};
	for (size_t i = 0; i < sizeof(other_sorts) / sizeof(other_sorts[0]); i++)
		if (strcmp(other_sorts[i], sort) != 0)
			expect_refused(parse(&lq, &things, other_sorts[i], c), "a cursor of another sort");
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in) % 3;
	char *sort = fuzz_until(&in, '\n', NULL);
	if (mode == 0) {
		char *cursor = fuzz_rest(&in, NULL);
		struct wvl_list_query lq;
		if (*cursor)
			expect_refused(parse(&lq, &things, sort, cursor), "a stranger's cursor");
		free(cursor);
	} else {
		char *key = fuzz_until(&in, '\n', NULL);
		char *id = fuzz_until(&in, '\n', NULL);
		if (mode == 1) {
			round_trip(sort, key, id);
		} else {
			size_t pos = (size_t)fuzz_byte(&in) << 8 | fuzz_byte(&in);
			tampered(sort, key, id, pos, (char)fuzz_byte(&in));
		}
		free(key);
		free(id);
	}
	free(sort);
	return 0;
}
