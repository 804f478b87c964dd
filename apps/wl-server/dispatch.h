/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_DISPATCH_H
#define WL_DISPATCH_H

/* From a request to its answer: routing, admission, the handler, and the
 * second look a remembered session gets. */

#include "router.h"

/* Answers a request whose body has fully arrived.  `too_large`: the body
 * went over the limit (413). */
void wl_dispatch(struct wl_request *req, struct wl_response *resp, bool too_large);

enum wl_stream_start { WL_STREAM_NO, WL_STREAM_ANSWERED, WL_STREAM_GO };

/* On the first call, with only the headers: a WL_STREAM route is admitted
 * (or refused) now, before a byte of its body is read.  On WL_STREAM_GO
 * *route is the route whose handler answers once the body is in; `scratch`
 * (of `len` bytes) must live as long as the request (the path parameters
 * point into it). */
enum wl_stream_start wl_stream_start(struct wl_request *req, struct wl_response *resp,
				     const struct wl_route **route, char *scratch, size_t len);

#endif
