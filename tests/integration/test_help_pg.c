/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The help center against a real PostgreSQL: ranking, drafts, markdown
 * through the sanitiser, slugs under concurrency, versions, hostile
 * searches, batched views, and row-level security behind the library. */

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "help/help.h"
#include "htmlcheck.h"
#include "testclock.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, client, anon;

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_T0);
	test_team(&admin, &staff, &db);
	client = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333",
			    "44444444-4444-4444-8444-444444444444");
	anon = test_actor(WVL_ROLE_ANONYMOUS, NULL, NULL);
}

static void teardown(void)
{
	test_env_close(&db, &ctx);
}

TestSuite(help, .init = setup, .fini = teardown, .timeout = 180);

/* ---- helpers ---- */

static char *member(const char *json, const char *key)
{
	return test_json_member(json, key);
}

/* Creates an article as the admin; returns its JSON (caller frees). */
static char *create(const char *body)
{
	char *out = NULL;
	cr_assert_eq(wvl_help_create(&out, ctx, &admin, body), 0, "%s: %s %s", body,
		     wvl_error_last()->message,
		     wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "");
	return out;
}

/* Creates an article and returns its id into `id`. */
static void create_id(char id[37], const char *body)
{
	char *out = create(body);
	char *v = member(out, "id");
	snprintf(id, 37, "%s", v);
	free(v);
	free(out);
}

static char *update(const char *id, const char *body)
{
	char *out = NULL;
	cr_assert_eq(wvl_help_update(&out, ctx, &admin, id, body), 0, "%s: %s", body,
		     wvl_error_last()->message);
	return out;
}

static void publish(const char *id)
{
	free(update(id, "{\"published\":true}"));
}

static json_t *list_as(const wvl_actor *a, const wvl_query *q)
{
	char *out = NULL;
	cr_assert_eq(wvl_help_list(&out, ctx, a, NULL, q), 0, "%s", wvl_error_last()->message);
	json_t *doc = json_loads(out, 0, NULL);
	cr_assert_not_null(doc, "%s", out);
	free(out);
	return doc;
}

/* The slugs of a list's page, comma-separated (caller frees). */
static char *slugs_of(json_t *doc)
{
	char buf[4096] = "";
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(doc, "data"), i, item) {
		strcat(buf, i ? "," : "");
		strcat(buf, json_string_value(json_object_get(item, "slug")));
	}
	return strdup(buf);
}

static char *search_slugs(const wvl_actor *a, const char *qs)
{
	json_t *doc = list_as(a, test_query("%s", qs));
	char *s = slugs_of(doc);
	json_decref(doc);
	return s;
}

static char *sys_value(const char *sql)
{
	return test_sys_value(&db, sql);
}

/* A snippet without its highlights (malloc'd): what is left must be
 * plain escaped text. */
static char *unmark(const char *snip)
{
	char *copy = strdup(snip);
	for (char *p; (p = strstr(copy, "<mark>")) != NULL;)
		memmove(p, p + 6, strlen(p + 6) + 1);
	for (char *p; (p = strstr(copy, "</mark>")) != NULL;)
		memmove(p, p + 7, strlen(p + 7) + 1);
	return copy;
}

/* A snippet's only markup is balanced <mark>...</mark>. */
static void expect_safe_snippet(const char *snip)
{
	char *plain = unmark(snip);
	cr_expect_null(strpbrk(plain, "<>\"'"), "%s", snip);
	cr_expect_null(htmlcheck_unsafe(plain), "%s", snip);
	int depth = 0;
	for (const char *p = snip; *p; p++) {
		depth += !strncmp(p, "<mark>", 6) - !strncmp(p, "</mark>", 7);
		cr_expect(depth == 0 || depth == 1, "%s", snip);
	}
	cr_expect_eq(depth, 0, "%s", snip);
	free(plain);
}

/* ---- ranking and search ---- */

Test(help, title_hit_outranks_body_hit)
{
	char a[37], b[37], c[37];
	/* The body repeats the words far more often than the title has them:
	 * ts_rank alone would put it first. */
	char body[8192] = "{\"title\":\"Shipping overview\",\"content\":\"";
	for (int i = 0; i < 200; i++)
		strcat(body, "refund policy ");
	strcat(body, "\",\"tags\":[\"refund\"]}");
	create_id(b, body);
	create_id(a, "{\"title\":\"Our refund policy\",\"content\":\"Money comes back in a week.\"}");
	create_id(c, "{\"title\":\"Taxes\",\"content\":\"A refund is mentioned once, policy too.\"}");
	publish(a);
	publish(b);
	publish(c);
	char *s = search_slugs(&anon, "q=refund+policy");
	cr_expect_str_eq(s, "our-refund-policy,shipping-overview,taxes");
	free(s);
	s = search_slugs(&anon, "q=refund");
	cr_expect_eq(strncmp(s, "our-refund-policy,", 18), 0, "%s", s);
	free(s);
}

