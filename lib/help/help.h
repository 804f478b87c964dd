/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_HELP_INTERNAL_H
#define WVL_HELP_INTERNAL_H

/* Internal to lib/help: shared by its files.  Never installed. */

#include <jansson.h>

#include "../core/internal.h"
#include "../core/pg.h"
#include "wavelaunch/help.h"

/* ---- the resource (read.c) ---- */

/* The article as JSON (alias a), for everyone and for the team. */
#define WVL_HELP_PUBLIC_JSON_(extra)                                                        \
	"json_build_object('id', a.id, 'slug', a.slug, 'title', a.title, 'content', a.content," \
	" 'html', a.html, 'excerpt', a.excerpt, 'category', a.category, 'tags', a.tags,"     \
	" 'published', a.published, 'published_at', a.published_at, 'version', a.version,"   \
	" 'views', coalesce((SELECT v.views FROM help_article_views v"                       \
	" WHERE v.article_id = a.id), 0), 'created_at', a.created_at,"                       \
	" 'updated_at', a.updated_at" extra ")"
#define WVL_HELP_PUBLIC_JSON WVL_HELP_PUBLIC_JSON_("")
#define WVL_HELP_TEAM_JSON                                                                   \
	WVL_HELP_PUBLIC_JSON_(", 'author_id', a.author_id, 'first_published_at',"            \
			      " a.first_published_at")

/* Who reads drafts and versions (admin, staff, system), and who writes
 * (admin, system).  0 or the refusal (WVL_EUNAUTHENTICATED for anonymous,
 * else WVL_EFORBIDDEN). */
int wvl_help__need_writer(const wvl_actor *a);

/* Whether `s` has the shape of a slug (help_articles' check). */
bool wvl_help__slug_ok(const char *s);

/* The article `id` as the team sees it, into *out (replaced). */
int wvl_help__article_json(char **out, wvl_ctx *ctx, PGconn *c, const char *id);

/* ---- an edit (fields.c) ---- */

/* What a create, an update or a restore asks for.  NULL / -1: unchanged
 * (on create: the default).  The strings point into `json`, or into
 * whatever the caller keeps alive. */
struct wvl_help_edit {
	json_t *json;        /* the parsed body, owned (NULL for a restore) */
	const char *title;
	const char *content;
	const char *excerpt; /* "": derive it from the content */
	const char *category;
	json_t *tags;        /* an array of checked tags */
	int published;       /* -1, 0 or 1 */
};

enum wvl_help_edit_kind {
	WVL_HELP_CREATE,  /* title required */
	WVL_HELP_UPDATE,  /* something required */
	WVL_HELP_PREVIEW, /* anything, even {} */
};

/* Parses and checks a body.  0, or WVL_EINVAL for malformed JSON or an
 * empty update, and WVL_EVALIDATION with field errors. */
int wvl_help__edit_parse(struct wvl_help_edit *e, const char *body_json,
			 enum wvl_help_edit_kind kind);
void wvl_help__edit_free(struct wvl_help_edit *e);

/* Checks a tags array (json_t array): 0 or WVL_EVALIDATION for "tags". */
int wvl_help__tags_check(json_t *tags);

/* A PostgreSQL text[] literal of checked tags ({"a","b"}); malloc'd. */
char *wvl_help__tags_literal(json_t *tags);

/* ---- rendering (render.c) ---- */

struct wvl_help_rendered {
	char *html;    /* sanitised (wvl_free) */
	char *text;    /* plain text (free) */
	char *excerpt; /* derived from text (free) */
};

/* Renders markdown to sanitised HTML, plain text and the derived
 * excerpt.  0 or the renderer's failure. */
int wvl_help__render(struct wvl_help_rendered *r, const char *markdown);
void wvl_help__rendered_free(struct wvl_help_rendered *r);

/* The excerpt derived from plain text: its whitespace folded, cut after
 * at most 200 characters at a word's end, with "…" when cut.  malloc'd. */
char *wvl_help__excerpt(const char *text);

/* ---- writing (write.c) ---- */

/* Applies `e` to article `id` inside the caller's transaction: renders
 * what changed, keeps a version when the title, content, excerpt,
 * category or tags changed (reason "updated" or "restored", the latter
 * with `restored_from`), publishes or unpublishes, and puts the article
 * as the team sees it into *out. */
int wvl_help__apply(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
		    const char *id, const struct wvl_help_edit *e, const char *reason,
		    int restored_from);

/* ---- view counts (views.c) ---- */

/* Counts one view of article `id` (a uuid) and writes the batch when it
 * is due. */
void wvl_help__view(wvl_ctx *ctx, const char *id);

/* The module: the context's batch of views. */
extern const struct wvl_module wvl_help__module;

#endif
