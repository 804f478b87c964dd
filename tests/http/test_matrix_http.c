/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The role x endpoint x owned/foreign matrix over HTTP: admin, staff,
 * client A, client B and anonymous against client A's records. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testhttp.h"

static test_db db;
static test_server srv;
static char client_a[37], client_b[37], plan_a[37], deliv_a[37], note_a[37];
static char ticket_a[37], ticket_a_number[37];

enum who { ADMIN, STAFF, CLIENT_A, CLIENT_B, ANON, NWHO };
static test_session as[NWHO];
static const char *const who_name[NWHO] = {"admin", "staff", "client A", "client B", "anonymous"};


static void copy_member(char out[37], const char *json, const char *key)
{
	char *v = test_json_member(json, key);
	snprintf(out, 37, "%s", v);
	free(v);
}

static void setup(void)
{
	test_db_create(&db);
	wvl_ctx *ctx = test_ctx(&db);
	int created;
	char *pw = NULL, *out = NULL;
	cr_assert_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "root@example.com", "Harbor-Lantern-42!"), 0);
	char *id = test_sql_value(db.owner_url, "SELECT id FROM users");
	wvl_actor admin = WVL_ACTOR_INIT(WVL_ROLE_ADMIN);
	snprintf(admin.user_id, sizeof(admin.user_id), "%s", id);
	free(id);
	cr_assert_eq(wvl_clients_create(&out, ctx, &admin, "{\"name\":\"Alice\"}"), 0);
	copy_member(client_a, out, "id");
	free(out);
	cr_assert_eq(wvl_clients_create(&out, ctx, &admin, "{\"name\":\"Bob\"}"), 0);
	copy_member(client_b, out, "id");
	free(out);
	char body[512];
	cr_assert_eq(wvl_users_create(&out, ctx, &admin, "{\"email\":\"st@example.com\",\"name\":\"S\","
				      "\"role\":\"staff\",\"password\":\"Granite-Falcon-22!\"}"), 0);
	free(out);
	snprintf(body, sizeof(body), "{\"email\":\"ca@example.com\",\"name\":\"A\",\"role\":\"client\","
		 "\"password\":\"Copper-Meadow-31!\",\"client_id\":\"%s\"}", client_a);
	cr_assert_eq(wvl_users_create(&out, ctx, &admin, body), 0);
	free(out);
	snprintf(body, sizeof(body), "{\"email\":\"cb@example.com\",\"name\":\"B\",\"role\":\"client\","
		 "\"password\":\"Silver-Harbor-32!\",\"client_id\":\"%s\"}", client_b);
	cr_assert_eq(wvl_users_create(&out, ctx, &admin, body), 0);
	free(out);
	cr_assert_eq(wvl_plans_create(&out, ctx, &admin, client_a, "{\"title\":\"P\"}"), 0);
	copy_member(plan_a, out, "id");
	free(out);
	cr_assert_eq(wvl_plans_approve(&out, ctx, &admin, plan_a), 0);
	free(out);
	char sql[256];
	snprintf(sql, sizeof(sql), "SET wvl.actor_role='system'; SELECT id FROM deliverables"
				   " WHERE client_id = '%s' AND milestone = 1", client_a);
	char *d = test_sql_value(db.owner_url, sql);
	snprintf(deliv_a, sizeof(deliv_a), "%s", d);
	free(d);
	cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &admin, deliv_a), 0);
	free(out);
	cr_assert_eq(wvl_notes_create(&out, ctx, &admin, client_a, "{\"body\":\"<p>internal</p>\"}"), 0);
	copy_member(note_a, out, "id");
	free(out);
	snprintf(body, sizeof(body), "{\"subject\":\"Alice's question\",\"client_id\":\"%s\"}",
		 client_a);
	cr_assert_eq(wvl_tickets_create(&out, ctx, &admin, body), 0);
	copy_member(ticket_a, out, "id");
	copy_member(ticket_a_number, out, "number");
	free(out);
	cr_assert_eq(wvl_tickets_reply(&out, ctx, &admin, ticket_a, "{\"message\":\"first\"}"), 0);
	free(out);
	cr_assert_eq(wvl_tickets_reply(&out, ctx, &admin, ticket_a,
				       "{\"message\":\"zanzibar\",\"internal\":true}"), 0);
	free(out);
	wvl_ctx_free(ctx);
	static const char *env[] = {"WL_RATELIMIT_LOGIN=1000/15m", "WL_RATELIMIT_WRITE=100000/15m",
				    "WL_RATELIMIT_READ=100000/15m", NULL};
	test_server_start(&srv, &db, env);
	test_login(&as[ADMIN], &srv, "root@example.com", "Harbor-Lantern-42!");
	test_login(&as[STAFF], &srv, "st@example.com", "Granite-Falcon-22!");
	test_login(&as[CLIENT_A], &srv, "ca@example.com", "Copper-Meadow-31!");
	test_login(&as[CLIENT_B], &srv, "cb@example.com", "Silver-Harbor-32!");
}

