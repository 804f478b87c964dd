/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The storage quota per client: one client user must not fill the disk
 * (25 MB uploads every minute add up).  The usage is a counter migration
 * 0013 keeps with every file row; an upload's check and insert run under
 * a per-client advisory lock, so two uploads at once cannot both fit in
 * the last bit of room. */

#include <stdio.h>
#include <stdlib.h>

#include "../core/pg.h"
#include "files_internal.h"

#define DEFAULT_QUOTA "5368709120" /* 5 GiB */

uint64_t wvl_files__quota(const wvl_ctx *ctx)
{
	const char *v = wvl_config_get(wvl_ctx_config(ctx), "WL_STORAGE_QUOTA_BYTES");
	return strtoull(v && *v ? v : DEFAULT_QUOTA, NULL, 10);
}

static const char usage_sql[] =
	"SELECT pg_advisory_xact_lock(hashtextextended('wvl.storage:' || $1, 0)),"
	" coalesce((SELECT bytes FROM client_storage WHERE client_id = $1::uuid), 0)";

int wvl_files__quota_check(wvl_ctx *ctx, PGconn *c, const char *client_id, uint64_t adding)
{
	uint64_t quota = wvl_files__quota(ctx);
	if (quota == 0)
		return 0;
	const char *p[] = {client_id};
	PGresult *r = wvl_pg__exec(ctx, c, usage_sql, 1, p);
	if (!r)
		return wvl_error_last()->code;
	uint64_t used = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	if (used + adding <= quota)
		return 0;
	return wvl_err__set(WVL_ETOOLARGE, "storage_quota_exceeded",
			    "the client's storage is full: %llu of %llu bytes used",
			    (unsigned long long)used, (unsigned long long)quota);
}
