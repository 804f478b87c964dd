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
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_SECRET_KEY: is missing"));
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
				    "redis://:s3cret@cache:6380", "redis://default:p%40ss@cache:1/15"};
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

/* One row per value type and problem: the key, the value, and what the
 * one-line message must say (the key, the problem, the expected form). */
static const struct {
	const char *key, *value;
	const char *problem, *expected;
} invalid_values[] = {
	{"WL_HTTP_THREADS", "lots", "\"lots\" is not a whole number", "a whole number from 0 to 1024"},
	{"WL_HTTP_THREADS", "-1", "is not a whole number", "from 0 to 1024"},
	{"WL_HTTP_THREADS", "1025", "\"1025\" is out of range", "from 0 to 1024"},
	{"WL_HTTP_THREADS", " 4", "is not a whole number", "from 0 to 1024"},
	{"WL_HTTP_THREADS", "99999999999999999999999", "is out of range", "from 0 to 1024"},
	{"WL_WORKER_CONCURRENCY", "ten", "\"ten\" is not a whole number", "from 1 to 1000"},
	{"WL_WORKER_CONCURRENCY", "0", "is out of range", "from 1 to 1000"},
	{"WL_ZIP_MAX_RATIO", "", "is empty", "compression ratio"},
	{"WL_RATELIMIT_ENABLED", "yes", "\"yes\" is not a boolean", "true or false"},
	{"WL_REUSE_PORT", "1", "is not a boolean", "true or false"},
	{"WL_ENV", "staging", "\"staging\" is not allowed", "one of development,production"},
	{"WL_LOG_LEVEL", "loud", "is not allowed", "one of debug,info,warn,error"},
	{"WL_EMAIL_TRANSPORT", "sendmail", "is not allowed", "one of resend,smtp,mailbox"},
	{"WL_DATABASE_URL", "notaurl", "is not a libpq connection string", "postgresql://"},
	{"WL_DATABASE_URL", "wavelaunch", "is not a libpq connection string", "postgresql://"},
	{"WL_DATABASE_URL", "postgresql://h:99999/db", "has a port outside 1..65535", "postgresql://"},
	{"WL_DATABASE_URL", "postgresql://h:notaport/db", "has a port outside 1..65535",
	 "postgresql://"},
	{"WL_DATABASE_URL", "host=h port", "is not a libpq connection string", "postgresql://"},
	{"WL_MIGRATE_DATABASE_URL", "mysql://h/db", "is not a libpq connection string",
	 "postgresql://"},
	{"WL_REDIS_URL", "http://x", "has a scheme other than redis or rediss", "redis://"},
	{"WL_REDIS_URL", "redis://", "is not a URL", "redis://"},
	{"WL_REDIS_URL", "redis://host:0", "has a port outside 1..65535", "redis://"},
	{"WL_REDIS_URL", "redis://host:6379/x", "has a database other than a number", "redis://"},
	{"WL_REDIS_URL", "redis://host:6379/70000", "has a database other than a number",
	 "redis://"},
	{"WL_REDIS_URL", "redis://host/0?timeout=1", "has a query", "redis://"},
	{"WL_REDIS_URL", "rediss://host:6380/x", "has a database other than a number",
	 "rediss:// for TLS"},
	{"WL_REDIS_TLS_CA", "/etc/ssl/certs/ca-certificates.crt",
	 "is set but WL_REDIS_URL is not a rediss:// URL", "rediss://host:port/db"},
	{"WL_PUBLIC_URL", "app.example.com", "is not a URL with a host", "http://host"},
	{"WL_PUBLIC_URL", "ftp://app.example.com", "has a scheme other than http or https",
	 "http://host"},
	{"WL_LISTEN", "no-port", "is not host:port", "host:port or [ipv6]:port"},
	{"WL_LISTEN", "127.0.0.1:99999", "has no port from 0 to 65535", "host:port"},
	{"WL_LISTEN", "::1:8080", "has a malformed host", "[ipv6]:port"},
	{"WL_LISTEN", "[::1:8080", "has a malformed [IPv6] host", "host:port"},
	{"WL_LISTEN", "[zz]:8080", "has a malformed [IPv6] host", "host:port"},
	{"WL_LISTEN", "localhost", "is not host:port", "host:port"},
	{"WL_APP_ROLE", "", "is empty", "app role"},
	{"WL_BACKUP_POST_COMMAND", "rclone copy \"$1\" r:\nrm -rf /", "has a control character",
	 "a shell command on one line"},
	{"WL_BACKUP_POST_COMMAND", "cp \"$1\"\t/mnt", "has a control character (byte 9)",
	 "one line"},
	{"WL_BACKUP_POST_COMMAND", "   ", "is only spaces", "a shell command"},
	{"WL_BACKUP_POST_TIMEOUT", "0", "is out of range", "from 1 to 86400"},
	{"WL_BACKUP_POST_TIMEOUT", "86401", "is out of range", "from 1 to 86400"},
	{"WL_REDIS_PREFIX", "0123456789012345678901234567890123456789012345678901234567890123456789",
	 "is too long", "at most 64 bytes"},
};

