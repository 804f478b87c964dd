/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The coach through a real wl-server and the loopback Messages API: the
 * reply streamed to the browser as Server-Sent Events and stored, the
 * JSON answer, the lists, a stranger's conversation, and a browser that
 * closes mid-reply leaving what had arrived stored. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "../integration/worker_proc.h"
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

/* Asks on `s` (a stream) and checks the deltas add up to the stored reply
 * byte for byte, each delta whole UTF-8 (the JSON parser refuses any
 * other).  Returns the stored reply (malloc'd). */
static char *ask_streamed(const test_server *on, const test_session *who, const char *conv,
			  const char *body)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/coach/conversations/%s/messages", conv);
	const char *h[] = {"Content-Type: application/json", who->cookie, who->csrf,
			   "Accept: text/event-stream", NULL};
	test_response r;
	test_http(&r, on, "POST", path, h, body, strlen(body));
	cr_assert_eq(r.status, 200, "%s", r.body);
	char *done = NULL;
	char *text = deltas(r.body, &done);
	cr_assert_not_null(done, "%s", r.body);
	char *content = test_json_string(done, "content");
	cr_assert_not_null(content, "%s", done);
	cr_expect_eq(strlen(text), strlen(content));
	cr_expect_str_eq(text, content, "the deltas are the stored reply");
	/* And the stored message is that text. */
	test_response m;
	const char *g[] = {who->cookie, NULL};
	test_http(&m, on, "GET", path, g, NULL, 0);
	cr_assert_eq(m.status, 200, "%s", m.body);
	json_t *doc = json_loads(m.body, 0, NULL);
	json_t *data = json_object_get(doc, "data");
	const char *stored = json_string_value(
		json_object_get(json_array_get(data, json_array_size(data) - 1), "content"));
	cr_expect_str_eq(stored ? stored : "", content);
	json_decref(doc);
	test_response_free(&m);
	free(text);
	free(done);
	test_response_free(&r);
	return content;
}

static const char multibyte[] = "Prix 5 \u20ac, caf\u00e9 na\u00efve \u65e5\u672c\u8a9e, "
				"\U0001F600\U0001F680 and \U0001D11E end.";

Test(coach_http, a_character_cut_between_two_provider_deltas_streams_whole)
{
	char conv[37];
	create(conv, &portal, "/api/coach/conversations", "{}");
	/* Every UTF-16 unit its own delta: each character past U+FFFF comes as
	 * two deltas, one surrogate half in each. */
	char plan[512];
	snprintf(plan, sizeof(plan), "[{\"reply\":\"%s\",\"utf16_pieces\":1},"
		 "{\"reply\":\"%s\",\"utf16_pieces\":3}]", multibyte, multibyte);
	test_ai_plan(key, plan);
	for (int i = 0; i < 2; i++) {
		char *stored = ask_streamed(&srv, &portal, conv, "{\"message\":\"Unicode?\"}");
		cr_expect_str_eq(stored, multibyte);
		free(stored);
	}
}

Test(coach_http, pieces_that_split_2_3_and_4_byte_characters_stream_as_whole_characters)
{
	/* The offline provider cuts a word over 64 bytes every 64 bytes: the
	 * question, quoted in its answer after ` "`, has a word of 2-byte, one
	 * of 3-byte and one of 4-byte characters whose 64-byte cuts fall inside
	 * a character (61 bytes of them after ` "a`, 61 after ` xa`, 63 after
	 * ` `). */
	test_server off;
	const char *env[] = {"WL_RATELIMIT_LOGIN=1000/15m", "WL_RATELIMIT_WRITE=1000/15m",
			     "WL_RATELIMIT_READ=1000/15m", "WL_ANTHROPIC_API_KEY=", NULL};
	test_server_start(&off, &db, env);
	test_session who;
	test_login(&who, &off, "portal@example.com", "Meadow-Otter-31!");
	char conv[37];
	{
		const char *h[] = {"Content-Type: application/json", who.cookie, who.csrf, NULL};
		test_response r;
		test_http(&r, &off, "POST", "/api/coach/conversations", h, "{}", 2);
		cr_assert_eq(r.status, 201, "%s", r.body);
		char *id = test_json_string(r.body, "id");
		snprintf(conv, sizeof(conv), "%s", id);
		free(id);
		test_response_free(&r);
	}
	char word2[80] = "a", word3[80] = "a", word4[80] = "";
	for (int i = 0; i < 35; i++)
		strcat(word2, "\u00e9");
	for (int i = 0; i < 24; i++)
		strcat(word3, "\u20ac");
	for (int i = 0; i < 18; i++)
		strcat(word4, "\U0001F600");
	char body[600];
	snprintf(body, sizeof(body), "{\"message\":\"%s x%s %s\"}", word2, word3, word4);
	char *stored = ask_streamed(&off, &who, conv, body);
	cr_expect(strstr(stored, "Offline coach") != NULL, "%.80s", stored);
	cr_expect(strstr(stored, word2) && strstr(stored, word3) && strstr(stored, word4),
		  "the question is quoted whole");
	free(stored);
	test_server_stop(&off);
}

