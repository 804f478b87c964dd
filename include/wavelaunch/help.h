/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_HELP_H
#define WAVELAUNCH_HELP_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The help center: markdown articles with ranked full-text search, public
 * pages, and every edit kept as a version.
 *
 * The article resource:
 *   {"id","slug","title","content" (markdown),"html" (rendered and
 *    sanitised: the rules of sanitize.h),"excerpt","category","tags",
 *    "published","published_at","version","views","created_at",
 *    "updated_at"}, and for the team also "author_id" and
 *   "first_published_at".
 *
 * Who may do what: anyone, signed in or not, reads published articles;
 * the team (admin, staff, system) also reads drafts and versions; only
 * admins (and the system) write (staff and client users: WVL_EFORBIDDEN;
 * anonymous: WVL_EUNAUTHENTICATED).  An article the actor may not read is
 * WVL_ENOTFOUND.
 *
 * Slugs are made from the title (accents dropped, lower case, words joined
 * by '-'; "-2", "-3" ... when taken), unique also under concurrent
 * creation, follow the title while the article has never been published,
 * and never change after its first publication.
 *
 * Bodies of create and update (every field optional on update; unknown
 * fields refused; field errors are WVL_EVALIDATION):
 *   "title"      1..200 characters, not blank (required on create);
 *   "content"    markdown, at most WVL_HELP_MAX_CONTENT bytes;
 *   "excerpt"    at most 500 characters of plain text; "" or absent: the
 *                first sentences of the content, kept up to date with it;
 *   "category"   [a-z0-9] words joined by '-', at most 60 ("general");
 *   "tags"       at most 20 such words of at most 40 characters, no repeats;
 *   "published"  true publishes (the first time also freezes the slug),
 *                false takes the article back to draft.
 *
 * View counts are batched: a read adds to a counter in the context's
 * memory, and the counts of every article read are written in one
 * statement once WVL_HELP_VIEWS_FLUSH_SECONDS have passed since the first
 * uncounted view (by the context's clock), once WVL_HELP_VIEWS_BATCH views
 * wait, when wvl_help_views_flush is called, and when the context is
 * freed.  So "views" lags by up to that long, and a process that dies
 * loses its last batch: the count is a popularity measure, not a ledger.
 *
 * Every call below may also return WVL_EINVAL for a NULL out_json, ctx or
 * actor, WVL_EUNAVAILABLE when PostgreSQL cannot be reached and
 * WVL_EINTERNAL for an unexpected failure; on any failure *out_json is
 * NULL and nothing is written.  A body that is not a JSON object is
 * WVL_EINVAL with slug "bad_request"; a query a list does not take, the
 * same.
 *
 * Thread-safety: every call may be made from any thread on a shared
 * context (the view batch is behind a lock).  Strings returned through
 * `out_json` are the caller's (wvl_free).
 */

/** The largest markdown an article holds, in bytes (512 KiB). */
#define WVL_HELP_MAX_CONTENT ((size_t)512 * 1024)
/** The view batch: written after this many seconds ... */
#define WVL_HELP_VIEWS_FLUSH_SECONDS 10
/** ... or this many waiting views, whichever comes first. */
#define WVL_HELP_VIEWS_BATCH 1000

/**
 * Lists or searches articles (a top-level list: `scope_id` must be NULL;
 * the rules of query.h).  Filters:
 *   q         search text (up to 256 characters) in the syntax of web
 *             search engines ("quoted phrase", or, -word): ranks by
 *             relevance, a title that matches by itself first, and adds
 *             "snippet", HTML whose only markup is <mark>...</mark> around
 *             the words found (everything else escaped);
 *   category  one category;
 *   tag       articles carrying this tag;
 *   status    published (default), draft or all: drafts for the team only
 *             (WVL_EFORBIDDEN, or WVL_EUNAUTHENTICATED when anonymous).
 * Sort: without q, updated_at (default, newest first), title or views;
 * with q, relevance only.  Fields: id (always), slug, title, excerpt,
 * category, tags, published, published_at, updated_at, created_at, version,
 * views, and snippet with q.  The items carry no content or html.
 *
 * Returns 0 with a page for the caller to free; WVL_EINVAL for a scope or
 * a query it does not take; WVL_EUNAUTHENTICATED or WVL_EFORBIDDEN for a
 * status other than published asked by anyone but the team.
 */
WVL_EXTERN int wvl_help_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * One article by slug or by id.  Counts a view of a published article
 * (see above; a write may happen on this call when the batch is due).
 * Returns 0 with the article (the caller's; the team's view for the
 * team); WVL_EINVAL for a NULL `slug_or_id`; WVL_ENOTFOUND when there is no
 * such article within the actor's reach (drafts are out of reach of
 * anyone but the team) or the key is neither a uuid nor a slug.
 */
WVL_EXTERN int wvl_help_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			    const char *slug_or_id) WVL_WARN_UNUSED;

/**
 * Published articles related to one (its slug or id as `scope`; the rules
 * of query.h, no filters, no sort): those sharing its tags or words of its
 * title, most shared tags and best text match first; items as in
 * wvl_help_list plus "score".  An article out of reach has none (an empty
 * page, as any list of a parent the actor cannot see).  Returns 0 with a
 * page for the caller to free; WVL_EINVAL for a NULL scope or a query it
 * does not take.
 */
