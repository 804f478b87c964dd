/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The rate limiter's WL_* keys (struct wvl_config_key in core/internal.h).
 * The rule keys' <requests>/<window> form and WL_TRUSTED_PROXIES' ranges
 * are checked by the module's validate_config hook (policy.c). */

#include "ratelimit_int.h"

static const struct wvl_config_key keys[] = {
	{"WL_RATELIMIT_ENABLED", WVL_CFG_BOOL, "true", 0, 0, NULL, 0,
	 "false switches request rate limits off (the lockout stays)"},
	{"WL_REDIS_PREFIX", WVL_CFG_STRING, "wl:", 0, 64, NULL, 0,
	 "prefix of every Redis key (several deployments may share one Redis)"},
	{"WL_TRUSTED_PROXIES", WVL_CFG_STRING, "", 0, 0, NULL, 0,
	 "comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is believed"},
	{"WL_RATELIMIT_LOGIN", WVL_CFG_STRING, "5/15m", 0, 0, NULL, 0,
	 "POST /api/auth/login per IP: <requests>/<window>, window in s, m, h or d"},
	{"WL_RATELIMIT_PASSWORD", WVL_CFG_STRING, "3/1h", 0, 0, NULL, 0,
	 "POST /api/auth/password/forgot and /reset per IP"},
	{"WL_RATELIMIT_WRITE", WVL_CFG_STRING, "100/15m", 0, 0, NULL, 0,
	 "other POST/PUT/PATCH/DELETE under /api per user (IP when anonymous)"},
	{"WL_RATELIMIT_READ", WVL_CFG_STRING, "300/15m", 0, 0, NULL, 0,
	 "GET under /api per user (IP when anonymous)"},
	{"WL_RATELIMIT_LEASE", WVL_CFG_UINT, "32", 1, 1024, NULL, 0,
	 "most read admissions one Redis call may lease to a busy key (1: ask every time)"},
	{"WL_RATELIMIT_FALLBACK_SIZE", WVL_CFG_UINT, "65536", 64, 16777216, NULL, 0,
	 "keys the in-process limiter keeps while Redis is down (64..16777216)"},
};

const struct wvl_config_keyset wvl_ratelimit__keys = {keys, sizeof(keys) / sizeof(keys[0])};
