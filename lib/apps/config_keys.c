/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The WL_* keys the three programs read themselves: wl-server's listener,
 * HTTP limits and HTTPS, wl-worker's health address, the configuration
 * file. */

#include "../core/internal.h"
#include "apps.h"

static const struct wvl_config_key keys[] = {
	{"WL_ENV_FILE", WVL_CFG_STRING, ".env", 0, 0, NULL, 0,
	 "the .env file the apps read (read from the environment only)"},
	{"WL_LOG_FILE", WVL_CFG_STRING, "", 0, 4000, NULL, 0,
	 "file the JSON log lines are appended to, reopened on SIGHUP; empty: standard error"},
	{"WL_LISTEN", WVL_CFG_LISTEN, "127.0.0.1:8080", 0, 0, NULL, 0, "host:port wl-server listens on"},
	{"WL_WORKER_LISTEN", WVL_CFG_LISTEN, "", 0, 0, NULL, WVL_CFG_EMPTY_OK,
	 "host:port wl-worker serves /health and /metrics on; empty: no listener"},
	{"WL_REUSE_PORT", WVL_CFG_BOOL, "false", 0, 0, NULL, 0,
	 "true: wl-server binds with SO_REUSEPORT, so a new instance can start on the port "
	 "before the old one drains (zero-downtime restarts)"},
	{"WL_CORS_ORIGINS", WVL_CFG_STRING, "", 0, 0, NULL, 0, "comma-separated allowed origins"},
	{"WL_METRICS_TOKEN", WVL_CFG_STRING, "", 0, 256, NULL, WVL_CFG_SECRET,
	 "Bearer token /metrics and the detailed health need; empty: loopback peers only"},
	{"WL_HTTP_THREADS", WVL_CFG_UINT, "0", 0, 1024, NULL, 0,
	 "wl-server worker threads; 0: two per core (at least 4, at most WL_PG_POOL_SIZE)"},
	{"WL_HTTP_CONNECTION_LIMIT", WVL_CFG_UINT, "1024", 1, 1000000, NULL, 0,
	 "total connections wl-server accepts"},
	{"WL_HTTP_PER_IP_LIMIT", WVL_CFG_UINT, "256", 0, 1000000, NULL, 0,
	 "connections per client address (0: no cap)"},
	{"WL_HTTP_TIMEOUT", WVL_CFG_UINT, "30", 1, 86400, NULL, 0, "seconds an idle connection is kept"},
	{"WL_HTTP_CONNECTION_MEMORY", WVL_CFG_UINT, "65536", 4096, 16777216, NULL, 0,
	 "bytes of buffer per connection"},
	{"WL_HTTP_BODY_LIMIT", WVL_CFG_UINT, "1048576", 1024, 1073741824, NULL, 0,
	 "largest JSON body in bytes"},
	{"WL_HTTP_HEADER_TIMEOUT", WVL_CFG_UINT, "10", 1, 3600, NULL, 0,
	 "seconds a request's headers may take, however they trickle"},
	{"WL_HTTP_BODY_TIMEOUT", WVL_CFG_UINT, "300", 1, 86400, NULL, 0,
	 "seconds a request's body may take"},
	{"WL_HTTP_MIN_RATE", WVL_CFG_UINT, "1024", 0, 1073741824, NULL, 0,
	 "bytes per second a body must keep up after 5 s; 0: none"},
	{"WL_HTTP_ANON_PER_IP_LIMIT", WVL_CFG_UINT, "32", 0, 1000000, NULL, 0,
	 "connections one address may hold before any authenticates (trusted proxies exempt); 0: no cap"},
	{"WL_STATIC_DIR", WVL_CFG_STRING, WVL_WEB_DIR, 0, 0, NULL, 0,
	 "folder of the web UI wl-server serves at /; default: where meson install puts it; empty: none"},
	{"WL_TLS_CERT", WVL_CFG_STRING, "", 0, 4000, NULL, 0,
	 "PEM certificate chain wl-server serves HTTPS with (with WL_TLS_KEY); empty: HTTP"},
	{"WL_TLS_KEY", WVL_CFG_STRING, "", 0, 4000, NULL, 0,
	 "PEM file of WL_TLS_CERT's unencrypted private key"},
};

static const struct wvl_config_keyset keyset = {keys, sizeof(keys) / sizeof(keys[0])};

const struct wvl_module wvl_apps__module = {
	.name = "apps",
	.keys = &keyset,
	.validate_config = wvl_apps__validate_tls,
};
