/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The Claude client (lib/ai) against the loopback Messages API that
 * scripts/test starts (tests/common/anthropic_loopback.py): the request it
 * sends, plain and streamed answers, the SDKs' retry rule with its waits
 * (through the sleep hook, which moves the test clock: nothing sleeps),
 * give-ups, broken streams, usage exact to the token in token_usage, the
 * budget's alerts and hard stop, the offline provider, and the settings. */

#include <criterion/criterion.h>
#include <jansson.h>

#include "ai/ai.h"
#include "testai.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static char key[48];
static char client_id[37];
static int64_t sleeps[16];
static int nsleeps;

static void record_sleep(int64_t usec, void *payload)
{
	(void)payload;
	if (nsleeps < 16)
		sleeps[nsleeps++] = usec;
	test_clock_advance(usec);
}

/* The first cell of `sql` run as the system (testenv.h). */
#define sql1(sql) test_sys_value(&db, (sql))

/* A context on the loopback under this test's key, with extra settings
 * (NULL-ended key, value pairs). */
static wvl_ctx *ai_ctx(const char *const *kv)
{
	wvl_config *cfg = test_config(&db);
	test_ai_config(cfg, key);
	for (size_t i = 0; kv && kv[i]; i += 2)
		cr_assert_eq(wvl_config_set(cfg, kv[i], kv[i + 1]), 0, "%s", kv[i]);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, test_clock_wall());
	wvl_ai_set_sleep(c, record_sleep, NULL);
	return c;
}

static void setup(void)
{
	test_db_create(&db);
	test_ai_key(key);
	nsleeps = 0;
	ctx = ai_ctx(NULL);
	char *id = sql1("INSERT INTO clients (name, brand_name, niche) VALUES"
			" ('Nova Reyes', 'Nova Fit', 'home fitness') RETURNING id");
	cr_assert_not_null(id);
	snprintf(client_id, sizeof(client_id), "%s", id);
	free(id);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	ctx = NULL;
	test_db_drop(&db);
}

TestSuite(ai, .init = setup, .fini = teardown, .timeout = 120);

struct pieces {
	char buf[4096];
	size_t len;
	int calls;
	int stop_after; /* 0: never */
};

static int on_text(const char *t, size_t n, void *payload)
{
	struct pieces *p = payload;
	if (p->len + n < sizeof(p->buf)) {
		memcpy(p->buf + p->len, t, n);
		p->len += n;
		p->buf[p->len] = '\0';
	}
	p->calls++;
	return p->stop_after && p->calls >= p->stop_after;
}

static int ask(char **text, wvl_ai_usage *u, int stream, struct pieces *p)
{
	wvl_ai_request r = WVL_AI_REQUEST_INIT;
	r.purpose = "coach";
	r.client_id = client_id;
	r.system_cached = "You are the agency's assistant. Brief: Nova Fit.";
	r.system = "Answer briefly.";
	r.messages_json = "[{\"role\":\"user\",\"content\":\"Hello there\"}]";
	r.max_tokens = 300;
	r.stream = stream;
	r.on_text = p ? on_text : NULL;
	r.payload = p;
	return wvl_ai_complete(text, u, ctx, &r);
}

static size_t requests(void)
{
	json_t *a = test_ai_requests(key);
	size_t n = json_array_size(a);
	json_decref(a);
	return n;
}

static char *usage_row(void)
{
	return sql1("SELECT string_agg(concat_ws(':', purpose, model, input_tokens, output_tokens,"
		    " cache_read_tokens, cache_write_tokens, cost_cents, request_id, outcome,"
		    " client_id IS NOT NULL), ',' ORDER BY created_at) FROM token_usage");
}

/* ---- what is sent, what comes back ---- */

Test(ai, a_plain_call_sends_the_messages_api_request_and_records_its_usage_exactly)
{
	test_ai_plan(key, "[{\"reply\":\"Hi Nova.\",\"usage\":{\"input_tokens\":1200,"
			  "\"output_tokens\":7,\"cache_creation_input_tokens\":400,"
			  "\"cache_read_input_tokens\":0}}]");
	char *text = NULL;
	wvl_ai_usage u = WVL_AI_USAGE_INIT;
	cr_assert_eq(ask(&text, &u, 0, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(text, "Hi Nova.");
	cr_expect_eq(u.input_tokens, 1200);
	cr_expect_eq(u.output_tokens, 7);
	cr_expect_eq(u.cache_write_tokens, 400);
	cr_expect_eq(u.cache_read_tokens, 0);
	wvl_free(text);

	json_t *reqs = test_ai_requests(key);
	cr_assert_eq(json_array_size(reqs), 1);
	json_t *r0 = json_array_get(reqs, 0);
	cr_expect_str_eq(json_string_value(json_object_get(r0, "anthropic_version")), "2023-06-01");
	cr_expect_str_eq(json_string_value(json_object_get(r0, "content_type")), "application/json");
	json_t *body = json_object_get(r0, "body");
	cr_expect_str_eq(json_string_value(json_object_get(body, "model")), "claude-sonnet-4-5");
	cr_expect_eq(json_integer_value(json_object_get(body, "max_tokens")), 300);
	cr_expect(json_is_false(json_object_get(body, "stream")));
	/* The stable prefix is cached; the rest follows it uncached. */
	json_t *sys = json_object_get(body, "system");
	cr_assert_eq(json_array_size(sys), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(sys, 0),
									  "cache_control"), "type")),
			 "ephemeral");
	cr_expect_null(json_object_get(json_array_get(sys, 1), "cache_control"));
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(sys, 1), "text")),
			 "Answer briefly.");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
				 json_object_get(body, "messages"), 0), "content")), "Hello there");
	char want[200];
	snprintf(want, sizeof(want), "coach:claude-sonnet-4-5:1200:7:0:400:0.5205:%s:ok:t",
		 json_string_value(json_object_get(r0, "request_id")));
	json_decref(reqs);
	/* 1200 x 300 + 7 x 1500 + 400 x 375 cents per million tokens. */
	char *row = usage_row();
	cr_expect_str_eq(row, want);
	free(row);
	cr_expect(test_log_contains("request-id req_loop_"), "the request id is logged");
}

