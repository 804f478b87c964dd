/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_FILES_H
#define WAVELAUNCH_FILES_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Files: streamed uploads that are validated by their bytes, virus-scanned
 * and kept under WL_STORAGE_DIR with a random key; signed, expiring
 * download links.
 *
 * Upload pipeline (wvl_files_upload_begin -> wvl_files_upload_write ... ->
 * wvl_files_upload_finish, or wvl_files_upload_abort): the body is streamed into an
 * anonymous temporary file inside the storage folder (never held in
 * memory), hashed with SHA-256 on the way, and refused as soon as it
 * passes the size limit.  finish() detects the type with libmagic, checks
 * it against the allow-list and the name's extension, checks zip
 * containers (DOCX/XLSX/PPTX) against zip-bomb limits, scans with clamd
 * (INSTREAM), moves the bytes under their storage key and inserts the row.
 *
 * Scan outcomes ("scan_status" of a file):
 *   clean         clamd answered "stream: OK"; served.
 *   pending_scan  scanning is required (WL_ENV=production or
 *                 WL_SCAN_REQUIRED=true) and clamd could not be reached;
 *                 kept in quarantine, never served until
 *                 wvl_files_rescan_pending() finds it clean.
 *   unscanned     scanning is not required and clamd is not configured or
 *                 not reachable; served (development set-ups).
 *   error         clamd answered something other than OK or FOUND;
 *                 never served until a rescan finds it clean.
 * An infected upload is refused: finish() returns WVL_EVALIDATION with slug
 * "file_infected" (HTTP 422), nothing is kept and the signature name is
 * logged.
 *
 * Visibility: team actors (admin, staff, system) reach every file; a client
 * user reaches its own client's files only; anything else, deleted files
 * included, is WVL_ENOTFOUND.
 *
 * File JSON (what get/list/finish return):
 *   {"id","client_id","name","size","content_type","sha256","scan_status",
 *    "uploaded_by","created_at"}
 *
 * Calls that reach PostgreSQL or the storage folder may also return
 * WVL_EUNAVAILABLE when either cannot be used and WVL_EINTERNAL for an
 * unexpected failure; on failure out-pointers are NULL (or -1 for a
 * descriptor).
 *
 * Thread-safety: every call may run on any thread with a shared context.
 * A wvl_files_upload is used by one thread at a time (a request's
 * thread); the name functions need no context and are pure.  Strings
 * returned through `out_json` or `out` are the caller's (wvl_free).
 */

/** Kinds of content an upload may be; OR them into an allow-list. */
enum wvl_file_kind {
	WVL_FILES_PDF = 1u << 0,  /**< application/pdf (.pdf) */
	WVL_FILES_PNG = 1u << 1,  /**< image/png (.png) */
	WVL_FILES_JPEG = 1u << 2, /**< image/jpeg (.jpg .jpeg) */
	WVL_FILES_WEBP = 1u << 3, /**< image/webp (.webp) */
	WVL_FILES_GIF = 1u << 4,  /**< image/gif (.gif) */
	WVL_FILES_TEXT = 1u << 5, /**< text/plain (.txt .text .md .log) */
	WVL_FILES_CSV = 1u << 6,  /**< text/csv (.csv) */
	WVL_FILES_DOCX = 1u << 7, /**< Word (.docx) */
	WVL_FILES_XLSX = 1u << 8, /**< Excel (.xlsx) */
	WVL_FILES_PPTX = 1u << 9, /**< PowerPoint (.pptx) */
	WVL_FILES_MP4 = 1u << 10  /**< video/mp4 (.mp4 .m4v) */
};

/** Every kind above: the default allow-list. */
#define WVL_FILES_ALL_KINDS 0x7ffu

/**
 * A Content-Security-Policy for responses that carry user files: nothing
 * loads, nothing runs, even if a browser is talked into rendering it.
 */
#define WVL_FILES_DOWNLOAD_CSP "default-src 'none'; sandbox"

/** Longest stored display name in bytes (UTF-8), without the NUL. */
#define WVL_FILES_NAME_MAX 255

/**
 * Bytes a request's Content-Length may exceed the upload limit by before
 * wvl_files_upload_begin refuses it early: room for the multipart envelope
 * (boundaries, part headers, other fields).
 */
#define WVL_FILES_UPLOAD_ENVELOPE_SLACK 65536

typedef struct wvl_files_upload_options {
	unsigned int version;
	uint64_t max_bytes;       /**< 0: WL_UPLOAD_MAX_BYTES (default 25 MiB) */
	unsigned int allowed;     /**< WVL_FILES_* mask; 0: WVL_FILES_ALL_KINDS */
} wvl_files_upload_options;