static void teardown(void)
{
	test_server_stop(&srv);
	test_db_drop(&db);
}

TestSuite(matrix, .init = setup, .fini = teardown, .timeout = 180);

struct row {
	const char *method;
	const char *path; /* %A client A, %P plan, %D deliverable, %N note, %T A's ticket
			   * (%U its number) */
	const char *body;
	int expect[NWHO]; /* admin, staff, client A, client B, anonymous */
};

static void expand(char *out, size_t len, const char *tmpl)
{
	size_t pos = 0;
	for (const char *p = tmpl; *p && pos + 40 < len; p++) {
		if (*p == '%' && p[1]) {
			const char *v = p[1] == 'A' ? client_a : p[1] == 'B' ? client_b
				      : p[1] == 'P' ? plan_a : p[1] == 'D' ? deliv_a
				      : p[1] == 'T' ? ticket_a : p[1] == 'U' ? ticket_a_number : note_a;
			pos += (size_t)snprintf(out + pos, len - pos, "%s", v);
			p++;
		} else {
			out[pos++] = *p;
		}
	}
	out[pos] = '\0';
}

static const struct row rows[] = {
	{"GET", "/api/clients/%A", NULL, {200, 200, 200, 404, 401}},
	{"PATCH", "/api/clients/%A", "{\"niche\":\"x\"}", {200, 200, 403, 404, 401}},
	{"GET", "/api/clients/%A/activity", NULL, {200, 200, 200, 404, 401}},
	{"GET", "/api/clients/%A/business-plans", NULL, {200, 200, 403, 403, 401}},
	{"POST", "/api/clients/%A/business-plans", "{\"title\":\"T\"}", {201, 201, 403, 403, 401}},
	{"GET", "/api/business-plans/%P", NULL, {200, 200, 200, 404, 401}},
	{"PATCH", "/api/business-plans/%P", "{\"title\":\"x\"}", {200, 200, 403, 403, 401}},
	{"GET", "/api/clients/%A/deliverables", NULL, {200, 200, 200, 404, 401}},
	{"GET", "/api/deliverables/%D", NULL, {200, 200, 200, 404, 401}},
	{"PATCH", "/api/deliverables/%D", "{\"title\":\"x\"}", {200, 200, 403, 403, 401}},
	/* AI drafting is the team's: staff asks first, admin gets the same job;
	 * %D is ready, and ready work is not drafted again. */
	{"POST", "/api/clients/%A/business-plans/generate", NULL, {202, 202, 403, 403, 401}},
	{"POST", "/api/deliverables/%D/generate", NULL, {409, 409, 403, 403, 401}},
	{"GET", "/api/clients/%A/ai-usage", NULL, {200, 200, 403, 403, 401}},
	{"GET", "/api/clients/%A/notes", NULL, {200, 200, 403, 403, 401}},
	{"POST", "/api/clients/%A/notes", "{\"body\":\"<p>n</p>\"}", {201, 201, 403, 403, 401}},
	{"GET", "/api/activity", NULL, {200, 200, 403, 403, 401}},
	{"GET", "/api/portal/dashboard", NULL, {403, 403, 200, 200, 401}},
	{"GET", "/api/clients/%A/onboarding", NULL, {200, 200, 200, 404, 401}},
	{"GET", "/api/portal/onboarding", NULL, {403, 403, 200, 200, 401}},
	{"PUT", "/api/portal/onboarding/steps/welcome", "{\"acknowledged\":true}",
	 {403, 403, 200, 200, 401}},
	{"PUT", "/api/portal/onboarding/steps/6", "{}", {403, 403, 409, 409, 401}},
	{"PUT", "/api/portal/onboarding/steps/9", "{}", {403, 403, 404, 404, 401}},
	{"GET", "/api/users", NULL, {200, 403, 403, 403, 401}},
	{"POST", "/api/clients", "{\"name\":\"New\"}", {201, 201, 403, 403, 401}},
	{"DELETE", "/api/notes/%N", NULL, {404, 204, 403, 403, 401}}, /* staff deletes first */
	/* Tickets: B never reads, answers or learns of A's; the team's side is
	 * 403 for any client, which tells nothing about the ticket. */
	{"GET", "/api/tickets", NULL, {200, 200, 200, 200, 401}},
	{"POST", "/api/tickets", "{\"subject\":\"Hi\"}", {201, 201, 201, 201, 401}},
	{"GET", "/api/tickets/%T", NULL, {200, 200, 200, 404, 401}},
	{"GET", "/api/tickets/%U", NULL, {200, 200, 200, 404, 401}},
	{"PATCH", "/api/tickets/%T", "{\"priority\":\"high\"}", {200, 200, 403, 404, 401}},
	{"GET", "/api/tickets/%T/messages", NULL, {200, 200, 200, 404, 401}},
	{"POST", "/api/tickets/%U/messages", "{\"message\":\"hi\"}", {201, 201, 201, 404, 401}},
	{"POST", "/api/tickets/%T/messages", "{\"message\":\"n\",\"internal\":true}",
	 {201, 201, 403, 403, 401}},
	{"POST", "/api/tickets/%T/merge", "{\"into\":\"999999\"}", {422, 422, 403, 403, 401}},
	{"GET", "/api/clients/%A/tickets", NULL, {200, 200, 200, 404, 401}},
	{"POST", "/api/tickets/%T/close", NULL, {200, 200, 200, 404, 401}}, /* A closes first */
	/* Analytics and payments are the admin's alone. */
	{"GET", "/api/analytics", NULL, {200, 403, 403, 403, 401}},
	{"GET", "/api/analytics?from=2026-13", NULL, {422, 403, 403, 403, 401}},
	{"POST", "/api/payments",
	 "{\"client_id\":\"cccccccc-0000-4000-8000-000000000000\",\"amount_cents\":100}",
	 {422, 403, 403, 403, 401}},
	{"GET", "/api/payments", NULL, {200, 403, 403, 403, 401}},
	{"GET", "/api/clients/%A/payments", NULL, {200, 403, 403, 403, 401}},
	{"GET", "/api/clients/export?format=csv", NULL, {200, 200, 403, 403, 401}},
	{"GET", "/api/clients/export?format=pdf", NULL, {422, 422, 403, 403, 401}},
	{"GET", "/api/analytics/export?format=xlsx", NULL, {200, 403, 403, 403, 401}},
	{"GET", "/api/analytics/export?format=csv&bogus=1", NULL, {400, 403, 403, 403, 401}},
	{"GET", "/api/analytics/export?format=pdf&from=2026-01&to=2026-03", NULL,
	 {200, 403, 403, 403, 401}},
	/* More than 24 months as PDF: the export_file job makes it. */
	{"GET", "/api/analytics/export?format=pdf&from=2020-01&to=2026-03", NULL,
	 {202, 403, 403, 403, 401}},
	{"GET", "/api/analytics/export?format=docx", NULL, {422, 403, 403, 403, 401}},
	/* Report schedules too: hostile bodies are 422 for the admin alone. */
	{"GET", "/api/reports/schedules", NULL, {200, 403, 403, 403, 401}},
	{"POST", "/api/reports/schedules", "{\"cron\":\"61 * * * *\",\"recipients\":[\"a@example.com\"]}",
	 {422, 403, 403, 403, 401}},
	{"POST", "/api/reports/schedules", "{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],"
	 "\"formats\":[\"docx\"]}", {422, 403, 403, 403, 401}},
	{"GET", "/api/reports/schedules/cccccccc-0000-4000-8000-000000000000", NULL,
	 {404, 403, 403, 403, 401}},
	{"PATCH", "/api/reports/schedules/cccccccc-0000-4000-8000-000000000000", "{\"active\":false}",
	 {404, 403, 403, 403, 401}},
	{"DELETE", "/api/reports/schedules/cccccccc-0000-4000-8000-000000000000", NULL,
	 {404, 403, 403, 403, 401}},
	{"POST", "/api/reports/schedules", "{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"]}",
	 {201, 403, 403, 403, 401}},
};