Test(ai, a_stream_hands_its_text_over_as_it_comes_and_takes_the_cumulative_usage)
{
	test_ai_plan(key, "[{\"reply\":\"One two three four five.\",\"unknown_events\":true,"
			  "\"usage\":{\"input_tokens\":40,\"output_tokens\":12,"
			  "\"cache_read_input_tokens\":900,\"cache_creation_input_tokens\":0}}]");
	struct pieces p = {.len = 0};
	char *text = NULL;
	wvl_ai_usage u = WVL_AI_USAGE_INIT;
	cr_assert_eq(ask(&text, &u, 1, &p), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(text, "One two three four five.");
	cr_expect_str_eq(p.buf, "One two three four five.");
	cr_expect_eq(p.calls, 5, "one piece per delta");
	/* message_start said output 1; message_delta's 12 replaces it. */
	cr_expect_eq(u.output_tokens, 12);
	cr_expect_eq(u.input_tokens, 40);
	cr_expect_eq(u.cache_read_tokens, 900);
	wvl_free(text);
	json_t *reqs = test_ai_requests(key);
	cr_expect(json_is_true(json_object_get(json_object_get(json_array_get(reqs, 0), "body"),
					       "stream")));
	json_decref(reqs);
	char *row = sql1("SELECT concat_ws(':', input_tokens, output_tokens, cache_read_tokens,"
			 " outcome) FROM token_usage");
	cr_expect_str_eq(row, "40:12:900:ok");
	free(row);
}

/* ---- retries ---- */

Test(ai, a_429_waits_its_retry_after_then_succeeds)
{
	test_ai_plan(key, "[{\"status\":429,\"retry_after\":\"2\"},{\"reply\":\"ok\"}]");
	char *text = NULL;
	cr_assert_eq(ask(&text, NULL, 0, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(text, "ok");
	wvl_free(text);
	cr_expect_eq(requests(), 2);
	cr_assert_eq(nsleeps, 1);
	cr_expect_eq(sleeps[0], 2000000, "retry-after: 2 -> 2 s, got %lld", (long long)sleeps[0]);
	char *n = sql1("SELECT count(*) FROM token_usage");
	cr_expect_str_eq(n, "1", "the refused attempt billed nothing");
	free(n);
}

Test(ai, retry_after_ms_wins_and_a_wait_over_60_s_is_not_honoured)
{
	test_ai_plan(key, "[{\"status\":429,\"retry_after_ms\":\"250\",\"retry_after\":\"9\"},"
			  "{\"status\":503,\"retry_after\":\"120\"},{\"reply\":\"ok\"}]");
	char *text = NULL;
	cr_assert_eq(ask(&text, NULL, 0, NULL), 0, "%s", wvl_error_last()->message);
	wvl_free(text);
	cr_assert_eq(nsleeps, 2);
	cr_expect_eq(sleeps[0], 250000);
	/* 120 s is over the cap: the backoff of retry 1, 1 s less jitter. */
	cr_expect(sleeps[1] >= 750000 && sleeps[1] <= 1000000, "%lld", (long long)sleeps[1]);
}

Test(ai, overloaded_529_gives_up_after_three_attempts_with_exponential_waits)
{
	test_ai_plan(key, "[{\"status\":529},{\"status\":529},{\"status\":529},{\"reply\":\"late\"}]");
	char *text = NULL;
	wvl_ai_usage u = WVL_AI_USAGE_INIT;
	cr_expect_eq(ask(&text, &u, 1, NULL), WVL_EUNAVAILABLE);
	cr_expect(strstr(wvl_error_last()->message, "529") != NULL, "%s", wvl_error_last()->message);
	cr_expect_null(text);
	cr_expect_eq(requests(), 3);
	cr_assert_eq(nsleeps, 2);
	cr_expect(sleeps[0] >= 375000 && sleeps[0] <= 500000, "%lld", (long long)sleeps[0]);
	cr_expect(sleeps[1] >= 750000 && sleeps[1] <= 1000000, "%lld", (long long)sleeps[1]);
	char *n = sql1("SELECT count(*) FROM token_usage");
	cr_expect_str_eq(n, "0");
	free(n);
}

Test(ai, a_500_then_success_is_one_retry)
{
	test_ai_plan(key, "[{\"status\":500},{\"reply\":\"second time\"}]");
	char *text = NULL;
	cr_assert_eq(ask(&text, NULL, 1, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(text, "second time");
	wvl_free(text);
	cr_expect_eq(requests(), 2);
	cr_expect_eq(nsleeps, 1);
}

Test(ai, x_should_retry_overrides_the_status_both_ways)
{
	test_ai_plan(key, "[{\"status\":500,\"should_retry\":\"false\"}]");
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 0, NULL), WVL_EUNAVAILABLE);
	cr_expect_eq(requests(), 1);
	test_ai_plan(key, "[{\"status\":400,\"should_retry\":\"true\"},{\"reply\":\"ok\"}]");
	cr_expect_eq(ask(&text, NULL, 0, NULL), 0, "%s", wvl_error_last()->message);
	wvl_free(text);
	cr_expect_eq(requests(), 3);
}

Test(ai, a_400_or_401_is_not_retried_and_says_why)
{
	test_ai_plan(key, "[{\"status\":400}]");
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 0, NULL), WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "invalid_request_error") != NULL, "%s",
		  wvl_error_last()->message);
	test_ai_plan(key, "[{\"status\":401}]");
	cr_expect_eq(ask(&text, NULL, 0, NULL), WVL_EINVAL);
	cr_expect_eq(requests(), 2);
	cr_expect_eq(nsleeps, 0);
}

