/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_EVENTS_H
#define WL_EVENTS_H

/* Server-Sent Events: GET /api/notifications/stream.  One thread listens
 * to the library's announcements of new notifications and hands each to
 * its recipient's streams; a stream with nothing to send suspends its
 * connection (libmicrohttpd's suspend/resume), so an idle client holds no
 * thread, only its socket and a small buffer.  Another thread sends a
 * heartbeat comment to every stream every 25 s and ends those whose
 * session has ended.  When the listener loses PostgreSQL, or the server
 * stops, every stream ends: clients reconnect with Last-Event-ID and miss
 * nothing. */

#include "server.h"

/* Starts the listener and heartbeat threads.  0 or -1. */
int wl_events_start(struct wl_server *srv);
/* Ends every stream and stops the threads (before the daemon stops). */
void wl_events_stop(void);

/* The route's handler. */
void wl_route_notifications_stream(struct wl_request *req, struct wl_response *resp);

/* Streams open now (metrics). */
unsigned long wl_events_streams(void);

#endif
