/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the query string: wvl_query_parse (the decoder) and
 * wvl_list__parse (the list contract every list checks its query with).
 *
 * Input: a query string without its '?'.  For every input: no crash or
 * sanitizer report, and
 *  - the decoder agrees with a reference written here: pairs split on '&'
 *    (empty ones skipped) and '=', "%XX" and '+' decoded, refused for a bad
 *    or NUL escape, a name that is empty or over 64 bytes, a value over
 *    4,096, text that is not UTF-8 or holds control characters, a repeated
 *    name, or more than 32 pairs; when it accepts, the same pairs in the
 *    same order;
 *  - what it accepts round-trips: the pairs percent-encoded again parse to
 *    the same pairs;
 *  - the list contract, for two specs (one with filters, sorts and fields,
 *    one with none), accepts exactly the queries the reference finds valid
 *    (known names only, limit 1-100, a sort of the spec, fields of the
 *    spec, filter values of their type) and refuses the others with
 *    400 bad_request; what it accepts reads back as given; and a cursor is
 *    never taken, since none here was signed (fuzz_cursor.c signs some).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/list.h"
#include "fuzz.h"

#define MAX_PAIRS WVL_QUERY_MAX_PAIRS

struct pairs {
	size_t n;
	char *key[MAX_PAIRS], *value[MAX_PAIRS];
};

static void pairs_free(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->key[i]);
		free(p->value[i]);
	}
	p->n = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes s[0..n) into a new string, or NULL for a bad or NUL escape. */
static char *ref_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi | lo) == 0) {
				free(out);
				return NULL;
			}
			out[w++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[w++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	out[w] = '\0';
	return out;
}

static bool ref_text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return fuzz_utf8_ok(s, strlen(s));
}

/* The reference decoder: true and the pairs, or false. */
static bool ref_parse(struct pairs *out, const char *s)
{
	out->n = 0;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "&");
		if (n) {
			const char *eq = memchr(p, '=', n);
			size_t klen = eq ? (size_t)(eq - p) : n;
			char *k = ref_decode(p, klen);
			char *v = ref_decode(eq ? eq + 1 : "", eq ? n - klen - 1 : 0);
			bool ok = k && v && *k && strlen(k) <= WVL_QUERY_MAX_KEY &&
				  strlen(v) <= WVL_QUERY_MAX_VALUE && ref_text_ok(k) && ref_text_ok(v) &&
				  out->n < MAX_PAIRS;
			for (size_t i = 0; ok && i < out->n; i++)
				ok = strcmp(out->key[i], k) != 0;
			if (!ok) {
				free(k);
				free(v);
				pairs_free(out);
				return false;
			}
			out->key[out->n] = k;
			out->value[out->n++] = v;
		}
		p += n + (p[n] == '&');
	}
	return true;
}

static void check_same(const wvl_query *q, const struct pairs *want, const char *what)
{
	FUZZ_CHECK(wvl_query_count(q) == want->n, "query: %s: %zu pairs, want %zu", what,
		   wvl_query_count(q), want->n);
	for (size_t i = 0; i < want->n; i++)
		FUZZ_CHECK(!strcmp(wvl_query_key(q, i), want->key[i]) &&
				   !strcmp(wvl_query_value(q, i), want->value[i]),
			   "query: %s: pair %zu is %s=%s, want %s=%s", what, i, wvl_query_key(q, i),
			   wvl_query_value(q, i), want->key[i], want->value[i]);
}

static void encode(char **w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p)) {
			*(*w)++ = (char)*p;
		} else {
			*(*w)++ = '%';
			*(*w)++ = hex[*p >> 4];
			*(*w)++ = hex[*p & 15];
		}
	}
}

static void check_round_trip(const wvl_query *q)
{
	size_t cap = 1;
	for (size_t i = 0; i < wvl_query_count(q); i++)
		cap += 3 * (strlen(wvl_query_key(q, i)) + strlen(wvl_query_value(q, i))) + 2;
	char *s = malloc(cap), *w = s;
	for (size_t i = 0; i < wvl_query_count(q); i++) {
		if (i)
			*w++ = '&';
		encode(&w, wvl_query_key(q, i));
		*w++ = '=';
		encode(&w, wvl_query_value(q, i));
	}
	*w = '\0';
	wvl_query *again = NULL;
	FUZZ_CHECK(wvl_query_parse(&again, s) == 0, "query: re-encoded \"%s\" refused: %s", s,
		   wvl_error_last()->message);
	struct pairs want = {0};
	for (size_t i = 0; i < wvl_query_count(q); i++) {
		want.key[i] = (char *)wvl_query_key(q, i);
		want.value[i] = (char *)wvl_query_value(q, i);
	}
	want.n = wvl_query_count(q);
	check_same(again, &want, "round trip");
	wvl_query_free(again);
	free(s);
}

/* ---- the list contract ---- */

static const char *const statuses[] = {"lead", "active", "archived", NULL};
static const struct wvl_list_filter filters[] = {
	{"status", WVL_PARAM_ENUM, statuses, 0},
	{"q", WVL_PARAM_TEXT, NULL, 20},
	{"client_id", WVL_PARAM_UUID, NULL, 0},
	{"paused", WVL_PARAM_BOOL, NULL, 0},
};
static const struct wvl_list_sort sorts[] = {
	{"created_at", "t.created_at", "::timestamptz", true},
	{"name", "t.name", "::text", false},
	{"size", "t.size", "::bigint", false},
};
static const struct wvl_list_field fields[] = {{"id", "t.id"}, {"name", "t.name"}, {"size", "t.size"}};
static const struct wvl_list_spec full = {"things", filters, 4, sorts, 3, fields, 3};
static const struct wvl_list_spec bare = {"plain", NULL, 0, NULL, 0, NULL, 0};