Test(ai, a_429_to_the_end_is_rate_limited)
{
	test_ai_plan(key, "[{\"status\":429,\"retry_after\":\"1\"},{\"status\":429,\"retry_after\":\"1\"},"
			  "{\"status\":429,\"retry_after\":\"1\"}]");
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 0, NULL), WVL_ERATELIMITED);
	cr_expect_eq(requests(), 3);
	cr_expect_eq(nsleeps, 2);
	cr_expect_eq(sleeps[0] + sleeps[1], 2000000);
}

Test(ai, connection_errors_are_retried_and_max_retries_is_a_setting)
{
	test_ai_plan(key, "[{\"close\":true},{\"close\":true},{\"reply\":\"through\"}]");
	char *text = NULL;
	cr_assert_eq(ask(&text, NULL, 0, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(text, "through");
	wvl_free(text);
	cr_expect_eq(requests(), 3);
	wvl_ctx_free(ctx);
	const char *kv[] = {"WL_AI_MAX_RETRIES", "0", NULL};
	ctx = ai_ctx(kv);
	test_ai_plan(key, "[{\"status\":529},{\"reply\":\"never asked\"}]");
	cr_expect_eq(ask(&text, NULL, 0, NULL), WVL_EUNAVAILABLE);
	cr_expect_eq(requests(), 4, "no retry with WL_AI_MAX_RETRIES=0");
	test_ai_plan(key, "[]"); /* the plan keeps "never asked" for the next */
}

/* ---- broken streams: never retried once text has reached the caller ---- */

Test(ai, a_mid_stream_error_fails_keeps_the_partial_text_and_bills_it)
{
	test_ai_plan(key, "[{\"reply\":\"alpha beta gamma delta\",\"error_after\":2,"
			  "\"usage\":{\"input_tokens\":77,\"output_tokens\":4}}]");
	struct pieces p = {.len = 0};
	char *text = NULL;
	wvl_ai_usage u = WVL_AI_USAGE_INIT;
	cr_expect_eq(ask(&text, &u, 1, &p), WVL_EUNAVAILABLE);
	cr_expect(strstr(wvl_error_last()->message, "overloaded_error") != NULL, "%s",
		  wvl_error_last()->message);
	cr_expect_str_eq(text, "alpha beta ");
	cr_expect_str_eq(p.buf, "alpha beta ");
	wvl_free(text);
	cr_expect_eq(requests(), 1);
	cr_expect_eq(u.input_tokens, 77);
	/* The count at message_start was 1; "alpha beta " arrived: 11 bytes,
	 * 3 tokens at 4 bytes a token. */
	cr_expect_eq(u.output_tokens, 3);
	char *row = sql1("SELECT input_tokens || ':' || output_tokens || ':' || outcome FROM token_usage");
	cr_expect_str_eq(row, "77:3:error");
	free(row);
}

Test(ai, a_malformed_event_fails_the_stream)
{
	test_ai_plan(key, "[{\"reply\":\"one two three\",\"malformed_after\":1}]");
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 1, NULL), WVL_EUNAVAILABLE);
	cr_expect(strstr(wvl_error_last()->message, "malformed") != NULL, "%s",
		  wvl_error_last()->message);
	cr_expect_str_eq(text, "one ");
	wvl_free(text);
	cr_expect_eq(requests(), 1);
}

Test(ai, a_stream_cut_off_before_message_stop_fails)
{
	test_ai_plan(key, "[{\"reply\":\"one two three\",\"cut_after\":2}]");
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 1, NULL), WVL_EUNAVAILABLE);
	cr_expect(strstr(wvl_error_last()->message, "cut off") != NULL, "%s",
		  wvl_error_last()->message);
	cr_expect_str_eq(text, "one two ");
	wvl_free(text);
	cr_expect_eq(requests(), 1);
}

Test(ai, a_slow_stream_within_the_timeout_completes_and_one_past_it_fails)
{
	test_ai_plan(key, "[{\"reply\":\"a b c\",\"delay_ms\":100}]");
	char *text = NULL;
	cr_assert_eq(ask(&text, NULL, 1, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(text, "a b c");
	wvl_free(text);
	wvl_ctx_free(ctx);
	const char *kv[] = {"WL_AI_TIMEOUT", "1", NULL};
	ctx = ai_ctx(kv);
	test_ai_plan(key, "[{\"reply\":\"a b c d e f g h\",\"delay_ms\":300}]");
	cr_expect_eq(ask(&text, NULL, 1, NULL), WVL_EUNAVAILABLE);
	cr_expect(strstr(wvl_error_last()->message, "stream broke") != NULL, "%s",
		  wvl_error_last()->message);
	cr_expect_not_null(text, "what came before the timeout is kept");
	wvl_free(text);
	cr_expect_eq(requests(), 2, "a started stream is not retried");
}

Test(ai, the_caller_stopping_the_stream_is_a_conflict_with_the_text_so_far)
{
	test_ai_plan(key, "[{\"reply\":\"one two three four\"}]");
	struct pieces p = {.stop_after = 2};
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 1, &p), WVL_ECONFLICT);
	cr_expect_str_eq(text, "one two ");
	wvl_free(text);
}

