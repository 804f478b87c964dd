/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_UPLOAD_FORM_H
#define WL_UPLOAD_FORM_H

/* The upload's multipart/form-data form, taken apart: the state machine
 * behind libmicrohttpd's post processor that accepts the fields client_id
 * and file only, one file, at most WL_FORM_MAX_PARTS parts, and hands the
 * file's bytes on as they arrive.  Apart from routes_files.c, which binds
 * it to the library's upload calls, so it is fuzzed with a sink of its own
 * (tests/fuzz/fuzz_multipart.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

/* Parts a form may have: client_id and file are all we take, so a few
 * more than two is already a client that is up to something. */
#define WL_FORM_MAX_PARTS 8
/* A uuid is 36 characters: anything longer is kept cut short, which is
 * still not a uuid, and the library says so. */
#define WL_FORM_CLIENT_ID_MAX 63

/* Where the form's content goes.  `begin` opens the file part (client_id
 * is the client_id field when it came first, else NULL; filename may be
 * NULL); `write` takes the file's bytes in order.  Both return 0 or a
 * WVL_E* code, which ends the form.  `refused` is told once, at the
 * first failure: `rc` the sink's code with `detail` NULL, or WVL_EINVAL
 * with `detail` saying what is wrong with the form itself. */
struct wl_form_sink {
	int (*begin)(void *cls, const char *client_id, const char *filename);
	int (*write)(void *cls, const char *data, size_t len);
	void (*refused)(void *cls, int rc, const char *detail);
};

enum wl_form_part { WL_FORM_NONE, WL_FORM_CLIENT, WL_FORM_FILE };

struct wl_form {
	const struct wl_form_sink *sink;
	void *cls;
	unsigned int parts;
	enum wl_form_part cur;
	uint64_t cur_name;    /* hash of the current part's filename (0: none) */
	bool cur_empty_start; /* the last call opened a part with no bytes */
	unsigned long reads;  /* pieces of the body fed so far (wl_form_post) */
	unsigned long empty_read; /* the piece in which that empty call came */
	bool client_seen, file_seen, client_after_file;
	char client_id[WL_FORM_CLIENT_ID_MAX + 1];
	size_t client_len;
	bool failed;          /* the sink was told; everything after is dropped */
};

/* A form feeding `sink`. */
void wl_form_init(struct wl_form *f, const struct wl_form_sink *sink, void *cls);

/* The post processor's iterator (MHD_PostDataIterator); cls is the form.
 *
 * libmicrohttpd 0.9.75 calls it once at the start of each part even with no
 * bytes yet, and then again from offset 0 when the bytes come, always in a
 * later MHD_post_process (it waits for more of the body): so a call at
 * offset 0 after such an empty one is the same part, unless its field or
 * filename differ or it comes in the same piece.  An empty part followed
 * by a part of the same field and filename, with a piece of the body
 * ending between them, cannot be told from one part given in two calls and
 * is read as one (found by tests/fuzz/fuzz_multipart.c): harmless, the
 * empty one adds nothing, but "client_id given twice" and "one file per
 * request" are not said in that case. */
enum MHD_Result wl_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *filename, const char *content_type,
			      const char *transfer_encoding, const char *data, uint64_t off,
			      size_t size);

/* Feeds the next piece of the body to `pp` (made with wl_form_field and
 * this form).  False when libmicrohttpd found the body malformed: the form
 * is refused then. */
bool wl_form_post(struct wl_form *f, struct MHD_PostProcessor *pp, const char *data, size_t len);

/* Refuses the form as malformed (the body did not parse), unless it
 * failed already. */
void wl_form_refuse(struct wl_form *f, const char *detail);

#endif
