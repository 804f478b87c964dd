/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

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

Test(config, defaults_cover_every_pinned_key)
{
	static const char *pinned[] = {
		"WL_DATABASE_URL", "WL_MIGRATE_DATABASE_URL", "WL_APP_ROLE", "WL_REDIS_URL",
		"WL_SECRET_KEY", "WL_LISTEN", "WL_PUBLIC_URL", "WL_ENV", "WL_CORS_ORIGINS",
		"WL_TRUSTED_PROXIES", "WL_STORAGE_DIR", "WL_CLAMD", "WL_EMAIL_TRANSPORT",
		"WL_SMTP_URL", "WL_RESEND_API_KEY", "WL_RESEND_BASE_URL", "WL_MAILBOX_DIR",
		"WL_EMAIL_FROM", "WL_WEBHOOK_SECRET", "WL_ANTHROPIC_API_KEY",
		"WL_ANTHROPIC_BASE_URL", "WL_AI_MODEL", "WL_LOG_LEVEL"};
	wvl_config *cfg = dev_config();
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++)
		cr_expect_not_null(wvl_config_get(cfg, pinned[i]), "%s has no default", pinned[i]);
	cr_expect_str_eq(wvl_config_get(cfg, "WL_APP_ROLE"), "wavelaunch_app");
	cr_expect_str_eq(wvl_config_get(cfg, "WL_LISTEN"), "127.0.0.1:8080");
	wvl_config_free(cfg);
}

Test(config, env_example_documents_every_key)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/.env.example", getenv("WL_TEST_SOURCE_DIR"));
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	char text[65536];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	for (size_t i = 0; i < wvl_config_known_count(); i++) {
		char needle[128];
		snprintf(needle, sizeof(needle), "%s=", wvl_config_known_key(i));
		cr_expect_not_null(strstr(text, needle), ".env.example lacks %s",
				   wvl_config_known_key(i));
	}
}

Test(config, rejects_keys_without_prefix)
{
	wvl_config *cfg = dev_config();
	cr_expect_eq(wvl_config_set(cfg, "DATABASE_URL", "x"), WVL_EINVAL);
	cr_expect_eq(wvl_config_set(cfg, "WL_lower", "x"), WVL_EINVAL);
	cr_expect_eq(wvl_config_set(cfg, "WL_", "x"), WVL_EINVAL);
	cr_expect_eq(wvl_config_set(cfg, NULL, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_config_set(cfg, "WL_CUSTOM", "y"), 0);
	cr_expect_str_eq(wvl_config_get(cfg, "WL_CUSTOM"), "y");
	wvl_config_free(cfg);
}

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/wl-dotenv-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

Test(config, dotenv_parses_quotes_comments_and_export)
{
	char *path = write_temp("# comment\n\nWL_LISTEN=0.0.0.0:9000\n"
				"export WL_EMAIL_FROM=\"Team <a@b.c>\"\n"
				"WL_AI_MODEL='claude # not a comment'\n  WL_LOG_LEVEL = debug  \n");
	wvl_config *cfg = dev_config();
	unsetenv("WL_LISTEN");
	cr_assert_eq(wvl_config_load_env(cfg, path), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(wvl_config_get(cfg, "WL_LISTEN"), "0.0.0.0:9000");
	cr_expect_str_eq(wvl_config_get(cfg, "WL_EMAIL_FROM"), "Team <a@b.c>");
	cr_expect_str_eq(wvl_config_get(cfg, "WL_AI_MODEL"), "claude # not a comment");
	cr_expect_str_eq(wvl_config_get(cfg, "WL_LOG_LEVEL"), "debug");
	wvl_config_free(cfg);
	unlink(path);
	free(path);
}

Test(config, environment_wins_over_dotenv)
{
	char *path = write_temp("WL_PUBLIC_URL=http://file\n");
	setenv("WL_PUBLIC_URL", "https://env.example", 1);
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_load_env(cfg, path), 0);
	cr_expect_str_eq(wvl_config_get(cfg, "WL_PUBLIC_URL"), "https://env.example");
	unsetenv("WL_PUBLIC_URL");
	wvl_config_free(cfg);
	unlink(path);
	free(path);
}

Test(config, malformed_dotenv_names_the_line)
{
	static const char *bad[] = {"WL_OK=1\nthis is not a pair\n", "WL_A=\"unterminated\n",
				    "lowercase=1\n", "WL_X='mismatch\"\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = write_temp(bad[i]);
		wvl_config *cfg = dev_config();
		cr_expect_eq(wvl_config_load_env(cfg, path), WVL_EINVAL, "accepted: %s", bad[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, path));
		wvl_config_free(cfg);
		unlink(path);
		free(path);
	}
}

Test(config, missing_dotenv_is_fine)
{
	wvl_config *cfg = dev_config();
	cr_expect_eq(wvl_config_load_env(cfg, "/nonexistent/.env"), 0);
	wvl_config_free(cfg);
}

Test(config, production_requires_a_strong_secret)
{
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "production"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", "unix:/run/clamd.ctl"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_SECRET_KEY is missing"));
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY", "c2hvcnQ="), 0); /* "short" */
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "weak"));
	/* 32 bytes of one value: long enough, no secret. */
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY",
				    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY", "not base64 at all!!"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY", "CHANGE_ME_base64_of_32_random_bytes"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY",
				    "q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU="), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
}

