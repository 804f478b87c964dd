/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTHTTP_H
#define WL_TESTHTTP_H

/* Starts a real wl-server for a test and drives it with libcurl. */

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
/* True when the server's log file contains `needle`. */
int test_server_log_contains(const test_server *s, const char *needle);

typedef struct test_response {
	long status;
	char *body;
	size_t body_len;
	char *headers; /* raw header block */
} test_response;

/* method, path (appended to the base URL), NULL-ended "Name: value" headers,
 * body (may be NULL) of body_len bytes. */
void test_http(test_response *out, const test_server *s, const char *method,
	       const char *path, const char *const *headers, const char *body, size_t body_len);
/* The value of a response header (case-insensitive name) as a malloc'd
 * string, or NULL. */
char *test_header(const test_response *r, const char *name);
void test_response_free(test_response *r);

#endif
