/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* gzip of JSON responses (zlib).  Lists and documents of a few KiB shrink
 * five- to tenfold, which is what a phone on a slow link waits for.  Level
 * 1: JSON compresses nearly as well at the fastest level, and wl-server's
 * CPU per request is what its throughput is made of (docs/PERFORMANCE.md). */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "compress.h"

#define GZIP_LEVEL 1

bool wl_accepts_encoding(const char *header, const char *coding)
{
	size_t cl = strlen(coding);
	for (const char *p = header; p && *p;) {
		p += strspn(p, " \t,");
		size_t item = strcspn(p, ","), tok = strcspn(p, " \t,;");
		if (tok == cl && strncasecmp(p, coding, cl) == 0) {
			const char *q = strstr(p, "q=");
			return !q || q > p + item || strtod(q + 2, NULL) > 0;
		}
		p += item;
	}
	return false;
}

static bool compressible(const struct wl_response *resp)
{
	const char *ct = resp->content_type;
	if (resp->has_fd || !resp->body || resp->body_len <= WL_COMPRESS_MIN || !ct)
		return false;
	if (strncmp(ct, "application/json", 16) != 0 && strcmp(ct, "application/problem+json") != 0)
		return false;
	for (int i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, "Content-Encoding") == 0)
			return false;
	return true;
}

/* The gzip form of `in`, or NULL. */
static char *gzip(const char *in, size_t len, size_t *out_len)
{
	z_stream zs = {0};
	if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong cap = deflateBound(&zs, (uLong)len);
	char *out = malloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	int rc = out ? deflate(&zs, Z_FINISH) : Z_MEM_ERROR;
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

void wl_compress_response(const struct wl_request *req, struct wl_response *resp)
{
	if (!compressible(resp) || resp->body_len > UINT32_MAX)
		return;
	wl_resp_header(resp, "Vary", "Accept-Encoding");
	if (!wl_accepts_encoding(wl_req_header(req, "Accept-Encoding"), "gzip"))
		return;
	size_t n = 0;
	char *z = gzip(resp->body, resp->body_len, &n);
	if (!z || n >= resp->body_len) {
		free(z);
		return;
	}
	if (!resp->body_static)
		free(resp->body);
	resp->body = z;
	resp->body_len = n;
	resp->body_static = false;
	wl_resp_header(resp, "Content-Encoding", "gzip");
}
