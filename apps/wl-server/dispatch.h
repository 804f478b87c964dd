/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_DISPATCH_H
#define WL_DISPATCH_H

/* From a request to its answer, in two steps: on the headers alone
 * (routing, content type, admission: nothing of a body is read for a
 * request that will be refused), then on the whole body (the handler,
 * and the second look a remembered session gets). */

#include "router.h"

enum wl_early { WL_EARLY_ANSWERED, WL_EARLY_ADMITTED };

/* On the headers: answers a preflight, an unknown route or method, a
 * wrong content type or a refusal of admission at once (resp set); else
 * *route is the admitted route (a WL_STREAM route's body stream has
 * begun).  `scratch` (of `len` bytes) must live as long as the request:
 * the path parameters point into it. */
enum wl_early wl_dispatch_headers(struct wl_request *req, struct wl_response *resp,
				  const struct wl_route **route, char *scratch, size_t len);

/* The body of an admitted request has arrived: runs its route. */
void wl_dispatch_body(struct wl_request *req, struct wl_response *resp,
		      const struct wl_route *route);

#endif
