/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ROUTES_H
#define WL_ROUTES_H

/* The hand-written handlers, for the endpoints that do more than one
 * library call with a fixed shape (routes.c has the rest as table rows). */

#include "router.h"

/* routes_meta.c */
void wl_route_health(struct wl_request *req, struct wl_response *resp);
void wl_route_openapi(struct wl_request *req, struct wl_response *resp);
void wl_route_metrics(struct wl_request *req, struct wl_response *resp);
void wl_route_health_details(struct wl_request *req, struct wl_response *resp);

/* routes_auth.c: cookies, the client's address, the session kept */
void wl_route_login(struct wl_request *req, struct wl_response *resp);
void wl_route_logout(struct wl_request *req, struct wl_response *resp);
void wl_route_me_update(struct wl_request *req, struct wl_response *resp);
void wl_route_password_forgot(struct wl_request *req, struct wl_response *resp);
void wl_route_password_change(struct wl_request *req, struct wl_response *resp);
void wl_route_invite_accept(struct wl_request *req, struct wl_response *resp);

/* routes_email.c: the provider's signed webhook, the one-click unsubscribe */
void wl_route_email_webhook(struct wl_request *req, struct wl_response *resp);

/* routes_coach.c */
void wl_route_coach_ask(struct wl_request *req, struct wl_response *resp);
void wl_route_unsubscribe(struct wl_request *req, struct wl_response *resp);

/* routes_files.c: the streamed upload and the signed link */
void wl_route_files_upload(struct wl_request *req, struct wl_response *resp);
extern const struct wl_stream_ops wl_files_upload_stream;
void wl_route_files_content(struct wl_request *req, struct wl_response *resp);

/* routes_help.c: the article page, with ETag, Cache-Control and 304 */
void wl_route_help_article(struct wl_request *req, struct wl_response *resp);

/* routes_export.c: a file (200) or the job making it (202) */
void wl_route_clients_export(struct wl_request *req, struct wl_response *resp);
void wl_route_analytics_export(struct wl_request *req, struct wl_response *resp);

#endif
