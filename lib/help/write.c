/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Creating, changing and deleting articles (admins).  Every change of the
 * title, content, excerpt, category or tags keeps a version; the slug
 * follows the title until the first publication. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"

/* Creators of articles with one title take turns (lock_slug), so a try
 * fails only when another title's slug took the name ("Step" after
 * "Step 2"): then the insert does nothing and the next try looks again. */
#define SLUG_TRIES 8

/* Serialises slug choice per title base until the transaction ends: the
 * next creator's help_next_slug then sees the slug the last one took,
 * instead of all of them picking the same one and retrying in turn. */
static int lock_slug(wvl_ctx *ctx, PGconn *c, const char *title)
{
	const char *p[] = {title};
	PGresult *r = wvl_pg__exec(ctx, c,
				   "SELECT pg_advisory_xact_lock(hashtext('help_articles.slug'),"
				   " hashtext(help_slug_base($1)))", 1, p);
	PQclear(r);
	return r ? 0 : wvl_error_last()->code;
}

static const char insert_sql[] =
	"INSERT INTO help_articles AS a (slug, title, content, html, body_text, excerpt,"
	" excerpt_custom, category, tags, published, published_at, first_published_at,"
	" author_id, created_at, updated_at)"
	" VALUES (help_next_slug(help_slug_base($1), NULL), $1, $2, $3, $4, $5, $6::boolean,"
	"  coalesce($7, 'general'), $8::text[], $9::boolean,"
	"  CASE WHEN $9::boolean THEN $10::timestamptz END,"
	"  CASE WHEN $9::boolean THEN $10::timestamptz END,"
	"  nullif($11, '')::uuid, $10::timestamptz, $10::timestamptz)"
	" ON CONFLICT (slug) DO NOTHING RETURNING a.id";

/* The article's current fields as a version.  excerpt: only one written
 * by hand ('' restores to "derived"). */
static const char version_sql[] =
	"INSERT INTO help_article_versions (article_id, version, title, content, excerpt,"
	" category, tags, reason, restored_from, author_id, created_at)"
	" SELECT a.id, a.version, a.title, a.content,"
	"  CASE WHEN a.excerpt_custom THEN a.excerpt ELSE '' END, a.category, a.tags, $2,"
	"  $3::int, nullif($4, '')::uuid, $5::timestamptz"
	" FROM help_articles a WHERE a.id = $1::uuid";

static int record_version(wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, const char *id,
			  const char *reason, int restored_from, const char *now)
{
	char from[16];
	snprintf(from, sizeof(from), "%d", restored_from);
	const char *p[] = {id, reason, restored_from ? from : NULL, actor->user_id, now};
	PGresult *r = wvl_pg__exec(ctx, c, version_sql, 5, p);
	PQclear(r);
	return r ? 0 : wvl_error_last()->code;
}

/* ---- create ---- */

struct create_arg {
	const struct wvl_help_edit *e;
	const struct wvl_help_rendered *r;
};

static int insert_article(wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
			  const struct create_arg *a, const char *now, char id[37])
{
	const struct wvl_help_edit *e = a->e;
	bool custom = e->excerpt && *e->excerpt;
	char *tags = wvl_help__tags_literal(e->tags);
	if (!tags)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *p[] = {e->title, e->content ? e->content : "", a->r->html, a->r->text,
			   custom ? e->excerpt : a->r->excerpt, custom ? "true" : "false",
			   e->category, tags, e->published == 1 ? "true" : "false", now,
			   actor->user_id};
	int rc = lock_slug(ctx, c, e->title);
	bool inserted = false;
	for (int i = 0; !rc && !inserted && i < SLUG_TRIES; i++) {
		PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 11, p);
		if (!r)
			rc = wvl_error_last()->code;
		else if ((inserted = PQntuples(r) == 1))
			snprintf(id, 37, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	free(tags);
	if (!rc && !inserted)
		rc = wvl_err__set(WVL_ECONFLICT, NULL, "no free slug for this title: try again");
	return rc;
}

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	char now[40], id[37];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	int rc = insert_article(ctx, actor, c, arg, now, id);
	if (!rc)
		rc = record_version(ctx, actor, c, id, "created", 0, now);
	return rc ? rc : wvl_help__article_json(out, ctx, c, id);
}

