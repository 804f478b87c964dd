/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testhttp.h"

static test_db db;
static test_server srv;
static char bearer[160]; /* "Authorization: Bearer wl_pat_..." of an admin */

/* An admin's API token: requests with a user may send the full body limit. */
static void make_bearer(void)
{
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor admin = test_admin(ctx, &db, "root@example.com", "Harbor-Lantern-42!");
	char *out = NULL;
	cr_assert_eq(wvl_auth_tokens_create(&out, ctx, &admin, "{\"name\":\"t\"}"), 0);
	char *tok = test_json_member(out, "token");
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", tok);
	free(tok);
	free(out);
	wvl_ctx_free(ctx);
}

static void setup(void)
{
	test_db_create(&db);
	make_bearer();
	static const char *env[] = {"WL_CORS_ORIGINS=https://app.example.com,https://admin.example.com",
				    "WL_HTTP_BODY_LIMIT=1048576", NULL};
	test_server_start(&srv, &db, env);
}

static void teardown(void) { test_http_close(&db, &srv); }

TestSuite(http, .init = setup, .fini = teardown, .timeout = 120);

static json_t *body_json(const test_response *r)
{
	json_error_t err;
	json_t *j = json_loads(r->body, 0, &err);
	cr_assert_not_null(j, "not JSON: %s", r->body);
	return j;
}

/* Every problem body: RFC 9457 shape, our code, and nothing internal. */
static void expect_problem(const test_response *r, long status, const char *code)
{
	cr_expect_eq(r->status, status, "status %ld, body %s", r->status, r->body);
	test_expect_header(r, "Content-Type", "application/problem+json");
	json_t *j = body_json(r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "type")), "about:blank");
	cr_expect_eq(json_integer_value(json_object_get(j, "status")), status);
	cr_expect_str_eq(json_string_value(json_object_get(j, "code")), code);
	cr_expect_not_null(json_string_value(json_object_get(j, "title")));
	char *rid = test_header(r, "X-Request-Id");
	cr_expect_str_eq(json_string_value(json_object_get(j, "request_id")), rid ? rid : "?");
	free(rid);
	static const char *leaks[] = {"SELECT", "sqlstate", "postgres", "/home", "/tmp", ".c:",
				      "Traceback", "at 0x"};
	for (size_t i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
		cr_expect_null(strstr(r->body, leaks[i]), "body leaks '%s': %s", leaks[i], r->body);
	json_decref(j);
}

static void expect_security_headers(const test_response *r)
{
	static const char *want[][2] = {{"X-Content-Type-Options", "nosniff"},
					{"Referrer-Policy", "same-origin"},
					{"X-Frame-Options", "DENY"}};
	for (int i = 0; i < 3; i++) {
		char *v = test_header(r, want[i][0]);
		cr_expect_str_eq(v ? v : "(missing)", want[i][1], "%s", want[i][0]);
		free(v);
	}
}

Test(http, health_reports_services)
{
	test_response r;
	test_http(&r, &srv, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	expect_security_headers(&r);
	json_t *j = body_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "ok");
	cr_expect_not_null(json_string_value(json_object_get(j, "timestamp")));
	cr_expect_not_null(json_string_value(json_object_get(j, "version")));
	json_t *svc = json_object_get(j, "services");
	static const char *names[] = {"database", "redis", "email", "storage", "virus_scanner", "ai"};
	for (int i = 0; i < 6; i++) {
		json_t *s = json_object_get(svc, names[i]);
		cr_expect_not_null(s, "services.%s missing", names[i]);
		cr_expect_not_null(json_object_get(s, "status"));
		cr_expect_not_null(json_object_get(s, "latency"));
	}
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(svc, "database"), "status")), "ok");
	cr_expect(json_is_number(json_object_get(json_object_get(svc, "database"), "latency")));
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(svc, "redis"), "status")), "ok");
	/* No WL_ANTHROPIC_API_KEY: the offline provider drafts. */
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(svc, "ai"), "status")), "ok");
	/* Which provider is the operator's detail (/api/health/details). */
	cr_expect_null(json_object_get(json_object_get(svc, "ai"), "provider"));
	json_decref(j);
	test_response_free(&r);
}

