/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, client_a, client_b;
static char a_id[37], b_id[37];

static char *create_client(const char *body)
{
	char *out = NULL;
	cr_assert_eq(wvl_clients_create(&out, ctx, &staff, body), 0, "%s %s", wvl_error_last()->message,
		     wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "");
	return out;
}

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
	char *a = create_client("{\"name\":\"Alice Creator\",\"email\":\"Alice@Example.com\","
				"\"status\":\"active\",\"start_date\":\"2026-01-31\",\"monthly_fee_cents\":250000}");
	char *b = create_client("{\"name\":\"Bob Builder\",\"brand_name\":\"Bobco\"}");
	char *ida = test_json_member(a, "id"), *idb = test_json_member(b, "id");
	snprintf(a_id, sizeof(a_id), "%s", ida);
	snprintf(b_id, sizeof(b_id), "%s", idb);
	client_a = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333", a_id);
	client_b = test_actor(WVL_ROLE_CLIENT, "44444444-4444-4444-8444-444444444444", b_id);
	free(a);
	free(b);
	free(ida);
	free(idb);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(clients, .init = setup, .fini = teardown, .timeout = 120);

Test(clients, create_plans_eight_milestones_month_by_month)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT string_agg(milestone || '=' || due_date, ',' ORDER BY milestone)"
				   " FROM deliverables WHERE client_id = '%s'", a_id);
	char *v = test_sys_value(&db, sql);
	cr_expect_str_eq(v, "1=2026-02-28,2=2026-03-31,3=2026-04-30,4=2026-05-31,5=2026-06-30,"
			    "6=2026-07-31,7=2026-08-31,8=2026-09-30");
	free(v);
	char *out = NULL;
	cr_assert_eq(wvl_clients_get(&out, ctx, &admin, a_id), 0);
	char *email = test_json_member(out, "email"), *onboarded = test_json_member(out, "onboarded_at");
	cr_expect_str_eq(email, "alice@example.com");
	cr_expect_str_neq(onboarded, "null", "active on creation records onboarding");
	free(email);
	free(onboarded);
	free(out);
}

