/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Password policy (zxcvbn-c for guessability) and Argon2id hashing.
 * Hashes imported from v1 are bcrypt ($2a$, $2b$, $2y$): verified with
 * libxcrypt's crypt_rn (Debian's libcrypt) and replaced by Argon2id at the
 * next successful login (login.c). */

#include <crypt.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>
#include <zxcvbn.h>

#include "../core/internal.h"
#include "auth.h"
#include "wavelaunch/auth.h"

/* Below this many bits of zxcvbn entropy a password is one that attackers
 * try early (dictionary words with the usual substitutions, keyboard walks,
 * dates): "Password1!" scores about 10 bits, a random 10-character one 50+. */
#define MIN_ENTROPY_BITS 28.0

size_t wvl_auth_password_max_chars(void) { return WVL_AUTH_PASSWORD_MAX_CHARS; }

/* Number of code points in valid UTF-8 (no overlongs, no surrogates), or
 * -1 when the bytes are not valid UTF-8. */
static long utf8_chars(const unsigned char *s)
{
	long n = 0;
	while (*s) {
		unsigned c = *s;
		int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (!len)
			return -1;
		unsigned cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
		for (int i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		s += len;
		n++;
	}
	return n;
}

static int refuse(const char *msg)
{
	json_t *f = json_pack("{s:s}", "password", msg);
	char *txt = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	int rc = wvl_err__set_fields(txt, "%s", msg);
	free(txt);
	return rc;
}

static int has_class(const char *p, int (*pred)(int))
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x80 && pred((unsigned char)*p))
			return 1;
	return 0;
}

/* A symbol is any printable ASCII that is not a letter or digit, or any
 * non-ASCII character that is not a letter we can recognise (we count
 * non-ASCII as a symbol: generous, and never weakens the other rules). */
static int has_symbol(const char *p)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || (ispunct(c) || c == ' '))
			return 1;
	}
	return 0;
}

static int contains_local_part(const char *password, const char *email)
{
	if (!email)
		return 0;
	const char *at = strchr(email, '@');
	size_t n = at ? (size_t)(at - email) : strlen(email);
	if (n < 3 || n > 128)
		return 0;
	char local[129];
	memcpy(local, email, n);
	local[n] = '\0';
	return strcasestr(password, local) != NULL || strcasecmp(password, email) == 0;
}

int wvl_auth_password_check(const char *password, const char *email)
{
	if (!password)
		return refuse("is required");
	long chars = utf8_chars((const unsigned char *)password);
	if (chars < 0)
		return refuse("must be valid UTF-8 text");
	if (chars < 8)
		return refuse("must be at least 8 characters long");
	if (chars > WVL_AUTH_PASSWORD_MAX_CHARS)
		return refuse("must be at most 128 characters long");
	if (!has_class(password, isupper))
		return refuse("must contain an upper-case letter");
	if (!has_class(password, isdigit))
		return refuse("must contain a digit");
	if (!has_symbol(password))
		return refuse("must contain a symbol such as ! or #");
	if (contains_local_part(password, email))
		return refuse("must not contain your email address or its name part");
	const char *user_dict[] = {"wavelaunch", "wavelaunchos", NULL};
	double bits = ZxcvbnMatch(password, user_dict, NULL);
	if (bits < MIN_ENTROPY_BITS)
		return refuse("is too common or easy to guess: use a longer phrase "
			      "of unrelated words");
	return 0;
}

static void argon_params(wvl_ctx *ctx, unsigned long long *ops, size_t *mem)
{
	unsigned long kib = wvl_config__uint(ctx->cfg, "WL_ARGON2_MEMORY_KIB", 19456,
					     4UL * 1024 * 1024);
	unsigned long it = wvl_config__uint(ctx->cfg, "WL_ARGON2_ITERATIONS", 2, 100);
	*ops = it;
	*mem = (size_t)kib * 1024;
}

int wvl_auth_password_hash(char **out_hash, wvl_ctx *ctx, const char *password)
{
	if (!out_hash || !ctx || !password)
		return wvl_err__set(WVL_EINVAL, NULL, "out_hash, ctx and password are required");
	*out_hash = NULL;
	if (strlen(password) > 4 * WVL_AUTH_PASSWORD_MAX_CHARS)
		return wvl_err__set(WVL_EINVAL, NULL, "password too long");
	char *h = malloc(crypto_pwhash_STRBYTES);
	if (!h)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	unsigned long long ops;
	size_t mem;
	argon_params(ctx, &ops, &mem);
	if (crypto_pwhash_str_alg(h, password, strlen(password), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		free(h);
		return wvl_err__set(WVL_EINTERNAL, NULL, "password hashing failed");
	}
	*out_hash = h;
	return 0;
}

/* A v1 bcrypt hash: $2a$, $2b$ or $2y$, a two-digit cost, 53 characters of
 * salt and digest. */
bool wvl_auth__hash_is_bcrypt(const char *hash)
{
	if (strlen(hash) != 60 || hash[0] != '$' || hash[1] != '2' ||
	    !strchr("aby", hash[2]) || hash[3] != '$' || !isdigit((unsigned char)hash[4]) ||
	    !isdigit((unsigned char)hash[5]) || hash[6] != '$')
		return false;
	return strspn(hash + 7, "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
	       53;
}

static bool bcrypt_verify(const char *password, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	/* crypt_rn, not crypt_r: AddressSanitizer's crypt_r interceptor
	 * cannot find the real function when libcrypt comes in through this
	 * library rather than the program, and calls address 0. */
	const char *got = crypt_rn(password, hash, data, (int)sizeof(*data));
	bool ok = got && got[0] != '*' && strlen(got) == strlen(hash) &&
		  sodium_memcmp(got, hash, strlen(hash)) == 0;
	sodium_memzero(data, sizeof(*data));
	free(data);
	return ok;
}

int wvl_auth_password_verify(int *out_match, wvl_ctx *ctx, const char *password,
			const char *hash)
{
	(void)ctx;
	if (!out_match || !password || !hash)
		return wvl_err__set(WVL_EINVAL, NULL, "out_match, password and hash are required");
	*out_match = 0;
	if (strlen(password) > 4 * WVL_AUTH_PASSWORD_MAX_CHARS)
		return 0;
	if (wvl_auth__hash_is_bcrypt(hash)) {
		*out_match = bcrypt_verify(password, hash);
		return 0;
	}
	*out_match = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	return 0;
}

bool wvl_auth__password_needs_upgrade(wvl_ctx *ctx, const char *hash)
{
	if (!hash || strncmp(hash, "$argon2id$", 10))
		return true;
	unsigned long long ops;
	size_t mem;
	argon_params(ctx, &ops, &mem);
	return crypto_pwhash_str_needs_rehash(hash, ops, mem) != 0;
}