Test(http, unknown_route_and_wrong_method)
{
	test_response r;
	test_http(&r, &srv, "GET", "/api/nope", NULL, NULL, 0);
	expect_problem(&r, 404, "not_found");
	expect_security_headers(&r);
	test_response_free(&r);
	test_http(&r, &srv, "DELETE", "/api/health", NULL, NULL, 0);
	expect_problem(&r, 405, "method_not_allowed");
	test_expect_header(&r, "Allow", "GET");
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/health/../../etc/passwd", NULL, NULL, 0);
	cr_expect_neq(r.status, 200);
	test_response_free(&r);
}

Test(http, oversized_body_is_413_from_content_length_and_stream)
{
	size_t n = 1048576 + 1;
	char *big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	/* A well-behaved client waits for 100 Continue before a large body; the
	 * server refuses from Content-Length instead, and nothing is sent. */
	const char *he[] = {"Content-Type: application/json", "Expect: 100-continue", bearer, NULL};
	test_response r;
	test_http(&r, &srv, "POST", "/api/clients", he, big, n);
	expect_problem(&r, 413, "payload_too_large");
	test_response_free(&r);
	/* Chunked: no Content-Length, refused while streaming. */
	const char *hc[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", bearer,
			    NULL};
	test_http(&r, &srv, "POST", "/api/clients", hc, big, n);
	expect_problem(&r, 413, "payload_too_large");
	test_response_free(&r);
	free(big);
	/* Exactly the limit is not refused for size: the library reads it
	 * (and refuses its content). */
	n = 1048576;
	big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	const char *h[] = {"Content-Type: application/json", bearer, NULL};
	test_http(&r, &srv, "POST", "/api/clients", h, big, n);
	expect_problem(&r, 422, "validation_failed");
	test_response_free(&r);
	free(big);
}

/* Without a user, a body is small: a stranger never makes the server
 * hold a megabyte. */
Test(http, a_strangers_body_is_small)
{
	size_t n = 16385;
	char *big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	const char *h[] = {"Content-Type: application/json", NULL};
	const char *hc[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
	test_response r;
	test_http(&r, &srv, "POST", "/api/auth/unlock", h, big, n);
	expect_problem(&r, 413, "payload_too_large");
	test_response_free(&r);
	test_http(&r, &srv, "POST", "/api/auth/unlock", hc, big, n);
	expect_problem(&r, 413, "payload_too_large");
	test_response_free(&r);
	free(big);
	/* And a request that will be refused reads no body at all. */
	test_http(&r, &srv, "POST", "/api/clients", h, "{}", 2);
	expect_problem(&r, 401, "unauthenticated");
	test_response_free(&r);
}

Test(http, malformed_json_is_400)
{
	static const char *bodies[] = {"{", "{\"a\":}", "[1,2", "nul", "{\"a\":1,\"a\":2}",
				       "{\"a\":\"\xff\xfe\"}", "\"unterminated"};
	const char *h[] = {"Content-Type: application/json", NULL};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		test_response r;
		test_http(&r, &srv, "POST", "/api/auth/unlock", h, bodies[i], strlen(bodies[i]));
		expect_problem(&r, 400, "bad_request");
		test_response_free(&r);
	}
}

Test(http, wrong_content_type_is_415)
{
	static const char *types[] = {"Content-Type: text/plain", "Content-Type: application/jsonp",
				      "Content-Type: application/x-www-form-urlencoded", NULL};
	for (int i = 0; types[i]; i++) {
		const char *h[] = {types[i], NULL};
		test_response r;
		test_http(&r, &srv, "POST", "/api/auth/unlock", h, "{}", 2);
		expect_problem(&r, 415, "unsupported_media_type");
		test_response_free(&r);
	}
	const char *ok[] = {"Content-Type: application/json; charset=utf-8", NULL};
	test_response r;
	test_http(&r, &srv, "POST", "/api/auth/unlock", ok, "{}", 2);
	expect_problem(&r, 422, "validation_failed");
	test_response_free(&r);
}

