/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The coach (coach.h) against PostgreSQL and the loopback Messages API:
 * conversations are their user's, messages are stored, the context is one
 * client's and trimmed to WL_COACH_CONTEXT_TOKENS, the system prompt is
 * never returned, and a reply stopped half-way is stored as far as it got. */

#include <criterion/criterion.h>
#include <jansson.h>

#include "testai.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static char key[48];
static char client_a[37], client_b[37];
static wvl_actor staff, user_a, user_b;

/* The first cell of `sql` run as the system (testenv.h). */
#define sql1(sql) test_sys_value(&db, (sql))

static void make_ctx(const char *ai_key, const char *context_tokens)
{
	wvl_config *cfg = test_config(&db);
	test_ai_config(cfg, ai_key);
	if (context_tokens)
		cr_assert_eq(wvl_config_set(cfg, "WL_COACH_CONTEXT_TOKENS", context_tokens), 0);
	wvl_ctx_free(ctx);
	ctx = test_ctx_from(cfg);
	test_clock_install(ctx, test_clock_wall());
}

static wvl_actor user(const char *email, wvl_role role, const char *client)
{
	char q[400];
	snprintf(q, sizeof(q), "INSERT INTO users (email, name, role, client_id) VALUES ('%s', 'U',"
		 " '%s', %s%s%s) RETURNING id", email, wvl_role_name(role), client ? "'" : "",
		 client ? client : "NULL", client ? "'" : "");
	char *id = sql1(q);
	cr_assert_not_null(id);
	wvl_actor a = test_actor(role, id, client);
	free(id);
	return a;
}

static void client(char *out, const char *brand, const char *plan, const char *draft_plan,
		   const char *ready, const char *planned)
{
	char q[1200];
	snprintf(q, sizeof(q), "INSERT INTO clients (name, brand_name, niche) VALUES ('%s owner', '%s',"
		 " 'fitness') RETURNING id", brand, brand);
	char *id = sql1(q);
	snprintf(out, 37, "%s", id);
	free(id);
	snprintf(q, sizeof(q),
		 "INSERT INTO business_plans (client_id, version, status, content_markdown, approved_at)"
		 " VALUES ('%s', 1, 'approved', '%s', now()), ('%s', 2, 'draft', '%s', NULL);"
		 " INSERT INTO deliverables (client_id, milestone, title, status, content_markdown)"
		 " VALUES ('%s', 1, 'One', 'ready', '%s'), ('%s', 2, 'Two', 'draft', '%s')",
		 out, plan, out, draft_plan, out, ready, out, planned);
	free(sql1(q));
}

static void setup(void)
{
	test_db_create(&db);
	test_ai_key(key);
	make_ctx(key, NULL);
	client(client_a, "Alpha Fit", "PLAN-A-APPROVED", "PLAN-A-DRAFT", "M1-A-READY", "M2-A-DRAFT");
	client(client_b, "Beta Bake", "PLAN-B-APPROVED", "PLAN-B-DRAFT", "M1-B-READY", "M2-B-DRAFT");
	staff = user("staff@example.com", WVL_ROLE_STAFF, NULL);
	user_a = user("a@example.com", WVL_ROLE_CLIENT, client_a);
	user_b = user("b@example.com", WVL_ROLE_CLIENT, client_b);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	ctx = NULL;
	test_db_drop(&db);
}

TestSuite(coach, .init = setup, .fini = teardown, .timeout = 120);

static void conversation(char *out, const wvl_actor *a, const char *body)
{
	char *json = NULL;
	cr_assert_eq(wvl_coach_create(&json, ctx, a, body), 0, "%s", wvl_error_last()->message);
	char *id = test_json_string(json, "id");
	snprintf(out, 37, "%s", id);
	free(id);
	wvl_free(json);
}

static const char *system_of_last(void)
{
	static char buf[65536];
	json_t *reqs = test_ai_requests(key);
	json_t *body = json_object_get(json_array_get(reqs, json_array_size(reqs) - 1), "body");
	json_t *sys = json_object_get(body, "system");
	buf[0] = '\0';
	size_t i;
	json_t *part;
	json_array_foreach(sys, i, part)
		strncat(buf, json_string_value(json_object_get(part, "text")), sizeof(buf) - strlen(buf) - 1);
	json_decref(reqs);
	return buf;
}

