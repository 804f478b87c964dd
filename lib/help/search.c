/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The list of articles: browsing (newest first, by title, by views) and
 * ranked search with highlighted snippets.  Both are one statement with
 * only the conditions in force (a catch-all "$1 IS NULL OR ..." has no good
 * generic plan), and one list contract (lib/core/list.c).
 *
 * A search ranks in an inner query (the GIN index finds the matches,
 * help_rank orders them, LIMIT keeps a page) and cuts snippets outside it,
 * so ts_headline, the dearest part, runs for the page's rows only. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "help.h"

static const char *const statuses[] = {"published", "draft", "all", NULL};

static const struct wvl_list_filter filters[] = {
	{"q", WVL_PARAM_TEXT, NULL, 256},
	{"category", WVL_PARAM_TEXT, NULL, 60},
	{"tag", WVL_PARAM_TEXT, NULL, 40},
	{"status", WVL_PARAM_ENUM, statuses, 0},
};
#define NFILTERS (sizeof(filters) / sizeof(filters[0]))

/* Alias a: the table when browsing, the ranked page when searching. */
#define FIELDS                                                                              \
	{"id", "a.id"}, {"slug", "a.slug"}, {"title", "a.title"}, {"excerpt", "a.excerpt"},   \
	{"category", "a.category"}, {"tags", "to_json(a.tags) AS tags"},                      \
	{"published", "a.published"}, {"published_at", "a.published_at"},                     \
	{"updated_at", "a.updated_at"}, {"created_at", "a.created_at"},                       \
	{"version", "a.version"}
/* Browsing joins the counts (it may sort by them); a search looks up its
 * page's counts by key (a join would hash every count for 50 rows). */
static const struct wvl_list_field browse_fields[] = {
	FIELDS, {"views", "coalesce(v.views, 0) AS views"}};
static const struct wvl_list_field search_fields[] = {
	FIELDS,
	{"views", "coalesce((SELECT v.views FROM help_article_views v"
		  " WHERE v.article_id = a.id), 0) AS views"},
	{"snippet", "help_snippet(a.body_text, a.tsq) AS snippet"}};

static const struct wvl_list_sort browse_sorts[] = {
	{"updated_at", "a.updated_at", "::timestamptz", true},
	{"title", "a.title", "::text", false},
	{"views", "coalesce(v.views, 0)", "::bigint", true},
};
static const struct wvl_list_sort search_sorts[] = {{"relevance", "a.rank", "::bigint", true}};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct wvl_list_spec browse_spec = {
	"help_articles", filters, NFILTERS, browse_sorts, N(browse_sorts), browse_fields,
	N(browse_fields)};
/* Another name: a browsing cursor does not continue a search. */
static const struct wvl_list_spec search_spec = {
	"help_search", filters, NFILTERS, search_sorts, N(search_sorts), search_fields,
	N(search_fields)};

/* The statement being built: its text and parameters. */
struct stmt {
	char text[4096];
	size_t len;
	bool fits;
	const char *p[8];
	int np;
};

static void add(struct stmt *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = s->fits ? vsnprintf(s->text + s->len, sizeof(s->text) - s->len, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->text) - s->len)
		s->fits = false;
	else
		s->len += (size_t)n;
}

/* Adds a parameter; returns its number. */
static int param(struct stmt *s, const char *value)
{
	s->p[s->np] = value;
	return ++s->np;
}

/* The conditions both kinds share: status, category, tag, the cursor
 * (`key` the sort's SQL as the WHERE clause can see it). */
static void conditions(struct stmt *s, const struct wvl_list_query *q, const char *key)
{
	const char *status = wvl_list__get(q, "status");
	if (!status || !strcmp(status, "published"))
		add(s, " AND a.published");
	else if (!strcmp(status, "draft"))
		add(s, " AND NOT a.published");
	const char *category = wvl_list__get(q, "category"), *tag = wvl_list__get(q, "tag");
	if (category)
		add(s, " AND a.category = $%d", param(s, category));
	if (tag)
		add(s, " AND a.tags @> ARRAY[$%d]::text[]", param(s, tag));
	if (q->has_cursor) {
		int k = param(s, q->cursor_key);
		add(s, " AND (%s, a.id) %s ($%d%s, $%d::uuid)", key, q->desc ? "<" : ">", k,
		    q->sort->cast, param(s, q->cursor_id));
	}
}

static void order(struct stmt *s, const struct wvl_list_query *q, const char *key)
{
	const char *dir = q->desc ? "DESC" : "ASC";
	add(s, " ORDER BY %s %s, a.id %s", key, dir, dir);
}

static void browse_sql(struct stmt *s, const struct wvl_list_query *q, const char *select,
		       const char *limit)
{
	add(s, "SELECT %s FROM help_articles a LEFT JOIN help_article_views v"
	       " ON v.article_id = a.id WHERE true", select);
	conditions(s, q, q->sort->expr);
	order(s, q, q->sort->expr);
	add(s, " LIMIT $%d::int", param(s, limit));
}

static void search_sql(struct stmt *s, const struct wvl_list_query *q, const char *select,
		       const char *text, const char *limit)
{
	add(s, "SELECT %s FROM (SELECT a.id, a.slug, a.title, a.excerpt, a.category, a.tags,"
	       " a.published, a.published_at, a.updated_at, a.created_at, a.version, a.body_text,"
	       " q.tsq, help_rank(a.search, q.tsq) AS rank"
	       " FROM help_articles a CROSS JOIN help_query($%d) AS q(tsq)"
	       " WHERE a.search @@ q.tsq", select, param(s, text));
	conditions(s, q, "help_rank(a.search, q.tsq)");
	order(s, q, "rank");
	add(s, " LIMIT $%d::int) a", param(s, limit));
	order(s, q, "a.rank");
}

/* Search when ?q holds more than blanks. */
static const char *search_text(const wvl_query *query)
{
	const char *q = wvl_query_get(query, "q");
	return q && q[strspn(q, " \t")] ? q : NULL;
}

int wvl_help_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		  const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	const char *text = search_text(query);
	struct wvl_list_query q;
	int rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, text ? &search_spec : &browse_spec);
	if (rc)
		return rc;
	const char *status = wvl_list__get(&q, "status");
	if (status && strcmp(status, "published") && (rc = wvl_actor__need_team(actor)) != 0)
		return rc;
	char select[1024], limit[16];
	int ncols, key_col;
	if ((rc = wvl_list__select(select, sizeof(select), &ncols, &key_col, q.spec, q.fields,
				   q.sort->expr)))
		return rc;
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	struct stmt s = {.fits = true};
	if (text)
		search_sql(&s, &q, select, text, limit);
	else
		browse_sql(&s, &q, select, limit);
	if (!s.fits)
		return wvl_err__set(WVL_EINTERNAL, NULL, "statement too long");
	PGresult *r = wvl_pg__read(ctx, actor, s.text, s.np, s.p);
	rc = r ? wvl_list__page_cols(out_json, ctx, &q, r, ncols, key_col, 0) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
