/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Policies: which limit a request falls under, the limits themselves
 * (configuration), and the GCRA arithmetic both the Redis script and the
 * in-process fallback share. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit_int.h"

static const char *const policy_names[WVL_RL_POLICIES] = {
	"none", "login", "password", "write", "read"};

/* API.md's table, and the configuration key that overrides each row. */
static const char *const policy_keys[WVL_RL_POLICIES] = {
	NULL, "WL_RATELIMIT_LOGIN", "WL_RATELIMIT_PASSWORD", "WL_RATELIMIT_WRITE",
	"WL_RATELIMIT_READ"};
static const char *const policy_defaults[WVL_RL_POLICIES] = {
	NULL, "5/15m", "3/1h", "100/15m", "300/15m"};

#define MAX_LIMIT 1000000u
#define MAX_WINDOW_S (30u * 86400u)

const char *wvl_ratelimit_policy_name(wvl_ratelimit_policy policy)
{
	unsigned p = (unsigned)policy;
	return p < WVL_RL_POLICIES ? policy_names[p] : "none";
}

/* Next non-empty '/'-separated segment, stopping at a query string: the
 * router splits paths the same way, so "//api/auth//login/" is the login
 * route there and must be the login policy here. */
static bool next_segment(const char **p, const char **seg, size_t *len)
{
	const char *s = *p;
	while (*s == '/')
		s++;
	if (*s == '\0' || *s == '?')
		return false;
	size_t n = strcspn(s, "/?");
	*seg = s;
	*len = n;
	*p = s + n;
	return true;
}

static bool seg_is(const char *seg, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(seg, word, len) == 0;
}

/* Compares the whole path with `words` (NULL-terminated). */
static bool path_is(const char *path, const char *const *words)
{
	const char *seg;
	size_t len;
	for (; *words; words++)
		if (!next_segment(&path, &seg, &len) || !seg_is(seg, len, *words))
			return false;
	return !next_segment(&path, &seg, &len);
}

wvl_ratelimit_policy wvl_ratelimit_policy_for(const char *method, const char *path)
{
	static const char *const login[] = {"api", "auth", "login", NULL};
	static const char *const forgot[] = {"api", "auth", "password", "forgot", NULL};
	static const char *const reset[] = {"api", "auth", "password", "reset", NULL};
	static const char *const health[] = {"api", "health", NULL};
	static const char *const webhook[] = {"api", "webhooks", "email", NULL};
	if (!method || !path)
		return WVL_RATELIMIT_NONE;
	const char *p = path, *seg;
	size_t len;
	if (!next_segment(&p, &seg, &len) || !seg_is(seg, len, "api"))
		return WVL_RATELIMIT_NONE;
	/* Preflights carry no credentials and touch nothing. */
	if (strcmp(method, "OPTIONS") == 0)
		return WVL_RATELIMIT_NONE;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		/* Health is cheap and monitors poll it often from one address;
		 * its detailed form is protected by its own token. */
		return path_is(path, health) ? WVL_RATELIMIT_NONE : WVL_RATELIMIT_READ;
	if (strcmp(method, "POST") == 0) {
		if (path_is(path, login))
			return WVL_RATELIMIT_LOGIN;
		if (path_is(path, forgot) || path_is(path, reset))
			return WVL_RATELIMIT_PASSWORD;
		/* The provider posts an event per email from a few addresses;
		 * its signature is checked (one HMAC) before anything else. */
		if (path_is(path, webhook))
			return WVL_RATELIMIT_NONE;
	}
	return WVL_RATELIMIT_WRITE;
}

static int parse_window(uint32_t *out, const char *s)
{
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (errno || end == s || *s == '-' || *s == '+')
		return -1;
	unsigned long unit = 1;
	if (*end) {
		const char *units = "smhd";
		static const unsigned long secs[] = {1, 60, 3600, 86400};
		const char *u = strchr(units, *end);
		if (!u || end[1] != '\0')
			return -1;
		unit = secs[u - units];
	}
	if (n == 0 || n > MAX_WINDOW_S / unit)
		return -1;
	*out = (uint32_t)(n * unit);
	return 0;
}