Test(http, request_id_kept_when_well_formed_else_generated)
{
	const char *good[] = {"X-Request-Id: abc.DEF_123-xyz", NULL};
	test_response r;
	test_http(&r, &srv, "GET", "/api/nope", good, NULL, 0);
	char *rid = test_header(&r, "X-Request-Id");
	cr_expect_str_eq(rid, "abc.DEF_123-xyz");
	cr_expect_not_null(strstr(r.body, "abc.DEF_123-xyz"));
	free(rid);
	test_response_free(&r);
	char longid[100];
	memset(longid, 'a', 70);
	longid[70] = '\0';
	char hdr[128];
	snprintf(hdr, sizeof(hdr), "X-Request-Id: %s", longid);
	static const char *bad_values[] = {"X-Request-Id: <script>", "X-Request-Id: a b",
					   "X-Request-Id: ../../x/y", NULL};
	for (int i = 0; i < 4; i++) {
		const char *h[] = {i < 3 ? bad_values[i] : hdr, NULL};
		test_http(&r, &srv, "GET", "/api/health", h, NULL, 0);
		rid = test_header(&r, "X-Request-Id");
		cr_assert_not_null(rid);
		cr_expect_eq(strlen(rid), 24, "generated id expected, got %s", rid);
		cr_expect_null(strchr(rid, '<'));
		free(rid);
		test_response_free(&r);
	}
	/* The id appears in the access log line. */
	cr_expect(test_server_log_contains(&srv, "\"request_id\":\"abc.DEF_123-xyz\""));
}

Test(http, cors_preflight_allowed_and_denied)
{
	const char *ok[] = {"Origin: https://app.example.com",
			    "Access-Control-Request-Method: POST",
			    "Access-Control-Request-Headers: content-type, x-csrf-token", NULL};
	test_response r;
	test_http(&r, &srv, "OPTIONS", "/api/auth/login", ok, NULL, 0);
	cr_expect_eq(r.status, 204);
	char *acao = test_header(&r, "Access-Control-Allow-Origin");
	char *acac = test_header(&r, "Access-Control-Allow-Credentials");
	char *acah = test_header(&r, "Access-Control-Allow-Headers");
	cr_expect_str_eq(acao ? acao : "", "https://app.example.com");
	cr_expect_str_eq(acac ? acac : "", "true");
	cr_expect(acah && strstr(acah, "X-CSRF-Token"));
	free(acao);
	free(acac);
	free(acah);
	test_response_free(&r);
	const char *evil[] = {"Origin: https://evil.example.net",
			      "Access-Control-Request-Method: POST", NULL};
	test_http(&r, &srv, "OPTIONS", "/api/auth/login", evil, NULL, 0);
	expect_problem(&r, 403, "forbidden");
	acao = test_header(&r, "Access-Control-Allow-Origin");
	cr_expect_null(acao, "no CORS grant for a foreign origin");
	free(acao);
	test_response_free(&r);
	/* A simple GET from an allowed origin is granted; from another, not. */
	const char *g[] = {"Origin: https://admin.example.com", NULL};
	test_http(&r, &srv, "GET", "/api/health", g, NULL, 0);
	acao = test_header(&r, "Access-Control-Allow-Origin");
	cr_expect_str_eq(acao ? acao : "", "https://admin.example.com");
	free(acao);
	test_response_free(&r);
	const char *g2[] = {"Origin: null", NULL};
	test_http(&r, &srv, "GET", "/api/health", g2, NULL, 0);
	acao = test_header(&r, "Access-Control-Allow-Origin");
	cr_expect_null(acao);
	free(acao);
	test_response_free(&r);
}

Test(http, openapi_describes_every_route)
{
	test_response r;
	test_http(&r, &srv, "GET", "/api/openapi.json", NULL, NULL, 0);
	cr_assert_eq(r.status, 200);
	json_t *doc = body_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	/* The version is the project's (meson.build), set when it is built. */
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(doc, "info"), "version")),
			 testenv("WL_TEST_VERSION"));
	json_t *paths = json_object_get(doc, "paths");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s --routes", testenv("WL_TEST_SERVER_BIN"));
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char method[16], path[512];
	int routes = 0;
	while (fscanf(p, "%15s %511s %*s", method, path) == 2) {
		routes++;
		json_t *item = json_object_get(paths, path);
		cr_expect_not_null(item, "%s missing from openapi.json", path);
		for (char *m = method; *m; m++)
			*m = (char)(*m - 'A' + 'a');
		cr_expect_not_null(item ? json_object_get(item, method) : NULL, "%s %s undocumented",
				   method, path);
	}
	pclose(p);
	cr_expect_geq(routes, 3);
	/* And the other way: every operation it describes is routed. */
	int operations = 0;
	const char *pk, *mk;
	json_t *pv, *mv;
	json_object_foreach(paths, pk, pv) {
		json_object_foreach(pv, mk, mv) {
			if (strcmp(mk, "parameters") != 0)
				operations++;
		}
	}
	cr_expect_eq(operations, routes, "%d operations described, %d routes", operations, routes);
	json_decref(doc);
	test_response_free(&r);
}