Test(help, search_filters_by_category_and_tag_and_pages_by_rank)
{
	/* Invoice a..g: the later, the more often the body says "invoice", so
	 * the ranks differ and g comes first. */
	char id[37], body[512];
	for (int i = 0; i < 7; i++) {
		char words[128] = "details";
		for (int k = 0; k < i; k++)
			strcat(words, " invoice");
		snprintf(body, sizeof(body),
			 "{\"title\":\"Invoice %c\",\"content\":\"%s\",\"category\":\"%s\","
			 "\"tags\":[\"%s\"],\"published\":true}", 'a' + i, words,
			 i < 4 ? "billing" : "account", i % 3 ? "pdf" : "email");
		create_id(id, body);
	}
	char *s = search_slugs(&anon, "q=invoice");
	cr_expect_str_eq(s, "invoice-g,invoice-f,invoice-e,invoice-d,invoice-c,invoice-b,invoice-a");
	free(s);
	s = search_slugs(&anon, "q=invoice&category=billing");
	cr_expect_str_eq(s, "invoice-d,invoice-c,invoice-b,invoice-a");
	free(s);
	s = search_slugs(&anon, "q=invoice&tag=email");
	cr_expect_str_eq(s, "invoice-g,invoice-d,invoice-a");
	free(s);
	/* Pages of 2 by the rank's keyset: every article once, in order. */
	char all[1024] = "", qs[1200] = "q=invoice&limit=2";
	for (int page = 0; page < 10; page++) {
		json_t *doc = list_as(&anon, test_query("%s", qs));
		char *p = slugs_of(doc);
		strcat(all, *all && *p ? "," : "");
		strcat(all, p);
		free(p);
		const char *next = json_string_value(json_object_get(doc, "next_cursor"));
		if (next)
			snprintf(qs, sizeof(qs), "q=invoice&limit=2&cursor=%s", next);
		json_decref(doc);
		if (!next)
			break;
	}
	s = search_slugs(&anon, "q=invoice&limit=100");
	cr_expect_str_eq(all, s);
	cr_expect_eq(strlen(s), strlen("invoice-x") * 7 + 6);
	free(s);
}

Test(help, snippets_hold_no_markup_but_mark)
{
	char id[37];
	create_id(id, "{\"title\":\"Tricky\",\"published\":true,\"content\":"
		      "\"Use `<script>alert(\\\"x\\\")</script>` & <b>bold</b> 'quotes' \\\"too\\\" when the "
		      "widget <img src=x onerror=alert(1)> shows the widget's <mark>old</mark> name.\"}");
	json_t *doc = list_as(&anon, test_query("q=widget"));
	json_t *item = json_array_get(json_object_get(doc, "data"), 0);
	const char *snip = json_string_value(json_object_get(item, "snippet"));
	cr_assert_not_null(snip);
	cr_expect_not_null(strstr(snip, "<mark>widget</mark>"), "%s", snip);
	expect_safe_snippet(snip);
	/* Quotes are escaped (ts_headline itself drops what looks like a tag). */
	cr_expect_not_null(strstr(snip, "&quot;too&quot;"), "%s", snip);
	json_decref(doc);
}

/* Every string a person might paste, and then some: results or 400. */
Test(help, hostile_search_strings_give_results_or_400)
{
	char id[37];
	create_id(id, "{\"title\":\"Password help\",\"content\":\"a b c\",\"published\":true}");
	static const char *const ok[] = {
		"'", "&", "!", ":*", "\"", "\"unclosed", "a & b | !c", "-", "--", "or", "OR -",
		"<->", "a <-> b", "password:*", "(", ")", "\\", "'; DROP TABLE help_articles; --",
		"the and of", "%", "_", "*", "password:A", "!!password", "ünïcödé ✓", "\xe2\x80\x8b",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		wvl_query *q = NULL;
		cr_assert_eq(wvl_query_new(&q), 0);
		cr_assert_eq(wvl_query_add(q, "q", ok[i]), 0, "%s", ok[i]);
		char *out = NULL;
		int rc = wvl_help_list(&out, ctx, &anon, NULL, q);
		cr_expect_eq(rc, 0, "%s: %d %s", ok[i], rc, wvl_error_last()->message);
		cr_expect(rc != 0 || strncmp(out, "{\"data\":[", 9) == 0);
		free(out);
		wvl_query_free(q);
	}
	cr_expect_eq(test_log_contains("postgresql"), false, "a search made the database complain");
	/* Long (the list's limit), 10 KB (the query's own limit), invalid UTF-8. */
	char big[10241];
	memset(big, 'a', sizeof(big) - 1);
	big[10240] = '\0';
	big[257] = '\0';
	wvl_query *q = NULL;
	char *out = NULL;
	cr_assert_eq(wvl_query_new(&q), 0);
	cr_assert_eq(wvl_query_add(q, "q", big), 0);
	cr_expect_eq(wvl_help_list(&out, ctx, &anon, NULL, q), WVL_EINVAL);
	wvl_query_free(q);
	big[257] = 'a';
	cr_assert_eq(wvl_query_new(&q), 0);
	cr_expect_eq(wvl_query_add(q, "q", big), WVL_EINVAL);
	cr_expect_eq(wvl_query_add(q, "q", "\xff\xfe"), WVL_EINVAL);
	wvl_query_free(q);
}

