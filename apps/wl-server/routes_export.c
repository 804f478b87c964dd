/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Exports answer with a file (200) or, for big ones, the job that will
 * make it (202): a shape of their own. */

#include <stdio.h>

#include "routes.h"

static void answer(struct wl_request *req, struct wl_response *resp, int rc, wvl_export_file *f)
{
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	if (f->job_json) {
		wl_reply(req, resp, 0, 202, f->job_json);
		f->job_json = NULL;
		return;
	}
	char disposition[200];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", f->filename);
	wl_resp_fd(resp, 200, f->fd, f->size);
	f->fd = -1;
	wl_resp_header(resp, "Content-Type", f->content_type);
	wl_resp_header(resp, "Content-Disposition", disposition);
	wl_resp_header(resp, "Cache-Control", "private, no-store");
}

void wl_route_clients_export(struct wl_request *req, struct wl_response *resp)
{
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	int rc = wvl_export_clients(&f, req->srv->ctx, &req->actor, req->query);
	answer(req, resp, rc, &f);
	wvl_export_file_close(&f);
}

void wl_route_analytics_export(struct wl_request *req, struct wl_response *resp)
{
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	int rc = wvl_export_analytics(&f, req->srv->ctx, &req->actor, req->query);
	answer(req, resp, rc, &f);
	wvl_export_file_close(&f);
}