/* ---- the pure parts ---- */

Test(ai, backoff_follows_the_sdks)
{
	cr_expect_eq(wvl_ai__backoff(0, "", "", 0, 1.0), 500000);
	cr_expect_eq(wvl_ai__backoff(1, "", "", 0, 1.0), 1000000);
	cr_expect_eq(wvl_ai__backoff(4, "", "", 0, 1.0), 8000000);
	cr_expect_eq(wvl_ai__backoff(9, "", "", 0, 0.75), 6000000);
	cr_expect_eq(wvl_ai__backoff(0, "1500", "", 0, 1.0), 1500000);
	cr_expect_eq(wvl_ai__backoff(0, "0", "3", 0, 1.0), 3000000);
	cr_expect_eq(wvl_ai__backoff(0, "junk", "61", 0, 1.0), 500000);
	/* An HTTP date 30 s ahead. */
	cr_expect_eq(wvl_ai__backoff(0, NULL, "Sun, 01 Mar 2026 00:00:30 GMT",
				     INT64_C(1772323200000000), 1.0), 30000000);
	cr_expect(wvl_ai__retryable(529, ""));
	cr_expect(wvl_ai__retryable(408, NULL));
	cr_expect(wvl_ai__retryable(409, ""));
	cr_expect(!wvl_ai__retryable(404, ""));
	cr_expect(!wvl_ai__retryable(413, ""));
	cr_expect(wvl_ai__retryable(0, ""), "a connection error");
}

Test(ai, the_sse_parser_takes_any_line_ending_and_any_split)
{
	const char *stream =
		": comment\r\nevent: message_start\r\ndata: {\"type\":\"message_start\",\"message\":"
		"{\"id\":\"m1\",\"model\":\"x\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\r\n\r\n"
		"event: content_block_delta\rdata: {\"type\":\"content_block_delta\",\r"
		"data: \"delta\":{\"type\":\"text_delta\",\"text\":\"h\\u00e9\"}}\r\r"
		"data:{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":9}}\n\n"
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	for (size_t step = 1; step <= strlen(stream); step++) {
		struct wvl_ai_sse s;
		wvl_ai__sse_init(&s, NULL, NULL);
		for (size_t i = 0; i < strlen(stream); i += step) {
			size_t n = strlen(stream) - i < step ? strlen(stream) - i : step;
			cr_assert_eq(wvl_ai__sse_feed(&s, stream + i, n), 0, "%s", s.error);
		}
		cr_assert_eq(wvl_ai__sse_end(&s), 0, "step %zu: %s", step, s.error);
		cr_expect_eq(s.text.len, 3);
		cr_expect_eq(memcmp(s.text.data, "h\xc3\xa9", 3), 0);
		cr_expect_eq(s.usage.input_tokens, 5);
		cr_expect_eq(s.usage.output_tokens, 9);
		cr_expect_str_eq(s.message_id, "m1");
		wvl_ai__sse_free(&s);
	}
}

/* The text the parser hands over for `stream`, fed in one piece. */
static char *sse_text(const char *stream, int *failed)
{
	struct wvl_ai_sse s;
	struct pieces p = {.len = 0};
	wvl_ai__sse_init(&s, on_text, &p);
	*failed = wvl_ai__sse_feed(&s, stream, strlen(stream));
	if (!*failed)
		*failed = wvl_ai__sse_end(&s);
	cr_expect_eq(s.text.len, p.len, "on_text saw what the text holds");
	char *out = calloc(1, s.text.len + 1);
	cr_assert_not_null(out);
	if (s.text.len)
		memcpy(out, s.text.data, s.text.len);
	wvl_ai__sse_free(&s);
	return out;
}

#define DELTA(t) "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\"," \
		 "\"text\":\"" t "\"}}\n\n"
#define STOP "data: {\"type\":\"message_stop\"}\n\n"

Test(ai, a_surrogate_pair_cut_between_two_deltas_arrives_whole)
{
	int failed;
	/* U+1F600 as \ud83d | \ude00, then U+1D11E cut the same way with
	 * other text around, and an escaped backslash before a "u". */
	char *t = sse_text(DELTA("a\\ud83d") DELTA("\\ude00b\\ud834") "data: {\"type\":\"ping\"}\n\n"
			   DELTA("\\udd1e\\\\ud800") STOP, &failed);
	cr_expect_eq(failed, 0);
	cr_expect_str_eq(t, "a\xf0\x9f\x98\x80" "b" "\xef\xbf\xbd\xef\xbf\xbd" "\\ud800",
			 "joined; a ping in between loses both halves; the escaped backslash stays");
	free(t);
	t = sse_text(DELTA("x\\ud83d") DELTA("\\ude00y") STOP, &failed);
	cr_expect_eq(failed, 0);
	cr_expect_str_eq(t, "x\xf0\x9f\x98\x80y");
	free(t);
	/* A lone half anywhere else is U+FFFD, not a failed stream. */
	t = sse_text(DELTA("p\\ude00q\\ud83dr") DELTA("s\\ude00") DELTA("\\ud83d") STOP,
		     &failed);
	cr_expect_eq(failed, 0);
	cr_expect_str_eq(t, "p\xef\xbf\xbdq\xef\xbf\xbdrs\xef\xbf\xbd\xef\xbf\xbd");
	free(t);
	/* A half left over when the stream ends. */
	t = sse_text(DELTA("z\\ud83d"), &failed);
	cr_expect_eq(failed, WVL_EUNAVAILABLE, "cut off before message_stop");
	cr_expect_str_eq(t, "z\xef\xbf\xbd");
	free(t);
}