#define WVL_FILES_UPLOAD_OPTIONS_VERSION 1
#define WVL_FILES_UPLOAD_OPTIONS_INIT {WVL_FILES_UPLOAD_OPTIONS_VERSION, 0, 0}

/** An upload in progress.  Used by one thread at a time. */
typedef struct wvl_files_upload wvl_files_upload;

/**
 * Starts an upload for `actor` into client `client_id` with the display
 * name the client sent (`display_name`, sanitised here; NULL or "" become
 * "file").  `client_id` may be NULL when it is not known yet (a multipart
 * field that comes after the file part): set it with wvl_files_upload_set_client
 * before finishing; for a client user it defaults to the actor's client.
 * `declared_length` is the request's Content-Length, or -1 when unknown;
 * a declared length over the limit plus WVL_FILES_UPLOAD_ENVELOPE_SLACK is
 * refused at once with WVL_ETOOLARGE.
 *
 * Returns 0; WVL_EINVAL (a NULL out, ctx or actor, or options of another
 * version); WVL_EVALIDATION (client_id not a uuid); WVL_EUNAUTHENTICATED
 * (anonymous actor); WVL_EFORBIDDEN (a client user without a client);
 * WVL_ENOTFOUND (a client outside the actor's reach or that does not
 * exist); WVL_ETOOLARGE; WVL_EUNAVAILABLE (storage or database unusable).
 * `*out` is owned by the caller: finish it or abort it (NULL on failure).
 */
WVL_EXTERN int wvl_files_upload_begin(wvl_files_upload **out, wvl_ctx *ctx,
				const wvl_actor *actor, const char *client_id,
				const char *display_name, int64_t declared_length,
				const wvl_files_upload_options *opts) WVL_WARN_UNUSED;

/**
 * Sets (or replaces) the client the upload is for, checking the actor's
 * reach (one database round trip).  Returns 0; WVL_EINVAL for a NULL
 * argument; WVL_EVALIDATION when `client_id` is not a uuid; WVL_ENOTFOUND
 * for a client out of reach or unknown; WVL_EUNAVAILABLE.  On failure the
 * client set before is kept.
 */
WVL_EXTERN int wvl_files_upload_set_client(wvl_files_upload *up, const char *client_id)
	WVL_WARN_UNUSED;

/**
 * Appends `len` bytes (copied to disk; `data` may be NULL when `len` is
 * 0).  Returns 0; WVL_EINVAL for a NULL `up` (or NULL data with a length);
 * WVL_ETOOLARGE as soon as the total passes the limit: the temporary file
 * is dropped at once and every later write (and finish) fails the same
 * way; WVL_EUNAVAILABLE when the disk refuses the bytes (sticky too).
 */
WVL_EXTERN int wvl_files_upload_write(wvl_files_upload *up, const void *data, size_t len)
	WVL_WARN_UNUSED;

/**
 * Validates, scans and stores the upload, and consumes `up` whatever the
 * result (do not use or abort it afterwards).  On success `*out_json` is
 * the new file, which the caller frees with wvl_free.  A NULL `up` is a
 * form that carried no file: WVL_EVALIDATION with a "file" field error.
 * A NULL `out_json` is WVL_EINVAL (and `up` is still consumed).  A file
 * kept in quarantine (pending_scan, error) enqueues the "file_rescan" job
 * (queue "files") in the same transaction.
 *
 * Returns 0; WVL_EVALIDATION with field errors when the file is empty or the
 * client is missing, or with slug "file_infected" (HTTP 422) when clamd
 * found a virus; WVL_EUNSUPPORTED (415) when the detected type is not
 * allowed, does not match the name's extension, or a zip container breaks
 * the zip-bomb limits; WVL_ETOOLARGE after an over-long write, or with
 * slug "storage_quota_exceeded" when the client's stored bytes would pass
 * WL_STORAGE_QUOTA_BYTES; WVL_ENOTFOUND, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_files_upload_finish(char **out_json, wvl_files_upload *up)
	WVL_WARN_UNUSED;

/** Drops an upload and its temporary bytes, and frees it.  Accepts NULL. */
WVL_EXTERN void wvl_files_upload_abort(wvl_files_upload *up);

/** Returns the bytes received so far (for progress and logs; 0 for NULL). */
WVL_EXTERN uint64_t wvl_files_upload_received(const wvl_files_upload *up);

