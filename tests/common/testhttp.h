/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTHTTP_H
#define WL_TESTHTTP_H

/* Starts a real wl-server for a test and drives it with libcurl. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "testenv.h"

typedef struct test_server {
	pid_t pid;
	int port;
	char base[64];
	char log_path[256];
} test_server;

/* Extra environment for the server as "KEY=value" strings, NULL-ended. */
void test_server_start(test_server *s, const test_db *db, const char *const *extra_env);
/* SIGTERM and wait; asserts a clean exit. */
void test_server_stop(test_server *s);
/* A database of the test's own (test_db_create) and a server over it; and
 * their end.  For a suite's .init and .fini. */
void test_http_open(test_db *db, test_server *s, const char *const *extra_env);
void test_http_close(test_db *db, test_server *s);
/* True when the server's log file contains `needle`. */
int test_server_log_contains(const test_server *s, const char *needle);

typedef struct test_response {
	long status;
	char *body;
	size_t body_len;
	char *headers; /* raw header block */
} test_response;

/* method, path (appended to the base URL), NULL-ended "Name: value" headers,
 * body (may be NULL) of body_len bytes.  The exchange is checked against
 * docs/openapi.json (tests/common/openapi_check.py): a status, header,
 * content type or body the document does not describe fails the test. */
void test_http(test_response *out, const test_server *s, const char *method,
	       const char *path, const char *const *headers, const char *body, size_t body_len);
/* Like test_http but asserting nothing (threads call it): the status, or
 * -1 when the exchange failed.  `chunked` sends the body in chunks without
 * a Content-Length.  Waits for the answer up to 60 s. */
long test_http_try(test_response *out, const test_server *s, const char *method,
		   const char *path, const char *const *headers, const char *body,
		   size_t body_len, bool chunked);
/* The value of a response header (case-insensitive name) as a malloc'd
 * string, or NULL. */
char *test_header(const test_response *r, const char *name);
/* Expects header `name` of `r` to be `want` ("(none)" when it is missing). */
void test_expect_header(const test_response *r, const char *name, const char *want);
void test_response_free(test_response *r);

/* ---- signing in ---- */

/* What a browser sends back after signing in. */
typedef struct test_session {
	char cookie[512];     /* "Cookie: wl_session=...; wl_csrf=..." */
	char csrf[200];       /* "X-CSRF-Token: ..." */
	char session[128];    /* the wl_session value alone */
	char csrf_token[128]; /* the wl_csrf value alone */
	char device[256];     /* the wl_device value, "" when none was set */
} test_session;

/* POST /api/auth/login with {"email", "password"} and `extra_header`
 * ("Name: value", may be NULL); the answer in `*r` (test_response_free).
 * Returns its status. */
long test_login_attempt(test_response *r, const test_server *s, const char *email,
			const char *password, const char *extra_header);
/* The session a successful login's answer set (wl_session and wl_csrf
 * must be there: asserted). */
void test_session_from(test_session *out, const test_response *r);
/* Signs in (asserted to succeed) and returns the session in `*out`. */
void test_login(test_session *out, const test_server *s, const char *email,
		const char *password);

/* The value of cookie `name` set by `r` and, when `line` is not NULL, the
 * text of its Set-Cookie header; 0 when `r` does not set it. */
int test_set_cookie(const test_response *r, const char *name, char *value, size_t vlen,
		    char *line, size_t llen);

/* A free TCP port on 127.0.0.1, for a service a test starts itself. */
int test_free_port(void);

/* What a raw exchange saw: the bytes the server sent (NUL-terminated,
 * cut at `cap`), how many responses they hold ("HTTP/1.1 " lines), and
 * whether the server closed the connection within the wait. */
typedef struct test_raw_result {
	char data[16384];
	size_t len;
	int responses;
	int closed;
} test_raw_result;

/* Connects from `source_ip` (NULL: 127.0.0.1), sends `len` bytes as they
 * are, and reads until the server closes or `wait_ms` pass without a byte. */
void test_raw(test_raw_result *out, const test_server *s, const char *source_ip,
	      const char *bytes, size_t len, int wait_ms);
/* A connected socket to the server from `source_ip` (NULL: 127.0.0.1). */
int test_raw_connect(const test_server *s, const char *source_ip);

#endif
