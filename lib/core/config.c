/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Configuration: WL_* keys with documented defaults, loaded from a .env
 * file and the environment.  Kept as an opaque key/value set so new keys
 * never change the ABI. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

extern char **environ;

/* The installed web UI (meson sets it from the prefix). */
#ifndef WVL_WEB_DIR
#define WVL_WEB_DIR ""
#endif

struct known_key {
	const char *key;
	const char *def;
	const char *help;
};

/* The pinned names of DESIGN.md first, then the project's own. */
static const struct known_key known[] = {
	{"WL_DATABASE_URL", "postgresql://wavelaunch_app@127.0.0.1:5432/wavelaunch",
	 "libpq URL of the app role (not owner, not superuser, not BYPASSRLS)"},
	{"WL_MIGRATE_DATABASE_URL", "",
	 "owner connection for wl-migrate; empty: WL_DATABASE_URL"},
	{"WL_APP_ROLE", "wavelaunch_app", "name of the app role wl-migrate creates"},
	{"WL_REDIS_URL", "redis://127.0.0.1:6379/0", "redis://host:port/db"},
	{"WL_SECRET_KEY", "", "base64 of at least 32 random bytes (openssl rand -base64 32)"},
	{"WL_LISTEN", "127.0.0.1:8080", "host:port wl-server listens on"},
	{"WL_PUBLIC_URL", "http://127.0.0.1:8080", "external base URL; https makes cookies Secure"},
	{"WL_ENV", "development", "development or production"},
	{"WL_CORS_ORIGINS", "", "comma-separated allowed origins"},
	{"WL_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is believed"},
	{"WL_STORAGE_DIR", "./var/storage", "where uploaded files live (outside any served folder)"},
	{"WL_CLAMD", "", "unix:/path or tcp:host:port; empty: scanning not configured"},
	{"WL_EMAIL_TRANSPORT", "mailbox", "resend, smtp or mailbox"},
	{"WL_SMTP_URL", "", "smtp:// or smtps://user:pass@host:port"},
	{"WL_RESEND_API_KEY", "", "Resend API key"},
	{"WL_RESEND_BASE_URL", "https://api.resend.com", "Resend base URL"},
	{"WL_MAILBOX_DIR", "./var/mailbox", "folder for .eml files (mailbox transport)"},
	{"WL_EMAIL_FROM", "WavelaunchOS <no-reply@wavelaunch.local>", "sender address"},
	{"WL_WEBHOOK_SECRET", "", "whsec_... secret for provider webhooks"},
	{"WL_SMTP_CA_FILE", "", "PEM file of the CAs SMTP's TLS trusts; empty: the system's"},
	{"WL_EMAIL_TIMEOUT", "30", "seconds one send to the SMTP server or Resend may take (1..600)"},
	{"WL_ANTHROPIC_API_KEY", "", "Claude API key; empty selects the offline provider"},
	{"WL_ANTHROPIC_BASE_URL", "https://api.anthropic.com", "Claude API base URL"},
	{"WL_AI_MODEL", "claude-sonnet-4-5", "Claude model name"},
	{"WL_AI_TIMEOUT", "600", "seconds one attempt of a model call may take (1..3600)"},
	{"WL_AI_MAX_RETRIES", "2", "retries of a model call after a retryable failure (0..10)"},
	{"WL_AI_PRICES", "300,1500,375,30",
	 "cents per million tokens: input,output,cache_write,cache_read (the recorded cost)"},
	{"WL_AI_BUDGET_HARD_STOP", "false",
	 "true: a client whose month's AI spend reached WL_TOKEN_BUDGET_CENTS gets no more calls"},
	{"WL_COACH_CONTEXT_TOKENS", "8000",
	 "tokens of earlier conversation the coach sends with a question (500..1000000)"},
	{"WL_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"WL_HTTP_THREADS", "0", "wl-server worker threads; 0: two per core (at least 4, at most WL_PG_POOL_SIZE)"},
	{"WL_HTTP_CONNECTION_LIMIT", "1024", "total connections wl-server accepts"},
	{"WL_HTTP_PER_IP_LIMIT", "256", "connections per client address"},
	{"WL_HTTP_TIMEOUT", "30", "seconds an idle connection is kept"},
	{"WL_HTTP_CONNECTION_MEMORY", "65536", "bytes of buffer per connection"},
	{"WL_HTTP_BODY_LIMIT", "1048576", "largest JSON body in bytes"},
	{"WL_HTTP_HEADER_TIMEOUT", "10", "seconds a request's headers may take, however they trickle"},
	{"WL_HTTP_BODY_TIMEOUT", "300", "seconds a request's body may take"},
	{"WL_HTTP_MIN_RATE", "1024", "bytes per second a body must keep up after 5 s; 0: none"},
	{"WL_HTTP_ANON_PER_IP_LIMIT", "32",
	 "connections one address may hold before any authenticates (trusted proxies exempt); 0: no cap"},
	{"WL_PG_POOL_SIZE", "16", "PostgreSQL connections per process"},
	{"WL_REDIS_POOL_SIZE", "8", "Redis connections per process"},
	{"WL_STATIC_DIR", WVL_WEB_DIR,
	 "folder of the web UI wl-server serves at /; default: where meson install puts it; empty: none"},
	{"WL_ARGON2_MEMORY_KIB", "19456", "Argon2id memory in KiB (OWASP minimum 19456)"},
	{"WL_ARGON2_ITERATIONS", "2", "Argon2id iterations"},
	{"WL_SESSION_IDLE_SECONDS", "86400", "a session ends after this long without activity"},
	{"WL_SESSION_MAX_SECONDS", "2592000", "absolute session lifetime"},
	{"WL_SESSION_CACHE_SECONDS", "60",
	 "how long wl-server remembers a session for reads (checked again on every request; 0: off)"},
	{"WL_LOCKOUT_THRESHOLD", "5", "failed logins that lock an address"},
	{"WL_LOCKOUT_WINDOW_SECONDS", "900", "window in which failures are counted"},
	{"WL_LOCKOUT_SECONDS", "900", "how long a lock lasts"},
	{"WL_DEVICE_COOKIE_SECONDS", "31536000", "lifetime of the device cookie"},
	{"WL_RESET_TOKEN_SECONDS", "3600", "lifetime of a password reset link"},
	{"WL_RATELIMIT_ENABLED", "true", "false switches request rate limits off (the lockout stays)"},
	{"WL_REDIS_PREFIX", "wl:", "prefix of every Redis key (several deployments may share one Redis)"},
	{"WL_RATELIMIT_LOGIN", "5/15m", "POST /api/auth/login per IP: <requests>/<window>, window in s, m, h or d"},
	{"WL_RATELIMIT_PASSWORD", "3/1h", "POST /api/auth/password/forgot and /reset per IP"},
	{"WL_RATELIMIT_WRITE", "100/15m", "other POST/PUT/PATCH/DELETE under /api per user (IP when anonymous)"},
	{"WL_RATELIMIT_READ", "300/15m", "GET under /api per user (IP when anonymous)"},
	{"WL_RATELIMIT_LEASE", "32",
	 "most read admissions one Redis call may lease to a busy key (1: ask every time)"},
	{"WL_RATELIMIT_FALLBACK_SIZE", "65536", "keys the in-process limiter keeps while Redis is down (64..16777216)"},
	{"WL_UPLOAD_MAX_BYTES", "26214400", "largest upload in bytes (25 MiB)"},
	{"WL_STORAGE_QUOTA_BYTES", "5368709120", "bytes of files one client may keep (5 GiB); 0: no quota"},
	{"WL_SCAN_REQUIRED", "", "true: uploads must be virus-scanned; empty: only in production"},
	{"WL_CLAMD_TIMEOUT", "30", "seconds clamd may take per read or write (connect: at most 5)"},
	{"WL_DOWNLOAD_LINK_TTL", "3600", "seconds a signed download link stays valid"},
	{"WL_ZIP_MAX_ENTRIES", "10000", "most entries a zip container (DOCX/XLSX/PPTX) may hold"},
	{"WL_ZIP_MAX_UNCOMPRESSED", "1073741824", "largest declared uncompressed size of a zip container"},
	{"WL_ZIP_MAX_RATIO", "250", "highest compression ratio of a zip entry over 1 MiB"},
	{"WL_WORKER_CONCURRENCY", "10", "jobs one wl-worker runs at the same time"},
	{"WL_WORKER_PREFETCH", "10", "jobs wl-worker claims ahead per handler thread (1..100)"},
	{"WL_WORKER_QUEUES", "default,email,notifications,automation,files",
	 "comma-separated queues wl-worker claims from (default: every queue the library uses)"},
	{"WL_WORKER_POLL_MS", "1000", "wl-worker polls this often (ms) besides LISTEN/NOTIFY"},
	{"WL_WORKER_SHUTDOWN_GRACE", "25", "seconds running jobs may finish after SIGTERM"},
	{"WL_JOBS_HEARTBEAT_INTERVAL", "5", "seconds between heartbeats of running jobs"},
	{"WL_JOBS_RESCUE_AFTER", "60", "seconds without heartbeat before a running job is rescued"},
	{"WL_JOBS_BACKOFF_BASE", "15", "seconds before the first retry; x4 per attempt, +/-20%"},
	{"WL_JOBS_RETENTION_DAYS", "14", "days finished jobs are kept before pruning"},
	{"WL_SCHEDULER_GRACE", "300", "seconds a late cron firing still runs; older ones are missed"},
	{"WL_BACKUP_DIR", "./var/backups", "where backup_database writes pg_dump files"},
	{"WL_BACKUP_RETENTION_DAYS", "14", "days database backups are kept"},
	{"WL_PG_DUMP", "pg_dump", "pg_dump program backup_database runs"},
	{"WL_TOKEN_BUDGET_CENTS", "0",
	 "monthly AI spend per client (cents): alerts at 50, 80 and 100 %; 0: off"},
	{"WL_AUTOMATION_REMINDER_DAYS", "3", "days before a milestone the reminder email goes"},
	{"WL_AGENCY_NAME", "Wavelaunch Studio", "the agency's name in PDF headers and footers (1..200 characters)"},
};

#define KNOWN_COUNT (sizeof(known) / sizeof(known[0]))

struct kv {
	char *key;
	char *value;
};

struct wvl_config {
	struct kv *items;
	size_t len, cap;
};

size_t wvl_config_known_count(void) { return KNOWN_COUNT; }
const char *wvl_config_known_key(size_t i) { return i < KNOWN_COUNT ? known[i].key : NULL; }
const char *wvl_config_known_default(size_t i) { return i < KNOWN_COUNT ? known[i].def : NULL; }
const char *wvl_config_known_help(size_t i) { return i < KNOWN_COUNT ? known[i].help : NULL; }

static struct kv *find(const wvl_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->len; i++)
		if (strcmp(cfg->items[i].key, key) == 0)
			return &cfg->items[i];
	return NULL;
}

