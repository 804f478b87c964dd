/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Support tickets against PostgreSQL through the public API: numbers under
 * concurrency, who sees what, transitions, the SLA clock (injected clock),
 * merges, attachments, search, and the jobs a change enqueues in its own
 * transaction. */

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "htmlcheck.h"
#include "testclock.h"
#include "testenv.h"

#define HOUR INT64_C(3600000000)

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, client_a, client_b;
static char a_id[37], b_id[37];
/* Everything a test parses is released by the suite's fini. */
static json_t *kept[1024];
static size_t nkept;

static json_t *keep(json_t *j)
{
	cr_assert_lt(nkept, sizeof(kept) / sizeof(kept[0]));
	kept[nkept++] = j;
	return j;
}

/* Parses (and frees) a result; asserts it is JSON. */
static json_t *J(char *text)
{
	json_t *j = json_loads(text ? text : "", 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", text ? text : "(null)");
	wvl_free(text);
	return keep(j);
}

static const char *S(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static long long I(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static json_t *sla(json_t *t)
{
	return json_object_get(t, "sla");
}

static json_t *data(json_t *page)
{
	return json_object_get(page, "data");
}

/* One value from SQL run as the system, as a kept JSON string. */
static const char *sys_value(const char *fmt, ...)
{
	char sql[1024], buf[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	snprintf(buf, sizeof(buf), "SET wvl.actor_role = 'system'; %s", sql);
	char *v = test_sql_value(db.owner_url, buf);
	json_t *s = keep(json_string(v ? v : ""));
	free(v);
	return json_string_value(s);
}


/* One value from SQL run by the app role as client A, with row-level
 * security in force (the second wall, without the library's checks). */
static const char *as_client_a(const char *query)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), "BEGIN; SELECT set_config('wvl.actor_role', 'client', true),"
		 " set_config('wvl.actor_id', '%s', true), set_config('wvl.actor_client_id', '%s', true);"
		 " %s", client_a.user_id, a_id, query);
	char *v = test_sql_value(db.app_url, sql);
	json_t *s = keep(json_string(v ? v : ""));
	free(v);
	return json_string_value(s);
}

static void make_client(char out[37], const char *name)
{
	char body[64], *o = NULL;
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	cr_assert_eq(wvl_clients_create(&o, ctx, &staff, body), 0);
	snprintf(out, 37, "%s", S(J(o), "id"));
}

static void setup(void)
{
	test_db_create(&db);
	ctx = test_ctx(&db);
	test_clock_install(ctx, INT64_C(1772442000000000)); /* 2026-03-02T09:00:00Z */
	admin = test_actor(WVL_ROLE_ADMIN, "11111111-1111-4111-8111-111111111111", NULL);
	staff = test_actor(WVL_ROLE_STAFF, "22222222-2222-4222-8222-222222222222", NULL);
	cr_assert_eq(test_sql(db.owner_url,
			      "INSERT INTO users (id, email, name, role) VALUES"
			      " ('11111111-1111-4111-8111-111111111111','ad@example.com','Ada','admin'),"
			      " ('22222222-2222-4222-8222-222222222222','st@example.com','Sam','staff')"), 0);
	make_client(a_id, "Alice");
	make_client(b_id, "Bob");
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO users (id, email, name, role, client_id) VALUES"
		 " ('33333333-3333-4333-8333-333333333333','ca@example.com','Alice','client','%s'),"
		 " ('44444444-4444-4444-8444-444444444444','cb@example.com','Bob','client','%s')",
		 a_id, b_id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	client_a = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333", a_id);
	client_b = test_actor(WVL_ROLE_CLIENT, "44444444-4444-4444-8444-444444444444", b_id);
}

static void teardown(void)
{
	for (size_t i = 0; i < nkept; i++)
		json_decref(kept[i]);
	nkept = 0;
	wvl_ctx_free(ctx);
	test_db_drop(&db);
}

TestSuite(tickets, .init = setup, .fini = teardown, .timeout = 180);

/* ---- helpers over the API ---- */

static json_t *create(const wvl_actor *a, const char *fmt, ...)
{
	char body[4096], *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	int rc = wvl_tickets_create(&out, ctx, a, body);
	cr_assert_eq(rc, 0, "create %s: %d %s %s", body, rc, wvl_error_last()->message,
		     wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "");
	return J(out);
}

static json_t *for_a(const char *subject)
{
	return create(&staff, "{\"subject\":\"%s\",\"client_id\":\"%s\"}", subject, a_id);
}

static json_t *get(const wvl_actor *a, const char *ref)
{
	char *out = NULL;
	int rc = wvl_tickets_get(&out, ctx, a, ref);
	cr_assert_eq(rc, 0, "get %s: %d %s", ref, rc, wvl_error_last()->message);
	return J(out);
}

/* The calls taking a ticket and a body (update, reply, merge): the result
 * code (the output dropped), or the output of a call that must succeed. */
typedef int (*id_body_fn)(char **, wvl_ctx *, const wvl_actor *, const char *, const char *);

static int try_call(id_body_fn f, const wvl_actor *a, const char *id, const char *body)
{
	char *out = NULL;
	int rc = f(&out, ctx, a, id, body);
	wvl_free(out);
	return rc;
}

static json_t *must(id_body_fn f, const wvl_actor *a, const char *id, const char *body)
{
	char *out = NULL;
	int rc = f(&out, ctx, a, id, body);
	cr_assert_eq(rc, 0, "%s: %d %s %s", body, rc, wvl_error_last()->message,
		     wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "");
	return J(out);
}

#define patch(a, id, body) must(wvl_tickets_update, a, id, body)
#define patch_rc(a, id, body) try_call(wvl_tickets_update, a, id, body)
#define reply(a, id, body) must(wvl_tickets_reply, a, id, body)
#define reply_rc(a, id, body) try_call(wvl_tickets_reply, a, id, body)

static json_t *list(const wvl_actor *a, const char *scope, const char *fmt, ...)
{
	char qs[1024], *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(qs, sizeof(qs), fmt, ap);
	va_end(ap);
	int rc = wvl_tickets_list(&out, ctx, a, scope, test_query("%s", qs));
	cr_assert_eq(rc, 0, "list ?%s: %d %s", qs, rc, wvl_error_last()->message);
	return J(out);
}

static json_t *messages(const wvl_actor *a, const char *id)
{
	char *out = NULL;
	int rc = wvl_tickets_messages_list(&out, ctx, a, id, NULL);
	cr_assert_eq(rc, 0, "messages: %d %s", rc, wvl_error_last()->message);
	return J(out);
}

/* Whether a page holds the ticket with this id. */
static bool has(json_t *page, const char *id)
{
	size_t i;
	json_t *t;
	json_array_foreach(data(page), i, t)
		if (!strcmp(S(t, "id"), id))
			return true;
	return false;
}

/* ---- creating and reading ---- */

Test(tickets, team_and_clients_create_and_read)
{
	json_t *t = create(&staff, "{\"subject\":\"Logo files\",\"description\":\"Need **SVG**\","
				   "\"priority\":\"high\",\"client_id\":\"%s\",\"assigned_to_id\":\"%s\"}",
			   a_id, staff.user_id);
	cr_expect_str_eq(S(t, "status"), "open");
	cr_expect_str_eq(S(t, "priority"), "high");
	cr_expect_str_eq(S(t, "category"), "general");
	cr_expect_str_eq(S(t, "client_id"), a_id);
	cr_expect_str_eq(S(t, "assigned_to_id"), staff.user_id);
	cr_expect_not_null(strstr(S(t, "description_html"), "<strong>SVG</strong>"));
	cr_expect_gt(I(t, "number"), 0);
	cr_expect_str_eq(S(sla(t), "state"), "on_track");
	/* High: the first answer is due four hours after creation. */
	cr_expect_str_eq(S(sla(t), "due_at"), "2026-03-02T13:00:00+00:00");

	/* A client user opens one for its own client without naming it. */
	json_t *c = create(&client_a, "{\"subject\":\"Where is M2?\",\"category\":\"deliverable\"}");
	cr_expect_str_eq(S(c, "client_id"), a_id);
	cr_expect_str_eq(S(c, "priority"), "medium");
	cr_expect_str_eq(S(c, "created_by"), "", "the team's fields are not in a client's view");
	cr_expect_null(json_object_get(c, "assigned_to_id"));
	cr_expect_null(json_object_get(c, "sla"));
	char *out = NULL;
	char body[200];
	snprintf(body, sizeof(body), "{\"subject\":\"x\",\"client_id\":\"%s\"}", b_id);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &client_a, body), WVL_EVALIDATION);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &client_a, "{\"subject\":\"x\",\"priority\":\"urgent\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &client_a, "{\"subject\":\"  \"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &staff, "{\"subject\":\"x\",\"priority\":\"now\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &staff, "{\"subject\":\"x\",\"client_id\":"
						"\"99999999-9999-4999-8999-999999999999\"}"), WVL_EVALIDATION);
	snprintf(body, sizeof(body), "{\"subject\":\"x\",\"assigned_to_id\":\"%s\"}", client_a.user_id);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &staff, body), WVL_EVALIDATION, "a client is no assignee");
	cr_expect_eq(wvl_tickets_create(&out, ctx, &staff, "{\"subject\":"), WVL_EINVAL);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_tickets_create(&out, ctx, &anon, "{\"subject\":\"x\"}"), WVL_EUNAUTHENTICATED);

	/* Found by id and by number; never by another client. */
	char number[24];
	snprintf(number, sizeof(number), "%lld", I(c, "number"));
	cr_expect_str_eq(S(get(&client_a, number), "id"), S(c, "id"));
	cr_expect_str_eq(S(get(&staff, number), "id"), S(c, "id"));
	cr_expect_eq(wvl_tickets_get(&out, ctx, &client_b, S(c, "id")), WVL_ENOTFOUND);
	cr_expect_eq(wvl_tickets_get(&out, ctx, &client_b, number), WVL_ENOTFOUND);
	cr_expect_eq(wvl_tickets_get(&out, ctx, &staff, "not-a-ticket"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_tickets_get(&out, ctx, &staff, "999999999"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_tickets_get(&out, ctx, &anon, number), WVL_EUNAUTHENTICATED);
	cr_expect_null(out);
}

struct racer {
	long long number;
	int rc;
};

static void *create_one(void *arg)
{
	struct racer *r = arg;
	char *out = NULL;
	r->rc = wvl_tickets_create(&out, ctx, &client_a, "{\"subject\":\"Race\"}");
	if (!r->rc) {
		json_t *j = json_loads(out, 0, NULL);
		r->number = json_integer_value(json_object_get(j, "number"));
		json_decref(j);
	}
	wvl_free(out);
	return NULL;
}

Test(tickets, concurrent_creations_get_distinct_numbers)
{
	enum { N = 100 };
	static struct racer r[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, create_one, &r[i]), 0);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(r[i].rc, 0, "creation %d failed: %d", i, r[i].rc);
		for (int j = 0; j < i; j++)
			cr_assert_neq(r[i].number, r[j].number, "number %lld given twice", r[i].number);
	}
	cr_expect_str_eq(sys_value("SELECT count(DISTINCT number) FROM support_tickets"), "100");
}

