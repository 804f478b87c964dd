/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Signed, expiring download links.
 *
 * signature = base64url(crypto_auth(key, "<id>\n<expires>")), where
 * crypto_auth is HMAC-SHA-512-256 and key = BLAKE2b-256 of a purpose label
 * and WL_SECRET_KEY, so this key signs nothing but download links.  The
 * signature is checked before the expiry, on the strings as received: a
 * changed expiry is "link_invalid", never "link_expired". */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "../core/pg.h"
#include "files_internal.h"

#define PURPOSE "wavelaunch/files/download-link/v1"
#define SIG_B64_LEN 43 /* 32 bytes as unpadded base64url */

static int link_key(const wvl_ctx *ctx, unsigned char key[crypto_auth_KEYBYTES])
{
	const char *b64 = wvl_config_get(ctx->cfg, "WL_SECRET_KEY");
	unsigned char secret[512];
	size_t len = 0;
	if (!b64 || !*b64 ||
	    (sodium_base642bin(secret, sizeof(secret), b64, strlen(b64), " \n", &len, NULL,
			       sodium_base64_VARIANT_ORIGINAL) != 0 &&
	     sodium_base642bin(secret, sizeof(secret), b64, strlen(b64), " \n", &len, NULL,
			       sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) ||
	    len < 16)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL,
				    "download links need WL_SECRET_KEY (base64 of 32 random bytes)");
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, crypto_auth_KEYBYTES);
	crypto_generichash_update(&st, (const unsigned char *)PURPOSE, sizeof(PURPOSE));
	crypto_generichash_update(&st, secret, len);
	crypto_generichash_final(&st, key, crypto_auth_KEYBYTES);
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

static int mac_of(const wvl_ctx *ctx, const char *id, const char *expires,
		  unsigned char mac[crypto_auth_BYTES])
{
	unsigned char key[crypto_auth_KEYBYTES];
	char msg[160];
	if (strlen(id) > 64 || strlen(expires) > 20)
		return wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the link is not valid");
	int rc = link_key(ctx, key);
	if (rc)
		return rc;
	int n = snprintf(msg, sizeof(msg), "%s\n%s", id, expires);
	crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)n, key);
	sodium_memzero(key, sizeof(key));
	return 0;
}

int wvl_files__sign(const wvl_ctx *ctx, const char *id, const char *expires, char out[44])
{
	unsigned char mac[crypto_auth_BYTES];
	int rc = mac_of(ctx, id, expires, mac);
	if (rc == 0)
		sodium_bin2base64(out, 44, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return rc;
}

static int invalid(void)
{
	return wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the link is not valid");
}

/* Constant-time check of `signature` against (id, expires).  The text
 * must be base64url itself: libsodium 1.0.18 (Debian 12) decodes any byte
 * from 0x80 up as if it were '_', so one signature would have many
 * spellings (found by tests/fuzz/fuzz_link.c). */
static int verify(const wvl_ctx *ctx, const char *id, const char *expires, const char *signature)
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char given[crypto_auth_BYTES], key[crypto_auth_KEYBYTES];
	size_t len = 0;
	if (strlen(signature) != SIG_B64_LEN || strspn(signature, b64url) != SIG_B64_LEN ||
	    strlen(id) > 64 || strlen(expires) > 20 ||
	    sodium_base642bin(given, sizeof(given), signature, SIG_B64_LEN, NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(given))
		return invalid();
	int rc = link_key(ctx, key);
	if (rc)
		return rc;
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "%s\n%s", id, expires);
	rc = crypto_auth_verify(given, (const unsigned char *)msg, (unsigned long long)n, key);
	sodium_memzero(key, sizeof(key));
	return rc == 0 ? 0 : invalid();
}

/* ---- issuing ---- */

static const char link_sql[] =
	"SELECT f.scan_status FROM files f WHERE f.id = $1 AND f.deleted_at IS NULL"
	" AND ($2 = '' OR f.client_id = nullif($2, '')::uuid)";