/* ---- drafts ---- */

Test(help, drafts_are_invisible_to_the_public_and_to_search)
{
	char draft[37], pub[37];
	create_id(draft, "{\"title\":\"Secret roadmap\",\"content\":\"zeppelin launch\"}");
	create_id(pub, "{\"title\":\"Public roadmap\",\"content\":\"zeppelin museum\",\"published\":true}");
	const wvl_actor *outsiders[] = {&anon, &client};
	for (int i = 0; i < 2; i++) {
		char *s = search_slugs(outsiders[i], "q=zeppelin");
		cr_expect_str_eq(s, "public-roadmap");
		free(s);
		s = search_slugs(outsiders[i], "limit=100");
		cr_expect_str_eq(s, "public-roadmap");
		free(s);
		char *out = NULL;
		cr_expect_eq(wvl_help_get(&out, ctx, outsiders[i], "secret-roadmap"), WVL_ENOTFOUND);
		cr_expect_eq(wvl_help_get(&out, ctx, outsiders[i], draft), WVL_ENOTFOUND);
		cr_expect_eq(wvl_help_related(&out, ctx, outsiders[i], pub, NULL), 0);
		cr_expect_null(strstr(out, draft), "a draft is related: %s", out);
		free(out);
	}
	char *out = NULL;
	cr_expect_eq(wvl_help_list(&out, ctx, &anon, NULL, test_query("status=draft")),
		     WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_help_list(&out, ctx, &client, NULL, test_query("status=all")), WVL_EFORBIDDEN);
	/* The team reads drafts: by slug, by id, in lists. */
	char *s = search_slugs(&staff, "q=zeppelin&status=all");
	cr_expect(!strcmp(s, "secret-roadmap,public-roadmap") || !strcmp(s, "public-roadmap,secret-roadmap"),
		  "%s", s);
	free(s);
	s = search_slugs(&staff, "status=draft");
	cr_expect_str_eq(s, "secret-roadmap");
	free(s);
	cr_expect_eq(wvl_help_get(&out, ctx, &staff, "secret-roadmap"), 0);
	cr_expect_not_null(strstr(out, "\"author_id\""));
	free(out);
	cr_expect_eq(wvl_help_get(&out, ctx, &anon, "public-roadmap"), 0);
	cr_expect_null(strstr(out, "author_id"), "the public sees no team data");
	free(out);
}

/* Row-level security as a second wall: a statement that forgets the
 * "published" predicate still shows an outsider no draft, and only admins
 * (and the system) write. */
Test(help, row_level_security_backs_the_library)
{
	char id[37];
	create_id(id, "{\"title\":\"Draft\",\"content\":\"x\"}");
	create_id(id, "{\"title\":\"Out\",\"content\":\"x\",\"published\":true}");
	static const struct {
		const char *role;
		const char *sql;
		const char *want;
	} rows[] = {
		{"anonymous", "SELECT count(*) FROM help_articles", "1"},
		{"client", "SELECT count(*) FROM help_articles", "1"},
		{"staff", "SELECT count(*) FROM help_articles", "2"},
		{"anonymous", "SELECT count(*) FROM help_article_versions", "0"},
		{"staff", "SELECT count(*) FROM help_article_versions", "2"},
		{"staff", "WITH u AS (UPDATE help_articles SET title = 'x' RETURNING 1)"
			  " SELECT count(*) FROM u", "0"},
		{"anonymous", "WITH d AS (DELETE FROM help_articles RETURNING 1) SELECT count(*) FROM d",
		 "0"},
	};
	char url[600];
	snprintf(url, sizeof(url), "%s", db.app_url);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char sql[512];
		snprintf(sql, sizeof(sql), "SELECT set_config('wvl.actor_role', '%s', false); %s",
			 rows[i].role, rows[i].sql);
		char *v = test_sql_value(url, sql);
		cr_expect_str_eq(v ? v : "(error)", rows[i].want, "%s: %s", rows[i].role, rows[i].sql);
		free(v);
	}
}