/* ---- transitions ---- */

Test(tickets, only_allowed_transitions)
{
	const char *id = S(for_a("Flow"), "id");
	cr_expect_str_eq(S(patch(&staff, id, "{\"status\":\"in_progress\"}"), "status"), "in_progress");
	cr_expect_str_eq(S(patch(&staff, id, "{\"status\":\"resolved\"}"), "status"), "resolved");
	cr_expect_eq(patch_rc(&staff, id, "{\"status\":\"waiting_on_client\"}"), WVL_ECONFLICT);
	cr_expect_str_eq(wvl_error_last()->message,
			 "a ticket cannot go from resolved to waiting_on_client; allowed: open, "
			 "in_progress, closed");
	json_t *closed = patch(&staff, id, "{\"status\":\"closed\"}");
	cr_expect_str_neq(S(closed, "closed_at"), "");
	cr_expect_eq(patch_rc(&staff, id, "{\"status\":\"resolved\"}"), WVL_ECONFLICT);
	cr_expect_str_eq(wvl_error_last()->message,
			 "a ticket cannot go from closed to resolved; allowed: open");
	/* The current status is no change at all. */
	cr_expect_str_eq(S(patch(&staff, id, "{\"status\":\"closed\"}"), "closed_at"), S(closed, "closed_at"));
	cr_expect_eq(reply_rc(&staff, id, "{\"message\":\"late\"}"), WVL_ECONFLICT, "closed: no replies");
	cr_expect_eq(reply_rc(&staff, id, "{\"message\":\"note\",\"internal\":true}"), 0,
		     "internal notes still go");
	json_t *open = patch(&admin, id, "{\"status\":\"open\"}");
	cr_expect_str_eq(S(open, "closed_at"), "");
	cr_expect_str_eq(S(open, "resolved_at"), "");
	cr_expect_eq(patch_rc(&staff, id, "{\"status\":\"archived\"}"), WVL_EVALIDATION);
	cr_expect_eq(patch_rc(&staff, id, "{}"), WVL_EINVAL);
	cr_expect_eq(patch_rc(&staff, id, "{\"subject\":\"x\"}"), WVL_EVALIDATION);
}

