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
static wvl_actor admin, staff, client_a;
static const char *client_a_id = "aaaaaaaa-0000-4000-8000-000000000001";
static const char *client_b_id = "bbbbbbbb-0000-4000-8000-000000000002";

static void actor_for(wvl_actor *a, wvl_role role, const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	cr_assert_not_null(j, "%s", json);
	*a = (wvl_actor)WVL_ACTOR_INIT(role);
	snprintf(a->user_id, sizeof(a->user_id), "%s", json_string_value(json_object_get(j, "id")));
	const char *cid = json_string_value(json_object_get(j, "client_id"));
	if (cid)
		snprintf(a->client_id, sizeof(a->client_id), "%s", cid);
	json_decref(j);
}

static char *create(const wvl_actor *by, const char *body)
{
	char *out = NULL;
	int rc = wvl_users_create(&out, ctx, by, body);
	cr_assert_eq(rc, 0, "%s %s", wvl_error_last()->message,
		     wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "");
	return out;
}

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO clients (id, name, email, status) VALUES"
		 " ('%s','A','a@example.com','active'), ('%s','B','b@example.com','active')",
		 client_a_id, client_b_id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	admin = test_admin(ctx, &db, "root@example.com", "Quartz-Meadow-11!");
	char *s = create(&admin, "{\"email\":\"staff@example.com\",\"name\":\"Sam\",\"role\":\"staff\","
				 "\"password\":\"Granite-Falcon-22!\"}");
	actor_for(&staff, WVL_ROLE_STAFF, s);
	free(s);
	char body[512];
	snprintf(body, sizeof(body), "{\"email\":\"ca@example.com\",\"name\":\"Cat\",\"role\":\"client\","
				     "\"password\":\"Client-Pass-Strong-33!\",\"client_id\":\"%s\"}", client_a_id);
	s = create(&admin, body);
	actor_for(&client_a, WVL_ROLE_CLIENT, s);
	cr_expect_str_eq(client_a.client_id, client_a_id);
	free(s);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(users, .init = setup, .fini = teardown, .timeout = 120);

