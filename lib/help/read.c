/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* One article, by slug or id: published ones for everyone, drafts for the
 * team; a read of a published article counts a view. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"

int wvl_help__need_writer(const wvl_actor *a)
{
	if (a->role == WVL_ROLE_ADMIN || a->role == WVL_ROLE_SYSTEM)
		return 0;
	if (a->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins edit the help center");
}

/* [team][by id]: slugs never have the shape of a uuid (help_slug_base), so
 * the shape of the key says which it is.  The public statements ask for
 * published articles themselves; row-level security would hide drafts
 * anyway. */
#define GET_SQL(json, where) "SELECT " json ", a.id, a.published FROM help_articles a WHERE " where
static const char *const get_sql[2][2] = {
	{GET_SQL(WVL_HELP_PUBLIC_JSON, "a.slug = $1 AND a.published"),
	 GET_SQL(WVL_HELP_PUBLIC_JSON, "a.id = $1::uuid AND a.published")},
	{GET_SQL(WVL_HELP_TEAM_JSON, "a.slug = $1"), GET_SQL(WVL_HELP_TEAM_JSON, "a.id = $1::uuid")},
};

int wvl_help_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *slug_or_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor || !slug_or_id)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx, actor and the key are required");
	*out_json = NULL;
	bool by_id = wvl_uuid_valid(slug_or_id);
	if (!by_id && !wvl_help__slug_ok(slug_or_id))
		return wvl_err__not_found();
	const char *p[] = {slug_or_id};
	PGresult *r = wvl_pg__read(ctx, actor, get_sql[wvl_actor__is_team(actor)][by_id], 1, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	if (!rc && !(*out_json = wvl_str__dup(PQgetvalue(r, 0, 0))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (!rc && PQgetvalue(r, 0, 2)[0] == 't')
		wvl_help__view(ctx, PQgetvalue(r, 0, 1));
	PQclear(r);
	return rc;
}

int wvl_help__article_json(char **out, wvl_ctx *ctx, PGconn *c, const char *id)
{
	const char *p[] = {id};
	return wvl_pg__json_row(out, ctx, c, get_sql[1][1], 1, p);
}