/**
 * Returns the size limit in bytes in force for an upload with these
 * options: opts->max_bytes when set, else WL_UPLOAD_MAX_BYTES, else 25
 * MiB (also when `ctx` is NULL).
 */
WVL_EXTERN uint64_t wvl_files_upload_max_bytes(const wvl_ctx *ctx,
					 const wvl_files_upload_options *opts);

/* ---- reading and managing files ----------------------------------------- */

/**
 * One file as JSON (see above; quarantined files too) into `*out_json`,
 * which the caller frees with wvl_free.  Returns 0; WVL_EINVAL for a NULL
 * argument; WVL_EUNAUTHENTICATED for an anonymous actor; WVL_ENOTFOUND
 * when out of reach, deleted, unknown or `file_id` is not a uuid.
 */
WVL_EXTERN int wvl_files_get(char **out_json, wvl_ctx *ctx,
			     const wvl_actor *actor, const char *file_id)
	WVL_WARN_UNUSED;

/**
 * A page of a client's files, newest first (the rules of query.h; no
 * filters or sorts): {"data":[file...],"next_cursor":"..."|null}.
 * Returns 0 with the page, the caller's (wvl_free); WVL_EINVAL for a NULL
 * out_json, ctx, actor or `client_id`, or a query the list does not take;
 * WVL_EUNAUTHENTICATED for an anonymous actor; WVL_ENOTFOUND for a client
 * outside the actor's reach, unknown, or not a uuid.
 */
WVL_EXTERN int wvl_files_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Deletes a file: the row is kept, marked deleted (never listed or served
 * again), and the bytes are removed (a failure to remove them is logged,
 * not returned: wvl_files_cleanup retries).  Returns 0; WVL_EINVAL for a
 * NULL ctx or actor; WVL_EUNAUTHENTICATED; WVL_ENOTFOUND when out of
 * reach, already deleted, or `file_id` is not a uuid.
 */
WVL_EXTERN int wvl_files_delete(wvl_ctx *ctx, const wvl_actor *actor,
				const char *file_id) WVL_WARN_UNUSED;

/**
 * Rescans, oldest first, up to `max_files` files (0: 100) that are
 * pending_scan, error or unscanned.  Clean files become servable; infected
 * ones are marked infected, their bytes removed and the signature logged.
 * `*out_done` counts the files whose status was settled (clean or
 * infected); a file clamd still answers oddly for is marked error and left
 * for a later run.  Returns 0; WVL_EINVAL for a NULL out_done or ctx;
 * WVL_EUNAVAILABLE when clamd is not configured or cannot be reached (the
 * file being scanned stays as it was; those settled before stay settled)
 * or PostgreSQL cannot.  Safe to run from several workers at once (rows
 * are claimed with SKIP LOCKED).
 */
WVL_EXTERN int wvl_files_rescan_pending(unsigned int *out_done, wvl_ctx *ctx,
					unsigned int max_files) WVL_WARN_UNUSED;

/**
 * Bytes and objects held by the storage backend (for /api/health).  The
 * local backend walks its folder, so this costs one stat per file.
 * `out_objects` may be NULL.  Returns 0; WVL_EINVAL for a NULL out_bytes
 * or ctx; WVL_EUNAVAILABLE when storage is not configured or cannot be
 * read.
 */
WVL_EXTERN int wvl_files_storage_usage(uint64_t *out_bytes, uint64_t *out_objects,
				       wvl_ctx *ctx) WVL_WARN_UNUSED;

/* ---- signed download links ------------------------------------------------ */

/**
 * Returns 0 with, in *out_json (the caller's, wvl_free), a signed link to
 * download a file the actor can reach:
 * {"url":"<WL_PUBLIC_URL>/api/files/<id>/content?expires=<unix>&signature=<sig>",
 *  "expires_at":RFC3339}, valid for WL_DOWNLOAD_LINK_TTL seconds (default
 * 3600) from the context's clock.  The signature is an HMAC (libsodium
 * crypto_auth, key derived from WL_SECRET_KEY) over the id and expiry.
 * WVL_EINVAL for a NULL argument; WVL_EUNAUTHENTICATED for an anonymous
 * actor; WVL_ENOTFOUND when out of reach, deleted or not a uuid;
 * WVL_ECONFLICT when the file is not servable (awaiting a virus scan,
 * scanned with an error, or infected); WVL_EUNAVAILABLE without a usable
 * WL_SECRET_KEY (at least 16 bytes of base64).
 */
WVL_EXTERN int wvl_files_download_link(char **out_json, wvl_ctx *ctx,
				       const wvl_actor *actor, const char *file_id)
	WVL_WARN_UNUSED;

