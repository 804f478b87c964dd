/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Preferences per channel and category, kept in users.email_prefs as the
 * categories turned off (prefs.h). */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/json.h"
#include "../core/pg.h"
#include "prefs.h"

static const char *const channels[] = {"email", "inapp"};
static const char *const categories[] = {"deliverables", "reminders", "tickets", "updates"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

bool wvl_prefs__category_ok(const char *category)
{
	for (size_t i = 0; category && i < N(categories); i++)
		if (!strcmp(category, categories[i]))
			return true;
	return false;
}

/* The whole set from what is stored: every category, on unless stored off. */
static char *whole_set(const char *stored)
{
	json_t *in = json_loads(stored ? stored : "{}", 0, NULL), *out = json_object();
	for (size_t c = 0; c < N(channels); c++) {
		json_t *ch = json_object();
		json_t *have = json_object_get(in, channels[c]);
		for (size_t k = 0; k < N(categories); k++) {
			json_t *v = json_object_get(have, categories[k]);
			json_object_set_new(ch, categories[k], json_boolean(!json_is_false(v)));
		}
		json_object_set_new(out, channels[c], ch);
	}
	char *text = wvl_json__dump(out);
	json_decref(in);
	json_decref(out);
	return text;
}

static int need_user(const wvl_actor *actor)
{
	return actor && actor->user_id[0] && wvl_uuid_valid(actor->user_id)
		       ? 0
		       : wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
}

int wvl_prefs_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_user(actor);
	char *stored = NULL;
	const char *p[] = {actor ? actor->user_id : NULL};
	if (!rc)
		rc = wvl_pg__read_one(&stored, ctx, actor,
				      "SELECT email_prefs::text FROM users WHERE id = $1::uuid", 1, p);
	if (!rc && !(*out_json = whole_set(stored)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(stored);
	return rc;
}

/* The body's changes as the object to merge into what is stored; field
 * errors name what does not fit. */
static json_t *changes_of(const char *body_json, int *rc)
{
	static const struct wvl_field fields[] = {{"email", WVL_F_OBJECT, false, 0},
						  {"inapp", WVL_F_OBJECT, false, 0}};
	json_t *body = wvl_json__parse_body(body_json, fields, N(fields));
	if (!body) {
		*rc = wvl_error_last()->code;
		return NULL;
	}
	const char *ch, *cat;
	json_t *cats, *v;
	json_object_foreach(body, ch, cats) {
		json_object_foreach(cats, cat, v) {
			if (!wvl_prefs__category_ok(cat) || !json_is_boolean(v)) {
				*rc = wvl_json__field_error(ch, wvl_prefs__category_ok(cat)
									? "values are true or false"
									: "names an unknown category");
				json_decref(body);
				return NULL;
			}
		}
	}
	*rc = 0;
	return body;
}

/* Stored: the union of what was off, minus what the body turns on. */
static const char update_sql[] =
	"UPDATE users SET email_prefs = ("
	"  SELECT coalesce(jsonb_object_agg(ch, cats), '{}'::jsonb) FROM ("
	"   SELECT ch, jsonb_object_agg(cat, false) AS cats FROM ("
	"     SELECT c.key AS ch, k.key AS cat, k.value AS on_"
	"       FROM jsonb_each(email_prefs || '{}'::jsonb) c, jsonb_each(c.value) k"
	"      WHERE NOT coalesce(($2::jsonb -> c.key) ? k.key, false)"
	"     UNION ALL"
	"     SELECT c.key, k.key, k.value FROM jsonb_each($2::jsonb) c, jsonb_each(c.value) k"
	"   ) e WHERE e.on_ = 'false'::jsonb GROUP BY ch) s)"
	" WHERE id = $1::uuid RETURNING email_prefs::text";

int wvl_prefs_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_user(actor);
	json_t *changes = rc ? NULL : changes_of(body_json, &rc);
	if (rc)
		return rc;
	char *text = wvl_json__dump(changes), *stored = NULL;
	json_decref(changes);
	const char *p[] = {actor->user_id, text};
	rc = text ? wvl_pg__write_one(&stored, ctx, actor, update_sql, 2, p)
		  : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (!rc && !(*out_json = whole_set(stored)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(text);
	free(stored);
	return rc;
}
