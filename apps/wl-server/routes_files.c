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

/* Parts a form may have: client_id and file are all we take, so a few
 * more than two is already a client that is up to something. */
#define MAX_PARTS 8
/* The post processor's buffer: part headers (with the file name) must fit
 * in it; 64 KiB also keeps the copies per body chunk few. */
#define PP_BUFFER 65536
/* A uuid is 36 characters: anything longer is kept cut short, which is
 * still not a uuid, and the library says so. */
#define CLIENT_ID_MAX 63

enum part { PART_NONE, PART_CLIENT, PART_FILE };

struct upload_state {
	struct wl_request *req;
	struct MHD_PostProcessor *pp;
	wvl_files_upload *up;
	int64_t declared;           /* Content-Length, or -1 */
	unsigned int parts;
	enum part cur;
	bool cur_has_name;          /* the current part came with a filename */
	bool cur_empty_start;       /* the last call opened a part with no bytes */
	bool client_seen, file_seen, client_after_file;
	char client_id[CLIENT_ID_MAX + 1];
	size_t client_len;
	bool failed;                /* `error` holds the answer; the rest is discarded */
	struct wl_response error;
};

/* The signed link: no session, the signature is the credential.  The file
 * goes out from its descriptor (sendfile), never through memory. */
void wl_route_files_content(struct wl_request *req, struct wl_response *resp)
{
	const char *expires = wvl_query_get(req->query, "expires");
	const char *sig = wvl_query_get(req->query, "signature");
	wvl_files_meta meta;
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
static void fail(struct upload_state *us, int rc)
{
	if (us->failed)
		return;
	us->failed = true;
	wl_resp_error(&us->error, us->req, rc);
	wvl_files_upload_abort(us->up); /* nothing of a refused upload stays on disk */
	us->up = NULL;
}

/* A refusal of the form itself (its shape, not its content). */
static void fail_with(struct upload_state *us, const char *detail)
{
	if (us->failed)
		return;
	us->failed = true;
	wl_resp_fail(&us->error, us->req, WVL_EINVAL, NULL, detail);
	wvl_files_upload_abort(us->up);
	us->up = NULL;
}

static enum part part_of(const char *key)
{
	return !key ? PART_NONE
	       : !strcmp(key, "client_id") ? PART_CLIENT
	       : !strcmp(key, "file") ? PART_FILE : PART_NONE;
}

/* Opens a part.  False when the form is refused. */
static bool open_part(struct upload_state *us, const char *key, const char *filename)
{
	if (++us->parts > MAX_PARTS) {
		fail_with(us, "too many parts in the form");
		return false;
	}
	enum part kind = part_of(key);
	if (kind == PART_NONE) {
		fail_with(us, "the form takes the fields client_id and file only");
		return false;
	}
	if ((kind == PART_CLIENT && us->client_seen) || (kind == PART_FILE && us->file_seen)) {
		fail_with(us, kind == PART_FILE ? "one file per request" : "client_id given twice");
		return false;
	}
	us->cur = kind;
	us->cur_has_name = filename != NULL;
	if (kind == PART_CLIENT) {
		us->client_seen = true;
		us->client_after_file = us->file_seen;
		return true;
	}
	us->file_seen = true;
	struct wl_request *req = us->req;
	int rc = wvl_files_upload_begin(&us->up, req->srv->ctx, &req->actor,
				  us->client_seen ? us->client_id : NULL, filename, us->declared,
				  NULL);
	if (rc)
		fail(us, rc);
	return rc == 0;
}

/* Within a part only the first call may carry no bytes, and every part
 * starts at offset 0: so a call at offset 0 opens a part unless it follows
 * an empty opening call of the same field. */
static bool opens_part(const struct upload_state *us, const char *key, const char *filename,
		       uint64_t off, size_t size)
{
	if (off != 0)
		return false;
	if (!us->cur_empty_start || size == 0)
		return true;
	return part_of(key) != us->cur || (filename != NULL) != us->cur_has_name;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *filename, const char *content_type,
				const char *transfer_encoding, const char *data, uint64_t off,
				size_t size)
{
	(void)kind;
	(void)content_type; /* the client's word on the type counts for nothing */
	(void)transfer_encoding;
	struct upload_state *us = cls;
	if (us->failed)
		return MHD_NO;
	if (opens_part(us, key, filename, off, size) && !open_part(us, key, filename))
		return MHD_NO;
	us->cur_empty_start = off == 0 && size == 0;
	if (us->cur == PART_CLIENT) {
		size_t room = CLIENT_ID_MAX - us->client_len;
		size_t n = size < room ? size : room;
		memcpy(us->client_id + us->client_len, data, n);
		us->client_len += n;
		us->client_id[us->client_len] = '\0';
		return MHD_YES;
	}
	int rc = size ? wvl_files_upload_write(us->up, data, size) : 0;
	if (rc)
		fail(us, rc); /* WVL_ETOOLARGE: the rest is read and dropped, 413 at the end */
	return rc ? MHD_NO : MHD_YES;
}

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
	/* NULL without a usable boundary= (the only other cause, urlencoded,
	 * was refused above). */
	us->pp = MHD_create_post_processor(req->conn, PP_BUFFER, on_field, us);
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
	if (MHD_post_process(us->pp, data, len) != MHD_YES)
		fail_with(us, "malformed multipart/form-data body");
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
	if (!us->failed && (!complete || us->parts == 0))
		fail_with(us, "malformed multipart/form-data body");
	if (!us->failed && !us->file_seen)
		fail(us, wvl_files_upload_finish(&json, NULL));
	if (!us->failed && us->client_after_file) {
		int rc = wvl_files_upload_set_client(us->up, us->client_id);
		if (rc)
			fail(us, rc);
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
