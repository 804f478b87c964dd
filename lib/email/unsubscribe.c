/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Unsubscribe links (RFC 8058 one-click, and the page in the web UI).
 *
 * token = base64url(user uuid (16) | category (1) | expiry, seconds (8, big
 * endian)) followed by the 43 characters of its HMAC-SHA-256 under the
 * unsubscribe subkey of WL_SECRET_KEY (keys.c): 77 characters of
 * [A-Za-z0-9_-], as API.md wants of tokens in links.  Nothing is stored:
 * the signature is the credential, and unsubscribing twice is harmless. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../prefs/prefs.h"
#include "email.h"

#define PAYLOAD_BYTES 25
#define PAYLOAD_CHARS 34 /* unpadded base64 of 25 bytes */
#define SIG_CHARS 43
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char *const categories[] = {"deliverables", "reminders", "tickets", "updates"};
#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

static bool uuid_bytes(unsigned char out[16], const char *uuid)
{
	char hex[33];
	size_t n = 0;
	for (const char *p = uuid; *p && n < 32; p++)
		if (*p != '-')
			hex[n++] = *p;
	hex[n] = '\0';
	size_t len = 0;
	return wvl_uuid_valid(uuid) &&
	       sodium_hex2bin(out, 16, hex, 32, NULL, &len, NULL) == 0 && len == 16;
}

int wvl_email__unsubscribe_token(char out[96], const wvl_ctx *ctx, const char *user_id,
				 const char *category, int64_t expires_us)
{
	unsigned char raw[PAYLOAD_BYTES];
	size_t c = 0;
	while (c < NCATEGORIES && strcmp(categories[c], category))
		c++;
	if (c == NCATEGORIES || !uuid_bytes(raw, user_id))
		return wvl_err__set(WVL_EINVAL, NULL, "no unsubscribe link for this recipient");
	raw[16] = (unsigned char)c;
	uint64_t exp = (uint64_t)(expires_us / 1000000);
	for (int i = 0; i < 8; i++)
		raw[17 + i] = (unsigned char)(exp >> (56 - 8 * i));
	sodium_bin2base64(out, PAYLOAD_CHARS + 1, raw, sizeof(raw), B64);
	wvl_keys__sign(ctx, WVL_KEY_UNSUBSCRIBE, out, out + PAYLOAD_CHARS);
	return 0;
}

struct unsub {
	char user_id[37];
	const char *category;
};

/* Checks a token: WVL_EFORBIDDEN "link_invalid" unless it is ours,
 * WVL_EGONE "link_expired" once it is late. */
static int parse(struct unsub *u, const wvl_ctx *ctx, const char *token)
{
	if (!token || !*token)
		return wvl_err__set(WVL_EINVAL, NULL, "the query parameter token is required");
	char payload[PAYLOAD_CHARS + 1];
	unsigned char raw[PAYLOAD_BYTES];
	size_t len = 0;
	if (strlen(token) != PAYLOAD_CHARS + SIG_CHARS)
		goto invalid;
	memcpy(payload, token, PAYLOAD_CHARS);
	payload[PAYLOAD_CHARS] = '\0';
	if (!wvl_keys__verify(ctx, WVL_KEY_UNSUBSCRIBE, payload, token + PAYLOAD_CHARS) ||
	    sodium_base642bin(raw, sizeof(raw), payload, PAYLOAD_CHARS, NULL, &len, NULL, B64) != 0 ||
	    len != PAYLOAD_BYTES || raw[16] >= NCATEGORIES)
		goto invalid;
	uint64_t exp = 0;
	for (int i = 0; i < 8; i++)
		exp = exp << 8 | raw[17 + i];
	if ((int64_t)exp < wvl_now(ctx) / 1000000)
		return wvl_err__set(WVL_EGONE, "link_expired",
				    "the unsubscribe link has expired: change your preferences in"
				    " your account instead");
	static const char hex[] = "0123456789abcdef";
	for (int i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			u->user_id[o++] = '-';
		u->user_id[o++] = hex[raw[i] >> 4];
		u->user_id[o++] = hex[raw[i] & 15];
	}
	u->user_id[36] = '\0';
	u->category = categories[raw[16]];
	return 0;
invalid:
	return wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the unsubscribe link is not valid");
}

#define INFO_JSON(u)                                                                          \
	"json_build_object('email', " u ".email, 'category', $2::text, 'subscribed', "       \
	WVL_PREFS_ALLOW_SQL(u, "'email'", "$2::text") ")::text"

static const char info_sql[] = "SELECT " INFO_JSON("u") " FROM users u WHERE u.id = $1::uuid";

static const char unsubscribe_sql[] =
	"UPDATE users u SET email_prefs = u.email_prefs || jsonb_build_object('email',"
	"   coalesce(u.email_prefs -> 'email', '{}'::jsonb) || jsonb_build_object($2::text, false))"
	" WHERE u.id = $1::uuid RETURNING " INFO_JSON("u");

static int run(char **out_json, wvl_ctx *ctx, const char *token, bool change)
{
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	struct unsub u;
	int rc = parse(&u, ctx, token);
	if (rc)
		return rc;
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	const char *p[] = {u.user_id, u.category};
	rc = change ? wvl_pg__write_one(out_json, ctx, &sys, unsubscribe_sql, 2, p)
		    : wvl_pg__read_one(out_json, ctx, &sys, info_sql, 2, p);
	/* The user is gone: the link names nobody any more. */
	if (rc == WVL_ENOTFOUND)
		rc = wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the unsubscribe link is not valid");
	return rc;
}

int wvl_email_unsubscribe_info(char **out_json, wvl_ctx *ctx, const char *token)
{
	return run(out_json, ctx, token, false);
}

int wvl_email_unsubscribe(char **out_json, wvl_ctx *ctx, const char *token)
{
	return run(out_json, ctx, token, true);
}