static int servable_for(wvl_ctx *ctx, const wvl_actor *actor, const char *file_id)
{
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	const char *params[] = {file_id, actor->role == WVL_ROLE_CLIENT ? actor->client_id : ""};
	PGresult *r = wvl_pg__exec(ctx, c, link_sql, 2, params);
	if (!r) {
		rc = wvl_error_last()->code;
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	if (PQntuples(r) != 1)
		rc = wvl_err__set(WVL_ENOTFOUND, NULL, "file not found");
	else if (!wvl_files__servable(ctx, PQgetvalue(r, 0, 0)))
		rc = wvl_err__set(WVL_ECONFLICT, NULL,
				  "the file cannot be downloaded until it passes a virus scan");
	PQclear(r);
	wvl_pg__rollback(ctx, c); /* read-only */
	return rc;
}

int wvl_files__signed_url(char **out_url, const wvl_ctx *ctx, const char *id, long long expires)
{
	*out_url = NULL;
	char exp_s[24], sig[44];
	snprintf(exp_s, sizeof(exp_s), "%lld", expires);
	int rc = wvl_files__sign(ctx, id, exp_s, sig);
	if (rc)
		return rc;
	const char *base = wvl_config_get(ctx->cfg, "WL_PUBLIC_URL");
	size_t blen = base ? strlen(base) : 0;
	while (blen && base[blen - 1] == '/')
		blen--;
	*out_url = wvl_str__printf("%.*s/api/files/%s/content?expires=%s&signature=%s", (int)blen,
				   base ? base : "", id, exp_s, sig);
	return *out_url ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static int link_json(char **out, const wvl_ctx *ctx, const char *id, long long expires)
{
	char *url = NULL;
	int rc = wvl_files__signed_url(&url, ctx, id, expires);
	if (rc)
		return rc;
	char when[40];
	wvl_time__rfc3339(when, sizeof(when), (int64_t)expires * 1000000);
	json_t *doc = json_pack("{s:s,s:s}", "url", url, "expires_at", when);
	*out = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	free(url);
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

int wvl_files_download_link(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			    const char *file_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor || !file_id)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx, actor and file_id are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, NULL, "sign in to download files");
	if (!wvl_uuid_valid(file_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "file not found");
	int rc = servable_for(ctx, actor, file_id);
	if (rc)
		return rc;
	long long ttl = (long long)wvl_config__uint(ctx->cfg, "WL_DOWNLOAD_LINK_TTL", 3600, 7 * 86400 + 1);
	long long expires = (long long)(wvl_now(ctx) / 1000000) + ttl;
	return link_json(out_json, ctx, file_id, expires);
}

/* ---- opening ---- */

static const char open_sql[] =
	"SELECT storage_key, client_id, name, content_type, size, sha256, scan_status"
	" FROM files WHERE id = $1 AND deleted_at IS NULL";

static int check_expiry(const wvl_ctx *ctx, const char *expires)
{
	char *end = NULL;
	errno = 0;
	long long e = strtoll(expires, &end, 10);
	if (errno || !end || *end || expires[0] < '0' || expires[0] > '9' ||
	    e > INT64_MAX / 1000000)
		return invalid();
	if (wvl_now(ctx) >= (int64_t)e * 1000000)
		return wvl_err__set(WVL_EGONE, "link_expired", "the link has expired; ask for a new one");
	return 0;
}

static void fill_meta(wvl_files_meta *m, const char *id, PGresult *r)
{
	*m = (wvl_files_meta)WVL_FILES_META_INIT;
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->client_id, sizeof(m->client_id), "%s", PQgetvalue(r, 0, 1));
	snprintf(m->name, sizeof(m->name), "%s", PQgetvalue(r, 0, 2));
	snprintf(m->content_type, sizeof(m->content_type), "%s", PQgetvalue(r, 0, 3));
	m->size = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
	snprintf(m->sha256, sizeof(m->sha256), "%s", PQgetvalue(r, 0, 5));
}

/* The row of a servable file (the system reads it: the link is the
 * authorization), and its storage key. */
static int load_servable(wvl_ctx *ctx, const char *id, wvl_files_meta *meta, char *key)
{
	static const wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	int rc = wvl_pg__begin(ctx, &system, &c);
	if (rc)
		return rc;
	const char *params[] = {id};
	PGresult *r = wvl_pg__exec(ctx, c, open_sql, 1, params);
	if (!r) {
		rc = wvl_error_last()->code;
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	if (PQntuples(r) != 1 || !wvl_files__servable(ctx, PQgetvalue(r, 0, 6))) {
		rc = wvl_err__set(WVL_ENOTFOUND, NULL, "file not found");
	} else {
		fill_meta(meta, id, r);
		snprintf(key, WVL_STORAGE_KEY_LEN + 1, "%s", PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	wvl_pg__rollback(ctx, c); /* read-only */
	return rc;
}

int wvl_files__link_check(const wvl_ctx *ctx, const char *id, const char *expires,
			  const char *signature)
{
	if (!id || !expires || !signature)
		return invalid();
	int rc = verify(ctx, id, expires, signature);
	if (rc == 0)
		rc = check_expiry(ctx, expires);
	if (rc == 0 && !wvl_uuid_valid(id))
		rc = wvl_err__set(WVL_ENOTFOUND, NULL, "file not found");
	return rc;
}

int wvl_files_open_signed(int *out_fd, wvl_files_meta *out_meta, wvl_ctx *ctx, const char *id,
			  const char *expires, const char *signature)
{
	if (!out_fd || !out_meta || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_fd, out_meta and ctx are required");
	if (wvl_version__check(out_meta->version, WVL_FILES_META_VERSION, "wvl_files_meta",
			       "WVL_FILES_META_INIT"))
		return WVL_EINVAL;
	*out_fd = -1;
	int rc = wvl_files__link_check(ctx, id, expires, signature);
	if (rc)
		return rc;
	char key[WVL_STORAGE_KEY_LEN + 1];
	if ((rc = load_servable(ctx, id, out_meta, key)) != 0)
		return rc;
	struct wvl_storage *st = NULL;
	rc = wvl_storage__open(ctx, &st);
	if (rc == 0)
		rc = st->ops->open_read(st, key, out_fd);
	wvl_storage__free(st);
	return rc;
}
