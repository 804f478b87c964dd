/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wvl_query: the decoded pairs of a URL query string (query.h).  What a
 * list makes of them is list.c's business. */

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "wavelaunch/query.h"

struct wvl_query {
	size_t n;
	char *keys[WVL_QUERY_MAX_PAIRS];
	char *values[WVL_QUERY_MAX_PAIRS];
};

static int bad(const char *msg) { return wvl_err__set(WVL_EINVAL, "bad_request", "%s", msg); }

int wvl_query_new(wvl_query **out)
{
	if (!out)
		return wvl_err__set(WVL_EINVAL, NULL, "out is required");
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

void wvl_query_free(wvl_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++) {
		free(q->keys[i]);
		free(q->values[i]);
	}
	free(q);
}

/* Well-formed UTF-8 (no overlong forms, no surrogates) without control
 * characters: what a key or value may be. */
static bool text_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (len == 0 || c > 0xf4 || i + len > n)
			return false;
		unsigned cp = c & (0xff >> (len + 1));
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += len;
	}
	return true;
}

int wvl_query_add(wvl_query *q, const char *key, const char *value)
{
	if (!q || !key)
		return wvl_err__set(WVL_EINVAL, NULL, "query and key are required");
	if (!value)
		value = "";
	size_t klen = strlen(key), vlen = strlen(value);
	if (klen == 0 || klen > WVL_QUERY_MAX_KEY || !text_ok((const unsigned char *)key, klen))
		return bad("a query parameter's name is not valid");
	if (vlen > WVL_QUERY_MAX_VALUE || !text_ok((const unsigned char *)value, vlen))
		return wvl_err__set(WVL_EINVAL, "bad_request", "query parameter %s is not valid", key);
	if (wvl_query_get(q, key))
		return wvl_err__set(WVL_EINVAL, "bad_request", "repeated query parameter: %s", key);
	if (q->n == WVL_QUERY_MAX_PAIRS)
		return bad("too many query parameters");
	char *k = wvl_str__dup(key), *v = wvl_str__dup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	q->keys[q->n] = k;
	q->values[q->n] = v;
	q->n++;
	return 0;
}

const char *wvl_query_get(const wvl_query *q, const char *key)
{
	for (size_t i = 0; q && key && i < q->n; i++)
		if (strcmp(q->keys[i], key) == 0)
			return q->values[i];
	return NULL;
}

size_t wvl_query_count(const wvl_query *q) { return q ? q->n : 0; }
const char *wvl_query_key(const wvl_query *q, size_t i) { return q && i < q->n ? q->keys[i] : NULL; }
const char *wvl_query_value(const wvl_query *q, size_t i)
{
	return q && i < q->n ? q->values[i] : NULL;
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Decodes s[0..n) into out (room for n + 1); false on a bad escape or an
 * encoded NUL. */
static bool decode(char *out, const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[w++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
				return false;
			char c = (char)(hex(s[i + 1]) << 4 | hex(s[i + 2]));
			if (c == '\0')
				return false;
			out[w++] = c;
			i += 2;
		} else {
			out[w++] = s[i];
		}
	}
	out[w] = '\0';
	return true;
}

/* One "key=value" (or "key") of a query string into q. */
static int add_encoded(wvl_query *q, const char *pair, size_t n)
{
	/* Every byte of a name and a value at their limits may be escaped. */
	if (n > 3 * WVL_QUERY_MAX_KEY + 1 + 3 * WVL_QUERY_MAX_VALUE)
		return bad("a query parameter is too long");
	const char *eq = memchr(pair, '=', n);
	size_t klen = eq ? (size_t)(eq - pair) : n;
	char *key = malloc(klen + 1), *value = malloc(n - klen + 1);
	int rc = 0;
	if (!key || !value)
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	else if (!decode(key, pair, klen) || !decode(value, eq ? eq + 1 : "", eq ? n - klen - 1 : 0))
		rc = bad("the query string is not validly encoded");
	else
		rc = wvl_query_add(q, key, value);
	free(key);
	free(value);
	return rc;
}

int wvl_query_parse(wvl_query **out, const char *s)
{
	if (!out)
		return wvl_err__set(WVL_EINVAL, NULL, "out is required");
	*out = NULL;
	wvl_query *q;
	int rc = wvl_query_new(&q);
	for (const char *p = s; rc == 0 && p && *p;) {
		size_t n = strcspn(p, "&");
		if (n)
			rc = add_encoded(q, p, n);
		p += n + (p[n] == '&');
	}
	if (rc) {
		wvl_query_free(q);
		return rc;
	}
	*out = q;
	return 0;
}