Test(config, every_invalid_value_is_one_line_naming_key_problem_and_form)
{
	for (size_t i = 0; i < sizeof(invalid_values) / sizeof(invalid_values[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, invalid_values[i].key, invalid_values[i].value), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "%s=%s taken", invalid_values[i].key,
			     invalid_values[i].value);
		const char *m = wvl_error_last()->message;
		char prefix[80];
		snprintf(prefix, sizeof(prefix), "%s: ", invalid_values[i].key);
		cr_expect(strncmp(m, prefix, strlen(prefix)) == 0, "%s does not start with the key", m);
		cr_expect_not_null(strstr(m, invalid_values[i].problem), "%s lacks \"%s\"", m,
				   invalid_values[i].problem);
		cr_expect_not_null(strstr(m, "; expected "), "%s names no expected form", m);
		cr_expect_not_null(strstr(m, invalid_values[i].expected), "%s lacks \"%s\"", m,
				   invalid_values[i].expected);
		cr_expect_null(strchr(m, '\n'), "%s is more than one line", m);
		wvl_config_free(cfg);
	}
}

Test(config, a_post_backup_command_has_a_length_bound)
{
	char cmd[4002];
	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_POST_COMMAND", cmd), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message,
				  "WL_BACKUP_POST_COMMAND: the value is too long; expected at most 4000 bytes"),
			   "%s", wvl_error_last()->message);
	cmd[4000] = '\0';
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_POST_COMMAND", cmd), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	wvl_config_free(cfg);
}

Test(config, secret_values_are_never_repeated)
{
	static const struct {
		const char *key, *value, *secret;
	} rows[] = {
		{"WL_DATABASE_URL", "postgresql://app:hunter2@h:notaport/db", "hunter2"},
		{"WL_REDIS_URL", "redis://:hunter2@host:0", "hunter2"},
		{"WL_SECRET_KEY", "hunter2 is not base64!", "hunter2"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, rows[i].key, rows[i].value), 0);
		cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "%s taken", rows[i].key);
		cr_expect_not_null(strstr(wvl_error_last()->message, rows[i].key));
		cr_expect_null(strstr(wvl_error_last()->message, rows[i].secret), "%s leaks: %s",
			       rows[i].key, wvl_error_last()->message);
		wvl_config_free(cfg);
	}
}

Test(config, valid_values_of_each_type_are_taken)
{
	static const struct {
		const char *key, *value;
	} rows[] = {
		{"WL_HTTP_THREADS", "0"},
		{"WL_HTTP_THREADS", "1024"},
		{"WL_RATELIMIT_ENABLED", "false"},
		{"WL_SCAN_REQUIRED", ""},
		{"WL_ENV", "production"},
		{"WL_DATABASE_URL", "postgresql:///wavelaunch?host=/run/postgresql"},
		{"WL_DATABASE_URL", "host=db port=5432 dbname=wavelaunch user=app sslmode=verify-full"},
		{"WL_DATABASE_URL", "postgres://app:p%40ss@db.internal:6432/wl?sslmode=require"},
		{"WL_MIGRATE_DATABASE_URL", ""},
		{"WL_REDIS_URL", ""},
		{"WL_REDIS_URL", "redis://cache"},
		{"WL_REDIS_URL", "redis://[::1]:6380/2"},
		{"WL_REDIS_URL", "redis://user:p%40ss%3Aw0rd@cache:6379/15"},
		{"WL_REDIS_URL", "rediss://cache.internal:6380/0"},
		{"WL_REDIS_URL", "rediss://default:p%40ss@[::1]/2"},
		{"WL_PUBLIC_URL", "https://app.example.com/base"},
		{"WL_LISTEN", "[::1]:0"},
		{"WL_LISTEN", "0.0.0.0:8080"},
		{"WL_LISTEN", "localhost:65535"},
		{"WL_BACKUP_POST_COMMAND", ""},
		{"WL_BACKUP_POST_COMMAND", "rclone copy \"$1\" \"$2\" 'offsite:sauvegardes/été'"},
		{"WL_BACKUP_POST_TIMEOUT", "1"},
		{"WL_BACKUP_POST_TIMEOUT", "86400"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, rows[i].key, rows[i].value), 0);
		if (strcmp(rows[i].key, "WL_ENV") == 0) {
			cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", "unix:/run/clamd.ctl"), 0);
			cr_assert_eq(wvl_config_set(cfg, "WL_SECRET_KEY",
						    "q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU="), 0);
		}
		cr_expect_eq(wvl_config_validate(cfg), 0, "%s=%s refused: %s", rows[i].key,
			     rows[i].value, wvl_error_last()->message);
		wvl_config_free(cfg);
	}
}