Test(matrix, every_role_gets_exactly_its_access)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char path[256];
		expand(path, sizeof(path), rows[i].path);
		for (int w = NWHO - 1; w >= 0; w--) { /* anonymous first, admin last */
			const char *h[] = {"Content-Type: application/json", w == ANON ? "X-A: 1" : as[w].cookie,
					   w == ANON ? "X-B: 1" : as[w].csrf, NULL};
			test_response r;
			test_http(&r, &srv, rows[i].method, path, h, rows[i].body,
				  rows[i].body ? strlen(rows[i].body) : 0);
			cr_expect_eq(r.status, rows[i].expect[w], "%s %s as %s: %ld %s", rows[i].method,
				     rows[i].path, who_name[w], r.status, r.body);
			/* A foreign client's id never shows up in what client B gets. */
			if (w == CLIENT_B) {
				cr_expect_null(strstr(r.body, client_a), "%s leaks A to B", rows[i].path);
				cr_expect_null(strstr(r.body, ticket_a), "%s leaks A's ticket", rows[i].path);
			}
			/* Nor does the internal note in what a client gets. */
			if (w == CLIENT_A || w == CLIENT_B)
				cr_expect_null(strstr(r.body, "zanzibar"), "%s shows a note to %s",
					       rows[i].path, who_name[w]);
			else if (w <= STAFF && !strcmp(rows[i].method, "GET") &&
				 strstr(rows[i].path, "/messages"))
				cr_expect_not_null(strstr(r.body, "zanzibar"), "the team sees its note");
			test_response_free(&r);
		}
	}
}

