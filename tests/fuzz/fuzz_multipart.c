/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the upload's multipart/form-data path: libmicrohttpd's post
 * processor, created on a real connection (mhdfix.c) as wl-server creates
 * it, driving the form state machine of apps/wl-server/upload_form.c
 * (client_id and file only, one file, at most 8 parts) into a sink that
 * stands for the library's upload and takes at most SINK_LIMIT bytes.
 * The body is fed in pieces of a size the input chooses, as TCP would.
 *
 * Input: a mode byte, then
 *  - mode 0 (a form): a piece size, then parts, each a flags byte
 *    (1: a filename, 2: a Content-Type line), the name's length and
 *    bytes, the filename's length and bytes, the content's length (two
 *    bytes) and bytes.  The harness writes the form; the outcome must be
 *    the one a reference written here from the form's rules gives: the
 *    first part that is not client_id or file, repeats one, or is the
 *    ninth refuses the form; so does a file over the sink's limit; else
 *    the sink received exactly the file's bytes, with the client_id
 *    given before it (or the client_id is kept for afterwards), and
 *    nothing is lost or invented on the way through libmicrohttpd.
 *  - mode 1 (any body): a piece size, the boundary parameter up to '\n',
 *    then the body as sent.
 * For every input: no crash or sanitizer report, and the sink is used in
 * order: begin at most once and before any write, nothing after a
 * refusal, which comes at most once; the part count and the client_id
 * stay within their bounds.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mhdfix.h"
#include "upload_form.h"

#define SINK_LIMIT 3000
#define BOUNDARY "wlfuzz7MA4YWxkTrZu0gW"

struct sink {
	int begins, refusals;
	bool client_given;
	char client[WL_FORM_CLIENT_ID_MAX + 1];
	char filename[512];
	bool has_filename;
	char *bytes;
	size_t len;
	int rc;
	const char *detail;
};

static int s_begin(void *cls, const char *client_id, const char *filename)
{
	struct sink *s = cls;
	FUZZ_CHECK(!s->refusals, "multipart: begin after a refusal");
	FUZZ_CHECK(s->begins++ == 0, "multipart: a second file begun");
	s->client_given = client_id != NULL;
	snprintf(s->client, sizeof(s->client), "%s", client_id ? client_id : "");
	s->has_filename = filename != NULL;
	snprintf(s->filename, sizeof(s->filename), "%s", filename ? filename : "");
	return 0;
}

static int s_write(void *cls, const char *data, size_t len)
{
	struct sink *s = cls;
	FUZZ_CHECK(!s->refusals, "multipart: write after a refusal");
	FUZZ_CHECK(s->begins == 1, "multipart: write before begin");
	FUZZ_CHECK(len > 0, "multipart: an empty write");
	if (s->len + len > SINK_LIMIT)
		return WVL_ETOOLARGE;
	s->bytes = realloc(s->bytes, s->len + len);
	memcpy(s->bytes + s->len, data, len);
	s->len += len;
	return 0;
}

static void s_refused(void *cls, int rc, const char *detail)
{
	struct sink *s = cls;
	FUZZ_CHECK(s->refusals++ == 0, "multipart: refused twice");
	s->rc = rc;
	s->detail = detail;
}

static const struct wl_form_sink sink_ops = {s_begin, s_write, s_refused};

struct run {
	const char *body;
	size_t len, piece;
	struct wl_form form;
	struct sink sink;
	bool pp_made;
};

/* What wl-server does with the body (routes_files.c): the post processor
 * on the connection, the body piece by piece, and the end. */
static void on_headers(struct MHD_Connection *conn, const char *method, const char *url,
		       void *cls)
{
	(void)method;
	(void)url;
	struct run *r = cls;
	wl_form_init(&r->form, &sink_ops, &r->sink);
	struct MHD_PostProcessor *pp =
		MHD_create_post_processor(conn, 65536, wl_form_field, &r->form);
	if (!pp)
		return;
	r->pp_made = true;
	for (size_t off = 0; off < r->len && !r->form.failed;) {
		size_t n = r->piece && r->piece < r->len - off ? r->piece : r->len - off;
		wl_form_post(&r->form, pp, r->body + off, n);
		off += n;
	}
	if (MHD_destroy_post_processor(pp) != MHD_YES || r->form.parts == 0)
		wl_form_refuse(&r->form, "malformed multipart/form-data body");
}

