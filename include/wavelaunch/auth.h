/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_AUTH_H
#define WAVELAUNCH_AUTH_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Passwords and accounts.
 *
 * Password hashes are Argon2id (libsodium) with parameters from
 * WL_ARGON2_MEMORY_KIB (default 19456, OWASP's minimum) and
 * WL_ARGON2_ITERATIONS (default 2).  Passwords are never truncated.
 */

/** Longest password accepted, in Unicode code points. */
#define WVL_PASSWORD_MAX_CHARS 128
WVL_EXTERN size_t wvl_password_max_chars(void);

/**
 * Checks a new password against the policy: 8..128 code points of valid
 * UTF-8, an upper-case letter, a digit and a symbol, not equal to nor
 * containing the local part of `email` (may be NULL), and not a common or
 * easily guessed password.  Returns 0, or WVL_EINVAL with field errors
 * {"password":"what to fix"} in wvl_error_last().
 */
WVL_EXTERN int wvl_password_check(const char *password, const char *email)
	WVL_WARN_UNUSED;

/** Hashes a password (no policy check).  `*out_hash` is the caller's (wvl_free). */
WVL_EXTERN int wvl_password_hash(char **out_hash, wvl_ctx *ctx,
				 const char *password) WVL_WARN_UNUSED;

/** `*out_match` is 1 when `password` matches `hash`, else 0.  Returns 0 or WVL_EINVAL. */
WVL_EXTERN int wvl_password_verify(int *out_match, wvl_ctx *ctx,
				   const char *password, const char *hash)
	WVL_WARN_UNUSED;

/**
 * Normalises an email address (trimmed, lower-case) into `out` (size
 * `outlen`).  WVL_EINVAL when it is not a plausible address or too long.
 */
WVL_EXTERN int wvl_email_normalize(char *out, size_t outlen, const char *email)
	WVL_WARN_UNUSED;

/**
 * Creates the first admin.  When `password` is NULL a strong one is
 * generated and returned in `*out_password` (wvl_free; NULL otherwise).
 * A given password must pass wvl_password_check.  If a user with that email
 * already exists nothing changes and `*out_created` is 0.
 */
WVL_EXTERN int wvl_auth_bootstrap_admin(int *out_created, char **out_password,
					wvl_ctx *ctx, const char *email,
					const char *password) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
