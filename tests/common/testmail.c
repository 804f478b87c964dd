/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "testenv.h"
#include "testmail.h"

json_t *test_mime_parse(const char *path)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s %s/tests/common/mime_parse.py '%s'", testenv("WL_TEST_PYTHON"),
		 testenv("WL_TEST_SOURCE_DIR"), path);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	json_error_t err;
	json_t *doc = json_loadf(p, 0, &err);
	pclose(p);
	cr_assert_not_null(doc, "mime_parse %s: %s", path, err.text);
	return doc;
}

const char *test_mime_header(json_t *mime, const char *name)
{
	json_t *values = json_object_get(json_object_get(mime, "headers"), name);
	return json_string_value(json_array_get(values, 0));
}

const char *test_mime_part(json_t *mime, const char *type)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(mime, "parts"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "type")), type))
			return json_string_value(json_object_get(p, "text"));
	return NULL;
}

char *test_mailbox_file(const wvl_ctx *ctx, const char *id)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s.eml",
		 wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR"), id);
	return strdup(path);
}

char *test_link_token(const char *text, const char *marker)
{
	const char *p = text ? strstr(text, marker) : NULL;
	if (!p)
		return NULL;
	p += strlen(marker);
	size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
	return n ? strndup(p, n) : NULL;
}

int test_smtp_sink_files(char names[][300], int max, const char *user)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", testenv("WL_TEST_SMTP_DIR"), user);
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && n < max && (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] != '.' && l > 4 && !strcmp(e->d_name + l - 4, ".eml"))
			cr_assert_lt(snprintf(names[n++], 300, "%s/%s", dir, e->d_name), 300);
	}
	if (d)
		closedir(d);
	return n;
}

json_t *test_mime_attachment(json_t *mime, size_t index)
{
	size_t i, n = 0;
	json_t *p;
	json_array_foreach(json_object_get(mime, "parts"), i, p) {
		const char *d = json_string_value(json_object_get(p, "disposition"));
		if (d && !strcmp(d, "attachment") && n++ == index)
			return p;
	}
	return NULL;
}

void test_mail_transport(wvl_config *cfg, const char *transport, const char *tag)
{
	cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_TRANSPORT", transport), 0);
	if (!strcmp(transport, "smtp")) {
		char url[256];
		snprintf(url, sizeof(url), "smtp://%s:pw-%s@127.0.0.1:%s", tag, tag,
			 testenv("WL_TEST_SMTP_PORT"));
		cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_URL", url), 0);
		cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_CA_FILE", testenv("WL_TEST_SMTP_CA")), 0);
	} else if (!strcmp(transport, "resend")) {
		cr_assert_eq(wvl_config_set(cfg, "WL_RESEND_BASE_URL", testenv("WL_TEST_RESEND_URL")), 0);
		cr_assert_eq(wvl_config_set(cfg, "WL_RESEND_API_KEY", tag), 0);
	}
}

void test_webhook_sign(char *sig, size_t siglen, const char *secret_b64, const char *id,
		       const char *ts, const char *body)
{
	unsigned char key[64], mac[32];
	size_t klen = 0;
	cr_assert_eq(sodium_base642bin(key, sizeof(key), secret_b64, strlen(secret_b64), NULL,
				       &klen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	cr_assert_lt(strlen(b64) + 3, siglen);
	snprintf(sig, siglen, "v1,%s", b64);
}
