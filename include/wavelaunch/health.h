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
