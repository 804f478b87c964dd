/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The error reporter (sentry.h, issue 20) against a loopback Sentry
 * endpoint (tests/common/sentry_loopback.py) that parses every envelope
 * strictly: what an event carries, redaction, the library's own error
 * lines and jobs failed for good, the rate limit and the endpoint's 429
 * pause on the injected clock, an endpoint that is down, and no DSN. */

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testclock.h"
#include "testenv.h"
#include "wavelaunch/maintenance.h"
#include "wavelaunch/sentry.h"

static test_db db;
static wvl_ctx *ctx;
static pid_t loopback = -1;
static int loopback_stdin = -1;
static int port;

/* Starts the loopback and reads its port. */
static void start_loopback(void)
{
	int in[2], out[2];
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	char script[1024];
	snprintf(script, sizeof(script), "%s/tests/common/sentry_loopback.py",
		 testenv("WL_TEST_SOURCE_DIR"));
	loopback = fork();
	cr_assert_geq(loopback, 0);
	if (loopback == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	loopback_stdin = in[1];
	FILE *f = fdopen(out[0], "r");
	cr_assert(f && fscanf(f, "%d", &port) == 1, "the loopback printed no port");
	fclose(f);
}

static wvl_ctx *ctx_with_dsn(const char *dsn)
{
	wvl_config *cfg = test_config(&db);
	if (dsn)
		cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", dsn), 0);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, test_clock_wall());
	return c;
}

static void setup(void)
{
	test_db_create(&db);
	start_loopback();
	char dsn[200];
	snprintf(dsn, sizeof(dsn), "http://0f1e2d3c@127.0.0.1:%d/42", port);
	ctx = ctx_with_dsn(dsn);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	if (loopback > 0) {
		close(loopback_stdin);
		kill(loopback, SIGTERM);
		waitpid(loopback, NULL, 0);
	}
	test_db_drop(&db);
}

TestSuite(sentry, .init = setup, .fini = teardown, .timeout = 120);

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct { char *p; size_t len; } *b = userdata;
	char *more = realloc(b->p, b->len + size * n + 1);
	cr_assert_not_null(more);
	memcpy(more + b->len, data, size * n);
	b->p = more;
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

static json_t *loopback_call(const char *method, const char *path)
{
	char url[200];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	struct { char *p; size_t len; } b = {NULL, 0};
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "POST"))
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	cr_assert_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	json_t *j = json_loads(b.p ? b.p : "null", 0, NULL);
	free(b.p);
	return j;
}

static json_t *received(void)
{
	cr_assert_eq(wvl_sentry_flush(ctx, 30000), 0, "the queue drained");
	return loopback_call("GET", "/_received");
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return json_string_value(b ? json_object_get(v, b) : v);
}

Test(sentry, an_error_goes_as_an_envelope_with_its_context_and_no_secret)
{
	cr_assert_eq(wvl_sentry_report(ctx, "wl-server", "req-7",
				      "GET /api/clients answered 500 password=hunter2 token: abc"),
		     0);
	json_t *all = received();
	cr_assert_eq(json_array_size(all), 1);
	json_t *e = json_array_get(all, 0);
	cr_expect_null(json_object_get(e, "error"), "%s", str_at(e, "error", NULL));
	cr_expect_str_eq(str_at(e, "path", NULL), "/api/42/envelope/");
	cr_expect_str_eq(str_at(e, "content_type", NULL), "application/x-sentry-envelope");
	const char *auth = str_at(e, "auth", NULL);
	cr_expect(auth && strstr(auth, "Sentry sentry_version=7") && strstr(auth, "sentry_key=0f1e2d3c"),
		  "%s", auth);
	json_t *ev = json_object_get(e, "event");
	cr_expect_str_eq(str_at(ev, "level", NULL), "error");
	cr_expect_str_eq(str_at(ev, "logger", NULL), "wl-server");
	cr_expect_str_eq(str_at(ev, "platform", NULL), "c");
	cr_expect_str_eq(str_at(ev, "tags", "request_id"), "req-7");
	char release[64];
	snprintf(release, sizeof(release), "wavelaunch@%s", wvl_version());
	cr_expect_str_eq(str_at(ev, "release", NULL), release);
	const char *msg = str_at(ev, "logentry", "formatted");
	cr_expect(msg && strstr(msg, "answered 500") && strstr(msg, "[redacted]") &&
			  !strstr(msg, "hunter2") && !strstr(msg, "abc"),
		  "%s", msg);
	const char *id = str_at(ev, "event_id", NULL);
	cr_expect(id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32);
	cr_expect_str_eq(str_at(e, "header", "event_id"), id);
	unsigned long sent = 0, dropped = 9, failed = 9;
	cr_expect_eq(wvl_sentry_stats(ctx, &sent, &dropped, &failed), 0);
	cr_expect(sent == 1 && dropped == 0 && failed == 0);
	json_decref(all);
	/* Bytes that are not UTF-8 still make a valid event. */
	cr_assert_eq(wvl_sentry_report(ctx, "wl-\xff", "r\xc3", "caf\xc3\xa9 \xe2\x82 \xed\xa0\x80!"), 0);
	all = received();
	cr_assert_eq(json_array_size(all), 2);
	ev = json_object_get(json_array_get(all, 1), "event");
	cr_expect_str_eq(str_at(ev, "logentry", "formatted"), "caf\xc3\xa9 \?\? \?\?\?!");
	cr_expect_str_eq(str_at(ev, "logger", NULL), "wl-?");
	json_decref(all);
}

