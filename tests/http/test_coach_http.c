/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The coach through a real wl-server and the loopback Messages API: the
 * reply streamed to the browser as Server-Sent Events and stored, the
 * JSON answer, the lists, a stranger's conversation, and a browser that
 * closes mid-reply leaving what had arrived stored. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "testai.h"
#include "testenv.h"
#include "testhttp.h"

static test_db db;
static test_server srv;
static wvl_ctx *ctx;
static char key[48], key_env[80], url_env[200];
static test_session admin, portal;
static char client_a[37];
static const char *admin_pw = "Harbor-Lantern-42!";

static long call(test_response *r, const test_session *s, const char *method, const char *path,
		 const char *body, const char *accept)
{
	const char *h[] = {"Content-Type: application/json", s->cookie, s->csrf,
			   accept ? accept : "X-None: 1", NULL};
	test_http(r, &srv, method, path, h, body, body ? strlen(body) : 0);
	return r->status;
}

static void create(char *out_id, const test_session *s, const char *path, const char *body)
{
	test_response r;
	cr_assert_eq(call(&r, s, "POST", path, body, NULL), 201, "%s: %s", path, r.body);
	char *id = test_json_string(r.body, "id");
	snprintf(out_id, 37, "%s", id);
	free(id);
	test_response_free(&r);
}

static void setup(void)
{
	test_db_create(&db);
	ctx = test_ctx(&db);
	test_ai_key(key);
	snprintf(key_env, sizeof(key_env), "WL_ANTHROPIC_API_KEY=%s", key);
	snprintf(url_env, sizeof(url_env), "WL_ANTHROPIC_BASE_URL=%s", testenv("WL_TEST_ANTHROPIC_URL"));
	test_admin(ctx, &db, "admin@example.com", admin_pw);
	const char *env[] = {"WL_RATELIMIT_LOGIN=1000/15m", "WL_RATELIMIT_WRITE=1000/15m",
			     "WL_RATELIMIT_READ=1000/15m", key_env, url_env, NULL};
	test_server_start(&srv, &db, env);
	test_login(&admin, &srv, "admin@example.com", admin_pw);
	create(client_a, &admin, "/api/clients", "{\"name\":\"Acme\",\"brand_name\":\"Acme Fit\"}");
	char id[37], body[512];
	snprintf(body, sizeof(body),
		 "{\"email\":\"portal@example.com\",\"name\":\"P\",\"role\":\"client\","
		 "\"client_id\":\"%s\",\"password\":\"Meadow-Otter-31!\"}", client_a);
	create(id, &admin, "/api/users", body);
	test_login(&portal, &srv, "portal@example.com", "Meadow-Otter-31!");
}

static void teardown(void)
{
	test_server_stop(&srv);
	wvl_ctx_free(ctx);
	test_db_drop(&db);
}

TestSuite(coach_http, .init = setup, .fini = teardown, .timeout = 120);

/* The text of the "delta" events of an event stream, and the data of its
 * "done" event into done (malloc'd, or NULL). */
static char *deltas(const char *stream, char **done)
{
	size_t cap = strlen(stream) + 1, n = 0;
	char *out = calloc(1, cap);
	*done = NULL;
	const char *p = stream;
	while ((p = strstr(p, "event: ")) != NULL) {
		const char *name = p + 7;
		const char *data = strstr(name, "\ndata: ");
		if (!data)
			break;
		data += 7;
		const char *end = strstr(data, "\n\n");
		char *d = strndup(data, end ? (size_t)(end - data) : strlen(data));
		if (!strncmp(name, "delta\n", 6)) {
			char *t = test_json_string(d, "text");
			cr_assert_not_null(t, "%s", d);
			memcpy(out + n, t, strlen(t));
			n += strlen(t);
			free(t);
		} else if (!strncmp(name, "done\n", 5)) {
			*done = strdup(d);
		}
		free(d);
		p = end ? end : data;
	}
	return out;
}