Test(clients, validation_refuses_and_writes_nothing)
{
	static const char *bad[] = {
		"{}", "{\"name\":\"   \"}", "{\"name\":\"X\",\"status\":\"archived\"}",
		"{\"name\":\"X\",\"status\":\"bogus\"}", "{\"name\":\"X\",\"start_date\":\"2026-02-30\"}",
		"{\"name\":\"X\",\"start_date\":\"yesterday\"}", "{\"name\":\"X\",\"monthly_fee_cents\":-1}",
		"{\"name\":\"X\",\"monthly_fee_cents\":\"100\"}", "{\"name\":\"X\",\"currency\":\"usd\"}",
		"{\"name\":\"X\",\"email\":\"nope\"}", "{\"name\":\"X\",\"intake\":[]}",
		"{\"name\":\"X\",\"id\":\"11111111-1111-4111-8111-111111111111\"}",
		"{\"name\":\"X\",\"created_at\":\"2020-01-01\"}", "{\"name\":1}", "[1]", "{\"name\":\"X\"",
	};
	char *before = test_sys_value(&db, "SELECT (SELECT count(*) FROM clients) || '/' || (SELECT count(*) FROM activities)"
					   " || '/' || (SELECT count(*) FROM deliverables)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		int rc = wvl_clients_create(&out, ctx, &staff, bad[i]);
		cr_expect(rc == WVL_EVALIDATION || rc == WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_null(out);
	}
	char *after = test_sys_value(&db, "SELECT (SELECT count(*) FROM clients) || '/' || (SELECT count(*) FROM activities)"
					  " || '/' || (SELECT count(*) FROM deliverables)");
	cr_expect_str_eq(after, before);
	free(before);
	free(after);
}

Test(clients, every_change_writes_exactly_one_activity_row)
{
	char *out = NULL;
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT string_agg(action, ',' ORDER BY created_at, action)"
				   " FROM activities WHERE client_id = '%s'", b_id);
	char *v = test_sys_value(&db, sql);
	cr_expect_str_eq(v, "created");
	free(v);
	cr_assert_eq(wvl_clients_update(&out, ctx, &staff, b_id, "{\"niche\":\"fitness\",\"status\":\"onboarding\"}"), 0);
	free(out);
	cr_assert_eq(wvl_clients_pause(&out, ctx, &admin, b_id), 0);
	free(out);
	cr_assert_eq(wvl_clients_archive(&out, ctx, &admin, b_id), 0);
	free(out);
	v = test_sys_value(&db, sql);
	cr_expect_str_eq(v, "created,updated,automation_paused,archived");
	free(v);
	/* An archived client takes no more updates, and a failed update logs nothing. */
	cr_expect_eq(wvl_clients_update(&out, ctx, &staff, b_id, "{\"niche\":\"x\"}"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_clients_update(&out, ctx, &staff, a_id, "{\"status\":\"nope\"}"), WVL_EVALIDATION);
	v = test_sys_value(&db, "SELECT count(*) FROM activities");
	cr_expect_str_eq(v, "5");
	free(v);
	char *list = NULL;
	cr_assert_eq(wvl_activity_list(&list, ctx, &staff, b_id, NULL), 0);
	json_t *j = json_loads(list, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 4);
	json_decref(j);
	free(list);
}

/* The role x owned/foreign matrix. */
Test(clients, client_users_never_reach_another_client)
{
	char *out = NULL;
	cr_assert_eq(wvl_clients_get(&out, ctx, &client_a, a_id), 0);
	free(out);
	cr_expect_eq(wvl_clients_get(&out, ctx, &client_a, b_id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_clients_update(&out, ctx, &client_a, b_id, "{\"name\":\"x\"}"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_clients_archive(&out, ctx, &client_a, b_id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_activity_list(&out, ctx, &client_a, b_id, NULL), WVL_ENOTFOUND);
	/* Their own client: read yes, change no. */
	cr_expect_eq(wvl_clients_update(&out, ctx, &client_a, a_id, "{\"name\":\"x\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_clients_archive(&out, ctx, &client_a, a_id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_clients_create(&out, ctx, &client_a, "{\"name\":\"x\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_activity_list(&out, ctx, &client_a, NULL, NULL), WVL_EFORBIDDEN);
	/* ?client_id=B is ignored for client A: the list is A alone. */
	char q[128];
	snprintf(q, sizeof(q), "{\"client_id\":\"%s\"}", b_id);
	cr_assert_eq(wvl_clients_list(&out, ctx, &client_a, NULL, test_query_json(q)), 0);
	cr_expect_not_null(strstr(out, a_id));
	cr_expect_null(strstr(out, b_id));
	free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &client_a, NULL, test_query_json("{\"q\":\"Bob\"}")), 0);
	cr_expect_null(strstr(out, b_id), "search does not reveal B");
	free(out);
	/* The team sees both; staff may filter by client. */
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json(q)), 0);
	cr_expect_not_null(strstr(out, b_id));
	cr_expect_null(strstr(out, a_id));
	free(out);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_clients_list(&out, ctx, &anon, NULL, NULL), WVL_EUNAUTHENTICATED);
}

Test(clients, list_filters_sorts_and_sparse_fields)
{
	char *out = NULL;
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json("{\"sort\":\"name\",\"fields\":\"name,status\"}")), 0,
		     "%s", wvl_error_last()->message);
	json_t *j = json_loads(out, 0, NULL);
	json_t *first = json_array_get(json_object_get(j, "data"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(first, "name")), "Alice Creator");
	cr_expect_eq(json_object_size(first), 3, "id, name, status only");
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json("{\"sort\":\"-name\"}")), 0);
	j = json_loads(out, 0, NULL);
	first = json_array_get(json_object_get(j, "data"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(first, "name")), "Bob Builder");
	/* A whole row has the fields of wvl_clients_get, each by its name. */
	char *one = NULL;
	cr_assert_eq(wvl_clients_get(&one, ctx, &staff, json_string_value(json_object_get(first, "id"))), 0);
	json_t *got = json_loads(one, 0, NULL);
	cr_expect_eq(json_object_size(first), json_object_size(got), "%s", out);
	const char *key;
	json_t *value;
	json_object_foreach(got, key, value)
		cr_expect_not_null(json_object_get(first, key), "the list row has no %s: %s", key, out);
	cr_expect(json_is_integer(json_object_get(first, "storage_bytes")), "%s", out);
	json_decref(got);
	free(one);
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json("{\"fields\":\"storage_bytes\"}")), 0);
	j = json_loads(out, 0, NULL);
	first = json_array_get(json_object_get(j, "data"), 0);
	cr_expect(json_is_integer(json_object_get(first, "storage_bytes")), "%s", out);
	cr_expect_eq(json_object_size(first), 2, "id and storage_bytes: %s", out);
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json("{\"status\":\"active\"}")), 0);
	cr_expect_not_null(strstr(out, a_id));
	cr_expect_null(strstr(out, b_id));
	free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json("{\"q\":\"bobco\"}")), 0);
	cr_expect_not_null(strstr(out, b_id));
	free(out);
	static const char *bad[] = {"{\"sort\":\"password_hash\"}", "{\"fields\":\"name,secret\"}",
				    "{\"fields\":\"name;DROP TABLE clients\"}", "{\"status\":\"x\"}",
				    "{\"limit\":\"-1\"}", "{\"page\":\"2\"}", "{\"client_id\":\"x\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(wvl_clients_list(&out, ctx, &staff, NULL, test_query_json(bad[i])), WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_str_eq(wvl_error_last()->slug, "bad_request");
	}
}