Test(matrix, client_filters_for_another_client_are_ignored)
{
	char *out = NULL;
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor admin = WVL_ACTOR_INIT(WVL_ROLE_ADMIN);
	char body[128];
	snprintf(body, sizeof(body), "{\"subject\":\"Bob's\",\"client_id\":\"%s\"}", client_b);
	cr_assert_eq(wvl_tickets_create(&out, ctx, &admin, body), 0);
	free(out);
	wvl_ctx_free(ctx);
	static const char *const lists[] = {"/api/clients?client_id=%s", "/api/tickets?client_id=%s",
					    "/api/tickets?client_id=%s&q=question"};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), lists[i], client_a);
		const char *h[] = {as[CLIENT_B].cookie, NULL};
		test_response r;
		test_http(&r, &srv, "GET", path, h, NULL, 0);
		cr_expect_eq(r.status, 200, "%s", path);
		cr_expect_null(strstr(r.body, client_a), "%s", path);
		if (i < 2)
			cr_expect_not_null(strstr(r.body, client_b), "%s", path);
		test_response_free(&r);
	}
}

/* Whatever a search string holds, a ticket search answers with results or
 * a 400, never a failure. */
Test(matrix, hostile_ticket_searches_never_fail)
{
	char big[10 * 1024 + 8] = "q=";
	memset(big + 2, 'a', 10 * 1024);
	big[2 + 10 * 1024] = '\0';
	const char *const queries[] = {"q=%27", "q=%26", "q=%21", "q=%27%27%26%21%7C%3A*", "q=%5C",
				       "q=%00", "q=a%00b", "q=%FF", "q=%C0%AF", "q=%ED%A0%80",
				       "q=%F0%9F%99%82", "q=%23", "q=%2342", "q=", "q=%3C-%3E", big};
	for (int w = ADMIN; w <= CLIENT_B; w++) {
		for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
			char *path = malloc(strlen(queries[i]) + 16);
			sprintf(path, "/api/tickets?%s", queries[i]);
			const char *h[] = {as[w].cookie, NULL};
			test_response r;
			test_http(&r, &srv, "GET", path, h, NULL, 0);
			cr_expect(r.status == 200 || r.status == 400, "%.40s as %s: %ld %s", queries[i],
				  who_name[w], r.status, r.body);
			test_response_free(&r);
			free(path);
		}
	}
}

/* Every list answers bad input with the same problem document: the
 * routes come from the server's own table, so a new list is tried too. */
