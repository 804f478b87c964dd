/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the credentials a stranger sends in headers: the Cookie header
 * as libmicrohttpd takes it apart (a real daemon, mhdfix.c), then what is
 * ours: the session cookie's way into wvl_auth_session and
 * wvl_auth_session_cached (and logout), the bearer token's into
 * wvl_auth_bearer, and the device cookie's check at login.
 *
 * Input: a mode byte (bit 0: the rest is the Authorization header's
 * value, else the Cookie header's), then the header value, which may hold
 * line breaks and so further headers.  For every input: no crash or
 * sanitizer report, and
 *  - a token without our shape (40-64 characters of base64url, after
 *    "wl_pat_" for a bearer token) is refused as 401 before any database
 *    is asked, and the actor stays anonymous; one with our shape goes to
 *    the database (unreachable here: 503), never anywhere else;
 *  - a device cookie is taken only when it is exactly the cookie the
 *    library issues for that device and email; the cookie issued for the
 *    value's first 32 bytes as a device id is taken back for that email
 *    (when the id can be one: 8-32 bytes without '.') and for no other.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "fuzz.h"
#include "mhdfix.h"

#define EMAIL "someone@example.com"

static bool shape_ok(const char *t)
{
	size_t n = strlen(t);
	if (n < 40 || n > 64)
		return false;
	return strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static void expect_refused_or_asked(int rc, bool asked, const wvl_actor *a, const char *what,
				    const char *tok)
{
	if (asked) {
		FUZZ_CHECK(rc == WVL_EUNAVAILABLE, "cookies: %s: \"%.80s\" gave %d, want 503", what,
			   tok, rc);
	} else {
		FUZZ_CHECK(rc == WVL_EUNAUTHENTICATED, "cookies: %s: \"%.80s\" gave %d, want 401",
			   what, tok, rc);
	}
	FUZZ_CHECK(a->role == WVL_ROLE_ANONYMOUS && !a->user_id[0] && !a->session_check[0],
		   "cookies: %s: an actor came out of a refused token", what);
}

static void check_session(const char *tok)
{
	bool asked = shape_ok(tok);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	int rc = wvl_auth_session(&a, &info, fuzz_ctx(), tok);
	expect_refused_or_asked(rc, asked, &a, "session", tok);
	rc = wvl_auth_session_cached(&a, &info, fuzz_ctx(), tok);
	expect_refused_or_asked(rc, asked, &a, "remembered session", tok);
	rc = wvl_auth_logout(fuzz_ctx(), tok);
	FUZZ_CHECK(asked ? rc == WVL_EUNAVAILABLE : rc == 0, "cookies: logout of \"%.80s\": %d", tok,
		   rc);
}

static void check_bearer(const char *tok)
{
	bool asked = !strncmp(tok, "wl_pat_", 7) && shape_ok(tok + 7);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	int rc = wvl_auth_bearer(&a, fuzz_ctx(), tok);
	expect_refused_or_asked(rc, asked, &a, "bearer", tok);
}

static void check_device(const char *cookie)
{
	char id[40];
	wvl_auth__device_cookie_check(fuzz_ctx(), cookie, EMAIL, id);
	if (id[0]) {
		char *want = wvl_auth__device_cookie_make(fuzz_ctx(), EMAIL, id);
		FUZZ_CHECK(!strcmp(want, cookie), "cookies: device cookie \"%s\" taken as %s", cookie,
			   id);
		free(want);
	}
	/* One we issue for a device id made of the value. */
	char dev[33];
	snprintf(dev, sizeof(dev), "%s", cookie);
	char *mine = wvl_auth__device_cookie_make(fuzz_ctx(), EMAIL, dev);
	size_t n = strlen(dev);
	bool can_be = n >= 8 && !strchr(dev, '.');
	wvl_auth__device_cookie_check(fuzz_ctx(), mine, EMAIL, id);
	FUZZ_CHECK(can_be ? !strcmp(id, dev) : !id[0], "cookies: our device cookie for \"%s\" read as \"%s\"",
		   dev, id);
	wvl_auth__device_cookie_check(fuzz_ctx(), mine, "other@example.com", id);
	FUZZ_CHECK(!id[0], "cookies: a device cookie taken for another email");
	free(mine);
}

static void on_headers(struct MHD_Connection *conn, const char *method, const char *url,
		       void *cls)
{
	(void)method;
	(void)url;
	(void)cls;
	/* As admission.c and routes_auth.c read them. */
	const char *session = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "wl_session");
	const char *device = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "wl_device");
	const char *authz = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0)
		check_bearer(authz + 7);
	else if (session && *session)
		check_session(session);
	if (device)
		check_device(device);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in);
	size_t len;
	char *value = fuzz_rest(&in, &len);
	const char *name = mode & 1 ? "Authorization" : "Cookie";
	size_t cap = len + 128;
	char *req = malloc(cap);
	int head = snprintf(req, cap, "GET /api/auth/me HTTP/1.1\r\nHost: app.example\r\n%s: ", name);
	memcpy(req + head, value, len);
	memcpy(req + head + len, "\r\n\r\n", 4);
	mhdfix_run(req, (size_t)head + len + 4, on_headers, NULL);
	/* The value itself, as if it had come through whole. */
	if (!memchr(value, '\0', len)) {
		check_device(value);
		check_session(value);
	}
	free(req);
	free(value);
	return 0;
}
