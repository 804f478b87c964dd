/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The one list contract: a query checked against a resource's spec,
 * keyset pages, signed cursors (list.h). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "list.h"
#include "rowjson.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static int bad_param(const char *key)
{
	return wvl_err__set(WVL_EINVAL, "bad_request", "query parameter %s is not valid", key);
}

static int bad_cursor(void)
{
	return wvl_err__set(WVL_EINVAL, "bad_request", "the cursor is not valid");
}

/* What a cursor's signature covers: its payload, the list it came from
 * and the ?sort it was made for ('~' is outside base64url), so a cursor
 * only continues the list and the order it came from. */
static bool signed_text(char *out, size_t len, const char *payload, const char *list,
			const char *sort)
{
	int n = snprintf(out, len, "%s~%s~%s", payload, list, sort ? sort : "");
	return n > 0 && (size_t)n < len;
}

/* Whether a key has the shape its sort reads back: PostgreSQL's ISO text
 * of a timestamptz ("YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]"), or an
 * integer.  Cursors are signed, so this is a second wall. */
static bool timestamp_key(const char *k)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	size_t i = 0;
	for (; shape[i]; i++)
		if (shape[i] == 'd' ? (k[i] < '0' || k[i] > '9') : k[i] != shape[i])
			return false;
	if (k[i] == '.')
		for (i++; k[i] >= '0' && k[i] <= '9'; i++)
			;
	if ((k[i] != '+' && k[i] != '-') || !isdigit((unsigned char)k[i + 1]) ||
	    !isdigit((unsigned char)k[i + 2]))
		return false;
	i += 3;
	if (k[i] == ':' && isdigit((unsigned char)k[i + 1]) && isdigit((unsigned char)k[i + 2]))
		i += 3;
	return k[i] == '\0';
}

static bool key_shape_ok(const char *key, const struct wvl_list_sort *s)
{
	if (!s || !strcmp(s->cast, "::text"))
		return true;
	if (!strcmp(s->cast, "::timestamptz"))
		return timestamp_key(key);
	size_t n = strlen(key), skip = key[0] == '-';
	return n > skip && n < 21 && strspn(key + skip, "0123456789") == n - skip;
}

/* cursor = base64url("<key>|<id>") "." signature */
static int decode_cursor(struct wvl_list_query *lq, wvl_ctx *ctx, const char *cursor,
			 const char *list)
{
	const char *dot = strchr(cursor, '.');
	/* Keys are at most 1,023 bytes (a name sorts by up to 200 characters
	 * of UTF-8), so the base64 payload is under 1,420. */
	if (!dot || dot - cursor > 1420 || strlen(cursor) > 1500)
		return bad_cursor();
	char payload[1424], message[1600];
	snprintf(payload, sizeof(payload), "%.*s", (int)(dot - cursor), cursor);
	if (!signed_text(message, sizeof(message), payload, list, lq->sort_param) ||
	    !wvl_keys__verify(ctx, WVL_KEY_CURSOR, message, dot + 1))
		return bad_cursor();
	unsigned char raw[1080];
	size_t len = 0;
	if (sodium_base642bin(raw, sizeof(raw) - 1, payload, strlen(payload), NULL, &len, NULL,
			      B64) != 0)
		return bad_cursor();
	raw[len] = '\0';
	char *bar = strrchr((char *)raw, '|');
	if (!bar || !wvl_uuid_valid(bar + 1) ||
	    (size_t)(bar - (char *)raw) >= sizeof(lq->cursor_key))
		return bad_cursor();
	*bar = '\0';
	memcpy(lq->cursor_key, raw, (size_t)(bar - (char *)raw) + 1);
	snprintf(lq->cursor_id, sizeof(lq->cursor_id), "%s", bar + 1);
	if (!key_shape_ok(lq->cursor_key, lq->sort))
		return bad_cursor();
	lq->has_cursor = true;
	return 0;
}