Test(users, only_admins_create_and_list)
{
	char *out = NULL;
	const char *body = "{\"email\":\"x@example.com\",\"name\":\"X\",\"role\":\"staff\","
			   "\"password\":\"Xylophone-Strong-44!\"}";
	cr_expect_eq(wvl_users_create(&out, ctx, &staff, body), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_users_create(&out, ctx, &client_a, body), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_users_list(&out, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_users_unlock(ctx, &staff, admin.user_id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_users_deactivate(ctx, &client_a, staff.user_id), WVL_EFORBIDDEN);
	cr_assert_eq(wvl_users_list(&out, ctx, &admin, NULL, NULL), 0);
	json_t *j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 3);
	cr_expect(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);
	free(out);
}

Test(users, validation_refuses_bad_and_unknown_fields)
{
	char *out = NULL;
	static const char *bad[] = {
		"{\"email\":\"bad\",\"name\":\"X\",\"role\":\"staff\",\"password\":\"Good-Pass-Strong-1!\"}",
		"{\"email\":\"y@example.com\",\"name\":\"X\",\"role\":\"root\",\"password\":\"Good-Pass-Strong-1!\"}",
		"{\"email\":\"y@example.com\",\"name\":\"X\",\"role\":\"client\",\"password\":\"Good-Pass-Strong-1!\"}",
		"{\"email\":\"y@example.com\",\"name\":\"X\",\"role\":\"staff\",\"password\":\"Good-Pass-Strong-1!\",\"client_id\":\"aaaaaaaa-0000-4000-8000-000000000001\"}",
		"{\"email\":\"y@example.com\",\"name\":\"X\",\"role\":\"client\",\"password\":\"Good-Pass-Strong-1!\",\"client_id\":\"cccccccc-0000-4000-8000-000000000009\"}",
		"{\"email\":\"y@example.com\",\"name\":\"X\",\"role\":\"staff\",\"password\":\"weak\"}",
		"{\"email\":\"y@example.com\",\"name\":\"X\",\"role\":\"staff\",\"password\":\"Good-Pass-Strong-1!\",\"is_admin\":true}",
		"{\"email\":\"y@example.com\",\"name\":5,\"role\":\"staff\",\"password\":\"Good-Pass-Strong-1!\"}",
		"{\"email\":\"y@example.com\",\"name\":\"a\\u0000b\",\"role\":\"staff\",\"password\":\"Good-Pass-Strong-1!\"}",
		"{\"email\":\"staff@example.com\",\"name\":\"X\",\"role\":\"staff\",\"password\":\"Good-Pass-Strong-1!\"}",
		"[]", "nonsense", "{\"email\":\"y@example.com\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wvl_users_create(&out, ctx, &admin, bad[i]);
		cr_expect(rc == WVL_EVALIDATION || rc == WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_null(out);
	}
	char *n = test_sql_value(db.owner_url, "SELECT count(*) FROM users");
	cr_expect_str_eq(n, "3", "nothing was created");
	free(n);
}

Test(users, self_update_cannot_escalate)
{
	char *out = NULL;
	static const char *attempts[] = {"{\"role\":\"admin\"}", "{\"client_id\":null}",
					 "{\"active\":true}", "{\"email\":\"new@example.com\"}",
					 "{\"name\":\"ok\",\"role\":\"admin\"}"};
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		cr_expect_eq(wvl_users_update(&out, ctx, &client_a, client_a.user_id, attempts[i]),
			     WVL_EVALIDATION, "accepted %s", attempts[i]);
		cr_expect_not_null(wvl_error_last()->fields_json);
	}
	char *role = test_sql_value(db.owner_url, "SELECT role FROM users WHERE email='ca@example.com'");
	cr_expect_str_eq(role, "client");
	free(role);
	cr_assert_eq(wvl_users_update(&out, ctx, &client_a, client_a.user_id, "{\"name\":\"Cathy\"}"), 0);
	cr_expect_not_null(strstr(out, "Cathy"));
	free(out);
}

Test(users, others_are_not_found_for_non_admins)
{
	char *out = NULL;
	cr_expect_eq(wvl_users_get(&out, ctx, &client_a, staff.user_id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_users_get(&out, ctx, &staff, admin.user_id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_users_update(&out, ctx, &staff, client_a.user_id, "{\"name\":\"x\"}"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_users_get(&out, ctx, &admin, "99999999-9999-4999-8999-999999999999"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_users_get(&out, ctx, &admin, "../../etc"), WVL_ENOTFOUND);
	cr_assert_eq(wvl_users_get(&out, ctx, &client_a, client_a.user_id), 0);
	free(out);
}

Test(users, deactivation_revokes_access_and_admins_keep_themselves)
{
	wvl_auth_login_request r = WVL_AUTH_LOGIN_REQUEST_INIT;
	r.email = "staff@example.com";
	r.password = "Granite-Falcon-22!";
	wvl_auth_login_result *res = NULL;
	cr_assert_eq(wvl_auth_login(&res, ctx, &r), 0);
	cr_assert_eq(wvl_users_deactivate(ctx, &admin, staff.user_id), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), WVL_EUNAUTHENTICATED);
	wvl_auth_login_result_free(res);
	cr_expect_eq(wvl_auth_login(&res, ctx, &r), WVL_EUNAUTHENTICATED, "inactive: same answer");
	cr_expect_str_eq(wvl_error_last()->slug, "invalid_credentials");
	cr_expect_eq(wvl_users_deactivate(ctx, &admin, admin.user_id), WVL_ECONFLICT);
	char *out = NULL;
	cr_expect_eq(wvl_users_update(&out, ctx, &admin, admin.user_id, "{\"role\":\"staff\"}"), WVL_ECONFLICT);
}

Test(users, admin_unlock_lifts_the_lock)
{
	wvl_auth_login_request r = WVL_AUTH_LOGIN_REQUEST_INIT;
	r.email = "staff@example.com";
	r.password = "Wrong-Wrong-Wrong-1!";
	wvl_auth_login_result *res = NULL;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(wvl_auth_login(&res, ctx, &r), WVL_EUNAUTHENTICATED);
	r.password = "Granite-Falcon-22!";
	cr_assert_eq(wvl_auth_login(&res, ctx, &r), WVL_ELOCKED);
	char *out = NULL;
	cr_assert_eq(wvl_users_get(&out, ctx, &admin, staff.user_id), 0);
	json_t *u = json_loads(out, 0, NULL);
	cr_expect(json_is_string(json_object_get(u, "locked_until")), "the lock shows on the user: %s", out);
	json_decref(u);
	free(out);
	cr_assert_eq(wvl_users_unlock(ctx, &admin, staff.user_id), 0);
	cr_assert_eq(wvl_auth_login(&res, ctx, &r), 0, "%s", wvl_error_last()->message);
	wvl_auth_login_result_free(res);
}

Test(users, keyset_pages_are_stable_while_rows_are_added)
{
	for (int i = 0; i < 7; i++) {
		char body[256], *out;
		snprintf(body, sizeof(body), "{\"email\":\"p%d@example.com\",\"name\":\"P%d\",\"role\":\"staff\","
					     "\"password\":\"Paging-Pass-Strong-%d!\"}", i, i, i);
		out = create(&admin, body);
		free(out);
	}
	char *page1 = NULL;
	cr_assert_eq(wvl_users_list(&page1, ctx, &admin, NULL, test_query_json("{\"limit\":\"4\"}")), 0);
	json_t *p1 = json_loads(page1, 0, NULL);
	cr_assert_eq(json_array_size(json_object_get(p1, "data")), 4);
	const char *cursor = json_string_value(json_object_get(p1, "next_cursor"));
	cr_assert_not_null(cursor);
	char *out = create(&admin, "{\"email\":\"late@example.com\",\"name\":\"L\",\"role\":\"staff\","
				   "\"password\":\"Ember-Willow-99!\"}");
	free(out);
	char q[512];
	snprintf(q, sizeof(q), "{\"limit\":\"100\",\"cursor\":\"%s\"}", cursor);
	char *page2 = NULL;
	cr_assert_eq(wvl_users_list(&page2, ctx, &admin, NULL, test_query_json(q)), 0, "%s", wvl_error_last()->message);
	json_t *p2 = json_loads(page2, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(p2, "data")), 6, "10 older users minus 4 seen");
	cr_expect_null(strstr(page2, "late@example.com"), "a newer row does not shift the page");
	for (size_t i = 0; i < 4; i++) {
		const char *id = json_string_value(json_object_get(json_array_get(json_object_get(p1, "data"), i), "id"));
		cr_expect_null(strstr(page2, id), "no row twice");
	}
	json_decref(p1);
	json_decref(p2);
	free(page1);
	free(page2);
	static const char *bad[] = {"{\"limit\":\"0\"}", "{\"limit\":\"101\"}", "{\"limit\":\"x\"}",
				    "{\"cursor\":\"forged.sig\"}", "{\"sort\":\"email\"}",
				    "{\"role\":\"root\"}", "{\"active\":\"maybe\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *o = NULL;
		cr_expect_eq(wvl_users_list(&o, ctx, &admin, NULL, test_query_json(bad[i])), WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_str_eq(wvl_error_last()->slug, "bad_request");
	}
	char *o = NULL;
	cr_assert_eq(wvl_users_list(&o, ctx, &admin, NULL, test_query_json("{\"q\":\"%\",\"role\":\"staff\"}")), 0);
	json_t *j = json_loads(o, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 0, "%% is literal in search");
	json_decref(j);
	free(o);
}

/* Missing arguments are the caller's bug (400); a path id that is no uuid
 * is not found, whatever it holds, before the database is asked. */
Test(users, missing_arguments_and_odd_ids)
{
	char *out = NULL;
	cr_expect_eq(wvl_users_create(NULL, ctx, &admin, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_users_list(&out, NULL, &admin, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_users_get(&out, ctx, NULL, admin.user_id), WVL_EINVAL);
	cr_expect_eq(wvl_users_update(NULL, ctx, &admin, admin.user_id, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_users_deactivate(NULL, &admin, staff.user_id), WVL_EINVAL);
	cr_expect_eq(wvl_users_unlock(ctx, NULL, staff.user_id), WVL_EINVAL);
	const char *odd[] = {"", "1", "' OR '1'='1", "22222222-2222-4222-8222-22222222222", NULL};
	for (size_t i = 0; odd[i]; i++) {
		cr_expect_eq(wvl_users_deactivate(ctx, &admin, odd[i]), WVL_ENOTFOUND, "%s", odd[i]);
		cr_expect_eq(wvl_users_unlock(ctx, &admin, odd[i]), WVL_ENOTFOUND, "%s", odd[i]);
	}
	cr_expect_eq(wvl_users_deactivate(ctx, &admin, NULL), WVL_ENOTFOUND);
	cr_expect_eq(wvl_users_unlock(ctx, &staff, admin.user_id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_users_deactivate(ctx, &staff, admin.user_id), WVL_EFORBIDDEN);
	/* Staff stays active: nothing above changed anyone. */
	cr_assert_eq(wvl_users_get(&out, ctx, &admin, staff.user_id), 0);
	char *active = test_json_member(out, "active");
	cr_expect_str_eq(active ? active : "(none)", "true", "%s", out);
	free(active);
	free(out);
}
