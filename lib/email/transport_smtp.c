/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The SMTP transport over libcurl: WL_SMTP_URL names the server and the
 * credentials (AUTH as the server offers it).  smtps:// is TLS from the
 * first byte; smtp:// must upgrade with STARTTLS, except to a loopback
 * address (a local relay or a test sink), where TLS is used when offered.
 * libcurl does the SMTP dot-stuffing; the message already has CRLF line
 * ends.
 *
 * Exactly once is not SMTP's to give: the server may have taken the
 * message when the connection breaks before its "250", and the next
 * attempt sends it again.  The Message-ID stays the same, so receiving
 * systems that de-duplicate on it see one message. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "email.h"

struct reader {
	const char *data;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct reader *r = userdata;
	size_t n = size * nitems < r->left ? size * nitems : r->left;
	memcpy(buf, r->data, n);
	r->data += n;
	r->left -= n;
	return n;
}

static bool loopback_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool loop = false;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		loop = !strncmp(host, "127.", 4) || !strcasecmp(host, "localhost") ||
		       !strcmp(host, "[::1]");
	curl_free(host);
	curl_url_cleanup(u);
	return loop;
}

/* The server's last reply decides what a refusal means: 5xx is final
 * (no such mailbox), 4xx asks to try later. */
static int smtp_refused(CURL *h, CURLcode rc)
{
	long code = 0;
	if (rc == CURLE_LOGIN_DENIED) /* 535: the credentials, not the message */
		return wvl_email__curl_failed(rc, "SMTP");
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 500)
		return wvl_err__set(WVL_EVALIDATION, NULL, "the SMTP server refused the message (%ld)",
				    code);
	if (code >= 400)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL,
				    "the SMTP server asked to try again later (%ld)", code);
	return wvl_email__curl_failed(rc, "SMTP");
}

static int smtp_send(char *provider_id, size_t id_len, wvl_ctx *ctx, const struct wvl_email_msg *m)
{
	const char *url = wvl_config_get(ctx->cfg, "WL_SMTP_URL");
	CURL *h = curl_easy_init();
	char *from = wvl_str__printf("<%s>", m->from_addr), *to = wvl_str__printf("<%s>", m->to_addr);
	struct curl_slist *rcpt = to ? curl_slist_append(NULL, to) : NULL;
	int rc = 0;
	if (!h || !from || !rcpt) {
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		goto out;
	}
	struct reader r = {m->mime, m->mime_len};
	wvl_email__curl_defaults(h, ctx, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->mime_len);
	if (!strncasecmp(url, "smtp://", 7))
		curl_easy_setopt(h, CURLOPT_USE_SSL,
				 loopback_host(url) ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
	CURLcode cr = curl_easy_perform(h);
	if (cr != CURLE_OK)
		rc = smtp_refused(h, cr);
	else
		snprintf(provider_id, id_len, "%s", m->message_id);
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	free(from);
	free(to);
	return rc;
}

const struct wvl_email_transport wvl_email__smtp = {"smtp", smtp_send};