Test(config, typed_getters_read_the_checked_values)
{
	wvl_config *cfg = dev_config();
	cr_expect_eq(wvl_config_get_uint(cfg, "WL_HTTP_BODY_LIMIT"), 1048576);
	cr_assert_eq(wvl_config_set(cfg, "WL_HTTP_BODY_LIMIT", "2048"), 0);
	cr_expect_eq(wvl_config_get_uint(cfg, "WL_HTTP_BODY_LIMIT"), 2048);
	cr_assert_eq(wvl_config_set(cfg, "WL_HTTP_BODY_LIMIT", ""), 0);
	cr_expect_eq(wvl_config_get_uint(cfg, "WL_HTTP_BODY_LIMIT"), 1048576, "empty: the default");
	cr_assert_eq(wvl_config_set(cfg, "WL_HTTP_BODY_LIMIT", "big"), 0);
	cr_expect_eq(wvl_config_get_uint(cfg, "WL_HTTP_BODY_LIMIT"), 0);
	cr_expect_eq(wvl_config_get_uint(cfg, "WL_LISTEN"), 0, "not a number key");
	cr_expect_eq(wvl_config_get_uint(cfg, "WL_NOT_DECLARED"), 0);
	cr_expect_not(wvl_config_get_bool(cfg, "WL_REUSE_PORT"));
	cr_assert_eq(wvl_config_set(cfg, "WL_REUSE_PORT", "true"), 0);
	cr_expect(wvl_config_get_bool(cfg, "WL_REUSE_PORT"));
	cr_expect(wvl_config_get_bool(cfg, "WL_RATELIMIT_ENABLED"));
	cr_expect_not(wvl_config_get_bool(cfg, "WL_LISTEN"), "not a boolean key");
	wvl_config_free(cfg);
}

struct seen {
	char keys[8][65];
	char other[8][200];
	size_t n;
};

static void collect(const char *key, const char *other, void *payload)
{
	struct seen *s = payload;
	if (s->n < 8) {
		snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
		snprintf(s->other[s->n], sizeof(s->other[0]), "%s", other);
		s->n++;
	}
}

Test(config, unknown_keys_are_reported_with_the_nearest_known_key)
{
	static const struct {
		const char *typo, *nearest;
	} rows[] = {
		{"WL_DATABSE_URL", "WL_DATABASE_URL"},
		{"WL_HTTP_THREAD", "WL_HTTP_THREADS"},
		{"WL_WORKER_CONCURENCY", "WL_WORKER_CONCURRENCY"},
		{"WL_REDIS_ULR", "WL_REDIS_URL"},
		{"WL_LOGLEVEL", "WL_LOG_LEVEL"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, rows[i].typo, "x"), 0);
		cr_assert_eq(wvl_config_set(cfg, "WL_TEST_HARNESS_VALUE", "x"), 0);
		struct seen s = {0};
		cr_expect_eq(wvl_config_unknown(cfg, collect, &s), 1, "%s", rows[i].typo);
		cr_expect_str_eq(s.keys[0], rows[i].typo);
		cr_expect_str_eq(s.other[0], rows[i].nearest);
		cr_expect_eq(wvl_config_validate(cfg), 0, "an unknown key is a warning, not an error");
		wvl_config_free(cfg);
	}
	wvl_config *cfg = dev_config();
	cr_expect_eq(wvl_config_unknown(cfg, NULL, NULL), 0, "the defaults are all known");
	wvl_config_free(cfg);
}

/* Every key is built now (WL_SENTRY_DSN was the last one reserved): none
 * is reported as reserved, and one set is checked as any other. */
