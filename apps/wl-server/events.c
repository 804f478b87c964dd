/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Server-Sent Events (events.h). */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "events.h"
#include "routes.h"
#include "sse.h"

#define BUCKETS 256
#define HEARTBEAT_S 25
/* A stream that falls this far behind (a client that stopped reading)
 * ends instead of growing: it reconnects and catches up from the list. */
#define MAX_PENDING (256 * 1024)

struct stream {
	struct stream *next; /* in its bucket */
	struct wl_sse q;     /* its lock also guards actor and refs */
	wvl_actor actor;
	bool listed;         /* still in the hub */
	int refs;            /* the hub's and the response's */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t stop;
	struct stream *buckets[BUCKETS];
	unsigned long count;
	bool running;
	pthread_t listener, beat;
	wvl_ctx *ctx;
} hub = {.lock = PTHREAD_MUTEX_INITIALIZER, .stop = PTHREAD_COND_INITIALIZER};

static unsigned bucket_of(const char *user_id)
{
	unsigned h = 2166136261u;
	for (const char *p = user_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % BUCKETS;
}

static void unref(struct stream *s)
{
	pthread_mutex_lock(&s->q.lock);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&s->q.lock);
	if (!last)
		return;
	wl_sse_destroy(&s->q);
	free(s);
}

/* Queues `text` (or only ends the stream, `end`); a stream over its bound
 * ends instead of growing. */
static void send_to(struct stream *s, const char *text, bool end)
{
	if (!wl_sse_send(&s->q, text, text ? strlen(text) : 0, end))
		wl_sse_send(&s->q, NULL, 0, true);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	return wl_sse_read(&((struct stream *)cls)->q, buf, max);
}

/* The response is done with the stream (sent, or the client went away). */
static void release(void *cls)
{
	struct stream *s = cls;
	pthread_mutex_lock(&hub.lock);
	if (s->listed) {
		struct stream **p = &hub.buckets[bucket_of(s->actor.user_id)];
		while (*p && *p != s)
			p = &(*p)->next;
		if (*p)
			*p = s->next;
		s->listed = false;
		hub.count--;
	}
	pthread_mutex_unlock(&hub.lock);
	wl_sse_detach(&s->q);
	unref(s); /* the hub's reference */
	unref(s); /* the response's */
}

/* Calls `fn` on every stream (of `user_id`, or all when NULL) with the
 * hub locked: `fn` must not take the hub's lock. */
static void each(const char *user_id, void (*fn)(struct stream *, void *), void *arg)
{
	pthread_mutex_lock(&hub.lock);
	for (unsigned b = user_id ? bucket_of(user_id) : 0; b < BUCKETS; b++) {
		for (struct stream *s = hub.buckets[b]; s; s = s->next)
			if (!user_id || !strcmp(s->actor.user_id, user_id))
				fn(s, arg);
		if (user_id)
			break;
	}
	pthread_mutex_unlock(&hub.lock);
}

static void send_text(struct stream *s, void *text) { send_to(s, text, false); }
static void end_stream(struct stream *s, void *arg)
{
	(void)arg;
	send_to(s, NULL, true);
}

char *wl_events_format(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	char *out = NULL;
	/* The data must stay one line: the event stream ends lines at LF, CR
	 * or both, and JSON allows either between tokens.  PostgreSQL's json
	 * has neither; another session's NOTIFY might (found by
	 * tests/fuzz/fuzz_sse.c: a CR cut the data short of its JSON). */
	if (id && wvl_uuid_valid(id) && !strpbrk(json, "\r\n") &&
	    asprintf(&out, "id: %s\nevent: notification\ndata: %s\n\n", id, json) < 0)
		out = NULL;
	json_decref(j);
	return out;
}

static void on_announcement(const char *user_id, const char *json, void *payload)
{
	(void)payload;
	if (!user_id) { /* announcements were missed: everyone catches up */
		each(NULL, end_stream, NULL);
		return;
	}
	char *event = wl_events_format(json);
	if (event)
		each(user_id, send_text, event);
	free(event);
}

static void *listen_loop(void *arg)
{
	wvl_notify_listener *l = arg;
	for (;;) {
		pthread_mutex_lock(&hub.lock);
		bool running = hub.running;
		pthread_mutex_unlock(&hub.lock);
		if (!running)
			break;
		if (wvl_notify_listener_wait(l, 500, on_announcement, NULL) != 0)
			wvl_error_clear(); /* PostgreSQL away: the listener retries */
	}
	wvl_notify_listener_free(l);
	return NULL;
}

/* A heartbeat keeps proxies from closing an idle stream; a stream whose
 * session ended (logout, revoked, idle) ends with it. */
static void beat_one(struct stream *s, void *arg)
{
	(void)arg;
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	pthread_mutex_lock(&s->q.lock);
	a = s->actor;
	pthread_mutex_unlock(&s->q.lock);
	bool gone = a.session_check[0] && wvl_auth_session_confirm(hub.ctx, &a) == WVL_EUNAUTHENTICATED;
	send_to(s, gone ? NULL : ": heartbeat\n\n", gone);
}