/* The library's own error lines and a job that failed for good are
 * reported by themselves; warnings are not. */
Test(sentry, library_errors_and_jobs_failed_for_good_are_reported)
{
	wvl_log(ctx, WVL_LOG_WARN, "a warning stays in the log");
	wvl_log(ctx, WVL_LOG_ERROR, "scheduler: schedule x disabled: secret=shh");
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.max_attempts = 1;
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", NULL, &o), 0, "%s",
		     wvl_error_last()->message);
	wvl_job **jobs = NULL;
	size_t got = 0;
	cr_assert_eq(wvl_jobs_claim(&jobs, &got, ctx, 1, NULL), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(got, 1);
	int for_good = 0;
	cr_assert_eq(wvl_jobs_fail(&for_good, ctx, jobs[0], "the handler gave up", -1), 0);
	cr_expect_eq(for_good, 1);
	wvl_jobs_free(jobs, got);
	json_t *all = received();
	cr_assert_eq(json_array_size(all), 2, "%s", json_dumps(all, 0));
	const char *first = str_at(json_object_get(json_array_get(all, 0), "event"), "logentry",
				   "formatted");
	const char *second = str_at(json_object_get(json_array_get(all, 1), "event"), "logentry",
				    "formatted");
	cr_expect(first && strstr(first, "schedule x disabled") && !strstr(first, "shh"), "%s", first);
	char want[120];
	snprintf(want, sizeof(want), "job %s (noop) failed for good after 1 attempt(s)", id);
	cr_expect(second && strstr(second, want) && strstr(second, "the handler gave up"), "%s",
		  second);
	cr_expect_str_eq(str_at(json_object_get(json_array_get(all, 1), "event"), "logger", NULL),
			 "libwavelaunch");
	json_decref(all);
}

/* A failed post-backup command is an error line, so an event. */
Test(sentry, a_failed_post_backup_command_is_reported)
{
	char dir[] = "/tmp/wl-sentry-backup-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char dsn[200];
	snprintf(dsn, sizeof(dsn), "http://0f1e2d3c@127.0.0.1:%d/42", port);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", dsn), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_DIR", dir), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_POST_COMMAND",
				    "echo 'offsite: quota exceeded' >&2; exit 2"), 0);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, test_clock_wall());
	char *report = NULL;
	cr_expect_eq(wvl_maint_backup_database(&report, c), WVL_EUNAVAILABLE);
	cr_assert_eq(wvl_sentry_flush(c, 30000), 0, "the queue drained");
	json_t *all = loopback_call("GET", "/_received");
	bool found = false;
	for (size_t i = 0; i < json_array_size(all); i++) {
		const char *m = str_at(json_object_get(json_array_get(all, i), "event"), "logentry",
				       "formatted");
		found = found || (m && strstr(m, "post-backup command for wavelaunch-") &&
				  strstr(m, "exited with status 2; stderr: offsite: quota exceeded"));
	}
	cr_expect(found, "%s", json_dumps(all, 0));
	json_decref(all);
	wvl_ctx_free(c);
	cr_expect_eq(test_rm_rf(dir), 0);
}

/* WVL_SENTRY_BURST a minute: the rest is dropped and counted; a minute on
 * the context's clock refills the bucket. */
Test(sentry, a_burst_is_cut_to_the_rate_limit)
{
	for (int i = 0; i < 3 * WVL_SENTRY_BURST; i++)
		cr_assert_eq(wvl_sentry_report(ctx, "test", NULL, "again"), 0);
	json_t *all = received();
	cr_expect_eq(json_array_size(all), WVL_SENTRY_BURST);
	json_decref(all);
	unsigned long sent = 0, dropped = 0;
	cr_expect_eq(wvl_sentry_stats(ctx, &sent, &dropped, NULL), 0);
	cr_expect_eq(sent, WVL_SENTRY_BURST);
	cr_expect_eq(dropped, 2 * WVL_SENTRY_BURST);
	test_clock_advance(60 * TEST_SEC);
	cr_assert_eq(wvl_sentry_report(ctx, "test", NULL, "after a minute"), 0);
	all = received();
	cr_expect_eq(json_array_size(all), WVL_SENTRY_BURST + 1);
	json_decref(all);
}

