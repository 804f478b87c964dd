/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_SERVER_SSE_H
#define WL_SERVER_SSE_H

/* A parked Server-Sent Events stream, shared by the notification stream
 * (events.c) and the coach's replies (routes_coach.c): any thread queues
 * bytes; libmicrohttpd's content reader takes them; while the queue is
 * empty the connection is suspended, so an idle stream holds no thread,
 * and the next write resumes it. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <microhttpd.h>

struct wl_sse {
	pthread_mutex_t lock;
	struct MHD_Connection *conn; /* NULL once the response is done */
	char *buf;
	size_t len, cap, max; /* max: the most bytes ever queued */
	bool suspended;       /* the reader parked the connection */
	bool ended;           /* END_OF_STREAM once the queue is out */
};

void wl_sse_init(struct wl_sse *q, struct MHD_Connection *conn, size_t max);
void wl_sse_destroy(struct wl_sse *q);

/* Appends under q->lock; false (nothing queued) past `max` or out of
 * memory. */
bool wl_sse_put_locked(struct wl_sse *q, const char *text, size_t n);

/* Queues `n` bytes of `text` (none when NULL), ends the stream when `end`,
 * and wakes a parked connection.  False when the text did not fit.  The
 * resume happens outside the lock: a parked connection runs no reader
 * meanwhile, so nothing can slip in between. */
bool wl_sse_send(struct wl_sse *q, const char *text, size_t n, bool end);

/* The content reader's body (MHD_ContentReaderCallback semantics). */
ssize_t wl_sse_read(struct wl_sse *q, char *buf, size_t max);

/* The response is done with the stream: no connection to wake any more. */
void wl_sse_detach(struct wl_sse *q);

#endif
