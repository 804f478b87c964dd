/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* GET /api/notifications/stream (Server-Sent Events) against a real
 * wl-server: an event within a second of the commit and nothing of
 * another user's; Last-Event-ID resumes without loss or repeats; a server
 * stop and a PostgreSQL restart end streams cleanly and a reconnect misses
 * nothing; idle streams hold no thread each.  Restarts the shared
 * PostgreSQL: meson runs this file alone (is_parallel: false). */

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testhttp.h"

#define CLIENT_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define USER_A "aaaaaaaa-0000-4000-8000-0000000000a1"
#define USER_B "bbbbbbbb-0000-4000-8000-0000000000b1"

static test_db db;
static test_server srv;
static char cookie[256];

static void setup(void)
{
	test_db_create(&db);
	wvl_ctx *ctx = test_ctx(&db);
	char *hash = NULL;
	cr_assert_eq(wvl_auth_password_hash(&hash, ctx, "Copper-Meadow-31!"), 0);
	wvl_ctx_free(ctx);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "SELECT set_config('wvl.actor_role', 'system', false);"
		 "INSERT INTO clients (id, name) VALUES ('" CLIENT_A "', 'A');"
		 "INSERT INTO users (id, email, role, client_id, password_hash) VALUES"
		 " ('" USER_A "', 'a@example.test', 'client', '" CLIENT_A "', '%s'),"
		 " ('" USER_B "', 'b@example.test', 'staff', NULL, '%s')",
		 hash, hash);
	wvl_free(hash);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	test_server_start(&srv, &db, NULL);
	const char *body = "{\"email\":\"a@example.test\",\"password\":\"Copper-Meadow-31!\"}";
	const char *h[] = {"Content-Type: application/json", NULL};
	test_response r;
	test_http(&r, &srv, "POST", "/api/auth/login", h, body, strlen(body));
	cr_assert_eq(r.status, 200, "%s", r.body);
	const char *sc = strstr(r.headers, "Set-Cookie: wl_session=");
	cr_assert_not_null(sc);
	snprintf(cookie, sizeof(cookie), "Cookie: wl_session=%.*s", (int)strcspn(sc + 23, ";\r"),
		 sc + 23);
	test_response_free(&r);
}

static void teardown(void)
{
	test_server_stop(&srv);
	test_db_drop(&db);
}

TestSuite(notify_http, .init = setup, .fini = teardown, .timeout = 180);

/* A notification for `user`, committed; its id (the caller frees). */
static char *notify(const char *user, const char *title)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role = 'system';"
		 " INSERT INTO notifications (user_id, type, title) VALUES ('%s', 'test', '%s')"
		 " RETURNING id",
		 user, title);
	char *id = test_sql_value(db.owner_url, sql);
	cr_assert_not_null(id);
	return id;
}

struct sse {
	int fd;
	char data[65536];
	size_t len;
	bool closed;
};

static void sse_open(struct sse *s, const char *last_id)
{
	memset(s, 0, sizeof(*s));
	s->fd = test_raw_connect(&srv, NULL);
	cr_assert_geq(s->fd, 0);
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "GET /api/notifications/stream HTTP/1.1\r\nHost: t\r\n%s\r\n"
			 "Accept: text/event-stream\r\n%s%s%s\r\n",
			 cookie, last_id ? "Last-Event-ID: " : "", last_id ? last_id : "",
			 last_id ? "\r\n" : "");
	cr_assert_eq(send(s->fd, req, (size_t)n, MSG_NOSIGNAL), n);
}

/* Reads until `needle` shows up or the stream closes; false after `ms`. */
static bool sse_until(struct sse *s, const char *needle, int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (needle && memmem(s->data, s->len, needle, strlen(needle)))
			return true;
		if (s->closed)
			return !needle;
		clock_gettime(CLOCK_MONOTONIC, &t);
		int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd p = {s->fd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return false;
		ssize_t n = recv(s->fd, s->data + s->len, sizeof(s->data) - 1 - s->len, 0);
		if (n <= 0)
			s->closed = true;
		else
			s->len += (size_t)n;
		s->data[s->len] = '\0';
	}
}

