/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The two file endpoints that are more than a library call: the upload
 * and the signed link.
 *
 * The upload is the one route whose body is never held: libmicrohttpd's
 * post processor splits the multipart/form-data stream into fields and
 * the file's bytes go straight into wvl_files_upload_write (the library spools,
 * limits and hashes them).  Everything the upload decides (size, type,
 * virus, reach) is the library's; this file only takes the form apart. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/app.h"
#include "routes.h"
#include "upload_form.h"

/* The post processor's buffer: part headers (with the file name) must fit
 * in it; 64 KiB also keeps the copies per body chunk few. */
#define PP_BUFFER 65536

struct upload_state {
	struct wl_request *req;
	struct MHD_PostProcessor *pp;
	struct wl_form form;        /* what the form holds so far (upload_form.h) */
	wvl_files_upload *up;
	int64_t declared;           /* Content-Length, or -1 */
	bool failed;                /* `error` holds the answer; the rest is discarded */
	struct wl_response error;
};

/* The signed link: no session, the signature is the credential.  The file
 * goes out from its descriptor (sendfile), never through memory. */
void wl_route_files_content(struct wl_request *req, struct wl_response *resp)
{
	const char *expires = wvl_query_get(req->query, "expires");
	const char *sig = wvl_query_get(req->query, "signature");
	wvl_files_meta meta = WVL_FILES_META_INIT;
	char *disposition = NULL;
	int fd = -1;
	int rc = wvl_files_open_signed(&fd, &meta, req->srv->ctx, req->params[0], expires, sig);
	if (rc == 0 && (rc = wvl_files_content_disposition(&disposition, meta.name, 0)) != 0)
		close(fd);
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	wl_resp_fd(resp, 200, fd, (uint64_t)meta.size);
	wl_resp_header(resp, "Content-Type", meta.content_type);
	wl_resp_header(resp, "Content-Disposition", disposition);
	wl_resp_header(resp, "Content-Security-Policy", WVL_FILES_DOWNLOAD_CSP);
	wl_resp_header(resp, "X-Content-Type-Options", "nosniff");
	wl_resp_header(resp, "Cache-Control", "private, no-store");
	wvl_free(disposition);
}

/* ---- the upload ---- */

/* The first failure decides the answer; it is built now, while the
 * library's error is this thread's last. */
static void fail(struct upload_state *us, int rc, const char *detail)
{
	if (us->failed)
		return;
	us->failed = true;
	if (detail)
		wl_resp_fail(&us->error, us->req, rc, NULL, detail);
	else
		wl_resp_error(&us->error, us->req, rc);
	wvl_files_upload_abort(us->up); /* nothing of a refused upload stays on disk */
	us->up = NULL;
}

/* The form's sink: the library's upload. */
static int sink_begin(void *cls, const char *client_id, const char *filename)
{
	struct upload_state *us = cls;
	struct wl_request *req = us->req;
	return wvl_files_upload_begin(&us->up, req->srv->ctx, &req->actor, client_id, filename,
				      us->declared, NULL);
}

static int sink_write(void *cls, const char *data, size_t len)
{
	struct upload_state *us = cls;
	return wvl_files_upload_write(us->up, data, len);
}

static void sink_refused(void *cls, int rc, const char *detail) { fail(cls, rc, detail); }

static const struct wl_form_sink upload_sink = {sink_begin, sink_write, sink_refused};