Test(ai, an_event_after_message_stop_fails_but_a_ping_does_not)
{
	struct wvl_ai_sse s;
	wvl_ai__sse_init(&s, NULL, NULL);
	const char *a = "data: {\"type\":\"message_stop\"}\n\ndata: {\"type\":\"ping\"}\n\n";
	cr_expect_eq(wvl_ai__sse_feed(&s, a, strlen(a)), 0);
	const char *b = "data: {\"type\":\"content_block_delta\"}\n\n";
	cr_expect_eq(wvl_ai__sse_feed(&s, b, strlen(b)), WVL_EUNAVAILABLE);
	wvl_ai__sse_free(&s);
}

/* ---- the offline provider ---- */

Test(ai, without_a_key_the_offline_provider_drafts_complete_marked_documents)
{
	wvl_ctx_free(ctx);
	const char *kv[] = {"WL_ANTHROPIC_API_KEY", "", NULL};
	ctx = ai_ctx(kv);
	cr_expect_str_eq(wvl_ai_provider(ctx), "offline");
	wvl_ai_request r = WVL_AI_REQUEST_INIT;
	r.purpose = "business_plan";
	r.client_id = client_id;
	r.messages_json = "[{\"role\":\"user\",\"content\":\"Write the plan.\"}]";
	r.offline_json = "{\"kind\":\"business_plan\",\"brand\":\"Nova Fit\",\"niche\":\"home fitness\","
			 "\"audience\":\"busy parents\",\"goals\":\"10k subscribers\"}";
	struct pieces p = {.len = 0};
	r.on_text = on_text;
	r.payload = &p;
	char *a = NULL, *b = NULL;
	cr_assert_eq(wvl_ai_complete(&a, NULL, ctx, &r), 0, "%s", wvl_error_last()->message);
	r.on_text = NULL;
	cr_assert_eq(wvl_ai_complete(&b, NULL, ctx, &r), 0);
	cr_expect_str_eq(a, b, "deterministic");
	cr_expect_gt(strlen(a), 3000, "a page or more");
	cr_expect_gt(p.calls, 100, "handed over in pieces like a stream");
	cr_expect(strstr(a, "Offline draft") != NULL);
	static const char *const sections[] = {"## Executive summary", "## Audience", "## Goals",
					       "## Offer and monetisation", "## Roadmap",
					       "## Key metrics", "busy parents", "10k subscribers"};
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		cr_expect(strstr(a, sections[i]) != NULL, "%s", sections[i]);
	wvl_free(a);
	wvl_free(b);
	char *row = sql1("SELECT count(*) || ':' || min(model) || ':' || sum(cost_cents) FROM token_usage");
	cr_expect_str_eq(row, "2:offline:0.0000");
	free(row);
	cr_expect_eq(requests(), 0, "nothing went to the network");
}

/* ---- the budget ---- */

Test(ai, the_budget_alerts_at_50_80_and_100_percent_once_each_and_the_hard_stop_refuses)
{
	wvl_ctx_free(ctx);
	/* A cent per input token; a budget of 100 cents. */
	const char *kv[] = {"WL_AI_PRICES", "1000000,0,0,0", "WL_TOKEN_BUDGET_CENTS", "100",
			    "WL_AI_BUDGET_HARD_STOP", "true", NULL};
	ctx = ai_ctx(kv);
	free(sql1("INSERT INTO users (email, name, role) VALUES ('boss@example.com', 'Boss', 'admin')"));
	test_ai_plan(key, "[{\"usage\":{\"input_tokens\":30}},{\"usage\":{\"input_tokens\":25}},"
			  "{\"usage\":{\"input_tokens\":10}},{\"usage\":{\"input_tokens\":30}},"
			  "{\"usage\":{\"input_tokens\":10}},{\"usage\":{\"input_tokens\":1}}]");
	const char *want[] = {"", "50", "50", "50,80", "50,80,100"};
	for (int i = 0; i < 5; i++) {
		char *text = NULL;
		cr_assert_eq(ask(&text, NULL, 0, NULL), 0, "call %d: %s", i, wvl_error_last()->message);
		wvl_free(text);
		char *got = sql1("SELECT coalesce(string_agg(percent::text, ',' ORDER BY percent), '')"
				 " FROM token_budget_alerts");
		cr_expect_str_eq(got, want[i], "after call %d", i);
		free(got);
	}
	char *n = sql1("SELECT count(*) || ':' || string_agg(title, '|' ORDER BY title)"
		       " FROM notifications WHERE type = 'token_budget'");
	cr_expect_str_eq(n, "3:AI budget at 100 %|AI budget at 50 %|AI budget at 80 %");
	free(n);
	n = sql1("SELECT count(*) FROM jobs WHERE kind = 'email_send'"
		 " AND args->>'template' = 'token_budget_threshold'");
	cr_expect_str_eq(n, "3");
	free(n);
	/* 105 cents spent: the hard stop refuses before anything is sent. */
	char *text = NULL;
	cr_expect_eq(ask(&text, NULL, 0, NULL), WVL_ERATELIMITED);
	cr_expect(strstr(wvl_error_last()->message, "budget") != NULL);
	cr_expect_eq(requests(), 5);
	char *b = NULL;
	wvl_actor team = test_actor(WVL_ROLE_ADMIN, NULL, NULL);
	cr_assert_eq(wvl_ai_budget(&b, ctx, &team, client_id), 0, "%s", wvl_error_last()->message);
	json_t *doc = json_loads(b, 0, NULL);
	cr_expect_eq(json_integer_value(json_object_get(doc, "calls")), 5, "%s", b);
	cr_expect_eq(json_integer_value(json_object_get(doc, "budget_cents")), 100, "%s", b);
	cr_expect_eq(json_integer_value(json_object_get(doc, "input_tokens")), 105, "%s", b);
	cr_expect(json_is_true(json_object_get(doc, "hard_stop")), "%s", b);
	json_decref(doc);
	wvl_free(b);
	wvl_actor client = test_actor(WVL_ROLE_CLIENT, NULL, client_id);
	cr_expect_neq(wvl_ai_budget(&b, ctx, &client, client_id), 0);
	/* Next month the spend starts again. */
	test_clock_advance(INT64_C(40) * 86400 * 1000000);
	cr_expect_eq(ask(&text, NULL, 0, NULL), 0, "%s", wvl_error_last()->message);
	wvl_free(text);
}

