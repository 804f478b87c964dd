/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Removal of files soft-deleted long enough ago: the stored bytes first,
 * then the rows (the file_cleanup job, lib/files/jobs.c). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../jobs/jobs.h"
#include "files_internal.h"

/* A storage key is a relative path of safe characters that never climbs. */
static bool safe_key(const char *k)
{
	if (!*k || k[0] == '/' || strstr(k, "..") || strspn(k,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-") != strlen(k))
		return false;
	return true;
}

static const char doomed_sql[] =
	"SELECT id, storage_key FROM files WHERE deleted_at < $1::timestamptz"
	" ORDER BY deleted_at LIMIT 1000";
static const char forget_sql[] =
	"DELETE FROM files WHERE id = ANY ($1::uuid[]) AND deleted_at IS NOT NULL";

static int forget_rows(wvl_ctx *ctx, const PGresult *r, const bool *gone)
{
	size_t n = (size_t)PQntuples(r);
	char *ids = malloc(n * 38 + 3);
	if (!ids)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	char *p = ids;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		if (gone[i])
			p += sprintf(p, "%s%s", p[-1] == '{' ? "" : ",", PQgetvalue(r, (int)i, 0));
	strcpy(p, "}");
	const char *params[] = {ids};
	PGresult *d = wvl_jobs__sys_exec(ctx, forget_sql, 1, params, true, true);
	free(ids);
	if (!d)
		return wvl_error_last()->code;
	PQclear(d);
	return 0;
}

int wvl_files_cleanup(char **out_json, wvl_ctx *ctx, unsigned int older_than_days)
{
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	char cutoff[40];
	int64_t days = older_than_days ? older_than_days : 7;
	wvl_time__rfc3339(cutoff, sizeof(cutoff), wvl_now(ctx) - days * 86400 * 1000000);
	const char *params[] = {cutoff};
	PGresult *r = wvl_jobs__sys_exec(ctx, doomed_sql, 1, params, true, true);
	if (!r)
		return wvl_error_last()->code;
	const char *root = wvl_config_get(ctx->cfg, "WL_STORAGE_DIR");
	size_t n = (size_t)PQntuples(r);
	bool *gone = calloc(n ? n : 1, sizeof(*gone));
	int removed = 0, missing = 0, refused = 0, rc = 0;
	for (size_t i = 0; gone && i < n; i++) {
		const char *key = PQgetvalue(r, (int)i, 1);
		if (!safe_key(key)) {
			refused++; /* kept, for a human to look at */
			continue;
		}
		char *path = wvl_str__printf("%s/%s", root && *root ? root : ".", key);
		int u = path ? unlink(path) : -1;
		free(path);
		gone[i] = u == 0 || errno == ENOENT;
		removed += u == 0;
		missing += u != 0 && errno == ENOENT;
	}
	rc = !gone ? wvl_err__set(WVL_EINTERNAL, NULL, "out of memory")
		   : n ? forget_rows(ctx, r, gone) : 0;
	free(gone);
	PQclear(r);
	if (rc)
		return rc;
	*out_json = wvl_str__printf("{\"removed\":%d,\"missing\":%d,\"refused\":%d}", removed,
				    missing, refused);
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}