static bool ref_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static bool ref_value_ok(const struct wvl_list_filter *f, const char *v)
{
	switch (f->type) {
	case WVL_PARAM_TEXT:
		return chars(v) <= f->max_len;
	case WVL_PARAM_UUID:
		return ref_uuid(v);
	case WVL_PARAM_BOOL:
		return !strcmp(v, "true") || !strcmp(v, "false");
	case WVL_PARAM_ENUM:
		for (size_t i = 0; f->values[i]; i++)
			if (!strcmp(f->values[i], v))
				return true;
		return false;
	}
	return false;
}

static const struct wvl_list_sort *ref_sort(const struct wvl_list_spec *s, const char *name)
{
	for (size_t i = 0; i < s->nsorts; i++)
		if (!strcmp(s->sorts[i].name, name))
			return &s->sorts[i];
	return NULL;
}

static bool ref_field_list_ok(const struct wvl_list_spec *s, const char *v)
{
	if (!s->nfields || !*v)
		return false;
	char *copy = strdup(v), *save = NULL;
	bool ok = v[strlen(v) - 1] != ',' && !strstr(v, ",,") && v[0] != ',';
	for (char *t = strtok_r(copy, ",", &save); ok && t; t = strtok_r(NULL, ",", &save)) {
		ok = false;
		for (size_t i = 0; i < s->nfields && !ok; i++)
			ok = !strcmp(s->fields[i].name, t);
	}
	free(copy);
	return ok;
}

/* Whether the list contract should take this pair. */
static bool ref_pair_ok(const struct wvl_list_spec *s, const char *k, const char *v)
{
	if (!strcmp(k, "limit")) {
		size_t n = strlen(v);
		return n >= 1 && n <= 3 && strspn(v, "0123456789") == n && atoi(v) >= 1 && atoi(v) <= 100;
	}
	if (!strcmp(k, "sort"))
		return s->nsorts && ref_sort(s, v + (v[0] == '-'));
	if (!strcmp(k, "cursor"))
		return !*v; /* nothing here is signed: only an empty one passes */
	if (!strcmp(k, "fields"))
		return ref_field_list_ok(s, v);
	for (size_t i = 0; i < s->nfilters; i++)
		if (!strcmp(s->filters[i].key, k))
			return ref_value_ok(&s->filters[i], v);
	return false;
}

static void check_accepted(const struct wvl_list_query *lq, const struct wvl_list_spec *s,
			   const wvl_query *q)
{
	const char *limit = wvl_query_get(q, "limit"), *sort = wvl_query_get(q, "sort");
	FUZZ_CHECK(lq->limit == (limit ? atoi(limit) : 50), "list: limit %d for \"%s\"", lq->limit,
		   limit ? limit : "(none)");
	FUZZ_CHECK(!lq->has_cursor, "list(%s): an unsigned cursor was taken", s->name);
	FUZZ_CHECK(lq->fields == wvl_query_get(q, "fields"), "list: fields not as given");
	if (s->nsorts) {
		const struct wvl_list_sort *want = sort ? ref_sort(s, sort + (sort[0] == '-')) : &s->sorts[0];
		bool flip = sort && sort[0] == '-';
		FUZZ_CHECK(lq->sort == want && lq->desc == (want->desc != flip), "list: sort %s",
			   sort ? sort : "(default)");
	}
	for (size_t i = 0; i < s->nfilters; i++)
		FUZZ_CHECK(lq->values[i] == wvl_query_get(q, s->filters[i].key), "list: filter %s",
			   s->filters[i].key);
}

static void check_list(const struct wvl_list_spec *s, const wvl_query *q)
{
	bool want = true;
	for (size_t i = 0; want && i < wvl_query_count(q); i++)
		want = ref_pair_ok(s, wvl_query_key(q, i), wvl_query_value(q, i));
	struct wvl_list_query lq;
	int rc = wvl_list__parse(&lq, fuzz_ctx(), q, s);
	if (rc == 0) {
		FUZZ_CHECK(want, "list(%s): accepted a query the reference refuses", s->name);
		check_accepted(&lq, s, q);
	} else {
		FUZZ_CHECK(!want, "list(%s): refused a valid query: %s", s->name,
			   wvl_error_last()->message);
		FUZZ_CHECK(rc == WVL_EINVAL && !strcmp(wvl_error_last()->slug, "bad_request"),
			   "list(%s): refused with %d %s", s->name, rc, wvl_error_last()->slug);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_in in = {data, size};
	char *s = fuzz_rest(&in, NULL);
	struct pairs want;
	bool ok = ref_parse(&want, s);
	wvl_query *q = NULL;
	int rc = wvl_query_parse(&q, s);
	if (rc == 0) {
		FUZZ_CHECK(ok, "query: accepted \"%.200s\", which the reference refuses", s);
		check_same(q, &want, "decode");
		check_round_trip(q);
		check_list(&full, q);
		check_list(&bare, q);
	} else {
		FUZZ_CHECK(!ok, "query: refused \"%.200s\": %s", s, wvl_error_last()->message);
		FUZZ_CHECK(rc == WVL_EINVAL, "query: refused with %d", rc);
	}
	wvl_query_free(q);
	pairs_free(&want);
	free(s);
	return 0;
}
