/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_GUARD_H
#define WL_GUARD_H

/* The connection guard: what a stranger may hold.  libmicrohttpd's own
 * timeout counts idle time only, so a client trickling a byte every few
 * seconds would keep its connection, its buffer and a slot of its
 * address for ever.  The guard gives the headers and the body absolute
 * deadlines and the body a minimum rate, and caps the connections one
 * address may hold before any of them has authenticated.  A connection
 * answering (a response, a Server-Sent Events stream) is never cut.
 *
 * libmicrohttpd has no call to drop a connection from outside its
 * callbacks: the guard's thread shuts the socket down (shutdown(2)), and
 * libmicrohttpd then closes it as it would a peer that went away. */

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

enum wl_phase {
	WL_PHASE_HEADERS, /* waiting for a request's headers */
	WL_PHASE_BODY,    /* reading a request's body */
	WL_PHASE_ANSWER,  /* the request is being answered: no limit */
};

struct wl_guard_limits {
	int64_t header_us;  /* headers complete within this of the phase's start */
	int64_t body_us;    /* a body complete within this */
	uint64_t min_rate;  /* bytes per second a body must keep up after the grace */
	int64_t grace_us;
	unsigned anon_per_ip; /* connections per address before authentication; 0: no cap */
};

/* The decision, apart so it can be tested on an injected clock: whether a
 * connection in `phase` since `since_us`, with `bytes` of body read, is
 * overdue at `now_us`. */
bool wl_guard_overdue(const struct wl_guard_limits *l, enum wl_phase phase, int64_t since_us,
		      uint64_t bytes, int64_t now_us);

/* Reads the limits from the configuration (WL_HTTP_HEADER_TIMEOUT,
 * WL_HTTP_BODY_TIMEOUT, WL_HTTP_MIN_RATE, WL_HTTP_ANON_PER_IP_LIMIT) and
 * starts the guard's thread.  0 or -1. */
int wl_guard_start(struct wl_server *srv);
void wl_guard_stop(void);

/* libmicrohttpd's callbacks: the accept policy and connection events. */
enum MHD_Result wl_guard_accept(void *cls, const struct sockaddr *addr, socklen_t len);
void wl_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		     enum MHD_ConnectionNotificationCode code);

/* What the request handling tells the guard about a connection. */
void wl_guard_phase(struct MHD_Connection *conn, enum wl_phase phase);
void wl_guard_body_bytes(struct MHD_Connection *conn, uint64_t n);
void wl_guard_authenticated(struct MHD_Connection *conn);

#endif