int wvl_help_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *body_json)
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
	rc = wvl_help__edit_parse(&e, body_json, WVL_HELP_CREATE);
	if (!rc)
		rc = wvl_help__render(&r, e.content ? e.content : "");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &(struct create_arg){&e, &r});
	wvl_help__rendered_free(&r);
	wvl_help__edit_free(&e);
	return rc;
}

/* ---- update and restore ---- */

/* The row as it is, locked for the change. */
static const char current_sql[] =
	"SELECT a.title, a.content, a.body_text, a.excerpt, a.excerpt_custom, a.category,"
	" to_json(a.tags)::text, a.published FROM help_articles a WHERE a.id = $1::uuid FOR UPDATE";
enum { CUR_TITLE, CUR_CONTENT, CUR_TEXT, CUR_EXCERPT, CUR_CUSTOM, CUR_CATEGORY, CUR_TAGS,
       CUR_PUBLISHED };

static const char update_sql[] =
	"UPDATE help_articles AS a SET title = $2, content = $3, html = coalesce($4, a.html),"
	" body_text = coalesce($5, a.body_text), excerpt = $6, excerpt_custom = $7::boolean,"
	" category = $8, tags = $9::text[],"
	" slug = CASE WHEN a.first_published_at IS NULL AND a.title <> $2"
	"   THEN help_next_slug(help_slug_base($2), a.id) ELSE a.slug END,"
	" published = $10::boolean,"
	" published_at = CASE WHEN NOT $10::boolean THEN NULL WHEN a.published THEN a.published_at"
	"   ELSE $11::timestamptz END,"
	" first_published_at = CASE WHEN $10::boolean"
	"   THEN coalesce(a.first_published_at, $11::timestamptz) ELSE a.first_published_at END,"
	" version = a.version + $12::int, updated_at = $11::timestamptz"
	" WHERE a.id = $1::uuid";

/* The article after the edit: what changes, with every string either the
 * current row's (in `cur`) or new (owned here). */
struct next {
	const char *title, *content, *excerpt, *category;
	bool custom, published, versioned;
	json_t *tags;         /* owned */
	struct wvl_help_rendered r; /* when the content changed */
	char *derived;        /* the excerpt derived from unchanged text */
};

static void next_free(struct next *n)
{
	json_decref(n->tags);
	wvl_help__rendered_free(&n->r);
	free(n->derived);
}

static bool differs(const char *a, const char *b) { return strcmp(a, b) != 0; }

/* The excerpt: written by hand when given, "" derives it from the text
 * again; absent, a derived one follows the content and a written one
 * stays. */