static bool is_multipart(const char *ct)
{
	static const char want[] = "multipart/form-data";
	size_t n = sizeof(want) - 1;
	return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static bool upload_begin(struct wl_request *req, struct wl_response *resp)
{
	if (!is_multipart(wl_req_header(req, "Content-Type"))) {
		wl_resp_fail(resp, req, WVL_EUNSUPPORTED, NULL, "send the file as multipart/form-data");
		return false;
	}
	/* Refused from Content-Length before a byte is read: the limit plus
	 * the room the library allows for the form around the file. */
	const char *cl = wl_req_header(req, "Content-Length");
	int64_t declared = cl ? (int64_t)strtoll(cl, NULL, 10) : -1;
	uint64_t max = wvl_files_upload_max_bytes(req->srv->ctx, NULL);
	if (declared > 0 && (uint64_t)declared > max + WVL_FILES_UPLOAD_ENVELOPE_SLACK) {
		char detail[96];
		snprintf(detail, sizeof(detail), "the file is larger than the limit of %llu bytes",
			 (unsigned long long)max);
		wl_resp_fail(resp, req, WVL_ETOOLARGE, NULL, detail);
		return false;
	}
	struct upload_state *us = calloc(1, sizeof(*us));
	if (!us) {
		wl_resp_fail(resp, req, WVL_EINTERNAL, NULL, "out of memory");
		return false;
	}
	us->req = req;
	us->declared = declared;
	us->error.status = 500;
	wl_form_init(&us->form, &upload_sink, us);
	/* NULL without a usable boundary= (the only other cause, urlencoded,
	 * was refused above). */
	us->pp = MHD_create_post_processor(req->conn, PP_BUFFER, wl_form_field, &us->form);
	if (!us->pp) {
		free(us);
		wl_resp_fail(resp, req, WVL_EINVAL, NULL, "multipart/form-data without a usable boundary");
		return false;
	}
	req->stream = us;
	return true;
}

static void upload_data(struct wl_request *req, const char *data, size_t len)
{
	struct upload_state *us = req->stream;
	if (us->failed)
		return; /* read and dropped: the answer is decided */
	wl_form_post(&us->form, us->pp, data, len); /* a refusal is the form's to remember */
}

/* Moves a prepared answer into `resp`, keeping the headers already there
 * (RateLimit-* from admission). */
static void take_response(struct wl_response *resp, struct wl_response *from)
{
	for (int i = 0; i < from->nheaders; i++)
		wl_resp_header(resp, from->headers[i].name, from->headers[i].value);
	resp->status = from->status;
	resp->content_type = from->content_type;
	resp->body = from->body;
	resp->body_len = from->body_len;
	resp->body_static = from->body_static;
	from->body = NULL;
	wl_resp_reset(from);
}

static void upload_cleanup(struct wl_request *req, bool aborted)
{
	struct upload_state *us = req->stream;
	if (!us)
		return;
	if (us->pp)
		MHD_destroy_post_processor(us->pp);
	if (us->up && aborted)
		app_log_json(WVL_LOG_INFO, req->request_id, "upload aborted by the connection", NULL);
	wvl_files_upload_abort(us->up);
	wl_resp_reset(&us->error);
	free(us);
	req->stream = NULL;
}

/* The whole body has arrived: answer what was decided on the way, or
 * finish the upload. */
void wl_route_files_upload(struct wl_request *req, struct wl_response *resp)
{
	struct upload_state *us = req->stream;
	char *json = NULL;
	bool complete = MHD_destroy_post_processor(us->pp) == MHD_YES;
	us->pp = NULL;
	if (!complete || us->form.parts == 0)
		wl_form_refuse(&us->form, "malformed multipart/form-data body");
	if (!us->failed && !us->form.file_seen)
		fail(us, wvl_files_upload_finish(&json, NULL), NULL);
	if (!us->failed && us->form.client_after_file) {
		int rc = wvl_files_upload_set_client(us->up, us->form.client_id);
		if (rc)
			fail(us, rc, NULL);
	}
	if (us->failed) {
		take_response(resp, &us->error);
		return;
	}
	int rc = wvl_files_upload_finish(&json, us->up); /* consumes the upload */
	us->up = NULL;
	wl_reply(req, resp, rc, 201, json);
}

const struct wl_stream_ops wl_files_upload_stream = {upload_begin, upload_data, upload_cleanup};
