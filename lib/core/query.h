/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_QUERY_H
#define WVL_CORE_QUERY_H

/* Internal: list queries.  The query string arrives as a JSON object of
 * strings; only allow-listed keys pass.  Pages are keyset-based on
 * (sort value, id) with an opaque, signed cursor. */

#include <jansson.h>
#include <libpq-fe.h>

#include "internal.h"

struct wvl_list_query {
	int limit;            /* 1..100, default 50 */
	bool has_cursor;
	char cursor_key[1024]; /* sort value of the last row seen, as text */
	char cursor_id[37];
	json_t *params;       /* the parsed object; borrowed values */
};

/* Parses and checks keys against `allowed` (NULL-terminated; "limit" and
 * "cursor" are always allowed).  WVL_EINVAL "bad_request" otherwise. */
int wvl_query__parse(struct wvl_list_query *q, wvl_ctx *ctx, const char *query_json,
		     const char *const *allowed);
void wvl_query__free(struct wvl_list_query *q);
/* A parameter's value or NULL. */
const char *wvl_query__get(const struct wvl_list_query *q, const char *key);

/* Builds {"data":[...],"next_cursor":...} from rows holding a JSON text
 * column, the sort key and the id; the query must have fetched limit + 1
 * rows so the presence of a next page is known. */
int wvl_query__page(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *q,
		    PGresult *r, int json_col, int key_col, int id_col);

/* The same, with each row's object built in C from columns [0, ncols)
 * (rowjson.h) instead of a JSON column. */
int wvl_query__page_cols(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *q,
			 PGresult *r, int ncols, int key_col, int id_col);

/* Escapes % _ and \ for a LIKE pattern and wraps it in %...%. */
char *wvl_query__like(const char *s);

#endif
