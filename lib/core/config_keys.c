/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The core's WL_* keys (struct wvl_config_key): the connections, the
 * secret, the environment and the log level.  Each module declares its
 * own keys in a config_keys.c of its folder. */

#include "internal.h"

#define PG_FORM "libpq URL or key=value pairs (postgresql://user@host:5432/db)"

static const struct wvl_config_key keys[] = {
	{"WL_DATABASE_URL", WVL_CFG_PG_URL, "postgresql://wavelaunch_app@127.0.0.1:5432/wavelaunch",
	 0, 0, NULL, WVL_CFG_SECRET,
	 "libpq URL of the app role (not owner, not superuser, not BYPASSRLS)"},
	{"WL_MIGRATE_DATABASE_URL", WVL_CFG_PG_URL, "", 0, 0, NULL,
	 WVL_CFG_SECRET | WVL_CFG_EMPTY_OK, "owner connection for wl-migrate; empty: WL_DATABASE_URL"},
	{"WL_APP_ROLE", WVL_CFG_STRING, "wavelaunch_app", 1, 63, NULL, 0,
	 "name of the app role wl-migrate creates"},
	{"WL_PG_POOL_SIZE", WVL_CFG_UINT, "16", 1, 999, NULL, 0,
	 "PostgreSQL connections per process"},
	{"WL_REDIS_URL", WVL_CFG_REDIS_URL, "redis://127.0.0.1:6379/0", 0, 0, NULL,
	 WVL_CFG_SECRET | WVL_CFG_EMPTY_OK,
	 "redis://[[user]:password@]host[:port][/db]; empty: no Redis"},
	{"WL_REDIS_TLS_CA", WVL_CFG_STRING, "", 0, 4000, NULL, 0,
	 "PEM file of the CA(s) a rediss:// server's certificate must chain to; empty: the "
	 "system's CAs"},
	{"WL_REDIS_TLS_CERT", WVL_CFG_STRING, "", 0, 4000, NULL, 0,
	 "PEM client certificate for rediss:// (with WL_REDIS_TLS_KEY); empty: none"},
	{"WL_REDIS_TLS_KEY", WVL_CFG_STRING, "", 0, 4000, NULL, 0,
	 "PEM file of WL_REDIS_TLS_CERT's unencrypted private key"},
	{"WL_REDIS_POOL_SIZE", WVL_CFG_UINT, "8", 1, 999, NULL, 0, "Redis connections per process"},
	{"WL_SECRET_KEY", WVL_CFG_STRING, "", 0, 0, NULL, WVL_CFG_SECRET | WVL_CFG_EMPTY_OK,
	 "base64 of at least 32 random bytes (wl-migrate gen-secret)"},
	{"WL_ENV", WVL_CFG_ENUM, "development", 0, 0, "development|production", 0,
	 "development or production"},
	{"WL_PUBLIC_URL", WVL_CFG_HTTP_URL, "http://127.0.0.1:8080", 0, 0, NULL, 0,
	 "external base URL; https makes cookies Secure"},
	{"WL_LOG_LEVEL", WVL_CFG_ENUM, "info", 0, 0, "debug|info|warn|error", 0,
	 "debug, info, warn or error"},
};

const struct wvl_config_keyset wvl_core__keys = {keys, sizeof(keys) / sizeof(keys[0])};