static int decide_excerpt(struct next *n, const struct wvl_help_edit *e, PGresult *cur)
{
	bool was_custom = PQgetvalue(cur, 0, CUR_CUSTOM)[0] == 't';
	n->custom = e->excerpt ? *e->excerpt != '\0' : was_custom;
	if (n->custom) {
		n->excerpt = e->excerpt ? e->excerpt : PQgetvalue(cur, 0, CUR_EXCERPT);
		return 0;
	}
	if (n->r.excerpt) {
		n->excerpt = n->r.excerpt;
		return 0;
	}
	if (!was_custom) { /* derived from the text, which stays */
		n->excerpt = PQgetvalue(cur, 0, CUR_EXCERPT);
		return 0;
	}
	n->derived = wvl_help__excerpt(PQgetvalue(cur, 0, CUR_TEXT));
	n->excerpt = n->derived;
	return n->derived ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static int decide(struct next *n, const struct wvl_help_edit *e, PGresult *cur)
{
	const char *content = PQgetvalue(cur, 0, CUR_CONTENT);
	n->title = e->title ? e->title : PQgetvalue(cur, 0, CUR_TITLE);
	n->content = e->content ? e->content : content;
	n->category = e->category ? e->category : PQgetvalue(cur, 0, CUR_CATEGORY);
	n->published = e->published >= 0 ? e->published == 1
					  : PQgetvalue(cur, 0, CUR_PUBLISHED)[0] == 't';
	json_t *old_tags = json_loads(PQgetvalue(cur, 0, CUR_TAGS), 0, NULL);
	n->tags = e->tags ? json_incref(e->tags) : json_incref(old_tags);
	bool content_changed = differs(n->content, content);
	int rc = content_changed ? wvl_help__render(&n->r, n->content) : 0;
	if (!rc)
		rc = decide_excerpt(n, e, cur);
	n->versioned = differs(n->title, PQgetvalue(cur, 0, CUR_TITLE)) || content_changed ||
		       differs(n->excerpt, PQgetvalue(cur, 0, CUR_EXCERPT)) ||
		       n->custom != (PQgetvalue(cur, 0, CUR_CUSTOM)[0] == 't') ||
		       differs(n->category, PQgetvalue(cur, 0, CUR_CATEGORY)) ||
		       !json_equal(n->tags, old_tags);
	json_decref(old_tags);
	return rc;
}

static int write_next(wvl_ctx *ctx, PGconn *c, const char *id, const struct next *n,
		      bool versioned, const char *now)
{
	char *tags = wvl_help__tags_literal(n->tags);
	if (!tags)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *p[] = {id, n->title, n->content, n->r.html, n->r.text, n->excerpt,
			   n->custom ? "true" : "false", n->category, tags,
			   n->published ? "true" : "false", now, versioned ? "1" : "0"};
	PGresult *r = wvl_pg__exec(ctx, c, update_sql, 12, p);
	PQclear(r);
	free(tags);
	return r ? 0 : wvl_error_last()->code;
}

int wvl_help__apply(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
		    const char *id, const struct wvl_help_edit *e, const char *reason,
		    int restored_from)
{
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {id};
	PGresult *cur = wvl_pg__exec_one(ctx, c, current_sql, 1, p);
	if (!cur)
		return wvl_error_last()->code;
	struct next n = {0};
	int rc = decide(&n, e, cur);
	if (!rc && e->title && differs(e->title, PQgetvalue(cur, 0, CUR_TITLE)))
		rc = lock_slug(ctx, c, e->title);
	/* A restore is kept as a version even when it changes nothing: it
	 * says what was done. */
	bool versioned = n.versioned || restored_from > 0;
	if (!rc)
		rc = write_next(ctx, c, id, &n, versioned, now);
	if (!rc && versioned)
		rc = record_version(ctx, actor, c, id, reason, restored_from, now);
	next_free(&n);
	PQclear(cur);
	return rc ? rc : wvl_help__article_json(out, ctx, c, id);
}

struct update_arg {
	const char *id;
	const struct wvl_help_edit *e;
};

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	const struct update_arg *a = arg;
	return wvl_help__apply(out, ctx, actor, c, a->id, a->e, "updated", 0);
}

int wvl_help_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		    const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_help__need_writer(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	struct wvl_help_edit e;
	rc = wvl_help__edit_parse(&e, body_json, WVL_HELP_UPDATE);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &(struct update_arg){id, &e});
	wvl_help__edit_free(&e);
	return rc;
}

/* ---- delete ---- */

int wvl_help_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	int rc = wvl_help__need_writer(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	char *out = NULL;
	const char *p[] = {id};
	rc = wvl_pg__write_one(&out, ctx, actor,
			       "DELETE FROM help_articles a WHERE a.id = $1::uuid RETURNING a.id::text",
			       1, p);
	free(out);
	return rc;
}