Test(coach, client_a_coach_sees_only_what_a_was_handed_and_never_b)
{
	char conv[37];
	conversation(conv, &user_a, "{}");
	test_ai_plan(key, "[{\"reply\":\"Grow the list.\"}]");
	char *out = NULL;
	cr_assert_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{\"message\":\"What next?\"}"), 0, "%s",
		     wvl_error_last()->message);
	char *content = test_json_string(out, "content");
	cr_expect_str_eq(content, "Grow the list.");
	free(content);
	wvl_free(out);
	const char *s = system_of_last();
	cr_expect(strstr(s, "PLAN-A-APPROVED") && strstr(s, "M1-A-READY") && strstr(s, "Alpha Fit"), "%s", s);
	cr_expect(!strstr(s, "PLAN-A-DRAFT") && !strstr(s, "M2-A-DRAFT"), "unapproved work stays hidden");
	cr_expect(!strstr(s, "PLAN-B") && !strstr(s, "M1-B") && !strstr(s, "Beta Bake"), "B never");
	/* B cannot read or use A's conversation, nor start one about A. */
	cr_expect_eq(wvl_coach_messages(&out, ctx, &user_b, conv, NULL), WVL_ENOTFOUND);
	cr_expect_eq(wvl_coach_send(&out, ctx, &user_b, conv, "{\"message\":\"hi\"}"), WVL_ENOTFOUND);
	char body[100];
	snprintf(body, sizeof(body), "{\"client_id\":\"%s\"}", client_a);
	cr_expect_eq(wvl_coach_create(&out, ctx, &user_b, body), WVL_ENOTFOUND);
	/* The team's coach of B sees B's drafts too, and nothing of A. */
	char conv_b[37];
	snprintf(body, sizeof(body), "{\"client_id\":\"%s\"}", client_b);
	conversation(conv_b, &staff, body);
	cr_assert_eq(wvl_coach_send(&out, ctx, &staff, conv_b, "{\"message\":\"Status?\"}"), 0);
	wvl_free(out);
	s = system_of_last();
	cr_expect(strstr(s, "PLAN-B-APPROVED") && strstr(s, "M2-B-DRAFT"), "%s", s);
	cr_expect(!strstr(s, "PLAN-A") && !strstr(s, "Alpha"), "A never");
	cr_expect_eq(wvl_coach_create(&out, ctx, &staff, "{}"), WVL_EVALIDATION, "the team names the client");
}

Test(coach, messages_are_stored_and_listed_without_the_system_prompt)
{
	char conv[37];
	conversation(conv, &user_a, "{}");
	test_ai_plan(key, "[{\"reply\":\"First answer.\"},{\"reply\":\"Second answer.\"}]");
	char *out = NULL;
	cr_assert_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{\"message\":\"First question\"}"), 0);
	wvl_free(out);
	test_clock_advance(TEST_SEC);
	cr_assert_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{\"message\":\"Second question\"}"), 0);
	wvl_free(out);
	cr_assert_eq(wvl_coach_messages(&out, ctx, &user_a, conv, NULL), 0, "%s", wvl_error_last()->message);
	json_t *doc = json_loads(out, 0, NULL);
	json_t *data = json_object_get(doc, "data");
	cr_assert_eq(json_array_size(data), 4);
	const char *want[][2] = {{"user", "First question"}, {"assistant", "First answer."},
				 {"user", "Second question"}, {"assistant", "Second answer."}};
	for (size_t i = 0; i < 4; i++) {
		json_t *m = json_array_get(data, i);
		cr_expect_str_eq(json_string_value(json_object_get(m, "role")), want[i][0]);
		cr_expect_str_eq(json_string_value(json_object_get(m, "content")), want[i][1]);
	}
	cr_expect(!strstr(out, "business coach of WavelaunchOS"), "no system prompt in the list");
	json_decref(doc);
	wvl_free(out);
	/* The second request carried the first exchange. */
	json_t *reqs = test_ai_requests(key);
	json_t *msgs = json_object_get(json_object_get(json_array_get(reqs, 1), "body"), "messages");
	cr_expect_eq(json_array_size(msgs), 3);
	json_decref(reqs);
	cr_assert_eq(wvl_coach_list(&out, ctx, &user_a, NULL, NULL), 0);
	cr_expect(strstr(out, "First question") != NULL, "titled by its first question: %s", out);
	wvl_free(out);
	cr_assert_eq(wvl_coach_list(&out, ctx, &user_b, NULL, NULL), 0);
	cr_expect(strstr(out, "\"data\":[]") != NULL, "%s", out);
	wvl_free(out);
	cr_expect_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{\"message\":\"   \"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{}"), WVL_EVALIDATION);
}

