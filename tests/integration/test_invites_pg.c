/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Portal invites: created by the team with their email, accepted once
 * through the mailed link (which creates the client user and signs it
 * in); forged, expired, reused and revoked tokens refused as API.md says. */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testclock.h"
#include "testenv.h"
#include "testmail.h"

#define CLIENT "cccccccc-0000-0000-0000-000000000001"
#define PASSWORD "Harbor-Lantern-42!"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor staff;

static void setup(void)
{
	test_db_create(&db);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_PUBLIC_URL", "https://app.wavelaunch.test/"), 0);
	ctx = test_ctx_from(cfg);
	test_clock_install(ctx, test_clock_wall());
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role = 'system';"
			      " INSERT INTO clients (id, name, status) VALUES ('" CLIENT "', 'Nova', 'active'),"
			      "  ('cccccccc-0000-0000-0000-000000000002', 'Old', 'archived');"
			      " INSERT INTO users (email, name, role) VALUES ('sam@example.com', 'Sam', 'staff')"),
		     0);
	char *id = test_sql_value(db.owner_url, "SELECT id FROM users WHERE email = 'sam@example.com'");
	staff = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	snprintf(staff.user_id, sizeof(staff.user_id), "%s", id);
	free(id);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	test_db_drop(&db);
}

TestSuite(invites, .init = setup, .fini = teardown, .timeout = 120);

/* Invites `email`; returns the invite's id (malloc'd). */
static char *invite(const char *email)
{
	char body[200], *out = NULL;
	snprintf(body, sizeof(body), "{\"client_id\":\"" CLIENT "\",\"email\":\"%s\"}", email);
	cr_assert_eq(wvl_invites_create(&out, ctx, &staff, body), 0, "%s", wvl_error_last()->message);
	char *id = test_json_string(out, "id");
	wvl_free(out);
	return id;
}

/* Sends the queued mail and reads the token of the newest invite link
 * mailed to `email` (malloc'd). */
static char *mailed_token(const char *email)
{
	test_run_jobs(&db, ctx, 30);
	char q[300];
	snprintf(q, sizeof(q),
		 "SET wvl.actor_role = 'system'; SELECT id FROM email_log WHERE to_address = '%s'"
		 " AND template = 'portal_invite' ORDER BY created_at DESC, id LIMIT 1", email);
	char *id = test_sql_value(db.owner_url, q);
	cr_assert_not_null(id);
	char *path = test_mailbox_file(ctx, id);
	json_t *m = test_mime_parse(path);
	cr_expect_str_eq(test_mime_header(m, "subject"), "Your WavelaunchOS portal invitation");
	cr_expect_null(test_mime_header(m, "list-unsubscribe"), "an invite is transactional");
	cr_expect_not_null(strstr(test_mime_part(m, "text/plain"), "Sam invited you to the portal of Nova"));
	char *token = test_link_token(test_mime_part(m, "text/plain"),
				      "https://app.wavelaunch.test/invite?token=");
	char *in_html = test_link_token(test_mime_part(m, "text/html"), "/invite?token=");
	cr_assert_not_null(token);
	cr_expect_str_eq(in_html, token);
	free(in_html);
	json_decref(m);
	free(path);
	free(id);
	return token;
}

static int accept(wvl_auth_login_result **res, const char *token, const char *password)
{
	char body[300];
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"%s\",\"name\":\"Ann\"}", token,
		 password);
	wvl_invite_accept_request r = WVL_INVITE_ACCEPT_REQUEST_INIT;
	r.body_json = body;
	r.ip = "203.0.113.9";
	r.user_agent = "criterion";
	*res = NULL;
	return wvl_invites_accept(res, ctx, &r);
}

Test(invites, accepting_creates_the_client_user_signs_in_and_voids_the_token)
{
	char *id = invite("Ann@Example.com");
	char *token = mailed_token("ann@example.com");
	wvl_auth_login_result *res = NULL;
	cr_expect_eq(accept(&res, token, "weak"), WVL_EVALIDATION, "the password policy applies");
	cr_assert_eq(accept(&res, token, PASSWORD), 0, "%s", wvl_error_last()->message);
	cr_assert_not_null(res);
	cr_expect_null(res->device_cookie);
	json_t *user = json_loads(res->user_json, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(user, "role")), "client");
	cr_expect_str_eq(json_string_value(json_object_get(user, "email")), "ann@example.com");
	cr_expect_str_eq(json_string_value(json_object_get(user, "client_id")), CLIENT);
	json_decref(user);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_assert_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), 0, "signed in");
	cr_expect_eq(a.role, WVL_ROLE_CLIENT);
	cr_expect_str_eq(a.client_id, CLIENT);
	wvl_auth_login_result_free(res);
	/* The password works for a login, and the link works no more. */
	wvl_auth_login_request lr = WVL_AUTH_LOGIN_REQUEST_INIT;
	lr.email = "ann@example.com";
	lr.password = PASSWORD;
	lr.ip = "203.0.113.9";
	cr_assert_eq(wvl_auth_login(&res, ctx, &lr), 0);
	wvl_auth_login_result_free(res);
	cr_expect_eq(accept(&res, token, PASSWORD), WVL_EGONE, "reused");
	cr_expect_str_eq(wvl_error_last()->slug, "link_expired");
	char *acc = test_sql_value(db.owner_url, "SET wvl.actor_role = 'system';"
				   " SELECT (accepted_at IS NOT NULL AND user_id IS NOT NULL)::text FROM invites");
	cr_expect_str_eq(acc, "true");
	free(acc);
	/* The address has an account now: no second invite. */
	char *out = NULL;
	cr_expect_eq(wvl_invites_create(&out, ctx, &staff,
					"{\"client_id\":\"" CLIENT "\",\"email\":\"ann@example.com\"}"),
		     WVL_ECONFLICT);
	free(token);
	free(id);
}

