/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* HTTP/1.1 framing (RFC 9112): a request whose length is ambiguous is
 * refused and its connection closed, so nothing hidden behind its body
 * ever runs; Host is required once. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testhttp.h"

static test_db db;
static test_server srv;

static void setup(void) { test_http_open(&db, &srv, NULL); }
static void teardown(void) { test_http_close(&db, &srv); }

TestSuite(framing, .init = setup, .fini = teardown, .timeout = 120);

/* The hidden second request is a GET of a path that answers 404: if it
 * ever ran, a second status line shows up. */
#define HIDDEN "GET /api/hidden-by-smuggling HTTP/1.1\r\nHost: x\r\n\r\n"

static void expect_refused_and_closed(const char *req, const char *why)
{
	test_raw_result r;
	test_raw(&r, &srv, NULL, req, strlen(req), 3000);
	cr_expect_eq(r.responses, 1, "%s: %d responses: %s", why, r.responses, r.data);
	cr_expect(strncmp(r.data, "HTTP/1.1 400", 12) == 0 || strncmp(r.data, "HTTP/1.1 501", 12) == 0,
		  "%s: %s", why, r.data);
	cr_expect(r.closed, "%s: the connection stayed open", why);
	cr_expect_null(strstr(r.data, "hidden-by-smuggling"), "%s", why);
}

Test(framing, content_length_with_chunked_is_refused_and_closed)
{
	expect_refused_and_closed("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/json\r\nContent-Length: 4\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n"
				  "2\r\n{}\r\n0\r\n\r\n" HIDDEN,
				  "CL + TE");
}

Test(framing, two_content_lengths_are_refused_and_closed)
{
	expect_refused_and_closed("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/json\r\nContent-Length: 2\r\n"
				  "Content-Length: 52\r\n\r\n{}" HIDDEN,
				  "two CL");
}

Test(framing, odd_transfer_encodings_are_refused_and_closed)
{
	static const char *const te[] = {
		"Transfer-Encoding : chunked\r\n",
		"Transfer-Encoding: xchunked\r\n",
		"Transfer-Encoding: chunked, identity\r\n",
		"Transfer-Encoding: identity\r\n",
		"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
		"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
	};
	for (size_t i = 0; i < sizeof(te) / sizeof(te[0]); i++) {
		char req[1024];
		snprintf(req, sizeof(req),
			 "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			 "%s\r\n2\r\n{}\r\n0\r\n\r\n" HIDDEN, te[i]);
		expect_refused_and_closed(req, te[i]);
	}
}

Test(framing, host_is_required_exactly_once)
{
	expect_refused_and_closed("GET /api/health HTTP/1.1\r\n\r\n", "no Host");
	expect_refused_and_closed("GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
				  "two Host lines");
	test_raw_result r;
	const char *ok = "GET /api/health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	test_raw(&r, &srv, NULL, ok, strlen(ok), 3000);
	cr_expect(strncmp(r.data, "HTTP/1.1 200", 12) == 0, "%s", r.data);
}

/* A well-framed request behind a refused one is never reached, and a
 * well-framed keep-alive pair is answered twice. */
Test(framing, keep_alive_still_works)
{
	const char *two = "GET /api/health HTTP/1.1\r\nHost: a\r\n\r\n"
			  "GET /api/nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	test_raw_result r;
	test_raw(&r, &srv, NULL, two, strlen(two), 3000);
	cr_expect_eq(r.responses, 2, "%s", r.data);
	cr_expect_not_null(strstr(r.data, "HTTP/1.1 404"));
}

/* Monitors poll health often from one address: it is never rate
 * limited (it is cheap), so it never answers 429. */
Test(framing, health_is_not_rate_limited)
{
	static const char *env[] = {"WL_RATELIMIT_READ=3/15m", NULL};
	test_server s;
	test_server_start(&s, &db, env);
	for (int i = 0; i < 20; i++) {
		test_response r;
		test_http(&r, &s, "GET", "/api/health", NULL, NULL, 0);
		cr_expect_eq(r.status, 200, "poll %d: %ld", i, r.status);
		cr_expect_null(strstr(r.headers, "RateLimit-Limit"));
		test_response_free(&r);
	}
	test_response r;
	for (int i = 0; i < 4; i++) {
		test_http(&r, &s, "GET", "/api/clients", NULL, NULL, 0);
		if (i < 3)
			test_response_free(&r);
	}
	cr_expect_eq(r.status, 429, "other reads still are");
	test_response_free(&r);
	test_server_stop(&s);
}