static void *beat_loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hub.lock);
	while (hub.running) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += HEARTBEAT_S;
		pthread_cond_timedwait(&hub.stop, &hub.lock, &ts);
		if (!hub.running)
			break;
		pthread_mutex_unlock(&hub.lock);
		each(NULL, beat_one, NULL);
		pthread_mutex_lock(&hub.lock);
	}
	pthread_mutex_unlock(&hub.lock);
	return NULL;
}

int wl_events_start(struct wl_server *srv)
{
	wvl_notify_listener *l = NULL;
	if (wvl_notify_listener_new(&l, srv->ctx) != 0)
		return -1;
	hub.ctx = srv->ctx;
	/* LISTEN before the first request is served, so a stream opened at
	 * once hears what commits after it; with PostgreSQL away the
	 * listener keeps trying and ends the streams opened meanwhile. */
	if (wvl_notify_listener_step(l, on_announcement, NULL) != 0)
		wvl_error_clear();
	hub.running = true;
	if (pthread_create(&hub.listener, NULL, listen_loop, l) != 0) {
		hub.running = false;
		wvl_notify_listener_free(l);
		return -1;
	}
	if (pthread_create(&hub.beat, NULL, beat_loop, NULL) != 0) {
		wl_events_stop();
		return -1;
	}
	return 0;
}

void wl_events_stop(void)
{
	pthread_mutex_lock(&hub.lock);
	bool was = hub.running;
	hub.running = false;
	pthread_cond_broadcast(&hub.stop);
	pthread_mutex_unlock(&hub.lock);
	each(NULL, end_stream, NULL);
	if (!was)
		return;
	pthread_join(hub.listener, NULL);
	if (hub.beat)
		pthread_join(hub.beat, NULL);
}

unsigned long wl_events_streams(void)
{
	pthread_mutex_lock(&hub.lock);
	unsigned long n = hub.count;
	pthread_mutex_unlock(&hub.lock);
	return n;
}

/* Whether the stream's queue already holds the event of `id` (an
 * announcement that came while the stream caught up). */
static bool queued_locked(const struct stream *s, const char *id)
{
	char needle[48];
	snprintf(needle, sizeof(needle), "id: %s\n", id);
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= s->q.len; i++)
		if (!memcmp(s->q.buf + i, needle, n))
			return true;
	return false;
}

/* Notifications the client missed since its Last-Event-ID, oldest first,
 * put before what is queued (after the first comment, `head` bytes), and
 * none twice. */
static void catch_up(struct wl_request *req, struct stream *s, const char *last_id, size_t head)
{
	char *json = NULL;
	if (!last_id || wvl_notify_since(&json, req->srv->ctx, &req->actor, last_id) != 0) {
		wvl_error_clear(); /* an unknown id: nothing to catch up */
		return;
	}
	json_t *doc = json_loads(json, 0, NULL);
	json_t *item;
	size_t i;
	struct wl_sse missed;
	wl_sse_init(&missed, NULL, MAX_PENDING);
	pthread_mutex_lock(&s->q.lock);
	json_array_foreach(json_object_get(doc, "data"), i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		char *text = json_dumps(item, JSON_COMPACT);
		char *event = text && id && !queued_locked(s, id) ? wl_events_format(text) : NULL;
		if (event)
			wl_sse_put_locked(&missed, event, strlen(event));
		free(event);
		free(text);
	}
	/* head + missed + the rest */
	if (missed.len && wl_sse_put_locked(&missed, s->q.buf + head, s->q.len - head)) {
		s->q.len = head;
		wl_sse_put_locked(&s->q, missed.buf, missed.len);
	}
	pthread_mutex_unlock(&s->q.lock);
	wl_sse_destroy(&missed);
	json_decref(doc);
	wvl_free(json);
}

void wl_route_notifications_stream(struct wl_request *req, struct wl_response *resp)
{
	if (!req->actor.user_id[0]) {
		wl_resp_fail(resp, req, WVL_EUNAUTHENTICATED, NULL, "sign in first");
		return;
	}
	struct stream *s = calloc(1, sizeof(*s));
	if (!s) {
		wl_resp_fail(resp, req, WVL_EINTERNAL, NULL, "out of memory");
		return;
	}
	wl_sse_init(&s->q, req->conn, MAX_PENDING);
	s->actor = req->actor;
	s->refs = 2;
	/* The first comment goes out with the headers; reconnect after 5 s. */
	static const char hello[] = ": connected\nretry: 5000\n\n";
	wl_sse_put_locked(&s->q, hello, sizeof(hello) - 1);
	pthread_mutex_lock(&hub.lock);
	unsigned b = bucket_of(s->actor.user_id);
	s->next = hub.buckets[b];
	hub.buckets[b] = s;
	s->listed = true;
	hub.count++;
	bool running = hub.running;
	pthread_mutex_unlock(&hub.lock);
	/* Listed first, caught up second: what arrives meanwhile is queued,
	 * and the catch-up leaves those out. */
	catch_up(req, s, wl_req_header(req, "Last-Event-ID"), sizeof(hello) - 1);
	if (!running)
		s->q.ended = true;
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->reader = reader;
	resp->reader_cls = s;
	resp->reader_free = release;
	wl_resp_header(resp, "Cache-Control", "no-store");
	wl_resp_header(resp, "X-Accel-Buffering", "no");
}
