/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_LIST_H
#define WVL_CORE_LIST_H

/* Internal: the one list contract (wavelaunch/query.h says it from the
 * outside).  A resource declares what its list takes — filters, sort keys,
 * a sparse fieldset — in a struct wvl_list_spec next to its SQL;
 * wvl_list__parse checks a query against it with the same rules and the
 * same messages for every list.  Pages are keyset-based on (sort value,
 * id) with an opaque, signed cursor, and come out as
 * {"data":[...],"next_cursor":...}. */

#include <libpq-fe.h>

#include "internal.h"
#include "wavelaunch/query.h"

enum wvl_param_type {
	WVL_PARAM_TEXT, /* up to max_len characters (0: 200) */
	WVL_PARAM_UUID,
	WVL_PARAM_ENUM, /* one of `values` */
	WVL_PARAM_BOOL, /* "true" or "false" */
};

struct wvl_list_filter {
	const char *key;
	enum wvl_param_type type;
	const char *const *values; /* WVL_PARAM_ENUM: NULL-terminated */
	size_t max_len;
};

struct wvl_list_sort {
	const char *name;  /* the ?sort= value */
	const char *expr;  /* its SQL expression; the value's text is the cursor key */
	const char *cast;  /* how that text is read back: "::timestamptz", "::text" */
	bool desc;         /* the natural order (no "-") is descending */
};

#define WVL_LIST_FILTERS_MAX 8
/* The most fields a spec may list (wvl_list__select). */
#define WVL_LIST_FIELDS_MAX 48

/* A field of the resource and the SQL that produces it. */
struct wvl_list_field {
	const char *name;
	const char *expr;
};

struct wvl_list_spec {
	const char *name; /* the resource ("clients"): a cursor continues only its list */
	const struct wvl_list_filter *filters;
	size_t nfilters;
	/* The first is the default order; nsorts 0: ?sort is refused and the
	 * list keeps one fixed order. */
	const struct wvl_list_sort *sorts;
	size_t nsorts;
	/* What ?fields may name; nfields 0: ?fields is refused. */
	const struct wvl_list_field *fields;
	size_t nfields;
};

struct wvl_list_query {
	const struct wvl_list_spec *spec;
	int limit;                 /* 1..100 */
	bool has_cursor;
	char cursor_key[1024];     /* sort value of the last row seen, as text */
	char cursor_id[37];
	const struct wvl_list_sort *sort; /* NULL when the spec has none */
	bool desc;                 /* the order in force */
	const char *fields;        /* ?fields, checked, or NULL */
	/* The filters' values by the spec's index (NULL: absent). */
	const char *values[WVL_LIST_FILTERS_MAX];
	const char *sort_param;    /* ?sort as given (the cursor is bound to it) */
};

/* Checks `q` (NULL: empty) against `spec`.  WVL_EINVAL "bad_request"
 * naming the parameter otherwise.  Nothing to free: the values point
 * into `q` and `spec`. */
int wvl_list__parse(struct wvl_list_query *lq, wvl_ctx *ctx, const wvl_query *q,
		    const struct wvl_list_spec *spec);

/* A filter's value or NULL. */
const char *wvl_list__get(const struct wvl_list_query *lq, const char *key);

/* Refuses a scope for a top-level list, or checks one is a uuid
 * (WVL_ENOTFOUND otherwise: a malformed id names nothing). */
int wvl_list__scope(const char *scope_id, bool wanted);

/* {"data":[...],"next_cursor":...} from rows holding each row's JSON text
 * (json_col), the sort key and the id; the statement must have fetched
 * limit + 1 rows so the presence of a next page is known. */
int wvl_list__page(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq,
		   PGresult *r, int json_col, int key_col, int id_col);

/* The same, with each row's object built in C from columns [0, ncols)
 * (rowjson.h) instead of a JSON column. */
int wvl_list__page_cols(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq,
			PGresult *r, int ncols, int key_col, int id_col);

/* The same around a data array PostgreSQL built (json_agg); `last_key` and
 * `last_id` are the sort value and id of its last row when there are more
 * rows, else NULL. */
int wvl_list__page_array(char **out_json, wvl_ctx *ctx, const struct wvl_list_query *lq,
			 const char *data_json, const char *last_key, const char *last_id);

/* The select list of a page built in C (wvl_list__page_cols): the spec's
 * first field (the id) always first, then the fields `fields` names (a
 * ?fields wvl_list__parse checked) or, when NULL, all of them; their count
 * goes to *ncols.  The cursor's key is the sort expression's text: *key_col
 * is where it is, appended after the fields when they do not include it
 * (sort_expr NULL: no key, *key_col -1).  WVL_EINTERNAL when `out` is too
 * small. */
int wvl_list__select(char *out, size_t outlen, int *ncols, int *key_col,
		     const struct wvl_list_spec *spec, const char *fields, const char *sort_expr);

/* Escapes % _ and \ for a LIKE pattern and wraps it in %...%. */
char *wvl_list__like(const char *s);

#endif
