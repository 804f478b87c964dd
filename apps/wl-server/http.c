/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The libmicrohttpd glue: a request's state across libmicrohttpd's calls
 * (request id, client address, the body up to its limit or streamed),
 * the standard headers, and the in-flight count a graceful stop waits
 * for.  What a request means is dispatch.c's business. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../common/peer.h"
#include "access_log.h"
#include "admission.h"
#include "compress.h"
#include "dispatch.h"
#include "guard.h"
#include "http.h"

struct req_state {
	struct wl_request req;
	size_t cap, limit;
	bool too_large;
	struct timespec t0;
	/* The route admitted on the first call, on the headers alone. */
	const struct wl_route *route;
	struct wl_response early; /* what admission set (RateLimit-* headers) */
	bool answer_ready;        /* `early` is the answer (a refused login) */
	char scratch[1024]; /* the path split for routing: params point here */
};

static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_zero = PTHREAD_COND_INITIALIZER;
static unsigned long inflight;

/* ---- request set-up ---- */

static bool request_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void make_request_id(char *out, size_t len, const char *incoming)
{
	if (request_id_ok(incoming)) {
		snprintf(out, len, "%s", incoming);
		return;
	}
	unsigned char raw[12];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		memset(raw, 0, sizeof(raw));
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	for (; i < sizeof(raw) && 2 * i + 2 < len; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * i] = '\0';
}

struct xff_join {
	char buf[4096];
	size_t len;
};

static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	(void)kind;
	struct xff_join *j = cls;
	if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
		int n = snprintf(j->buf + j->len, sizeof(j->buf) - j->len, "%s%s", j->len ? "," : "",
				 value);
		if (n > 0 && (size_t)n < sizeof(j->buf) - j->len)
			j->len += (size_t)n;
	}
	return MHD_YES;
}

/* X-Forwarded-For counts only from WL_TRUSTED_PROXIES (the library
 * decides); every such header counts, joined in order. */
static void client_ip(struct wl_request *req)
{
	char peer[64];
	app_peer_ip(req->conn, peer, sizeof(peer));
	snprintf(req->peer_ip, sizeof(req->peer_ip), "%s", peer);
	struct xff_join xff = {.len = 0};
	xff.buf[0] = '\0';
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, join_xff, &xff);
	if (wvl_ratelimit_client_ip(req->client_ip, sizeof(req->client_ip), req->srv->ctx, peer,
				    xff.len ? xff.buf : NULL) != 0)
		snprintf(req->client_ip, sizeof(req->client_ip), "%s", peer);
}