static void check_bounds(const struct run *r)
{
	const struct wl_form *f = &r->form;
	FUZZ_CHECK(f->parts <= WL_FORM_MAX_PARTS + 1, "multipart: %u parts counted", f->parts);
	FUZZ_CHECK(f->client_len <= WL_FORM_CLIENT_ID_MAX && f->client_id[f->client_len] == '\0',
		   "multipart: client_id of %zu bytes", f->client_len);
	FUZZ_CHECK(f->failed == (r->sink.refusals == 1), "multipart: refusal not told");
	FUZZ_CHECK(!r->sink.begins || f->file_seen, "multipart: a file begun unseen");
}

static void run_form(struct run *r, const char *boundary)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "POST /api/files HTTP/1.1\r\nHost: app.example\r\n"
			 "Content-Type: multipart/form-data; %s\r\nContent-Length: 0\r\n\r\n",
			 boundary);
	if (n > 0 && (size_t)n < sizeof(head))
		mhdfix_run(head, (size_t)n, on_headers, r);
	check_bounds(r);
}

/* ---- mode 0: a form the harness writes ---- */

struct part {
	unsigned flags;
	char name[64], filename[64];
	const uint8_t *content;
	size_t len;
};

/* Bytes that would change the form's structure in a quoted header value
 * are replaced: the reference speaks of the form the harness meant. */
static void take_text(struct fuzz_in *in, char *out, size_t cap)
{
	size_t n = fuzz_byte(in) % cap, i = 0;
	for (; i < n && in->n; i++) {
		char c = (char)fuzz_byte(in);
		out[i] = (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '\0' || c == ';') ? 'x' : c;
	}
	out[i] = '\0';
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	return n && memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* The reference's verdict: 0 (accepted, with `file` the file part or
 * NULL), or WVL_EINVAL / WVL_ETOOLARGE. */
static int ref_outcome(const struct part *p, size_t np, const struct part **file,
		       const struct part **client, bool *client_first)
{
	*file = *client = NULL;
	*client_first = false;
	for (size_t i = 0; i < np; i++) {
		bool is_file = !strcmp(p[i].name, "file"), is_client = !strcmp(p[i].name, "client_id");
		if (i == WL_FORM_MAX_PARTS || (!is_file && !is_client) || (is_file && *file) ||
		    (is_client && *client))
			return WVL_EINVAL;
		if (is_file) {
			*file = &p[i];
			*client_first = *client != NULL;
			if (p[i].len > SINK_LIMIT)
				return WVL_ETOOLARGE;
		} else {
			*client = &p[i];
		}
	}
	return np == 0 ? WVL_EINVAL : 0;
}

/* An empty part followed by one of the same field and filename reads as
 * one part when a piece of the body ends between them (upload_form.h):
 * such forms sent in pieces are checked for safety only. */
static bool ambiguous(const struct part *p, size_t np)
{
	for (size_t i = 0; i + 1 < np; i++)
		if (!p[i].len && !strcmp(p[i].name, p[i + 1].name) &&
		    (p[i].flags & 1) == (p[i + 1].flags & 1) &&
		    (!(p[i].flags & 1) || !strcmp(p[i].filename, p[i + 1].filename)))
			return true;
	return false;
}

