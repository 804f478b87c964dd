/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "query.h"
#include "rowjson.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static int bad(const char *msg)
{
	return wvl_err__set(WVL_EINVAL, "bad_request", "%s", msg);
}

/* What a cursor's signature covers: its payload and the ?sort it was made
 * for ('~' is outside base64url), so a cursor only continues the order it
 * came from. */
static bool signed_text(char *out, size_t len, const char *payload, const char *sort)
{
	int n = snprintf(out, len, "%s~%s", payload, sort ? sort : "");
	return n > 0 && (size_t)n < len;
}

/* cursor = base64url("<key>|<id>") "." signature */
static int decode_cursor(struct wvl_list_query *q, wvl_ctx *ctx, const char *cursor)
{
	const char *dot = strchr(cursor, '.');
	/* Keys are at most 1,023 bytes (a name sorts by up to 200 characters
	 * of UTF-8), so the base64 payload is under 1,420. */
	if (!dot || dot - cursor > 1420 || strlen(cursor) > 1500)
		return bad("the cursor is not valid");
	char payload[1424], message[1500];
	snprintf(payload, sizeof(payload), "%.*s", (int)(dot - cursor), cursor);
	if (!signed_text(message, sizeof(message), payload, wvl_query__get(q, "sort")) ||
	    !wvl_keys__verify(ctx, WVL_KEY_CURSOR, message, dot + 1))
		return bad("the cursor is not valid");
	unsigned char raw[1080];
	size_t len = 0;
	if (sodium_base642bin(raw, sizeof(raw) - 1, payload, strlen(payload), NULL, &len, NULL,
			      B64) != 0)
		return bad("the cursor is not valid");
	raw[len] = '\0';
	char *bar = strrchr((char *)raw, '|');
	if (!bar || !wvl_uuid_valid(bar + 1) || (size_t)(bar - (char *)raw) >= sizeof(q->cursor_key))
		return bad("the cursor is not valid");
	*bar = '\0';
	memcpy(q->cursor_key, raw, (size_t)(bar - (char *)raw) + 1);
	snprintf(q->cursor_id, sizeof(q->cursor_id), "%s", bar + 1);
	q->has_cursor = true;
	return 0;
}

static char *encode_cursor(wvl_ctx *ctx, const char *key, const char *id, const char *sort)
{
	char plain[1080], payload[1480], message[1600], sig[48];
	if (strlen(key) >= 1024)
		return NULL;
	snprintf(plain, sizeof(plain), "%s|%s", key, id);
	sodium_bin2base64(payload, sizeof(payload), (const unsigned char *)plain, strlen(plain), B64);
	if (!signed_text(message, sizeof(message), payload, sort))
		return NULL;
	wvl_keys__sign(ctx, WVL_KEY_CURSOR, message, sig);
	return wvl_str__printf("%s.%s", payload, sig);
}

static bool allowed_key(const char *key, const char *const *allowed)
{
	if (strcmp(key, "limit") == 0 || strcmp(key, "cursor") == 0)
		return true;
	for (const char *const *a = allowed; a && *a; a++)
		if (strcmp(*a, key) == 0)
			return true;
	return false;
}

int wvl_query__parse(struct wvl_list_query *q, wvl_ctx *ctx, const char *query_json,
		     const char *const *allowed)
{
	memset(q, 0, sizeof(*q));
	q->limit = 50;
	q->params = (query_json && *query_json) ? json_loads(query_json, 0, NULL) : json_object();
	if (!q->params || !json_is_object(q->params)) {
		wvl_query__free(q);
		return bad("the query is not valid");
	}
	const char *key;
	json_t *v;
	json_object_foreach(q->params, key, v) {
		if (!json_is_string(v) || !allowed_key(key, allowed)) {
			wvl_query__free(q);
			return bad("unknown query parameter");
		}
	}
	const char *limit = wvl_query__get(q, "limit");
	if (limit) {
		char *end = NULL;
		long n = strtol(limit, &end, 10);
		if (!*limit || !end || *end || n < 1 || n > 100) {
			wvl_query__free(q);
			return bad("limit must be between 1 and 100");
		}
		q->limit = (int)n;
	}
	const char *cursor = wvl_query__get(q, "cursor");
	if (cursor && *cursor && decode_cursor(q, ctx, cursor) != 0) {
		wvl_query__free(q);
		return WVL_EINVAL;
	}
	return 0;
}

void wvl_query__free(struct wvl_list_query *q)
{
	json_decref(q->params);
	q->params = NULL;
}

const char *wvl_query__get(const struct wvl_list_query *q, const char *key)
{
	return json_string_value(json_object_get(q->params, key));
}

/* json_ncols < 0: column json_col holds each row's JSON text; else the
 * object is built from columns [0, json_ncols). */
static int page(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *q, PGresult *r,
		int json_col, int json_ncols, int key_col, int id_col)
{
	int n = PQntuples(r);
	int shown = n > q->limit ? q->limit : n;
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
	char *next = n > q->limit
			     ? encode_cursor(ctx, PQgetvalue(r, shown - 1, key_col),
					     PQgetvalue(r, shown - 1, id_col), wvl_query__get(q, "sort"))
			     : NULL;
	if (n > q->limit && !next) {
		free(wvl_buf__take(&b));
		return wvl_err__set(WVL_EINTERNAL, NULL, "the cursor could not be made");
	}
	if (next) {
		wvl_buf__puts(&b, "],\"next_cursor\":\"");
		wvl_buf__puts(&b, next);
		wvl_buf__puts(&b, "\"}");
	} else {
		wvl_buf__puts(&b, "],\"next_cursor\":null}");
	}
	free(next);
	*out_json = wvl_buf__take(&b);
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

int wvl_query__page(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *q,
		    PGresult *r, int json_col, int key_col, int id_col)
{
	return page(out_json, ctx, q, r, json_col, -1, key_col, id_col);
}

int wvl_query__page_cols(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *q,
			 PGresult *r, int ncols, int key_col, int id_col)
{
	return page(out_json, ctx, q, r, 0, ncols, key_col, id_col);
}

char *wvl_query__like(const char *s)
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
