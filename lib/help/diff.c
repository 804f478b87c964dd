/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The difference between two versions of an article: which of its short
 * fields changed, and a line diff of the markdown.
 *
 * The line diff is libgit2's (git_patch_from_buffers: git's xdiff, Myers
 * with git's heuristics and its bounds on pathological inputs), a
 * well-kept Debian library, rather than a hand-written Myers: a correct
 * linear-space diff with a cost bound is not small, and a markdown
 * article of 512 KiB is exactly the input that needs the bound.  The
 * price is libgit2's own dependencies in the process; only its
 * in-memory diff is used (no repository, no network, no files). */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "../core/buf.h"
#include "../core/json.h"
#include "help.h"

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static int git_ready;

/* Once per process, never shut down: libgit2 counts its users, and a
 * library cannot know when the host is done with it. */
static void git_start(void)
{
	git_ready = git_libgit2_init() > 0;
}

/* "from" and "to": positive version numbers; to may be left out. */
static int parse_query(const wvl_query *q, int *from, int *to)
{
	*from = *to = 0;
	for (size_t i = 0; i < wvl_query_count(q); i++) {
		const char *k = wvl_query_key(q, i), *v = wvl_query_value(q, i);
		int *slot = !strcmp(k, "from") ? from : !strcmp(k, "to") ? to : NULL;
		if (!slot)
			return wvl_err__set(WVL_EINVAL, "bad_request", "unknown query parameter: %s", k);
		size_t n = strlen(v);
		if (n == 0 || n > 9 || strspn(v, "0123456789") != n || atoi(v) < 1)
			return wvl_err__set(WVL_EINVAL, "bad_request",
					    "query parameter %s must be a version number", k);
		*slot = atoi(v);
	}
	return *from ? 0 : wvl_err__set(WVL_EINVAL, "bad_request", "query parameter from is required");
}

/* Both versions, "to" the newest when not given. */
static const char versions_sql[] =
	"SELECT v.version, v.title, v.content, v.excerpt, v.category, to_json(v.tags)::text"
	" FROM help_article_versions v WHERE v.article_id = $1::uuid AND v.version IN"
	" ($2::int, coalesce($3::int, (SELECT a.version FROM help_articles a WHERE a.id = $1::uuid)))";
enum { V_VERSION, V_TITLE, V_CONTENT, V_EXCERPT, V_CATEGORY, V_TAGS };

static void add_field(json_t *fields, PGresult *r, int a, int b, int col, const char *name)
{
	const char *x = PQgetvalue(r, a, col), *y = PQgetvalue(r, b, col);
	if (!strcmp(x, y))
		return;
	bool tags = col == V_TAGS;
	json_object_set_new(fields, name,
			    json_pack("{s:o,s:o}", "from",
				      tags ? json_loads(x, 0, NULL) : json_string(x), "to",
				      tags ? json_loads(y, 0, NULL) : json_string(y)));
}

/* One line as JSON, and as the unified text prints it. */
static json_t *line_of(const git_diff_line *l, struct wvl_buf *text)
{
	size_t len = l->content_len;
	if (len && l->content[len - 1] == '\n')
		len--;
	char op[2] = {l->origin, '\0'};
	wvl_buf__putc(text, l->origin);
	wvl_buf__put(text, l->content, len);
	wvl_buf__putc(text, '\n');
	return json_pack("{s:s,s:o,s:o,s:s%}", "op", op, "old",
			 l->old_lineno > 0 ? json_integer(l->old_lineno) : json_null(), "new",
			 l->new_lineno > 0 ? json_integer(l->new_lineno) : json_null(), "text",
			 l->content, len);
}

