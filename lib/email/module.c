/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The email module as the core sees it (struct wvl_module): its
 * configuration checks and the libcurl set-up a context's life needs. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "email.h"

static int refuse(const char *key, const char *why)
{
	return wvl_err__set(WVL_EINVAL, NULL, "%s %s", key, why);
}

/* scheme://[user[:pass]@]host[:port][/] with no blanks or controls. */
static bool url_ok(const char *v, const char *const *schemes, size_t nschemes)
{
	size_t skip = 0;
	for (size_t i = 0; i < nschemes && !skip; i++)
		if (!strncasecmp(v, schemes[i], strlen(schemes[i])))
			skip = strlen(schemes[i]);
	if (!skip || !v[skip] || v[skip] == '/' || v[skip] == ':' || strlen(v) > 1000)
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int check_smtp(const wvl_config *cfg)
{
	static const char *const schemes[] = {"smtp://", "smtps://"};
	const char *url = wvl_config_get(cfg, "WL_SMTP_URL");
	if (!url || !*url)
		return refuse("WL_SMTP_URL", "is required with WL_EMAIL_TRANSPORT=smtp");
	if (!url_ok(url, schemes, 2))
		return refuse("WL_SMTP_URL", "must be smtp://[user:pass@]host[:port] or smtps://...");
	return 0;
}

static int check_resend(const wvl_config *cfg)
{
	static const char *const https[] = {"https://"};
	static const char *const any[] = {"https://", "http://"};
	const char *key = wvl_config_get(cfg, "WL_RESEND_API_KEY");
	const char *base = wvl_config_get(cfg, "WL_RESEND_BASE_URL");
	if (!key || !*key)
		return refuse("WL_RESEND_API_KEY", "is required with WL_EMAIL_TRANSPORT=resend");
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return refuse("WL_RESEND_API_KEY", "holds characters an API key cannot have");
	/* The key travels in every request: only over TLS in production. */
	bool production = wvl_config__production(cfg);
	if (!base || !url_ok(base, production ? https : any, production ? 1 : 2))
		return refuse("WL_RESEND_BASE_URL", production ? "must be an https:// URL in production"
							       : "must be an http(s):// URL");
	return 0;
}

static int check_from(const wvl_config *cfg)
{
	char *name = NULL, *addr = NULL;
	int bad = wvl_mime__split_address(&name, &addr, wvl_config_get(cfg, "WL_EMAIL_FROM"));
	free(name);
	free(addr);
	return bad ? refuse("WL_EMAIL_FROM", "must be an address or \"Name <address>\"") : 0;
}

/* whsec_ and base64 of at least 24 bytes (Svix issues 24 to 64). */
static int check_webhook_secret(const wvl_config *cfg)
{
	const char *s = wvl_config_get(cfg, "WL_WEBHOOK_SECRET");
	if (!s || !*s)
		return 0;
	unsigned char key[256];
	size_t len = 0;
	if (strncmp(s, "whsec_", 6) != 0 ||
	    sodium_base642bin(key, sizeof(key), s + 6, strlen(s + 6), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len < 24)
		return refuse("WL_WEBHOOK_SECRET", "must be whsec_ followed by base64 of at least 24 bytes");
	sodium_memzero(key, sizeof(key));
	return 0;
}

static int validate_config(const wvl_config *cfg)
{
	const char *t = wvl_config_get(cfg, "WL_EMAIL_TRANSPORT");
	int rc = 0;
	if (!t || !strcmp(t, "mailbox")) {
		const char *dir = wvl_config_get(cfg, "WL_MAILBOX_DIR");
		if (!dir || !*dir)
			rc = refuse("WL_MAILBOX_DIR", "is required with WL_EMAIL_TRANSPORT=mailbox");
	} else if (!strcmp(t, "smtp")) {
		rc = check_smtp(cfg);
	} else if (!strcmp(t, "resend")) {
		rc = check_resend(cfg);
	} else {
		rc = refuse("WL_EMAIL_TRANSPORT", "must be resend, smtp or mailbox");
	}
	if (!rc)
		rc = check_from(cfg);
	if (!rc)
		rc = check_webhook_secret(cfg);
	return rc;
}

/* libcurl's global state lives as long as a context: curl counts the
 * calls, and since 7.84 they are thread-safe. */
static int state_new(void **out, wvl_ctx *ctx)
{
	(void)ctx;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return wvl_err__set(WVL_EINTERNAL, NULL, "libcurl could not start");
	static const char started = 1; /* a non-NULL state, so state_free runs */
	*out = (void *)&started;
	return 0;
}

static void state_free(void *state)
{
	(void)state;
	curl_global_cleanup();
}

const struct wvl_module wvl_email__module = {
	.name = "email",
	.keys = &wvl_email__keys,
	.validate_config = validate_config,
	.state_new = state_new,
	.state_free = state_free,
};

const struct wvl_email_transport *wvl_email__transport(const wvl_ctx *ctx)
{
	const char *t = wvl_config_get(ctx->cfg, "WL_EMAIL_TRANSPORT");
	if (t && !strcmp(t, "smtp"))
		return &wvl_email__smtp;
	if (t && !strcmp(t, "resend"))
		return &wvl_email__resend;
	return &wvl_email__mailbox;
}

void wvl_email__public_url(char *out, size_t len, const wvl_ctx *ctx)
{
	const char *u = wvl_config_get(ctx->cfg, "WL_PUBLIC_URL");
	snprintf(out, len, "%s", u && *u ? u : "http://127.0.0.1:8080");
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

void wvl_email__curl_defaults(CURL *h, const wvl_ctx *ctx, const char *protocols)
{
	long timeout = (long)wvl_config__uint(ctx->cfg, "WL_EMAIL_TIMEOUT", 30, 601);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	const char *ca = wvl_config_get(ctx->cfg, "WL_SMTP_CA_FILE");
	if (ca && *ca && !strncmp(protocols, "smtp", 4))
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
}

int wvl_email__curl_failed(CURLcode rc, const char *what)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_USE_SSL_FAILED:
	case CURLE_LOGIN_DENIED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		/* Configuration, not weather: retrying cannot help. */
		return wvl_err__set(WVL_EINVAL, NULL, "%s: %s", what, curl_easy_strerror(rc));
	default:
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "%s: %s", what, curl_easy_strerror(rc));
	}
}