Test(tickets, clients_may_only_close_their_own)
{
	const char *id = S(for_a("Mine"), "id");
	cr_expect_eq(patch_rc(&client_a, id, "{\"priority\":\"urgent\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(patch_rc(&client_a, id, "{\"assigned_to_id\":null}"), WVL_EFORBIDDEN);
	cr_expect_eq(patch_rc(&client_a, id, "{\"status\":\"resolved\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(patch_rc(&client_a, id, "{\"status\":\"closed\",\"category\":\"other\"}"),
		     WVL_EFORBIDDEN);
	cr_expect_eq(patch_rc(&client_b, id, "{\"status\":\"closed\"}"), WVL_ENOTFOUND);
	char *out = NULL;
	cr_expect_eq(wvl_tickets_close(&out, ctx, &client_b, id), WVL_ENOTFOUND);
	cr_assert_eq(wvl_tickets_close(&out, ctx, &client_a, id), 0);
	cr_expect_str_eq(S(J(out), "status"), "closed");
	cr_expect_eq(patch_rc(&client_a, id, "{\"status\":\"open\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(reply_rc(&client_a, id, "{\"message\":\"again\"}"), WVL_ECONFLICT);
}

Test(tickets, team_changes_priority_category_and_assignee)
{
	const char *id = S(for_a("Edit"), "id");
	char body[160];
	snprintf(body, sizeof(body), "{\"priority\":\"urgent\",\"category\":\"billing\","
				     "\"assigned_to_id\":\"%s\"}", admin.user_id);
	test_clock_advance(1000);
	json_t *t = patch(&staff, id, body);
	cr_expect_str_eq(S(t, "priority"), "urgent");
	cr_expect_str_eq(S(t, "category"), "billing");
	cr_expect_str_eq(S(t, "assigned_to_id"), admin.user_id);
	/* The deadline follows the priority: one hour for urgent. */
	cr_expect_str_eq(S(sla(t), "due_at"), "2026-03-02T10:00:00+00:00");
	test_clock_advance(1000);
	cr_expect_str_eq(S(patch(&staff, id, "{\"assigned_to_id\":null}"), "assigned_to_id"), "");
	snprintf(body, sizeof(body), "{\"assigned_to_id\":\"%s\"}", client_b.user_id);
	cr_expect_eq(patch_rc(&staff, id, body), WVL_EVALIDATION);
	cr_expect_str_eq(sys_value("SELECT string_agg(summary, '|' ORDER BY created_at, summary)"
				   " FROM activities WHERE entity_id = '%s'", id),
			 sys_value("SELECT 'Ticket #' || number || ' opened: Edit|Ticket #' || number"
				   " || ': priority urgent, category billing, assigned|Ticket #'"
				   " || number || ': unassigned' FROM support_tickets WHERE id = '%s'", id));
}

/* ---- internal notes ---- */

Test(tickets, internal_notes_never_reach_clients)
{
	json_t *t = for_a("Quiet");
	const char *id = S(t, "id");
	reply(&client_a, id, "{\"message\":\"Hello team\"}");
	test_clock_advance(HOUR);
	json_t *before = get(&client_a, id);
	json_t *note = reply(&staff, id, "{\"message\":\"client is **zanzibar** grumpy\",\"internal\":true}");
	cr_expect(json_is_true(json_object_get(note, "internal")));
	/* Messages, counts, search, updated_at, activity: nothing shows it. */
	cr_expect_eq(json_array_size(data(messages(&staff, id))), 2);
	json_t *theirs = data(messages(&client_a, id));
	cr_expect_eq(json_array_size(theirs), 1);
	cr_expect_str_eq(S(json_array_get(theirs, 0), "message"), "Hello team");
	cr_expect_eq(I(get(&staff, id), "message_count"), 2);
	json_t *after = get(&client_a, id);
	cr_expect_eq(I(after, "message_count"), 1);
	cr_expect_str_eq(S(after, "updated_at"), S(before, "updated_at"));
	cr_expect(has(list(&staff, NULL, "q=zanzibar"), id));
	cr_expect_not(has(list(&client_a, NULL, "q=zanzibar"), id));
	cr_expect_eq(json_array_size(data(list(&client_a, NULL, "q=zanzibar"))), 0);
	char *out = NULL;
	cr_assert_eq(wvl_activity_list(&out, ctx, &client_a, a_id, NULL), 0);
	json_t *trail = J(out);
	size_t i;
	json_t *row;
	json_array_foreach(data(trail), i, row)
		cr_expect_str_neq(S(row, "entity_type"), "ticket", "ticket activity shown to a client");
	cr_expect_eq(reply_rc(&client_a, id, "{\"message\":\"x\",\"internal\":true}"), WVL_EFORBIDDEN);
	/* The second wall: the app role as client A sees no internal row. */
	cr_expect_str_eq(as_client_a("SELECT count(*) FROM ticket_messages WHERE internal"), "0");
}

/* ---- the SLA clock ---- */

Test(tickets, sla_clock_pauses_while_waiting_on_the_client)
{
	json_t *t = create(&staff, "{\"subject\":\"Clock\",\"priority\":\"high\",\"client_id\":\"%s\"}", a_id);
	const char *id = S(t, "id");
	test_clock_advance(HOUR); /* 10:00 */
	t = patch(&staff, id, "{\"status\":\"waiting_on_client\"}");
	cr_expect_str_eq(S(sla(t), "state"), "paused");
	cr_expect(json_is_null(json_object_get(sla(t), "due_at")));
	test_clock_advance(2 * HOUR); /* 12:00: the client answers, the clock runs again */
	reply(&client_a, id, "{\"message\":\"Here you go\"}");
	t = get(&staff, id);
	cr_expect_str_eq(S(t, "status"), "open");
	cr_expect_eq(I(sla(t), "paused_seconds"), 7200);
	cr_expect_str_eq(S(sla(t), "due_at"), "2026-03-02T15:00:00+00:00", "4 h + 2 h paused");
	test_clock_advance(HOUR); /* 13:00: the first answer, 4 h after creation, 2 h of it paused */
	reply(&staff, id, "{\"message\":\"Thanks\"}");
	t = get(&staff, id);
	cr_expect_eq(I(sla(t), "first_response_seconds"), 7200);
	cr_expect_str_eq(S(sla(t), "due_at"), "2026-03-05T11:00:00+00:00", "72 h + 2 h paused");
	test_clock_advance(HOUR); /* 14:00 */
	patch(&staff, id, "{\"status\":\"waiting_on_client\"}");
	test_clock_advance(2 * HOUR); /* 16:00: resolved straight from waiting */
	t = patch(&staff, id, "{\"status\":\"resolved\"}");
	cr_expect_eq(I(sla(t), "paused_seconds"), 4 * 3600);
	cr_expect_eq(I(sla(t), "resolution_seconds"), 3 * 3600, "7 h open, 4 h of it paused");
	cr_expect_str_eq(S(sla(t), "state"), "met");
	cr_expect(has(list(&staff, NULL, "sla=met"), id));
	cr_expect_not(has(list(&staff, NULL, "sla=paused"), id));
	/* Reopening clears the resolution and the clock runs on. */
	test_clock_advance(HOUR);
	t = patch(&staff, id, "{\"status\":\"open\"}");
	cr_expect(json_is_null(json_object_get(sla(t), "resolution_seconds")));
	cr_expect_str_eq(S(sla(t), "state"), "on_track");
}

Test(tickets, sla_breach_is_filtered_and_sorted)
{
	json_t *urgent = create(&staff, "{\"subject\":\"Fire\",\"priority\":\"urgent\",\"client_id\":\"%s\"}", a_id);
	json_t *low = create(&staff, "{\"subject\":\"Idea\",\"priority\":\"low\",\"client_id\":\"%s\"}", a_id);
	json_t *waiting = for_a("Later");
	patch(&staff, S(waiting, "id"), "{\"status\":\"waiting_on_client\"}");
	test_clock_advance(2 * HOUR);
	json_t *breached = list(&staff, NULL, "sla=breached");
	cr_expect_eq(json_array_size(data(breached)), 1);
	cr_expect(has(breached, S(urgent, "id")));
	cr_expect_str_eq(S(sla(get(&staff, S(urgent, "id"))), "state"), "breached");
	cr_expect(has(list(&staff, NULL, "sla=on_track"), S(low, "id")));
	/* The soonest deadline first, no deadline last; one row a page. */
	const char *order[3] = {S(urgent, "id"), S(low, "id"), S(waiting, "id")};
	char cursor[1600] = "";
	for (int i = 0; i < 3; i++) {
		json_t *page = i ? list(&staff, NULL, "sort=sla&limit=1&cursor=%s", cursor)
				 : list(&staff, NULL, "sort=sla&limit=1");
		cr_assert_eq(json_array_size(data(page)), 1);
		cr_expect_str_eq(S(json_array_get(data(page), 0), "id"), order[i], "sla page %d", i);
		snprintf(cursor, sizeof(cursor), "%s", S(page, "next_cursor"));
	}
	cr_expect_str_eq(cursor, "", "three tickets, three pages");
	/* A client asking for SLA filters gets its own tickets, unfiltered. */
	cr_expect_eq(json_array_size(data(list(&client_a, NULL, "sla=breached"))), 3);
}

/* ---- lists ---- */

Test(tickets, list_filters_sorts_and_scopes)
{
	json_t *a1 = create(&staff, "{\"subject\":\"Invoice wrong\",\"category\":\"billing\",\"client_id\":\"%s\"}", a_id);
	test_clock_advance(1000);
	json_t *a2 = create(&staff, "{\"subject\":\"Urgent thing\",\"priority\":\"urgent\",\"client_id\":\"%s\"}", a_id);
	test_clock_advance(1000);
	json_t *b1 = create(&staff, "{\"subject\":\"Bob asks\",\"client_id\":\"%s\"}", b_id);
	patch(&staff, S(a1, "id"), "{\"status\":\"in_progress\"}");
	json_t *all = list(&staff, NULL, "");
	cr_expect_eq(json_array_size(data(all)), 3);
	cr_expect_str_eq(S(json_array_get(data(all), 0), "id"), S(b1, "id"), "newest first");
	cr_expect_eq(json_array_size(data(list(&staff, NULL, "status=in_progress"))), 1);
	cr_expect(has(list(&staff, NULL, "category=billing"), S(a1, "id")));
	cr_expect_str_eq(S(json_array_get(data(list(&staff, NULL, "sort=priority")), 0), "id"), S(a2, "id"));
	cr_expect_str_eq(S(json_array_get(data(list(&staff, NULL, "sort=-number")), 0), "id"), S(a1, "id"));
	cr_expect_eq(json_array_size(data(list(&staff, NULL, "client_id=%s", b_id))), 1);
	cr_expect_eq(json_array_size(data(list(&staff, b_id, ""))), 1);
	/* A client user: its own, whatever it asks for. */
	json_t *mine = list(&client_a, NULL, "client_id=%s", b_id);
	cr_expect_eq(json_array_size(data(mine)), 2);
	cr_expect_not(has(mine, S(b1, "id")));
	cr_expect_null(json_object_get(json_array_get(data(mine), 0), "sla"));
	char *out = NULL;
	cr_expect_eq(wvl_tickets_list(&out, ctx, &client_a, b_id, NULL), WVL_ENOTFOUND);
	cr_expect_eq(wvl_tickets_list(&out, ctx, &client_a, NULL, test_query("fields=sla")), WVL_EINVAL);
	json_t *sparse = list(&staff, NULL, "fields=number,subject&sort=number");
	json_t *first = json_array_get(data(sparse), 0);
	cr_expect_eq(json_object_size(first), 3, "id, number, subject");
	cr_expect_str_eq(S(first, "subject"), "Bob asks");
	/* Search by words and by number. */
	cr_expect(has(list(&staff, NULL, "q=invoices"), S(a1, "id")), "stemmed");
	char q[32];
	snprintf(q, sizeof(q), "q=%%23%lld", I(a2, "number"));
	json_t *by_number = list(&staff, NULL, "%s", q);
	cr_expect_eq(json_array_size(data(by_number)), 1);
	cr_expect(has(by_number, S(a2, "id")));
	snprintf(q, sizeof(q), "q=%lld", I(b1, "number"));
	cr_expect_eq(json_array_size(data(list(&client_a, NULL, "%s", q))), 0, "not B's number");
}

Test(tickets, hostile_search_strings_give_results_or_bad_request)
{
	for_a("Plain ticket");
	static const char *const ok[] = {"'", "&", "!", "|", ":*", "\\", "(", ")", "''", "a & !b | 'c",
					 "<->", "%", "_", "--", "\"unclosed", "#", "#x", "0",
					 "99999999999999999999", "ünïcödé", "🙂", "the", "or", "-"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		wvl_query *q = NULL;
		cr_assert_eq(wvl_query_new(&q), 0);
		cr_assert_eq(wvl_query_add(q, "q", ok[i]), 0);
		char *out = NULL;
		int rc = wvl_tickets_list(&out, ctx, &staff, NULL, q);
		cr_expect_eq(rc, 0, "q=%s: %d %s", ok[i], rc, wvl_error_last()->message);
		cr_expect_not_null(out);
		wvl_free(out);
		wvl_query_free(q);
	}
	/* Text without words raises no notice (a warning line each). */
	cr_expect_not(test_log_contains("text-search query"));
	/* Past the filter's 200 characters: a bad request, not a failure. */
	char big[4000];
	memset(big, '\'', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_new(&q), 0);
	cr_assert_eq(wvl_query_add(q, "q", big), 0);
	char *out = NULL;
	cr_expect_eq(wvl_tickets_list(&out, ctx, &staff, NULL, q), WVL_EINVAL);
	wvl_query_free(q);
}

/* ---- merge ---- */

Test(tickets, merge_moves_the_thread_and_the_number)
{
	json_t *dup = create(&client_a, "{\"subject\":\"Logo?\",\"description\":\"Where is the logo\"}");
	test_clock_advance(1000);
	json_t *keep_t = create(&client_a, "{\"subject\":\"Logo files\"}");
	test_clock_advance(1000);
	const char *dup_id = S(dup, "id"), *keep_id = S(keep_t, "id");
	reply(&client_a, dup_id, "{\"message\":\"Any news?\"}");
	reply(&staff, dup_id, "{\"message\":\"checking\",\"internal\":true}");
	char body[80], number[24], *out = NULL;
	snprintf(body, sizeof(body), "{\"into\":\"%lld\"}", I(keep_t, "number"));
	cr_expect_eq(wvl_tickets_merge(&out, ctx, &client_a, dup_id, body), WVL_EFORBIDDEN);
	cr_assert_eq(wvl_tickets_merge(&out, ctx, &staff, dup_id, body), 0, "%s", wvl_error_last()->message);
	json_t *merged = J(out);
	cr_expect_str_eq(S(merged, "id"), keep_id);
	cr_expect_eq(I(merged, "message_count"), 3);
	/* The old number and id resolve to where it went. */
	snprintf(number, sizeof(number), "%lld", I(dup, "number"));
	cr_expect_str_eq(S(get(&client_a, number), "id"), keep_id);
	cr_expect_str_eq(S(get(&staff, dup_id), "id"), keep_id);
	json_t *thread = data(messages(&client_a, number));
	cr_expect_eq(json_array_size(thread), 2, "description and reply; the note stays hidden");
	cr_expect_str_eq(S(json_array_get(thread, 0), "message"), "Where is the logo");
	cr_expect_eq(json_array_size(data(messages(&staff, keep_id))), 3);
	cr_expect_not(has(list(&staff, NULL, ""), dup_id), "merged tickets leave the list");
	cr_expect_str_eq(sys_value("SELECT status || ' ' || merged_into_id FROM support_tickets"
				   " WHERE id = '%s'", dup_id), sys_value("SELECT 'closed %s'", keep_id));
	/* Replying to the old number lands on the new ticket. */
	json_t *m = reply(&client_a, number, "{\"message\":\"Thanks!\"}");
	cr_expect_str_eq(S(m, "ticket_id"), keep_id);
	cr_expect_eq(wvl_tickets_merge(&out, ctx, &staff, dup_id, body), WVL_ECONFLICT, "merged already");
	snprintf(body, sizeof(body), "{\"into\":\"%s\"}", keep_id);
	cr_expect_eq(wvl_tickets_merge(&out, ctx, &staff, keep_id, body), WVL_EVALIDATION, "itself");
	json_t *bobs = create(&client_b, "{\"subject\":\"Bob's\"}");
	snprintf(body, sizeof(body), "{\"into\":\"%s\"}", S(bobs, "id"));
	cr_expect_eq(wvl_tickets_merge(&out, ctx, &staff, keep_id, body), WVL_EVALIDATION, "another client");
	cr_expect_eq(wvl_tickets_merge(&out, ctx, &staff, keep_id, "{\"into\":\"nope\"}"), WVL_EVALIDATION);
	/* Merging again moves every older pointer: one hop still resolves. */
	json_t *third = create(&client_a, "{\"subject\":\"Logo, final\"}");
	snprintf(body, sizeof(body), "{\"into\":\"%s\"}", S(third, "id"));
	cr_assert_eq(wvl_tickets_merge(&out, ctx, &staff, keep_id, body), 0);
	wvl_free(out);
	cr_expect_str_eq(S(get(&client_a, number), "id"), S(third, "id"));
	json_t *closed = create(&client_a, "{\"subject\":\"Done\"}");
	patch(&staff, S(closed, "id"), "{\"status\":\"closed\"}");
	snprintf(body, sizeof(body), "{\"into\":\"%s\"}", S(closed, "id"));
	cr_expect_eq(wvl_tickets_merge(&out, ctx, &staff, S(third, "id"), body), WVL_ECONFLICT);
}

/* ---- rich text and attachments ---- */

/* Posts `vector` as client A's message (a vector that is not UTF-8 text
 * is refused as a body) and checks the rendering; returns whether it was
 * stored. */
static bool post_vector(const char *id, const char *vector, size_t len)
{
	json_t *body = json_pack("{s:s%}", "message", vector, len);
	char *text = body ? json_dumps(body, 0) : NULL, *out = NULL;
	int rc = text ? wvl_tickets_reply(&out, ctx, &client_a, id, text) : WVL_EINVAL;
	cr_expect(rc == 0 || rc == WVL_EVALIDATION || !text, "%.60s: %d", vector, rc);
	if (!rc) {
		const char *html = S(J(out), "html");
		const char *why = htmlcheck_unsafe(html);
		cr_expect_null(why, "%.60s -> %s: %s", vector, html, why ? why : "");
	}
	free(text);
	json_decref(body);
	return rc == 0;
}

/* The sanitiser's XSS corpus (tests/fuzz/corpus/sanitize/xss-*.html), one
 * message each; returns how many were stored. */
static int post_corpus(const char *id)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/sanitize", testenv("WL_TEST_SOURCE_DIR"));
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	int stored = 0, seen = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (strncmp(e->d_name, "xss-", 4) != 0)
			continue;
		char path[1400], buf[65536];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		cr_assert_not_null(f, "%s", path);
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		seen++;
		stored += post_vector(id, buf, n);
	}
	closedir(d);
	cr_expect_gt(seen, 150, "the corpus holds %d vectors", seen);
	return stored;
}

Test(tickets, messages_are_rendered_and_sanitised)
{
	const char *id = S(for_a("XSS"), "id");
	static const char *const markdown_vectors[] = {
		"[x](javascript:alert(1))", "![x](javascript:alert(1))", "<javascript:alert(1)>",
		"[x](JaVaScRiPt:alert(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
		"[x]( javascript:alert(1))", "```\n</code><script>alert(1)</script>\n```",
	};
	int stored = post_corpus(id);
	for (size_t i = 0; i < sizeof(markdown_vectors) / sizeof(markdown_vectors[0]); i++)
		stored += post_vector(id, markdown_vectors[i], strlen(markdown_vectors[i]));
	cr_expect_gt(stored, 150, "only %d vectors were stored", stored);
	/* And as the team reads them back, page by page. */
	char cursor[1600] = "";
	int read = 0;
	do {
		char *out = NULL;
		const wvl_query *q = cursor[0] ? test_query("limit=100&cursor=%s", cursor)
					       : test_query("limit=100");
		cr_assert_eq(wvl_tickets_messages_list(&out, ctx, &staff, id, q), 0);
		json_t *page = J(out);
		size_t i;
		json_t *m;
		json_array_foreach(data(page), i, m)
			cr_expect_null(htmlcheck_unsafe(S(m, "html")), "%s", S(m, "html"));
		read += (int)json_array_size(data(page));
		snprintf(cursor, sizeof(cursor), "%s", S(page, "next_cursor"));
	} while (cursor[0]);
	cr_expect_eq(read, stored, "every stored message comes back once");
	cr_expect_eq(reply_rc(&client_a, id, "{\"message\":\"\\n\\t \"}"), WVL_EVALIDATION);
}

/* A stored file of `client`, as the upload pipeline would leave it. */
static const char *make_file(const char *client, const char *name, bool deleted)
{
	return sys_value("INSERT INTO files (client_id, storage_key, name, content_type, size, sha256,"
			 " scan_status, deleted_at) VALUES ('%s', md5(random()::text), '%s',"
			 " 'application/pdf', 10, repeat('a', 64), 'clean', %s) RETURNING id",
			 client, name, deleted ? "now()" : "NULL");
}

Test(tickets, attachments_are_files_of_the_same_client)
{
	const char *id = S(for_a("Files"), "id");
	const char *fa = make_file(a_id, "brief.pdf", false), *fb = make_file(b_id, "bob.pdf", false);
	const char *gone = make_file(a_id, "old.pdf", true);
	char body[300];
	snprintf(body, sizeof(body), "{\"message\":\"see file\",\"file_ids\":[\"%s\"]}", fa);
	json_t *m = reply(&client_a, id, body);
	json_t *files = json_object_get(m, "files");
	cr_assert_eq(json_array_size(files), 1);
	cr_expect_str_eq(S(json_array_get(files, 0), "name"), "brief.pdf");
	cr_expect_str_eq(S(json_array_get(data(messages(&staff, id)), 0), "id"), S(m, "id"));
	const char *bad[] = {fb, gone, "99999999-9999-4999-8999-999999999999"};
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"message\":\"x\",\"file_ids\":[\"%s\"]}", bad[i]);
		cr_expect_eq(reply_rc(&staff, id, body), WVL_EVALIDATION, "file %d", i);
		cr_expect_eq(reply_rc(&client_a, id, body), WVL_EVALIDATION, "file %d", i);
	}
	snprintf(body, sizeof(body), "{\"message\":\"x\",\"file_ids\":[\"%s\",\"%s\"]}", fa, fa);
	cr_expect_eq(reply_rc(&staff, id, body), WVL_EVALIDATION, "repeated");
	json_t *internal = create(&staff, "{\"subject\":\"Team only\"}");
	snprintf(body, sizeof(body), "{\"message\":\"x\",\"file_ids\":[\"%s\"]}", fa);
	cr_expect_eq(reply_rc(&staff, S(internal, "id"), body), WVL_EVALIDATION, "no client, no files");
	/* An internal note's attachments are as hidden as the note. */
	snprintf(body, sizeof(body), "{\"message\":\"x\",\"internal\":true,\"file_ids\":[\"%s\"]}", fa);
	reply(&staff, id, body);
	cr_expect_str_eq(sys_value("SELECT count(*) FROM ticket_message_files"), "2");
	cr_expect_str_eq(as_client_a("SELECT count(*) FROM ticket_message_files"), "1");
}

