/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Preferences per channel and category. */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

#define USER_ID "aaaaaaaa-0000-4000-8000-0000000000a1"
#define CLIENT_ID "aaaaaaaa-0000-4000-8000-00000000000a"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor user = {.version = WVL_ACTOR_VERSION,
			       .role = WVL_ROLE_CLIENT, .user_id = USER_ID,
			       .client_id = CLIENT_ID};

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT set_config('wvl.actor_role', 'system', false);"
			      "INSERT INTO clients (id, name) VALUES ('" CLIENT_ID "', 'A');"
			      "INSERT INTO users (id, email, role, client_id) VALUES"
			      " ('" USER_ID "', 'a@example.test', 'client', '" CLIENT_ID "')"),
		     0);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(prefs, .init = setup, .fini = teardown, .timeout = 60);

static bool pref(const char *json, const char *channel, const char *category)
{
	json_t *j = json_loads(json, 0, NULL);
	json_t *v = json_object_get(json_object_get(j, channel), category);
	cr_assert(json_is_boolean(v), "%s.%s missing in %s", channel, category, json);
	bool on = json_is_true(v);
	json_decref(j);
	return on;
}

Test(prefs, everything_is_on_until_turned_off)
{
	char *out = NULL;
	cr_assert_eq(wvl_prefs_get(&out, ctx, &user), 0, "%s", wvl_error_last()->message);
	static const char *cats[] = {"deliverables", "reminders", "tickets", "updates"};
	for (int i = 0; i < 4; i++) {
		cr_expect(pref(out, "email", cats[i]));
		cr_expect(pref(out, "inapp", cats[i]));
	}
	free(out);
}

Test(prefs, a_change_keeps_what_it_leaves_out)
{
	char *out = NULL;
	cr_assert_eq(wvl_prefs_update(&out, ctx, &user,
				      "{\"email\":{\"reminders\":false},\"inapp\":{\"updates\":false}}"),
		     0, "%s", wvl_error_last()->message);
	cr_expect_not(pref(out, "email", "reminders"));
	cr_expect_not(pref(out, "inapp", "updates"));
	cr_expect(pref(out, "email", "deliverables"));
	free(out);
	cr_assert_eq(wvl_prefs_update(&out, ctx, &user, "{\"email\":{\"tickets\":false}}"), 0);
	cr_expect_not(pref(out, "email", "reminders"), "still off");
	cr_expect_not(pref(out, "email", "tickets"));
	free(out);
	cr_assert_eq(wvl_prefs_update(&out, ctx, &user, "{\"email\":{\"reminders\":true}}"), 0);
	cr_expect(pref(out, "email", "reminders"), "on again");
	free(out);
	/* Only what is off is stored. */
	char *stored = test_sql_value(db.owner_url,
				      "SELECT email_prefs::text FROM users WHERE id = '" USER_ID "'");
	cr_expect_null(strstr(stored, "true"), "%s", stored);
	cr_expect_not_null(strstr(stored, "tickets"), "%s", stored);
	free(stored);
	cr_assert_eq(wvl_prefs_get(&out, ctx, &user), 0);
	cr_expect_not(pref(out, "email", "tickets"));
	cr_expect_not(pref(out, "inapp", "updates"));
	free(out);
}

Test(prefs, bad_changes_are_refused_and_change_nothing)
{
	static const char *bad[] = {
		"{\"sms\":{\"reminders\":false}}", "{\"email\":{\"spam\":false}}",
		"{\"email\":{\"reminders\":\"no\"}}", "{\"email\":[]}", "[]", "{\"email\":null}",
	};
	char *out = NULL;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wvl_prefs_update(&out, ctx, &user, bad[i]);
		cr_expect(rc == WVL_EVALIDATION || rc == WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_null(out);
	}
	char *stored = test_sql_value(db.owner_url,
				      "SELECT email_prefs::text FROM users WHERE id = '" USER_ID "'");
	cr_expect_str_eq(stored, "{}");
	free(stored);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_prefs_get(&out, ctx, &anon), WVL_EUNAUTHENTICATED);
}