static char *encode_cursor(wvl_ctx *ctx, const char *key, const char *id, const char *list,
			   const char *sort)
{
	char plain[1080], payload[1480], message[1700], sig[48];
	/* The id must be a uuid: "<key>|<id>" is read back by its last '|',
	 * so any other id (one with a '|') would sign a different pair. */
	if (strlen(key) >= 1024 || !wvl_uuid_valid(id))
		return NULL;
	snprintf(plain, sizeof(plain), "%s|%s", key, id);
	sodium_bin2base64(payload, sizeof(payload), (const unsigned char *)plain, strlen(plain), B64);
	if (!signed_text(message, sizeof(message), payload, list, sort))
		return NULL;
	wvl_keys__sign(ctx, WVL_KEY_CURSOR, message, sig);
	return wvl_str__printf("%s.%s", payload, sig);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool value_ok(const struct wvl_list_filter *f, const char *v)
{
	switch (f->type) {
	case WVL_PARAM_TEXT:
		return utf8_chars(v) <= (f->max_len ? f->max_len : 200);
	case WVL_PARAM_UUID:
		return wvl_uuid_valid(v);
	case WVL_PARAM_BOOL:
		return !strcmp(v, "true") || !strcmp(v, "false");
	case WVL_PARAM_ENUM:
		for (const char *const *e = f->values; e && *e; e++)
			if (!strcmp(*e, v))
				return true;
		return false;
	}
	return false;
}

static int parse_limit(struct wvl_list_query *lq, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 3 || strspn(v, "0123456789") != n || atoi(v) < 1 || atoi(v) > 100)
		return wvl_err__set(WVL_EINVAL, "bad_request", "limit must be between 1 and 100");
	lq->limit = atoi(v);
	return 0;
}

static int parse_sort(struct wvl_list_query *lq, const struct wvl_list_spec *spec, const char *v)
{
	bool flip = v && v[0] == '-';
	const char *name = v ? v + flip : NULL;
	lq->sort = spec->nsorts ? &spec->sorts[0] : NULL;
	for (size_t i = 0; name && i < spec->nsorts; i++)
		if (!strcmp(spec->sorts[i].name, name))
			lq->sort = &spec->sorts[i];
	if (name && (!lq->sort || strcmp(lq->sort->name, name)))
		return bad_param("sort");
	lq->desc = lq->sort ? lq->sort->desc != flip : false;
	lq->sort_param = v;
	return 0;
}

/* ?fields: names from the spec's list, comma-separated, none empty. */
static int parse_fields(struct wvl_list_query *lq, const struct wvl_list_spec *spec,
			const char *v)
{
	if (!spec->nfields || !*v)
		return bad_param("fields");
	for (const char *f = v; *f;) {
		size_t len = strcspn(f, ","), i = 0;
		while (i < spec->nfields &&
		       !(strlen(spec->fields[i].name) == len && !strncmp(spec->fields[i].name, f, len)))
			i++;
		if (i == spec->nfields)
			return bad_param("fields");
		f += len;
		if (*f == ',' && !*++f)
			return bad_param("fields");
	}
	lq->fields = v;
	return 0;
}

/* One pair of the query: a contract key or one of the spec's filters. */
static int take_pair(struct wvl_list_query *lq, const struct wvl_list_spec *spec,
		     const char *key, const char *v)
{
	if (!strcmp(key, "limit"))
		return parse_limit(lq, v);
	if (!strcmp(key, "cursor") || !strcmp(key, "sort"))
		return 0; /* after the loop: the cursor needs the sort */
	if (!strcmp(key, "fields"))
		return parse_fields(lq, spec, v);
	for (size_t i = 0; i < spec->nfilters; i++) {
		if (strcmp(spec->filters[i].key, key) != 0)
			continue;
		if (!value_ok(&spec->filters[i], v))
			return bad_param(key);
		lq->values[i] = v;
		return 0;
	}
	return wvl_err__set(WVL_EINVAL, "bad_request", "unknown query parameter: %s", key);
}