int wvl_ratelimit__rule_parse(struct wvl_rl_rule *out, const char *text)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	if (!slash || slash == text || slash - text > 10)
		return -1;
	char num[16];
	memcpy(num, text, (size_t)(slash - text));
	num[slash - text] = '\0';
	char *end = NULL;
	errno = 0;
	unsigned long limit = strtoul(num, &end, 10);
	if (errno || *end || num[0] == '-' || num[0] == '+' || limit == 0 || limit > MAX_LIMIT)
		return -1;
	uint32_t window = 0;
	if (parse_window(&window, slash + 1))
		return -1;
	out->limit = (uint32_t)limit;
	out->window_s = window;
	/* Flooring the interval and deriving the tolerance from it keeps a
	 * fresh burst at exactly `limit`, whatever the division leaves over. */
	out->interval_us = (int64_t)window * 1000000 / (int64_t)limit;
	out->tolerance_us = out->interval_us * (int64_t)limit;
	return 0;
}

int wvl_ratelimit__rule_from_config(struct wvl_rl_rule *out, const wvl_config *cfg,
				    wvl_ratelimit_policy policy)
{
	unsigned p = (unsigned)policy;
	if (p == 0 || p >= WVL_RL_POLICIES)
		return -1;
	const char *v = wvl_config_get(cfg, policy_keys[p]);
	if (v && *v)
		return wvl_ratelimit__rule_parse(out, v);
	return wvl_ratelimit__rule_parse(out, policy_defaults[p]);
}

int wvl_ratelimit__fallback_size(size_t *out, const wvl_config *cfg)
{
	const char *v = wvl_config_get(cfg, "WL_RATELIMIT_FALLBACK_SIZE");
	*out = 65536;
	if (!v || !*v)
		return 0;
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || v[0] == '-' || v[0] == '+' || n < 64 || n > (1ul << 24))
		return -1;
	*out = n;
	return 0;
}

static int validate_rules(const wvl_config *cfg)
{
	for (unsigned p = 1; p < WVL_RL_POLICIES; p++) {
		struct wvl_rl_rule r;
		if (wvl_ratelimit__rule_from_config(&r, cfg, (wvl_ratelimit_policy)p))
			return wvl_err__set(WVL_EINVAL, NULL,
					    "%s must be <requests>/<window>, e.g. %s (requests "
					    "1..1000000, window 1s..30d, suffix s, m, h or d)",
					    policy_keys[p], policy_defaults[p]);
	}
	return 0;
}

int wvl_ratelimit__validate_config(const wvl_config *cfg)
{
	int rc = validate_rules(cfg);
	if (rc)
		return rc;
	struct wvl_rl_net *nets = NULL;
	size_t n = 0;
	if (wvl_ratelimit__nets_parse(&nets, &n, wvl_config_get(cfg, "WL_TRUSTED_PROXIES")))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_TRUSTED_PROXIES must be comma-separated IP addresses or "
				    "CIDR ranges (10.0.0.0/8, fd00::/8)");
	free(nets);
	const char *prefix = wvl_config_get(cfg, "WL_REDIS_PREFIX");
	if (prefix && strlen(prefix) > 64)
		return wvl_err__set(WVL_EINVAL, NULL, "WL_REDIS_PREFIX is longer than 64 bytes");
	size_t entries;
	if (wvl_ratelimit__fallback_size(&entries, cfg))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_RATELIMIT_FALLBACK_SIZE must be 64..16777216 keys");
	return 0;
}

bool wvl_ratelimit__gcra(int64_t *tat, int64_t now, const struct wvl_rl_rule *r)
{
	int64_t t = *tat > now ? *tat : now;
	int64_t next = t + r->interval_us;
	if (next - now > r->tolerance_us) {
		*tat = t;
		return false;
	}
	*tat = next;
	return true;
}

static unsigned int ceil_seconds(int64_t us)
{
	if (us <= 0)
		return 0;
	int64_t s = (us + 999999) / 1000000;
	return s > (int64_t)UINT32_MAX ? UINT32_MAX : (unsigned int)s;
}

void wvl_ratelimit__fill(wvl_ratelimit_result *out, const struct wvl_rl_rule *r,
			 int64_t now, int64_t tat, bool allowed)
{
	int64_t ahead = tat > now ? tat - now : 0;
	int64_t room = r->tolerance_us - ahead;
	*out = (wvl_ratelimit_result)WVL_RATELIMIT_RESULT_INIT;
	out->allowed = allowed;
	out->limit = r->limit;
	out->window = r->window_s;
	out->remaining = allowed && room > 0 ? (unsigned int)(room / r->interval_us) : 0;
	out->reset = ceil_seconds(ahead);
	if (!allowed) {
		/* The next request fits once TAT + interval - tolerance is past. */
		unsigned int wait = ceil_seconds(ahead + r->interval_us - r->tolerance_us);
		out->retry_after = wait ? wait : 1;
	}
}
