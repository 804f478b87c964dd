/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_FILES_INTERNAL_H
#define WVL_FILES_INTERNAL_H

/* Internal to the files module: storage backends, the clamd client, type
 * detection, zip limits and link signing.  Never installed. */

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "../core/internal.h"
#include "wavelaunch/files.h"
#include "wavelaunch/worker.h"

/* ---- storage (storage.c) ----
 * A backend keeps immutable objects under opaque keys.  Uploads are first
 * spooled into a local temporary file (validation and scanning need to
 * read it more than once); put() then hands that file to the backend.  An
 * S3 backend would spool the same way and upload in put(). */

#define WVL_STORAGE_KEY_LEN 32 /* hex characters of a random 128-bit key */

struct wvl_spool {
	int fd;              /* read/write, positioned anywhere */
	char *path;          /* named fallback file, or NULL for O_TMPFILE */
};

struct wvl_storage;
struct wvl_storage_ops {
	/* A new, empty temporary file that vanishes unless put(). */
	int (*spool_open)(struct wvl_storage *st, struct wvl_spool *out);
	/* Makes the spooled bytes the object `key`; the spool stays open
	 * (the caller still closes it with wvl_storage__spool_close). */
	int (*put)(struct wvl_storage *st, struct wvl_spool *sp, const char *key);
	/* A read-only descriptor on object `key`; WVL_ENOTFOUND if missing. */
	int (*open_read)(struct wvl_storage *st, const char *key, int *out_fd);
	/* Removes object `key`; a missing object is not an error. */
	int (*remove)(struct wvl_storage *st, const char *key);
	/* Bytes and objects stored. */
	int (*usage)(struct wvl_storage *st, uint64_t *bytes, uint64_t *objects);
	void (*free)(struct wvl_storage *st);
};

struct wvl_storage {
	const struct wvl_storage_ops *ops;
	void *impl;
};

/* The backend the configuration selects (today: local, WL_STORAGE_DIR). */
int wvl_storage__open(const wvl_ctx *ctx, struct wvl_storage **out);
void wvl_storage__free(struct wvl_storage *st);
/* Closes a spool, unlinking a named fallback file.  Accepts fd -1. */
void wvl_storage__spool_close(struct wvl_spool *sp);
/* A fresh random key (WVL_STORAGE_KEY_LEN hex + NUL). */
void wvl_storage__new_key(char out[WVL_STORAGE_KEY_LEN + 1]);

/* ---- clamd (clamd.c) ---- */

enum wvl_scan_result {
	WVL_SCAN_CLEAN,
	WVL_SCAN_INFECTED,   /* signature name in `sig` */
	WVL_SCAN_ERROR,      /* clamd answered, but not OK or FOUND */
	WVL_SCAN_UNREACHABLE /* not configured, cannot connect, or timed out */
};

/* Streams `fd` (from offset 0) to clamd at WL_CLAMD with INSTREAM. */
enum wvl_scan_result wvl_clamd__scan_fd(const wvl_ctx *ctx, int fd, char *sig,
					size_t siglen);
/* PING -> PONG.  0 when clamd answers; -1 otherwise; 1 not configured. */
int wvl_clamd__ping(const wvl_ctx *ctx, double *out_ms);
/* Scanning required: production, or WL_SCAN_REQUIRED=true. */
bool wvl_files__scan_required(const wvl_ctx *ctx);

/* ---- type detection (detect.c) ---- */

struct wvl_detected {
	unsigned int kind;          /* one WVL_FILES_* bit, or 0 when not allowed */
	char mime[128];             /* what the bytes are */
};

/* Detects the type of the spooled bytes (size `size`).  WVL_EUNSUPPORTED
 * with a message for refused content (zip bombs included). */
int wvl_files__detect(const wvl_ctx *ctx, int fd, uint64_t size,
		      struct wvl_detected *out);
/* 1 when the lower-cased extension of `name` suits `kind`; -1 when the
 * name has no extension; 0 on a mismatch. */
int wvl_files__extension_ok(const char *name, unsigned int kind);
/* The canonical extension of a kind ("pdf") and its MIME type. */
const char *wvl_files__kind_ext(unsigned int kind);
const char *wvl_files__kind_mime(unsigned int kind);

/* ---- zip containers (zip.c) ---- */

struct wvl_zip_limits {
	uint64_t max_entries;
	uint64_t max_uncompressed; /* sum of declared sizes */
	uint64_t max_ratio;        /* per entry, for entries over 1 MiB */
};

/* Reads the central directory of the zip in `fd` (size `size`), checks the
 * limits and that entries do not overlap, and reports the Office kind
 * (WVL_FILES_DOCX/XLSX/PPTX) or 0 for another zip.  WVL_EUNSUPPORTED with a
 * message when the archive is malformed or over a limit. */
int wvl_zip__inspect(int fd, uint64_t size, const struct wvl_zip_limits *lim,
		     unsigned int *out_office_kind);

/* ---- signing (link.c) ---- */

/* The signature of (id, expires) into `out` (base64url, 44 bytes with NUL). */
int wvl_files__sign(const wvl_ctx *ctx, const char *id, const char *expires,
		    char out[44]);
/* The signed download URL of file `id`, valid until `expires` (Unix
 * seconds), into *out_url (free with free()).  It checks neither who asks
 * nor whether the file may be served: the caller has decided that, and
 * opening the link checks the file again.  WVL_EUNAVAILABLE without
 * WL_SECRET_KEY, WVL_EINTERNAL out of memory. */