Test(coach, the_context_is_trimmed_to_its_token_budget_newest_kept)
{
	make_ctx(key, "500");
	char conv[37];
	conversation(conv, &user_a, "{}");
	char q[600], big[1201];
	memset(big, 'x', 1200);
	big[1200] = '\0';
	for (int i = 0; i < 6; i++) {
		snprintf(q, sizeof(q), "INSERT INTO conversation_messages (conversation_id, role, content,"
			 " created_at) VALUES ('%s', '%s', repeat('%c', 1200), now() - interval '%d min')",
			 conv, i % 2 ? "assistant" : "user", 'a' + i, 10 - i);
		free(sql1(q));
	}
	char *out = NULL;
	cr_assert_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{\"message\":\"Newest?\"}"), 0);
	wvl_free(out);
	json_t *reqs = test_ai_requests(key);
	json_t *msgs = json_object_get(json_object_get(json_array_get(reqs, 0), "body"), "messages");
	/* 300 tokens a message, 500 in all: the question and the newest turn
	 * pair that fits, starting with the user's. */
	size_t n = json_array_size(msgs);
	cr_expect(n >= 1 && n <= 3, "%zu messages", n);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(msgs, n - 1), "content")),
			 "Newest?");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "user");
	json_decref(reqs);
}

static int stop_after_two(const char *t, size_t n, void *payload)
{
	(void)t;
	(void)n;
	return ++*(int *)payload >= 2;
}

Test(coach, a_reply_stopped_by_the_browser_is_stored_as_far_as_it_got)
{
	char conv[37];
	conversation(conv, &user_a, "{}");
	test_ai_plan(key, "[{\"reply\":\"one two three four\"}]");
	char *out = NULL;
	int calls = 0;
	cr_expect_eq(wvl_coach_ask(&out, ctx, &user_a, conv, "{\"message\":\"Go\"}", stop_after_two,
				   &calls), WVL_ECONFLICT);
	wvl_free(out);
	char q[300];
	snprintf(q, sizeof(q), "SELECT string_agg(role || '=' || content, '|' ORDER BY created_at)"
		 " FROM conversation_messages WHERE conversation_id = '%s'", conv);
	char *v = sql1(q);
	cr_expect_str_eq(v, "user=Go|assistant=one two ");
	free(v);
}

Test(coach, the_offline_coach_answers_marked_as_offline)
{
	make_ctx("", NULL);
	char conv[37];
	conversation(conv, &user_a, "{}");
	char *out = NULL;
	cr_assert_eq(wvl_coach_send(&out, ctx, &user_a, conv, "{\"message\":\"How do I grow?\"}"), 0,
		     "%s", wvl_error_last()->message);
	char *content = test_json_string(out, "content");
	cr_expect(strstr(content, "Offline coach") && strstr(content, "How do I grow?") &&
		  strstr(content, "Alpha Fit"), "%s", content);
	free(content);
	wvl_free(out);
	wvl_actor anon = test_actor(WVL_ROLE_ANONYMOUS, NULL, NULL);
	cr_expect_eq(wvl_coach_list(&out, ctx, &anon, NULL, NULL), WVL_EUNAUTHENTICATED);
}

Test(coach, a_question_the_model_failed_is_answered_when_asked_again_not_stored_twice)
{
	char conv[37];
	conversation(conv, &user_a, "{}");
	test_ai_plan(key, "[{\"status\":400},{\"reply\":\"Post twice a week.\"}]");
	char *out = NULL;
	cr_expect_neq(wvl_coach_ask(&out, ctx, &user_a, conv, "{\"message\":\"How often?\"}", NULL,
				    NULL), 0);
	cr_expect_null(out);
	char q[300];
	snprintf(q, sizeof(q), "SELECT string_agg(role || '=' || content, '|' ORDER BY created_at, id)"
		 " FROM conversation_messages WHERE conversation_id = '%s'", conv);
	char *v = sql1(q);
	cr_expect_str_eq(v, "user=How often?", "the question stays, unanswered");
	free(v);
	test_clock_advance(60 * INT64_C(1000000));
	cr_assert_eq(wvl_coach_ask(&out, ctx, &user_a, conv, "{\"message\":\"How often?\"}", NULL,
				   NULL), 0, "%s", wvl_error_last()->message);
	wvl_free(out);
	v = sql1(q);
	cr_expect_str_eq(v, "user=How often?|assistant=Post twice a week.");
	free(v);
	/* The model saw the question once. */
	json_t *reqs = test_ai_requests(key);
	json_t *msgs = json_object_get(json_object_get(json_array_get(reqs, json_array_size(reqs) - 1),
						       "body"), "messages");
	cr_expect_eq(json_array_size(msgs), 1);
	json_decref(reqs);
	/* A new question after an answer is stored as usual, even when it
	 * repeats an earlier one. */
	test_clock_advance(60 * INT64_C(1000000));
	test_ai_plan(key, "[{\"reply\":\"Still twice.\"}]");
	cr_assert_eq(wvl_coach_ask(&out, ctx, &user_a, conv, "{\"message\":\"How often?\"}", NULL,
				   NULL), 0, "%s", wvl_error_last()->message);
	wvl_free(out);
	v = sql1(q);
	cr_expect_str_eq(v, "user=How often?|assistant=Post twice a week.|user=How often?|"
			    "assistant=Still twice.");
	free(v);
}
