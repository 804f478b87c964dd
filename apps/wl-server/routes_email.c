/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The email endpoints HTTP adds something to: the provider's webhook (raw
 * body and signature headers) and the one-click unsubscribe (the token in
 * the query, any body). */

#include <string.h>

#include "routes.h"

/* Standard Webhooks names, or Svix's older ones. */
static const char *either(const struct wl_request *req, const char *name, const char *svix)
{
	const char *v = wl_req_header(req, name);
	return v ? v : wl_req_header(req, svix);
}

void wl_route_email_webhook(struct wl_request *req, struct wl_response *resp)
{
	wvl_email_webhook_request w = WVL_EMAIL_WEBHOOK_REQUEST_INIT;
	w.body = req->body ? req->body : "";
	w.body_len = req->body_len;
	w.id = either(req, "webhook-id", "svix-id");
	w.timestamp = either(req, "webhook-timestamp", "svix-timestamp");
	w.signature = either(req, "webhook-signature", "svix-signature");
	char *json = NULL;
	/* The call first: as arguments, the order of evaluation is unspecified. */
	int rc = wvl_email_webhook(&json, req->srv->ctx, &w);
	wl_reply(req, resp, rc, 200, json);
}

/* GET says what the link would change; POST changes it.  RFC 8058's
 * POST carries "List-Unsubscribe=One-Click" as a form (urlencoded or
 * multipart, by the mail client's choice), the web UI's an empty body:
 * the body says nothing the token does not, so it is not read. */
void wl_route_unsubscribe(struct wl_request *req, struct wl_response *resp)
{
	const char *token = req->query ? wvl_query_get(req->query, "token") : NULL;
	char *json = NULL;
	int rc = strcmp(req->method, "POST") == 0
			 ? wvl_email_unsubscribe(&json, req->srv->ctx, token)
			 : wvl_email_unsubscribe_info(&json, req->srv->ctx, token);
	wl_reply(req, resp, rc, 200, json);
	if (rc == 0)
		wl_resp_header(resp, "Cache-Control", "no-store");
}
