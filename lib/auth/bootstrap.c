/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The first admin account, created by wl-migrate bootstrap-admin. */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../core/pg.h"
#include "wavelaunch/auth.h"

/* 20 random bytes as URL-safe base64 plus a fixed tail that guarantees
 * the classes the policy asks for; the randomness carries the strength. */
static char *generate_password(void)
{
	unsigned char raw[20];
	char b64[sodium_base64_ENCODED_LEN(20, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return wvl_str__printf("%s-A7!", b64);
}

static const char insert_admin_sql[] =
	"INSERT INTO users (email, name, role, password_hash) "
	"VALUES ($1, 'Administrator', 'admin', $2) "
	"ON CONFLICT DO NOTHING RETURNING id";

int wvl_auth_bootstrap_admin(int *out_created, char **out_password, wvl_ctx *ctx,
			     const char *email, const char *password)
{
	if (!out_created || !out_password || !ctx || !email)
		return wvl_err__set(WVL_EINVAL, NULL, "out_created, out_password, ctx and email are required");
	*out_created = 0;
	*out_password = NULL;
	char norm[256];
	int rc = wvl_email_normalize(norm, sizeof(norm), email);
	if (rc)
		return rc;
	char *generated = NULL;
	if (!password) {
		generated = generate_password();
		if (!generated)
			return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		password = generated;
	} else if ((rc = wvl_auth_password_check(password, norm)) != 0) {
		return rc;
	}
	char *hash = NULL;
	if ((rc = wvl_auth_password_hash(&hash, ctx, password)) != 0)
		goto out;
	wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	if ((rc = wvl_pg__begin(ctx, &system, &c)) != 0)
		goto out;
	const char *params[] = {norm, hash};
	PGresult *r = wvl_pg__exec(ctx, c, insert_admin_sql, 2, params);
	if (!r) {
		rc = wvl_error_last()->code;
		wvl_pg__rollback(ctx, c);
		goto out;
	}
	*out_created = PQntuples(r) == 1;
	PQclear(r);
	if ((rc = wvl_pg__commit(ctx, c)) != 0) {
		*out_created = 0;
		goto out;
	}
	if (*out_created && generated) {
		*out_password = generated;
		generated = NULL;
	}
out:
	if (generated)
		sodium_memzero(generated, strlen(generated));
	free(generated);
	free(hash);
	return rc;
}