Test(coach_http, a_reply_streams_as_server_sent_events_and_is_stored)
{
	char conv[37];
	create(conv, &portal, "/api/coach/conversations", "{}");
	test_ai_plan(key, "[{\"reply\":\"Start with \\\"one\\\" list.\\nThen grow it.\"}]");
	char path[200];
	snprintf(path, sizeof(path), "/api/coach/conversations/%s/messages", conv);
	test_response r;
	cr_assert_eq(call(&r, &portal, "POST", path, "{\"message\":\"What first?\"}",
			  "Accept: text/event-stream"), 200, "%s", r.body);
	char *ct = test_header(&r, "Content-Type");
	cr_expect(ct && !strncmp(ct, "text/event-stream", 17), "%s", ct ? ct : "-");
	free(ct);
	char *done = NULL;
	char *text = deltas(r.body, &done);
	cr_expect_str_eq(text, "Start with \"one\" list.\nThen grow it.");
	cr_assert_not_null(done, "%s", r.body);
	char *content = test_json_string(done, "content");
	cr_expect_str_eq(content, text);
	free(content);
	free(done);
	free(text);
	test_response_free(&r);
	/* Stored: the question and the reply, never the system prompt. */
	cr_assert_eq(call(&r, &portal, "GET", path, NULL, NULL), 200);
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *data = json_object_get(doc, "data");
	cr_assert_eq(json_array_size(data), 2, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(data, 1), "content")),
			 "Start with \"one\" list.\nThen grow it.");
	cr_expect(!strstr(r.body, "business coach of WavelaunchOS"));
	json_decref(doc);
	test_response_free(&r);
	/* Without Accept: text/event-stream, JSON. */
	test_ai_plan(key, "[{\"reply\":\"Plain answer.\"}]");
	cr_assert_eq(call(&r, &portal, "POST", path, "{\"message\":\"And then?\"}", NULL), 200, "%s",
		     r.body);
	char *c = test_json_string(r.body, "content");
	cr_expect_str_eq(c, "Plain answer.");
	free(c);
	test_response_free(&r);
	/* The admin's own conversation list does not hold the portal user's;
	 * their messages are 404 to anyone else. */
	cr_assert_eq(call(&r, &admin, "GET", "/api/coach/conversations", NULL, NULL), 200);
	cr_expect(!strstr(r.body, conv), "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, &admin, "GET", path, NULL, NULL), 404);
	test_response_free(&r);
	cr_expect_eq(call(&r, &admin, "POST", path, "{\"message\":\"x\"}", "Accept: text/event-stream"),
		     404, "refused before any stream");
	test_response_free(&r);
	cr_expect_eq(call(&r, &portal, "POST", path, "{\"message\":\"\"}", NULL), 422);
	test_response_free(&r);
}

struct abort_after {
	size_t seen;
	int deltas;
};

static size_t stop_on_first_delta(char *data, size_t size, size_t n, void *userdata)
{
	struct abort_after *a = userdata;
	a->seen += size * n;
	const char *p = data;
	while ((p = memmem(p, size * n - (size_t)(p - data), "event: delta", 12)) != NULL) {
		a->deltas++;
		p += 12;
	}
	return a->deltas >= 2 ? 0 : size * n; /* 0: the browser goes away */
}

Test(coach_http, a_browser_closing_mid_reply_leaves_what_arrived_stored)
{
	char conv[37];
	create(conv, &portal, "/api/coach/conversations", "{}");
	test_ai_plan(key, "[{\"reply\":\"w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12\",\"delay_ms\":150}]");
	char url[300];
	snprintf(url, sizeof(url), "%s/api/coach/conversations/%s/messages", srv.base, conv);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: text/event-stream");
	h = curl_slist_append(h, portal.cookie);
	h = curl_slist_append(h, portal.csrf);
	CURL *c = curl_easy_init();
	struct abort_after a = {0, 0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"message\":\"Go\"}");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stop_on_first_delta);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	cr_expect_eq(curl_easy_perform(c), CURLE_WRITE_ERROR);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	cr_expect_geq(a.deltas, 2);
	char q[300];
	snprintf(q, sizeof(q), "SELECT count(*) FROM conversation_messages WHERE conversation_id = '%s'"
		 " AND role = 'assistant' AND content LIKE 'w1 w2 %%' AND content NOT LIKE '%%w12'", conv);
	cr_expect(test_sys_wait(&db, q, "1", 20), "the part that arrived is stored");
}