/* Paging: `id` must be none of the `*seen` ids of this pass (`what` names
 * it), and is kept while `max` allows. */
static void expect_unseen(char (*ids)[37], int *seen, int max, const char *id, const char *what)
{
	for (int k = 0; k < *seen; k++)
		cr_expect_str_neq(ids[k], id, "%s: row seen twice", what);
	if (*seen < max)
		snprintf(ids[(*seen)++], 37, "%s", id);
}

/* Copies the page's next cursor to `cursor` ("" after the last page) and
 * frees the page; whether there is a next one. */
static bool next_page(char *cursor, size_t len, json_t *j, char *page)
{
	const char *next = json_string_value(json_object_get(j, "next_cursor"));
	snprintf(cursor, len, "%s", next ? next : "");
	json_decref(j);
	free(page);
	return cursor[0] != '\0';
}

Test(clients, pages_are_stable_while_rows_are_inserted)
{
	for (int i = 0; i < 10; i++) {
		char body[128];
		snprintf(body, sizeof(body), "{\"name\":\"Creator %02d\"}", i);
		free(create_client(body));
	}
	char *page = NULL, cursor[400] = "";
	int seen = 0;
	char ids[64][37];
	for (int round = 0; round < 10; round++) {
		char q[512];
		if (cursor[0])
			snprintf(q, sizeof(q), "{\"limit\":\"3\",\"cursor\":\"%s\"}", cursor);
		else
			snprintf(q, sizeof(q), "{\"limit\":\"3\"}");
		cr_assert_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json(q)), 0, "%s", wvl_error_last()->message);
		/* Someone adds a client between page loads. */
		char body[64];
		snprintf(body, sizeof(body), "{\"name\":\"Late %d\"}", round);
		free(create_client(body));
		json_t *j = json_loads(page, 0, NULL);
		json_t *data = json_object_get(j, "data");
		for (size_t i = 0; i < json_array_size(data); i++)
			expect_unseen(ids, &seen, 64,
				      json_string_value(json_object_get(json_array_get(data, i), "id")),
				      "inserts");
		if (!next_page(cursor, sizeof(cursor), j, page))
			break;
	}
	cr_expect_eq(seen, 12, "every row that existed at the start, none inserted later");
}

/* Every sort, with fields that leave the sort column out, and names long
 * enough (200 characters of multi-byte UTF-8) to stretch the cursor. */