int wvl_list__parse(struct wvl_list_query *lq, wvl_ctx *ctx, const wvl_query *q,
		    const struct wvl_list_spec *spec)
{
	memset(lq, 0, sizeof(*lq));
	lq->spec = spec;
	lq->limit = 50;
	if (spec->nfilters > WVL_LIST_FILTERS_MAX)
		return wvl_err__set(WVL_EINTERNAL, NULL, "too many list filters");
	for (size_t i = 0; i < wvl_query_count(q); i++) {
		int rc = take_pair(lq, spec, wvl_query_key(q, i), wvl_query_value(q, i));
		if (rc)
			return rc;
	}
	const char *sort = wvl_query_get(q, "sort");
	if (sort && !spec->nsorts)
		return wvl_err__set(WVL_EINVAL, "bad_request", "unknown query parameter: sort");
	int rc = parse_sort(lq, spec, sort);
	const char *cursor = wvl_query_get(q, "cursor");
	if (!rc && cursor && *cursor)
		rc = decode_cursor(lq, ctx, cursor, spec->name);
	return rc;
}

const char *wvl_list__get(const struct wvl_list_query *lq, const char *key)
{
	const struct wvl_list_spec *spec = lq->spec;
	for (size_t i = 0; i < spec->nfilters; i++)
		if (!strcmp(spec->filters[i].key, key))
			return lq->values[i];
	return NULL;
}

int wvl_list__scope(const char *scope_id, bool wanted)
{
	if (!wanted)
		return scope_id ? wvl_err__set(WVL_EINVAL, NULL, "this list takes no scope") : 0;
	if (!scope_id)
		return wvl_err__set(WVL_EINVAL, NULL, "this list needs the scope's id");
	return wvl_uuid_valid(scope_id) ? 0 : wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
}