static void check_form(const struct run *r, const struct part *p, size_t np)
{
	if (r->piece && ambiguous(p, np))
		return;
	const struct part *file, *client;
	bool client_first;
	int want = ref_outcome(p, np, &file, &client, &client_first);
	const struct sink *s = &r->sink;
	FUZZ_CHECK(r->pp_made, "multipart: no post processor for a good boundary");
	if (want) {
		FUZZ_CHECK(s->refusals && s->rc == want, "multipart: want %d, got %s %d (%s)", want,
			   s->refusals ? "refusal" : "no refusal", s->rc, s->detail ? s->detail : "-");
		return;
	}
	FUZZ_CHECK(!s->refusals, "multipart: a good form refused: %d %s", s->rc,
		   s->detail ? s->detail : "-");
	const struct wl_form *f = &r->form;
	FUZZ_CHECK(f->file_seen == (file != NULL) && s->begins == (file != NULL),
		   "multipart: file seen %d, begun %d", f->file_seen, s->begins);
	FUZZ_CHECK(f->client_seen == (client != NULL), "multipart: client_id seen %d", f->client_seen);
	if (client) {
		char want_id[WL_FORM_CLIENT_ID_MAX + 1];
		size_t n = client->len < WL_FORM_CLIENT_ID_MAX ? client->len : WL_FORM_CLIENT_ID_MAX;
		memcpy(want_id, client->content, n);
		want_id[n] = '\0';
		FUZZ_CHECK(f->client_len == n && !memcmp(f->client_id, client->content, n),
			   "multipart: client_id \"%s\", want \"%s\"", f->client_id, want_id);
		FUZZ_CHECK(f->client_after_file == (file && !client_first),
			   "multipart: client_id after the file not noted");
	}
	if (file) {
		FUZZ_CHECK(s->client_given == client_first, "multipart: client_id %s to begin",
			   s->client_given ? "given" : "not given");
		bool named = file->flags & 1;
		FUZZ_CHECK(s->has_filename == named && (!named || !strcmp(s->filename, file->filename)),
			   "multipart: filename \"%s\", want \"%s\"", s->filename,
			   named ? file->filename : "(none)");
		FUZZ_CHECK(s->len == file->len && (!s->len || !memcmp(s->bytes, file->content, s->len)),
			   "multipart: %zu bytes of the file arrived, want %zu", s->len, file->len);
	}
}

static void form_mode(struct fuzz_in *in)
{
	struct part p[WL_FORM_MAX_PARTS + 2];
	size_t np = 0;
	size_t piece = fuzz_byte(in);
	while (in->n && np < sizeof(p) / sizeof(p[0])) {
		struct part *q = &p[np++];
		q->flags = fuzz_byte(in);
		take_text(in, q->name, sizeof(q->name));
		take_text(in, q->filename, sizeof(q->filename));
		if (!q->filename[0])
			strcpy(q->filename, "f"); /* an empty filename= is its own question */
		size_t len = (size_t)fuzz_byte(in) << 8 | fuzz_byte(in);
		q->len = len < in->n ? len : in->n;
		q->content = in->p;
		in->p += q->len;
		in->n -= q->len;
	}
	size_t cap = 256;
	for (size_t i = 0; i < np; i++) {
		cap += 256 + p[i].len;
		if (contains(p[i].content, p[i].len, BOUNDARY))
			return; /* the boundary must not occur in a part */
	}
	char *body = malloc(cap), *w = body;
	for (size_t i = 0; i < np; i++) {
		w += sprintf(w, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"", p[i].name);
		if (p[i].flags & 1)
			w += sprintf(w, "; filename=\"%s\"", p[i].filename);
		w += sprintf(w, "\r\n%s\r\n", p[i].flags & 2 ? "Content-Type: application/octet-stream\r\n" : "");
		memcpy(w, p[i].content, p[i].len);
		w += p[i].len;
		w += sprintf(w, "\r\n");
	}
	w += sprintf(w, "--" BOUNDARY "--\r\n");
	struct run r = {.body = body, .len = (size_t)(w - body), .piece = piece};
	run_form(&r, "boundary=" BOUNDARY);
	check_form(&r, p, np);
	free(r.sink.bytes);
	free(body);
}

static void body_mode(struct fuzz_in *in)
{
	size_t piece = fuzz_byte(in);
	char *boundary = fuzz_until(in, '\n', NULL);
	size_t len;
	char *body = fuzz_rest(in, &len);
	struct run r = {.body = body, .len = len, .piece = piece};
	if (!strpbrk(boundary, "\r\n"))
		run_form(&r, boundary);
	free(r.sink.bytes);
	free(boundary);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_in in = {data, size};
	if (fuzz_byte(&in) & 1)
		body_mode(&in);
	else
		form_mode(&in);
	return 0;
}