Test(http, metrics_in_prometheus_text)
{
	test_response r;
	test_http(&r, &srv, "GET", "/api/health", NULL, NULL, 0);
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/metrics", NULL, NULL, 0);
	cr_assert_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "wl_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"}"));
	cr_expect_not_null(strstr(r.body, "wl_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	cr_expect_not_null(strstr(r.body, "wl_pool_connections{pool=\"postgresql\",state=\"open\"}"));
	cr_expect_not_null(strstr(r.body, "wl_pool_size{pool=\"postgresql\"}"));
	char *ct = test_header(&r, "Content-Type");
	cr_expect(ct && strstr(ct, "text/plain"));
	free(ct);
	test_response_free(&r);
}

Test(http, access_log_is_json_and_keeps_no_secrets)
{
	const char *h[] = {"Cookie: wl_session=SECRETSESSION123", "Authorization: Bearer SECRETTOKEN456",
			   NULL};
	test_response r;
	test_http(&r, &srv, "GET", "/api/health?token=SECRETQUERY789", h, NULL, 0);
	test_response_free(&r);
	cr_expect(test_server_log_contains(&srv, "\"path\":\"/api/health\""));
	cr_expect(test_server_log_contains(&srv, "\"status\":200"));
	cr_expect_not(test_server_log_contains(&srv, "SECRETSESSION123"));
	cr_expect_not(test_server_log_contains(&srv, "SECRETTOKEN456"));
	cr_expect_not(test_server_log_contains(&srv, "SECRETQUERY789"));
	FILE *f = fopen(srv.log_path, "r");
	cr_assert_not_null(f);
	char line[8192];
	int lines = 0;
	while (fgets(line, sizeof(line), f)) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		cr_expect_not_null(j, "log line is not JSON: %s", line);
		if (j) {
			cr_expect_not_null(json_object_get(j, "level"));
			cr_expect_not_null(json_object_get(j, "time"));
			cr_expect_not_null(json_object_get(j, "request_id"));
		}
		json_decref(j);
		lines++;
	}
	fclose(f);
	cr_expect_gt(lines, 1);
}

static int raw_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

Test(http, sigterm_finishes_in_flight_requests)
{
	int fd = raw_connect(srv.port);
	const char *head = "POST /api/auth/unlock HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
			   "Content-Length: 8\r\nConnection: close\r\n\r\n{\"a\":";
	cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
	/* Wait until the server counts it in flight (headers read, body half
	 * sent): the /metrics request itself is the other one. */
	bool in_flight = false;
	for (int i = 0; i < 500 && !in_flight; i++) {
		test_response m;
		test_http(&m, &srv, "GET", "/metrics", NULL, NULL, 0);
		in_flight = strstr(m.body, "wl_http_requests_in_flight 2") != NULL;
		test_response_free(&m);
		if (!in_flight)
			usleep(2000); /* polling for readiness */
	}
	cr_assert(in_flight, "the half-sent request never became in flight");
	kill(srv.pid, SIGTERM);
	for (int i = 0; i < 500 && !test_server_log_contains(&srv, "shutting down"); i++)
		usleep(10000); /* polling for the signal to be handled */
	cr_assert(test_server_log_contains(&srv, "shutting down"));
	cr_assert_eq(write(fd, "1}\r\n", 3), 3);
	char buf[4096];
	ssize_t n, total = 0;
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	cr_expect_eq(strncmp(buf, "HTTP/1.1 422", 12), 0, "in-flight request answered: %s", buf);
	/* New connections are refused once the listener is closed. */
	int status = 0;
	waitpid(srv.pid, &status, 0);
	srv.pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(http, log_level_above_info_drops_the_access_log)
{
	static const char *env[] = {"WL_LOG_LEVEL=warn", NULL};
	test_server quiet;
	test_server_start(&quiet, &db, env);
	test_response r;
	test_http(&r, &quiet, "GET", "/api/nope", NULL, NULL, 0);
	cr_expect_eq(r.status, 404);
	test_response_free(&r);
	test_server_stop(&quiet);
	cr_expect_not(test_server_log_contains(&quiet, "\"msg\":\"request\""));
	cr_expect(test_server_log_contains(&quiet, "\"msg\":\"listening\""), "lifecycle lines stay");
}
