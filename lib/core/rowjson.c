/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rowjson.h"

/* Type OIDs from pg_type.h (server headers are not a dependency). */
enum {
	OID_BOOL = 16,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_OID = 26,
	OID_JSON = 114,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_TIMESTAMP = 1114,
	OID_TIMESTAMPTZ = 1184,
	OID_NUMERIC = 1700,
	OID_JSONB = 3802,
};

/* Whether any of the 8 bytes in w is below 0x20, '"' or '\\' (the classic
 * "has a zero byte" test: exact as a yes/no answer). */
static inline bool word_needs_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
	uint64_t below = (w - ones * 0x20) & ~w & highs;
	uint64_t q = (quote - ones) & ~quote & highs;
	uint64_t k = (bslash - ones) & ~bslash & highs;
	return (below | q | k) != 0;
}

void wvl_rowjson__string(struct wvl_buf *b, const char *s, size_t n)
{
	/* Worst case: every byte becomes \u00XX. */
	if (!wvl_buf__reserve(b, 6 * n + 2))
		return;
	static const char hex[] = "0123456789abcdef";
	char *w = b->data + b->len;
	*w++ = '"';
	size_t i = 0;
	while (i < n) {
		/* Eight bytes at a time while none needs an escape. */
		while (i + 8 <= n) {
			uint64_t word;
			memcpy(&word, s + i, 8);
			if (word_needs_escape(word))
				break;
			memcpy(w, &word, 8);
			w += 8;
			i += 8;
		}
		size_t stop = i + 8 < n ? i + 8 : n;
		for (; i < stop; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c >= 0x20 && c != '"' && c != '\\') {
				*w++ = (char)c;
				continue;
			}
			*w++ = '\\';
			switch (c) {
			case '"': *w++ = '"'; break;
			case '\\': *w++ = '\\'; break;
			case '\b': *w++ = 'b'; break;
			case '\f': *w++ = 'f'; break;
			case '\n': *w++ = 'n'; break;
			case '\r': *w++ = 'r'; break;
			case '\t': *w++ = 't'; break;
			default:
				*w++ = 'u';
				*w++ = '0';
				*w++ = '0';
				*w++ = hex[c >> 4];
				*w++ = hex[c & 15];
			}
		}
	}
	*w++ = '"';
	b->len = (size_t)(w - b->data);
}

/* What JSON accepts as a number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static bool json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return false;
	if (s[i] == '0')
		i++;
	else
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	if (i < n && s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == n;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ISO output "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]][ BC]" becomes
 * "YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM][ BC]", as json_build_object writes
 * it; infinity and anything unexpected go out as their text. */
static void timestamp(struct wvl_buf *b, const char *s, size_t n, bool tz)
{
	char out[80];
	const char *sp = memchr(s, ' ', n);
	size_t at = sp ? (size_t)(sp - s) : 0;
	if (n > 64 || at < 10 || at + 9 > n || !digits(s + at + 1, 2) || s[at + 3] != ':' ||
	    !digits(s + at - 2, 2)) {
		wvl_rowjson__string(b, s, n);
		return;
	}
	memcpy(out, s, n);
	out[at] = 'T';
	size_t len = n;
	/* The zone follows the seconds and their fraction. */
	size_t z = at + 9;
	if (z < n && s[z] == '.')
		for (z++; z < n && s[z] >= '0' && s[z] <= '9'; z++)
			;
	if (tz && z + 3 <= n && (s[z] == '+' || s[z] == '-') && digits(s + z + 1, 2) &&
	    (z + 3 == n || s[z + 3] == ' ')) {
		memmove(out + z + 6, out + z + 3, n - (z + 3));
		memcpy(out + z + 3, ":00", 3);
		len += 3;
	}
	wvl_rowjson__string(b, out, len);
}

static void value(struct wvl_buf *b, const PGresult *r, int row, int col, Oid type)
{
	if (PQgetisnull(r, row, col)) {
		wvl_buf__put(b, "null", 4);
		return;
	}
	const char *v = PQgetvalue(r, row, col);
	size_t n = (size_t)PQgetlength(r, row, col);
	switch (type) {
	case OID_BOOL:
		wvl_buf__puts(b, v[0] == 't' ? "true" : "false");
		return;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		wvl_buf__put(b, v, n);
		return;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		if (json_number(v, n))
			wvl_buf__put(b, v, n);
		else
			wvl_rowjson__string(b, v, n);
		return;
	case OID_JSON:
	case OID_JSONB:
		wvl_buf__put(b, v, n);
		return;
	case OID_TIMESTAMPTZ:
		timestamp(b, v, n, true);
		return;
	case OID_TIMESTAMP:
		timestamp(b, v, n, false);
		return;
	default:
		wvl_rowjson__string(b, v, n);
	}
}

int wvl_rowjson__layout(struct wvl_rowjson *j, const PGresult *r, int first, int ncols)
{
	*j = (struct wvl_rowjson){.r = r, .first = first, .ncols = ncols};
	j->key_end = malloc(sizeof(*j->key_end) * (size_t)ncols);
	j->types = malloc(sizeof(*j->types) * (size_t)ncols);
	struct wvl_buf k = WVL_BUF_INIT;
	for (int c = 0; c < ncols && j->key_end && j->types; c++) {
		const char *name = PQfname(r, first + c);
		wvl_buf__put(&k, c ? "," : "{", 1);
		wvl_rowjson__string(&k, name, strlen(name));
		wvl_buf__put(&k, ":", 1);
		j->key_end[c] = k.len;
		j->types[c] = PQftype(r, first + c);
	}
	j->keys = wvl_buf__take(&k);
	if (!j->keys || !j->key_end || !j->types) {
		wvl_rowjson__free(j);
		return -1;
	}
	return 0;
}

void wvl_rowjson__free(struct wvl_rowjson *j)
{
	free(j->keys);
	free(j->key_end);
	free(j->types);
	*j = (struct wvl_rowjson){0};
}

void wvl_rowjson__row(struct wvl_buf *b, const struct wvl_rowjson *j, int row)
{
	size_t from = 0;
	for (int c = 0; c < j->ncols; c++) {
		wvl_buf__put(b, j->keys + from, j->key_end[c] - from);
		from = j->key_end[c];
		value(b, j->r, row, j->first + c, j->types[c]);
	}
	wvl_buf__put(b, j->ncols ? "}" : "{}", j->ncols ? 1 : 2);
}

void wvl_rowjson__object(struct wvl_buf *b, const PGresult *r, int row, int first, int ncols)
{
	struct wvl_rowjson j;
	if (wvl_rowjson__layout(&j, r, first, ncols) != 0) {
		b->ok = false;
		return;
	}
	wvl_rowjson__row(b, &j, row);
	wvl_rowjson__free(&j);
}