/** What a server needs to send a file.  The caller's struct: set
 *  `version` (WVL_FILES_META_INIT) before passing it. */
typedef struct wvl_files_meta {
	unsigned int version;
	char id[WVL_ID_SIZE];
	char client_id[WVL_ID_SIZE];
	char content_type[128];        /**< detected type, e.g. "image/png" */
	char sha256[65];               /**< lower-case hex */
	char name[WVL_FILES_NAME_MAX + 1]; /**< sanitised display name */
	int64_t size;
} wvl_files_meta;

#define WVL_FILES_META_VERSION 1
#define WVL_FILES_META_INIT {WVL_FILES_META_VERSION, "", "", "", "", "", 0}

/**
 * Checks a signed link (the `id` from the path and the `expires` and
 * `signature` query values, exactly as received) and opens the file.
 * `*out_fd` is a read-only descriptor positioned at 0 that the caller
 * owns and closes (libmicrohttpd's MHD_create_response_from_fd takes it
 * over); -1 on failure.  `*out_meta` is filled in the caller's struct.
 *
 * Returns 0; WVL_EFORBIDDEN with slug "link_invalid" when the signature
 * does not match (anything tampered); WVL_EGONE with slug "link_expired"
 * when the link is genuine but late; WVL_ENOTFOUND when the file was
 * deleted or is not servable (quarantined, infected) or its bytes are
 * gone; WVL_EINVAL for a NULL out_fd, out_meta or ctx or an out_meta of
 * an unknown version; WVL_EUNAVAILABLE
 * without a usable WL_SECRET_KEY or storage.  No actor: the
 * signature is the authorization.  Serve with Content-Type
 * meta.content_type, X-Content-Type-Options: nosniff,
 * Content-Security-Policy WVL_FILES_DOWNLOAD_CSP and the Content-Disposition
 * from wvl_files_content_disposition().
 */
WVL_EXTERN int wvl_files_open_signed(int *out_fd, wvl_files_meta *out_meta,
				     wvl_ctx *ctx, const char *id,
				     const char *expires, const char *signature)
	WVL_WARN_UNUSED;

/* ---- names ------------------------------------------------------------------ */

/**
 * Sanitises a client-supplied file name into `out` (size `outlen`, at least
 * WVL_FILES_NAME_MAX + 1): only the last path component (after '/' or
 * '\\'); invalid UTF-8 replaced; control, bidirectional-override and
 * zero-width characters removed; <>:"|?* replaced by '_'; leading dots and
 * spaces and trailing dots and spaces trimmed; Windows device names (CON,
 * NUL, COM1, ...) prefixed with '_'; names over WVL_FILES_NAME_MAX bytes
 * shortened on a character boundary keeping the extension; an empty result
 * becomes "file".  Percent signs are kept literally (nothing is decoded).
 * Returns 0; WVL_EINVAL (NULL arguments, `outlen` too small);
 * WVL_EINTERNAL when memory runs out.  Writes only the caller's buffer.
 */
WVL_EXTERN int wvl_files_sanitize_name(char *out, size_t outlen, const char *name)
	WVL_WARN_UNUSED;

/**
 * The RFC 6266 Content-Disposition value for sending `name`:
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
 * (`inline` when `inline_disposition` is non-zero).  The fallback replaces
 * non-ASCII characters, quotes, backslashes, '%' and controls with '_'.
 * `name` is used as given (sanitise it first).  Returns 0 with `*out`, the
 * caller's (wvl_free); WVL_EINVAL for a NULL argument; WVL_EINTERNAL when
 * memory runs out.
 */
WVL_EXTERN int wvl_files_content_disposition(char **out, const char *name,
					     int inline_disposition) WVL_WARN_UNUSED;

/* ---- clean-up ------------------------------------------------------------- */

/**
 * Removes the stored bytes (under WL_STORAGE_DIR) and then the rows of
 * files soft-deleted more than `older_than_days` days ago (0: 7), at most
 * 1,000 per call, as the system.  A storage key that could leave the
 * storage folder is never followed (its row is kept and counted as
 * refused).  `*out_json` (free with wvl_free) is the report
 * {"removed","missing","refused"}.  The file_cleanup job runs it
 * (wvl_worker_register_builtin).  Thread-safe with a shared context.
 * Returns 0, WVL_EINVAL, WVL_EUNAVAILABLE, WVL_EINTERNAL.
 */
WVL_EXTERN int wvl_files_cleanup(char **out_json, wvl_ctx *ctx, unsigned int older_than_days)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