static json_t *hunk_of(git_patch *patch, size_t h, struct wvl_buf *text)
{
	const git_diff_hunk *hunk;
	size_t nl = 0;
	if (git_patch_get_hunk(&hunk, &nl, patch, h) != 0)
		return NULL;
	wvl_buf__put(text, hunk->header, hunk->header_len);
	json_t *lines = json_array();
	for (size_t i = 0; i < nl; i++) {
		const git_diff_line *l;
		/* '=', '>' and '<' only say "no newline at the end". */
		if (git_patch_get_line_in_hunk(&l, patch, h, i) == 0 &&
		    (l->origin == ' ' || l->origin == '+' || l->origin == '-'))
			json_array_append_new(lines, line_of(l, text));
	}
	return json_pack("{s:i,s:i,s:i,s:i,s:o}", "old_start", hunk->old_start, "old_lines",
			 hunk->old_lines, "new_start", hunk->new_start, "new_lines",
			 hunk->new_lines, "lines", lines);
}

/* The hunks of the markdown's diff, and its unified text. */
static int hunks_of(json_t *out, const char *a, const char *b, int from, int to)
{
	pthread_once(&git_once, git_start);
	git_diff_options opts;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_FORCE_TEXT;
	git_patch *patch = NULL;
	if (!git_ready || git_patch_from_buffers(&patch, a, strlen(a), NULL, b, strlen(b), NULL,
						 &opts) != 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "the diff failed");
	struct wvl_buf text = WVL_BUF_INIT;
	json_t *hunks = json_array();
	size_t nh = git_patch_num_hunks(patch);
	if (nh) {
		char head[64];
		snprintf(head, sizeof(head), "--- version %d\n+++ version %d\n", from, to);
		wvl_buf__puts(&text, head);
	}
	for (size_t h = 0; h < nh; h++) {
		json_t *hunk = hunk_of(patch, h, &text);
		if (hunk)
			json_array_append_new(hunks, hunk);
	}
	git_patch_free(patch);
	char *t = wvl_buf__take(&text);
	json_object_set_new(out, "patch", t ? json_string(t) : json_null());
	json_object_set_new(out, "hunks", hunks);
	int rc = t ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(t);
	return rc;
}

static int diff_rows(char **out_json, const char *article_id, PGresult *r, int from, int to)
{
	int a = -1, b = -1;
	for (int i = 0; i < PQntuples(r); i++) {
		int v = atoi(PQgetvalue(r, i, V_VERSION));
		if (v == from)
			a = i;
		if (v == to || (!to && v != from))
			b = i;
	}
	if (!to && b < 0) /* from is the newest */
		b = a;
	if (a < 0 || b < 0)
		return wvl_err__not_found();
	json_t *doc = json_pack("{s:s,s:i,s:i}", "article_id", article_id, "from", from, "to",
				atoi(PQgetvalue(r, b, V_VERSION)));
	json_t *fields = json_object();
	add_field(fields, r, a, b, V_TITLE, "title");
	add_field(fields, r, a, b, V_EXCERPT, "excerpt");
	add_field(fields, r, a, b, V_CATEGORY, "category");
	add_field(fields, r, a, b, V_TAGS, "tags");
	json_object_set_new(doc, "fields", fields);
	int rc = hunks_of(doc, PQgetvalue(r, a, V_CONTENT), PQgetvalue(r, b, V_CONTENT), from,
			  atoi(PQgetvalue(r, b, V_VERSION)));
	if (!rc && !(*out_json = wvl_json__dump(doc)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	json_decref(doc);
	return rc;
}

int wvl_help_diff(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *article_id,
		  const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int from, to;
	int rc = wvl_actor__need_team(actor);
	if (!rc)
		rc = parse_query(query, &from, &to);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(article_id))
		return wvl_err__not_found();
	char f[16], t[16];
	snprintf(f, sizeof(f), "%d", from);
	snprintf(t, sizeof(t), "%d", to);
	const char *p[] = {article_id, f, to ? t : NULL};
	PGresult *r = wvl_pg__read(ctx, actor, versions_sql, 3, p);
	if (!r)
		return wvl_error_last()->code;
	rc = diff_rows(out_json, article_id, r, from, to);
	PQclear(r);
	return rc;
}
