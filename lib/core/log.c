/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Logging through the host's handler.  The library never prints; every
 * message is scrubbed of secret-looking values before the handler sees it,
 * as a second line of defence behind "never format a secret into a log". */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static _Thread_local char bound_request[65];

void wvl_log_bind_request(const char *request_id)
{
	if (!request_id) {
		bound_request[0] = '\0';
		return;
	}
	snprintf(bound_request, sizeof(bound_request), "%s", request_id);
}

const char *wvl_log_request_id(void)
{
	return bound_request[0] ? bound_request : NULL;
}

int wvl_log_level_parse(wvl_log_level *out, const char *name)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	if (!out || !name)
		return wvl_err__set(WVL_EINVAL, NULL, "log level missing");
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(name, names[i]) == 0) {
			*out = (wvl_log_level)i;
			return 0;
		}
	}
	return wvl_err__set(WVL_EINVAL, NULL,
			    "log level must be debug, info, warn or error");
}

/* Keys whose values are never shown.  Matched case-insensitively as a
 * substring of the key, so "new_password" and "X-API-Token" match too. */
static const char *const secret_words[] = {
	"password", "passwd", "token", "secret", "cookie", "authorization",
	"api_key", "apikey", "session", "csrf"};

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int key_is_secret(const char *key, size_t len)
{
	char buf[64];
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, key, len);
	buf[len] = '\0';
	for (size_t i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
		if (strcasestr(buf, secret_words[i]))
			return 1;
	return 0;
}

/* Length of a value starting at p: a quoted string or up to a separator. */
static size_t value_len(const char *p)
{
	if (*p == '"') {
		size_t i = 1;
		while (p[i] && p[i] != '"') {
			if (p[i] == '\\' && p[i + 1])
				i++;
			i++;
		}
		return p[i] ? i + 1 : i;
	}
	size_t i = 0;
	while (p[i] && p[i] != ' ' && p[i] != ',' && p[i] != ';' && p[i] != '&' &&
	       p[i] != '}' && p[i] != '\n')
		i++;
	return i;
}

static size_t put(char *out, size_t outlen, size_t pos, const char *s, size_t n)
{
	if (pos >= outlen)
		return pos;
	size_t room = outlen - 1 - pos;
	if (n > room)
		n = room;
	memcpy(out + pos, s, n);
	return pos + n;
}

/* A "scheme://user:password@" userinfo: hide the password. */
static size_t url_password_len(const char *p)
{
	/* p points just after "://" */
	const char *colon = NULL;
	for (const char *q = p; *q && *q != '/' && *q != ' '; q++) {
		if (*q == ':' && !colon)
			colon = q;
		if (*q == '@')
			return colon ? (size_t)(q - colon - 1) : 0;
	}
	return 0;
}

size_t wvl_log_redact(char *out, size_t outlen, const char *in)
{
	if (!out || outlen == 0)
		return 0;
	size_t pos = 0;
	const char *p = in ? in : "";
	static const char red[] = "[redacted]";
	while (*p && pos < outlen - 1) {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			pos = put(out, outlen, pos, p, 3);
			p += 3;
			size_t pw = url_password_len(p);
			if (pw) {
				const char *colon = strchr(p, ':');
				pos = put(out, outlen, pos, p, (size_t)(colon - p) + 1);
				pos = put(out, outlen, pos, red, sizeof(red) - 1);
				p = colon + 1 + pw;
			}
			continue;
		}
		if (is_key_char(*p) && (p == in || !is_key_char(p[-1]))) {
			size_t k = 0;
			while (is_key_char(p[k]))
				k++;
			size_t sep = k;
			if (p[sep] == '"')
				sep++;
			while (p[sep] == ' ')
				sep++;
			if ((p[sep] == '=' || p[sep] == ':') && key_is_secret(p, k)) {
				sep++;
				while (p[sep] == ' ')
					sep++;
				if (strncasecmp(p + sep, "Bearer ", 7) == 0)
					sep += 7;
				pos = put(out, outlen, pos, p, sep);
				size_t v = value_len(p + sep);
				pos = put(out, outlen, pos, red, sizeof(red) - 1);
				p += sep + v;
				continue;
			}
			pos = put(out, outlen, pos, p, k);
			p += k;
			continue;
		}
		pos = put(out, outlen, pos, p, 1);
		p++;
	}
	out[pos] = '\0';
	return pos;
}

void wvl_log__v(const wvl_ctx *ctx, wvl_log_level level, const char *fmt,
		va_list ap)
{
	if (!ctx)
		return;
	bool report = level >= WVL_LOG_ERROR && ctx->on_error;
	if (!report && (!ctx->log_fn ||
			(int)level < __atomic_load_n(&ctx->log_level, __ATOMIC_RELAXED)))
		return;
	char raw[2048], clean[2048];
	vsnprintf(raw, sizeof(raw), fmt, ap);
	wvl_log_redact(clean, sizeof(clean), raw);
	if (ctx->log_fn && (int)level >= __atomic_load_n(&ctx->log_level, __ATOMIC_RELAXED))
		ctx->log_fn(level, wvl_log_request_id(), clean, ctx->log_payload);
	if (report)
		ctx->on_error(ctx->on_error_state, wvl_log_request_id(), clean);
}

void wvl_log(const wvl_ctx *ctx, wvl_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wvl_log__v(ctx, level, fmt, ap);
	va_end(ap);
}
