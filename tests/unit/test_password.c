/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <string.h>

#include <criterion/criterion.h>

#include <wavelaunch.h>

static void expect_refused(const char *pw, const char *email, const char *words)
{
	cr_expect_eq(wvl_auth_password_check(pw, email), WVL_EVALIDATION, "accepted %s", pw);
	const wvl_error *e = wvl_error_last();
	cr_expect_str_eq(e->slug, "validation_failed");
	cr_expect_not_null(e->fields_json);
	cr_expect_not_null(strstr(e->fields_json, "\"password\""));
	cr_expect_not_null(strstr(e->message, words), "message '%s' lacks '%s'", e->message, words);
}

Test(password, policy_rules_each_say_what_to_fix)
{
	expect_refused("Ab1!", NULL, "at least 8");
	expect_refused("abcdefgh1!", NULL, "upper-case");
	expect_refused("Abcdefghij!", NULL, "digit");
	expect_refused("Abcdefghij1", NULL, "symbol");
	expect_refused("Password1!", NULL, "common");
	expect_refused("Qwerty123!", NULL, "common");
	expect_refused("Janedoe-77!X", "janedoe@example.com", "email");
	expect_refused(NULL, NULL, "required");
	expect_refused("\xff\xfe invalid utf8 A1!", NULL, "UTF-8");
	expect_refused("Overlong \xc0\xaf A1!x", NULL, "UTF-8");
}

Test(password, length_is_counted_in_characters_and_never_truncated)
{
	char pw[600];
	/* 128 characters of 4-byte emoji plus classes: accepted (512+ bytes). */
	strcpy(pw, "Aa1!");
	for (int i = 0; i < 124; i++)
		strcat(pw, "\xf0\x9f\x98\x80");
	cr_expect_eq(wvl_auth_password_check(pw, NULL), 0, "%s", wvl_error_last()->message);
	strcat(pw, "x");
	expect_refused(pw, NULL, "at most 128");
	cr_expect_eq(wvl_auth_password_max_chars(), 128);
}

Test(password, strong_unicode_passphrase_is_accepted)
{
	cr_expect_eq(wvl_auth_password_check("Kürbis-Laterne 9 wandert!", "ana@example.com"), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(wvl_auth_password_check("Tr0ub4dor&3-horse-Staple", NULL), 0, "%s",
		     wvl_error_last()->message);
}

Test(password, hash_and_verify_with_configured_argon2id)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ARGON2_MEMORY_KIB", "8192"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ARGON2_ITERATIONS", "1"), 0);
	wvl_ctx *ctx = NULL;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	char *h = NULL;
	cr_assert_eq(wvl_auth_password_hash(&h, ctx, "Correct-Horse-9"), 0);
	cr_expect_eq(strncmp(h, "$argon2id$", 10), 0);
	cr_expect_not_null(strstr(h, "m=8192,t=1"));
	int ok = 0;
	cr_assert_eq(wvl_auth_password_verify(&ok, ctx, "Correct-Horse-9", h), 0);
	cr_expect_eq(ok, 1);
	cr_assert_eq(wvl_auth_password_verify(&ok, ctx, "Correct-Horse-8", h), 0);
	cr_expect_eq(ok, 0);
	/* A long password differing only at its end is still a mismatch. */
	char a[400], b[400];
	memset(a, 'a', 300);
	a[300] = '\0';
	memcpy(b, a, 301);
	b[299] = 'b';
	char *h2 = NULL;
	cr_assert_eq(wvl_auth_password_hash(&h2, ctx, a), 0);
	cr_assert_eq(wvl_auth_password_verify(&ok, ctx, b, h2), 0);
	cr_expect_eq(ok, 0);
	cr_assert_eq(wvl_auth_password_verify(&ok, ctx, "x", "not a hash"), 0);
	cr_expect_eq(ok, 0);
	wvl_free(h);
	wvl_free(h2);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
}

