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
#include "redis_tls.h"

extern char **environ;

struct kv {
	char *key;
	char *value;
};

struct wvl_config {
	struct kv *items;
	size_t len, cap;
};

const struct wvl_config_key *wvl_config__key_at(size_t i,
						const struct wvl_module *const *modules,
						size_t nmodules)
{
	if (i < wvl_core__keys.n)
		return &wvl_core__keys.keys[i];
	i -= wvl_core__keys.n;
	for (size_t m = 0; m < nmodules; m++) {
		const struct wvl_config_keyset *ks = modules[m]->keys;
		if (!ks)
			continue;
		if (i < ks->n)
			return &ks->keys[i];
		i -= ks->n;
	}
	return NULL;
}

const struct wvl_config_key *wvl_config__find_key(const char *key,
						  const struct wvl_module *const *modules,
						  size_t nmodules)
{
	const struct wvl_config_key *k;
	for (size_t i = 0; key && (k = wvl_config__key_at(i, modules, nmodules)); i++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

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

int wvl_config__new(wvl_config **out, const struct wvl_module *const *modules,
		    size_t nmodules)
{
	if (!out)
		return wvl_err__set(WVL_EINVAL, NULL, "out is NULL");
	*out = NULL;
	wvl_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const struct wvl_config_key *k;
	for (size_t i = 0; (k = wvl_config__key_at(i, modules, nmodules)); i++) {
		int rc = wvl_config_set(cfg, k->key, k->def ? k->def : "");
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
						 "WL_SECRET_KEY: is missing in production; expected "
						 "base64 of at least 32 random bytes (wl-migrate gen-secret)")
				  : 0;
	size_t len = 0;
	int st = secret_strength(s, &len);
	if (st == -1)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_SECRET_KEY: the value is not valid base64; expected base64 of "
				    "at least 32 random bytes (wl-migrate gen-secret)");
	if (!production)
		return 0;
	for (size_t i = 0; i < sizeof(example_secrets) / sizeof(example_secrets[0]); i++)
		if (strcmp(s, example_secrets[i]) == 0)
			return wvl_err__set(WVL_EINVAL, NULL,
					    "WL_SECRET_KEY: the value is the documented example, refused "
					    "in production; expected your own key (wl-migrate gen-secret)");
	if (len < 32 || st != 0)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_SECRET_KEY: the value is weak (%zu bytes, or too few distinct "
				    "bytes); expected at least 32 random bytes (wl-migrate gen-secret)",
				    len);
	return 0;
}

bool wvl_config__production(const wvl_config *cfg)
{
	const char *env = wvl_config_get(cfg, "WL_ENV");
	return env && strcmp(env, "production") == 0;
}

/* Every declared key's value through its type's parser, then the core's
 * own rules (the secret), then each module's hook. */
static int validate_declared(const wvl_config *cfg, const struct wvl_module *const *modules,
			     size_t nmodules)
{
	const struct wvl_config_key *k;
	for (size_t i = 0; (k = wvl_config__key_at(i, modules, nmodules)); i++) {
		int rc = wvl_config__parse(k, wvl_config_get(cfg, k->key), NULL);
		if (rc)
			return rc;
	}
	int rc = check_secret(cfg, wvl_config__production(cfg));
	return rc ? rc : wvl_redis_tls__validate_config(cfg);
}

int wvl_config__validate(const wvl_config *cfg, const struct wvl_module *const *modules,
			 size_t nmodules)
{
	if (!cfg)
		return wvl_err__set(WVL_EINVAL, NULL, "cfg is NULL");
	int rc = validate_declared(cfg, modules, nmodules);
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

/* Levenshtein distance of two short keys (at most 64 bytes each). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

size_t wvl_config__unknown(const wvl_config *cfg, const struct wvl_module *const *modules,
			   size_t nmodules,
			   void (*fn)(const char *key, const char *nearest, void *payload),
			   void *payload)
{
	size_t n = 0;
	for (size_t i = 0; cfg && i < cfg->len; i++) {
		const char *key = cfg->items[i].key;
		/* The test harness's own variables (scripts/test) are no setting. */
		if (strncmp(key, "WL_TEST_", 8) == 0 || wvl_config__find_key(key, modules, nmodules))
			continue;
		const struct wvl_config_key *k, *best = NULL;
		size_t best_d = (size_t)-1;
		for (size_t j = 0; (k = wvl_config__key_at(j, modules, nmodules)); j++) {
			size_t d = distance(key, k->key);
			if (d < best_d) {
				best_d = d;
				best = k;
			}
		}
		n++;
		if (fn)
			fn(key, best ? best->key : "", payload);
	}
	return n;
}