Test(help, roles_allowed_to_write)
{
	char *out = NULL, id[37];
	const char *body = "{\"title\":\"T\"}";
	cr_expect_eq(wvl_help_create(&out, ctx, &staff, body), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_help_create(&out, ctx, &client, body), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_help_create(&out, ctx, &anon, body), WVL_EUNAUTHENTICATED);
	create_id(id, body);
	cr_expect_eq(wvl_help_update(&out, ctx, &staff, id, "{\"title\":\"U\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_help_delete(ctx, &staff, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_help_preview(&out, ctx, &client, body), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_help_versions_list(&out, ctx, &client, id, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_help_versions_list(&out, ctx, &staff, id, NULL), 0);
	free(out);
	cr_expect_eq(wvl_help_delete(ctx, &admin, id), 0);
	cr_expect_eq(wvl_help_delete(ctx, &admin, id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_help_get(&out, ctx, &admin, id), WVL_ENOTFOUND);
	char *n = sys_value("SELECT count(*) FROM help_article_versions");
	cr_expect_str_eq(n, "0", "versions go with their article");
	free(n);
}

Test(help, bodies_are_checked_and_refusals_write_nothing)
{
	static const struct {
		const char *body;
		int rc;
	} bad[] = {
		{"{}", WVL_EVALIDATION},
		{"{\"title\":\"   \"}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"category\":\"Billing\"}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"category\":\"a--b\"}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"tags\":\"x\"}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"tags\":[\"ok\",\"ok\"]}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"tags\":[\"Not ok\"]}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"tags\":[1]}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"slug\":\"mine\"}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"views\":5}", WVL_EVALIDATION},
		{"{\"title\":\"T\",\"published\":\"yes\"}", WVL_EVALIDATION},
		{"{\"title\":\"T\\u0001\"}", WVL_EVALIDATION},
		{"[1]", WVL_EINVAL},
		{"{\"title\":", WVL_EINVAL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		cr_expect_eq(wvl_help_create(&out, ctx, &admin, bad[i].body), bad[i].rc, "%s",
			     bad[i].body);
		cr_expect_null(out);
	}
	char tags[1024] = "{\"title\":\"T\",\"tags\":[";
	for (int i = 0; i < 21; i++)
		snprintf(tags + strlen(tags), sizeof(tags) - strlen(tags), "%s\"t%d\"", i ? "," : "", i);
	strcat(tags, "]}");
	char *out = NULL;
	cr_expect_eq(wvl_help_create(&out, ctx, &admin, tags), WVL_EVALIDATION);
	char id[37];
	create_id(id, "{\"title\":\"T\"}");
	cr_expect_eq(wvl_help_update(&out, ctx, &admin, id, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_help_update(&out, ctx, &admin, "not-a-uuid", "{\"title\":\"U\"}"),
		     WVL_ENOTFOUND);
	char *n = sys_value("SELECT count(*) || '/' || (SELECT count(*) FROM help_article_versions)"
			    " FROM help_articles");
	cr_expect_str_eq(n, "1/1");
	free(n);
}

/* ---- markdown ---- */

/* The sanitiser's XSS corpus as article markdown: the stored html, the
 * preview and the search snippets carry nothing executable. */
Test(help, xss_corpus_through_article_markdown)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/sanitize", testenv("WL_TEST_SOURCE_DIR"));
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "xss-", 4) != 0)
			continue;
		char path[1400], buf[65536];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		cr_assert_not_null(f);
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		json_t *body = json_pack("{s:s,s:s%,s:[s],s:b}", "title", e->d_name, "content", buf,
					 strlen(buf), "tags", "xss", "published", 1);
		if (!body) /* not UTF-8 or holds a NUL: the API would refuse it */
			continue;
		char *text = json_dumps(body, 0), *out = NULL;
		json_decref(body);
		int rc = wvl_help_create(&out, ctx, &admin, text);
		if (rc == 0) {
			char *html = test_json_string(out, "html");
			cr_expect_null(htmlcheck_unsafe(html), "%s: %s", e->d_name, html);
			free(html);
			n++;
		} else {
			cr_expect_eq(rc, WVL_EVALIDATION, "%s: %d", e->d_name, rc); /* control chars */
		}
		free(out);
		cr_expect_eq(wvl_help_preview(&out, ctx, &admin, text), rc, "%s", e->d_name);
		free(out);
		free(text);
	}
	closedir(d);
	cr_expect_geq(n, 150, "only %d of the corpus went through", n);
	static const char *const words[] = {"alert", "xss", "javascript", "script", "img", "src",
					    "onerror", "style", "iframe", "http"};
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		json_t *doc = list_as(&anon, test_query("q=%s&limit=100", words[w]));
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(doc, "data"), i, item) {
			expect_safe_snippet(json_string_value(json_object_get(item, "snippet")));
		}
		json_decref(doc);
	}
}