/* ---- events ---- */

/* The ticket's jobs as "kind/audience/template" in order. */
static const char *jobs_of(const char *id)
{
	return sys_value("SELECT coalesce(string_agg(kind || '/' || (args->>'audience') || '/' ||"
			 " (args->>'template'), ' ' ORDER BY created_at, kind), '') FROM jobs"
			 " WHERE args->>'ticket_id' = '%s'", id);
}

Test(tickets, changes_enqueue_their_jobs_in_the_same_transaction)
{
	json_t *t = create(&client_a, "{\"subject\":\"Events\"}");
	const char *id = S(t, "id");
	cr_expect_str_eq(jobs_of(id), "email_send/team/ticket_created notification_create/team/ticket_created");
	char expect[400];
	snprintf(expect, sizeof(expect), "{\"type\": \"ticket_created\", \"number\": %lld, \"audience\":"
		 " \"team\", \"template\": \"ticket_created\", \"client_id\": \"%s\", \"ticket_id\":"
		 " \"%s\"}", I(t, "number"), a_id, id);
	cr_expect_str_eq(sys_value("SELECT args::text FROM jobs WHERE kind = 'email_send'"
				   " AND args->>'ticket_id' = '%s'", id), expect);
	cr_expect_str_eq(sys_value("SELECT string_agg(queue, ',' ORDER BY queue) FROM jobs"
				   " WHERE args->>'ticket_id' = '%s'", id), "email,notifications");
	test_clock_advance(1000);
	reply(&staff, id, "{\"message\":\"internal\",\"internal\":true}");
	test_clock_advance(1000);
	reply(&staff, id, "{\"message\":\"Answer\"}");
	test_clock_advance(1000);
	reply(&client_a, id, "{\"message\":\"Thanks\"}");
	test_clock_advance(1000);
	patch(&staff, id, "{\"status\":\"closed\"}");
	cr_expect_str_eq(jobs_of(id),
			 "email_send/team/ticket_created notification_create/team/ticket_created"
			 " email_send/client/ticket_replied notification_create/client/ticket_replied"
			 " email_send/team/ticket_replied notification_create/team/ticket_replied"
			 " email_send/client/ticket_closed");
	/* A team ticket without a client tells the team only. */
	json_t *own = create(&staff, "{\"subject\":\"Ours\"}");
	reply(&staff, S(own, "id"), "{\"message\":\"note to self\"}");
	cr_expect_str_eq(jobs_of(S(own, "id")),
			 "email_send/team/ticket_created notification_create/team/ticket_created");
}