static int valid_key(const char *key)
{
	if (strncmp(key, "WL_", 3) != 0 || strlen(key) > 64 || key[3] == '\0')
		return 0;
	for (const char *p = key; *p; p++)
		if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return 0;
	return 1;
}

int wvl_config_set(wvl_config *cfg, const char *key, const char *value)
{
	if (!cfg || !key || !value)
		return wvl_err__set(WVL_EINVAL, NULL, "config key and value are required");
	if (!valid_key(key))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "config keys are WL_ followed by upper-case letters, digits or _");
	char *v = wvl_str__dup(value);
	if (!v)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	struct kv *item = find(cfg, key);
	if (item) {
		free(item->value);
		item->value = v;
		return 0;
	}
	if (cfg->len == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 64;
		struct kv *n = realloc(cfg->items, cap * sizeof(*n));
		if (!n) {
			free(v);
			return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		}
		cfg->items = n;
		cfg->cap = cap;
	}
	cfg->items[cfg->len].key = wvl_str__dup(key);
	cfg->items[cfg->len].value = v;
	if (!cfg->items[cfg->len].key) {
		free(v);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	cfg->len++;
	return 0;
}

const char *wvl_config_get(const wvl_config *cfg, const char *key)
{
	if (!cfg || !key)
		return NULL;
	struct kv *item = find(cfg, key);
	return item ? item->value : NULL;
}

