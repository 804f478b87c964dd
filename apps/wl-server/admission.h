/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ADMISSION_H
#define WL_ADMISSION_H

/* Request admission: what a request passes before its handler runs —
 * its query, authentication (bearer token or session cookie), CSRF and
 * the rate limit — plus the CORS preflight and the JSON body checks.  The
 * rules themselves are the library's; this maps them onto HTTP. */

#include "router.h"

/* Answers a CORS preflight without touching the database. */
void wl_cors_preflight(struct wl_request *req, struct wl_response *resp);

/* JSON bodies under /api: another Content-Type is 415 (checked on the
 * headers, before the body is read).  False when it answered. */
bool wl_json_type_ok(struct wl_request *req, struct wl_response *resp);
/* The body is JSON: malformed is 400.  False when it answered. */
bool wl_json_body_ok(struct wl_request *req, struct wl_response *resp);

/* Records a login refused by the rate limit once its body is in. */
void wl_refused_login(struct wl_request *req);

/* The query, authentication, CSRF and the rate limit for `route`.  False
 * when it answered (resp holds the refusal). */
bool wl_admit(struct wl_request *req, struct wl_response *resp, const struct wl_route *route);

#endif
