/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "testhttp.h"

int test_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int can_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

void test_server_start(test_server *s, const test_db *db, const char *const *extra_env)
{
	memset(s, 0, sizeof(*s));
	s->port = test_free_port();
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	snprintf(s->log_path, sizeof(s->log_path), "/tmp/wl-server-test-%d-%d.log", (int)getpid(),
		 s->port);
	char listen[64];
	snprintf(listen, sizeof(listen), "WL_LISTEN=127.0.0.1:%d", s->port);
	const char *binary = testenv("WL_TEST_SERVER_BIN");
	/* Fast hashing keeps the suite quick, as in test_config. */
	static const char *const defaults[] = {"WL_STORAGE_DIR=/tmp", "WL_ARGON2_MEMORY_KIB=8192",
					       "WL_ARGON2_ITERATIONS=1", "WL_HTTP_THREADS=2", NULL};
	/* Each server counts its own rate limits unless a test shares them. */
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "WL_REDIS_PREFIX=t%d_%d:", (int)getpid(), s->port);
	test_proc_env env;
	test_proc_env_init(&env, db);
	test_proc_env_add(&env, listen);
	test_proc_env_add_all(&env, defaults);
	test_proc_env_add(&env, prefix);
	test_proc_env_add_all(&env, extra_env);
	pid_t pid = test_spawn(binary, s->log_path, &env);
	s->pid = pid;
	for (int i = 0; i < 400; i++) {
		if (can_connect(s->port))
			return;
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			cr_assert_fail("wl-server exited during start (see %s)", s->log_path);
		usleep(25000); /* polling for readiness, not waiting out a timeout */
	}
	cr_assert_fail("wl-server did not listen on %d", s->port);
}

void test_server_stop(test_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	int status = 0;
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "wl-server did not exit cleanly (status %d); log: %s", status, s->log_path);
}

void test_http_open(test_db *db, test_server *s, const char *const *extra_env)
{
	test_db_create(db);
	test_server_start(s, db, extra_env);
}

void test_http_close(test_db *db, test_server *s)
{
	test_server_stop(s);
	test_db_drop(db);
}

int test_server_log_contains(const test_server *s, const char *needle)
{
	FILE *f = fopen(s->log_path, "r");
	if (!f)
		return 0;
	char line[8192];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

struct buf {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;
	size_t add = size * n;
	char *d = realloc(b->data, b->len + add + 1);
	if (!d)
		return 0;
	b->data = d;
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_body(char *dst, size_t size, size_t n, void *userdata)
{
	struct reader *r = userdata;
	size_t k = size * n < r->left ? size * n : r->left;
	if (k > 7000)
		k = 7000; /* several chunks */
	memcpy(dst, r->p, k);
	r->p += k;
	r->left -= k;
	return k;
}

/* One exchange; `out` is filled whatever happens (status 0 when curl
 * failed). */
static CURLcode perform(test_response *out, const test_server *s, const char *method,
			const char *path, const char *const *headers, const char *body,
			size_t body_len, bool chunked, long timeout_s)
{
	memset(out, 0, sizeof(*out));
	CURL *c = curl_easy_init();
	if (!c) {
		out->body = strdup("");
		out->headers = strdup("");
		return CURLE_FAILED_INIT;
	}
	char url[2048];
	snprintf(url, sizeof(url), "%s%s", s->base, path);
	struct buf b = {0}, h = {0};
	struct reader rd = {body, body_len};
	struct curl_slist *hl = NULL;
	bool expect = false;
	for (const char *const *p = headers; p && *p; p++) {
		hl = curl_slist_append(hl, *p);
		expect |= strncasecmp(*p, "Expect:", 7) == 0;
	}
	if (!expect) /* no 100-continue round trip unless a test asks for it */
		hl = curl_slist_append(hl, "Expect:");
	if (chunked)
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	if (chunked) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	} else if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = b.data ? b.data : strdup("");
	out->body_len = b.len;
	out->headers = h.data ? h.data : strdup("");
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc;
}

static char *base64(const char *p, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	cr_assert_not_null(out);
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0) |
			     (i + 2 < n ? u[i + 2] : 0);
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* Sends the exchange to tests/common/openapi_check.py (scripts/test runs
 * it on the socket in WL_TEST_OPENAPI_SOCK) and fails the test with what
 * it finds: an undocumented status, header or content type, a body its
 * schema refuses, or a success the request's description does not allow. */
static void openapi_check(const test_response *r, const char *method, const char *path,
			  const char *const *headers, const char *body, size_t body_len)
{
	const char *sock = testenv("WL_TEST_OPENAPI_SOCK");
	json_t *req_headers = json_array();
	for (const char *const *h = headers; h && *h; h++)
		json_array_append_new(req_headers, json_string(*h));
	char *rq = body ? base64(body, body_len) : NULL;
	char *rs = base64(r->body, r->body_len);
	json_t *x = json_pack("{s:s,s:s,s:o,s:s?,s:i,s:s,s:s}", "method", method, "path", path,
			      "request_headers", req_headers, "request_body", rq, "status",
			      (int)r->status, "headers", r->headers, "body", rs);
	char *text = x ? json_dumps(x, JSON_COMPACT) : NULL;
	json_decref(x);
	free(rq);
	free(rs);
	cr_assert_not_null(text, "%s %s: the exchange could not be encoded", method, path);

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	cr_assert_lt(strlen(sock), sizeof(a.sun_path), "WL_TEST_OPENAPI_SOCK is too long");
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0,
		     "the OpenAPI checker does not answer on %s", sock);
	size_t len = strlen(text);
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
		cr_assert_gt(n, 0, "sending to the OpenAPI checker");
		off += (size_t)n;
	}
	free(text);
	shutdown(fd, SHUT_WR);
	struct buf verdict = {0};
	char chunk[4096];
	ssize_t n;
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
		collect(chunk, 1, (size_t)n, &verdict);
	close(fd);
	const char *v = verdict.data ? verdict.data : "(no answer)";
	bool ok = strcmp(v, "ok") == 0;
	if (!ok)
		cr_log_error("%s %s (%ld) breaks docs/openapi.json:\n%s", method, path, r->status, v);
	free(verdict.data);
	/* An expectation, not an assertion: the test goes on and every exchange
	 * that breaks the document is reported. */
	cr_expect(ok, "%s %s (%ld) breaks docs/openapi.json (see above)", method, path, r->status);
}