/* A 429 pauses sending for its Retry-After (dropping meanwhile). */
Test(sentry, the_endpoints_429_pauses_sending)
{
	json_decref(loopback_call("POST", "/_answer?status=429&retry_after=120&count=1"));
	cr_assert_eq(wvl_sentry_report(ctx, "test", NULL, "first"), 0);
	cr_assert_eq(wvl_sentry_flush(ctx, 30000), 0);
	cr_assert_eq(wvl_sentry_report(ctx, "test", NULL, "while paused"), 0);
	json_t *all = received();
	cr_expect_eq(json_array_size(all), 1, "nothing reached it during the pause");
	json_decref(all);
	unsigned long sent = 9, dropped = 0;
	cr_expect_eq(wvl_sentry_stats(ctx, &sent, &dropped, NULL), 0);
	cr_expect(sent == 0 && dropped == 2, "sent %lu dropped %lu", sent, dropped);
	test_clock_advance(121 * TEST_SEC);
	cr_assert_eq(wvl_sentry_report(ctx, "test", NULL, "after the pause"), 0);
	all = received();
	cr_expect_eq(json_array_size(all), 2);
	json_decref(all);
}

/* An endpoint that is down costs the caller nothing: the send fails in
 * the reporter's thread and is counted. */
Test(sentry, an_endpoint_that_is_down_is_counted_not_waited_for)
{
	int dead = port;
	wvl_ctx_free(ctx);
	close(loopback_stdin);
	kill(loopback, SIGTERM);
	waitpid(loopback, NULL, 0);
	loopback = -1;
	char dsn[200];
	snprintf(dsn, sizeof(dsn), "http://0f1e2d3c@127.0.0.1:%d/42", dead);
	ctx = ctx_with_dsn(dsn);
	cr_assert_eq(wvl_sentry_report(ctx, "test", NULL, "nobody hears this"), 0);
	cr_assert_eq(wvl_sentry_flush(ctx, 30000), 0);
	unsigned long sent = 9, failed = 0;
	cr_expect_eq(wvl_sentry_stats(ctx, &sent, NULL, &failed), 0);
	cr_expect(sent == 0 && failed == 1);
}

Test(sentry, without_a_dsn_nothing_happens_and_bad_calls_are_refused)
{
	wvl_ctx *plain = ctx_with_dsn(NULL);
	cr_expect_eq(wvl_sentry_report(plain, "test", NULL, "unheard"), 0);
	cr_expect_eq(wvl_sentry_flush(plain, 0), 0);
	unsigned long sent = 9, dropped = 9, failed = 9;
	cr_expect_eq(wvl_sentry_stats(plain, &sent, &dropped, &failed), 0);
	cr_expect(sent == 0 && dropped == 0 && failed == 0);
	wvl_log(plain, WVL_LOG_ERROR, "an error without a reporter");
	wvl_ctx_free(plain);
	cr_expect_eq(wvl_sentry_report(NULL, "test", NULL, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_sentry_report(ctx, NULL, NULL, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_sentry_report(ctx, "test", NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_sentry_flush(NULL, 0), WVL_EINVAL);
	cr_expect_eq(wvl_sentry_stats(NULL, NULL, NULL, NULL), WVL_EINVAL);
	json_t *all = received();
	cr_expect_eq(json_array_size(all), 0);
	json_decref(all);
}

/* Every form of bytes that is not UTF-8 becomes '?' byte by byte
 * (overlong two-, three- and four-byte forms, past U+10FFFF, a lead byte
 * past F4), while a real four-byte character stays. */
Test(sentry, every_malformed_utf8_form_becomes_question_marks)
{
	cr_assert_eq(wvl_sentry_report(ctx, "test", NULL,
				      "a\xc0\xaf" "b\xe0\x80\xaf" "c\xf0\x8f\xbf\xbf"
				      "d\xf4\x90\x80\x80" "e\xf5\x80\x80\x80" "f\xf0\x9f\x98\x80"),
		     0);
	json_t *all = received();
	cr_assert_eq(json_array_size(all), 1);
	json_t *ev = json_object_get(json_array_get(all, 0), "event");
	cr_expect_str_eq(str_at(ev, "logentry", "formatted"),
			 "a??b???c????d????e????f\xf0\x9f\x98\x80");
	json_decref(all);
}

/* An endpoint that takes the connection and never answers: a flush with
 * a short deadline says reports are still queued; once the endpoint is
 * gone the send fails, is counted, and the queue drains. */
Test(sentry, a_flush_gives_up_at_its_deadline_while_a_send_hangs)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(lfd, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(lfd, 8), 0);
	socklen_t slen = sizeof(sin);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	char dsn[200];
	snprintf(dsn, sizeof(dsn), "http://0f1e2d3c@127.0.0.1:%d/42", ntohs(sin.sin_port));
	wvl_ctx *stuck = ctx_with_dsn(dsn);
	cr_assert_eq(wvl_sentry_report(stuck, "test", NULL, "into the void"), 0);
	cr_expect_eq(wvl_sentry_flush(stuck, 150), WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(wvl_error_last()->message, "still queued"));
	close(lfd); /* resets the connection the endpoint never accepted */
	cr_assert_eq(wvl_sentry_flush(stuck, 30000), 0);
	unsigned long sent = 9, dropped = 9, failed = 0;
	cr_expect_eq(wvl_sentry_stats(stuck, &sent, &dropped, &failed), 0);
	cr_expect(sent == 0 && dropped == 0 && failed == 1, "sent %lu dropped %lu failed %lu", sent,
		  dropped, failed);
	wvl_ctx_free(stuck);
}