/* ---- settings ---- */

static int validate(const char *const *kv)
{
	wvl_config *cfg = test_config(&db);
	for (size_t i = 0; kv[i]; i += 2)
		cr_assert_eq(wvl_config_set(cfg, kv[i], kv[i + 1]), 0);
	int rc = wvl_config_validate(cfg);
	wvl_config_free(cfg);
	return rc;
}

Test(ai, bad_settings_are_refused_naming_the_key)
{
	static const char *const cases[][5] = {
		{"WL_ANTHROPIC_API_KEY", "sk key", "WL_AI_MODEL", "claude-sonnet-4-5", "WL_ANTHROPIC_API_KEY"},
		{"WL_ANTHROPIC_API_KEY", "sk-1", "WL_ANTHROPIC_BASE_URL", "ftp://x", "WL_ANTHROPIC_BASE_URL"},
		{"WL_ANTHROPIC_API_KEY", "sk-1", "WL_ANTHROPIC_BASE_URL", "http://h/?q", "WL_ANTHROPIC_BASE_URL"},
		{"WL_AI_MODEL", "bad model", "WL_AI_TIMEOUT", "10", "WL_AI_MODEL"},
		{"WL_AI_PRICES", "1,2,3", "WL_AI_TIMEOUT", "10", "WL_AI_PRICES"},
		{"WL_AI_PRICES", "1,2,3,-4", "WL_AI_TIMEOUT", "10", "WL_AI_PRICES"},
		{"WL_AI_TIMEOUT", "0", "WL_AI_MODEL", "m", "WL_AI_TIMEOUT"},
		{"WL_AI_MAX_RETRIES", "11", "WL_AI_MODEL", "m", "WL_AI_MAX_RETRIES"},
		{"WL_AI_BUDGET_HARD_STOP", "yes", "WL_AI_MODEL", "m", "WL_AI_BUDGET_HARD_STOP"},
		{"WL_COACH_CONTEXT_TOKENS", "10", "WL_AI_MODEL", "m", "WL_COACH_CONTEXT_TOKENS"},
		{"WL_TOKEN_BUDGET_CENTS", "-5", "WL_AI_MODEL", "m", "WL_TOKEN_BUDGET_CENTS"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *kv[] = {cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL};
		cr_expect_eq(validate(kv), WVL_EINVAL, "case %zu", i);
		cr_expect(strstr(wvl_error_last()->message, cases[i][4]) != NULL, "case %zu: %s", i,
			  wvl_error_last()->message);
	}
	const char *prod[] = {"WL_ENV", "production", "WL_ANTHROPIC_API_KEY", "sk-1",
			      "WL_ANTHROPIC_BASE_URL", "http://api.example", NULL};
	cr_expect_eq(validate(prod), WVL_EINVAL, "the key only over TLS in production");
	const char *ok[] = {"WL_ANTHROPIC_API_KEY", "sk-1", "WL_AI_PRICES", "300,1500,375.5,30",
			    "WL_AI_MAX_RETRIES", "0", NULL};
	cr_expect_eq(validate(ok), 0, "%s", wvl_error_last()->message);
}

Test(ai, a_request_out_of_shape_is_refused_before_anything_is_sent)
{
	wvl_ai_request r = WVL_AI_REQUEST_INIT;
	char *text = NULL;
	r.purpose = "coach";
	static const char *const bad[] = {
		"[]", "{}", "[{\"role\":\"assistant\",\"content\":\"hi\"}]",
		"[{\"role\":\"system\",\"content\":\"hi\"}]", "[{\"role\":\"user\",\"content\":\"\"}]",
		"[{\"role\":\"user\",\"content\":[1]}]", "not json"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.messages_json = bad[i];
		cr_expect_eq(wvl_ai_complete(&text, NULL, ctx, &r), WVL_EINVAL, "%s", bad[i]);
	}
	r.messages_json = "[{\"role\":\"user\",\"content\":\"hi\"}]";
	r.purpose = "Coach!";
	cr_expect_eq(wvl_ai_complete(&text, NULL, ctx, &r), WVL_EINVAL);
	r.purpose = "coach";
	r.client_id = "not-a-uuid";
	cr_expect_eq(wvl_ai_complete(&text, NULL, ctx, &r), WVL_EINVAL);
	r.client_id = NULL;
	r.max_tokens = 64001;
	cr_expect_eq(wvl_ai_complete(&text, NULL, ctx, &r), WVL_EINVAL);
	r.max_tokens = 0;
	r.version = 99;
	cr_expect_eq(wvl_ai_complete(&text, NULL, ctx, &r), WVL_EINVAL);
	cr_expect_eq(wvl_ai_complete(NULL, NULL, ctx, &r), WVL_EINVAL);
	cr_expect_eq(requests(), 0);
}

Test(ai, health_says_which_provider_is_active)
{
	char *out = NULL;
	int healthy = 0;
	/* The operator's details: the public health keeps only status and
	 * latency (API.md's pinned shape). */
	cr_assert_eq(wvl_health_details(&out, &healthy, ctx), 0);
	json_t *doc = json_loads(out, 0, NULL);
	json_t *ai = json_object_get(json_object_get(doc, "services"), "ai");
	cr_expect_str_eq(json_string_value(json_object_get(ai, "provider")), "anthropic");
	cr_expect_str_eq(json_string_value(json_object_get(ai, "status")), "ok");
	cr_expect(json_object_get(ai, "latency") != NULL, "the pinned shape keeps latency");
	json_decref(doc);
	wvl_free(out);
}

/* ---- the drafting jobs ---- */

static wvl_actor team(void)
{
	char *id = sql1("INSERT INTO users (email, name, role) VALUES ('lead@example.com', 'Lead',"
			" 'admin') ON CONFLICT DO NOTHING; SELECT id FROM users WHERE email = 'lead@example.com'");
	wvl_actor a = test_actor(WVL_ROLE_ADMIN, id, NULL);
	free(id);
	return a;
}

static char *deliverable_id(int milestone)
{
	char q[200];
	snprintf(q, sizeof(q), "SELECT id FROM deliverables WHERE client_id = '%s' AND milestone = %d",
		 client_id, milestone);
	return sql1(q);
}

static void add_deliverables(void)
{
	char q[600];
	snprintf(q, sizeof(q), "INSERT INTO deliverables (client_id, milestone, title) SELECT '%s', m,"
		 " (ARRAY['Brand strategy and positioning','Visual identity','Product development',"
		 " 'Content strategy','Store and website','Launch marketing plan','Launch execution',"
		 " 'Growth and optimisation'])[m] FROM generate_series(1, 8) m", client_id);
	free(sql1(q));
}

Test(ai, the_plan_trigger_queues_a_job_whose_run_writes_an_offline_draft_version)
{
	wvl_ctx_free(ctx);
	const char *kv[] = {"WL_ANTHROPIC_API_KEY", "", NULL};
	ctx = ai_ctx(kv);
	char q[300];
	snprintf(q, sizeof(q), "UPDATE clients SET intake = '{\"audience\":\"busy parents\","
		 "\"goals\":[\"10k subscribers\",\"a first product\"]}' WHERE id = '%s'", client_id);
	free(sql1(q));
	wvl_actor a = team();
	char *job = NULL;
	cr_assert_eq(wvl_ai_generate_plan(&job, ctx, &a, client_id), 0, "%s", wvl_error_last()->message);
	json_t *doc = json_loads(job, 0, NULL);
	json_t *j = json_object_get(doc, "job");
	cr_expect_str_eq(json_string_value(json_object_get(j, "kind")), "business_plan_generate");
	cr_expect_str_eq(json_string_value(json_object_get(j, "queue")), "automation");
	char job_id[37];
	snprintf(job_id, sizeof(job_id), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(doc);
	wvl_free(job);
	/* Asked twice while it waits: the same job. */
	cr_assert_eq(wvl_ai_generate_plan(&job, ctx, &a, client_id), 0);
	cr_expect(strstr(job, job_id) != NULL);
	wvl_free(job);
	/* Any staff member may follow a draft of client work (one job answers
	 * everyone who asks for it); the rest of the queue stays the admins'. */
	char *sid = sql1("INSERT INTO users (email, name, role) VALUES ('st@example.com', 'St',"
			 " 'staff') RETURNING id");
	wvl_actor st = test_actor(WVL_ROLE_STAFF, sid, NULL);
	free(sid);
	cr_assert_eq(wvl_jobs_get(&job, ctx, &st, job_id), 0, "%s", wvl_error_last()->message);
	cr_expect(strstr(job, "\"kind\": \"business_plan_generate\"") != NULL, "%s", job);
	wvl_free(job);
	job = NULL;
	char *other = sql1("INSERT INTO jobs (kind, args, run_at) VALUES ('noop', '{}', now())"
			   " RETURNING id");
	cr_expect_eq(wvl_jobs_get(&job, ctx, &st, other), WVL_ENOTFOUND);
	cr_expect_eq(wvl_jobs_get(&job, ctx, &a, other), 0);
	wvl_free(job);
	free(other);
	cr_expect_gt(test_run_jobs(&db, ctx, 60), 0);
	char *v = sql1("SELECT version || ':' || status || ':' || title FROM business_plans");
	cr_expect_str_eq(v, "1:draft:Business plan (AI draft)");
	free(v);
	v = sql1("SELECT (content_markdown LIKE '%Offline draft%' AND content_markdown LIKE"
		 " '%busy parents%' AND content_markdown LIKE '%10k subscribers; a first product%'"
		 " AND length(content_markdown) > 3000 AND content_html LIKE '%<h2>Audience</h2>%')::text"
		 " FROM business_plans");
	cr_expect_str_eq(v, "true");
	free(v);
	snprintf(q, sizeof(q), "SELECT state || ':' || progress || ':' || (log::text LIKE '%%drafting%%')"
		 " FROM jobs WHERE id = '%s'", job_id);
	v = sql1(q);
	cr_expect_str_eq(v, "completed:100:true");
	free(v);
	v = sql1("SELECT purpose || ':' || model FROM token_usage");
	cr_expect_str_eq(v, "business_plan:offline");
	free(v);
	/* A client user may not ask; an unknown client is not found. */
	wvl_actor c = test_actor(WVL_ROLE_CLIENT, NULL, client_id);
	cr_expect_eq(wvl_ai_generate_plan(&job, ctx, &c, client_id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_ai_generate_plan(&job, ctx, &a, "00000000-0000-4000-8000-000000000000"),
		     WVL_ENOTFOUND);
}

Test(ai, a_milestone_is_drafted_from_the_approved_plan_and_the_earlier_ones)
{
	add_deliverables();
	char q[600];
	snprintf(q, sizeof(q), "INSERT INTO business_plans (client_id, version, status, content_markdown,"
		 " approved_at) VALUES ('%s', 1, 'approved', 'PLAN-TEXT-42', now());"
		 " UPDATE deliverables SET status = 'ready', content_markdown = 'M1-TEXT-7'"
		 " WHERE client_id = '%s' AND milestone = 1", client_id, client_id);
	free(sql1(q));
	test_ai_plan(key, "[{\"reply\":\"# M2\\n\\nThe visual identity draft.\",\"pieces\":4}]");
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "automation";
	char args[120];
	snprintf(args, sizeof(args), "{\"client_id\":\"%s\",\"milestone\":2}", client_id);
	wvl_actor s = test_actor(WVL_ROLE_SYSTEM, NULL, NULL);
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &s, "deliverable_generate", args, &o), 0);
	test_run_jobs(&db, ctx, 60);
	char *did = deliverable_id(2);
	char *out = NULL;
	wvl_actor a = team();
	cr_assert_eq(wvl_deliverables_get(&out, ctx, &a, did), 0);
	json_t *d = json_loads(out, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(d, "status")), "draft");
	cr_expect_str_eq(json_string_value(json_object_get(d, "content")),
			 "# M2\n\nThe visual identity draft.");
	json_decref(d);
	wvl_free(out);
	json_t *reqs = test_ai_requests(key);
	cr_assert_eq(json_array_size(reqs), 1);
	json_t *body = json_object_get(json_array_get(reqs, 0), "body");
	const char *ask = json_string_value(json_object_get(json_array_get(
		json_object_get(body, "messages"), 0), "content"));
	cr_expect(strstr(ask, "PLAN-TEXT-42") && strstr(ask, "M1-TEXT-7") && strstr(ask, "Visual identity"),
		  "%s", ask);
	cr_expect(json_is_true(json_object_get(body, "stream")));
	const char *sys_text = json_string_value(json_object_get(json_array_get(
		json_object_get(body, "system"), 0), "text"));
	cr_expect(strstr(sys_text, "Nova Fit") != NULL, "the brief is in the cached prefix");
	json_decref(reqs);
	/* The journey's job for a milestone already drafted does nothing. */
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &s, "deliverable_generate", args, &o), 0);
	test_run_jobs(&db, ctx, 60);
	cr_expect_eq(requests(), 1);
	free(did);
}