Test(tickets, a_rolled_back_change_enqueues_nothing)
{
	/* The activity row is written after the jobs: make it fail. */
	cr_assert_eq(test_sql(db.owner_url,
			      "CREATE FUNCTION fail_ticket_activity() RETURNS trigger LANGUAGE plpgsql"
			      " AS $$ BEGIN RAISE EXCEPTION 'no'; END $$;"
			      " CREATE TRIGGER fail_ticket_activity BEFORE INSERT ON activities"
			      " FOR EACH ROW WHEN (NEW.entity_type = 'ticket')"
			      " EXECUTE FUNCTION fail_ticket_activity()"), 0);
	char *out = NULL;
	cr_expect_eq(wvl_tickets_create(&out, ctx, &client_a, "{\"subject\":\"Doomed\"}"), WVL_EINTERNAL);
	cr_expect_null(out);
	cr_expect_str_eq(sys_value("SELECT count(*) FROM support_tickets"), "0");
	cr_expect_str_eq(sys_value("SELECT count(*) FROM jobs"), "0");
	cr_assert_eq(test_sql(db.owner_url, "DROP TRIGGER fail_ticket_activity ON activities"), 0);
	json_t *t = for_a("Survivor");
	cr_assert_eq(test_sql(db.owner_url,
			      "CREATE TRIGGER fail_ticket_activity BEFORE INSERT ON activities"
			      " FOR EACH ROW WHEN (NEW.entity_type = 'ticket')"
			      " EXECUTE FUNCTION fail_ticket_activity()"), 0);
	cr_expect_eq(reply_rc(&staff, S(t, "id"), "{\"message\":\"lost\"}"), WVL_EINTERNAL);
	cr_expect_eq(patch_rc(&staff, S(t, "id"), "{\"status\":\"closed\"}"), WVL_EINTERNAL);
	cr_expect_str_eq(jobs_of(S(t, "id")),
			 "email_send/team/ticket_created notification_create/team/ticket_created");
	cr_expect_str_eq(sys_value("SELECT count(*) FROM ticket_messages"), "0");
	cr_expect_str_eq(sys_value("SELECT status FROM support_tickets"), "open");
}