int wvl_config_new(wvl_config **out)
{
	if (!out)
		return wvl_err__set(WVL_EINVAL, NULL, "out is NULL");
	*out = NULL;
	wvl_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (size_t i = 0; i < KNOWN_COUNT; i++) {
		int rc = wvl_config_set(cfg, known[i].key, known[i].def);
		if (rc) {
			wvl_config_free(cfg);
			return rc;
		}
	}
	*out = cfg;
	return 0;
}

void wvl_config_free(wvl_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->len; i++) {
		free(cfg->items[i].key);
		if (cfg->items[i].value)
			sodium_memzero(cfg->items[i].value, strlen(cfg->items[i].value));
		free(cfg->items[i].value);
	}
	free(cfg->items);
	free(cfg);
}

/* Strips one pair of matching quotes; double quotes allow \n \" \\ escapes. */
static int unquote(char *v)
{
	size_t n = strlen(v);
	if (n == 0 || (v[0] != '"' && v[0] != '\''))
		return 0;
	char q = v[0];
	if (n < 2 || v[n - 1] != q)
		return -1;
	char *w = v;
	for (size_t i = 1; i < n - 1; i++) {
		if (q == '"' && v[i] == '\\' && i + 1 < n - 1) {
			i++;
			*w++ = v[i] == 'n' ? '\n' : v[i];
		} else {
			*w++ = v[i];
		}
	}
	*w = '\0';
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
		     s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static int parse_dotenv_line(wvl_config *cfg, char *line, const char *path,
			     unsigned lineno)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "export ", 7) == 0)
		s = trim(s + 7);
	char *eq = strchr(s, '=');
	if (!eq)
		return wvl_err__set(WVL_EINVAL, NULL, "%s:%u: expected KEY=value", path, lineno);
	*eq = '\0';
	char *key = trim(s), *value = trim(eq + 1);
	if (!valid_key(key))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "%s:%u: keys must be WL_ followed by A-Z, 0-9 or _", path, lineno);
	if (unquote(value) != 0)
		return wvl_err__set(WVL_EINVAL, NULL, "%s:%u: unterminated quote", path, lineno);
	return wvl_config_set(cfg, key, value);
}