Test(help, markdown_renders_to_html_text_and_excerpt)
{
	char *out = create("{\"title\":\"Guide\",\"content\":\"# Start\\n\\nClick **Save** and "
			   "[read more](https://example.com).\\n\\n<script>alert(1)</script>\\n\\n"
			   "- [x] done\\n\"}");
	char *html = test_json_string(out, "html"), *excerpt = test_json_string(out, "excerpt");
	cr_expect_not_null(strstr(html, "<strong>Save</strong>"), "%s", html);
	cr_expect_not_null(strstr(html, "rel=\"noopener noreferrer nofollow\""), "%s", html);
	cr_expect_null(strstr(html, "script"), "%s", html);
	cr_expect_str_eq(excerpt, "Start Click Save and read more. \u2611 done");
	free(html);
	free(excerpt);
	char *id = member(out, "id");
	free(out);
	/* A written excerpt stays through content changes; "" derives it again. */
	out = update(id, "{\"excerpt\":\"Hand written.\"}");
	free(out);
	out = update(id, "{\"content\":\"New words.\"}");
	excerpt = test_json_string(out, "excerpt");
	cr_expect_str_eq(excerpt, "Hand written.");
	free(excerpt);
	free(out);
	out = update(id, "{\"excerpt\":\"\"}");
	excerpt = test_json_string(out, "excerpt");
	cr_expect_str_eq(excerpt, "New words.");
	free(excerpt);
	free(out);
	free(id);
}

Test(help, derived_excerpts_cut_at_a_word)
{
	char *e = wvl_help__excerpt("  short\n\ntext  ");
	cr_expect_str_eq(e, "short text");
	free(e);
	char in[600] = "";
	for (int i = 0; i < 60; i++)
		strcat(in, "wörds ");
	e = wvl_help__excerpt(in);
	/* 200 characters at most before the ellipsis, ending at a word. */
	cr_expect_eq(strncmp(e + strlen(e) - 9, "wörds\u2026", 9), 0, "%s", e);
	cr_expect_leq(strlen(e), 200 + 33 + 3);
	free(e);
	char word[700] = "";
	for (int i = 0; i < 300; i++)
		strcat(word, "é");
	e = wvl_help__excerpt(word);
	cr_expect_eq(strlen(e), 200 * 2 + 3, "one long word is cut at a character");
	free(e);
}

/* ---- slugs ---- */

Test(help, slugs_follow_the_title_until_published_then_stay)
{
	char *out = create("{\"title\":\"Crème Brûlée: the Guide!\"}");
	char *slug = member(out, "slug"), *id = member(out, "id");
	cr_expect_str_eq(slug, "creme-brulee-the-guide");
	free(slug);
	free(out);
	out = update(id, "{\"title\":\"Draft title\"}");
	slug = member(out, "slug");
	cr_expect_str_eq(slug, "draft-title", "a draft's slug follows its title");
	free(slug);
	free(out);
	out = update(id, "{\"published\":true,\"title\":\"Published title\"}");
	slug = member(out, "slug");
	cr_expect_str_eq(slug, "published-title");
	free(slug);
	free(out);
	out = update(id, "{\"title\":\"Renamed after\"}");
	free(out);
	out = update(id, "{\"published\":false}");
	free(out);
	out = update(id, "{\"title\":\"Renamed in draft\"}");
	slug = member(out, "slug");
	cr_expect_str_eq(slug, "published-title", "links to a published article keep working");
	free(slug);
	free(out);
	/* Titles that make no slug, or one like an id. */
	out = create("{\"title\":\"日本語\"}");
	slug = member(out, "slug");
	cr_expect_str_eq(slug, "article");
	free(slug);
	free(out);
	out = create("{\"title\":\"3f2a1c9e-1234-4abc-9def-0123456789ab\"}");
	slug = member(out, "slug");
	cr_expect_str_eq(slug, "article-3f2a1c9e-1234-4abc-9def-0123456789ab");
	free(slug);
	free(out);
	free(id);
}

#define THREADS 8
#define PER_THREAD 6

static char thread_error[THREADS][256];

static void *create_many(void *arg)
{
	char *err = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		char *out = NULL;
		if (wvl_help_create(&out, ctx, &admin, "{\"title\":\"Same title\",\"published\":true}") != 0) {
			snprintf(err, 256, "%d %s", wvl_error_last()->code, wvl_error_last()->message);
			return err;
		}
		free(out);
	}
	return NULL;
}