/* The end of a page: its cursor when there is more, then the closing. */
static int finish_page(char **out_json, struct wvl_buf *b, wvl_ctx *ctx,
		       const struct wvl_list_query *lq, const char *last_key, const char *last_id)
{
	char *next = last_key ? encode_cursor(ctx, last_key, last_id, lq->spec->name,
					      lq->sort_param)
			      : NULL;
	if (last_key && !next) {
		wvl_buf__free(b);
		return wvl_err__set(WVL_EINTERNAL, NULL, "the cursor could not be made");
	}
	if (next) {
		wvl_buf__puts(b, ",\"next_cursor\":\"");
		wvl_buf__puts(b, next);
		wvl_buf__puts(b, "\"}");
	} else {
		wvl_buf__puts(b, ",\"next_cursor\":null}");
	}
	free(next);
	*out_json = wvl_buf__take(b);
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* json_ncols < 0: column json_col holds each row's JSON text; else the
 * object is built from columns [0, json_ncols). */
static int page(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq, PGresult *r,
		int json_col, int json_ncols, int key_col, int id_col)
{
	int n = PQntuples(r);
	int shown = n > lq->limit ? lq->limit : n;
	struct wvl_buf b = WVL_BUF_INIT;
	struct wvl_rowjson layout = {0};
	if (json_ncols >= 0 && wvl_rowjson__layout(&layout, r, 0, json_ncols) != 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_buf__reserve(&b, json_ncols < 0 ? 64 + (size_t)shown * 64 : 64 + (size_t)shown * 512);
	wvl_buf__put(&b, "{\"data\":[", 9);
	for (int i = 0; i < shown; i++) {
		if (i)
			wvl_buf__put(&b, ",", 1);
		if (json_ncols < 0)
			wvl_buf__put(&b, PQgetvalue(r, i, json_col),
				     (size_t)PQgetlength(r, i, json_col));
		else
			wvl_rowjson__row(&b, &layout, i);
	}
	wvl_rowjson__free(&layout);
	wvl_buf__putc(&b, ']');
	bool more = n > lq->limit;
	return finish_page(out_json, &b, ctx, lq, more ? PQgetvalue(r, shown - 1, key_col) : NULL,
			   more ? PQgetvalue(r, shown - 1, id_col) : NULL);
}

int wvl_list__page(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq,
		   PGresult *r, int json_col, int key_col, int id_col)
{
	return page(out_json, ctx, lq, r, json_col, -1, key_col, id_col);
}

int wvl_list__page_cols(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq,
			PGresult *r, int ncols, int key_col, int id_col)
{
	return page(out_json, ctx, lq, r, 0, ncols, key_col, id_col);
}

int wvl_list__page_array(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq,
			 const char *data_json, const char *last_key, const char *last_id)
{
	struct wvl_buf b = WVL_BUF_INIT;
	wvl_buf__puts(&b, "{\"data\":");
	wvl_buf__puts(&b, data_json);
	return finish_page(out_json, &b, ctx, lq, last_key, last_id);
}

static int field_index(const struct wvl_list_spec *spec, const char *name, size_t len)
{
	for (size_t i = 0; i < spec->nfields; i++)
		if (strlen(spec->fields[i].name) == len && !strncmp(spec->fields[i].name, name, len))
			return (int)i;
	return -1;
}

/* Appends ", expr" to the select list; the callers' buffers are sized for
 * every column, so a cut can only be a programming error (refused). */
static bool add_column(char *out, size_t outlen, size_t *pos, const char *expr)
{
	size_t n = strlen(expr);
	if (*pos + 2 + n + 1 > outlen)
		return false;
	memcpy(out + *pos, ", ", 2);
	memcpy(out + *pos + 2, expr, n + 1);
	*pos += 2 + n;
	return true;
}

/* Adds field i unless it is there already, noting where the sort key is. */
static bool add_field(char *out, size_t outlen, size_t *pos, const struct wvl_list_spec *spec,
		      size_t i, bool *seen, int *ncols, int *key_col, const char *sort_expr)
{
	if (seen[i])
		return true;
	seen[i] = true;
	if (sort_expr && !strcmp(spec->fields[i].expr, sort_expr))
		*key_col = *ncols;
	(*ncols)++;
	return add_column(out, outlen, pos, spec->fields[i].expr);
}

int wvl_list__select(char *out, size_t outlen, int *ncols, int *key_col,
		     const struct wvl_list_spec *spec, const char *fields, const char *sort_expr)
{
	size_t n = spec->nfields ? strlen(spec->fields[0].expr) : 0;
	if (!n || spec->nfields > WVL_LIST_FIELDS_MAX || outlen <= n)
		return wvl_err__set(WVL_EINTERNAL, NULL, "select list too long");
	memcpy(out, spec->fields[0].expr, n + 1);
	size_t pos = n;
	bool fits = true, seen[WVL_LIST_FIELDS_MAX] = {true};
	*ncols = 1;
	*key_col = sort_expr && !strcmp(spec->fields[0].expr, sort_expr) ? 0 : -1;
	for (size_t i = 1; !fields && i < spec->nfields; i++)
		fits = fits && add_field(out, outlen, &pos, spec, i, seen, ncols, key_col, sort_expr);
	for (const char *f = fields; f && *f;) {
		size_t len = strcspn(f, ",");
		int i = field_index(spec, f, len);
		if (i < 0) /* wvl_list__parse checked the names */
			return wvl_err__set(WVL_EINTERNAL, NULL, "unknown field");
		fits = fits && add_field(out, outlen, &pos, spec, (size_t)i, seen, ncols, key_col,
					 sort_expr);
		f += len + (f[len] == ',');
	}
	if (sort_expr && *key_col < 0) {
		*key_col = *ncols;
		fits = fits && add_column(out, outlen, &pos, sort_expr);
	}
	return fits ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "select list too long");
}

char *wvl_list__like(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(2 * n + 3), *w = out;
	if (!out)
		return NULL;
	*w++ = '%';
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*w++ = '\\';
		*w++ = *s;
	}
	*w++ = '%';
	*w = '\0';
	return out;
}
