/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* POST /api/coach/conversations/{id}/messages: the coach's reply as JSON,
 * or, when the request accepts text/event-stream, as Server-Sent Events
 * while the model writes it.  The library does the work (wvl_coach_ask)
 * on a thread of its own; each piece of text is queued as a "delta" event
 * and the parked connection woken (sse.h, shared with the notification
 * stream).  The end is a "done" event with the stored message, or an
 * "error" event with a problem document.  A browser that goes away stops
 * the reply at the next piece, and the library stores what it had. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "routes.h"
#include "sse.h"

#define MAX_PENDING (4 * 1024 * 1024)

struct coach_stream {
	struct wl_sse q; /* its lock also guards gone and refs */
	bool gone;       /* the browser went away, or stopped reading */
	int refs;
	/* the question */
	wvl_ctx *ctx;
	wvl_actor actor;
	char id[37];
	char *body;
	char request_id[65];
	/* The start of a character the last piece cut short (the ask thread's
	 * alone): it goes out with the next piece. */
	char tail[4];
	size_t ntail;
};

static void unref(struct coach_stream *s)
{
	pthread_mutex_lock(&s->q.lock);
	int left = --s->refs;
	pthread_mutex_unlock(&s->q.lock);
	if (left)
		return;
	wl_sse_destroy(&s->q);
	free(s->body);
	free(s);
}

static bool alive(struct coach_stream *s)
{
	pthread_mutex_lock(&s->q.lock);
	bool ok = !s->gone;
	pthread_mutex_unlock(&s->q.lock);
	return ok;
}

/* Queues an event (or only ends) and wakes the parked connection; false
 * once the browser has gone.  A browser this far behind is not reading:
 * it counts as gone. */
static bool send_event(struct coach_stream *s, const char *name, const char *data, bool end)
{
	char *event = NULL;
	if (data && alive(s) && asprintf(&event, "event: %s\ndata: %s\n\n", name, data) < 0)
		event = NULL;
	bool fit = wl_sse_send(&s->q, event, event ? strlen(event) : 0, end);
	free(event);
	pthread_mutex_lock(&s->q.lock);
	if (!fit || (data && !event))
		s->gone = true;
	bool ok = !s->gone;
	pthread_mutex_unlock(&s->q.lock);
	return ok;
}

/* How many of the `n` bytes end on a character boundary: a UTF-8
 * sequence cut short at the end is left out (at most 3 bytes). */
static size_t whole_utf8(const unsigned char *p, size_t n)
{
	size_t i = n, cont = 0;
	while (i > 0 && cont < 3 && (p[i - 1] & 0xC0) == 0x80)
		i--, cont++;
	if (i == 0)
		return n;
	unsigned char lead = p[i - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return cont + 1 < need ? i - 1 : n;
}

/* The pieces may split a character (ai.h): the cut-off start of one waits
 * for the rest in the next piece, so every delta is whole UTF-8 and the
 * deltas add up to the stored reply byte for byte. */
static int on_text(const char *text, size_t n, void *payload)
{
	struct coach_stream *s = payload;
	size_t total = s->ntail + n;
	unsigned char *all = malloc(total ? total : 1);
	if (!all)
		return alive(s) ? 0 : 1;
	memcpy(all, s->tail, s->ntail);
	memcpy(all + s->ntail, text, n);
	size_t whole = whole_utf8(all, total);
	s->ntail = total - whole;
	memcpy(s->tail, all + whole, s->ntail);
	json_t *o = whole ? json_pack("{s:s%}", "text", (const char *)all, whole) : NULL;
	char *data = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	free(all);
	/* Bytes that are not UTF-8 at all cannot be a JSON string: they are
	 * not sent, and the "done" event carries the stored reply. */
	bool going = data ? send_event(s, "delta", data, false) : alive(s);
	free(data);
	return going ? 0 : 1;
}

static void *ask_thread(void *arg)
{
	struct coach_stream *s = arg;
	wvl_log_bind_request(s->request_id);
	char *json = NULL;
	int rc = wvl_coach_ask(&json, s->ctx, &s->actor, s->id, s->body, on_text, s);
	if (rc == 0) {
		send_event(s, "done", json, true);
	} else {
		const wvl_error *e = wvl_error_last();
		json_t *p = json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", "about:blank", "title",
				      "Coach reply failed", "status", wvl_status_http(rc), "detail",
				      e->message ? e->message : "", "code",
				      e->slug ? e->slug : wvl_status_slug(rc));
		char *data = p ? json_dumps(p, JSON_COMPACT) : NULL;
		json_decref(p);
		send_event(s, "error", data ? data : "{}", true);
		free(data);
	}
	wvl_free(json);
	unref(s);
	return NULL;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	return wl_sse_read(&((struct coach_stream *)cls)->q, buf, max);
}

static void release(void *cls)
{
	struct coach_stream *s = cls;
	wl_sse_detach(&s->q);
	pthread_mutex_lock(&s->q.lock);
	s->gone = true;
	pthread_mutex_unlock(&s->q.lock);
	unref(s);
}

static bool wants_stream(const struct wl_request *req)
{
	const char *accept = wl_req_header(req, "Accept");
	return accept && strstr(accept, "text/event-stream") != NULL;
}

void wl_route_coach_ask(struct wl_request *req, struct wl_response *resp)
{
	wvl_ctx *ctx = req->srv->ctx;
	const char *id = req->nparams ? req->params[0] : NULL;
	const char *body = req->body ? req->body : "";
	char *json = NULL;
	if (!wants_stream(req)) {
		int rc = wvl_coach_send(&json, ctx, &req->actor, id, body);
		wl_reply(req, resp, rc, 200, rc ? (wvl_free(json), NULL) : json);
		return;
	}
	/* What can be refused before the stream starts is a plain problem. */
	wvl_query *q = NULL;
	int rc = wvl_query_parse(&q, "limit=1");
	if (!rc)
		rc = wvl_coach_messages(&json, ctx, &req->actor, id, q);
	wvl_query_free(q);
	wvl_free(json);
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	struct coach_stream *s = calloc(1, sizeof(*s));
	if (!s || !(s->body = strdup(body))) {
		free(s);
		wl_resp_fail(resp, req, WVL_EINTERNAL, NULL, "out of memory");
		return;
	}
	wl_sse_init(&s->q, req->conn, MAX_PENDING);
	s->ctx = ctx;
	s->actor = req->actor;
	snprintf(s->id, sizeof(s->id), "%s", id);
	const char *rid = wvl_log_request_id();
	snprintf(s->request_id, sizeof(s->request_id), "%s", rid ? rid : "");
	s->refs = 2;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, ask_thread, s) != 0) {
		pthread_attr_destroy(&attr);
		s->refs = 1;
		unref(s);
		wl_resp_fail(resp, req, WVL_EUNAVAILABLE, NULL, "the coach is busy");
		return;
	}
	pthread_attr_destroy(&attr);
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->reader = reader;
	resp->reader_cls = s;
	resp->reader_free = release;
	wl_resp_header(resp, "Cache-Control", "no-store");
	wl_resp_header(resp, "X-Accel-Buffering", "no");
}