Test(help, slugs_are_unique_under_concurrent_creation)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, create_many, thread_error[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		cr_expect_null(r, "thread %d: %s", i, thread_error[i]);
	}
	char *v = sys_value("SELECT count(DISTINCT slug) || '/' || count(*) || '/' ||"
			    " count(*) FILTER (WHERE slug ~ '^same-title(-[0-9]+)?$') FROM help_articles");
	char want[32];
	snprintf(want, sizeof(want), "%d/%d/%d", THREADS * PER_THREAD, THREADS * PER_THREAD,
		 THREADS * PER_THREAD);
	cr_expect_str_eq(v, want);
	free(v);
}

/* ---- versions ---- */

static char *version_id(const char *article, int n)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT id FROM help_article_versions WHERE article_id = '%s'"
				   " AND version = %d", article, n);
	return sys_value(sql);
}

Test(help, every_edit_is_a_version_listed_newest_first)
{
	char id[37];
	create_id(id, "{\"title\":\"One\",\"content\":\"line 1\\nline 2\\n\",\"tags\":[\"a\"]}");
	free(update(id, "{\"content\":\"line 1\\nline two\\nline 3\\n\"}"));
	free(update(id, "{\"published\":true}")); /* not an edit of the text */
	free(update(id, "{\"tags\":[\"a\",\"b\"],\"category\":\"billing\"}"));
	free(update(id, "{\"tags\":[\"a\",\"b\"]}")); /* changes nothing */
	char *out = NULL;
	cr_assert_eq(wvl_help_versions_list(&out, ctx, &staff, id, test_query("limit=2")), 0);
	json_t *doc = json_loads(out, 0, NULL);
	json_t *data = json_object_get(doc, "data");
	cr_expect_eq(json_array_size(data), 2);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(data, 0), "version")), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(data, 1), "reason")), "updated");
	cr_expect_null(json_object_get(json_array_get(data, 0), "content"));
	const char *next = json_string_value(json_object_get(doc, "next_cursor"));
	cr_assert_not_null(next);
	char *page2 = NULL;
	cr_assert_eq(wvl_help_versions_list(&page2, ctx, &staff, id, test_query("cursor=%s", next)), 0);
	json_t *doc2 = json_loads(page2, 0, NULL);
	json_t *last = json_array_get(json_object_get(doc2, "data"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(last, "reason")), "created", "%s", page2);
	cr_expect(json_is_null(json_object_get(doc2, "next_cursor")), "%s", page2);
	json_decref(doc2);
	free(page2);
	json_decref(doc);
	free(out);
	char *vid = version_id(id, 1);
	cr_assert_eq(wvl_help_version_get(&out, ctx, &staff, vid), 0);
	char *content = test_json_string(out, "content");
	cr_expect_str_eq(content, "line 1\nline 2\n");
	free(content);
	free(out);
	cr_expect_eq(wvl_help_version_get(&out, ctx, &anon, vid), WVL_EUNAUTHENTICATED);
	free(vid);
}

Test(help, diff_of_two_versions)
{
	char id[37];
	create_id(id, "{\"title\":\"One\",\"content\":\"alpha\\nbeta\\ngamma\\n\",\"tags\":[\"a\"]}");
	free(update(id, "{\"title\":\"Two\",\"content\":\"alpha\\nBETA\\ngamma\\ndelta\\n\","
			"\"tags\":[\"a\",\"b\"]}"));
	char *out = NULL;
	cr_assert_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("from=1&to=2")), 0,
		     "%s", wvl_error_last()->message);
	json_t *doc = json_loads(out, 0, NULL);
	cr_assert_not_null(doc);
	json_t *fields = json_object_get(doc, "fields");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(fields, "title"), "to")),
			 "Two");
	cr_expect_eq(json_array_size(json_object_get(json_object_get(fields, "tags"), "to")), 2);
	cr_expect_null(json_object_get(fields, "category"));
	cr_expect_str_eq(json_string_value(json_object_get(doc, "patch")),
			 "--- version 1\n+++ version 2\n@@ -1,3 +1,4 @@\n alpha\n-beta\n+BETA\n"
			 " gamma\n+delta\n");
	json_t *lines = json_object_get(json_array_get(json_object_get(doc, "hunks"), 0), "lines");
	cr_expect_eq(json_array_size(lines), 5);
	json_t *minus = json_array_get(lines, 1);
	cr_expect_str_eq(json_string_value(json_object_get(minus, "op")), "-");
	cr_expect_eq(json_integer_value(json_object_get(minus, "old")), 2);
	cr_expect(json_is_null(json_object_get(minus, "new")));
	json_decref(doc);
	free(out);
	/* "to" defaults to the newest; a version to itself is empty. */
	cr_assert_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("from=2")), 0);
	cr_expect_not_null(strstr(out, "\"patch\":\"\""), "%s", out);
	free(out);
	cr_expect_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("from=1&to=9")), WVL_ENOTFOUND);
	cr_expect_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("from=0")), WVL_EINVAL);
	cr_expect_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("to=1")), WVL_EINVAL);
	cr_expect_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("from=1&x=2")), WVL_EINVAL);
	cr_expect_eq(wvl_help_diff(&out, ctx, &staff, id, test_query("from=-1")), WVL_EINVAL);
	cr_expect_eq(wvl_help_diff(&out, ctx, &client, id, test_query("from=1")), WVL_EFORBIDDEN);
}

