/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The help article page: the one library call (wvl_help_get) plus what
 * HTTP adds, caching.  The ETag is a hash of the exact body, so it changes
 * whenever a byte does (an edit, a publication, a batch of views) and a
 * matching If-None-Match is answered 304 without the body.  Anonymous
 * answers are public for a minute; a signed-in one is private (the team
 * sees drafts under the same URL) and revalidated every time. */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "routes.h"

/* A strong validator: "<32 hex digits>". */
static void etag_of(char out[36], const char *body)
{
	unsigned char h[16];
	crypto_generichash(h, sizeof(h), (const unsigned char *)body, strlen(body), NULL, 0);
	out[0] = '"';
	sodium_bin2hex(out + 1, 33, h, sizeof(h));
	out[33] = '"';
	out[34] = '\0';
}

/* If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110
 * 13.1.2: a W/ prefix is ignored). */
static bool none_match(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	for (const char *p = header; p && *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!strncmp(p, etag, n) && (p[n] == '\0' || strchr(" \t,", p[n])))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

void wl_route_help_article(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL, etag[36];
	int rc = wvl_help_get(&json, req->srv->ctx, &req->actor, req->params[0]);
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	etag_of(etag, json);
	wl_resp_header(resp, "ETag", etag);
	/* One URL, two audiences: a shared cache keys on the credentials, so
	 * the team never gets the public copy nor the public a team one. */
	wl_resp_header(resp, "Vary", "Cookie, Authorization");
	wl_resp_header(resp, "Cache-Control", req->actor.role == WVL_ROLE_ANONYMOUS
						      ? "public, max-age=60"
						      : "private, no-cache");
	if (none_match(wl_req_header(req, "If-None-Match"), etag)) {
		wvl_free(json);
		resp->status = 304;
		return;
	}
	wl_resp_json(resp, 200, json);
}