static int load_dotenv(wvl_config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0
				       : wvl_err__set(WVL_EINVAL, NULL, "cannot read %s", path);
	char line[8192];
	unsigned lineno = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = wvl_err__set(WVL_EINVAL, NULL, "%s:%u: line too long", path, lineno);
			break;
		}
		rc = parse_dotenv_line(cfg, line, path, lineno);
	}
	fclose(f);
	return rc;
}

int wvl_config_load_env(wvl_config *cfg, const char *dotenv_path)
{
	if (!cfg)
		return wvl_err__set(WVL_EINVAL, NULL, "cfg is NULL");
	if (dotenv_path) {
		int rc = load_dotenv(cfg, dotenv_path);
		if (rc)
			return rc;
	}
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strncmp(*e, "WL_", 3) != 0 || (size_t)(eq - *e) >= 64)
			continue;
		char key[65];
		memcpy(key, *e, (size_t)(eq - *e));
		key[eq - *e] = '\0';
		if (!valid_key(key))
			continue;
		int rc = wvl_config_set(cfg, key, eq + 1);
		if (rc)
			return rc;
	}
	return 0;
}

/* Secrets that appear in our own examples and docs are refused in
 * production: a copied example is as weak as no secret at all. */
static const char *const example_secrets[] = {
	"change-me", "changeme", "CHANGE_ME_base64_of_32_random_bytes",
	"ZGV2ZWxvcG1lbnQtb25seS1zZWNyZXQta2V5LTAwMDAwMDAw",
};

