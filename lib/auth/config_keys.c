/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The auth module's WL_* keys (struct wvl_config_key in core/internal.h). */

#include "auth.h"

#define TEN_YEARS (10UL * 365 * 86400 - 1)

static const struct wvl_config_key keys[] = {
	{"WL_ARGON2_MEMORY_KIB", WVL_CFG_UINT, "19456", 8, 4UL * 1024 * 1024 - 1, NULL, 0,
	 "Argon2id memory in KiB (OWASP minimum 19456; lower only for tests)"},
	{"WL_ARGON2_ITERATIONS", WVL_CFG_UINT, "2", 1, 99, NULL, 0, "Argon2id iterations"},
	{"WL_SESSION_IDLE_SECONDS", WVL_CFG_UINT, "86400", 60, TEN_YEARS, NULL, 0,
	 "a session ends after this long without activity"},
	{"WL_SESSION_MAX_SECONDS", WVL_CFG_UINT, "2592000", 60, TEN_YEARS, NULL, 0,
	 "absolute session lifetime"},
	{"WL_SESSION_CACHE_SECONDS", WVL_CFG_UINT, "60", 0, 3600, NULL, 0,
	 "how long wl-server remembers a session for reads (checked again on every request; 0: off)"},
	{"WL_LOCKOUT_THRESHOLD", WVL_CFG_UINT, "5", 1, 999, NULL, 0, "failed logins that lock an address"},
	{"WL_LOCKOUT_WINDOW_SECONDS", WVL_CFG_UINT, "900", 1, TEN_YEARS, NULL, 0,
	 "window in which failures are counted"},
	{"WL_LOCKOUT_SECONDS", WVL_CFG_UINT, "900", 1, TEN_YEARS, NULL, 0, "how long a lock lasts"},
	{"WL_DEVICE_COOKIE_SECONDS", WVL_CFG_UINT, "31536000", 1, TEN_YEARS, NULL, 0,
	 "lifetime of the device cookie"},
	{"WL_RESET_TOKEN_SECONDS", WVL_CFG_UINT, "3600", 60, TEN_YEARS, NULL, 0,
	 "lifetime of a password reset link"},
};

const struct wvl_config_keyset wvl_auth__keys = {keys, sizeof(keys) / sizeof(keys[0])};