Test(config, production_requires_virus_scanning)
{
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "production"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY",
				    "q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU="), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_CLAMD"));
	wvl_config_free(cfg);
}

Test(config, development_accepts_no_secret_but_rejects_bad_values)
{
	wvl_config *cfg = dev_config();
	cr_expect_eq(wvl_config_validate(cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "staging"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "development"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_LISTEN", "no-port"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_LISTEN", "127.0.0.1:99999"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_LISTEN", "127.0.0.1:8080"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", "http://x"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	/* What the pool could not read would leave Redis unconfigured, and the
	 * limits in-process only, without a word: refused at start. */
	const char *bad_redis[] = {"redis://", "redis://:6379", "redis://host:", "redis://host:0",
				   "redis://host:65536", "redis://host:63a9", "redis://host:6379/x",
				   "redis://host:6379/0/1", "redis://pw@:6379", "redis://host:6379 "};
	for (size_t i = 0; i < sizeof(bad_redis) / sizeof(bad_redis[0]); i++) {
		cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", bad_redis[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "%s taken", bad_redis[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_REDIS_URL"));
	}
	const char *good_redis[] = {"redis://127.0.0.1:6379/0", "redis://cache", "redis://cache/3",
				    "redis://:s3cret@cache:6380", "redis://default:p@ss@cache:1/15"};
	for (size_t i = 0; i < sizeof(good_redis) / sizeof(good_redis[0]); i++) {
		cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", good_redis[i]), 0);
		cr_expect_eq(wvl_config_validate(cfg), 0, "%s refused: %s", good_redis[i],
			     wvl_error_last()->message);
	}
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", "redis://127.0.0.1:6379/0"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_LOG_LEVEL", "loud"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	wvl_config_free(cfg);
}

Test(errors, table_maps_codes_to_http_and_slugs)
{
	cr_expect_eq(wvl_status_http(WVL_EINVAL), 400);
	cr_expect_eq(wvl_status_http(WVL_ENOTFOUND), 404);
	cr_expect_eq(wvl_status_http(WVL_EFORBIDDEN), 403);
	cr_expect_eq(wvl_status_http(WVL_EUNAUTHENTICATED), 401);
	cr_expect_eq(wvl_status_http(WVL_ECONFLICT), 409);
	cr_expect_eq(wvl_status_http(WVL_ELOCKED), 423);
	cr_expect_eq(wvl_status_http(WVL_ERATELIMITED), 429);
	cr_expect_eq(wvl_status_http(WVL_ETOOLARGE), 413);
	cr_expect_eq(wvl_status_http(WVL_EUNSUPPORTED), 415);
	cr_expect_eq(wvl_status_http(WVL_EUNAVAILABLE), 503);
	cr_expect_eq(wvl_status_http(WVL_EINTERNAL), 500);
	cr_expect_eq(wvl_status_http(WVL_EGONE), 410);
	cr_expect_eq(wvl_status_http(-999), 500, "unknown codes are internal");
	cr_expect_str_eq(wvl_status_slug(WVL_ELOCKED), "account_locked");
	cr_expect_str_eq(wvl_status_slug(WVL_ERATELIMITED), "rate_limited");
	cr_expect_not_null(wvl_strerror(12345));
}