Test(clients, every_sort_pages_through_all_rows_once)
{
	for (int i = 0; i < 7; i++) {
		char name[1024] = "";
		size_t pos = 0;
		for (int k = 0; k < 199; k++)
			pos += (size_t)snprintf(name + pos, sizeof(name) - pos, "\xc3\xa9");
		snprintf(name + pos, sizeof(name) - pos, "%d", 6 - i);
		char body[1200];
		snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
		free(create_client(body));
	}
	static const char *sorts[] = {"name", "-name", "created_at", "-created_at", "updated_at",
				      "-updated_at"};
	for (size_t si = 0; si < sizeof(sorts) / sizeof(sorts[0]); si++) {
		char cursor[2048] = "", ids[16][37];
		int seen = 0;
		for (int round = 0; round < 12; round++) {
			char q[2600];
			if (cursor[0])
				snprintf(q, sizeof(q),
					 "{\"limit\":\"2\",\"sort\":\"%s\",\"fields\":\"status\","
					 "\"cursor\":\"%s\"}", sorts[si], cursor);
			else
				snprintf(q, sizeof(q),
					 "{\"limit\":\"2\",\"sort\":\"%s\",\"fields\":\"status\"}",
					 sorts[si]);
			char *page = NULL;
			cr_assert_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json(q)), 0, "%s: %s", sorts[si],
				     wvl_error_last()->message);
			json_t *j = json_loads(page, 0, NULL);
			json_t *data = json_object_get(j, "data");
			for (size_t i = 0; i < json_array_size(data); i++) {
				json_t *row = json_array_get(data, i);
				cr_expect_eq(json_object_size(row), 2, "id and status only");
				expect_unseen(ids, &seen, 16, json_string_value(json_object_get(row, "id")),
					      sorts[si]);
			}
			if (!next_page(cursor, sizeof(cursor), j, page))
				break;
		}
		cr_expect_eq(seen, 9, "%s: the two seeded clients and the seven long names", sorts[si]);
	}
}

Test(clients, text_limits_count_characters_and_refuse_nul)
{
	char name[1200] = "", body[1300];
	size_t pos = 0;
	for (int k = 0; k < 201; k++)
		pos += (size_t)snprintf(name + pos, sizeof(name) - pos, "\xce\xb1"); /* alpha */
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	char *out = NULL;
	cr_expect_eq(wvl_clients_create(&out, ctx, &staff, body), WVL_EVALIDATION, "201 characters");
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "too long"));
	name[400] = '\0'; /* 200 of them */
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	free(create_client(body));
	cr_expect_eq(wvl_clients_create(&out, ctx, &staff, "{\"name\":\"Ann\\u0000Admin\"}"),
		     WVL_EINVAL, "a NUL is refused (jansson refuses \\u0000 outright)");
	char *n = test_sys_value(&db,
				 "SELECT count(*) FROM clients"
				 " WHERE name LIKE 'Ann%'");
	cr_expect_str_eq(n, "0", "nothing half-written");
	free(n);
}

/* A name within the limit in characters but long in bytes (CJK: three
 * bytes each) is recorded in the activity trail cut at a character, never
 * in the middle of one (PostgreSQL refuses invalid UTF-8, which failed the
 * whole create). */
Test(clients, long_multibyte_names_are_created_and_summarised_whole)
{
	char name[700] = "", body[800];
	size_t pos = 0;
	for (int k = 0; k < 150; k++)
		pos += (size_t)snprintf(name + pos, sizeof(name) - pos, "\xe4\xb8\xad");
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	char *out = NULL;
	cr_assert_eq(wvl_clients_create(&out, ctx, &staff, body), 0, "%s",
		     wvl_error_last()->message);
	free(out);
	char *n = test_sys_value(&db,
				 "SELECT octet_length(summary) % 3 = 1"
				 " AND summary LIKE 'Client \xe4\xb8\xad%' FROM activities"
				 " WHERE summary LIKE 'Client \xe4\xb8\xad%'");
	cr_expect_str_eq(n ? n : "", "t", "the summary keeps whole characters");
	free(n);
}

/* Cursors are signed but not tied to a sort: one made while sorting by
 * name and sent with a timestamp sort is a bad request, not a failed
 * statement (500). */