static int secret_strength(const char *b64, size_t *out_len)
{
	unsigned char buf[512];
	size_t len = 0;
	if (sodium_base642bin(buf, sizeof(buf), b64, strlen(b64), " \n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(buf, sizeof(buf), b64, strlen(b64), " \n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return -1;
	/* A key of one repeated byte decodes fine but is no secret. */
	size_t distinct = 0;
	unsigned char seen[256] = {0};
	for (size_t i = 0; i < len; i++)
		if (!seen[buf[i]]++)
			distinct++;
	sodium_memzero(buf, sizeof(buf));
	*out_len = len;
	return distinct >= 8 ? 0 : -2;
}

static int check_secret(const wvl_config *cfg, bool production)
{
	const char *s = wvl_config_get(cfg, "WL_SECRET_KEY");
	if (!s || !*s)
		return production ? wvl_err__set(WVL_EINVAL, NULL,
						 "WL_SECRET_KEY is missing: set it to base64 of at "
						 "least 32 random bytes (openssl rand -base64 32)")
				  : 0;
	size_t len = 0;
	int st = secret_strength(s, &len);
	if (st == -1)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_SECRET_KEY is not valid base64");
	if (!production)
		return 0;
	for (size_t i = 0; i < sizeof(example_secrets) / sizeof(example_secrets[0]); i++)
		if (strcmp(s, example_secrets[i]) == 0)
			return wvl_err__set(WVL_EINVAL, NULL,
					    "WL_SECRET_KEY is the documented example value: "
					    "generate your own (openssl rand -base64 32)");
	if (len < 32 || st != 0)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_SECRET_KEY is weak (%zu bytes, or too few distinct "
				    "bytes): use at least 32 random bytes", len);
	return 0;
}

int wvl_config__check_uint(const wvl_config *cfg, const char *key, unsigned long min,
			   unsigned long max)
{
	/* An optional value: a typo is refused at start-up rather than
	 * quietly replaced by the default. */
	const char *v = wvl_config_get(cfg, key);
	if (!v || !*v)
		return 0;
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || errno || !end || *end || n < min || n > max)
		return wvl_err__set(WVL_EINVAL, NULL, "%s must be a whole number from %lu to %lu",
				    key, min, max);
	return 0;
}

int wvl_config__check_bool(const wvl_config *cfg, const char *key, bool allow_empty)
{
	const char *v = wvl_config_get(cfg, key);
	if (!v || (!*v && allow_empty) || strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return 0;
	return wvl_err__set(WVL_EINVAL, NULL, "%s must be true%s", key,
			    allow_empty ? ", false or empty" : " or false");
}

bool wvl_config__production(const wvl_config *cfg)
{
	const char *env = wvl_config_get(cfg, "WL_ENV");
	return env && strcmp(env, "production") == 0;
}

static int check_listen(const char *listen)
{
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	if (!colon || colon == listen)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_LISTEN must be host:port");
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (!end || *end || port < 0 || port > 65535)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_LISTEN port must be 0..65535");
	return 0;
}

/* redis://[[user]:password@]host[:port][/db] as the pool reads it
 * (redis.c): a host, a port from 1 to 65535, a database number; anything
 * else would leave Redis silently unconfigured. */
static int check_redis_url(const char *url)
{
	if (!url || !*url)
		return 0;
	if (strncmp(url, "redis://", 8) != 0)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_REDIS_URL must start with redis://");
	const char *s = url + 8, *at = strrchr(s, '@');
	s = at ? at + 1 : s;
	size_t host = strcspn(s, ":/");
	const char *p = s + host;
	size_t port = *p == ':' ? strspn(p + 1, "0123456789") : 0;
	long port_no = port ? strtol(p + 1, NULL, 10) : 6379;
	p += *p == ':' ? 1 + port : 0;
	size_t db = *p == '/' ? strspn(p + 1, "0123456789") : 0;
	p += *p == '/' ? 1 + db : 0;
	if (host == 0 || *p || port > 5 || port_no < 1 || port_no > 65535 || db > 4 ||
	    (s[host] == ':' && port == 0))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_REDIS_URL must be redis://[[user]:password@]host[:port][/db]"
				    " with a port from 1 to 65535");
	return 0;
}

static int validate_core(const wvl_config *cfg)
{
	const char *env = wvl_config_get(cfg, "WL_ENV");
	bool production = wvl_config__production(cfg);
	if (!production && env && strcmp(env, "development") != 0)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_ENV must be development or production");
	int rc = check_secret(cfg, production);
	if (rc)
		return rc;
	if ((rc = check_listen(wvl_config_get(cfg, "WL_LISTEN"))))
		return rc;
	if ((rc = check_redis_url(wvl_config_get(cfg, "WL_REDIS_URL"))))
		return rc;
	wvl_log_level lvl;
	if (wvl_log_level_parse(&lvl, wvl_config_get(cfg, "WL_LOG_LEVEL")))
		return wvl_err__set(WVL_EINVAL, NULL, "WL_LOG_LEVEL must be debug, info, warn or error");
	return 0;
}

int wvl_config__validate(const wvl_config *cfg, const struct wvl_module *const *modules,
			 size_t nmodules)
{
	if (!cfg)
		return wvl_err__set(WVL_EINVAL, NULL, "cfg is NULL");
	int rc = validate_core(cfg);
	for (size_t i = 0; rc == 0 && i < nmodules; i++)
		if (modules[i]->validate_config)
			rc = modules[i]->validate_config(cfg);
	return rc;
}

int wvl_config__clone(wvl_config **out, const wvl_config *src)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (size_t i = 0; i < src->len; i++) {
		int rc = wvl_config_set(*out, src->items[i].key, src->items[i].value);
		if (rc) {
			wvl_config_free(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

unsigned long wvl_config__uint(const wvl_config *cfg, const char *key,
			       unsigned long def, unsigned long max)
{
	const char *v = wvl_config_get(cfg, key);
	char *end = NULL;
	if (!v || !*v)
		return def;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	return (errno == 0 && end && !*end && n > 0 && n < max) ? n : def;
}