Test(ai, a_failed_generation_leaves_the_deliverable_planned_with_the_error_in_the_job)
{
	add_deliverables();
	test_ai_plan(key, "[{\"status\":500},{\"status\":500},{\"status\":500}]");
	char *did = deliverable_id(3);
	wvl_actor a = team();
	char *job = NULL;
	cr_assert_eq(wvl_ai_generate_deliverable(&job, ctx, &a, did), 0, "%s", wvl_error_last()->message);
	wvl_free(job);
	test_run_jobs(&db, ctx, 60);
	char q[300];
	snprintf(q, sizeof(q), "SELECT d.status || ':' || j.state || ':' || (j.errors::text LIKE"
		 " '%%answered 500%%') FROM deliverables d, jobs j WHERE d.id = '%s'"
		 " AND j.kind = 'deliverable_generate'", did);
	char *v = sql1(q);
	cr_expect_str_eq(v, "planned:retryable:true");
	free(v);
	/* Ready work is not drafted again; a stranger's id is not found. */
	snprintf(q, sizeof(q), "UPDATE deliverables SET status = 'ready' WHERE id = '%s'", did);
	free(sql1(q));
	cr_expect_eq(wvl_ai_generate_deliverable(&job, ctx, &a, did), WVL_ECONFLICT);
	cr_expect_eq(wvl_ai_generate_deliverable(&job, ctx, &a, "00000000-0000-4000-8000-000000000000"),
		     WVL_ENOTFOUND);
	wvl_actor c = test_actor(WVL_ROLE_CLIENT, NULL, client_id);
	cr_expect_eq(wvl_ai_generate_deliverable(&job, ctx, &c, did), WVL_EFORBIDDEN);
	free(did);
}