Test(errors, last_error_is_per_thread_and_never_null)
{
	wvl_error_clear();
	const wvl_error *e = wvl_error_last();
	cr_assert_not_null(e);
	cr_expect_eq(e->code, 0);
	wvl_config *cfg = NULL;
	cr_expect_eq(wvl_config_new(NULL), WVL_EINVAL);
	cr_expect_eq(wvl_error_last()->code, WVL_EINVAL);
	cr_expect_str_eq(wvl_error_last()->slug, "bad_request");
	cr_expect_not_null(wvl_error_last()->message);
	(void)cfg;
	wvl_free(NULL);
	wvl_config_free(NULL);
	wvl_ctx_free(NULL);
}

Test(log, redacts_secret_values)
{
	static const struct {
		const char *in;
		const char *secret;
	} cases[] = {
		{"login password=hunter2 ok", "hunter2"},
		{"{\"password\":\"p@ss word\",\"email\":\"a@b\"}", "p@ss word"},
		{"Cookie: wl_session=abcdef123; wl_csrf=zzz999", "abcdef123"},
		{"Cookie: wl_session=abcdef123; wl_csrf=zzz999", "zzz999"},
		{"Authorization: Bearer tok_live_777", "tok_live_777"},
		{"connect postgresql://app:s3cr3t@db:5432/x failed", "s3cr3t"},
		{"new_password=Abc!2345&x=1", "Abc!2345"},
		{"api_key: sk-ant-999", "sk-ant-999"},
		{"X-API-Token=qwerty", "qwerty"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[512];
		wvl_log_redact(out, sizeof(out), cases[i].in);
		cr_expect_null(strstr(out, cases[i].secret), "leaked %s in %s", cases[i].secret, out);
		cr_expect_not_null(strstr(out, "[redacted]"), "no marker in %s", out);
	}
	char out[128];
	wvl_log_redact(out, sizeof(out), "user a@b.c logged in from 10.0.0.1");
	cr_expect_str_eq(out, "user a@b.c logged in from 10.0.0.1");
	wvl_log_redact(out, 8, "a long message that does not fit");
	cr_expect_eq(strlen(out), 7);
}

static int64_t fixed_clock(void *payload) { return *(int64_t *)payload; }

static char captured[512];
static char captured_rid[80];
static void capture(wvl_log_level l, const char *rid, const char *msg, void *p)
{
	(void)l;
	(void)p;
	snprintf(captured, sizeof(captured), "%s", msg);
	snprintf(captured_rid, sizeof(captured_rid), "%s", rid ? rid : "(none)");
}

Test(ctx, clock_is_injectable_and_logs_go_to_the_handler)
{
	wvl_config *cfg = dev_config();
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = capture;
	opts.log_level = WVL_LOG_DEBUG;
	wvl_ctx *ctx = NULL;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, &opts), 0);
	int64_t t = 1700000000LL * 1000000;
	wvl_ctx_set_clock(ctx, fixed_clock, &t);
	cr_expect_eq(wvl_now(ctx), t);
	t += 15 * 60 * 1000000LL;
	cr_expect_eq(wvl_now(ctx), t);
	wvl_ctx_set_clock(ctx, NULL, NULL);
	cr_expect_gt(wvl_now(ctx), 1700000000LL * 1000000);
	wvl_log_bind_request("req-42");
	wvl_log(ctx, WVL_LOG_INFO, "token=%s seen", "abc");
	cr_expect_str_eq(captured, "token=[redacted] seen");
	cr_expect_str_eq(captured_rid, "req-42");
	wvl_log_bind_request(NULL);
	wvl_log(ctx, WVL_LOG_DEBUG, "plain");
	cr_expect_str_eq(captured_rid, "(none)");
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
}