Test(help, restore_brings_a_version_back_as_a_new_one)
{
	char id[37];
	create_id(id, "{\"title\":\"Original\",\"content\":\"first words\",\"excerpt\":\"Mine.\","
		      "\"tags\":[\"a\"],\"published\":true}");
	free(update(id, "{\"title\":\"Changed\",\"content\":\"other words\",\"excerpt\":\"\","
			"\"tags\":[],\"category\":\"billing\"}"));
	char *v1 = version_id(id, 1), *out = NULL;
	cr_expect_eq(wvl_help_version_restore(&out, ctx, &staff, v1), WVL_EFORBIDDEN);
	cr_assert_eq(wvl_help_version_restore(&out, ctx, &admin, v1), 0, "%s",
		     wvl_error_last()->message);
	char *title = member(out, "title"), *html = test_json_string(out, "html");
	char *excerpt = member(out, "excerpt"), *version = member(out, "version");
	char *cat = member(out, "category"), *pub = member(out, "published");
	cr_expect_str_eq(title, "Original");
	cr_expect_str_eq(html, "<p>first words</p>\n");
	cr_expect_str_eq(excerpt, "Mine.");
	cr_expect_str_eq(version, "3");
	cr_expect_str_eq(cat, "general");
	cr_expect_str_eq(pub, "true", "the published state is not part of a version");
	free(title);
	free(html);
	free(excerpt);
	free(version);
	free(cat);
	free(pub);
	free(out);
	char *row = sys_value("SELECT reason || '/' || restored_from || '/' || array_to_string(tags, ',')"
			      " FROM help_article_versions WHERE version = 3");
	cr_expect_str_eq(row, "restored/1/a");
	free(row);
	/* The search sees the restored text. */
	char *s = search_slugs(&anon, "q=first");
	cr_expect_str_eq(s, "original");
	free(s);
	cr_expect_eq(wvl_help_version_restore(&out, ctx, &admin, "00000000-0000-4000-8000-000000000000"),
		     WVL_ENOTFOUND);
	free(v1);
}

/* ---- views ---- */

static char *views_in_db(const char *id)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT coalesce((SELECT views FROM help_article_views"
				   " WHERE article_id = '%s'), 0)", id);
	return sys_value(sql);
}

Test(help, views_are_batched_and_eventually_counted)
{
	char id[37], draft[37];
	create_id(id, "{\"title\":\"Popular\",\"published\":true}");
	create_id(draft, "{\"title\":\"Hidden\"}");
	char *out = NULL;
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(wvl_help_get(&out, ctx, &anon, i % 2 ? "popular" : id), 0);
		free(out);
	}
	cr_assert_eq(wvl_help_get(&out, ctx, &staff, "hidden"), 0);
	free(out);
	char *v = views_in_db(id);
	cr_expect_str_eq(v, "0", "no write per read");
	free(v);
	/* The batch is due once its first view is 10 s old: the next read
	 * writes it. */
	test_clock_advance((WVL_HELP_VIEWS_FLUSH_SECONDS + 1) * TEST_SEC);
	cr_assert_eq(wvl_help_get(&out, ctx, &anon, "popular"), 0);
	free(out);
	v = views_in_db(id);
	cr_expect_str_eq(v, "6");
	free(v);
	v = views_in_db(draft);
	cr_expect_str_eq(v, "0", "a draft read by the team is no view");
	free(v);
	cr_assert_eq(wvl_help_get(&out, ctx, &anon, "popular"), 0);
	free(out);
	cr_assert_eq(wvl_help_views_flush(ctx), 0);
	cr_assert_eq(wvl_help_views_flush(ctx), 0, "nothing waits");
	cr_assert_eq(wvl_help_get(&out, ctx, &anon, "popular"), 0);
	char *views = member(out, "views");
	cr_expect_str_eq(views, "7");
	free(views);
	free(out);
	/* The last batch is written when the context goes. */
	wvl_ctx_free(ctx);
	ctx = test_ctx(&db);
	test_clock_use(ctx);
	v = views_in_db(id);
	cr_expect_str_eq(v, "8");
	free(v);
}

