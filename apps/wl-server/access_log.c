/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The access log: one JSON line per request (method, path, route, status,
 * duration, client address) through the apps' log sink, and the request
 * metrics. */

#include <stdio.h>
#include <stdlib.h>

#include "../common/app.h"
#include "access_log.h"
#include "metrics.h"
#include "server.h"

void wl_access_log(const struct wl_request *req, unsigned int status, double secs)
{
	const char *route = req->route ? req->route : "unmatched";
	wl_metrics_observe(route, req->method, status, secs);
	/* An answer the server could not give is reported (WL_SENTRY_DSN);
	 * 503 says a service is away, which health and metrics show. */
	if (status >= 500 && status != 503) {
		char what[300];
		snprintf(what, sizeof(what), "%s %s answered %u", req->method, route, status);
		(void)wvl_sentry_report(req->srv->ctx, "wl-server", req->request_id, what);
	}
	if (!app_log_enabled(status >= 500 ? WVL_LOG_ERROR : WVL_LOG_INFO))
		return; /* nothing to format when WL_LOG_LEVEL is above info */
	char *extra = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&extra, &len);
	if (!f)
		return;
	fprintf(f, "\"method\":\"");
	app_json_escape(f, req->method);
	fprintf(f, "\",\"path\":\"");
	app_json_escape(f, req->path);
	fprintf(f, "\",\"route\":\"%s\",\"status\":%u,\"duration_ms\":%.3f,\"ip\":\"", route, status,
		secs * 1000.0);
	app_json_escape(f, req->client_ip);
	fputc('"', f);
	fclose(f);
	app_log_json(status >= 500 ? WVL_LOG_ERROR : WVL_LOG_INFO, req->request_id, "request",
		     extra);
	free(extra);
}