Test(clients, a_cursor_of_another_sort_is_a_bad_request)
{
	char *page = NULL;
	cr_assert_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json("{\"limit\":\"1\",\"sort\":\"name\"}")), 0);
	char *cursor = test_json_member(page, "next_cursor");
	free(page);
	cr_assert_not_null(cursor);
	char q[2200];
	snprintf(q, sizeof(q), "{\"sort\":\"created_at\",\"cursor\":\"%s\"}", cursor);
	cr_expect_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json(q)), WVL_EINVAL, "%s",
		     wvl_error_last()->message);
	free(page);
	page = NULL;
	/* The signature covers the sort: a timestamp cursor of the default
	 * order does not continue another timestamp order either, and the
	 * same order goes on. */
	cr_assert_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json("{\"limit\":\"1\"}")), 0);
	char *ts = test_json_member(page, "next_cursor");
	free(page);
	page = NULL;
	snprintf(q, sizeof(q), "{\"sort\":\"updated_at\",\"cursor\":\"%s\"}", ts);
	cr_expect_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json(q)), WVL_EINVAL);
	cr_expect_str_eq(wvl_error_last()->message, "the cursor is not valid");
	snprintf(q, sizeof(q), "{\"limit\":\"1\",\"cursor\":\"%s\"}", ts);
	cr_expect_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json(q)), 0, "%s", wvl_error_last()->message);
	free(page);
	page = NULL;
	snprintf(q, sizeof(q), "{\"sort\":\"name\",\"limit\":\"1\",\"cursor\":\"%s\"}", cursor);
	cr_expect_eq(wvl_clients_list(&page, ctx, &staff, NULL, test_query_json(q)), 0, "%s", wvl_error_last()->message);
	free(page);
	free(ts);
	free(cursor);
}

/* Updates are checked as creates are (each refusal names its field), an
 * update with nothing in it is a bad request, and none of it is written. */
Test(clients, hostile_updates_are_refused_and_change_nothing)
{
	char *big = malloc(70000);
	cr_assert_not_null(big);
	int n = snprintf(big, 70000, "{\"social_handles\":{\"x\":\"");
	memset(big + n, 'h', 66000);
	snprintf(big + n + 66000, 70000 - (size_t)n - 66000, "\"}}");
	static const char *fields[] = {"currency", "currency", "currency", "name", NULL};
	const char *bad[] = {"{\"currency\":\"US\"}", "{\"currency\":\"U1D\"}",
			     "{\"currency\":\"\xc3\x89UR\"}", "{\"name\":\" \\t \"}", big};
	char *was = test_sys_value(&db, "SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM clients c");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		cr_expect_eq(wvl_clients_update(&out, ctx, &staff, a_id, bad[i]), WVL_EVALIDATION,
			     "took %.40s", bad[i]);
		const char *want = fields[i] ? fields[i] : "social_handles";
		const char *got = wvl_error_last()->fields_json;
		cr_expect(got && strstr(got, want), "%s: %s", want, got ? got : "(none)");
		cr_expect_null(out);
	}
	char *out = NULL;
	cr_expect_eq(wvl_clients_update(&out, ctx, &staff, a_id, "{}"), WVL_EINVAL);
	cr_expect_str_eq(wvl_error_last()->slug, "bad_request");
	cr_expect_eq(wvl_clients_update(NULL, ctx, &staff, a_id, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_clients_pause(&out, ctx, &staff, "not-a-uuid"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_clients_pause(NULL, ctx, &staff, a_id), WVL_EINVAL);
	cr_expect_eq(wvl_clients_get(&out, NULL, &staff, a_id), WVL_EINVAL);
	cr_expect_eq(wvl_clients_archive(&out, ctx, NULL, a_id), WVL_EINVAL);
	cr_expect_eq(wvl_clients_list(&out, ctx, NULL, NULL, NULL), WVL_EINVAL);
	char *is = test_sys_value(&db, "SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM clients c");
	cr_expect_str_eq(is, was, "nothing was written");
	free(was);
	free(is);
	free(big);
}
