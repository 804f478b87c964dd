/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A parked Server-Sent Events stream (sse.h). */

#include <stdlib.h>
#include <string.h>

#include "sse.h"

void wl_sse_init(struct wl_sse *q, struct MHD_Connection *conn, size_t max)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	q->conn = conn;
	q->max = max;
}

void wl_sse_destroy(struct wl_sse *q)
{
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	q->buf = NULL;
}

bool wl_sse_put_locked(struct wl_sse *q, const char *text, size_t n)
{
	if (q->len + n > q->max)
		return false;
	if (q->len + n > q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		while (cap < q->len + n)
			cap *= 2;
		char *b = realloc(q->buf, cap);
		if (!b)
			return false;
		q->buf = b;
		q->cap = cap;
	}
	memcpy(q->buf + q->len, text, n);
	q->len += n;
	return true;
}

bool wl_sse_send(struct wl_sse *q, const char *text, size_t n, bool end)
{
	pthread_mutex_lock(&q->lock);
	bool fit = !text || wl_sse_put_locked(q, text, n);
	if (end)
		q->ended = true;
	bool wake = q->suspended && q->conn;
	q->suspended = false;
	struct MHD_Connection *conn = q->conn;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		MHD_resume_connection(conn);
	return fit;
}

ssize_t wl_sse_read(struct wl_sse *q, char *buf, size_t max)
{
	pthread_mutex_lock(&q->lock);
	if (q->len) {
		size_t n = q->len < max ? q->len : max;
		memcpy(buf, q->buf, n);
		memmove(q->buf, q->buf + n, q->len - n);
		q->len -= n;
		pthread_mutex_unlock(&q->lock);
		return (ssize_t)n;
	}
	if (q->ended) {
		pthread_mutex_unlock(&q->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* Nothing to send: park the connection until wl_sse_send wakes it. */
	q->suspended = true;
	MHD_suspend_connection(q->conn);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void wl_sse_detach(struct wl_sse *q)
{
	pthread_mutex_lock(&q->lock);
	q->conn = NULL;
	pthread_mutex_unlock(&q->lock);
}
