/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Preview: what an edit would store, rendered by the same code, stored
 * nowhere. */

#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "help.h"

int wvl_help_preview(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_help__need_writer(actor);
	if (rc)
		return rc;
	struct wvl_help_edit e;
	struct wvl_help_rendered r = {0};
	rc = wvl_help__edit_parse(&e, body_json, WVL_HELP_PREVIEW);
	if (!rc)
		rc = wvl_help__render(&r, e.content ? e.content : "");
	if (!rc) {
		bool custom = e.excerpt && *e.excerpt;
		json_t *tags = e.tags ? json_incref(e.tags) : json_array();
		json_t *doc = json_pack("{s:s?,s:s,s:s,s:s,s:o}", "title", e.title, "html", r.html,
					"excerpt", custom ? e.excerpt : r.excerpt, "category",
					e.category ? e.category : "general", "tags", tags);
		*out_json = doc ? wvl_json__dump(doc) : NULL;
		json_decref(doc);
		if (!*out_json)
			rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	wvl_help__rendered_free(&r);
	wvl_help__edit_free(&e);
	return rc;
}
