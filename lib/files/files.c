/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Files as records: get, list, delete, rescan, storage usage.
 * Ownership is checked here (a client user's predicate on client_id) and
 * again by the files policies of 0005. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../core/pg.h"
#include "../core/list.h"
#include "../cache/cache.h"
#include "files_internal.h"

bool wvl_files__servable(const wvl_ctx *ctx, const char *scan_status)
{
	return strcmp(scan_status, "clean") == 0 ||
	       (strcmp(scan_status, "unscanned") == 0 && !wvl_files__scan_required(ctx));
}

static int check_actor(const wvl_ctx *ctx, const wvl_actor *actor)
{
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, NULL, "sign in to see files");
	return 0;
}

/* The client predicate's parameter: the actor's client for client users,
 * '' (no restriction) for the team. */
static const char *scope_of(const wvl_actor *actor)
{
	return actor->role == WVL_ROLE_CLIENT ? actor->client_id : "";
}

static int not_found(void) { return wvl_err__set(WVL_ENOTFOUND, NULL, "file not found"); }

/* Runs one statement in its own transaction as `actor`; *out is the result
 * (NULL with the error set on failure). */
static int run(wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int n,
	       const char *const *params, PGresult **out)
{
	PGconn *c;
	*out = NULL;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec(ctx, c, sql, n, params);
	if (!r) {
		rc = wvl_error_last()->code;
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	if ((rc = wvl_pg__commit(ctx, c)) != 0) {
		PQclear(r);
		return rc;
	}
	*out = r;
	return 0;
}

static const char reachable_sql[] = "SELECT 1 FROM clients WHERE id = $1";

int wvl_files__client_reachable(wvl_ctx *ctx, const wvl_actor *actor, const char *client_id)
{
	if (actor->role == WVL_ROLE_CLIENT && strcmp(actor->client_id, client_id) != 0)
		return wvl_err__set(WVL_ENOTFOUND, NULL, "client not found");
	PGresult *r;
	const char *params[] = {client_id};
	int rc = run(ctx, actor, reachable_sql, 1, params, &r);
	if (rc)
		return rc;
	int n = PQntuples(r);
	PQclear(r);
	return n == 1 ? 0 : wvl_err__set(WVL_ENOTFOUND, NULL, "client not found");
}

static const char get_sql[] =
	"SELECT " WVL_FILES_JSON_SQL " FROM files f WHERE f.id = $1 AND f.deleted_at IS NULL"
	" AND ($2 = '' OR f.client_id = nullif($2, '')::uuid)";

int wvl_files_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *file_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !file_id)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and file_id are required");
	*out_json = NULL;
	int rc = check_actor(ctx, actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(file_id))
		return not_found();
	PGresult *r;
	const char *params[] = {file_id, scope_of(actor)};
	if ((rc = run(ctx, actor, get_sql, 2, params, &r)) != 0)
		return rc;
	if (PQntuples(r) == 1)
		*out_json = wvl_str__dup(PQgetvalue(r, 0, 0));
	else
		rc = not_found();
	PQclear(r);
	return rc;
}

/* ---- list ---- */

/* Cursor: base64url of "<created_at in microseconds>.<id>" of the last
 * row of the previous page. */
static const char list_sql[] =
	"SELECT " WVL_FILES_JSON_SQL ","
	" (extract(epoch FROM f.created_at) * 1000000)::bigint::text, f.id"
	" FROM files f WHERE f.client_id = $1 AND f.deleted_at IS NULL"
	" AND ($2::bigint IS NULL OR (f.created_at, f.id) <"
	"      (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))"
	" ORDER BY f.created_at DESC, f.id DESC LIMIT $4::int";

/* Newest first, one fixed order, no filters. */
static const struct wvl_list_spec list_spec = {"files", NULL, 0, NULL, 0, NULL, 0};

int wvl_files_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *client_id,
		   const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json is required");
	*out_json = NULL;
	int rc = check_actor(ctx, actor);
	struct wvl_list_query q;
	if (!rc)
		rc = wvl_list__scope(client_id, true);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (!rc)
		rc = wvl_files__client_reachable(ctx, actor, client_id);
	if (rc)
		return rc;
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", q.limit + 1);
	const char *params[] = {client_id, q.has_cursor ? q.cursor_key : NULL,
				q.has_cursor ? q.cursor_id : NULL, lim};
	PGresult *r;
	if ((rc = run(ctx, actor, list_sql, 4, params, &r)) != 0)
		return rc;
	rc = wvl_list__page(out_json, ctx, &q, r, 0, 1, 2);
	PQclear(r);
	return rc;
}

/* ---- delete ---- */

static const char delete_sql[] =
	"UPDATE files f SET deleted_at = $3::timestamptz WHERE f.id = $1 AND f.deleted_at IS NULL"
	" AND ($2 = '' OR f.client_id = nullif($2, '')::uuid) RETURNING f.storage_key";

static void remove_bytes(wvl_ctx *ctx, const char *key)
{
	struct wvl_storage *st = NULL;
	if (wvl_storage__open(ctx, &st) != 0 || st->ops->remove(st, key) != 0)
		wvl_log(ctx, WVL_LOG_WARN, "could not remove stored object %s: %s", key,
			wvl_error_last()->message);
	wvl_storage__free(st);
}

