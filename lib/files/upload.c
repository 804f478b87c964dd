/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The streaming upload pipeline: spool, limit and hash while the body
 * arrives; detect, check, scan, store and record when it is complete. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "../cache/cache.h"
#include "files_internal.h"

#define DEFAULT_MAX_BYTES (25ull << 20)

struct wvl_files_upload {
	wvl_ctx *ctx;
	wvl_actor actor;
	char client_id[37];
	char name[WVL_FILES_NAME_MAX + 1];
	uint64_t max, received;
	unsigned int allowed;
	int failed;               /* sticky error of write(), or 0 */
	bool generated;           /* made by the library (wvl_files__upload_generated) */
	struct wvl_storage *st;
	struct wvl_spool spool;
	crypto_hash_sha256_state sha;
};

/* What finish() decided, handed to the row insert. */
struct verdict {
	const char *mime;
	const char *status;
	char sha_hex[65];
	char key[WVL_STORAGE_KEY_LEN + 1];
	bool scanned;
};

uint64_t wvl_files_upload_max_bytes(const wvl_ctx *ctx, const wvl_files_upload_options *opts)
{
	if (opts && opts->max_bytes)
		return opts->max_bytes;
	return ctx ? wvl_config__uint(ctx->cfg, "WL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES,
				      1ull << 40)
		   : DEFAULT_MAX_BYTES;
}

uint64_t wvl_files_upload_received(const wvl_files_upload *up) { return up ? up->received : 0; }

static int too_large(uint64_t max)
{
	return wvl_err__set(WVL_ETOOLARGE, NULL, "the file is larger than the limit of %llu bytes",
			    (unsigned long long)max);
}

static int check_actor(const wvl_actor *actor)
{
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, NULL, "sign in to upload files");
	if (actor->role == WVL_ROLE_CLIENT && !wvl_uuid_valid(actor->client_id))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "this account belongs to no client");
	return 0;
}

int wvl_files_upload_set_client(wvl_files_upload *up, const char *client_id)
{
	if (!up || !client_id)
		return wvl_err__set(WVL_EINVAL, NULL, "up and client_id are required");
	if (!wvl_uuid_valid(client_id))
		return wvl_err__set_fields("{\"client_id\":\"must be a uuid\"}", "client_id must be a uuid");
	int rc = wvl_files__client_reachable(up->ctx, &up->actor, client_id);
	if (rc == 0)
		snprintf(up->client_id, sizeof(up->client_id), "%s", client_id);
	return rc;
}

