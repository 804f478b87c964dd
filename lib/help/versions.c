/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* An article's versions: the list, one version, and a restore (which is
 * an edit like any other: lib/help/write.c). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "help.h"

#define VERSION_JSON_(extra)                                                                 \
	"json_build_object('id', v.id, 'article_id', v.article_id, 'version', v.version,"     \
	" 'title', v.title, 'excerpt', v.excerpt, 'category', v.category, 'tags', v.tags,"    \
	" 'reason', v.reason, 'restored_from', v.restored_from, 'author_id', v.author_id,"    \
	" 'created_at', v.created_at" extra ")"

/* Newest first; the cursor's key is the version number. */
static const char list_sql[] =
	"SELECT " VERSION_JSON_("") ", v.version, v.id FROM help_article_versions v"
	" WHERE v.article_id = $1::uuid AND ($2::int IS NULL OR v.version < $2::int)"
	" ORDER BY v.version DESC LIMIT $3::int";

static const struct wvl_list_spec list_spec = {"help_versions", NULL, 0, NULL, 0, NULL, 0};

int wvl_help_versions_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			   const char *article_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	struct wvl_list_query q;
	if (!rc)
		rc = wvl_list__scope(article_id, true);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {article_id, q.has_cursor ? q.cursor_key : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 3, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

int wvl_help_version_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			 const char *version_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(version_id))
		return wvl_err__not_found();
	const char *p[] = {version_id};
	return wvl_pg__read_one(out_json, ctx, actor,
				"SELECT " VERSION_JSON_(", 'content', v.content")
				" FROM help_article_versions v WHERE v.id = $1::uuid", 1, p);
}

/* ---- restore ---- */

static const char restore_sql[] =
	"SELECT v.article_id, v.version, v.title, v.content, v.excerpt, v.category,"
	" to_json(v.tags)::text FROM help_article_versions v WHERE v.id = $1::uuid";

static int restore_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	const char *p[] = {arg};
	PGresult *v = wvl_pg__exec_one(ctx, c, restore_sql, 1, p);
	if (!v)
		return wvl_error_last()->code;
	/* The version's fields as an edit; excerpt '' derives it again. */
	struct wvl_help_edit e = {
		.title = PQgetvalue(v, 0, 2),
		.content = PQgetvalue(v, 0, 3),
		.excerpt = PQgetvalue(v, 0, 4),
		.category = PQgetvalue(v, 0, 5),
		.tags = json_loads(PQgetvalue(v, 0, 6), 0, NULL),
		.published = -1,
	};
	int rc = e.tags ? wvl_help__apply(out, ctx, actor, c, PQgetvalue(v, 0, 0), &e, "restored",
					  atoi(PQgetvalue(v, 0, 1)))
			: wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	json_decref(e.tags);
	PQclear(v);
	return rc;
}

int wvl_help_version_restore(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *version_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_help__need_writer(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(version_id))
		return wvl_err__not_found();
	return wvl_pg__in_tx(out_json, ctx, actor, restore_step, (void *)version_id);
}