WVL_EXTERN int wvl_help_related(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *scope, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Creates an article (admins) as version 1.  Returns 0 with the article
 * (the caller's); WVL_EINVAL for a malformed body; WVL_EVALIDATION with
 * field errors (the rules above; title required); WVL_ECONFLICT when no
 * free slug could be found for the title (try again);
 * WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_help_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *body_json) WVL_WARN_UNUSED;

/**
 * Changes an article (admins).  A change of title, content, excerpt,
 * category or tags is a new version; "published" alone is not, nor is a
 * body whose values are the article's already.  An empty body is
 * WVL_EINVAL.  While the article has never been published, a new title
 * may take a slug another draft took a moment before: WVL_ECONFLICT,
 * and trying again succeeds.  `id` is the article's uuid (not a slug).
 * Returns 0 with the article (the caller's); WVL_EINVAL (malformed or
 * empty body); WVL_EVALIDATION with field errors; WVL_ENOTFOUND (no such
 * article, or `id` not a uuid); WVL_ECONFLICT; WVL_EUNAUTHENTICATED;
 * WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_help_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Renders a body as create would store it, without storing anything
 * (admins; every field optional).  Returns 0 with
 * {"title","html","excerpt","category","tags"} (the caller's);
 * WVL_EINVAL for a malformed body; WVL_EVALIDATION with field errors;
 * WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_help_preview(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json) WVL_WARN_UNUSED;

/**
 * Deletes an article with its versions and count (admins).  Returns 0;
 * WVL_ENOTFOUND (no such article, or `id` not a uuid);
 * WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_help_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
	WVL_WARN_UNUSED;

/**
 * The versions of an article, newest first (the team; the article's id as
 * `article_id`; the rules of query.h, no filters, no sort):
 * {"id","article_id","version","title","excerpt","category","tags",
 *  "reason" (created, updated, restored),"restored_from","author_id",
 *  "created_at"}.  Without the content: wvl_help_version_get has it.
 * Returns 0 with a page for the caller to free (an unknown article gives
 * an empty one); WVL_EINVAL for a NULL `article_id` or a query it does not
 * take; WVL_ENOTFOUND for an `article_id` that is not a uuid;
 * WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN for a client user.
 */
WVL_EXTERN int wvl_help_versions_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				      const char *article_id, const wvl_query *query)
	WVL_WARN_UNUSED;

/**
 * One version by its id, with its "content" (the team).  Returns 0 with
 * the version (the caller's); WVL_ENOTFOUND (no such version, or not a
 * uuid); WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN for a client user.
 */
WVL_EXTERN int wvl_help_version_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				    const char *version_id) WVL_WARN_UNUSED;

/**
 * Makes a version's title, content, excerpt, category and tags the
 * article's again (admins), as a new version (reason "restored",
 * "restored_from" its number); the article's published state and slug
 * rules are unchanged.  Returns 0 with the article (the caller's);
 * WVL_ENOTFOUND (no such version, or not a uuid); WVL_ECONFLICT;
 * WVL_EUNAUTHENTICATED; WVL_EFORBIDDEN.
 */
WVL_EXTERN int wvl_help_version_restore(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					const char *version_id) WVL_WARN_UNUSED;

/**
 * The difference between two versions of an article (the team).  `query`
 * holds "from" and "to", version numbers; "to" may be left out for the
 * newest.  Anything else, or a number that is not a positive integer, is
 * WVL_EINVAL; a version that does not exist (or an `article_id` that is
 * not a uuid), WVL_ENOTFOUND; a client user, WVL_EFORBIDDEN.  Returns 0
 * with, for the caller to free, {"article_id","from","to","fields":{name:{"from","to"}} for each of
 * title, excerpt, category and tags that differ,"patch" (a unified diff of
 * the markdown, "" when equal),"hunks":[{"old_start","old_lines",
 * "new_start","new_lines","lines":[{"op":" "|"-"|"+","old","new","text"}]}]}
 * where "old"/"new" are line numbers (null on the side a line is not on).
 */
WVL_EXTERN int wvl_help_diff(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *article_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Writes the context's waiting view counts now (one statement, as the
 * system).  Returns 0 when nothing waits or the write succeeded;
 * WVL_EINVAL for a NULL ctx; the write's failure otherwise
 * (WVL_EUNAVAILABLE, WVL_ECONFLICT, WVL_EINTERNAL: those counts are
 * dropped; the caller decides nothing from it but a log line).
 */
WVL_EXTERN int wvl_help_views_flush(wvl_ctx *ctx) WVL_WARN_UNUSED;

/**
 * Adds `articles` (1..100000) generated help articles, nine in ten
 * published, as version 1 each, in one transaction as the system: demo
 * data and the search benchmark's corpus.  May be called again (slugs are
 * numbered after the articles there are).  `*out_created` receives the
 * number added (0 on failure).  Returns 0; WVL_EINVAL for a NULL argument
 * or `articles` out of range; WVL_EUNAVAILABLE; WVL_ECONFLICT or
 * WVL_EINTERNAL when the transaction fails (nothing is added).
 */
WVL_EXTERN int wvl_help_seed_demo(int *out_created, wvl_ctx *ctx, unsigned int articles)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