static int check_begin_args(wvl_files_upload **out, wvl_ctx *ctx, const wvl_actor *actor,
			    const wvl_files_upload_options *opts)
{
	if (!out || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out, ctx and actor are required");
	*out = NULL;
	if (opts && opts->version != WVL_FILES_UPLOAD_OPTIONS_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_files_upload_options version");
	return check_actor(actor);
}

static int open_spool(wvl_files_upload *up)
{
	int rc = wvl_storage__open(up->ctx, &up->st);
	if (rc == 0)
		rc = up->st->ops->spool_open(up->st, &up->spool);
	if (rc == 0)
		crypto_hash_sha256_init(&up->sha);
	return rc;
}

int wvl_files_upload_begin(wvl_files_upload **out, wvl_ctx *ctx, const wvl_actor *actor,
		     const char *client_id, const char *display_name, int64_t declared_length,
		     const wvl_files_upload_options *opts)
{
	WVL_ACTOR_GUARD(actor);
	int rc = check_begin_args(out, ctx, actor, opts);
	if (rc)
		return rc;
	uint64_t max = wvl_files_upload_max_bytes(ctx, opts);
	if (declared_length > 0 && (uint64_t)declared_length > max + WVL_FILES_UPLOAD_ENVELOPE_SLACK)
		return too_large(max);
	wvl_files_upload *up = calloc(1, sizeof(*up));
	if (!up)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	up->ctx = ctx;
	up->actor = *actor;
	up->max = max;
	up->allowed = opts && opts->allowed ? opts->allowed : WVL_FILES_ALL_KINDS;
	up->spool.fd = -1;
	if (!client_id && actor->role == WVL_ROLE_CLIENT)
		client_id = actor->client_id;
	if (client_id)
		rc = wvl_files_upload_set_client(up, client_id);
	if (rc == 0)
		rc = wvl_files_sanitize_name(up->name, sizeof(up->name),
					     display_name ? display_name : "");
	if (rc == 0)
		rc = open_spool(up);
	if (rc) {
		wvl_files_upload_abort(up);
		return rc;
	}
	*out = up;
	return 0;
}

/* Drops the spooled bytes at once: an over-long body is not kept on disk
 * while the client goes on sending. */
static void drop_spool(wvl_files_upload *up)
{
	wvl_storage__spool_close(&up->spool);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int wvl_files_upload_write(wvl_files_upload *up, const void *data, size_t len)
{
	if (!up || (!data && len))
		return wvl_err__set(WVL_EINVAL, NULL, "up and data are required");
	if (up->failed)
		return up->failed == WVL_ETOOLARGE ? too_large(up->max)
						   : wvl_err__set(up->failed, NULL, "the upload failed");
	if (len > up->max - up->received) {
		drop_spool(up);
		up->failed = WVL_ETOOLARGE;
		return too_large(up->max);
	}
	if (write_all(up->spool.fd, data, len) != 0) {
		drop_spool(up);
		up->failed = WVL_EUNAVAILABLE;
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "file storage cannot take the upload");
	}
	crypto_hash_sha256_update(&up->sha, data, len);
	up->received += len;
	return 0;
}

void wvl_files_upload_abort(wvl_files_upload *up)
{
	if (!up)
		return;
	if (up->st)
		drop_spool(up);
	wvl_storage__free(up->st);
	free(up);
}

/* ---- finish ---- */

/* Text and CSV are the same bytes: the extension says which was meant. */
static void text_or_csv(struct wvl_detected *d, const char *name)
{
	if (d->kind == WVL_FILES_TEXT && wvl_files__extension_ok(name, WVL_FILES_CSV) == 1)
		d->kind = WVL_FILES_CSV;
	else if (d->kind == WVL_FILES_CSV && wvl_files__extension_ok(name, WVL_FILES_TEXT) == 1)
		d->kind = WVL_FILES_TEXT;
}

/* A name without an extension gets the detected type's. */
static void add_extension(char *name, unsigned int kind)
{
	const char *ext = wvl_files__kind_ext(kind);
	size_t n = strlen(name), room = WVL_FILES_NAME_MAX - strlen(ext) - 1;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(name + n, WVL_FILES_NAME_MAX + 1 - n, ".%s", ext);
}

static int check_type(wvl_files_upload *up, struct wvl_detected *d)
{
	int rc = wvl_files__detect(up->ctx, up->spool.fd, up->received, d);
	if (rc)
		return rc;
	text_or_csv(d, up->name);
	if (!(d->kind & up->allowed))
		return wvl_err__set(WVL_EUNSUPPORTED, NULL, "files of type %s are not accepted",
				    d->mime);
	int ext = wvl_files__extension_ok(up->name, d->kind);
	if (ext == 0)
		return wvl_err__set(WVL_EUNSUPPORTED, NULL,
				    "the file name's extension does not match its content (%s)",
				    wvl_files__kind_mime(d->kind));
	if (ext < 0)
		add_extension(up->name, d->kind);
	return 0;
}

/* Runs the virus scan and turns its outcome into a status. */
static int scan(wvl_files_upload *up, struct verdict *v)
{
	bool required = wvl_files__scan_required(up->ctx);
	char sig[256];
	enum wvl_scan_result r = wvl_clamd__scan_fd(up->ctx, up->spool.fd, sig, sizeof(sig));
	v->scanned = r == WVL_SCAN_CLEAN || r == WVL_SCAN_ERROR;
	switch (r) {
	case WVL_SCAN_CLEAN:
		v->status = "clean";
		return 0;
	case WVL_SCAN_INFECTED:
		wvl_log(up->ctx, WVL_LOG_WARN,
			"upload refused: virus found (signature %s, client %s, sha256 %s, %llu bytes)",
			sig, up->client_id, v->sha_hex, (unsigned long long)up->received);
		return wvl_err__set(WVL_EVALIDATION, "file_infected",
				    "the file was refused: the virus scanner found %s", sig);
	case WVL_SCAN_ERROR:
		v->status = "error";
		return 0;
	case WVL_SCAN_UNREACHABLE:
		break;
	}
	v->status = required ? "pending_scan" : "unscanned";
	if (required)
		wvl_log(up->ctx, WVL_LOG_WARN,
			"virus scanner unreachable: upload for client %s kept in quarantine",
			up->client_id);
	return 0;
}

static const char insert_sql[] =
	"INSERT INTO files AS f (client_id, uploaded_by, storage_key, name, content_type, size,"
	" sha256, scan_status, scanned_at, created_at, updated_at, generated)"
	" VALUES ($1, nullif($2, '')::uuid, $3, $4, $5, $6::bigint, $7, $8, $9::timestamptz,"
	" $10::timestamptz, $10::timestamptz, $11::boolean)"
	" RETURNING " WVL_FILES_JSON_SQL;

static int insert_row(char **out_json, wvl_files_upload *up, const struct verdict *v)
{
	char size[24], now[40];
	snprintf(size, sizeof(size), "%llu", (unsigned long long)up->received);
	wvl_time__rfc3339(now, sizeof(now), wvl_now(up->ctx));
	const char *params[] = {up->client_id, up->actor.user_id, v->key, up->name, v->mime, size,
				v->sha_hex, v->status, v->scanned ? now : NULL, now,
				up->generated ? "true" : "false"};
	PGconn *c;
	int rc = wvl_pg__begin(up->ctx, &up->actor, &c);
	if (rc)
		return rc;
	if ((rc = wvl_files__quota_check(up->ctx, c, up->client_id, up->received)) != 0)
		return wvl_pg__fail(up->ctx, c, rc);
	PGresult *r = wvl_pg__exec(up->ctx, c, insert_sql, 11, params);
	if (!r) {
		rc = wvl_error_last()->code;
		wvl_pg__rollback(up->ctx, c);
		return rc;
	}
	*out_json = wvl_str__dup(PQgetvalue(r, 0, 0));
	PQclear(r);
	/* A file in quarantine gets its scan from wl-worker's file_rescan job,
	 * enqueued with the row (one live job serves every waiting file; its
	 * retries back off while clamd stays away). */
	if (!strcmp(v->status, "pending_scan") || !strcmp(v->status, "error")) {
		wvl_job_options o = WVL_JOB_OPTIONS_INIT;
		o.queue = "files";
		o.unique_key = "file_rescan";
		o.run_at = wvl_now(up->ctx) + 60LL * 1000000;
		o.max_attempts = 10;
		rc = wvl_jobs__enqueue_tx(NULL, NULL, up->ctx, c, "file_rescan", NULL, &o);
		if (rc) {
			free(*out_json);
			*out_json = NULL;
			return wvl_pg__fail(up->ctx, c, rc);
		}
	}
	if ((rc = wvl_pg__commit(up->ctx, c)) != 0 || !*out_json) {
		free(*out_json);
		*out_json = NULL;
		return rc ? rc : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	return 0;
}

/* Stores the bytes under a fresh key, then records the row; the bytes go
 * again if the row cannot be written. */
static int store(char **out_json, wvl_files_upload *up, struct verdict *v)
{
	wvl_storage__new_key(v->key);
	int rc = up->st->ops->put(up->st, &up->spool, v->key);
	if (rc)
		return rc;
	rc = insert_row(out_json, up, v);
	if (rc) {
		/* Keep the insert's error, whatever removing the bytes reports. */
		char slug[40], msg[512];
		snprintf(slug, sizeof(slug), "%s", wvl_error_last()->slug);
		snprintf(msg, sizeof(msg), "%s", wvl_error_last()->message);
		(void)up->st->ops->remove(up->st, v->key);
		wvl_err__set(rc, slug, "%s", msg);
	}
	return rc;
}

static int failed_upload(const wvl_files_upload *up)
{
	return up->failed == WVL_ETOOLARGE ? too_large(up->max)
					   : wvl_err__set(up->failed, NULL, "the upload failed");
}

/* What finish() decides before the bytes are kept: digest, type, scan. */
static int judge(wvl_files_upload *up, struct verdict *v)
{
	if (up->failed)
		return failed_upload(up);
	if (up->received == 0)
		return wvl_err__set_fields("{\"file\":\"is empty\"}", "the file is empty");
	struct wvl_detected d;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&up->sha, digest);
	sodium_bin2hex(v->sha_hex, sizeof(v->sha_hex), digest, sizeof(digest));
	int rc = check_type(up, &d);
	if (rc == 0)
		rc = scan(up, v);
	if (rc == 0)
		v->mime = wvl_files__kind_mime(d.kind);
	return rc;
}

static int finish(char **out_json, wvl_files_upload *up)
{
	if (up->failed)
		return failed_upload(up);
	if (!up->client_id[0])
		return wvl_err__set_fields("{\"client_id\":\"is required\"}", "client_id is required");
	struct verdict v = {0};
	int rc = judge(up, &v);
	return rc ? rc : store(out_json, up, &v);
}

int wvl_files__upload_adopt(struct wvl_files_adopted *out, wvl_files_upload *up, bool keep)
{
	memset(out, 0, sizeof(*out));
	struct verdict v = {0};
	int rc = judge(up, &v);
	if (rc == 0 && keep) {
		wvl_storage__new_key(v.key);
		rc = up->st->ops->put(up->st, &up->spool, v.key);
	}
	if (rc == 0) {
		snprintf(out->key, sizeof(out->key), "%s", v.key);
		snprintf(out->sha256, sizeof(out->sha256), "%s", v.sha_hex);
		snprintf(out->name, sizeof(out->name), "%s", up->name);
		out->content_type = v.mime;
		out->scan_status = v.status;
		out->scanned = v.scanned;
		out->size = up->received;
	}
	wvl_files_upload_abort(up);
	return rc;
}

int wvl_files__remove_object(const wvl_ctx *ctx, const char *key)
{
	struct wvl_storage *st = NULL;
	int rc = wvl_storage__open(ctx, &st);
	if (rc == 0)
		rc = st->ops->remove(st, key);
	wvl_storage__free(st);
	return rc;
}

int wvl_files_upload_finish(char **out_json, wvl_files_upload *up)
{
	if (!out_json) {
		wvl_files_upload_abort(up);
		return wvl_err__set(WVL_EINVAL, NULL, "out_json is required");
	}
	if (!up) /* the form carried no file part */
		return wvl_err__set_fields("{\"file\":\"is required\"}", "the file is missing");
	*out_json = NULL;
	int rc = finish(out_json, up);
	/* The client list shows each client's stored bytes. */
	wvl_cache__written(up->ctx, rc, 1u << WVL_CACHE_CLIENTS);
	wvl_files_upload_abort(up);
	return rc;
}

void wvl_files__upload_generated(wvl_files_upload *up)
{
	if (up)
		up->generated = true;
}
