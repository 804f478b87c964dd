/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_HEALTH_H
#define WAVELAUNCH_HEALTH_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Probes every dependency and builds the health document:
 * {"status":"ok"|"degraded"|"down","timestamp":RFC3339,"version":"x.y.z",
 *  "services":{"database":{"status","latency"},"redis":{...},"email":{...},
 *  "storage":{...},"virus_scanner":{...},"ai":{...}}}
 * where latency is in milliseconds (null when not probed) and a service that
 * is not built or not configured reports "not_configured".
 *
 * `*out_json` is the caller's (wvl_free).  `*out_healthy` is 0 when the
 * database is unreachable (the API answers 503) and 1 otherwise.  Returns 0,
 * or WVL_EINVAL / WVL_EINTERNAL; a down dependency is a result, not an error.
 * Thread-safe.
 */
WVL_EXTERN int wvl_health_check(char **out_json, int *out_healthy,
				wvl_ctx *ctx) WVL_WARN_UNUSED;

/**
 * The operator's health document: wvl_health_check's, plus what is not
 * for the public (each service's details: storage used/free/total bytes,
 * objects, the scanner's `required`, the email transport), "pools"
 * ({"postgresql"|"redis":{size,open,in_use,waits,timeouts,reconnects}})
 * and "queues" ({queue:{state:count}} of jobs not finished).  Same
 * ownership and return values as wvl_health_check.  Thread-safe.
 */
WVL_EXTERN int wvl_health_details(char **out_json, int *out_healthy,
				  wvl_ctx *ctx) WVL_WARN_UNUSED;

/**
 * Whether a request may read /metrics and the detailed health
 * (WL_METRICS_TOKEN as DESIGN.md pins it): with a token set, it needs
 * `authorization` "Bearer <token>" (compared in constant time); unset,
 * only a loopback `peer_ip` (the socket's peer) whose request was not
 * `forwarded` by a proxy.  Returns 0 when allowed, WVL_EUNAUTHENTICATED
 * (token set, missing or wrong), WVL_EFORBIDDEN (no token, not loopback)
 * or WVL_EINVAL (ctx NULL).  Thread-safe.
 */
WVL_EXTERN int wvl_health_operator_access(const wvl_ctx *ctx, const char *peer_ip,
					  bool forwarded, const char *authorization)
	WVL_WARN_UNUSED;

/**
 * Probes one dependency, "database" (SELECT 1) or "redis" (PING), as the
 * health document does: `*out_status` becomes "ok", "down" or
 * "not_configured" (static strings) and `*out_latency_ms` the round trip
 * in milliseconds, or -1 when not probed.  Returns 0, or WVL_EINVAL for
 * another service name or NULL arguments; a down service is a result, not
 * an error.  Thread-safe.
 */
WVL_EXTERN int wvl_health_probe(const char **out_status, double *out_latency_ms,
				wvl_ctx *ctx, const char *service) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