static struct req_state *start_request(struct wl_server *srv, struct MHD_Connection *conn,
				       const char *url, const char *method)
{
	struct req_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
	st->req.srv = srv;
	st->req.conn = conn;
	st->req.method = method;
	st->req.path = url;
	make_request_id(st->req.request_id, sizeof(st->req.request_id),
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id"));
	client_ip(&st->req);
	pthread_mutex_lock(&inflight_lock);
	inflight++;
	pthread_mutex_unlock(&inflight_lock);
	return st;
}

static bool append_body(struct req_state *st, size_t limit, const char *data, size_t n)
{
	if (st->req.body_len + n > limit)
		return false;
	if (st->req.body_len + n + 1 > st->cap) {
		size_t cap = st->cap ? st->cap : 4096;
		while (cap < st->req.body_len + n + 1)
			cap *= 2;
		char *b = realloc(st->req.body, cap);
		if (!b)
			return false;
		st->req.body = b;
		st->cap = cap;
	}
	memcpy(st->req.body + st->req.body_len, data, n);
	st->req.body_len += n;
	st->req.body[st->req.body_len] = '\0';
	return true;
}

/* ---- answering ---- */

/* A header the handler did not set itself: one value per name, so a
 * download's sandboxing CSP is the only CSP it carries. */
static void add_default(struct MHD_Response *r, const char *name, const char *value)
{
	if (!MHD_get_response_header(r, name))
		MHD_add_response_header(r, name, value);
}

static void add_standard_headers(struct wl_request *req, struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Request-Id", req->request_id);
	add_default(r, "X-Content-Type-Options", "nosniff");
	add_default(r, "Referrer-Policy", "same-origin");
	add_default(r, "X-Frame-Options", "DENY");
	add_default(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	/* Public over HTTPS (served so here, or WL_PUBLIC_URL says so behind a
	 * proxy): browsers keep to HTTPS for a year. */
	if (req->srv->secure_cookies)
		add_default(r, "Strict-Transport-Security", "max-age=31536000");
	const char *origin = wl_req_header(req, "Origin");
	if (wl_origin_listed(req->srv, origin)) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
		MHD_add_response_header(r, "Access-Control-Allow-Credentials", "true");
		MHD_add_response_header(r, "Access-Control-Expose-Headers",
					"X-Request-Id, Retry-After, RateLimit-Limit, "
					"RateLimit-Remaining, RateLimit-Reset");
	}
	MHD_add_response_header(r, "Vary", "Origin");
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct MHD_Response *make_response(struct wl_response *resp)
{
	if (resp->reader) /* libmicrohttpd owns the reader's state from here */
		return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, resp->reader,
							 resp->reader_cls, resp->reader_free);
	if (!resp->has_fd)
		return MHD_create_response_from_buffer(resp->body_len, resp->body,
						       resp->body_static ? MHD_RESPMEM_PERSISTENT
									 : MHD_RESPMEM_MUST_FREE);
	struct MHD_Response *r = MHD_create_response_from_fd64(resp->fd_len, resp->fd);
	if (r)
		return r;
	close(resp->fd);
	resp->status = 500;
	resp->content_type = NULL;
	return MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
}

/* Queues `resp` (whose body and headers it takes over), counts and logs. */
static enum MHD_Result respond(struct req_state *st, struct wl_response *rs)
{
	struct wl_request *req = &st->req;
	struct wl_response resp = *rs;
	wl_compress_response(req, &resp);
	struct MHD_Response *r = make_response(&resp);
	if (resp.content_type)
		MHD_add_response_header(r, "Content-Type", resp.content_type);
	for (int i = 0; i < resp.nheaders; i++) {
		MHD_add_response_header(r, resp.headers[i].name, resp.headers[i].value);
		free(resp.headers[i].name);
		free(resp.headers[i].value);
	}
	add_standard_headers(req, r);
	if (resp.close)
		MHD_add_response_header(r, "Connection", "close");
	enum MHD_Result ok = MHD_queue_response(req->conn, resp.status, r);
	MHD_destroy_response(r);
	wl_access_log(req, resp.status, elapsed(&st->t0));
	wvl_log_bind_request(NULL);
	return ok;
}

/* ---- framing (RFC 9112) ---- */

struct framing {
	unsigned content_length, transfer_encoding, host;
	bool chunked_only; /* every Transfer-Encoding is exactly "chunked" */
	bool bad_name;     /* a field name with blanks (a name then a space then ':') */
};

static enum MHD_Result count_field(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (!key || key[strcspn(key, " \t")]) {
		f->bad_name = true;
		return MHD_YES;
	}
	if (!strcasecmp(key, "Content-Length")) {
		f->content_length++;
	} else if (!strcasecmp(key, "Transfer-Encoding")) {
		f->transfer_encoding++;
		f->chunked_only = f->chunked_only && value && !strcasecmp(value, "chunked");
	} else if (!strcasecmp(key, "Host")) {
		f->host++;
	}
	return MHD_YES;
}

/* A request whose length is ambiguous (Content-Length with
 * Transfer-Encoding, two lengths, a coding other than chunked, §6.1 and
 * §6.3) could hide a second request in its body for a proxy that frames
 * it otherwise; HTTP/1.1 needs exactly one Host (§3.2).  Refused, and the
 * connection closed. */
static bool framing_ok(struct wl_request *req, const char *version, struct wl_response *resp)
{
	struct framing f = {.chunked_only = true};
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_field, &f);
	const char *why = f.bad_name ? "a header name holds blanks"
			  : f.content_length > 1 ? "more than one Content-Length"
			  : f.transfer_encoding && f.content_length
				  ? "Content-Length together with Transfer-Encoding"
			  : f.transfer_encoding > 1 || !f.chunked_only
				  ? "only one Transfer-Encoding: chunked is understood"
			  : version && !strcmp(version, "HTTP/1.1") && f.host != 1
				  ? "HTTP/1.1 needs exactly one Host header"
				  : NULL;
	if (!why)
		return true;
	wl_resp_fail(resp, req, WVL_EINVAL, NULL, why);
	resp->close = true;
	return false;
}

/* ---- the request's steps ---- */

static bool body_expected(const struct wl_request *req)
{
	const char *cl = wl_req_header(req, "Content-Length");
	return (cl && strcmp(cl, "0") != 0) || wl_req_header(req, "Transfer-Encoding");
}

static enum MHD_Result finish(struct req_state *st)
{
	struct wl_response resp = st->early; /* headers set when it was admitted go out now */
	memset(&st->early, 0, sizeof(st->early));
	st->req.body_read = true;
	wvl_log_bind_request(st->req.request_id);
	wl_guard_phase(st->req.conn, WL_PHASE_ANSWER);
	if (st->answer_ready) {
		if (st->req.refused_login_pending)
			wl_refused_login(&st->req);
	} else if (st->too_large) {
		wl_resp_reset(&resp);
		wl_resp_fail(&resp, &st->req, WVL_ETOOLARGE, NULL, "the request body is too large");
	} else {
		wl_dispatch_body(&st->req, &resp, st->route);
	}
	return respond(st, &resp);
}

