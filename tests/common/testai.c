/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <sodium.h>

#include "testai.h"
#include "testenv.h"

void test_ai_key(char out[48])
{
	unsigned char raw[8];
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "sk-test-", 8);
	sodium_bin2hex(out + 8, 48 - 8, raw, sizeof(raw));
}

void test_ai_config(wvl_config *cfg, const char *key)
{
	cr_assert_eq(wvl_config_set(cfg, "WL_ANTHROPIC_BASE_URL", testenv("WL_TEST_ANTHROPIC_URL")), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ANTHROPIC_API_KEY", key), 0);
}

struct sink {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	char *p = realloc(s->p, s->n + size * n + 1);
	cr_assert_not_null(p);
	memcpy(p + s->n, data, size * n);
	s->n += size * n;
	p[s->n] = '\0';
	s->p = p;
	return size * n;
}

static json_t *call(const char *key, const char *path, const char *body)
{
	char url[256], auth[96];
	snprintf(url, sizeof(url), "%s%s", testenv("WL_TEST_ANTHROPIC_URL"), path);
	snprintf(auth, sizeof(auth), "x-api-key: %s", key);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "content-type: application/json");
	struct sink s = {NULL, 0};
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	cr_assert_eq(status, 200, "%s: %s", path, s.p ? s.p : "");
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	json_t *doc = json_loads(s.p ? s.p : "", 0, NULL);
	free(s.p);
	cr_assert_not_null(doc);
	return doc;
}

void test_ai_plan(const char *key, const char *actions_json)
{
	char *body = NULL;
	cr_assert_geq(asprintf(&body, "{\"actions\":%s}", actions_json), 0);
	json_decref(call(key, "/_test/plan", body));
	free(body);
}

json_t *test_ai_requests(const char *key)
{
	json_t *doc = call(key, "/_test/requests", NULL);
	json_t *data = json_incref(json_object_get(doc, "data"));
	json_decref(doc);
	return data;
}