int wvl_files__signed_url(char **out_url, const wvl_ctx *ctx, const char *id, long long expires);
/* The part of opening a signed link that reads only the link: the
 * signature over (id, expires), then the expiry, then the id's shape.  0, or
 * WVL_EFORBIDDEN "link_invalid", WVL_EGONE "link_expired", WVL_ENOTFOUND,
 * WVL_EUNAVAILABLE (no WL_SECRET_KEY).  Separate so it is fuzzed without a
 * database (tests/fuzz/fuzz_link.c). */
int wvl_files__link_check(const wvl_ctx *ctx, const char *id, const char *expires,
			  const char *signature);

/* ---- adopting bytes from elsewhere (upload.c) ----
 * wl-migrate import-v1 brings v1's uploads in inside its own transaction,
 * with ids of its own: the bytes go through an upload (begun with no
 * client) and are judged as any upload is, but the row is the caller's. */

struct wvl_files_adopted {
	char key[WVL_STORAGE_KEY_LEN + 1]; /* "" when not kept */
	char sha256[65];
	char name[WVL_FILES_NAME_MAX + 1]; /* sanitised, with the type's extension */
	const char *content_type;          /* the detected type's (static) */
	const char *scan_status;           /* clean, error, unscanned or pending_scan (static) */
	bool scanned;                      /* clamd answered */
	uint64_t size;
};

/* Judges the written bytes of `up` as wvl_files_upload_finish() does
 * (empty, too large, type, virus scan) and, when `keep`, stores them under
 * a fresh key; fills `out` and always ends `up`.  The errors of finish():
 * WVL_EVALIDATION (empty; "file_infected"), WVL_ETOOLARGE, WVL_EUNSUPPORTED
 * (type), WVL_EUNAVAILABLE (storage). */
int wvl_files__upload_adopt(struct wvl_files_adopted *out, wvl_files_upload *up, bool keep);
/* Removes stored object `key` (an adopted file whose row was not written). */
int wvl_files__remove_object(const wvl_ctx *ctx, const char *key);

/* ---- rows (files.c) ---- */

/* SQL: a file row (alias f) as the public JSON object. */
#define WVL_FILES_JSON_SQL \
	"json_build_object('id', f.id, 'client_id', f.client_id, 'name', f.name, " \
	"'size', f.size, 'content_type', f.content_type, 'sha256', f.sha256, " \
	"'scan_status', f.scan_status, 'uploaded_by', f.uploaded_by, 'created_at', " \
	"to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
/* Whether a file with this scan status may be served. */
bool wvl_files__servable(const wvl_ctx *ctx, const char *scan_status);
/* Checks the actor may reach client `client_id` (select under RLS). */
int wvl_files__client_reachable(wvl_ctx *ctx, const wvl_actor *actor,
				const char *client_id);

/* The module: checks the scanning keys (clamd.c). */
extern const struct wvl_module wvl_files__module;
extern const struct wvl_config_keyset wvl_files__keys;

/* ---- job kinds (jobs.c; the table is lib/jobs/builtin.c) ---- */

/* file_rescan {max_files}: wvl_files_rescan_pending. */
int wvl_files__job_rescan(char **out_error, wvl_worker_task *run, void *payload);
/* file_cleanup {older_than_days}: wvl_files_cleanup. */
int wvl_files__job_cleanup(char **out_error, wvl_worker_task *run, void *payload);

/* ---- generated files (upload.c) ---- */

/* Marks an upload as made by the library (a document's PDF, lib/pdf):
 * client users never see such a file in lists or by id (migration 0021's
 * policy); they reach it only through the document it belongs to. */
void wvl_files__upload_generated(wvl_files_upload *up);

/* ---- the storage quota (quota.c) ---- */

/* In the caller's transaction: serialises the client's uploads (an
 * advisory lock until commit) and refuses `adding` bytes that would take
 * the client over WL_STORAGE_QUOTA_BYTES: WVL_ETOOLARGE with slug
 * "storage_quota_exceeded".  The usage is migration 0013's counter. */
int wvl_files__quota_check(wvl_ctx *ctx, PGconn *c, const char *client_id, uint64_t adding);
/* WL_STORAGE_QUOTA_BYTES (0: no quota). */
uint64_t wvl_files__quota(const wvl_ctx *ctx);

/* ---- generated files (generated.c) ---- */

/* A file the library made (an export): `fd` is read from its start;
 * client_id NULL for a file of no client (the team's only). */
struct wvl_files_generated {
	int fd;
	const char *name;
	const char *content_type;
	const char *client_id;
};
/* Stores it and records its row as `actor` (scan status clean: the
 * library's own bytes); *out_json is the file resource (caller frees).
 * WVL_EUNAVAILABLE when storage or the database fail. */
int wvl_files__store_generated(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const struct wvl_files_generated *g);

/* ---- reading stored bytes (read.c) ---- */

/* The whole object `storage_key` into *out (malloc'd, the caller frees)
 * and *out_len.  WVL_ENOTFOUND when the object is gone, WVL_ETOOLARGE
 * when it is over `max` bytes, WVL_EUNAVAILABLE when storage fails. */
int wvl_files__read_stored(unsigned char **out, size_t *out_len, const wvl_ctx *ctx,
			   const char *storage_key, uint64_t max);

#endif