/* ---- a generation cancelled through the jobs API mid-stream ---- */

static char *job_of(const char *path)
{
	test_response r;
	cr_assert_eq(call(&r, &admin, "POST", path, NULL, NULL), 202, "%s: %s", path, r.body);
	json_t *doc = json_loads(r.body, 0, NULL);
	const char *id = json_string_value(json_object_get(json_object_get(doc, "job"), "id"));
	cr_assert_not_null(id, "%s", r.body);
	char *out = strdup(id);
	json_decref(doc);
	test_response_free(&r);
	return out;
}

/* Waits (bounded) until the loopback has received `n` requests under the
 * key: the stream has begun. */
static void wait_requests(size_t n)
{
	for (int i = 0; i < 600; i++) {
		json_t *a = test_ai_requests(key);
		size_t got = json_array_size(a);
		json_decref(a);
		if (got >= n)
			return;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("the loopback never got request %zu", n);
}

static void cancel_mid_stream(const char *job, const char *purpose, size_t nth)
{
	wait_requests(nth);
	char path[200], q[400];
	/* Some of the reply has arrived: the job reported its first progress. */
	snprintf(q, sizeof(q), "SELECT state FROM jobs WHERE id = '%s'", job);
	cr_assert(test_sys_wait(&db, q, "running", 30));
	snprintf(path, sizeof(path), "/api/jobs/%s/cancel", job);
	test_response r;
	long st = call(&r, &admin, "POST", path, NULL, NULL);
	cr_assert(st == 200 || st == 204, "%ld: %s", st, r.body);
	test_response_free(&r);
	/* The worker sees the voided lease at its next heartbeat and stops the
	 * stream; the call's usage is recorded: all the input, the output that
	 * arrived (more than message_start's 1, less than the full 700). */
	snprintf(q, sizeof(q), "SELECT count(*) FROM token_usage WHERE client_id = '%s'"
		 " AND purpose = '%s' AND input_tokens = 1500 AND output_tokens > 1"
		 " AND output_tokens < 700", client_a, purpose);
	cr_expect(test_sys_wait(&db, q, "1", 30), "the partial usage of %s", purpose);
	snprintf(q, sizeof(q), "SELECT state FROM jobs WHERE id = '%s'", job);
	cr_expect(test_sys_wait(&db, q, "cancelled", 5));
}

Test(coach_http, a_generation_cancelled_mid_stream_records_usage_and_overwrites_nothing)
{
	/* M1 holds the team's own draft. */
	char q[400];
	snprintf(q, sizeof(q), "SET wvl.actor_role='system'; UPDATE deliverables SET status = 'draft',"
		 " content_markdown = '# Team draft' WHERE client_id = '%s' AND milestone = 1",
		 client_a);
	cr_assert_eq(test_sql(db.owner_url, q), 0);
	snprintf(q, sizeof(q), "SELECT id FROM deliverables WHERE client_id = '%s' AND milestone = 1",
		 client_a);
	char *m1 = test_sys_value(&db, q);
	/* Two slow replies of 140 words, one word each 100 ms: 14 s each. */
	char words[701] = "", plan[1700];
	for (int i = 0; i < 140; i++)
		strcat(words, "word ");
	snprintf(plan, sizeof(plan), "[{\"reply\":\"%s\",\"delay_ms\":100,\"usage\":"
		 "{\"input_tokens\":1500,\"output_tokens\":700}},{\"reply\":\"%s\",\"delay_ms\":100,"
		 "\"usage\":{\"input_tokens\":1500,\"output_tokens\":700}}]", words, words);
	test_ai_plan(key, plan);
	worker_proc w;
	const char *extra[] = {key_env, url_env, NULL};
	worker_start(&w, &db, extra);

	char path[200];
	snprintf(path, sizeof(path), "/api/deliverables/%s/generate", m1);
	char *job = job_of(path);
	cancel_mid_stream(job, "deliverable", 1);
	free(job);
	/* The team's draft is as it was, and back to draft. */
	snprintf(q, sizeof(q), "SELECT status || ':' || content_markdown FROM deliverables"
		 " WHERE id = '%s'", m1);
	cr_expect(test_sys_wait(&db, q, "draft:# Team draft", 10));

	snprintf(path, sizeof(path), "/api/clients/%s/business-plans/generate", client_a);
	job = job_of(path);
	cancel_mid_stream(job, "business_plan", 2);
	free(job);
	snprintf(q, sizeof(q), "SELECT count(*) FROM business_plans WHERE client_id = '%s'", client_a);
	char *plans = test_sys_value(&db, q);
	cr_expect_str_eq(plans, "0", "no plan version from a partial draft");
	free(plans);
	free(m1);
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
}