Test(ctx, refuses_unknown_options_version_and_invalid_config)
{
	wvl_config *cfg = dev_config();
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.version = 99;
	wvl_ctx *ctx = NULL;
	cr_expect_eq(wvl_ctx_new(&ctx, cfg, &opts), WVL_EINVAL);
	cr_expect_null(ctx);
	cr_expect_eq(wvl_ctx_new(NULL, cfg, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ctx_new(&ctx, NULL, NULL), WVL_EINVAL);
	cr_expect_null(ctx);
	/* Pool sizes from the options win over the configuration's. */
	opts = (wvl_ctx_options)WVL_CTX_OPTIONS_INIT;
	opts.pg_pool_size = 3;
	opts.redis_pool_size = 2;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, &opts), 0);
	wvl_pool_stats st;
	wvl_ctx_pg_stats(ctx, &st);
	cr_expect_eq(st.size, 3);
	wvl_ctx_redis_stats(ctx, &st);
	cr_expect_eq(st.size, 2);
	wvl_ctx_set_clock(NULL, NULL, NULL); /* no context: nothing to do, no crash */
	wvl_ctx_free(ctx);
	ctx = NULL;
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "production"), 0);
	cr_expect_eq(wvl_ctx_new(&ctx, cfg, NULL), WVL_EINVAL);
	cr_expect_null(ctx);
	wvl_config_free(cfg);
}

Test(util, uuid_and_roles)
{
	cr_expect(wvl_uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
	cr_expect_not(wvl_uuid_valid("123e4567e89b12d3a456426614174000"));
	cr_expect_not(wvl_uuid_valid("123e4567-e89b-12d3-a456-42661417400g"));
	cr_expect_not(wvl_uuid_valid("'; DROP TABLE users; --------------"));
	cr_expect_not(wvl_uuid_valid(NULL));
	cr_expect_str_eq(wvl_role_name(WVL_ROLE_ADMIN), "admin");
	cr_expect_str_eq(wvl_role_name(WVL_ROLE_CLIENT), "client");
	cr_expect_str_eq(wvl_role_name((wvl_role)77), "anonymous");
	cr_expect_str_eq(wvl_version(), WVL_VERSION_STRING);
}

/* The keys of remembered sessions and rate-limit leases: typos, signs,
 * overflow and out-of-range values are refused with the key's name. */
Test(config, session_cache_and_lease_sizes_are_checked)
{
	static const struct {
		const char *key, *value;
		int ok;
	} cases[] = {
		{"WL_SESSION_CACHE_SECONDS", "0", 1},
		{"WL_SESSION_CACHE_SECONDS", "3600", 1},
		{"WL_SESSION_CACHE_SECONDS", "3601", 0},
		{"WL_SESSION_CACHE_SECONDS", "-1", 0},
		{"WL_SESSION_CACHE_SECONDS", "60s", 0},
		{"WL_SESSION_CACHE_SECONDS", "99999999999999999999999", 0},
		{"WL_RATELIMIT_LEASE", "1", 1},
		{"WL_RATELIMIT_LEASE", "1024", 1},
		{"WL_RATELIMIT_LEASE", "0", 0},
		{"WL_RATELIMIT_LEASE", "1025", 0},
		{"WL_RATELIMIT_LEASE", "thirty", 0},
		{"WL_RATELIMIT_LEASE", " 3", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, cases[i].key, cases[i].value), 0);
		int rc = wvl_config_validate(cfg);
		if (cases[i].ok) {
			cr_expect_eq(rc, 0, "%s=%s refused", cases[i].key, cases[i].value);
		} else {
			cr_expect_eq(rc, WVL_EINVAL, "%s=%s accepted", cases[i].key, cases[i].value);
			cr_expect_not_null(strstr(wvl_error_last()->message, cases[i].key));
		}
		wvl_config_free(cfg);
	}
}
