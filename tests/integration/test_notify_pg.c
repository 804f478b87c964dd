/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* In-app notifications: each user sees and marks only their own (library
 * and row-level security), the fan-out follows audiences and in-app
 * preferences, the notification_create kind and the triggers make them,
 * the listener announces them after commit. */

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testclock.h"
#include "testenv.h"

#define CLIENT_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define USER_A "aaaaaaaa-0000-4000-8000-0000000000a1"
#define USER_A2 "aaaaaaaa-0000-4000-8000-0000000000a2"
#define ADMIN_ID "ffffffff-0000-4000-8000-0000000000f1"
#define STAFF_ID "ffffffff-0000-4000-8000-0000000000f2"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
static const wvl_actor admin = {.version = WVL_ACTOR_VERSION,
				.role = WVL_ROLE_ADMIN, .user_id = ADMIN_ID};
static const wvl_actor staff = {.version = WVL_ACTOR_VERSION,
				.role = WVL_ROLE_STAFF, .user_id = STAFF_ID};
static const wvl_actor user_a = {.version = WVL_ACTOR_VERSION,
				 .role = WVL_ROLE_CLIENT, .user_id = USER_A,
				 .client_id = CLIENT_A};
static const wvl_actor user_a2 = {.version = WVL_ACTOR_VERSION,
				  .role = WVL_ROLE_CLIENT, .user_id = USER_A2,
				  .client_id = CLIENT_A};

static void setup(void)
{
	test_db_create(&db);
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT set_config('wvl.actor_role', 'system', false);"
			      "INSERT INTO clients (id, name) VALUES ('" CLIENT_A "', 'A');"
			      "INSERT INTO users (id, email, role, client_id) VALUES"
			      " ('" ADMIN_ID "', 'admin@example.test', 'admin', NULL),"
			      " ('" STAFF_ID "', 'staff@example.test', 'staff', NULL),"
			      " ('" USER_A "', 'a@example.test', 'client', '" CLIENT_A "'),"
			      " ('" USER_A2 "', 'a2@example.test', 'client', '" CLIENT_A "')"),
		     0);
	ctx = test_ctx(&db);
	test_clock_install(ctx, test_clock_wall());
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	test_db_drop(&db);
}

TestSuite(notify, .init = setup, .fini = teardown, .timeout = 120);

static int count_for(const wvl_actor *a, const char *query)
{
	char *out = NULL;
	cr_assert_eq(wvl_notify_list(&out, ctx, a, NULL, query ? test_query("%s", query) : NULL), 0,
		     "%s", wvl_error_last()->message);
	json_t *j = json_loads(out, 0, NULL);
	int n = (int)json_array_size(json_object_get(j, "data"));
	json_decref(j);
	free(out);
	return n;
}

/* Runs the queued notification jobs with a worker stepped by hand. */
static void run_jobs(void)
{
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.queues = "notifications,default";
	o.run_scheduler = 0;
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, &o), 0);
	cr_assert_eq(wvl_worker_register_builtin(w), 0);
	cr_assert_eq(wvl_worker_start(w), 0);
	for (int i = 0; i < 1500; i++) {
		int timeout = 0;
		cr_assert_eq(wvl_worker_step(&timeout, w), 0);
		char *left = test_sql_value(db.owner_url,
					    "SET wvl.actor_role = 'system'; SELECT count(*) FROM jobs"
					    " WHERE state NOT IN ('completed', 'failed', 'cancelled')");
		bool done = left && !strcmp(left, "0");
		free(left);
		if (done)
			break;
		struct pollfd p = {wvl_worker_fd(w), POLLIN, 0};
		poll(&p, 1, timeout < 20 ? timeout : 20);
	}
	wvl_worker_free(w);
}

static void enqueue(const char *args)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "notifications";
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "notification_create", args, &o), 0,
		     "%s", wvl_error_last()->message);
}

Test(notify, a_deliverable_ready_reaches_the_clients_users_who_want_it)
{
	char *out = NULL;
	cr_assert_eq(wvl_prefs_update(&out, ctx, &user_a2, "{\"inapp\":{\"deliverables\":false}}"), 0);
	free(out);
	enqueue("{\"type\":\"deliverable_ready\",\"client_id\":\"" CLIENT_A "\","
		"\"deliverable_id\":\"dddddddd-0000-4000-8000-000000000001\",\"milestone\":3}");
	run_jobs();
	cr_assert_eq(wvl_notify_list(&out, ctx, &user_a, NULL, NULL), 0);
	cr_expect_not_null(strstr(out, "Milestone M3 is ready"), "%s", out);
	cr_expect_not_null(strstr(out, "/portal/deliverables"), "%s", out);
	free(out);
	cr_expect_eq(count_for(&user_a2, NULL), 0, "turned off in-app deliverables");
	cr_expect_eq(count_for(&admin, NULL), 0, "the team is not the audience");
}

