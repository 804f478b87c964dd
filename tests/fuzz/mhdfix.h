/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_MHDFIX_H
#define WL_MHDFIX_H

/* A real libmicrohttpd daemon in the harness's own thread, for the parsers
 * whose input reaches us through libmicrohttpd's (cookies, the multipart
 * post processor, which needs a connection): a request's bytes go in
 * through a socket pair, and `fn` runs on the connection once its headers
 * are parsed, as wl-server's first call does.  No listening socket, no
 * thread: each call is deterministic. */

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

typedef void (*mhdfix_fn)(struct MHD_Connection *conn, const char *method, const char *url,
			  void *cls);

/* Sends `request` (raw HTTP/1.1, headers and all) to the daemon and runs
 * `fn` if libmicrohttpd dispatches it.  True when `fn` ran; false when
 * libmicrohttpd refused the request itself (it answered 400 or closed). */
bool mhdfix_run(const char *request, size_t len, mhdfix_fn fn, void *cls);

#endif