Test(config, no_key_is_reserved_and_a_former_one_is_checked)
{
	for (size_t i = 0; i < wvl_config_known_count(); i++)
		cr_expect_null(wvl_config_known_reserved(i), "%s", wvl_config_known_key(i));
	cr_expect_null(wvl_config_known_reserved(wvl_config_known_count()));
	cr_expect_null(wvl_config_known_key(wvl_config_known_count()));
	wvl_config *cfg = dev_config();
	cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", "https://0abc@sentry.example/1"), 0);
	cr_expect_eq(wvl_config_reserved_set(cfg, NULL, NULL), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(wvl_config_set(cfg, "WL_SENTRY_DSN", "https://sentry.example/1"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "a DSN without its key");
	cr_expect(strstr(wvl_error_last()->message, "WL_SENTRY_DSN") != NULL);
	wvl_config_free(cfg);
}

Test(config, env_example_as_copied_works_in_development_only)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/.env.example", getenv("WL_TEST_SOURCE_DIR"));
	wvl_config *cfg = dev_config();
	/* The harness's own WL_* variables would win over the file. */
	cr_assert_eq(wvl_config_load_env(cfg, path), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(wvl_config_load_env(cfg, NULL), 0);
	cr_expect_eq(wvl_config_validate(cfg), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(wvl_config_unknown(cfg, NULL, NULL), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_ENV", "production"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", "unix:/run/clamd.ctl"), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL, "the development secret in production");
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_SECRET_KEY"));
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
	wvl_pool_stats st = WVL_POOL_STATS_INIT;
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

/* WL_METRICS_TOKEN as DESIGN.md pins it (the server only asks). */
Test(health, operator_access_follows_the_metrics_token)
{
	static const struct {
		const char *token, *peer;
		bool forwarded;
		const char *auth;
		int rc;
	} rows[] = {
		{"", "127.0.0.1", false, NULL, 0},
		{"", "127.8.9.10", false, NULL, 0},
		{"", "::1", false, NULL, 0},
		{"", "::ffff:127.0.0.1", false, NULL, 0},
		{"", "127.0.0.1", true, NULL, WVL_EFORBIDDEN},
		{"", "10.0.0.1", false, NULL, WVL_EFORBIDDEN},
		{"", "1270.0.0.1", false, NULL, WVL_EFORBIDDEN},
		{"", NULL, false, NULL, WVL_EFORBIDDEN},
		{"", "10.0.0.1", false, "Bearer anything", WVL_EFORBIDDEN},
		{"tok", "10.0.0.1", false, "Bearer tok", 0},
		{"tok", "10.0.0.1", true, "bearer tok", 0},
		{"tok", "127.0.0.1", false, NULL, WVL_EUNAUTHENTICATED},
		{"tok", "127.0.0.1", false, "Bearer tok2", WVL_EUNAUTHENTICATED},
		{"tok", "127.0.0.1", false, "Bearer to", WVL_EUNAUTHENTICATED},
		{"tok", "127.0.0.1", false, "Basic dG9r", WVL_EUNAUTHENTICATED},
		{"tok", "127.0.0.1", false, "Bearer ", WVL_EUNAUTHENTICATED},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		wvl_config *cfg = dev_config();
		cr_assert_eq(wvl_config_set(cfg, "WL_METRICS_TOKEN", rows[i].token), 0);
		wvl_ctx *ctx = NULL;
		cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0, "%s", wvl_error_last()->message);
		cr_expect_eq(wvl_health_operator_access(ctx, rows[i].peer, rows[i].forwarded,
							rows[i].auth),
			     rows[i].rc, "row %zu", i);
		wvl_ctx_free(ctx);
		wvl_config_free(cfg);
	}
	cr_expect_eq(wvl_health_operator_access(NULL, "127.0.0.1", false, NULL), WVL_EINVAL);
	const char *st = NULL;
	double ms = 0;
	wvl_config *cfg = dev_config();
	wvl_ctx *ctx = NULL;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	cr_expect_eq(wvl_health_probe(&st, &ms, ctx, "clamd"), WVL_EINVAL);
	cr_expect_eq(wvl_health_probe(NULL, &ms, ctx, "redis"), WVL_EINVAL);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", ""), 0);
	wvl_ctx_free(ctx);
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	cr_expect_eq(wvl_health_probe(&st, &ms, ctx, "redis"), 0);
	cr_expect_str_eq(st, "not_configured");
	cr_expect_eq(ms, -1);
	wvl_ctx_free(ctx);
	wvl_config_free(cfg);
}