Test(matrix, every_list_answers_bad_queries_alike)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s --routes", testenv("WL_TEST_SERVER_BIN"));
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	static const struct {
		const char *query;
		const char *detail;
	} bad[] = {
		{"limit=0", "limit must be between 1 and 100"},
		{"limit=101", "limit must be between 1 and 100"},
		{"limit=x", "limit must be between 1 and 100"},
		{"cursor=forged.sig", "the cursor is not valid"},
		{"bogus=1", "unknown query parameter: bogus"},
		{"limit=1&limit=2", "repeated query parameter: limit"},
	};
	char method[16], pattern[512], shape[16];
	int lists = 0;
	/* The coach's messages list is under one of the admin's conversations. */
	char conv[37], conv_body[80];
	snprintf(conv_body, sizeof(conv_body), "{\"client_id\":\"%s\"}", client_a);
	const char *ch[] = {"Content-Type: application/json", as[ADMIN].cookie, as[ADMIN].csrf, NULL};
	test_response cr;
	test_http(&cr, &srv, "POST", "/api/coach/conversations", ch, conv_body, strlen(conv_body));
	cr_assert_eq(cr.status, 201, "%s", cr.body);
	char *cid = test_json_string(cr.body, "id");
	snprintf(conv, sizeof(conv), "%s", cid);
	free(cid);
	test_response_free(&cr);
	while (fscanf(p, "%15s %511s %15s", method, pattern, shape) == 3) {
		if (strcmp(shape, "list") != 0)
			continue;
		lists++;
		char path[600];
		/* {id}: A's ticket under /api/tickets/, else client A. */
		expand(path, sizeof(path), !strstr(pattern, "{id}") ? ""
					   : strncmp(pattern, "/api/tickets/", 13) ? "%A" : "%T");
		if (!strncmp(pattern, "/api/coach/conversations/", 25))
			snprintf(path, sizeof(path), "%s", conv);
		char base[700];
		const char *brace = strstr(pattern, "{id}");
		if (brace)
			snprintf(base, sizeof(base), "%.*s%s%s", (int)(brace - pattern), pattern, path,
				 brace + 4);
		else
			snprintf(base, sizeof(base), "%s", pattern);
		const char *h[] = {as[ADMIN].cookie, NULL};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char url[800];
			snprintf(url, sizeof(url), "%s?%s", base, bad[i].query);
			test_response r;
			test_http(&r, &srv, "GET", url, h, NULL, 0);
			cr_expect_eq(r.status, 400, "%s: %ld %s", url, r.status, r.body);
			char *code = test_json_member(r.body, "code");
			char *detail = test_json_member(r.body, "detail");
			cr_expect_str_eq(code, "bad_request", "%s", url);
			cr_expect_str_eq(detail, bad[i].detail, "%s", url);
			free(code);
			free(detail);
			test_response_free(&r);
		}
		/* A good page, and its cursor on another list is refused. */
		test_response r;
		char url[800];
		snprintf(url, sizeof(url), "%s?limit=1", base);
		test_http(&r, &srv, "GET", url, h, NULL, 0);
		cr_expect_eq(r.status, 200, "%s: %s", url, r.body);
		char *next = test_json_member(r.body, "next_cursor");
		test_response_free(&r);
		if (next && strcmp(next, "null") != 0 && strcmp(pattern, "/api/users") != 0) {
			snprintf(url, sizeof(url), "/api/users?cursor=%s", next);
			test_http(&r, &srv, "GET", url, h, NULL, 0);
			cr_expect_eq(r.status, 400, "%s's cursor continues /api/users", pattern);
			test_response_free(&r);
		}
		free(next);
	}
	pclose(p);
	cr_expect_geq(lists, 12, "lists found: %d", lists);
}

