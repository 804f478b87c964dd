/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Files the library makes itself (exports, reports): stored like uploads,
 * under a fresh key, with a row that may belong to no client. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "files_internal.h"

/* Made by the library from its own database: nothing a scanner could find
 * that the data did not already hold, hence 'clean'. */
static const char insert_sql[] =
	"INSERT INTO files AS f (client_id, uploaded_by, storage_key, name, content_type, size,"
	" sha256, scan_status, created_at, updated_at)"
	" VALUES (nullif($1, '')::uuid, nullif($2, '')::uuid, $3, $4, $5, $6::bigint, $7, 'clean',"
	" $8::timestamptz, $8::timestamptz) RETURNING f.id, " WVL_FILES_JSON_SQL;

/* Copies `fd` (from its start) into the spool, hashing it. */
static int copy_in(struct wvl_spool *sp, int fd, char sha_hex[65], uint64_t *size)
{
	crypto_hash_sha256_state sha;
	crypto_hash_sha256_init(&sha);
	char buf[65536];
	ssize_t n;
	*size = 0;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot read the generated file");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&sha, (unsigned char *)buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(sp->fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				return wvl_err__set(WVL_EUNAVAILABLE, NULL, "storage: cannot write");
			off += w;
		}
		*size += (uint64_t)n;
	}
	if (n < 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot read the generated file");
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(sha_hex, 65, digest, sizeof(digest));
	return 0;
}

static int insert_row(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		      const struct wvl_files_generated *g, const char *key, const char *sha,
		      uint64_t size)
{
	char size_s[24], now[40];
	snprintf(size_s, sizeof(size_s), "%llu", (unsigned long long)size);
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {g->client_id ? g->client_id : "", actor->user_id, key, g->name,
			   g->content_type, size_s, sha, now};
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 8, p);
	if (!r)
		return wvl_pg__fail(ctx, c, wvl_error_last()->code);
	*out_json = wvl_str__dup(PQgetvalue(r, 0, 1));
	PQclear(r);
	rc = wvl_pg__commit(ctx, c);
	if (rc) {
		free(*out_json);
		*out_json = NULL;
	}
	return rc;
}

int wvl_files__store_generated(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			       const struct wvl_files_generated *g)
{
	*out_json = NULL;
	struct wvl_storage *st = NULL;
	struct wvl_spool sp = {.fd = -1};
	char key[WVL_STORAGE_KEY_LEN + 1], sha[65];
	uint64_t size = 0;
	int rc = wvl_storage__open(ctx, &st);
	if (!rc)
		rc = st->ops->spool_open(st, &sp);
	if (!rc)
		rc = copy_in(&sp, g->fd, sha, &size);
	if (!rc) {
		wvl_storage__new_key(key);
		rc = st->ops->put(st, &sp, key);
		if (!rc && (rc = insert_row(out_json, ctx, actor, g, key, sha, size)) != 0) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s", wvl_error_last()->message);
			(void)st->ops->remove(st, key);
			wvl_err__set(rc, NULL, "%s", msg);
		}
	}
	wvl_storage__spool_close(&sp);
	wvl_storage__free(st);
	return rc;
}
