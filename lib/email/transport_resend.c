/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The Resend transport: POST {WL_RESEND_BASE_URL}/emails over libcurl.
 *
 * Resend's API takes a message's parts, not its bytes, so it gets the parts
 * of the one message the other transports carry whole: sender, recipient,
 * subject, both bodies and the headers of our own (List-Unsubscribe,
 * List-Unsubscribe-Post, Auto-Submitted) and the attachments.  Every request carries the
 * email's idempotency key: Resend answers a repeat within 24 hours with the
 * first answer and sends nothing, so a retried or rescued job never sends
 * twice. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "email.h"
#include "wavelaunch/version.h"

#define REPLY_MAX 65536

struct reply {
	char buf[REPLY_MAX];
	size_t len;
};

static size_t write_cb(char *data, size_t size, size_t nitems, void *userdata)
{
	struct reply *r = userdata;
	size_t n = size * nitems;
	size_t keep = n < sizeof(r->buf) - 1 - r->len ? n : sizeof(r->buf) - 1 - r->len;
	memcpy(r->buf + r->len, data, keep);
	r->len += keep;
	r->buf[r->len] = '\0';
	return n; /* the rest of an over-long answer is dropped, not an error */
}

/* Resend's "attachments": each file's name, its bytes in base64 (one
 * line) and its type, the same three things the MIME part carries. */
static int attach(json_t *body, const struct wvl_email_msg *m)
{
	json_t *list = json_array();
	json_object_set_new(body, "attachments", list);
	for (size_t i = 0; list && i < m->natt; i++) {
		const struct wvl_email_attachment *a = &m->att[i];
		size_t cap = sodium_base64_ENCODED_LEN(a->len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(cap);
		if (!b64)
			return -1;
		sodium_bin2base64(b64, cap, a->data, a->len, sodium_base64_VARIANT_ORIGINAL);
		json_t *item = json_pack("{s:s,s:s,s:s}", "filename", a->filename, "content", b64,
					 "content_type", a->content_type);
		free(b64);
		if (!item || json_array_append_new(list, item) != 0)
			return -1;
	}
	return list ? 0 : -1;
}

static char *request_body(const struct wvl_email_msg *m, const wvl_ctx *ctx)
{
	json_t *headers = json_pack("{s:s}", "Auto-Submitted", "auto-generated");
	if (headers && m->list_unsubscribe) {
		char *lu = wvl_str__printf("<%s>", m->list_unsubscribe);
		json_object_set_new(headers, "List-Unsubscribe", json_string(lu));
		json_object_set_new(headers, "List-Unsubscribe-Post",
				    json_string("List-Unsubscribe=One-Click"));
		free(lu);
	}
	json_t *body = json_pack("{s:s,s:[s],s:s,s:s,s:s,s:o}", "from",
				 wvl_config_get(ctx->cfg, "WL_EMAIL_FROM"), "to", m->to_addr,
				 "subject", m->subject, "html", m->html, "text", m->text,
				 "headers", headers);
	if (body && m->natt > 0 && attach(body, m) != 0) {
		json_decref(body);
		return NULL;
	}
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return text;
}

/* An answer other than 2xx: 429, 409 (the same key still in flight) and
 * 5xx are worth another try; any other 4xx is final. */
static int refused(long status, const char *reply)
{
	json_t *doc = json_loads(reply, 0, NULL);
	const char *why = json_string_value(json_object_get(doc, "message"));
	char msg[200];
	snprintf(msg, sizeof(msg), "%s", why ? why : "no reason given");
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	json_decref(doc);
	int code = status == 429 || status == 409 || status >= 500 ? WVL_EUNAVAILABLE
								   : WVL_EVALIDATION;
	return wvl_err__set(code, NULL, "Resend answered %ld: %s", status, msg);
}

static struct curl_slist *headers_for(const wvl_ctx *ctx, const struct wvl_email_msg *m)
{
	char *auth = wvl_str__printf("Authorization: Bearer %s",
				     wvl_config_get(ctx->cfg, "WL_RESEND_API_KEY"));
	char *idem = wvl_str__printf("Idempotency-Key: %s", m->idempotency_key);
	struct curl_slist *h = NULL;
	if (auth && idem) {
		h = curl_slist_append(h, auth);
		h = curl_slist_append(h, idem);
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "User-Agent: libwavelaunch/" WVL_VERSION_STRING);
	}
	if (auth)
		sodium_memzero(auth, strlen(auth));
	free(auth);
	free(idem);
	return h;
}

static int resend_send(char *provider_id, size_t id_len, wvl_ctx *ctx,
		       const struct wvl_email_msg *m)
{
	char url[1100];
	snprintf(url, sizeof(url), "%s/emails", wvl_config_get(ctx->cfg, "WL_RESEND_BASE_URL"));
	CURL *h = curl_easy_init();
	char *body = request_body(m, ctx);
	struct curl_slist *hdr = headers_for(ctx, m);
	struct reply *r = calloc(1, sizeof(*r));
	int rc = 0;
	if (!h || !body || !hdr || !r) {
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		goto out;
	}
	wvl_email__curl_defaults(h, ctx, "http,https");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	long status = 0;
	CURLcode cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cr != CURLE_OK) {
		rc = wvl_email__curl_failed(cr, "Resend");
	} else if (status < 200 || status > 299) {
		rc = refused(status, r->buf);
	} else {
		json_t *doc = json_loads(r->buf, 0, NULL);
		const char *id = json_string_value(json_object_get(doc, "id"));
		if (id)
			snprintf(provider_id, id_len, "%s", id);
		else
			rc = wvl_err__set(WVL_EUNAVAILABLE, NULL, "Resend's answer has no id");
		json_decref(doc);
	}
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(body);
	free(r);
	return rc;
}

const struct wvl_email_transport wvl_email__resend = {"resend", resend_send};