Test(invites, forged_expired_and_revoked_tokens_are_refused)
{
	wvl_auth_login_result *res = NULL;
	cr_expect_eq(accept(&res, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", PASSWORD), WVL_EFORBIDDEN);
	cr_expect_str_eq(wvl_error_last()->slug, "link_invalid");
	cr_expect_eq(accept(&res, "short", PASSWORD), WVL_EFORBIDDEN);
	/* A newer invite for the same address revokes the older one. */
	char *first = invite("bo@example.com");
	char *old = mailed_token("bo@example.com");
	test_clock_advance(TEST_SEC);
	char *second = invite("bo@example.com");
	char *fresh = mailed_token("bo@example.com");
	cr_expect_eq(accept(&res, old, PASSWORD), WVL_EGONE, "revoked by the newer invite");
	/* Seven days and a second later, the newer one has expired too. */
	test_clock_advance(7LL * 86400 * TEST_SEC + TEST_SEC);
	cr_expect_eq(accept(&res, fresh, PASSWORD), WVL_EGONE);
	cr_expect_str_eq(wvl_error_last()->slug, "link_expired");
	/* Revoked by hand. */
	char *third = invite("cy@example.com");
	char *tok = mailed_token("cy@example.com");
	cr_assert_eq(wvl_invites_revoke(ctx, &staff, third), 0);
	cr_expect_eq(wvl_invites_revoke(ctx, &staff, third), WVL_ECONFLICT);
	cr_expect_eq(wvl_invites_revoke(ctx, &staff, "00000000-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_invites_revoke(ctx, &staff, "nope"), WVL_ENOTFOUND);
	cr_expect_eq(accept(&res, tok, PASSWORD), WVL_EGONE);
	wvl_invite_accept_request bad = WVL_INVITE_ACCEPT_REQUEST_INIT;
	bad.version = 9;
	cr_expect_eq(wvl_invites_accept(&res, ctx, &bad), WVL_EINVAL);
	bad.version = WVL_INVITE_ACCEPT_REQUEST_VERSION;
	bad.body_json = "{\"token\":1}";
	cr_expect_eq(wvl_invites_accept(&res, ctx, &bad), WVL_EVALIDATION);
	free(first);
	free(second);
	free(third);
	free(old);
	free(fresh);
	free(tok);
}

Test(invites, only_the_team_invites_real_clients_and_lists_them)
{
	char *out = NULL;
	wvl_actor client = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	const char *body = "{\"client_id\":\"" CLIENT "\",\"email\":\"dee@example.com\"}";
	cr_expect_eq(wvl_invites_create(&out, ctx, &client, body), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_invites_create(&out, ctx, &anon, body), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_invites_create(&out, ctx, &staff,
					"{\"client_id\":\"cccccccc-0000-0000-0000-000000000002\","
					"\"email\":\"dee@example.com\"}"),
		     WVL_ENOTFOUND, "an archived client");
	cr_expect_eq(wvl_invites_create(&out, ctx, &staff,
					"{\"client_id\":\"00000000-0000-0000-0000-000000000000\","
					"\"email\":\"dee@example.com\"}"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_invites_create(&out, ctx, &staff, "{\"client_id\":\"" CLIENT "\",\"email\":\"x\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_invites_create(&out, ctx, &staff,
					"{\"client_id\":\"" CLIENT "\",\"email\":\"sam@example.com\"}"),
		     WVL_ECONFLICT, "a team member's address");
	free(invite("dee@example.com"));
	test_clock_advance(TEST_SEC);
	char *last = invite("eve@example.com");
	cr_assert_eq(wvl_invites_list(&out, ctx, &staff, CLIENT, test_query("limit=1")), 0, "%s",
		     wvl_error_last()->message);
	json_t *page = json_loads(out, 0, NULL);
	json_t *first = json_array_get(json_object_get(page, "data"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(first, "id")), last, "newest first");
	cr_expect_not_null(json_object_get(first, "expires_at"));
	const char *cursor = json_string_value(json_object_get(page, "next_cursor"));
	cr_assert_not_null(cursor);
	char *out2 = NULL;
	cr_assert_eq(wvl_invites_list(&out2, ctx, &staff, CLIENT, test_query("cursor=%s", cursor)), 0);
	json_t *page2 = json_loads(out2, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(page2, "data")), 1);
	json_decref(page2);
	json_decref(page);
	wvl_free(out);
	wvl_free(out2);
	cr_expect_eq(wvl_invites_list(&out, ctx, &client, CLIENT, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_invites_list(&out, ctx, &staff, NULL, NULL), WVL_EINVAL, "the list needs its client");
	free(last);
}