Test(matrix, exports_come_as_attachments)
{
	const char *h[] = {as[ADMIN].cookie, as[ADMIN].csrf, NULL};
	test_response r;
	test_http(&r, &srv, "GET", "/api/clients/export?format=csv&bom=true", h, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	test_expect_header(&r, "Content-Type", "text/csv; charset=utf-8");
	char *cd = test_header(&r, "Content-Disposition");
	cr_expect(cd && strncmp(cd, "attachment; filename=\"clients-", 30) == 0, "%s", cd);
	free(cd);
	test_expect_header(&r, "Cache-Control", "private, no-store");
	cr_expect(r.body_len > 3 && memcmp(r.body, "\xEF\xBB\xBFid,name,", 11) == 0);
	cr_expect_not_null(strstr(r.body, client_a));
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/analytics/export?format=xlsx&from=2026-01&to=2026-03", h,
		  NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	test_expect_header(&r, "Content-Type",
			   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	cr_expect(r.body_len > 4 && memcmp(r.body, "PK\x03\x04", 4) == 0, "a zip file");
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/analytics/export?format=pdf&from=2026-01&to=2026-03", h,
		  NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	test_expect_header(&r, "Content-Type", "application/pdf");
	cd = test_header(&r, "Content-Disposition");
	cr_expect_str_eq(cd ? cd : "", "attachment; filename=\"analytics-2026-01-to-2026-03.pdf\"");
	free(cd);
	cr_expect(r.body_len > 5 && memcmp(r.body, "%PDF-", 5) == 0, "a PDF");
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/analytics/export?format=pdf&from=2024-01&to=2026-03", h,
		  NULL, 0);
	cr_assert_eq(r.status, 202, "%s", r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *job = json_object_get(j, "job");
	cr_expect_str_eq(json_string_value(json_object_get(job, "kind")), "export_file");
	json_t *args = json_object_get(job, "args");
	if (args)
		cr_expect_str_eq(json_string_value(json_object_get(args, "format")), "pdf");
	json_decref(j);
	test_response_free(&r);
}

/* The onboarding wizard over HTTP: a client user's PUTs need the CSRF
 * token, malformed, oversized and invalid steps get their problem, and a
 * step saved by A is never in what B reads. */
Test(matrix, onboarding_steps_over_http_refuse_hostile_bodies)
{
	const struct {
		const char *path, *body;
		bool csrf;
		long status;
		const char *code;
	} cases[] = {
		{"/api/portal/onboarding/steps/1", "{\"acknowledged\":true}", false, 403, "csrf_failed"},
		{"/api/portal/onboarding/steps/1", "{", true, 400, "bad_request"},
		{"/api/portal/onboarding/steps/1", "{\"acknowledged\":false}", true, 422,
		 "validation_failed"},
		{"/api/portal/onboarding/steps/1", "{\"acknowledged\":true}", true, 200, NULL},
		{"/api/portal/onboarding/steps/profile",
		 "{\"brand_name\":\"x\",\"website\":\"javascript:alert(1)\"}", true, 422,
		 "validation_failed"},
		{"/api/portal/onboarding/steps/profile", "{\"brand_name\":\"Alice & Co\"}", true, 200,
		 NULL},
		{"/api/portal/onboarding/steps/done", "{}", true, 409, "conflict"},
		{"/api/portal/onboarding/steps/%2e%2e", "{}", true, 404, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *h[] = {"Content-Type: application/json", as[CLIENT_A].cookie,
				   cases[i].csrf ? as[CLIENT_A].csrf : "X-No: 1", NULL};
		test_response r;
		test_http(&r, &srv, "PUT", cases[i].path, h, cases[i].body, strlen(cases[i].body));
		cr_expect_eq(r.status, cases[i].status, "%s %s: %ld %s", cases[i].path, cases[i].body,
			     r.status, r.body);
		if (cases[i].code) {
			char want[64];
			snprintf(want, sizeof(want), "\"code\":\"%s\"", cases[i].code);
			cr_expect_not_null(strstr(r.body, want), "%s: %s", cases[i].path, r.body);
		}
		test_response_free(&r);
	}
	/* More than 64 KiB of step data. */
	size_t n = 80 * 1024;
	char *big = malloc(n + 64);
	cr_assert_not_null(big);
	int k = snprintf(big, n + 64, "{\"brand_name\":\"x\",\"goals\":\"");
	memset(big + k, 'g', n);
	strcpy(big + k + n, "\"}");
	const char *h[] = {"Content-Type: application/json", as[CLIENT_A].cookie, as[CLIENT_A].csrf,
			   NULL};
	test_response r;
	test_http(&r, &srv, "PUT", "/api/portal/onboarding/steps/profile", h, big, strlen(big));
	cr_expect_eq(r.status, 413, "%ld %s", r.status, r.body);
	test_response_free(&r);
	free(big);
	/* A reads its progress; B reads its own, without A's. */
	const char *ha[] = {as[CLIENT_A].cookie, NULL}, *hb[] = {as[CLIENT_B].cookie, NULL};
	test_http(&r, &srv, "GET", "/api/portal/onboarding", ha, NULL, 0);
	cr_expect_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "Alice & Co"), "%s", r.body);
	cr_expect_not_null(strstr(r.body, "\"current_step\":3"), "%s", r.body);
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/portal/onboarding", hb, NULL, 0);
	cr_expect_eq(r.status, 200);
	cr_expect_null(strstr(r.body, "Alice"), "%s", r.body);
	cr_expect_null(strstr(r.body, client_a), "%s", r.body);
	test_response_free(&r);
	char path[128];
	snprintf(path, sizeof(path), "/api/clients/%s/onboarding", client_a);
	test_http(&r, &srv, "GET", path, hb, NULL, 0);
	cr_expect_eq(r.status, 404, "%s", r.body);
	test_response_free(&r);
}