static int count_of(const struct sse *s, const char *needle)
{
	int n = 0;
	for (const char *p = s->data; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

Test(notify_http, an_event_within_a_second_and_nothing_of_others)
{
	struct sse s;
	sse_open(&s, NULL);
	cr_assert(sse_until(&s, ": connected", 5000), "no first comment: %s", s.data);
	cr_expect_not_null(strstr(s.data, "Content-Type: text/event-stream"), "%s", s.data);
	char *theirs = notify(USER_B, "for B only");
	char *mine = notify(USER_A, "for A");
	char want[64];
	snprintf(want, sizeof(want), "id: %s", mine);
	cr_expect(sse_until(&s, want, 1000), "not within a second of the commit: %s", s.data);
	cr_expect(sse_until(&s, "for A", 1000));
	cr_expect_null(strstr(s.data, "for B only"));
	cr_expect_null(strstr(s.data, theirs));
	close(s.fd);
	free(theirs);
	free(mine);
}

Test(notify_http, last_event_id_resumes_without_loss_or_repeats)
{
	struct sse s;
	sse_open(&s, NULL);
	cr_assert(sse_until(&s, ": connected", 5000));
	char *first = notify(USER_A, "first");
	cr_assert(sse_until(&s, "first", 2000));
	close(s.fd);
	char *second = notify(USER_A, "second"), *third = notify(USER_A, "third");
	sse_open(&s, first);
	cr_assert(sse_until(&s, "third", 2000), "%s", s.data);
	cr_expect_eq(count_of(&s, "event: notification"), 2, "%s", s.data);
	cr_expect_null(strstr(s.data, "\"first\""), "no repeat: %s", s.data);
	cr_expect_lt(strstr(s.data, "second") - s.data, strstr(s.data, "third") - s.data,
		     "in order");
	close(s.fd);
	free(first);
	free(second);
	free(third);
}

Test(notify_http, a_postgres_restart_ends_streams_and_a_reconnect_misses_nothing)
{
	struct sse s;
	sse_open(&s, NULL);
	cr_assert(sse_until(&s, ": connected", 5000));
	char *before = notify(USER_A, "before the restart");
	cr_assert(sse_until(&s, "before the restart", 2000));
	test_pg_ctl("restart");
	cr_expect(sse_until(&s, NULL, 15000), "the stream did not end: %s", s.data);
	cr_expect_not_null(strstr(s.data, "0\r\n\r\n"), "ended cleanly (last chunk)");
	close(s.fd);
	char *after = notify(USER_A, "after the restart");
	sse_open(&s, before);
	cr_expect(sse_until(&s, "after the restart", 5000), "%s", s.data);
	close(s.fd);
	free(before);
	free(after);
}

Test(notify_http, a_server_stop_ends_streams_cleanly)
{
	struct sse s;
	sse_open(&s, NULL);
	cr_assert(sse_until(&s, ": connected", 5000));
	test_server_stop(&srv);
	cr_expect(sse_until(&s, NULL, 15000), "the stream did not end");
	cr_expect_not_null(strstr(s.data, "0\r\n\r\n"), "ended cleanly (last chunk)");
	close(s.fd);
	test_server_start(&srv, &db, NULL); /* for the teardown */
}

static int threads_of(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	int n = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			n = atoi(line + 8);
	if (f)
		fclose(f);
	return n;
}

Test(notify_http, idle_streams_hold_no_thread_each)
{
	int before = threads_of(srv.pid);
	enum { N = 200 };
	static struct sse s[N];
	for (int i = 0; i < N; i++) {
		sse_open(&s[i], NULL);
		cr_assert(sse_until(&s[i], ": connected", 5000), "stream %d", i);
	}
	int during = threads_of(srv.pid);
	cr_expect_lt(during - before, 8, "%d threads for %d streams (from %d)", during, N, before);
	char *id = notify(USER_A, "to everyone of A");
	for (int i = 0; i < N; i++)
		cr_expect(sse_until(&s[i], "to everyone of A", 5000), "stream %d", i);
	for (int i = 0; i < N; i++)
		close(s[i].fd);
	free(id);
}