Test(notify, each_user_sees_and_marks_only_their_own)
{
	enqueue("{\"type\":\"ticket_created\",\"client_id\":\"" CLIENT_A "\",\"number\":7,"
		"\"ticket_id\":\"eeeeeeee-0000-4000-8000-000000000007\"}");
	run_jobs();
	cr_expect_eq(count_for(&admin, NULL), 1);
	cr_expect_eq(count_for(&staff, NULL), 1);
	cr_expect_eq(count_for(&user_a, NULL), 0);
	char *out = NULL;
	cr_assert_eq(wvl_notify_list(&out, ctx, &admin, NULL, NULL), 0);
	char *first = test_json_member(out, "data");
	json_t *j = json_loads(out, 0, NULL);
	const char *id = json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 0), "id"));
	cr_assert_not_null(id);
	char admins_id[37];
	snprintf(admins_id, sizeof(admins_id), "%s", id);
	json_decref(j);
	free(first);
	free(out);
	cr_expect_not_null(strstr(admins_id, "-"));
	/* Someone else's: not found, for the team too. */
	cr_expect_eq(wvl_notify_mark_read(ctx, &staff, admins_id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_notify_mark_read(ctx, &user_a, admins_id), WVL_ENOTFOUND);
	cr_assert_eq(wvl_notify_unread_count(&out, ctx, &admin), 0);
	cr_expect_str_eq(out, "{\"count\" : 1}");
	free(out);
	cr_expect_eq(wvl_notify_mark_read(ctx, &admin, admins_id), 0);
	cr_expect_eq(wvl_notify_mark_read(ctx, &admin, admins_id), 0, "idempotent");
	cr_expect_eq(count_for(&admin, "unread=true"), 0);
	cr_expect_eq(count_for(&admin, "unread=false"), 1);
	cr_expect_eq(count_for(&staff, "unread=true"), 1, "staff's own is still unread");
	cr_assert_eq(wvl_notify_mark_all_read(&out, ctx, &staff), 0);
	cr_expect_str_eq(out, "{\"marked\" : 1}");
	free(out);
	cr_assert_eq(wvl_notify_mark_all_read(&out, ctx, &staff), 0);
	cr_expect_str_eq(out, "{\"marked\" : 0}", "idempotent");
	free(out);
	/* The second wall: a team member's statement without a predicate. */
	char *n = test_sql_value(db.app_url,
				 "BEGIN; SELECT set_config('wvl.actor_role', 'staff', true),"
				 " set_config('wvl.actor_id', '" STAFF_ID "', true);"
				 " SELECT count(*) FROM notifications");
	cr_expect_str_eq(n ? n : "(null)", "1", "RLS shows staff its own only");
	free(n);
}

Test(notify, a_job_that_fails_for_good_tells_the_admins)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.max_attempts = 1;
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "notification_create",
				      "{\"type\":\"no such type\"}", &o), 0);
	run_jobs();
	char *out = NULL;
	cr_assert_eq(wvl_notify_list(&out, ctx, &admin, NULL, test_query("type=job_failed")), 0);
	cr_expect_not_null(strstr(out, "A notification_create job failed"), "%s", out);
	free(out);
	cr_expect_eq(count_for(&staff, NULL), 0, "admins only");
}

Test(notify, since_gives_what_came_after_and_nothing_of_others)
{
	for (int i = 1; i <= 3; i++) {
		char args[256];
		snprintf(args, sizeof(args),
			 "{\"type\":\"ticket_replied\",\"client_id\":\"" CLIENT_A "\",\"number\":%d,"
			 "\"audience\":\"client\"}", i);
		enqueue(args);
		run_jobs();
		test_clock_advance(TEST_SEC);
	}
	char *out = NULL;
	cr_assert_eq(wvl_notify_list(&out, ctx, &user_a, NULL, test_query("limit=3")), 0);
	json_t *j = json_loads(out, 0, NULL);
	json_t *data = json_object_get(j, "data");
	cr_assert_eq(json_array_size(data), 3);
	char oldest[37];
	snprintf(oldest, sizeof(oldest), "%s",
		 json_string_value(json_object_get(json_array_get(data, 2), "id")));
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_notify_since(&out, ctx, &user_a, oldest), 0);
	j = json_loads(out, 0, NULL);
	data = json_object_get(j, "data");
	cr_expect_eq(json_array_size(data), 2);
	cr_expect_not_null(strstr(json_string_value(json_object_get(json_array_get(data, 0), "title")),
				  "#2"), "oldest first");
	json_decref(j);
	free(out);
	cr_expect_eq(wvl_notify_since(&out, ctx, &user_a2, oldest), WVL_ENOTFOUND,
		     "another user's id");
	cr_expect_eq(wvl_notify_since(&out, ctx, &user_a, "x"), WVL_ENOTFOUND);
}

struct heard {
	int events, resets;
	char user[37];
	char json[2048];
};

static void hear(const char *user, const char *json, void *payload)
{
	struct heard *h = payload;
	if (!user) {
		h->resets++;
		return;
	}
	h->events++;
	snprintf(h->user, sizeof(h->user), "%s", user);
	snprintf(h->json, sizeof(h->json), "%s", json);
}