int wvl_files_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *file_id)
{
	WVL_ACTOR_GUARD(actor);
	int rc = check_actor(ctx, actor);
	if (rc)
		return rc;
	if (!file_id || !wvl_uuid_valid(file_id))
		return not_found();
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *params[] = {file_id, scope_of(actor), now};
	PGresult *r;
	if ((rc = run(ctx, actor, delete_sql, 3, params, &r)) != 0)
		return rc;
	if (PQntuples(r) == 1)
		remove_bytes(ctx, PQgetvalue(r, 0, 0));
	else
		rc = not_found();
	PQclear(r);
	/* The client list shows each client's stored bytes. */
	wvl_cache__written(ctx, rc, 1u << WVL_CACHE_CLIENTS);
	return rc;
}

/* ---- rescan ---- */

static const char claim_sql[] =
	"SELECT id, storage_key, client_id FROM files"
	" WHERE scan_status IN ('pending_scan', 'error', 'unscanned') AND deleted_at IS NULL"
	" AND (scanned_at IS NULL OR scanned_at < $1::timestamptz)"
	" ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";

static const char settle_sql[] =
	"UPDATE files SET scan_status = $2, scan_signature = nullif($3, ''),"
	" scanned_at = $4::timestamptz WHERE id = $1";

static enum wvl_scan_result scan_object(wvl_ctx *ctx, const char *key, char *sig, size_t len)
{
	struct wvl_storage *st = NULL;
	int fd = -1;
	enum wvl_scan_result res = WVL_SCAN_ERROR;
	snprintf(sig, len, "object missing");
	if (wvl_storage__open(ctx, &st) == 0 && st->ops->open_read(st, key, &fd) == 0) {
		res = wvl_clamd__scan_fd(ctx, fd, sig, len);
		close(fd);
	}
	wvl_storage__free(st);
	return res;
}

static const char *status_for(enum wvl_scan_result r)
{
	return r == WVL_SCAN_CLEAN ? "clean" : r == WVL_SCAN_INFECTED ? "infected" : "error";
}

/* Claims, scans and settles one file.  *out_found is 0 when none is left;
 * *out_settled is 1 when it became clean or infected. */
static int rescan_one(wvl_ctx *ctx, const char *start, int *out_found, int *out_settled)
{
	static const wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	*out_found = *out_settled = 0;
	int rc = wvl_pg__begin(ctx, &system, &c);
	if (rc)
		return rc;
	const char *p1[] = {start};
	PGresult *r = wvl_pg__exec(ctx, c, claim_sql, 1, p1);
	if (!r || PQntuples(r) == 0) {
		rc = r ? 0 : wvl_error_last()->code;
		PQclear(r);
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	*out_found = 1;
	char id[37], key[WVL_STORAGE_KEY_LEN + 1], sig[256], now[40];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	snprintf(key, sizeof(key), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	enum wvl_scan_result res = scan_object(ctx, key, sig, sizeof(sig));
	if (res == WVL_SCAN_UNREACHABLE) {
		wvl_pg__rollback(ctx, c);
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the virus scanner is unreachable");
	}
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p2[] = {id, status_for(res), res == WVL_SCAN_INFECTED ? sig : "", now};
	if (!(r = wvl_pg__exec(ctx, c, settle_sql, 4, p2))) {
		rc = wvl_error_last()->code;
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	PQclear(r);
	if ((rc = wvl_pg__commit(ctx, c)) != 0)
		return rc;
	if (res == WVL_SCAN_INFECTED) {
		wvl_log(ctx, WVL_LOG_WARN, "rescan: file %s is infected (signature %s); bytes removed",
			id, sig);
		remove_bytes(ctx, key);
	}
	*out_settled = res != WVL_SCAN_ERROR;
	return 0;
}

int wvl_files_rescan_pending(unsigned int *out_done, wvl_ctx *ctx, unsigned int max_files)
{
	if (!out_done || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_done and ctx are required");
	*out_done = 0;
	const char *clamd = wvl_config_get(ctx->cfg, "WL_CLAMD");
	if (!clamd || !*clamd)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "no virus scanner is configured");
	char start[40];
	wvl_time__rfc3339(start, sizeof(start), wvl_now(ctx));
	for (unsigned int i = 0; i < (max_files ? max_files : 100); i++) {
		int found, settled;
		int rc = rescan_one(ctx, start, &found, &settled);
		if (rc)
			return rc;
		if (!found)
			break;
		*out_done += (unsigned int)settled;
	}
	return 0;
}

int wvl_files_storage_usage(uint64_t *out_bytes, uint64_t *out_objects, wvl_ctx *ctx)
{
	if (!out_bytes || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_bytes and ctx are required");
	uint64_t objects = 0;
	*out_bytes = 0;
	struct wvl_storage *st = NULL;
	int rc = wvl_storage__open(ctx, &st);
	if (rc == 0)
		rc = st->ops->usage(st, out_bytes, &objects);
	wvl_storage__free(st);
	if (out_objects)
		*out_objects = objects;
	return rc;
}
