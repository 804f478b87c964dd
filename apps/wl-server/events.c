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

#define BUCKETS 256
#define HEARTBEAT_S 25
/* A stream that falls this far behind (a client that stopped reading)
 * ends instead of growing: it reconnects and catches up from the list. */
#define MAX_PENDING (256 * 1024)

struct stream {
	struct stream *next; /* in its bucket */
	pthread_mutex_t lock;
	struct MHD_Connection *conn;
	wvl_actor actor;
	char *buf;
	size_t len, cap;
	bool suspended; /* the reader parked the connection */
	bool ended;     /* say END_OF_STREAM once the buffer is out */
	bool listed;    /* still in the hub */
	int refs;       /* the hub's and the response's */
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
	pthread_mutex_lock(&s->lock);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->buf);
	free(s);
}

/* Appends under the stream's lock; false when the stream is over its
 * bound (it is ended then). */
static bool put_locked(struct stream *s, const char *text, size_t n)
{
	if (s->len + n > MAX_PENDING) {
		s->ended = true;
		return false;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		while (cap < s->len + n)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b) {
			s->ended = true;
			return false;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	return true;
}

/* Queues `text` (or only ends the stream, `end`) and wakes a parked
 * connection.  The resume happens outside the stream's lock: a parked
 * connection runs no reader meanwhile, so nothing can slip in between. */
static void send_to(struct stream *s, const char *text, bool end)
{
	pthread_mutex_lock(&s->lock);
	if (text)
		put_locked(s, text, strlen(text));
	if (end)
		s->ended = true;
	bool wake = s->suspended && s->conn;
	s->suspended = false;
	struct MHD_Connection *conn = s->conn;
	pthread_mutex_unlock(&s->lock);
	if (wake)
		MHD_resume_connection(conn);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	pthread_mutex_lock(&s->lock);
	if (s->len) {
		size_t n = s->len < max ? s->len : max;
		memcpy(buf, s->buf, n);
		memmove(s->buf, s->buf + n, s->len - n);
		s->len -= n;
		pthread_mutex_unlock(&s->lock);
		return (ssize_t)n;
	}
	if (s->ended) {
		pthread_mutex_unlock(&s->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* Nothing to send: park the connection (it holds no thread) until
	 * send_to wakes it. */
	s->suspended = true;
	MHD_suspend_connection(s->conn);
	pthread_mutex_unlock(&s->lock);
	return 0;
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
	pthread_mutex_lock(&s->lock);
	s->conn = NULL;
	pthread_mutex_unlock(&s->lock);
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

/* "id: <id>\nevent: notification\ndata: <json>\n\n" (malloc'd), or NULL. */
static char *event_of(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	char *out = NULL;
	/* The JSON is one line (PostgreSQL's json has no raw newlines). */
	if (id && wvl_uuid_valid(id) && !strchr(json, '\n') &&
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
	char *event = event_of(json);
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
	wvl_actor a;
	pthread_mutex_lock(&s->lock);
	a = s->actor;
	pthread_mutex_unlock(&s->lock);
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
	for (size_t i = 0; i + n <= s->len; i++)
		if (!memcmp(s->buf + i, needle, n))
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
	struct stream missed = {.refs = 0};
	pthread_mutex_lock(&s->lock);
	json_array_foreach(json_object_get(doc, "data"), i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		char *text = json_dumps(item, JSON_COMPACT);
		char *event = text && id && !queued_locked(s, id) ? event_of(text) : NULL;
		if (event)
			put_locked(&missed, event, strlen(event));
		free(event);
		free(text);
	}
	/* head + missed + the rest */
	if (missed.len && put_locked(&missed, s->buf + head, s->len - head)) {
		s->len = head;
		put_locked(s, missed.buf, missed.len);
	}
	pthread_mutex_unlock(&s->lock);
	free(missed.buf);
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
	pthread_mutex_init(&s->lock, NULL);
	s->conn = req->conn;
	s->actor = req->actor;
	s->refs = 2;
	/* The first comment goes out with the headers; reconnect after 5 s. */
	static const char hello[] = ": connected\nretry: 5000\n\n";
	put_locked(s, hello, sizeof(hello) - 1);
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
		s->ended = true;
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->reader = reader;
	resp->reader_cls = s;
	resp->reader_free = release;
	wl_resp_header(resp, "Cache-Control", "no-store");
	wl_resp_header(resp, "X-Accel-Buffering", "no");
}
