/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Keys derived from WL_SECRET_KEY, random tokens, signatures and sealing,
 * all with libsodium. */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

int wvl_keys__init(wvl_ctx *ctx)
{
	const char *s = wvl_config_get(ctx->cfg, "WL_SECRET_KEY");
	unsigned char raw[512];
	size_t len = 0;
	if (!s || !*s) {
		randombytes_buf(ctx->master_key, sizeof(ctx->master_key));
		wvl_log(ctx, WVL_LOG_WARN,
			"WL_SECRET_KEY is empty: using a random key for this process; signed "
			"links and device cookies will not survive a restart");
		return 0;
	}
	if (sodium_base642bin(raw, sizeof(raw), s, strlen(s), " \n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(raw, sizeof(raw), s, strlen(s), " \n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_SECRET_KEY is not valid base64");
	/* Hash to exactly 32 bytes: longer secrets keep all their entropy. */
	crypto_generichash(ctx->master_key, sizeof(ctx->master_key), raw, len,
			   (const unsigned char *)"wavelaunch-master", 17);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void wvl_keys__subkey(const wvl_ctx *ctx, enum wvl_key_purpose p, unsigned char out[32])
{
	crypto_kdf_derive_from_key(out, 32, (uint64_t)p, "wvlkeys1", ctx->master_key);
}

void wvl_token__random(char *out, size_t outlen, size_t nbytes)
{
	unsigned char raw[64];
	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	randombytes_buf(raw, nbytes);
	sodium_bin2base64(out, outlen, raw, nbytes, B64);
	sodium_memzero(raw, sizeof(raw));
}

void wvl_token__hash(unsigned char out[32], const char *token)
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

void wvl_keys__sign(const wvl_ctx *ctx, enum wvl_key_purpose p, const char *msg, char out[48])
{
	unsigned char key[32], mac[crypto_auth_hmacsha256_BYTES];
	wvl_keys__subkey(ctx, p, key);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
	sodium_bin2base64(out, 48, mac, sizeof(mac), B64);
	sodium_memzero(key, sizeof(key));
}

bool wvl_keys__verify(const wvl_ctx *ctx, enum wvl_key_purpose p, const char *msg,
		      const char *sig)
{
	if (!msg || !sig || strlen(sig) != 43)
		return false;
	char want[48];
	wvl_keys__sign(ctx, p, msg, want);
	return sodium_memcmp(want, sig, 43) == 0;
}

char *wvl_keys__seal(const wvl_ctx *ctx, const char *plain)
{
	size_t n = strlen(plain);
	size_t clen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	unsigned char *box = malloc(clen), key[32];
	if (!box)
		return NULL;
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	wvl_keys__subkey(ctx, WVL_KEY_SEAL, key);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n,
			      box, key);
	sodium_memzero(key, sizeof(key));
	size_t olen = sodium_base64_ENCODED_LEN(clen, B64);
	char *out = malloc(olen);
	if (out)
		sodium_bin2base64(out, olen, box, clen, B64);
	free(box);
	return out;
}

char *wvl_keys__unseal(const wvl_ctx *ctx, const char *sealed)
{
	size_t slen = sealed ? strlen(sealed) : 0;
	if (slen == 0 || slen > 8192)
		return NULL;
	unsigned char *box = malloc(slen), key[32];
	size_t blen = 0;
	char *plain = NULL;
	if (!box || sodium_base642bin(box, slen, sealed, slen, NULL, &blen, NULL, B64) != 0 ||
	    blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		goto out;
	size_t n = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	plain = malloc(n + 1);
	wvl_keys__subkey(ctx, WVL_KEY_SEAL, key);
	if (plain && crypto_secretbox_open_easy((unsigned char *)plain,
						box + crypto_secretbox_NONCEBYTES,
						blen - crypto_secretbox_NONCEBYTES, box, key) != 0) {
		free(plain);
		plain = NULL;
	}
	sodium_memzero(key, sizeof(key));
	if (plain)
		plain[n] = '\0';
out:
	free(box);
	return plain;
}
