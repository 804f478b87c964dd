/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The configuration's edges an operator can reach: .env files with long
 * lines and escapes, environment variables that are no key, the address
 * forms WL_CLAMD takes and refuses, and values the typed keys refuse
 * (each refusal names the key). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <wavelaunch.h>

static wvl_config *dev_config(void)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	return cfg;
}

static char *write_temp(const char *content, size_t len)
{
	char *path = strdup("/tmp/wl-dotenv-edges-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

Test(config_edges, a_dotenv_line_longer_than_the_reader_is_refused_with_its_number)
{
	/* Line 2 is 9000 bytes: more than one read of the parser's buffer. */
	size_t n = 9000;
	char *text = malloc(n + 64);
	cr_assert_not_null(text);
	int head = snprintf(text, 64, "WL_LOG_LEVEL=info\nWL_AI_MODEL=");
	memset(text + head, 'a', n);
	memcpy(text + head + n, "\n", 2);
	char *path = write_temp(text, strlen(text));
	wvl_config *cfg = dev_config();
	cr_expect_eq(wvl_config_load_env(cfg, path), WVL_EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "%s:2: line too long", path);
	cr_expect_not_null(strstr(wvl_error_last()->message, want), "%s",
			   wvl_error_last()->message);
	/* The line before it was read; the long one was not. */
	cr_expect_str_eq(wvl_config_get(cfg, "WL_LOG_LEVEL"), "info");
	const char *model = wvl_config_get(cfg, "WL_AI_MODEL");
	cr_expect(!model || strlen(model) < 200, "the long line was taken");
	wvl_config_free(cfg);
	unlink(path);
	free(path);
	free(text);
}

Test(config_edges, double_quotes_take_escapes_and_single_quotes_keep_backslashes)
{
	static const char text[] = "WL_EMAIL_FROM=\"Team \\\"A\\\" \\\\ x\\ny\"\n"
				   "WL_AI_MODEL='a\\nb'\n"
				   "WL_PUBLIC_URL=\"\"\n";
	char *path = write_temp(text, sizeof(text) - 1);
	wvl_config *cfg = dev_config();
	unsetenv("WL_EMAIL_FROM");
	unsetenv("WL_AI_MODEL");
	unsetenv("WL_PUBLIC_URL");
	cr_assert_eq(wvl_config_load_env(cfg, path), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(wvl_config_get(cfg, "WL_EMAIL_FROM"), "Team \"A\" \\ x\ny");
	cr_expect_str_eq(wvl_config_get(cfg, "WL_AI_MODEL"), "a\\nb");
	cr_expect_str_eq(wvl_config_get(cfg, "WL_PUBLIC_URL"), "");
	wvl_config_free(cfg);
	unlink(path);
	free(path);
}

Test(config_edges, environment_variables_that_are_no_key_are_ignored)
{
	/* Only WL_ + upper case, digits and _ (at most 64 bytes) is a key:
	 * anything else in the environment is someone else's. */
	char long_key[80];
	memset(long_key, 'A', sizeof(long_key) - 1);
	memcpy(long_key, "WL_", 3);
	long_key[sizeof(long_key) - 1] = '\0';
	setenv("WL_lower_case", "1", 1);
	setenv("WL_DASH-ED", "1", 1);
	setenv(long_key, "1", 1);
	setenv("WL_EDGE_SEEN", "yes", 1);
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_load_env(cfg, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_null(wvl_config_get(cfg, "WL_lower_case"));
	cr_expect_null(wvl_config_get(cfg, "WL_DASH-ED"));
	cr_expect_null(wvl_config_get(cfg, long_key));
	cr_expect_str_eq(wvl_config_get(cfg, "WL_EDGE_SEEN"), "yes");
	unsetenv("WL_lower_case");
	unsetenv("WL_DASH-ED");
	unsetenv(long_key);
	unsetenv("WL_EDGE_SEEN");
	wvl_config_free(cfg);
}

Test(config_edges, a_missing_configuration_is_an_error_not_a_crash)
{
	cr_expect_eq(wvl_config_load_env(NULL, NULL), WVL_EINVAL);
	cr_expect_null(wvl_config_get(NULL, "WL_ENV"));
	wvl_config *cfg = dev_config();
	cr_expect_null(wvl_config_get(cfg, NULL));
	cr_expect_eq(wvl_config_set(cfg, "WL_ENV", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_config_validate(NULL), WVL_EINVAL);
	wvl_config_free(cfg);
}

Test(config_edges, clamd_addresses_are_taken_or_refused_naming_the_key)
{
	char long_path[140] = "unix:/";
	memset(long_path + 6, 'p', 110);
	long_path[116] = '\0';
	static const char *good[] = {"unix:/run/clamav/clamd.ctl", "tcp:localhost:3310",
				     "tcp:127.0.0.1:1", "tcp:[::1]:65535", ""};
	const char *bad[] = {"unix:relative.sock", long_path,	 "tcp:localhost",
			     "tcp::3310",	   "tcp:[]:3310",	 "tcp:host:0",
			     "tcp:host:65536",	   "tcp:host:123456", "tcp:host:33a0",
			     "tcp:host:",	   "http://clamd:3310"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", good[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), 0, "WL_CLAMD=%s refused: %s", good[i],
			     wvl_error_last()->message);
		wvl_config_free(cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", bad[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "WL_CLAMD=%s accepted", bad[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_CLAMD"), "%s",
				   wvl_error_last()->message);
		wvl_config_free(cfg);
	}
}

/* The typed keys whose modules once checked them a second time: the
 * declared type refuses every bad value first, naming the key. */
Test(config_edges, typed_module_keys_refuse_bad_values_naming_the_key)
{
	static const struct {
		const char *key, *value;
		int ok;
	} cases[] = {
		{"WL_SCAN_REQUIRED", "", 1},
		{"WL_SCAN_REQUIRED", "true", 1},
		{"WL_SCAN_REQUIRED", "yes", 0},
		{"WL_STORAGE_QUOTA_BYTES", "0", 1},
		{"WL_STORAGE_QUOTA_BYTES", "-5", 0},
		{"WL_STORAGE_QUOTA_BYTES", "1152921504606846977", 0}, /* 2^60 + 1 */
		{"WL_AI_TIMEOUT", "0", 0},
		{"WL_AI_TIMEOUT", "3600", 1},
		{"WL_AI_MAX_RETRIES", "11", 0},
		{"WL_AI_BUDGET_HARD_STOP", "", 0},
		{"WL_AI_BUDGET_HARD_STOP", "TRUE", 0},
		{"WL_COACH_CONTEXT_TOKENS", "499", 0},
		{"WL_TOKEN_BUDGET_CENTS", "1000000001", 0},
		{"WL_TOKEN_BUDGET_CENTS", "1000000000", 1},
		{"WL_RATELIMIT_ENABLED", "", 0},
		{"WL_RATELIMIT_ENABLED", "false", 1},
		{"WL_EMAIL_TIMEOUT", "601", 0},
		{"WL_EMAIL_TIMEOUT", "1", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, cases[i].key, cases[i].value), 0);
		int rc = wvl_config_validate(cfg);
		if (cases[i].ok) {
			cr_expect_eq(rc, 0, "%s=%s refused: %s", cases[i].key, cases[i].value,
				     wvl_error_last()->message);
		} else {
			cr_expect_eq(rc, WVL_EINVAL, "%s=%s accepted", cases[i].key,
				     cases[i].value);
			cr_expect_not_null(strstr(wvl_error_last()->message, cases[i].key), "%s",
					   wvl_error_last()->message);
		}
		wvl_config_free(cfg);
	}
}

Test(config_edges, sentry_dsns_are_taken_or_refused_naming_the_key)
{
	static const char *good[] = {"https://0f1e2d3c@sentry.example.com/42",
				     "http://ABCDEF0123@127.0.0.1:9000/sub/path/7", ""};
	static const char *bad[] = {"ftp://0f1e@sentry.example.com/42",
				    "https://sentry.example.com/42",
				    "https://not-hex@sentry.example.com/42",
				    "https://0f1e@sentry.example.com/",
				    "https://0f1e@sentry.example.com/12a",
				    "https://0f1e@sentry.example.com",
				    "not a url at all"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", good[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), 0, "%s refused: %s", good[i],
			     wvl_error_last()->message);
		wvl_config_free(cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", bad[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "%s accepted", bad[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_SENTRY_DSN"), "%s",
				   wvl_error_last()->message);
		wvl_config_free(cfg);
	}
	/* Plain http carries the key in clear: not in production. */
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "production"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY",
				    "q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU="),
		     0);
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", "unix:/run/clamd.ctl"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", "https://0f1e@sentry.example.com/42"),
		     0);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", "http://0f1e@sentry.example.com/42"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_SENTRY_DSN: must be https in production"),
			   "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
}