/* Answers on the headers alone: the body, if any, is never read, so the
 * connection cannot be kept. */
static enum MHD_Result answer_now(struct req_state *st, struct wl_response *resp)
{
	if (body_expected(&st->req))
		resp->close = true;
	wl_guard_phase(st->req.conn, WL_PHASE_ANSWER);
	return respond(st, resp);
}

/* The first call: only the headers are known.  Framing, routing and
 * admission happen now, so a request that will be refused costs no body
 * buffer; a body is then read up to the limit of who is asking. */
static enum MHD_Result first_call(struct req_state *st, const char *version)
{
	struct wl_request *req = &st->req;
	struct wl_response resp = {.status = 500};
	wvl_log_bind_request(req->request_id);
	if (!framing_ok(req, version, &resp))
		return answer_now(st, &resp);
	if (wl_dispatch_headers(req, &resp, &st->route, st->scratch, sizeof(st->scratch)) !=
	    WL_EARLY_ADMITTED) {
		if (!req->refused_login_pending || !body_expected(req))
			return answer_now(st, &resp);
		st->answer_ready = true; /* the refused login's email is in the body */
	}
	if (req->actor.role != WVL_ROLE_ANONYMOUS)
		wl_guard_authenticated(req->conn);
	st->limit = req->actor.role == WVL_ROLE_ANONYMOUS ? req->srv->anon_body_limit
							    : req->srv->body_limit;
	/* Refused from Content-Length: nothing of the body is read. */
	const char *cl = wl_req_header(req, "Content-Length");
	if (!(st->route && (st->route->flags & WL_STREAM)) && cl &&
	    strtoull(cl, NULL, 10) > st->limit) {
		wl_resp_reset(&resp);
		wl_resp_fail(&resp, req, WVL_ETOOLARGE, NULL, "the request body is too large");
		return answer_now(st, &resp);
	}
	st->early = resp; /* the admission's headers go out with the answer */
	wvl_log_bind_request(NULL);
	wl_guard_phase(req->conn, body_expected(req) ? WL_PHASE_BODY : WL_PHASE_ANSWER);
	return MHD_YES;
}

enum MHD_Result wl_on_request(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct wl_server *srv = cls;
	struct req_state *st = *con_cls;
	if (!st) {
		if (!(st = start_request(srv, conn, url, method)))
			return MHD_NO;
		*con_cls = st;
		return first_call(st, version);
	}
	size_t n = *upload_data_size;
	if (!n)
		return finish(st);
	*upload_data_size = 0;
	wl_guard_body_bytes(conn, n);
	if (st->route && (st->route->flags & WL_STREAM) && st->req.stream) {
		wvl_log_bind_request(st->req.request_id);
		st->route->stream->data(&st->req, upload_data, n);
		wvl_log_bind_request(NULL);
	} else if (!st->too_large && !append_body(st, st->limit, upload_data, n)) {
		/* Over the limit: the buffer goes now; the rest is read and
		 * dropped (libmicrohttpd cannot answer mid-body) at the
		 * guard's minimum rate, and 413 answers at the end. */
		st->too_large = true;
		free(st->req.body);
		st->req.body = NULL;
		st->req.body_len = st->cap = 0;
	}
	return MHD_YES;
}

void wl_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		     enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	struct req_state *st = *con_cls;
	if (!st)
		return;
	if (st->route && (st->route->flags & WL_STREAM) && st->req.stream)
		st->route->stream->cleanup(&st->req, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	wl_guard_phase(conn, WL_PHASE_HEADERS); /* keep-alive: the next request's headers */
	for (int i = 0; i < st->early.nheaders; i++) { /* never answered */
		free(st->early.headers[i].name);
		free(st->early.headers[i].value);
	}
	free(st->req.body);
	wvl_query_free(st->req.query);
	free(st);
	*con_cls = NULL;
	pthread_mutex_lock(&inflight_lock);
	if (--inflight == 0)
		pthread_cond_broadcast(&inflight_zero);
	pthread_mutex_unlock(&inflight_lock);
}

unsigned long wl_inflight(void)
{
	pthread_mutex_lock(&inflight_lock);
	unsigned long n = inflight;
	pthread_mutex_unlock(&inflight_lock);
	return n;
}

bool wl_wait_idle(unsigned int seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&inflight_lock);
	int rc = 0;
	while (inflight > 0 && rc == 0)
		rc = pthread_cond_timedwait(&inflight_zero, &inflight_lock, &ts);
	bool idle = inflight == 0;
	pthread_mutex_unlock(&inflight_lock);
	return idle;
}
