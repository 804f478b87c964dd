/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_COMPRESS_H
#define WL_COMPRESS_H

/* gzip for JSON responses, and the Accept-Encoding test static.c shares. */

#include <stdbool.h>

#include "server.h"

/* Bodies at most this long go out as they are: compressing them saves
 * less than a packet. */
#define WL_COMPRESS_MIN 1024

/* True when the Accept-Encoding value `header` (may be NULL) names
 * `coding` ("gzip", "br") with a quality above zero. */
bool wl_accepts_encoding(const char *header, const char *coding);

/* Replaces a JSON or problem body over WL_COMPRESS_MIN bytes with its gzip
 * form when the request accepts gzip (Content-Encoding, and Vary:
 * Accept-Encoding on every response that could have been compressed).
 * Leaves file bodies, bodies already encoded and short ones alone; on any
 * zlib failure the body goes out uncompressed. */
void wl_compress_response(const struct wl_request *req, struct wl_response *resp);

#endif