Test(password, default_parameters_meet_owasp_minimum)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	wvl_ctx *ctx = NULL;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	char *h = NULL;
	cr_assert_eq(wvl_auth_password_hash(&h, ctx, "Correct-Horse-9"), 0);
	cr_expect_not_null(strstr(h, "m=19456,t=2,p=1"), "%s", h);
	wvl_free(h);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
}

Test(email, normalises_and_rejects_hostile_input)
{
	char out[256];
	cr_expect_eq(wvl_email_normalize(out, sizeof(out), "  Jane.Doe@Example.COM "), 0);
	cr_expect_str_eq(out, "jane.doe@example.com");
	static const char *bad[] = {"", "no-at-sign", "two@@example.com", "a@b", "@example.com",
				    "a@.com", "a@example.", "a b@example.com",
				    "a@example.com\r\nBcc: x@y.z", "<a@example.com>", "a\"@x.com"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(wvl_email_normalize(out, sizeof(out), bad[i]), WVL_EINVAL, "accepted %s",
			     bad[i]);
	char longmail[400];
	memset(longmail, 'a', 300);
	strcpy(longmail + 300, "@example.com");
	cr_expect_eq(wvl_email_normalize(out, sizeof(out), longmail), WVL_EINVAL);
}

/* Every form of bytes that is not UTF-8 text is refused as such: a
 * sequence cut short, overlong two-, three- and four-byte forms, a
 * surrogate, a code point past U+10FFFF. */
Test(password, every_malformed_utf8_form_is_refused)
{
	static const char *bad[] = {
		"Abcdefg1! \xc3",	       "Abcdefg1! \xe2\x82",	 "Abcdefg1! \xe0\x80\xaf",
		"Abcdefg1! \xed\xa0\x80",    "Abcdefg1! \xf0\x8f\xbf\xbf", "Abcdefg1! \xf4\x90\x80\x80",
		"Abcdefg1! \xf8\x88\x80\x80\x80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], NULL, "UTF-8");
}

/* The email's name part counts only from 3 characters (and an address
 * without "@" is one name part). */
Test(password, the_email_rule_takes_name_parts_of_three_or_more)
{
	cr_expect_eq(wvl_auth_password_check("Jo-Kürbis-Laterne 9!", "jo@example.com"), 0, "%s",
		     wvl_error_last()->message);
	expect_refused("Kürbis-Laterne-9-marlowe!", "marlowe", "email");
}

Test(password, hashing_and_verifying_refuse_what_they_cannot_take)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ARGON2_MEMORY_KIB", "8192"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ARGON2_ITERATIONS", "1"), 0);
	wvl_ctx *ctx = NULL;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	char *h = (char *)1;
	cr_expect_eq(wvl_auth_password_hash(NULL, ctx, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_password_hash(&h, NULL, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_password_hash(&h, ctx, NULL), WVL_EINVAL);
	/* More bytes than 128 characters can take: never hashed. */
	char lng[600];
	memset(lng, 'a', 513);
	lng[513] = '\0';
	h = NULL;
	cr_expect_eq(wvl_auth_password_hash(&h, ctx, lng), WVL_EINVAL);
	cr_expect_null(h);
	int ok = 7;
	cr_expect_eq(wvl_auth_password_verify(NULL, ctx, "x", "y"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_password_verify(&ok, ctx, NULL, "y"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_password_verify(&ok, ctx, "x", NULL), WVL_EINVAL);
	cr_assert_eq(wvl_auth_password_hash(&h, ctx, "Correct-Horse-9"), 0);
	cr_expect_eq(wvl_auth_password_verify(&ok, ctx, lng, h), 0);
	cr_expect_eq(ok, 0, "an over-long password matches nothing");
	wvl_free(h);
	/* bcrypt-shaped hashes: a cost crypt refuses, and shapes that are
	 * not bcrypt at all, match nothing. */
	static const char *hashes[] = {
		"$2a$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$5x$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
	};
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		ok = 7;
		cr_expect_eq(wvl_auth_password_verify(&ok, ctx, "U*U", hashes[i]), 0);
		cr_expect_eq(ok, 0, "matched %s", hashes[i]);
	}
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
}
