/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ACCESS_LOG_H
#define WL_ACCESS_LOG_H

/* One structured line per answered request, and its metrics. */

#include "server.h"

void wl_access_log(const struct wl_request *req, unsigned int status, double seconds);

#endif
