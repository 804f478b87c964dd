/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_STATIC_H
#define WL_STATIC_H

/* The web UI's files (WL_STATIC_DIR) for GET and HEAD outside /api. */

#include <stdbool.h>

#include "server.h"

/* Longest path (after libmicrohttpd's percent-decoding) looked up. */
#define WL_STATIC_PATH_MAX 512

/* Answers `req` from the web UI's folder: a file, index.html for a client
 * route (a path whose last segment has no dot), 304 when the ETag
 * matches, or a problem for a path that may not be looked up (a `.` or
 * `..` segment, a control character or backslash, an empty segment, one
 * longer than WL_STATIC_PATH_MAX).  False when the request is not for the
 * UI (another method, /api, /metrics, no folder configured) or the asset
 * does not exist: the caller answers 404 as for any unknown path.  Files
 * are opened beneath the folder only: symlinks that leave it are refused.
 * Thread-safe. */
bool wl_static_serve(struct wl_request *req, struct wl_response *resp);

#endif