void test_http(test_response *out, const test_server *s, const char *method, const char *path,
	       const char *const *headers, const char *body, size_t body_len)
{
	CURLcode rc = perform(out, s, method, path, headers, body, body_len, false, 30);
	cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
	openapi_check(out, method, path, headers, body, body_len);
}

long test_http_try(test_response *out, const test_server *s, const char *method, const char *path,
		   const char *const *headers, const char *body, size_t body_len, bool chunked)
{
	if (perform(out, s, method, path, headers, body, body_len, chunked, 60) != CURLE_OK)
		out->status = -1;
	return out->status;
}

char *test_header(const test_response *r, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = r->headers; line && *line;) {
		const char *end = strstr(line, "\r\n");
		if (!end)
			break;
		if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			return strndup(v, (size_t)(end - v));
		}
		line = end + 2;
	}
	return NULL;
}

void test_expect_header(const test_response *r, const char *name, const char *want)
{
	char *v = test_header(r, name);
	cr_expect_str_eq(v ? v : "(none)", want, "%s", name);
	free(v);
}

void test_response_free(test_response *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

long test_login_attempt(test_response *r, const test_server *s, const char *email,
			const char *password, const char *extra_header)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
	const char *h[] = {"Content-Type: application/json", extra_header, NULL};
	test_http(r, s, "POST", "/api/auth/login", h, body, strlen(body));
	return r->status;
}

int test_set_cookie(const test_response *r, const char *name, char *value, size_t vlen,
		    char *line, size_t llen)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "Set-Cookie: %s=", name);
	const char *p = strstr(r->headers, needle);
	if (!p)
		return 0;
	const char *v = p + strlen(needle), *end = strstr(p, "\r\n");
	snprintf(value, vlen, "%.*s", (int)strcspn(v, ";\r"), v);
	if (line)
		snprintf(line, llen, "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
	return 1;
}

void test_session_from(test_session *out, const test_response *r)
{
	memset(out, 0, sizeof(*out));
	cr_assert(test_set_cookie(r, "wl_session", out->session, sizeof(out->session), NULL, 0),
		  "no wl_session cookie");
	cr_assert(test_set_cookie(r, "wl_csrf", out->csrf_token, sizeof(out->csrf_token), NULL, 0),
		  "no wl_csrf cookie");
	test_set_cookie(r, "wl_device", out->device, sizeof(out->device), NULL, 0);
	snprintf(out->cookie, sizeof(out->cookie), "Cookie: wl_session=%s; wl_csrf=%s", out->session,
		 out->csrf_token);
	snprintf(out->csrf, sizeof(out->csrf), "X-CSRF-Token: %s", out->csrf_token);
}

void test_login(test_session *out, const test_server *s, const char *email, const char *password)
{
	test_response r;
	test_login_attempt(&r, s, email, password, NULL);
	cr_assert_eq(r.status, 200, "login %s: %s", email, r.body);
	test_session_from(out, &r);
	test_response_free(&r);
}

int test_raw_connect(const test_server *s, const char *source_ip)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	if (source_ip) {
		struct sockaddr_in src = {.sin_family = AF_INET};
		cr_assert_eq(inet_pton(AF_INET, source_ip, &src.sin_addr), 1);
		cr_assert_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0, "bind %s", source_ip);
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void test_raw(test_raw_result *out, const test_server *s, const char *source_ip,
	      const char *bytes, size_t len, int wait_ms)
{
	memset(out, 0, sizeof(*out));
	int fd = test_raw_connect(s, source_ip);
	cr_assert_geq(fd, 0, "connect");
	cr_assert_eq(send(fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, wait_ms) <= 0)
			break; /* quiet for wait_ms: still open */
		ssize_t n = recv(fd, out->data + out->len, sizeof(out->data) - 1 - out->len, 0);
		if (n <= 0) {
			out->closed = 1;
			break;
		}
		out->len += (size_t)n;
		if (out->len == sizeof(out->data) - 1)
			break;
	}
	out->data[out->len] = '\0';
	/* Responses one after the other: a status line, headers, and a body
	 * of its Content-Length. */
	for (const char *p = out->data; p && strncmp(p, "HTTP/1.1 ", 9) == 0;) {
		out->responses++;
		const char *end = strstr(p, "\r\n\r\n"), *cl = strcasestr(p, "\r\nContent-Length:");
		if (!end)
			break;
		size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
		p = end + 4 + body <= out->data + out->len ? end + 4 + body : NULL;
	}
	close(fd);
}
