/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Articles related to one: published ones that share its tags or a word
 * of its title.  The score orders by shared tags first (an editor chose
 * them), then by how well the text matches the title's words; both sides
 * of the OR have a GIN index (tags, search). */

#include <stdio.h>
#include <stdlib.h>

#include "../core/list.h"
#include "help.h"

/* me: the article (published, or any for the team: $2); the cursor is
 * (score, id) after $3/$4 when given; $5 the page size plus one. */
#define RELATED_SQL(key)                                                                     \
	"WITH me AS (SELECT a.id, a.tags, help_related_query(a.title) AS rq"                  \
	"  FROM help_articles a WHERE " key " AND (a.published OR $2::boolean))"              \
	" SELECT r.id, r.slug, r.title, r.excerpt, r.category, to_json(r.tags) AS tags,"       \
	"  r.score FROM (SELECT a.id, a.slug, a.title, a.excerpt, a.category, a.tags,"        \
	"   cardinality(ARRAY(SELECT unnest(a.tags) INTERSECT SELECT unnest(me.tags)))"       \
	"   * 1000000 + (ts_rank(a.search, me.rq) * 1000000)::bigint AS score"                 \
	"  FROM help_articles a, me"                                                          \
	"  WHERE a.published AND a.id <> me.id AND (a.tags && me.tags OR a.search @@ me.rq)) r" \
	" WHERE $3::bigint IS NULL OR (r.score, r.id) < ($3::bigint, $4::uuid)"                 \
	" ORDER BY r.score DESC, r.id DESC LIMIT $5::int"
static const char *const related_sql[2] = {RELATED_SQL("a.slug = $1"),
					   RELATED_SQL("a.id = $1::uuid")};

/* No filters and one order (score): ?limit and ?cursor only. */
static const struct wvl_list_spec spec = {"help_related", NULL, 0, NULL, 0, NULL, 0};

int wvl_help_related(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope,
		     const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	struct wvl_list_query q;
	int rc = wvl_list__parse(&q, ctx, query, &spec);
	if (rc)
		return rc;
	if (!scope)
		return wvl_err__set(WVL_EINVAL, NULL, "this list needs the article's slug or id");
	bool by_id = wvl_uuid_valid(scope);
	/* A key that names no article has no related articles. */
	if (!by_id && !wvl_help__slug_ok(scope))
		return wvl_list__page_array(out_json, ctx, &q, "[]", NULL, NULL);
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {scope, wvl_actor__is_team(actor) ? "true" : "false",
			   q.has_cursor ? q.cursor_key : NULL, q.has_cursor ? q.cursor_id : NULL,
			   limit};
	PGresult *r = wvl_pg__read(ctx, actor, related_sql[by_id], 5, p);
	rc = r ? wvl_list__page_cols(out_json, ctx, &q, r, 7, 6, 0) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