Test(help, views_of_many_readers_add_up)
{
	char id[37];
	create_id(id, "{\"title\":\"Busy\",\"published\":true}");
	char *out = NULL;
	for (int i = 0; i < WVL_HELP_VIEWS_BATCH + 10; i++) {
		cr_assert_eq(wvl_help_get(&out, ctx, &anon, "busy"), 0);
		free(out);
	}
	char *v = views_in_db(id);
	cr_expect_str_eq(v, "1000", "a full batch is written at once");
	free(v);
	cr_expect_eq(wvl_help_delete(ctx, &admin, id), 0);
	cr_expect_eq(wvl_help_views_flush(ctx), 0, "counts of a deleted article are dropped");
}

/* ---- related, preview, seed ---- */

Test(help, related_by_shared_tags_then_text)
{
	char a[37], id[37];
	create_id(a, "{\"title\":\"Shipping rates\",\"tags\":[\"shipping\",\"pricing\"],\"published\":true}");
	create_id(id, "{\"title\":\"Pricing tiers\",\"tags\":[\"shipping\",\"pricing\"],\"published\":true}");
	create_id(id, "{\"title\":\"Boxes\",\"tags\":[\"shipping\"],\"published\":true}");
	create_id(id, "{\"title\":\"Rates explained\",\"content\":\"about shipping\",\"published\":true}");
	create_id(id, "{\"title\":\"Unrelated\",\"tags\":[\"tax\"],\"published\":true}");
	create_id(id, "{\"title\":\"Draft shipping\",\"tags\":[\"shipping\"]}");
	char *out = NULL;
	cr_assert_eq(wvl_help_related(&out, ctx, &anon, "shipping-rates", NULL), 0);
	json_t *doc = json_loads(out, 0, NULL);
	char *s = slugs_of(doc);
	cr_expect_str_eq(s, "pricing-tiers,boxes,rates-explained");
	free(s);
	json_decref(doc);
	free(out);
	cr_assert_eq(wvl_help_related(&out, ctx, &anon, "no-such-article", NULL), 0);
	cr_expect_str_eq(out, "{\"data\":[],\"next_cursor\":null}");
	free(out);
	cr_expect_eq(wvl_help_related(&out, ctx, &anon, a, test_query("bogus=1")), WVL_EINVAL);
}

Test(help, preview_renders_and_stores_nothing)
{
	char *out = NULL;
	cr_assert_eq(wvl_help_preview(&out, ctx, &admin, "{\"content\":\"*hi* <img src=x onerror=alert(1)>\"}"),
		     0);
	cr_expect_str_eq(out, "{\"title\":null,\"html\":\"<p><em>hi</em> </p>\\n\",\"excerpt\":\"hi\","
			      "\"category\":\"general\",\"tags\":[]}");
	free(out);
	cr_expect_eq(wvl_help_preview(&out, ctx, &admin, "{\"tags\":[\"A\"]}"), WVL_EVALIDATION);
	char *n = sys_value("SELECT count(*) FROM help_articles");
	cr_expect_str_eq(n, "0");
	free(n);
}

Test(help, seed_demo_makes_searchable_articles)
{
	int created = 0;
	cr_assert_eq(wvl_help_seed_demo(&created, ctx, 300), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(created, 300);
	char *n = sys_value("SELECT count(*) || '/' || (SELECT count(*) FROM help_article_versions)"
			    " FROM help_articles");
	cr_expect_str_eq(n, "300/300");
	free(n);
	n = sys_value("SELECT count(*) FROM help_articles WHERE published");
	cr_expect(atoi(n) > 240 && atoi(n) < 295, "%s of 300 published", n);
	free(n);
	json_t *doc = list_as(&anon, test_query("q=password&limit=100"));
	size_t hits = json_array_size(json_object_get(doc, "data"));
	cr_expect(hits > 5 && hits < 100, "%zu hits", hits);
	json_decref(doc);
	cr_expect_eq(wvl_help_seed_demo(&created, ctx, 0), WVL_EINVAL);
	cr_assert_eq(wvl_help_seed_demo(&created, ctx, 20), 0, "seeding twice: %s",
		     wvl_error_last()->message);
	cr_expect_eq(created, 20);
	/* A new article with a seeded title still gets a free slug. */
	char *out = create("{\"title\":\"Plan your instagram\"}");
	char *slug = member(out, "slug");
	cr_expect_eq(strncmp(slug, "plan-your-instagram", 19), 0, "%s", slug);
	free(slug);
	free(out);
}