Test(notify, the_listener_hears_each_one_after_commit)
{
	wvl_notify_listener *l = NULL;
	cr_assert_eq(wvl_notify_listener_new(&l, ctx), 0);
	struct heard h = {0};
	cr_assert_eq(wvl_notify_listener_step(l, hear, &h), 0, "%s", wvl_error_last()->message);
	cr_assert_geq(wvl_notify_listener_fd(l), 0);
	cr_expect_eq(h.resets, 1, "the first connection says nothing before it was heard");
	enqueue("{\"type\":\"ticket_closed\",\"client_id\":\"" CLIENT_A "\",\"number\":9}");
	cr_expect_eq(h.events, 0, "nothing before the job commits");
	run_jobs();
	for (int i = 0; i < 100 && h.events < 2; i++)
		cr_assert_eq(wvl_notify_listener_wait(l, 50, hear, &h), 0);
	cr_expect_eq(h.events, 2, "both users of client A");
	cr_expect_eq(h.resets, 1, "no loss since");
	cr_expect_not_null(strstr(h.json, "Ticket #9 was closed"), "%s", h.json);
	cr_expect(!strcmp(h.user, USER_A) || !strcmp(h.user, USER_A2), "%s", h.user);
	wvl_notify_listener_free(l);
}

/* Any session of the database may NOTIFY on wvl_notify: what is not the
 * trigger's "<user id> <json object>" is dropped, not delivered. */
Test(notify, the_listener_drops_payloads_that_are_not_announcements)
{
	wvl_notify_listener *l = NULL;
	cr_assert_eq(wvl_notify_listener_new(&l, ctx), 0);
	struct heard h = {0};
	cr_assert_eq(wvl_notify_listener_step(l, hear, &h), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT pg_notify('wvl_notify', 'not ours'),"
			      " pg_notify('wvl_notify', '" USER_A "'),"
			      " pg_notify('wvl_notify', '" USER_A "{\"id\":1}'),"
			      " pg_notify('wvl_notify', 'zaaaaaaa-0000-4000-8000-0000000000a1 {}'),"
			      " pg_notify('wvl_notify', '" USER_A " [1]'),"
			      " pg_notify('wvl_notify', '" USER_A " {\"last\":true}')"),
		     0);
	for (int i = 0; i < 100 && h.events < 1; i++)
		cr_assert_eq(wvl_notify_listener_wait(l, 50, hear, &h), 0);
	cr_assert_eq(wvl_notify_listener_wait(l, 100, hear, &h), 0);
	cr_expect_eq(h.events, 1, "only the well-formed one");
	cr_expect_str_eq(h.user, USER_A);
	cr_expect_str_eq(h.json, "{\"last\":true}");
	wvl_notify_listener_free(l);
}

/* A stranger (no user) is refused before the database is asked; missing
 * arguments are the caller's bug; an id that is no uuid is not found. */
Test(notify, strangers_and_missing_arguments_are_refused)
{
	const wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	char *out = (char *)"untouched";
	cr_expect_eq(wvl_notify_list(&out, ctx, &anon, NULL, NULL), WVL_EUNAUTHENTICATED);
	cr_expect_null(out);
	cr_expect_eq(wvl_notify_unread_count(&out, ctx, &anon), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_notify_mark_read(ctx, &anon, USER_A), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_notify_mark_all_read(&out, ctx, &anon), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_notify_since(&out, ctx, &anon, USER_A), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_notify_since(&out, ctx, NULL, USER_A), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_notify_list(NULL, ctx, &admin, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_notify_unread_count(&out, NULL, &admin), WVL_EINVAL);
	cr_expect_eq(wvl_notify_mark_read(NULL, &admin, USER_A), WVL_EINVAL);
	cr_expect_eq(wvl_notify_mark_all_read(NULL, ctx, &admin), WVL_EINVAL);
	cr_expect_eq(wvl_notify_since(NULL, ctx, &admin, USER_A), WVL_EINVAL);
	cr_expect_eq(wvl_notify_mark_read(ctx, &admin, "1 OR true"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_notify_mark_read(ctx, &admin, NULL), WVL_ENOTFOUND);
	cr_expect_eq(wvl_notify_since(&out, ctx, &admin, "#1"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_notify_since(&out, ctx, &admin, NULL), WVL_ENOTFOUND);
	/* The list is the user's own: it takes no scope. */
	cr_expect_eq(wvl_notify_list(&out, ctx, &admin, CLIENT_A, NULL), WVL_EINVAL);
	wvl_notify_listener *l = NULL;
	cr_expect_eq(wvl_notify_listener_new(&l, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_notify_listener_new(NULL, ctx), WVL_EINVAL);
	cr_expect_eq(wvl_notify_listener_step(NULL, hear, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_notify_listener_wait(NULL, 0, hear, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_notify_listener_fd(NULL), -1);
	wvl_notify_listener_free(NULL);
}
