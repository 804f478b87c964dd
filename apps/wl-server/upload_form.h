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
	bool cur_has_name;    /* the current part came with a filename */
	bool cur_empty_start; /* the last call opened a part with no bytes */
	bool client_seen, file_seen, client_after_file;
	char client_id[WL_FORM_CLIENT_ID_MAX + 1];
	size_t client_len;
	bool failed;          /* the sink was told; everything after is dropped */
};

/* A form feeding `sink`. */
void wl_form_init(struct wl_form *f, const struct wl_form_sink *sink, void *cls);

/* The post processor's iterator (MHD_PostDataIterator); cls is the form. */
enum MHD_Result wl_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *filename, const char *content_type,
			      const char *transfer_encoding, const char *data, uint64_t off,
			      size_t size);

/* Refuses the form as malformed (the body did not parse), unless it
 * failed already. */
void wl_form_refuse(struct wl_form *f, const char *detail);

#endif
